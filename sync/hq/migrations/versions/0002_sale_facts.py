"""Sale facts and derived member columns for the month-end jobs.

* ``sales``: one row per member sale (entry id, member, the till's sale time, spend
  = paid less coins and points tenders, store), written at push time beside its
  entry, so monthly bonuses and RFM are range scans instead of parsing payloads.
  Backfilled here from the ``sale`` entries HQ already holds.
* ``members.registered``, ``last_purchase``, ``next_due``, ``due_key``: derived from
  the cached fold when it is written (``sync.hq.facts``). Left NULL here: ``due_key``
  NULL means "not derived yet", and the next ``expire`` run reads those members'
  states and derives them (exact either way, no program code in a migration).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NOT_SPEND = ("coins", "points")
PAGE = 5000


def upgrade() -> None:
    op.create_table(
        "sales",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("spend_fen", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_sales")),
    )
    op.create_index("ix_sales_at", "sales", ["at"], unique=False)
    op.create_index("ix_sales_member", "sales", ["member_code", "at"], unique=False)
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("registered", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_purchase", sa.Date(), nullable=True))
        batch.add_column(sa.Column("next_due", sa.Date(), nullable=True))
        batch.add_column(sa.Column("due_key", sa.String(length=16), nullable=True))
        batch.create_index("ix_members_due", ["due_key", "next_due"], unique=False)
    _backfill_sales()


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_index("ix_members_due")
        batch.drop_column("due_key")
        batch.drop_column("next_due")
        batch.drop_column("last_purchase")
        batch.drop_column("registered")
    op.drop_index("ix_sales_member", table_name="sales")
    op.drop_index("ix_sales_at", table_name="sales")
    op.drop_table("sales")


# A frozen copy of ``sync.hq.facts.sale_fact`` as of this revision: a migration does not
# import code that may change after it.


def _fact(entry_id: str, at: str, payload: str, store_id: str) -> dict[str, Any] | None:
    try:
        datetime.fromisoformat(at)
        data = json.loads(payload)
        rec = data.get("record") if isinstance(data, dict) else None
        if not isinstance(rec, dict):
            return None
        code = rec.get("member_code")
        if not isinstance(code, str) or not code or len(code) > 32:
            return None
        spend = 0
        for t in rec.get("tenders") or ():
            if t["kind"] not in NOT_SPEND:
                spend += int(t["amount"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return {
        "entry_id": entry_id,
        "member_code": code,
        "at": at,
        "spend_fen": spend,
        "store_id": store_id,
    }


def _backfill_sales() -> None:
    conn = op.get_bind()
    entries = sa.table(
        "entries",
        sa.column("terminal_id", sa.String),
        sa.column("seq", sa.BigInteger),
        sa.column("id", sa.String),
        sa.column("store_id", sa.String),
        sa.column("at", sa.String),
        sa.column("kind", sa.String),
        sa.column("payload", sa.Text),
    )
    sales = sa.table(
        "sales",
        sa.column("entry_id", sa.String),
        sa.column("member_code", sa.String),
        sa.column("at", sa.String),
        sa.column("spend_fen", sa.BigInteger),
        sa.column("store_id", sa.String),
    )
    after: tuple[str, int] = ("", 0)
    while True:
        q = (
            sa.select(
                entries.c.terminal_id,
                entries.c.seq,
                entries.c.id,
                entries.c.store_id,
                entries.c.at,
                entries.c.payload,
            )
            .where(
                entries.c.kind == "sale",
                sa.tuple_(entries.c.terminal_id, entries.c.seq) > sa.tuple_(*after),
            )
            .order_by(entries.c.terminal_id, entries.c.seq)
            .limit(PAGE)
        )
        rows = conn.execute(q).all()
        if not rows:
            return
        facts = [f for r in rows if (f := _fact(r.id, r.at, r.payload, r.store_id)) is not None]
        if facts:
            conn.execute(sales.insert(), facts)
        after = (rows[-1].terminal_id, rows[-1].seq)
