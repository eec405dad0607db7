"""Tiers, expiries, gifts and coin lots: what happens to a member as days pass.

``due_entries`` is a pure function of (state, program, day): a till that was
offline on an expiry day computes exactly what HQ computes (rule book §1.2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from terminal.calendar import add_months, valid_through
from terminal.errors import InvalidInput, RuleViolation
from terminal.money import Money
from terminal.rules import member as m
from terminal.rules import promotions as pm
from terminal.rules.coupons import Coupon
from terminal.rules.program import CouponGift, Program, TierLadder, TierLevel

NewId = Callable[[], str]


def grant_coupons(
    program: Program, gifts: tuple[CouponGift, ...], today: date, origin: str, new_id: NewId
) -> list[m.MemberEntry]:
    out: list[m.MemberEntry] = []
    last = valid_through(today, program.coupon_validity_months)
    for g in gifts:
        t = program.template(g.template)
        for _ in range(g.count):
            out.append(
                m.CouponGranted(
                    Coupon(
                        new_id(),
                        t.name,
                        t.threshold,
                        t.off,
                        last,
                        today,
                        t.categories,
                        "unused",
                        origin,
                    )
                )
            )
    return out


def register(
    program: Program,
    code: str,
    phone: str,
    today: date,
    new_id: NewId,
    *,
    birthday: date | None = None,
    group: bool = False,
    name: str = "",
) -> list[m.MemberEntry]:
    """A new member at the counter: the lowest free tier and the new-member gift."""
    entered = program.entry_min_first_purchase.fen == 0
    out: list[m.MemberEntry] = [m.Registered(code, phone, today, birthday, group, name, entered)]
    ladder = program.ladder_for(group)
    start = ladder.tier_for(0)
    if start is not None:
        out.append(m.TierChanged(start.id, _validity(ladder, today), "registration"))
    if program.points_expiry == "membership_year":
        out.append(m.PointsYearSet(today))
    out += grant_coupons(program, program.registration_gift, today, "registration", new_id)
    return out


def _validity(ladder: TierLadder, start: date) -> date | None:
    return valid_through(start, ladder.validity_months) if ladder.validity_months else None


# ----------------------------------------------------------------------------- expiry


def due_entries(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """Every expiry that has fallen due by ``today``: tier, coin lots, coupons, points."""
    out: list[m.MemberEntry] = []
    steps = (
        _tier_expiry,
        _lot_expiry,
        _year_end_clear,
        _coupon_expiry,
        _points_year_expiry,
        _spend_roll,
        _follow_tier,
    )
    for step in steps:
        new = step(state, program, today)
        state = m.fold(new, state)
        out += new
    return out


def _spend_roll(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """A sale's spend counts toward spend_12m through the day before the same day a year
    later (the rule book's calendar rule), then rolls off."""
    return [
        m.SpendRolledOff(day, amount)
        for day, amount in state.spend_days
        if today > valid_through(day, 12)
    ]


def _follow_tier(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """Where the tier is the basis held (points plan), an expiry can take it down."""
    ladder = program.ladder_for(state.group)
    if ladder.movement != "follow":
        return []
    level = ladder.tier_for(state.basis_value(ladder.basis))
    target = level.id if level else None
    if ladder.rank(target) < ladder.rank(state.tier):
        return [m.TierChanged(target, None, "downgrade")]
    return []


def _lot_expiry(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    return [
        m.CoinLotChanged(lot.id, -lot.coins, "expired")
        for lot in state.coin_lots
        if lot.coins > 0 and lot.last_day is not None and today > lot.last_day
    ]


def _coupon_expiry(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    return [
        m.CouponStateChanged(c.id, "expired", "expired")
        for c in state.coupons
        if c.state == "unused" and today > c.valid_through
    ]


def _tier_expiry(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """Deduct and re-tier at the end of each validity, repeating while overdue (§7)."""
    ladder = program.ladder_for(state.group)
    if ladder.movement != "expiry":
        return []
    out: list[m.MemberEntry] = []
    tier, last, points = state.tier, state.tier_valid_through, state.growth_points
    while last is not None and today > last:
        level = ladder.level(tier)
        deduction = min(points, level.expiry_deduction if level else 0)
        if deduction:
            out.append(m.PointsChanged("growth_points", -deduction, "tier_expiry"))
            points -= deduction
        new = ladder.tier_for(points)
        tier, last = (
            (new.id if new else None),
            valid_through(last + timedelta(days=1), ladder.validity_months),
        )
        out.append(m.TierChanged(tier, last, "expiry"))
    return out


def _year_end_clear(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """Policy ``year_end_clear_percent``: on 31 Dec, clear a share of that year's grants."""
    if program.coin_expiry != "year_end_clear_percent":
        return []
    out: list[m.MemberEntry] = []
    years = sorted({lot.granted.year for lot in state.coin_lots if lot.granted.year < today.year})
    for year in years:
        if year in state.cleared_years:
            continue
        lots = [lot for lot in state.coin_lots if lot.granted.year == year]
        granted = sum(lot.original for lot in lots)
        to_clear = granted * program.year_end_clear_percent // 100
        for lot in lots:
            take = min(lot.coins, to_clear)
            if take:
                out.append(m.CoinLotChanged(lot.id, -take, "year_end_clear"))
                to_clear -= take
        out.append(m.CoinsYearCleared(year))
    return out


def _points_year_expiry(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """Points earned in a membership year expire when that year ends."""
    out: list[m.MemberEntry] = []
    start, points = state.points_year_start, state.points
    while (end := points_expiry_day(program, start)) is not None and today >= end:
        if points:
            out.append(m.PointsChanged("points", -points, "year_expiry"))
            points = 0
        start = end
        out.append(m.PointsYearSet(start))
    return out


def points_expiry_day(program: Program, year_start: date | None) -> date | None:
    """The day the points of the membership year from ``year_start`` expire: its
    anniversary (they are held through the day before). None where they never do:
    the program keeps points (``points_expiry`` never), the member has no year, or
    the anniversary is past the calendar's end. The till's expiry, HQ's due day and
    HQ's forecast all ask this (rule book §3)."""
    if program.points_expiry != "membership_year" or year_start is None:
        return None
    if year_start.year >= date.max.year:
        return None
    return add_months(year_start, 12)


def membership_year_start(registered: date, today: date) -> date:
    """Start of the membership year (registration anniversary) that contains ``today``."""
    years = today.year - registered.year
    start = add_months(registered, 12 * years)
    if start > today:
        start = add_months(registered, 12 * (years - 1))
    return start


# ----------------------------------------------------------------------------- tiers


@dataclass(frozen=True, slots=True)
class Upgrade:
    """Recorded on the sale that caused it, so a return can reverse it (§1.9)."""

    from_tier: str | None
    from_valid_through: date | None
    to_tier: str
    gift_coupons: tuple[str, ...]


def qualifies(state: m.MemberState, ladder: TierLadder, level: TierLevel) -> bool:
    if state.basis_value(ladder.basis) >= level.threshold:
        return True
    return any(
        p.to_tier == level.id
        and state.points >= p.points_at_least
        and ladder.rank(p.from_tier) <= ladder.rank(state.tier)
        for p in ladder.promotions
    )


def retier(
    state: m.MemberState, program: Program, today: date, origin: str, new_id: NewId
) -> tuple[list[m.MemberEntry], Upgrade | None]:
    """Move the tier after a change of its basis: up at once (tiers may be skipped;
    only the reached tier's gift is granted), or both ways where the tier follows."""
    ladder = program.ladder_for(state.group)
    reached = [lv for lv in ladder.levels if qualifies(state, ladder, lv)]
    target = reached[-1] if reached else None
    current = ladder.rank(state.tier)
    target_rank = ladder.rank(target.id if target else None)
    if target_rank > current and target is not None:
        entries: list[m.MemberEntry] = [
            m.TierChanged(target.id, _validity(ladder, today), "upgrade")
        ]
        passed = [lv for lv in ladder.levels[current + 1 : target_rank + 1]]
        gifts = []
        for lv in passed if program.skipped_tier_gifts else [target]:
            gifts += grant_coupons(program, lv.upgrade_gift, today, f"upgrade:{origin}", new_id)
        entries += gifts
        ids = tuple(g.coupon.id for g in gifts if isinstance(g, m.CouponGranted))
        return entries, Upgrade(state.tier, state.tier_valid_through, target.id, ids)
    if target_rank < current and ladder.movement == "follow":
        return [m.TierChanged(target.id if target else None, None, "downgrade")], None
    return [], None


def reassess_tier(state: m.MemberState, program: Program, today: date) -> list[m.MemberEntry]:
    """HQ's monthly re-tiering of a spend ladder (rule book §2, §5, §7: "HQ reassesses
    downgrades on the 1st of each month"): the tier the rolling 12-month spend (or a
    promotion) still reaches, where that is below the tier held. Only downward: the till
    upgrades at the sale, with its gifts. Call it after ``due_entries`` for the same day,
    so the spend that left the window has rolled off."""
    ladder = program.ladder_for(state.group)
    if ladder.reassess != "monthly" or state.tier is None:
        return []
    reached = [lv for lv in ladder.levels if qualifies(state, ladder, lv)]
    target = reached[-1] if reached else None
    if ladder.rank(target.id if target else None) >= ladder.rank(state.tier):
        return []
    valid = _validity(ladder, today) if target else None
    return [m.TierChanged(target.id if target else None, valid, "reassessed", state.spend_12m)]


def reverse_upgrade(state: m.MemberState, program: Program, up: Upgrade) -> list[m.MemberEntry]:
    """A return took the member back below the tier its sale reached: restore the tier
    and valid-through held before, revoke that upgrade's unused gifts (§1.9, §7)."""
    ladder = program.ladder_for(state.group)
    level = ladder.level(up.to_tier)
    if state.tier != up.to_tier or level is None or qualifies(state, ladder, level):
        return []
    out: list[m.MemberEntry] = [m.TierChanged(up.from_tier, up.from_valid_through, "reversal")]
    for cid in up.gift_coupons:
        c = state.coupon(cid)
        if c is not None and c.state == "unused":
            out.append(m.CouponStateChanged(cid, "revoked", "upgrade_reversed"))
    return out


# ----------------------------------------------------------------------------- gifts


def claim_gift(
    state: m.MemberState, program: Program, kind: str, today: date, new_id: NewId
) -> list[m.MemberEntry]:
    """Monthly coupons (days 1-5, once a month, by tier) or the birthday gift (once, in
    the birthday month)."""
    if kind == "monthly":
        first, last = program.monthly_claim_days
        gifts = program.ladder_for(state.group).monthly_gifts(state.tier)
        if not gifts:
            raise RuleViolation("this tier has no monthly coupons", code="no_gift", case="monthly")
        if not first <= today.day <= last:
            raise RuleViolation(
                f"monthly coupons are claimed on days {first}-{last} of the month",
                code="gift_not_claimable",
                case="monthly",
                first=first,
                last=last,
            )
        period = f"{today.year}-{today.month:02d}"
    elif kind == "birthday":
        gifts = program.birthday_gift
        if not gifts:
            raise RuleViolation(
                "this program has no birthday gift to claim", code="no_gift", case="birthday"
            )
        if state.birthday is None or state.birthday.month != today.month:
            raise RuleViolation(
                "the birthday gift is claimed in the birthday month",
                code="gift_not_claimable",
                case="birthday",
            )
        _birthday_on_file(state, program, today)
        period = str(today.year)
    else:
        raise RuleViolation(f"unknown gift {kind!r}", code="unknown_gift", gift=kind)
    if (kind, period) in state.gifts_claimed:
        raise RuleViolation(
            f"the {kind} gift for {period} was already claimed",
            code="gift_already_claimed",
            gift=kind,
            period=period,
        )
    return [
        m.GiftClaimed(kind, period),
        *grant_coupons(program, gifts, today, f"{kind}:{period}", new_id),
    ]


def _birthday_on_file(state: m.MemberState, program: Program, today: date) -> None:
    """The birthday gift needs the birthday on file ``birthday_on_file_days``: a birthday
    typed in at sign-up is not a gift the same day. Only registration records a
    birthday (``Registered``), so it has been on file since the member registered."""
    since = state.registered
    if since is None:  # no date on record: nothing to wait for
        return
    claimable = since + timedelta(days=program.birthday_on_file_days)
    if today < claimable:
        raise RuleViolation(
            f"the birthday gift needs the birthday on file for "
            f"{program.birthday_on_file_days} days: from {claimable.isoformat()}",
            code="gift_not_claimable",
            case="birthday_on_file",
            days=program.birthday_on_file_days,
            date=claimable.isoformat(),
        )


def gifts_waiting(state: m.MemberState, program: Program, today: date) -> list[str]:
    """Gifts the cashier should offer now (shown on the member panel)."""
    waiting = []
    for kind in ("monthly", "birthday"):
        try:
            claim_gift(state, program, kind, today, lambda: "")
        except RuleViolation:
            continue
        waiting.append(kind)
    return waiting


def is_birthday(state: m.MemberState, today: date) -> bool:
    b = state.birthday
    return b is not None and (b.month, b.day) == (today.month, today.day)


# ----------------------------------------------------------------------------- coins


def draw_coins(state: m.MemberState, coins: int, today: date) -> list[tuple[str, int]]:
    """Take coins oldest lot first; the draws are kept so a return puts them back."""
    if coins > state.coins_on(today):
        raise RuleViolation(
            f"only {state.coins_on(today)} coins available, not {coins}",
            code="insufficient_coins",
            have=state.coins_on(today),
            want=coins,
        )
    draws, left = [], coins
    for lot in state.coin_lots:
        if left == 0:
            break
        if lot.live_on(today):
            take = min(lot.coins, left)
            draws.append((lot.id, take))
            left -= take
    return draws


def coin_lot_last_day(program: Program, granted: date) -> date | None:
    if program.coin_expiry == "rolling_months":
        return valid_through(granted, program.coin_expiry_months)
    return None


def sv_split(amount: Money, principal: Money, gift: Money) -> tuple[Money, Money]:
    """Pro rata to the balances, to the fen, principal first on ties (§1.7)."""
    balance = principal.fen + gift.fen
    if balance == 0 or amount.fen == 0:
        return Money(0), Money(0)
    p = Money(amount.fen).times(Fraction(principal.fen, balance))
    return p, amount - p


@dataclass(frozen=True, slots=True)
class Opening:
    """A member's state when a store (or a scenario) starts, as HQ or a setup gives it."""

    code: str
    phone: str = ""
    registered: date | None = None
    birthday: date | None = None
    group: bool = False
    name: str = ""
    tier: str | None = None
    tier_valid_through: date | None = None
    growth_points: int = 0
    points: int = 0
    coin_lots: tuple[tuple[int, date], ...] = ()  # (coins, granted)
    principal: Money = Money(0)
    gift: Money = Money(0)
    coupons: tuple[Coupon, ...] = ()
    spend_12m: Money = Money(0)
    cumulative_spend: Money = Money(0)
    cumulative_recharge: Money = Money(0)


def opening_entries(program: Program, o: Opening, today: date) -> list[m.MemberEntry]:
    """Entries that give a member their opening state; the tier is derived from the
    basis where the setup names none."""
    reg = o.registered or today
    out: list[m.MemberEntry] = [m.Registered(o.code, o.phone, reg, o.birthday, o.group, o.name)]
    if o.growth_points:
        out.append(m.PointsChanged("growth_points", o.growth_points, "opening"))
    if o.points:
        out.append(m.PointsChanged("points", o.points, "opening"))
    for i, (coins, granted) in enumerate(o.coin_lots):
        out.append(
            m.CoinLotGranted(
                f"{o.code}:open{i + 1}",
                coins,
                granted,
                coin_lot_last_day(program, granted),
                "opening",
            )
        )
    if o.principal or o.gift:
        out.append(m.StoredValueChanged(o.principal, o.gift, "opening"))
    out += [m.CouponGranted(c) for c in o.coupons]
    for name, value in (
        ("spend_12m", o.spend_12m),
        ("cumulative_spend", o.cumulative_spend),
        ("cumulative_recharge", o.cumulative_recharge),
    ):
        if value:
            # Opening spend_12m is dated at the setup day: it rolls off a year later.
            day = today if name == "spend_12m" else None
            out.append(m.CounterChanged(name, value, "opening", day))  # type: ignore[arg-type]
    ladder = program.ladder_for(o.group)
    tier = o.tier
    if tier is None:
        level = ladder.tier_for(m.fold(out).basis_value(ladder.basis))
        tier = level.id if level else None
    valid = o.tier_valid_through
    if valid is None and tier is not None and ladder.validity_months:
        valid = valid_through(reg, ladder.validity_months)
    if tier is not None:
        out.append(m.TierChanged(tier, valid, "opening"))
    if program.points_expiry == "membership_year":
        out.append(m.PointsYearSet(membership_year_start(reg, today)))
    return out


def recharge_entries(
    program: Program, state: m.MemberState, amount: Money, today: date, ref: str, new_id: NewId
) -> tuple[list[m.MemberEntry], RechargeGiftGiven]:
    """A stored-value recharge: principal, the gift step it reaches (coins or stored-value
    gift), cumulative recharge, and any tier it unlocks (organic group accounts)."""
    return _recharge(program, state, amount, today, ref, new_id, "recharge")


def _recharge(
    program: Program,
    state: m.MemberState,
    amount: Money,
    today: date,
    ref: str,
    new_id: NewId,
    kind: str,
) -> tuple[list[m.MemberEntry], RechargeGiftGiven]:
    if not program.stored_value:
        raise RuleViolation("this program has no stored value", code="no_stored_value")
    if amount.fen <= 0:
        raise InvalidInput(
            "a recharge must be a positive amount", code="invalid_amount", case="positive"
        )
    offer = recharge_offer(program, state, amount, today)
    gift_value, gift_coins = offer.gift_value, offer.coins
    out: list[m.MemberEntry] = [] if state.entered else [m.Entered(today, kind)]
    out += [
        m.StoredValueChanged(amount, gift_value, f"{kind}:{ref}"),
        m.CounterChanged("cumulative_recharge", amount, f"{kind}:{ref}"),
    ]
    if gift_coins:
        out.append(
            m.CoinLotGranted(
                f"{ref}:coins",
                gift_coins,
                today,
                coin_lot_last_day(program, today),
                f"{kind}_gift:{ref}",
            )
        )
    moves, _ = retier(m.fold(out, state), program, today, ref, new_id)
    out += moves
    return out, RechargeGiftGiven(gift_value, gift_coins, offer.promotions)


def recharge_offer(
    program: Program, state: m.MemberState, amount: Money, today: date
) -> pm.RechargeOffer:
    """The gift a recharge of ``amount`` gets today: the program's standing step, with
    the recharge campaigns (``recharge_gift`` promotions) on that day."""
    step = program.recharge_gift(amount)
    standing = (
        pm.RechargeOffer(step.gift_value, step.coins) if step else pm.RechargeOffer(Money(0), 0)
    )
    if not program.promotions:
        return standing
    days = tuple(r.member_day.weekday for r in program.earn if r.member_day is not None)
    ctx = pm.PromoContext(datetime.combine(today, time()), "", True, state.tier, days)
    return pm.recharge_offer(program.promotions, standing, amount, ctx, program.coin_value)


@dataclass(frozen=True, slots=True)
class RechargeGiftGiven:
    gift_value: Money
    coins: int
    promotions: tuple[pm.PromoTake, ...] = ()  # the campaigns that gave it


# ----------------------------------------------------------------------------- debts


def overdraft_to_debt(state: m.MemberState, ref: str) -> list[m.MemberEntry]:
    """Offline spends at two tills can overdraw a balance once HQ folds both: the
    overdraft becomes a visible debt, never silently dropped (§1.8)."""
    out: list[m.MemberEntry] = []
    for lot in state.coin_lots:
        if lot.coins < 0:
            out.append(m.CoinLotChanged(lot.id, -lot.coins, f"overdraft:{ref}"))
            out.append(m.DebtChanged("coins", -lot.coins, f"overdraft:{ref}"))
    short = -min(state.principal.fen, 0) - min(state.gift.fen, 0)
    if short:
        out.append(
            m.StoredValueChanged(
                Money(-min(state.principal.fen, 0)),
                Money(-min(state.gift.fen, 0)),
                f"overdraft:{ref}",
            )
        )
        out.append(m.DebtChanged("stored_value", short, f"overdraft:{ref}"))
    return out


def repay_debt(state: m.MemberState, today: date, ref: str) -> list[m.MemberEntry]:
    """Settle debts from what the member now holds: coins oldest lot first, stored
    value principal first."""
    out: list[m.MemberEntry] = []
    owed = state.coin_debt
    for lot in state.coin_lots:
        if owed and lot.live_on(today):
            take = min(owed, lot.coins)
            out += [
                m.CoinLotChanged(lot.id, -take, f"debt:{ref}"),
                m.DebtChanged("coins", -take, f"debt:{ref}"),
            ]
            owed -= take
    sv_owed = state.sv_debt.fen
    p = min(sv_owed, state.principal.fen)
    g = min(sv_owed - p, state.gift.fen)
    if p or g:
        out += [
            m.StoredValueChanged(Money(-p), Money(-g), f"debt:{ref}"),
            m.DebtChanged("stored_value", -(p + g), f"debt:{ref}"),
        ]
    return out


# ----------------------------------------------------------------------------- stored value


def sv_refund_entries(state: m.MemberState, ref: str) -> tuple[list[m.MemberEntry], Money]:
    """Refund of stored value: unused principal only; the gift is forfeited (§1.7)."""

    if state.principal.fen <= 0:
        raise RuleViolation("no principal left to refund", code="nothing_to_refund")
    return [
        m.StoredValueChanged(-state.principal, -state.gift, f"sv_refund:{ref}")
    ], state.principal


def card_load_entries(value: Money, ref: str) -> list[m.MemberEntry]:
    """A prepaid card loaded into the account: bought with real money, so principal."""
    return [m.StoredValueChanged(value, Money(0), f"card_load:{ref}")]


def load_card(
    program: Program, state: m.MemberState, value: Money, today: date, ref: str, new_id: NewId
) -> list[m.MemberEntry]:
    """What loading a prepaid card of ``value`` (card number ``ref``) does to a member.

    Where the program says a card load is a recharge (``stored_value.card_load_is_recharge``;
    organic, seed 002: the card's amount is recharged into the account, 充值), it is one in
    every respect: entry (首次充值), cumulative recharge, the recharge gift step it reaches
    and the group tier it unlocks; its entries' reasons name the card load. Otherwise the
    card's value is principal and nothing more. The till and HQ both call this."""
    if not program.card_load_is_recharge:
        return card_load_entries(value, ref)
    entries, _ = _recharge(program, state, value, today, ref, new_id, "card_load")
    return entries


# ----------------------------------------------------------------------------- status


# Seed 002's words for the states (注册、充值、激活、沉睡、消亡), as receipts print them.
STATUS_NAMES = {
    "registered": "注册",
    "recharged": "充值",
    "active": "激活",
    "sleeping": "沉睡",
    "closed": "消亡",
}


def member_status(state: m.MemberState, program: Program, today: date) -> str:
    """registered, recharged, active, sleeping or closed (organic §4; any program).

    closed: the card is blocked. registered: not yet a member proper (organic's entry
    needs a first recharge or a 380.00 purchase), or nothing bought or recharged yet.
    recharged: money in, nothing bought yet. sleeping: no purchase for more than
    ``membership.sleeping_after_days``. active: otherwise."""
    if state.blocked:
        return "closed"
    if not state.entered:
        return "registered"
    if state.last_purchase is None:
        return "recharged" if state.cumulative_recharge.fen > 0 else "registered"
    if (today - state.last_purchase).days > program.sleeping_after_days:
        return "sleeping"
    return "active"
