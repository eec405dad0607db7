"""Staff managed at HQ (``staff``): each store's cashiers and managers with their PIN's
argon2 hash, sent to the store's tills with their pulls (``sync.hq.staff``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name="fk_staff_store_id_stores"),
        sa.PrimaryKeyConstraint("store_id", "staff_id", name="pk_staff"),
    )


def downgrade() -> None:
    op.drop_table("staff")
