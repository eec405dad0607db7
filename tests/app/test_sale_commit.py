"""The sale path: planned outside the write lock, committed under it."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from pathlib import Path

from sqlalchemy import func, select

from terminal import codec
from terminal.app.counter import Counter
from terminal.app.ids import UuidIds, uuid7
from terminal.app.verify import verify
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from terminal.store import members as repo
from terminal.store.db import write_session
from terminal.store.ledger import HQ_STATE, Ledger
from terminal.store.schema import LedgerRow, SaleRow

from .store import RICE, SOY, shop


def cash(y: str) -> TenderRequest:
    return TenderRequest("cash", Money.parse(y))


def counts(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with sessions() as s:
        sales = s.execute(select(func.count()).select_from(SaleRow)).scalar()
        rows = s.execute(select(func.count()).select_from(LedgerRow)).scalar()
    return int(sales or 0), int(rows or 0)


def test_a_plan_made_on_a_member_that_changed_is_not_written(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    c.identify("M1")
    c.scan(RICE.code)
    due = c.priced().total_due
    plan = c.plan_payment([TenderRequest("stored_value", due)])
    # Another desk writes the member between the plan and its commit.
    topped = c.recharge("M1", Money(5000), s.manager()).member
    before = counts(c.sessions)
    assert c.commit_payment(plan) is None
    assert counts(c.sessions) == before
    # pay() plans again on the new balance and commits once.
    sale = c.pay([TenderRequest("stored_value", due)])
    assert sale.member is not None
    assert topped.stored_value > Money(10000)
    assert sale.member.stored_value == topped.stored_value - due
    assert counts(c.sessions)[0] == before[0] + 1
    assert verify(c.sessions).ok


def test_a_committed_plan_is_what_pay_writes(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    c.identify("M1")
    c.scan(SOY.code)
    c.scan(RICE.code)
    sale = c.commit_payment(c.plan_payment([cash("100.00")]))
    assert sale is not None and sale.receipt_no == "T01-000001"
    c.sale = None
    c.scan(SOY.code)
    assert c.pay([cash("12.00")]).receipt_no == "T01-000002"
    with c.sessions() as db:
        kinds = [k for (k,) in db.execute(select(LedgerRow.kind).order_by(LedgerRow.seq))]
    assert kinds[-2:] == ["sale", "cash"]
    assert verify(c.sessions).ok


def test_writers_on_two_threads_keep_one_chain(tmp_path: Path) -> None:
    """The sync thread and the counter append to one chain: each write holds the lock
    from its first read of the head, so neither ever collides on a sequence number."""
    s = shop(tmp_path)
    c = s.counter
    desk = Counter(c.sessions, c.program, s.clock, UuidIds(), terminal_id="T01", cashier="c1")
    manager = s.manager()
    errors: list[BaseException] = []

    def other_desk() -> None:
        try:
            for _ in range(40):
                desk.recharge("M2", Money(100), manager)
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=other_desk)
    t.start()
    for _ in range(40):
        c.scan(SOY.code)
        c.pay([cash("12.00")])
    t.join()
    assert errors == []
    assert counts(c.sessions)[0] == 40
    assert verify(c.sessions).ok


def test_uuid7_is_a_time_ordered_version_7_uuid() -> None:
    ids = [uuid7() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:50]:
        u = uuid.UUID(text)
        assert u.version == 7 and u.variant == uuid.RFC_4122
    stamps = [uuid.UUID(t).int >> 80 for t in ids]
    assert stamps == sorted(stamps)  # milliseconds never go back within one run


def test_the_member_kept_from_identify_is_reread_once_another_desk_changed_it(
    tmp_path: Path,
) -> None:
    s = shop(tmp_path)
    c = s.counter
    desk = Counter(c.sessions, c.program, s.clock, UuidIds(), terminal_id="T01", cashier="c1")
    c.identify("M1")  # kept decoded, with its version
    topped = desk.recharge("M1", Money(20000), s.manager()).member
    c.scan(RICE.code)
    c.scan(RICE.code)
    due = c.priced().total_due
    assert due > Money(10000)  # more than M1 held when identified: only the new balance pays
    sale = c.pay([TenderRequest("stored_value", due)])
    assert sale.member is not None
    assert sale.member.stored_value == topped.stored_value - due


def test_verify_still_folds_from_hq_state_rows_of_stores_before_0002(tmp_path: Path) -> None:
    """Until 0002, HQ's pulled states were ``hq_state`` ledger rows; such a ledger still
    verifies, and entries after the row fold onto it."""
    s = shop(tmp_path)
    c = s.counter
    with write_session(c.sessions) as db:
        hq_state = dataclasses.replace(repo.load(db, "M1"), principal=Money(777))  # type: ignore[type-var]
        led = Ledger(db, "T01", UuidIds().entry_id)
        payload = {"state": codec.encode(hq_state), "through": 0, "cursor": 1}
        led.append(HQ_STATE, payload, s.clock.now(), member="M1", ref="hq")
        repo.save(db, hq_state, led.seq)
    c.identify("M1")
    c.scan(SOY.code)
    sale = c.pay([cash("20.00")])
    assert sale.member is not None and sale.member.principal == Money(777)
    assert verify(c.sessions).ok
    with write_session(c.sessions) as db:  # a cache that disagrees with the row is caught
        repo.save(db, dataclasses.replace(sale.member, principal=Money(778)), None)
    assert not verify(c.sessions).ok
