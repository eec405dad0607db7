"""What a report is, apart from how it is shown: figures, charts and tables built from
the pre-aggregated tables (``sync.hq.aggregates``, ``rfm_moves``, ``campaigns``...),
never from a scan of ``entries``.

A report module offers ``build(s, f) -> Report``; the reports page (``pages/reports``)
renders it (ECharts, vendored) and exports its tables as CSV and Excel. No floats: an
amount is fen (``kind="fen"``), a share is basis points (``kind="bp"``: 9000 = 90.00%).
Texts are i18n keys (``i18n.CATALOG``) unless ``literal`` (a store id, a month).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["text", "int", "fen", "bp", "date"]


@dataclass(frozen=True, slots=True)
class Filters:
    """What the reader asked for, already cut to what they may see: ``stores`` None is
    the whole chain (an unscoped role asking for every store); a store manager's is
    always their stores (or the ones of them they picked)."""

    start: date
    end: date  # exclusive
    stores: tuple[str, ...] | None = None
    today: date | None = None  # the chain's today (liability "now", forecasts)

    @property
    def chain(self) -> bool:
        """The whole chain: chain-wide figures (not kept per store) may be shown."""
        return self.stores is None


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # i18n key of the header
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class Table:
    id: str  # the export's name and the HTML table's id
    title: str  # i18n key
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    literal_first: bool = True  # the first column's values are shown as they are


@dataclass(frozen=True, slots=True)
class Series:
    name: str  # i18n key (or literal text when ``literal``)
    values: tuple[int | None, ...]
    type: Literal["bar", "line"] = "bar"
    stack: str | None = None
    literal: bool = False
    dashed: bool = False  # a reference line (a target), drawn dashed without points


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str  # i18n key
    x: tuple[str, ...]  # category labels, shown as they are (days, months, stores)
    series: tuple[Series, ...]
    unit: Kind = "int"  # how the values read: fen -> yuan, bp -> percent
    pie: bool = False  # one series shown as a pie over ``x``
    x_keys: bool = False  # ``x`` are i18n keys (segments...), not literal labels


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline number, optionally against a target (the seed's three targets)."""

    key: str  # i18n key
    value: int | None
    kind: Kind = "int"
    target: int | None = None
    at_most: bool = False  # the target is a ceiling (churned share ≤ 5%), not a floor

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.value <= self.target if self.at_most else self.value >= self.target


@dataclass(frozen=True, slots=True)
class Report:
    slug: str  # URL: /console/reports/<slug>
    title: str  # i18n key
    filters: Filters
    figures: tuple[Figure, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = field(default=())  # i18n keys: how to read it


def share_bp(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in basis points, half up (None: nothing to share)."""
    return None if whole <= 0 else (20000 * part + whole) // (2 * whole)


def per(total: int, n: int) -> int | None:
    """``total`` over ``n``, half up (an average ticket in fen; None when ``n`` is 0)."""
    return None if n <= 0 else (2 * total + n) // (2 * n)
