"""Stored value at the counter: F9 recharges the identified member (the amount, how the
customer paid: cash, card or mobile, then the manager's PIN); the drawer opens only for
cash; the customer copy prints, and the store copy too unless the till's
``recharge_store_copy`` setting is off. Shift+F9 lists the member's recharges and
reprints the customer copy of the one picked. Also here: selling a prepaid card (F5),
loading one onto the member (Shift+F5) and refunding the member's stored value (a
manager's action)."""

from __future__ import annotations

from typing import Any

from terminal.app.counter import RechargeResult
from terminal.errors import InvalidInput
from terminal.money import Money
from ui.desks.base import Desk
from ui.dialogs import (
    AmountDialog,
    ChoiceDialog,
    Field,
    FormDialog,
    TenderDialog,
    parse_money,
)
from ui.qt import QT_TRANSLATE_NOOP, QDialog

TENDERS = (  # in the order of the choice: Enter takes cash, the usual one
    ("cash", QT_TRANSLATE_NOOP("MoneyDesk", "现金")),
    ("card", QT_TRANSLATE_NOOP("MoneyDesk", "银行卡")),
    ("mobile", QT_TRANSLATE_NOOP("MoneyDesk", "移动支付")),
)
OFF = ("0", "off", "false", "no")


class MoneyDesk(Desk):
    def store_copy(self) -> bool:
        """The till's ``recharge_store_copy`` setting (default on), as read at start-up."""
        value = self.w.settings.get("recharge_store_copy", "1")
        return value.strip().lower() not in OFF

    def tender_name(self, tender: str) -> str:
        return next((self.tr(name) for t, name in TENDERS if t == tender), tender)

    def gift_note(self, amount: Money) -> str:
        prog = self.w.counter.program
        g = prog.recharge_gift(amount)
        if g is None:
            return self.tr("无赠送")
        gift = self.tr("赠 ￥{amount}").format(amount=g.gift_value.plain()) + " "
        coins = self.tr("赠 {n} {coin}").format(n=g.coins, coin=prog.coin_name)
        return (gift if g.gift_value else "") + (coins if g.coins else "")

    def recharge(self) -> None:
        """F9: the amount, the tender, the manager's PIN; recorded with that tender."""
        w = self.w
        self.new_transaction()
        panel = w.current.member if w.current else None
        if panel is None:
            w.say(self.tr("充值: 请先识别会员 (F2)"), error=True)
            return
        prog = w.counter.program
        note = self.gift_note

        def preview(amount: Money) -> str:
            g = prog.recharge_gift(amount)
            after = panel.principal + panel.gift + amount + (g.gift_value if g else Money(0))
            return self.tr("{gift} · 充后储值 ￥{after}").format(
                gift=note(amount), after=after.plain()
            )

        step = self.tr("满 ￥{at_least} {gift}")
        steps = "; ".join(
            step.format(at_least=g.at_least.plain(), gift=note(g.at_least))
            for g in prog.recharge_gifts
        )
        balance = (panel.principal + panel.gift).plain()
        prompt = self.tr("给 {member} {name} 充值 (现储值 ￥{balance})").format(
            member=panel.masked, name=panel.name, balance=balance
        )
        if steps:
            prompt += "\n" + self.tr("充值礼: {steps}").format(steps=steps)
        dlg = AmountDialog(self.tr("充值"), prompt, preview, w)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        amount = dlg.value
        tender = self.pick_tender(amount)
        if tender is None:
            return
        what = self.tr("充值 ￥{amount} 给 {member}, {gift}").format(
            amount=amount.plain(), member=panel.masked, gift=note(amount)
        )
        what += " · " + self.tender_name(tender)
        code = panel.code
        w.ask_manager(
            what,
            lambda auth: w.op(
                lambda: w.counter.recharge(code, amount, auth, tender), self.recharged
            ),
        )

    def pick_tender(self, amount: Money) -> str | None:
        """How the customer pays: Enter is cash, 2 Enter card, 3 Enter mobile."""
        dlg = ChoiceDialog(
            self.tr("充值收款 ￥{amount}").format(amount=amount.plain()),
            [self.tr(name) for _, name in TENDERS],
            self.tr("输入序号 (回车 = 现金, Esc 取消)"),
            self.w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.choice is None:
            return None
        return TENDERS[dlg.choice][0]

    def recharged(self, r: RechargeResult) -> None:
        w = self.w
        w.happened.emit("recharged", r)
        w.say(
            self.tr("✓ 已充值 ￥{amount} ({tender}) · 单号 {no}").format(
                amount=r.amount.plain(), tender=self.tender_name(r.tender), no=r.no
            )
        )
        if r.tender == "cash":
            w.kick_drawer()
        docs, now = w.documents, w.counter.now
        w.print_job(f"recharge-{r.ref}", lambda: docs.recharge(r, now=now, copy="customer"))
        if self.store_copy():
            w.print_job(f"recharge-{r.ref}-store", lambda: docs.recharge(r, now=now, copy="store"))

    # ------------------------------------------------------------------ history, reprint

    def history(self) -> None:
        """Shift+F9: the identified member's recharges, newest first; the one picked
        prints its customer copy again."""
        w = self.w
        panel = w.current.member if w.current else None
        if panel is None:
            w.say(self.tr("充值记录: 请先识别会员 (F2)"), error=True)
            return
        code, masked = panel.code, panel.masked
        w.worker.run(lambda: w.counter.recharges(code), lambda rs: self.pick(masked, rs), w.refused)

    def row(self, r: RechargeResult) -> str:
        when = f"{r.at:%Y-%m-%d %H:%M}" if r.at is not None else "—"
        gift = self.gift_of(r)
        return f"{when}  ￥{r.amount.plain():>9}  {gift}  {self.tender_name(r.tender)}  {r.no}"

    def gift_of(self, r: RechargeResult) -> str:
        parts = []
        if r.gift.fen:
            parts.append(self.tr("赠 ￥{amount}").format(amount=r.gift.plain()))
        if r.coins:
            coin = self.w.counter.program.coin_name
            parts.append(self.tr("赠 {n} {coin}").format(n=r.coins, coin=coin))
        return " ".join(parts) or self.tr("无赠送")

    def pick(self, member: str, recharges: list[RechargeResult]) -> None:
        w = self.w
        if not recharges:
            w.say(self.tr("{member} 没有充值记录").format(member=member), error=True)
            return
        dlg = ChoiceDialog(
            self.tr("{member} 的充值记录 · %n 笔", "", len(recharges)).format(member=member),
            [self.row(r) for r in recharges],
            self.tr("输入序号补打顾客联 (回车补打高亮的一笔, ↑↓ 选择, Esc 取消)"),
            w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.choice is None:
            return
        r = recharges[dlg.choice]
        docs, now = w.documents, w.counter.now
        # the slip has no reprint mark of its own yet: the job name says it
        job = f"recharge-{r.ref}-reprint"
        w.print_job(job, lambda: docs.recharge(r, now=now, copy="customer"))
        w.say(self.tr("✓ 已补打充值凭证 {no} (顾客联)").format(no=r.no))

    # ------------------------------------------------------------------ refund

    def refund_stored_value(self) -> None:
        """退储值: the identified member's unused principal back in cash; the gift lapses."""
        self.new_transaction()
        panel = self.w.current.member if self.w.current else None
        if panel is None:
            self.w.say(self.tr("退储值: 请先识别会员 (F2)"), error=True)
            return
        if panel.principal.fen <= 0:
            none = self.tr("退储值: {member} 没有可退的储值本金").format(member=panel.masked)
            self.w.say(none, error=True)
            return
        code = panel.code
        what = self.tr("退储值 给 {member}: 退现金 ￥{principal} (赠送 ￥{gift} 作废)").format(
            member=panel.masked, principal=panel.principal.plain(), gift=panel.gift.plain()
        )
        refunded = self.tr("✓ 已退储值 ￥{amount} (现金), 赠送金额作废")

        def done(refund: Money) -> None:
            self.w.happened.emit("sv_refunded", (code, refund))
            self.w.say(refunded.format(amount=refund.plain()))
            self.w.kick_drawer()

        self.w.ask_manager(
            what,
            lambda auth: self.w.op(lambda: self.w.counter.refund_stored_value(code, auth), done),
        )

    # ------------------------------------------------------------------ prepaid cards

    def sell_card(self) -> None:
        """F5: sell a prepaid card: its number, PIN and face value, then take the money."""
        self.new_transaction()
        values = " / ".join(v.plain() for v in self.w.counter.program.prepaid_card_values)
        note = self.tr("面值: {values}").format(values=values)
        dlg = FormDialog(
            self.tr("售充值卡"),
            [
                Field("number", self.tr("卡号"), scan=True, required=True),
                ("pin", self.tr("密码"), True),
                ("value", self.tr("面值"), False),
            ],
            note if values else self.tr("本方案不售充值卡"),
            self.w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()
        value = parse_money(v["value"])
        if value is None:
            bad = f"not an amount in yuan: {v['value']!r}"
            self.w.refused(InvalidInput(bad, code="invalid_amount", text=v["value"]))
            return
        pay = TenderDialog(value, None, self.w.counter.program.coin_name, None, self.w)
        pay.setWindowTitle(self.tr("售卡收款 · {number}").format(number=v["number"]))
        if pay.exec() != QDialog.DialogCode.Accepted:
            if pay.refusal is not None:
                self.w.refused(pay.refusal)
            return
        tenders = pay.requests()

        sold = self.tr("✓ 已售充值卡 {number} ￥{value}").format(
            number=v["number"], value=value.plain()
        )

        def done(_: Any) -> None:
            self.w.happened.emit("card_sold", (v["number"], value))
            self.w.say(sold)

        self.w.op(lambda: self.w.counter.sell_card(v["number"], v["pin"], value, tenders), done)

    def load_card(self) -> None:
        """Shift+F5: a prepaid card's value onto the identified member's stored value."""
        self.new_transaction()
        panel = self.w.current.member if self.w.current else None
        if panel is None:
            self.w.say(self.tr("绑卡: 请先识别会员 (F2)"), error=True)
            return
        code = panel.code
        fields = [
            Field("number", self.tr("卡号"), scan=True, required=True),
            Field("pin", self.tr("密码"), secret=True),
        ]
        to = self.tr("给 {member}").format(member=panel.masked)
        dlg = FormDialog(self.tr("充值卡绑定"), fields, to, self.w)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()

        def done(state: Any) -> None:
            self.w.happened.emit("card_loaded", (v["number"], state))
            self.w.say(self.tr("✓ 充值卡 {number} 已存入储值").format(number=v["number"]))

        self.w.op(lambda: self.w.counter.load_card(code, v["number"], v["pin"]), done)
