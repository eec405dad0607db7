"""A ``kit.Report`` as the page shows it: texts in the reader's language, amounts
as yuan and shares as percent, and each chart as the JSON ``static/charts.js``
draws (raw fen and basis points with their unit: the script scales them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sync.hq.console.reporting.kit import Chart, Figure, Kind, Report, Table
from terminal.money import Money

T = Callable[..., str]
NONE = "—"  # no figure: nothing to divide by, or no data


def cell(value: object, kind: Kind, t: T | None = None) -> str:
    """One value as text; ``t`` translates a text (an i18n key; unknown keys as is)."""
    if value is None:
        return NONE
    match kind:
        case "fen":
            return Money(int(value)).plain()  # type: ignore[call-overload]
        case "bp":
            return bp(int(value))  # type: ignore[call-overload]
        case "date":
            return value.isoformat() if isinstance(value, date) else str(value)
        case "int":
            return str(value)
        case _:
            return t(str(value)) if t is not None else str(value)


def bp(n: int) -> str:
    """Basis points as a percent: 9000 -> ``90.00%``."""
    sign = "-" if n < 0 else ""
    q, r = divmod(abs(n), 100)
    return f"{sign}{q}.{r:02d}%"


@dataclass(frozen=True, slots=True)
class FigureView:
    key: str
    label: str
    value: str
    target: str | None
    met: bool | None
    at_most: bool


def figure(f: Figure, t: T) -> FigureView:
    shown = ("¥" + cell(f.value, f.kind)) if f.kind == "fen" and f.value is not None else None
    return FigureView(
        f.key,
        t(f.key),
        shown or cell(f.value, f.kind),
        cell(f.target, f.kind) if f.target is not None else None,
        f.met,
        f.at_most,
    )


@dataclass(frozen=True, slots=True)
class TableView:
    id: str
    title: str
    headers: tuple[tuple[str, bool], ...]  # (text, numeric)
    rows: tuple[tuple[tuple[str, bool], ...], ...]
    total: int  # the table's rows: more than ``rows`` when the page shows only the first


# A page shows a table's first rows; the CSV and Excel downloads hold them all (a
# chain's store-by-day table is 200 stores x 30 days = 6,000 rows, seconds to render
# and to scroll through, and nobody reads it on a screen).
PAGE_ROWS = 200


def table(tb: Table, t: T, most: int = PAGE_ROWS) -> TableView:
    def row(values: tuple[object, ...]) -> tuple[tuple[str, bool], ...]:
        return tuple(
            (
                cell(v, c.kind, None if (i == 0 and tb.literal_first) else t),
                c.kind in ("int", "fen", "bp"),
            )
            for i, (v, c) in enumerate(zip(values, tb.columns, strict=True))
        )

    return TableView(
        tb.id,
        t(tb.title),
        tuple((t(c.key), c.kind in ("int", "fen", "bp")) for c in tb.columns),
        tuple(row(r) for r in tb.rows[:most]),
        len(tb.rows),
    )


def chart(c: Chart, t: T) -> dict[str, Any]:
    """The JSON ``charts.js`` reads (``<script type="application/json">``)."""
    return {
        "id": c.id,
        "title": t(c.title),
        "x": [t(x) for x in c.x] if c.x_keys else list(c.x),
        "unit": c.unit,
        "pie": c.pie,
        "series": [
            {
                "name": s.name if s.literal else t(s.name),
                "values": list(s.values),
                "type": s.type,
                "stack": s.stack,
                "dashed": s.dashed,
            }
            for s in c.series
        ],
    }


@dataclass(frozen=True, slots=True)
class ReportView:
    slug: str
    title: str
    figures: tuple[FigureView, ...]
    charts: tuple[dict[str, Any], ...]
    tables: tuple[TableView, ...]
    notes: tuple[str, ...]


def view(r: Report, t: T) -> ReportView:
    return ReportView(
        r.slug,
        t(r.title),
        tuple(figure(f, t) for f in r.figures),
        tuple(chart(c, t) for c in r.charts),
        tuple(table(tb, t) for tb in r.tables),
        tuple(t(n) for n in r.notes),
    )
