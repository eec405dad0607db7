"""The append-only ledger: a per-terminal sequence and a hash chained to the row before.

It is also the sync outbox: HQ receives rows by sequence number, and a row's id and
hash let HQ apply it exactly once and notice any gap or rewrite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from terminal import codec
from terminal.errors import PosError
from terminal.rules import member as m
from terminal.store.ledger_key import LedgerKey, mac_of
from terminal.store.schema import LedgerRow

GENESIS = "0" * 64
HQ_STATE = "hq_state"
"""Kind of the row a sync wrote, before store migration 0002, when HQ sent a member's
authoritative state (syncs now keep it in ``hq_states``, not in the ledger, which is the
outbox). Its payload ``{"state": codec.encode(MemberState), ...}`` was rebased onto the
till's entries HQ had not seen; ``pos-terminal verify`` restarts the member's fold from
such rows in stores written by v0.1.0."""


def row_hash(
    prev: str,
    seq: int,
    id_: str,
    terminal: str,
    at: str,
    kind: str,
    member: str | None,
    ref: str,
    payload: str,
) -> str:
    """SHA-256 of the JSON array ``[prev, seq, id, terminal, at, kind, member, ref,
    payload]`` (compact, UTF-8): what chains a row to the one before it."""
    return chain_hash(prev, seq, hashed_tail(id_, terminal, at, kind, member, ref, payload))


def hashed_tail(
    id_: str, terminal: str, at: str, kind: str, member: str | None, ref: str, payload: str
) -> str:
    """The part of a row's hashed JSON after ``prev, seq``: it can be encoded before the
    row's place in the chain is known (the sale path does it outside the write lock).
    Each string is quoted by the JSON encoder's own C function: what ``json.dumps`` of
    the list would write, without its per-call machinery (HQ checks every pushed row)."""
    who = "null" if member is None else _quote(member)
    return (
        f"{_quote(id_)},{_quote(terminal)},{_quote(at)},{_quote(kind)},{who},"
        f"{_quote(ref)},{_quote(payload)}]"
    )


def chain_hash(prev: str, seq: int, tail: str) -> str:
    # A hex digest needs no JSON escaping: format it directly (the sale path's hot loop).
    head = f'["{prev}",{seq}' if prev.isascii() and prev.isalnum() else _compact([prev, seq])[:-1]
    return hashlib.sha256(f"{head},{tail}".encode()).hexdigest()


_quote = json.encoder.encode_basestring  # json.dumps' string form with ensure_ascii=False


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_entry_text(entry: m.MemberEntry) -> str:
    """A member entry's ledger payload."""
    return canonical(codec.encode_entry(entry))


@dataclass(frozen=True)
class Appended:
    """What ``Ledger.append`` wrote: the row's place in the chain."""

    seq: int
    id: str
    hash: str


_LEDGER = cast(Table, LedgerRow.__table__)
_INSERT = _LEDGER.insert()
_HEAD = select(_LEDGER.c.seq, _LEDGER.c.hash).order_by(_LEDGER.c.seq.desc()).limit(1)


def canonical(payload: Any) -> str:
    """A payload's canonical JSON (sorted keys, no spaces): what its hash covers."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_REFUSED: dict[str, PosError] = {}  # store file -> why it takes no more rows


def refuse_writes(db: str | Path, why: PosError) -> None:
    """From now on, in this process, appending to the ledger of the store at ``db`` raises
    ``why``: a till whose store failed its check takes no money (nor anything else)."""
    _REFUSED[os.path.realpath(db)] = why


def allow_writes(db: str | Path) -> None:
    _REFUSED.pop(os.path.realpath(db), None)


def refused(db: str | Path) -> PosError | None:
    return _REFUSED.get(os.path.realpath(db))


def _check_writable(conn: sqlite3.Connection) -> None:
    if not _REFUSED:  # the till's normal case costs one dict test
        return
    row = conn.execute("PRAGMA database_list").fetchone()
    why = _REFUSED.get(os.path.realpath(row[2])) if row and row[2] else None
    if why is not None:
        raise why


class Ledger:
    """Appends rows inside the caller's transaction (a sale and its rows commit together).

    The head (seq, hash) is read when the ledger is made, inside that transaction; rows are
    written with Core inserts as they are appended (no ORM objects, so no autoflush), and
    the primary key on ``seq`` refuses a racing writer."""

    def __init__(self, session: Session, terminal_id: str, new_id: Any) -> None:
        conn = cast(sqlite3.Connection, session.connection().connection.driver_connection)
        if _REFUSED:
            _check_writable(conn)
        self.s, self.terminal, self.new_id = session, terminal_id, new_id
        self.mac = mac_of(conn)
        last = session.execute(_HEAD).first()
        self.seq = last[0] if last else 0
        self.head = last[1] if last else GENESIS

    def _row(self, kind: str, text: str, when: str, member: str | None, ref: str) -> dict[str, Any]:
        self.seq += 1
        id_ = self.new_id()
        h = row_hash(self.head, self.seq, id_, self.terminal, when, kind, member, ref, text)
        row = {
            "seq": self.seq,
            "id": id_,
            "terminal_id": self.terminal,
            "at": when,
            "kind": kind,
            "member_code": member,
            "ref": ref,
            "payload": text,
            "prev_hash": self.head,
            "hash": h,
            "mac": self.mac(h),
        }
        self.head = h
        return row

    def append(
        self, kind: str, payload: Any, at: datetime, *, member: str | None = None, ref: str = ""
    ) -> Appended:
        row = self._row(kind, canonical(payload), at.isoformat(), member, ref)
        self.s.connection().execute(_INSERT, row)
        return Appended(row["seq"], row["id"], row["hash"])

    def member_entries(
        self, code: str, entries: Iterable[m.MemberEntry], at: datetime, ref: str = ""
    ) -> int:
        when = at.isoformat()
        rows = [self._row("member", encode_entry_text(e), when, code, ref) for e in entries]
        if rows:
            self.s.connection().execute(_INSERT, rows)
        return len(rows)


_HEAD_SQL = "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"
# The MAC is made in Python beside the hash (no SQL function, no trigger rewriting
# the row): every insert path writes it in the row's own INSERT.
_INSERT_SQL = (
    "INSERT INTO ledger (seq, id, terminal_id, at, kind, member_code, ref, payload,"
    " prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Item:
    """A row made ready outside the transaction: everything but its place in the chain."""

    id: str
    terminal: str
    at: str
    kind: str
    member: str | None
    ref: str
    payload: str  # canonical JSON
    tail: str  # ``hashed_tail`` of the above

    @classmethod
    def make(
        cls,
        id_: str,
        terminal: str,
        at: datetime,
        kind: str,
        member: str | None,
        ref: str,
        payload: str,
    ) -> Item:
        when = at.isoformat()
        tail = hashed_tail(id_, terminal, when, kind, member, ref, payload)
        return cls(id_, terminal, when, kind, member, ref, payload, tail)


def append_items(cur: sqlite3.Cursor, items: Sequence[Item]) -> list[int]:
    """``Ledger.append`` for rows prepared before the transaction (the sale path): the
    head read and one executemany on the DBAPI cursor of a writing transaction that
    holds the write lock, so the chain cannot move between the read and the insert.
    Returns the rows' sequence numbers."""
    if _REFUSED:
        _check_writable(cur.connection)
    mac = mac_of(cur.connection)
    head = cur.execute(_HEAD_SQL).fetchone()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    rows = []
    for it in items:
        seq += 1
        h = chain_hash(prev, seq, it.tail)
        rows.append(
            (
                seq,
                it.id,
                it.terminal,
                it.at,
                it.kind,
                it.member,
                it.ref,
                it.payload,
                prev,
                h,
                mac(h),
            )
        )
        prev = h
    cur.executemany(_INSERT_SQL, rows)
    return [r[0] for r in rows]


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str


def verify_chain(
    session: Session, key: LedgerKey | None = None, after: int = 0, prev: str = GENESIS
) -> list[Problem]:
    """Re-check every row's hash, the links between rows, the sequence for gaps and, with
    the till's key, each row's MAC (from the key's first keyed row). ``after``/``prev``:
    start past a row already known (the start-up check reads only the tail)."""
    problems: list[Problem] = []
    expect = after + 1
    keyed_from = key.from_seq if key is not None else None
    cols = (
        LedgerRow.seq,
        LedgerRow.id,
        LedgerRow.terminal_id,
        LedgerRow.at,
        LedgerRow.kind,
        LedgerRow.member_code,
        LedgerRow.ref,
        LedgerRow.payload,
        LedgerRow.prev_hash,
        LedgerRow.hash,
        LedgerRow.mac,
    )
    # Plain columns, streamed: a million-member store is verified in flat memory.
    q = select(*cols).where(LedgerRow.seq > after).order_by(LedgerRow.seq)
    rows = session.execute(q.execution_options(yield_per=5000))
    for seq, id_, terminal, at, kind, member, ref, payload, prev_hash, hash_, mac in rows:
        if seq != expect:
            problems.append(Problem(seq, f"sequence gap: expected {expect}"))
        if prev_hash != prev:
            problems.append(Problem(seq, "does not link to the row before"))
        if not _fields_ok(id_, terminal, at, kind, member, ref, payload, prev_hash, hash_):
            problems.append(Problem(seq, "a field of the row is damaged"))
        elif row_hash(prev_hash, seq, id_, terminal, at, kind, member, ref, payload) != hash_:
            problems.append(Problem(seq, "hash does not match its contents"))
        elif (
            key is not None
            and keyed_from is not None
            and seq >= keyed_from
            and not (isinstance(mac, str) and hmac.compare_digest(mac, key.mac(hash_)))
        ):
            problems.append(Problem(seq, "not written by this till (its MAC does not match)"))
        prev, expect = hash_, seq + 1
    return problems


def _fields_ok(*fields: object) -> bool:
    """A flipped byte can turn a text column into a blob or a number: that row is damaged."""
    return all(isinstance(f, str) for i, f in enumerate(fields) if not (i == 4 and f is None))


def member_entries(session: Session, code: str | None = None) -> dict[str, list[m.MemberEntry]]:
    q = select(LedgerRow).where(LedgerRow.kind == "member").order_by(LedgerRow.seq)
    if code is not None:
        q = q.where(LedgerRow.member_code == code)
    out: dict[str, list[m.MemberEntry]] = {}
    for row in session.execute(q).scalars():
        assert row.member_code is not None
        out.setdefault(row.member_code, []).append(codec.decode_entry(json.loads(row.payload)))
    return out


def card_history(session: Session, number: str) -> list[dict[str, Any]]:
    """A prepaid card's ``card`` ledger rows, oldest first (index ``ix_ledger_card``):
    the ``sold`` row's ref is its sale, a ``loaded`` row's ref is the card number."""
    rows = session.execute(
        select(LedgerRow.payload)
        .where(LedgerRow.kind == "card", LedgerRow.ref == number)
        .order_by(LedgerRow.seq)
    ).scalars()
    return [json.loads(p) for p in rows]
