"""The reports' fold reads only what it counts, and its figures equal the full fold's.

``old_build`` below is the fold as it was before (``terminal/app/reports.py`` at
``git show HEAD``), kept verbatim as the reference: it decodes every ledger row of the
period with ``terminal.codec``. Each test rings up a day with the real counter (every
row kind the fold counts) and checks that the X, handover and Z reports are exactly the
reference's ``Report`` over the same rows.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from terminal import codec
from terminal.app import reports
from terminal.app.reports import Bucket, Report, Tally, TenderTotal
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules.checkout import SaleRecord
from terminal.rules.returns import ReturnRecord
from terminal.rules.tenders import TENDER_KINDS
from terminal.store.schema import LedgerRow, ShiftRow
from tests.app.test_shifts import DAY1, Store, at, card, cash, coins, make_store, mobile, sv

DRAWER_CLOSING = ("handover", "over_short")

# ----------------------------------------------------------------------------- reference
# (verbatim from the fold before this change; only the names carry an "Old")


@dataclass
class _OldByKind:
    count: int = 0
    amount: int = 0
    kinds: dict[str, list[int]] = field(default_factory=dict)  # kind -> [count, fen]

    def add(self, amount: int, tenders: Iterable[tuple[str, int]]) -> None:
        self.count += 1
        self.amount += amount
        seen: set[str] = set()
        for kind, fen in tenders:
            c = self.kinds.setdefault(kind, [0, 0])
            c[0] += 0 if kind in seen else 1
            c[1] += fen
            seen.add(kind)

    def bucket(self) -> Bucket:
        order = [*TENDER_KINDS, *sorted(set(self.kinds) - set(TENDER_KINDS))]
        rows = tuple(
            TenderTotal(k, self.kinds.get(k, [0, 0])[0], Money(self.kinds.get(k, [0, 0])[1]))
            for k in order
        )
        return Bucket(self.count, Money(self.amount), rows)


@dataclass
class _OldFold:
    cashiers: set[str] = field(default_factory=set)
    sales: _OldByKind = field(default_factory=_OldByKind)
    returns: _OldByKind = field(default_factory=_OldByKind)
    recharges: _OldByKind = field(default_factory=_OldByKind)
    n: dict[str, int] = field(default_factory=dict)  # every other count and fen sum
    counted: int | None = None
    difference: int | None = None

    def inc(self, key: str, by: int = 1) -> None:
        self.n[key] = self.n.get(key, 0) + by

    def tally(self, key: str) -> Tally:
        return Tally(self.n.get(f"{key}.n", 0), Money(self.n.get(f"{key}.fen", 0)))

    def row(self, kind: str, p: dict[str, Any]) -> None:
        handlers = {
            "sale": self._sale,
            "return": self._return,
            "recharge": self._recharge,
            "card": self._card,
            "cash": self._cash,
            "shift": self._shift,
            "drawer": self._drawer,
            "auth": self._auth,
        }
        handler = handlers.get(kind)  # member entries, day closes: nothing to count
        if handler is not None:
            handler(p)

    def _sale(self, p: dict[str, Any]) -> None:
        rec: SaleRecord = codec.decode(SaleRecord, p["record"])
        if p.get("cashier"):
            self.cashiers.add(str(p["cashier"]))
        due = rec.total_due.fen
        self.sales.add(due, ((t.kind, t.amount.fen) for t in rec.tenders))
        who = "member" if rec.member_code else "non_member"
        self.inc(f"{who}.n")
        self.inc(f"{who}.fen", due)
        self.inc("coupons.n", len(rec.coupons))
        self.inc("coupons.fen", sum(off.fen for _, off in rec.coupons))
        self.inc("coins_earned", rec.earned.coins)
        self.inc("points_earned", rec.earned.points)
        self.inc("growth_earned", rec.earned.growth_points)
        self.inc("coins_spent", sum(t.coins for t in rec.tenders))
        self.inc("points_spent", sum(t.points for t in rec.tenders))

    def _return(self, p: dict[str, Any]) -> None:
        if "record" not in p:  # without a receipt: {"refund", "to": cash | stored_value}
            refund = int(p["refund"])
            self.returns.add(refund, [(str(p["to"]), refund)])
            self.inc("return_value", refund)
            self.inc("returns_no_receipt")
            return
        rec: ReturnRecord = codec.decode(ReturnRecord, p["record"])
        paid = sum(r.paid_out.fen for r in rec.refunds)
        self.returns.add(paid, ((r.kind, r.paid_out.fen) for r in rec.refunds))
        self.inc("return_value", rec.refund.fen)
        self.inc("return_deducted", rec.shortfall_deducted.fen)
        self.inc("coupons_reissued", len(rec.reissued))
        self.inc("coins_refunded", rec.coins_refunded)
        self.inc("points_refunded", sum(r.points for r in rec.refunds))
        self.inc("coins_clawed", rec.clawed.coins)
        self.inc("points_clawed", rec.clawed.points)

    def _recharge(self, p: dict[str, Any]) -> None:
        amount = int(p["amount"])
        self.recharges.add(amount, [(str(p["tender"]), amount)])
        self.inc("recharge_gift", int(p.get("gift", 0)))
        self.inc("recharge_coins", int(p.get("coins", 0)))

    def _card(self, p: dict[str, Any]) -> None:
        key = {"sold": "card_sales", "loaded": "card_loads"}.get(str(p.get("event")))
        if key:
            self.inc(f"{key}.n")
            self.inc(f"{key}.fen", int(p["value"]))

    def _cash(self, p: dict[str, Any]) -> None:
        delta, reason = int(p["delta"]), str(p.get("reason", ""))
        if reason == "float":
            self.inc("float", delta)
        elif reason not in DRAWER_CLOSING:
            self.inc("cash_in" if delta > 0 else "cash_out", abs(delta))
        if reason == "sv_refund":
            self.inc("sv_refunds.n")
            self.inc("sv_refunds.fen", -delta)

    def _shift(self, p: dict[str, Any]) -> None:
        if p.get("cashier"):
            self.cashiers.add(str(p["cashier"]))
        if p.get("event") == "handover":
            self.counted = (self.counted or 0) + int(p["counted"])
            self.difference = (self.difference or 0) + int(p["difference"])

    def _drawer(self, p: dict[str, Any]) -> None:
        self.inc("drawer_opens")

    def _auth(self, p: dict[str, Any]) -> None:
        self.inc("auths")


def old_build(
    rows: Iterable[LedgerRow],
    *,
    kind: str,
    terminal_id: str,
    start: datetime,
    end: datetime,
    made_at: datetime,
    shift_id: str | None = None,
    day: date | None = None,
    z_no: int | None = None,
    cashiers: Iterable[str] = (),
) -> Report:
    """Fold the period's ledger rows (in seq order) into a report."""
    f = _OldFold(cashiers=set(cashiers))
    first = last = 0
    for row in rows:
        first = first or row.seq
        last = row.seq
        f.row(row.kind, json.loads(row.payload))
    g = f.n.get
    return Report(
        kind=kind,
        terminal_id=terminal_id,
        start=start,
        end=end,
        made_at=made_at,
        first_seq=first,
        last_seq=last,
        cashiers=tuple(sorted(f.cashiers)),
        shift_id=shift_id,
        day=day,
        z_no=z_no,
        sales=f.sales.bucket(),
        member_sales=f.tally("member"),
        non_member_sales=f.tally("non_member"),
        returns=f.returns.bucket(),
        return_value=Money(g("return_value", 0)),
        return_deducted=Money(g("return_deducted", 0)),
        returns_no_receipt=g("returns_no_receipt", 0),
        recharges=f.recharges.bucket(),
        recharge_gift=Money(g("recharge_gift", 0)),
        recharge_coins=g("recharge_coins", 0),
        card_sales=f.tally("card_sales"),
        card_loads=f.tally("card_loads"),
        sv_refunds=f.tally("sv_refunds"),
        coupons_used=f.tally("coupons"),
        coupons_reissued=g("coupons_reissued", 0),
        coins_earned=g("coins_earned", 0),
        coins_spent=g("coins_spent", 0),
        coins_refunded=g("coins_refunded", 0),
        coins_clawed_back=g("coins_clawed", 0),
        points_earned=g("points_earned", 0),
        points_spent=g("points_spent", 0),
        points_refunded=g("points_refunded", 0),
        points_clawed_back=g("points_clawed", 0),
        growth_points_earned=g("growth_earned", 0),
        opening_float=Money(g("float", 0)),
        cash_in=Money(g("cash_in", 0)),
        cash_out=Money(g("cash_out", 0)),
        counted_cash=None if f.counted is None else Money(f.counted),
        difference=None if f.difference is None else Money(f.difference),
        drawer_opens=g("drawer_opens", 0),
        manager_auths=g("auths", 0),
    )


# ----------------------------------------------------------------------------- the days


def rows_of(st: Store, **where: Any) -> list[LedgerRow]:
    """The period's rows in seq order, as the reports read them before."""
    q = select(LedgerRow).where(LedgerRow.terminal_id == "T01")
    if "day" in where:
        day: date = where["day"]
        lo, hi = day.isoformat(), (day + timedelta(days=1)).isoformat()
        q = q.where(LedgerRow.at >= lo, LedgerRow.at < hi)
    else:
        q = q.where(LedgerRow.seq >= where["first"])
        if where.get("last") is not None:
            q = q.where(LedgerRow.seq <= where["last"])
    with st.sessions() as s:
        return list(s.execute(q.order_by(LedgerRow.seq)).scalars())


def head(st: Store) -> int:
    with st.sessions() as s:
        return int(s.execute(select(func.max(LedgerRow.seq))).scalar() or 0)


def reference(st: Store, r: Report, upto: int | None = None) -> Report:
    """What the old fold makes of the rows ``r`` covers, with ``r``'s own header; a Z's
    day ends at ``upto``, the head before the Z appended its own rows."""
    if r.kind == "Z":
        assert r.day is not None
        rows = [row for row in rows_of(st, day=r.day) if upto is None or row.seq <= upto]
    else:
        with st.sessions() as s:
            shift = s.get(ShiftRow, r.shift_id)
            assert shift is not None
            rows = rows_of(st, first=shift.first_seq, last=shift.last_seq)
    built = old_build(
        rows,
        kind=r.kind,
        terminal_id=r.terminal_id,
        start=r.start,
        end=r.end,
        made_at=r.made_at,
        shift_id=r.shift_id,
        day=r.day,
        z_no=r.z_no,
        cashiers=r.cashiers[:1] if r.shift_id else (),
    )
    # the shift's number and the cashiers' names are looked up, not folded: r's own
    return replace(built, shift_no=r.shift_no, cashier_names=r.cashier_names)


def kinds_on(st: Store, day: date) -> set[str]:
    return {row.kind for row in rows_of(st, day=day)}


def walk_ins(st: Store, rnd: random.Random, n: int, member: str | None = None) -> list[str]:
    """``n`` sales of 1-4 lines, paid in turn by cash (with change), card, mobile, cash
    and mobile, or (for a member with stored value) stored value and cash."""
    c, receipts = st.counter, []
    for i in range(n):
        st.move(st.clock.now() + timedelta(minutes=1))
        if member:
            c.identify(member)
        for _ in range(rnd.randint(1, 4)):
            c.scan(rnd.choice(("APPLE", "RICE")), Qty.parse(str(rnd.randint(1, 3))))
        due = c.priced().total_due
        half = Money(due.fen // 2)
        tenders = [
            [cash(str((due.fen // 1000 + 1) * 10))],
            [card(due.plain())],
            [mobile(due.plain())],
            [cash(half.plain()), mobile((due - half).plain())],
        ][i % 4]
        if member and i % 2:
            tenders = [sv(half.plain()), cash((due - half).plain())]
        receipts.append(c.pay(tenders).receipt_no)
    return receipts


def tomato_day(st: Store) -> list[tuple[Report, Report]]:
    """Two shifts of every kind of row: the X, both handovers and the Z it makes, each
    with the reference's report over the same rows, folded when it was made."""
    from tests.app.test_shifts import run_day1

    rnd, c = random.Random(14), st.counter
    run_day1(st)  # float, sales in coins + stored value + coupon, card, recharge, returns
    mgr = c.authorize("mgr", "8888")
    st.move(at(DAY1, "10:00"))
    got = walk_ins(st, rnd, 12) + walk_ins(st, rnd, 6, "M2")
    c.return_sale(got[3], None, mgr)
    c.return_sale(got[14], [(1, Qty.parse("1"))], mgr)
    c.recharge("M1", Money.parse("100.00"), mgr, "card")
    c.recharge("M2", Money.parse("500.00"), mgr, "mobile")
    c.identify("M1")
    c.scan("APPLE")
    c.pay([coins(1), cash("10.00")])
    c.scan("RICE")
    c.void("customer left")
    st.shifts.open_drawer(mgr, "换零钱")
    c.return_without_receipt("RICE", Qty.parse("1"), Money.parse("40.00"), "cash", mgr)
    c.refund_stored_value("M1", mgr)
    made: list[tuple[Report, Report]] = []

    def keep(r: Report, upto: int | None = None) -> Report:
        made.append((r, reference(st, r, upto)))
        return r

    x = keep(st.shifts.x_report())
    st.move(at(DAY1, "14:00"))
    keep(st.shifts.handover(x.expected_cash + Money(300)))  # 3.00 over
    st.move(at(DAY1, "14:05"))
    st.shifts.open_shift("c1", Money.parse("200.00"))
    walk_ins(st, rnd, 8)
    keep(st.shifts.x_report())
    st.move(at(DAY1, "21:00"))
    keep(st.shifts.handover(Money.parse("150.00")))
    st.move(at(DAY1, "21:30"))
    before = head(st)
    keep(st.shifts.z_report(manager=mgr), before)
    return made


def test_reports_equal_the_full_fold_on_a_day_of_every_kind(tmp_path: Path) -> None:
    st = make_store(tmp_path)
    made = tomato_day(st)
    assert [r.kind for r, _ in made] == ["X", "handover", "X", "handover", "Z"]
    assert set(reports.FOLDED_KINDS) - {"card"} <= kinds_on(st, DAY1)  # cards: next test
    assert {"member", "void", "day_close"} <= kinds_on(st, DAY1)  # rows not counted
    for r, ref in made:
        assert r == ref, r.kind
    z, h1, h2 = made[-1][0], made[1][0], made[3][0]
    assert z.first_seq == 1  # the members imported that morning: covered, not counted
    assert z.sales.count > 20 and z.returns.count >= 4 and z.returns_no_receipt == 1
    assert z.recharges.tender("mobile").count == 1 and z.sv_refunds.count == 1
    assert h1.difference is not None and h2.difference is not None
    assert z.drawer_opens == 1 and z.difference == h1.difference + h2.difference
    assert st.shifts.stored_z(DAY1) == z  # what was stored is what was folded


def test_prepaid_cards_and_stored_value_fold_the_same(tmp_path: Path) -> None:
    st = make_store(tmp_path, "organic")
    c, rnd = st.counter, random.Random(7)
    st.move(at(DAY1, "09:00"))
    st.shifts.open_shift("c1", Money.parse("300.00"))
    mgr = c.authorize("mgr", "8888")
    c.sell_card("CARD000001", "123456", Money.parse("100.00"), [cash("100.00")])
    c.sell_card("CARD000002", "654321", Money.parse("200.00"), [card("200.00")])
    c.load_card("M2", "CARD000001", "123456")
    c.recharge("M2", Money.parse("200.00"), mgr, "cash")
    got = walk_ins(st, rnd, 6, "M2") + walk_ins(st, rnd, 4)
    c.return_sale(got[1], None, mgr)
    st.move(at(DAY1, "18:00"))
    h = st.shifts.handover(Money.parse("0.00"))  # the whole drawer short
    before = head(st)
    z = st.shifts.z_report()
    assert z.card_sales == Tally(2, Money.parse("300.00")) and z.card_loads.count == 1
    assert z.sales.tender("stored_value").count == 3
    assert h == reference(st, h) and z == reference(st, z, before)


def test_z_progress_counts_the_rows_it_folds(tmp_path: Path, monkeypatch: Any) -> None:
    st = make_store(tmp_path)
    from tests.app.test_shifts import run_day1

    run_day1(st)
    st.move(at(DAY1, "20:00"))
    st.shifts.handover(Money.parse("700.00"))
    monkeypatch.setattr(reports, "PROGRESS_EVERY", 5)
    calls: list[tuple[int, int]] = []
    before = head(st)
    z = st.shifts.z_report(progress=lambda done, total: calls.append((done, total)))
    day = [row for row in rows_of(st, day=DAY1) if row.seq <= before]
    total = sum(1 for row in day if row.kind in reports.FOLDED_KINDS)
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _ in calls[1:-1]] == list(range(5, total, 5))  # every 5 rows here
    assert all(t == total for _, t in calls)
    assert z == reference(st, z, before)


def test_no_rows_is_an_empty_report(tmp_path: Path) -> None:
    st = make_store(tmp_path)
    st.move(at(DAY1 + timedelta(days=1), "09:00"))
    before = head(st)
    z = st.shifts.z_report()
    assert (z.first_seq, z.last_seq, z.sales.count) == (0, 0, 0)
    assert z == reference(st, z, before)
