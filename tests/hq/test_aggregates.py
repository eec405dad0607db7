"""The reports' sums equal a recount from the raw entries, after sales, returns,
recharges, HQ jobs, adjustments and campaigns at two stores."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import select, update

from sync.hq import adjust, aggregates, db, facts
from sync.hq import campaigns as cmp
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import DailyFlowRow, MonthlyFlowRow
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import NOW, RICE, SOY, Hq, cash, coins

AT = NOW.replace(tzinfo=svc.CHAIN_ZONE)


class Clock:
    at = AT


def held(hq: Hq) -> tuple[dict[aggregates.Key, int], dict[str, int]]:
    with hq.sessions() as s:
        flows = {
            (r.day, r.store_id, r.metric): r.value
            for r in s.execute(select(DailyFlowRow)).scalars()
            if r.value
        }
        return flows, aggregates.totals(s)


def test_sums_equal_a_recount_from_the_entries(hq: Hq) -> None:
    Clock.at = AT
    hq.app = create_app(hq.engine, now=lambda: Clock.at)
    hq.import_setup()
    t1, t2 = hq.till("T1"), hq.till("T2", store="S2")
    t1.sync(), t2.sync()
    hq.run(lambda s: adjust.propose(s, adjust.Request("M1", "coins", 30, "补发"), "ops", AT))
    plan = cmp.Plan("c1", "活动", cmp.Segment(), "c30off5")
    hq.run(lambda s: cmp.issue(s, plan, "mk", AT))
    t1.sync(), t2.sync()
    for t in (t1, t2):
        t.clock.set(NOW + timedelta(hours=1))
    Clock.at = AT + timedelta(hours=1)
    sold = t1.sell("M1", RICE, coins(10), cash(100))
    t1.sell(None, SOY)
    t2.counter.recharge("M2", Money(20000), t2.counter.authorize("mgr", "8888"))
    t2.sell("M2", SOY, TenderRequest("stored_value", Money(500)), cash(20))
    t1.counter.return_sale(sold.receipt_no, [(1, Qty(1000))], t1.counter.authorize("mgr", "8888"))
    t1.sync(), t2.sync()
    flows, totals = held(hq)
    with hq.sessions() as s:
        want_flows, want_totals = aggregates.recount(s)
    assert flows == want_flows
    assert totals == want_totals
    day = NOW.date()
    assert flows[(day, "S1", "receipts")] == 2 and flows[(day, "S1", "member_receipts")] == 1
    assert flows[(day, "S2", "sv_p:recharge")] == 20000
    assert totals["members"] == 2 and totals["cpn_unused:campaign"] >= 1
    assert totals["sv_p"] == sum(hq.member(c).principal.fen for c in ("M1", "M2"))
    # the balances by month are their days summed; a month that drifts is said
    with hq.sessions() as s:
        by_month = {
            (r.month, r.store_id, r.metric): r.value
            for r in s.execute(select(MonthlyFlowRow)).scalars()
            if r.value
        }
    assert by_month == aggregates.months(want_flows)
    assert by_month[(day.replace(day=1), "S2", "sv_p:recharge")] == 20000
    row = MonthlyFlowRow
    bump = update(row).where(row.store_id == "S2", row.metric == "sv_p:recharge")
    hq.run(lambda s: s.execute(bump.values(value=row.value + 1)))
    with hq.sessions() as s:
        assert [p for p in aggregates.check(s) if "by month" in p] == [
            f"report sums: {day:%Y-%m} S2 sv_p:recharge is 20001 by month, its days give 20000"
        ]
        aggregates.fill_months(s)  # migration 0017's fill puts it right
        assert aggregates.check(s) == []
    # an HQ from before 0017: the migration fills the months from the days it holds
    command.downgrade(db.config(hq.engine), "0016")
    db.upgrade(hq.engine)
    with hq.sessions() as s:
        assert {
            (r.month, r.store_id, r.metric): r.value
            for r in s.execute(select(MonthlyFlowRow)).scalars()
        } == by_month
        assert aggregates.check(s) == []


POINTS = load_program("points")  # points expire with the membership year


@pytest.mark.parametrize(
    ("program", "start", "month"),
    [
        (POINTS, date(2025, 11, 20), "2026-11"),  # held through 2026-11-19
        (POINTS, date(2025, 12, 1), "2026-11"),  # held through 2026-11-30
        (POINTS, date(2024, 2, 29), "2025-02"),  # expire on 02-28: held through 02-27
        (POINTS, None, "never"),
        (dataclasses.replace(POINTS, points_expiry="never"), date(2025, 11, 20), "never"),
        (None, date(2025, 11, 20), "never"),  # no program yet
    ],
)
def test_the_points_forecast_follows_the_tills_rule(
    program: Program | None, start: date | None, month: str
) -> None:
    st = m.MemberState(code="M1", points=500, points_year_start=start)
    assert aggregates.points_expiry_month(st, program) == month
    assert aggregates.contributions(st, program)[f"points_exp:{month}"] == 500
    if program is not None:  # HQ's due day is the same day
        end = lc.points_expiry_day(program, start)
        assert facts.next_due(st, program) == end
