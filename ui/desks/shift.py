"""Who is at the till: sign-in (staff code or badge, PIN), 开班 with its float, the
handover (F12) that ends at the sign-in for the next cashier, and the lock (Ctrl+L)
that keeps the open sale and asks the same cashier's PIN back (or a manager's).

PINs are checked on the worker (argon2); a refused PIN keeps the dialog open and says
how many tries are left, or until when the account is locked (``ui.refusals``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from terminal.app.staff import Staff
from terminal.errors import RuleViolation
from terminal.money import Money
from ui.desks.base import Desk
from ui.desks.held import HeldDesk
from ui.dialogs import AmountDialog, PinFormDialog
from ui.qt import QDialog, QDialogButtonBox, QTimer

SIGN_IN_TITLE = "收银员登录"  # the acceptance suite finds the dialog by this title

__all__ = ["SIGN_IN_TITLE", "PinFormDialog", "ShiftDesk"]  # the sign-in dialog lives in ui.dialogs


class ShiftDesk(Desk):
    def staff_note(self) -> str:
        """Written under the sign-in (the demo store's staff and PINs), from the setting
        ``sign_in_note``; empty on a real store."""
        return self.w.sign_in_note or self.w.settings.get("sign_in_note", "")

    # ------------------------------------------------------------------ sign-in

    def sign_in(self) -> None:
        """The sign-in, then 开班 if no shift is open. Esc does not get past it."""
        w = self.w
        dlg = PinFormDialog(
            self.tr(SIGN_IN_TITLE),
            self.staff_note() or self.tr("输入工号 (或刷工牌), 回车, 输入密码, 回车"),
            w.worker,
            w.counter.sign_in,
            w,
        )
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        staff: Staff | None = dlg.checked
        dlg.deleteLater()  # its X window goes too: a window manager never focuses it again
        if not accepted or staff is None:
            QTimer.singleShot(0, self.sign_in)  # nobody sells without signing in
            return
        w.worker.run(w.shifts.current, lambda shift: self._signed_in(staff, shift), w.refused)

    def _signed_in(self, staff: Staff, shift: Any) -> None:
        w = self.w
        if shift is not None and shift.cashier != staff.id and staff.role != "manager":
            w.counter.cashier = ""
            err = RuleViolation(
                f"shift of {shift.cashier} is open", code="shift_of_other", cashier=shift.cashier
            )
            w.refused(err)
            QTimer.singleShot(0, self.sign_in)
            return
        self.show_cashier(staff)
        if shift is None:
            self.open_shift(staff)
        else:
            w.say(self.tr("✓ {name} 已登录").format(name=staff.name))

    def show_cashier(self, staff: Staff) -> None:
        """The header, the receipts and the reports name whoever signed in."""
        w = self.w
        w.counter.cashier = staff.id
        w.store = replace(w.store, cashier_name=staff.name)
        w.documents = replace(w.documents, store=w.store)
        w.tick()

    def open_shift(self, staff: Staff) -> None:
        """开班: the float counted into the drawer, Enter (Esc: later, from F12); not on
        a day already closed (read on the worker)."""
        w = self.w
        today = w.counter.now.date()
        w.worker.run(
            lambda: w.shifts.day_closed(today), lambda c: self._ask_float(staff, c), w.refused
        )

    def _ask_float(self, staff: Staff, day_closed: bool) -> None:
        w = self.w
        if day_closed:
            w.say(self.tr("今日已日结, 不能开班"), error=True)
            return
        note = self.tr("备用金 ￥{amount}")
        dlg = AmountDialog(
            self.tr("开班"),
            self.tr("{name}, 输入钱箱备用金").format(name=staff.name),
            lambda m: note.format(amount=m.plain()),
            w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            w.say(self.tr("尚未开班: 按 F12 开班"), error=True)
            return
        float_: Money = dlg.value
        opened = self.tr("✓ 已开班, 备用金 ￥{amount}").format(amount=float_.plain())
        w.op(lambda: w.shifts.open_shift(staff.id, float_), lambda _: w.say(opened))

    # ------------------------------------------------------------------ handover and lock

    def handover(self) -> None:
        """F12: with a shift open, count the cash, show the report, then the sign-in for
        the next cashier; without one, 开班 for whoever is signed in."""
        w = self.w
        w.worker.run(w.shifts.current, self._handover, w.refused)

    def _handover(self, shift: Any) -> None:
        w = self.w
        if shift is None:
            staff = Staff(w.counter.cashier, w.store.cashier_name, "cashier")
            if staff.id:
                self.open_shift(staff)
            else:
                self.sign_in()
            return
        if not self.peer(HeldDesk).confirm_none_held(self.tr("交班")):
            return
        self.new_transaction()
        counted_note = self.tr("实点 ￥{amount}")
        dlg = AmountDialog(
            self.tr("交班"),
            self.tr("清点钱箱现金"),
            lambda m: counted_note.format(amount=m.plain()),
            w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        counted = dlg.value

        def done(report: Any) -> None:
            w.show_report(report)
            w.happened.emit("handed_over", report)
            w.counter.cashier = ""
            w.store = replace(w.store, cashier_name="—")
            w.tick()
            if w.signs_in:
                QTimer.singleShot(0, self.sign_in)

        w.worker.run(lambda: w.shifts.handover(counted), done, w.refused)

    def lock(self) -> None:
        """Ctrl+L: the screen locked over the open sale; the same cashier's PIN (or a
        manager's) opens it. Esc does not."""
        w = self.w
        dlg = PinFormDialog(
            self.tr("已锁屏"),
            self.tr("本单保留. 输入密码解锁 (店长也可解锁)"),
            w.worker,
            w.counter.unlock,
            w,
            code=w.counter.cashier,
        )
        box = dlg.findChild(QDialogButtonBox)
        if box is not None:  # Esc only brings the lock back: offer no cancel
            box.button(QDialogButtonBox.StandardButton.Cancel).hide()
        sale = w.centralWidget()
        assert sale is not None
        sale.setVisible(False)  # the customer's basket and the totals stay private
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        dlg.deleteLater()
        if not accepted:
            QTimer.singleShot(0, self.lock)
            return
        sale.setVisible(True)
        w.say(self.tr("✓ 已解锁"))
