"""Value types: Money (fen), Qty (thousandths) and the rule book's calendar (Units)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.calendar import add_months, same_month, valid_through
from terminal.errors import InvalidInput, PosError
from terminal.money import ZERO, Money, round_half_up, total
from terminal.quantity import ONE, Qty

# The wire formats, ASCII only: what parse must accept and nothing else.
AMOUNT_RE = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,2})?")
QTY_RE = re.compile(r"[0-9]{1,7}(\.[0-9]{1,3})?")

# Money.parse allows at most 12 whole-yuan digits, so plain() round-trips below 10**14 fen.
MAX_FEN = 10**14 - 1
fens = st.integers(min_value=-MAX_FEN, max_value=MAX_FEN)

# Garbage: ASCII punctuation, letters, whitespace, and a few CJK/currency characters.
GARBAGE_ALPHABET = st.sampled_from([*"0123456789.-+eE,_ xX¥$元角分\t", "。", "－", "\u3000"])


def _invalid_amount(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        Money.parse(text)
    assert exc.value.code == "invalid_amount"


# ---------------------------------------------------------------------------- Money


class TestMoneyParse:
    @pytest.mark.parametrize(
        ("text", "fen"),
        [
            ("12.50", 1250),
            ("12.5", 1250),
            ("12", 1200),
            ("0", 0),
            ("0.01", 1),
            ("-3.00", -300),
            ("-0.05", -5),
            ("-0", 0),
            ("  7.10 ", 710),
            ("999999999999.99", 99_999_999_999_999),
        ],
    )
    def test_accepts_yuan_amounts(self, text: str, fen: int) -> None:
        assert Money.parse(text) == Money(fen)

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            "abc",
            "12a",
            "a12",
            "1e3",
            "1E3",
            "1.234",
            "0.001",
            "12.",
            ".5",
            "+1",
            "--1",
            "- 1",
            "1,000",
            "1_000",
            "¥12",
            "12元",
            "12.5.0",
            "nan",
            "inf",
            "0x10",
            "1 000",
            "1000000000000",  # 13 whole-yuan digits
        ],
    )
    def test_rejects_garbage(self, text: str) -> None:
        _invalid_amount(text)

    @pytest.mark.parametrize("value", [None, 12, 12.5, b"12.50"])
    def test_rejects_non_strings(self, value: object) -> None:
        with pytest.raises(InvalidInput):
            Money.parse(value)  # type: ignore[arg-type]

    def test_rejects_non_ascii_digits(self) -> None:
        # The wire format is ASCII (barcodes.is_gtin insists on isascii() too); a regex
        # `\d` without re.ASCII lets every Unicode decimal digit through.
        for text in ["１２.５０", "١٢.٥٠", "१२"]:  # full-width, Arabic-Indic, Devanagari
            _invalid_amount(text)

    @given(fens)
    def test_plain_round_trips(self, fen: int) -> None:
        m = Money(fen)
        assert Money.parse(m.plain()) == m
        assert AMOUNT_RE.fullmatch(m.plain())

    @given(st.integers(min_value=MAX_FEN + 1, max_value=10**30), st.booleans())
    @settings(max_examples=30)
    def test_too_large_is_refused_cleanly(self, fen: int, negative: bool) -> None:
        _invalid_amount(Money(-fen if negative else fen).plain())

    @given(st.text(GARBAGE_ALPHABET, max_size=16))
    @settings(max_examples=300)
    def test_garbage_never_parses(self, text: str) -> None:
        if AMOUNT_RE.fullmatch(text.strip()):
            assert Money.parse(text).plain() == Money.parse(text.strip()).plain()
        else:
            _invalid_amount(text)

    @given(st.text(max_size=20))
    @settings(max_examples=200)
    def test_any_text_parses_or_raises_invalid_input(self, text: str) -> None:
        try:
            m = Money.parse(text)
        except InvalidInput as e:
            assert e.code == "invalid_amount"
        else:
            assert isinstance(m, Money)

    @given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(0, 99))
    def test_one_and_two_decimals_agree(self, yuan: int, cents: int) -> None:
        sign = "-" if yuan < 0 else ""
        text = f"{sign}{abs(yuan)}.{cents:02d}"
        fen = abs(yuan) * 100 + cents
        assert Money.parse(text) == Money(-fen if yuan < 0 else fen)
        if cents % 10 == 0:
            assert Money.parse(f"{sign}{abs(yuan)}.{cents // 10}") == Money.parse(text)


class TestMoneyValue:
    @pytest.mark.parametrize("bad", [1.5, "12", True, Fraction(1, 2), None])
    def test_fen_must_be_int(self, bad: object) -> None:
        with pytest.raises(TypeError):
            Money(bad)  # type: ignore[arg-type]

    def test_frozen(self) -> None:
        m = Money(100)
        with pytest.raises(AttributeError):
            m.fen = 5  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("fen", "plain", "shown"),
        [
            (1250, "12.50", "¥12.50"),
            (5, "0.05", "¥0.05"),
            (0, "0.00", "¥0.00"),
            (-300, "-3.00", "-¥3.00"),
            (-5, "-0.05", "-¥0.05"),
            (123456789, "1234567.89", "¥1234567.89"),
        ],
    )
    def test_formatting(self, fen: int, plain: str, shown: str) -> None:
        assert Money(fen).plain() == plain
        assert str(Money(fen)) == shown

    def test_arithmetic(self) -> None:
        a, b = Money.parse("12.50"), Money.parse("0.75")
        assert a + b == Money(1325)
        assert a - b == Money(1175)
        assert -a == Money(-1250)
        assert Money.yuan(3) == Money(300)
        assert total([a, b, -b]) == a
        assert total([]) == ZERO
        assert not ZERO
        assert Money(1)
        assert sorted([a, b, ZERO]) == [ZERO, b, a]

    @pytest.mark.parametrize(
        ("x", "expected"),
        [
            (Fraction(25, 2), 13),  # 12.5 -> 13 (the rule book's points example)
            (Fraction(-25, 2), -13),  # halves away from zero
            (Fraction(4, 5), 1),
            (Fraction(1, 2), 1),
            (Fraction(-1, 2), -1),
            (Fraction(49, 100), 0),
            (Fraction(-49, 100), 0),
            (Fraction(7), 7),
            (Fraction(0), 0),
        ],
    )
    def test_round_half_up(self, x: Fraction, expected: int) -> None:
        assert round_half_up(x) == expected

    @given(st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=1000))
    def test_round_half_up_is_nearest_and_symmetric(self, x: Fraction) -> None:
        r = round_half_up(x)
        assert abs(x - r) <= Fraction(1, 2)
        if abs(x - r) == Fraction(1, 2):
            assert abs(r) > abs(x)  # a half goes away from zero
        assert round_half_up(-x) == -r

    @pytest.mark.parametrize(
        ("fen", "factor", "expected"),
        [
            (1000, Fraction(88, 100), 880),
            (25, Fraction(1, 2), 13),  # 12.5 fen -> 13
            (-25, Fraction(1, 2), -13),
            (333, Fraction(1, 3), 111),
            (100, Fraction(1, 3), 33),
            (200, Fraction(1, 3), 67),
            (199, 2, 398),
        ],
    )
    def test_times_rounds_half_up(self, fen: int, factor: Fraction | int, expected: int) -> None:
        assert Money(fen).times(factor) == Money(expected)

    @given(fens, st.fractions(min_value=0, max_value=10, max_denominator=1000))
    @settings(max_examples=100)
    def test_times_matches_exact_product(self, fen: int, factor: Fraction) -> None:
        got = Money(fen).times(factor)
        assert isinstance(got.fen, int)
        assert abs(Fraction(fen) * factor - got.fen) <= Fraction(1, 2)


# ---------------------------------------------------------------------------- Qty


class TestQty:
    @pytest.mark.parametrize(
        ("text", "milli"),
        [
            ("1", 1000),
            ("1.250", 1250),
            ("1.25", 1250),
            ("1.2", 1200),
            ("0.001", 1),
            ("0", 0),
            (" 3 ", 3000),
            ("9999999.999", 9_999_999_999),
        ],
    )
    def test_parse(self, text: str, milli: int) -> None:
        assert Qty.parse(text) == Qty(milli)

    @pytest.mark.parametrize(
        "text",
        ["", " ", "-1", "1.2345", "1e3", "abc", "1,5", ".5", "1.", "+1", "10000000"],
    )
    def test_parse_rejects(self, text: str) -> None:
        with pytest.raises(InvalidInput) as exc:
            Qty.parse(text)
        assert exc.value.code == "invalid_quantity"

    def test_parse_rejects_non_ascii_digits(self) -> None:
        for text in ["１.５", "١", "२.५"]:  # full-width, Arabic-Indic, Devanagari
            with pytest.raises(InvalidInput):
                Qty.parse(text)

    @given(st.integers(min_value=0, max_value=10**10 - 1))
    def test_plain_round_trips(self, milli: int) -> None:
        q = Qty(milli)
        assert QTY_RE.fullmatch(q.plain())
        assert Qty.parse(q.plain()) == q

    @given(st.text(GARBAGE_ALPHABET, max_size=12))
    @settings(max_examples=200)
    def test_garbage_never_parses(self, text: str) -> None:
        if QTY_RE.fullmatch(text.strip()):
            assert Qty.parse(text) == Qty.parse(text.strip())
        else:
            with pytest.raises(InvalidInput):
                Qty.parse(text)

    def test_value(self) -> None:
        assert Qty(1250).plain() == "1.250"
        assert Qty(5).plain() == "0.005"
        assert Qty.of(3) == Qty(3000)
        assert Qty.parse("1") == ONE
        assert ONE.is_whole() and Qty(2000).is_whole() and not Qty(1250).is_whole()
        assert Qty(1250).fraction() == Fraction(5, 4)
        assert Qty(1250) + Qty(750) == Qty.of(2)
        assert Qty(1250) - Qty(250) == ONE
        assert Qty(1) < ONE


# ---------------------------------------------------------------------------- calendar


class TestRuleBookCalendar:
    """The rule book's worked examples, verbatim."""

    @pytest.mark.parametrize(
        ("start", "months", "through"),
        [
            # Units: "2026-10-01 + 12 months: through 2027-09-30"
            (date(2026, 10, 1), 12, date(2027, 9, 30)),
            # Units: "2026-01-31 + 1 month: through 2026-02-28"
            (date(2026, 1, 31), 1, date(2026, 2, 28)),
            # §1.2: "upgraded on 2025-10-01 -> valid through 2026-09-30"
            (date(2025, 10, 1), 12, date(2026, 9, 30)),
            # §1.3 coupons: "granted on the 15th -> valid through the 14th of next month"
            (date(2026, 5, 15), 1, date(2026, 6, 14)),
            (date(2026, 12, 15), 1, date(2027, 1, 14)),
            # §1.3: "granted on 31 January -> valid through the last day of February"
            (date(2027, 1, 31), 1, date(2027, 2, 28)),
            (date(2028, 1, 31), 1, date(2028, 2, 29)),
            # coins: "2026-03-01 can be spent through 2027-02-28 and is gone on 2027-03-01"
            (date(2026, 3, 1), 12, date(2027, 2, 28)),
        ],
    )
    def test_valid_through(self, start: date, months: int, through: date) -> None:
        assert valid_through(start, months) == through

    def test_gone_on_the_day_after(self) -> None:
        # "on the day after, it is gone": coins of 2026-03-01 are gone on 2027-03-01.
        through = valid_through(date(2026, 3, 1), 12)
        assert through + timedelta(days=1) == date(2027, 3, 1)
        assert add_months(date(2026, 3, 1), 12) == date(2027, 3, 1)

    @pytest.mark.parametrize(
        ("start", "months", "through"),
        [
            (date(2026, 3, 31), 1, date(2026, 4, 30)),  # April 31 does not exist
            (date(2026, 1, 29), 1, date(2026, 2, 28)),  # nor 2026-02-29
            (date(2026, 1, 28), 1, date(2026, 2, 27)),  # but 2026-02-28 does
            (date(2028, 2, 29), 12, date(2029, 2, 28)),  # leap day, next year
            (date(2024, 2, 29), 48, date(2028, 2, 28)),  # leap day to leap day
            (date(2026, 8, 31), 6, date(2027, 2, 28)),
            (date(2026, 12, 1), 1, date(2026, 12, 31)),
            (date(2026, 11, 30), 3, date(2027, 2, 28)),
        ],
    )
    def test_month_ends(self, start: date, months: int, through: date) -> None:
        assert valid_through(start, months) == through


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (date(2026, 1, 31), 1, date(2026, 2, 28)),
            (date(2028, 1, 31), 1, date(2028, 2, 29)),
            (date(2026, 12, 15), 1, date(2027, 1, 15)),
            (date(2026, 10, 1), 12, date(2027, 10, 1)),
            (date(2026, 3, 31), -1, date(2026, 2, 28)),
            (date(2026, 1, 15), -1, date(2025, 12, 15)),
            (date(2026, 5, 5), 0, date(2026, 5, 5)),
        ],
    )
    def test_examples(self, start: date, months: int, expected: date) -> None:
        assert add_months(start, months) == expected

    def test_same_month(self) -> None:
        assert same_month(date(2026, 2, 1), date(2026, 2, 28))
        assert not same_month(date(2026, 2, 1), date(2027, 2, 1))
        assert not same_month(date(2026, 2, 28), date(2026, 3, 1))


starts = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
month_counts = st.integers(min_value=1, max_value=120)


@given(starts, month_counts)
@settings(max_examples=300)
def test_valid_through_properties(start: date, months: int) -> None:
    through = valid_through(start, months)
    anniversary = add_months(start, months)
    clamped = anniversary.day != start.day
    # Never valid past the anniversary; strictly before it unless the day had to be clamped
    # (then "through the last day of that month", which is the clamped anniversary itself).
    assert through <= anniversary
    if clamped:
        assert through == anniversary
        assert (through + timedelta(days=1)).day == 1  # last day of its month
    else:
        assert through + timedelta(days=1) == anniversary
    assert through > start
    # Month arithmetic: the through-date sits in the anniversary's month, or the one before
    # when the anniversary is the 1st.
    if start.day == 1:
        assert (through + timedelta(days=1)).day == 1
        assert same_month(through + timedelta(days=1), anniversary)
    else:
        assert same_month(through, anniversary)


@given(starts, month_counts, month_counts)
@settings(max_examples=200)
def test_valid_through_is_monotonic(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert valid_through(start, lo) <= valid_through(start, hi)
    if lo < hi:
        assert valid_through(start, lo) < valid_through(start, hi)


@given(starts, month_counts)
@settings(max_examples=200)
def test_add_months_properties(start: date, months: int) -> None:
    out = add_months(start, months)
    assert (out.year * 12 + out.month) - (start.year * 12 + start.month) == months
    assert out.day <= start.day
    if out.day < start.day:
        assert (out + timedelta(days=1)).day == 1  # clamped to the month's last day


@given(starts, st.integers(min_value=-120, max_value=120), st.integers(-120, 120))
@settings(max_examples=100)
def test_add_months_composes_without_clamping(start: date, a: int, b: int) -> None:
    if start.day <= 28:
        assert add_months(add_months(start, a), b) == add_months(start, a + b)


def test_errors_are_pos_errors() -> None:
    with pytest.raises(PosError):
        Money.parse("x")
    with pytest.raises(PosError):
        Qty.parse("x")
