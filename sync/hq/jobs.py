"""HQ's jobs (rule book §1.5 "Other grants", §1.6, §7 "Grants at the till vs at HQ").

Each job is a plain function over one database session (one transaction; run it with
``service.run``) and writes through the same path a push does: member rows locked in
code order (``service.Book``), entries appended to HQ's own hashed chain ``@hq``
(``service.Chain``), the member folds cached and the change cursor bumped
(``service.bump``), so tills see the result on their next pull.

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
their value changes.

Monthly bonuses count the sales HQ holds when the job runs; a sale an offline till
pushes after the month was settled is not counted again (the marker is set).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.hq import service as svc
from sync.hq.models import EntryRow, MemberRow, SettingRow
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
NOT_SPEND = ("coins", "points")  # tenders that are not spend (§1.5: monthly spend)


def _at(day: date) -> str:
    return datetime.combine(day, time()).isoformat()


def _now_at(now: datetime) -> str:
    return now.replace(tzinfo=None, microsecond=0).isoformat()


class _Writer:
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
        lot = m.CoinLotGranted(
            f"hq:{kind.removeprefix('hq_')}:{period}:{code}",
            coins,
            day,
            lc.coin_lot_last_day(self.program, day),
            reason,
        )
        self.write(code, [lot, m.GiftClaimed(kind, period)], at, kind)
        return True

    def finish(self) -> None:
        svc.bump(self.s, self.book.write())


# ----------------------------------------------------------------------------- sales


@dataclass(frozen=True)
class SaleSeen:
    member: str
    at: datetime
    spend: Money  # what the sale paid less coins and points


def member_sales(s: Session, start: date, end: date) -> list[SaleSeen]:
    """Member sales HQ holds with ``start <= day < end`` (the till's own sale time)."""
    rows = s.execute(
        select(EntryRow.at, EntryRow.payload).where(
            EntryRow.kind == "sale", EntryRow.at >= _at(start), EntryRow.at < _at(end)
        )
    )
    out = []
    for at, payload in rows:
        rec = json.loads(payload).get("record") or {}
        code = rec.get("member_code")
        if not code:
            continue
        paid = sum(int(t["amount"]) for t in rec.get("tenders", ()) if t["kind"] not in NOT_SPEND)
        out.append(SaleSeen(code, datetime.fromisoformat(at).replace(tzinfo=None), Money(paid)))
    return out


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


def monthly_bonuses(
    s: Session, program: Program, month: str, now: datetime, today: date | None = None
) -> MonthlyReport:
    """Monthly spend and visit bonuses for ``month`` (YYYY-MM), settled on the 1st of the
    next month: refused before then (``today``, default ``now``'s day)."""
    first = parse_month(month)
    settle = add_months(first, 1)
    if (today or now.date()) < settle:
        raise RuleViolation(f"month {month} is settled from {settle}", code="month_open")
    by_member: dict[str, list[SaleSeen]] = defaultdict(list)
    for sale in member_sales(s, first, settle):
        by_member[sale.member].append(sale)
    rep = MonthlyReport(month, members=len(by_member))
    w = _Writer(s, program, now)
    w.book.lock(by_member)
    at = _at(settle)
    for code in sorted(by_member):
        if not w.book.exists(code):
            continue  # a sale for a member HQ never heard of: nothing to credit
        sales = sorted(by_member[code], key=lambda x: x.at)
        running, spend_coins = Money(0), 0
        for sale in sales:
            got, running = grants.spend_bonus(program, running, sale.spend)
            spend_coins += got
        total = Money(sum(x.spend.fen for x in sales))
        visit_coins = grants.visit_bonus(program, total, [x.at for x in sales])
        if w.grant(code, SPEND, month, spend_coins, settle, at, f"hq:monthly_spend:{month}"):
            rep.spend_coins[code] = spend_coins
        if w.grant(code, VISITS, month, visit_coins, settle, at, f"hq:monthly_visits:{month}"):
            rep.visit_coins[code] = visit_coins
    w.finish()
    return rep


# ----------------------------------------------------------------------------- profile


def profile_grant(s: Session, program: Program, code: str, field_: str, now: datetime) -> int:
    """Coins for completing a profile field (an admin records it), once each: the coins
    granted, 0 when the member already had them."""
    if field_ not in dict(program.hq_grants.profile_grants):
        known = ", ".join(f for f, _ in program.hq_grants.profile_grants) or "none"
        raise InvalidInput(f"no profile grant for {field_!r} (known: {known})", code="bad_field")
    w = _Writer(s, program, now)
    w.book.lock([code])
    if not w.book.exists(code):
        raise NotFound(f"no member {code}", code="unknown_member")
    state = w.book.state(code)
    done = {period for kind, period in state.gifts_claimed if kind == PROFILE}
    coins = grants.profile_grant(program, field_, done)
    granted = w.grant(
        code, PROFILE, field_, coins, now.date(), _now_at(now), f"hq:profile:{field_}"
    )
    w.finish()
    return coins if granted else 0


# ----------------------------------------------------------------------------- expiry


def expire(s: Session, program: Program, day: date, now: datetime) -> dict[str, int]:
    """Every member's expiries due by ``day`` (tier, coin lots, coupons, points, spend
    roll-off), whether or not the member has been active: entries written per member."""
    codes = list(s.execute(select(MemberRow.code).order_by(MemberRow.code)).scalars())
    w = _Writer(s, program, now)
    w.book.lock(codes)
    out = {}
    for code in codes:
        n = w.expire(code, day, _at(day))
        if n:
            out[code] = n
    w.finish()
    return out


# ----------------------------------------------------------------------------- RFM


@dataclass
class RfmReport:
    day: date
    active: int
    frequency: int
    monetary: Money
    changed: bool
    segments: dict[str, str]  # member -> segment id


RFM_KEYS = p.SHARED_SETTINGS  # ("rfm_frequency", "rfm_monetary_fen")


def rfm(s: Session, program: Program, day: date) -> RfmReport:
    """Recompute the thresholds (medians of active members' 12-month frequency and
    monetary value, §1.6) as chain settings tills pull, and each member's segment.
    Active: at least one sale in the 12 months before ``day``."""
    start = add_months(day, -12)
    freq: dict[str, int] = defaultdict(int)
    money: dict[str, int] = defaultdict(int)
    last: dict[str, date] = {}
    for sale in member_sales(s, start, day):
        freq[sale.member] += 1
        money[sale.member] += sale.spend.fen
        last[sale.member] = max(last.get(sale.member, sale.at.date()), sale.at.date())
    active = sorted(freq)
    th = r.median_thresholds(
        [freq[c] for c in active], [Money(money[c]) for c in active], program.rfm.recent_days
    )
    values = {"rfm_frequency": str(th.frequency), "rfm_monetary_fen": str(th.monetary.fen)}
    changed = []
    for key, value in values.items():
        row = s.get(SettingRow, key)
        if row is None:
            s.add(SettingRow(key=key, value=value))
        elif row.value != value:
            row.value = value
        else:
            continue
        changed.append(("setting", key))
    svc.bump(s, changed)
    segments = {}
    for mr in s.execute(select(MemberRow).order_by(MemberRow.code)).scalars():
        st = codec.loads(m.MemberState, mr.state_json)
        segments[mr.code] = r.segment(
            today=day,
            registered=st.registered,
            last_purchase=max(
                (d for d in (st.last_purchase, last.get(mr.code)) if d is not None and d < day),
                default=None,
            ),
            frequency_12m=freq.get(mr.code, 0),
            monetary_12m=Money(money.get(mr.code, 0)),
            thresholds=th,
            new_member_months=program.rfm.new_member_months,
        ).id
    return RfmReport(day, len(active), th.frequency, th.monetary, bool(changed), segments)


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
    w = _Writer(s, program, now)
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
                    _now_at(now),
                    f"hq:legacy:{row.points}",
                )
    if not dry_run:
        w.finish()
    return rep
