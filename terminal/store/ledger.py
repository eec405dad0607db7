"""The append-only ledger: a per-terminal sequence and a hash chained to the row before.

It is also the sync outbox: HQ receives rows by sequence number, and a row's id and
hash let HQ apply it exactly once and notice any gap or rewrite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from terminal import codec
from terminal.rules import member as m
from terminal.store.schema import LedgerRow

GENESIS = "0" * 64
HQ_STATE = "hq_state"
"""Kind of the row a sync writes when HQ sends a member's authoritative state: its payload
``{"state": codec.encode(MemberState), ...}`` is already rebased onto the till's entries HQ
had not seen, so the member's fold restarts from it (``pos-terminal verify`` does)."""


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
    body = json.dumps(
        [prev, seq, id_, terminal, at, kind, member, ref, payload],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Appended:
    """What ``Ledger.append`` wrote: the row's place in the chain."""

    seq: int
    id: str
    hash: str


_LEDGER = cast(Table, LedgerRow.__table__)
_INSERT = _LEDGER.insert()
_HEAD = select(_LEDGER.c.seq, _LEDGER.c.hash).order_by(_LEDGER.c.seq.desc()).limit(1)


def _canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Ledger:
    """Appends rows inside the caller's transaction (a sale and its rows commit together).

    The head (seq, hash) is read when the ledger is made, inside that transaction; rows are
    written with Core inserts as they are appended (no ORM objects, so no autoflush), and
    the primary key on ``seq`` refuses a racing writer."""

    def __init__(self, session: Session, terminal_id: str, new_id: Any) -> None:
        self.s, self.terminal, self.new_id = session, terminal_id, new_id
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
        }
        self.head = h
        return row

    def append(
        self, kind: str, payload: Any, at: datetime, *, member: str | None = None, ref: str = ""
    ) -> Appended:
        return self.append_text(kind, _canonical(payload), at, member=member, ref=ref)

    def append_text(
        self, kind: str, text: str, at: datetime, *, member: str | None = None, ref: str = ""
    ) -> Appended:
        """``append`` for a payload already in canonical JSON (sorted keys, no spaces)."""
        row = self._row(kind, text, at.isoformat(), member, ref)
        self.s.connection().execute(_INSERT, row)
        return Appended(row["seq"], row["id"], row["hash"])

    def member_entries(
        self, code: str, entries: Iterable[m.MemberEntry], at: datetime, ref: str = ""
    ) -> int:
        when = at.isoformat()
        rows = [
            self._row("member", _canonical(codec.encode_entry(e)), when, code, ref) for e in entries
        ]
        if rows:
            self.s.connection().execute(_INSERT, rows)
        return len(rows)


@dataclass(frozen=True)
class Problem:
    seq: int
    what: str


def verify_chain(session: Session) -> list[Problem]:
    """Re-check every row's hash, the links between rows, and the sequence for gaps."""
    problems: list[Problem] = []
    prev, expect = GENESIS, 1
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
    )
    # Plain columns, streamed: a million-member store is verified in flat memory.
    rows = session.execute(select(*cols).order_by(LedgerRow.seq).execution_options(yield_per=5000))
    for seq, id_, terminal, at, kind, member, ref, payload, prev_hash, hash_ in rows:
        if seq != expect:
            problems.append(Problem(seq, f"sequence gap: expected {expect}"))
        if prev_hash != prev:
            problems.append(Problem(seq, "does not link to the row before"))
        if row_hash(prev_hash, seq, id_, terminal, at, kind, member, ref, payload) != hash_:
            problems.append(Problem(seq, "hash does not match its contents"))
        prev, expect = hash_, seq + 1
    return problems


def member_entries(session: Session, code: str | None = None) -> dict[str, list[m.MemberEntry]]:
    q = select(LedgerRow).where(LedgerRow.kind == "member").order_by(LedgerRow.seq)
    if code is not None:
        q = q.where(LedgerRow.member_code == code)
    out: dict[str, list[m.MemberEntry]] = {}
    for row in session.execute(q).scalars():
        assert row.member_code is not None
        out.setdefault(row.member_code, []).append(codec.decode_entry(json.loads(row.payload)))
    return out
