"""A malicious till: member entries of its own making are refused, kept as evidence,
flag its store, and reach no balance and no other till; honest tills are accepted."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from sync import protocol as p
from sync import till as sync_till
from sync.client import SyncReport, push_outbox
from sync.hq import service as svc
from sync.hq.models import RefusedEntryRow, SaleFactRow, StoreRow
from terminal import codec
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.coupons import Coupon
from terminal.rules.program_loader import load_program
from terminal.rules.tenders import TenderRequest
from terminal.store.ledger import Ledger, row_hash
from tests.hq.helpers import NOW, RICE, SOY, Hq, Till, as_sent

GOLD_FOREVER = m.TierChanged("gold", date(9999, 12, 31), "upgrade")
COUPON = Coupon("M1-forged", "满100减50", Money(10000), Money(5000), date(9999, 12, 31), NOW.date())


def sv(yuan: int) -> TenderRequest:
    return TenderRequest("stored_value", Money(yuan * 100))


def ready(hq: Hq, terminal: str, store: str = "S1") -> Till:
    t = hq.till(terminal, store)
    assert t.sync().acknowledged
    assert t.counter.terminal_id == terminal  # staff, the shift's float: honest rows first
    return t


def write(t: Till, code: str, entries: list[m.MemberEntry], ref: str, record: Any = None) -> None:
    """Append forged rows to the till's own ledger (a till's token and its store file
    are all an attacker needs), then a row that is no record of anything."""
    with t.sessions() as s, s.begin():
        led = Ledger(s, t.terminal, lambda: str(uuid.uuid4()))
        led.member_entries(code, entries, NOW, ref)
        if record is not None:
            led.append(record[0], record[1], NOW, member=code, ref=record[2])
        led.append("cash", {"delta": 1, "reason": "float"}, NOW, ref="x")


def push_all(t: Till) -> p.PushResult:
    cp = t.api.checkpoint(t.terminal).seq
    return t.api.push(t.terminal, sync_till.outbox(t.sessions, cp, p.MAX_BATCH))


def rechain(entries: list[p.Entry], start: int, **changes: Any) -> list[p.Entry]:
    """``entries`` with entry ``start`` changed and every later one linked again: a chain
    that hashes right all the way, as a till rewriting its own ledger would send."""
    out = entries[:start]
    head = entries[start - 1].hash if start else entries[0].prev_hash
    for i, e in enumerate(entries[start:]):
        d = {**e.model_dump(), **(changes if i == 0 else {}), "prev_hash": head}
        d["hash"] = row_hash(
            head, d["seq"], d["id"], d["terminal_id"], d["at"], d["kind"],
            d["member_code"], d["ref"], d["payload"],
        )  # fmt: skip
        out.append(p.Entry(**d))
        head = d["hash"]
    return out


def assert_refused(hq: Hq, t: Till, res: p.PushResult, code: str, before: m.MemberState) -> None:
    rejected = [r for r in res.results if r.status == "rejected"]
    assert rejected and {r.code for r in rejected} == {code}, res.results
    applied = [r.seq for r in res.results if r.status == "applied"]
    assert res.checkpoint.seq == (max(applied) if applied else 0) < rejected[0].seq
    assert all(r.status == "deferred" for r in res.results if r.seq > rejected[-1].seq)
    # nothing it claimed reached a balance: HQ holds M1 as it was, with the day's
    # expiries HQ derives itself (the till's honest rows before the forgery bring them)
    due = lc.due_entries(before, load_program("tomato"), NOW.date())
    assert hq.member("M1") in (before, m.fold(due, before))
    with hq.sessions() as s:
        kept = s.execute(
            select(func.count())
            .select_from(RefusedEntryRow)
            .where(RefusedEntryRow.terminal_id == t.terminal)
        ).scalar()
        store = s.get(StoreRow, "S1")
        assert store is not None and store.review_since is not None
    assert kept == len(rejected)
    # HQ's balances are still the fold of the entries it accepted; only the flag shows
    problems = hq.verify()
    assert len(problems) == 1 and problems[0].startswith("store S1: flagged for review")
    # another till, of another store, pulls HQ's balances: none of the forgery
    other = ready(hq, "S2-T09", "S2")
    assert other.state("M1") == as_sent(hq.member("M1"))


FORGED = [
    pytest.param([GOLD_FOREVER], "sale-1", None, "not_derivable", id="tier-gold-9999"),
    pytest.param([m.TierChanged("gold", None, "hq")], "hq", None, "forbidden_kind", id="tier-hq"),
    pytest.param(
        [m.CoinLotGranted("lot-x", 10**6, NOW.date(), None, "gift")],
        "gift:monthly", None, "not_derivable", id="coin-lot",
    ),
    pytest.param([m.CouponGranted(COUPON)], "register", None, "not_derivable", id="coupon"),
    pytest.param(
        [m.StoredValueChanged(Money(50000), Money(5000), "recharge:r1")],
        "recharge:r1",
        ("recharge", {"member": "M1", "amount": 50000, "tender": "cash"}, "r1"),
        "not_derivable", id="stored-value-500+50",
    ),
    pytest.param(
        [m.PointsChanged("points", 10**40, "earned")], "x", None, "not_derivable", id="points"
    ),
    pytest.param(
        [m.DebtChanged("stored_value", -10000, "x")], "x", None, "forbidden_kind", id="debt"
    ),
    pytest.param([m.Blocked(False, "x")], "x", None, "forbidden_kind", id="blocked"),
    pytest.param(
        [m.StoredValueChanged(Money(10**8), Money(0), "opening")], "opening", None,
        "forbidden_kind", id="opening",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("entries", "ref", "record", "code"), FORGED)
def test_a_forged_member_entry_is_refused_kept_and_flagged(
    hq: Hq, entries: list[m.MemberEntry], ref: str, record: Any, code: str
) -> None:
    hq.import_setup()
    t = ready(hq, "S1-T01")
    before = hq.member("M1")
    write(t, "M1", entries, ref, record)
    res = push_all(t)
    assert_refused(hq, t, res, code, before)
    again = push_all(t)  # resent: refused again, kept once
    assert [r.status for r in again.results] == [r.status for r in res.results if r.seq > 0][
        -len(again.results) :
    ]
    with hq.sessions() as s:
        assert len(s.execute(select(RefusedEntryRow.seq)).all()) == len(
            [r for r in res.results if r.status == "rejected"]
        )


def _honest_sale_rows(hq: Hq) -> tuple[Till, list[p.Entry]]:
    hq.import_setup()
    t = ready(hq, "S1-T01")
    t.sell("M1", RICE, sv(65))
    cp = t.api.checkpoint(t.terminal).seq
    return t, sync_till.outbox(t.sessions, cp, p.MAX_BATCH)


def _payload(e: p.Entry) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(e.payload)
    return data


@pytest.mark.parametrize("factor", [pytest.param(10**40, id="x1e40"), pytest.param(10, id="x10")])
def test_a_sale_whose_earnings_were_inflated_is_refused(hq: Hq, factor: int) -> None:
    hq.import_setup()
    t = ready(hq, "S1-T01")
    t.sell("M1", RICE)  # cash: it earns
    cp = t.api.checkpoint(t.terminal).seq
    rows = sync_till.outbox(t.sessions, cp, p.MAX_BATCH)
    before = hq.member("M1")
    i = next(
        i
        for i, e in enumerate(rows)
        if e.kind == "member" and str(_payload(e).get("reason", "")).startswith("earned:")
    )
    data = _payload(rows[i])
    key = "coins" if "coins" in data else "delta"
    data[key] *= factor
    forged = rechain(rows, i, payload=json.dumps(data, sort_keys=True, separators=(",", ":")))
    res = t.api.push(t.terminal, forged)
    assert_refused(hq, t, res, "not_derivable", before)


def test_a_sale_with_an_extra_coupon_or_a_spend_left_out_is_refused(hq: Hq) -> None:
    t, rows = _honest_sale_rows(hq)
    before = hq.member("M1")
    i = next(
        i for i, e in enumerate(rows) if e.kind == "member" and "StoredValueChanged" in e.payload
    )
    # the stored-value spend turned into a coupon: the balance would stay, a coupon appear
    coupon = codec.encode_entry(m.CouponGranted(COUPON))
    forged = rechain(rows, i, payload=json.dumps(coupon, sort_keys=True, separators=(",", ":")))
    res = t.api.push(t.terminal, forged)
    assert_refused(hq, t, res, "not_derivable", before)


def test_a_second_till_cannot_sell_against_forged_stored_value(hq: Hq) -> None:
    hq.import_setup()
    forger, other = ready(hq, "S1-T01"), ready(hq, "S1-T02")
    write(forger, "M1", [m.StoredValueChanged(Money(10**7), Money(0), "x")], "x")
    push_all(forger)
    assert other.sync().acknowledged
    assert other.state("M1").stored_value == Money(10000)  # the import's 100.00, no more
    c = other.counter
    c.identify("M1")
    c.scan(RICE)
    c.scan(RICE)
    with pytest.raises(RuleViolation, match="stored value balance"):
        c.pay([sv(130)])


def test_honest_offline_overdrafts_at_two_tills_are_accepted(hq: Hq) -> None:
    """Both tills saw 100.00 of stored value and spent 65.00 of it before either synced:
    each is derived from the state HQ sent it; HQ records the overdraft as a debt."""
    hq.import_setup()
    a, b = ready(hq, "S1-T01"), ready(hq, "S1-T02")
    a.sell("M1", RICE, sv(65))
    b.sell("M1", RICE, sv(65))
    assert a.sync().acknowledged and b.sync().acknowledged
    held = hq.member("M1")
    assert held.sv_debt == Money(3000) and held.stored_value == Money(0)
    assert hq.verify() == []
    a.sell("M1", SOY)  # the next sale at either till derives from the state after the debt
    assert a.sync().acknowledged and b.sync().acknowledged and hq.verify() == []


def test_honest_registrations_recharges_and_returns_are_accepted(hq: Hq) -> None:
    hq.import_setup()
    t = ready(hq, "S1-T01")
    c = t.counter
    c.register("M9", "13700001234")
    mgr = c.authorize("mgr", "8888")
    c.recharge("M1", Money(50000), mgr, "card")
    sale = t.sell("M1", RICE, sv(65))
    c.return_sale(sale.receipt_no, None, mgr)
    t.sell("M9", SOY)
    t.sell(None, SOY)
    # every row in a batch of its own, as a till on a poor line may send them: HQ takes
    # each thing's rows when they are all up (the client then sends more at once)
    cp = t.api.checkpoint(t.terminal).seq
    push_outbox(t.sessions, t.api, t.terminal, cp, 1, SyncReport(t.terminal))
    assert t.sync().acknowledged
    assert hq.verify() == []
    assert all(as_sent(hq.member(code)) == t.state(code) for code in ("M1", "M9"))
    with hq.sessions() as s:
        assert s.execute(select(RefusedEntryRow)).first() is None


def test_a_batch_that_ends_inside_a_sale_is_deferred_then_taken_whole(hq: Hq) -> None:
    t, rows = _honest_sale_rows(hq)
    cp = t.api.checkpoint(t.terminal).seq
    i = next(i for i, e in enumerate(rows) if e.kind == "sale")
    res = t.api.push(t.terminal, rows[:i])  # the sale's member rows without the sale
    assert res.checkpoint.seq < rows[i - 1].seq
    assert any(r.code == "incomplete" for r in res.results)
    assert t.sync().acknowledged and t.api.checkpoint(t.terminal).seq > cp
    assert as_sent(hq.member("M1")) == t.state("M1")
    assert svc is not None


def test_a_member_sale_without_its_member_entries_is_refused(hq: Hq) -> None:
    """A sale row alone would count as the member's spend at HQ (monthly bonuses, RFM)."""
    hq.import_setup()
    t = ready(hq, "S1-T01")
    t.sell("M1", RICE)
    cp = t.api.checkpoint(t.terminal).seq
    rows = sync_till.outbox(t.sessions, cp, p.MAX_BATCH)
    i = next(i for i, e in enumerate(rows) if e.kind == "sale")
    first = next(j for j, e in enumerate(rows) if e.kind == "member" and e.ref == rows[i].ref)
    kept = rows[:first] + rows[i:]
    renumbered = [
        e.model_copy(update={"seq": rows[first].seq + k}) for k, e in enumerate(kept[first:])
    ]
    forged = rechain([*kept[:first], *renumbered], first)
    before = hq.member("M1")
    res = t.api.push(t.terminal, forged)
    assert_refused(hq, t, res, "not_derivable", before)
    with hq.sessions() as s:
        assert s.execute(select(SaleFactRow)).first() is None


def test_pos_hq_review_names_the_flagged_store_and_clears_it_keeping_the_evidence(
    hq: Hq, hq_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.hq import cli

    hq.import_setup()
    t = ready(hq, "S1-T01")
    write(t, "M1", [GOLD_FOREVER], "x")
    push_all(t)
    assert cli.main(["verify", "--db", hq_url]) == 1
    assert cli.main(["review", "--db", hq_url]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "1 stores flagged for review" and "S1\t" in out
    assert cli.main(["review", "--db", hq_url, "--clear", "S1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 stores flagged for review"
    assert hq.verify() == []
    with hq.sessions() as s:
        assert s.execute(select(RefusedEntryRow)).first() is not None
