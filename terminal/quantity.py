"""Quantities in thousandths: pieces (1.000) or kilograms of weighed goods (1.250)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from terminal.errors import InvalidInput

MILLI = 1000
_QTY = re.compile(r"^([0-9]{1,7})(?:\.([0-9]{1,3}))?$")


@dataclass(frozen=True, order=True, slots=True)
class Qty:
    milli: int

    @classmethod
    def parse(cls, text: str) -> Qty:
        m = _QTY.match(text.strip()) if isinstance(text, str) else None
        if m is None:
            raise InvalidInput(f"not a quantity: {text!r}", code="invalid_quantity", text=str(text))
        whole, frac = m.groups()
        return cls(int(whole) * MILLI + int((frac or "0").ljust(3, "0")))

    @classmethod
    def of(cls, units: int) -> Qty:
        return cls(units * MILLI)

    def fraction(self) -> Fraction:
        return Fraction(self.milli, MILLI)

    def plain(self) -> str:
        q, r = divmod(self.milli, MILLI)
        return f"{q}.{r:03d}"

    def is_whole(self) -> bool:
        return self.milli % MILLI == 0

    def __add__(self, other: Qty) -> Qty:
        return Qty(self.milli + other.milli)

    def __sub__(self, other: Qty) -> Qty:
        return Qty(self.milli - other.milli)


ONE = Qty(MILLI)
