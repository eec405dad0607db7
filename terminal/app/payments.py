"""Mobile payments: the customer's WeChat or Alipay payment code (付款码), scanned at the
till while the tender dialog is open, charged through a ``PaymentProvider``.

The code's shape says whose it is (``wallet_of``): WeChat's are 18 digits starting 10-15,
Alipay's 16-24 digits starting 25-30. The charged code becomes the mobile tender's
``ref`` (the ledger keeps it; the receipt prints it masked).

The shipped provider, ``CounterConfirmProvider``, reaches no network: the amount is taken
on the provider's own terminal beside the till and the cashier confirms that it was. A
gateway client implements the same two calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from terminal.errors import InvalidInput, RuleViolation
from terminal.money import Money
from terminal.rules.tenders import mask_payment_code

Wallet = Literal["wechat", "alipay"]


def wallet_of(code: str) -> Wallet | None:
    """Whose payment code ``code`` is, or None when it is not one."""
    if not (code.isascii() and code.isdigit()):
        return None
    head = int(code[:2]) if len(code) >= 2 else -1
    if len(code) == 18 and 10 <= head <= 15:
        return "wechat"
    if 16 <= len(code) <= 24 and 25 <= head <= 30:
        return "alipay"
    return None


@dataclass(frozen=True)
class PaymentRequest:
    """What the provider is asked to do: take (or give back) ``amount`` on ``code``;
    ``ref`` is the sale's id (a gateway's merchant order number)."""

    code: str
    wallet: Wallet
    amount: Money
    ref: str
    refund: bool = False

    @property
    def masked(self) -> str:
        return mask_payment_code(self.code)


@dataclass(frozen=True)
class PaymentResult:
    """A charge that went through: ``ref`` is what the tender records (the payment code
    here; a gateway's transaction id would do as well)."""

    ref: str
    wallet: Wallet
    amount: Money


class PaymentProvider(Protocol):
    def charge(self, code: str, amount: Money, ref: str) -> PaymentResult:
        """Take ``amount`` on the customer's payment code; a ``PosError`` when it was
        not taken (nothing was)."""
        ...

    def refund(self, result: PaymentResult, ref: str) -> None:
        """Give a charge back (the cashier took the tender off before the sale was
        paid); a ``PosError`` when it was not given back."""
        ...


Confirm = Callable[[PaymentRequest], bool]  # the cashier's answer: done on the terminal?


class CounterConfirmProvider:
    """The provider's own terminal beside the till: the cashier keys the amount in there,
    the customer pays, and ``confirm`` (a dialog on the screen: Enter = taken, Esc = not
    taken) records the cashier's word. ``confirm`` runs on the UI thread."""

    def __init__(self, confirm: Confirm) -> None:
        self.confirm = confirm

    def charge(self, code: str, amount: Money, ref: str) -> PaymentResult:
        wallet = _wallet(code)
        if amount.fen <= 0:
            raise InvalidInput(
                "a payment needs a positive amount", code="invalid_amount", case="positive"
            )
        if not self.confirm(PaymentRequest(code, wallet, amount, ref)):
            raise RuleViolation(
                f"{wallet}: {amount} was not taken on {mask_payment_code(code)}",
                code="payment_not_taken",
                amount=amount,
            )
        return PaymentResult(code, wallet, amount)

    def refund(self, result: PaymentResult, ref: str) -> None:
        request = PaymentRequest(result.ref, result.wallet, result.amount, ref, refund=True)
        if not self.confirm(request):
            raise RuleViolation(
                f"{result.wallet}: {result.amount} was not given back",
                code="payment_not_refunded",
                amount=result.amount,
            )


def _wallet(code: str) -> Wallet:
    wallet = wallet_of(code)
    if wallet is None:
        raise InvalidInput("not a WeChat or Alipay payment code", code="invalid_payment_code")
    return wallet
