"""Held sales (挂单): F4 parks the sale on screen; F4 on an empty sale lists the parked
ones (number, time, member, amount) and brings back the one picked by its number, or
the highlighted one with Enter. A handover or a Z with sales still held asks first
(``confirm_none_held``)."""

from __future__ import annotations

from terminal.app.counter import HeldSale
from terminal.errors import RuleViolation
from ui.desks.base import Desk
from ui.dialogs import ChoiceDialog, ConfirmDialog
from ui.qt import QDialog


class HeldDesk(Desk):
    def hold_or_recall(self) -> None:
        """F4: hold the sale on screen, or (nothing on screen) pick one to take back."""
        s = self.w.current
        if s is not None and s.lines:
            held_now = self.tr("已挂单")
            self.w.op(lambda: self.w.counter.hold(), lambda _: self.w.say(held_now))
            return
        self.w.worker.run(self.w.counter.held_sales, self.pick, self.w.refused)

    def row(self, h: HeldSale) -> str:
        member = h.member or self.tr("非会员")
        due = f"￥{h.due.plain()}" if h.due is not None else "￥—"
        lines = self.tr("%n 行", "", h.lines)
        return f"{h.at:%H:%M}   {member:<12}  {due:>10}   {lines}"

    def pick(self, held: list[HeldSale]) -> None:
        if not held:
            self.w.refused(RuleViolation(self.tr("没有挂单"), code="no_held_sale"))
            return
        dlg = ChoiceDialog(
            self.tr("取单 · 挂单 %n 笔", "", len(held)),
            [self.row(h) for h in held],
            self.tr("输入序号 (回车取高亮的一笔, ↑↓ 选择, Esc 取消)"),
            self.w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.choice is None:
            return
        chosen = held[dlg.choice]
        recalled = self.tr("已取单 {time} ￥{due}").format(
            time=f"{chosen.at:%H:%M}", due=chosen.due.plain() if chosen.due else "—"
        )
        self.w.op(lambda: self.w.counter.recall(chosen.id), lambda _: self.w.say(recalled))

    def confirm_none_held(self, what: str) -> bool:
        """Before a handover or the day close (``what`` names it): with sales still held,
        the cashier confirms going on (Enter) or goes back to them (Esc)."""
        n = self.w.current.held if self.w.current is not None else 0
        if not n:
            return True
        text = (
            self.tr("还有 %n 笔挂单未结 (F4 取单)。", "", n)
            + "\n"
            + self.tr("仍要{what}?").format(what=what)
        )
        dlg = ConfirmDialog(
            what, text, self.tr("仍要{what}").format(what=what), self.tr("返回"), self.w
        )
        return dlg.exec() == QDialog.DialogCode.Accepted
