"""Retail barcodes: GTIN check digits and label-scale (price/weight embedded) codes."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.errors import InvalidInput
from terminal.rules.program import ScaleBarcode, ScaleValue

GTIN_LENGTHS = (8, 12, 13)  # EAN-8, UPC-A, EAN-13
# Label scales sold in China print EAN-13 in-store codes: a 2-digit prefix 20-29 (GS1's
# restricted-circulation range), a 5-digit PLU, a 5-digit value and the check digit.
SCALE_PREFIXES = tuple(f"2{d}" for d in range(10))


def ean13_scale_layouts(
    prefixes: tuple[str, ...] = SCALE_PREFIXES, value: ScaleValue = "price"
) -> tuple[ScaleBarcode, ...]:
    """The EAN-13 label layouts ``PP IIIII VVVVV C``, one per prefix (a program without
    ``scale_barcodes`` reads price labels on every prefix 20-29)."""
    return tuple(ScaleBarcode(prefix, 5, 5, value) for prefix in prefixes)


def gtin_check_digit(body: str) -> int:
    """Check digit for a GTIN body (all digits but the last), weights 3,1 from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_gtin(code: str) -> bool:
    """True for a syntactically valid EAN-8, UPC-A or EAN-13 with a correct check digit."""
    return (
        len(code) in GTIN_LENGTHS
        and code.isascii()
        and code.isdigit()
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )


def looks_like_gtin(code: str) -> bool:
    """All digits and a GTIN length: a failed check digit on such a code is misreading."""
    return len(code) in GTIN_LENGTHS and code.isascii() and code.isdigit()


def with_check_digit(body: str) -> str:
    return body + str(gtin_check_digit(body))


def upce_to_upca(code: str) -> str | None:
    """The UPC-A a zero-suppressed UPC-E stands for (8 digits: number system 0 or 1, six
    digits, the UPC-A's check digit), or None when ``code`` is not a valid UPC-E."""
    if len(code) != 8 or not (code.isascii() and code.isdigit()) or code[0] not in "01":
        return None
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = ns + d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = ns + d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = ns + d[0:4] + "00000" + d[4]
    else:
        body = ns + d[0:5] + "0000" + last
    return body + check if gtin_check_digit(body) == int(check) else None


def equivalent_codes(code: str) -> list[str]:
    """Other spellings of the same GTIN a catalog may hold: a UPC-A with and without the
    leading zero of its EAN-13 form (scanners send either), and a UPC-E's UPC-A."""
    out: list[str] = []
    upca = upce_to_upca(code)
    if upca is not None:
        out += [upca, "0" + upca]
    elif len(code) == 12 and is_gtin(code):
        out.append("0" + code)
    elif len(code) == 13 and code.startswith("0") and is_gtin(code):
        out.append(code[1:])
    return out


@dataclass(frozen=True, slots=True)
class ScaleCode:
    """What a label-scale barcode carries: the item number and a price (fen) or weight (g)."""

    item: int
    value: int
    kind: str  # "price" | "weight"


def decode_scale(code: str, layouts: tuple[ScaleBarcode, ...]) -> ScaleCode | None:
    """Decode ``code`` with the first matching layout, or None if none matches.

    A matching layout with a bad check digit is an error, not a miss: the scale
    printed it, the scanner misread it.
    """
    for lay in layouts:
        length = len(lay.prefix) + lay.item_digits + lay.value_digits + 1
        if len(code) != length or not code.startswith(lay.prefix) or not _ascii_digits(code):
            continue
        if not is_gtin(code):
            raise InvalidInput(
                f"check digit wrong on scale code {code}",
                code="bad_check_digit",
                case="scale",
                barcode=code,
            )
        i = len(lay.prefix)
        item = int(code[i : i + lay.item_digits])
        value = int(code[i + lay.item_digits : i + lay.item_digits + lay.value_digits])
        return ScaleCode(item, value, lay.value)
    return None


def _ascii_digits(code: str) -> bool:
    return code.isascii() and code.isdigit()


def encode_scale(layout: ScaleBarcode, item: int, value: int) -> str:
    """The code a label scale would print (for demo data and tests)."""
    if not (0 <= item < 10**layout.item_digits and 0 <= value < 10**layout.value_digits):
        raise InvalidInput(
            f"item {item} or value {value} does not fit the layout",
            code="invalid_input",
            item=item,
            value=value,
        )
    body = f"{layout.prefix}{item:0{layout.item_digits}d}{value:0{layout.value_digits}d}"
    return with_check_digit(body)
