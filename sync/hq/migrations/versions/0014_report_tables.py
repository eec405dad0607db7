"""The RFM job's segment counts per store (``rfm_store_segments``): a store manager's
RFM report and targets read them (``rfm_moves`` is the chain's only).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rfm_store_segments",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("segment", sa.String(length=32), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "store_id", "segment"),
    )


def downgrade() -> None:
    op.drop_table("rfm_store_segments")
