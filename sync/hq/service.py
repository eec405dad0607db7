"""HQ's commands: plain functions over one database session (one transaction).

The FastAPI routes (``sync.hq.app``) and the ``pos-hq`` commands (``sync.hq.cli``) are
thin edges over these; they translate ``PosError`` codes to HTTP statuses or exit codes.

Exactly once: a till's entry is applied iff it is the successor of the till's
checkpoint (next seq, ``prev_hash`` = the checkpoint's hash, its own hash right, its
id unused); the entry, the member folds it causes and the checkpoint's advance commit
in one transaction under the checkpoint's row lock. Anything at or below the
checkpoint answers ``duplicate`` when it is the very entry HQ holds, ``rejected``
otherwise.

HQ's fold differs from a blind concatenation of the tills' entries in two places,
both recorded as HQ's own entries (chain ``@<store>``) so every balance stays the fold
of stored entries:

* expiries are HQ's: before each member entry, HQ applies ``lifecycle.due_entries``
  as of that entry's day, and a till's own expiry entries (ref ``expiry``) are kept
  but not folded. Two tills that both expired the same lot offline would otherwise
  expire it twice.
* after a batch, a member overdrawn by offline spends at several tills gets
  ``lifecycle.overdraft_to_debt``: the overdraft becomes a visible debt (rule book §1.8).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import partial
from importlib import resources
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeEngine

from sync import protocol as p
from sync.hq import aggregates, alarms, db, derive, facts, programs, till_health
from sync.hq.models import (
    ChangeRow,
    CheckpointRow,
    CounterRow,
    EntryIdRow,
    EntryRow,
    MemberLookupRow,
    MemberRow,
    MemberStoreRow,
    ProductRow,
    SettingRow,
    StaffRow,
    StoreRow,
    TerminalRow,
)
from terminal import codec
from terminal import phone_keys as pk
from terminal.errors import InvalidInput, NotFound, PosError, RuleViolation
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.catalog import Product
from terminal.rules.program import Program
from terminal.store.ledger import GENESIS, row_hash

HQ_STORE = "hq"  # the store HQ's own admin chain belongs to
HQ_CHAIN = "@hq"  # opening balances from imports, blocks
EXPIRY_REF = "expiry"  # the till's ref on the expiry entries it records (terminal.app.desk)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
T = TypeVar("T")


class Unauthorized(PosError):
    code = "unauthorized"


class Forbidden(PosError):
    code = "forbidden"


def utcnow() -> datetime:
    return datetime.now(UTC)


def store_chain(store_id: str) -> str:
    """The HQ chain for entries HQ makes while applying a store's pushes."""
    return f"@{store_id}"


_ENTRIES = cast(Table, EntryRow.__table__)
_ENTRY_IDS = cast(Table, EntryIdRow.__table__)
_CHANGES = cast(Table, ChangeRow.__table__)
_COLUMNS = tuple(c.name for c in _ENTRIES.columns)


@dataclass(slots=True)
class NewEntry:
    """A till's entry on its way into ``entries`` (written with Core, or COPY on
    PostgreSQL, once its batch is folded); ``member_pos`` is set by ``Book.fold``."""

    terminal_id: str
    seq: int
    id: str
    store_id: str
    month: int
    at: str
    kind: str
    member_code: str | None
    ref: str
    payload: str
    prev_hash: str
    hash: str
    received_at: datetime
    member_pos: int | None = None

    @classmethod
    def received(cls, e: p.Entry, store_id: str, now: datetime) -> NewEntry:
        """A till's pushed entry as HQ stores it: filed under the till's store and the
        month it arrived in."""
        return cls(
            e.terminal_id,
            e.seq,
            e.id,
            store_id,
            db.month_of(now),
            e.at,
            e.kind,
            e.member_code,
            e.ref,
            e.payload,
            e.prev_hash,
            e.hash,
            now,
        )

    def values(self) -> tuple[Any, ...]:
        """In ``_COLUMNS`` order (the table's)."""
        return (
            self.terminal_id,
            self.seq,
            self.id,
            self.store_id,
            self.month,
            self.at,
            self.kind,
            self.member_code,
            self.ref,
            self.payload,
            self.prev_hash,
            self.hash,
            self.received_at,
            self.member_pos,
        )


def _array(values: Sequence[Any], item: TypeEngine[Any]) -> BindParameter[Any]:
    """``values`` as one PostgreSQL array parameter (for ``= ANY(...)``)."""
    return bindparam(None, list(values), type_=postgresql.ARRAY(item))


def insert_entries(s: Session, rows: Sequence[NewEntry]) -> None:
    """``rows`` into ``entries`` and their ids into ``entry_ids``, in the session's
    transaction. A reused id fails as ``IntegrityError``."""
    db.copy_in(s, _ENTRY_IDS, [(r.id, r.terminal_id, r.seq) for r in rows])
    db.copy_in(s, _ENTRIES, [r.values() for r in rows])


# ----------------------------------------------------------------------------- transactions


def run(sessions: sessionmaker[Session], fn: Callable[[Session], T], attempts: int = 4) -> T:
    """Run ``fn`` in one transaction; retry it whole when the database refuses it for
    a race another writer won (a unique id inserted meanwhile, a deadlock, a
    serialization failure, SQLite busy). The retry sees the winner's rows."""
    for i in range(attempts):
        try:
            with sessions() as s, s.begin():
                return fn(s)
        except (IntegrityError, OperationalError):
            if i == attempts - 1:
                raise
    raise AssertionError("unreachable")


# ----------------------------------------------------------------------------- tokens


def new_token() -> str:
    return "hqt_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Caller:
    terminal_id: str
    store_id: str


def _check_id(what: str, value: str, longest: int) -> None:
    if not (_ID.match(value) and len(value) <= longest):
        raise InvalidInput(
            f"{what} {value!r}: 1-{longest} letters, digits, '.', '_' or '-'", code=f"bad_{what}"
        )


def _ensure_store(s: Session, store_id: str, now: datetime) -> StoreRow:
    store = s.get(StoreRow, store_id)
    if store is None:
        store = StoreRow(id=store_id, name="", created_at=now)
        s.add(store)
        s.flush()
    return store


def _ensure_chain(s: Session, chain_id: str, store_id: str, now: datetime) -> None:
    if s.get(TerminalRow, chain_id) is None:
        _ensure_store(s, store_id, now)
        s.add(TerminalRow(id=chain_id, store_id=store_id, kind="hq", enrolled_at=now))
        s.flush()
        s.add(CheckpointRow(terminal_id=chain_id, seq=0, hash=GENESIS, updated_at=now))
        s.flush()


def enroll(s: Session, store_id: str, terminal_id: str, now: datetime) -> str:
    """A token for the till ``terminal_id`` of ``store_id``; enrolling it again issues a
    new token and the old one stops working. Terminal ids are chain-wide."""
    _check_id("store", store_id, 30)
    _check_id("terminal", terminal_id, 32)
    if store_id == HQ_STORE:
        raise InvalidInput(f"store id {HQ_STORE!r} is HQ's own", code="bad_store")
    _ensure_store(s, store_id, now)
    _ensure_chain(s, store_chain(store_id), store_id, now)
    phone_secret(s)
    token = new_token()
    t = s.get(TerminalRow, terminal_id)
    if t is None:
        s.add(
            TerminalRow(
                id=terminal_id,
                store_id=store_id,
                kind="till",
                token_hash=token_hash(token),
                enrolled_at=now,
            )
        )
        s.flush()
        s.add(CheckpointRow(terminal_id=terminal_id, seq=0, hash=GENESIS, updated_at=now))
    elif t.store_id != store_id:
        raise RuleViolation(
            f"terminal {terminal_id} belongs to store {t.store_id}", code="terminal_elsewhere"
        )
    else:
        t.token_hash, t.revoked, t.enrolled_at = token_hash(token), False, now
    return token


def revoke(s: Session, terminal_id: str) -> bool:
    """Revoke a lost till: its token is refused from now on (``authenticate``); enrolling
    it again issues a new one. False when no such till (HQ chains have no token)."""
    t = s.get(TerminalRow, terminal_id)
    if t is None or t.kind != "till":
        return False
    t.revoked = True
    return True


def authenticate(s: Session, token: str | None) -> Caller:
    if not token:
        raise Unauthorized("a till token is required (Authorization: Bearer ...)")
    t = s.execute(select(TerminalRow).where(TerminalRow.token_hash == token_hash(token))).scalar()
    if t is None or t.revoked or t.kind != "till":
        raise Unauthorized("unknown or revoked token")
    return Caller(t.id, t.store_id)


def require_own(caller: Caller, terminal_id: str) -> None:
    if caller.terminal_id != terminal_id:
        raise Forbidden(f"this token belongs to terminal {caller.terminal_id}, not {terminal_id}")


def checkpoint(s: Session, caller: Caller) -> p.Checkpoint:
    cp = s.get(CheckpointRow, caller.terminal_id)
    assert cp is not None
    return p.Checkpoint(
        terminal_id=caller.terminal_id, store_id=caller.store_id, seq=cp.seq, hash=cp.hash
    )


# ----------------------------------------------------------------------------- settings


def setting(s: Session, key: str) -> str | None:
    row = s.get(SettingRow, key)
    return row.value if row else None


def int_setting(s: Session, key: str, default: int, high: int | None = None) -> int:
    """A whole-number HQ setting; unset, not a number or above ``high``: ``default``."""
    text = (setting(s, key) or "").strip()
    if not (text.isascii() and text.isdigit()) or (high is not None and int(text) > high):
        return default
    return int(text)


def phone_secret(s: Session) -> str:
    """The chain's secret for the phone keys tills match typed phones by, made when HQ
    first serves or enrolls (``sync.hq.app.create_app``, ``enroll``)."""
    value = setting(s, pk.SECRET)
    if value is None:
        value = secrets.token_hex(32)
        s.add(SettingRow(key=pk.SECRET, value=value))
        s.flush()
    return value


def member_delta(mr: MemberRow, secret: str) -> p.MemberDelta:
    """A member as a till gets it: the phone masked to its last four digits, with its key."""
    state = json.loads(mr.state_json)
    phone = state.get("phone") or ""
    state["phone"] = pk.masked(phone)
    return p.MemberDelta(
        code=mr.code,
        state=state,
        blocked=mr.blocked,
        phone_key=pk.key(secret, phone) if phone else "",
    )


def legacy_program(s: Session) -> Program | None:
    """The program HQ held before versions (the ``settings`` row), or None."""
    q = select(SettingRow.key, SettingRow.value).where(
        SettingRow.key.in_(("program", "program_toml"))
    )
    held = {key: value for key, value in s.execute(q)}  # one query for both
    text, pid = held.get("program_toml"), held.get("program")
    if not text or not pid:
        return None
    return programs.parsed(text, pid)  # bounded, like the till


def hq_program(s: Session, day: date | None = None) -> Program | None:
    """The chain's program in effect on ``day`` (HQ's today), or None before any
    import (``sync.hq.programs``)."""
    found = programs.program_on(s, day or chain_today(utcnow()))
    return found[1] if found is not None else legacy_program(s)


def require_program(s: Session, day: date | None = None) -> Program:
    """``hq_program``, refused (``no_program``) before any import."""
    program = hq_program(s, day)
    if program is None:
        raise NotFound("HQ has no program yet: run `pos-hq import` first", code="no_program")
    return program


def chain_today(now: datetime) -> date:
    return _aware(now).astimezone(CHAIN_ZONE).date()


def shipped_program_toml(program_id: str) -> str:
    res = resources.files("terminal.rules").joinpath("programs", f"{program_id}.toml")
    return res.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- chains


class Chain:
    """Appends HQ's own entries to one HQ chain, under its checkpoint's row lock (taken
    at the first append, after the member locks: every writer locks in that order)."""

    def __init__(self, s: Session, chain_id: str, store_id: str, now: datetime) -> None:
        self.s, self.id, self.store_id, self.now = s, chain_id, store_id, now
        self.cp: CheckpointRow | None = None

    def append(
        self, kind: str, payload: Any, at: str, *, member: str | None = None, ref: str = ""
    ) -> EntryRow:
        if self.cp is None:
            _ensure_chain(self.s, self.id, self.store_id, self.now)
            self.cp = _lock_checkpoint(self.s, self.id)
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        seq, id_ = self.cp.seq + 1, str(uuid.uuid4())
        h = row_hash(self.cp.hash, seq, id_, self.id, at, kind, member, ref, text)
        row = EntryRow(
            terminal_id=self.id,
            seq=seq,
            id=id_,
            store_id=self.store_id,
            month=db.month_of(self.now),
            at=at,
            kind=kind,
            member_code=member,
            ref=ref,
            payload=text,
            prev_hash=self.cp.hash,
            hash=h,
            received_at=self.now,
        )
        self.s.add(row)
        self.s.add(EntryIdRow(id=id_, terminal_id=self.id, seq=seq))
        facts.appended(self.s, row)
        self.cp.seq, self.cp.hash, self.cp.updated_at = seq, h, self.now
        return row


def _lock_checkpoint(s: Session, terminal_id: str) -> CheckpointRow:
    cp = s.execute(
        select(CheckpointRow).where(CheckpointRow.terminal_id == terminal_id).with_for_update()
    ).scalar()
    if cp is None:
        raise NotFound(f"no checkpoint for {terminal_id}", code="unknown_terminal")
    return cp


# ----------------------------------------------------------------------------- members


def blank(code: str) -> m.MemberState:
    """Where every member's fold at HQ starts (a till's first entry is ``Registered``)."""
    return m.MemberState(code=code)


def _chunks(items: Sequence[T], n: int = 500) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


_MEMBERS = cast(Table, MemberRow.__table__)
_UPDATE_MEMBER = update(_MEMBERS).where(_MEMBERS.c.code == bindparam("b_code"))


@dataclass
class Book:
    """The members one transaction touches: row-locked in code order, folded, written
    back with their derived columns (``facts.derived``) and change-log keys. Core
    statements, not ORM rows: a push locks and writes dozens of members."""

    s: Session
    now: datetime
    held: dict[str, tuple[int, str]] = field(default_factory=dict)  # code: (folded, state)
    states: dict[str, m.MemberState] = field(default_factory=dict)
    pos: dict[str, int] = field(default_factory=dict)
    touched: list[str] = field(default_factory=list)
    rederive: set[str] = field(default_factory=set)
    # the reports' sums (``sync.hq.aggregates``): what each fold moved, by the store
    # whose entry moved it; written with the members
    tally: aggregates.Tally = field(default_factory=aggregates.Tally)
    before: dict[str, m.MemberState | None] = field(default_factory=dict)
    store_of: dict[str, str] = field(default_factory=dict)

    def lock(self, codes: Iterable[str]) -> None:
        todo = sorted(set(codes) - set(self.held))
        conn = self.s.connection()
        pg = conn.dialect.name == "postgresql"
        code = _MEMBERS.c.code
        for part in [todo] if pg and todo else _chunks(todo):
            q = (
                select(code, _MEMBERS.c.folded, _MEMBERS.c.state_json)
                .where(code == any_(_array(part, String())) if pg else code.in_(part))
                .order_by(code)
                .with_for_update()
            )
            self.held.update((c, (folded, text)) for c, folded, text in conn.execute(q))

    def exists(self, code: str) -> bool:
        return code in self.held or code in self.states

    def state(self, code: str) -> m.MemberState:
        if code not in self.states:
            held = self.held.get(code)
            self.states[code] = codec.loads(m.MemberState, held[1]) if held else blank(code)
            self.before[code] = self.states[code] if held else None
            self.pos[code] = held[0] if held else 0
        return self.states[code]

    def fold(self, code: str, row: EntryRow | NewEntry, entry: m.MemberEntry) -> None:
        before = self.state(code)
        self.tally.entry(row.at, row.store_id, entry, before)
        self.store_of[code] = row.store_id
        self.states[code] = m.apply(before, entry)
        self.pos[code] += 1
        row.member_pos = self.pos[code]
        if code not in self.touched:
            self.touched.append(code)

    def refresh(self, code: str) -> None:
        """Derive a locked member's columns again though its state did not change."""
        self.rederive.add(code)

    def write(self, program: Program | None) -> list[tuple[str, str]]:
        """The touched members' states and derived columns; their change-log keys."""
        conn = self.s.connection()
        old: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        for code in self.touched:
            st = self.states[code]
            values = {
                "phone": st.phone,
                "state_json": codec.dumps(st),
                "blocked": st.blocked,
                "folded": self.pos[code],
                "updated_at": self.now,
                **facts.derived(st, program),
            }
            if code in self.held:
                old.append({"b_code": code, **values})
            else:
                new.append({"code": code, **values})
        for code in sorted(self.rederive - set(self.touched)):
            if code in self.held:
                old.append({"b_code": code, **facts.derived(self.state(code), program)})
        if new:
            conn.execute(insert(_MEMBERS), new)
        for group in _same_keys(old):
            conn.execute(_UPDATE_MEMBER, group)
        for code in self.touched:
            self.tally.member(self.store_of[code], self.before[code], self.states[code], program)
            self.before[code] = self.states[code]  # a second write adds only what follows
        self.tally.flush(self.s)
        return [("member", c) for c in self.touched]


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``rows`` grouped by their keys: an executemany sets the same columns in each."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r), []).append(r)
    return list(groups.values())


def bump(s: Session, keys: Sequence[tuple[str, str]]) -> None:
    """Give each changed thing the next cursors. The counter's row lock is the last lock
    a writer takes and is held to commit, so cursors are handed out in commit order."""
    if not keys:
        return
    keys = list(dict.fromkeys(keys))  # each thing once, at its first place
    conn = s.connection()
    counter = cast(Table, CounterRow.__table__)
    start = conn.execute(  # takes the counter's row lock, held to commit
        update(counter)
        .where(counter.c.name == "cursor")
        .values(value=counter.c.value + len(keys))
        .returning(counter.c.value)
    ).scalar_one() - len(keys)
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_CHANGES)
    upsert = ins.on_conflict_do_update(
        index_elements=[_CHANGES.c.kind, _CHANGES.c.key], set_={"cursor": ins.excluded.cursor}
    )
    rows = [{"cursor": start + i, "kind": k, "key": v} for i, (k, v) in enumerate(keys, 1)]
    for i in range(0, len(rows), 1000):
        conn.execute(upsert, rows[i : i + 1000])


# ----------------------------------------------------------------------------- push


def _day(at: str) -> date | None:
    try:
        return datetime.fromisoformat(at).date()
    except ValueError:
        return None


CHAIN_ZONE = timezone(timedelta(hours=8))  # tills write naive local time: China's


@dataclass(frozen=True)
class Window:
    """How far a till's clock may be from HQ's: an entry's ``at`` (the till's naive local
    time, in ``zone``) may lie up to ``behind`` before HQ's receive time (a till offline
    for days) and up to ``ahead`` after it (clock skew), never more. Settings:
    ``POS_HQ_MAX_AHEAD_S`` and ``POS_HQ_MAX_AGE_DAYS`` (``from_env``)."""

    ahead: timedelta = timedelta(minutes=10)
    behind: timedelta = timedelta(days=60)
    zone: tzinfo = CHAIN_ZONE

    @classmethod
    def from_env(cls, env: dict[str, str] | Any) -> Window:
        d = cls()
        ahead = env.get("POS_HQ_MAX_AHEAD_S")
        age = env.get("POS_HQ_MAX_AGE_DAYS")
        return cls(
            timedelta(seconds=int(ahead)) if ahead else d.ahead,
            timedelta(days=int(age)) if age else d.behind,
        )

    def latest_day(self, now: datetime) -> date:
        """The last day HQ runs anything as of (expiries): HQ's own, plus the skew."""
        try:
            return (_aware(now) + self.ahead).astimezone(self.zone).date()
        except OverflowError:
            return date.max

    def refuses(self, at: str, now: datetime) -> str:
        """Why ``at`` is outside the window ("" when it is inside)."""
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            return f"at {at!r} is not an ISO date and time"
        when = when if when.tzinfo else when.replace(tzinfo=self.zone)
        now = _aware(now)
        if when - now > self.ahead:  # differences: no date arithmetic past year 9999
            return f"at {at} is ahead of HQ's clock ({now.isoformat()}) by more than {self.ahead}"
        if now - when > self.behind:
            return f"at {at} is older than {self.behind.days} days at HQ ({now.isoformat()})"
        return ""


_PHONE = re.compile(p.PHONE)


def _unfit(decoded: m.MemberEntry | None) -> tuple[p.RejectCode, str] | None:
    """What a till may not register, checked before the database sees it: a phone is
    a mobile number as the counter takes it (``members.phone`` holds 20 characters)."""
    if isinstance(decoded, m.Registered) and not _PHONE.match(decoded.phone):
        return "bad_payload", f"registers phone {decoded.phone[:40]!r}: not a mobile number"
    return None


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def push(
    s: Session,
    caller: Caller,
    batch: p.PushBatch,
    now: datetime,
    *,
    rederive: bool = True,
    window: Window | None = None,
) -> p.PushResult:
    """Apply the batch's entries that continue the till's chain; answer each entry.
    ``rederive=False`` skips the member runs' judging (``sync.hq.derive``): only the
    ingest benchmark's baseline calls it so; no route or command can."""
    tid = caller.terminal_id
    if batch.terminal_id != tid or any(e.terminal_id != tid for e in batch.entries):
        raise Forbidden(f"this token may only push entries of terminal {tid}")
    skew = window or Window()
    cp = _lock_checkpoint(s, tid)
    entries = sorted(batch.entries, key=lambda e: e.seq)
    conn = s.connection()
    pg = conn.dialect.name == "postgresql"
    held: dict[int, tuple[str, str]] = {}
    old = [e.seq for e in entries if e.seq <= cp.seq]
    for seqs in [old] if pg and old else _chunks(old):
        q = select(_ENTRIES.c.seq, _ENTRIES.c.id, _ENTRIES.c.hash).where(
            _ENTRIES.c.terminal_id == tid,
            _ENTRIES.c.store_id == caller.store_id,  # prunes to one hash partition a month
            _ENTRIES.c.seq == any_(_array(seqs, BigInteger())) if pg else _ENTRIES.c.seq.in_(seqs),
        )
        held.update((seq, (id_, h)) for seq, id_, h in conn.execute(q))
    taken: dict[str, tuple[str, int]] = {}
    new = [e.id for e in entries if e.seq > cp.seq]
    for ids in [new] if pg and new else _chunks(new):
        q = select(_ENTRY_IDS.c.id, _ENTRY_IDS.c.terminal_id, _ENTRY_IDS.c.seq).where(
            # one array parameter: the statement stays the same whatever the batch size
            _ENTRY_IDS.c.id == any_(_array(ids, String())) if pg else _ENTRY_IDS.c.id.in_(ids)
        )
        taken.update((id_, (t, n)) for id_, t, n in conn.execute(q))
    results: list[p.EntryResult] = []
    accepted: list[tuple[p.Entry, m.MemberEntry | None]] = []
    seq, head = cp.seq, cp.hash
    stop = ""
    for e in entries:
        if e.seq <= seq:
            h = held.get(e.seq)
            if h == (e.id, e.hash):
                results.append(p.EntryResult(seq=e.seq, id=e.id, status="duplicate"))
            else:
                what = (
                    f"entry {e.id} was applied with a different payload"
                    if h and h[0] == e.id
                    else f"seq {e.seq} already holds entry {h[0] if h else '?'}"
                )
                results.append(_rejected(e, "conflict", what))
            continue
        if stop:
            results.append(p.EntryResult(seq=e.seq, id=e.id, status="deferred", reason=stop))
            continue
        if e.seq != seq + 1:
            stop = f"gap: expected seq {seq + 1}; resend from the checkpoint"
            results.append(
                p.EntryResult(seq=e.seq, id=e.id, status="deferred", code="gap", reason=stop)
            )
            continue
        problem, decoded = _check(e, head, taken)
        late = "" if problem else skew.refuses(e.at, now)  # HQ's clock dates entries
        problem = problem or (("bad_time", late) if late else None) or _unfit(decoded)
        if problem:
            results.append(_rejected(e, problem[0], problem[1]))
            stop = f"seq {e.seq} was rejected"
            continue
        accepted.append((e, decoded))
        held[e.seq] = (e.id, e.hash)
        taken[e.id] = (tid, e.seq)
        seq, head = e.seq, e.hash
        results.append(p.EntryResult(seq=e.seq, id=e.id, status="applied"))
    if accepted:
        cut, verdict = _apply(
            s,
            caller,
            accepted,
            now,
            rederive,
            skew.latest_day(now),
            _at_head(batch, accepted),
            skew.ahead,
        )
        if cut is not None and verdict is not None:  # not derived: it and all after stop
            seq, head = _refuse(s, caller, accepted, cut, verdict, results, cp, now)
        cp.seq, cp.hash, cp.updated_at = seq, head, now
    alarms.flag_divergence(s, tid, caller.store_id, results, now)  # no balance moves
    till_health.pushed(s, tid, batch, now, skew.zone)  # the console's last push, skew
    return p.PushResult(results=results, checkpoint=checkpoint(s, caller))


def _at_head(batch: p.PushBatch, accepted: list[tuple[p.Entry, m.MemberEntry | None]]) -> bool:
    """The accepted entries reach the till's last row, as the till said when it sent
    them (a batch cut on the way ends before it, and its last run waits)."""
    return bool(batch.head) and accepted[-1][0].seq >= batch.head


def _refuse(
    s: Session,
    caller: Caller,
    accepted: list[tuple[p.Entry, m.MemberEntry | None]],
    cut: derive.Run,
    verdict: derive.Verdict,
    results: list[p.EntryResult],
    cp: CheckpointRow,
    now: datetime,
) -> tuple[int, str]:
    """Answer the refused run ``rejected`` (or ``deferred``: incomplete), what follows
    it ``deferred``; keep the evidence. Returns the checkpoint: the entry before it."""
    run_seqs = {e.seq for e, _ in accepted[cut.start : cut.end]}
    after = {e.seq for e, _ in accepted[cut.start :]}
    first = accepted[cut.start][0]
    stop = f"seq {first.seq} was {'deferred' if verdict.code == 'incomplete' else 'rejected'}"
    for i, r in enumerate(results):
        if r.seq not in after:
            continue
        if r.seq in run_seqs and verdict.code != "incomplete":
            results[i] = p.EntryResult(
                seq=r.seq, id=r.id, status="rejected", code=verdict.code, reason=verdict.reason
            )
        elif r.seq in run_seqs:
            results[i] = p.EntryResult(
                seq=r.seq, id=r.id, status="deferred", code="incomplete", reason=verdict.reason
            )
        else:
            results[i] = p.EntryResult(seq=r.seq, id=r.id, status="deferred", reason=stop)
    if verdict.code != "incomplete":
        derive.keep_evidence(
            s, caller.store_id, [e for e, _ in accepted[cut.start : cut.end]], verdict, now
        )
    if cut.start == 0:
        return cp.seq, cp.hash
    last = accepted[cut.start - 1][0]
    return last.seq, last.hash


def _rejected(e: p.Entry, code: p.RejectCode, reason: str) -> p.EntryResult:
    return p.EntryResult(seq=e.seq, id=e.id, status="rejected", code=code, reason=reason)


def _check(
    e: p.Entry, head: str, taken: dict[str, tuple[str, int]]
) -> tuple[tuple[p.RejectCode, str] | None, m.MemberEntry | None]:
    if e.prev_hash != head:
        return ("broken_chain", "prev_hash does not link to the checkpoint's hash"), None
    h = row_hash(
        e.prev_hash, e.seq, e.id, e.terminal_id, e.at, e.kind, e.member_code, e.ref, e.payload
    )
    if h != e.hash:
        return ("bad_hash", "hash does not match the entry's contents"), None
    if e.id in taken:
        t, n = taken[e.id]
        return ("conflict", f"id {e.id} is already used by {t} seq {n}"), None
    if e.kind != "member":
        return None, None
    try:
        if not e.member_code:
            raise InvalidInput("a member entry needs a member code", code="bad_entry")
        entry = codec.decode_entry(json.loads(e.payload))
        if isinstance(entry, m.Registered) and entry.code != e.member_code:
            raise InvalidInput(f"registers {entry.code} under {e.member_code}", code="bad_entry")
        return None, entry
    except (ValueError, TypeError, KeyError, PosError, RecursionError) as err:
        return ("bad_payload", f"not a member entry: {err}"), None


def _apply(
    s: Session,
    caller: Caller,
    accepted: list[tuple[p.Entry, m.MemberEntry | None]],
    now: datetime,
    rederive: bool = True,
    latest: date = date.max,
    at_head: bool = False,
    ahead: timedelta = timedelta(minutes=10),
) -> tuple[derive.Run, derive.Verdict] | tuple[None, None]:
    """Fold and store the accepted entries up to the first member run HQ does not
    re-derive (``sync.hq.derive``); returns that run and why, or (None, None)."""
    folds = [e.member_code for e, d in accepted if d is not None and e.member_code]
    # member folds and sale facts need it, and a sale may come in a batch without its
    # member entries (they precede it in the till's ledger): one query, parsed once
    versions = programs.Chain(s, legacy_program(s))
    program = versions.on(chain_today(now))
    book = Book(s, now)
    book.lock(folds)
    chain = Chain(s, store_chain(caller.store_id), caller.store_id, now)
    last_ref: dict[str, str] = {}
    rows: list[NewEntry] = []
    runs = derive.runs(accepted) if rederive else {}
    judge = derive.Judge(
        derive.History(s, caller.terminal_id, caller.store_id, [e for e, _ in accepted]),
        accepted,
        at_head,
    )

    def ran(run: derive.Run) -> list[Program]:
        """The versions the till may have run ``run`` under (``sync.hq.programs``)."""
        at, day = datetime.fromisoformat(run.at), _day(run.at)  # inside the window
        at = (at if at.tzinfo else at.replace(tzinfo=CHAIN_ZONE)) - ahead
        return versions.for_run(caller.terminal_id, day, at) if day is not None else []

    own: dict[str, list[m.MemberEntry]] = {}  # this batch's folded entries, by member
    refused: tuple[derive.Run, derive.Verdict] | tuple[None, None] = (None, None)
    for i, (e, decoded) in enumerate(accepted):
        run = runs.get(i)
        verdict = None
        if run is not None:
            verdict = judge.judge(run, ran(run), partial(_views, s, book, caller, run, own))
        elif rederive:
            run, verdict = derive.orphan_sale(accepted, i, runs)
        if run is not None and verdict is not None:
            refused = (run, verdict)
            accepted = accepted[:i]
            break
        row = NewEntry.received(e, caller.store_id, now)
        rows.append(row)
        if decoded is None or e.member_code is None:
            continue
        code = e.member_code
        day = _day(e.at)
        on_day = versions.on(min(day, latest)) if day is not None else None
        if on_day is not None and day is not None:
            # never past HQ's own day: a till's clock cannot run HQ's expiries ahead
            for d in lc.due_entries(book.state(code), on_day, min(day, latest)):
                hq = chain.append("member", codec.encode_entry(d), e.at, member=code, ref="expiry")
                book.fold(code, hq, d)
            if e.ref == EXPIRY_REF:
                continue  # HQ derived this day's expiries itself, just above
        book.fold(code, row, decoded)
        own.setdefault(code, []).append(decoded)
        last_ref[code] = f"{caller.terminal_id}#{e.seq}"
    for code in list(book.touched):
        for d in lc.overdraft_to_debt(book.state(code), last_ref.get(code, caller.terminal_id)):
            at = next(e.at for e, _ in reversed(accepted) if e.member_code == code)
            hq = chain.append("member", codec.encode_entry(d), at, member=code, ref="overdraft")
            book.fold(code, hq, d)
    link_members(s, caller.store_id, book.touched)  # its tills pull them from now on
    insert_entries(s, rows)
    bump(s, facts.after_push(s, book, program, caller.store_id, accepted))
    return refused


def _views(
    s: Session,
    book: Book,
    caller: Caller,
    run: derive.Run,
    own: dict[str, list[m.MemberEntry]],
    program: Program | None,
) -> Iterator[m.MemberState]:
    """The states the till can have derived ``run`` from, cheapest first, each with the
    expiries due on the run's day (``sync.hq.derive``: the member as the till saw it)."""
    day = _day(run.at)

    def due(state: m.MemberState) -> m.MemberState:
        if program is None or day is None:
            return state
        return m.fold(lc.due_entries(state, program, day), state)

    yield due(book.state(run.code))
    mine = own.get(run.code, [])
    for pos in derive.sent_positions(s, caller.terminal_id, run.code):
        # the batch's own entries are not written yet: HQ's rows, then these
        yield due(derive.view_at(s, run.code, pos, caller.terminal_id, mine))


# ----------------------------------------------------------------------------- pull


_MEMBER_STORES = cast(Table, MemberStoreRow.__table__)


def link_members(s: Session, store_id: str, codes: Iterable[str]) -> None:
    """Link members to a store (``member_stores``): its tills pull their changes."""
    rows = [{"member_code": c, "store_id": store_id} for c in dict.fromkeys(codes)]
    if not rows:
        return
    conn = s.connection()
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_MEMBER_STORES)
    for i in range(0, len(rows), 1000):
        conn.execute(ins.on_conflict_do_nothing(), rows[i : i + 1000])


def in_scope(q: Select[Any], scope: Collection[str] | None) -> Select[Any]:
    """``q`` (a select over ``members``) cut to the members a console user scoped to
    ``scope`` (a store manager's stores; None: the chain) sees and acts on: those linked
    to one of the stores (``member_stores``). A member linked only to ``hq`` (imported,
    never seen at a till) is no store's here, though every store's tills pull it: the
    console's pages and adjustments (``sync.hq.adjust``) all go by this one rule."""
    if scope is None:
        return q
    linked = select(MemberStoreRow.member_code).where(MemberStoreRow.store_id.in_(scope))
    return q.where(MemberRow.code.in_(linked))


def member_in_scope(s: Session, code: str, scope: Collection[str] | None) -> bool:
    """Whether the member exists and ``in_scope`` keeps it."""
    q = in_scope(select(MemberRow.code).where(MemberRow.code == code), scope)
    return s.execute(q).first() is not None


def _of_store(store_id: str) -> Any:
    """Members a store's tills pull: linked to the store, or opened by an import."""
    return (
        select(MemberStoreRow.member_code)
        .where(
            MemberStoreRow.member_code == ChangeRow.key,
            MemberStoreRow.store_id.in_((store_id, HQ_STORE)),
        )
        .exists()
    )


def pull(s: Session, caller: Caller, req: p.Pull, now: datetime | None = None) -> p.PullResult:
    """What changed after ``req.cursor``: one page, in cursor order. Run it in one
    snapshot (``sync.hq.db.snapshot``) so ``through`` matches the member states.
    Members come only if they are the till's store's (``member_stores``): least data
    to each till; another store's member reaches it by ``lookup``."""
    now = now or utcnow()
    till_health.pulled(s, caller.terminal_id, req, now, CHAIN_ZONE)  # first: its snapshot
    rows = list(
        s.execute(
            select(ChangeRow)
            .where(
                ChangeRow.cursor > req.cursor,
                (ChangeRow.kind != "member") | _of_store(caller.store_id),
                (ChangeRow.kind != "staff")  # a store's staff go to its own tills only
                | ChangeRow.key.startswith(f"{caller.store_id}/", autoescape=True),
            )
            .order_by(ChangeRow.cursor)
            .limit(req.limit + 1)
        ).scalars()
    )
    more = len(rows) > req.limit
    rows = rows[: req.limit]
    keys: dict[str, list[str]] = {}
    for r in rows:
        keys.setdefault(r.kind, []).append(r.key)
    members: list[p.MemberDelta] = []
    sent: list[tuple[str, int]] = []  # what the till now holds: how HQ judges its entries
    secret = phone_secret(s)
    for part in _chunks(keys.get("member", [])):
        for mr in s.execute(select(MemberRow).where(MemberRow.code.in_(part))).scalars():
            members.append(member_delta(mr, secret))
            sent.append((mr.code, mr.folded))
    derive.record_sent(s, caller.terminal_id, sent)
    products: list[p.ProductDelta] = []
    for part in _chunks(keys.get("product", [])):
        for pr in s.execute(select(ProductRow).where(ProductRow.code.in_(part))).scalars():
            products.append(
                p.ProductDelta(
                    code=pr.code,
                    name=pr.name,
                    category=pr.category,
                    price_fen=pr.price_fen,
                    member_price_fen=pr.member_price_fen,
                    unit=pr.unit,
                    plu=pr.plu,
                )
            )
    program, versions = None, []
    if "program" in keys.get("setting", []):
        versions = _program_deltas(s, caller.terminal_id, now)
        program = versions[0] if versions else None  # a till older than versions
    shared = {}
    for key in keys.get("setting", []):
        value = setting(s, key) if key in p.SHARED_SETTINGS else None
        if value is not None:
            shared[key] = value
    cp = s.get(CheckpointRow, caller.terminal_id)
    return p.PullResult(
        cursor=rows[-1].cursor if rows else req.cursor,
        more=more,
        through=cp.seq if cp else 0,
        members=members,
        products=products,
        program=program,
        programs=versions,
        settings=shared,
        blocked=[d.code for d in members if d.blocked],
        phone_secret=secret,
        staff=_staff_deltas(s, caller.store_id, None if req.staff_all else keys.get("staff", [])),
        staff_all=req.staff_all,
    )


def _staff_deltas(s: Session, store_id: str, keys: list[str] | None) -> list[p.StaffDelta]:
    """The changed staff of the till's store (``sync.hq.staff``; keys ``store/id``), or
    all of them (``keys`` None)."""
    base = select(StaffRow).where(StaffRow.store_id == store_id)
    ids = None if keys is None else [k.split("/", 1)[1] for k in keys]
    queries = (
        [base] if ids is None else [base.where(StaffRow.staff_id.in_(x)) for x in _chunks(ids)]
    )
    return [
        p.StaffDelta(
            id=r.staff_id, name=r.name, role=r.role, pin_hash=r.pin_hash, disabled=r.disabled
        )
        for q in queries
        for r in s.execute(q).scalars()
    ]


def _program_deltas(s: Session, terminal_id: str, now: datetime) -> list[p.ProgramDelta]:
    """The versions a till holds (the one in effect and later ones), recorded as sent;
    before any version, the settings' program as version 0."""
    rows = programs.to_send(s, chain_today(now))
    programs.record_delivered(s, terminal_id, [r.version for r in rows], now)
    out = [
        p.ProgramDelta(
            id=r.program_id, toml=r.toml, version=r.version, effective_from=r.effective_from
        )
        for r in rows
    ]
    pid, text = setting(s, "program"), setting(s, "program_toml")
    if not out and pid and text:
        out.append(p.ProgramDelta(id=pid, toml=text))
    return out


def lookup(s: Session, caller: Caller, req: p.Lookup, now: datetime) -> p.LookupResult:
    """The members a code or phone names, for a member identified at the counter whom
    the till's pulls did not bring (another store's). Each such member is logged
    (``member_lookups``: which till asked for whom, the member's stores then) and linked
    to the till's store, so its later changes come with the till's pulls."""
    if (req.code is None) == (req.phone is None):
        raise InvalidInput("look a member up by code or by phone", code="bad_lookup")
    by = "code" if req.code is not None else "phone"
    q = select(MemberRow).where(
        MemberRow.code == req.code if req.code is not None else MemberRow.phone == req.phone
    )
    found = list(s.execute(q.order_by(MemberRow.code).limit(p.MAX_LOOKUP)).scalars())
    codes = [mr.code for mr in found]
    homes: dict[str, list[str]] = {}
    for code, store in s.execute(
        select(MemberStoreRow.member_code, MemberStoreRow.store_id).where(
            MemberStoreRow.member_code.in_(codes)
        )
    ):
        homes.setdefault(code, []).append(store)
    for code in codes:
        home = sorted(homes.get(code, []))
        if caller.store_id not in home and HQ_STORE not in home:
            s.add(
                MemberLookupRow(
                    at=now,
                    terminal_id=caller.terminal_id,
                    store_id=caller.store_id,
                    member_code=code,
                    by=by,
                    home=",".join(home)[:200],
                )
            )
    link_members(s, caller.store_id, codes)
    derive.record_sent(s, caller.terminal_id, [(mr.code, mr.folded) for mr in found])
    cp = s.get(CheckpointRow, caller.terminal_id)
    secret = phone_secret(s)
    return p.LookupResult(
        through=cp.seq if cp else 0,
        members=[member_delta(mr, secret) for mr in found],
        phone_secret=secret,
    )


def own_entries(s: Session, caller: Caller, after: int, limit: int) -> p.EntriesPage:
    rows = list(
        s.execute(
            select(EntryRow)
            .where(
                EntryRow.terminal_id == caller.terminal_id,
                EntryRow.store_id == caller.store_id,  # one hash partition a month
                EntryRow.seq > after,
            )
            .order_by(EntryRow.seq)
            .limit(limit + 1)
        ).scalars()
    )
    return p.EntriesPage(
        entries=[_entry(r) for r in rows[:limit]],
        more=len(rows) > limit,
    )


def _entry(r: EntryRow) -> p.Entry:
    return p.Entry.of_row(r)


# ----------------------------------------------------------------------------- admin


@dataclass
class ImportReport:
    program: str
    products: int
    members: int
    skipped: list[str]


def import_setup(
    s: Session,
    program: Program,
    program_toml: str,
    catalog: Sequence[Product],
    openings: Sequence[lc.Opening],
    start: datetime,
    now: datetime,
) -> ImportReport:
    """The chain's program, catalog and members' opening balances (scenario setup keys).

    Products are upserted; members HQ already holds are left as they are (an import
    run twice changes nothing); the program cannot be switched by an import."""
    changed: list[tuple[str, str]] = []
    current = setting(s, "program")
    if current is not None and current != program.id:
        raise RuleViolation(
            f"HQ runs program {current}; an import cannot switch it to {program.id}",
            code="program_change",
        )
    if programs.adopt(s, program_toml, now, chain_today(now), "import"):
        changed.append(("setting", "program"))
    n_products = 0
    for prod in catalog:
        held = s.get(ProductRow, prod.code)
        values = {
            "name": prod.name,
            "category": prod.category,
            "price_fen": prod.price.fen,
            "member_price_fen": prod.member_price.fen if prod.member_price else None,
            "unit": prod.unit,
            "plu": prod.plu,
        }
        if held is None:
            s.add(ProductRow(code=prod.code, updated_at=now, **values))
        elif any(getattr(held, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(held, k, v)
            held.updated_at = now
        else:
            continue
        n_products += 1
        changed.append(("product", prod.code))
    book = Book(s, now)
    book.lock(o.code for o in openings)
    chain = Chain(s, HQ_CHAIN, HQ_STORE, now)
    skipped = []
    at = start.isoformat()
    for o in openings:
        if book.exists(o.code):
            skipped.append(o.code)
            continue
        for e in lc.opening_entries(program, o, start.date()):
            row = chain.append("member", codec.encode_entry(e), at, member=o.code, ref="opening")
            book.fold(o.code, row, e)
    link_members(s, HQ_STORE, [o.code for o in openings if o.code not in skipped])
    changed += book.write(program)
    bump(s, changed)
    return ImportReport(program.id, n_products, len(openings) - len(skipped), skipped)


def publish_program(
    s: Session, text: str, effective: date, now: datetime, by: str, note: str = ""
) -> tuple[programs.Version, bool]:
    """Publish a program version (``sync.hq.programs.publish``); tills get it on pull."""
    version, new = programs.publish(s, text, effective, now, chain_today(now), by, note)
    if new:
        bump(s, [("setting", "program")])
    return version, new


def member_state(s: Session, code: str) -> m.MemberState | None:
    row = s.get(MemberRow, code)
    return codec.loads(m.MemberState, row.state_json) if row else None


def set_blocked(s: Session, code: str, blocked: bool, reason: str, now: datetime) -> None:
    """Block (lost card, closed account) or unblock a member; tills learn it on pull."""
    book = Book(s, now)
    book.lock([code])
    if code not in book.held:
        raise NotFound(f"no member {code}", code="unknown_member")
    row = Chain(s, HQ_CHAIN, HQ_STORE, now).append(
        "member",
        codec.encode_entry(m.Blocked(blocked, reason)),
        now.replace(tzinfo=None, microsecond=0).isoformat(),
        member=code,
        ref="block",
    )
    book.fold(code, row, m.Blocked(blocked, reason))
    bump(s, book.write(hq_program(s)))


def verify(s: Session) -> list[str]:
    """Every chain links and hashes, every checkpoint is its chain's head, every
    cached member is the fold of its entries in ``member_pos`` order, and the reports'
    sums are what the entries add up to."""
    problems: list[str] = []
    chains = s.execute(
        select(CheckpointRow, TerminalRow.store_id)
        .join(TerminalRow, TerminalRow.id == CheckpointRow.terminal_id)
        .order_by(CheckpointRow.terminal_id)
    ).all()
    for cp, store_id in chains:
        prev, expect = GENESIS, 1
        rows = s.execute(
            select(EntryRow)
            .where(EntryRow.terminal_id == cp.terminal_id, EntryRow.store_id == store_id)
            .order_by(EntryRow.seq)
        ).scalars()
        for r in rows:
            if r.seq != expect or r.prev_hash != prev:
                problems.append(f"{cp.terminal_id} #{r.seq}: breaks the chain")
            elif (
                row_hash(
                    r.prev_hash,
                    r.seq,
                    r.id,
                    r.terminal_id,
                    r.at,
                    r.kind,
                    r.member_code,
                    r.ref,
                    r.payload,
                )
                != r.hash
            ):
                problems.append(f"{cp.terminal_id} #{r.seq}: hash does not match")
            prev, expect = r.hash, r.seq + 1
        if (expect - 1, prev) != (cp.seq, cp.hash):
            problems.append(f"{cp.terminal_id}: checkpoint is not the chain's head")
    # the columns verify needs only: an HQ at an older schema is verified too
    for mr in s.execute(select(MemberRow.code, MemberRow.state_json).order_by(MemberRow.code)):
        payloads = s.execute(
            select(EntryRow.payload)
            .where(EntryRow.member_code == mr.code, EntryRow.member_pos.is_not(None))
            .order_by(EntryRow.member_pos)
        ).scalars()
        state = m.fold((codec.decode_entry(json.loads(t)) for t in payloads), blank(mr.code))
        if state != codec.loads(m.MemberState, mr.state_json):
            problems.append(f"member {mr.code}: cached state differs from its entries' fold")
    problems += aggregates.check(s)
    for store, since, why, n in derive.flagged(s):
        problems.append(
            f"store {store}: flagged for review since {since.isoformat()}, "
            f"{n} refused entries ({why})"
        )
    return problems


def counts(s: Session) -> dict[str, int]:
    out = {}
    for name, model in (("entries", EntryRow), ("members", MemberRow), ("products", ProductRow)):
        out[name] = int(s.execute(select(func.count()).select_from(model)).scalar() or 0)
    return out
