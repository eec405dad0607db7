"""F9 recharge with its tender (cash / card / mobile), the drawer only for cash, the
customer and store copies, and Shift+F9: the member's recharges and a reprint.
pytest-qt, offscreen, keys only."""

from __future__ import annotations

import json

from sqlalchemy import select

from devices.printer.render import decode_text
from terminal.money import Money
from terminal.store.schema import LedgerRow
from ui.dialogs import AmountDialog, ChoiceDialog, PinDialog
from ui.qt import QDialog, QLabel, Qt
from ui.script import typed

from . import test_devices_screen as devices
from .test_devices_screen import Till

till = devices.till  # the fixture: drawer kicks in till.kicks, prints in till.printed

SHIFT = Qt.KeyboardModifier.ShiftModifier


def recharge(t: Till, amount: str, choice: str, seen: list[str] | None = None) -> None:
    """F9 on the identified member: the amount, the tender's number ("" = Enter), the PIN."""

    def pin(d: QDialog) -> None:
        assert isinstance(d, PinDialog)
        if seen is not None:
            seen.extend(label.text() for label in d.findChildren(QLabel))
        typed(d.pin, "8888")

    t.expect(AmountDialog, lambda d: typed(d.amount, amount))
    t.expect(ChoiceDialog, lambda d: typed(d.entry, choice))
    t.expect(PinDialog, pin)
    t.key(Qt.Key.Key_F9)
    t.settle()


def ledger(t: Till, kind: str) -> list[dict[str, object]]:
    with t.shop.counter.sessions() as s:
        rows = s.execute(select(LedgerRow).where(LedgerRow.kind == kind)).scalars()
        return [json.loads(r.payload) for r in rows]


def member(t: Till) -> None:
    t.type_line("M1")
    t.settle()


def test_mobile_recharge_is_recorded_as_mobile_and_keeps_the_drawer_shut(till: Till) -> None:
    member(till)
    seen: list[str] = []
    recharge(till, "200", "3", seen)
    assert any(
        text.startswith("充值 ￥200.00 给 138****5678") and "移动支付" in text for text in seen
    )
    (row,) = ledger(till, "recharge")
    assert row["tender"] == "mobile" and row["amount"] == 20000
    assert not [c for c in ledger(till, "cash") if c.get("reason") == "recharge"]
    assert till.kicks == []
    assert till.shop.counter.member_state("M1").principal == Money.parse("300.00")
    assert "T01-CZ000001" in till.win.message.text()


def test_cash_recharge_opens_the_drawer_and_prints_both_copies(till: Till) -> None:
    member(till)
    recharge(till, "100", "")  # Enter: cash
    (row,) = ledger(till, "recharge")
    assert row["tender"] == "cash"
    assert till.kicks == [True]
    slips = [decode_text(data, "gb18030") for job, data in till.printed if "recharge" in job]
    assert len(slips) == 2
    assert any("顾客联" in s for s in slips) and any("门店联" in s for s in slips)


def test_store_copy_is_off_when_the_till_says_so(till: Till) -> None:
    from terminal.store.schema import Setting
    from ui.main_window import till_settings

    with till.shop.counter.sessions() as s:
        s.merge(Setting(key="recharge_store_copy", value="0"))
        s.commit()
    till.win.settings = till_settings(till.shop.counter)  # as a restarted till reads them
    member(till)
    recharge(till, "100", "2")  # card: no drawer either
    slips = [data for job, data in till.printed if "recharge" in job]
    assert len(slips) == 1 and "顾客联" in decode_text(slips[0], "gb18030")
    assert till.kicks == []


def test_shift_f9_lists_the_recharges_and_reprints_the_one_picked(till: Till) -> None:
    member(till)
    recharge(till, "100", "")
    recharge(till, "200", "2")
    till.printed.clear()
    rows: list[str] = []

    def pick(d: QDialog) -> None:
        assert isinstance(d, ChoiceDialog)
        rows.extend(d.list.item(i).text() for i in range(d.list.count()))
        typed(d.entry, "2")  # the older one: newest first

    till.expect(ChoiceDialog, pick)
    till.key(Qt.Key.Key_F9, SHIFT)
    till.settle()
    assert len(rows) == 2
    assert "200.00" in rows[0] and "银行卡" in rows[0] and "T01-CZ000002" in rows[0]
    assert "100.00" in rows[1] and "现金" in rows[1] and "T01-CZ000001" in rows[1]
    ((job, data),) = till.printed
    text = decode_text(data, "gb18030")
    assert "reprint" in job and "顾客联" in text and "100.00" in text
    assert "T01-CZ000001" in till.win.message.text()
    assert till.kicks == [True]  # a reprint never opens the drawer


def test_shift_f9_without_a_member_says_so(till: Till) -> None:
    till.key(Qt.Key.Key_F9, SHIFT)
    till.settle()
    assert "F2" in till.win.message.text()
    assert till.printed == [] and till.kicks == []


def test_stored_value_refund_pays_the_principal_in_cash_and_opens_the_drawer(till: Till) -> None:
    member(till)
    till.pin("8888")
    till.key(Qt.Key.Key_F3, Qt.KeyboardModifier.ControlModifier)
    till.settle()
    assert till.shop.counter.member_state("M1").principal == Money(0)
    assert [c["delta"] for c in ledger(till, "cash") if c.get("reason") == "sv_refund"] == [-10000]
    assert till.kicks == [True] and "100.00" in till.win.message.text()
