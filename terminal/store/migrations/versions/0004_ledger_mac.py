"""Ledger rows carry a keyed MAC of their chain hash (``terminal.store.ledger_key``),
written by a trigger so that every insert path sets it; prepaid card rows of the ledger
are indexed by card number, so a load can check the card's own history.

Rows written before this revision have no MAC: the key file names the first keyed row.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TRIGGER = (
    "CREATE TRIGGER ledger_mac AFTER INSERT ON ledger WHEN NEW.mac IS NULL "
    "BEGIN UPDATE ledger SET mac = ledger_mac(NEW.hash) WHERE seq = NEW.seq; END"
)


def upgrade() -> None:
    op.add_column("ledger", sa.Column("mac", sa.String(64), nullable=True))
    op.create_index("ix_ledger_card", "ledger", ["ref"], sqlite_where=sa.text("kind = 'card'"))
    op.execute(TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER ledger_mac")
    op.drop_index("ix_ledger_card", "ledger")
    op.execute("ALTER TABLE ledger DROP COLUMN mac")
