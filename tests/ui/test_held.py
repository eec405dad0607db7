"""Held sales (issue 14, item 14): F4 holds; F4 on an empty sale lists the held sales
(number, time, member, amount) and takes back the one picked by its number, or the
highlighted one with Enter; a handover and a Z with sales held ask first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ui.dialogs import AmountDialog, ChoiceDialog, ConfirmDialog, TextDialog
from ui.qt import QLabel, Qt, QTest
from ui.script import typed

from ..app.store import RICE, SOY
from .desk_till import open_till
from .test_devices_screen import Till

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def till(tmp_path: Path, qtbot: QtBot) -> Iterator[Till]:
    yield from open_till(tmp_path, qtbot)


def hold_two(t: Till) -> None:
    """10:05 a walk-in's soy sauce; 10:20 member M1's rice: both held."""
    t.shop.clock.set(datetime(2026, 10, 7, 10, 5))
    t.type_line(SOY.code)
    t.settle()
    t.key(Qt.Key.Key_F4)
    t.settle()
    t.shop.clock.set(datetime(2026, 10, 7, 10, 20))
    t.type_line("M1")
    t.type_line(RICE.code)
    t.settle()
    t.key(Qt.Key.Key_F4)
    t.settle()
    assert t.shop.counter.sale is None and len(t.shop.counter.held()) == 2


def test_f4_lists_the_held_sales_and_takes_back_the_one_picked_by_number(till: Till) -> None:
    hold_two(till)
    rows: list[str] = []

    def pick(d: ChoiceDialog) -> None:
        rows.extend(d.list.item(i).text() for i in range(d.list.count()))
        typed(d.entry, "2")

    till.expect(ChoiceDialog, pick)
    till.key(Qt.Key.Key_F4)
    till.settle()
    assert len(rows) == 2
    assert rows[0].startswith(" 1  10:05") and "非会员" in rows[0] and "￥12.00" in rows[0]
    assert rows[1].startswith(" 2  10:20") and "M1" in rows[1] and "￥60.00" in rows[1]  # C1 off
    sale = till.shop.counter.sale
    assert sale is not None and sale.member == "M1" and till.codes() == [RICE.code]
    assert "已取单 10:20" in till.win.message.text()


def test_enter_takes_back_the_highlighted_sale_and_up_down_move_it(till: Till) -> None:
    hold_two(till)

    def highlighted(d: ChoiceDialog) -> None:
        assert d.list.currentRow() == 0  # the oldest first
        QTest.keyClick(d.entry, Qt.Key.Key_Down)
        QTest.keyClick(d.entry, Qt.Key.Key_Up)
        QTest.keyClick(d.entry, Qt.Key.Key_Return)

    till.expect(ChoiceDialog, highlighted)
    till.key(Qt.Key.Key_F4)
    till.settle()
    assert till.codes() == [SOY.code] and len(till.shop.counter.held()) == 1


def test_f4_with_nothing_held_says_so(till: Till) -> None:
    till.key(Qt.Key.Key_F4)
    till.settle()
    assert [getattr(e, "code", "") for w, e in till.happened if w == "refused"] == ["no_held_sale"]


def confirm_text(d: ConfirmDialog) -> str:
    return "\n".join(label.text() for label in d.findChildren(QLabel))


def test_a_handover_and_a_z_with_sales_held_ask_first(till: Till) -> None:
    till.type_line(SOY.code)
    till.settle()
    till.key(Qt.Key.Key_F4)
    till.settle()
    asked: list[str] = []

    def back(d: ConfirmDialog) -> None:
        asked.append(confirm_text(d))
        QTest.keyClick(d, Qt.Key.Key_Escape)

    till.expect(ConfirmDialog, back)  # Esc: back to the held sale, no handover
    till.key(Qt.Key.Key_F12)
    till.settle()
    assert "还有 1 笔挂单" in asked[0]
    assert till.win.shifts.current() is not None

    till.expect(ConfirmDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
    till.expect(AmountDialog, lambda d: typed(d.amount, "500"))
    till.expect(TextDialog, lambda d: d.accept())
    till.key(Qt.Key.Key_F12)
    till.settle()
    assert till.win.shifts.current() is None  # handed over, the sale still held

    day = till.shop.clock.now().date()
    till.expect(ConfirmDialog, back)
    till.key(Qt.Key.Key_F6, CTRL)  # 日结: asked before the manager's PIN
    till.settle()
    assert "还有 1 笔挂单" in asked[1] and not till.win.shifts.day_closed(day)

    till.expect(ConfirmDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
    till.pin("8888")
    till.expect(TextDialog, lambda d: d.accept())
    till.key(Qt.Key.Key_F6, CTRL)
    till.settle()
    assert till.win.shifts.day_closed(day)


def test_with_nothing_held_the_handover_asks_nothing_more(till: Till) -> None:
    till.expect(AmountDialog, lambda d: typed(d.amount, "500"))
    till.expect(TextDialog, lambda d: d.accept())
    till.key(Qt.Key.Key_F12)
    till.settle()  # an unexpected ConfirmDialog would fail here
    assert till.win.shifts.current() is None
    assert not any(w == "refused" for w, _ in till.happened)
