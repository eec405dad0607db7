"""Shifts, X / handover / Z reports and the audited drawer, over a real store."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from terminal.app import setup
from terminal.app.counter import Counter
from terminal.app.ids import ReplayIds
from terminal.app.reports import Report, Tally, TenderTotal
from terminal.app.shifts import Shifts
from terminal.app.verify import verify
from terminal.clock import FixedClock
from terminal.errors import PosError
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules import tenders as tn
from terminal.rules.catalog import Product
from terminal.rules.coupons import Coupon
from terminal.rules.program_loader import load_program
from terminal.store.db import open_store
from terminal.store.schema import DayCloseRow, LedgerRow, ShiftRow

DAY1 = date(2026, 10, 5)  # a Monday: not tomato's member day
STAFF = (("c1", "收银员", "cashier", "1111"), ("mgr", "店长", "manager", "8888"))
Y = Money.parse


def at(day: date, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{hhmm}:00")


def cash(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("cash", Y(yuan))


def card(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("card", Y(yuan))


def mobile(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("mobile", Y(yuan))


def sv(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("stored_value", Y(yuan))


def coins(n: int) -> tn.TenderRequest:
    return tn.TenderRequest("coins", coins=n)


@dataclass
class Store:
    sessions: sessionmaker[Session]
    clock: FixedClock
    counter: Counter
    shifts: Shifts

    def move(self, when: datetime) -> None:
        self.clock.set(when)

    def ledger_rows(self) -> int:
        with self.sessions() as s:
            return int(s.execute(select(func.count()).select_from(LedgerRow)).scalar() or 0)

    def last_rows(self, n: int) -> list[tuple[str, dict[str, object]]]:
        with self.sessions() as s:
            rows = s.execute(select(LedgerRow).order_by(LedgerRow.seq.desc()).limit(n)).scalars()
            return [(r.kind, json.loads(r.payload)) for r in reversed(list(rows))]


def make_store(tmp_path: Path, program_id: str = "tomato") -> Store:
    program = load_program(program_id)
    sessions = open_store(tmp_path / "till.sqlite")
    ids = ReplayIds("T01")
    clock = FixedClock(at(DAY1, "08:00"))
    setup.configure(sessions, terminal_id="T01", program=program.id, store="test")
    setup.add_staff(sessions, STAFF)
    setup.import_products(
        sessions,
        [
            Product("APPLE", "苹果", "fresh", Y("10.00"), Y("8.00")),
            Product("RICE", "大米", "grocery", Y("50.00")),
        ],
    )
    coupon = Coupon("M1-C1", "满30减5", Y("30.00"), Y("5.00"), date(2026, 10, 31))
    members = [
        lc.Opening(
            code="M1",
            phone="13800000001",
            coin_lots=((20, date(2026, 9, 1)),),
            principal=Y("300.00"),
            coupons=(coupon,),
        ),
        lc.Opening(code="M2", phone="13800000002"),
    ]
    setup.import_members(sessions, program, members, clock.now(), "T01", ids)
    counter = Counter(sessions, program, clock, ids, terminal_id="T01", cashier="c1")
    return Store(sessions, clock, counter, Shifts(sessions, clock, ids, "T01"))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return make_store(tmp_path)


def code_of(fn: Callable[..., object], *args: object) -> str:
    """The stable code a refused command raises."""
    with pytest.raises(PosError) as e:
        fn(*args)
    return e.value.code


def run_day1(st: Store) -> None:
    """Float 500; a non-member cash sale; a member sale in coins + stored value with a
    coupon; a member card sale; a cash recharge; a cash return; a part card return."""
    c = st.counter
    st.move(at(DAY1, "09:00"))
    st.shifts.open_shift("c1", Y("500.00"))
    st.move(at(DAY1, "09:05"))
    c.scan("RICE")
    c.pay([cash("100.00")])  # 50.00, change 50.00
    st.move(at(DAY1, "09:10"))
    c.identify("M1")
    c.scan("APPLE", Qty.parse("5"))  # 5 x 8.00 member price = 40.00, 满30减5 -> 35.00
    s2 = c.pay([coins(5), sv("30.00")])
    assert s2.record.total_due == Y("35.00") and s2.record.earned.coins == 3
    st.move(at(DAY1, "09:20"))
    c.identify("M2")
    c.scan("RICE")
    c.scan("APPLE", Qty.parse("2"))  # 50.00 + 16.00
    s3 = c.pay([card("66.00")])
    assert s3.record.earned.coins == 6
    st.move(at(DAY1, "09:30"))
    mgr = c.authorize("mgr", "8888")
    r = c.recharge("M2", Y("200.00"), mgr, "cash")
    assert r.coins == 30
    st.move(at(DAY1, "09:40"))
    c.return_sale("T01-000001", None)  # the rice back: 50.00 cash out
    st.move(at(DAY1, "09:45"))
    back = c.return_sale(s3.receipt_no, [(2, Qty.parse("2"))])  # the apples: 16.00 card
    assert back.record.refund == Y("16.00") and back.record.clawed.coins == 1


def assert_day1_figures(r: Report) -> None:
    assert r.cashiers == ("c1",)
    assert r.sales.count == 3 and r.sales.amount == Y("151.00")
    assert r.sales.by_tender == (
        TenderTotal("cash", 1, Y("50.00")),
        TenderTotal("card", 1, Y("66.00")),
        TenderTotal("mobile", 0, ZERO),
        TenderTotal("stored_value", 1, Y("30.00")),
        TenderTotal("coins", 1, Y("5.00")),
        TenderTotal("points", 0, ZERO),
    )
    assert r.member_sales == Tally(2, Y("101.00"))
    assert r.non_member_sales == Tally(1, Y("50.00"))
    assert r.coupons_used == Tally(1, Y("5.00"))
    assert r.returns.count == 2 and r.returns.amount == Y("66.00")
    assert r.returns.tender("cash") == TenderTotal("cash", 1, Y("50.00"))
    assert r.returns.tender("card") == TenderTotal("card", 1, Y("16.00"))
    assert r.return_value == Y("66.00") and r.return_deducted == ZERO
    assert r.recharges.count == 1 and r.recharges.amount == Y("200.00")
    assert r.recharges.tender("cash") == TenderTotal("cash", 1, Y("200.00"))
    assert r.recharge_coins == 30 and r.recharge_gift == ZERO
    assert (r.coins_earned, r.coins_spent, r.coins_refunded, r.coins_clawed_back) == (9, 5, 0, 1)
    assert r.growth_points_earned == 35 + 16
    assert (r.points_earned, r.points_spent) == (0, 0)
    assert r.card_sales == Tally() and r.sv_refunds == Tally()
    assert r.opening_float == Y("500.00")
    assert r.cash_in == Y("250.00")  # 50 sale + 200 recharge
    assert r.cash_out == Y("50.00")  # the cash return
    assert r.expected_cash == Y("700.00")


def test_x_report_figures_and_read_only(store: Store) -> None:
    run_day1(store)
    store.move(at(DAY1, "12:00"))
    before = store.ledger_rows()
    x = store.shifts.x_report()
    assert store.shifts.x_report() == x  # any number of times
    assert store.ledger_rows() == before  # and it writes nothing
    assert x.kind == "X" and x.shift_id is not None
    assert x.start == at(DAY1, "09:00") and x.end == at(DAY1, "12:00")
    assert_day1_figures(x)
    assert x.counted_cash is None and x.difference is None
    assert x.drawer_opens == 0 and x.manager_auths == 1  # the recharge
    lines = x.lines(coin_name="番茄币")
    assert lines[0] == ("X报表(当班)", "X report (shift so far)", "")
    assert ("  现金", "  Cash", "1 / 50.00") in lines
    assert ("  番茄币", "  Coins", "1 / 5.00") in lines
    assert ("  移动支付", "  Mobile pay", "0 / 0.00") not in lines  # unused tenders left out
    assert ("会员销售", "Member sales", "2 / 101.00") in lines
    assert ("优惠券使用", "Coupons used", "1 / 5.00") in lines
    assert ("番茄币发放", "Coins earned", "9") in lines
    assert ("应有现金", "Expected cash", "700.00") in lines
    assert all(len(row) == 3 and all(isinstance(v, str) for v in row) for row in lines)


def test_handover_records_count_and_difference(store: Store) -> None:
    run_day1(store)
    store.move(at(DAY1, "14:00"))
    sid = store.shifts.current()
    assert sid is not None and sid.cashier == "c1" and sid.float_ == Y("500.00")
    h = store.shifts.handover(Y("695.00"))  # 5.00 short
    assert h.kind == "handover" and h.end == at(DAY1, "14:00")
    assert_day1_figures(h)
    assert h.counted_cash == Y("695.00") and h.difference == Y("-5.00")
    assert ("差额(长+/短-)", "Difference (over+/short-)", "-5.00") in h.lines()
    assert ("实点现金", "Counted cash", "695.00") in h.lines()
    # Ledger: the handover fact, the counted cash out of the drawer, the shortfall.
    assert store.last_rows(3) == [
        (
            "shift",
            {
                "event": "handover",
                "shift": sid.id,
                "cashier": "c1",
                "expected": 70000,
                "counted": 69500,
                "difference": -500,
            },
        ),
        ("cash", {"delta": -69500, "reason": "handover"}),
        ("cash", {"delta": -500, "reason": "over_short"}),
    ]
    with store.sessions() as s:
        row = s.get(ShiftRow, sid.id)
        assert row is not None and row.counted_fen == 69500 and row.last_seq == h.last_seq
        all_cash = sum(
            json.loads(p)["delta"]
            for p in s.execute(select(LedgerRow.payload).where(LedgerRow.kind == "cash")).scalars()
        )
    assert all_cash == 0  # the drawer's ledger balance is zero after a handover
    assert store.shifts.current() is None
    assert store.shifts.shift_report(sid.id) == h  # a reprint, from the ledger
    assert code_of(store.shifts.handover, Y("1.00")) == "no_open_shift"
    assert code_of(store.shifts.x_report) == "no_open_shift"
    assert verify(store.sessions).ok


def test_shift_refusals(store: Store) -> None:
    store.move(at(DAY1, "09:00"))
    assert code_of(store.shifts.open_shift, "nobody", Y("100.00")) == "unknown_staff"
    assert code_of(store.shifts.open_shift, "c1", Y("-1.00")) == "invalid_amount"
    store.shifts.open_shift("c1", Y("100.00"))
    assert code_of(store.shifts.open_shift, "c1", Y("100.00")) == "shift_open"
    assert code_of(store.shifts.handover, Y("-1.00")) == "invalid_amount"
    h = store.shifts.handover(Y("100.00"))
    assert h.difference == ZERO and h.expected_cash == Y("100.00") and h.sales.count == 0


def test_z_once_per_day_and_not_while_a_shift_is_open(store: Store) -> None:
    run_day1(store)
    store.move(at(DAY1, "20:00"))
    before = store.ledger_rows()
    assert code_of(store.shifts.z_report) == "shift_open"
    assert store.ledger_rows() == before and not store.shifts.day_closed(DAY1)
    store.shifts.handover(Y("695.00"))
    store.move(at(DAY1, "21:00"))
    z = store.shifts.z_report()
    assert z.kind == "Z" and z.z_no == 1 and z.day == DAY1
    assert z.start == at(DAY1, "00:00") and z.end == at(DAY1, "21:00")
    assert_day1_figures(z)
    assert z.counted_cash == Y("695.00") and z.difference == Y("-5.00")
    assert store.shifts.day_closed(DAY1) and store.shifts.stored_z(DAY1) == z
    kind, payload = store.last_rows(1)[0]
    assert kind == "day_close" and payload["z_no"] == 1 and payload["day"] == "2026-10-05"
    assert z.lines()[0] == ("日结报表(Z)", "Z report (day close)", "")
    assert ("Z序号", "Z number", "1") in z.lines()
    # Never twice: not the same day, not by anyone; and the closed day takes no new shift.
    rows = store.ledger_rows()
    assert code_of(store.shifts.z_report) == "z_already_run"
    assert code_of(store.shifts.z_report, DAY1) == "z_already_run"
    assert code_of(store.shifts.open_shift, "c1", Y("100.00")) == "day_closed"
    assert store.ledger_rows() == rows
    with store.sessions() as s:
        assert s.execute(select(func.count()).select_from(DayCloseRow)).scalar() == 1

    # The next day: its own shift, its own Z with the next number and only its own rows.
    day2 = date(2026, 10, 6)
    assert code_of(store.shifts.z_report, day2) == "invalid_day"  # not yet
    store.move(at(day2, "09:00"))
    store.shifts.open_shift("c1", Y("300.00"))
    store.counter.scan("APPLE")
    store.counter.pay([mobile("10.00")])
    store.shifts.handover(Y("300.00"))
    z2 = store.shifts.z_report()
    assert z2.z_no == 2 and z2.day == day2 and z2.first_seq > z.last_seq
    assert z2.sales.count == 1 and z2.sales.tender("mobile") == TenderTotal("mobile", 1, Y("10.00"))
    assert z2.non_member_sales == Tally(1, Y("10.00"))
    assert z2.returns.count == 0 and z2.recharges.count == 0
    assert z2.opening_float == Y("300.00") and z2.expected_cash == Y("300.00")
    assert z2.difference == ZERO
    assert store.shifts.stored_z(DAY1) == z  # yesterday's Z is unchanged
    assert verify(store.sessions).ok


def test_open_drawer_needs_a_manager_and_is_audited(store: Store) -> None:
    store.move(at(DAY1, "09:00"))
    sid = store.shifts.open_shift("c1", Y("200.00"))
    rows = store.ledger_rows()
    assert code_of(store.shifts.open_drawer, None, "换零钱") == "manager_required"
    assert store.ledger_rows() == rows
    mgr = store.counter.authorize("mgr", "8888")
    assert code_of(store.shifts.open_drawer, mgr, "  ") == "reason_required"
    store.move(at(DAY1, "09:30"))
    store.shifts.open_drawer(mgr, "换零钱")
    assert store.last_rows(2) == [
        ("auth", {"manager": "mgr", "action": "open_drawer", "detail": "换零钱"}),
        ("drawer", {"reason": "换零钱", "manager": "mgr", "shift": sid, "cashier": "c1"}),
    ]
    x = store.shifts.x_report()
    assert x.drawer_opens == 1 and x.manager_auths == 1
    assert x.expected_cash == Y("200.00")  # opening the drawer moves no money
    assert ("开钱箱(无销售)", "Drawer opened (no sale)", "1") in x.lines()


def test_no_receipt_return_and_stored_value_refund_are_cash_out(store: Store) -> None:
    store.move(at(DAY1, "09:00"))
    store.shifts.open_shift("c1", Y("100.00"))
    mgr = store.counter.authorize("mgr", "8888")
    store.counter.return_without_receipt("RICE", Qty.parse("1"), Y("40.00"), "cash", mgr)
    assert store.counter.refund_stored_value("M1", mgr) == Y("300.00")
    x = store.shifts.x_report()
    assert x.returns.count == 1 and x.returns_no_receipt == 1
    assert x.returns.tender("cash") == TenderTotal("cash", 1, Y("40.00"))
    assert x.sv_refunds == Tally(1, Y("300.00"))
    assert x.cash_in == ZERO and x.cash_out == Y("340.00")
    assert x.expected_cash == Y("-240.00")  # more paid out than the float: counted short
    assert x.manager_auths == 2
    assert ("储值退款", "Stored value refunded", "1 / 300.00") in x.lines()


def test_prepaid_cards_sold_and_loaded(tmp_path: Path) -> None:
    st = make_store(tmp_path, "organic")
    st.move(at(DAY1, "09:00"))
    st.shifts.open_shift("c1", Y("100.00"))
    st.counter.sell_card("CARD000001", "123456", Y("100.00"), [cash("100.00")])
    st.counter.sell_card("CARD000002", "654321", Y("200.00"), [card("200.00")])
    st.counter.load_card("M2", "CARD000001", "123456")
    x = st.shifts.x_report()
    assert x.card_sales == Tally(2, Y("300.00")) and x.card_loads == Tally(1, Y("100.00"))
    assert x.cash_in == Y("100.00") and x.expected_cash == Y("200.00")
    assert x.sales.count == 0  # a prepaid card is not a sale of goods
    h = st.shifts.handover(Y("210.00"))
    assert h.difference == Y("10.00")
    assert ("差额(长+/短-)", "Difference (over+/short-)", "+10.00") in h.lines()


def test_a_sale_planned_before_the_day_closed_is_not_written_into_it(store: Store) -> None:
    """The day-closed check is on the day the sale is stamped with (its plan's time),
    not on the clock when the write lock comes: a closed day takes no late sale."""
    store.move(at(DAY1, "09:00"))
    store.shifts.open_shift("c1", Y("100.00"))
    store.move(at(DAY1, "23:59"))
    store.counter.scan("RICE")
    plan = store.counter.plan_payment([cash("50.00")])
    store.shifts.handover(Y("100.00"))
    store.shifts.z_report()
    day2 = DAY1 + timedelta(days=1)
    store.move(at(day2, "08:00"))
    store.shifts.open_shift("c1", Y("100.00"))
    rows = store.ledger_rows()
    assert code_of(store.counter.commit_payment, plan) == "day_closed"
    assert store.ledger_rows() == rows


def test_shift_slips_print_the_shift_number_and_the_cashier_by_name(store: Store) -> None:
    """The X and handover print 班次 T01-BC000001 (counted per till, written into the
    shift's opening ledger row once) and 收银员 by name with their code, not UUIDs."""
    run_day1(store)
    opened = store.shifts.current()
    assert opened is not None
    with store.sessions() as s:
        row = s.get(ShiftRow, opened.id)
        assert row is not None
        first = s.get(LedgerRow, row.first_seq)
        assert first is not None and json.loads(first.payload)["no"] == "T01-BC000001"
    x = store.shifts.x_report()
    assert x.shift_no == "T01-BC000001" and x.cashier_names == (("c1", "收银员"),)
    assert ("班次", "Shift", "T01-BC000001") in x.lines()
    assert ("收银员", "Cashier", "收银员 (c1)") in x.lines()
    h = store.shifts.handover(Y("700.00"))
    assert ("班次", "Shift", "T01-BC000001") in h.lines()
    store.shifts.open_shift("mgr", Y("100.00"))
    nxt = store.shifts.x_report()
    assert nxt.shift_no == "T01-BC000002"  # the next shift: the next number
    assert ("收银员", "Cashier", "店长 (mgr)") in nxt.lines()
    store.shifts.handover(Y("100.00"))
    store.move(at(DAY1, "21:00"))
    z = store.shifts.z_report()
    assert ("收银员", "Cashier", "收银员 (c1), 店长 (mgr)") in z.lines()
    assert store.shifts.stored_z(DAY1) == z  # the names are kept with the stored Z


def test_a_report_from_before_numbers_prints_the_shift_id_and_codes() -> None:
    """Old rows: a shift opened without a number, a stored Z without names."""
    from terminal.app.numbers import number_or_id

    assert number_or_id(None, "0190f7c2-aaaa") == "0190f7c2-aaaa"
    assert number_or_id("T01-BC000007", "0190f7c2-aaaa") == "T01-BC000007"
    old = Report(
        "X",
        "T01",
        at(DAY1, "09:00"),
        at(DAY1, "10:00"),
        at(DAY1, "10:00"),
        1,
        2,
        cashiers=("c1", "c2"),
        shift_id="0190f7c2-aaaa",
    )
    assert ("班次", "Shift", "0190f7c2-aaaa") in old.lines()
    assert ("收银员", "Cashier", "c1, c2") in old.lines()
    named = Report(
        "X",
        "T01",
        at(DAY1, "09:00"),
        at(DAY1, "10:00"),
        at(DAY1, "10:00"),
        1,
        2,
        cashiers=("c1", "c2"),
        cashier_names=(("c1", "张丽"),),
    )
    assert ("收银员", "Cashier", "张丽 (c1), c2") in named.lines()
