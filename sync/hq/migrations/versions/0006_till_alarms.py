"""A till's alarm: its own store failed its check (``till_alarms``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "till_alarms",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_till_alarms"),
    )
    op.create_index("ix_till_alarms_terminal_id", "till_alarms", ["terminal_id"])


def downgrade() -> None:
    op.drop_index("ix_till_alarms_terminal_id", table_name="till_alarms")
    op.drop_table("till_alarms")
