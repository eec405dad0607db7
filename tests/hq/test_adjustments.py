"""Adjustments: a reason always, a second user above the limits, entries on HQ's chain
that tills pull, reversal by an exact counter-entry, CSV batches previewed first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from sync.hq import adjust
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import AdjustmentRow
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import NOW, RICE, Hq

CST = svc.CHAIN_ZONE
AT = NOW.replace(tzinfo=CST)  # HQ's clock agrees with the tills'


class HqClock:
    at = AT


@pytest.fixture
def hq(engine: Engine, tmp_path: Path) -> Iterator[Hq]:
    HqClock.at = AT
    h = Hq(engine, tmp_path)
    h.app = create_app(engine, now=lambda: HqClock.at)
    h.import_setup()
    yield h
    h.close()


def propose(hq: Hq, req: adjust.Request, by: str = "ops1", **kw: object) -> adjust.Adjustment:
    return hq.run(lambda s: adjust.propose(s, req, by, AT, **kw))  # type: ignore[no-any-return]


def count(hq: Hq) -> int:
    with hq.sessions() as s:
        return int(s.execute(select(func.count()).select_from(AdjustmentRow)).scalar() or 0)


def coins(hq: Hq, code: str) -> int:
    return sum(x.coins for x in hq.member(code).coin_lots)


def test_a_coin_grant_applies_at_once_and_reaches_a_till(hq: Hq) -> None:
    till = hq.till("T1")
    till.sync()
    before = coins(hq, "M1")
    a = propose(hq, adjust.Request("M1", "coins", 50, "补发活动币 (工单 123)"))
    assert a.state == "applied" and a.entries
    assert coins(hq, "M1") == before + 50
    till.sync()
    assert sum(x.coins for x in till.state("M1").coin_lots) == before + 50
    assert hq.verify() == []


def test_every_adjustment_needs_a_reason_and_bad_ones_write_nothing(hq: Hq) -> None:
    for req, code in [
        (adjust.Request("M1", "coins", 5, "  "), "reason_required"),
        (adjust.Request("M1", "coins", 0, "x"), "bad_amount"),
        (adjust.Request("M1", "bonus", 5, "x"), "bad_adjustment"),
        (adjust.Request("M1", "coupon_grant", 2, "x", template="nope"), "bad_coupon"),
    ]:
        with pytest.raises(InvalidInput) as e:
            propose(hq, req)
        assert e.value.code == code
    with pytest.raises(NotFound):
        propose(hq, adjust.Request("M404", "coins", 5, "x"))
    with pytest.raises(RuleViolation) as short:
        propose(hq, adjust.Request("M1", "coins", -10_000, "x"))
    assert short.value.code == "insufficient_balance"
    assert count(hq) == 0


def test_above_the_limit_a_second_user_approves(hq: Hq) -> None:
    before = hq.member("M1").principal
    a = propose(hq, adjust.Request("M1", "stored_value", 80000, "退款补录"))
    assert a.state == "pending" and hq.member("M1").principal == before
    with pytest.raises(RuleViolation) as same:
        hq.run(lambda s: adjust.approve(s, a.id, "ops1", AT))
    assert same.value.code == "same_user"
    done = hq.run(lambda s: adjust.approve(s, a.id, "fin1", AT))
    assert (done.state, done.decided_by) == ("applied", "fin1")
    assert hq.member("M1").principal == before + Money(80000)
    b = propose(hq, adjust.Request("M1", "coins", 900, "x"))
    refused = hq.run(lambda s: adjust.refuse(s, b.id, "fin1", AT))
    assert refused.state == "refused"
    with pytest.raises(RuleViolation):
        hq.run(lambda s: adjust.approve(s, b.id, "fin2", AT))


def test_a_reversal_is_the_exact_counter_entry(hq: Hq) -> None:
    start = hq.member("M1")
    a = propose(hq, adjust.Request("M1", "stored_value", 1000, "x", gift_fen=500))
    b = propose(hq, adjust.Request("M1", "coupon_grant", 2, "投诉补偿", template="c30off5"))
    c = propose(hq, adjust.Request("M1", "points", 300, "x"))
    for x in (a, b, c):
        rev = hq.run(lambda s, x=x: adjust.reverse(s, x.id, "录错了", "ops2", AT))
        assert rev.reverses == x.id and rev.state == "applied"
    end = hq.member("M1")
    assert (end.principal, end.gift, end.points) == (start.principal, start.gift, start.points)
    assert [cp.state for cp in end.coupons if cp.id.startswith(f"adj:{b.id}")] == [
        "revoked",
        "revoked",
    ]
    with pytest.raises(RuleViolation) as twice:
        hq.run(lambda s: adjust.reverse(s, a.id, "again", "ops2", AT))
    assert twice.value.code == "not_reversible"
    assert hq.verify() == []


def test_coins_spent_at_a_till_cannot_be_reversed_away(hq: Hq) -> None:
    till = hq.till("T1")
    till.sync()
    held = coins(hq, "M1")
    a = propose(hq, adjust.Request("M1", "coins", 40, "x"))
    till.sync()
    till.clock.set(NOW + timedelta(hours=1))
    HqClock.at = AT + timedelta(hours=1)
    till.sell(
        "M1",
        RICE,
        TenderRequest("coins", None, coins=held + 40),
        TenderRequest("cash", Money(10000)),
    )
    till.sync()
    with pytest.raises(RuleViolation) as spent:
        hq.run(lambda s: adjust.reverse(s, a.id, "x", "ops2", AT + timedelta(hours=2)))
    assert spent.value.code == "not_reversible"


def test_a_granted_coupon_is_redeemed_at_a_till(hq: Hq) -> None:
    till = hq.till("T1")
    till.sync()
    propose(hq, adjust.Request("M1", "coupon_grant", 1, "x", template="c30off5"))
    till.sync()
    till.clock.set(NOW + timedelta(hours=1))
    HqClock.at = AT + timedelta(hours=1)
    sold = till.sell("M1", RICE)
    assert any(cid.startswith("adj:") for cid, _ in sold.record.coupons)
    till.sync()  # HQ re-derives the redemption: the coupon is the member's
    assert [c.state for c in hq.member("M1").coupons if c.id.startswith("adj:")] == ["used"]


def test_a_store_manager_adjusts_only_its_stores_members(hq: Hq) -> None:
    t2 = hq.till("T9", store="S2")
    t2.sync()
    t2.counter.register("M77", "13700001234")
    t2.sync()
    with pytest.raises(NotFound):
        propose(hq, adjust.Request("M77", "coins", 5, "x"), scope={"S1"})
    assert propose(hq, adjust.Request("M77", "coins", 5, "x"), scope={"S2"}).state == "applied"
    # an imported member no till has seen (linked to ``hq`` only) is no store's, as on
    # the console's pages, though every store's tills pull it; a chain-wide user adjusts
    with pytest.raises(NotFound):
        propose(hq, adjust.Request("M2", "coins", 5, "x"), scope={"S1"})
    pv = hq.run(lambda s: adjust.preview_csv(s, "M2,coins,5,x\n", AT, scope={"S1"}))
    assert pv.refusals == [(1, "no member M2")]  # a CSV batch goes by the same rule
    with pytest.raises(InvalidInput):
        hq.run(lambda s: adjust.commit_csv(s, "M2,coins,5,x\n", "sam", AT, scope={"S1"}))
    assert count(hq) == 1
    assert propose(hq, adjust.Request("M2", "coins", 5, "x")).state == "applied"


def test_a_csv_batch_is_previewed_then_committed_once(hq: Hq) -> None:
    bad = "member,kind,amount,reason\nM1,coins,20,活动补发\nM404,coins,5,x\nM2,coins,-5,x\n"
    pv = hq.run(lambda s: adjust.preview_csv(s, bad, AT))
    assert [line for line, _ in pv.refusals] == [3, 4] and pv.members == 1
    with pytest.raises(InvalidInput) as refused:
        hq.run(lambda s: adjust.commit_csv(s, bad, "ops1", AT))
    assert refused.value.code == "batch_refused" and count(hq) == 0
    good = (
        "member,kind,amount,reason\nM1,coins,20,活动补发\nM2,stored_value,10.00,x\nM2,coins,5,y\n"
    )
    pv = hq.run(lambda s: adjust.preview_csv(s, good, AT))
    assert pv.ok and pv.totals == {"coins": 25, "stored_value": 1000} and pv.members == 2
    _, made = hq.run(lambda s: adjust.commit_csv(s, good, "ops1", AT))
    assert len(made) == 3 and all(a.state == "applied" for a in made)
    again, none = hq.run(lambda s: adjust.commit_csv(s, good, "ops1", AT))
    assert again.committed and none == [] and count(hq) == 3
    # rows for one member add up: two deductions that each fit but not together
    over = f"M1,coins,-{coins(hq, 'M1')},x\nM1,coins,-1,y\n"
    pv = hq.run(lambda s: adjust.preview_csv(s, over, AT))
    assert [line for line, _ in pv.refusals] == [2]
