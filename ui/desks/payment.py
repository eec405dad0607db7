"""Payment (收款, F8): the tender dialog over the counter's own check of every tender,
the commit, and what stays on screen after it: the change in large type and the
member's new balances (``PaidPanel``), until the next sale begins.

A payment the counter refuses after the dialog closed (the member's account changed
meanwhile, no shift open...) opens the dialog again with the tenders typed and the
refusal on it. A scanned WeChat/Alipay payment code is charged through the desk's
``provider`` (``terminal.app.payments``; shipped: the cashier confirms the provider's
terminal took it).
"""

from __future__ import annotations

from typing import Any

from terminal.app.counter import CommittedSale
from terminal.app.payments import CounterConfirmProvider, PaymentProvider
from terminal.app.screen import MemberPanel, Screen
from terminal.errors import PosError
from terminal.money import Money
from terminal.printing.layout import growth_label
from terminal.rules.program import Program
from terminal.rules.tenders import TenderBasis
from ui.desks.base import Desk
from ui.dialogs import big
from ui.qt import QDialog, QFrame, QLabel, QVBoxLayout, QWidget
from ui.tender_dialog import Applied, TenderDialog, confirm_on_terminal


class PaidPanel(QFrame):
    """After a payment: 找零 in large type, what was paid, and the member's earnings and
    new balances; hidden again when the next sale begins (``follow``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("PaidPanel{background:#eef7ee;border:1px solid #b9dcb9;}")
        lay = QVBoxLayout(self)
        self.change = big("", 40)
        self.change.setStyleSheet("color:#1b7f3b;")
        self.paid = QLabel()
        self.paid.setStyleSheet("font-size:16px;")
        self.member = QLabel()
        self.member.setWordWrap(True)
        self.member.setStyleSheet("font-size:16px;")
        for w in (self.change, self.paid, self.member):
            lay.addWidget(w)
        self.hide()

    def show_sale(self, sale: CommittedSale, program: Program) -> None:
        rec = sale.record
        self.change.setText(self.tr("找零 ￥{change}").format(change=rec.change.plain()))
        tendered = sum(t.tendered.fen for t in rec.tenders)
        self.paid.setText(
            self.tr("小票 {receipt} · 应收 ￥{due} · 实收 ￥{paid}").format(
                receipt=sale.receipt_no, due=rec.total_due.plain(), paid=Money(tendered).plain()
            )
        )
        self.member.setText(self.member_text(sale, program))
        self.member.setVisible(sale.member is not None)
        self.show()

    def member_text(self, sale: CommittedSale, program: Program) -> str:
        state = sale.member
        if state is None:
            return ""
        e = sale.record.earned
        earned = [(growth_label(program), e.growth_points), (program.points_name, e.points)]
        earned.append((program.coin_name, e.coins))
        got = " · ".join(f"+{n} {name}" for name, n in earned if n)
        rows = [self.tr("本单获得: {earned}").format(earned=got)] if got else []
        balances = self.tr("{coin} {coins} · 储值 ￥{sv}").format(
            coin=program.coin_name,
            coins=state.coins_on(sale.record.day),
            sv=state.stored_value.plain(),
        )
        if program.points_pay:
            balances += f" · {program.points_name} {state.points}"
        rows.append(self.tr("会员余额: {balances}").format(balances=balances))
        return "\n".join(rows)

    def follow(self, s: Screen) -> None:
        """A screen with a sale on it (a scan, a member identified): the panel goes."""
        if s.lines or s.member is not None:
            self.clear()

    def clear(self) -> None:
        """Another transaction began: nothing of the last payment stays on screen."""
        self.hide()
        for label in (self.change, self.paid, self.member):
            label.clear()


class PaymentDesk(Desk):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.provider: PaymentProvider = CounterConfirmProvider(confirm_on_terminal)

    def pay(self) -> None:
        """F8: the tender dialog, once the counter has said what the tenders are checked
        against (read on the worker)."""
        s = self.w.current
        if s is None or s.empty:  # nothing to pay: the till says so
            self.w.op(lambda: self.w.counter.pay(()))
            return
        member = s.member
        self.w.worker.run(
            self._basis, lambda got: self.tender(got[0], got[1], member), self.w.refused
        )

    def _basis(self) -> tuple[TenderBasis, str]:
        c = self.w.counter
        basis = c.tender_basis()
        return basis, c.sale.id if c.sale is not None else ""

    def tender(
        self,
        basis: TenderBasis,
        sale_ref: str,
        member: MemberPanel | None,
        applied: list[Applied] | None = None,
        shown: PosError | None = None,
    ) -> None:
        prog = self.w.counter.program
        points = (prog.points_name, prog.points_redeem_per_yuan) if prog.points_pay else None
        dlg = TenderDialog(
            basis.due,
            member,
            prog.coin_name,
            None,
            self.w,
            points=points,
            coin_value=prog.coin_value,
            basis=basis,
            provider=self.provider,
            sale_ref=sale_ref,
            applied=applied,
            shown=shown,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            if dlg.refusal is not None:  # cancelled over a refused tender: say why
                self.w.refused(dlg.refusal)
            return
        tenders, kept = dlg.requests(), dlg.applied

        def refused(err: BaseException) -> None:
            self.w.refused(err)
            if not isinstance(err, PosError):
                return
            # the dialog again, with what was typed and why the payment was refused
            self.w.worker.run(
                self._basis,
                lambda got: self.tender(got[0], got[1], member, kept, err),
                self._quiet,
            )

        self.w.op(lambda: self.w.counter.pay(tenders), self.paid, refused)

    def _quiet(self, err: BaseException) -> None:
        """The sale cannot be paid at all now: its refusal was said already."""
        if not isinstance(err, PosError):
            self.w.refused(err)

    def paid(self, sale: CommittedSale) -> None:
        w = self.w
        w.happened.emit("paid", sale)
        if w.hq is not None:
            w.hq.wake()  # up to HQ now rather than at the next interval
        w.last_receipt = sale.receipt_no
        w.say(
            self.tr("✓ 已收款 小票 {receipt} 找零 ￥{change}").format(
                receipt=sale.receipt_no, change=sale.record.change.plain()
            )
        )
        program, docs, now = w.counter.program, w.documents, w.counter.now
        w.print_job(sale.receipt_no, lambda: docs.sale(sale, now=now))
        w.paid_panel.show_sale(sale, program)
