"""HQ's member states in their own table; a version on the member cache; a PIN
lockout on prepaid cards.

Pulled states used to be ``hq_state`` ledger rows, which went back to HQ with the
outbox. Rows already in a ledger stay valid (``verify`` still restarts a fold at them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hq_states",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("state_json", sa.Text(), nullable=False),
        sa.Column("at_seq", sa.Integer(), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_hq_states")),
    )
    op.add_column("members", sa.Column("version", sa.Integer(), server_default="0", nullable=False))
    op.add_column(
        "prepaid_cards", sa.Column("failed", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("prepaid_cards", sa.Column("locked_until", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; a batch copy would rewrite the table.
    op.execute("ALTER TABLE prepaid_cards DROP COLUMN locked_until")
    op.execute("ALTER TABLE prepaid_cards DROP COLUMN failed")
    op.execute("ALTER TABLE members DROP COLUMN version")
    op.drop_table("hq_states")
