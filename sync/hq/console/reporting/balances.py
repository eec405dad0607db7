"""Coins and points liability: each a roll-forward by store (``rollforward``) and the
members' balance now by the month it expires (``member_totals``: ``coins_exp:<month>``
by lot, ``points_exp:<month>`` by membership year, ``never`` for what does not
expire), with its value in money at the program's rate (1 coin = ``coin_value``;
``points_redeem_per_yuan`` points = 1 yuan).

The forecast is the chain's: ``member_totals`` is kept by the store that wrote each
member's change, not by where the balance was earned, so a store's own view shows its
roll-forward only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq import service as svc
from sync.hq.console.reporting import rollforward as rf
from sync.hq.console.reporting import sums
from sync.hq.console.reporting.kit import (
    Chart,
    Column,
    Figure,
    Filters,
    Report,
    Series,
    Table,
    per,
)
from terminal.calendar import add_months
from terminal.rules.program import Program

SOON_MONTHS = 3  # "expiring soon": this month and the next two


@dataclass(frozen=True, slots=True)
class Balance:
    """What differs between the coins and the points report."""

    slug: str
    prefix: str  # of its flows in ``daily_flows``
    total: str  # its ``member_totals`` metric
    expiry: str  # its ``member_totals`` family by expiry month
    columns: tuple[rf.Bucket, ...]
    known: frozenset[str]  # reason classes with an ``rsn.`` key
    granted: Callable[[str], bool]  # a class that adds to the balance
    used: frozenset[str]
    expired: frozenset[str]
    fen: Callable[[Program, int], int | None]  # the value of n units in fen


def _coin_fen(p: Program, n: int) -> int | None:
    return n * p.coin_value.fen


def _point_fen(p: Program, n: int) -> int | None:
    return per(100 * n, p.points_redeem_per_yuan)  # None where points never pay


COINS = Balance(
    "coins",
    "coins:",
    "coins",
    "coins_exp:",
    rf.buckets(
        ("bal.c.earned", {"grant_earned"}),
        ("bal.c.recharge_gift", {"grant_recharge_gift", "grant_card_load_gift"}),
        ("bal.c.hq_grant", {"grant_hq"}),  # monthly, profile and legacy grants
        ("bal.c.spent", {"spent"}),
        ("bal.c.expired", {"expired", "year_end_clear"}),
        ("bal.c.returns", {"refund", "clawback"}),
        ("bal.c.adjust", {"grant_adjust", "adjust"}),
        ("rf.imported", {"grant_opening"}),
        ("bal.c.other", ()),  # overdraft to debt, debt repaid
    ),
    frozenset(
        {"grant_earned", "grant_recharge_gift", "grant_card_load_gift", "grant_hq"}
        | {"grant_adjust", "grant_opening", "spent", "expired", "year_end_clear"}
        | {"refund", "clawback", "adjust", "overdraft", "debt"}
    ),
    lambda cls: cls.startswith("grant_"),
    frozenset({"spent"}),
    frozenset({"expired", "year_end_clear"}),
    _coin_fen,
)
POINTS = Balance(
    "points",
    "points:",
    "points",
    "points_exp:",
    rf.buckets(
        ("bal.c.earned", {"earned"}),
        ("bal.c.redeemed", {"redeemed"}),
        ("bal.c.expired", {"year_expiry"}),
        ("bal.c.returns", {"refund", "clawback"}),
        ("bal.c.adjust", {"adjust"}),
        ("rf.imported", {"opening"}),
        ("bal.c.other", ()),
    ),
    frozenset({"earned", "redeemed", "year_expiry", "refund", "clawback", "adjust", "opening"}),
    lambda cls: cls == "earned",
    frozenset({"redeemed"}),
    frozenset({"year_expiry"}),
    _point_fen,
)


def coins(s: Session, f: Filters) -> Report:
    return build(s, f, COINS)


def points(s: Session, f: Filters) -> Report:
    return build(s, f, POINTS)


def build(s: Session, f: Filters, b: Balance) -> Report:
    led = rf.ledger(s, f, b.prefix)
    flow = led.by_class()
    program = svc.hq_program(s, f.today or f.end)
    closing = led.closing()
    t = f"bal.{b.slug}"
    figures = [
        Figure(f"{t}.f.opening", sum(led.opening.values())),
        Figure(f"{t}.f.granted", sum(v for c, v in flow.items() if b.granted(c))),
        Figure(f"{t}.f.used", -sum(flow.get(c, 0) for c in b.used)),
        Figure(f"{t}.f.expired", -sum(flow.get(c, 0) for c in b.expired)),
        Figure(f"{t}.f.closing", closing),
    ]
    if program is not None:
        figures.append(Figure(f"{t}.f.value", b.fen(program, closing), "fen"))
    notes = [f"{t}.n.store", "liab.n.signs", "rf.n.late"]
    charts = [
        Chart(
            f"{b.slug}-daily",
            f"{t}.ch.daily",
            tuple(d.isoformat() for d in sums.days(f)),
            (rf.daily_series(f"{t}.balance", led, f),),
        )
    ]
    tables = [
        rf.table(f"{b.slug}-rollforward", f"{t}.t.rollforward", led, b.columns, "int"),
        rf.reasons(f"{b.slug}-reasons", f"{t}.t.reasons", ((f"{t}.amount", led),), b.known, "int"),
    ]
    if f.chain:
        held = aggregates.totals(s)
        months = rf.forecast(held, b.expiry)
        if rf.ends_today(f):
            figures.append(Figure(f"{t}.f.members_now", held.get(b.total, 0)))
            notes.append("liab.n.members_now")
        if f.today is not None:
            figures.append(Figure(f"{t}.f.soon", soon(months, f.today)))
        charts.append(
            Chart(
                f"{b.slug}-expiry",
                f"{t}.ch.expiry",
                tuple("bal.never" if m == "never" else m for m, _ in months),
                (Series(f"{t}.amount", tuple(v for _, v in months)),),
                x_keys=True,  # a month is no key: it shows as it is
            )
        )
        tables.append(expiry_table(b, months, program))
        notes.append("bal.n.forecast")
    else:
        notes.append("bal.n.forecast_chain")
    return Report(
        b.slug, f"report.{b.slug}", f, tuple(figures), tuple(charts), tuple(tables), tuple(notes)
    )


def soon(months: list[tuple[str, int]], today: date) -> int:
    """What expires by the end of the ``SOON_MONTHS``-th month from today's (anything
    overdue included: the next expiry run takes it)."""
    last = add_months(today.replace(day=1), SOON_MONTHS - 1).strftime("%Y-%m")
    return sum(v for m, v in months if m != "never" and m <= last)


def expiry_table(b: Balance, months: list[tuple[str, int]], program: Program | None) -> Table:
    t = f"bal.{b.slug}"
    rows = tuple(
        ("bal.never" if m == "never" else m, v, b.fen(program, v) if program else None)
        for m, v in months
    )
    cols = (Column("bal.month"), Column(f"{t}.amount", "int"), Column("bal.value", "fen"))
    # not literal: "never" is a text; a month is no key, so it shows as it is
    return Table(f"{b.slug}-expiry", f"{t}.t.expiry", cols, rows, literal_first=False)
