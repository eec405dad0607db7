"""Split an amount over lines to the fen: largest remainder, ties to the earlier line."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from terminal.errors import RuleViolation
from terminal.money import Money


def allocate(
    total: int, weights: Sequence[Fraction | int], caps: Sequence[int] | None = None
) -> list[int]:
    """Shares of ``total`` pro rata to ``weights``; they sum to ``total`` exactly.

    No share exceeds its cap (a line's net, so a reduction never makes a line
    negative): shares that would are fixed at the cap and the rest is spread again
    over the others; what narrow weights cannot take goes by spare capacity.
    """
    n = len(weights)
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocate needs a non-negative total and weights")
    limits = list(caps) if caps is not None else [total] * n
    if sum(limits) < total:
        raise RuleViolation(
            f"cannot spread {total} over lines worth {sum(limits)}",
            code="over_allocation",
            total=Money(total),
            limit=Money(sum(limits)),
        )
    fast = _integer_shares(total, weights, limits)
    if fast is not None:
        return fast
    exact = [Fraction(0)] * n
    w = [Fraction(x) for x in weights]
    free = [i for i in range(n) if limits[i] > 0 and w[i] > 0]
    remaining = Fraction(total)
    while free and remaining:
        w_sum = sum(w[i] for i in free)
        over = {i for i in free if remaining * w[i] / w_sum > limits[i]}
        if not over:
            for i in free:
                exact[i] = remaining * w[i] / w_sum
            remaining = Fraction(0)
            break
        for i in over:
            exact[i] = Fraction(limits[i])
            remaining -= limits[i]
        free = [i for i in free if i not in over]
    if remaining:
        spare = [limits[i] - exact[i] for i in range(n)]
        s = sum(spare)
        exact = [exact[i] + remaining * spare[i] / s for i in range(n)]
    shares = [int(e) for e in exact]
    short = total - sum(shares)
    for i in sorted(range(n), key=lambda i: (-(exact[i] - shares[i]), i))[:short]:
        shares[i] += 1
    return shares


def _integer_shares(
    total: int, weights: Sequence[Fraction | int], limits: list[int]
) -> list[int] | None:
    """The common case in integers: integer weights and no share over its cap."""
    if not all(isinstance(w, int) for w in weights):
        return None
    w = [int(x) if lim > 0 else 0 for x, lim in zip(weights, limits, strict=True)]
    w_sum = sum(w)
    if w_sum == 0:
        return None
    shares, rems = [], []
    for x in w:
        q, r = divmod(total * x, w_sum)
        shares.append(q)
        rems.append(r)
    short = total - sum(shares)
    for i in sorted(range(len(w)), key=lambda i: (-rems[i], i))[:short]:
        shares[i] += 1
    if any(s > lim for s, lim in zip(shares, limits, strict=True)):
        return None
    return shares
