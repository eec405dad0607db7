"""Money as integer fen, and the one place amounts are parsed and formatted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from terminal.errors import InvalidInput

FEN_PER_YUAN: Final = 100
_AMOUNT = re.compile(r"^(-)?([0-9]{1,12})(?:\.([0-9]{1,2}))?$")


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in fen (1 yuan = 100 fen). Never a float."""

    fen: int

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError(f"Money needs integer fen, got {self.fen!r}")

    @classmethod
    def parse(cls, text: str) -> Money:
        """Parse a yuan amount written as "12.50", "12.5", "12" or "-3.00"."""
        m = _AMOUNT.match(text.strip()) if isinstance(text, str) else None
        if m is None:
            raise InvalidInput(
                f"not an amount in yuan: {text!r}", code="invalid_amount", text=str(text)
            )
        sign, yuan, frac = m.groups()
        fen = int(yuan) * FEN_PER_YUAN + int((frac or "0").ljust(2, "0"))
        return cls(-fen if sign else fen)

    @classmethod
    def yuan(cls, whole: int) -> Money:
        return cls(whole * FEN_PER_YUAN)

    def plain(self) -> str:
        """'12.50' / '-3.00': the scenario and wire format."""
        sign = "-" if self.fen < 0 else ""
        q, r = divmod(abs(self.fen), FEN_PER_YUAN)
        return f"{sign}{q}.{r:02d}"

    def __str__(self) -> str:
        """'¥12.50' for screens; receipts choose their own yuan sign."""
        return f"-¥{(-self).plain()}" if self.fen < 0 else f"¥{self.plain()}"

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __bool__(self) -> bool:
        return self.fen != 0

    def times(self, factor: Fraction | int) -> Money:
        """Multiply and round half up to the fen (half away from zero)."""
        if isinstance(factor, int):
            return Money(self.fen * factor)
        return Money(mul_div(self.fen, factor.numerator, factor.denominator))

    def scale(self, num: int, den: int) -> Money:
        """``self x num / den``, rounded half up to the fen: prices x quantities, rates."""
        return Money(mul_div(self.fen, num, den))


ZERO: Final = Money(0)


def round_half_up(x: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (12.5 -> 13, -12.5 -> -13)."""
    if x >= 0:
        return int((x + Fraction(1, 2)).__floor__())
    return -int((-x + Fraction(1, 2)).__floor__())


def mul_div(a: int, num: int, den: int) -> int:
    """``a x num / den`` rounded half away from zero, in integers (the hot path)."""
    if den <= 0:
        raise ValueError("denominator must be positive")
    n = a * num
    q, r = divmod(abs(n), den)
    if 2 * r >= den:
        q += 1
    return q if n >= 0 else -q


def total(amounts: list[Money] | tuple[Money, ...]) -> Money:
    return Money(sum(a.fen for a in amounts))
