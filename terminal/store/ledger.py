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
from typing import Any

from sqlalchemy import select
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


class Ledger:
    """Appends rows inside the caller's transaction (a sale and its rows commit together)."""

    def __init__(self, session: Session, terminal_id: str, new_id: Any) -> None:
        self.s, self.terminal, self.new_id = session, terminal_id, new_id
        last = session.execute(select(LedgerRow).order_by(LedgerRow.seq.desc()).limit(1)).scalar()
        self.seq = last.seq if last else 0
        self.head = last.hash if last else GENESIS

    def append(
        self, kind: str, payload: Any, at: datetime, *, member: str | None = None, ref: str = ""
    ) -> LedgerRow:
        self.seq += 1
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        id_, when = self.new_id(), at.isoformat()
        h = row_hash(self.head, self.seq, id_, self.terminal, when, kind, member, ref, text)
        row = LedgerRow(
            seq=self.seq,
            id=id_,
            terminal_id=self.terminal,
            at=when,
            kind=kind,
            member_code=member,
            ref=ref,
            payload=text,
            prev_hash=self.head,
            hash=h,
        )
        self.s.add(row)
        self.head = h
        return row

    def member_entries(
        self, code: str, entries: Iterable[m.MemberEntry], at: datetime, ref: str = ""
    ) -> int:
        n = 0
        for e in entries:
            self.append("member", codec.encode_entry(e), at, member=code, ref=ref)
            n += 1
        return n


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
