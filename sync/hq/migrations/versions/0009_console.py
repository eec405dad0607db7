"""The web console's users, sessions and action log (``sync.hq.console``).

* ``console_users``: name, argon2 password hash, role, a store manager's stores (JSON
  list), failed sign-ins and the lockout's end, disabled.
* ``console_sessions``: server-side sessions; the cookie's token kept as its SHA-256,
  the session's CSRF token, last seen (idle timeout) and absolute expiry, revoked.
* ``console_actions``: the action log (who, role, when, what, object, store, before
  and after as JSON, reason).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("stores", sa.Text(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", When, nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_users"),
        sa.UniqueConstraint("name", name="uq_console_users_name"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("last_seen", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            name="fk_console_sessions_user_id_console_users",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_console_sessions_token_hash"),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "console_actions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object_kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=30), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_actions"),
    )
    op.create_index("ix_console_actions_at", "console_actions", ["at"])
    op.create_index("ix_console_actions_user", "console_actions", ["user_name", "at"])
    op.create_index("ix_console_actions_action", "console_actions", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_console_actions_action", table_name="console_actions")
    op.drop_index("ix_console_actions_user", table_name="console_actions")
    op.drop_index("ix_console_actions_at", table_name="console_actions")
    op.drop_table("console_actions")
    op.drop_index("ix_console_sessions_user_id", table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
