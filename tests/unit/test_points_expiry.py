"""When a membership year's points expire (rule book §3): ``lifecycle.points_expiry_day``
is the one rule the till's expiry, HQ's due day and HQ's forecast ask; the till's
expiry takes the points on that day and not the day before."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program

POINTS = load_program("points")  # expiry = "membership_year"
NEVER_EXPIRES = dataclasses.replace(POINTS, points_expiry="never")


@pytest.mark.parametrize(
    ("program", "start", "want"),
    [
        (POINTS, date(2025, 11, 20), date(2026, 11, 20)),
        (POINTS, date(2024, 2, 29), date(2025, 2, 28)),  # no 29th: the month's last day
        (POINTS, date(2025, 1, 31), date(2026, 1, 31)),
        (POINTS, date(2025, 12, 31), date(2026, 12, 31)),
        (POINTS, None, None),  # no membership year
        (POINTS, date(9999, 3, 1), None),  # past the calendar's end
        (NEVER_EXPIRES, date(2025, 11, 20), None),  # the program keeps points
    ],
)
def test_the_day_a_membership_years_points_expire(
    program: Program, start: date | None, want: date | None
) -> None:
    assert lc.points_expiry_day(program, start) == want


def expired(state: m.MemberState, day: date) -> int:
    """The points the till's expiry takes on ``day``."""
    return -sum(
        e.delta
        for e in lc.due_entries(state, POINTS, day)
        if isinstance(e, m.PointsChanged) and e.reason == "year_expiry"
    )


@given(
    start=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
    points=st.integers(1, 10**6),
)
def test_the_till_takes_the_points_on_that_day_and_not_before(start: date, points: int) -> None:
    state = dataclasses.replace(m.MemberState(code="M1"), points=points, points_year_start=start)
    end = lc.points_expiry_day(POINTS, start)
    assert end is not None and start < end <= start + timedelta(days=366)
    assert expired(state, end - timedelta(days=1)) == 0
    assert expired(state, end) == points
    after = m.fold(lc.due_entries(state, POINTS, end), state)
    assert after.points_year_start == end  # the next year starts on the anniversary
    # a till offline for years: the points go once, the year moves on to today's
    later = lc.points_expiry_day(POINTS, end)
    assert later is not None and expired(state, later) == points
    assert m.fold(lc.due_entries(state, POINTS, later), state).points_year_start == later
    keeps = lc.due_entries(state, NEVER_EXPIRES, end + timedelta(days=800))
    assert not any(isinstance(e, m.PointsChanged) for e in keeps)
