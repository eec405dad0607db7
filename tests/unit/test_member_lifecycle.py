"""HQ grants, offline overdraft debts, member status and entry, stored-value refunds,
prepaid card loads, RFM segments (rule book §1.5-§1.8, §4)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from terminal.errors import PosError
from terminal.money import Money
from terminal.rules import grants
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import tenders as tn
from terminal.rules.catalog import Product
from terminal.rules.program_loader import load_program
from terminal.rules.rfm import RfmThresholds, median_thresholds, segment

from .till import Till, cash, coins, sv

TOMATO = load_program("tomato")
DAY = date(2026, 10, 7)


def fen(text: str) -> Money:
    return Money.parse(text)


# HQ grants (§1.5) ---------------------------------------------------------------------


def test_monthly_spend_bonus_each_500_and_the_running_total_restarts_from_the_excess() -> None:
    assert grants.spend_bonus(TOMATO, fen("450.00"), fen("30.00")) == (0, fen("480.00"))
    assert grants.spend_bonus(TOMATO, fen("480.00"), fen("40.00")) == (100, fen("20.00"))
    assert grants.spend_bonus(TOMATO, fen("20.00"), fen("1000.00")) == (200, fen("20.00"))


def test_visits_within_24_hours_after_a_counted_visit_are_the_same_visit() -> None:
    t = [
        datetime(2026, 10, 1, 9),
        datetime(2026, 10, 1, 20),
        datetime(2026, 10, 2, 8, 59),
        datetime(2026, 10, 2, 9, 1),
        datetime(2026, 10, 3, 10),
    ]
    assert grants.count_visits(t, 24) == 3  # 1st 09:00 (+20:00, +2nd 08:59), 2nd 09:01, 3rd


def _days(n: int) -> list[datetime]:
    """One purchase a day, each a minute later than 24 hours after the one before."""
    return [datetime(2026, 10, d, 10, d) for d in range(1, n + 1)]


@pytest.mark.parametrize(
    ("visits", "spend", "bonus"),
    [
        (14, "300.00", 0),
        (15, "300.00", 20),
        (20, "300.00", 20),
        (21, "300.00", 50),
        (25, "299.99", 0),
    ],
)
def test_monthly_visit_bonus(visits: int, spend: str, bonus: int) -> None:
    assert grants.visit_bonus(TOMATO, fen(spend), _days(visits)) == bonus


def test_profile_completion_grants_once_each_and_legacy_points() -> None:
    assert grants.profile_grant(TOMATO, "diet_questionnaire", set()) == 50
    assert grants.profile_grant(TOMATO, "birth_date", {"birth_date"}) == 0
    assert grants.profile_grant(TOMATO, "shoe_size", set()) == 0
    assert grants.legacy_coins(TOMATO, 12345) == 123
    assert grants.legacy_coins(load_program("mall"), 12345) == 0


# §1.8 offline overdraft -> debt ----------------------------------------------------------


def test_two_offline_tills_overdraw_and_hq_records_the_debt() -> None:
    start = lc.opening_entries(
        TOMATO,
        lc.Opening(
            code="M1",
            registered=date(2026, 1, 1),
            coin_lots=((30, date(2026, 6, 1)),),
            principal=fen("100.00"),
        ),
        DAY,
    )
    member = m.fold(start)
    # Each till, offline, sees 30 coins and 100.00 and lets the member spend 25 + 80.
    till_a = tn.apply_tenders(
        fen("105.00"), [coins(25), sv("80.00")], TOMATO, member, DAY, offline_room=lc_room(0)
    )
    till_b = tn.apply_tenders(
        fen("105.00"), [coins(25), sv("80.00")], TOMATO, member, DAY, offline_room=lc_room(0)
    )
    at_hq = m.fold([*till_a.entries, *till_b.entries], member)
    assert at_hq.coins_on(DAY) < 0 or any(lot.coins < 0 for lot in at_hq.coin_lots)
    debt = lc.overdraft_to_debt(at_hq, "sync1")
    after = m.fold(debt, at_hq)
    assert (after.coin_debt, after.sv_debt) == (20, fen("60.00"))
    assert after.coins_on(DAY) == 0 and after.principal == Money(0)
    # The next credit settles the debt first.
    later = m.fold(
        [
            m.CoinLotGranted("L2", 50, DAY, None, "earned"),
            m.StoredValueChanged(fen("100.00"), Money(0), "recharge"),
        ],
        after,
    )
    settled = m.fold(lc.repay_debt(later, DAY, "r1"), later)
    assert (settled.coin_debt, settled.sv_debt) == (0, Money(0))
    assert (settled.coins_on(DAY), settled.principal) == (30, fen("40.00"))


def lc_room(spent_today: int) -> Money:
    return tn.offline_room(TOMATO, Money(spent_today))


def test_offline_limit_caps_coins_and_stored_value_per_member_per_day() -> None:
    member = m.fold(
        lc.opening_entries(
            TOMATO,
            lc.Opening(
                code="M1",
                registered=date(2026, 1, 1),
                coin_lots=((300, date(2026, 6, 1)),),
                principal=fen("500.00"),
            ),
            DAY,
        )
    )
    assert tn.offline_room(TOMATO, fen("150.00")) == fen("50.00")
    assert tn.offline_room(TOMATO, fen("250.00")) == Money(0)
    ok = tn.apply_tenders(
        fen("300.00"), [coins(50), cash("250.00")], TOMATO, member, DAY, offline_room=fen("50.00")
    )
    assert ok.member_spend == fen("50.00")
    with pytest.raises(PosError) as e:
        tn.apply_tenders(
            fen("300.00"),
            [coins(50), sv("1.00"), cash("249.00")],
            TOMATO,
            member,
            DAY,
            offline_room=fen("50.00"),
        )
    assert e.value.code == "offline_limit"


# stored value and prepaid cards (§1.7, §4) --------------------------------------------


def test_stored_value_refund_is_unused_principal_only_gift_forfeited() -> None:
    member = m.fold(
        lc.opening_entries(
            TOMATO,
            lc.Opening(
                code="M1", registered=date(2026, 1, 1), principal=fen("250.00"), gift=fen("50.00")
            ),
            DAY,
        )
    )
    entries, refund = lc.sv_refund_entries(member, "SVR1")
    after = m.fold(entries, member)
    assert refund == fen("250.00") and after.stored_value == Money(0)
    with pytest.raises(PosError) as e:
        lc.sv_refund_entries(after, "SVR2")
    assert e.value.code == "nothing_to_refund"


def test_prepaid_card_load_is_principal() -> None:
    member = m.fold(lc.card_load_entries(fen("500.00"), "card-1"))
    assert (member.principal, member.gift) == (fen("500.00"), Money(0))


# organic entry and member states (§4) -------------------------------------------------


VEG = Product("V", "有机蔬菜", "vegetable", fen("100.00"))
BIG = Product("B", "年货礼盒", "vegetable", fen("380.00"))


def test_organic_entry_by_a_first_purchase_of_at_least_380() -> None:
    t = Till.of("organic", [VEG, BIG], DAY)
    t.register("O1", "13900000001")
    assert lc.member_status(t.member("O1"), t.program, DAY) == "registered"
    small = t.sell([(VEG.code, None)], [cash("100.00")], member="O1")
    assert small.earned.coins == 0 and not t.member("O1").entered
    big = t.sell([(BIG.code, None)], [cash("380.00")], member="O1")
    assert big.earned.coins == 19 and t.member("O1").entered
    assert lc.member_status(t.member("O1"), t.program, DAY) == "active"


def test_organic_entry_by_recharge_and_sleeping_after_90_days() -> None:
    t = Till.of("organic", [VEG], DAY)
    t.register("O2", "13900000002")
    t.recharge("O2", "100.00")
    assert t.member("O2").entered
    assert lc.member_status(t.member("O2"), t.program, DAY) == "recharged"
    t.sell([(VEG.code, None)], [sv("100.00")], member="O2")
    assert lc.member_status(t.member("O2"), t.program, date(2027, 1, 5)) == "active"
    assert lc.member_status(t.member("O2"), t.program, date(2027, 1, 6)) == "sleeping"
    blocked = m.fold([m.Blocked(True, "closed")], t.member("O2"))
    assert lc.member_status(blocked, t.program, DAY) == "closed"


def test_skipped_tier_gifts_setting_grants_every_tier_passed() -> None:
    prog = dataclasses.replace(TOMATO, skipped_tier_gifts=True)
    t = Till(prog, [Product("F", "鲜品", "fresh", fen("3100.00"))], DAY)
    t.open_member(code="M1", registered=date(2026, 1, 1), growth_points=950)
    sale = t.sell([("F", None)], [cash("3100.00")], member="M1")
    assert len(sale.coupons_granted) == 5  # red's 2 and gold's 3


# RFM (§1.6) -----------------------------------------------------------------------------


TH = RfmThresholds(recent_days=30, frequency=4, monetary=fen("500.00"))


@pytest.mark.parametrize(
    ("last", "freq", "money", "seg"),
    [
        (date(2026, 10, 1), 5, "800.00", "high_value"),
        (date(2026, 10, 1), 2, "800.00", "important_development"),
        (date(2026, 10, 1), 5, "100.00", "general_value"),
        (date(2026, 6, 1), 5, "800.00", "important_retention"),
        (date(2026, 6, 1), 2, "800.00", "important_churned"),
        (date(2026, 6, 1), 2, "100.00", "sleeping"),
        (None, 0, "0.00", "sleeping"),
        (date(2026, 10, 1), 1, "100.00", "general_development"),
        (date(2026, 6, 1), 9, "100.00", "general_retention"),
    ],
)
def test_rfm_segments(last: date | None, freq: int, money: str, seg: str) -> None:
    s = segment(
        today=DAY,
        registered=date(2024, 1, 1),
        last_purchase=last,
        frequency_12m=freq,
        monetary_12m=fen(money),
        thresholds=TH,
    )
    assert s.id == seg and s.action and s.action_en


def test_rfm_new_member_first_month_and_median_thresholds() -> None:
    s = segment(
        today=DAY,
        registered=date(2026, 9, 8),
        last_purchase=None,
        frequency_12m=0,
        monetary_12m=Money(0),
        thresholds=TH,
    )
    assert s.id == "new" and s.action == "送欢迎礼, 介绍会员权益"
    th = median_thresholds([1, 3, 9], [fen("10.00"), fen("500.00"), fen("90.00")], 30)
    assert (th.frequency, th.monetary) == (3, fen("90.00"))
