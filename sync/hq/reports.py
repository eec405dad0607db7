"""Finance's reports in HQ's console (``pos-hq report``).

``stored_value``: stored value created on a day against the money taken for it, per
store, till and shift, from the entries HQ holds. Recharges and card sales name their
tender and shift in their ledger payloads; a card load and the member entries (the
principal and gift credited) are the shift's whose open row precedes them in the
till's chain and whose handover, if any, follows them. The shift's counted cash
difference comes from its handover entry, when HQ has it."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sync.hq.models import EntryRow
from terminal.money import Money

TENDERS = ("cash", "card", "mobile")  # how a recharge or a prepaid card is paid
CREATED = ("recharge:", "card_load:")  # reasons of the stored value a till creates


@dataclass
class ShiftLine:
    """One shift's stored value. Amounts in fen; ``row()`` prints them as yuan."""

    store: str
    till: str
    shift: str
    recharges: int = 0
    recharged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENDERS, 0))
    cards_sold: int = 0
    card_sales: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TENDERS, 0))
    card_loads: int = 0
    principal: int = 0
    gift: int = 0
    handover: dict[str, Any] | None = None

    def row(self, day: date) -> dict[str, Any]:
        """The report's line; its keys are stable (README, HQ)."""
        h = self.handover
        return {
            "day": day.isoformat(),
            "store": self.store,
            "till": self.till,
            "shift": self.shift,
            "recharges": self.recharges,
            "recharged": {k: _yuan(v) for k, v in self.recharged.items()},
            "cards_sold": self.cards_sold,
            "card_sales": {k: _yuan(v) for k, v in self.card_sales.items()},
            "card_loads": self.card_loads,
            "principal_created": _yuan(self.principal),
            "gift_created": _yuan(self.gift),
            "expected_cash": _yuan(h["expected"]) if h else None,
            "counted_cash": _yuan(h["counted"]) if h else None,
            "counted_difference": _yuan(h["difference"]) if h else None,
        }


def _yuan(fen: int) -> str:
    return Money(int(fen)).plain()


class Shifts:
    """A till's shifts as its chain records them: open and handover rows by seq."""

    def __init__(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        self.opens: list[tuple[int, str]] = []
        self.closes: dict[str, int] = {}
        self.handovers: dict[str, dict[str, Any]] = {}
        for seq, p in sorted(rows, key=lambda r: r[0]):
            sid = str(p.get("shift", ""))
            if p.get("event") == "open":
                self.opens.append((seq, sid))
            elif p.get("event") == "handover":
                self.closes[sid], self.handovers[sid] = seq, p

    def at(self, seq: int) -> str:
        """The shift open at ``seq`` ("" when none is: HQ lacks its open row)."""
        i = bisect_right(self.opens, (seq, "\uffff")) - 1
        if i < 0:
            return ""
        sid = self.opens[i][1]
        return sid if self.closes.get(sid, seq) >= seq else ""


def stored_value(s: Session, day: date, store: str | None = None) -> list[dict[str, Any]]:
    """Per store, till and shift (sorted so), the stored value created on ``day`` (the
    till's date of each entry) and what paid for it; shifts with none are left out."""
    first, after = day.isoformat(), (day + timedelta(days=1)).isoformat()
    q = select(
        EntryRow.store_id, EntryRow.terminal_id, EntryRow.seq, EntryRow.kind, EntryRow.payload
    ).where(
        EntryRow.at >= first,
        EntryRow.at < after,
        ~EntryRow.terminal_id.startswith("@"),  # HQ's own chains create none
        or_(
            EntryRow.kind.in_(("recharge", "card")),
            (EntryRow.kind == "member") & EntryRow.payload.contains('"StoredValueChanged"'),
        ),
    )
    if store is not None:
        q = q.where(EntryRow.store_id == store)
    rows = s.execute(q).all()
    shifts = {t: _shifts(s, st, t) for st, t in {(r[0], r[1]) for r in rows}}
    lines: dict[tuple[str, str, str], ShiftLine] = {}
    for st, till, seq, kind, text in rows:
        p = json.loads(text)
        sid = str(p.get("shift") or shifts[till].at(seq))
        line = lines.get((st, till, sid))
        if line is None:
            line = lines[(st, till, sid)] = ShiftLine(st, till, sid)
            line.handover = shifts[till].handovers.get(sid)
        _count(line, kind, p)
    return [lines[k].row(day) for k in sorted(lines) if _created(lines[k])]


def _shifts(s: Session, store: str, till: str) -> Shifts:
    q = select(EntryRow.seq, EntryRow.payload).where(
        EntryRow.store_id == store, EntryRow.terminal_id == till, EntryRow.kind == "shift"
    )
    return Shifts((seq, json.loads(text)) for seq, text in s.execute(q))


def _count(line: ShiftLine, kind: str, p: dict[str, Any]) -> None:
    if kind == "recharge":
        line.recharges += 1
        tender = str(p.get("tender", "cash"))
        line.recharged[tender] = line.recharged.get(tender, 0) + int(p["amount"])
    elif kind == "card" and p.get("event") == "sold":
        line.cards_sold += 1
        for tender, fen in p.get("tenders", [["cash", p["value"]]]):
            line.card_sales[tender] = line.card_sales.get(tender, 0) + int(fen)
    elif kind == "card" and p.get("event") == "loaded":
        line.card_loads += 1
    elif kind == "member" and str(p.get("reason", "")).startswith(CREATED):
        line.principal += int(p["principal"])
        line.gift += int(p["gift"])


def _created(line: ShiftLine) -> bool:
    return bool(line.recharges or line.cards_sold or line.card_loads or line.principal)
