"""Opening the till's SQLite file: WAL, durable commits, migrations applied in place."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError
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
    from terminal.datadir import narrow, private_store
    from terminal.store import ledger_key

    path = Path(path)
    private_store(path)  # PIN hashes, phones, the HQ token: 0700 folder, 0600 files
    # Each connection carries the store's ledger key (``attach``, below).
    engine = create_engine(
        f"sqlite:///{path}", future=True, connect_args={"factory": ledger_key.StoreConnection}
    )
    # before the pragmas: the WAL they create takes the store file's (narrowed) mode
    event.listen(engine, "connect", lambda *_: narrow(path))
    event.listen(engine, "connect", _pragmas)
    # Every connection can write ledger rows: each gets the key their MACs need.
    event.listen(engine, "connect", lambda conn, _: ledger_key.attach(conn, path))
    return engine


SQLITE_HEADER = b"SQLite format 3\x00"


def check_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database before SQLite touches it: an empty
    or foreign file would otherwise open as a new, empty store (and verify "ok")."""
    from terminal.errors import StoreDamaged

    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise StoreDamaged(f"{path}: cannot read the store: {e}", path=str(path)) from None
    if head != SQLITE_HEADER:
        what = "empty" if not head else "not a SQLite database"
        raise StoreDamaged(f"{path}: the store is damaged ({what})", path=str(path))


def open_store(path: Path | str) -> sessionmaker[Session]:
    """Open (creating or upgrading) the store at ``path`` and return a session factory."""
    from terminal.store import ledger_key
    from terminal.store.migrate import upgrade

    path = Path(path)
    if path.exists():
        check_file(path)
    else:
        ledger_key.forget(path)  # a new store: a new key (a stale one would not match)
    engine = make_engine(path)
    try:
        upgrade(engine)
    except (DatabaseError, sqlite3.Error, ValueError) as e:  # corrupt pages, a garbled schema
        from terminal.errors import StoreDamaged

        engine.dispose()
        why = str(getattr(e, "orig", None) or e).splitlines()[0]
        raise StoreDamaged(f"{path}: the store is damaged ({why})", path=str(path)) from None
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


@contextmanager
def read_snapshot(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One reading transaction: every statement sees the same committed state (SQLite's
    driver would otherwise run each SELECT on its own, so a check that reads the receipt
    counter and then the ledger could see a sale committed in between)."""
    with sessions() as s, s.begin():
        cursor_of(s).execute("BEGIN")
        yield s


def cursor_of(s: Session) -> sqlite3.Cursor:
    """A DBAPI cursor on the session's connection (inside its transaction)."""
    return cast(sqlite3.Connection, s.connection().connection.driver_connection).cursor()
