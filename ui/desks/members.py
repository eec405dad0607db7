"""Members at the counter: identify (a scan, a typed phone, F2), register (F7), the
member's coupons (F3, Shift+F3) and gifts (F6).

Registering attaches the new member to the open sale. A member identified while
another one is on a sale with lines replaces them only once the cashier confirms
(Enter replaces, Esc keeps the member there).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from terminal.app.screen import MemberPanel
from terminal.errors import InvalidInput, PosError
from ui.desks.base import Desk
from ui.dialogs import ConfirmDialog, Field, FormDialog, PickDialog
from ui.qt import QT_TRANSLATE_NOOP, QDialog

GIFTS = (
    ("monthly", QT_TRANSLATE_NOOP("MembersDesk", "月券礼")),
    ("birthday", QT_TRANSLATE_NOOP("MembersDesk", "生日礼")),
)


class MembersDesk(Desk):
    # ------------------------------------------------------------------ identify

    def identify(self, text: str) -> None:
        """A member code or phone onto the sale; another member already on a sale with
        lines is replaced only after the cashier confirms."""
        s = self.w.current
        panel = s.member if s is not None else None
        if s is None or panel is None or not s.lines:
            self._identify(text)
            return
        on_sale = panel

        def resolved(code: str) -> None:
            if code == on_sale.code or self.confirm_replace(on_sale, code):
                self._identify(text)
            else:
                self.w.say(self.tr("仍为会员 {member}").format(member=on_sale.masked))

        # unresolvable (unknown phone, bad code): identify says why, as it always did
        self.w.worker.run(
            lambda: self.w.counter.resolve_member(text),
            resolved,
            lambda _: self._identify(text),
        )

    def confirm_replace(self, on_sale: MemberPanel, code: str) -> bool:
        text = self.tr("本单已有会员 {old} {name} 和商品。\n换成会员 {new}?").format(
            old=on_sale.masked, name=on_sale.name, new=code
        )
        dlg = ConfirmDialog(
            self.tr("更换会员"), text, self.tr("更换"), self.tr("保留原会员"), self.w
        )
        return dlg.exec() == QDialog.DialogCode.Accepted

    def _identify(self, text: str) -> None:
        known = self.tr("会员 {code} 已识别")
        self.w.op(
            lambda: self.w.counter.identify(text),
            lambda st: self.w.say(known.format(code=st.code)),
        )

    def focus_member(self) -> None:
        """F2: what comes next (typed or scanned) is a member, whatever it looks like."""
        self.w.expect_entry(self.tr("请扫会员码或输入手机号 (回车)"), self.identify)

    # ------------------------------------------------------------------ register

    def register_member(self) -> None:
        """F7: a new member at the counter (card code: scan or type it, mobile, birthday);
        the form checks each field before it closes, and the new member joins the sale."""
        dlg = FormDialog(
            self.tr("注册会员"),
            [
                Field("code", self.tr("会员卡号"), scan=True, check=self.check_code),
                Field("phone", self.tr("手机号"), check=self.check_phone),
                Field("birthday", self.tr("生日 (YYYY-MM-DD, 可空)"), check=self.check_birthday),
                Field("name", self.tr("姓名 (可空)")),
            ],
            self.tr("新会员注册后即得新会员礼, 并加入本单"),
            self.w,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()

        def done(state: Any) -> None:
            self.w.happened.emit("registered", state)
            self.w.say(self.tr("✓ 已注册会员 {code}").format(code=state.code))
            self.identify(state.code)  # onto the sale (asks first over another member)

        self.w.op(
            lambda: self.w.counter.register(
                v["code"], v["phone"], birthday=v["birthday"] or None, name=v["name"]
            ),
            done,
        )

    def check_code(self, text: str) -> PosError | None:
        if not text:
            return InvalidInput(self.tr("请扫会员卡或输入卡号"), code="invalid_code")
        if len(text) > 32 or not text.isascii() or not text.isprintable():
            return InvalidInput(
                self.tr("会员卡号不对: {code}").format(code=text), code="invalid_code"
            )
        return None

    def check_phone(self, text: str) -> PosError | None:
        if not text:
            return InvalidInput(self.tr("请输入手机号"), code="invalid_phone")
        if not (text.isascii() and text.isdigit() and len(text) == 11 and text[0] == "1"):
            why = self.tr("手机号不对: {phone} (11 位, 1 开头)").format(phone=text)
            return InvalidInput(why, code="invalid_phone")
        return None

    def check_birthday(self, text: str) -> PosError | None:
        if not text:
            return None
        try:
            date.fromisoformat(text)
        except ValueError:
            why = self.tr("生日日期不对: {text} (如 1990-05-20)").format(text=text)
            return InvalidInput(why, code="invalid_date")
        return None

    # ------------------------------------------------------------------ coupons and gifts

    def toggle_coupons(self) -> None:
        best = self.tr("已自动选择最优优惠券")
        self.w.op(lambda: self.w.counter.choose_coupons(True), lambda _: self.w.say(best))

    def pick_coupons(self) -> None:
        """Shift+F3: the cashier names the coupons (ids, space or comma separated); an empty
        line uses none. Without a member the till says one is needed."""
        w = self.w
        panel = w.current.member if w.current else None
        if panel is None:
            w.op(lambda: w.counter.choose_coupons(False, ()))
            return
        code = panel.code

        valid = self.tr("有效期至 {date}")  # read here: usable() runs on the worker

        def usable() -> list[str]:
            today = w.counter.now.date()
            state = w.counter.member_state(code)
            return [
                f"{c.id:<14} {c.name}  " + valid.format(date=f"{c.valid_through:%Y-%m-%d}")
                for c in state.coupons
                if c.usable_on(today)
            ]

        def ask(rows: list[str]) -> None:
            prompt = self.tr("输入券号 (空格分隔, 空 = 不用券), 回车确认")
            dlg = PickDialog(self.tr("选择优惠券"), rows, prompt, "", w)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            ids = [i for i in dlg.value.replace(",", " ").replace("，", " ").split() if i]
            chosen = self.tr("已选择优惠券 {ids}").format(ids=" ".join(ids) or self.tr("无"))
            w.op(lambda: w.counter.choose_coupons(False, ids), lambda _: w.say(chosen))

        w.worker.run(usable, ask, w.refused)

    def claim_gifts(self) -> None:
        """F6: the gifts, which are waiting; Enter claims those waiting, a number claims that
        one (the till says why one cannot be claimed)."""
        w = self.w
        panel = w.current.member if w.current else None
        waiting = panel.gifts_waiting if panel else ()
        ready = self.tr("可领取")
        rows = [
            f"{i}  {self.tr(name)}  {ready if kind in waiting else '—'}"
            for i, (kind, name) in enumerate(GIFTS, 1)
        ]
        default = " ".join(str(i) for i, (k, _) in enumerate(GIFTS, 1) if k in waiting)
        title, prompt = self.tr("领取会员礼券"), self.tr("输入序号 (回车领取)")
        dlg = PickDialog(title, rows, prompt, default, w)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        kinds = dict((str(i), kind) for i, (kind, _) in enumerate(GIFTS, 1))
        kinds.update((kind, kind) for kind, _ in GIFTS)
        for choice in dlg.value.replace(",", " ").split():
            kind = kinds.get(choice, choice)
            w.op(
                partial(w.counter.claim_gift, kind),
                lambda cs: w.say(self.tr("已领取 %n 张优惠券", "", len(cs))),
            )
