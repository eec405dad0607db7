"""Least data to each till: which stores pull a member, and the lookups of others.

* ``member_stores(member_code, store_id)``: a till pulls the members linked to its
  store, and those linked to ``hq`` (opened by an import: every store's). Filled from
  the entries held: every (member, store) of a till's or a store chain's entry, and
  ``hq`` for members with an opening entry.
* ``member_lookups``: a till's on-demand lookup of a member its store was not linked to.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_stores",
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("member_code", "store_id", name="pk_member_stores"),
    )
    op.create_table(
        "member_lookups",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("terminal_id", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=False),
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=8), nullable=False),
        sa.Column("home", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_member_lookups"),
    )
    op.create_index("ix_member_lookups_member_code", "member_lookups", ["member_code"])
    op.execute(
        "INSERT INTO member_stores (member_code, store_id) "
        "SELECT DISTINCT member_code, store_id FROM entries "
        "WHERE member_code IS NOT NULL AND store_id <> 'hq' "
        "UNION SELECT DISTINCT member_code, 'hq' FROM entries "
        "WHERE member_code IS NOT NULL AND store_id = 'hq' AND ref = 'opening'"
    )


def downgrade() -> None:
    op.drop_index("ix_member_lookups_member_code", table_name="member_lookups")
    op.drop_table("member_lookups")
    op.drop_table("member_stores")
