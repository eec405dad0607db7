"""The reports' sums (``sync.hq.aggregates``): ``daily_flows`` and ``member_totals``,
filled here from the entries and members HQ already holds (one pass; from then on
every write adds to them).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_flows",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "store_id", "metric", name="pk_daily_flows"),
    )
    op.create_table(
        "member_totals",
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "metric", name="pk_member_totals"),
    )
    from sync.hq import aggregates

    s = Session(bind=op.get_bind())
    aggregates.backfill(s)
    s.flush()


def downgrade() -> None:
    op.drop_table("member_totals")
    op.drop_table("daily_flows")
