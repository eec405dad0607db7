"""Stored value and prepaid cards: the money desk of the counter (managers only).

Recharges and refunds need a manager; cards and recharges are paid in real money.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.app import staff as st
from terminal.app.desk import CARD_TENDERS, CounterBase
from terminal.app.numbers import RECHARGE, next_number, number_or_id
from terminal.errors import InvalidInput, RuleViolation, StoreTampered
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import tenders as tn
from terminal.store.ledger import card_history
from terminal.store.schema import LedgerRow, PrepaidCardRow, ShiftRow

RECHARGE_COUNTER = RECHARGE.counter  # settings key: this till's last recharge slip number


@dataclass(frozen=True)
class RechargeResult:
    code: str
    amount: Money
    gift: Money
    coins: int
    member: m.MemberState  # after the recharge (a reprint: the balances as printed then)
    ref: str = ""
    manager: str = ""
    tender: str = "cash"  # cash, card or mobile: how the customer paid
    no: str = ""  # the slip's number (T01-CZ000012), what the cashier reads
    at: datetime | None = None  # when it was recharged
    promotions: tuple[str, ...] = ()  # names of the recharge campaigns that gave the gift


def slip_no(payload: dict[str, Any], ref: str) -> str:
    """A recharge's slip number; rows written before there were numbers show their id."""
    return number_or_id(payload.get("no"), ref)


class MoneyDesk(CounterBase):
    # ------------------------------------------------------------------ stored value, cards

    def recharge(
        self, code: str, amount: Money, manager: st.Authorization | None, tender: str = "cash"
    ) -> RechargeResult:
        auth = self._auth(manager, "recharge")
        if tender not in CARD_TENDERS:
            raise RuleViolation(
                "a recharge is paid in cash, card or mobile pay", code="tender_not_allowed"
            )
        with self._tx() as (s, led):
            self._on_shift(s)
            state = self._active(s, led, code)
            ref = self.ids.entry_id()
            entries, gift = lc.recharge_entries(
                self.program, state, amount, self.now.date(), ref, self._new_coupon_id(code)
            )
            self._audit(led, auth, "recharge", f"{code} {amount.plain()}")
            new = self._commit_member(s, led, state, entries, f"recharge:{ref}")
            no = self._next_recharge_no(s)
            led.append(
                "recharge",
                {
                    "member": code,
                    "amount": amount.fen,
                    "tender": tender,
                    "gift": gift.gift_value.fen,
                    "coins": gift.coins,
                    "no": no,
                    "manager": auth.name,
                    "shift": _open_shift_id(s),  # finance reconciles it with the drawer
                    # the balances the slip printed, so a reprint prints the same
                    "after": {
                        "principal": new.principal.fen,
                        "gift": new.gift.fen,
                        "coins": new.coins_on(self.now.date()),
                    },
                },
                self.now,
                member=code,
                ref=ref,
            )
            if tender == "cash":
                led.append("cash", {"delta": amount.fen, "reason": "recharge"}, self.now, ref=ref)
        names = tuple(t.name for t in gift.promotions)
        return RechargeResult(
            code,
            amount,
            gift.gift_value,
            gift.coins,
            new,
            ref,
            auth.name,
            tender,
            no,
            self.now,
            names,
        )

    def _next_recharge_no(self, s: Session) -> str:
        """This till's next recharge slip number, in the recharge's own transaction."""
        return next_number(s, self.terminal_id, RECHARGE)

    def recharges(self, code: str) -> list[RechargeResult]:
        """A member's recharges at this till, newest first, each as its slip printed it
        (rows from before slip numbers and balances were recorded: short id, today's
        balances)."""
        with self.sessions() as s:
            state = self._member(s, code)
            rows = s.execute(
                select(LedgerRow)
                .where(LedgerRow.member_code == code, LedgerRow.kind == "recharge")
                .order_by(LedgerRow.seq.desc())
            ).scalars()
            return [_recharge_of(row, state) for row in rows]

    def refund_stored_value(self, code: str, manager: st.Authorization | None) -> Money:
        auth = self._auth(manager, "stored-value refund")
        with self._tx() as (s, led):
            self._on_shift(s)
            state = self._active(s, led, code)
            entries, refund = lc.sv_refund_entries(state, self.ids.entry_id())
            self._audit(led, auth, "sv_refund", f"{code} {refund.plain()}")
            self._commit_member(s, led, state, entries, "sv_refund")
            led.append("cash", {"delta": -refund.fen, "reason": "sv_refund"}, self.now, ref=code)
        return refund

    def sell_card(
        self, number: str, pin: str, value: Money, tenders: Sequence[tn.TenderRequest]
    ) -> str:
        """Sell a prepaid card (充值卡): real money only; the PIN is stored hashed."""
        if value not in self.program.prepaid_card_values:
            raise RuleViolation(
                f"no prepaid card of {value}", code="invalid_card_value", value=value
            )
        if not (number.isascii() and number.isalnum() and 6 <= len(number) <= 32):
            raise InvalidInput(
                f"not a card number: {number!r}", code="invalid_card_number", number=number
            )
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
            raise InvalidInput("a card PIN is 4 to 12 digits", code="invalid_pin", min=4, max=12)
        if any(t.kind not in CARD_TENDERS for t in tenders):
            raise RuleViolation(
                "prepaid cards are paid in cash, card or mobile pay",
                code="tender_not_allowed",
                case="card",
            )
        tendering = tn.apply_tenders(value, tenders, self.program, None, self.now.date())
        with self._tx() as (s, led):
            self._on_shift(s)
            if s.get(PrepaidCardRow, number) is not None:
                raise RuleViolation(
                    f"card {number} was already sold", code="card_exists", number=number
                )
            ref = self.ids.sale_id()
            s.add(
                PrepaidCardRow(
                    number=number,
                    pin_hash=st.hash_secret(pin),
                    value_fen=value.fen,
                    state="sold",
                    sale_id=ref,
                    loaded_to=None,
                )
            )
            led.append(
                "card",
                {
                    "number": number,
                    "value": value.fen,
                    "event": "sold",
                    # how it was paid, in which shift: finance reconciles stored value
                    # created against the shift's counted cash
                    "tenders": [[t.kind, t.amount.fen] for t in tendering.tenders],
                    "shift": _open_shift_id(s),
                },
                self.now,
                ref=ref,
            )
            cash = sum(t.amount.fen for t in tendering.tenders if t.kind == "cash")
            if cash:
                led.append("cash", {"delta": cash, "reason": "card_sale"}, self.now, ref=ref)
        return ref

    def load_card(self, code: str, number: str, pin: str) -> m.MemberState:
        with self.sessions() as s:  # the PIN first: a wrong one counts toward the lockout
            try:
                st.check_card_pin(s, number, pin, self.now)
            finally:
                s.commit()
        with self._tx() as (s, led):
            card = s.get(PrepaidCardRow, number)
            if card is None or card.state != "sold":
                raise st.card_refused()  # as a wrong PIN: the card's state is no one's business
            if any(h.get("event") == "loaded" for h in card_history(s, number)):
                # its row says "sold" but the ledger has its load: the row was edited
                raise StoreTampered(
                    f"card {number} was loaded already (its ledger says so)",
                    case="card",
                    number=number,
                )
            state = self._active(s, led, code)
            card.state, card.loaded_to = "loaded", code
            led.append(
                "card",
                {"number": number, "value": card.value_fen, "event": "loaded", "member": code},
                self.now,
                member=code,
                ref=number,
            )
            entries = lc.load_card(
                self.program,
                state,
                Money(card.value_fen),
                self.now.date(),
                number,
                self._new_coupon_id(code),
            )
            return self._commit_member(s, led, state, entries, f"card:{number}")


def _open_shift_id(s: Session) -> str:
    """The open shift's id (money moves only inside one: ``_on_shift``)."""
    return str(s.execute(select(ShiftRow.id).where(ShiftRow.closed_at.is_(None))).scalar() or "")


def _recharge_of(row: LedgerRow, current: m.MemberState) -> RechargeResult:
    """A recharge ledger row back as the result its slip was printed from."""
    p = json.loads(row.payload)
    member = current
    after = p.get("after")
    if isinstance(after, dict):  # the balances then; the one lot stands for the coins held
        lot = m.CoinLot("recharge", datetime.fromisoformat(row.at).date(), None, after["coins"])
        member = replace(
            current,
            principal=Money(after["principal"]),
            gift=Money(after["gift"]),
            coin_lots=(lot,) if after["coins"] else (),
        )
    return RechargeResult(
        str(p["member"]),
        Money(p["amount"]),
        Money(p.get("gift", 0)),
        int(p.get("coins", 0)),
        member,
        row.ref,
        str(p.get("manager", "")),
        str(p.get("tender", "cash")),
        slip_no(p, row.ref),
        datetime.fromisoformat(row.at),
    )
