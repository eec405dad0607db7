"""The program versions HQ published, as this till holds them (``program_versions``):
the one in effect and the later ones, each switched to on its effective date.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 13:45:00
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
        "program_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("program_id", sa.String(length=32), nullable=False),
        sa.Column("toml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_program_versions"),
    )


def downgrade() -> None:
    op.drop_table("program_versions")
