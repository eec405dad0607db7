"""The sale's lines by the cashier's keys: Del removes the chosen line, Insert sets its
quantity, 改价 and 整单折扣 take 9折 / 10% / an amount (a manager above the program's
limit), Esc on a sale with lines asks to confirm, and the void is in the ledger."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from devices.printer.render import decode_text
from terminal.app.discount_entry import DiscountEntry, parse_discount, percent_of
from terminal.errors import InvalidInput
from terminal.money import Money
from terminal.store.schema import LedgerRow
from ui.dialogs import PickDialog
from ui.models import SaleModel
from ui.qt import Qt, QTest
from ui.script import typed

from ..app.store import RICE, SOY
from .test_devices_screen import CTRL, Till, label_text
from .test_devices_screen import till as till  # the fixture, shared


def _two_lines(t: Till) -> None:
    for code in (SOY.code, RICE.code):
        t.type_line(code)
        t.settle()


def _rows(t: Till, kind: str) -> list[dict[str, object]]:
    with t.shop.counter.sessions() as s:
        rows = s.execute(select(LedgerRow).where(LedgerRow.kind == kind)).scalars()
        return [json.loads(r.payload) for r in rows]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("9折", DiscountEntry(percent_off=10)),
        ("8.5折", DiscountEntry(percent_off=15)),
        ("85折", DiscountEntry(percent_off=15)),
        ("15%", DiscountEntry(percent_off=15)),
        ("5", DiscountEntry(amount=Money(500))),
        ("7.90", DiscountEntry(amount=Money(790))),
    ],
)
def test_discount_entries_parse(text: str, entry: DiscountEntry) -> None:
    assert parse_discount(text) == entry


@pytest.mark.parametrize("text", ["", "折", "10折", "0%", "101%", "abc", "-5", "9.55折"])
def test_bad_discount_entries_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_discount(text)
    assert e.value.code == "invalid_discount"


@pytest.mark.parametrize(
    ("fen", "percent", "off"),
    [(790, 10, 79), (1235, 15, 185), (5, 10, 1), (4, 10, 0), (1200, 100, 1200)],
)
def test_percent_of_rounds_half_up_to_the_fen(fen: int, percent: int, off: int) -> None:
    """The one 9折 arithmetic, shared by the counter and the screen's PIN dialog text."""
    assert percent_of(Money(fen), percent) == Money(off)


@pytest.mark.parametrize("percent", [0, -5, 101])
def test_percent_of_refuses_what_is_no_discount(percent: int) -> None:
    with pytest.raises(InvalidInput) as e:
        percent_of(Money(1000), percent)
    assert e.value.code == "invalid_percent"


def test_del_removes_the_chosen_line_not_the_last(till: Till) -> None:
    _two_lines(till)
    till.key(Qt.Key.Key_Up)  # line 1, 酱油
    QTest.keyClick(till.win.input, Qt.Key.Key_Delete)
    till.settle()
    assert till.codes() == [RICE.code]


def test_del_edits_the_typed_text_while_there_is_some(till: Till) -> None:
    _two_lines(till)
    till.win.input.setText("12")
    till.win.input.setCursorPosition(0)
    QTest.keyClick(till.win.input, Qt.Key.Key_Delete)
    till.settle()
    assert till.win.input.text() == "2" and till.codes() == [SOY.code, RICE.code]


def test_insert_sets_the_chosen_lines_quantity(till: Till) -> None:
    _two_lines(till)
    till.key(Qt.Key.Key_Up)
    typed(till.win.input, "3", enter=False)
    QTest.keyClick(till.win.input, Qt.Key.Key_Insert)  # "3" Insert: at once
    till.settle()
    assert till.win.current is not None
    assert [ln.qty for ln in till.win.current.lines] == ["3", "1"]
    till.expect(PickDialog, lambda d: typed(d.entry, "2"))
    QTest.keyClick(till.win.input, Qt.Key.Key_Insert)  # Insert alone asks (last line chosen)
    till.settle()
    assert [ln.qty for ln in till.win.current.lines] == ["3", "2"]


def test_a_line_at_9_zhe_with_the_manager_shows_the_override(till: Till) -> None:
    _two_lines(till)
    till.key(Qt.Key.Key_Up)
    till.expect(PickDialog, lambda d: typed(d.entry, "9折"))
    till.pin("8888")
    till.key(Qt.Key.Key_F1, CTRL)
    till.settle()
    s = till.win.current
    assert s is not None and s.lines[0].unit_price == Money(1080)
    assert SaleModel.cell(s.lines[0], 3) == "12.00→10.80\n改价"
    audit = [r for r in till.auth() if r["action"] == "price_override"]
    assert audit and "(-10%)" in audit[-1]["detail"]
    till.pay_cash()
    text = decode_text(till.printed[-1][1])
    assert "改价 12.00→10.80" in text


def test_within_the_cashiers_limit_no_manager_is_asked(till: Till) -> None:
    c = till.shop.counter
    c.program = dataclasses.replace(c.program, cashier_discount_max_percent=10)
    _two_lines(till)  # 12.00 + 65.00
    till.expect(PickDialog, lambda d: typed(d.entry, "95折"))  # 5% off: no PIN dialog
    till.key(Qt.Key.Key_F2, CTRL)
    till.settle()
    assert till.win.current is not None and till.win.current.due == Money.parse("73.15")
    assert _rows(till, "discount")[-1]["action"] == "sale_discount"
    till.expect(PickDialog, lambda d: typed(d.entry, "8折"))  # 20%: above the limit
    till.pin("8888")
    till.key(Qt.Key.Key_F2, CTRL)
    till.settle()
    assert till.win.current.due == Money.parse("61.60")
    assert till.auth()[-1]["action"] == "sale_discount"


def test_esc_asks_before_voiding_and_the_void_is_audited(till: Till) -> None:
    _two_lines(till)

    def keep(d: PickDialog) -> None:
        assert "作废本单 2 行" in label_text(d)
        QTest.keyClick(d, Qt.Key.Key_Escape)  # the second Esc keeps the sale

    till.expect(PickDialog, keep)
    till.key(Qt.Key.Key_Escape)
    till.settle()
    assert till.codes() == [SOY.code, RICE.code] and _rows(till, "void") == []

    till.expect(PickDialog, lambda d: typed(d.entry, "2"))  # 扫错商品
    till.key(Qt.Key.Key_Escape)
    till.settle()
    assert till.shop.counter.sale is None
    (row,) = _rows(till, "void")
    assert row["reason"] == "扫错商品" and row["due"] == 7700 and len(row["lines"]) == 2
    assert ("sale_voided", ("扫错商品", Money(7700))) in till.happened
    till.qtbot.waitUntil(lambda: bool(till.printed), timeout=5000)
    slip = decode_text(till.printed[-1][1])
    assert "作废单" in slip and "77.00" in slip and "扫错商品" in slip
