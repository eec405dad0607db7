"""Till health for the console's stores page (``sync.hq.till_health``): each till's last
push and pull, its own last seq and its clock skew as it last said them.

A till enrolled before this gets what HQ already knew: its last push that applied
something (its checkpoint's ``updated_at``) and its last pull that said a program
version (``program_seen_at``); its head and skew stay unknown until its next request.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = ("last_push_at", "last_pull_at", "till_head_seq", "clock_skew_ms")


def upgrade() -> None:
    # plain ALTERs, as 0008's: SQLite adds a column in place (foreign keys point here)
    when = sa.DateTime(timezone=True)
    op.add_column("terminals", sa.Column("last_push_at", when, nullable=True))
    op.add_column("terminals", sa.Column("last_pull_at", when, nullable=True))
    op.add_column("terminals", sa.Column("till_head_seq", sa.BigInteger(), nullable=True))
    op.add_column("terminals", sa.Column("clock_skew_ms", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE terminals SET last_pull_at = program_seen_at, last_push_at = "
        "(SELECT c.updated_at FROM checkpoints c WHERE c.terminal_id = terminals.id "
        "AND c.seq > 0) WHERE kind = 'till'"
    )


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE terminals DROP COLUMN {name}")
