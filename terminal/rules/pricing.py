"""Pricing a sale: pure ``(lines, member, program, coupons) -> PricedSale``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from terminal.money import ZERO, Money
from terminal.quantity import MILLI, Qty
from terminal.rules import coupons as cp
from terminal.rules import promotions as pm
from terminal.rules.allocation import allocate
from terminal.rules.catalog import Product
from terminal.rules.member import MemberState
from terminal.rules.program import Program


@dataclass(frozen=True, slots=True)
class SaleLine:
    line_no: int  # 1-based, stable for returns
    product: Product
    qty: Qty
    label_amount: Money | None = None  # price-embedded scale code
    price_override: Money | None = None  # manager's unit price (改价): final, no member rules

    @property
    def regular(self) -> Money:
        if self.price_override is not None:
            return self.price_override.scale(self.qty.milli, MILLI)
        if self.label_amount is not None:
            return self.label_amount
        return self.product.price.scale(self.qty.milli, MILLI)


@dataclass(frozen=True, slots=True)
class MemberPricing:
    """What pricing needs to know of the identified member."""

    tier: str | None
    group: bool = False
    birthday_today: bool = False
    entered: bool = True  # organic: not a member until the entry purchase/recharge


@dataclass(frozen=True, slots=True)
class LinePrice:
    line: SaleLine
    regular: Money
    member: Money  # after member price, tier discount and birthday discount
    member_price_used: bool
    tier_discount_used: bool
    # What each promotion took off this line, in the order applied (``promote``)
    promotions: tuple[pm.PromoTake, ...] = ()
    coupon_free: bool = False  # an exclusive promotion's line: no coupon on it
    # The member route's amount when a best_of / exclusive promotion replaced it
    # (``member`` is then the regular amount): a return re-prices kept lines from it
    member_route: Money | None = None
    after: Money | None = None  # after promotions, when any took something (``due``)

    @property
    def category(self) -> str:
        return self.line.product.category

    @property
    def promo(self) -> Money:
        return self.member - self.after if self.after is not None else ZERO

    @property
    def due(self) -> Money:
        """After member pricing and promotions, before coupons."""
        return self.member if self.after is None else self.after


@dataclass(frozen=True, slots=True)
class PricedLine:
    price: LinePrice
    coupon_share: Money
    discount_share: Money  # whole-sale discount (整单折扣)

    @property
    def line_no(self) -> int:
        return self.price.line.line_no

    @property
    def category(self) -> str:
        return self.price.category

    @property
    def net(self) -> Money:
        return self.price.due - self.coupon_share - self.discount_share


@dataclass(frozen=True, slots=True)
class PricedSale:
    lines: tuple[PricedLine, ...]
    coupons: cp.Choice
    sale_discount: Money

    @property
    def regular_total(self) -> Money:
        return Money(sum(pl.price.regular.fen for pl in self.lines))

    @property
    def subtotal(self) -> Money:
        """After member prices, tier discounts and promotions, before coupons."""
        return Money(sum(pl.price.due.fen for pl in self.lines))

    @property
    def member_savings(self) -> Money:
        """Member prices and tier discounts (promotions: ``promotion_savings``)."""
        return self.regular_total - Money(sum(pl.price.member.fen for pl in self.lines))

    @property
    def promotion_savings(self) -> Money:
        return Money(sum(pl.price.promo.fen for pl in self.lines))

    def promotion_totals(self) -> tuple[pm.PromoTake, ...]:
        """Each promotion that applied and what it took off the whole sale, in order."""
        return promotion_totals(t for pl in self.lines for t in pl.price.promotions)

    @property
    def total_due(self) -> Money:
        return Money(sum(pl.net.fen for pl in self.lines))

    def line(self, line_no: int) -> PricedLine:
        return next(pl for pl in self.lines if pl.line_no == line_no)


def member_pricing(state: MemberState, today: date) -> MemberPricing:
    b = state.birthday
    return MemberPricing(
        state.tier,
        state.group,
        b is not None and (b.month, b.day) == (today.month, today.day),
        state.entered,
    )


def price_line(line: SaleLine, member: MemberPricing | None, program: Program) -> LinePrice:
    regular = line.regular
    if line.price_override is not None or member is None or not member.entered:
        return LinePrice(line, regular, regular, False, False)
    p = line.product
    options: list[tuple[Money, str]] = [(regular, "regular")]
    if p.member_price is not None:
        if line.label_amount is None:
            options.append((p.member_price.scale(line.qty.milli, MILLI), "member"))
        elif program.scale_member_price and p.price.fen > 0:
            options.append((regular.scale(p.member_price.fen, p.price.fen), "member"))
    discountable = p.category not in program.no_tier_categories + program.no_earn_categories
    level = program.ladder_for(member.group).level(member.tier)
    if discountable and level is not None and level.discount_percent < 100:
        options.append((regular.scale(level.discount_percent, 100), "tier"))
    if program.member_price_policy == "member_price_first" and len(options) > 1:
        member_opt = [o for o in options if o[1] == "member"]
        amount, how = member_opt[0] if member_opt else min(options, key=lambda o: o[0].fen)
    else:
        amount, how = min(options, key=lambda o: o[0].fen)
    if discountable and member.birthday_today and program.birthday_discount_percent:
        amount = amount.scale(100 - program.birthday_discount_percent, 100)
    return LinePrice(line, regular, amount, how == "member", how == "tier")


def price_lines(
    lines: Sequence[SaleLine], member: MemberPricing | None, program: Program
) -> tuple[LinePrice, ...]:
    return tuple(price_line(ln, member, program) for ln in lines)


def coupon_lines(prices: Sequence[LinePrice]) -> list[tuple[str, int]]:
    """What coupons see: each line after promotions; an exclusive promotion's line 0."""
    return [(lp.category, 0 if lp.coupon_free else lp.due.fen) for lp in prices]


def promo_context(
    program: Program, now: datetime, member: MemberPricing | None, store: str = ""
) -> pm.PromoContext:
    days = tuple(r.member_day.weekday for r in program.earn if r.member_day is not None)
    entered = member is not None and member.entered
    return pm.PromoContext(now, store, entered, member.tier if member else None, days)


def needs_store(program: Program) -> bool:
    """Whether any promotion names stores (only then does pricing need the till's)."""
    return any(r.target.stores for r in program.promotions)


def active_promotions(program: Program, ctx: pm.PromoContext) -> tuple[str, ...]:
    return tuple(r.id for r in pm.active(program.promotions, ctx))


def promo_line(lp: LinePrice) -> pm.PromoLine:
    ln = lp.line
    p, milli, label = ln.product, ln.qty.milli, ln.label_amount is None
    by_piece = label and p.unit != "kg" and milli % MILLI == 0
    plain = ln.price_override is None
    return pm.PromoLine(
        p.code,
        p.category,
        lp.regular.fen,
        lp.member.fen,
        milli // MILLI if by_piece else 0,
        milli if label and plain else 0,
        plain,
    )


def promote(
    prices: Sequence[LinePrice], program: Program, ctx: pm.PromoContext
) -> tuple[LinePrice, ...]:
    """The promotions on at ``ctx`` applied to priced lines (``terminal.rules.promotions``)."""
    if not program.promotions:
        return tuple(prices)
    rules = pm.active(program.promotions, ctx)
    if not rules:
        return tuple(prices)
    results = pm.run(rules, [promo_line(lp) for lp in prices])
    return tuple(_promoted(lp, r) for lp, r in zip(prices, results, strict=True))


def _promoted(lp: LinePrice, r: pm.LineResult) -> LinePrice:
    if not r.takes and not r.base_regular:
        return lp
    off = 0
    made = []
    for rule, a in r.takes:
        made.append(pm.PromoTake(rule.id, rule.name, Money(a)))
        off += a
    takes = tuple(made)
    if not r.base_regular:
        after = Money(lp.member.fen - off)
        return LinePrice(
            lp.line,
            lp.regular,
            lp.member,
            lp.member_price_used,
            lp.tier_discount_used,
            takes,
            r.coupon_free,
            None,
            after,
        )
    after = Money(lp.regular.fen - off)
    return LinePrice(
        lp.line, lp.regular, lp.regular, False, False, takes, r.coupon_free, lp.member, after
    )


def promotion_totals(takes: Iterable[pm.PromoTake]) -> tuple[pm.PromoTake, ...]:
    """Takes summed per promotion, in the order first seen."""
    sums: dict[str, pm.PromoTake] = {}
    for t in takes:
        had = sums.get(t.id)
        sums[t.id] = t if had is None else replace(had, amount=had.amount + t.amount)
    return tuple(sums.values())


def reduce(
    prices: Sequence[LinePrice], choice: cp.Choice = cp.NO_COUPONS, sale_discount: Money = ZERO
) -> PricedSale:
    """Allocate coupons, then a whole-sale discount, to lines to the fen."""
    lines = coupon_lines(prices)
    shares = cp.allocate_to_lines(choice, lines)
    left = [lp.due.fen - s for lp, s in zip(prices, shares, strict=True)]
    discount = min(sale_discount.fen, sum(left))
    dshares = allocate(max(discount, 0), left, left) if discount > 0 else [0] * len(left)
    return PricedSale(
        tuple(
            PricedLine(lp, Money(s), Money(d))
            for lp, s, d in zip(prices, shares, dshares, strict=True)
        ),
        choice,
        Money(max(discount, 0)),
    )


def round_off(amount: Money, mode: str) -> Money:
    """抹零: drop the fen (``jiao``) or the jiao and fen (``yuan``) of a cash total."""
    if mode == "jiao":
        return Money(amount.fen - amount.fen % 10)
    if mode == "yuan":
        return Money(amount.fen - amount.fen % 100)
    return amount


__all__ = [
    "LinePrice",
    "MemberPricing",
    "PricedLine",
    "PricedSale",
    "SaleLine",
    "coupon_lines",
    "member_pricing",
    "price_line",
    "price_lines",
    "promo_context",
    "promote",
    "reduce",
    "round_off",
]
