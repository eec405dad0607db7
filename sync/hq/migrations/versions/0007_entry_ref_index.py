"""Index the lookups re-derivation makes by ``ref`` and a return's sale.

``ix_entries_kind_ref`` on ``(kind, ref)``: a return's original sale (``sale`` rows by
``ref``), a no-receipt return's record row, and the chain-wide loads of a prepaid card
(``card`` rows by number).

PostgreSQL also gets ``ix_entries_return_sale``, the earlier returns of a sale: a
return row's ``ref`` is its own id and the sale's id is only in its payload
(``record.sale_id``), so the index is on an expression of the payload, partial on
``kind = 'return'``. ``entry_sale_id`` reads it without ever raising: '' for a
return without one (no receipt), NULL for a payload that is not JSON to PostgreSQL
(NaN, a number past ``numeric``: an index expression that raised would fail the
insert). The lookup takes the NULL rows too and reads them in Python, so no row
Python reads as that sale's return is missed. SQLite (the embedded HQ of one shop)
keeps its payload scan.

Both are created on the partitioned parent, which creates them on every partition,
present and future (PostgreSQL 11+), as 0003 did its indexes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# ``sync.hq.derive.History.returns_query`` queries with this same expression. Not
# PARALLEL SAFE: its exception block is a subtransaction, which a parallel worker (a
# parallel index build) cannot start.
FUNCTION = """
CREATE FUNCTION entry_sale_id(payload text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN coalesce(payload::jsonb -> 'record' ->> 'sale_id', '');
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_index("ix_entries_kind_ref", "entries", ["kind", "ref"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(
        "CREATE INDEX ix_entries_return_sale ON entries "
        "(terminal_id, entry_sale_id(payload)) WHERE kind = 'return'"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_entries_return_sale")
        op.execute("DROP FUNCTION entry_sale_id(text)")
    op.drop_index("ix_entries_kind_ref", table_name="entries")
