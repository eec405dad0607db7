"""Program versions (``program_versions``), what each till was sent (``till_programs``)
and what it says it runs (``terminals.program_version``).

The program HQ held in ``settings`` becomes version 1, in effect from the start, and
counts as delivered to every till enrolled so far (they pulled it as that row).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "program_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("program_id", sa.String(length=32), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_program_versions"),
    )
    op.create_table(
        "till_programs",
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("terminal_id", "version", name="pk_till_programs"),
    )
    # plain ALTERs: SQLite (3.35+) adds and drops a column in place, where a batch copy
    # of ``terminals`` would trip the foreign keys that point at it
    op.add_column("terminals", sa.Column("program_version", sa.Integer(), nullable=True))
    op.add_column(
        "terminals", sa.Column("program_seen_at", sa.DateTime(timezone=True), nullable=True)
    )
    conn = op.get_bind()
    held: dict[str, str] = dict(
        conn.execute(
            sa.text("SELECT key, value FROM settings WHERE key IN ('program', 'program_toml')")
        ).all()
    )
    if held.get("program") and held.get("program_toml"):
        text = held["program_toml"]
        conn.execute(
            sa.text(
                "INSERT INTO program_versions (version, program_id, toml, sha256, "
                "effective_from, published_at, published_by, note) "
                "VALUES (1, :pid, :toml, :sha, :eff, :at, 'import', '')"
            ),
            {
                "pid": held["program"],
                "toml": text,
                "sha": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "eff": date(2000, 1, 1),
                "at": datetime.now(UTC),
            },
        )
        conn.execute(
            sa.text(
                "INSERT INTO till_programs (terminal_id, version, delivered_at) "
                "SELECT id, 1, :epoch FROM terminals WHERE kind = 'till'"
            ),
            {"epoch": EPOCH},
        )


def downgrade() -> None:
    op.execute("ALTER TABLE terminals DROP COLUMN program_seen_at")
    op.execute("ALTER TABLE terminals DROP COLUMN program_version")
    op.drop_table("till_programs")
    op.drop_table("program_versions")
