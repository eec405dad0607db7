"""Tenders: what pays a sale, in order, and the change (rule book §1.5, §1.7, §7)."""

from __future__ import annotations

import math
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
    ref: str = ""  # mobile: the customer's payment code (付款码) the provider charged


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
    ref: str = ""  # mobile: the payment code charged (a sale recorded before has none)

    @property
    def masked_ref(self) -> str:
        """The payment code as a receipt prints it: "1301**********1234"."""
        return mask_payment_code(self.ref)


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
            points=points,
            rate=program.points_redeem_per_yuan,
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
    result, still, _ = _apply(due, requests, program, member, today)
    if still > ZERO:
        raise RuleViolation(f"{still} still due", code="payment_short", still=still)
    _check_offline(result, offline_room)
    return result


def check_tenders(
    due: Money,
    requests: Sequence[TenderRequest],
    program: Program,
    member: m.MemberState | None,
    today: date,
    *,
    offline_room: Money | None = None,
) -> Tendering:
    """The tenders typed so far, checked by the rules ``apply_tenders`` applies at
    payment, except that something may still be due: what the tender dialog asks
    before it takes each tender, so it never closes over one the payment refuses."""
    result, _, _ = _apply(due, requests, program, member, today)
    _check_offline(result, offline_room)
    return result


def _check_offline(result: Tendering, offline_room: Money | None) -> None:
    if offline_room is not None and result.member_spend > offline_room:
        raise RuleViolation(
            f"offline: coins and stored value are limited to {offline_room} more today",
            code="offline_limit",
            limit=offline_room,
        )


def _apply(
    due: Money,
    requests: Sequence[TenderRequest],
    program: Program,
    member: m.MemberState | None,
    today: date,
) -> tuple[Tendering, Money, m.MemberState | None]:
    """Each tender in order: the tendering, what is still due, the member after."""
    still, change = due, ZERO
    state = member
    tenders: list[Tender] = []
    entries: list[m.MemberEntry] = []
    for r in requests:
        if r.kind not in TENDER_KINDS:
            raise InvalidInput(f"unknown tender {r.kind!r}", code="unknown_tender", tender=r.kind)
        if r.kind in ("coins", "points", "stored_value") and state is None:
            raise RuleViolation(
                f"{r.kind} needs an identified member", code="member_required", tender=r.kind
            )
        if r.kind == "coins":
            if r.coins is None or r.coins <= 0:
                raise InvalidInput("coins must be a positive whole number", code="invalid_coins")
            amount = Money(r.coins * program.coin_value.fen)
            if amount > still:
                raise RuleViolation(
                    f"{r.coins} coins ({amount}) exceed the {still} still due",
                    code="coins_exceed_due",
                    coins=r.coins,
                    amount=amount,
                    still=still,
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
                    f"{r.points} points exceed the {still} still due",
                    code="points_exceed_due",
                    points=r.points,
                    still=still,
                )
            assert state is not None
            if r.points > state.points:
                raise RuleViolation(
                    f"only {state.points} points available",
                    code="insufficient_points",
                    have=state.points,
                    want=r.points,
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
                    f"{r.kind} {amount} exceeds the {still} still due",
                    code="tender_exceeds_due",
                    tender=r.kind,
                    amount=amount,
                    still=still,
                )
            if r.kind == "stored_value":
                assert state is not None
                if not program.stored_value:
                    raise RuleViolation("no stored value in this program", code="no_stored_value")
                if amount > state.stored_value:
                    raise RuleViolation(
                        f"stored value balance is {state.stored_value}",
                        code="insufficient_stored_value",
                        balance=state.stored_value,
                        amount=amount,
                    )
                p, g = sv_split(amount, state.principal, state.gift)
                new = [m.StoredValueChanged(-p, -g, "spent")]
                tenders.append(Tender("stored_value", amount, amount, principal=p, gift=g))
            else:
                tenders.append(Tender(r.kind, amount, amount, ref=r.ref))
                new = []
        if new:
            assert state is not None
            state = m.fold(new, state)
            entries += new
        still -= amount
    return Tendering(tuple(tenders), change, tuple(entries)), still, state


def _money(r: TenderRequest) -> Money:
    if r.amount is None or r.amount.fen <= 0:
        raise InvalidInput(
            f"{r.kind} needs a positive amount", code="invalid_amount", case="positive"
        )
    return r.amount


def offline_room(program: Program, spent_today: Money) -> Money:
    """What a member may still spend in coins and stored value today while the till is
    offline (§1.8); a standalone till (no HQ) has no such limit and passes None."""
    return Money(max(0, program.offline_spend_limit.fen - spent_today.fen))


def mask_payment_code(code: str) -> str:
    """A payment code (付款码) with its middle hidden, as a receipt prints it: the first
    and last four digits, "1301**********1234"; "" for none."""
    if len(code) <= 8:
        return "*" * len(code)
    return code[:4] + "*" * (len(code) - 8) + code[-4:]


@dataclass(frozen=True, slots=True)
class TenderBasis:
    """What a sale's tenders are checked against while the cashier types them: the
    amount due, the member as the payment will find them (expiries due folded in), the
    day, and offline what coins and stored value may still pay today (None: no limit).
    The payment applies the same rules again when it commits, on a fresh read."""

    due: Money
    program: Program
    member: m.MemberState | None
    today: date
    offline_room: Money | None = None

    def check(self, requests: Sequence[TenderRequest]) -> Tendering:
        """``check_tenders``: the first tender the payment would refuse raises."""
        return check_tenders(
            self.due,
            requests,
            self.program,
            self.member,
            self.today,
            offline_room=self.offline_room,
        )

    def most(self, requests: Sequence[TenderRequest], kind: str) -> int:
        """The most a ``kind`` tender may pay after ``requests`` (tenders that pass
        ``check``): coins and points as a count, any other kind in fen (cash: what is
        still due, though cash may be more and give change)."""
        result, still, state = _apply(self.due, requests, self.program, self.member, self.today)
        cap = still.fen
        if self.offline_room is not None and kind in ("coins", "stored_value"):
            cap = min(cap, self.offline_room.fen - result.member_spend.fen)
        cap = max(0, cap)
        if kind == "coins":
            held = state.coins_on(self.today) if state is not None else 0
            return max(0, min(held, cap // self.program.coin_value.fen))
        if kind == "points":
            if state is None or not self.program.points_pay:
                return 0
            rate = self.program.points_redeem_per_yuan
            n = min(state.points, cap * rate // 100)
            step = rate // math.gcd(100, rate)  # the fewest points worth a whole fen
            return max(0, n - n % step)
        if kind == "stored_value":
            if state is None or not self.program.stored_value:
                return 0
            return min(state.stored_value.fen, cap)
        return cap
