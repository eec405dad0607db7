"""The sale path's writes: plain SQL on one DBAPI cursor, in a transaction that holds
SQLite's write lock from its first statement.

A sale is written for every customer, so this path skips SQLAlchemy's per-statement
work (which was most of the commit's time, BENCHMARKS.md) and the rows it writes are
encoded before the lock is taken (``Counter.plan_payment``). Everything else in the
store goes through SQLAlchemy; these statements name the same tables and columns
(``terminal.store.schema``), and the tests read back what they write through it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

_OPEN_SHIFT = "SELECT cashier FROM shifts WHERE closed_at IS NULL LIMIT 1"
_DAY_CLOSED = "SELECT 1 FROM day_closes WHERE day = ?"
_BUMP_RECEIPT = (
    "UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
    " WHERE key = 'receipt_counter' RETURNING value"
)
_FIRST_RECEIPT = "INSERT INTO settings (key, value) VALUES ('receipt_counter', '1')"
_INSERT_SALE = (
    "INSERT INTO sales (id, receipt_no, terminal_id, cashier, member_code, at, kind,"
    " total_fen, change_fen, record_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_TENDER = (
    "INSERT INTO tenders (sale_id, idx, kind, amount_fen, tendered_fen) VALUES (?, ?, ?, ?, ?)"
)


@contextmanager
def write_cursor(sessions: sessionmaker[Session]) -> Iterator[sqlite3.Cursor]:
    """A pooled connection's cursor inside ``BEGIN IMMEDIATE``: committed when the block
    ends, rolled back if it raises."""
    engine = cast(Engine, sessions.kw["bind"])
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cast(sqlite3.Cursor, cur)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    finally:
        conn.close()  # back to the pool


def open_shift_cashier(cur: sqlite3.Cursor) -> str | None:
    row = cur.execute(_OPEN_SHIFT).fetchone()
    return str(row[0]) if row is not None else None


def day_closed(cur: sqlite3.Cursor, day: str) -> bool:
    return cur.execute(_DAY_CLOSED, (day,)).fetchone() is not None


def next_receipt_no(cur: sqlite3.Cursor) -> int:
    row = cur.execute(_BUMP_RECEIPT).fetchone()
    if row is None:
        cur.execute(_FIRST_RECEIPT)
        return 1
    return int(row[0])


def insert_sale(
    cur: sqlite3.Cursor,
    *,
    id_: str,
    receipt_no: str,
    terminal_id: str,
    cashier: str,
    member_code: str | None,
    at: str,
    total_fen: int,
    change_fen: int,
    record_json: str,
    tenders: Sequence[tuple[str, int, int]],  # (kind, amount, tendered)
) -> None:
    cur.execute(
        _INSERT_SALE,
        (
            id_,
            receipt_no,
            terminal_id,
            cashier,
            member_code,
            at,
            "sale",
            total_fen,
            change_fen,
            record_json,
        ),
    )
    cur.executemany(_INSERT_TENDER, [(id_, i, *t) for i, t in enumerate(tenders)])
