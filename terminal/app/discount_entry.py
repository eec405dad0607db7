"""What a cashier types for a discount: "9折", "8.5折", "15%" or an amount in yuan.

Chinese counters speak of 折 (tenths of the price paid: 9折 pays 90%, so 10% off);
a percentage is the part taken off. Pure parsing: the counter applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from terminal.errors import InvalidInput
from terminal.money import Money


@dataclass(frozen=True, slots=True)
class DiscountEntry:
    percent_off: int | None = None  # "9折" -> 10, "15%" -> 15
    amount: Money | None = None  # "5" / "5.00" (a new unit price, or an amount off)

    def describe(self) -> str:
        """As the audit and the slip say it: 9折 stays 9折, an amount ¥x.xx."""
        if self.percent_off is not None:
            paid = 100 - self.percent_off
            return f"{paid // 10}{'.' + str(paid % 10) if paid % 10 else ''}折"
        assert self.amount is not None
        return f"¥{self.amount.plain()}"


def percent_of(m: Money, percent: int) -> Money:
    """``percent`` of ``m``, rounded half up to the fen: what a 9折 (10) takes off, the
    counter's and the screen's one arithmetic."""
    if not 0 < percent <= 100:
        raise InvalidInput(
            f"a discount is 1-100 percent, not {percent}", code="invalid_percent", percent=percent
        )
    return Money((m.fen * percent + 50) // 100)


def parse_discount(text: str) -> DiscountEntry:
    """Parse a typed discount; anything else is refused (``invalid_discount``)."""
    t = text.strip().replace("％", "%").replace(" ", "")
    try:
        if t.endswith("折"):
            tenths = _tenths(t[:-1])  # "8.5" -> 85 (percent paid)
            if 0 < tenths < 100:
                return DiscountEntry(percent_off=100 - tenths)
        elif t.endswith("%"):
            off = int(t[:-1])
            if 0 < off <= 100:
                return DiscountEntry(percent_off=off)
        elif t:
            amount = Money.parse(t)
            if amount.fen >= 0:
                return DiscountEntry(amount=amount)
    except (ValueError, InvalidInput):
        pass
    raise InvalidInput(
        f"not a discount: {text!r} (9折, 15% or an amount)", code="invalid_discount", text=text
    )


def _tenths(t: str) -> int:
    """ "9" -> 90, "8.5" -> 85, "85" -> 85 (spoken 八五折)."""
    if "." in t:
        whole, frac = t.split(".", 1)
        if len(frac) != 1 or not (whole.isdigit() and frac.isdigit()):
            raise ValueError(t)
        return int(whole) * 10 + int(frac)
    if not t.isdigit():
        raise ValueError(t)
    n = int(t)
    if n == 10:  # "10折" is the full price: nothing to take off
        raise ValueError(t)
    return n * 10 if n < 10 else n
