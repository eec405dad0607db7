"""A membership program as data: the one engine's configuration.

Every figure the rule book gives, and everything it marks [decision], lives here
and in the TOML files under ``programs/``; the rules read it, never hard-code it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from terminal.money import Money
from terminal.rules.promotions import PromotionRule as PromotionRule

TierBasis = Literal[
    "growth_points", "points_balance", "spend_12m", "cumulative_spend", "cumulative_recharge"
]
# How the till moves a tier: only up (HQ handles downgrades), up plus expiry at the
# end of each validity, or strictly following the basis both ways.
TierMovement = Literal["up_only", "expiry", "follow"]
# Whether HQ re-tiers the ladder on its basis on the 1st of each month (``pos-hq jobs
# month-end``): the downgrades an ``up_only`` till never makes.
TierReassess = Literal["never", "monthly"]
Stacking = Literal["consume_threshold", "each_on_subtotal", "one_per_sale"]
MemberPricePolicy = Literal["better_of", "member_price_first"]
EarnCurrency = Literal["growth_points", "points", "coins"]
EarnBase = Literal["eligible_net", "paid", "real_money"]
Rounding = Literal["floor", "half_up"]
CoinExpiry = Literal["rolling_months", "year_end_clear_percent", "never"]
PointsExpiry = Literal["never", "membership_year"]
ScaleValue = Literal["price", "weight"]
RoundOff = Literal["none", "jiao", "yuan"]
ClawbackShortfall = Literal["deduct_from_refund", "floor_zero"]

GiftKind = Literal["monthly", "birthday"]
# Tender kinds an earn rule or the tier spend may leave out of its base.
EXCLUDABLE_TENDERS = (
    "cash",
    "card",
    "mobile",
    "stored_value",
    "stored_value_gift",
    "coins",
    "points",
)


@dataclass(frozen=True, slots=True)
class CouponTemplate:
    """A threshold coupon "X off Y" (满X减Y); ``categories`` empty means every line."""

    key: str
    name: str
    threshold: Money
    off: Money
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CouponGift:
    template: str
    count: int


@dataclass(frozen=True, slots=True)
class TierLevel:
    id: str
    name: str
    threshold: int  # in the ladder's basis unit: points, or fen of spend/recharge
    discount_percent: int = 100  # what the member pays of the price: 90 = 10% off
    expiry_deduction: int = 0  # growth points deducted when this tier expires
    upgrade_gift: tuple[CouponGift, ...] = ()
    monthly_gift: tuple[CouponGift, ...] = ()


@dataclass(frozen=True, slots=True)
class TierShortcut:
    """An alternative way up (``[[tiers.promotions]]``): e.g. mall's "2000 points as
    Normal -> Silver". Sale promotions are ``promotions.PromotionRule``."""

    from_tier: str
    to_tier: str
    points_at_least: int


@dataclass(frozen=True, slots=True)
class TierLadder:
    basis: TierBasis
    levels: tuple[TierLevel, ...]  # ascending thresholds
    movement: TierMovement = "up_only"
    validity_months: int = 0  # 0: a tier has no valid-through date
    promotions: tuple[TierShortcut, ...] = ()
    reassess: TierReassess = "never"
    # A tier enjoys the benefits of every tier below it (seed 003: 金卡可享受银卡权益):
    # its monthly coupons are its own plus theirs.
    inherit_benefits: bool = False

    def level(self, tier_id: str | None) -> TierLevel | None:
        return next((lv for lv in self.levels if lv.id == tier_id), None)

    def monthly_gifts(self, tier_id: str | None) -> tuple[CouponGift, ...]:
        """The monthly coupons of ``tier_id``: its own, then (inheriting) each lower
        tier's, highest first."""
        rank = self.rank(tier_id)
        if rank < 0:
            return ()
        below = self.levels[:rank] if self.inherit_benefits else ()
        return tuple(g for lv in (self.levels[rank], *reversed(below)) for g in lv.monthly_gift)

    def rank(self, tier_id: str | None) -> int:
        """-1 for no tier, else the level's index (higher is better)."""
        return next((i for i, lv in enumerate(self.levels) if lv.id == tier_id), -1)

    def tier_for(self, value: int) -> TierLevel | None:
        reached = [lv for lv in self.levels if value >= lv.threshold]
        return reached[-1] if reached else None


@dataclass(frozen=True, slots=True)
class MemberDay:
    weekday: int  # ISO: Monday 1 .. Sunday 7
    multiplier: int


@dataclass(frozen=True, slots=True)
class EarnRule:
    """``round(base x rate / unit)`` of ``currency``, then x the member-day multiplier.

    ``base``: ``eligible_net`` is the net of lines in ``categories`` after every
    reduction; ``paid`` is what the tenders paid less ``exclude_tenders``; ``real_money``
    is cash, card, mobile and stored-value principal. Paid bases are taken on the
    earning share of the sale (lines outside ``no_earn_categories``).
    """

    currency: EarnCurrency
    base: EarnBase
    unit: Money
    rounding: Rounding
    categories: tuple[str, ...] = ()
    minimum_base: Money = Money(0)
    rate: Fraction = Fraction(1)
    tier_rates: tuple[tuple[str, Fraction], ...] = ()
    exclude_tenders: tuple[str, ...] = ("points", "coins")
    member_day: MemberDay | None = None

    def rate_for(self, tier: str | None) -> Fraction:
        return dict(self.tier_rates).get(tier or "", self.rate)


@dataclass(frozen=True, slots=True)
class RechargeGift:
    at_least: Money
    coins: int = 0
    gift_value: Money = Money(0)


@dataclass(frozen=True, slots=True)
class ScaleBarcode:
    """Odoo-style nomenclature for label-scale barcodes (EAN-13 ``2 PPPPP VVVVV C``)."""

    prefix: str
    item_digits: int
    value_digits: int
    value: ScaleValue


@dataclass(frozen=True, slots=True)
class RfmSettings:
    new_member_months: int = 1
    recent_days: int = 30  # a purchase within this many days is "recent"
    frequency_high: int = 0  # purchases in 12 months; 0: HQ's median decides
    monetary_high: Money = Money(0)  # spend in 12 months; 0: HQ's median decides


@dataclass(frozen=True, slots=True)
class VisitBonus:
    visits_at_least: int
    coins: int


@dataclass(frozen=True, slots=True)
class HqGrants:
    """Coins HQ jobs credit (rule book §1.5 "Other grants"); shown at the till after sync."""

    monthly_spend_step: Money = Money(0)  # each time the month's running spend reaches it...
    monthly_spend_coins: int = 0  # ...this many coins, the running total restarting
    visit_min_month_spend: Money = Money(0)
    visit_bonuses: tuple[VisitBonus, ...] = ()  # highest step reached
    visit_merge_hours: int = 24  # purchases within this after a counted visit: same visit
    profile_grants: tuple[tuple[str, int], ...] = ()  # field -> coins, once each
    legacy_points_per_coin: int = 0  # 0: no legacy migration


@dataclass(frozen=True, slots=True)
class Program:
    id: str
    name: str
    coin_name: str
    points_name: str
    # Catalog and pricing
    scale_barcodes: tuple[ScaleBarcode, ...]
    member_price_policy: MemberPricePolicy
    no_earn_categories: tuple[str, ...]
    no_tier_categories: tuple[str, ...]
    scale_member_price: bool
    # Tiers
    tiers: TierLadder
    group_tiers: TierLadder | None
    # Coupons
    stacking: Stacking
    coupon_validity_months: int
    coupon_templates: tuple[CouponTemplate, ...]
    registration_gift: tuple[CouponGift, ...]
    monthly_claim_days: tuple[int, int]
    birthday_gift: tuple[CouponGift, ...]
    birthday_discount_percent: int  # extra off on the birthday itself, after the tier price
    # Earning
    earn: tuple[EarnRule, ...]
    tier_spend_excludes: tuple[str, ...]  # tenders that do not count as spend
    # Currencies
    coin_value: Money
    coin_expiry: CoinExpiry
    coin_expiry_months: int
    year_end_clear_percent: int
    points_redeem_per_yuan: int  # 0: points never pay
    points_expiry: PointsExpiry
    points_clawback: ClawbackShortfall
    coins_clawback: ClawbackShortfall
    # Stored value, cards, returns, offline, cash
    stored_value: bool
    recharge_gifts: tuple[RechargeGift, ...]
    prepaid_card_values: tuple[Money, ...]
    return_manager_above: Money
    offline_spend_limit: Money
    cash_round_off: RoundOff
    entry_min_first_purchase: Money
    sleeping_after_days: int
    skipped_tier_gifts: bool = False  # skipping a tier grants only the reached tier's gift
    # Loading a prepaid card counts as a recharge of its value (entry, cumulative recharge,
    # recharge gifts, group tiers), not only as principal
    card_load_is_recharge: bool = False
    # The member's status (registered, recharged, active, sleeping, closed) is shown on
    # the member panel and printed on the receipt (organic, seed 002)
    show_member_status: bool = False
    app_code_max_age_s: int = 120  # dynamic member QR codes (§6)
    # the birthday gift waits until the birthday has been on file this many days (a
    # birthday typed in at sign-up cannot be claimed the same day)
    birthday_on_file_days: int = 30
    # A line or whole-sale discount a cashier may give without a manager, in percent of
    # what it discounts (0: every 改价 and 整单折扣 needs a manager's PIN)
    cashier_discount_max_percent: int = 0
    hq_grants: HqGrants = field(default_factory=HqGrants)
    rfm: RfmSettings = field(default_factory=RfmSettings)
    # ``[[promotions]]``: sale promotions and recharge campaigns (``rules.promotions``)
    promotions: tuple[PromotionRule, ...] = ()

    def template(self, key: str) -> CouponTemplate:
        return next(t for t in self.coupon_templates if t.key == key)

    def ladder_for(self, group: bool) -> TierLadder:
        return self.group_tiers if group and self.group_tiers is not None else self.tiers

    def recharge_gift(self, amount: Money) -> RechargeGift | None:
        """Gifts are steps: the highest step the amount reaches, one per recharge."""
        reached = [g for g in self.recharge_gifts if amount >= g.at_least]
        return max(reached, key=lambda g: g.at_least) if reached else None

    @property
    def points_pay(self) -> bool:
        return self.points_redeem_per_yuan > 0
