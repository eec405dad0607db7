"""Who is at the till, by keys: the handover ends at the sign-in, the next cashier signs
in (a wrong PIN keeps the dialog open with the tries left), opens a shift with a float
and sells under their own name; Ctrl+L locks the screen over the open sale."""

from __future__ import annotations

from terminal.app import staff as st
from terminal.money import Money
from ui.desks.shift import SIGN_IN_TITLE, PinFormDialog
from ui.dialogs import AmountDialog, TextDialog
from ui.qt import QDialogButtonBox, Qt
from ui.script import typed

from ..app.store import SOY
from .test_devices_screen import CTRL, Till
from .test_devices_screen import till as till  # the fixture, shared


def _second_cashier(t: Till) -> None:
    with t.shop.counter.sessions() as s:
        st.add_staff(s, "c2", "李娜", "cashier", "2222")
        s.commit()


def test_handover_ends_at_the_sign_in_and_the_next_cashier_sells(till: Till) -> None:
    _second_cashier(till)
    till.win.signs_in = True
    wrong_pin: list[str] = []

    def sign_in(d: PinFormDialog) -> None:
        assert d.windowTitle() == SIGN_IN_TITLE
        typed(d.fields["code"], "c2")
        typed(d.fields["pin"], "9999")  # a typo: the dialog stays, says the tries left
        till.qtbot.waitUntil(lambda: bool(d.error.text()), timeout=5000)
        wrong_pin.append(d.error.text())
        assert d.isVisible() and d.fields["pin"].text() == ""
        typed(d.fields["pin"], "2222")

    till.expect(AmountDialog, lambda d: typed(d.amount, "100"))  # the count
    till.expect(TextDialog, lambda d: d.accept())  # the shift's report
    till.expect(PinFormDialog, sign_in)
    till.expect(AmountDialog, lambda d: typed(d.amount, "300"))  # 开班: the float
    till.key(Qt.Key.Key_F12)

    def opened() -> bool:
        shift = till.win.shifts.current()
        return shift is not None and shift.cashier == "c2"

    till.qtbot.waitUntil(opened, timeout=15000)
    till.settle()
    assert wrong_pin and "还可再试 4 次" in wrong_pin[0]
    shift = till.win.shifts.current()
    assert shift is not None and shift.cashier == "c2" and shift.float_ == Money(30000)
    assert "李娜" in till.win.header.text() and till.shop.counter.cashier == "c2"
    till.type_line(SOY.code)
    till.settle()
    till.pay_cash()
    assert any(what == "paid" for what, _ in till.happened)


def test_another_cashier_cannot_sign_in_over_an_open_shift(till: Till) -> None:
    _second_cashier(till)
    till.win.signs_in = True

    def sign_in_as(code: str, pin: str) -> None:
        till.expect(
            PinFormDialog, lambda d: (typed(d.fields["code"], code), typed(d.fields["pin"], pin))
        )

    sign_in_as("c2", "2222")  # c1's shift is open: refused, the sign-in again
    sign_in_as("c1", "1111")
    till.win.desks["shift"].sign_in()  # type: ignore[attr-defined]
    till.qtbot.waitUntil(lambda: till.shop.counter.cashier == "c1", timeout=10000)
    till.settle()
    assert till.win.shifts.current() is not None
    assert till.win.shifts.current().cashier == "c1"  # type: ignore[union-attr]


def test_ctrl_l_locks_over_the_open_sale_and_the_pin_opens_it(till: Till) -> None:
    till.type_line(SOY.code)
    till.settle()

    def unlock(d: PinFormDialog) -> None:
        assert d.fields["code"].text() == "c1"  # the same cashier's PIN is asked back
        assert not till.win.centralWidget().isVisible()  # the basket is hidden meanwhile
        cancel = d.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel.isHidden()  # Esc only brings the lock back
        typed(d.fields["pin"], "1111")

    till.expect(PinFormDialog, unlock)
    till.key(Qt.Key.Key_L, CTRL)
    till.settle()
    assert till.win.centralWidget().isVisible()
    assert till.codes() == [SOY.code]  # the sale stayed open under the lock
    assert "已解锁" in till.win.message.text()
