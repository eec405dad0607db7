"""Campaigns: a segment's members counted before issuing, a budget, coupons that reach
a till by sync and are redeemed there, issuing twice issues once, redemption figures
equal to a recount from the sales HQ holds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from sync.hq import campaigns as cmp
from sync.hq import jobs
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import EntryRow, MemberRow, RfmMoveRow
from terminal.errors import InvalidInput, RuleViolation
from tests.hq.helpers import NOW, RICE, SETUP, SOY, Hq

CST = svc.CHAIN_ZONE
AT = NOW.replace(tzinfo=CST)
MEMBERS = [
    {"code": "M1", "phone": "13800005678", "registered": "2025-01-01", "tier": "red"},
    {"code": "M2", "phone": "13900001111", "registered": "2025-01-01"},
    {
        "code": "M3",
        "phone": "13900002222",
        "registered": "2026-09-01",
        "tier": "red",
        "birthday": "1990-03-04",
    },
    {"code": "M4", "phone": "13900003333", "registered": "2026-09-15", "tier": "gold"},
]


class HqClock:
    at = AT


@pytest.fixture
def hq(engine: Engine, tmp_path: Path) -> Iterator[Hq]:
    HqClock.at = AT
    h = Hq(engine, tmp_path)
    h.app = create_app(engine, now=lambda: HqClock.at)
    h.import_setup({**SETUP, "members": MEMBERS})
    yield h
    h.close()


def plan(**kw: object) -> cmp.Plan:
    base: dict[str, object] = {
        "id": "winback-oct",
        "name": "十月挽回",
        "segment": cmp.Segment(tiers=("red",)),
        "template": "c30off5",
    }
    return cmp.Plan(**{**base, **kw})  # type: ignore[arg-type]


def test_a_preview_counts_and_writes_nothing(hq: Hq) -> None:
    pv = hq.run(lambda s: cmp.preview(s, plan(per_member=2), AT))
    assert (pv.members, pv.coupons, pv.face_fen, pv.over_budget) == (2, 4, 2000, "")
    born = cmp.Segment(birthday_month=3)
    assert hq.run(lambda s: cmp.preview(s, plan(segment=born), AT)).members == 1
    since = cmp.Segment(registered_since=date(2026, 9, 1))
    assert hq.run(lambda s: cmp.preview(s, plan(segment=since), AT)).members == 2
    over = hq.run(lambda s: cmp.preview(s, plan(budget_fen=1000, per_member=2), AT))
    assert "exceeds the budget" in over.over_budget
    with hq.sessions() as s:
        assert s.execute(select(MemberRow.code).where(MemberRow.tier == "red")).all()
        assert cmp.listed(s) == []
    assert [m.coupons for m in (hq.member("M1"), hq.member("M3"))] == [(), ()]


def test_bad_plans_and_budgets_are_refused(hq: Hq) -> None:
    with pytest.raises(InvalidInput):
        hq.run(lambda s: cmp.issue(s, plan(id="Bad Id"), "mk1", AT))
    with pytest.raises(InvalidInput):
        hq.run(lambda s: cmp.issue(s, plan(template="nope"), "mk1", AT))
    with pytest.raises(RuleViolation) as budget:
        hq.run(lambda s: cmp.issue(s, plan(budget_coupons=1), "mk1", AT))
    assert budget.value.code == "over_budget"
    with pytest.raises(RuleViolation) as moved:
        hq.run(lambda s: cmp.issue(s, plan(), "mk1", AT, expected=5))
    assert moved.value.code == "segment_changed"
    with pytest.raises(RuleViolation) as scope:
        hq.run(lambda s: cmp.issue(s, plan(), "sm1", AT, scope={"S1"}))
    assert scope.value.code == "out_of_scope"
    with hq.sessions() as s:
        assert cmp.listed(s) == []


def test_coupons_reach_a_till_are_redeemed_and_counted(hq: Hq) -> None:
    till = hq.till("T1")
    till.sync()
    pv = hq.run(lambda s: cmp.issue(s, plan(), "mk1", AT, expected=2))
    assert (pv.members, pv.coupons) == (2, 2)
    again = hq.run(lambda s: cmp.issue(s, plan(), "mk1", AT))  # issuing twice issues once
    assert again.coupons == 2
    assert [c.id for c in hq.member("M1").coupons if c.id.startswith("cmp:")] == [
        "cmp:winback-oct:M1:0"
    ]
    till.sync()
    assert any(c.id == "cmp:winback-oct:M1:0" for c in till.state("M1").coupons)
    till.clock.set(NOW + timedelta(hours=1))
    HqClock.at = AT + timedelta(hours=1)
    sold = till.sell("M1", RICE)
    assert "cmp:winback-oct:M1:0" in {cid for cid, _ in sold.record.coupons}
    till.sell("M2", SOY)  # no campaign coupon: not counted
    till.sync()
    with hq.sessions() as s:
        st = cmp.stats(s, "winback-oct")
        # the same figures from the raw entries: every sale that used a campaign coupon
        recount = {"used": 0, "off_fen": 0, "spend_fen": 0}
        for (payload,) in s.execute(select(EntryRow.payload).where(EntryRow.kind == "sale")):
            rec = json.loads(payload)["record"]
            used = [(c, off) for c, off in rec["coupons"] if c.startswith("cmp:winback-oct:")]
            for _, off in used:
                recount["used"] += 1
                recount["off_fen"] += off
                recount["spend_fen"] += sum(t["amount"] for t in rec["tenders"])
        assert st.by_store["S1"] == recount == st.by_store[""]
        assert st.issued_members == 2 and recount["used"] == 1
        assert cmp.stats(s, "winback-oct", scope={"S2"}).by_store[""]["used"] == 0
    assert [c.state for c in hq.member("M1").coupons if c.id.startswith("cmp:")] == ["used"]


def test_blocked_members_get_nothing_and_rfm_segments_are_kept(hq: Hq) -> None:
    hq.run(lambda s: svc.set_blocked(s, "M3", True, "lost", AT))
    assert hq.run(lambda s: cmp.preview(s, plan(), AT)).members == 1
    day = date(2026, 10, 6)
    with hq.sessions() as s, s.begin():
        program = svc.hq_program(s, day)
        assert program is not None
        rep = jobs.rfm(s, program, day)
    with hq.sessions() as s:
        held = {c: g for c, g in s.execute(select(MemberRow.code, MemberRow.rfm_segment))}
        moves = {
            (r.from_segment, r.to_segment): r.members
            for r in s.execute(select(RfmMoveRow).where(RfmMoveRow.day == day)).scalars()
        }
    assert held == rep.segments
    assert sum(moves.values()) == len(held) and all(a == "" for a, _ in moves)
    seg = next(iter(rep.segments.values()))
    want = sum(1 for c, g in rep.segments.items() if g == seg and c != "M3")
    got = hq.run(lambda s: cmp.preview(s, plan(segment=cmp.Segment(rfm=(seg,))), AT))
    assert got.members == want
