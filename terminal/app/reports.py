"""Shift and day reports (X, handover, Z), computed from ledger rows and nothing else.

A report is a fold over the ledger rows of its period, so it can be reprinted later
and comes out the same. Cash rows with reason ``float`` are the opening float;
``handover`` (the counted cash taken out at a handover) and ``over_short`` (the
difference written off) close a shift's drawer and are not takings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from terminal import codec
from terminal.money import ZERO, Money
from terminal.rules.checkout import SaleRecord
from terminal.rules.returns import ReturnRecord
from terminal.rules.tenders import TENDER_KINDS
from terminal.store.schema import LedgerRow

DRAWER_CLOSING = ("handover", "over_short")  # cash reasons that end a shift, not takings


@dataclass(frozen=True, slots=True)
class Tally:
    count: int = 0
    amount: Money = ZERO


@dataclass(frozen=True, slots=True)
class TenderTotal:
    kind: str
    count: int
    amount: Money


@dataclass(frozen=True, slots=True)
class Bucket:
    """Sales, returns or recharges: how many, how much, and by tender kind (every kind
    listed, zero or not, in TENDER_KINDS order). ``amount`` equals the tenders' sum."""

    count: int = 0
    amount: Money = ZERO
    by_tender: tuple[TenderTotal, ...] = ()

    def tender(self, kind: str) -> TenderTotal:
        return next((t for t in self.by_tender if t.kind == kind), TenderTotal(kind, 0, ZERO))


@dataclass(frozen=True, slots=True)
class Report:
    kind: str  # "X" | "handover" | "Z"
    terminal_id: str
    start: datetime
    end: datetime
    made_at: datetime
    first_seq: int  # the ledger rows the report covers (0, 0: none)
    last_seq: int
    cashiers: tuple[str, ...] = ()
    shift_id: str | None = None
    day: date | None = None
    z_no: int | None = None
    sales: Bucket = Bucket()
    member_sales: Tally = Tally()
    non_member_sales: Tally = Tally()
    returns: Bucket = Bucket()  # what was paid back, by the tender it went back to
    return_value: Money = ZERO  # value of the returned lines
    return_deducted: Money = ZERO  # clawback shortfalls taken out of refunds
    returns_no_receipt: int = 0  # of ``returns.count``: manager-only, without a receipt
    recharges: Bucket = Bucket()
    recharge_gift: Money = ZERO
    recharge_coins: int = 0
    card_sales: Tally = Tally()  # prepaid cards sold (real money in)
    card_loads: Tally = Tally()  # prepaid cards loaded onto members
    sv_refunds: Tally = Tally()  # stored value paid back in cash
    coupons_used: Tally = Tally()
    coupons_reissued: int = 0
    coins_earned: int = 0
    coins_spent: int = 0
    coins_refunded: int = 0
    coins_clawed_back: int = 0
    points_earned: int = 0
    points_spent: int = 0
    points_refunded: int = 0
    points_clawed_back: int = 0
    growth_points_earned: int = 0
    opening_float: Money = ZERO
    cash_in: Money = ZERO
    cash_out: Money = ZERO
    counted_cash: Money | None = None
    difference: Money | None = None  # counted - expected: + over (长款), - short (短款)
    drawer_opens: int = 0
    manager_auths: int = 0

    @property
    def expected_cash(self) -> Money:
        return self.opening_float + self.cash_in - self.cash_out

    def lines(self, *, coin_name: str = "兑币") -> list[tuple[str, str, str]]:
        """(label_zh, label_en, value) rows for a printer or a screen; amounts in yuan."""
        from terminal.app.report_lines import report_lines

        return report_lines(self, coin_name)


# ----------------------------------------------------------------------------- folding


@dataclass
class _ByKind:
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
class _Fold:
    cashiers: set[str] = field(default_factory=set)
    sales: _ByKind = field(default_factory=_ByKind)
    returns: _ByKind = field(default_factory=_ByKind)
    recharges: _ByKind = field(default_factory=_ByKind)
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


def build(
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
    f = _Fold(cashiers=set(cashiers))
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
