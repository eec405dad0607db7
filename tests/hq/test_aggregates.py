"""The reports' sums equal a recount from the raw entries, after sales, returns,
recharges, HQ jobs, adjustments and campaigns at two stores."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sync.hq import adjust, aggregates
from sync.hq import campaigns as cmp
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import DailyFlowRow
from terminal.money import Money
from terminal.quantity import Qty
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
