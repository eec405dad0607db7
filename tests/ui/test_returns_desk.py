"""The returns desk (issue 14): F10 + the receipt previews the return (lines back, the
refund per tender) before anything is written; Esc leaves the ledger as it was, Enter
commits it, says the split, prints the 退货凭证 and opens the drawer only for cash.
pytest-qt, keys only."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from devices.printer.render import decode_text
from terminal.store.schema import LedgerRow
from ui.dialogs import ConfirmDialog, PinDialog, TenderDialog
from ui.qt import QDialog, Qt, QTest
from ui.script import typed

from ..app.store import RICE, SOY
from .test_devices_screen import Till, label_text, till  # noqa: F401  (the fixture)

RECEIPT = "T01-000001"


def ledger_rows(t: Till) -> int:
    with t.shop.counter.sessions() as s:
        return int(s.execute(select(func.count()).select_from(LedgerRow)).scalar_one())


def ask_return(t: Till, answer: Qt.Key, then: Callable[[], None] = lambda: None) -> str:
    """F10, the receipt typed and Enter; the preview's text, answered with ``answer``
    (``then`` expects the dialogs after it)."""
    shown: list[str] = []

    def act(d: QDialog) -> None:
        shown.append(label_text(d))
        QTest.keyClick(d, answer)

    t.expect(ConfirmDialog, act)
    then()
    t.key(Qt.Key.Key_F10)
    t.type_line(RECEIPT)
    t.settle()
    assert shown, "no preview was shown"
    return shown[0]


def returns_printed(t: Till) -> list[str]:
    return [decode_text(data) for job, data in t.printed if job.startswith("return-")]


def test_a_cash_return_is_previewed_esc_writes_nothing_enter_commits(till: Till) -> None:  # noqa: F811
    till.type_line(SOY.code)
    till.settle()
    till.pay_cash()
    rows, kicks = ledger_rows(till), len(till.kicks)

    shown = ask_return(till, Qt.Key.Key_Escape)
    assert "酱油" in shown and "现金退 ￥12.00" in shown
    assert ledger_rows(till) == rows  # nothing written
    assert not returns_printed(till) and len(till.kicks) == kicks
    assert not [w for w, _ in till.happened if w == "returned"]

    ask_return(till, Qt.Key.Key_Return)
    assert "已退货" in till.win.message.text() and "现金退 ￥12.00" in till.win.message.text()
    assert ledger_rows(till) > rows
    (slip,) = returns_printed(till)
    assert "退货凭证" in slip and RECEIPT in slip and "酱油" in slip
    assert len(till.kicks) == kicks + 1  # the cash goes out of the drawer


def test_a_stored_value_return_says_so_and_leaves_the_drawer_shut(till: Till) -> None:  # noqa: F811
    till.type_line("M1")
    till.type_line(SOY.code)
    till.settle()

    def pay_stored_value(d: QDialog) -> None:
        assert isinstance(d, TenderDialog)
        QTest.keyClick(d, Qt.Key.Key_F4)  # 储值
        typed(d.amount, "12.00")
        if d.isVisible():
            typed(d.amount, "")

    till.expect(TenderDialog, pay_stored_value)
    till.key(Qt.Key.Key_F8)
    till.settle()
    kicks = len(till.kicks)

    shown = ask_return(till, Qt.Key.Key_Return)
    assert "退回储值 ￥12.00" in shown and "现金退" not in shown
    assert "退回储值 ￥12.00" in till.win.message.text()
    (slip,) = returns_printed(till)
    assert "退货凭证" in slip
    assert len(till.kicks) == kicks  # nothing paid out in cash


def test_above_the_limit_the_pin_dialog_says_the_split(till: Till) -> None:  # noqa: F811
    for _ in range(2):  # ￥130.00: above the program's ￥100.00 a manager authorises it
        till.type_line(RICE.code)
        till.settle()
    till.pay_cash()
    asked: list[str] = []

    def pin(d: QDialog) -> None:
        assert isinstance(d, PinDialog)
        asked.append(d.windowTitle() + "\n" + label_text(d))
        typed(d.pin, "8888")

    shown = ask_return(till, Qt.Key.Key_Return, lambda: till.expect(PinDialog, pin))
    assert "需店长授权" in shown
    assert asked and "现金退 ￥130.00" in asked[0]
    assert "现金退 ￥130.00" in till.win.message.text()
    assert len(returns_printed(till)) == 1


def test_a_return_clears_the_last_payments_change_from_the_screen(till: Till) -> None:  # noqa: F811
    till.type_line(SOY.code)
    till.settle()
    till.pay_cash()
    panel = till.win.paid_panel
    assert panel.isVisible() and "找零" in panel.change.text()

    shown: list[bool] = []

    def preview(d: QDialog) -> None:  # the change is gone before the preview opens
        shown.append(panel.isVisible())
        QTest.keyClick(d, Qt.Key.Key_Escape)

    till.expect(ConfirmDialog, preview)
    till.key(Qt.Key.Key_F10)
    assert not panel.isVisible() and panel.change.text() == ""  # at the key, not the commit
    till.type_line(RECEIPT)
    till.settle()
    assert shown == [False]
