"""Reports on screen (issue 14, item 7): never taller than a 1024×768 screen (the X was
924 px, the handover 1024, the Z 1074), the summary first (net sales, each tender,
over/short in red or green), the rest scrolling below, P prints, Esc closes; the Z
shows its progress while it runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import ui.dialogs
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from ui.dialogs import FRAME_PX, AmountDialog, TextDialog
from ui.qt import QApplication, QLabel, QProgressDialog, QPushButton, Qt, QTest
from ui.script import typed

from ..app.store import RICE, SOY, TOMATO
from .desk_till import open_till
from .test_devices_screen import Till

CTRL = Qt.KeyboardModifier.ControlModifier
HEIGHT = 768


@pytest.fixture
def till(tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Till]:
    monkeypatch.setattr(ui.dialogs, "available", lambda _w: (1024, HEIGHT))
    yield from open_till(tmp_path, qtbot)


def busy_day(t: Till) -> None:
    """Sales in cash, card, mobile, stored value and coins, and a return: every section
    of the report has rows."""
    c = t.shop.counter
    c.identify("M1")
    c.scan(RICE.code)
    rest = c.priced().total_due - Money(500)  # 5 coins are ￥5.00
    c.pay([TenderRequest("coins", coins=5), TenderRequest("stored_value", rest)])
    for kind in ("card", "mobile", "cash"):
        c.scan(SOY.code)
        c.scan(TOMATO.code)
        c.pay([TenderRequest(kind, c.priced().total_due)])
    c.scan(SOY.code)
    receipt = c.pay([TenderRequest("cash", SOY.price)]).receipt_no
    c.return_sale(receipt, None)
    t.win.refresh()
    t.settle()


def summary_rows(d: TextDialog) -> list[tuple[str, str]]:
    labels = [w for w in d.summary.findChildren(QLabel)]
    return [(labels[i].text(), labels[i + 1].text()) for i in range(0, len(labels), 2)]


def check_fits(d: TextDialog) -> None:
    QApplication.processEvents()
    assert d.height() <= HEIGHT - FRAME_PX, d.height()
    for b in d.findChildren(QPushButton):  # print and close are on the screen
        assert b.mapTo(d, b.rect().bottomLeft()).y() <= d.height(), b.text()
    top = d.summary.mapTo(d, d.summary.rect().topLeft()).y()
    assert top < d.body.mapTo(d, d.body.rect().topLeft()).y()  # the summary comes first
    inner = d.body.widget()
    assert inner.sizeHint().height() > d.body.viewport().height()  # the rest scrolls


def test_the_x_report_fits_the_screen_summary_first_p_prints_esc_closes(till: Till) -> None:
    busy_day(till)
    seen: list[list[tuple[str, str]]] = []

    def report(d: TextDialog) -> None:
        check_fits(d)
        seen.append(summary_rows(d))
        before = len(till.printed)
        QTest.keyClick(d, Qt.Key.Key_P)
        till.qtbot.waitUntil(lambda: len(till.printed) == before + 1, timeout=5000)
        QTest.keyClick(d, Qt.Key.Key_Escape)

    till.expect(TextDialog, report)
    till.key(Qt.Key.Key_F11)
    till.settle()
    (rows,) = seen
    labels = [label.strip() for label, _ in rows]
    assert labels[0] == "净销售额 (销售 - 退款)"
    assert {"现金", "银行卡", "移动支付", "储值", "番茄币", "应有现金"} <= set(labels)
    net = dict(rows)["净销售额 (销售 - 退款)"]
    assert net.startswith("￥")
    assert till.printed[-1][0].startswith("X-")


def handover(t: Till, counted: str, check: Any) -> None:
    t.expect(AmountDialog, lambda d: typed(d.amount, counted))
    t.expect(TextDialog, check)
    t.key(Qt.Key.Key_F12)
    t.settle()


def test_a_short_handover_shows_red_an_over_one_green(till: Till) -> None:
    busy_day(till)
    expected = till.win.shifts.x_report().expected_cash
    short = f"{(expected.fen - 350) / 100:.2f}"
    seen: list[tuple[str, str, str]] = []

    def report(d: TextDialog) -> None:
        check_fits(d)
        labels = d.summary.findChildren(QLabel)
        for name, value in zip(labels[::2], labels[1::2], strict=True):
            seen.append((name.text(), value.text(), value.styleSheet()))
        d.accept()

    handover(till, short, report)
    assert ("短款", "-￥3.50", "color:#b00020;") in seen
    assert any(n == "实点现金" and v == f"￥{short}" for n, v, _ in seen)


def test_an_over_handover_is_green(till: Till) -> None:
    till.type_line(SOY.code)
    till.settle()
    till.pay_cash()
    expected = till.win.shifts.x_report().expected_cash
    seen: list[tuple[str, str, str]] = []

    def report(d: TextDialog) -> None:
        labels = d.summary.findChildren(QLabel)
        for name, value in zip(labels[::2], labels[1::2], strict=True):
            seen.append((name.text(), value.text(), value.styleSheet()))
        d.accept()

    handover(till, f"{(expected.fen + 100) / 100:.2f}", report)
    assert ("长款", "+￥1.00", "color:#1b7f3b;") in seen


def test_the_z_shows_its_progress_while_it_runs(till: Till) -> None:
    busy_day(till)
    handover(till, "100", lambda d: d.accept())
    shifts = till.win.shifts
    real = shifts.z_report
    steps: list[tuple[int, int]] = []

    def slow_z(day: Any = None, manager: Any = None, progress: Any = None) -> Any:
        progress(1, 4)  # a big day: the ledger read in chunks
        time.sleep(0.4)
        progress(3, 4)
        time.sleep(0.4)
        return real(day, manager)

    shifts.z_report = slow_z  # type: ignore[method-assign]

    def watch() -> bool:
        w = QApplication.activeModalWidget()
        if isinstance(w, QProgressDialog) and w.maximum() == 4:
            steps.append((w.value(), w.maximum()))
        return False

    till.pin("8888")
    till.expect(TextDialog, lambda d: d.accept())
    till.key(Qt.Key.Key_F6, CTRL)
    till.qtbot.waitUntil(lambda: watch() or (3, 4) in steps, timeout=5000)
    till.settle()
    assert (3, 4) in steps
    assert shifts.day_closed(till.shop.clock.now().date())
    shown = QApplication.topLevelWidgets()
    assert not [w for w in shown if isinstance(w, QProgressDialog) and w.isVisible()]
