"""What the checkout screen shows, as plain data: widgets only render it.

Computed from the counter's open sale and the identified member, so the UI, the
customer display and tests read the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from terminal.app.counter import Counter, mask_phone
from terminal.money import ZERO, Money
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules.program import Program
from terminal.rules.rfm import RfmThresholds, Segment, segment
from terminal.store.schema import SaleRow


@dataclass(frozen=True)
class LineRow:
    no: int
    name: str
    qty: str  # "2" or "1.250kg"
    unit_price: Money
    regular: Money
    amount: Money  # after member price / tier discount and promotions, before coupons
    member_price_used: bool
    tier_discount_used: bool
    member_unit: Money | None = None  # the unit price after member price / tier discount
    override_from: Money | None = None  # the unit price before a 改价
    promotions: tuple[tuple[str, Money], ...] = ()  # (name, amount) of each promotion


@dataclass(frozen=True)
class MemberPanel:
    code: str
    masked: str
    name: str
    tier_name: str
    valid_through: date | None
    basis: int  # growth points, points, or fen of spend
    next_tier: str
    next_threshold: int | None
    basis_is_money: bool
    coins: int
    coins_expiring_30d: int
    principal: Money
    gift: Money
    points: int
    coupons_usable: int
    coupons_chosen: str  # the engine's reason, for the cashier
    gifts_waiting: tuple[str, ...]
    segment: Segment
    coin_debt: int
    sv_debt: Money
    status: str
    coupons_why: cp.Why = cp.NO_WHY  # the reason as code and figures, for the screen


@dataclass(frozen=True)
class Screen:
    lines: tuple[LineRow, ...]
    regular_total: Money
    member_savings: Money
    coupons: tuple[tuple[str, Money], ...]
    sale_discount: Money
    due: Money
    member: MemberPanel | None
    held: int

    @property
    def empty(self) -> bool:
        return not self.lines


def qty_text(qty_milli: int, weighed: bool) -> str:
    if weighed:
        return f"{qty_milli // 1000}.{qty_milli % 1000:03d}kg"
    return str(qty_milli // 1000)


def member_unit(price: pr.LinePrice) -> Money | None:
    """The member's unit price (per kg for weighed goods) when it differs from the
    regular one; none for a price-embedded label (its amount is the price)."""
    line = price.line
    if price.member == price.regular or line.label_amount is not None or not line.qty.milli:
        return None
    return Money((price.member.fen * 1000 + line.qty.milli // 2) // line.qty.milli)


def screen(counter: Counter) -> Screen:
    sale = counter.sale
    state = counter.member_state(sale.member) if sale and sale.member else None
    held = len(counter.held())
    if sale is None:
        return Screen((), ZERO, ZERO, (), ZERO, ZERO, None, held)
    priced = counter.priced(state)  # the state just loaded: fold the member once
    rows = tuple(
        LineRow(
            pl.line_no,
            pl.price.line.product.name,
            qty_text(
                pl.price.line.qty.milli,
                pl.price.line.product.weighed or pl.price.line.label_amount is not None,
            ),
            pl.price.line.price_override or pl.price.line.product.price,
            pl.price.regular,
            pl.price.due,
            pl.price.member_price_used,
            pl.price.tier_discount_used,
            member_unit(pl.price),
            pl.price.line.product.price if pl.price.line.price_override is not None else None,
            tuple((t.name, t.amount) for t in pl.price.promotions),
        )
        for pl in priced.lines
    )
    coupons = tuple(
        (c.name, a) for c, a in zip(priced.coupons.coupons, priced.coupons.amounts, strict=True)
    )
    panel = (
        member_panel(counter, state, priced.coupons.reason, priced.coupons.why) if state else None
    )
    return Screen(
        rows,
        priced.regular_total,
        priced.member_savings + priced.promotion_savings,  # all savings before coupons
        coupons,
        priced.sale_discount,
        priced.total_due,
        panel,
        held,
    )


def member_panel(
    counter: Counter, state: m.MemberState, reason: str = "", why: cp.Why = cp.NO_WHY
) -> MemberPanel:
    program, today = counter.program, counter.now.date()
    ladder = program.ladder_for(state.group)
    level = ladder.level(state.tier)
    nxt = next((lv for lv in ladder.levels if ladder.rank(lv.id) > ladder.rank(state.tier)), None)
    usable = [c for c in state.coupons if c.usable_on(today)]
    freq, monetary = purchases_12m(counter, state.code, today)
    return MemberPanel(
        code=state.code,
        masked=mask_phone(state.phone) if state.phone else state.code,
        name=state.name,
        tier_name=level.name if level else "",
        valid_through=state.tier_valid_through,
        basis=state.basis_value(ladder.basis),
        next_tier=nxt.name if nxt else "",
        next_threshold=nxt.threshold if nxt else None,
        basis_is_money=ladder.basis not in ("growth_points", "points_balance"),
        coins=state.coins_on(today),
        coins_expiring_30d=state.coins_expiring(today, today + timedelta(days=30)),
        principal=state.principal,
        gift=state.gift,
        points=state.points,
        coupons_usable=len(usable),
        coupons_chosen=reason or cp.NO_COUPONS.reason,
        coupons_why=why,
        gifts_waiting=tuple(lc.gifts_waiting(state, program, today)),
        segment=segment(
            today=today,
            registered=state.registered,
            last_purchase=state.last_purchase,
            frequency_12m=freq,
            monetary_12m=monetary,
            thresholds=thresholds(counter, program),
            new_member_months=program.rfm.new_member_months,
        ),
        coin_debt=state.coin_debt,
        sv_debt=state.sv_debt,
        status=lc.member_status(state, program, today),
    )


def purchases_12m(counter: Counter, code: str, today: date) -> tuple[int, Money]:
    """Frequency and monetary value over the last 12 months, from this till's sales."""
    since = (today - timedelta(days=365)).isoformat()
    with counter.sessions() as s:
        n, total = s.execute(
            select(func.count(), func.coalesce(func.sum(SaleRow.total_fen), 0)).where(
                SaleRow.member_code == code, SaleRow.at >= since
            )
        ).one()
    return int(n), Money(int(total))


def thresholds(counter: Counter, program: Program) -> RfmThresholds:
    """HQ's medians once synced (settings), else the program's figures."""
    settings = counter.settings()
    freq = int(settings.get("rfm_frequency", program.rfm.frequency_high or 1))
    money = Money(int(settings.get("rfm_monetary_fen", program.rfm.monetary_high.fen or 1)))
    return RfmThresholds(program.rfm.recent_days, freq, money)
