"""The cash drawer: kicked for cash, opened by a manager (audited first), never inside a
receipt that is printing, never queued for later."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from devices.drawer import Drawer, kick, open_drawer
from devices.printer.fake import FakePrinter
from devices.printer.queue import PrintQueue
from devices.printer.render import KICK
from terminal.app.shifts import Shifts
from terminal.app.staff import Authorization
from terminal.errors import InvalidInput, PosError, RuleViolation
from terminal.store.schema import LedgerRow

from ..app.store import SOY, Shop, shop
from .printing import WAIT, States, card, sell


def shifts_of(s: Shop) -> Shifts:
    c = s.counter
    return Shifts(c.sessions, c.clock, c.ids, c.terminal_id)


def ledger(s: Shop) -> list[tuple[str, dict[str, object]]]:
    with s.counter.sessions() as db:
        rows = db.execute(select(LedgerRow).order_by(LedgerRow.seq)).scalars()
        return [(r.kind, json.loads(r.payload)) for r in rows]


def manager(s: Shop) -> Authorization:
    return s.counter.authorize("mgr", "8888")


def rows(s: Shop) -> int:
    with s.counter.sessions() as db:
        return int(db.execute(select(func.count()).select_from(LedgerRow)).scalar() or 0)


def test_kick_is_esc_p_pin2() -> None:
    assert KICK == b"\x1bp\x00\x19\xfa"
    printer = FakePrinter()
    assert kick(printer)
    assert printer.writes == [KICK]
    assert printer.status_queries >= 1  # asked first: the printer is ready


@pytest.mark.parametrize("fault", ["offline", "paper_out", "cover_open"])
def test_no_kick_while_the_printer_cannot_take_it(fault: str) -> None:
    # An offline printer would keep the kick and open the drawer later: not sent at all.
    printer = FakePrinter(**{fault: True})
    assert not kick(printer)
    assert printer.writes == []
    one_way = FakePrinter(two_way=False, **{fault: True})
    assert not kick(one_way)  # the write fails
    assert one_way.writes == []
    printer.heal()
    assert kick(printer)


def test_manager_open_drawer_is_audited_then_kicks(tmp_path: Path) -> None:
    s = shop(tmp_path)
    shifts = shifts_of(s)
    printer = FakePrinter()
    before = rows(s)
    for auth, reason, code in [(None, "换零钱", "manager_required"), (manager(s), " ", "")]:
        with pytest.raises(PosError) as e:
            open_drawer(shifts, printer, auth, reason)
        assert e.value.code == (code or "reason_required")
        assert isinstance(e.value, RuleViolation if code else InvalidInput)
    assert rows(s) == before  # refused: nothing recorded...
    assert printer.writes == []  # ...and nothing sent

    assert open_drawer(shifts, printer, manager(s), "换零钱")
    assert ledger(s)[-2:] == [
        ("auth", {"manager": "mgr", "action": "open_drawer", "detail": "换零钱"}),
        ("drawer", {"reason": "换零钱", "manager": "mgr", "shift": ledger(s)[-1][1]["shift"],
                    "cashier": "c1"}),
    ]  # fmt: skip
    assert printer.writes == [KICK]
    assert shifts.x_report().drawer_opens == 1

    # The printer is out of paper: the opening is still recorded (the manager authorised
    # it), the kick is not sent, and the caller is told.
    printer.set(paper_out=True)
    assert not Drawer(printer).open(shifts, manager(s), "找零")
    assert shifts.x_report().drawer_opens == 2
    assert printer.writes == [KICK]


def test_drawer_for_a_sale(tmp_path: Path) -> None:
    s = shop(tmp_path)
    printer = FakePrinter()
    drawer = Drawer(printer)
    cash_sale = sell(s, [SOY.code])
    card_sale = sell(s, [SOY.code], [card("12.00")])
    assert not drawer.for_sale(card_sale, receipt_printed=False)
    assert not drawer.for_sale(cash_sale)  # its receipt carries the kick
    assert printer.writes == []
    assert drawer.for_sale(cash_sale, receipt_printed=False)  # "no receipt": kick alone
    assert printer.writes == [KICK]


class SlowPrinter(FakePrinter):
    """Holds a write until released, to see what else tries to talk to the printer."""

    def __init__(self) -> None:
        super().__init__()
        self.writing = threading.Event()
        self.release = threading.Event()

    def write(self, data: bytes) -> None:
        if data != KICK:
            self.writing.set()
            assert self.release.wait(WAIT)
        super().write(data)


def test_a_kick_never_lands_inside_a_printing_receipt(tmp_path: Path) -> None:
    printer = SlowPrinter()
    with PrintQueue(printer, States(), tmp_path / "spool.sqlite", retry_s=0.01) as q:
        q.submit("T01-000001", b"\x1b@receipt\n")
        assert printer.writing.wait(WAIT)
        done = threading.Event()
        kicked: list[bool] = []

        def manager_kick() -> None:
            kicked.append(kick(printer))
            done.set()

        threading.Thread(target=manager_kick, daemon=True).start()
        assert not done.wait(0.1)  # waits for the receipt
        printer.release.set()
        assert done.wait(WAIT) and kicked == [True]
        assert q.wait_idle(WAIT)
    assert printer.writes == [b"\x1b@receipt\n", KICK]
