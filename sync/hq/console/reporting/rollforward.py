"""Roll-forwards of a balance from ``daily_flows`` (stored value, coins, points).

A balance at a date is the sum of every flow before it, so a period reads
``opening + its movements = closing``, and the movements are the flows' reason
classes gathered into columns. By store: a store's balance is what the entries made
*at that store* added and took (HQ's own entries, adjustments, jobs and campaigns,
are HQ's store ``hq``); the stores add up to the chain, whose closing on today is the
members' balances (``member_totals``). The opening is whole months (``monthly_flows``)
and the days of the start's month, grouped in SQL; the period is its days x stores x
metrics: a page reads no entry, nor every day of the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq.console.reporting import sums
from sync.hq.console.reporting.kit import Column, Filters, Kind, Series, Table

TOTAL = "Σ"  # the total row's label (the first column is shown as it is)


@dataclass(frozen=True, slots=True)
class Bucket:
    """A roll-forward column: the reason classes it gathers (empty: every other)."""

    key: str  # i18n key of the header
    classes: frozenset[str] = frozenset()


def buckets(*spec: tuple[str, Iterable[str]]) -> tuple[Bucket, ...]:
    return tuple(Bucket(k, frozenset(c)) for k, c in spec)


def bucket_of(cols: Sequence[Bucket], cls: str) -> str:
    """The column of a reason class: the one naming it, else the catch-all."""
    for b in cols:
        if cls in b.classes:
            return b.key
    return next(b.key for b in cols if not b.classes)


@dataclass(frozen=True, slots=True)
class Ledger:
    """One balance's flows for a report: the opening by store and the period's by
    (day, store, class)."""

    opening: dict[str, int]
    moves: dict[tuple[date, str, str], int]

    @property
    def stores(self) -> list[str]:
        return sorted(self.opening.keys() | {st for _, st, _ in self.moves})

    def closing(self, store: str | None = None) -> int:
        return sum(v for st, v in self.opening.items() if store in (None, st)) + sum(
            v for (_, st, _), v in self.moves.items() if store in (None, st)
        )

    def by_class(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for (_, _, cls), v in self.moves.items():
            out[cls] += v
        return dict(out)


def merge(*parts: Ledger) -> Ledger:
    """Balances as one (principal and gift: the stored value)."""
    opening: dict[str, int] = defaultdict(int)
    moves: dict[tuple[date, str, str], int] = defaultdict(int)
    for led in parts:
        for st, v in led.opening.items():
            opening[st] += v
        for k, v in led.moves.items():
            moves[k] += v
    return Ledger(dict(opening), dict(moves))


def ledger(s: Session, f: Filters, prefix: str) -> Ledger:
    """The ``prefix`` balance (``sv_p:``, ``coins:``...) over the filters' days."""
    moves = {
        (d, st, k.removeprefix(prefix)): v
        for (d, st, k), v in aggregates.flows(s, f.start, f.end, f.stores, prefix).items()
        if v
    }
    return Ledger(aggregates.opening(s, f.start, f.stores, prefix), moves)


def columns(cols: Sequence[Bucket], kind: Kind) -> tuple[Column, ...]:
    return (
        Column("rf.store"),
        Column("rf.opening", kind),
        *(Column(b.key, kind) for b in cols),
        Column("rf.closing", kind),
    )


def rows(led: Ledger, cols: Sequence[Bucket]) -> list[tuple[object, ...]]:
    """Per store then the total: opening, each column's movements, closing (which is
    opening plus the movements, by construction: every class has a column)."""
    per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((b.key for b in cols), 0))
    for (_, st, cls), v in led.moves.items():
        per[st][bucket_of(cols, cls)] += v
    out: list[tuple[object, ...]] = []
    total = [0] * (len(cols) + 2)
    for st in led.stores:
        line = [led.opening.get(st, 0), *(per[st][b.key] for b in cols)]
        line.append(sum(line))
        total = [a + b for a, b in zip(total, line, strict=True)]
        out.append((st, *line))
    out.append((TOTAL, *total))
    return out


def table(tid: str, title: str, led: Ledger, cols: Sequence[Bucket], kind: Kind) -> Table:
    return Table(tid, title, columns(cols, kind), tuple(rows(led, cols)))


def reasons(
    tid: str, title: str, parts: Sequence[tuple[str, Ledger]], known: frozenset[str], kind: Kind
) -> Table:
    """The period's movements by reason class (one column per part: principal, gift),
    the class named by its ``rsn.<class>`` key; classes no key names are ``rsn.other``."""
    per: dict[str, list[int]] = defaultdict(lambda: [0] * len(parts))
    for i, (_, led) in enumerate(parts):
        for cls, v in led.by_class().items():
            per[f"rsn.{cls}" if cls in known else "rsn.other"][i] += v
    body = tuple((k, *vs) for k, vs in sorted(per.items()) if any(vs))
    cols = (Column("rf.reason"), *(Column(key, kind) for key, _ in parts))
    return Table(tid, title, cols, body, literal_first=False)


def daily_closing(led: Ledger, f: Filters) -> list[int]:
    """The balance at the end of each day of the period (chain or the filters' stores)."""
    per_day: dict[date, int] = defaultdict(int)
    for (d, _, _), v in led.moves.items():
        per_day[d] += v
    run, out = sum(led.opening.values()), []
    for d in sums.days(f):
        run += per_day.get(d, 0)
        out.append(run)
    return out


def daily_series(name: str, led: Ledger, f: Filters) -> Series:
    return Series(name, tuple(daily_closing(led, f)), "line")


def ends_today(f: Filters) -> bool:
    """The period runs to today (or beyond): its closing is the balance now."""
    return f.today is not None and f.end > f.today


def forecast(held: dict[str, int], prefix: str) -> list[tuple[str, int]]:
    """A ``member_totals`` family by expiry month (``coins_exp:2027-03``), months in
    order, ``never`` last; a month before this one is due at the next expiry run."""
    months = {k.removeprefix(prefix): v for k, v in held.items() if k.startswith(prefix) and v}
    return sorted(months.items(), key=lambda kv: (kv[0] == "never", kv[0]))
