"""HQ's jobs (rule book §1.5 "Other grants", §1.6, §7 "Grants at the till vs at HQ").

Each job writes through the same path a push does: member rows locked in code order
(``service.Book``), entries appended to HQ's own hashed chain ``@hq``
(``service.Chain``), the member folds cached with their derived columns
(``service.Book.write``) and the change cursor bumped (``service.bump``), so tills
see the result on their next pull. ``monthly_bonuses``, ``expire`` and ``rfm`` run in
the caller's one transaction (``service.run``); ``monthly_in_chunks`` and
``expire_in_chunks`` commit every ``chunk`` members, and ``month_end`` runs all three
that way (``pos-hq jobs month-end``).

Idempotency: every grant is keyed in the member's own fold. A grant is written as
its coin lot followed by a marker ``GiftClaimed(kind, period)`` — kinds ``hq_spend``
and ``hq_visits`` (period ``YYYY-MM``), ``hq_profile`` (period = the field),
``hq_legacy`` (period ``migration``) — and a job skips a member whose state already
holds the marker. The check and the write happen under the member's row lock in one
transaction, so two concurrent runs serialize and the second sees the first's marker;
the marker travels with the member (pull deltas, ``pos-hq verify``) and needs no
extra table. Lot ids are derived from the key too (``hq:spend:2026-10:M1``), never
random. Expiry and RFM need no marker: ``lifecycle.due_entries`` returns nothing once
a day's expiries are folded, and RFM settings are only written (and bumped) when
their value changes. So a chunked run that stops half way (a crash, a lost
connection) is finished by running it again: the committed chunks are no-ops.

What the jobs read (``sync.hq.facts``): sales from the ``sales`` facts (one row per
member sale, written with its entry), never the payloads; for expiry, only members
whose ``next_due`` is on or before the day (or whose derived columns are unknown or
were derived under another program); for RFM's segments, the ``registered`` and
``last_purchase`` columns (the state only where those are unknown).

Monthly bonuses count the sales HQ holds when the job runs; a sale an offline till
pushes after the month was settled is not counted again (the marker is set).
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    Date,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol as p
from sync.hq import facts
from sync.hq import service as svc
from sync.hq.models import (
    ChangeRow,
    CounterRow,
    MemberRow,
    MemberStoreRow,
    RfmMoveRow,
    RfmStoreSegmentRow,
    SaleFactRow,
    SettingRow,
)
from terminal import codec
from terminal.calendar import add_months
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import Money
from terminal.rules import grants
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import rfm as r
from terminal.rules.program import Program

SPEND, VISITS, PROFILE, LEGACY = "hq_spend", "hq_visits", "hq_profile", "hq_legacy"
CHUNK = 2000  # members per transaction in the chunked jobs
T = TypeVar("T")


def _at(day: date) -> str:
    return datetime.combine(day, clock()).isoformat()


def now_at(now: datetime) -> str:
    return now.replace(tzinfo=None, microsecond=0).isoformat()


def _parts(items: Sequence[T], n: int) -> Iterator[Sequence[T]]:
    n = max(1, n)
    for i in range(0, len(items), n):
        yield items[i : i + n]


def grant_lot(
    program: Program, code: str, kind: str, period: str, coins: int, day: date, reason: str
) -> m.CoinLotGranted:
    """The coin lot of HQ grant ``(kind, period)``: its id is derived from the key."""
    return m.CoinLotGranted(
        f"hq:{kind.removeprefix('hq_')}:{period}:{code}",
        coins,
        day,
        lc.coin_lot_last_day(program, day),
        reason,
    )


class Writer:
    """HQ's chain ``@hq`` and the members one job touches."""

    def __init__(self, s: Session, program: Program, now: datetime) -> None:
        self.s, self.program = s, program
        self.book = svc.Book(s, now)
        self.chain = svc.Chain(s, svc.HQ_CHAIN, svc.HQ_STORE, now)

    def write(self, code: str, entries: Iterable[m.MemberEntry], at: str, ref: str) -> int:
        n = 0
        for e in entries:
            row = self.chain.append("member", codec.encode_entry(e), at, member=code, ref=ref)
            self.book.fold(code, row, e)
            n += 1
        return n

    def expire(self, code: str, day: date, at: str) -> int:
        """HQ's expiries due by ``day`` (as a push applies them before a member entry)."""
        return self.write(
            code, lc.due_entries(self.book.state(code), self.program, day), at, svc.EXPIRY_REF
        )

    def grant(
        self, code: str, kind: str, period: str, coins: int, day: date, at: str, reason: str
    ) -> bool:
        """Coins as a lot plus the marker, unless the marker is already there."""
        if coins <= 0 or (kind, period) in self.book.state(code).gifts_claimed:
            return False
        self.expire(code, day, at)
        lot = grant_lot(self.program, code, kind, period, coins, day, reason)
        self.write(code, [lot, m.GiftClaimed(kind, period)], at, kind)
        return True

    def finish(self) -> None:
        svc.bump(self.s, self.book.write(self.program))


# ----------------------------------------------------------------------------- sales


@dataclass(frozen=True)
class SaleSeen:
    member: str
    at: datetime
    spend: Money  # what the sale paid less coins and points


def member_sales(
    s: Session, start: date, end: date, codes: Sequence[str] | None = None
) -> list[SaleSeen]:
    """Member sales HQ holds with ``start <= day < end`` (the till's own sale time), of
    every member or of ``codes`` only."""
    f = SaleFactRow
    q = select(f.member_code, f.at, f.spend_fen).where(f.at >= _at(start), f.at < _at(end))
    batches = [q] if codes is None else [q.where(f.member_code.in_(c)) for c in _parts(codes, 500)]
    return [
        SaleSeen(code, datetime.fromisoformat(at).replace(tzinfo=None), Money(int(spend)))
        for b in batches
        for code, at, spend in s.execute(b)
    ]


def parse_month(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise InvalidInput(f"month {text!r}: want YYYY-MM", code="bad_month") from None


# ----------------------------------------------------------------------------- monthly


@dataclass
class MonthlyReport:
    month: str
    members: int = 0  # members with sales in the month
    spend_coins: dict[str, int] = field(default_factory=dict)  # granted by this run
    visit_coins: dict[str, int] = field(default_factory=dict)


def bonus_coins(program: Program, sales: Sequence[SaleSeen]) -> tuple[int, int]:
    """(spend coins, visit coins) that one member's sales of a month earn (§1.5)."""
    running, spend_coins = Money(0), 0
    ordered = sorted(sales, key=lambda x: x.at)
    for sale in ordered:
        got, running = grants.spend_bonus(program, running, sale.spend)
        spend_coins += got
    total = Money(sum(x.spend.fen for x in ordered))
    return spend_coins, grants.visit_bonus(program, total, [x.at for x in ordered])


def _settle_dates(month: str, now: datetime, today: date | None) -> tuple[date, date]:
    first = parse_month(month)
    settle = add_months(first, 1)
    if (today or now.date()) < settle:
        raise RuleViolation(f"month {month} is settled from {settle}", code="month_open")
    return first, settle


def _bonus_candidates(
    s: Session, program: Program, first: date, settle: date
) -> tuple[int, list[str]]:
    """Members with sales in the month, and (in code order) those whose month could
    earn a bonus: spend reaching the spend step, or reaching the visit bonuses' minimum
    spend with at least their fewest visits in sales (a visit is one sale or more).
    Every member a bonus is due to is a candidate: spend coins are
    ``floor(month spend / step)`` times the coins, whatever the order of the sales."""
    f = SaleFactRow
    in_month = and_(f.at >= _at(first), f.at < _at(settle))
    members = int(s.scalar(select(func.count(f.member_code.distinct())).where(in_month)) or 0)
    g = program.hq_grants
    total, n = func.sum(f.spend_fen), func.count()
    reach = []
    if g.monthly_spend_coins > 0 and g.monthly_spend_step.fen > 0:
        reach.append(total >= g.monthly_spend_step.fen)
    if any(b.coins > 0 for b in g.visit_bonuses):
        fewest = min(b.visits_at_least for b in g.visit_bonuses if b.coins > 0)
        reach.append(and_(total >= g.visit_min_month_spend.fen, n >= fewest))
    if not reach:
        return members, []
    q = (
        select(f.member_code)
        .where(in_month)
        .group_by(f.member_code)
        .having(or_(*reach))
        .order_by(f.member_code)
    )
    return members, list(s.scalars(q))


def _settle(
    s: Session,
    program: Program,
    month: str,
    codes: Sequence[str],
    now: datetime,
) -> MonthlyReport:
    """Grant the bonuses due to ``codes`` (candidates) in one transaction."""
    rep = MonthlyReport(month)
    first = parse_month(month)
    settle = add_months(first, 1)
    w = Writer(s, program, now)
    w.book.lock(codes)
    by_member: dict[str, list[SaleSeen]] = defaultdict(list)
    for sale in member_sales(s, first, settle, codes):
        by_member[sale.member].append(sale)
    at = _at(settle)
    for code in sorted(by_member):
        if not w.book.exists(code):
            continue  # a sale for a member HQ never heard of: nothing to credit
        spend_coins, visit_coins = bonus_coins(program, by_member[code])
        if w.grant(code, SPEND, month, spend_coins, settle, at, f"hq:monthly_spend:{month}"):
            rep.spend_coins[code] = spend_coins
        if w.grant(code, VISITS, month, visit_coins, settle, at, f"hq:monthly_visits:{month}"):
            rep.visit_coins[code] = visit_coins
    w.finish()
    return rep


def monthly_bonuses(
    s: Session, program: Program, month: str, now: datetime, today: date | None = None
) -> MonthlyReport:
    """Monthly spend and visit bonuses for ``month`` (YYYY-MM), settled on the 1st of the
    next month: refused before then (``today``, default ``now``'s day)."""
    first, settle = _settle_dates(month, now, today)
    members, codes = _bonus_candidates(s, program, first, settle)
    rep = _settle(s, program, month, codes, now)
    rep.members = members
    return rep


def monthly_in_chunks(
    sessions: sessionmaker[Session],
    program: Program,
    month: str,
    now: datetime,
    today: date | None = None,
    chunk: int = CHUNK,
) -> MonthlyReport:
    """``monthly_bonuses``, committed every ``chunk`` candidate members."""
    first, settle = _settle_dates(month, now, today)
    with sessions() as s:
        members, codes = _bonus_candidates(s, program, first, settle)
    rep = MonthlyReport(month, members=members)
    for part in _parts(codes, chunk):
        done = svc.run(
            sessions, partial(_settle, program=program, month=month, codes=part, now=now)
        )
        rep.spend_coins.update(done.spend_coins)
        rep.visit_coins.update(done.visit_coins)
    return rep


# ----------------------------------------------------------------------------- profile


def profile_grant(s: Session, program: Program, code: str, field_: str, now: datetime) -> int:
    """Coins for completing a profile field (an admin records it), once each: the coins
    granted, 0 when the member already had them."""
    if field_ not in dict(program.hq_grants.profile_grants):
        known = ", ".join(f for f, _ in program.hq_grants.profile_grants) or "none"
        raise InvalidInput(f"no profile grant for {field_!r} (known: {known})", code="bad_field")
    w = Writer(s, program, now)
    w.book.lock([code])
    if not w.book.exists(code):
        raise NotFound(f"no member {code}", code="unknown_member")
    state = w.book.state(code)
    done = {period for kind, period in state.gifts_claimed if kind == PROFILE}
    coins = grants.profile_grant(program, field_, done)
    granted = w.grant(code, PROFILE, field_, coins, now.date(), now_at(now), f"hq:profile:{field_}")
    w.finish()
    return coins if granted else 0


# ----------------------------------------------------------------------------- expiry


def _due_members(s: Session, program: Program, day: date) -> list[str]:
    """Members (in code order) that may have expiries due by ``day``: those whose
    ``next_due`` (derived under this program) is on or before it, and those whose
    derived columns are unknown or were derived under another program."""
    key = facts.program_key(program)
    mr = MemberRow
    q = (
        select(mr.code)
        .where(
            or_(
                and_(mr.due_key == key, mr.next_due <= day),
                mr.due_key.is_(None),
                mr.due_key != key,
            )
        )
        .order_by(mr.code)
    )
    return list(s.scalars(q))


def _expire(
    s: Session,
    program: Program,
    day: date,
    codes: Sequence[str],
    now: datetime,
) -> dict[str, int]:
    """Expire ``codes`` in one transaction: member -> entries written."""
    out: dict[str, int] = {}
    w = Writer(s, program, now)
    w.book.lock(codes)
    at = _at(day)
    for code in codes:
        if code not in w.book.held:
            continue
        n = w.expire(code, day, at)
        if n:
            out[code] = n
        else:  # nothing was due: the columns were unknown or of another program
            w.book.refresh(code)
    w.finish()
    return out


def expire(s: Session, program: Program, day: date, now: datetime) -> dict[str, int]:
    """Every member's expiries due by ``day`` (tier, coin lots, coupons, points, spend
    roll-off), whether or not the member has been active: entries written per member."""
    return _expire(s, program, day, _due_members(s, program, day), now)


def expire_in_chunks(
    sessions: sessionmaker[Session],
    program: Program,
    day: date,
    now: datetime,
    chunk: int = CHUNK,
) -> dict[str, int]:
    """``expire``, committed every ``chunk`` members (in code order)."""
    with sessions() as s:
        codes = _due_members(s, program, day)
    out: dict[str, int] = {}
    for part in _parts(codes, chunk):
        out.update(
            svc.run(sessions, partial(_expire, program=program, day=day, codes=part, now=now))
        )
    return out


# ----------------------------------------------------------------------------- re-tiering

# HQ's own setting (never bumped, so never pulled): the change cursor the last
# re-tiering started from and the program it ran under.
REASSESSED = "tier_reassessed"
REASSESS_REF = "reassess"


def _reassessing(program: Program) -> bool:
    ladders = [program.tiers, *([program.group_tiers] if program.group_tiers else [])]
    return any(lad.reassess == "monthly" for lad in ladders)


def _reassess_candidates(s: Session, program: Program) -> tuple[int, list[str]]:
    """The change cursor now, and (in code order) the members a re-tiering must look at.

    A member can only have fallen below its tier through a write of its state since the
    last re-tiering (spend rolled off, a return, an import): every such write takes a
    change cursor (``service.bump``). So after the first run under a program, only the
    members with a later cursor than the last run's start are read; the first run, or
    one under a changed program, reads every member."""
    counter = s.get(CounterRow, "cursor")
    now_cursor = int(counter.value) if counter is not None else 0
    if not _reassessing(program):
        return now_cursor, []
    held = s.get(SettingRow, REASSESSED)
    last = json.loads(held.value) if held is not None else {}
    if last.get("program") == facts.program_key(program):
        q = (
            select(ChangeRow.key)
            .where(ChangeRow.kind == "member", ChangeRow.cursor > int(last["cursor"]))
            .order_by(ChangeRow.key)
        )
    else:
        q = select(MemberRow.code).order_by(MemberRow.code)
    return now_cursor, list(s.scalars(q))


def _reassess(
    s: Session, program: Program, day: date, codes: Sequence[str], now: datetime
) -> dict[str, str | None]:
    """Re-tier ``codes`` on ``day`` in one transaction: member -> the tier it fell to."""
    out: dict[str, str | None] = {}
    w = Writer(s, program, now)
    w.book.lock(codes)
    at = _at(day)
    for code in codes:
        if code not in w.book.held:
            continue
        w.expire(code, day, at)  # the spend that left the window first
        moves = lc.reassess_tier(w.book.state(code), program, day)
        if moves:
            w.write(code, moves, at, REASSESS_REF)
            out[code] = w.book.state(code).tier
    w.finish()
    return out


def reassess_in_chunks(
    sessions: sessionmaker[Session],
    program: Program,
    day: date,
    now: datetime,
    chunk: int = CHUNK,
) -> dict[str, str | None]:
    """Every spend-ladder member re-tiered on its rolling 12-month spend as of ``day``
    (the 1st; ``lifecycle.reassess_tier``), committed every ``chunk`` members. The
    starting cursor is recorded only once every chunk is in, so a run cut short is
    finished by running it again; a second run finds nothing to move."""
    with sessions() as s:
        cursor, codes = _reassess_candidates(s, program)
    if not _reassessing(program):
        return {}
    out: dict[str, str | None] = {}
    for part in _parts(codes, chunk):
        out.update(
            svc.run(sessions, partial(_reassess, program=program, day=day, codes=part, now=now))
        )
    mark = json.dumps({"cursor": cursor, "program": facts.program_key(program), "day": str(day)})
    svc.run(sessions, lambda s: s.merge(SettingRow(key=REASSESSED, value=mark)))
    return out


# ----------------------------------------------------------------------------- RFM


@dataclass
class RfmReport:
    day: date
    active: int
    frequency: int
    monetary: Money
    changed: bool
    segments: dict[str, str]  # member -> segment id (empty when not kept)
    counts: dict[str, int] = field(default_factory=dict)  # segment id -> members


RFM_KEYS = p.SHARED_SETTINGS  # ("rfm_frequency", "rfm_monetary_fen")


def _day_of(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def keep_segments_of(
    s: Session, moved: list[tuple[str, str]], day: date, moves: dict[tuple[str, str], int]
) -> None:
    """Each member's segment (``members.rfm_segment``: campaigns filter on it), the
    day's migration from -> to (``rfm_moves``, the console's report) and each store's
    members by segment (``rfm_store_segments``), once per day."""
    conn = s.connection()
    pg = conn.dialect.name == "postgresql"
    for i in range(0, len(moved), 50_000):
        part = moved[i : i + 50_000]
        if pg:  # one statement per part: a million members move on the first run
            conn.execute(
                text(
                    "UPDATE members SET rfm_segment = v.seg FROM "
                    "unnest(CAST(:codes AS text[]), CAST(:segs AS text[])) AS v(code, seg) "
                    "WHERE members.code = v.code"
                ),
                {"codes": [c for c, _ in part], "segs": [g for _, g in part]},
            )
        else:
            conn.execute(
                update(MemberRow)
                .where(MemberRow.code == bindparam("b_code"))
                .values(rfm_segment=bindparam("b_seg")),
                [{"b_code": c, "b_seg": g} for c, g in part],
            )
    s.execute(delete(RfmMoveRow).where(RfmMoveRow.day == day))
    if moves:
        s.execute(
            insert(RfmMoveRow),
            [
                {"day": day, "from_segment": a, "to_segment": b, "members": n}
                for (a, b), n in moves.items()
            ],
        )
    # each store's members by segment (a store manager's report), in one statement
    ms, mr, rs = MemberStoreRow, MemberRow, RfmStoreSegmentRow
    s.execute(delete(rs).where(rs.day == day))
    s.execute(
        insert(rs).from_select(
            ["day", "store_id", "segment", "members"],
            select(literal(day, Date), ms.store_id, mr.rfm_segment, func.count())
            .join(mr, mr.code == ms.member_code)
            .where(mr.rfm_segment.is_not(None))
            .group_by(ms.store_id, mr.rfm_segment),
        )
    )


def rfm(s: Session, program: Program, day: date, *, keep_segments: bool = True) -> RfmReport:
    """Recompute the thresholds (medians of active members' 12-month frequency and
    monetary value, §1.6) as chain settings tills pull, and each member's segment.
    Active: at least one sale in the 12 months before ``day``. The settings are
    written last, so the transaction holds the change counter only briefly."""
    start = add_months(day, -12)
    f = SaleFactRow
    freq: dict[str, int] = {}
    money: dict[str, int] = {}
    last: dict[str, date] = {}
    q = (
        select(f.member_code, func.count(), func.sum(f.spend_fen), func.max(f.at))
        .where(f.at >= _at(start), f.at < _at(day))
        .group_by(f.member_code)
    )
    for code, n, spent, latest in s.execute(q):
        freq[code], money[code] = int(n), int(spent)
        last[code] = datetime.fromisoformat(latest).date()
    active = sorted(freq)
    th = r.median_thresholds(
        [freq[c] for c in active], [Money(money[c]) for c in active], program.rfm.recent_days
    )
    segments: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    mr = MemberRow
    rows = s.execute(
        select(
            mr.code,
            mr.registered,
            mr.last_purchase,
            mr.due_key,
            # the state is read only where the derived columns are unknown
            case((mr.due_key.is_(None), mr.state_json), else_=None),
            mr.rfm_segment,
        ).execution_options(yield_per=5000)
    )
    moved: list[tuple[str, str]] = []  # (member, new segment) where it changed
    moves: dict[tuple[str, str], int] = defaultdict(int)  # (from, to) -> members
    for code, registered, last_purchase, key, state_json, was in rows:
        if key is None:
            held = json.loads(state_json)
            registered, last_purchase = (
                _day_of(held.get("registered")),
                _day_of(held.get("last_purchase")),
            )
        seen = last.get(code)
        recent = max((d for d in (last_purchase, seen) if d is not None and d < day), default=None)
        seg = r.segment(
            today=day,
            registered=registered,
            last_purchase=recent,
            frequency_12m=freq.get(code, 0),
            monetary_12m=Money(money.get(code, 0)),
            thresholds=th,
            new_member_months=program.rfm.new_member_months,
        ).id
        counts[seg] += 1
        moves[(was or "", seg)] += 1
        if seg != was:
            moved.append((code, seg))
        if keep_segments:
            segments[code] = seg
    keep_segments_of(s, moved, day, moves)
    values = {"rfm_frequency": str(th.frequency), "rfm_monetary_fen": str(th.monetary.fen)}
    changed = []
    for key_, value in values.items():
        row = s.get(SettingRow, key_)
        if row is None:
            s.add(SettingRow(key=key_, value=value))
        elif row.value != value:
            row.value = value
        else:
            continue
        changed.append(("setting", key_))
    svc.bump(s, changed)
    return RfmReport(
        day, len(active), th.frequency, th.monetary, bool(changed), segments, dict(counts)
    )


# ----------------------------------------------------------------------------- month end


@dataclass
class MonthEndReport:
    month: str  # the month settled
    day: date  # the 1st after it: expiries and RFM as of this day
    monthly: MonthlyReport
    expired: dict[str, int]  # member -> expiry entries written
    rfm: RfmReport
    seconds: dict[str, float]  # per job
    retiered: dict[str, str | None] = field(default_factory=dict)  # member -> tier it fell to


def month_end(
    sessions: sessionmaker[Session],
    program: Program,
    month: str,
    now: datetime,
    *,
    today: date | None = None,
    chunk: int = CHUNK,
    progress: Callable[[str, float], None] | None = None,
) -> MonthEndReport:
    """Everything due on the 1st after ``month``: its spend and visit bonuses, every
    member's expiries as of that day, the spend ladders' re-tiering (downgrades) on the
    spend left after those expiries, then RFM as of that day, in that order (the
    bonuses' coin lots are in before expiry looks, and RFM sees the month's last
    state). Each job commits in chunks; run again, it changes nothing."""
    seconds: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        t = time.perf_counter()
        out = fn()
        seconds[name] = time.perf_counter() - t
        if progress:
            progress(name, seconds[name])
        return out

    day = add_months(parse_month(month), 1)
    monthly = timed(
        "monthly", lambda: monthly_in_chunks(sessions, program, month, now, today, chunk)
    )
    expired = timed("expire", lambda: expire_in_chunks(sessions, program, day, now, chunk))
    retiered = timed("retier", lambda: reassess_in_chunks(sessions, program, day, now, chunk))
    report = timed(
        "rfm", lambda: svc.run(sessions, lambda s: rfm(s, program, day, keep_segments=False))
    )
    return MonthEndReport(month, day, monthly, expired, report, seconds, retiered)


# ----------------------------------------------------------------------------- legacy


@dataclass(frozen=True)
class LegacyRow:
    code: str
    phone: str
    points: int


@dataclass
class LegacyReport:
    dry_run: bool
    matched: dict[str, int] = field(default_factory=dict)  # member -> coins (new grants)
    already: list[str] = field(default_factory=list)  # migrated before
    unknown: list[str] = field(default_factory=list)  # codes HQ does not hold
    phone_mismatch: list[str] = field(default_factory=list)
    no_coins: list[str] = field(default_factory=list)  # fewer points than one coin
    duplicates: list[str] = field(default_factory=list)  # codes repeated in the file

    @property
    def coins(self) -> int:
        return sum(self.matched.values())

    def lines(self) -> list[str]:
        head = "dry run, nothing written" if self.dry_run else "imported"
        out = [
            f"legacy points ({head}): {len(self.matched)} members matched, "
            f"{self.coins} coins in total"
        ]
        for what, codes in (
            ("already migrated", self.already),
            ("unknown codes", self.unknown),
            ("phone mismatches", self.phone_mismatch),
            ("too few points for a coin", self.no_coins),
            ("repeated in the file (first row used)", self.duplicates),
        ):
            if codes:
                out.append(f"{what} ({len(codes)}): {', '.join(codes)}")
        return out


def read_legacy_csv(path: Path) -> list[LegacyRow]:
    """Rows ``code,phone,points``; a header row naming them is optional."""
    rows: list[LegacyRow] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for n, rec in enumerate(csv.reader(f), 1):
            if not rec or not "".join(rec).strip():
                continue
            if n == 1 and rec[0].strip().lower() == "code":
                continue
            if len(rec) < 3:
                raise InvalidInput(f"{path}:{n}: want code,phone,points", code="bad_csv")
            code, phone, points = (x.strip() for x in rec[:3])
            try:
                pts = int(points)
            except ValueError:
                raise InvalidInput(f"{path}:{n}: points {points!r}", code="bad_csv") from None
            rows.append(LegacyRow(code, phone, pts))
    return rows


def legacy_import(
    s: Session, program: Program, rows: Sequence[LegacyRow], dry_run: bool, now: datetime
) -> LegacyReport:
    """Old points -> ``floor(points / N)`` coins once per member (a migration grant,
    marked ``hq_legacy``). A member is matched by code and its phone must agree. A dry
    run reports the same figures and writes nothing."""
    if not program.hq_grants.legacy_points_per_coin:
        raise RuleViolation(f"program {program.id} has no legacy migration", code="no_legacy")
    rep = LegacyReport(dry_run)
    w = Writer(s, program, now)
    seen: set[str] = set()
    todo = []
    for row in rows:
        if row.code in seen:
            rep.duplicates.append(row.code)
        else:
            seen.add(row.code)
            todo.append(row)
    w.book.lock(seen)
    for row in todo:
        if not w.book.exists(row.code):
            rep.unknown.append(row.code)
            continue
        state = w.book.state(row.code)
        if state.phone != row.phone:
            rep.phone_mismatch.append(row.code)
        elif (LEGACY, "migration") in state.gifts_claimed:
            rep.already.append(row.code)
        elif (coins := grants.legacy_coins(program, row.points)) <= 0:
            rep.no_coins.append(row.code)
        else:
            rep.matched[row.code] = coins
            if not dry_run:
                w.grant(
                    row.code,
                    LEGACY,
                    "migration",
                    coins,
                    now.date(),
                    now_at(now),
                    f"hq:legacy:{row.points}",
                )
    if not dry_run:
        w.finish()
    return rep
