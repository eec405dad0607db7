"""What the console shows of a member: HQ's fold (``members.state_json``), the RFM
segment from the ``sales`` facts, and one history of the member's entries from every
till and HQ chain. Read-only; no web types here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from sync.hq import facts
from sync.hq import service as svc
from sync.hq.console.accounts import Who
from sync.hq.models import EntryRow, MemberRow, MemberStoreRow, SaleFactRow, SettingRow
from terminal import codec
from terminal import phone_keys as pk
from terminal.errors import PosError
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.checkout import SaleRecord
from terminal.rules.program import Program
from terminal.rules.rfm import RfmThresholds, Segment, segment

SEARCH_LIMIT = 50
_PHONE = re.compile(r"^1\d{10}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


def chain_today(now: datetime) -> date:
    return svc.chain_today(now)  # the tills' day (UTC+8)


# ----------------------------------------------------------------------------- scope


def scoped(q: Select[Any], who: Who) -> Select[Any]:
    """Only the members linked to a store manager's stores (no-op for other roles)."""
    return svc.in_scope(q, who.scope)


def member_row(s: Session, who: Who, code: str) -> MemberRow | None:
    """The member, or None when there is none or it is outside the user's stores."""
    return s.execute(scoped(select(MemberRow).where(MemberRow.code == code), who)).scalar()


def home_store(s: Session, who: Who, code: str) -> str | None:
    """The store an action on the member is logged under: a manager's own store."""
    if not who.scoped:
        return None
    q = select(MemberStoreRow.store_id).where(
        MemberStoreRow.member_code == code, MemberStoreRow.store_id.in_(who.stores)
    )
    return s.execute(q.order_by(MemberStoreRow.store_id)).scalars().first()


def show_phone(phone: str, full: bool) -> str:
    return phone if full else pk.masked(phone)


# ----------------------------------------------------------------------------- search


@dataclass(frozen=True, slots=True)
class Found:
    code: str
    phone: str  # as the user may see it
    name: str
    tier: str | None
    blocked: bool


def tier_names(s: Session) -> dict[str, str]:
    """Tier id -> its name in the chain's program (both ladders)."""
    program = svc.hq_program(s)
    if program is None:
        return {}
    return {lv.id: lv.name for g in (False, True) for lv in program.ladder_for(g).levels}


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# The name search matches the start of a name (``members.name_key``), served by its
# btree: surname first, "王" finds 王小明, "王小" narrows it. A part inside a name
# ("小明") would need a trigram index (pg_trgm), an extension not every PostgreSQL has
# and SQLite lacks; without one it reads every member's state (~1 s at 1M members).
_TOP = "\U0010ffff"  # the highest code point: no name holds it


def _name_starts(s: Session, q: str) -> ColumnElement[bool] | None:
    key = facts.name_key(q)
    if key is None:
        return None
    col = MemberRow.name_key
    starts = col.like(_like(key) + "%", escape="\\")
    if s.get_bind().dialect.name == "postgresql":
        return starts  # LIKE 'x%' on the text_pattern_ops index
    # SQLite serves only a range from a plain index (its LIKE ignores ASCII case)
    return and_(col >= key, col < key + _TOP, starts)


def search(s: Session, who: Who, q: str, full_phone: bool) -> list[Found]:
    """By code (exact, then prefix), phone (the whole number: a part would let a
    masked role enumerate phones) or name (its start; not for a whole phone number or
    a member's code)."""
    q = q.strip()
    if not q:
        return []
    rows: dict[str, MemberRow] = {}

    def add(stmt: Select[Any]) -> None:
        left = SEARCH_LIMIT - len(rows)
        if left > 0:
            for r in s.execute(scoped(stmt, who).order_by(MemberRow.code).limit(left)).scalars():
                rows.setdefault(r.code, r)

    phone = bool(_PHONE.match(q))
    if phone:
        add(select(MemberRow).where(MemberRow.phone == q))
    if _CODE.match(q):
        add(select(MemberRow).where(MemberRow.code == q))
        add(select(MemberRow).where(MemberRow.code.like(_like(q) + "%", escape="\\")))
    if phone or q in rows:
        return _found(s, rows.values(), full_phone)  # a phone or a code is not a name
    starts = _name_starts(s, q)
    if starts is not None:
        add(select(MemberRow).where(starts))
    return _found(s, rows.values(), full_phone)


def _found(s: Session, rows: Iterable[MemberRow], full_phone: bool) -> list[Found]:
    out, tiers = [], tier_names(s)
    for r in rows:
        st = codec.loads(m.MemberState, r.state_json)
        tier = tiers.get(st.tier, st.tier) if st.tier else None
        out.append(Found(r.code, show_phone(st.phone, full_phone), st.name, tier, r.blocked))
    return out


# ----------------------------------------------------------------------------- member 360


@dataclass(frozen=True, slots=True)
class Lot:
    id: str
    granted: date
    last_day: date | None
    coins: int
    original: int


@dataclass(frozen=True, slots=True)
class CouponView:
    id: str
    name: str
    threshold: Money
    off: Money
    valid_through: date
    state: str  # the ledger's, or "expired" for an unused one past its last day
    origin: str


@dataclass(frozen=True, slots=True)
class Profile:
    state: m.MemberState
    phone: str
    blocked: bool
    tier_name: str
    next_tier: str
    basis: int
    next_threshold: int | None
    basis_is_money: bool
    coins: int
    lots: tuple[Lot, ...]
    next_expiry: tuple[date, int] | None  # (last day, coins)
    coupons: tuple[CouponView, ...]
    segment: Segment | None
    status: str
    stores: tuple[str, ...]


def profile(s: Session, row: MemberRow, today: date, full_phone: bool) -> Profile:
    state = codec.loads(m.MemberState, row.state_json)
    program = svc.hq_program(s, today)
    lots = tuple(
        Lot(x.id, x.granted, x.last_day, x.coins, x.original)
        for x in sorted(state.coin_lots, key=lambda x: (x.last_day or date.max, x.id))
        if x.live_on(today)
    )
    due = [x for x in lots if x.last_day is not None]
    coupons = tuple(
        CouponView(
            c.id,
            c.name,
            c.threshold,
            c.off,
            c.valid_through,
            "expired" if c.state == "unused" and today > c.valid_through else c.state,
            c.origin,
        )
        for c in sorted(state.coupons, key=lambda c: (c.valid_through, c.id), reverse=True)
    )
    stores = tuple(
        s.execute(
            select(MemberStoreRow.store_id)
            .where(MemberStoreRow.member_code == row.code)
            .order_by(MemberStoreRow.store_id)
        ).scalars()
    )
    tier_name, next_tier, basis, threshold, money = state.tier or "", "", 0, None, False
    seg, status = None, ""
    if program is not None:
        ladder = program.ladder_for(state.group)
        level = ladder.level(state.tier)
        nxt = next((v for v in ladder.levels if ladder.rank(v.id) > ladder.rank(state.tier)), None)
        tier_name = level.name if level else ""
        next_tier, threshold = (nxt.name, nxt.threshold) if nxt else ("", None)
        basis = state.basis_value(ladder.basis)
        money = ladder.basis not in ("growth_points", "points_balance")
        seg = member_segment(s, program, state, today)
        status = lc.member_status(state, program, today)
    return Profile(
        state=state,
        phone=show_phone(state.phone, full_phone),
        blocked=row.blocked,
        tier_name=tier_name,
        next_tier=next_tier,
        basis=basis,
        next_threshold=threshold,
        basis_is_money=money,
        coins=state.coins_on(today),
        lots=lots,
        next_expiry=(due[0].last_day, sum(x.coins for x in due if x.last_day == due[0].last_day))
        if due and due[0].last_day
        else None,
        coupons=coupons,
        segment=seg,
        status=status,
        stores=stores,
    )


def member_segment(s: Session, program: Program, state: m.MemberState, today: date) -> Segment:
    """§1.6's segment as HQ's RFM job counts it: 12 months of the member's sale facts
    against the chain's thresholds (the settings the job wrote, else the program's)."""
    start = datetime(today.year - 1, today.month, min(today.day, 28)).isoformat()
    end = (today + timedelta(days=1)).isoformat()
    n, spent, latest = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(SaleFactRow.spend_fen), 0),
            func.max(SaleFactRow.at),
        ).where(
            SaleFactRow.member_code == state.code, SaleFactRow.at >= start, SaleFactRow.at < end
        )
    ).one()
    held = dict(
        s.execute(
            select(SettingRow.key, SettingRow.value).where(
                SettingRow.key.in_(("rfm_frequency", "rfm_monetary_fen"))
            )
        ).all()
    )
    th = RfmThresholds(
        program.rfm.recent_days,
        int(held.get("rfm_frequency", program.rfm.frequency_high or 1)),
        Money(int(held.get("rfm_monetary_fen", program.rfm.monetary_high.fen or 1))),
    )
    seen = datetime.fromisoformat(latest).date() if latest else None
    last = max((d for d in (state.last_purchase, seen) if d is not None), default=None)
    return segment(
        today=today,
        registered=state.registered,
        last_purchase=last,
        frequency_12m=int(n),
        monetary_12m=Money(int(spent)),
        thresholds=th,
        new_member_months=program.rfm.new_member_months,
    )


# ----------------------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class Effect:
    key: str  # the i18n key of its text
    params: dict[str, str | int]


@dataclass
class Item:
    """One thing that happened to the member: the entries one till wrote under one ref
    (a sale's coins, points and stored value together), with the sale when it is one."""

    at: str
    store: str
    till: str
    ref: str
    month: int = 0  # HQ's partition month of its entries (``entries.month``)
    effects: list[Effect] = field(default_factory=list)
    receipt: str = ""
    amount: Money | None = None
    lines: tuple[tuple[str, str, Money], ...] = ()  # (name, qty, net)


# what Purchased already says (the spend counters it moves), not shown again
_QUIET = (m.CounterChanged, m.SpendRolledOff)


def _why(reason: str) -> str:
    return reason.split(":", 1)[0]  # "earned:<sale id>": the sale is the row itself


def effect(e: m.MemberEntry, tiers: dict[str, str]) -> Effect | None:
    """The text of one member entry (None: bookkeeping the row already shows)."""
    if isinstance(e, _QUIET):
        return None
    match e:
        case m.Registered():
            return Effect("fx.registered", {})
        case m.PointsChanged(currency="growth_points"):
            return Effect("fx.growth", {"d": f"{e.delta:+d}"})
        case m.PointsChanged():
            return Effect("fx.points", {"d": f"{e.delta:+d}"})
        case m.CoinLotGranted():
            return Effect("fx.coins_granted", {"n": e.coins, "why": _why(e.reason)})
        case m.CoinLotChanged():
            return Effect("fx.coins", {"d": f"{e.delta:+d}", "why": _why(e.reason)})
        case m.StoredValueChanged():
            sv: dict[str, str | int] = {"p": e.principal.plain(), "g": e.gift.plain()}
            sv["why"] = _why(e.reason)
            return Effect("fx.sv", sv)
        case m.CouponGranted():
            return Effect("fx.coupon_granted", {"name": e.coupon.name})
        case m.CouponStateChanged():
            return Effect("fx.coupon_state", {"id": e.coupon_id, "state": e.state})
        case m.TierChanged():
            name = tiers.get(e.tier, e.tier) if e.tier else "-"
            return Effect("fx.tier", {"tier": name, "why": e.reason})
        case m.Purchased():
            return Effect("fx.purchased", {"amount": e.amount.plain()})
        case m.DebtChanged():
            return Effect("fx.debt", {"kind": e.kind, "d": f"{e.delta:+d}"})
        case m.Blocked(blocked=True):
            return Effect("fx.blocked", {"why": e.reason})
        case m.Blocked():
            return Effect("fx.unblocked", {"why": e.reason})
        case m.Entered():
            return Effect("fx.entered", {})
        case m.GiftClaimed():
            return Effect("fx.gift", {"kind": e.kind, "period": e.period})
        case m.PointsYearSet():
            return Effect("fx.points_year", {"day": e.year_start.isoformat()})
        case m.CoinsYearCleared():
            return Effect("fx.coins_cleared", {"year": e.year})
        case _:
            return Effect("fx.other", {"type": type(e).__name__})


def history(s: Session, who: Who, code: str, page: int, size: int) -> tuple[list[Item], bool]:
    """A page (newest first) of the member's folded entries, grouped by till and ref;
    and whether an older page exists. A store manager sees their stores' and HQ's."""
    e = EntryRow
    q = select(e.terminal_id, e.store_id, e.month, e.at, e.ref, e.payload).where(
        e.member_code == code,
        e.member_pos.is_not(None),
        # the stores that wrote the member's entries: prunes ``entries``' hash partitions
        # (each month's 16) to those stores' instead of probing every one
        e.store_id.in_(_writers(s, who, code)),
    )
    rows = s.execute(q.order_by(e.member_pos.desc()).limit(size + 1).offset(page * size)).all()
    more = len(rows) > size
    tiers = tier_names(s)
    items: list[Item] = []
    for terminal, store, month, at, ref, payload in rows[:size]:
        last = items[-1] if items else None
        if last is None or not ref or (last.till, last.ref) != (terminal, ref):
            last = Item(at, store, terminal, ref, month)
            items.append(last)
        try:
            fx = effect(codec.decode_entry(json.loads(payload)), tiers)
        except (ValueError, TypeError, KeyError, PosError):
            fx = Effect("fx.other", {"type": "?"})
        if fx is not None:
            last.effects.append(fx)
    _attach_sales(s, items)
    return items, more


def _writers(s: Session, who: Who, code: str) -> list[str]:
    """The stores whose tills and chains wrote the member's entries: those it is linked
    to (a push links the members it touches, ``service.link_members``) and HQ's; for a
    store manager, theirs of those."""
    q = select(MemberStoreRow.store_id).where(MemberStoreRow.member_code == code)
    linked = set(s.execute(q).scalars())
    if who.scoped:
        linked &= set(who.stores)
    return sorted(linked | {svc.HQ_STORE})


def _attach_sales(s: Session, items: Sequence[Item]) -> None:
    """The sale entry of each item that is a purchase: receipt, amount and lines."""
    bought = [i for i in items if any(f.key == "fx.purchased" for f in i.effects)]
    wanted = {(i.till, i.ref) for i in bought}
    if not wanted:
        return
    e = EntryRow
    # a sale is in its member entries' partition: the same till's push, store and month
    q = select(e.terminal_id, e.ref, e.payload).where(
        e.kind == "sale",
        e.ref.in_({i.ref for i in bought}),
        e.store_id.in_({i.store for i in bought}),
        e.month.in_({i.month for i in bought}),
    )
    sales: dict[tuple[str, str], str] = {}
    for terminal, ref, text in s.execute(q):
        if (terminal, ref) in wanted:
            sales[(terminal, ref)] = text
    for item in items:
        payload = sales.get((item.till, item.ref))
        if payload is None:
            continue
        try:
            data = json.loads(payload)
            rec = codec.decoder(SaleRecord)(data["record"])
        except (ValueError, TypeError, KeyError):
            continue
        item.receipt = str(data.get("receipt", ""))
        item.amount = rec.total_due
        item.lines = tuple((ln.name, ln.qty.plain(), ln.net) for ln in rec.lines)
