"""The birthday gift waits until the birthday has been on file the program's number of
days (``[gifts] birthday_on_file_days``, 30 by default): a birthday typed in at sign-up
is not a gift that day (issue 14, item 19)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from terminal.errors import PosError, ProgramFileError
from terminal.rules import lifecycle as lc
from terminal.rules import program_loader
from terminal.rules.program_loader import load_program, parse_program

from .till import Till

SIGN_UP = date(2026, 10, 6)
PROGRAMS = Path(program_loader.__file__).parent / "programs"


def registered_today() -> Till:
    t = Till.of("tomato", [], SIGN_UP)
    t.register("N1", "13900001234", birthday=date(1990, 10, 20))
    return t


def test_a_birthday_entered_at_sign_up_cannot_be_claimed_that_day() -> None:
    t = registered_today()
    with pytest.raises(PosError) as e:
        lc.claim_gift(t.member("N1"), t.program, "birthday", SIGN_UP, t.new_id)
    assert e.value.code == "gift_not_claimable"
    assert e.value.params == {"case": "birthday_on_file", "days": 30, "date": "2026-11-05"}
    assert "birthday" not in lc.gifts_waiting(t.member("N1"), t.program, SIGN_UP)


def test_the_gift_waits_the_programs_days_then_the_birthday_month_rule_applies() -> None:
    t = registered_today()
    state = t.member("N1")
    day29 = SIGN_UP + timedelta(days=29)
    with pytest.raises(PosError):
        lc.claim_gift(state, t.program, "birthday", day29, t.new_id)
    # 30 days on: November, not the birthday month; a year on, October again: claimable
    with pytest.raises(PosError) as e:
        lc.claim_gift(state, t.program, "birthday", SIGN_UP + timedelta(days=30), t.new_id)
    assert e.value.params.get("case") != "birthday_on_file"  # for the month, not the wait
    next_october = date(2027, 10, 1)
    assert lc.gifts_waiting(state, t.program, next_october) == ["birthday"]
    shorter = replace(t.program, birthday_on_file_days=7)
    assert lc.gifts_waiting(state, shorter, SIGN_UP + timedelta(days=7)) == ["birthday"]
    assert lc.gifts_waiting(state, shorter, SIGN_UP + timedelta(days=6)) == []


def test_a_member_of_long_standing_claims_in_the_birthday_month() -> None:
    t = Till.of("tomato", [], SIGN_UP)
    t.open_member(code="B", registered=date(2025, 1, 1), birthday=date(1990, 10, 20))
    entries = lc.claim_gift(t.member("B"), t.program, "birthday", SIGN_UP, t.new_id)
    assert [type(e).__name__ for e in entries] == ["GiftClaimed", "CouponGranted"]


def test_the_setting_defaults_to_30_days_and_refuses_a_negative_count() -> None:
    assert load_program("tomato").birthday_on_file_days == 30
    assert load_program("basic").birthday_on_file_days == 30  # not written: the default
    text = (PROGRAMS / "tomato.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text.replace("birthday_on_file_days = 30", "birthday_on_file_days = -1"))
    with pytest.raises(ProgramFileError) as e:
        parse_program(data, "tomato.toml")
    assert e.value.key == "gifts.birthday_on_file_days"
