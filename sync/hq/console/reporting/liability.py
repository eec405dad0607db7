"""Stored-value liability as a roll-forward: opening + recharges + card loads +
returns credited - spent - refunded +- adjustments (+ the rest) = closing, principal
and gift apart, by store (``rollforward``: the store where each entry happened).

This is the balance-sheet side of stored value: what members hold. The cashier side,
one day's stored value created per till and shift against the money taken for it,
is ``sync.hq.reports.stored_value`` (``pos-hq report stored-value``), which reads the
entries themselves; this one reads only ``daily_flows`` and ``member_totals``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq.console.reporting import rollforward as rf
from sync.hq.console.reporting import sums
from sync.hq.console.reporting.kit import Chart, Figure, Filters, Report, Series

# Every reason class a StoredValueChanged carries (terminal.rules, sync.hq.adjust).
COLUMNS = rf.buckets(
    ("liab.c.recharge", {"recharge"}),
    ("liab.c.card_load", {"card_load"}),
    ("liab.c.returned", {"refund", "return"}),  # a return paid back to stored value
    ("liab.c.spent", {"spent"}),
    ("liab.c.refunded", {"sv_refund"}),  # principal paid out, gift forfeited (§1.7)
    ("liab.c.adjust", {"adjust"}),
    ("rf.imported", {"opening"}),  # the balances a setup import brought
    ("liab.c.other", ()),  # overdraft to debt, debt repaid
)
KNOWN = frozenset(
    {"recharge", "card_load", "refund", "return", "spent", "sv_refund", "adjust"}
    | {"opening", "overdraft", "debt"}
)


def build(s: Session, f: Filters) -> Report:
    p, g = rf.ledger(s, f, "sv_p:"), rf.ledger(s, f, "sv_g:")
    both = rf.merge(p, g)
    flow = both.by_class()
    figures = [
        Figure("liab.f.opening", sum(both.opening.values()), "fen"),
        Figure("liab.f.created", flow.get("recharge", 0) + flow.get("card_load", 0), "fen"),
        Figure("liab.f.spent", -flow.get("spent", 0), "fen"),
        Figure("liab.f.closing_p", p.closing(), "fen"),
        Figure("liab.f.closing_g", g.closing(), "fen"),
        Figure("liab.f.closing", both.closing(), "fen"),
    ]
    notes = ["liab.n.store", "liab.n.signs", "rf.n.late"]
    if f.chain and rf.ends_today(f):
        held = aggregates.totals(s)
        figures.append(
            Figure("liab.f.members_now", held.get("sv_p", 0) + held.get("sv_g", 0), "fen")
        )
        notes.append("liab.n.members_now")
    stores = both.stores
    charts = (
        Chart(
            "liab-daily",
            "liab.ch.daily",
            tuple(d.isoformat() for d in sums.days(f)),
            (
                rf.daily_series("liab.total", both, f),
                rf.daily_series("liab.principal", p, f),
                rf.daily_series("liab.gift", g, f),
            ),
            "fen",
        ),
        Chart(
            "liab-stores",
            "liab.ch.stores",
            tuple(stores),
            (
                Series("liab.principal", tuple(p.closing(st) for st in stores), stack="sv"),
                Series("liab.gift", tuple(g.closing(st) for st in stores), stack="sv"),
            ),
            "fen",
        ),
    )
    tables = (
        rf.table("liability-principal", "liab.t.principal", p, COLUMNS, "fen"),
        rf.table("liability-gift", "liab.t.gift", g, COLUMNS, "fen"),
        rf.table("liability-total", "liab.t.total", both, COLUMNS, "fen"),
        rf.reasons(
            "liability-reasons",
            "liab.t.reasons",
            (("liab.principal", p), ("liab.gift", g)),
            KNOWN,
            "fen",
        ),
    )
    return Report("liability", "report.liability", f, tuple(figures), charts, tables, tuple(notes))
