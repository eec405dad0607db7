"""The report sums again from what HQ holds: ``aggregates`` now also keeps points by
expiry month (``points_exp:``) and coupons per campaign (``cmp_*:``), which sums
written before this revision lack (``pos-hq verify`` would say so).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:15:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy.orm import Session

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from sync.hq import aggregates

    s = Session(bind=op.get_bind())
    aggregates.rebuild(s)
    s.flush()


def downgrade() -> None:
    pass  # older code reads the metrics it knows and ignores the others
