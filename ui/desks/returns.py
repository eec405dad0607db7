"""Returns (退货) and post-voids (作废已结小票): F10 takes the whole receipt back, Shift+F10
the lines typed, Ctrl+F4 voids a paid receipt behind the manager's PIN.

A return is previewed first (nothing written): the cashier sees the lines coming back and
what goes back on each tender (cash out of the drawer, stored value, coins) and any
clawback, then Enter commits it (through the manager's PIN when the refund needs one) and
Esc leaves everything as it was. The 退货凭证 prints; the drawer opens only for cash."""

from __future__ import annotations

from typing import Any

from terminal.app.returns_desk import ReturnPreview
from terminal.errors import InvalidInput, PosError
from terminal.quantity import Qty
from terminal.rules.checkout import SaleRecord
from terminal.rules.returns import ReturnRecord
from ui.desks.base import Desk
from ui.dialogs import ConfirmDialog, PickDialog
from ui.qt import QT_TRANSLATE_NOOP, QDialog

REFUND_TO = {  # where a tender's refund goes back (coins and points are counted instead)
    "cash": QT_TRANSLATE_NOOP("ReturnsDesk", "现金退 ￥{amount}"),
    "card": QT_TRANSLATE_NOOP("ReturnsDesk", "退回银行卡 ￥{amount}"),
    "mobile": QT_TRANSLATE_NOOP("ReturnsDesk", "退回移动支付 ￥{amount}"),
    "stored_value": QT_TRANSLATE_NOOP("ReturnsDesk", "退回储值 ￥{amount}"),
}


class ReturnsDesk(Desk):
    def return_sale(self) -> None:
        """F10: scan the receipt, the whole sale comes back (a manager's PIN when the
        refund needs one)."""
        self.new_transaction()
        self.w.expect_entry(
            self.tr("退货: 请扫小票上的条码 (整单退, Shift+F10 按行退)"),
            lambda r: self._return(r, None),
        )

    def return_lines(self) -> None:
        """Shift+F10: scan the receipt, then type which lines come back."""
        self.new_transaction()
        self.w.expect_entry(self.tr("部分退货: 请扫小票上的条码"), self._pick_return_lines)

    def _pick_return_lines(self, receipt: str) -> None:
        w = self.w

        def ask(found: Any) -> None:
            _, record = found
            rows = [
                f"{ln.line_no:>2}  {ln.name}  × {ln.qty.plain().rstrip('0').rstrip('.')}"
                f"  ￥{ln.net.plain()}"
                for ln in record.lines
            ]
            prompt = self.tr("输入 行号x数量 (空格分隔, 如 1x2 3x0.5)")
            title = self.tr("部分退货 · 小票 {receipt}").format(receipt=receipt)
            dlg = PickDialog(title, rows, prompt, "", w)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            try:
                lines = parse_return_lines(dlg.value)
            except PosError as e:
                w.refused(e)
                return
            self._return(receipt, lines)

        w.worker.run(lambda: w.counter.find_sale(receipt), ask, w.refused)

    def _return(self, receipt: str, lines: list[tuple[int, Qty]] | None) -> None:
        """Preview on the worker (nothing written), then ask before committing."""
        w = self.w
        w.worker.run(
            lambda: w.counter.preview_return(receipt, lines),
            lambda p: self._confirm(p, lines),
            w.refused,
        )

    def split(self, rec: ReturnRecord) -> str:
        """What goes back where: 现金退 ￥11.43 · 退回储值 ￥16.71 · 退回 11 币."""
        coin = self.w.counter.program.coin_name
        parts = []
        for r in rec.refunds:
            if r.kind in REFUND_TO and r.paid_out.fen:
                parts.append(self.tr(REFUND_TO[r.kind]).format(amount=r.paid_out.plain()))
            if r.coins:
                parts.append(self.tr("退回 {n} {coin}").format(n=r.coins, coin=coin))
            if r.points:
                parts.append(self.tr("退回 {n} 积分").format(n=r.points))
        return " · ".join(parts) or self.tr("无退款")

    def clawback(self, rec: ReturnRecord) -> str:
        """What the kept part would not have earned, taken back (empty when nothing)."""
        c, coin = rec.clawed, self.w.counter.program.coin_name
        parts = []
        if c.points:
            parts.append(self.tr("扣回 {n} 积分").format(n=c.points))
        if c.coins:
            parts.append(self.tr("扣回 {n} {coin}").format(n=c.coins, coin=coin))
        if c.growth_points:
            parts.append(self.tr("扣回成长值 {n}").format(n=c.growth_points))
        if rec.shortfall_deducted:
            parts.append(
                self.tr("退款中扣回已获赠 ￥{amount}").format(amount=rec.shortfall_deducted.plain())
            )
        return " · ".join(parts)

    def preview_text(self, p: ReturnPreview) -> str:
        rec = p.record
        rows = []
        for rl in rec.lines:
            ln = p.sale.line(rl.line_no)
            qty = rl.qty.plain().rstrip("0").rstrip(".")
            rows.append(f"{rl.line_no:>2}  {ln.name if ln else ''}  × {qty}  ￥{rl.refund.plain()}")
        text = "\n".join(rows)
        text += "\n" + self.tr("退货金额 ￥{refund}").format(refund=rec.refund.plain())
        text += "\n" + self.split(rec)
        clawed = self.clawback(rec)
        if clawed:
            text += "\n" + clawed
        if p.needs_manager:
            text += "\n" + self.tr("需店长授权")
        return text

    def _confirm(self, p: ReturnPreview, lines: list[tuple[int, Qty]] | None) -> None:
        """Enter commits the previewed return (the PIN first when it needs one); Esc
        writes nothing."""
        w, receipt = self.w, p.receipt_no
        dlg = ConfirmDialog(
            self.tr("退货 小票 {receipt}").format(receipt=receipt),
            self.preview_text(p),
            self.tr("确认退货"),
            self.tr("返回"),
            w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            w.say(self.tr("未退货"))
            return

        def commit(auth: Any) -> None:
            w.op(
                lambda: w.counter.return_sale(receipt, lines, auth),
                lambda r: self.returned(r, p.sale),
            )

        if not p.needs_manager:
            commit(None)
            return
        what = self.tr("退货 小票 {receipt}").format(receipt=receipt) + "\n" + self.split(p.record)
        w.ask_manager(what, commit)

    def returned(self, r: Any, sale: SaleRecord | None = None) -> None:
        """Committed: say the split, print the 退货凭证 (its lines named from ``sale``),
        open the drawer for a cash part."""
        w = self.w
        w.happened.emit("returned", r)
        w.say(
            self.tr("✓ 已退货 小票 {receipt}: {split}").format(
                receipt=r.receipt_no, split=self.split(r.record)
            )
        )
        docs, now = w.documents, w.counter.now
        w.print_job(f"return-{r.return_id}", lambda: docs.returned(r, now=now, sale=sale))
        self._cash_out(r)

    def _cash_out(self, r: Any) -> None:
        """A refund paid in cash: the drawer opens to pay it out."""
        if any(x.kind == "cash" and x.paid_out.fen > 0 for x in r.record.refunds):
            self.w.kick_drawer()

    def void_receipt(self) -> None:
        """作废已结小票: scan the receipt; the whole sale is reversed (a manager's void)."""
        self.new_transaction()
        self.w.expect_entry(
            self.tr("作废已结小票: 请扫小票上的条码 (Esc 取消)"), self._void_receipt
        )

    def _void_receipt(self, receipt: str) -> None:
        w = self.w

        def ask(found: Any) -> None:
            _, record = found
            w.ask_manager(
                self.tr("作废小票 {receipt} (￥{total}, 全额退回)").format(
                    receipt=receipt, total=record.total_due.plain()
                ),
                lambda auth: w.op(lambda: w.counter.void_sale(receipt, auth), self.voided),
            )

        w.worker.run(lambda: w.counter.find_sale(receipt), ask, w.refused)

    def voided(self, r: Any) -> None:
        w = self.w
        w.happened.emit("voided", r)
        w.say(
            self.tr("✓ 已作废小票 {receipt} 退款 ￥{refund}").format(
                receipt=r.receipt_no, refund=r.record.refund.plain()
            )
        )
        docs, now = w.documents, w.counter.now
        w.print_job(f"void-{r.receipt_no}", lambda: docs.voided(r, now=now))
        self._cash_out(r)


def parse_return_lines(text: str) -> list[tuple[int, Qty]]:
    """Typed return lines: "1x2 3x0.5" (also 1*2, 1:2; a bare 3 is one of line 3)."""
    out = []
    for part in text.replace(",", " ").replace("，", " ").split():
        for sep in ("x", "X", "*", "×", ":"):
            if sep in part:
                no, qty = part.split(sep, 1)
                break
        else:
            no, qty = part, "1"
        if not no.isdigit():
            raise InvalidInput(f"not a line number: {part!r}", code="unknown_line", text=part)
        out.append((int(no), Qty.parse(qty)))
    if not out:
        raise InvalidInput("name the lines to return", code="nothing_to_return")
    return out
