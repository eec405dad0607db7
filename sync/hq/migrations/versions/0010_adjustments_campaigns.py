"""Adjustments (``sync.hq.adjust``): operators' corrections, with their approval and
reversal, each applied as entries on HQ's chain. Campaigns (``sync.hq.campaigns``):
the campaigns, the members each was issued to, and the uses of their coupons; the
members' derived ``tier`` and ``birthday_month`` (filled from their states here) and
``rfm_segment`` (the next RFM run fills it), and the RFM moves per run.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "adjustments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("gift_fen", sa.BigInteger(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", When, nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", When, nullable=True),
        sa.Column("applied_at", When, nullable=True),
        sa.Column("reverses", sa.String(length=36), nullable=True),
        sa.Column("batch", sa.String(length=64), nullable=True),
        sa.Column("entries_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_adjustments"),
    )
    op.create_index("ix_adjustments_member_code", "adjustments", ["member_code"])
    op.create_index("ix_adjustments_state", "adjustments", ["state"])
    op.create_index("ix_adjustments_batch", "adjustments", ["batch"])
    op.add_column("members", sa.Column("tier", sa.String(length=32), nullable=True))
    op.add_column("members", sa.Column("birthday_month", sa.SmallInteger(), nullable=True))
    op.add_column("members", sa.Column("rfm_segment", sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE members SET tier = state_json::jsonb->>'tier', birthday_month = "
            "extract(month FROM (state_json::jsonb->>'birthday')::date)::smallint "
            "WHERE due_key IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE members SET tier = json_extract(state_json, '$.tier'), birthday_month = "
            "CAST(substr(json_extract(state_json, '$.birthday'), 6, 2) AS INTEGER) "
            "WHERE due_key IS NOT NULL"
        )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("per_member", sa.Integer(), nullable=False),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("budget_coupons", sa.Integer(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("segment_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("coupons", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
    )
    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "member_code", name="pk_campaign_members"),
    )
    op.create_table(
        "coupon_uses",
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("off_fen", sa.BigInteger(), nullable=False),
        sa.Column("spend_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "coupon_id", name="pk_coupon_uses"),
    )
    op.create_index("ix_coupon_uses_campaign_id", "coupon_uses", ["campaign_id"])
    op.create_table(
        "rfm_moves",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("from_segment", sa.String(length=32), nullable=False),
        sa.Column("to_segment", sa.String(length=32), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "from_segment", "to_segment", name="pk_rfm_moves"),
    )


def downgrade() -> None:
    for table in ("rfm_moves", "coupon_uses", "campaign_members", "campaigns"):
        op.drop_table(table)
    for column in ("rfm_segment", "birthday_month", "tier"):
        op.execute(f"ALTER TABLE members DROP COLUMN {column}")
    op.drop_table("adjustments")
