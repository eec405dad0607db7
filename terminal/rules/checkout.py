"""Settling a paid sale: the member entries it makes and the record a return needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import member as m
from terminal.rules.earning import Earned, EarnInput, earn
from terminal.rules.lifecycle import NewId, Upgrade, coin_lot_last_day, retier
from terminal.rules.pricing import PricedSale, promotion_totals
from terminal.rules.program import Program
from terminal.rules.promotions import PromoTake, PromotionRule
from terminal.rules.tenders import Tender, Tendering


@dataclass(frozen=True, slots=True)
class RecordLine:
    line_no: int
    code: str
    name: str
    category: str
    qty: Qty
    weighed: bool
    unit_price: Money
    regular: Money
    member: Money  # after member price / tier discount
    member_price_used: bool
    coupon_share: Money
    discount_share: Money
    net: Money
    unit_before_override: Money | None = None  # the unit price before a 改价, if any
    promotions: tuple[PromoTake, ...] = ()  # what each promotion took off the line
    member_route: Money | None = None  # member pricing's amount, when a promotion replaced it
    label: bool = False  # a price-embedded scale label (its amount is the label's)

    @property
    def promo(self) -> Money:
        return Money(sum(t.amount.fen for t in self.promotions))


@dataclass(frozen=True, slots=True)
class SaleRecord:
    """A committed sale as the rules remember it (receipts, returns, reports)."""

    sale_id: str
    day: date
    member_code: str | None
    lines: tuple[RecordLine, ...]
    tenders: tuple[Tender, ...]
    change: Money
    coupons: tuple[tuple[str, Money], ...]  # (coupon id, amount off)
    sale_discount: Money
    earned: Earned
    earn_tier: str | None
    coin_lot: str | None
    upgrade: Upgrade | None
    coupons_granted: tuple[str, ...]
    # The promotions that took something off this sale, as they were: a return re-prices
    # the kept lines under them (``returns``), whatever the program says by then
    promotions: tuple[PromotionRule, ...] = ()

    @property
    def regular_total(self) -> Money:
        return Money(sum(ln.regular.fen for ln in self.lines))

    @property
    def subtotal(self) -> Money:
        """After member prices, tier discounts and promotions, before coupons."""
        return Money(sum(ln.member.fen - ln.promo.fen for ln in self.lines))

    @property
    def member_savings(self) -> Money:
        return self.regular_total - Money(sum(ln.member.fen for ln in self.lines))

    def promotion_totals(self) -> tuple[PromoTake, ...]:
        return promotion_totals(t for ln in self.lines for t in ln.promotions)

    @property
    def total_due(self) -> Money:
        return Money(sum(ln.net.fen for ln in self.lines))

    def line(self, line_no: int) -> RecordLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)


NOTHING_EARNED = Earned()


@dataclass(frozen=True, slots=True)
class SaleSettlement:
    entries: tuple[m.MemberEntry, ...]
    record: SaleRecord


def record_lines(priced: PricedSale) -> tuple[RecordLine, ...]:
    out = []
    for pl in priced.lines:
        ln = pl.price.line
        unit = ln.price_override or ln.product.price
        out.append(
            RecordLine(
                ln.line_no,
                ln.product.code,
                ln.product.name,
                ln.product.category,
                ln.qty,
                ln.product.weighed or ln.label_amount is not None,
                unit,
                pl.price.regular,
                pl.price.member,
                pl.price.member_price_used,
                pl.coupon_share,
                pl.discount_share,
                pl.net,
                ln.product.price if ln.price_override is not None else None,
                pl.price.promotions,
                pl.price.member_route,
                ln.label_amount is not None,
            )
        )
    return tuple(out)


def settle_sale(
    program: Program,
    member: m.MemberState | None,
    priced: PricedSale,
    tendering: Tendering,
    today: date,
    sale_id: str,
    new_id: NewId,
) -> SaleSettlement:
    """Everything a paid sale does to its member, as entries, plus its record.

    Order matters and is the rule book's: coupons and tenders are spent, then the sale
    earns on what was paid, then the tier moves on the new balance (upgrade gifts).
    """
    lines = record_lines(priced)
    coupons = tuple(
        (c.id, a) for c, a in zip(priced.coupons.coupons, priced.coupons.amounts, strict=True)
    )

    def record(
        earned: Earned = NOTHING_EARNED,
        lot: str | None = None,
        upgrade: Upgrade | None = None,
        granted: tuple[str, ...] = (),
    ) -> SaleRecord:
        return SaleRecord(
            sale_id,
            today,
            member.code if member else None,
            lines,
            tendering.tenders,
            tendering.change,
            coupons,
            priced.sale_discount,
            earned,
            member.tier if member else None,
            lot,
            upgrade,
            granted,
            used,
        )

    used_ids = {t.id for ln in lines for t in ln.promotions}
    used = tuple(r for r in program.promotions if r.id in used_ids)
    if member is None:
        return SaleSettlement((), record())
    done = member_effects(
        program, member, lines, coupons, tendering, priced.total_due, today, sale_id, new_id
    )
    if done.earned is None:  # not a member yet (organic): nothing earned, nothing counted
        return SaleSettlement(done.entries, record())
    return SaleSettlement(done.entries, record(done.earned, done.lot, done.upgrade, done.granted))


@dataclass(frozen=True, slots=True)
class MemberEffects:
    """What a paid sale does to its member; ``earned`` None: the sale earned nothing
    (an organic member's first purchase below the entry minimum)."""

    entries: tuple[m.MemberEntry, ...]
    earned: Earned | None = None
    lot: str | None = None
    upgrade: Upgrade | None = None
    granted: tuple[str, ...] = ()


def member_effects(
    program: Program,
    member: m.MemberState,
    lines: tuple[RecordLine, ...],
    coupons: tuple[tuple[str, Money], ...],
    tendering: Tendering,
    total_due: Money,
    today: date,
    sale_id: str,
    new_id: NewId,
) -> MemberEffects:
    """The member entries of a paid sale from its record's facts: what the till writes
    and what HQ re-derives from a pushed sale record (``sync.hq.derive``)."""
    entries: list[m.MemberEntry] = [
        m.CouponStateChanged(cid, "used", f"sale:{sale_id}") for cid, _ in coupons
    ]
    entries += tendering.entries
    if not member.entered:
        if total_due < program.entry_min_first_purchase:
            entries.append(m.Purchased(today, total_due))
            return MemberEffects(tuple(entries))
        entries.append(m.Entered(today, f"sale:{sale_id}"))
    paid = EarnInput(
        [(ln.category, ln.net.fen) for ln in lines], tendering.paid(), member.tier, today
    )
    earned = earn(program, paid)
    entries += earned_entries(program, earned, today, sale_id)
    entries.append(m.Purchased(today, total_due))
    moves, upgrade = retier(m.fold(entries, member), program, today, sale_id, new_id)
    entries += moves
    granted = tuple(e.coupon.id for e in moves if isinstance(e, m.CouponGranted))
    lot = f"{sale_id}:coins" if earned.coins else None
    return MemberEffects(tuple(entries), earned, lot, upgrade, granted)


def earned_entries(program: Program, earned: Earned, today: date, ref: str) -> list[m.MemberEntry]:
    out: list[m.MemberEntry] = []
    if earned.growth_points:
        out.append(m.PointsChanged("growth_points", earned.growth_points, f"earned:{ref}"))
    if earned.points:
        out.append(m.PointsChanged("points", earned.points, f"earned:{ref}"))
    if earned.coins:
        out.append(
            m.CoinLotGranted(
                f"{ref}:coins",
                earned.coins,
                today,
                coin_lot_last_day(program, today),
                f"earned:{ref}",
            )
        )
    if earned.tier_spend:
        out.append(m.CounterChanged("spend_12m", earned.tier_spend, f"sale:{ref}", today))
        out.append(m.CounterChanged("cumulative_spend", earned.tier_spend, f"sale:{ref}"))
    return out
