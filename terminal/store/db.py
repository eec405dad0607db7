"""Opening the till's SQLite file: WAL, durable commits, migrations applied in place."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

APP = "pos-terminal"


def default_db_path() -> Path:
    """The platform's per-user data directory, unless configured otherwise."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False)) / "till.sqlite"


def _pragmas(dbapi_conn: sqlite3.Connection, _: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # a committed sale survives a power cut
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(path: Path | str) -> Engine:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _pragmas)
    return engine


def open_store(path: Path | str) -> sessionmaker[Session]:
    """Open (creating or upgrading) the store at ``path`` and return a session factory."""
    from terminal.store.migrate import upgrade

    engine = make_engine(path)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One writing transaction that holds SQLite's write lock from its first statement
    (``BEGIN IMMEDIATE``), so what it reads (the ledger head, a member's state, the open
    shift) cannot change before it writes: the counter and the sync thread both append
    to one chain, and a deferred transaction would find its read stale at the insert."""
    with sessions() as s, s.begin():
        cursor_of(s).execute("BEGIN IMMEDIATE")
        yield s


def cursor_of(s: Session) -> sqlite3.Cursor:
    """A DBAPI cursor on the session's connection (inside its transaction)."""
    return cast(sqlite3.Connection, s.connection().connection.driver_connection).cursor()
