"""A member's state is a fold over the member's ledger entries.

Rules never change a balance directly: they return entries (immutable facts);
``fold`` applies them. The store appends the same entries to its ledger, so every
balance it caches can be re-derived and checked (``pos-terminal verify``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from terminal.money import ZERO, Money
from terminal.rules.coupons import Coupon, CouponState

PointsCurrency = Literal["growth_points", "points"]
Counter = Literal["spend_12m", "cumulative_spend", "cumulative_recharge"]
DebtKind = Literal["coins", "stored_value"]


@dataclass(frozen=True, slots=True)
class CoinLot:
    id: str
    granted: date
    last_day: date | None  # None: never expires
    coins: int  # remaining
    original: int = 0  # as granted (year-end clearing takes a share of the year's grants)

    def live_on(self, today: date) -> bool:
        return self.coins > 0 and (self.last_day is None or today <= self.last_day)


# ----------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class Registered:
    code: str
    phone: str
    on: date
    birthday: date | None = None
    group: bool = False
    name: str = ""
    entered: bool = True  # False where the program needs an entry purchase or recharge


@dataclass(frozen=True, slots=True)
class PointsChanged:
    currency: PointsCurrency
    delta: int
    reason: str


@dataclass(frozen=True, slots=True)
class CoinLotGranted:
    lot_id: str
    coins: int
    granted: date
    last_day: date | None
    reason: str


@dataclass(frozen=True, slots=True)
class CoinLotChanged:
    lot_id: str
    delta: int  # negative: spent, expired, clawed back; positive: refunded
    reason: str


@dataclass(frozen=True, slots=True)
class StoredValueChanged:
    principal: Money
    gift: Money
    reason: str


@dataclass(frozen=True, slots=True)
class CouponGranted:
    coupon: Coupon


@dataclass(frozen=True, slots=True)
class CouponStateChanged:
    coupon_id: str
    state: CouponState
    reason: str


@dataclass(frozen=True, slots=True)
class TierChanged:
    tier: str | None
    valid_through: date | None
    reason: str  # "opening", "registration", "upgrade", "expiry", "reversal", "hq", "reassessed"
    # The rolling 12-month spend a reassessment saw (HQ's monthly re-tiering), so the
    # ledger says why the tier fell; None on other moves and on rows written before.
    spend_seen: Money | None = None


@dataclass(frozen=True, slots=True)
class CounterChanged:
    counter: Counter
    delta: Money
    reason: str
    day: date | None = None  # spend_12m: the sale's day, so it rolls off 12 months later


@dataclass(frozen=True, slots=True)
class SpendRolledOff:
    """A day's spend left the rolling 12-month window."""

    day: date
    amount: Money


@dataclass(frozen=True, slots=True)
class GiftClaimed:
    kind: str  # "monthly" | "birthday"
    period: str  # "2026-10" or "2026"


@dataclass(frozen=True, slots=True)
class PointsYearSet:
    """Start of the membership year the member's points belong to (points expiry)."""

    year_start: date


@dataclass(frozen=True, slots=True)
class CoinsYearCleared:
    year: int


@dataclass(frozen=True, slots=True)
class Purchased:
    on: date
    amount: Money  # negative for a return
    visits: int = 1  # a sale counts 1, a full return -1, a partial return 0


@dataclass(frozen=True, slots=True)
class DebtChanged:
    kind: DebtKind
    delta: int  # coins, or fen of stored value
    reason: str


@dataclass(frozen=True, slots=True)
class Entered:
    """Became a member proper (organic: first recharge or a large first purchase)."""

    on: date
    how: str


@dataclass(frozen=True, slots=True)
class Blocked:
    blocked: bool
    reason: str


MemberEntry = (
    Registered
    | PointsChanged
    | CoinLotGranted
    | CoinLotChanged
    | StoredValueChanged
    | CouponGranted
    | CouponStateChanged
    | TierChanged
    | CounterChanged
    | GiftClaimed
    | PointsYearSet
    | CoinsYearCleared
    | Purchased
    | DebtChanged
    | Blocked
    | Entered
    | SpendRolledOff
)


# ----------------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class MemberState:
    code: str = ""
    phone: str = ""
    name: str = ""
    registered: date | None = None
    birthday: date | None = None
    group: bool = False
    blocked: bool = False
    entered: bool = True
    tier: str | None = None
    tier_valid_through: date | None = None
    growth_points: int = 0
    points: int = 0
    points_year_start: date | None = None
    coin_lots: tuple[CoinLot, ...] = ()
    cleared_years: frozenset[int] = frozenset()
    principal: Money = ZERO
    gift: Money = ZERO
    coupons: tuple[Coupon, ...] = ()
    spend_12m: Money = ZERO
    spend_days: tuple[tuple[date, Money], ...] = ()  # what spend_12m holds, by sale day
    cumulative_spend: Money = ZERO
    cumulative_recharge: Money = ZERO
    gifts_claimed: frozenset[tuple[str, str]] = frozenset()
    first_purchase: date | None = None
    last_purchase: date | None = None
    purchases: int = 0
    coin_debt: int = 0
    sv_debt: Money = ZERO

    def coins_on(self, today: date) -> int:
        return sum(lot.coins for lot in self.coin_lots if lot.live_on(today))

    def coins_expiring(self, today: date, within_last_day: date) -> int:
        return sum(
            lot.coins
            for lot in self.coin_lots
            if lot.live_on(today) and lot.last_day is not None and lot.last_day <= within_last_day
        )

    @property
    def stored_value(self) -> Money:
        return self.principal + self.gift

    def coupon(self, coupon_id: str) -> Coupon | None:
        return next((c for c in self.coupons if c.id == coupon_id), None)

    def lot(self, lot_id: str) -> CoinLot | None:
        return next((lot for lot in self.coin_lots if lot.id == lot_id), None)

    def counter(self, name: Counter) -> Money:
        value: Money = getattr(self, name)
        return value

    def basis_value(self, basis: str) -> int:
        """The number a tier ladder compares with its thresholds."""
        if basis == "growth_points":
            return self.growth_points
        if basis == "points_balance":
            return self.points
        return self.counter(basis).fen  # type: ignore[arg-type]


def apply(state: MemberState, e: MemberEntry) -> MemberState:
    match e:
        case Registered():
            return replace(
                state,
                code=e.code,
                phone=e.phone,
                registered=e.on,
                birthday=e.birthday,
                group=e.group,
                name=e.name,
                entered=e.entered,
            )
        case PointsChanged(currency="growth_points"):
            return replace(state, growth_points=state.growth_points + e.delta)
        case PointsChanged():
            return replace(state, points=state.points + e.delta)
        case CoinLotGranted():
            lot = CoinLot(e.lot_id, e.granted, e.last_day, e.coins, e.coins)
            lots = sorted((*state.coin_lots, lot), key=lambda x: (x.granted, x.id))
            return replace(state, coin_lots=tuple(lots))
        case CoinLotChanged():
            return replace(
                state,
                coin_lots=tuple(
                    replace(lot, coins=lot.coins + e.delta) if lot.id == e.lot_id else lot
                    for lot in state.coin_lots
                ),
            )
        case StoredValueChanged():
            return replace(state, principal=state.principal + e.principal, gift=state.gift + e.gift)
        case CouponGranted():
            return replace(state, coupons=(*state.coupons, e.coupon))
        case CouponStateChanged():
            return replace(
                state,
                coupons=tuple(
                    replace(c, state=e.state) if c.id == e.coupon_id else c for c in state.coupons
                ),
            )
        case TierChanged():
            return replace(state, tier=e.tier, tier_valid_through=e.valid_through)
        case CounterChanged(counter="spend_12m"):
            days = dict(state.spend_days)
            if e.day is not None:
                days[e.day] = days.get(e.day, ZERO) + e.delta
            return replace(
                state, spend_12m=state.spend_12m + e.delta, spend_days=tuple(sorted(days.items()))
            )
        case SpendRolledOff():
            return replace(
                state,
                spend_12m=state.spend_12m - e.amount,
                spend_days=tuple(d for d in state.spend_days if d[0] != e.day),
            )
        case CounterChanged(counter="cumulative_spend"):
            return replace(state, cumulative_spend=state.cumulative_spend + e.delta)
        case CounterChanged():
            return replace(state, cumulative_recharge=state.cumulative_recharge + e.delta)
        case GiftClaimed():
            return replace(state, gifts_claimed=state.gifts_claimed | {(e.kind, e.period)})
        case PointsYearSet():
            return replace(state, points_year_start=e.year_start)
        case CoinsYearCleared():
            return replace(state, cleared_years=state.cleared_years | {e.year})
        case Purchased():
            if e.visits <= 0:
                return replace(state, purchases=state.purchases + e.visits)
            last = max(state.last_purchase, e.on) if state.last_purchase else e.on
            return replace(
                state,
                first_purchase=state.first_purchase or e.on,
                last_purchase=last,
                purchases=state.purchases + e.visits,
            )
        case DebtChanged(kind="coins"):
            return replace(state, coin_debt=state.coin_debt + e.delta)
        case DebtChanged():
            return replace(state, sv_debt=state.sv_debt + Money(e.delta))
        case Blocked():
            return replace(state, blocked=e.blocked)
        case Entered():
            return replace(state, entered=True)
    raise TypeError(f"not a member entry: {e!r}")


def fold(entries: Iterable[MemberEntry], state: MemberState | None = None) -> MemberState:
    s = state or MemberState()
    for e in entries:
        s = apply(s, e)
    return s
