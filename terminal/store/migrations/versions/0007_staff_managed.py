"""Who manages a staff member (``staff.managed``): ``local`` (``pos-terminal staff``,
as every row so far) or ``hq`` (pulled from HQ, changed only there).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "staff",
        sa.Column("managed", sa.String(length=8), server_default="local", nullable=False),
    )


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch copy would rewrite the table.
    op.execute("ALTER TABLE staff DROP COLUMN managed")
