"""The members' derived ``name_key`` (``facts.name_key``) and its index: the console's
member search finds a name by its start through the index instead of reading every
member's state. Filled here from the states, in batches of ``BATCH`` members (keyset
on the code, so each batch is one index range); from then on ``service.Book`` writes
it with the state.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BATCH = 10_000
_READ = sa.text("SELECT code, state_json FROM members WHERE code > :after ORDER BY code LIMIT :n")


def upgrade() -> None:
    op.add_column("members", sa.Column("name_key", sa.String(length=64), nullable=True))
    backfill(op.get_bind())
    op.create_index(  # after the backfill: one build, not an index update per row
        "ix_members_name_key",
        "members",
        ["name_key"],
        postgresql_ops={"name_key": "text_pattern_ops"},
    )


def backfill(conn: sa.Connection, batch: int = BATCH) -> None:
    """Every member's ``name_key`` from its state (NULL where it has no name)."""
    from sync.hq.facts import name_key_of

    after = ""
    while rows := conn.execute(_READ, {"after": after, "n": batch}).all():
        after = rows[-1][0]
        keys = [(code, key) for code, text in rows if (key := name_key_of(text))]
        if keys:
            _write(conn, keys)


def _write(conn: sa.Connection, keys: Sequence[tuple[str, str]]) -> None:
    if conn.dialect.name == "postgresql":  # one statement a batch
        conn.execute(
            sa.text(
                "UPDATE members SET name_key = v.key FROM unnest(CAST(:codes AS text[]),"
                " CAST(:keys AS text[])) AS v(code, key) WHERE members.code = v.code"
            ),
            {"codes": [c for c, _ in keys], "keys": [k for _, k in keys]},
        )
        return
    params: list[dict[str, Any]] = [{"c": c, "k": k} for c, k in keys]
    conn.execute(sa.text("UPDATE members SET name_key = :k WHERE code = :c"), params)


def downgrade() -> None:
    op.drop_index("ix_members_name_key", "members")
    op.execute("ALTER TABLE members DROP COLUMN name_key")  # as 0010's: in place on SQLite
