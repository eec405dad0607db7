"""Program files are bounded: every count, duration, amount, rate, list and string has a
ceiling, and nesting is limited, so a file ``check-program`` accepts can never overflow
a date, hand out a million coupons or hang the counter; a file past a bound is refused
with a ``ProgramFileError`` naming the key (never RecursionError, OverflowError...)."""

from __future__ import annotations

import copy
import functools
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.calendar import add_months, valid_through
from terminal.errors import ProgramFileError
from terminal.rules import program_loader as pl
from terminal.rules.program_ids import PROGRAM_IDS
from ui.cli import main

PROGRAMS = Path(pl.__file__).parent / "programs"
TODAY = date(2026, 10, 6)


@functools.cache
def shipped(pid: str) -> dict[str, Any]:
    return tomllib.loads((PROGRAMS / f"{pid}.toml").read_text(encoding="utf-8"))


Path_ = tuple[str | int, ...]


def put(doc: dict[str, Any], path: Path_, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node: Any = doc
    for k in path[:-1]:
        node = node.setdefault(k, {}) if isinstance(k, str) else node[k]
    node[path[-1]] = value
    return doc


def int_leaves(node: Any, path: Path_ = ()) -> list[Path_]:
    """Every integer in a parsed program file, by its path."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in int_leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in int_leaves(v, (*path, i))]
    return [path] if type(node) is int else []


LEVELS = ("tiers", "levels")
TABLE: list[tuple[Path_, Any, str]] = [
    (("tiers", "validity_months"), 10**9, "tiers.validity_months: must be at most 120"),
    ((*LEVELS, 1, "upgrade_gift", 0, "count"), 10**6, "count: must be at most 10"),
    (("coupons", "validity_months"), 1201, "coupons.validity_months: must be at most 120"),
    (("coins", "expiry_months"), 10**12, "coins.expiry_months: must be at most 120"),
    (("membership", "sleeping_after_days"), 10**7, "must be at most 3660"),
    (("identify", "app_code_max_age_seconds"), 10**9, "must be at most 86400"),
    (("gifts", "birthday_on_file_days"), 99999, "must be at most 3660"),
    (("rfm", "new_member_months"), 10**5, "rfm.new_member_months: must be at most 120"),
    (("hq_grants", "visit_merge_hours"), 10**6, "must be at most 744"),
    (("hq_grants", "monthly_spend_coins"), 10**7, "must be at most 1000000"),
    ((*LEVELS, 1, "discount_percent"), 101, "must be at most 100"),
    ((*LEVELS, 2, "threshold"), 10**10, "threshold: must be at most 1000000000"),
    (("returns", "manager_above"), "200000000.00", "must be at most 100000000.00"),
    (("earn", 0, "rate"), "1e999999999", 'must be a decimal rate like "1.5"'),
    (("earn", 0, "rate"), "1001", "must be at most 1000"),
    (("earn", 0, "categories"), ["fresh"] * 1001, "must have at most 1000 entries"),
    (("program", "name"), "番" * 201, "must be at most 200 characters"),
    (("stored_value", "prepaid_card_values"), ["100.00"] * 51, "at most 50 entries"),
]


@pytest.mark.parametrize(
    ("path", "value", "says"), TABLE, ids=[".".join(map(str, t[0])) for t in TABLE]
)
def test_a_value_past_its_bound_is_refused_naming_the_key(
    path: Path_, value: Any, says: str
) -> None:
    with pytest.raises(ProgramFileError) as e:
        pl.parse_program(put(shipped("tomato"), path, value), "tomato.toml")
    assert says in str(e.value)


def test_too_many_tiers_is_refused() -> None:
    level = shipped("tomato")["tiers"]["levels"][0]
    levels = [{**level, "id": f"t{i}", "threshold": f"{i}.00"} for i in range(51)]
    with pytest.raises(ProgramFileError, match=r"tiers\.levels: must have at most 50"):
        pl.parse_program(put(shipped("tomato"), LEVELS, levels), "tomato.toml")


def test_every_bound_leaves_the_shipped_programs_loadable() -> None:
    for pid in PROGRAM_IDS:
        assert pl.parse_program(shipped(pid), f"{pid}.toml").id == pid


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_integer_anywhere_is_refused_or_safe_to_run(data: st.DataObject) -> None:
    """Whatever integer a chain writes wherever the file has one: refused with a
    ProgramFileError, or a program whose durations give real dates and whose gifts stay
    small (what hung or crashed the counter before the bounds)."""
    pid = data.draw(st.sampled_from(PROGRAM_IDS))
    path = data.draw(st.sampled_from(int_leaves(shipped(pid))))
    value = data.draw(st.integers(-(2**70), 2**70) | st.integers(-10, 2000))
    try:
        prog = pl.parse_program(put(shipped(pid), path, value), f"{pid}.toml")
    except ProgramFileError:
        return
    for months in (
        prog.tiers.validity_months,
        prog.coupon_validity_months,
        prog.coin_expiry_months,
        prog.rfm.new_member_months,
    ):
        assert max(valid_through(TODAY, months), add_months(TODAY, months)).year < 2200
    coupons = sum(g.count for lv in prog.tiers.levels for g in lv.upgrade_gift)
    assert coupons <= pl.MAX_ITEMS * pl.MAX_ITEMS * pl.MAX_GIFT


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 100_000 + "]" * 100_000,
        "a = " + "{ b = " * 5_000 + "1" + " }" * 5_000,
        "[" + ".".join(f"t{i}" for i in range(20)) + "]\nx = 1\n",
    ],
    ids=["arrays", "inline tables", "dotted tables"],
)
def test_deep_nesting_is_a_clear_refusal(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "deep.toml"
    file.write_text(text, encoding="utf-8")
    assert main(["check-program", str(file)]) == 2
    assert "deep.toml: (syntax): nests deeper than 12 levels" in capsys.readouterr().err


def test_a_huge_file_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    file = tmp_path / "big.toml"
    file.write_text("# padding\n" * 200_000, encoding="utf-8")
    with pytest.raises(ProgramFileError, match="larger than 1,000,000 bytes"):
        pl.load_program_file(file)


def test_a_deeply_nested_scenario_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "deep.json"
    file.write_text('{"program": "tomato", "events": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert main(["replay", str(file)]) == 2
    assert "cannot read scenario" in capsys.readouterr().err
