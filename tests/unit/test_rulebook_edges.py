"""Rule book §7 edge rules not covered by the program examples."""

from __future__ import annotations

from datetime import date

import pytest

from terminal.errors import PosError
from terminal.money import Money
from terminal.rules import coupons as cp
from terminal.rules.catalog import Product
from terminal.rules.returns import needs_manager

from .till import Till, card, cash, coins, sv

DAY = date(2026, 10, 7)
RICE = Product("R", "大米", "grocery", Money(6500))
OIL = Product("O", "食用油", "grocery", Money(3300))


def fen(text: str) -> Money:
    return Money.parse(text)


def till() -> Till:
    return Till.of("tomato", [RICE, OIL], DAY)


@pytest.mark.parametrize("kind", [card, sv])
def test_non_cash_tender_over_what_is_due_is_refused(kind: object) -> None:
    t = till()
    t.open_member(code="M", registered=date(2026, 1, 1), principal=fen("500.00"))
    with pytest.raises(PosError) as e:
        t.sell([(RICE.code, None)], [kind("65.01")], member="M")  # type: ignore[operator]
    assert e.value.code == "tender_exceeds_due"


def test_cash_alone_gives_change_and_short_payment_is_refused() -> None:
    t = till()
    assert t.sell([(RICE.code, None)], [card("15.00"), cash("100.00")]).change == fen("50.00")
    with pytest.raises(PosError) as e:
        t.sell([(RICE.code, None)], [card("15.00"), cash("10.00")])
    assert e.value.code == "payment_short"


def test_auto_coupons_with_nothing_that_fits_is_not_an_error() -> None:
    choice = cp.best([], [("grocery", 100)], "consume_threshold", DAY)
    assert choice == cp.NO_COUPONS and choice.discount == Money(0)


def test_coin_share_rounds_down_and_its_remainder_goes_to_stored_value() -> None:
    t = till()
    t.products.append(Product("P", "组合", "grocery", fen("10.00")))
    t.open_member(
        code="M",
        registered=date(2026, 1, 1),
        coin_lots=((30, date(2026, 6, 1)),),
        principal=fen("100.00"),
    )
    sale = t.sell([("P", "2")], [coins(5), sv("15.00")], member="M")
    ret = t.refund(sale, [(1, "1")])  # 10.00: coins 2.50 -> 2 coins, the 0.50 to stored value
    assert [(x.kind, x.amount) for x in ret.refunds] == [
        ("coins", fen("2.00")),
        ("stored_value", fen("8.00")),
    ]


def test_refunded_coins_go_back_last_drawn_lot_first() -> None:
    t = till()
    t.open_member(
        code="M",
        registered=date(2026, 1, 1),
        coin_lots=((3, date(2026, 5, 1)), (10, date(2026, 6, 1))),
    )
    sale = t.sell([(RICE.code, None)], [coins(8), cash("57.00")], member="M")
    assert sale.tenders[0].lots == (("M:open1", 3), ("M:open2", 5))
    ret = t.refund(sale, [(1, "1")])
    assert ret.refunds[0].lots == (("M:open2", 5), ("M:open1", 3))


def test_a_return_needs_a_manager_above_the_program_limit_and_always_without_receipt() -> None:
    prog = till().program
    assert not needs_manager(prog, fen("100.00"))
    assert needs_manager(prog, fen("100.01"))
    assert needs_manager(prog, fen("1.00"), with_receipt=False)


def test_a_coupon_that_would_take_nothing_is_never_used_up() -> None:
    """[decision] The tie rule would add an earlier-expiring coupon that takes 0 yuan;
    a chain would not burn a customer's coupon for nothing."""
    a = cp.Coupon("A", "减10", Money(0), fen("10.00"), date(2026, 10, 31))
    b = cp.Coupon("B", "减1", Money(0), fen("1.00"), date(2026, 10, 10))
    lines = [("grocery", 1000)]
    choice = cp.best([a, b], lines, "each_on_subtotal", DAY)
    assert [c.id for c in choice.coupons] == ["A"] and choice.discount == fen("10.00")
    with pytest.raises(PosError) as e:
        cp.validate([a, b], lines, "each_on_subtotal", DAY)
    assert e.value.code == "coupon_no_discount"
