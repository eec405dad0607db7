"""Partition ``entries`` on PostgreSQL; ids move to ``entry_ids``.

PostgreSQL: ``entries`` becomes a table partitioned by RANGE on ``month`` (HQ's receive
month, YYYYMM), each month by HASH on ``store_id`` (16 tables), with a default
partition. Its primary key is ``(terminal_id, seq, store_id, month)`` (a partitioned
table's unique indexes must hold its partition keys), and the chain-wide unique ``id``
moves to the unpartitioned ``entry_ids(id PK, terminal_id, seq)``. The months present
in the old rows get partitions, and so do the current month and the next three; the
rows are copied over, and ``entry_ids`` is filled from them.

SQLite (the single shop's embedded HQ): a plain table with the same keys; the table is
rebuilt with the new primary key, and ``entry_ids`` filled.

The downgrade puts back the plain table keyed ``(terminal_id, seq)`` with ``id``
unique, every row kept.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copies of ``sync.hq.db``'s partition layout as of this revision (a migration
# does not import code that may change after it); ``db.upgrade`` then keeps making
# upcoming months' partitions with the same names.
COLUMNS = (
    "terminal_id, seq, id, store_id, month, at, kind, member_code, ref, payload, "
    "prev_hash, hash, received_at, member_pos"
)
HASH_PARTITIONS = 16
MONTHS_AHEAD = 3
DEFAULT_PARTITION = "entries_default"


def _next_month(month: int) -> int:
    year, mm = divmod(month, 100)
    return (year + 1) * 100 + 1 if mm == 12 else month + 1


def _upcoming() -> list[int]:
    now = datetime.now(UTC)
    months = [now.year * 100 + now.month]
    for _ in range(MONTHS_AHEAD):
        months.append(_next_month(months[-1]))
    return months


def _create_month(month: int) -> None:
    name = f"entries_{month}"
    op.execute(
        f"CREATE TABLE {name} PARTITION OF entries "
        f"FOR VALUES FROM ({month}) TO ({_next_month(month)}) PARTITION BY HASH (store_id)"
    )
    for r in range(HASH_PARTITIONS):
        op.execute(
            f"CREATE TABLE {name}_h{r:02d} PARTITION OF {name} "
            f"FOR VALUES WITH (MODULUS {HASH_PARTITIONS}, REMAINDER {r})"
        )


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=True),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_pos", sa.BigInteger(), nullable=True),
    ]


def _indexes() -> None:
    op.create_index("ix_entries_member", "entries", ["member_code", "member_pos"], unique=False)
    op.create_index("ix_entries_store_month", "entries", ["store_id", "month"], unique=False)


def _rename_old(to: str) -> None:
    """``entries`` and its constraint and index names out of the way."""
    op.execute(f"ALTER TABLE entries RENAME TO {to}")
    op.execute(f"ALTER TABLE {to} RENAME CONSTRAINT pk_entries TO pk_{to}")
    op.execute(f"ALTER INDEX ix_entries_member RENAME TO ix_{to}_member")
    op.execute(f"ALTER INDEX ix_entries_store_month RENAME TO ix_{to}_store_month")


def upgrade() -> None:
    op.create_table(
        "entry_ids",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_ids")),
    )
    op.execute(
        "INSERT INTO entry_ids (id, terminal_id, seq) SELECT id, terminal_id, seq FROM entries"
    )
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        with op.batch_alter_table("entries", recreate="always") as batch:
            batch.drop_constraint("uq_entries_id", type_="unique")
            batch.drop_constraint("pk_entries", type_="primary")
            batch.create_primary_key("pk_entries", ["terminal_id", "seq", "store_id", "month"])
        return
    _rename_old("entries_0002")
    op.execute("ALTER TABLE entries_0002 RENAME CONSTRAINT uq_entries_id TO uq_entries_0002_id")
    op.create_table(
        "entries",
        *_columns(),
        sa.PrimaryKeyConstraint("terminal_id", "seq", "store_id", "month", name=op.f("pk_entries")),
        postgresql_partition_by="RANGE (month)",
    )
    _indexes()
    op.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF entries DEFAULT")
    held = conn.exec_driver_sql("SELECT DISTINCT month FROM entries_0002").scalars()
    for month in sorted({*held, *_upcoming()}):
        _create_month(month)
    op.execute(f"INSERT INTO entries ({COLUMNS}) SELECT {COLUMNS} FROM entries_0002")
    op.drop_table("entries_0002")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        with op.batch_alter_table("entries", recreate="always") as batch:
            batch.drop_constraint("pk_entries", type_="primary")
            batch.create_primary_key("pk_entries", ["terminal_id", "seq"])
            batch.create_unique_constraint("uq_entries_id", ["id"])
        op.drop_table("entry_ids")
        return
    _rename_old("entries_0003")
    op.create_table(
        "entries",
        *_columns(),
        sa.PrimaryKeyConstraint("terminal_id", "seq", name=op.f("pk_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_entries_id")),
    )
    _indexes()
    op.execute(f"INSERT INTO entries ({COLUMNS}) SELECT {COLUMNS} FROM entries_0003")
    op.drop_table("entries_0003")  # and its partitions with it
    op.drop_table("entry_ids")
