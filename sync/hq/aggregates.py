"""What the console's reports read: sums kept current as HQ writes, never a scan of
``entries``.

Two tables, both added to (``value = value + excluded.value``) in the transaction
that writes what they sum, so they never disagree with the entries:

* ``daily_flows (day, store_id, metric)``: what happened on a day at a store. Sale and
  return rows give receipts and amounts; every member entry HQ folds gives its
  movement, classed by its reason (``sv_p:recharge``, ``coins:spent``,
  ``cpn_used:campaign``, ``tier_to:gold:upgrade``...); a campaign's coupons also by
  their campaign (``cmp_used:c1``). The day is the entry's own
  (``at``, the till's day; HQ's for its chain's entries).
* ``monthly_flows (month, store_id, metric)``: the balances' flows (``MONTHLY``:
  stored value, coins, points) by month, added to with ``daily_flows``: a balance's
  opening at a date is whole months from here and that month's days from
  ``daily_flows`` (``opening``), not every day of the history.
* ``member_totals (store_id, metric)``: the members' balances now (members, tiers,
  stored value principal and gift, points and coins by expiry month, unused coupons
  by source and campaign, debts). A member's write adds its new state's share and
  takes off its old one's, under the store whose push or HQ chain wrote it; the
  chain's totals are the sum over stores (a store's rows are touched only by its own
  tills and HQ, so pushes from different stores never wait on each other's rows).

``recount`` computes the daily flows and the totals from the raw entries: the tests
hold the tables to it, and ``check`` the months to the days.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete, func, inspect, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync.hq.models import DailyFlowRow, EntryRow, MemberRow, MemberTotalRow, MonthlyFlowRow
from terminal import codec
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.program import Program

_FLOWS = cast(Table, DailyFlowRow.__table__)
_MONTHS = cast(Table, MonthlyFlowRow.__table__)
_TOTALS = cast(Table, MemberTotalRow.__table__)
Key = tuple[date, str, str]  # (day, store, metric); in ``monthly_flows`` the month's 1st
MONTHLY = ("sv_p:", "sv_g:", "coins:", "points:")  # the balances rolled forward


def months(flows: dict[Key, int]) -> dict[Key, int]:
    """The ``MONTHLY`` flows summed by month (keyed by its first day)."""
    out: dict[Key, int] = defaultdict(int)
    for (day, store, metric), v in flows.items():
        if metric.startswith(MONTHLY):
            out[(day.replace(day=1), store, metric)] += v
    return {k: v for k, v in out.items() if v}


def _cls(reason: str) -> str:
    """A reason's class: ``recharge:r1`` -> ``recharge``, ``spent`` -> ``spent``."""
    return reason.split(":", 1)[0][:24] or "-"


def _campaign(origin: str) -> str | None:
    """A campaign coupon's campaign id (``campaign:c1`` -> ``c1``): the coupons report
    counts by campaign, which the class alone (``campaign``) does not tell."""
    kind, _, cid = origin.partition(":")
    return cid[:40] if kind == "campaign" and cid else None


def entry_flows(e: m.MemberEntry, before: m.MemberState) -> Iterator[tuple[str, int]]:
    """The movements of one member entry, applied to ``before``."""
    match e:
        case m.StoredValueChanged():
            c = _cls(e.reason)
            if e.principal.fen:
                yield f"sv_p:{c}", e.principal.fen
            if e.gift.fen:
                yield f"sv_g:{c}", e.gift.fen
        case m.CoinLotGranted():
            yield f"coins:grant_{_cls(e.reason)}", e.coins
        case m.CoinLotChanged():
            yield f"coins:{_cls(e.reason)}", e.delta
        case m.PointsChanged():
            yield f"{e.currency}:{_cls(e.reason)}", e.delta
        case m.CouponGranted():
            o = _cls(e.coupon.origin)
            yield f"cpn_granted:{o}", 1
            yield f"cpn_face:{o}", e.coupon.off.fen
            if cid := _campaign(e.coupon.origin):
                yield f"cmp_granted:{cid}", 1
                yield f"cmp_face:{cid}", e.coupon.off.fen
        case m.CouponStateChanged():
            held = before.coupon(e.coupon_id)
            if held is not None and held.state != e.state:
                yield f"cpn_{e.state}:{_cls(held.origin)}", 1
                if cid := _campaign(held.origin):
                    yield f"cmp_{e.state}:{cid}", 1
        case m.TierChanged():
            yield f"tier_to:{e.tier or '-'}:{_cls(e.reason)}", 1
        case m.Registered():
            yield "registered", 1
        case m.DebtChanged():
            yield f"debt_{e.kind}:{_cls(e.reason)}", e.delta
        case _:
            return


def record_flows(kind: str, payload: str) -> Iterator[tuple[str, int]]:
    """A sale or return row's receipts and amounts (member and not)."""
    try:
        rec = json.loads(payload).get("record")
        if not isinstance(rec, dict):
            return
        if kind == "sale":
            if "change" not in rec:
                return  # not a till's sale record (each says its change)
            # a tender's amount is what it paid: cash net of its change already
            paid = sum(int(t["amount"]) for t in rec.get("tenders", ()))
            yield "receipts", 1
            yield "sales_fen", paid
            if rec.get("member_code"):
                yield "member_receipts", 1
                yield "member_sales_fen", paid
        elif kind == "return":
            yield "returns", 1
            yield "refund_fen", int(rec["refund"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return  # not a record HQ can count (it stores it all the same)


def contributions(st: m.MemberState | None, program: Program | None) -> dict[str, int]:
    """A member state's share of ``member_totals`` (its points' expiry month as
    ``program`` says)."""
    if st is None:
        return {}
    out: dict[str, int] = defaultdict(int)
    out["members"] = 1
    out["blocked"] = int(st.blocked)
    out[f"tier:{st.tier or '-'}"] = 1
    out["sv_p"], out["sv_g"] = st.principal.fen, st.gift.fen
    out["points"], out["growth_points"] = st.points, st.growth_points
    if st.points:
        out[f"points_exp:{points_expiry_month(st, program)}"] += st.points
    out["debt_coins"], out["debt_sv"] = st.coin_debt, st.sv_debt.fen
    for lot in st.coin_lots:
        if lot.coins:
            month = lot.last_day.strftime("%Y-%m") if lot.last_day else "never"
            out["coins"] += lot.coins
            out[f"coins_exp:{month}"] += lot.coins
    for c in st.coupons:
        if c.state == "unused":
            out[f"cpn_unused:{_cls(c.origin)}"] += 1
            if cid := _campaign(c.origin):
                out[f"cmp_unused:{cid}"] += 1
    return out


def points_expiry_month(st: m.MemberState, program: Program | None) -> str:
    """The month of the last day a member's points are held (``YYYY-MM``), or
    ``never``: the till's rule (``lifecycle.points_expiry_day``)."""
    end = lc.points_expiry_day(program, st.points_year_start) if program else None
    return "never" if end is None else (end - timedelta(days=1)).strftime("%Y-%m")


def _day(at: str) -> date | None:
    try:
        return datetime.fromisoformat(at).date()
    except ValueError:
        return None


class Tally:
    """One transaction's additions, written at its end (``flush``)."""

    def __init__(self) -> None:
        self.flows: dict[Key, int] = defaultdict(int)
        self.totals: dict[tuple[str, str], int] = defaultdict(int)

    def entry(self, at: str, store: str, e: m.MemberEntry, before: m.MemberState) -> None:
        day = _day(at)
        if day is not None:
            for metric, v in entry_flows(e, before):
                self.flows[(day, store, metric)] += v

    def record(self, at: str, store: str, kind: str, payload: str) -> None:
        day = _day(at)
        if day is not None and kind in ("sale", "return"):
            for metric, v in record_flows(kind, payload):
                self.flows[(day, store, metric)] += v

    def member(
        self,
        store: str,
        before: m.MemberState | None,
        after: m.MemberState,
        program: Program | None,
    ) -> None:
        old, new = contributions(before, program), contributions(after, program)
        for metric in old.keys() | new.keys():
            d = new.get(metric, 0) - old.get(metric, 0)
            if d:
                self.totals[(store, metric)] += d

    def flush(self, s: Session, with_months: bool = True) -> None:
        """``with_months`` False: an HQ whose schema predates ``monthly_flows`` (a
        migration before 0017 backfilling; 0017 fills the months from the days)."""
        flows = [
            {"day": d, "store_id": st, "metric": k, "value": v}
            for (d, st, k), v in sorted(self.flows.items())
            if v
        ]
        by_month = [
            {"month": d, "store_id": st, "metric": k, "value": v}
            for (d, st, k), v in sorted(months(self.flows).items())
        ]
        totals = [
            {"store_id": st, "metric": k, "value": v}
            for (st, k), v in sorted(self.totals.items())
            if v
        ]
        self.flows.clear()
        self.totals.clear()
        conn = s.connection()
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        # always in this order (days, months, totals), each in key order: writers
        # lock the rows they share in one order
        for table, rows, keys in (
            (_FLOWS, flows, ["day", "store_id", "metric"]),
            (_MONTHS, by_month if with_months else [], ["month", "store_id", "metric"]),
            (_TOTALS, totals, ["store_id", "metric"]),
        ):
            if not rows:
                continue
            ins = dialect.insert(table)
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=keys, set_={"value": table.c.value + ins.excluded.value}
                ),
                rows,
            )


# ----------------------------------------------------------------------------- reading


def totals(s: Session, stores: Iterable[str] | None = None) -> dict[str, int]:
    """``member_totals`` summed over stores (the chain's, or what ``stores`` wrote)."""
    q = select(MemberTotalRow.metric, MemberTotalRow.value)
    if stores is not None:
        q = q.where(MemberTotalRow.store_id.in_(list(stores)))
    out: dict[str, int] = defaultdict(int)
    for metric, v in s.execute(q):
        out[metric] += int(v)
    return {k: v for k, v in out.items() if v}


def flows(
    s: Session,
    start: date,
    end: date,
    stores: Iterable[str] | None = None,
    prefix: str = "",
    metrics: Iterable[str] = (),
) -> dict[tuple[date, str, str], int]:
    """``daily_flows`` with ``start <= day < end``, for ``metrics`` and those starting
    ``prefix`` (none given: every metric), at ``stores`` (None: every store). The one
    reader of the table by day: a report asks for what it shows, never every metric
    of a long range."""
    f = DailyFlowRow
    q = select(f.day, f.store_id, f.metric, f.value).where(f.day >= start, f.day < end)
    if stores is not None:
        q = q.where(f.store_id.in_(list(stores)))
    wanted = list(metrics)
    if wanted:
        q = q.where(f.metric.in_(wanted))
    if prefix:
        q = q.where(f.metric.startswith(prefix, autoescape=True))
    return {(d, st, k): int(v) for d, st, k, v in s.execute(q)}


def opening(s: Session, before: date, stores: Iterable[str] | None, prefix: str) -> dict[str, int]:
    """Per store, the sum of a ``MONTHLY`` balance's flows (``prefix``, ``sv_p:``...)
    of every day before ``before``: the whole months from ``monthly_flows``, the days
    of ``before``'s own month from ``daily_flows``. One statement, grouped in SQL."""
    if prefix not in MONTHLY:
        raise ValueError(f"{prefix!r} is not kept by month")
    first = before.replace(day=1)
    mo, d = MonthlyFlowRow, DailyFlowRow
    whole = select(mo.store_id, mo.value).where(
        mo.month < first, mo.metric.startswith(prefix, autoescape=True)
    )
    days = select(d.store_id, d.value).where(
        d.day >= first, d.day < before, d.metric.startswith(prefix, autoescape=True)
    )
    if stores is not None:
        picked = list(stores)
        whole = whole.where(mo.store_id.in_(picked))
        days = days.where(d.store_id.in_(picked))
    u = union_all(whole, days).subquery()
    q = select(u.c.store_id, func.sum(u.c.value)).group_by(u.c.store_id)
    return {str(st): int(v) for st, v in s.execute(q) if v}


# ----------------------------------------------------------------------------- recount


def _has_months(s: Session) -> bool:
    return inspect(s.connection()).has_table("monthly_flows")


def _days_by_month(s: Session) -> dict[Key, int]:
    """``daily_flows``' ``MONTHLY`` flows summed by month: what ``monthly_flows`` holds."""
    d = DailyFlowRow
    q = select(d.day, d.store_id, d.metric, d.value).where(
        or_(*(d.metric.startswith(p, autoescape=True) for p in MONTHLY))
    )
    return months({(day, st, k): int(v) for day, st, k, v in s.execute(q)})


def check_months(s: Session) -> list[str]:
    """Where ``monthly_flows`` is not ``daily_flows`` summed by month."""
    mo = MonthlyFlowRow
    want = _days_by_month(s)
    held = {
        (m_, st, k): int(v)
        for m_, st, k, v in s.execute(select(mo.month, mo.store_id, mo.metric, mo.value))
        if v
    }
    return [
        f"report sums: {m_:%Y-%m} {st} {k} is {held.get((m_, st, k), 0)} by month, "
        f"its days give {want.get((m_, st, k), 0)}"
        for m_, st, k in sorted(held.keys() | want.keys())
        if held.get((m_, st, k), 0) != want.get((m_, st, k), 0)
    ][:20]


def fill_months(s: Session) -> None:
    """``monthly_flows`` again from ``daily_flows`` (migration 0017)."""
    s.execute(delete(MonthlyFlowRow))
    rows = [
        {"month": m_, "store_id": st, "metric": k, "value": v}
        for (m_, st, k), v in sorted(_days_by_month(s).items())
    ]
    if rows:
        s.execute(_MONTHS.insert(), rows)


def check(s: Session) -> list[str]:
    """Where the tables differ from a recount (``pos-hq verify``); nothing to say on
    an HQ whose schema predates them."""
    if not inspect(s.connection()).has_table("daily_flows"):
        return []
    want_flows, want_totals = recount(s)
    f = DailyFlowRow
    held = {
        (d, st, k): int(v)
        for d, st, k, v in s.execute(select(f.day, f.store_id, f.metric, f.value))
    }
    held = {k: v for k, v in held.items() if v}
    out = [
        f"report sums: {d} {st} {k} is {held.get((d, st, k), 0)}, the entries give "
        f"{want_flows.get((d, st, k), 0)}"
        for d, st, k in sorted(held.keys() | want_flows.keys())
        if held.get((d, st, k), 0) != want_flows.get((d, st, k), 0)
    ][:20]
    have = totals(s)
    out += [
        f"report sums: total {k} is {have.get(k, 0)}, the members give {want_totals.get(k, 0)}"
        for k in sorted(have.keys() | want_totals.keys())
        if have.get(k, 0) != want_totals.get(k, 0)
    ][:20]
    return out + (check_months(s) if _has_months(s) else [])


def rebuild(s: Session) -> None:
    """Both tables again from what HQ holds (data written around ``service.Book``:
    a bulk load, the ingest floor's bare COPY)."""
    s.execute(delete(DailyFlowRow))
    s.execute(delete(MemberTotalRow))
    if _has_months(s):
        s.execute(delete(MonthlyFlowRow))
    backfill(s)


def backfill(s: Session) -> None:
    """Fill both tables from what HQ holds (migration 0011): flows from the entries,
    totals from the members' folds, filed under HQ's own store."""
    flows_, _ = recount(s, with_totals=False)
    t = Tally()
    t.flows.update(flows_)
    program = _program(s)
    for text in s.execute(select(MemberRow.state_json)).scalars():
        t.member("hq", None, codec.loads(m.MemberState, text), program)
    t.flush(s, with_months=_has_months(s))


def recount(s: Session, with_totals: bool = True) -> tuple[dict[Key, int], dict[str, int]]:
    """Both tables from the raw entries (a test's oracle; it scans every entry): each
    member's folded entries in fold order, and every sale and return row."""
    t = Tally()
    e = EntryRow
    states: dict[str, m.MemberState] = {}
    q = (
        select(e.member_code, e.at, e.store_id, e.payload)
        .where(e.kind == "member", e.member_pos.is_not(None))
        .order_by(e.member_code, e.member_pos)
    )
    for code, at, store, payload in s.execute(q):
        if code is None:
            continue
        entry = codec.decode_entry(json.loads(payload))
        before = states.get(code) or m.MemberState(code=code)
        t.entry(at, store, entry, before)
        states[code] = m.apply(before, entry)
    for kind, at, store, payload in s.execute(
        select(e.kind, e.at, e.store_id, e.payload).where(e.kind.in_(("sale", "return")))
    ):
        t.record(at, store, kind, payload)
    chain: dict[str, int] = defaultdict(int)
    program = _program(s) if with_totals else None
    for st in states.values() if with_totals else ():
        for metric, v in contributions(st, program).items():
            chain[metric] += v
    return {k: v for k, v in t.flows.items() if v}, {k: v for k, v in chain.items() if v}


def _program(s: Session) -> Program | None:
    """HQ's program, which the points' expiry months follow (``service`` writes
    through this module: imported when asked)."""
    from sync.hq import service

    return service.hq_program(s)
