"""HQ's database: PostgreSQL in production (several stateless replicas on one database),
a SQLite file as the embedded default for a single shop. Alembic migrations are HQ's
own (``sync/hq/migrations``, version table ``hq_alembic_version``), apart from the till's.

On PostgreSQL ``entries`` is partitioned (``sync.hq.models``' docstring): by month, each
month by hash of the store into ``HASH_PARTITIONS`` tables, and a default partition.
``upgrade`` (so ``pos-hq migrate`` and every ``pos-hq serve`` start) creates the current
month's partitions and the next ``MONTHS_AHEAD`` months'; ``ensure_partitions`` creates
any month's, moving its rows out of the default partition if some landed there.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs
import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "hq_alembic_version"
ENV_DB = "POS_HQ_DB"
_MIGRATE_LOCK = 0x706F7368  # pg_advisory_lock key: replicas starting together migrate once
HASH_PARTITIONS = 16  # per month, by hash of store_id
MONTHS_AHEAD = 3  # partitions made ahead of the current month at every migrate
DEFAULT_PARTITION = "entries_default"
_PARTITION = re.compile(r"^entries_(\d{6}(_h\d{2})?|default)$")
ENTRY_COLUMNS = (
    "terminal_id, seq, id, store_id, month, at, kind, member_code, ref, payload, "
    "prev_hash, hash, received_at, member_pos"
)


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


# ----------------------------------------------------------------------------- partitions


def next_month(month: int) -> int:
    """YYYYMM after ``month``."""
    year, mm = divmod(month, 100)
    return (year + 1) * 100 + 1 if mm == 12 else month + 1


def month_of(when: datetime) -> int:
    return when.year * 100 + when.month


def is_partition(name: str) -> bool:
    """A partition of ``entries`` (``entries_202611``, ``entries_202611_h03``, the
    default): made here, not by the models, so schema comparisons leave them out."""
    return bool(_PARTITION.match(name))


def include_name(name: str | None, type_: str, _: Any) -> bool:
    """Alembic's ``include_name`` hook (autogenerate and the drift test)."""
    return not (type_ == "table" and name is not None and is_partition(name))


def partitioned(conn: Connection) -> bool:
    """Whether ``entries`` is a partitioned table here (PostgreSQL at 0003 or later)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table t JOIN pg_class c ON c.oid = t.partrelid "
        "WHERE c.relname = 'entries' AND c.relnamespace = current_schema()::regnamespace"
    ).first()
    return found is not None


def month_partitions(conn: Connection) -> set[int]:
    """The months ``entries`` has a partition for."""
    names = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE p.relname = 'entries' AND p.relnamespace = current_schema()::regnamespace"
    ).scalars()
    return {int(n[8:]) for n in names if re.fullmatch(r"entries_\d{6}", n)}


def _create_month(conn: Connection, month: int) -> None:
    lo, hi, name = month, next_month(month), f"entries_{month}"
    stray = conn.exec_driver_sql(
        f"SELECT 1 FROM {DEFAULT_PARTITION} WHERE month >= {lo} AND month < {hi} LIMIT 1"
    ).first()
    if stray:  # rows came before their month's partition: move them into it
        conn.exec_driver_sql(f"ALTER TABLE entries DETACH PARTITION {DEFAULT_PARTITION}")
    conn.exec_driver_sql(
        f"CREATE TABLE {name} PARTITION OF entries FOR VALUES FROM ({lo}) TO ({hi}) "
        "PARTITION BY HASH (store_id)"
    )
    for r in range(HASH_PARTITIONS):
        conn.exec_driver_sql(
            f"CREATE TABLE {name}_h{r:02d} PARTITION OF {name} "
            f"FOR VALUES WITH (MODULUS {HASH_PARTITIONS}, REMAINDER {r})"
        )
    if stray:
        where = f"WHERE month >= {lo} AND month < {hi}"
        conn.exec_driver_sql(
            f"INSERT INTO entries ({ENTRY_COLUMNS}) "
            f"SELECT {ENTRY_COLUMNS} FROM {DEFAULT_PARTITION} {where}"
        )
        conn.exec_driver_sql(f"DELETE FROM {DEFAULT_PARTITION} {where}")
        conn.exec_driver_sql(f"ALTER TABLE entries ATTACH PARTITION {DEFAULT_PARTITION} DEFAULT")


def ensure_partitions(conn: Connection, months: Iterable[int]) -> list[int]:
    """Create the partitions of ``months`` that do not exist yet (in the caller's
    transaction); returns the months created. Only where ``entries`` is partitioned."""
    if not partitioned(conn):
        return []
    have = month_partitions(conn)
    made = []
    for month in sorted(set(months) - have):
        _create_month(conn, month)
        made.append(month)
    return made


def upcoming(now: datetime | None = None, ahead: int = MONTHS_AHEAD) -> list[int]:
    """The current month (UTC, as HQ stamps ``entries.month``) and ``ahead`` more."""
    month = month_of(now or datetime.now(UTC))
    out = [month]
    for _ in range(ahead):
        month = next_month(month)
        out.append(month)
    return out


def config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``, then make this month's and the next ``MONTHS_AHEAD``
    months' partitions where ``entries`` is partitioned. On PostgreSQL an advisory
    lock makes replicas that start together take turns; the second finds nothing
    left to do."""
    if engine.dialect.name != "postgresql":
        command.upgrade(config(engine), revision)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATE_LOCK})
        try:
            command.upgrade(config(engine), revision)
            with engine.begin() as tx:
                ensure_partitions(tx, upcoming())
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


def copy_in(s: Session, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """``rows`` (in ``table``'s column order) into ``table``, in the session's
    transaction: COPY on PostgreSQL (a push writes thousands of rows; partitioned
    tables route them), an executemany elsewhere. A violated constraint raises
    SQLAlchemy's ``IntegrityError`` either way (``service.run`` retries on it)."""
    if not rows:
        return
    conn = s.connection()
    names = [c.name for c in table.columns]
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in rows])
        return
    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    raw: Any = conn.connection.driver_connection  # psycopg's, inside the session's transaction
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for r in rows:
                copy.write_row(r)
    except psycopg.IntegrityError as e:
        raise IntegrityError(sql, None, e) from e
    except psycopg.OperationalError as e:
        raise OperationalError(sql, None, e) from e
