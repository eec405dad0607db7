"""Shift and day reports (X, handover, Z), computed from ledger rows and nothing else.

A report is a fold over the ledger rows of its period, so it can be reprinted later
and comes out the same. The fold reads only the kinds it counts, and a sale's figures
through SQLite's JSON functions rather than by decoding its whole record: a big day's Z
(200k rows) then costs about what one SQL aggregate over those rows does
(``tests/benchmarks/zreport.py``; ``tests/app/test_reports_fast.py`` checks it against
the full decode of every row). Cash rows with reason ``float`` are the opening float;
``handover`` (the counted cash taken out at a handover) and ``over_short`` (the
difference written off) close a shift's drawer and are not takings.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from terminal import codec
from terminal.money import ZERO, Money
from terminal.rules.checkout import SaleRecord
from terminal.rules.returns import ReturnRecord
from terminal.rules.tenders import TENDER_KINDS

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
    shift_no: str | None = None  # what the slip prints (T01-BC000003); None: the id
    cashier_names: tuple[tuple[str, str], ...] = ()  # (staff id, name), when known
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
        name = _HANDLERS.get(kind)  # member entries, day closes: nothing to count
        if name is not None:
            getattr(self, name)(p)

    def _sale(self, p: dict[str, Any]) -> None:
        rec: SaleRecord = codec.decode(SaleRecord, p["record"])
        e = rec.earned
        self.sale(
            p.get("cashier"),
            rec.member_code,
            rec.total_due.fen,
            [off.fen for _, off in rec.coupons],
            (e.coins, e.points, e.growth_points),
            [(t.kind, t.amount.fen, t.coins, t.points) for t in rec.tenders],
        )

    def sale(
        self,
        cashier: str | None,
        member_code: str | None,
        due: int,
        coupon_offs: Sequence[int],
        earned: tuple[int, int, int],  # coins, points, growth points
        tenders: Sequence[tuple[str, int, int, int]],  # kind, fen, coins, points
    ) -> None:
        """One sale's figures, from its decoded record or from the SQL that reads them."""
        if cashier:
            self.cashiers.add(str(cashier))
        self.sales.add(due, ((kind, fen) for kind, fen, _, _ in tenders))
        who = "member" if member_code else "non_member"
        self.inc(f"{who}.n")
        self.inc(f"{who}.fen", due)
        self.inc("coupons.n", len(coupon_offs))
        self.inc("coupons.fen", sum(coupon_offs))
        self.inc("coins_earned", earned[0])
        self.inc("points_earned", earned[1])
        self.inc("growth_earned", earned[2])
        self.inc("coins_spent", sum(t[2] for t in tenders))
        self.inc("points_spent", sum(t[3] for t in tenders))

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


Progress = Callable[[int, int], None]  # (rows folded, rows to fold)
PROGRESS_EVERY = 2000  # rows between two progress calls

_HANDLERS = {
    k: f"_{k}" for k in ("sale", "return", "recharge", "card", "cash", "shift", "drawer", "auth")
}
FOLDED_KINDS = tuple(_HANDLERS)
"""The kinds ``_Fold`` counts: member entries (most of a day's rows) and day closes are
not read at all."""
_IN_FOLDED = f"kind IN ({', '.join(repr(k) for k in FOLDED_KINDS)})"

# A sale's record is most of its row (every line): SQLite's JSON functions (C) pick out
# the figures the report needs, and sum the lines' net (``SaleRecord.total_due``), so
# Python decodes a few hundred bytes a sale. Every other folded row is small.
_SALE_FIGURES = (
    "json_extract(payload, '$.cashier', '$.record.member_code', '$.record.coupons', "
    "'$.record.earned', '$.record.tenders')"
)
_SALE_DUE = (
    "(SELECT coalesce(sum(json_extract(l.value, '$.net')), 0) "
    "FROM json_each(payload, '$.record.lines') AS l)"
)
_HEAD_SQL = "SELECT min(seq), max(seq), coalesce(sum({folded}), 0) FROM ledger WHERE {where}"
_ROWS_SQL = (
    f"SELECT kind, CASE kind WHEN 'sale' THEN {_SALE_FIGURES} ELSE payload END, "
    f"CASE kind WHEN 'sale' THEN {_SALE_DUE} END "
    "FROM ledger WHERE {where} AND {folded}"
)


@dataclass(frozen=True, slots=True)
class Period:
    """The ledger rows a report covers, as a condition on the ledger's columns."""

    where: str
    params: tuple[object, ...]

    @staticmethod
    def seqs(terminal_id: str, first: int, last: int | None = None) -> Period:
        """A shift: its seq range (the primary key), open-ended while it is open."""
        if last is None:
            return Period("terminal_id = ? AND seq >= ?", (terminal_id, first))
        return Period("terminal_id = ? AND seq >= ? AND seq <= ?", (terminal_id, first, last))

    @staticmethod
    def day(terminal_id: str, day: date) -> Period:
        """A business day: every row stamped that day."""
        lo, hi = day.isoformat(), (day + timedelta(days=1)).isoformat()
        return Period("terminal_id = ? AND at >= ? AND at < ?", (terminal_id, lo, hi))


def fold(
    cur: sqlite3.Cursor,
    period: Period,
    *,
    kind: str,
    terminal_id: str,
    start: datetime,
    end: datetime,
    made_at: datetime,
    shift_id: str | None = None,
    shift_no: str | None = None,
    day: date | None = None,
    z_no: int | None = None,
    cashiers: Iterable[str] = (),
    progress: Progress | None = None,
) -> Report:
    """Fold the period's ledger rows into a report, in one pass over the rows it counts.

    ``progress(done, total)`` is called with 0 first, every ``PROGRESS_EVERY`` rows and
    at the end (``total`` = the rows of ``FOLDED_KINDS``), on the calling thread."""
    first, last, total = cur.execute(
        _HEAD_SQL.format(where=period.where, folded=_IN_FOLDED), period.params
    ).fetchone()
    if progress:
        progress(0, total)
    f = _Fold(cashiers=set(cashiers))
    done = 0
    for row_kind, text, due in cur.execute(
        _ROWS_SQL.format(where=period.where, folded=_IN_FOLDED), period.params
    ):
        if row_kind == "sale":
            _sale_figures(f, text, due)
        else:
            f.row(row_kind, json.loads(text))
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress:
        progress(done, total)
    return _report(
        f,
        first or 0,
        last or 0,
        kind=kind,
        terminal_id=terminal_id,
        start=start,
        end=end,
        made_at=made_at,
        shift_id=shift_id,
        shift_no=shift_no,
        day=day,
        z_no=z_no,
    )


def _sale_figures(f: _Fold, text: str, due: int) -> None:
    """A sale row's figures as ``_SALE_FIGURES`` reads them (absent fields take the
    defaults ``codec.decode`` would give them)."""
    cashier, member_code, coupons, earned, tenders = json.loads(text)
    f.sale(
        cashier,
        member_code,
        int(due),
        [int(off) for _, off in coupons],
        (earned.get("coins", 0), earned.get("points", 0), earned.get("growth_points", 0)),
        [(t["kind"], int(t["amount"]), t.get("coins", 0), t.get("points", 0)) for t in tenders],
    )


def _report(f: _Fold, first: int, last: int, **header: Any) -> Report:
    g = f.n.get
    return Report(
        **header,
        first_seq=first,
        last_seq=last,
        cashiers=tuple(sorted(f.cashiers)),
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
