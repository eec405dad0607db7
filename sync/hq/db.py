"""HQ's database: PostgreSQL in production (several stateless replicas on one database),
a SQLite file as the embedded default for a single shop. Alembic migrations are HQ's
own (``sync/hq/migrations``, version table ``hq_alembic_version``), apart from the till's.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "hq_alembic_version"
ENV_DB = "POS_HQ_DB"
_MIGRATE_LOCK = 0x706F7368  # pg_advisory_lock key: replicas starting together migrate once


def default_url() -> str:
    """``$POS_HQ_DB``, else a SQLite file in the per-user data directory (one shop)."""
    env = os.environ.get(ENV_DB)
    if env:
        return env
    return str(Path(platformdirs.user_data_dir("pos-hq", appauthor=False)) / "hq.sqlite")


def normalize_url(url: str) -> str:
    """A plain path means a SQLite file; ``postgresql://`` means the psycopg 3 driver."""
    if "://" not in url:
        return f"sqlite:///{Path(url)}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" hook below starts transactions
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Take the write lock up front: two writers never deadlock upgrading a read lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``. On PostgreSQL an advisory lock makes replicas that start
    together take turns; the second finds nothing left to do."""
    if engine.dialect.name != "postgresql":
        command.upgrade(config(engine), revision)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATE_LOCK})
        try:
            command.upgrade(config(engine), revision)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATE_LOCK})
            conn.commit()


def open_hq(url: str, *, migrate: bool = True) -> Engine:
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return engine


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def snapshot(engine: Engine) -> Iterator[Session]:
    """A read transaction that sees one consistent snapshot (pulls read the checkpoint,
    the change log and the members in it)."""
    opts: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        opts["isolation_level"] = "REPEATABLE READ"
    with engine.connect().execution_options(**opts) as conn, Session(bind=conn) as s, s.begin():
        yield s
