"""The sale's lines: delete the chosen line, change its quantity, discount it or the
whole sale (9折 or an amount), and void the sale with a reason.

A discount within the program's ``cashier_discount_max_percent`` goes through at once;
above it the manager's PIN is asked, naming the figures. Every discount and every void
of a sale with lines is in the ledger (``terminal.app.counter``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from terminal.app.discount_entry import DiscountEntry, parse_discount, percent_of
from terminal.app.screen import LineRow
from terminal.errors import PosError
from terminal.money import Money
from terminal.quantity import Qty
from ui.desks.base import Desk
from ui.dialogs import PickDialog
from ui.qt import QT_TRANSLATE_NOOP, QDialog

VOID_REASONS = (  # recorded in Chinese (the audit), shown in the till's language
    QT_TRANSLATE_NOOP("SaleDesk", "顾客不要了"),
    QT_TRANSLATE_NOOP("SaleDesk", "扫错商品"),
    QT_TRANSLATE_NOOP("SaleDesk", "顾客付款失败"),
)


class SaleDesk(Desk):
    # ------------------------------------------------------------------ the chosen line

    def selected_line(self) -> LineRow | None:
        """The line the cashier selected (Up/Down, or touched), else the last one."""
        s = self.w.current
        if s is None or not s.lines:
            return None
        rows = self.w.table.selectionModel().selectedRows()
        i = rows[0].row() if rows else len(s.lines) - 1
        return s.lines[min(i, len(s.lines) - 1)]

    def move_selection(self, step: int) -> None:
        n = self.w.model.rowCount()
        if n:
            rows = self.w.table.selectionModel().selectedRows()
            i = rows[0].row() if rows else n - 1
            self.w.table.selectRow(max(0, min(n - 1, i + step)))

    def remove_line(self) -> None:
        """Del: the selected line (Up/Down choose it) leaves the sale."""
        line = self.selected_line()
        if line is None:
            self.w.say(self.tr("本单没有商品"), error=True)
            return
        no = line.no
        gone = self.tr("已删除第 {no} 行 {name}").format(no=no, name=line.name)
        self.w.op(lambda: self.w.counter.remove_line(no), lambda _: self.w.say(gone))

    def quantity_key(self) -> None:
        """Insert: the number typed in the input line, if any, is the new quantity."""
        typed = self.w.input.text()
        self.w.input.clear()
        self.set_quantity(typed)

    def set_quantity(self, typed: str = "") -> None:
        """Insert: the selected line's quantity; a number already typed in the input line
        is used at once ("3" Insert), else it is asked for."""
        line = self.selected_line()
        if line is None:
            self.w.say(self.tr("改数量: 本单没有商品"), error=True)
            return
        text = typed.strip()
        if not text:
            prompt = self.tr("第 {no} 行 {name}, 现数量 {qty}\n输入新数量 (回车)").format(
                no=line.no, name=line.name, qty=line.qty
            )
            current = line.qty.removesuffix("kg")
            dlg = PickDialog(self.tr("改数量"), [], prompt, current, self.w)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            text = dlg.value.strip()
        try:
            qty = Qty.parse(text.removesuffix("kg"))
        except PosError as e:
            self.w.refused(e)
            return
        no = line.no
        done = self.tr("✓ 第 {no} 行数量 {qty}").format(no=no, qty=text)
        self.w.op(lambda: self.w.counter.set_quantity(no, qty), lambda _: self.w.say(done))

    # ------------------------------------------------------------------ discounts

    def _ask_discount(self, title: str, prompt: str) -> DiscountEntry | None:
        dlg = PickDialog(title, [], prompt, "", self.w)
        if dlg.exec() != QDialog.DialogCode.Accepted or not dlg.value.strip():
            return None
        try:
            return parse_discount(dlg.value)
        except PosError as e:
            self.w.refused(e)
            return None

    def _gated(
        self, base: Money, off: Money, what: str, apply: Callable[[Any], Any], done: str
    ) -> None:
        """Apply at once within the cashier's limit, else after the manager's PIN."""

        def run(auth: Any) -> None:
            self.w.op(lambda: apply(auth), lambda _: self.w.say(done))

        if self.w.counter.discount_needs_manager(base, off):
            self.w.ask_manager(what, run)
        else:
            run(None)

    def override_price(self) -> None:
        """改价: the selected line at a new unit price, or at a 折 / percentage."""
        line = self.selected_line()
        if line is None:
            self.w.say(self.tr("改价: 本单没有商品"), error=True)
            return
        unit = line.override_from or line.unit_price
        prompt = self.tr(
            "第 {no} 行 {name} × {qty}\n现单价 ￥{price}\n输入新单价, 或 9折 / 10%"
        ).format(no=line.no, name=line.name, qty=line.qty, price=line.unit_price.plain())
        entry = self._ask_discount(self.tr("改价"), prompt)
        if entry is None:
            return
        no, counter = line.no, self.w.counter
        if entry.percent_off is not None:
            pct = entry.percent_off
            new = unit - percent_of(unit, pct)

            def apply(auth: Any) -> Any:
                return counter.discount_line(no, pct, auth)

        else:
            assert entry.amount is not None
            new = entry.amount

            def apply(auth: Any) -> Any:
                return counter.override_price(no, new, auth)

        what = self.tr("改价 第 {no} 行 {name}: ￥{old} → ￥{new} ({how})").format(
            no=no, name=line.name, old=unit.plain(), new=new.plain(), how=entry.describe()
        )
        done = self.tr("✓ 第 {no} 行已改价 ￥{old}→￥{new}").format(
            no=no, old=unit.plain(), new=new.plain()
        )
        self._gated(unit, unit - new, what, apply, done)

    def discount_sale(self) -> None:
        """整单折扣: an amount off the whole sale, or a 折 / percentage of it."""
        s = self.w.current
        if s is None or s.empty:
            self.w.say(self.tr("整单折扣: 本单没有商品"), error=True)
            return
        before = s.due + s.sale_discount
        prompt = self.tr("应收 ￥{due}\n输入折扣金额, 或 9折 / 10%").format(due=before.plain())
        entry = self._ask_discount(self.tr("整单折扣"), prompt)
        if entry is None:
            return
        counter = self.w.counter
        if entry.percent_off is not None:
            pct = entry.percent_off
            off = percent_of(before, pct)

            def apply(auth: Any) -> Any:
                return counter.discount_sale_percent(pct, auth)

        else:
            assert entry.amount is not None
            off = entry.amount

            def apply(auth: Any) -> Any:
                return counter.discount_sale(off, auth)

        after = Money(max(0, (before - off).fen))
        what = self.tr("整单折扣 {how}: 应收 ￥{due} → ￥{after}").format(
            how=entry.describe(), due=before.plain(), after=after.plain()
        )
        done = self.tr("✓ 整单折扣 ￥{amount}, 应收 ￥{after}").format(
            amount=off.plain(), after=after.plain()
        )
        self._gated(before, off, what, apply, done)

    # ------------------------------------------------------------------ void

    def void(self) -> None:
        """Esc: cancels what the input line waits for (F2, F10); on a sale with lines it
        asks to confirm, with a reason; the void is audited and a slip prints."""
        w = self.w
        if w.entry is not None:
            w.entry = None
            w.say(self.tr("已取消"))
            return
        s = w.current
        if s is None or s.empty:  # nothing to lose: cleared at once (or "no open sale")
            w.op(w.counter.void, lambda _: w.say(self.tr("已清空")))
            return
        rows = [f"{i}  {self.tr(r)}" for i, r in enumerate(VOID_REASONS, 1)]
        prompt = self.tr(
            "作废本单 {n} 行, 应收 ￥{due}?\n输入序号或原因, 回车作废 · Esc 不作废"
        ).format(n=len(s.lines), due=s.due.plain())
        dlg = PickDialog(self.tr("作废本单"), rows, prompt, "1", w)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            w.say(self.tr("未作废"))
            return
        choice = dlg.value.strip()
        n = int(choice) if choice.isdigit() else 0
        reason = VOID_REASONS[n - 1] if 1 <= n <= len(VOID_REASONS) else choice
        lines, due, cashier = len(s.lines), s.due, w.counter.cashier
        voided = self.tr("本单已作废 ({reason})").format(reason=self.tr(reason))

        def done(_: Any) -> None:
            w.happened.emit("sale_voided", (reason, due))
            w.say(voided)
            w.print_void_slip(lines, due, cashier, reason)

        w.op(lambda: w.counter.void(reason), done)
