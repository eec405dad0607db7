"""Spend ladders fall (issue 17): the till only upgrades, HQ's month-end re-tiers every
spend-ladder member on the rolling 12 months (rule book §2, §5, §7), the ledger says
why (``TierChanged`` reason ``reassessed`` with the spend it saw), a second run changes
nothing, and the till prices at the new tier after its next pull.

The figures are worked by hand in the comments (programs ``mall`` and ``basic``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sync.hq import jobs
from sync.hq import service as svc
from sync.hq.models import EntryRow
from terminal.money import Money
from terminal.rules.program import Program
from tests.hq.helpers import Hq, as_sent, cash
from tests.hq.test_jobs import snapshot

COAT, SCARF, TEA = "6901000000011", "6901000000028", "6901000000035"

MALL: dict[str, Any] = {
    "program": "mall",
    "start": "2025-10-01T09:00:00",  # opening spend_12m is dated at the import day
    "catalog": [
        {"code": COAT, "name": "大衣", "category": "clothing", "price": "6000.00"},
        {"code": SCARF, "name": "围巾", "category": "clothing", "price": "100.00"},
    ],
    "members": [
        {"code": "M1", "phone": "13800000001", "registered": "2024-01-01", "tier": "gold",
         "spend_12m": "12000.00"},
        {"code": "M2", "phone": "13800000002", "registered": "2024-01-01", "tier": "gold",
         "spend_12m": "12000.00"},
    ],
}  # fmt: skip

BASIC: dict[str, Any] = {
    "program": "basic",
    "start": "2026-10-01T09:00:00",
    "catalog": [{"code": TEA, "name": "茶叶", "category": "grocery", "price": "20.00"}],
    "members": [
        {"code": "B1", "phone": "13900000001", "registered": "2024-01-01", "tier": "diamond",
         "spend_12m": "10000.00"},
    ],
}  # fmt: skip


def program(hq: Hq) -> Program:
    with hq.sessions() as s:
        prog = svc.hq_program(s)
    assert prog is not None
    return prog


def month_end(hq: Hq, month: str, now: datetime) -> jobs.MonthEndReport:
    return jobs.month_end(hq.sessions, program(hq), month, now, chunk=1)


def reassessed(hq: Hq, code: str) -> list[dict[str, Any]]:
    """HQ's re-tiering entries of ``code`` (their payloads)."""
    with hq.sessions() as s:
        rows = s.execute(
            select(EntryRow.payload).where(
                EntryRow.member_code == code, EntryRow.ref == jobs.REASSESS_REF
            )
        ).scalars()
        return [json.loads(p) for p in rows]


def test_mall_gold_falls_to_what_the_rolling_spend_gives_and_tills_see_it(hq: Hq) -> None:
    hq.import_setup(MALL)
    t = hq.till("S1-T01")  # clock 2026-10-06
    assert t.sync().acknowledged
    # M1 on 2026-10-06: the 12,000.00 dated 2025-10-01 counted through 2026-09-30 and
    # has rolled off. Coat 6000.00 at gold 85% = 5100.00; spend_12m 5100.00; points
    # floor(510000 x 1.5 / 100) = 7650. The till only upgrades: still gold.
    sale = t.sell("M1", COAT, cash(5100))
    assert sale.record.total_due == Money.parse("5100.00")
    assert t.state("M1").tier == "gold" and t.state("M1").spend_12m == Money.parse("5100.00")
    assert t.sync().acknowledged
    assert hq.member("M1").tier == "gold"

    rep = month_end(hq, "2026-10", datetime(2026, 11, 1, 2, 0))
    # 1 November: M1's 5100.00 reaches silver (5000), not gold (10000): silver. M2
    # bought nothing: its opening spend rolled off (expiry job), 0.00 < normal's
    # 1000.00 and 0 points < the 2000 of the promotion: no tier.
    assert rep.retiered == {"M1": "silver", "M2": None}
    assert hq.member("M1").tier == "silver" and hq.member("M2").tier is None
    assert hq.member("M2").spend_12m == Money(0)
    assert [(e["tier"], e["reason"], e["spend_seen"]) for e in reassessed(hq, "M1")] == [
        ("silver", "reassessed", 510000)
    ]
    assert [(e["tier"], e["spend_seen"]) for e in reassessed(hq, "M2")] == [(None, 0)]

    before = snapshot(hq)
    assert month_end(hq, "2026-10", datetime(2026, 11, 1, 3, 0)).retiered == {}
    assert snapshot(hq) == before

    assert t.sync().acknowledged
    assert t.state("M1") == as_sent(hq.member("M1")) and t.state("M1").tier == "silver"
    # 2 November: scarf 100.00 at silver 90% = 90.00; points at silver 1.2:
    # floor(9000 x 1.2 / 100) = 108, 7650 + 108 = 7758.
    t.clock.set(datetime(2026, 11, 2, 10, 0))
    sale = t.sell("M1", SCARF, cash(90))
    assert sale.record.total_due == Money.parse("90.00")
    assert t.state("M1").points == 7758 and t.state("M1").tier == "silver"
    assert t.sync().acknowledged
    assert hq.verify() == [] and t.verify().ok, t.verify().problems


def test_basic_diamond_with_18_yuan_of_rolling_spend_falls_to_normal(hq: Hq) -> None:
    hq.import_setup(BASIC)
    t = hq.till("S1-T01")
    t.clock.set(datetime(2027, 10, 9, 10, 0))
    assert t.sync().acknowledged
    # 2027-10-09: the opening 10,000.00 (dated 2026-10-01) rolled off on 2027-10-01.
    # Tea 20.00 at diamond 90% = 18.00: spend_12m 18.00, points 18. Still diamond.
    sale = t.sell("B1", TEA, cash(18))
    assert sale.record.total_due == Money.parse("18.00")
    assert t.state("B1").tier == "diamond" and t.state("B1").spend_12m == Money.parse("18.00")
    assert t.sync().acknowledged

    rep = month_end(hq, "2027-10", datetime(2027, 11, 1, 2, 0))
    # 1 November: 18.00 reaches only normal (0.00).
    assert rep.retiered == {"B1": "normal"}
    assert [(e["tier"], e["reason"], e["spend_seen"]) for e in reassessed(hq, "B1")] == [
        ("normal", "reassessed", 1800)
    ]
    assert t.sync().acknowledged
    assert t.state("B1").tier == "normal"
    # 2 November: tea at normal (no discount) = 20.00.
    t.clock.set(datetime(2027, 11, 2, 10, 0))
    assert t.sell("B1", TEA, cash(20)).record.total_due == Money.parse("20.00")
    assert t.sync().acknowledged
    assert hq.verify() == [] and t.verify().ok, t.verify().problems


def test_only_members_written_since_the_last_run_are_read_again(hq: Hq) -> None:
    hq.import_setup(MALL)
    prog = program(hq)
    now = datetime(2026, 11, 1, 2, 0)
    with hq.sessions() as s:
        _, first = jobs._reassess_candidates(s, prog)
    assert first == ["M1", "M2"]  # the first run under a program reads everyone
    month_end(hq, "2026-10", now)
    with hq.sessions() as s:
        _, again = jobs._reassess_candidates(s, prog)
    # both were written by that run (M1's spend rolled off, both fell): read once more
    # (nothing to do), then nobody until a member is written again
    assert again == ["M1", "M2"]
    month_end(hq, "2026-10", now)
    with hq.sessions() as s:
        assert jobs._reassess_candidates(s, prog)[1] == []


def test_a_program_that_does_not_reassess_reads_no_member(hq: Hq) -> None:
    hq.import_setup()  # tomato: growth points with expiry, no monthly re-tiering
    rep = month_end(hq, "2026-10", datetime(2026, 11, 24, 12, 0))
    assert rep.retiered == {} and "retier" in rep.seconds
    with hq.sessions() as s:
        assert jobs._reassess_candidates(s, program(hq))[1] == []
