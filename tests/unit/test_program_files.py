"""Program files: every shipped program loads, and a broken copy is refused whole.

A refusal is one ``ProgramFileError`` whose message reads ``FILE: KEY: PROBLEM``. Files
are broken the way a chain breaks them: by editing the shipped TOML text and loading the
copy (``load_program_file``). Where a text edit would be clumsy, the parsed document is
mutated instead and handed to ``parse_program``.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from terminal.errors import InvalidInput, ProgramFileError
from terminal.rules import program_loader
from terminal.rules.program_loader import (
    PROGRAM_IDS,
    load_program,
    load_program_file,
    parse_program,
)
from ui.cli import main

PROGRAMS_DIR = Path(program_loader.__file__).parent / "programs"
ALL = pytest.mark.parametrize("pid", PROGRAM_IDS)


# --- helpers -------------------------------------------------------------------------


@functools.cache
def shipped_text(pid: str) -> str:
    return (PROGRAMS_DIR / f"{pid}.toml").read_text(encoding="utf-8")


@functools.cache
def _parsed(pid: str) -> dict[str, Any]:
    return tomllib.loads(shipped_text(pid))


def shipped_data(pid: str) -> dict[str, Any]:
    """A private deep copy of the shipped document, free to mutate."""
    return copy.deepcopy(_parsed(pid))


def edit(pid: str, old: str, new: str) -> str:
    """The shipped text with ``old`` (which must occur exactly once) replaced by ``new``."""
    text = shipped_text(pid)
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {pid}.toml"
    return text.replace(old, new)


def replace_first(pid: str, old: str, new: str) -> str:
    """The shipped text with the first ``old`` replaced by ``new``."""
    text = shipped_text(pid)
    assert old in text, f"{old!r} not in {pid}.toml"
    return text.replace(old, new, 1)


def insert_after(pid: str, anchor: str, lines: str) -> str:
    """The shipped text with ``lines`` inserted after the first ``anchor``."""
    return replace_first(pid, anchor, anchor + lines)


def toml_value(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def threshold_line(pid: str, level: int, ladder: str = "tiers") -> str:
    return f"threshold = {toml_value(_parsed(pid)[ladder]['levels'][level]['threshold'])}"


def write(tmp_path: Path, pid: str, text: str) -> Path:
    path = tmp_path / f"{pid}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(call: Callable[[], object], file: str, key: str, fragment: str) -> ProgramFileError:
    with pytest.raises(ProgramFileError) as info:
        call()
    err = info.value
    assert (err.file, err.key) == (file, key), str(err)
    assert fragment in err.problem, str(err)
    assert str(err) == f"{file}: {key}: {err.problem}"
    assert err.code == "program_invalid"
    return err


def refused_text(tmp_path: Path, pid: str, text: str, key: str, fragment: str) -> None:
    path = write(tmp_path, pid, text)
    refused(lambda: load_program_file(path), f"{pid}.toml", key, fragment)


def refused_data(pid: str, data: dict[str, Any], key: str, fragment: str) -> None:
    refused(lambda: parse_program(data, f"{pid}.toml"), f"{pid}.toml", key, fragment)


# --- the shipped programs ------------------------------------------------------------


def test_every_program_id_has_a_shipped_file() -> None:
    assert sorted(p.stem for p in PROGRAMS_DIR.glob("*.toml")) == sorted(PROGRAM_IDS)


@ALL
def test_shipped_program_loads(pid: str) -> None:
    program = load_program(pid)
    assert program.id == pid
    assert len(program.tiers.levels) == len(_parsed(pid)["tiers"]["levels"])
    assert len(program.earn) == len(_parsed(pid)["earn"])
    from_file = load_program_file(PROGRAMS_DIR / f"{pid}.toml")
    assert from_file == parse_program(shipped_data(pid), f"{pid}.toml") == program


def test_unknown_program_id() -> None:
    with pytest.raises(InvalidInput) as info:
        load_program("nope")
    assert info.value.code == "unknown_program"
    assert "nope" in str(info.value)


@ALL
def test_an_untouched_copy_loads(tmp_path: Path, pid: str) -> None:
    assert load_program_file(write(tmp_path, pid, shipped_text(pid))).id == pid


# --- wrong type ----------------------------------------------------------------------


@ALL
def test_threshold_of_the_wrong_type(tmp_path: Path, pid: str) -> None:
    """Spend ladders take amounts as strings ("2000.00"); points ladders take integers."""
    value = _parsed(pid)["tiers"]["levels"][1]["threshold"]
    if isinstance(value, str):
        wrong, fragment = f"threshold = {value.split('.')[0]}", "must be a string, not int"
    else:
        wrong, fragment = f'threshold = "{value}"', "must be an integer, not str"
    text = edit(pid, threshold_line(pid, 1), wrong)
    refused_text(tmp_path, pid, text, "tiers.levels[1].threshold", fragment)


@ALL
def test_integer_where_a_string_is_needed(tmp_path: Path, pid: str) -> None:
    text = edit(pid, f'id = "{pid}"', "id = 5")
    refused_text(tmp_path, pid, text, "program.id", "must be a string, not int 5")


@ALL
def test_string_where_a_table_is_needed(tmp_path: Path, pid: str) -> None:
    text = insert_after(pid, "[[earn]]\n", 'member_day = "tuesday"\n')
    refused_text(tmp_path, pid, text, "earn[0].member_day", "must be a table, not str 'tuesday'")


@ALL
def test_string_where_a_table_is_needed_at_top_level(pid: str) -> None:
    data = shipped_data(pid)
    data["coupons"] = "consume_threshold"
    refused_data(pid, data, "coupons", "must be a table, not str")


@ALL
def test_table_where_an_array_of_tables_is_needed(pid: str) -> None:
    data = shipped_data(pid)
    data["earn"] = data["earn"][0]
    refused_data(pid, data, "earn", "must be an array of tables, not dict")


@ALL
def test_string_where_true_or_false_is_needed(tmp_path: Path, pid: str) -> None:
    text = edit(pid, "enabled = true", 'enabled = "yes"')
    refused_text(tmp_path, pid, text, "stored_value.enabled", "must be true or false")


@ALL
def test_float_where_an_integer_is_needed(tmp_path: Path, pid: str) -> None:
    text = edit(pid, "validity_months = 1\n", "validity_months = 1.5\n")
    refused_text(tmp_path, pid, text, "coupons.validity_months", "must be an integer, not float")


@ALL
def test_number_in_a_list_of_strings(tmp_path: Path, pid: str) -> None:
    text = edit(pid, "no_earn_categories = [", "no_earn_categories = [7, ")
    refused_text(tmp_path, pid, text, "catalog.no_earn_categories", "must be a list of strings")


@ALL
def test_number_where_an_amount_string_is_needed(tmp_path: Path, pid: str) -> None:
    unit = _parsed(pid)["earn"][0]["unit"]
    text = replace_first(pid, f'unit = "{unit}"', "unit = 1.0")
    refused_text(tmp_path, pid, text, "earn[0].unit", "must be a string, not float 1.0")


@pytest.mark.parametrize(
    ("pid", "old", "new", "key", "fragment"),
    [
        ("mall", 'diamond = "2"', "diamond = 2", "earn[0].tier_rates.diamond", "rate string"),
        (
            "organic",
            'prepaid_card_values = ["100.00",',
            "prepaid_card_values = [100,",
            "stored_value.prepaid_card_values[0]",
            'must be a positive amount like "100.00", not 100',
        ),
        (
            "basic",
            'threshold = "2000.00"',
            'threshold = "2000 yuan"',
            "tiers.levels[1].threshold",
            'must be an amount in yuan like "12.50"',
        ),
        (
            "basic",
            'threshold = "5000.00"',
            'threshold = "5000.005"',
            "tiers.levels[2].threshold",
            "must be an amount in yuan",
        ),
        (
            "points",
            "threshold = 60000",
            "threshold = 60000.5",
            "tiers.levels[1].threshold",
            "must be an integer, not float",
        ),
        (
            "tomato",
            "weekday = 2,",
            "weekday = true,",
            "earn[1].member_day.weekday",
            "must be an integer, not bool",
        ),
        (
            "tomato",
            'registration = [{ coupon = "c30off5", count = 1 }]',
            'registration = ["c30off5"]',
            "gifts.registration[0]",
            "must be a table",
        ),
        (
            "tomato",
            "[coupons.templates.c30off5]\n",
            '[coupons.templates]\nc30off4 = "5.00"\n[coupons.templates.c30off5]\n',
            "coupons.templates.c30off4",
            "must be a table",
        ),
    ],
)
def test_wrong_type_in_a_nested_key(
    tmp_path: Path, pid: str, old: str, new: str, key: str, fragment: str
) -> None:
    refused_text(tmp_path, pid, edit(pid, old, new), key, fragment)


# --- unknown keys --------------------------------------------------------------------


@ALL
def test_unknown_top_level_key(tmp_path: Path, pid: str) -> None:
    text = 'colour = "red"\n' + shipped_text(pid)
    refused_text(tmp_path, pid, text, "colour", "is not a known key")


@ALL
def test_unknown_top_level_table(tmp_path: Path, pid: str) -> None:
    text = shipped_text(pid) + "\n[loyalty]\nlevel = 1\n"
    refused_text(tmp_path, pid, text, "loyalty", "is not a known key")


@ALL
def test_unknown_key_in_tiers(tmp_path: Path, pid: str) -> None:
    text = insert_after(pid, "[tiers]\n", 'colour = "red"\n')
    refused_text(tmp_path, pid, text, "tiers.colour", "is not a known key")


@ALL
def test_unknown_key_in_a_tier_level(tmp_path: Path, pid: str) -> None:
    text = insert_after(pid, "[[tiers.levels]]\n", "discount = 90\n")
    refused_text(tmp_path, pid, text, "tiers.levels[0].discount", "is not a known key")


@ALL
def test_typo_of_an_optional_key_in_earn(tmp_path: Path, pid: str) -> None:
    text = insert_after(pid, "[[earn]]\n", 'minimum_bse = "1.00"\n')
    refused_text(tmp_path, pid, text, "earn[0].minimum_bse", "is not a known key")


@ALL
def test_typo_of_a_required_key_in_earn(tmp_path: Path, pid: str) -> None:
    text = replace_first(pid, "rounding = ", "roundng = ")
    refused_text(tmp_path, pid, text, "earn[0].rounding", "is required")


@ALL
def test_unknown_key_in_an_optional_section(tmp_path: Path, pid: str) -> None:
    text = insert_after(pid, "[stored_value]\n", "enabeld = true\n")
    refused_text(tmp_path, pid, text, "stored_value.enabeld", "is not a known key")


@pytest.mark.parametrize(
    ("pid", "old", "new", "key"),
    [
        (
            "tomato",
            "[coupons.templates.c30off5]\n",
            '[coupons.templates.c30off5]\ncolour = "red"\n',
            "coupons.templates.c30off5.colour",
        ),
        (
            "tomato",
            "{ weekday = 2, multiplier = 2 }",
            "{ weekday = 2, multiplier = 2, hour = 9 }",
            "earn[1].member_day.hour",
        ),
        (
            "tomato",
            'registration = [{ coupon = "c30off5", count = 1 }]',
            'registration = [{ coupon = "c30off5", count = 1, counts = 2 }]',
            "gifts.registration[0].counts",
        ),
        (
            "tomato",
            'value = "price"\n',
            'value = "price"\ncheck = 1\n',
            "catalog.scale_barcodes[0].check",
        ),
        (
            "mall",
            "points_at_least = 2000\n",
            "points_at_least = 2000\nafter_days = 30\n",
            "tiers.promotions[0].after_days",
        ),
        ("organic", "[group_tiers]\n", '[group_tiers]\ncolour = "red"\n', "group_tiers.colour"),
        (
            "organic",
            '{ at_least = "12000.00", gift_value = "3000.00" }',
            '{ at_least = "12000.00", gift_value = "3000.00", vip = true }',
            "stored_value.recharge_gifts[0].vip",
        ),
        ("points", 'name = "积分会员"\n', 'name = "积分会员"\nlogo = "x.png"\n', "program.logo"),
        (
            "basic",
            'member_price_policy = "better_of"\n',
            'member_price_policy = "better_of"\nmember_price = true\n',
            "catalog.member_price",
        ),
    ],
)
def test_unknown_nested_key(tmp_path: Path, pid: str, old: str, new: str, key: str) -> None:
    refused_text(tmp_path, pid, edit(pid, old, new), key, "is not a known key")


# --- tier ladders --------------------------------------------------------------------


@ALL
def test_overlapping_tiers(tmp_path: Path, pid: str) -> None:
    """The second tier starts where the first does."""
    first = _parsed(pid)["tiers"]["levels"][0]["id"]
    text = edit(pid, threshold_line(pid, 1), threshold_line(pid, 0))
    refused_text(
        tmp_path,
        pid,
        text,
        "tiers.levels[1].threshold",
        f"overlaps tier {first!r}: thresholds must rise strictly",
    )


@ALL
def test_falling_tiers(tmp_path: Path, pid: str) -> None:
    """The third tier starts below the second."""
    second = _parsed(pid)["tiers"]["levels"][1]["id"]
    text = edit(pid, threshold_line(pid, 2), threshold_line(pid, 0))
    refused_text(tmp_path, pid, text, "tiers.levels[2].threshold", f"overlaps tier {second!r}")


def test_overlapping_group_tiers(tmp_path: Path) -> None:
    text = edit("organic", threshold_line("organic", 1, "group_tiers"), 'threshold = "5000.00"')
    refused_text(
        tmp_path, "organic", text, "group_tiers.levels[1].threshold", "overlaps tier 'bronze'"
    )


@ALL
def test_tier_defined_twice(pid: str) -> None:
    data = shipped_data(pid)
    levels = data["tiers"]["levels"]
    levels[2]["id"] = levels[1]["id"]
    refused_data(pid, data, "tiers.levels[2].id", f"tier {levels[1]['id']!r} is defined twice")


@ALL
def test_no_tiers(pid: str) -> None:
    data = shipped_data(pid)
    data["tiers"]["levels"] = []
    refused_data(pid, data, "tiers.levels", "needs at least one tier")


@ALL
def test_discount_percent_over_100(pid: str) -> None:
    data = shipped_data(pid)
    data["tiers"]["levels"][1]["discount_percent"] = 101
    refused_data(pid, data, "tiers.levels[1].discount_percent", "must be at most 100, not 101")


@ALL
def test_discount_percent_zero(pid: str) -> None:
    data = shipped_data(pid)
    data["tiers"]["levels"][0]["discount_percent"] = 0
    refused_data(pid, data, "tiers.levels[0].discount_percent", "must be at least 1, not 0")


def test_discount_percent_over_100_in_the_file(tmp_path: Path) -> None:
    text = edit("mall", "discount_percent = 85", "discount_percent = 115")
    refused_text(tmp_path, "mall", text, "tiers.levels[2].discount_percent", "at most 100")


def test_promotion_to_an_unknown_tier(tmp_path: Path) -> None:
    text = edit("mall", 'to = "silver"', 'to = "platinum"')
    refused_text(tmp_path, "mall", text, "tiers.promotions[0].to", "names no tier")


def test_expiry_movement_needs_validity_months(tmp_path: Path) -> None:
    text = edit("tomato", "validity_months = 12\n", "")
    refused_text(tmp_path, "tomato", text, "tiers.validity_months", 'movement is "expiry"')


# --- rates ---------------------------------------------------------------------------


@ALL
def test_negative_rate(tmp_path: Path, pid: str) -> None:
    rule = _parsed(pid)["earn"][0]
    if "rate" in rule:
        text = edit(pid, f'rate = "{rule["rate"]}"', 'rate = "-1"')
    else:
        text = insert_after(pid, "[[earn]]\n", 'rate = "-1"\n')
    refused_text(tmp_path, pid, text, "earn[0].rate", "must not be negative, not -1")


@ALL
def test_negative_tier_rate(tmp_path: Path, pid: str) -> None:
    tier = _parsed(pid)["tiers"]["levels"][-1]["id"]
    if "tier_rates" in _parsed(pid)["earn"][0]:
        text = edit(pid, f'{tier} = "', f'{tier} = "-')
    else:
        text = insert_after(pid, "[[earn]]\n", f'tier_rates = {{ {tier} = "-1.5" }}\n')
    refused_text(tmp_path, pid, text, f"earn[0].tier_rates.{tier}", "must not be negative")


@ALL
def test_malformed_rate(tmp_path: Path, pid: str) -> None:
    data = shipped_data(pid)
    data["earn"][-1]["rate"] = "1,5"
    last = len(data["earn"]) - 1
    refused_data(pid, data, f"earn[{last}].rate", 'must be a decimal rate like "1.5"')


def test_tier_rate_for_an_unknown_tier(tmp_path: Path) -> None:
    text = edit("mall", 'tier_rates = { normal = "1",', 'tier_rates = { vip = "3", normal = "1",')
    refused_text(tmp_path, "mall", text, "earn[0].tier_rates.vip", "names no tier")


# --- negative and zero amounts -------------------------------------------------------


@ALL
def test_negative_earn_unit(tmp_path: Path, pid: str) -> None:
    unit = _parsed(pid)["earn"][0]["unit"]
    text = replace_first(pid, f'unit = "{unit}"', f'unit = "-{unit}"')
    refused_text(tmp_path, pid, text, "earn[0].unit", f"must be positive, not -{unit}")


@ALL
def test_zero_earn_unit(tmp_path: Path, pid: str) -> None:
    unit = _parsed(pid)["earn"][0]["unit"]
    text = replace_first(pid, f'unit = "{unit}"', 'unit = "0.00"')
    refused_text(tmp_path, pid, text, "earn[0].unit", "must be positive, not 0.00")


@ALL
def test_negative_return_limit(pid: str) -> None:
    data = shipped_data(pid)
    data.setdefault("returns", {})["manager_above"] = "-100.00"
    refused_data(pid, data, "returns.manager_above", "must be non-negative, not -100.00")


@pytest.mark.parametrize(
    ("pid", "old", "new", "key", "fragment"),
    [
        (
            "basic",
            'threshold = "0.00"',
            'threshold = "-0.01"',
            "tiers.levels[0].threshold",
            "must be non-negative, not -0.01",
        ),
        (
            "points",
            "threshold = 10000",
            "threshold = -10000",
            "tiers.levels[0].threshold",
            "must be at least 0, not -10000",
        ),
        (
            "tomato",
            "expiry_deduction = 800",
            "expiry_deduction = -800",
            "tiers.levels[1].expiry_deduction",
            "must be at least 0, not -800",
        ),
        (
            "tomato",
            'off = "5.00"',
            'off = "-5.00"',
            "coupons.templates.c30off5.off",
            "must be positive, not -5.00",
        ),
        (
            "tomato",
            'name = "满30减5"\nthreshold = "30.00"',
            'name = "满30减5"\nthreshold = "-30.00"',
            "coupons.templates.c30off5.threshold",
            "must be non-negative",
        ),
        (
            "tomato",
            'spend_limit_per_day = "200.00"',
            'spend_limit_per_day = "-200.00"',
            "offline.spend_limit_per_day",
            "must be non-negative",
        ),
        (
            "tomato",
            "coins = 30 }",
            "coins = -30 }",
            "stored_value.recharge_gifts[0].coins",
            "must be at least 0, not -30",
        ),
        (
            "tomato",
            'monthly_gift = [{ coupon = "m30off2", count = 3 }]',
            'monthly_gift = [{ coupon = "m30off2", count = 0 }]',
            "tiers.levels[1].monthly_gift[0].count",
            "must be at least 1, not 0",
        ),
        ("tomato", "recent_days = 30", "recent_days = 0", "rfm.recent_days", "at least 1"),
        (
            "mall",
            'manager_above = "500.00"',
            'manager_above = "-500.00"',
            "returns.manager_above",
            "must be non-negative, not -500.00",
        ),
        (
            "mall",
            "birthday_discount_percent = 5",
            "birthday_discount_percent = -5",
            "gifts.birthday_discount_percent",
            "must be at least 0, not -5",
        ),
        (
            "organic",
            'at_least = "12000.00"',
            'at_least = "-12000.00"',
            "stored_value.recharge_gifts[0].at_least",
            "must be positive",
        ),
        (
            "organic",
            '"200.00", "500.00"',
            '"-200.00", "500.00"',
            "stored_value.prepaid_card_values[1]",
            "must be a positive amount",
        ),
        (
            "organic",
            'entry_min_first_purchase = "380.00"',
            'entry_min_first_purchase = "-380.00"',
            "membership.entry_min_first_purchase",
            "must be non-negative",
        ),
        (
            "organic",
            "sleeping_after_days = 90",
            "sleeping_after_days = 0",
            "membership.sleeping_after_days",
            "must be at least 1, not 0",
        ),
        (
            "points",
            "redeem_per_yuan = 100",
            "redeem_per_yuan = -100",
            "points.redeem_per_yuan",
            "must be at least 0, not -100",
        ),
        (
            "tomato",
            "year_end_clear_percent = 30",
            "year_end_clear_percent = 130",
            "coins.year_end_clear_percent",
            "must be at most 100",
        ),
        ("tomato", 'value = "1.00"', 'value = "0"', "coins.value", "must be positive"),
    ],
)
def test_out_of_range_value(
    tmp_path: Path, pid: str, old: str, new: str, key: str, fragment: str
) -> None:
    refused_text(tmp_path, pid, edit(pid, old, new), key, fragment)


# --- unknown enum values -------------------------------------------------------------


@ALL
def test_unknown_stacking(tmp_path: Path, pid: str) -> None:
    stacking = _parsed(pid)["coupons"]["stacking"]
    text = edit(pid, f'stacking = "{stacking}"', 'stacking = "best"')
    refused_text(
        tmp_path,
        pid,
        text,
        "coupons.stacking",
        "must be one of consume_threshold, each_on_subtotal, one_per_sale, not 'best'",
    )


@ALL
def test_unknown_tier_basis(tmp_path: Path, pid: str) -> None:
    basis = _parsed(pid)["tiers"]["basis"]
    text = edit(pid, f'basis = "{basis}"\n', 'basis = "spend"\n')
    refused_text(tmp_path, pid, text, "tiers.basis", "not 'spend'")


@ALL
def test_unknown_earn_currency(tmp_path: Path, pid: str) -> None:
    currency = _parsed(pid)["earn"][0]["currency"]
    text = replace_first(pid, f'currency = "{currency}"', 'currency = "stars"')
    refused_text(tmp_path, pid, text, "earn[0].currency", "must be one of growth_points")


@pytest.mark.parametrize(
    ("pid", "old", "new", "key"),
    [
        ("points", 'movement = "follow"', 'movement = "sideways"', "tiers.movement"),
        ("points", 'expiry = "membership_year"', 'expiry = "yearly"', "points.expiry"),
        ("tomato", 'expiry = "rolling_months"', 'expiry = "monthly"', "coins.expiry"),
        ("tomato", 'round_off = "none"', 'round_off = "fen"', "cash.round_off"),
        ("tomato", 'rounding = "half_up"', 'rounding = "nearest"', "earn[0].rounding"),
        (
            "tomato",
            'value_digits = 5\nvalue = "price"\n',
            'value_digits = 5\nvalue = "both"\n',
            "catalog.scale_barcodes[0].value",
        ),
        ("organic", 'basis = "cumulative_recharge"', 'basis = "recharge"', "group_tiers.basis"),
        (
            "basic",
            'member_price_policy = "better_of"',
            'member_price_policy = "best"',
            "catalog.member_price_policy",
        ),
        (
            "basic",
            'clawback_shortfall = "deduct_from_refund"',
            'clawback_shortfall = "ignore"',
            "points.clawback_shortfall",
        ),
        ("mall", 'base = "paid"', 'base = "gross"', "earn[0].base"),
    ],
)
def test_unknown_enum_value(tmp_path: Path, pid: str, old: str, new: str, key: str) -> None:
    refused_text(tmp_path, pid, edit(pid, old, new), key, "must be one of")


# --- coupon gifts --------------------------------------------------------------------


@ALL
def test_gift_naming_an_unknown_template(pid: str) -> None:
    data = shipped_data(pid)
    data.setdefault("gifts", {})["registration"] = [{"coupon": "nope", "count": 1}]
    refused_data(pid, data, "gifts.registration[0].coupon", "names no coupon template")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        (
            'registration = [{ coupon = "c30off5"',
            'registration = [{ coupon = "c30off6"',
            "gifts.registration[0].coupon",
        ),
        (
            'birthday = [{ coupon = "bday10"',
            'birthday = [{ coupon = "bday11"',
            "gifts.birthday[0].coupon",
        ),
        (
            'upgrade_gift = [{ coupon = "c30off5", count = 3 }]',
            'upgrade_gift = [{ coupon = "c30off9", count = 3 }]',
            "tiers.levels[2].upgrade_gift[0].coupon",
        ),
        (
            'monthly_gift = [{ coupon = "m30off2"',
            'monthly_gift = [{ coupon = "m30off"',
            "tiers.levels[1].monthly_gift[0].coupon",
        ),
    ],
)
def test_tomato_gift_naming_an_unknown_template(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    text = edit("tomato", old, new)
    refused_text(tmp_path, "tomato", text, key, "names no coupon template (known: c30off5")


# --- missing keys --------------------------------------------------------------------


@ALL
@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('id = "{pid}"\n', "program.id"),
        ('stacking = "{stacking}"', "coupons.stacking"),
        ('basis = "{basis}"\n', "tiers.basis"),
    ],
)
def test_missing_required_key(tmp_path: Path, pid: str, line: str, key: str) -> None:
    doc = _parsed(pid)
    old = line.format(pid=pid, stacking=doc["coupons"]["stacking"], basis=doc["tiers"]["basis"])
    text = edit(pid, old, "")
    refused_text(tmp_path, pid, text, key, "is required")


@ALL
def test_missing_tier_level_name(pid: str) -> None:
    data = shipped_data(pid)
    del data["tiers"]["levels"][1]["name"]
    refused_data(pid, data, "tiers.levels[1].name", "is required")


@ALL
@pytest.mark.parametrize("section", ["program", "tiers", "coupons"])
def test_missing_required_section(pid: str, section: str) -> None:
    data = shipped_data(pid)
    del data[section]
    refused_data(pid, data, section, "is required")


def test_points_expiry_without_a_points_earn_rule(tmp_path: Path) -> None:
    text = edit("points", 'currency = "points"', 'currency = "coins"')
    refused_text(tmp_path, "points", text, "points.expiry", "no [[earn]] rule earns points")


# --- member day, scale barcodes, claim days ------------------------------------------


@ALL
@pytest.mark.parametrize(
    ("weekday", "fragment"), [(8, "1 (Monday) to 7 (Sunday)"), (0, "at least 1")]
)
def test_member_day_weekday_out_of_range(
    tmp_path: Path, pid: str, weekday: int, fragment: str
) -> None:
    text = insert_after(
        pid, "[[earn]]\n", f"member_day = {{ weekday = {weekday}, multiplier = 2 }}\n"
    )
    refused_text(tmp_path, pid, text, "earn[0].member_day.weekday", fragment)


def test_tomato_member_day_on_weekday_8(tmp_path: Path) -> None:
    text = edit("tomato", "weekday = 2,", "weekday = 8,")
    refused_text(tmp_path, "tomato", text, "earn[1].member_day.weekday", "must be 1 (Monday)")


@pytest.mark.parametrize(
    ("old", "new", "key", "fragment"),
    [
        ('prefix = "2"', 'prefix = "2X"', "catalog.scale_barcodes[0].prefix", "must be digits"),
        (
            'value_digits = 5\nvalue = "price"\n',
            'value_digits = 3\nvalue = "price"\n',
            "catalog.scale_barcodes[0].value_digits",
            "must make 12 (UPC-A) or 13 (EAN-13)",
        ),
        (
            "monthly_claim_days = [1, 5]",
            "monthly_claim_days = [5, 1]",
            "gifts.monthly_claim_days",
            "must be [first, last] days 1-31",
        ),
        (
            "monthly_claim_days = [1, 5]",
            "monthly_claim_days = [1, 32]",
            "gifts.monthly_claim_days",
            "must be [first, last] days 1-31",
        ),
        (
            "monthly_claim_days = [1, 5]",
            "monthly_claim_days = [1]",
            "gifts.monthly_claim_days",
            "must be [first, last]",
        ),
    ],
)
def test_tomato_calendar_and_barcode_settings(
    tmp_path: Path, old: str, new: str, key: str, fragment: str
) -> None:
    refused_text(tmp_path, "tomato", edit("tomato", old, new), key, fragment)


# --- the file itself -----------------------------------------------------------------


@ALL
def test_toml_syntax_error(tmp_path: Path, pid: str) -> None:
    text = edit(pid, "[tiers]\n", "[tiers\n")
    refused_text(tmp_path, pid, text, "(syntax)", "line")


@ALL
def test_duplicate_table_is_a_syntax_error(tmp_path: Path, pid: str) -> None:
    text = shipped_text(pid) + '\n[program]\nid = "other"\n'
    refused_text(tmp_path, pid, text, "(syntax)", "")


def test_missing_file(tmp_path: Path) -> None:
    refused(lambda: load_program_file(tmp_path / "gone.toml"), "gone.toml", "(file)", "")


def test_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "tomato.toml"
    path.write_bytes(shipped_text("tomato").encode("gb18030"))
    refused(lambda: load_program_file(path), "tomato.toml", "(file)", "")


# --- pos-terminal check-program ------------------------------------------------------


@ALL
def test_cli_accepts_a_shipped_file(pid: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-program", str(PROGRAMS_DIR / f"{pid}.toml")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"ok: program {pid} (")
    assert f"{len(_parsed(pid)['tiers']['levels'])} tiers" in out
    assert err == ""


def test_cli_refuses_overlapping_tiers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "tomato", edit("tomato", "threshold = 4000", "threshold = 1000"))
    assert main(["check-program", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "refused: tomato.toml: tiers.levels[2].threshold: "
        "overlaps tier 'red': thresholds must rise strictly\n"
    )


def test_cli_refuses_a_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "mall", edit("mall", "[coupons]\n", "[coupons\n"))
    assert main(["check-program", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("refused: mall.toml: (syntax): ")


def test_cli_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-program", str(tmp_path / "gone.toml")]) == 2
    assert capsys.readouterr().err.startswith("refused: gone.toml: (file): ")


# --- keys the loader reads must be accepted; values it cannot use must be refused ----


@ALL
@pytest.mark.parametrize(
    ("line", "attribute", "expected"),
    [
        ('spend_excludes_tenders = ["points"]', "tier_spend_excludes", ("points",)),
        ("skipped_tier_gifts = true", "skipped_tier_gifts", True),
    ],
)
def test_keys_read_from_tiers_are_accepted(
    tmp_path: Path, pid: str, line: str, attribute: str, expected: object
) -> None:
    """``parse_program`` reads these ``[tiers]`` keys into the ``Program``."""
    text = insert_after(pid, "[tiers]\n", line + "\n")
    program = load_program_file(write(tmp_path, pid, text))
    assert getattr(program, attribute) == expected


def test_claim_day_true_is_refused(tmp_path: Path) -> None:
    """``true`` is not a day of the month (bool is an int subclass in Python)."""
    text = edit("tomato", "monthly_claim_days = [1, 5]", "monthly_claim_days = [true, 5]")
    refused_text(tmp_path, "tomato", text, "gifts.monthly_claim_days", "days 1-31")


def test_scale_prefix_in_full_width_digits_is_refused(tmp_path: Path) -> None:
    """A scanned barcode is ASCII: a prefix of "２" (U+FF12) would never match."""
    text = edit("tomato", 'prefix = "2"', 'prefix = "２"')
    refused_text(tmp_path, "tomato", text, "catalog.scale_barcodes[0].prefix", "must be digits")


@pytest.mark.parametrize(
    ("pid", "old", "new", "key", "fragment"),
    [
        (
            "basic",
            "[tiers]\n",
            '[tiers]\nspend_excludes_tenders = ["piont"]\n',
            "tiers.spend_excludes_tenders",
            "piont",
        ),
        (
            "basic",
            "[[earn]]\n",
            '[[earn]]\nexclude_tenders = ["coin"]\n',
            "earn[0].exclude_tenders",
            "coin",
        ),
    ],
)
def test_unknown_tender_kind_is_refused(
    tmp_path: Path, pid: str, old: str, new: str, key: str, fragment: str
) -> None:
    """A misspelt tender would silently count points or coins as spend."""
    refused_text(tmp_path, pid, edit(pid, old, new), key, fragment)
