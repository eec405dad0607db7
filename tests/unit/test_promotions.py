"""Promotions as program data (issue 17): the loader's refusals, worked examples of each
kind and stacking rule, recharge campaigns, and returns that break a promotion."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from terminal.errors import ProgramFileError
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules import promotions as pm
from terminal.rules.catalog import Product
from terminal.rules.checkout import settle_sale
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program, parse_program_text
from terminal.rules.returns import settle_return
from terminal.rules.tenders import TenderRequest, apply_tenders

PROGRAMS = Path(__file__).parents[2] / "terminal" / "rules" / "programs"
TUESDAY = datetime(2026, 10, 6, 10, 0)  # tomato's member day
MALL = load_program("mall")


def fen(text: str) -> Money:
    return Money.parse(text)


def with_promotions(pid: str, toml: str) -> Program:
    text = (PROGRAMS / f"{pid}.toml").read_text(encoding="utf-8") + "\n" + toml
    return parse_program_text(text, f"{pid}.toml")


def refused(pid: str, toml: str, key: str, fragment: str) -> None:
    with pytest.raises(ProgramFileError) as e:
        with_promotions(pid, toml)
    assert e.value.key == key, e.value.message
    assert fragment in e.value.problem, e.value.message


def product(code: str, cat: str, price: str, member: str | None = None) -> Product:
    return Product(code, f"商品{code}", cat, fen(price), fen(member) if member else None)


def line(no: int, p: Product, qty: int = 1) -> pr.SaleLine:
    return pr.SaleLine(no, p, Qty.of(qty))


def priced(
    program: Program,
    lines: list[pr.SaleLine],
    tier: str | None = None,
    when: datetime = TUESDAY,
    store: str = "",
    coupons: tuple[cp.Coupon, ...] = (),
) -> pr.PricedSale:
    mp = pr.MemberPricing(tier) if tier is not None else None
    prices = pr.price_lines(lines, mp, program)
    prices = pr.promote(prices, program, pr.promo_context(program, when, mp, store))
    choice = cp.apply(coupons, pr.coupon_lines(prices)) if coupons else cp.NO_COUPONS
    return pr.reduce(prices, choice)


def rule(id_: str, kind: str, stacking: str, **kw: object) -> pm.PromotionRule:
    target = kw.pop("target", pm.PromoTarget())
    return pm.PromotionRule(id_, id_, kind, stacking, target=target, **kw)  # type: ignore[arg-type]


YOGURT = product("Y", "dairy", "8.00")
MILK = product("K", "dairy", "12.00")
APPLE = product("A", "fresh", "5.00", "4.50")


# --- the loader ------------------------------------------------------------------------


def test_a_promotion_table_loads_with_its_target() -> None:
    prog = with_promotions(
        "tomato",
        """
[[promotions]]
id = "am"
name = "早市9折"
kind = "percent"
pay_percent = 90
stacking = "stack"
priority = 5
categories = ["fresh"]
weekdays = [6, 7]
hours = ["07:00", "09:30"]
starts = "2026-10-01"
ends = "2026-10-31"
stores = ["五一店"]
tiers = ["red", "gold"]
""",
    )
    (r,) = prog.promotions
    t = r.target
    assert (r.kind, r.pay_percent, r.priority, r.stacking) == ("percent", 90, 5, "stack")
    assert t.categories == ("fresh",) and t.weekdays == (6, 7) and t.stores == ("五一店",)
    assert (t.from_minute, t.to_minute) == (420, 570)
    assert (t.starts, t.ends) == (date(2026, 10, 1), date(2026, 10, 31))
    assert t.members_only  # a tier target is for members


PCT = 'kind = "percent"\npay_percent = 90\nstacking = "stack"'
GIFT = 'kind = "recharge_gift"\nstacking = "stack"'
STEP = 'steps = [{ at_least = "100.00", coins = 5 }]'
ONE = '[[promotions]]\nid = "p"\nname = "x"\n' + PCT + "\n"


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    [
        ('kind = "half_off"\nstacking = "stack"', "promotions[0].kind", "must be one of"),
        (
            'kind = "percent"\npay_percent = 100\nstacking = "stack"',
            "promotions[0].pay_percent",
            "at most 99",
        ),
        (
            'kind = "percent"\npay_percent = 90\nstacking = "sometimes"',
            "promotions[0].stacking",
            "must be one of",
        ),
        (
            'kind = "buy_x_get_y"\nbuy = 0\nget = 1\nstacking = "stack"',
            "promotions[0].buy",
            "at least 1",
        ),
        (
            'kind = "nth_item"\nnth = 1\npay_percent = 50\nstacking = "stack"',
            "promotions[0].nth",
            "at least 2",
        ),
        (
            'kind = "nth_item"\nnth = 2\nstacking = "stack"',
            "promotions[0].pay_percent",
            "is required",
        ),
        (
            'kind = "fixed_price"\nprice = "-1.00"\nstacking = "stack"',
            "promotions[0].price",
            "non-negative",
        ),
        (
            PCT + "\nnth = 2",
            "promotions[0].nth",
            "does not apply",
        ),
        (
            PCT + '\nhours = ["12:00", "09:00"]',
            "promotions[0].hours",
            "end after",
        ),
        (
            PCT + '\nhours = ["9", "10"]',
            "promotions[0].hours",
            "HH:MM",
        ),
        (
            PCT + '\nstarts = "2026-10-02"\nends = "2026-10-01"',
            "promotions[0].ends",
            "before starts",
        ),
        (
            PCT + '\nstarts = "10/02"',
            "promotions[0].starts",
            "a date",
        ),
        (
            PCT + '\ntiers = ["platinum"]',
            "promotions[0].tiers",
            "names no tier",
        ),
        (
            PCT + "\nweekdays = [0]",
            "promotions[0].weekdays",
            "days 1-7",
        ),
        (
            PCT + "\nmonth_days = [32]",
            "promotions[0].month_days",
            "days 1-31",
        ),
        (
            PCT + '\ncolour = "red"',
            "promotions[0].colour",
            "not a known key",
        ),
        ('kind = "recharge_gift"\nstacking = "stack"', "promotions[0].steps", "at least one step"),
        (
            GIFT + '\nhours = ["09:00", "10:00"]\n' + STEP,
            "promotions[0].hours",
            "recharge_gift",
        ),
        (
            'kind = "recharge_gift"\nstacking = "stack"\nsteps = [{ at_least = "100.00" }]',
            "promotions[0].steps[0].coins",
            "coins or a gift_value",
        ),
    ],
)
def test_a_broken_promotion_is_refused_naming_its_key(body: str, key: str, fragment: str) -> None:
    refused("tomato", f'[[promotions]]\nid = "p"\nname = "促销"\n{body}\n', key, fragment)


def test_member_day_needs_a_program_member_day() -> None:
    body = ONE + "member_day = true\n"
    refused("mall", body, "promotions[0].member_day", "no member day")
    assert with_promotions("tomato", body).promotions[0].target.member_day


def test_ids_are_unique_and_lists_are_bounded() -> None:
    one = ONE
    refused("tomato", one + one, "promotions[1].id", "defined twice")
    many = "".join(one.replace('"p"', f'"p{i}"') for i in range(51))
    refused("tomato", many, "promotions", "at most 50")
    codes = ", ".join(f'"{i}"' for i in range(51))
    refused("tomato", one + f"products = [{codes}]\n", "promotions[0].products", "at most 50")


# --- kinds and stacking ------------------------------------------------------------------


def test_buy_two_get_one_frees_the_cheapest_of_each_run_of_three() -> None:
    b2g1 = rule(
        "b2g1",
        "buy_x_get_y",
        "stack",
        buy=2,
        get=1,
        pay_percent=0,
        per="target",
        target=pm.PromoTarget(categories=("dairy",)),
    )
    prog = replace(MALL, promotions=(b2g1,))
    sale = priced(prog, [line(1, YOGURT, 3), line(2, MILK, 3)])
    # units 12,12,12 | 8,8,8: the 3rd of each run free -> 12 + 8 off
    assert sale.promotion_savings == fen("20.00")
    assert sale.total_due == fen("40.00")
    assert [pl.price.promo for pl in sale.lines] == [fen("8.00"), fen("12.00")]


def test_second_item_half_price_counts_units_per_product() -> None:
    half = rule("half", "nth_item", "stack", nth=2, pay_percent=50)
    prog = replace(MALL, promotions=(half,))
    sale = priced(prog, [line(1, YOGURT, 1), line(2, MILK, 3)])
    # yogurt alone: nothing; milk 12, 12(half), 12 -> 6.00 off
    assert [pl.price.promo for pl in sale.lines] == [fen("0.00"), fen("6.00")]


def test_best_of_keeps_the_member_price_when_it_is_lower() -> None:
    deal = rule(
        "deal", "percent", "best_of", pay_percent=95, target=pm.PromoTarget(products=("A",))
    )
    prog = replace(MALL, promotions=(deal,))
    sale = priced(prog, [line(1, APPLE, 2)], tier=None)
    assert sale.total_due == fen("9.50")  # no member: 95% of 10.00
    member = priced(prog, [line(1, APPLE, 2)], tier="silver")  # member price 9.00 < 9.50
    assert member.total_due == fen("9.00") and not member.lines[0].price.promotions


def test_exclusive_replaces_member_price_and_takes_no_coupon() -> None:
    only = rule(
        "only",
        "fixed_price",
        "exclusive",
        price=fen("3.00"),
        target=pm.PromoTarget(products=("A",)),
    )
    prog = replace(MALL, promotions=(only,))
    coupon = cp.Coupon("C", "满0减5", fen("0.00"), fen("5.00"), date(2026, 12, 31))
    sale = priced(prog, [line(1, APPLE, 2), line(2, MILK, 1)], tier="silver", coupons=(coupon,))
    apple, milk = sale.lines
    assert apple.price.member == fen("10.00") and apple.price.promo == fen("4.00")
    assert apple.coupon_share == Money(0) and milk.coupon_share == fen("5.00")
    assert apple.price.coupon_free and not apple.price.member_price_used


def test_overlapping_choices_take_the_better_set() -> None:
    wide = rule("wide", "percent", "best_of", priority=9, pay_percent=90)
    narrow = rule(
        "narrow",
        "nth_item",
        "best_of",
        nth=2,
        pay_percent=0,
        target=pm.PromoTarget(products=("K",)),
    )
    prog = replace(MALL, promotions=(wide, narrow))
    sale = priced(prog, [line(1, MILK, 2)])
    # wide: 24.00 -> 21.60; narrow: one milk free -> 12.00; they share the line
    assert sale.total_due == fen("12.00")
    assert [t.id for t in sale.lines[0].price.promotions] == ["narrow"]


def test_the_time_window_store_and_tier_decide_whether_it_is_on() -> None:
    t = pm.PromoTarget(tiers=("gold",), stores=("五一店",), from_minute=9 * 60, to_minute=12 * 60)
    gold = rule("gold", "percent", "stack", pay_percent=50, target=replace(t, members_only=True))
    prog = replace(MALL, promotions=(gold,))
    lines = [line(1, MILK, 1)]
    assert priced(prog, lines, "gold", store="五一店").total_due == fen("5.10")  # 85% then 50%
    assert priced(prog, lines, "gold", store="八一店").total_due == fen("10.20")
    assert priced(prog, lines, "silver", store="五一店").total_due == fen("10.80")
    late = datetime(2026, 10, 6, 12, 0)
    assert priced(prog, lines, "gold", when=late, store="五一店").total_due == fen("10.20")


def test_a_price_override_line_takes_no_promotion() -> None:
    half = rule("half", "percent", "stack", pay_percent=50)
    prog = replace(MALL, promotions=(half,))
    sale = priced(prog, [replace(line(1, MILK, 1), price_override=fen("11.00"))])
    assert sale.total_due == fen("11.00")


# --- recharge campaigns ----------------------------------------------------------------


def recharge(program: Program, amount: str, day: date) -> lc.RechargeGiftGiven:
    state = m.MemberState(code="M1", entered=True)
    return lc.recharge_entries(program, state, fen(amount), day, "r1", lambda: "x")[1]


@pytest.mark.parametrize(("stacking", "coins"), [("stack", 50), ("best_of", 30), ("exclusive", 20)])
def test_a_recharge_campaign_in_its_dates(stacking: str, coins: int) -> None:
    tomato = load_program("tomato")  # standing: 200.00 -> 30 coins
    steps = (pm.GiftStep(fen("200.00"), coins=20),)
    camp = rule(
        "oct",
        "recharge_gift",
        stacking,
        steps=steps,
        target=pm.PromoTarget(starts=date(2026, 10, 1), ends=date(2026, 10, 7)),
    )
    prog = replace(tomato, promotions=(camp,))
    got = recharge(prog, "200.00", date(2026, 10, 7))
    assert got.coins == coins
    assert [t.id for t in got.promotions] == ([] if stacking == "best_of" else ["oct"])
    assert recharge(prog, "200.00", date(2026, 10, 8)).coins == 30  # over: the standing step
    assert recharge(prog, "100.00", date(2026, 10, 7)).coins == 0


def test_a_best_of_campaign_wins_when_worth_more() -> None:
    organic = load_program("organic")  # standing: 12000 -> +3000 stored value
    steps = (pm.GiftStep(fen("10000.00"), gift_value=fen("3500.00")),)
    camp = rule("spring", "recharge_gift", "best_of", steps=steps)
    got = recharge(replace(organic, promotions=(camp,)), "12000.00", date(2026, 4, 1))
    assert got.gift_value == fen("3500.00") and [t.id for t in got.promotions] == ["spring"]


# --- returns ----------------------------------------------------------------------------


def sold(program: Program, lines: list[pr.SaleLine]):  # type: ignore[no-untyped-def]
    sale = priced(program, lines)
    tendering = apply_tenders(
        sale.total_due, [TenderRequest("cash", sale.total_due)], program, None, TUESDAY.date()
    )
    return settle_sale(program, None, sale, tendering, TUESDAY.date(), "S1", lambda: "x").record


def test_returning_the_free_unit_refunds_nothing_and_the_rest_refunds_the_whole() -> None:
    b2g1 = rule(
        "b2g1",
        "buy_x_get_y",
        "stack",
        buy=2,
        get=1,
        pay_percent=0,
        target=pm.PromoTarget(products=("Y",)),
    )
    prog = replace(MALL, promotions=(b2g1,))
    rec = sold(prog, [line(1, YOGURT, 3)])
    assert rec.total_due == fen("16.00") and rec.promotions == (b2g1,)
    first = settle_return(prog, None, rec, [], [(1, Qty.of(1))], TUESDAY.date(), "R1").record
    assert first.refund == Money(0)  # the two kept cost 16.00: no run of three any more
    rest = settle_return(prog, None, rec, [first], None, TUESDAY.date(), "R2").record
    assert rest.refund == fen("16.00") and rest.full


def test_a_return_across_lines_moves_the_lost_saving_onto_the_kept_line() -> None:
    b2g1 = rule(
        "b2g1",
        "buy_x_get_y",
        "stack",
        buy=2,
        get=1,
        pay_percent=0,
        per="target",
        target=pm.PromoTarget(categories=("dairy",)),
    )
    prog = replace(MALL, promotions=(b2g1,))
    cheap = product("Y2", "dairy", "6.00")
    rec = sold(prog, [line(1, MILK, 2), line(2, cheap, 1)])  # 12 + 12 + 6 free = 24.00
    assert [ln.net for ln in rec.lines] == [fen("24.00"), Money(0)]
    ret = settle_return(prog, None, rec, [], [(1, Qty.of(1))], TUESDAY.date(), "R1").record
    # kept: one milk and the yogurt, no free unit: 18.00; paid 24.00 -> 6.00 back
    assert ret.refund == fen("6.00")
    assert [(rl.line_no, rl.qty.milli, rl.refund) for rl in ret.lines] == [
        (1, 1000, fen("12.00")),
        (2, 0, fen("-6.00")),  # the yogurt now holds 6.00 of what was paid
    ]
    last = settle_return(prog, None, rec, [ret], None, TUESDAY.date(), "R2").record
    assert last.refund == fen("18.00") and last.full
