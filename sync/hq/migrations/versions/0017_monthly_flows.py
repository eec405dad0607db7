"""The balances' flows by month (``monthly_flows``, ``sync.hq.aggregates``): a
roll-forward's opening sums whole months instead of every day of the history. Filled
here from ``daily_flows`` (one pass); from then on every write adds to both.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monthly_flows",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "store_id", "metric", name="pk_monthly_flows"),
    )
    from sync.hq import aggregates

    s = Session(bind=op.get_bind())
    aggregates.fill_months(s)
    s.flush()


def downgrade() -> None:
    op.drop_table("monthly_flows")
