"""Alembic environment for the till's SQLite store (batch mode: SQLite alters by copy)."""

from __future__ import annotations

from alembic import context

from terminal.store.schema import Base

cfg = context.config
engine = cfg.attributes.get("engine")


def run() -> None:
    if engine is None:
        url = cfg.get_main_option("sqlalchemy.url")
        context.configure(
            url=url, target_metadata=Base.metadata, render_as_batch=True, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        context.run_migrations()


run()
