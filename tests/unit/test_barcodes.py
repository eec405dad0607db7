"""GTIN check digits, label-scale barcodes (rule book §7) and resolving a scan."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from terminal.errors import InvalidInput, NotFound, PosError
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules.barcodes import (
    ScaleCode,
    decode_scale,
    encode_scale,
    equivalent_codes,
    gtin_check_digit,
    is_gtin,
    looks_like_gtin,
    upce_to_upca,
    with_check_digit,
)
from terminal.rules.catalog import DictCatalog, Product, Scanned, resolve_scan
from terminal.rules.program import ScaleBarcode

# Rule book §7 default: prefix 2, five-digit item number, five-digit price in fen, check digit.
DEFAULT = ScaleBarcode("2", 5, 5, "price")
WEIGHT13 = ScaleBarcode("21", 5, 5, "weight")  # an EAN-13 weight-in-grams layout
PRICE13 = ScaleBarcode("2", 6, 5, "price")
WEIGHT12 = ScaleBarcode("02", 4, 5, "weight")
ALL_LAYOUTS = (DEFAULT, WEIGHT13, PRICE13, WEIGHT12)

REAL_CODES = [
    "6901234567892",  # EAN-13, GS1 China
    "4006381333931",  # EAN-13
    "5901234123457",  # EAN-13
    "036000291452",  # UPC-A
    "012345678905",  # UPC-A
    "96385074",  # EAN-8
    "73513537",  # EAN-8
]

digits = st.text("0123456789", min_size=1, max_size=1)


@st.composite
def gtins(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([8, 12, 13]))
    body = draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    return with_check_digit(body)


# ---------------------------------------------------------------------------- GTIN


class TestCheckDigit:
    @pytest.mark.parametrize("code", REAL_CODES)
    def test_real_codes_are_valid(self, code: str) -> None:
        assert is_gtin(code)
        assert looks_like_gtin(code)
        assert gtin_check_digit(code[:-1]) == int(code[-1])
        assert with_check_digit(code[:-1]) == code

    @pytest.mark.parametrize(
        ("body", "check"),
        [("690123456789", 2), ("400638133393", 1), ("03600029145", 2), ("9638507", 4)],
    )
    def test_check_digit_values(self, body: str, check: int) -> None:
        assert gtin_check_digit(body) == check

    @pytest.mark.parametrize(
        "code",
        [
            "6901234567893",  # last digit off by one
            "036000291453",
            "96385075",
            "",
            "1234567",  # too short
            "10012345678902",  # a valid GTIN-14, not a length the till scans
            "690123456789",  # EAN-13 without its check digit
            "69012345678９2",  # full-width digit
            "６９０１２３４５６７８９２",
            " 6901234567892",
            "6901234567892 ",
            "690123456789a",
            "-01234567892",
            "+901234567892",
        ],
    )
    def test_invalid(self, code: str) -> None:
        assert not is_gtin(code)

    def test_upc_a_is_ean13_with_leading_zero(self) -> None:
        assert is_gtin("0036000291452")
        assert not is_gtin("0036000291453")

    def test_adjacent_transposition_examples(self) -> None:
        # 69|01234567892 -> 96|01234567892 (digits differ by 3): caught.
        assert not is_gtin("9601234567892")
        # 6901|23|4567892 -> 6901|32|4567892: caught.
        assert not is_gtin("6901324567892")
        # No two neighbours in 6901234567892 differ by 5, so every swap is caught.
        code = "6901234567892"
        swaps = [code[:i] + code[i + 1] + code[i] + code[i + 2 :] for i in range(len(code) - 1)]
        assert not any(is_gtin(s) for s in swaps if s != code)
        # The mod-10 scheme's documented blind spot: neighbours differing by 5.
        # 40063|81|333931 -> 40068|31|333931 (3 and 8) still passes.
        assert is_gtin("4006831333931")

    @given(gtins())
    def test_generated_codes_are_valid(self, code: str) -> None:
        assert is_gtin(code)

    @given(gtins(), st.data())
    @settings(max_examples=300)
    def test_any_single_digit_substitution_is_detected(
        self, code: str, data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(0, len(code) - 1), label="position")
        new = data.draw(digits.filter(lambda d: d != code[i]), label="digit")
        assert not is_gtin(code[:i] + new + code[i + 1 :])

    @given(gtins(), st.data())
    @settings(max_examples=300)
    def test_adjacent_transpositions_detected_unless_digits_differ_by_5(
        self, code: str, data: st.DataObject
    ) -> None:
        i = data.draw(st.integers(0, len(code) - 2), label="position")
        a, b = code[i], code[i + 1]
        assume(a != b)
        swapped = code[:i] + b + a + code[i + 2 :]
        assert is_gtin(swapped) == (abs(int(a) - int(b)) == 5)

    @pytest.mark.parametrize("code", REAL_CODES)
    def test_most_adjacent_transpositions_of_real_codes_are_caught(self, code: str) -> None:
        swaps = [
            code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            for i in range(len(code) - 1)
            if code[i] != code[i + 1]
        ]
        missed = [s for s in swaps if is_gtin(s)]
        assert len(missed) * 2 < len(swaps)  # only neighbours differing by 5 slip through


# ---------------------------------------------------------------------------- scale codes


@st.composite
def scale_cases(draw: st.DrawFn) -> tuple[ScaleBarcode, int, int]:
    layout = draw(st.sampled_from(ALL_LAYOUTS))
    item = draw(st.integers(0, 10**layout.item_digits - 1))
    value = draw(st.integers(0, 10**layout.value_digits - 1))
    return layout, item, value


class TestScaleCodes:
    def test_default_layout_example(self) -> None:
        # 2 | 00042 | 01234 | check: item 42, 12.34 yuan.
        code = encode_scale(DEFAULT, 42, 1234)
        assert code == "200042012348"
        assert len(code) == 12
        assert is_gtin(code)
        assert decode_scale(code, (DEFAULT,)) == ScaleCode(42, 1234, "price")

    def test_weight_layout_example(self) -> None:
        code = encode_scale(WEIGHT13, 7, 1250)
        assert code.startswith("2100007") and len(code) == 13 and is_gtin(code)
        assert decode_scale(code, (WEIGHT13,)) == ScaleCode(7, 1250, "weight")

    @given(scale_cases())
    @settings(max_examples=200)
    def test_round_trip(self, case: tuple[ScaleBarcode, int, int]) -> None:
        layout, item, value = case
        code = encode_scale(layout, item, value)
        assert len(code) == len(layout.prefix) + layout.item_digits + layout.value_digits + 1
        assert code.startswith(layout.prefix)
        assert is_gtin(code)
        assert decode_scale(code, (layout,)) == ScaleCode(item, value, layout.value)

    @given(scale_cases(), st.data())
    @settings(max_examples=100)
    def test_corrupted_scale_code_is_bad_check_digit(
        self, case: tuple[ScaleBarcode, int, int], data: st.DataObject
    ) -> None:
        layout, item, value = case
        code = encode_scale(layout, item, value)
        i = data.draw(st.integers(len(layout.prefix), len(code) - 1), label="position")
        bad = code[:i] + data.draw(digits.filter(lambda d: d != code[i])) + code[i + 1 :]
        with pytest.raises(InvalidInput) as exc:
            decode_scale(bad, (layout,))
        assert exc.value.code == "bad_check_digit"

    @pytest.mark.parametrize(("item", "value"), [(100_000, 1), (1, 100_000), (10**9, 10**9)])
    def test_encode_refuses_values_that_do_not_fit(self, item: int, value: int) -> None:
        with pytest.raises(InvalidInput):
            encode_scale(DEFAULT, item, value)

    def test_encode_refuses_negative_values(self) -> None:
        # f"{-1:05d}" is "-0001": the right width, so the fit check passes and the
        # check-digit sum then dies on int("-") with a bare ValueError.
        for item, value in [(-1, 100), (1, -5), (-9999, -9999)]:
            with pytest.raises(InvalidInput):
                encode_scale(DEFAULT, item, value)

    @pytest.mark.parametrize(
        "code",
        [
            "6901234567892",  # 13 digits: not the 12-digit default layout
            "036000291452",  # 12 digits, prefix 0
            "20004201234",  # one digit short
            "2000420123420",  # one digit long
            "2000420123a2",
            "",
        ],
    )
    def test_decode_misses(self, code: str) -> None:
        assert decode_scale(code, (DEFAULT,)) is None

    def test_decode_with_no_layouts(self) -> None:
        assert decode_scale("200042012342", ()) is None

    def test_decode_ignores_non_ascii_digits(self) -> None:
        # Full-width digits are not a scale label; the rest of the module (is_gtin,
        # looks_like_gtin) requires ASCII, but decode_scale only checks isdigit(), so
        # this raises bad_check_digit ("scan again") instead of returning None.
        assert decode_scale("2" + "０" * 10 + "0", (DEFAULT,)) is None

    def test_first_matching_layout_wins(self) -> None:
        layouts = (DEFAULT, WEIGHT13)
        assert decode_scale(encode_scale(DEFAULT, 1, 500), layouts) == ScaleCode(1, 500, "price")
        assert decode_scale(encode_scale(WEIGHT13, 1, 500), layouts) == ScaleCode(1, 500, "weight")


# ---------------------------------------------------------------------------- resolve_scan

APPLE = Product("6901234567892", "Apple", "fresh", Money.parse("5.00"))
BANANA = Product("1001", "Banana", "fresh", Money.parse("12.80"), unit="kg", plu=1)
BEEF = Product("1042", "Beef", "fresh", Money.parse("20.00"), unit="kg", plu=42)
FREEBIE = Product("1043", "Sample", "fresh", Money(0), unit="kg", plu=43)
# Exact codes win, even where the code also decodes as a scale label (or fails its check).
LOOKALIKE = Product("200001001239", "Gift box", "gift", Money.parse("88.00"))
INTERNAL = Product("200001001230", "Shelf tag", "misc", Money.parse("1.00"))
CATALOG = DictCatalog([APPLE, BANANA, BEEF, FREEBIE, LOOKALIKE, INTERNAL])
LAYOUTS = (DEFAULT, WEIGHT13)


def _scan(code: str, qty: Qty | None = None) -> Scanned:
    return resolve_scan(code, qty, CATALOG, LAYOUTS)


def _refused(code: str, qty: Qty | None, error: type[PosError], err_code: str) -> None:
    with pytest.raises(error) as exc:
        _scan(code, qty)
    assert exc.value.code == err_code


class TestResolveScan:
    def test_catalog_code(self) -> None:
        s = _scan("6901234567892")
        assert s == Scanned(APPLE, Qty(1000))
        assert s.label_amount is None and not s.makes_own_line

    def test_catalog_code_with_quantity_and_whitespace(self) -> None:
        assert _scan(" 6901234567892\n", Qty.of(3)) == Scanned(APPLE, Qty(3000))

    def test_weighed_product_by_code_takes_fractional_quantity(self) -> None:
        s = _scan("1001", Qty.parse("0.750"))
        assert s.qty == Qty(750) and s.makes_own_line

    def test_fractional_quantity_on_piece_product(self) -> None:
        _refused("6901234567892", Qty.parse("1.5"), InvalidInput, "invalid_quantity")

    @pytest.mark.parametrize("qty", [Qty(0), Qty(-1000), Qty(-1)])
    @pytest.mark.parametrize("code", ["6901234567892", "1001", "200001001239", "nope"])
    def test_zero_or_negative_quantity(self, code: str, qty: Qty) -> None:
        _refused(code, qty, InvalidInput, "invalid_quantity")

    def test_weight_embedded(self) -> None:
        s = _scan(encode_scale(WEIGHT13, 1, 1250))
        assert s.product == BANANA
        assert s.qty == Qty(1250)  # grams / 1000 = 1.250 kg
        assert s.qty.plain() == "1.250"
        assert s.label_amount is None
        assert s.makes_own_line

    def test_zero_weight_refused(self) -> None:
        _refused(encode_scale(WEIGHT13, 1, 0), None, InvalidInput, "invalid_quantity")

    def test_price_embedded(self) -> None:
        s = _scan(encode_scale(DEFAULT, 42, 1234))
        assert s.product == BEEF
        assert s.label_amount == Money(1234)
        assert s.qty == Qty(617)  # 12.34 / 20.00 per kg = 0.617 kg, shown only
        assert s.makes_own_line

    def test_price_embedded_weight_never_zero(self) -> None:
        assert _scan(encode_scale(DEFAULT, 42, 1)).qty == Qty(1)

    def test_price_embedded_on_zero_priced_product(self) -> None:
        s = _scan(encode_scale(DEFAULT, 43, 500))
        assert s.label_amount == Money(500) and s.qty == Qty(1000)

    def test_scale_code_for_unknown_plu(self) -> None:
        _refused(encode_scale(DEFAULT, 99999, 100), None, NotFound, "unknown_product")
        _refused(encode_scale(WEIGHT13, 2, 100), None, NotFound, "unknown_product")

    def test_scale_code_with_bad_check_digit(self) -> None:
        good = encode_scale(DEFAULT, 42, 1234)
        bad = good[:-1] + str((int(good[-1]) + 1) % 10)
        _refused(bad, None, InvalidInput, "bad_check_digit")

    def test_exact_catalog_code_wins_over_scale_decoding(self) -> None:
        # "200001001239" is also a valid default-layout label: item 1 (Banana), 1.23 yuan.
        assert decode_scale("200001001239", LAYOUTS) == ScaleCode(1, 123, "price")
        assert _scan("200001001239") == Scanned(LOOKALIKE, Qty(1000))
        # ...and an exact code wins even where its check digit is wrong.
        assert _scan("200001001230") == Scanned(INTERNAL, Qty(1000))

    @pytest.mark.parametrize("code", ["6901234567893", "4006381333932", "036000291453", "96385075"])
    def test_bad_check_digit_not_in_catalog(self, code: str) -> None:
        _refused(code, None, InvalidInput, "bad_check_digit")

    @pytest.mark.parametrize(
        "code", ["4006381333931", "036000291452", "96385074", "12345", "苹果", "ABC-123"]
    )
    def test_unknown_product(self, code: str) -> None:
        _refused(code, None, NotFound, "unknown_product")

    @pytest.mark.parametrize(
        "code",
        ["", "   ", "\n\t", "6901234567892\x00", "69012\x1b34567892", "12\t34", "9" * 65],
    )
    def test_garbage_code(self, code: str) -> None:
        _refused(code, None, InvalidInput, "invalid_code")

    def test_long_code_limit(self) -> None:
        _refused("9" * 64, None, NotFound, "unknown_product")

    @given(scale_cases())
    @settings(max_examples=100)
    def test_scale_round_trip_through_resolve(self, case: tuple[ScaleBarcode, int, int]) -> None:
        layout, item, value = case
        assume(value > 0)
        product = Product("P", "Weighed", "fresh", Money.parse("10.00"), unit="kg", plu=item)
        s = resolve_scan(encode_scale(layout, item, value), None, DictCatalog([product]), (layout,))
        assert s.product == product
        if layout.value == "weight":
            assert s.qty == Qty(value) and s.label_amount is None
        else:
            assert s.label_amount == Money(value)
            assert s.qty.milli >= 1


codes = st.one_of(
    st.text(max_size=70),
    st.text("0123456789", min_size=6, max_size=15),
    st.text("012０ \t\x00a", max_size=14),
    st.sampled_from(["6901234567892", "1001", "200001001239", "200001001230"]),
    scale_cases().map(lambda c: encode_scale(*c)),
)
qtys = st.one_of(st.none(), st.integers(-2000, 5000).map(Qty))


@given(codes, qtys)
@settings(max_examples=400)
def test_resolve_scan_returns_or_raises_pos_error(code: str, qty: Qty | None) -> None:
    try:
        s = resolve_scan(code, qty, CATALOG, ALL_LAYOUTS)
    except PosError as e:
        assert isinstance(e, (InvalidInput, NotFound))
        assert e.code in {"invalid_code", "invalid_quantity", "bad_check_digit", "unknown_product"}
    else:
        assert isinstance(s, Scanned)
        assert s.qty.milli > 0
        if not s.product.weighed and s.label_amount is None:
            assert s.qty.milli % 1000 == 0


# ---------------------------------------------------------------------------- UPC-E


@pytest.mark.parametrize(
    ("upce", "upca"),
    [
        ("04252614", "042100005264"),  # last digit 0-2: manufacturer's third digit
        ("04182635", "041800000265"),  # 3
        ("01234565", "012345000065"),  # 5-9
    ],
)
def test_upce_expands_to_its_upca(upce: str, upca: str) -> None:
    got = upce_to_upca(upce)
    assert got == upca and is_gtin(got)
    assert upce_to_upca(upce[:-1] + str((int(upce[-1]) + 1) % 10)) is None  # check digit


@given(st.text("01", min_size=1, max_size=1), st.text("0123456789", min_size=6, max_size=6))
def test_every_upce_with_its_check_digit_expands_to_a_valid_upca(ns: str, six: str) -> None:
    for check in "0123456789":
        got = upce_to_upca(ns + six + check)
        assert (got is not None) == (check == str(gtin_check_digit(_upca_body(ns, six))))
        if got is not None:
            assert is_gtin(got) and len(got) == 12 and got[0] == ns


def _upca_body(ns: str, d: str) -> str:
    last = d[5]
    if last in "012":
        return ns + d[0:2] + last + "0000" + d[2:5]
    if last == "3":
        return ns + d[0:3] + "00000" + d[3:5]
    if last == "4":
        return ns + d[0:4] + "00000" + d[4]
    return ns + d[0:5] + "0000" + last


def test_a_upc_product_is_found_by_its_upce_and_its_ean13_spelling() -> None:
    can = Product("012345000065", "可乐 330ml", "drinks", Money(350))
    ean8 = Product("96385074", "口香糖", "snacks", Money(200))
    catalog = DictCatalog([can, ean8])
    for code in ("012345000065", "0012345000065", "01234565"):
        assert resolve_scan(code, None, catalog, ALL_LAYOUTS).product == can, code
    assert resolve_scan("96385074", None, catalog, ALL_LAYOUTS).product == ean8
    assert equivalent_codes("96385074") == []  # not a UPC-E (number system 9)
    with pytest.raises(NotFound):
        resolve_scan("01234572", None, catalog, ALL_LAYOUTS)  # a valid UPC-E, not stocked
