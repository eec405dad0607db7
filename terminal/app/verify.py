"""``pos-terminal verify``: the ledger's chain holds and every cached balance is its fold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from terminal import codec
from terminal.rules import member as m
from terminal.store.ledger import HQ_STATE, verify_chain
from terminal.store.schema import HqStateRow, LedgerRow, MemberRow


@dataclass
class Report:
    entries: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(sessions: sessionmaker[Session]) -> Report:
    """Streams the ledger member by member (index ``ix_ledger_member_seq``), so memory stays
    flat on a store with a million members."""
    rep = Report()
    with sessions() as s:
        rep.problems += [f"ledger #{p.seq}: {p.what}" for p in verify_chain(s)]
        rep.entries = int(s.execute(select(func.count()).select_from(LedgerRow)).scalar() or 0)
        cached = s.execute(
            select(MemberRow.code, MemberRow.state_json).order_by(MemberRow.code)
        ).yield_per(2000)
        entries = _by_member(s)
        current = next(entries, None)
        for code, state_json in cached:
            rep.members += 1
            while current is not None and current[0] < code:
                rep.problems.append(f"member {current[0]}: ledger entries but no cached member")
                current = next(entries, None)
            folded = m.MemberState()
            if current is not None and current[0] == code:
                folded = m.fold(current[2], current[1])
                current = next(entries, None)
            if folded != codec.loads(m.MemberState, state_json):
                rep.problems.append(f"member {code}: cached balance differs from its ledger")
        while current is not None:
            rep.problems.append(f"member {current[0]}: ledger entries but no cached member")
            current = next(entries, None)
    return rep


def _by_member(s: Session) -> Iterator[tuple[str, m.MemberState, list[m.MemberEntry]]]:
    """Each member's entries to fold, and the state to fold them onto: blank, or the last
    state HQ sent. HQ's state is kept in ``hq_states`` with the ledger position it took
    effect at (stores from before 0002 hold it as an ``hq_state`` ledger row); the fold
    restarts from whichever is latest and takes the member's entries after it."""
    rows = s.execute(
        select(LedgerRow.member_code, LedgerRow.seq, LedgerRow.kind, LedgerRow.payload)
        .where(LedgerRow.kind.in_(("member", HQ_STATE)))
        .order_by(LedgerRow.member_code, LedgerRow.seq)
    ).yield_per(5000)
    snapshots = _snapshots(s)
    snap = next(snapshots, None)
    code: str | None = None
    start = m.MemberState()
    batch: list[m.MemberEntry] = []
    snap_at = -1
    for member_code, seq, kind, payload in rows:
        assert member_code is not None  # member and hq_state rows always name one
        if member_code != code:
            if code is not None:
                yield code, start, batch
            code, start, batch = member_code, m.MemberState(), []
            while snap is not None and snap[0] < member_code:
                yield snap[0], snap[2], []  # HQ's state and no entry of this till's
                snap = next(snapshots, None)
            if snap is not None and snap[0] == member_code:
                start, snap_at = snap[2], snap[1]
                snap = next(snapshots, None)
            else:
                snap_at = -1
        if seq <= snap_at:
            continue  # folded into HQ's state
        if kind == HQ_STATE:
            start, batch = codec.decode(m.MemberState, json.loads(payload)["state"]), []
        else:
            batch.append(codec.decode_entry(json.loads(payload)))
    if code is not None:
        yield code, start, batch
    while snap is not None:
        yield snap[0], snap[2], []
        snap = next(snapshots, None)


def _snapshots(s: Session) -> Iterator[tuple[str, int, m.MemberState]]:
    rows = s.execute(
        select(HqStateRow.code, HqStateRow.at_seq, HqStateRow.state_json).order_by(HqStateRow.code)
    ).yield_per(2000)
    for code, at_seq, text in rows:
        yield code, at_seq, codec.loads(m.MemberState, text)
