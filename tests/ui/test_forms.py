"""One keyboard rule for every form, by key presses on the real window (issue 14, item 9):
Enter moves to the next field and submits on the last; a refused field keeps the form
open; a card scan goes into the card field; Esc closes the dialog and nothing more; the
new member joins the sale; another member replaces the one on a sale only once the
cashier confirms. And no dialog is taller than a 1024×768 screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import ui.dialogs
from terminal.money import Money
from ui.dialogs import (
    FRAME_PX,
    AmountDialog,
    ChoiceDialog,
    ConfirmDialog,
    Field,
    FormDialog,
    ImageDialog,
    MenuDialog,
    PickDialog,
    TextDialog,
)
from ui.qt import QApplication, QDialog, QImage, QLineEdit, Qt, QTest, QWidget

from ..app.store import SOY
from .desk_till import open_till
from .test_devices_screen import Till


@pytest.fixture
def till(tmp_path: Path, qtbot: QtBot) -> Iterator[Till]:
    yield from open_till(tmp_path, qtbot)


def focused(d: QDialog) -> QWidget:
    w = d.focusWidget()
    assert w is not None
    return w


def keys(d: QDialog, text: str) -> None:
    """Typed where the cursor is, as a cashier types."""
    QTest.keyClicks(focused(d), text)


def enter(d: QDialog) -> None:
    QTest.keyClick(focused(d), Qt.Key.Key_Return)


def field(d: FormDialog, key: str) -> QLineEdit:
    return d.fields[key]


def test_enter_walks_the_fields_and_an_empty_phone_keeps_the_form_open(till: Till) -> None:
    seen: list[str] = []

    def fill(d: FormDialog) -> None:
        assert field(d, "code").hasFocus()
        keys(d, "M777")
        enter(d)
        assert field(d, "phone").hasFocus() and d.isVisible()  # Enter moved on, no submit
        enter(d)  # the phone left empty
        enter(d)  # birthday (may be empty)
        enter(d)  # name, the last field: the form checks every field
        assert d.isVisible(), "an empty phone must not submit the form"
        assert d.refusal is not None and d.refusal.code == "invalid_phone"
        assert field(d, "phone").hasFocus()  # the cursor is where the problem is
        seen.append(d.error.text())
        keys(d, "13912345678")
        enter(d)
        keys(d, "1990-05-20")
        enter(d)
        enter(d)

    till.expect(FormDialog, fill)
    till.key(Qt.Key.Key_F7)
    till.settle()
    assert seen == ["请输入手机号"]
    state = till.shop.counter.member_state("M777")
    assert state.phone == "13912345678" and state.birthday is not None
    assert till.win.input.text() == ""  # nothing spilled into the sale's input line


def test_a_wrong_birthday_is_refused_in_the_form_not_after_it(till: Till) -> None:
    def fill(d: FormDialog) -> None:
        for text in ("M778", "13912345679", "1990-13-40", ""):
            keys(d, text)
            enter(d)
        assert d.isVisible() and d.refusal is not None
        assert d.refusal.code == "invalid_date" and field(d, "birthday").hasFocus()
        QTest.keyClick(d, Qt.Key.Key_Escape)

    till.expect(FormDialog, fill)
    till.key(Qt.Key.Key_F7)
    till.settle()
    assert not [w for w, _ in till.happened if w == "registered"]


def test_a_card_scan_goes_into_the_card_field_and_a_product_scan_waits_for_the_sale(
    till: Till,
) -> None:
    win = till.win

    def fill(d: FormDialog) -> None:
        win.scanned("M888")  # the new card under the scanner
        assert field(d, "code").text() == "M888" and win.held_scans == []
        assert field(d, "phone").hasFocus()  # and on to the next field
        win.scanned(SOY.code)  # the customer's item: the card field is filled, so it waits
        assert win.held_scans == [SOY.code] and field(d, "code").text() == "M888"
        keys(d, "13912340000")
        enter(d)
        enter(d)
        enter(d)

    till.expect(FormDialog, fill)
    till.key(Qt.Key.Key_F7)
    till.settle()
    till.qtbot.waitUntil(lambda: till.codes() == [SOY.code], timeout=5000)
    till.settle()
    sale = till.shop.counter.sale
    assert sale is not None and sale.member == "M888"  # the new member is on the sale
    assert win.current is not None and win.current.member is not None
    assert win.current.member.code == "M888"


def test_a_form_without_a_code_field_leaves_the_scan_to_the_sale(qtbot: QtBot) -> None:
    d = FormDialog("x", [Field("amount", "金额")])
    qtbot.addWidget(d)
    assert d.take_scan("6900000000014") is False
    assert d.fields["amount"].text() == ""


def test_esc_closes_the_dialog_and_nothing_more(till: Till) -> None:
    till.type_line(SOY.code)
    till.settle()

    def escape(d: QDialog) -> None:
        keys(d, "M1")
        QTest.keyClick(focused(d), Qt.Key.Key_Escape)

    for key, kind in ((Qt.Key.Key_F7, FormDialog), (Qt.Key.Key_F6, PickDialog)):
        till.expect(kind, escape)
        till.key(key)
        till.settle()
        assert till.codes() == [SOY.code]  # the sale behind is untouched, not voided
        assert till.shop.counter.sale is not None and till.shop.counter.sale.member is None
    assert not [w for w, _ in till.happened if w == "refused"]


def test_a_new_member_replaces_the_one_on_a_sale_only_when_confirmed(till: Till) -> None:
    till.type_line("M1")
    till.type_line(SOY.code)
    till.settle()
    asked: list[str] = []

    def keep(d: ConfirmDialog) -> None:
        asked.append("\n".join(w.text() for w in d.findChildren(ui.dialogs.QLabel)))
        QTest.keyClick(d, Qt.Key.Key_Escape)

    till.expect(ConfirmDialog, keep)
    till.type_line("M2")  # another customer's card, scanned by mistake
    till.settle()
    sale = till.shop.counter.sale
    assert sale is not None and sale.member == "M1" and till.codes() == [SOY.code]
    assert "M2" in asked[0]

    till.type_line("M1")  # the same member again: nothing to ask
    till.settle()

    till.expect(ConfirmDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
    till.type_line("13900001111")  # M2's phone: Enter replaces
    till.settle()
    sale = till.shop.counter.sale
    assert sale is not None and sale.member == "M2" and till.codes() == [SOY.code]


def test_registering_mid_sale_asks_before_the_new_member_replaces_the_identified_one(
    till: Till,
) -> None:
    till.type_line("M1")
    till.type_line(SOY.code)
    till.settle()

    def fill(d: FormDialog) -> None:
        for text in ("M999", "13911112222", "", ""):
            keys(d, text)
            enter(d)

    till.expect(FormDialog, fill)
    till.expect(ConfirmDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
    till.key(Qt.Key.Key_F7)
    till.settle()
    till.qtbot.waitUntil(
        lambda: till.shop.counter.sale is not None and till.shop.counter.sale.member == "M999",
        timeout=5000,
    )
    till.settle()
    assert till.codes() == [SOY.code]


def test_an_amount_dialog_refuses_a_wrong_amount_and_stays(qtbot: QtBot) -> None:
    d = AmountDialog("充值", "金额", lambda m: f"￥{m.plain()}")
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    QTest.keyClicks(d.amount, "abc")
    QTest.keyClick(d.amount, Qt.Key.Key_Return)
    assert d.isVisible() and d.value is None and d.error.text()
    assert d.refusal is not None and d.refusal.code == "invalid_amount"
    d.amount.clear()
    QTest.keyClicks(d.amount, "12.5")
    QTest.keyClick(d.amount, Qt.Key.Key_Return)
    assert d.result() == QDialog.DialogCode.Accepted and d.value == Money(1250)


def test_the_choice_dialog_picks_by_number_or_the_highlighted_row(qtbot: QtBot) -> None:
    d = ChoiceDialog("取单", ["a", "b", "c"], "序号")
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    QTest.keyClick(d.entry, Qt.Key.Key_Down)
    QTest.keyClick(d.entry, Qt.Key.Key_Down)
    QTest.keyClick(d.entry, Qt.Key.Key_Return)
    assert d.choice == 2
    d = ChoiceDialog("取单", ["a", "b", "c"], "序号")
    qtbot.addWidget(d)
    d.show()
    QTest.keyClicks(d.entry, "9")
    QTest.keyClick(d.entry, Qt.Key.Key_Return)
    assert d.isVisible() and d.choice is None and d.refusal is not None
    d.entry.clear()
    QTest.keyClicks(d.entry, "2")
    QTest.keyClick(d.entry, Qt.Key.Key_Return)
    assert d.choice == 1


def tall_png(tmp_path: Path) -> bytes:
    img = QImage(384, 3000, QImage.Format.Format_RGB32)
    img.fill(0xFFFFFF)
    path = tmp_path / "tall.png"
    assert img.save(str(path))
    return path.read_bytes()


def test_no_dialog_is_taller_than_a_1024x768_screen(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui.dialogs, "available", lambda _w: (1024, 768))
    many = [f"第 {i} 行  一些文字" for i in range(80)]
    dialogs: list[QDialog] = [
        FormDialog("注册会员", [Field(f"f{i}", f"字段 {i}") for i in range(6)], "说明"),
        AmountDialog("充值", "\n".join(many[:30]), lambda m: ""),
        PickDialog("选择", many, "输入序号"),
        ChoiceDialog("取单", many, "输入序号"),
        MenuDialog("店长", [(f"操作 {i}", f"Ctrl+F{i}") for i in range(1, 7)]),
        TextDialog("报表", [], None, lambda: None, rows=[(r, "1.00") for r in many]),
        TextDialog("小票", many),
        ImageDialog("小票", tall_png(tmp_path), None, lambda: None),
        ConfirmDialog("更换会员", "换成会员 M2?", "更换", "保留"),
    ]
    for d in dialogs:
        qtbot.addWidget(d)
        d.show()
        qtbot.waitExposed(d)
        QApplication.processEvents()
        assert d.height() <= 768 - FRAME_PX, (type(d).__name__, d.height())
        buttons = [b for b in d.findChildren(ui.dialogs.QPushButton) if b.isVisible()]
        for b in buttons:  # every key the dialog offers is on the screen
            bottom = b.mapTo(d, b.rect().bottomLeft()).y()
            assert bottom <= d.height(), (type(d).__name__, b.text())
        d.close()
