"""Headline behaviour of `mall`, `points`, `organic` and `basic` (rule book §2-§5, §7)."""

from __future__ import annotations

from datetime import date

import pytest

from terminal.errors import PosError
from terminal.money import Money
from terminal.rules.catalog import Product

from .till import Till, card, cash, points, sv

DAY = date(2026, 10, 7)


def fen(text: str) -> Money:
    return Money.parse(text)


COAT = Product("C100", "大衣", "apparel", fen("100.00"))
WATCH = Product("W100", "手表", "apparel", fen("100.00"), member_price=fen("95.00"))
BAG = Product("B100", "手袋", "apparel", fen("100.00"), member_price=fen("80.00"))
SHIP = Product("SHIP", "运费", "shipping", fen("10.00"))


# mall (§2) ------------------------------------------------------------------------------


def mall(day: date = DAY) -> Till:
    return Till.of("mall", [COAT, WATCH, BAG, SHIP], day)


@pytest.mark.parametrize(
    ("tier", "spend", "pays"),
    [
        (None, "500.00", "100.00"),
        ("normal", "1500.00", "100.00"),
        ("silver", "6000.00", "90.00"),
        ("gold", "12000.00", "85.00"),
        ("diamond", "25000.00", "80.00"),
    ],
)
def test_mall_tier_discounts(tier: str | None, spend: str, pays: str) -> None:
    t = mall()
    m = t.open_member(code="M", registered=date(2020, 1, 1), spend_12m=fen(spend))
    assert m.tier == tier
    assert t.price([(COAT.code, None)], "M").total_due == fen(pays)


def test_mall_member_price_or_tier_discount_whichever_is_better_never_both() -> None:
    t = mall()
    t.open_member(code="S", registered=date(2020, 1, 1), spend_12m=fen("6000.00"))
    priced = t.price([(WATCH.code, None), (BAG.code, None)], "S")
    assert [pl.price.member for pl in priced.lines] == [fen("90.00"), fen("80.00")]
    assert [pl.price.member_price_used for pl in priced.lines] == [False, True]


def test_mall_tier_discount_skips_excluded_lines() -> None:
    t = mall()
    t.open_member(code="S", registered=date(2020, 1, 1), spend_12m=fen("6000.00"))
    assert t.price([(SHIP.code, None)], "S").total_due == fen("10.00")


@pytest.mark.parametrize(
    ("spend", "earned"),
    [
        ("500.00", 100),  # no tier: the Normal rate, pays 100.00
        ("6000.00", 108),  # silver pays 90.00: floor(9000 x 1.2 / 100)
        ("12000.00", 127),  # gold pays 85.00: floor(8500 x 1.5 / 100)
        ("25000.00", 160),  # diamond pays 80.00 x 2
    ],
)
def test_mall_points_per_yuan_paid_at_the_tier_rate_floored(spend: str, earned: int) -> None:
    t = mall()
    t.open_member(code="M", registered=date(2020, 1, 1), spend_12m=fen(spend))
    due = t.price([(COAT.code, None)], "M").total_due
    assert t.sell([(COAT.code, None)], [cash(due.plain())], member="M").earned.points == earned


def test_mall_earn_rate_is_the_tier_held_before_the_sale() -> None:
    t = mall()
    t.open_member(code="M", registered=date(2020, 1, 1), spend_12m=fen("4950.00"))
    sale = t.sell([(COAT.code, None)], [cash("100.00")], member="M")
    m = t.member("M")
    assert sale.earned.points == 100  # normal's rate 1, not silver's 1.2
    assert m.tier == "silver" and m.spend_12m == fen("5050.00")
    assert m.tier_valid_through is None  # HQ reassesses monthly; no validity date


def test_mall_birthday_five_percent_on_the_day_after_the_tier_price() -> None:
    t = Till.of("mall", [COAT], date(2026, 10, 7))
    t.open_member(
        code="B", registered=date(2020, 1, 1), spend_12m=fen("6000.00"), birthday=date(1990, 10, 7)
    )
    assert t.price([(COAT.code, None)], "B").total_due == fen("85.50")
    t.advance(date(2026, 10, 8))
    assert t.price([(COAT.code, None)], "B").total_due == fen("90.00")


def test_mall_points_redeem_100_to_a_yuan_and_do_not_earn_or_count_as_spend() -> None:
    t = mall()
    t.open_member(code="M", registered=date(2020, 1, 1), spend_12m=fen("1500.00"), points=1000)
    sale = t.sell([(COAT.code, None)], [points(500), card("95.00")], member="M")
    assert sale.tenders[0].amount == fen("5.00")
    assert sale.earned.points == 95
    m = t.member("M")
    assert m.points == 1000 - 500 + 95
    assert m.spend_12m == fen("1595.00")
    with pytest.raises(PosError) as e:
        t.sell([(COAT.code, None)], [points(20000)], member="M")
    assert e.value.code in ("points_exceed_due", "insufficient_points")


def test_mall_2000_points_as_normal_promote_to_silver() -> None:
    t = mall()
    t.open_member(code="M", registered=date(2020, 1, 1), spend_12m=fen("1500.00"), points=1950)
    assert t.member("M").tier == "normal"
    t.sell([(COAT.code, None)], [cash("100.00")], member="M")
    assert t.member("M").tier == "silver"


def test_mall_points_clawback_on_return() -> None:
    t = mall()
    t.open_member(code="M", registered=date(2020, 1, 1), spend_12m=fen("1500.00"))
    sale = t.sell([(COAT.code, None)], [cash("100.00")], member="M")
    r = t.refund(sale)
    assert r.clawed.points == 100
    m = t.member("M")
    assert (m.points, m.spend_12m) == (0, fen("1500.00"))


# points (§3) ----------------------------------------------------------------------------


def plan(day: date = DAY) -> Till:
    return Till.of("points", [COAT, Product("S", "文具", "office", fen("99.99"))], day)


def test_points_every_full_ten_yuan_is_one_point() -> None:
    t = plan()
    t.open_member(code="P", registered=date(2026, 3, 10))
    assert t.sell([("S", None)], [cash("99.99")], member="P").earned.points == 9
    assert t.sell([(COAT.code, None)], [cash("100.00")], member="P").earned.points == 10


def test_points_pay_at_100_a_yuan_and_the_earn_base_excludes_them() -> None:
    t = plan()
    t.open_member(code="P", registered=date(2026, 3, 10), points=2000)
    sale = t.sell([(COAT.code, None)], [points(2000), cash("80.00")], member="P")
    assert sale.earned.points == 8 and t.member("P").points == 8


def test_points_expire_at_the_end_of_the_membership_year() -> None:
    t = plan(date(2026, 10, 7))
    t.open_member(code="P", registered=date(2025, 3, 10), points=500)
    t.sell([(COAT.code, None)], [cash("100.00")], member="P")
    t.advance(date(2027, 3, 9))
    assert t.member("P").points == 510
    t.advance(date(2027, 3, 10))
    assert t.member("P").points == 0
    t.sell([(COAT.code, None)], [cash("100.00")], member="P")
    t.advance(date(2028, 3, 9))
    assert t.member("P").points == 10


@pytest.mark.parametrize(
    ("held", "tier"),
    [
        (9999, None),
        (10000, "silver"),
        (55000, "silver"),
        (60000, "gold"),
        (110000, "diamond"),
    ],
)
def test_points_tiers_by_points_held_gap_closed_upward(held: int, tier: str | None) -> None:
    t = plan()
    assert t.open_member(code="P", registered=date(2026, 1, 1), points=held).tier == tier


def test_points_tier_follows_points_held() -> None:
    t = plan()
    t.open_member(code="P", registered=date(2026, 3, 10), points=9995)
    t.sell([(COAT.code, None)], [cash("100.00")], member="P")
    assert t.member("P").tier == "silver"
    t.sell([(COAT.code, None)], [points(100), cash("99.00")], member="P")
    assert t.member("P").tier is None


# organic (§4) ---------------------------------------------------------------------------


VEG = Product("V100", "有机蔬菜箱", "vegetable", fen("100.00"))
BOX = Product("PK100", "月度套餐", "package", fen("100.00"))


def organic(day: date = DAY) -> Till:
    return Till.of("organic", [VEG, BOX, Product("V3999", "礼盒", "vegetable", fen("39.99"))], day)


def test_organic_credit_coins_every_full_20_yuan_never_expire() -> None:
    t = organic()
    t.open_member(code="O", registered=date(2025, 1, 1))
    assert t.sell([("V3999", None)], [cash("39.99")], member="O").earned.coins == 1
    t.sell([(VEG.code, None)], [cash("100.00")], member="O")
    t.advance(date(2036, 1, 1))
    assert t.member("O").coins_on(t.today) == 6


def test_organic_packages_earn_no_coins_no_tier_discount_no_tier_spend() -> None:
    t = organic()
    t.open_member(code="O", registered=date(2025, 1, 1), cumulative_spend=fen("2500.00"))
    priced = t.price([(VEG.code, None), (BOX.code, None)], "O")
    assert [pl.price.member for pl in priced.lines] == [fen("95.00"), fen("100.00")]
    sale = t.sell([(VEG.code, None), (BOX.code, None)], [cash("195.00")], member="O")
    assert sale.earned.coins == 4  # 195.00 x 95/195 = 95.00 -> 4
    assert t.member("O").cumulative_spend == fen("2595.00")


@pytest.mark.parametrize(
    ("spend", "tier", "pays"),
    [
        ("999.99", None, "100.00"),
        ("1000.00", "yellow", "98.00"),
        ("2000.00", "red", "95.00"),
        ("3000.00", "black", "93.00"),
    ],
)
def test_organic_tiers_by_cumulative_spend(spend: str, tier: str | None, pays: str) -> None:
    t = organic()
    m = t.open_member(code="O", registered=date(2025, 1, 1), cumulative_spend=fen(spend))
    assert m.tier == tier
    assert t.price([(VEG.code, None)], "O").total_due == fen(pays)


@pytest.mark.parametrize(
    ("amount", "gift"),
    [
        ("11999.99", "0.00"),
        ("12000.00", "3000.00"),
        ("32000.00", "8000.00"),
        ("50000.00", "10000.00"),
        ("80000.00", "10000.00"),
    ],
)
def test_organic_premium_recharges_give_stored_value(amount: str, gift: str) -> None:
    t = organic()
    t.open_member(code="O", registered=date(2025, 1, 1))
    t.recharge("O", amount)
    m = t.member("O")
    assert (m.principal, m.gift) == (fen(amount), fen(gift))


def test_organic_only_principal_earns_coins() -> None:
    t = organic()
    t.open_member(code="O", registered=date(2025, 1, 1))
    t.recharge("O", "12000.00")  # 12000 principal + 3000 gift: 80% of a payment is principal
    sale = t.sell([(VEG.code, None)], [sv("100.00")], member="O")
    assert (sale.tenders[0].principal, sale.tenders[0].gift) == (fen("80.00"), fen("20.00"))
    assert sale.earned.coins == 4


def test_organic_group_accounts_tier_by_cumulative_recharge() -> None:
    t = organic()
    t.open_member(code="G", registered=date(2025, 1, 1), group=True)
    assert t.member("G").tier is None
    t.recharge("G", "5000.00")
    assert t.member("G").tier == "bronze"
    assert t.price([(VEG.code, None)], "G").total_due == fen("98.00")


def test_organic_prepaid_card_values() -> None:
    assert [v.plain() for v in organic().program.prepaid_card_values] == [
        "100.00",
        "200.00",
        "500.00",
        "1000.00",
        "2000.00",
    ]


# basic (§5) -----------------------------------------------------------------------------


def test_basic_points_per_yuan_and_tier_discounts_by_spend() -> None:
    t = Till.of("basic", [COAT], DAY)
    t.open_member(code="B", registered=date(2025, 1, 1), spend_12m=fen("1950.00"))
    assert t.member("B").tier == "normal"
    sale = t.sell([(COAT.code, None)], [cash("100.00")], member="B")
    assert sale.earned.points == 100
    assert t.member("B").tier == "silver"
    assert t.price([(COAT.code, None)], "B").total_due == fen("98.00")
