"""``pos-terminal verify``: the store reads, its ledger's chain holds and is this till's
(keyed MACs, the anchor), every cached balance is its fold, and every table the ledger
explains agrees with it (``terminal.app.store_checks``). A store that cannot be read is
reported damaged, never a traceback and never "ok"."""

from __future__ import annotations

import hmac
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from terminal import codec
from terminal.app.store_checks import CHECKS, check_tail_sales, check_tail_tables
from terminal.errors import PosError, StoreDamaged, StoreTampered
from terminal.rules import member as m
from terminal.store import ledger_key
from terminal.store.db import read_snapshot
from terminal.store.ledger import GENESIS, HQ_STATE, refuse_writes, verify_chain
from terminal.store.ledger_key import state_text
from terminal.store.schema import HqStateRow, LedgerRow, MemberRow

# What a damaged file or row raises as it is read or decoded: reported, never raised.
DAMAGE = (
    sqlite3.Error,
    SQLAlchemyError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
)


@dataclass
class Report:
    entries: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)
    damaged: bool = False  # the file itself cannot be read as a store

    @property
    def ok(self) -> bool:
        return not self.problems


def store_path(sessions: sessionmaker[Session]) -> Path:
    return Path(str(cast(Engine, sessions.kw["bind"]).url.database))


def verify_path(path: Path) -> Report:
    """Verify the store file at ``path``: damage found before or while opening it is a
    report too (the CLI's entry point)."""
    from terminal.store.db import check_file, open_store

    try:
        check_file(path)
        sessions = open_store(path)
    except StoreDamaged as e:
        return Report(problems=[str(e)], damaged=True)
    except DAMAGE as e:
        return Report(problems=[f"{path}: the store is damaged ({_short(e)})"], damaged=True)
    return verify(sessions)


def verify(sessions: sessionmaker[Session]) -> Report:
    """Streams the ledger member by member (index ``ix_ledger_member_seq``), so memory stays
    flat on a store with a million members."""
    rep = Report()
    try:
        _verify(sessions, rep)
    except PosError as e:
        rep.problems.append(str(e))
    except DAMAGE as e:
        rep.damaged = True
        rep.problems.append(f"the store is damaged: {_short(e)}")
    return rep


def _short(e: BaseException) -> str:
    return str(getattr(e, "orig", None) or e).splitlines()[0][:200]


def _verify(sessions: sessionmaker[Session], rep: Report) -> None:
    path = store_path(sessions)
    with read_snapshot(sessions) as s:  # one state, even while the till sells
        broken = [r for (r,) in s.execute(text("PRAGMA quick_check(20)")) if r != "ok"]
        if broken:
            rep.damaged = True
            rep.problems += [f"the store is damaged: {r}" for r in broken]
            return
        rep.entries = int(s.execute(select(func.count()).select_from(LedgerRow)).scalar() or 0)
        key = ledger_key.load(path)
        rep.problems += key_problems(s, key)
        rep.problems += [f"ledger #{p.seq}: {p.what}" for p in verify_chain(s, key)]
        if key is not None:
            rep.problems += anchor_problems(s, key)
            rep.problems += hq_state_problems(s, key)
        _members(s, rep)
        for check in CHECKS:
            rep.problems += list(check(s))


def key_problems(s: Session, key: ledger_key.LedgerKey | None) -> list[str]:
    """No key while rows are keyed, or keyed rows from before the key: it was removed or
    replaced (a copy of the store without its key file is not this till's store). A row
    without its MAC is ``verify_chain``'s (the till writes it with the row since 0005)."""
    keyed = select(func.min(LedgerRow.seq)).where(LedgerRow.mac.is_not(None))
    first = s.execute(keyed).scalar()
    if key is None and first is not None:
        return [f"the ledger key is missing ({ledger_key.SUFFIX} file beside the store)"]
    if key is not None and first is not None and first < key.from_seq:
        return [f"the ledger key was replaced: rows from #{first} were keyed by another"]
    return []


def anchor_problems(s: Session, key: ledger_key.LedgerKey) -> list[str]:
    """The head the till last found sound must still be there, as it was."""
    if not key.anchor_seq:
        return []
    row = s.get(LedgerRow, key.anchor_seq)
    if row is None:
        head = s.execute(select(func.max(LedgerRow.seq))).scalar() or 0
        return [
            f"the ledger ends at #{head} but the till had checked #{key.anchor_seq}:"
            " rows were deleted"
        ]
    if row.hash != key.anchor_hash:
        return [f"ledger #{key.anchor_seq} is not the row the till had checked: it was rewritten"]
    return []


def hq_state_problems(s: Session, key: ledger_key.LedgerKey) -> Iterator[str]:
    """Every state HQ sent carries the MAC the pull made of it: without the key, no
    one can raise a member's balance there (and in the cache, which folds from it)."""
    rows = s.execute(
        select(
            HqStateRow.code,
            HqStateRow.state_json,
            HqStateRow.at_seq,
            HqStateRow.through,
            HqStateRow.cursor,
            HqStateRow.received_at,
            HqStateRow.mac,
        ).order_by(HqStateRow.code)
    ).yield_per(5000)
    for code, state_json, at_seq, through, cursor, received_at, mac in rows:
        try:
            text_ = state_text(code, state_json, at_seq, through, cursor, received_at)
            sound = hmac.compare_digest(str(mac), key.mac(text_))
        except (TypeError, ValueError):  # a flipped byte made a column a blob
            sound = False
        if not sound or not isinstance(mac, str):
            yield f"member {code}: HQ's state for it was not written by this till's sync"


def _members(s: Session, rep: Report) -> None:
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
    for code, at_seq, state_json in rows:
        yield code, at_seq, codec.loads(m.MemberState, state_json)


# ----------------------------------------------------------------------------- start-up


TAIL = 1000  # rows the start-up check re-verifies: the till opens in well under a second


def check_tail(sessions: sessionmaker[Session], last: int = TAIL) -> list[str]:
    """What the till checks when it opens and before each sync: the key, the last
    ``last`` rows of the chain (hashes, links, MACs), the anchor (the head it last found
    sound is still there), and the sales of those rows against their ledger rows and
    the receipt counter. The whole store is ``verify``'s."""
    path = store_path(sessions)
    try:
        with read_snapshot(sessions) as s:  # a sale may commit meanwhile (the sync thread)
            return _tail(s, ledger_key.load(path), last)
    except DAMAGE as e:
        return [f"the store is damaged: {_short(e)}"]


def _tail(s: Session, key: ledger_key.LedgerKey | None, last: int) -> list[str]:
    head = int(s.execute(select(func.max(LedgerRow.seq))).scalar() or 0)
    after = max(head - last, 0)
    before = s.get(LedgerRow, after) if after else None
    if after and before is None:
        return [f"ledger #{after} is missing"]
    prev = before.hash if before is not None else GENESIS
    keyed_tail = s.execute(
        select(func.count()).where(LedgerRow.seq > after, LedgerRow.mac.is_not(None))
    ).scalar()
    problems = []
    if key is None and keyed_tail:
        problems.append(f"the ledger key is missing ({ledger_key.SUFFIX} file beside the store)")
    if key is not None and key.from_seq > 1:
        unkeyed = s.get(LedgerRow, key.from_seq - 1)
        if unkeyed is not None and unkeyed.mac is not None:
            problems.append("the ledger key was replaced: older rows were keyed by another")
    problems += [f"ledger #{p.seq}: {p.what}" for p in verify_chain(s, key, after, prev)]
    if key is not None:
        problems += anchor_problems(s, key)
    problems += list(check_tail_sales(s, after))
    problems += list(check_tail_tables(s, after))
    return problems


def guard(sessions: sessionmaker[Session], last: int = TAIL) -> StoreTampered | None:
    """The start-up (and pre-sync) check: on a problem the store takes no more ledger
    rows in this process (no sale, recharge or card: ``store_tampered``) and the error
    is returned for the screen; on none the anchor moves to the head just checked."""
    path = store_path(sessions)
    problems = check_tail(sessions, last)
    if problems:
        why = StoreTampered(
            f"the store failed its check: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            problem=problems[0],
        )
        why.problems = tuple(problems)
        refuse_writes(path, why)
        return why
    with sessions() as s:
        row = s.execute(select(LedgerRow.seq, LedgerRow.hash).order_by(LedgerRow.seq.desc()))
        top = row.first()
    if top is not None:
        ledger_key.save_anchor(path, int(top[0]), str(top[1]))
    return None
