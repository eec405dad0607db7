"""The till with its devices: paper out during a sale, scans that always land in the
sale (held while a dialog is open), the keyboard wedge, the manager's actions behind
the PIN (refused with a wrong one, applied and audited with the right one), and the
customer display. pytest-qt, offscreen, no fixed sleeps."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from devices.printer.fake import FakePrinter
from devices.printer.queue import PrintQueue, spool_path
from devices.printer.render import KICK, decode_text
from devices.scanner.serial_reader import ScannerHub
from devices.scanner.sim import PtyScanner
from devices.scanner.wedge import WedgeDetector
from terminal.app.shifts import Shifts
from terminal.money import Money
from terminal.printing.layout import StoreInfo
from terminal.store.schema import LedgerRow
from ui.customer import attach
from ui.devices import PRINTER, SCANNER, PrinterLink, ScanPump, TillDevices, WedgeFilter
from ui.dialogs import (
    AmountDialog,
    ConfirmDialog,
    MenuDialog,
    PickDialog,
    PinDialog,
    TenderDialog,
    TextDialog,
)
from ui.fonts import install_cjk_font
from ui.main_window import MainWindow
from ui.qt import QApplication, QDialog, QLabel, Qt, QTest
from ui.script import Dialogs, typed, wait_until
from ui.worker import Worker

from ..app.store import RICE, SOY, Shop, shop

CTRL = Qt.KeyboardModifier.ControlModifier
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")


@dataclass
class Till:
    win: MainWindow
    shop: Shop
    qtbot: QtBot
    dialogs: Dialogs
    printed: list[tuple[str, bytes]] = field(default_factory=list)
    kicks: list[bool] = field(default_factory=list)
    happened: list[tuple[str, Any]] = field(default_factory=list)

    def key(self, key: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        """A key on the till (given focus back first, as after a dialog)."""
        self.win.activateWindow()
        self.qtbot.waitUntil(self.win.isActiveWindow, timeout=2000)
        QTest.keyClick(self.win, key, mod)

    def type_line(self, text: str) -> None:
        typed(self.win.input, text)

    def settle(self) -> None:
        self.qtbot.waitUntil(
            lambda: self.win.worker.busy == 0 and QApplication.activeModalWidget() is None,
            timeout=10000,
        )
        assert not self.dialogs.failures, self.dialogs.failures
        assert not self.dialogs.unexpected, self.dialogs.unexpected
        self.dialogs.end_event()

    def expect(self, kind: type[QDialog], act: Callable[[Any], None]) -> None:
        self.dialogs.expect(kind, act)

    def pin(self, *pins: str) -> None:
        """The manager's PINs, each typed and Enter: a refused one keeps the dialog open
        (saying why) for the next; refused after the last, Esc."""

        def act(d: PinDialog) -> None:
            for pin in pins:
                typed(d.pin, pin)
                wait_until(lambda: not d.checking, 5, "the PIN check")
                if not d.isVisible():
                    return
            QTest.keyClick(d, Qt.Key.Key_Escape)

        self.expect(PinDialog, act)

    def pay_cash(self) -> None:
        self.expect(TenderDialog, lambda d: QTest.keyClick(d.amount, Qt.Key.Key_Return))
        self.key(Qt.Key.Key_F8)
        self.settle()

    def codes(self) -> list[str]:
        sale = self.shop.counter.sale
        return [ln.product.code for ln in sale.lines] if sale else []

    def auth(self) -> list[dict[str, str]]:
        """The "auth" rows the ledger holds: who authorised what."""
        with self.shop.counter.sessions() as s:
            rows = s.execute(select(LedgerRow).where(LedgerRow.kind == "auth")).scalars()
            return [json.loads(r.payload) for r in rows]


def label_text(d: QDialog) -> str:
    return "\n".join(label.text() for label in d.findChildren(QLabel))


def make_window(
    s: Shop, printer: Callable[[str, bytes], None] | None, drawer: Callable[[], bool] | None
) -> MainWindow:
    c = s.counter
    return MainWindow(
        c,
        Worker(),
        shifts=Shifts(c.sessions, c.clock, c.ids, "T01"),
        store=StoreInfo("欢乐番茄 · 五一路店", "T01", "张丽"),
        printer=printer,
        drawer=drawer,
    )


@pytest.fixture
def till(tmp_path: Path, qtbot: QtBot) -> Iterator[Till]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    s = shop(tmp_path)
    printed: list[tuple[str, bytes]] = []
    kicks: list[bool] = []

    def drawer() -> bool:
        kicks.append(True)
        return True

    win = make_window(s, lambda job, data: printed.append((job, data)), drawer)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    t = Till(win, s, qtbot, Dialogs(), printed, kicks)
    win.happened.connect(lambda what, obj: t.happened.append((what, obj)))
    yield t
    t.dialogs.stop()
    win.worker.shutdown()


# ---------------------------------------------------------------------------- the printer


def test_paper_out_during_a_sale_the_sale_commits_and_the_receipt_prints_once(
    till: Till,
) -> None:
    win, s = till.win, till.shop
    printer = FakePrinter(paper_out=True)
    queue = PrintQueue(
        printer, PrinterLink(win), spool_path(s.path), retry_s=0.02, max_retry_s=0.05
    )
    submitted: list[tuple[str, bytes]] = []

    def submit(job: str, data: bytes) -> None:
        submitted.append((job, data))
        queue.submit(job, data)

    win.printer = submit
    try:
        till.type_line(SOY.code)
        till.settle()
        till.pay_cash()
        assert s.counter.sale_count() == 1  # committed, whatever the printer does
        till.qtbot.waitUntil(lambda: "打印机 缺纸" in win.banner.text(), timeout=5000)
        assert win.banner.isVisible() and "恢复后自动打印" in win.banner.text()
        assert "缺纸" in win.status.text()
        assert printer.received == b"" and len(queue.pending()) == 1

        till.type_line(RICE.code)  # the till keeps selling meanwhile
        till.settle()
        assert till.codes() == [RICE.code]

        printer.set(paper_out=False)  # a new roll
        till.qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=5000)
        assert queue.wait_idle(5)
        ((job, data),) = submitted
        assert job == "T01-000001" and queue.printed(job) == 1
        assert bytes(printer.received) == data  # the whole receipt, exactly once
        assert decode_text(data).count("T01-000001") >= 1
        assert win.statuses[PRINTER] == "ok"
    finally:
        queue.stop()


# ---------------------------------------------------------------------------- scans


@posix_only
def test_a_serial_scan_lands_in_the_sale_and_waits_while_the_pin_dialog_is_open(
    till: Till,
) -> None:
    win, qtbot = till.win, till.qtbot
    with PtyScanner() as scanner:
        hub = ScannerHub()
        hub.add(scanner.port, SCANNER)
        hub.start()
        pump = ScanPump(hub, win)
        try:
            qtbot.waitUntil(lambda: win.statuses.get(SCANNER) == "connected", timeout=5000)
            assert f"{SCANNER} ● 已连接" in win.status.text()
            win.input.setText("12")  # half-typed: a scan does not go into the field
            scanner.send(SOY.code)
            qtbot.waitUntil(lambda: till.codes() == [SOY.code], timeout=5000)
            till.settle()  # and on screen
            assert win.input.text() == "12"
            win.input.clear()

            def pin_with_a_scan(d: PinDialog) -> None:
                d.pin.setFocus()
                scanner.send(RICE.code)  # the customer's next item, mid-dialog
                qtbot.waitUntil(lambda: win.held_scans == [RICE.code], timeout=5000)
                assert d.pin.text() == "" and d.isVisible()
                assert till.codes() == [SOY.code]  # the sale did not change under the dialog
                assert "暂存" in win.message.text()
                typed(d.pin, "8888")

            till.expect(PickDialog, lambda d: typed(d.entry, "2"))
            till.expect(PinDialog, pin_with_a_scan)
            till.key(Qt.Key.Key_F2, CTRL)  # 整单折扣
            till.settle()
            qtbot.waitUntil(lambda: till.codes() == [SOY.code, RICE.code], timeout=5000)
            till.settle()
            assert win.held_scans == []
            assert win.current is not None and win.current.sale_discount == Money(200)
            assert win.current.due == Money.parse("75.00")  # 12 + 65 - 2

            scanner.close_master()  # unplugged: the banner says so
            qtbot.waitUntil(lambda: f"{SCANNER} 已断开" in win.banner.text(), timeout=5000)
        finally:
            pump.stop()
            hub.stop()


def test_a_scanned_receipt_answers_the_return_key(till: Till) -> None:
    till.type_line(SOY.code)
    till.settle()
    till.pay_cash()
    shown: list[str] = []
    till.expect(ConfirmDialog, lambda d: (shown.append(label_text(d)), d.accept()))
    till.key(Qt.Key.Key_F10)  # "scan the receipt"
    till.win.scanned("T01-000001")
    till.settle()
    assert "现金退 ￥" in shown[0]  # the refund previewed before it is committed
    assert "已退货" in till.win.message.text()
    assert till.kicks == [True]  # the cash refund opens the drawer


class Clock:
    def __init__(self) -> None:
        self.ms = 1000.0

    def __call__(self) -> float:
        return self.ms


@pytest.fixture
def wedge(till: Till) -> Iterator[tuple[WedgeFilter, Clock]]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    clock = Clock()
    w = WedgeFilter(till.win.scanned, clock=clock, detector=WedgeDetector())
    w.install(app)
    yield w, clock
    w.remove(app)


def test_the_wedge_takes_a_fast_burst_as_a_scan_and_slow_typing_as_typing(
    till: Till, wedge: tuple[WedgeFilter, Clock]
) -> None:
    win = till.win
    _, clock = wedge
    win.input.setFocus()
    for ch in SOY.code:  # a person: 150 ms a key
        clock.ms += 150
        QTest.keyClicks(win.input, ch)
    clock.ms += 150
    till.qtbot.waitUntil(lambda: win.input.text() == SOY.code, timeout=2000)
    assert till.codes() == []

    win.input.clear()
    QTest.keyClicks(win.input, RICE.code)  # a scanner: the whole code at once, then Enter
    QTest.keyClick(win.input, Qt.Key.Key_Return)
    till.settle()
    assert till.codes() == [RICE.code] and win.input.text() == ""

    QTest.keyClicks(win.input, "3*")  # short: typing, even when fast
    QTest.keyClick(win.input, Qt.Key.Key_Return)
    QTest.keyClicks(win.input, SOY.code)
    QTest.keyClick(win.input, Qt.Key.Key_Return)
    till.settle()
    assert win.current is not None and win.current.lines[-1].qty == "3"


def test_a_wedge_scan_into_the_pin_field_goes_to_the_sale_after_the_dialog(
    till: Till, wedge: tuple[WedgeFilter, Clock]
) -> None:
    till.type_line(RICE.code)
    till.settle()

    def pin(d: PinDialog) -> None:
        QTest.keyClicks(d.pin, SOY.code)
        QTest.keyClick(d.pin, Qt.Key.Key_Return)
        assert d.pin.text() == "" and d.isVisible()
        assert till.win.held_scans == [SOY.code]
        typed(d.pin, "8888")

    till.expect(PickDialog, lambda d: typed(d.entry, "5"))
    till.expect(PinDialog, pin)
    till.key(Qt.Key.Key_F2, CTRL)
    till.settle()
    till.qtbot.waitUntil(lambda: till.codes() == [RICE.code, SOY.code], timeout=5000)
    till.settle()
    assert till.win.current is not None and till.win.current.due == Money.parse("72.00")


# ---------------------------------------------------------------------------- manager actions


@dataclass
class Action:
    key: Qt.Key
    audit: str  # the "auth" row's action ("" while the service writes none)
    setup: Callable[[Till], None]
    answer: Callable[[Till, tuple[str, ...]], None]  # the dialogs before the PIN, the PINs
    applied: Callable[[Till], bool]
    then: Callable[[Till], None] = lambda t: None  # after the key (a scanned receipt)


def _sale(t: Till) -> None:
    t.type_line(SOY.code)
    t.settle()


def _paid_sale(t: Till) -> None:
    _sale(t)
    t.pay_cash()


def _member(t: Till) -> None:
    t.type_line("M1")
    t.settle()


def _handed_over(t: Till) -> None:
    t.expect(AmountDialog, lambda d: typed(d.amount, "100"))
    t.expect(TextDialog, lambda d: d.accept())
    t.key(Qt.Key.Key_F12)
    t.settle()


def _amount(text: str) -> Callable[[Till, tuple[str, ...]], None]:
    def answer(t: Till, pins: tuple[str, ...]) -> None:
        t.expect(AmountDialog, lambda d: typed(d.amount, text))
        t.pin(*pins)

    return answer


def _typed(text: str) -> Callable[[Till, tuple[str, ...]], None]:
    """A discount typed into its entry (an amount, 9折 or 10%), then the PINs."""

    def answer(t: Till, pins: tuple[str, ...]) -> None:
        t.expect(PickDialog, lambda d: typed(d.entry, text))
        t.pin(*pins)

    return answer


def _drawer(t: Till, pins: tuple[str, ...]) -> None:
    t.expect(PickDialog, lambda d: typed(d.entry, "1"))
    t.pin(*pins)


def _z(t: Till, pins: tuple[str, ...]) -> None:
    t.pin(*pins)
    if pins[-1] == "8888":
        t.expect(TextDialog, lambda d: d.accept())


def _day_closed(t: Till) -> bool:
    return t.win.shifts.day_closed(t.shop.clock.now().date())


ACTIONS = {
    "改价": Action(
        Qt.Key.Key_F1,
        "price_override",
        _sale,
        _typed("10"),
        lambda t: t.win.current is not None and t.win.current.due == Money.parse("10.00"),
    ),
    "整单折扣": Action(
        Qt.Key.Key_F2,
        "sale_discount",
        _sale,
        _typed("1.5"),
        lambda t: t.win.current is not None and t.win.current.due == Money.parse("10.50"),
    ),
    "退储值": Action(
        Qt.Key.Key_F3,
        "sv_refund",
        _member,
        lambda t, pins: t.pin(*pins),
        lambda t: t.shop.counter.member_state("M1").principal == Money(0),
    ),
    "作废已结小票": Action(
        Qt.Key.Key_F4,
        "void",
        _paid_sale,
        lambda t, pins: t.pin(*pins),
        lambda t: any(what == "voided" for what, _ in t.happened),
        then=lambda t: t.type_line("T01-000001"),
    ),
    "开钱箱": Action(
        Qt.Key.Key_F5,
        "open_drawer",
        lambda t: None,
        _drawer,
        lambda t: t.kicks == [True],
    ),
    "日结": Action(Qt.Key.Key_F6, "", _handed_over, _z, _day_closed),
}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_manager_action_wrong_pin_refused_right_pin_applied_and_audited(
    till: Till, name: str
) -> None:
    a = ACTIONS[name]
    a.setup(till)
    before = till.auth()

    a.answer(till, ("0000",))  # refused in the dialog, then Esc
    till.key(a.key, CTRL)
    a.then(till)
    till.settle()
    assert "密码错误" in till.win.message.text()  # the refusal in the cashier's words
    assert not a.applied(till)
    assert till.auth() == before  # nothing authorised, nothing audited

    a.answer(till, ("0000", "8888"))  # a wrong PIN, then the right one in the same dialog
    till.key(a.key, CTRL)
    a.then(till)
    till.settle()
    assert a.applied(till), till.win.message.text()
    assert till.win.message.text().startswith("✓")
    new = [r for r in till.auth() if r not in before]
    if a.audit:
        assert {"manager": "mgr", "action": a.audit} in [
            {"manager": r["manager"], "action": r["action"]} for r in new
        ]


def test_price_override_takes_the_selected_line(till: Till) -> None:
    for code in (SOY.code, RICE.code):
        till.type_line(code)
        till.settle()
    till.key(Qt.Key.Key_Up)  # select line 1

    def amount(d: PickDialog) -> None:
        assert "第 1 行 酱油" in label_text(d)
        typed(d.entry, "9")

    def pin(d: PinDialog) -> None:
        assert "改价 第 1 行 酱油: ￥12.00 → ￥9.00" in label_text(d)
        typed(d.pin, "8888")

    till.expect(PickDialog, amount)
    till.expect(PinDialog, pin)
    till.key(Qt.Key.Key_F1, CTRL)
    till.settle()
    assert till.win.current is not None
    assert [ln.unit_price for ln in till.win.current.lines] == [Money(900), RICE.price]


def test_the_z_report_is_shown_and_printed_with_the_manager(till: Till) -> None:
    _handed_over(till)
    shown: list[str] = []

    def report(d: TextDialog) -> None:
        shown.append(label_text(d))
        d.accept()

    till.pin("8888")
    till.expect(TextDialog, report)
    till.key(Qt.Key.Key_F6, CTRL)
    till.settle()
    assert any("日结报表(Z)" in t and "授权店长" in t for t in shown)
    job, data = till.printed[-1]
    text = decode_text(data)
    assert job.startswith("Z-") and "日结报表(Z)" in text and "授权店长" in text
    assert ("z_report", till.happened[-1][1]) == till.happened[-1]
    assert [r["action"] for r in till.auth()][-1] == "z_report"  # who ran the Z is on record

    till.pin("8888")  # no one can run it twice
    till.key(Qt.Key.Key_F6, CTRL)
    till.settle()
    assert "日结 (Z) 已做过" in till.win.message.text()


def test_the_manager_menu_picks_an_action_by_its_number(till: Till) -> None:
    _sale(till)

    def menu(d: MenuDialog) -> None:
        labels = [b.text() for b in d.buttons]
        assert labels[1].startswith("2") and "整单折扣" in labels[1] and "Ctrl+F2" in labels[1]
        QTest.keyClick(d, Qt.Key.Key_2)

    till.expect(MenuDialog, menu)
    till.expect(PickDialog, lambda d: typed(d.entry, "2"))
    till.pin("8888")
    till.key(Qt.Key.Key_F1)
    till.settle()
    assert till.win.current is not None and till.win.current.due == Money.parse("10.00")
    assert "店长" in till.win.buttons["F1"].text() and "Ctrl+F6" in till.win.buttons["F1"].toolTip()


def test_a_cancelled_pin_is_refused_and_says_so(till: Till) -> None:
    _member(till)
    till.expect(PinDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Escape))
    till.key(Qt.Key.Key_F3, CTRL)
    till.settle()
    assert "店长授权" in till.win.message.text()
    assert till.shop.counter.member_state("M1").principal == Money(10000)


# ---------------------------------------------------------------------------- customer display


def test_the_customer_display_mirrors_the_sale(till: Till) -> None:
    win = till.win
    display = attach(win)
    till.qtbot.addWidget(display)
    display.show()
    for code in ("M1", SOY.code, RICE.code):
        till.type_line(code)
        till.settle()
    assert win.current is not None and win.current.member is not None
    names = [r.name for r in display.model.rows]
    assert names == ["酱油", "大米 5kg"]
    assert display.due.text() == win.due.text() == "￥72.00"
    assert "已为您节省 ￥5.00" in display.savings.text()  # the 满30减5 coupon
    p = win.current.member
    member = display.member.text()
    assert "138****5678" in member and f"番茄币 <b>{p.coins}</b>" in member
    assert (p.tier_name or "会员") in member
    assert "分群" not in member  # what is for the cashier stays on the cashier's screen

    till.pay_cash()
    assert "谢谢惠顾" in display.thanks.text()
    assert display.model.rows == () and display.due.text() == "￥0.00"


# ---------------------------------------------------------------------------- from settings


@posix_only
def test_the_till_starts_the_devices_its_settings_name(till: Till, tmp_path: Path) -> None:
    win, qtbot = till.win, till.qtbot
    lp = tmp_path / "lp0"
    lp.touch()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with PtyScanner() as scanner:
        settings = {
            "scanner_ports": scanner.port,
            "printer_kind": "file",
            "printer_path": str(lp),
            "scanner_wedge": "off",
        }
        devices = TillDevices.start(settings, till.shop.path, win, app=app, retry_s=0.02)
        try:
            assert win.printer == devices.print_job
            qtbot.waitUntil(lambda: win.statuses.get(SCANNER) == "connected", timeout=5000)
            scanner.send(SOY.code)
            qtbot.waitUntil(lambda: till.codes() == [SOY.code], timeout=5000)
            till.settle()
            till.pay_cash()
            assert devices.queue.wait_idle(5)
            assert devices.queue.printed("T01-000001") == 1
            printed = lp.read_bytes()
            assert "T01-000001" in decode_text(printed) and printed.count(KICK) == 1
            assert win.statuses[PRINTER] == "ok"
        finally:
            devices.stop(app)


def test_demo_devices_a_fake_printer_that_runs_out_of_paper_on_a_key(
    till: Till,
) -> None:
    win = till.win
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    devices = TillDevices.start({}, till.shop.path, win, demo=True, app=app, idle_check_s=0.05)
    try:
        fake = devices.fake
        assert fake is not None and devices.hub.scanners == {}
        till.qtbot.waitUntil(lambda: win.statuses.get(PRINTER) == "ok", timeout=5000)
        till.key(Qt.Key.Key_P, CTRL | Qt.KeyboardModifier.ShiftModifier)
        till.qtbot.waitUntil(lambda: "打印机 缺纸" in win.banner.text(), timeout=5000)
        till.key(Qt.Key.Key_P, CTRL | Qt.KeyboardModifier.ShiftModifier)
        till.qtbot.waitUntil(lambda: not win.banner.isVisible(), timeout=5000)

        till.expect(PickDialog, lambda d: typed(d.entry, "换零钱"))
        till.pin("8888")
        till.key(Qt.Key.Key_F5, CTRL)  # 开钱箱: audited, then the fake printer's kick
        till.settle()
        assert fake.wait_for(lambda: KICK in fake.received)
        assert "钱箱已打开 (换零钱)" in win.message.text()
    finally:
        devices.stop(app)


def test_a_wrong_printer_setting_is_the_banner_and_receipts_wait(till: Till) -> None:
    win = till.win
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    settings = {"printer_kind": "laser", "scanner_wedge": "off"}
    devices = TillDevices.start(settings, till.shop.path, win, app=app)
    try:
        assert "打印机 设置有误" in win.banner.text() and win.drawer is None
        _paid_sale(till)
        assert [j.job_id for j in devices.queue.pending()] == ["T01-000001"]
    finally:
        devices.stop(app)
