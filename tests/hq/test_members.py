"""HQ's balances are the fold of every till's entries; a till's cache becomes HQ's
authoritative state on pull, and ``pos-terminal verify`` still explains it."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from sync.hq import cli
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import RICE, SOY, Hq, cash, coins


def test_a_new_till_is_provisioned_by_its_first_sync(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    assert not t.path.exists() or t.settings() == {}
    rep = t.sync()
    assert rep.acknowledged and rep.members == 2 and rep.products == 2
    settings = t.settings()
    assert settings["terminal_id"] == "S1-T01" and settings["store"] == "S1"
    assert settings["program"] == "tomato" and "[tiers]" in settings["program_toml"]
    assert t.state("M1") == hq.member("M1")
    assert t.state("M1").coins_on(t.clock.now().date()) == 20
    assert t.verify().ok, t.verify().problems
    assert t.verify().entries == 0  # HQ's states are not the till's facts: nothing to push
    again = t.sync()  # nothing new either way
    assert (again.pushed, again.members, again.rebased) == (0, 0, 0)


def test_a_change_at_one_till_reaches_another_without_echoing_back_to_hq(hq: Hq) -> None:
    """Every till pulls every member change; none of them sends it back as its own row."""
    hq.import_setup()
    a, b = hq.till("S1-T01"), hq.till("S2-T01", store="S2")
    a.sync()
    b.sync()
    b.sell("M1", SOY, cash(20))  # b's own entries, not yet at HQ
    a.sell("M1", RICE, coins(5), cash(100))
    assert a.sync().acknowledged
    own = b.verify().entries
    got = b.sync()  # pushes b's sale, pulls a's: HQ's state rebased onto b's entries
    assert got.rebased == 1 and got.pushed == own
    assert b.verify().entries == own  # the pulled state added no ledger row
    assert b.state("M1") == hq.member("M1")
    assert b.verify().ok, b.verify().problems
    b.sell("M1", SOY, cash(20))  # folds on top of HQ's state
    assert b.verify().ok, b.verify().problems
    assert b.sync().acknowledged and a.sync().acknowledged
    assert a.state("M1") == b.state("M1") == hq.member("M1")
    for till in (a, b):  # HQ holds each till's own rows, nothing more
        assert hq.entries(till.terminal) == till.verify().entries
    assert a.verify().ok and b.verify().ok and hq.verify() == []


def test_after_a_push_hq_balances_equal_the_tills_fold(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    c = t.counter
    t.sell("M1", SOY, coins(5), cash(10))
    c.recharge("M1", Money(20000), c.authorize("mgr", "8888"))
    t.sell("M1", RICE, TenderRequest("stored_value", Money(6500)))
    t.sell("M2", SOY, cash(20))
    t.sell(None, SOY, cash(20))
    before = {code: t.state(code) for code in ("M1", "M2")}
    rep = t.sync()
    assert rep.acknowledged and rep.pushed > 10
    for code, state in before.items():
        assert hq.member(code) == state == t.state(code), code
    assert rep.rebased == 0  # HQ's states equal the till's: nothing to rebase
    assert hq.member("M1").principal == Money(10000 + 20000 - 6500)
    assert hq.verify() == [] and t.verify().ok


def test_a_member_registered_at_the_till_reaches_hq(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    t.counter.register("M7", "13700000007")
    t.sell("M7", SOY, cash(20))
    assert t.verify().ok, t.verify().problems
    assert t.sync().acknowledged
    assert hq.member("M7") == t.state("M7")


def test_two_tills_offline_overdraw_coins_and_hq_records_a_visible_debt(
    hq: Hq, hq_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hq.import_setup()
    a, b = hq.till("S1-T01"), hq.till("S2-T01", store="S2")
    a.sync()
    b.sync()
    # both offline: each sees M1's 20 opening coins and spends 15 of them
    sa = a.sell("M1", RICE, coins(15), cash(100))
    sb = b.sell("M1", RICE, coins(15), cash(100))
    earned = sa.record.earned.coins + sb.record.earned.coins
    opening = "M1:open1"
    lot = a.state("M1").lot(opening)
    assert lot is not None and lot.coins == 5
    assert a.sync().acknowledged
    rep = b.sync()  # HQ folds both: the opening lot at -10, which becomes a debt
    assert rep.acknowledged and rep.rebased == 1
    at_hq = hq.member("M1")
    held = at_hq.lot(opening)
    assert at_hq.coin_debt == 10 and held is not None and held.coins == 0
    assert all(lot.coins >= 0 for lot in at_hq.coin_lots)
    today = a.clock.now().date()
    assert at_hq.coins_on(today) == earned  # what the two sales earned, owed 10 against
    assert b.state("M1") == at_hq  # B learnt it in the same round
    assert a.state("M1").coin_debt == 0
    a.sync()
    assert a.state("M1") == at_hq  # A on its next pull
    assert a.verify().ok and b.verify().ok, (a.verify().problems, b.verify().problems)
    assert hq.verify() == []
    assert cli.main(["member", "M1", "--db", hq_url, "--on", today.isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["debt"] == {"coins": 10, "stored_value": "0.00"}
    assert out["coins"] == earned


def test_a_lot_expired_at_two_tills_expires_once_at_hq(hq: Hq) -> None:
    setup = {
        "program": "tomato",
        "start": "2026-10-06T09:00:00",
        "catalog": [{"code": SOY, "name": "酱油", "category": "grocery", "price": "12.00"}],
        "members": [
            {
                "code": "M1",
                "phone": "13800005678",
                "registered": "2025-01-01",
                "coin_lots": [
                    {"coins": 20, "granted": "2025-10-20"},
                    {"coins": 7, "granted": "2026-10-01"},
                ],
            }
        ],
    }
    hq.import_setup(setup)
    a, b = hq.till("S1-T01"), hq.till("S1-T02")
    a.sync()
    b.sync()
    later = datetime(2026, 11, 2, 10)  # the 2025-10-20 lot ended on 2026-10-19... expired
    for t in (a, b):
        t.clock.set(later)
        t.sell("M1", SOY, coins(3), cash(20))  # each till expires the old lot itself
        assert t.state("M1").coins_on(later.date()) == 4
    assert a.sync().acknowledged and b.sync().acknowledged
    at_hq = hq.member("M1")
    assert at_hq.coin_debt == 0  # not a phantom debt from expiring the lot twice
    assert at_hq.coins_on(later.date()) == 1  # 7 - 3 - 3
    a.sync()
    assert a.state("M1") == at_hq == b.state("M1")
    assert hq.verify() == [] and a.verify().ok and b.verify().ok


def test_a_card_blocked_at_hq_is_refused_at_the_till_after_a_pull(hq: Hq, hq_url: str) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    assert cli.main(["block", "M1", "--db", hq_url, "--reason", "lost"]) == 0
    rep = t.sync()
    assert rep.rebased == 1
    with pytest.raises(RuleViolation) as e:
        t.sell("M1", SOY, cash(20))
    assert e.value.code == "member_blocked"
    assert t.verify().ok and hq.verify() == []


def test_a_till_that_lost_its_disk_is_restored_from_hq(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    t.sell("M1", SOY, coins(2), cash(20))
    t.sync()
    head = t.sync().head
    fresh = t.path.with_name("replacement.sqlite")
    from terminal.store.db import open_store

    t2 = type(t)(hq, t.terminal, t.token, fresh, open_store(fresh), t.api)
    rep = t2.sync()
    assert rep.restored == head and rep.acknowledged
    assert t2.state("M1") == hq.member("M1") == t.state("M1")
    assert t2.verify().ok, t2.verify().problems
