"""Tenders: what pays a sale, in order, and the change (rule book §1.5, §1.7, §7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from terminal.errors import InvalidInput, RuleViolation
from terminal.money import ZERO, Money
from terminal.rules import member as m
from terminal.rules.lifecycle import draw_coins, sv_split
from terminal.rules.program import Program

TenderKind = Literal["cash", "card", "mobile", "stored_value", "coins", "points"]
TENDER_KINDS: tuple[str, ...] = ("cash", "card", "mobile", "stored_value", "coins", "points")
MONEY_KINDS = ("cash", "card", "mobile")


@dataclass(frozen=True, slots=True)
class TenderRequest:
    kind: str
    amount: Money | None = None  # cash, card, mobile, stored value
    coins: int | None = None
    points: int | None = None


@dataclass(frozen=True, slots=True)
class Tender:
    """A tender as applied to the sale. ``amount`` is what it paid (cash net of change)."""

    kind: str
    amount: Money
    tendered: Money  # what the customer handed over (cash before change)
    coins: int = 0
    points: int = 0
    principal: Money = ZERO  # stored value: the two shares
    gift: Money = ZERO
    lots: tuple[tuple[str, int], ...] = ()  # coins drawn, in draw order


@dataclass(frozen=True, slots=True)
class Tendering:
    tenders: tuple[Tender, ...]
    change: Money
    entries: tuple[m.MemberEntry, ...] = field(default=())

    def paid(self) -> dict[str, int]:
        """Paid buckets for earning (see ``earning.EarnInput``)."""
        out: dict[str, int] = {}
        for t in self.tenders:
            if t.kind == "stored_value":
                out["sv_principal"] = out.get("sv_principal", 0) + t.principal.fen
                out["sv_gift"] = out.get("sv_gift", 0) + t.gift.fen
            else:
                out[t.kind] = out.get(t.kind, 0) + t.amount.fen
        return out

    @property
    def member_spend(self) -> Money:
        """Coins and stored value: what the offline limit counts."""
        return Money(sum(t.amount.fen for t in self.tenders if t.kind in ("coins", "stored_value")))


def points_value(program: Program, points: int) -> Money:
    if not program.points_pay:
        raise RuleViolation("points do not pay in this program", code="points_not_payable")
    fen, rest = divmod(points * 100, program.points_redeem_per_yuan)
    if rest:
        raise InvalidInput(
            f"{points} points is not a whole number of fen at "
            f"{program.points_redeem_per_yuan} points a yuan",
            code="invalid_points",
        )
    return Money(fen)


def apply_tenders(
    due: Money,
    requests: Sequence[TenderRequest],
    program: Program,
    member: m.MemberState | None,
    today: date,
    *,
    offline_room: Money | None = None,
) -> Tendering:
    """Apply tenders in order. Only cash gives change; any other tender larger than what
    is still due is refused, and so is a payment that leaves something due."""
    if not requests:
        raise InvalidInput("no tenders given", code="no_tenders")
    still, change = due, ZERO
    state = member
    tenders: list[Tender] = []
    entries: list[m.MemberEntry] = []
    for r in requests:
        if r.kind not in TENDER_KINDS:
            raise InvalidInput(f"unknown tender {r.kind!r}", code="unknown_tender")
        if r.kind in ("coins", "points", "stored_value") and state is None:
            raise RuleViolation(f"{r.kind} needs an identified member", code="member_required")
        if r.kind == "coins":
            if r.coins is None or r.coins <= 0:
                raise InvalidInput("coins must be a positive whole number", code="invalid_coins")
            amount = Money(r.coins * program.coin_value.fen)
            if amount > still:
                raise RuleViolation(
                    f"{r.coins} coins ({amount}) exceed the {still} still due",
                    code="coins_exceed_due",
                )
            assert state is not None
            lots = draw_coins(state, r.coins, today)
            new: list[m.MemberEntry] = [m.CoinLotChanged(lot, -n, "spent") for lot, n in lots]
            tenders.append(Tender("coins", amount, amount, coins=r.coins, lots=tuple(lots)))
        elif r.kind == "points":
            if r.points is None or r.points <= 0:
                raise InvalidInput("points must be a positive whole number", code="invalid_points")
            amount = points_value(program, r.points)
            if amount > still:
                raise RuleViolation(
                    f"{r.points} points exceed the {still} still due", code="points_exceed_due"
                )
            assert state is not None
            if r.points > state.points:
                raise RuleViolation(
                    f"only {state.points} points available", code="insufficient_points"
                )
            new = [m.PointsChanged("points", -r.points, "redeemed")]
            tenders.append(Tender("points", amount, amount, points=r.points))
        else:
            amount = _money(r)
            if r.kind == "cash":
                paid = min(amount, still)
                change += amount - paid
                tenders.append(Tender("cash", paid, amount))
                still -= paid
                continue
            if amount > still:
                raise RuleViolation(
                    f"{r.kind} {amount} exceeds the {still} still due", code="tender_exceeds_due"
                )
            if r.kind == "stored_value":
                assert state is not None
                if not program.stored_value:
                    raise RuleViolation("no stored value in this program", code="no_stored_value")
                if amount > state.stored_value:
                    raise RuleViolation(
                        f"stored value balance is {state.stored_value}",
                        code="insufficient_stored_value",
                    )
                p, g = sv_split(amount, state.principal, state.gift)
                new = [m.StoredValueChanged(-p, -g, "spent")]
                tenders.append(Tender("stored_value", amount, amount, principal=p, gift=g))
            else:
                tenders.append(Tender(r.kind, amount, amount))
                new = []
        if new:
            assert state is not None
            state = m.fold(new, state)
            entries += new
        still -= amount
    if still > ZERO:
        raise RuleViolation(f"{still} still due", code="payment_short")
    result = Tendering(tuple(tenders), change, tuple(entries))
    if offline_room is not None and result.member_spend > offline_room:
        raise RuleViolation(
            f"offline: coins and stored value are limited to {offline_room} more today",
            code="offline_limit",
        )
    return result


def _money(r: TenderRequest) -> Money:
    if r.amount is None or r.amount.fen <= 0:
        raise InvalidInput(f"{r.kind} needs a positive amount", code="invalid_amount")
    return r.amount


def offline_room(program: Program, spent_today: Money) -> Money:
    """What a member may still spend in coins and stored value today while the till is
    offline (§1.8); a standalone till (no HQ) has no such limit and passes None."""
    return Money(max(0, program.offline_spend_limit.fen - spent_today.fen))
