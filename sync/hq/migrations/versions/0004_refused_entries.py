"""Member entries HQ refuses from tills, and what HQ sent each till (``sync.hq.derive``).

* ``refused_entries``: a till's pushed entries whose member effects HQ could not
  re-derive with the rules (or that no till may make alone), kept as pushed: evidence,
  never folded.
* ``stores.review_since``, ``review_reason``: the store one of whose tills pushed them.
* ``till_views``: a member's fold position when HQ last sent it to a till (and the one
  before), so HQ can rebuild the state that till derived its entries from.

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

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("stores", sa.Column("review_since", When, nullable=True))
    op.add_column(
        "stores",
        sa.Column("review_reason", sa.String(length=200), nullable=False, server_default=""),
    )
    op.create_table(
        "refused_entries",
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=True),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("received_at", When, nullable=False),
        sa.PrimaryKeyConstraint("terminal_id", "seq", "id", name="pk_refused_entries"),
    )
    op.create_index("ix_refused_entries_store_id", "refused_entries", ["store_id"])
    op.create_table(
        "till_views",
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.Column("prev_pos", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("terminal_id", "member_code", name="pk_till_views"),
    )


def downgrade() -> None:
    op.drop_table("till_views")
    op.drop_index("ix_refused_entries_store_id", table_name="refused_entries")
    op.drop_table("refused_entries")
    op.drop_column("stores", "review_reason")
    op.drop_column("stores", "review_since")
