"""Alembic environment for HQ's database (PostgreSQL or SQLite), apart from the till's."""

from __future__ import annotations

from alembic import context

from sync.hq.db import VERSION_TABLE, include_name
from sync.hq.models import Base

cfg = context.config
engine = cfg.attributes.get("engine")


def run() -> None:
    if engine is None:
        context.configure(
            url=cfg.get_main_option("sqlalchemy.url"),
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            include_name=include_name,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine.begin() as conn:
        context.configure(
            connection=conn,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            include_name=include_name,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        context.run_migrations()


run()
