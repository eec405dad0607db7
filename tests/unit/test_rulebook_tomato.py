"""Every worked example of the rule book's `tomato` program (§1, §7), as a test."""

from __future__ import annotations

from datetime import date

import pytest

from terminal.errors import PosError
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules.catalog import Product
from terminal.rules.coupons import Coupon
from terminal.rules.program_loader import load_program

from .till import Till, cash, coins, sv

TUESDAY, WEDNESDAY = date(2026, 10, 6), date(2026, 10, 7)
TOMATO = Product("6901234567892", "番茄", "fresh", Money(580), Money(480), "kg", plu=42)
SOY = Product("6900000000014", "酱油", "grocery", Money(1200))
APPLE = Product("6900000000021", "苹果 富士", "fresh", Money(900))
RICE = Product("6900000000038", "大米 5kg", "grocery", Money(6500))
SHIP = Product("SHIP", "运费", "shipping", Money(1000))
PRODUCTS = [TOMATO, SOY, APPLE, RICE, SHIP]


def fen(text: str) -> Money:
    return Money.parse(text)


def till(day: date = WEDNESDAY) -> Till:
    return Till.of("tomato", list(PRODUCTS), day)


def fresh_item(yuan: str) -> Product:
    return Product(f"F{yuan}", f"鲜品 {yuan}", "fresh", fen(yuan))


def coupon(
    cid: str,
    through: date,
    threshold: str = "30.00",
    off: str = "5.00",
    granted: date | None = None,
) -> Coupon:
    return Coupon(cid, f"满{threshold}减{off}", fen(threshold), fen(off), through, granted)


# §1.1 growth points ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "points"), [("12.50", 13), ("12.49", 12), ("0.80", 0), ("1.00", 1), ("0.99", 0)]
)
def test_growth_points_round_half_up_and_under_one_yuan_earns_nothing(
    net: str, points: int
) -> None:
    t = till()
    t.products.append(fresh_item(net))
    t.open_member(code="M1", registered=date(2026, 1, 1))
    sale = t.sell([(f"F{net}", None)], [cash(net)], member="M1")
    assert sale.earned.growth_points == points


def test_growth_points_count_only_eligible_lines_after_coupons() -> None:
    t = till()
    t.open_member(
        code="M1", registered=date(2026, 1, 1), coupons=(coupon("C1", date(2026, 10, 31)),)
    )
    # 番茄 2 kg at member price 9.60 + 酱油 24.00 = 33.60; coupon 5.00 spread pro rata:
    # 9.60 takes 1.43 (1.428..), 酱油 3.57 -> fresh net 8.17 -> 8 points.
    sale = t.sell([(TOMATO.code, "2.000"), (SOY.code, "2")], [cash("28.60")], member="M1")
    assert [ln.coupon_share for ln in sale.lines] == [fen("1.43"), fen("3.57")]
    assert sale.earned.growth_points == 8


def test_no_growth_points_on_shipping_nor_coins_on_it() -> None:
    t = till()
    t.open_member(code="M1", registered=date(2026, 1, 1))
    sale = t.sell([(SHIP.code, None), (APPLE.code, "2")], [cash("28.00")], member="M1")
    assert sale.earned.growth_points == 18
    assert sale.earned.coins == 1  # real money 28.00 x 18/28 of earning lines = 18.00 -> 1


# §1.2 tiers --------------------------------------------------------------------------


def test_upgrade_is_immediate_and_valid_twelve_months() -> None:
    t = Till.of("tomato", list(PRODUCTS), date(2025, 10, 1))
    t.open_member(code="M1", registered=date(2025, 1, 1), tier="green", growth_points=950)
    t.products.append(fresh_item("60.00"))
    sale = t.sell([("F60.00", None)], [cash("60.00")], member="M1")
    m = t.member("M1")
    assert (m.tier, m.tier_valid_through, m.growth_points) == ("red", date(2026, 9, 30), 1010)
    assert sale.upgrade is not None and sale.upgrade.to_tier == "red"


def test_ms_wang_expiry_deducts_and_retiers() -> None:
    """The seed's own example: Red through 2026-09-30, 1500 points on 2026-10-01."""
    t = Till.of("tomato", list(PRODUCTS), date(2026, 9, 30))
    t.open_member(
        code="W",
        registered=date(2024, 1, 1),
        tier="red",
        tier_valid_through=date(2026, 9, 30),
        growth_points=1500,
    )
    assert t.member("W").tier == "red"
    t.advance(date(2026, 10, 1))
    m = t.member("W")
    assert (m.growth_points, m.tier, m.tier_valid_through) == (700, "green", date(2027, 9, 30))


def test_expiry_is_a_pure_function_of_history_and_date() -> None:
    """A till offline on the expiry day computes what HQ computed on the day."""
    a = Till.of("tomato", [], date(2026, 9, 1))
    b = Till.of("tomato", [], date(2026, 9, 1))
    for t in (a, b):
        t.open_member(
            code="W",
            registered=date(2024, 1, 1),
            tier="red",
            tier_valid_through=date(2026, 9, 30),
            growth_points=1500,
        )
    for d in range(1, 30):
        a.advance(date(2026, 10, d))
    b.advance(date(2026, 10, 29))
    assert a.member("W") == b.member("W")


def test_tier_expiry_repeats_while_overdue() -> None:
    t = Till.of("tomato", [], date(2024, 9, 1))
    t.open_member(
        code="G",
        registered=date(2020, 1, 1),
        tier="gold",
        tier_valid_through=date(2024, 9, 30),
        growth_points=5000,
    )
    t.advance(date(2026, 10, 2))
    m = t.member("G")
    # 5000-2000=3000 red (->2025-09-30); 3000-800=2200 red (->2026-09-30); 2200-800=1400 red.
    assert (m.growth_points, m.tier, m.tier_valid_through) == (1400, "red", date(2027, 9, 30))
    reasons = [e.reason for e in t.ledger["G"] if hasattr(e, "reason")]
    assert reasons.count("expiry") == 3


def test_skipping_a_tier_grants_only_the_gift_of_the_tier_reached() -> None:
    t = till()
    t.open_member(code="M1", registered=date(2026, 1, 1), tier="green", growth_points=950)
    t.products.append(fresh_item("3100.00"))
    sale = t.sell([("F3100.00", None)], [cash("3100.00")], member="M1")
    m = t.member("M1")
    assert m.tier == "gold"
    assert len(sale.coupons_granted) == 3  # gold's 3 x "30 off 5", not red's 2 as well
    assert {c.name for c in m.coupons} == {"满30减5"}
    assert all(c.valid_through == date(2026, 11, 6) for c in m.coupons)


# §1.3 gifts --------------------------------------------------------------------------


def test_new_member_gift_on_registration() -> None:
    t = Till.of("tomato", [], date(2026, 1, 31))
    m = t.register("M9", "13900001111")
    assert m.tier == "green" and m.tier_valid_through == date(2027, 1, 30)
    (c,) = m.coupons
    assert (c.name, c.valid_through) == ("满30减5", date(2026, 2, 28))


def test_monthly_gift_days_one_to_five_once_a_month_by_tier() -> None:
    t = Till.of("tomato", [], date(2026, 11, 5))
    t.open_member(
        code="R",
        registered=date(2025, 1, 1),
        tier="red",
        tier_valid_through=date(2027, 1, 1),
        growth_points=1200,
    )
    entries = lc.claim_gift(t.member("R"), t.program, "monthly", t.today, t.new_id)
    t._append("R", entries)
    assert sorted(c.name for c in t.member("R").coupons) == ["满30减2"] * 3
    with pytest.raises(PosError) as e:
        lc.claim_gift(t.member("R"), t.program, "monthly", t.today, t.new_id)
    assert e.value.code == "gift_already_claimed"
    t.advance(date(2026, 11, 6))
    with pytest.raises(PosError) as e:
        lc.claim_gift(t.member("R"), t.program, "monthly", date(2026, 12, 6), t.new_id)
    assert e.value.code == "gift_not_claimable"
    assert lc.gifts_waiting(t.member("R"), t.program, date(2026, 12, 1)) == ["monthly"]


def test_green_has_no_monthly_gift_gold_gets_five_50_off_2() -> None:
    t = Till.of("tomato", [], date(2026, 11, 1))
    t.open_member(
        code="G",
        registered=date(2025, 1, 1),
        tier="gold",
        tier_valid_through=date(2027, 1, 1),
        growth_points=4500,
    )
    t.open_member(
        code="N", registered=date(2025, 1, 1), tier="green", tier_valid_through=date(2027, 1, 1)
    )
    gold = lc.claim_gift(t.member("G"), t.program, "monthly", t.today, t.new_id)
    assert [e.coupon.name for e in gold if hasattr(e, "coupon")] == ["满50减2"] * 5
    with pytest.raises(PosError) as e:
        lc.claim_gift(t.member("N"), t.program, "monthly", t.today, t.new_id)
    assert e.value.code == "no_gift"


def test_birthday_gift_ten_off_no_threshold_once_in_the_birthday_month() -> None:
    t = Till.of("tomato", list(PRODUCTS), date(2026, 5, 3))
    t.open_member(code="B", registered=date(2025, 1, 1), birthday=date(1990, 5, 20))
    t._append("B", lc.claim_gift(t.member("B"), t.program, "birthday", t.today, t.new_id))
    (c,) = [c for c in t.member("B").coupons if c.threshold == Money(0)]
    assert (c.off, c.valid_through) == (fen("10.00"), date(2026, 6, 2))
    with pytest.raises(PosError):
        lc.claim_gift(t.member("B"), t.program, "birthday", date(2026, 5, 30), t.new_id)
    with pytest.raises(PosError) as e:
        lc.claim_gift(t.member("B"), t.program, "birthday", date(2027, 6, 1), t.new_id)
    assert e.value.code == "gift_not_claimable"
    sale = t.sell([(SOY.code, None)], [cash("2.00")], member="B")
    assert sale.total_due == fen("2.00")  # the 10 off coupon is used by a 12.00 sale


# §1.4 coupons ------------------------------------------------------------------------


def test_consume_threshold_three_30_off_5_on_65_apply_two() -> None:
    t = till()
    t.products.append(Product("G65", "礼盒", "grocery", fen("65.00")))
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        coupons=tuple(coupon(f"C{i}", date(2026, 10, 31)) for i in range(3)),
    )
    priced = t.price([("G65", None)], "M1")
    assert priced.coupons.discount == fen("10.00")
    assert len(priced.coupons.coupons) == 2
    assert "¥60.00 ≤ 小计¥65.00" in priced.coupons.reason
    assert priced.total_due == fen("55.00")


def test_best_combination_prefers_the_coupons_that_expire_first() -> None:
    t = till()
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        coupons=(coupon("LATE", date(2026, 10, 31)), coupon("SOON", date(2026, 10, 10))),
    )
    priced = t.price([(RICE.code, None)], "M1")  # 65.00: both fit (60 <= 65)
    t.products.append(Product("G40", "礼盒", "grocery", fen("40.00")))
    single = t.price([("G40", None)], "M1")  # 40.00: one fits
    assert len(priced.coupons.coupons) == 2
    assert [c.id for c in single.coupons.coupons] == ["SOON"]


def test_coupons_stack_with_member_prices_threshold_on_member_subtotal() -> None:
    t = till()
    t.open_member(
        code="M1", registered=date(2026, 1, 1), coupons=(coupon("C1", date(2026, 10, 31)),)
    )
    # 番茄 6.25 kg: regular 36.25, member 30.00 -> the threshold is met after member price.
    priced = t.price([(TOMATO.code, "6.250")], "M1")
    assert (priced.regular_total, priced.subtotal) == (fen("36.25"), fen("30.00"))
    assert priced.coupons.discount == fen("5.00")
    priced = t.price([(TOMATO.code, "6.240")], "M1")
    assert priced.coupons.discount == Money(0)


def test_coupon_validity_one_month_from_grant() -> None:
    prog = load_program("tomato")
    for granted, through in [
        (date(2026, 10, 15), date(2026, 11, 14)),
        (date(2026, 1, 31), date(2026, 2, 28)),
    ]:
        (e,) = lc.grant_coupons(prog, prog.registration_gift, granted, "t", lambda: "X")
        assert e.coupon.valid_through == through  # type: ignore[union-attr]


def test_coupon_expires_the_day_after_and_a_manual_pick_is_refused() -> None:
    t = till(date(2026, 10, 31))
    t.open_member(
        code="M1", registered=date(2026, 1, 1), coupons=(coupon("C1", date(2026, 10, 31)),)
    )
    t.open_member(
        code="M3", registered=date(2026, 1, 1), coupons=(coupon("C3", date(2026, 12, 31)),)
    )
    assert t.price([(RICE.code, None)], "M1", ["C1"]).coupons.discount == fen("5.00")
    t.advance(date(2026, 11, 1))
    assert t.member("M1").coupons[0].state == "expired"
    with pytest.raises(PosError) as e:
        t.price([(RICE.code, None)], "M1", ["C1"])
    assert e.value.code == "coupon_expired"
    with pytest.raises(PosError) as e:
        t.price([(SOY.code, None)], "M3", ["C3"])  # 12.00 is below the 30.00 threshold
    assert e.value.code == "coupon_below_threshold"


# §1.5 coins --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "day", "earned"),
    [
        ("9.99", WEDNESDAY, 0),
        ("10.00", WEDNESDAY, 1),
        ("25.00", WEDNESDAY, 2),
        ("25.00", TUESDAY, 4),
        ("9.99", TUESDAY, 0),
    ],
)
def test_coins_floor_per_ten_yuan_doubled_on_member_day(paid: str, day: date, earned: int) -> None:
    t = till(day)
    t.products.append(Product("X", "杂货", "grocery", fen(paid)))
    t.open_member(code="M1", registered=date(2026, 1, 1))
    assert t.sell([("X", None)], [cash(paid)], member="M1").earned.coins == earned


def test_coins_earn_on_real_money_only_not_coins_nor_gift_value() -> None:
    t = till()
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        coin_lots=((50, date(2026, 9, 1)),),
        principal=fen("300.00"),
        gift=fen("100.00"),
    )
    # 65.00: 5 coins + 40.00 stored value (30.00 principal, 10.00 gift) + 20.00 cash.
    sale = t.sell([(RICE.code, None)], [coins(5), sv("40.00"), cash("20.00")], member="M1")
    stored = sale.tenders[1]
    assert (stored.principal, stored.gift) == (fen("30.00"), fen("10.00"))
    assert sale.earned.coins == 5  # 30.00 principal + 20.00 cash = 50.00 -> 5
    m = t.member("M1")
    assert (m.principal, m.gift, m.coins_on(t.today)) == (fen("270.00"), fen("90.00"), 50)


def test_stored_value_split_ties_go_to_principal() -> None:
    assert lc.sv_split(Money(1), Money(100), Money(100)) == (Money(1), Money(0))
    assert lc.sv_split(Money(3), Money(100), Money(100)) == (Money(2), Money(1))


def test_coins_never_exceed_the_amount_due_and_give_no_change() -> None:
    t = till()
    t.open_member(code="M1", registered=date(2026, 1, 1), coin_lots=((50, date(2026, 9, 1)),))
    with pytest.raises(PosError) as e:
        t.sell([(SOY.code, None)], [coins(13)], member="M1")
    assert e.value.code == "coins_exceed_due"
    with pytest.raises(PosError) as e:
        t.sell([(SOY.code, None)], [cash("5.00"), coins(8)], member="M1")  # 7.00 still due
    assert e.value.code == "coins_exceed_due"
    assert t.member("M1").coins_on(t.today) == 50  # refused payments change nothing
    sale = t.sell([(SOY.code, None)], [coins(12)], member="M1")
    assert sale.change == Money(0) and t.member("M1").coins_on(t.today) == 38


def test_coin_lots_expire_after_twelve_months_and_oldest_is_spent_first() -> None:
    t = Till.of("tomato", list(PRODUCTS), date(2027, 2, 28))
    t.open_member(
        code="M1",
        registered=date(2025, 1, 1),
        coin_lots=((10, date(2026, 3, 1)), (10, date(2026, 6, 1))),
    )
    assert t.member("M1").coins_on(t.today) == 20
    sale = t.sell([(SOY.code, None)], [coins(12)], member="M1")
    assert [n for _, n in sale.tenders[0].lots] == [10, 2]  # the March lot first
    t2 = Till.of("tomato", [], date(2027, 2, 28))
    t2.open_member(code="M1", registered=date(2025, 1, 1), coin_lots=((10, date(2026, 3, 1)),))
    assert t2.member("M1").coins_on(date(2027, 2, 28)) == 10
    t2.advance(date(2027, 3, 1))
    assert t2.member("M1").coins_on(date(2027, 3, 1)) == 0


@pytest.mark.parametrize(("amount", "gift"), [("200.00", 30), ("900.00", 30), ("199.99", 0)])
def test_recharge_gift_is_the_highest_step_reached(amount: str, gift: int) -> None:
    t = till()
    t.open_member(code="M1", registered=date(2026, 1, 1))
    given = t.recharge("M1", amount)
    m = t.member("M1")
    assert given.coins == gift and m.coins_on(t.today) == gift
    assert (m.principal, m.gift) == (fen(amount), Money(0))


def test_year_end_clear_percent_policy() -> None:
    import dataclasses

    prog = dataclasses.replace(load_program("tomato"), coin_expiry="year_end_clear_percent")
    t = Till(prog, [], date(2026, 12, 31))
    t.open_member(
        code="M1",
        registered=date(2025, 1, 1),
        coin_lots=((100, date(2026, 3, 1)), (50, date(2026, 6, 1))),
    )
    t.advance(date(2027, 1, 1))
    assert t.member("M1").coins_on(t.today) == 105  # 30% of 150 granted in 2026 cleared
    t.advance(date(2027, 6, 1))
    assert t.member("M1").coins_on(t.today) == 105  # once per year


# §1.9 and §7 returns ------------------------------------------------------------------


def test_partial_quantity_refunds_and_the_last_part_is_exact() -> None:
    t = till()
    t.products.append(Product("P", "纸巾", "grocery", fen("3.33")))
    t.open_member(code="M1", registered=date(2026, 1, 1))
    sale = t.sell([("P", "3")], [cash("9.99")], member="M1")
    r1, r2, r3 = (t.refund(sale, [(1, "1")]) for _ in range(3))
    assert [r.refund for r in (r1, r2, r3)] == [fen("3.33"), fen("3.33"), fen("3.33")]
    assert r3.full and not r1.full
    with pytest.raises(PosError) as e:
        t.refund(sale, [(1, "1")])
    assert e.value.code == "return_exceeds_sale"


def test_partial_refund_with_uneven_net_rounds_half_up() -> None:
    t = till()
    t.products.append(Product("Q", "礼盒", "grocery", fen("20.00")))
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        coupons=(coupon("C1", date(2026, 10, 31), "30.00", "10.00"),),
    )
    sale = t.sell([("Q", "3")], [cash("50.00")], member="M1")  # net 50.00 over 3
    r = [t.refund(sale, [(1, "1")]) for _ in range(3)]
    assert [x.refund for x in r] == [fen("16.67"), fen("16.67"), fen("16.66")]


def test_refund_split_over_tenders_coin_share_rounded_down_remainder_to_cash() -> None:
    t = till()
    t.open_member(code="M1", registered=date(2026, 1, 1), coin_lots=((20, date(2026, 1, 1)),))
    # 番茄 2 kg 9.60 + 酱油 12.00 = 21.60: 5 coins + 16.60 cash (50.00, change 33.40).
    sale = t.sell(
        [(TOMATO.code, "2.000"), (SOY.code, None)], [coins(5), cash("50.00")], member="M1"
    )
    assert sale.change == fen("33.40")
    r = t.refund(sale, [(1, "1.000")])  # 4.80 back: 4.80 x 5/21.6 = 1.11 -> 1 coin, 3.80 cash
    assert r.refund == fen("4.80")
    assert [(x.kind, x.amount) for x in r.refunds] == [
        ("coins", fen("1.00")),
        ("cash", fen("3.80")),
    ]
    assert r.coins_refunded == 1


def test_full_return_gives_every_tender_back_exactly_and_reissues_coupons() -> None:
    t = till()
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        coin_lots=((20, date(2026, 1, 1)),),
        principal=fen("30.00"),
        gift=fen("10.00"),
        coupons=(coupon("C1", date(2026, 10, 31)),),
    )
    before = t.member("M1")
    sale = t.sell([(RICE.code, None)], [coins(3), sv("20.00"), cash("100.00")], member="M1")
    assert sale.coupons == (("C1", fen("5.00")),)
    r = t.refund(sale)
    assert r.full and r.refund == fen("60.00")
    assert [(x.kind, x.amount) for x in r.refunds] == [
        ("coins", fen("3.00")),
        ("stored_value", fen("20.00")),
        ("cash", fen("37.00")),
    ]
    after = t.member("M1")
    assert after.coins_on(t.today) == before.coins_on(t.today)
    assert (after.principal, after.gift) == (before.principal, before.gift)
    assert after.coupon("C1").state == "unused"  # type: ignore[union-attr]
    assert r.reissued == ("C1",)


def test_coupon_used_by_a_fully_returned_sale_stays_used_once_expired() -> None:
    t = till(date(2026, 10, 30))
    t.open_member(
        code="M1", registered=date(2026, 1, 1), coupons=(coupon("C1", date(2026, 10, 31)),)
    )
    sale = t.sell([(RICE.code, None)], [cash("60.00")], member="M1")
    t.advance(date(2026, 11, 5))
    r = t.refund(sale)
    assert r.reissued == () and t.member("M1").coupon("C1").state == "used"  # type: ignore[union-attr]


def test_clawback_shortfall_is_deducted_from_the_cash_refund() -> None:
    t = till()
    t.products.append(Product("B", "大礼包", "grocery", fen("100.00")))
    t.open_member(code="M1", registered=date(2026, 1, 1))
    sale = t.sell([("B", None)], [cash("100.00")], member="M1")
    assert sale.earned.coins == 10
    t.sell([(SOY.code, None)], [coins(10), cash("2.00")], member="M1")  # spends them
    r = t.refund(sale)
    assert r.clawed.coins == 10
    assert r.shortfall_deducted == fen("10.00")
    assert r.refunds[0].paid_out == fen("90.00")
    assert t.member("M1").coins_on(t.today) == 0


def test_clawback_takes_the_sales_own_lot_first() -> None:
    t = till()
    t.products.append(Product("B", "大礼包", "grocery", fen("100.00")))
    t.open_member(code="M1", registered=date(2026, 1, 1), coin_lots=((5, date(2026, 1, 1)),))
    sale = t.sell([("B", None)], [cash("100.00")], member="M1")
    r = t.refund(sale, [(1, "1")])
    assert r.clawed.coins == 10 and r.shortfall_deducted == Money(0)
    m = t.member("M1")
    assert m.lot(f"{sale.sale_id}:coins").coins == 0  # type: ignore[union-attr]
    assert m.coins_on(t.today) == 5


def test_clawback_is_earned_minus_what_the_kept_lines_alone_earn() -> None:
    t = till(TUESDAY)
    t.open_member(code="M1", registered=date(2026, 1, 1))
    t.products.append(Product("A", "鲜果", "fresh", fen("15.00")))
    sale = t.sell([("A", None), (SOY.code, None)], [cash("27.00")], member="M1")
    assert (sale.earned.growth_points, sale.earned.coins) == (15, 4)
    r = t.refund(sale, [(2, "1")])  # keep 15.00 fresh: 15 points, floor(1.5) x2 = 2 coins
    assert (r.clawed.growth_points, r.clawed.coins) == (0, 2)


def test_return_reverses_the_upgrade_it_caused_and_revokes_unused_gifts() -> None:
    t = till()
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        tier="green",
        tier_valid_through=date(2026, 12, 31),
        growth_points=950,
    )
    t.products.append(fresh_item("60.00"))
    sale = t.sell([("F60.00", None)], [cash("60.00")], member="M1")
    assert t.member("M1").tier == "red"
    r = t.refund(sale)
    m = t.member("M1")
    assert r.upgrade_reversed
    assert (m.tier, m.tier_valid_through, m.growth_points) == ("green", date(2026, 12, 31), 950)
    assert {c.state for c in m.coupons} == {"revoked"}


def test_reversed_upgrade_then_applies_any_expiry_due() -> None:
    t = Till.of("tomato", list(PRODUCTS), date(2026, 9, 20))
    t.open_member(
        code="M1",
        registered=date(2025, 1, 1),
        tier="green",
        tier_valid_through=date(2026, 9, 30),
        growth_points=950,
    )
    t.products.append(fresh_item("60.00"))
    sale = t.sell([("F60.00", None)], [cash("60.00")], member="M1")
    t.advance(date(2026, 10, 5))
    t.refund(sale)
    m = t.member("M1")
    assert (m.tier, m.tier_valid_through) == ("green", date(2027, 9, 30))


def test_partial_return_keeping_enough_points_keeps_the_upgrade() -> None:
    t = till()
    t.open_member(
        code="M1",
        registered=date(2026, 1, 1),
        tier="green",
        tier_valid_through=date(2026, 12, 31),
        growth_points=950,
    )
    t.products.append(fresh_item("60.00"))
    sale = t.sell([("F60.00", None), (APPLE.code, None)], [cash("69.00")], member="M1")
    r = t.refund(sale, [(2, "1")])
    assert not r.upgrade_reversed and t.member("M1").tier == "red"


# §7 lines and scale codes --------------------------------------------------------------


def test_repeated_scans_merge_but_weighed_items_make_new_lines() -> None:
    t = till()
    priced = t.price(
        [(SOY.code, None), (SOY.code, None), (TOMATO.code, "1.000"), (TOMATO.code, "0.500")]
    )
    assert [(pl.price.line.line_no, pl.price.line.qty.plain()) for pl in priced.lines] == [
        (1, "2.000"),
        (2, "1.000"),
        (3, "0.500"),
    ]


def test_price_embedded_scale_code_carries_its_amount_member_price_pro_rata() -> None:
    t = till()
    t.open_member(code="M1", registered=date(2026, 1, 1))
    from terminal.rules.barcodes import encode_scale

    code = encode_scale(t.program.scale_barcodes[0], 42, 725)  # 7.25 at 5.80/kg = 1.25 kg
    priced = t.price([(code, None), (code, None)], "M1")
    assert len(priced.lines) == 2
    line = priced.lines[0]
    assert line.price.regular == fen("7.25") and line.price.line.qty.plain() == "1.250"
    assert line.price.member == fen("6.00")  # 7.25 x 4.80/5.80
