"""HQ's balances are the fold of every till's entries; a till's cache becomes HQ's
authoritative state on pull, and ``pos-terminal verify`` still explains it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sync.hq import cli
from sync.till import head, outbox, restore
from terminal.app.ids import UuidIds
from terminal.app.shifts import Shifts
from terminal.app.store_checks import CHECKS
from terminal.clock import FixedClock
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules.tenders import TenderRequest
from terminal.store.db import open_store
from tests.hq.helpers import NOW, RICE, SETUP, SOY, Hq, Till, as_sent, cash, coins


def test_a_new_till_is_provisioned_by_its_first_sync(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    assert not t.path.exists() or t.settings() == {}
    rep = t.sync()
    assert rep.acknowledged and rep.members == 2 and rep.products == 2
    settings = t.settings()
    assert settings["terminal_id"] == "S1-T01" and settings["store"] == "S1"
    assert settings["program"] == "tomato" and "[tiers]" in settings["program_toml"]
    assert t.state("M1") == as_sent(hq.member("M1"))
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
    assert b.state("M1") == as_sent(hq.member("M1"))
    assert b.verify().ok, b.verify().problems
    b.sell("M1", SOY, cash(20))  # folds on top of HQ's state
    assert b.verify().ok, b.verify().problems
    assert b.sync().acknowledged and a.sync().acknowledged
    assert a.state("M1") == b.state("M1") == as_sent(hq.member("M1"))
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
        assert as_sent(hq.member(code)) == state == t.state(code), code
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
    assert as_sent(hq.member("M7")) == t.state("M7")


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
    assert b.state("M1") == as_sent(at_hq)  # B learnt it in the same round
    assert a.state("M1").coin_debt == 0
    a.sync()
    assert a.state("M1") == as_sent(at_hq)  # A on its next pull
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
    assert a.state("M1") == as_sent(at_hq) == b.state("M1")
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
    assert t2.state("M1") == as_sent(hq.member("M1")) == t.state("M1")
    assert t2.verify().ok, t2.verify().problems


# What a restore cannot bring back, so the comparison leaves it out: a prepaid card's
# PIN hash and wrong-PIN count (never in the ledger: the restored card refuses every PIN).
# The staff, parked sales and products are not derived from the ledger (setup and pulls
# bring staff and products back) and are not compared.
_UNRESTORABLE = {"prepaid_cards": ("pin_hash", "failed", "locked_until")}
_DERIVED = ("sales", "tenders", "returns", "prepaid_cards", "shifts", "day_closes")
_COUNTERS = ("receipt_counter", "recharge_counter", "shift_counter", "return_counter")


def _derived(path: Path) -> dict[str, object]:
    """The till's derived tables row by row, in insertion order (rowid), and its counters."""
    out: dict[str, object] = {}
    with sqlite3.connect(path) as db:
        for table in _DERIVED:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in cols if c not in _UNRESTORABLE.get(table, ())]
            q = f"SELECT {', '.join(keep)} FROM {table} ORDER BY rowid"
            out[table] = db.execute(q).fetchall()
        marks = ", ".join("?" * len(_COUNTERS))
        q = f"SELECT key, value FROM settings WHERE key IN ({marks}) ORDER BY key"
        out["settings"] = db.execute(q, _COUNTERS).fetchall()
    db.close()
    return out


def _busy_till(hq: Hq) -> tuple[Till, list[str]]:
    """A till with a day of business: split tenders, a return, a recharge, a card sold
    and loaded, a handover and a Z, then a second day's shift handed over too."""
    t = hq.till("S1-T01")
    t.sync()
    c = t.counter
    mgr = c.authorize("mgr", "8888")
    c.identify("M1")
    c.scan(RICE)
    c.scan(SOY)
    first = c.pay([TenderRequest("stored_value", Money(3000)), cash(100)])
    second = t.sell(None, SOY, cash(20))
    c.return_sale(first.receipt_no, [(2, Qty.parse("1"))], mgr)
    c.recharge("M1", Money(20000), mgr)
    c.sell_card("CARD0001", "123456", Money(10000), [cash(50), TenderRequest("card", Money(5000))])
    c.load_card("M2", "CARD0001", "123456")
    c.sell_card("CARD0002", "654321", Money(10000), [cash(100)])  # sold, never loaded
    shifts = Shifts(t.sessions, t.clock, UuidIds(), t.terminal)
    shifts.handover(shifts.x_report().expected_cash - Money(100))  # 1 yuan short
    shifts.z_report()
    t.clock.set(NOW + timedelta(days=1))
    shifts.open_shift("c1", Money(10000))
    third = t.sell("M2", RICE, cash(70))
    shifts.handover(shifts.x_report().expected_cash)
    assert t.verify().ok
    return t, [first.receipt_no, second.receipt_no, third.receipt_no]


def test_a_restored_till_has_its_sales_shifts_and_cards_back_as_they_were(hq: Hq) -> None:
    hq.import_setup({**SETUP, "program": "organic"})
    t, receipts = _busy_till(hq)
    assert t.sync().acknowledged
    fresh = t.path.with_name("replacement.sqlite")
    clock = FixedClock(t.clock.now())
    t2 = Till(hq, t.terminal, t.token, fresh, open_store(fresh), t.api, clock)
    assert t2.sync().restored == head(t.sessions)[0]
    assert t2.verify().ok, t2.verify().problems
    assert _derived(fresh) == _derived(t.path)

    # page by page (one row each): shifts, cards and handovers span the pages (the
    # members' cache is a pull's to fill, so only the derived tables' checks are run)
    paged = t.path.with_name("paged.sqlite")
    sessions = open_store(paged)
    for e in outbox(t.sessions, 0, 10_000):
        restore(sessions, [e])
    with sessions() as s:
        assert [p for check in CHECKS for p in check(s)] == []
    assert _derived(paged) == _derived(t.path)

    # the restored till reprints, returns and sells on where the old one stopped
    c = t2.counter  # opens the third shift
    originals = [t.counter.reprint(r) for r in receipts]
    assert [c.reprint(r) for r in receipts] == originals
    assert c.sold() == t.counter.sold()  # the last sale, by the table's insertion order
    c.return_sale(receipts[1], None, c.authorize("mgr", "8888"))
    assert t2.sell(None, SOY, cash(20)).receipt_no == "S1-T01-000004"
    assert t2.settings()["shift_counter"] == "3"
    with pytest.raises(RuleViolation) as refused:  # its PIN hash never left the old till
        c.load_card("M1", "CARD0002", "654321")
    assert refused.value.code == "card_refused"
    assert t2.verify().ok, t2.verify().problems
