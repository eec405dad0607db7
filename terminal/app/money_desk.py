"""Stored value and prepaid cards: the money desk of the counter (managers only).

Recharges and refunds need a manager; cards and recharges are paid in real money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from terminal.app import staff as st
from terminal.app.desk import CARD_TENDERS, CounterBase
from terminal.errors import InvalidInput, RuleViolation
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import tenders as tn
from terminal.store.schema import (
    PrepaidCardRow,
)


@dataclass(frozen=True)
class RechargeResult:
    code: str
    amount: Money
    gift: Money
    coins: int
    member: m.MemberState
    ref: str = ""
    manager: str = ""


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
            led.append(
                "recharge",
                {
                    "member": code,
                    "amount": amount.fen,
                    "tender": tender,
                    "gift": gift.gift_value.fen,
                    "coins": gift.coins,
                },
                self.now,
                member=code,
                ref=ref,
            )
            if tender == "cash":
                led.append("cash", {"delta": amount.fen, "reason": "recharge"}, self.now, ref=ref)
        return RechargeResult(code, amount, gift.gift_value, gift.coins, new, ref, auth.name)

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
                "card", {"number": number, "value": value.fen, "event": "sold"}, self.now, ref=ref
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
                raise RuleViolation(
                    "card number or PIN is wrong, or the card is used", code="card_refused"
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
            entries = lc.card_load_entries(Money(card.value_fen), number)
            return self._commit_member(s, led, state, entries, f"card:{number}")
