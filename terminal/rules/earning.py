"""Earning points, growth points and coins from a sale (rule book §1.1, §1.5, §2-§5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from terminal.money import Money, round_half_up
from terminal.rules.program import EarnRule, Program

REAL_MONEY = ("cash", "card", "mobile", "sv_principal")
# Tender kinds an earn rule may exclude, and the paid buckets each covers.
_BUCKETS = {
    "cash": ("cash",),
    "card": ("card",),
    "mobile": ("mobile",),
    "stored_value": ("sv_principal", "sv_gift"),
    "stored_value_gift": ("sv_gift",),
    "coins": ("coins",),
    "points": ("points",),
}


@dataclass(frozen=True, slots=True)
class EarnInput:
    """What earning depends on; a return recomputes it for the kept part of a sale."""

    lines: Sequence[tuple[str, int]]  # (category, net fen after every reduction)
    paid: Mapping[
        str, int
    ]  # cash (net of change), card, mobile, sv_principal, sv_gift, coins, points
    tier: str | None  # the tier held before the sale
    day: date


@dataclass(frozen=True, slots=True)
class Earned:
    growth_points: int = 0
    points: int = 0
    coins: int = 0
    tier_spend: Money = Money(0)  # what counts toward spend-based tiers

    def minus(self, other: Earned) -> Earned:
        return Earned(
            self.growth_points - other.growth_points,
            self.points - other.points,
            self.coins - other.coins,
            self.tier_spend - other.tier_spend,
        )


def _paid(inp: EarnInput, excluded: Sequence[str]) -> int:
    skip = {b for kind in excluded for b in _BUCKETS.get(kind, (kind,))}
    return sum(v for k, v in inp.paid.items() if k not in skip)


def _share(inp: EarnInput, outside: Sequence[str], only: Sequence[str] = ()) -> Fraction:
    """The part of the sale's net on lines that earn (packages, shipping... do not)."""
    whole = sum(net for _, net in inp.lines)
    if whole <= 0:
        return Fraction(0)
    part = sum(net for cat, net in inp.lines if cat not in outside and (not only or cat in only))
    return Fraction(part, whole)


def _base(rule: EarnRule, inp: EarnInput, program: Program) -> Fraction:
    if rule.base == "eligible_net":
        return Fraction(
            sum(
                net
                for cat, net in inp.lines
                if cat not in program.no_earn_categories
                and (not rule.categories or cat in rule.categories)
            )
        )
    share = _share(inp, program.no_earn_categories, rule.categories)
    if rule.base == "real_money":
        return sum((Fraction(inp.paid.get(k, 0)) for k in REAL_MONEY), Fraction(0)) * share
    return _paid(inp, rule.exclude_tenders) * share


def earn_one(rule: EarnRule, inp: EarnInput, program: Program) -> int:
    base = _base(rule, inp, program)
    if base <= 0 or base < rule.minimum_base.fen:
        return 0
    x = base * rule.rate_for(inp.tier) / rule.unit.fen
    amount = round_half_up(x) if rule.rounding == "half_up" else int(x.__floor__())
    md = rule.member_day
    if md is not None and inp.day.isoweekday() == md.weekday:
        amount *= md.multiplier
    return max(amount, 0)


def earn(program: Program, inp: EarnInput) -> Earned:
    totals = {"growth_points": 0, "points": 0, "coins": 0}
    for rule in program.earn:
        totals[rule.currency] += earn_one(rule, inp, program)
    outside = program.no_earn_categories + program.no_tier_categories
    spend = _paid(inp, program.tier_spend_excludes) * _share(inp, outside)
    return Earned(
        totals["growth_points"], totals["points"], totals["coins"], Money(int(spend.__floor__()))
    )
