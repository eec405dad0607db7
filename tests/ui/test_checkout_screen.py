"""The cashier's screen, driven by keys and scans (pytest-qt, offscreen, no fixed sleeps)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from devices.printer.render import decode_text
from terminal.money import Money
from ui.dialogs import ConfirmDialog, PinDialog, TenderDialog
from ui.main_window import MainWindow
from ui.qt import QApplication, QDialog, Qt, QTimer, QWidget

from ..app.store import RICE, SOY, TOMATO, Shop
from .conftest import OpenWindow


@pytest.fixture
def till(checkout_till: tuple[MainWindow, Shop, list]) -> tuple[MainWindow, Shop, list]:
    return checkout_till  # the shared checkout screen (tests/ui/conftest.py)


def settle(qtbot: QtBot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.worker.busy == 0, timeout=5000)


def when_modal(kind: type, act: Callable[[QDialog], None]) -> None:
    """Act on the next modal dialog of ``kind`` as soon as it opens."""

    def poll() -> None:
        w = QApplication.activeModalWidget()
        if isinstance(w, kind):
            act(w)  # type: ignore[arg-type]
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def press(
    qtbot: QtBot,
    win: MainWindow,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """A function key on the till (the window manager gives focus back after a dialog)."""
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    qtbot.keyClick(win, key, modifier)


def type_into(qtbot: QtBot, w: QWidget, text: str) -> None:
    qtbot.keyClicks(w, text)
    qtbot.keyClick(w, Qt.Key.Key_Return)


def test_member_checkout_auto_coupons_coins_split_tender_and_receipt(till, qtbot: QtBot) -> None:
    win, s, printed = till
    for code in ("M1", TOMATO.code, RICE.code, SOY.code):
        type_into(qtbot, win.input, code)
        settle(qtbot, win)
    assert win.current is not None and win.current.member is not None
    assert [n for n, _ in win.current.coupons] == ["满30减5"]  # best combination, automatically
    due = win.current.due
    assert due == Money.parse("76.80")  # 4.80 + 65.00 + 12.00 - 5.00

    def pay(d: QDialog) -> None:
        assert isinstance(d, TenderDialog)
        qtbot.keyClick(d, Qt.Key.Key_F5)  # coins
        d.amount.setText("")
        type_into(qtbot, d.amount, "6")
        qtbot.keyClick(d, Qt.Key.Key_F1)  # cash: the rest is pre-filled
        d.amount.setText("")
        type_into(qtbot, d.amount, "100")

    when_modal(TenderDialog, pay)
    press(qtbot, win, Qt.Key.Key_F8)
    settle(qtbot, win)
    assert s.counter.sale_count() == 1
    assert "找零 ￥29.20" in win.message.text()  # 76.80 - 6 coins = 70.80 cash due
    ((job, data),) = printed
    text = decode_text(data, "gb18030")
    assert job == "T01-000001" and "番茄币" in text and "￥76.80" in text
    assert data.endswith(b"\x1bp\x00\x19\xfa") or b"\x1bp\x00\x19\xfa" in data  # drawer kick
    assert win.current is not None and win.current.empty


def test_standard_cash_checkout_takes_two_keys_beyond_the_scans(till, qtbot: QtBot) -> None:
    win, s, _ = till
    for code in ("M1", SOY.code, SOY.code, RICE.code, TOMATO.code, SOY.code):
        type_into(qtbot, win.input, code)
        settle(qtbot, win)
    when_modal(TenderDialog, lambda d: qtbot.keyClick(d.amount, Qt.Key.Key_Return))
    press(qtbot, win, Qt.Key.Key_F8)  # key 1: F8; key 2: Enter (exact cash)
    settle(qtbot, win)
    assert s.counter.sale_count() == 1


def test_recharge_needs_a_manager_pin_and_a_wrong_one_is_retried_in_the_dialog(
    till, qtbot: QtBot
) -> None:
    win, s, printed = till
    type_into(qtbot, win.input, "M1")
    settle(qtbot, win)

    def amount(d: QDialog) -> None:
        type_into(qtbot, d.amount, "200")  # type: ignore[attr-defined]

    def wrong_then_right(d: QDialog) -> None:
        assert isinstance(d, PinDialog) and d.note is not None
        assert "充值 ￥200.00 给 138****5678, 赠 30 番茄币" in d.note.text()
        type_into(qtbot, d.pin, "0000")
        qtbot.waitUntil(lambda: d.refusal is not None and not d.checking, timeout=5000)
        # the refusal in the cashier's words, in the dialog, which stays open for a retry
        assert d.isVisible() and d.error.text() == "密码错误, 还可再试 4 次"
        assert d.pin.text() == "" and d.pin.hasFocus()
        assert s.counter.member_state("M1").principal == Money.parse("100.00")
        type_into(qtbot, d.pin, "8888")

    from ui.dialogs import AmountDialog, ChoiceDialog

    def cash(d: QDialog) -> None:  # the tender: Enter is cash
        qtbot.keyClick(d.entry, Qt.Key.Key_Return)  # type: ignore[attr-defined]

    when_modal(AmountDialog, amount)
    QTimer.singleShot(0, lambda: when_modal(ChoiceDialog, cash))
    QTimer.singleShot(0, lambda: when_modal(PinDialog, wrong_then_right))
    press(qtbot, win, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    settle(qtbot, win)
    m = s.counter.member_state("M1")
    assert m.principal == Money.parse("300.00"), win.message.text()
    assert m.coins_on(s.clock.now().date()) == 50
    assert printed and decode_text(printed[-1][1], "gb18030").count("会员充值凭证") == 1


def test_esc_after_a_wrong_manager_pin_says_the_refusal_and_changes_nothing(
    till, qtbot: QtBot
) -> None:
    win, s, _ = till
    type_into(qtbot, win.input, "M1")
    settle(qtbot, win)

    def wrong_then_esc(d: QDialog) -> None:
        assert isinstance(d, PinDialog)
        type_into(qtbot, d.pin, "0000")
        qtbot.waitUntil(lambda: d.refusal is not None and not d.checking, timeout=5000)
        qtbot.keyClick(d, Qt.Key.Key_Escape)

    when_modal(PinDialog, wrong_then_esc)
    press(qtbot, win, Qt.Key.Key_F3, Qt.KeyboardModifier.ControlModifier)  # 退储值
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    settle(qtbot, win)
    assert win.message.text() == "✗ 密码错误, 还可再试 4 次"
    assert s.counter.member_state("M1").principal == Money.parse("100.00")


def test_return_by_scanning_the_receipt(till, qtbot: QtBot) -> None:
    win, _, _ = till
    type_into(qtbot, win.input, SOY.code)
    settle(qtbot, win)
    when_modal(TenderDialog, lambda d: qtbot.keyClick(d.amount, Qt.Key.Key_Return))
    press(qtbot, win, Qt.Key.Key_F8)
    settle(qtbot, win)
    when_modal(ConfirmDialog, lambda d: qtbot.keyClick(d, Qt.Key.Key_Return))  # the preview
    press(qtbot, win, Qt.Key.Key_F10)
    type_into(qtbot, win.input, "T01-000001")
    settle(qtbot, win)
    assert "已退货" in win.message.text() and "现金退 ￥12.00" in win.message.text()


def test_refused_scan_says_why_without_a_dialog(till, qtbot: QtBot) -> None:
    win, _, _ = till
    type_into(qtbot, win.input, "6900000000015")
    settle(qtbot, win)
    assert QApplication.activeModalWidget() is None
    assert "校验位错误" in win.message.text()


def test_offline_banner_says_which_limits_apply(till, qtbot: QtBot) -> None:
    win, _, _ = till
    assert not win.banner.isVisible()
    win.set_device_status("总部", "offline")
    assert win.banner.isVisible() and "每日合计限 ￥200.00" in win.banner.text()
    win.set_device_status("总部", "online")
    assert not win.banner.isVisible()


def test_paper_out_is_impossible_to_miss(till, qtbot: QtBot) -> None:
    win, _, _ = till
    win.set_device_status("打印机", "paper_out")
    assert win.banner.isVisible() and "打印机 缺纸" in win.banner.text()


def test_reprint_shows_the_receipt_preview_and_prints_it_marked(till, qtbot: QtBot) -> None:
    from ui.dialogs import ImageDialog

    win, _, printed = till
    type_into(qtbot, win.input, SOY.code)
    settle(qtbot, win)
    when_modal(TenderDialog, lambda d: qtbot.keyClick(d.amount, Qt.Key.Key_Return))
    press(qtbot, win, Qt.Key.Key_F8)
    settle(qtbot, win)
    seen: list[tuple[int, int]] = []

    def look(d: QDialog) -> None:
        assert isinstance(d, ImageDialog) and "T01-000001" in d.windowTitle()
        pm = d.image.pixmap()
        seen.append((pm.width(), pm.height()))
        from ui.qt import QPushButton

        d.findChildren(QPushButton)[0].click()  # 打印 (P)
        d.accept()

    when_modal(ImageDialog, look)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    assert win.last_receipt == "T01-000001"
    qtbot.keyClick(win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, win)
    assert seen and seen[0][0] > 300 and seen[0][1] > 600  # a whole 80 mm receipt drawn
    job, data = printed[-1]
    assert job.startswith("T01-000001-reprint-") and "补打" in decode_text(data, "gb18030")


def test_a_reprint_after_a_restart_prints_when_the_sale_was_made(
    till, open_window: OpenWindow, qtbot: QtBot
) -> None:
    """The window that sold it is gone: the new one finds the till's last sale in the
    store, and its 日期时间 is the sale's (SaleRow.at), the reprint's time on its own line."""
    from datetime import timedelta

    from ui.dialogs import ImageDialog

    win, s, _ = till
    sold_at = s.clock.now()
    type_into(qtbot, win.input, SOY.code)
    settle(qtbot, win)
    when_modal(TenderDialog, lambda d: qtbot.keyClick(d.amount, Qt.Key.Key_Return))
    press(qtbot, win, Qt.Key.Key_F8)
    settle(qtbot, win)
    win.close()

    s.clock.set(sold_at + timedelta(hours=2, minutes=5))
    printed: list[tuple[str, bytes]] = []
    again = open_window(s, lambda job, data: printed.append((job, data)), show=True)
    assert again.last_receipt is None  # a restart: nothing in memory

    def print_it(d: QDialog) -> None:
        assert isinstance(d, ImageDialog) and "T01-000001" in d.windowTitle()
        from ui.qt import QPushButton

        d.findChildren(QPushButton)[0].click()  # 打印 (P)
        d.accept()

    when_modal(ImageDialog, print_it)
    press(qtbot, again, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    settle(qtbot, again)
    ((job, data),) = printed
    text = decode_text(data, "gb18030")
    assert job.startswith("T01-000001-reprint-")
    assert f"{sold_at:%Y-%m-%d %H:%M:%S}" in text  # 日期时间: when it was sold
    assert f"补打时间 {s.clock.now():%Y-%m-%d %H:%M:%S}" in text


def test_a_reprint_before_any_sale_says_there_is_none(till, qtbot: QtBot) -> None:
    win, _, printed = till
    press(qtbot, win, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, win)
    assert "还没有可补打的小票" in win.message.text() and not printed
