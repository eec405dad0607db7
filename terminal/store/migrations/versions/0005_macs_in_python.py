"""Ledger MACs are made in Python beside the chain hash, in each row's INSERT: the
trigger of 0004 (and its SQL function) leave the hot path. ``hq_states`` rows carry a
MAC under the ledger key too: the rows held at the upgrade are sealed as they are.

Phones: a till that pulled members before HQ masked phones holds them in full in
``hq_states`` and ``members``; with the chain's phone secret in the store they are
masked here (``terminal.store.members.mask_pulled_phones``), else by the first pull
that brings the secret (``sync.till.apply_pull``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 13:05:00
"""

from __future__ import annotations

import sqlite3
from typing import cast

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TRIGGER = (
    "CREATE TRIGGER ledger_mac AFTER INSERT ON ledger WHEN NEW.mac IS NULL "
    "BEGIN UPDATE ledger SET mac = ledger_mac(NEW.hash) WHERE seq = NEW.seq; END"
)


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS ledger_mac")
    op.add_column("hq_states", sa.Column("mac", sa.String(64), nullable=True))
    if context.is_offline_mode():
        return
    from terminal.phone_keys import SECRET
    from terminal.store.members import mask_pulled_phones, seal_hq_states

    bind = op.get_bind()
    conn = cast(sqlite3.Connection, bind.connection.driver_connection)  # with its key
    secret = bind.exec_driver_sql("SELECT value FROM settings WHERE key = ?", (SECRET,)).scalar()
    if secret:
        mask_pulled_phones(conn, str(secret))
    seal_hq_states(conn)


def downgrade() -> None:
    # Masked phones stay masked (the full ones are gone). The trigger calls the SQL
    # function the till code of 0004 registers on its connections.
    op.execute("ALTER TABLE hq_states DROP COLUMN mac")
    op.execute(TRIGGER)
