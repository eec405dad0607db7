"""A report's filters from the query string: dates and stores, cut to the user's
stores. A bad date or range is ``InvalidInput`` (the page says which); a store
outside the user's is ``Missing`` (404, as for any object outside their stores)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sync.hq.console.accounts import Who
from sync.hq.console.reporting.kit import Filters
from sync.hq.console.web import Missing
from terminal.errors import InvalidInput

DEFAULT_DAYS = 30
MAX_DAYS = 400  # a page sums at most this many days of ``daily_flows``


@dataclass(frozen=True, slots=True)
class Asked:
    """The form as sent (shown back on the page, valid or not)."""

    start: str
    end: str  # inclusive, as the reader types it
    stores: tuple[str, ...]


def asked(start: str | None, end: str | None, stores: Sequence[str], today: date) -> Asked:
    return Asked(
        (start or "").strip() or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        (end or "").strip() or today.isoformat(),
        tuple(sorted({x.strip() for x in stores if x.strip()})),
    )


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} {text!r}: want YYYY-MM-DD", code="bad_date") from None


def filters(a: Asked, who: Who, known: Sequence[str], today: date) -> Filters:
    """``known``: the stores the user may pick (a manager's own, or every store)."""
    start, last = _day(a.start, "start"), _day(a.end, "end")
    if last >= date.max - timedelta(days=1):  # the day after it must exist
        raise InvalidInput(f"end {last}: want a real day", code="bad_date")
    if last < start:
        raise InvalidInput(f"end {last} is before start {start}", code="bad_range")
    if (last - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"more than {MAX_DAYS} days", code="range_too_long")
    outside = [x for x in a.stores if x not in known]
    if outside:
        raise Missing(outside[0])
    stores: tuple[str, ...] | None = a.stores or None
    if who.scoped:
        stores = a.stores or tuple(sorted(who.stores))
    return Filters(start, last + timedelta(days=1), stores, today)
