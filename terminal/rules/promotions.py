"""Promotions as program data (``[[promotions]]``): which are on, and what they take.

One engine prices every kind. A sale's lines come in at their member route (member
price or tier discount, ``pricing.price_line``) and go out with what each promotion
took off each line, in whole fen. The order is fixed, so a sale prices the same on
every till and at HQ:

1. **Line offers that stack** (``percent``, ``fixed_price`` with ``stacking = "stack"``),
   by priority (higher first), then id: each on the price the line has so far.
2. **Choices**: every other promotion is an *option* over its target lines --
   a multi-unit offer that stacks (``buy_x_get_y``, ``nth_item``) on the prices of
   step 1; a ``best_of`` one from the regular price (it replaces the member price
   and tier discount) with step 1's stacking line offers on top; an ``exclusive`` one
   from the regular price alone (no member price, no other promotion, no coupon).
   A line takes at most one option. Options whose lines overlap conflict; the set
   of non-conflicting options with the lowest total wins (exactly, by search, for up
   to ``EXACT_OPTIONS`` options in one conflict; beyond that, by priority). An option
   that would not lower its lines' total is never taken, so adding a promotion never
   raises a sale's total before coupons.

Multi-unit offers count whole units of lines sold by the piece: units are taken
most expensive first (ties: the earlier line), and in every run of ``buy + get``
units the last ``get`` are at ``pay_percent`` (0: free); ``nth_item`` puts every
``nth`` unit at ``pay_percent``. The reduction is rounded half up once per group and
spread over the group's lines by the allocation module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import lcm
from typing import Literal

from terminal.money import ZERO, Money, mul_div
from terminal.rules.allocation import allocate

PromoKind = Literal["percent", "fixed_price", "buy_x_get_y", "nth_item", "recharge_gift"]
PromoStacking = Literal["exclusive", "best_of", "stack"]
PromoPer = Literal["product", "target"]
LINE_KINDS = ("percent", "fixed_price")
UNIT_KINDS = ("buy_x_get_y", "nth_item")
EXACT_OPTIONS = 12  # options in one conflict searched exhaustively (2^12 subsets at most)


@dataclass(frozen=True, slots=True)
class PromoTarget:
    """Who, what, when and where a promotion is for; every empty field means "any"."""

    products: tuple[str, ...] = ()  # product codes; with categories: either matches
    categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()  # the member's tier must be one of these
    members_only: bool = False  # an identified (entered) member
    weekdays: tuple[int, ...] = ()  # ISO 1 (Monday) .. 7
    month_days: tuple[int, ...] = ()  # days of the month (organic's monthly 会员日)
    member_day: bool = False  # on the program's member day (``[earn.member_day]``)
    starts: date | None = None
    ends: date | None = None  # inclusive
    from_minute: int = 0  # time of day, minutes after midnight: from <= t < to
    to_minute: int = 1440
    stores: tuple[str, ...] = ()  # the till's ``store`` setting

    def lines_any(self) -> bool:
        return not self.products and not self.categories

    def takes_line(self, code: str, category: str) -> bool:
        if category in self.exclude_categories:
            return False
        return self.lines_any() or code in self.products or category in self.categories


@dataclass(frozen=True, slots=True)
class GiftStep:
    """A recharge campaign's step: recharging at least ``at_least`` gives these."""

    at_least: Money
    coins: int = 0
    gift_value: Money = ZERO


@dataclass(frozen=True, slots=True)
class PromotionRule:
    id: str
    name: str  # printed on the receipt (Chinese)
    kind: PromoKind
    stacking: PromoStacking
    priority: int = 0  # higher applies first; ties by id
    target: PromoTarget = PromoTarget()
    pay_percent: int = 100  # what is paid: the line (percent) or the discounted units
    price: Money = ZERO  # fixed_price: unit price (per kg for goods sold by weight)
    buy: int = 0  # buy_x_get_y
    get: int = 0
    nth: int = 0  # nth_item
    per: PromoPer = "product"  # multi-unit offers count units per product or over the target
    steps: tuple[GiftStep, ...] = ()  # recharge_gift

    @property
    def order(self) -> tuple[int, str]:
        return (-self.priority, self.id)


@dataclass(frozen=True, slots=True)
class PromoTake:
    """What one promotion took off one line (or off a recharge's gift: ``amount`` 0)."""

    id: str
    name: str
    amount: Money


@dataclass(frozen=True, slots=True)
class PromoContext:
    """What decides which promotions are on for a sale."""

    now: datetime
    store: str = ""
    member: bool = False  # an identified member who has entered the program
    tier: str | None = None
    member_days: tuple[int, ...] = ()  # the program's member-day weekdays


def is_on(rule: PromotionRule, ctx: PromoContext) -> bool:
    """The sale-wide part of a target: member, tier, day, time, store."""
    t, now = rule.target, ctx.now
    day = now.date()
    minute = now.hour * 60 + now.minute
    return not (
        (t.members_only and not ctx.member)
        or (t.tiers and (not ctx.member or ctx.tier not in t.tiers))
        or (t.weekdays and day.isoweekday() not in t.weekdays)
        or (t.month_days and day.day not in t.month_days)
        or (t.member_day and day.isoweekday() not in ctx.member_days)
        or (t.starts is not None and day < t.starts)
        or (t.ends is not None and day > t.ends)
        or not (t.from_minute <= minute < t.to_minute)
        or (t.stores and ctx.store not in t.stores)
    )


def active(rules: Sequence[PromotionRule], ctx: PromoContext) -> tuple[PromotionRule, ...]:
    """The sale promotions on now, in the order they apply."""
    on = [r for r in rules if r.kind != "recharge_gift" and is_on(r, ctx)]
    return tuple(sorted(on, key=lambda r: r.order))


# ----------------------------------------------------------------------------- lines


@dataclass(frozen=True, slots=True)
class PromoLine:
    """A line as the engine sees it (``pricing`` and ``returns`` make these)."""

    code: str
    category: str
    regular: int  # fen
    member: int  # fen, the member route (member price / tier discount)
    units: int = 0  # whole units for multi-unit offers; 0: not counted (weighed, label)
    qty_milli: int = 0  # for fixed prices; 0: no fixed price (label, price override)
    eligible: bool = True  # a manager's price override takes no promotion


@dataclass(frozen=True, slots=True)
class LineResult:
    base_regular: bool  # a best_of / exclusive option replaced the member route
    takes: tuple[tuple[PromotionRule, int], ...]  # (promotion, fen) in the order applied
    coupon_free: bool  # an exclusive promotion's line: no coupon on it

    def after(self, line: PromoLine) -> int:
        base = line.regular if self.base_regular else line.member
        return base - sum(a for _, a in self.takes)


NO_RESULT = LineResult(False, (), False)


def _line_offer(rule: PromotionRule, line: PromoLine, amount: int) -> int:
    """What a percent or fixed-price offer leaves of ``amount``."""
    if rule.kind == "percent":
        return mul_div(amount, rule.pay_percent, 100)
    if line.qty_milli <= 0:
        return amount
    return min(amount, mul_div(rule.price.fen, line.qty_milli, 1000))


def _unit_reduction(
    rule: PromotionRule, lines: Sequence[PromoLine], amounts: Sequence[int]
) -> list[int]:
    """A multi-unit offer's reduction per line, its rounded total spread by allocation.

    A line's units all cost the same, so units are walked line by line (most expensive
    unit price first, ties: the earlier line), counting each line's discounted ones. In
    integers: unit prices over the group's common denominator ``lcm(units)``."""
    groups: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.units > 0 and amounts[i] > 0:
            groups.setdefault(ln.code if rule.per == "product" else "", []).append(i)
    out = [0] * len(lines)
    first = rule.nth if rule.kind == "nth_item" else rule.buy + 1  # units to a discounted one
    off = 100 - rule.pay_percent
    for members in groups.values():
        if sum(lines[i].units for i in members) < first or off == 0:
            continue  # too few units for the offer
        den = lcm(*(lines[i].units for i in members))
        order = sorted(members, key=lambda i: (-amounts[i] * (den // lines[i].units), i))
        pos = 0
        weights = []  # exact reduction x den x 100
        for i in order:
            n = lines[i].units
            hit = sum(1 for k in range(pos, pos + n) if _discounted(rule, k))
            pos += n
            weights.append(amounts[i] * hit * off * (den // n))
        scale = den * 100
        total = (2 * sum(weights) + scale) // (2 * scale)  # half up
        if total:
            shares = allocate(total, weights, [amounts[i] for i in order])
            for i, share in zip(order, shares, strict=True):
                out[i] += share
    return out


def _discounted(rule: PromotionRule, pos: int) -> bool:
    if rule.kind == "nth_item":
        return (pos + 1) % rule.nth == 0
    return pos % (rule.buy + rule.get) >= rule.buy


def _reduce(rule: PromotionRule, lines: Sequence[PromoLine], amounts: Sequence[int]) -> list[int]:
    if rule.kind in UNIT_KINDS:
        return _unit_reduction(rule, lines, amounts)
    return [a - _line_offer(rule, ln, a) for ln, a in zip(lines, amounts, strict=True)]


@dataclass
class _Option:
    rule: PromotionRule
    lines: tuple[int, ...]
    takes: dict[int, list[tuple[PromotionRule, int]]]  # per line, what it takes there
    gain: int  # fen the option saves over its lines' step-1 prices


def run(rules: Sequence[PromotionRule], lines: Sequence[PromoLine]) -> tuple[LineResult, ...]:
    """Price ``lines`` under ``rules`` (already known to be on, in ``active`` order)."""
    targets = _targets(rules, lines)
    if not targets:
        return tuple(NO_RESULT for _ in lines)
    stack_line = [r for r in rules if r.stacking == "stack" and r.kind in LINE_KINDS]
    cur = [ln.member for ln in lines]
    takes: list[list[tuple[PromotionRule, int]]] = [[] for _ in lines]
    stacks: dict[int, list[PromotionRule]] = {}  # per line, its stacking line offers
    for r in stack_line:
        for i in targets.get(r.id, ()):
            stacks.setdefault(i, []).append(r)
            left = _line_offer(r, lines[i], cur[i])
            if left < cur[i]:
                takes[i].append((r, cur[i] - left))
                cur[i] = left
    options = [
        o
        for r in rules
        if not (r.stacking == "stack" and r.kind in LINE_KINDS) and r.id in targets
        for o in [_option(r, targets[r.id], lines, cur, stacks)]
        if o.gain > 0
    ]
    chosen = _choose(options)
    out = [LineResult(False, tuple(t), False) for t in takes]
    for o in chosen:
        for i in o.lines:
            base_regular = o.rule.stacking != "stack"
            own = tuple(o.takes[i]) if base_regular else (*takes[i], *o.takes[i])
            out[i] = LineResult(base_regular, own, o.rule.stacking == "exclusive")
    return tuple(out)


def _targets(rules: Sequence[PromotionRule], lines: Sequence[PromoLine]) -> dict[str, list[int]]:
    by_code: dict[str, list[int]] = {}
    by_cat: dict[str, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.eligible:
            by_code.setdefault(ln.code, []).append(i)
            by_cat.setdefault(ln.category, []).append(i)
    every = [i for i, ln in enumerate(lines) if ln.eligible]
    out: dict[str, list[int]] = {}
    for r in rules:
        t = r.target
        if t.lines_any():
            found = every
        else:
            hit = {i for c in t.products for i in by_code.get(c, ())}
            hit.update(i for c in t.categories for i in by_cat.get(c, ()))
            found = sorted(hit)
        if t.exclude_categories:
            found = [i for i in found if lines[i].category not in t.exclude_categories]
        if found:
            out[r.id] = found
    return out


def _option(
    rule: PromotionRule,
    idx: list[int],
    lines: Sequence[PromoLine],
    cur: list[int],
    stacks: dict[int, list[PromotionRule]],
) -> _Option:
    mine = [lines[i] for i in idx]
    before = sum(cur[i] for i in idx)
    if rule.stacking == "stack":  # a multi-unit offer on step 1's prices
        red = _reduce(rule, mine, [cur[i] for i in idx])
        takes = {i: [(rule, r)] if r else [] for i, r in zip(idx, red, strict=True)}
        return _Option(rule, tuple(idx), takes, sum(red))
    amounts = [ln.regular for ln in mine]
    red = _reduce(rule, mine, amounts)
    takes = {}
    after = 0
    for i, a, r in zip(idx, amounts, red, strict=True):
        # every line the choice governs names it, even at 0 (its units paid for the
        # offer; it gave up its member price, and with ``exclusive`` its coupons)
        own: list[tuple[PromotionRule, int]] = [(rule, r)]
        left = a - r
        if rule.stacking == "best_of":  # step 1's stacking offers go on top
            for s in stacks.get(i, ()):
                nxt = _line_offer(s, lines[i], left)
                if nxt < left:
                    own.append((s, left - nxt))
                    left = nxt
        takes[i] = own
        after += left
    return _Option(rule, tuple(idx), takes, before - after)


def _choose(options: list[_Option]) -> list[_Option]:
    """The non-overlapping options that save the most (ties: the earlier in order)."""
    chosen: list[_Option] = []
    for comp in _conflicts(options):
        if len(comp) == 1:
            chosen += comp
        elif len(comp) <= EXACT_OPTIONS:
            chosen += _best_set(comp)
        else:
            taken: set[int] = set()
            for o in comp:
                if taken.isdisjoint(o.lines):
                    chosen.append(o)
                    taken.update(o.lines)
    return chosen


def _conflicts(options: list[_Option]) -> list[list[_Option]]:
    """Options grouped by shared lines (connected components), each in rule order."""
    parent = list(range(len(options)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[int, int] = {}
    for k, o in enumerate(options):
        for i in o.lines:
            if i in owner:
                parent[find(k)] = find(owner[i])
            else:
                owner[i] = k
    comps: dict[int, list[_Option]] = {}
    for k, o in enumerate(options):
        comps.setdefault(find(k), []).append(o)
    return list(comps.values())


def _best_set(comp: list[_Option]) -> list[_Option]:
    best: tuple[int, list[_Option]] = (0, [])

    def search(k: int, taken: frozenset[int], picked: list[_Option], gain: int) -> None:
        nonlocal best
        if gain > best[0]:
            best = (gain, list(picked))
        for j in range(k, len(comp)):
            o = comp[j]
            if taken.isdisjoint(o.lines):
                picked.append(o)
                search(j + 1, taken | frozenset(o.lines), picked, gain + o.gain)
                picked.pop()

    search(0, frozenset(), [], 0)
    return best[1]


# ----------------------------------------------------------------------------- recharges


@dataclass(frozen=True, slots=True)
class RechargeOffer:
    gift_value: Money
    coins: int
    promotions: tuple[PromoTake, ...] = ()  # the campaigns that gave it (amount: gift value)


def recharge_offer(
    rules: Sequence[PromotionRule],
    standing: RechargeOffer,
    amount: Money,
    ctx: PromoContext,
    coin_value: Money,
) -> RechargeOffer:
    """A recharge's gift: the program's standing step, then each campaign on today by
    priority: ``stack`` adds its step, ``best_of`` keeps the more valuable (coins at
    their value; ties keep what was there), ``exclusive`` gives its step alone."""
    acc = standing
    for r in sorted(
        (r for r in rules if r.kind == "recharge_gift" and is_on(r, ctx)), key=lambda r: r.order
    ):
        reached = [s for s in r.steps if amount >= s.at_least]
        if not reached:
            continue
        step = max(reached, key=lambda s: s.at_least)
        take = PromoTake(r.id, r.name, step.gift_value + coin_value.scale(step.coins, 1))
        mine = RechargeOffer(step.gift_value, step.coins, (take,))
        if r.stacking == "exclusive":
            return mine
        if r.stacking == "best_of":
            if _value(mine, coin_value) > _value(acc, coin_value):
                acc = mine
        else:
            acc = RechargeOffer(
                acc.gift_value + step.gift_value, acc.coins + step.coins, (*acc.promotions, take)
            )
    return acc


def _value(o: RechargeOffer, coin_value: Money) -> int:
    return o.gift_value.fen + o.coins * coin_value.fen
