"""Calendar rules shared by tiers, coupons and coin lots (rule book, Units)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(d: date, months: int) -> date:
    """Same day N months later, clamped to the month's last day (Jan 31 + 1 -> Feb 28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def valid_through(start: date, months: int) -> date:
    """Last valid day of something valid N months from ``start``.

    The day before the same day N months later; where that day does not exist,
    the last day of that month (2026-01-31 + 1 month: through 2026-02-28).
    """
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - timedelta(days=1)


def same_month(a: date, b: date) -> bool:
    return (a.year, a.month) == (b.year, b.month)
