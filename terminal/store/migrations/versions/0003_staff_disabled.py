"""A staff member can be disabled (``pos-terminal staff disable``): kept for the audit
trail of what they did, refused at sign-in and for authorizations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 09:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "staff", sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch copy would rewrite the table.
    op.execute("ALTER TABLE staff DROP COLUMN disabled")
