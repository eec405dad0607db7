"""收款 (F8): the tender dialog, and the cashier's confirmation that a mobile payment was
taken on the provider's terminal.

Every tender is checked when it is entered, by the rules the payment applies when it
commits (``TenderBasis.check``: coins held, points, the stored-value balance, the
offline limit, nothing but cash above what is still due), so the dialog never closes
over a tender the payment refuses; a refusal keeps the dialog open, says why and keeps
what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from terminal.app.payments import PaymentProvider, PaymentRequest, PaymentResult, wallet_of
from terminal.app.screen import MemberPanel
from terminal.errors import InvalidInput, PosError, RuleViolation
from terminal.money import Money
from terminal.rules.tenders import TenderBasis, TenderRequest, mask_payment_code
from ui.dialogs import KeyDialog, big, parse_money
from ui.qt import (
    QT_TRANSLATE_NOOP,
    QApplication,
    QCoreApplication,
    QEvent,
    QFont,
    QHBoxLayout,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QObject,
    QPushButton,
    QShortcut,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from ui.refusals import refusal_text

TENDERS = (  # key, kind, label: function keys, so digits always go into the amount
    ("F1", "cash", QT_TRANSLATE_NOOP("TenderDialog", "现金")),
    ("F2", "card", QT_TRANSLATE_NOOP("TenderDialog", "银行卡")),
    ("F3", "mobile", QT_TRANSLATE_NOOP("TenderDialog", "移动支付")),
    ("F4", "stored_value", QT_TRANSLATE_NOOP("TenderDialog", "储值")),
    ("F5", "coins", QT_TRANSLATE_NOOP("TenderDialog", "番茄币")),
    ("F6", "points", QT_TRANSLATE_NOOP("TenderDialog", "积分")),
)
# a member's balance pays once a sale: entering one again replaces it (F5 Enter F5 Enter
# is one coins tender, never the same coins twice)
ONCE = ("stored_value", "coins", "points")
WALLETS = {
    "wechat": QT_TRANSLATE_NOOP("TenderDialog", "微信"),
    "alipay": QT_TRANSLATE_NOOP("TenderDialog", "支付宝"),
}


@dataclass
class Applied:
    kind: str
    amount: Money
    coins: int = 0
    points: int = 0
    ref: str = ""  # mobile: the payment code charged
    charged: PaymentResult | None = None  # what the provider took (given back on Del)

    def request(self) -> TenderRequest:
        if self.kind == "coins":
            return TenderRequest("coins", coins=self.coins)
        if self.kind == "points":
            return TenderRequest("points", points=self.points)
        return TenderRequest(self.kind, self.amount, ref=self.ref)


class TenderDialog(KeyDialog):
    """收款 (F8): the amount due on top, a key per tender, the tenders applied in a list;
    typing an amount and Enter applies it to the selected tender, and the dialog closes
    once the amount is covered. Cash defaults to what is still due, so a cash sale is F8,
    Enter; after coins or stored value the selection moves to cash for the rest (F5 Enter
    Enter: the member's coins, then cash). Up/Down select an applied tender, Del removes
    it. A scanned WeChat/Alipay payment code charges what is still due (or the mobile
    amount typed) through ``provider``. Enter on an empty amount closes over what is
    applied when it covers the sale, else says what is still due.

    ``basis`` (``Counter.tender_basis``) carries the rules' view of the sale: without one
    (a prepaid card sold with no member) only "nothing but cash above what is due" is
    checked here. A refusal is kept in ``refusal`` with the till's code, so cancelling
    reports it. ``applied`` and ``shown``: a dialog opened again after the payment was
    refused, with the tenders typed before and the refusal on screen."""

    def __init__(
        self,
        due: Money,
        member: MemberPanel | None,
        coin_name: str,
        offline_limit: Money | None = None,
        parent: QWidget | None = None,
        points: tuple[str, int] | None = None,
        coin_value: Money = Money(100),  # noqa: B008 - immutable
        *,
        basis: TenderBasis | None = None,
        provider: PaymentProvider | None = None,
        sale_ref: str = "",
        applied: list[Applied] | None = None,
        shown: PosError | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("收款"))
        self.coin_value, self.coin_name = coin_value, coin_name
        self.setMinimumWidth(600)
        self.basis, self.provider, self.sale_ref = basis, provider, sale_ref
        self.due = basis.due if basis is not None else due
        self.member = member
        self.points = points  # (name, points a yuan) when points pay in this program
        self.applied: list[Applied] = [replace(a) for a in applied or ()]
        self.kind = "cash"
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("应收")))
        self.due_label = big(f"￥{self.due.plain()}", 32)
        lay.addWidget(self.due_label)
        keys = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, kind, label in TENDERS:
            QShortcut(QKeySequence(key), self).activated.connect(lambda k=kind: self.select(k))
            if self.unavailable(kind) is not None:
                continue
            b = QPushButton(f"{key} {self.label(kind, label)}")
            b.setMinimumHeight(48)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, k=kind: self.select(k))
            keys.addWidget(b)
            self.buttons[kind] = b
        lay.addLayout(keys)
        room = basis.offline_room if basis is not None else offline_limit
        if member is not None:
            info = self.tr("储值余额 ￥{sv} · {coin} {n}").format(
                sv=(member.principal + member.gift).plain(), coin=coin_name, n=member.coins
            )
            if points is not None:
                info += f" · {points[0]} {member.points}"
            if room is not None:
                info += self.tr(" · 离线限额 ￥{x}").format(x=room.plain())
            lay.addWidget(QLabel(info))
        self.list = QListWidget()  # what is applied: tender, amount, coins/points, code
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the amount line keeps the keys
        self.list.setFont(QFont(self.font().family(), 14))
        self.list.setMaximumHeight(132)
        lay.addWidget(self.list)
        self.list_hint = QLabel(self.tr("↑↓ 选择已录入的付款 · Del 删除 · 扫付款码 = 移动支付"))
        self.list_hint.setStyleSheet("color:#666;")
        lay.addWidget(self.list_hint)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("金额 (回车确认)"))
        self.amount.setFont(QFont(self.font().family(), 18))
        self.amount.installEventFilter(self)  # Del: the applied tender, not a character
        lay.addWidget(self.amount)
        self.note = QLabel()
        self.note.setStyleSheet("color:#b36b00;")
        lay.addWidget(self.note)
        quick = QHBoxLayout()
        self.quick: list[tuple[QPushButton, list[Money]]] = []
        for _ in range(4):  # cash the customer hands over, for what is still due
            b = QPushButton()
            b.setMinimumHeight(36)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            held: list[Money] = []
            b.clicked.connect(
                lambda _=False, h=held: self.apply(Applied("cash", h[0])) if h else None
            )
            quick.addWidget(b)
            self.quick.append((b, held))
        lay.addLayout(quick)
        self.left = big("", 20)
        self.left.setStyleSheet("color:#b36b00;")
        lay.addWidget(self.left)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        self.chain([self.amount])
        self.select("cash")
        self.update_view()
        if shown is not None:  # opened again over the payment's refusal
            self.error.setText(refusal_text(shown, coin_name))

    # ------------------------------------------------------------------ what is due

    def label(self, kind: str, source: str | None = None) -> str:
        if kind == "coins":
            return self.coin_name
        if kind == "points" and self.points is not None:
            return self.points[0]
        return self.tr(source or dict((k, lab) for _, k, lab in TENDERS)[kind])

    def paid(self, tenders: list[Applied] | None = None) -> int:
        return sum(a.amount.fen for a in (self.applied if tenders is None else tenders))

    def remaining(self, tenders: list[Applied] | None = None) -> Money:
        return Money(max(0, self.due.fen - self.paid(tenders)))

    def quick_amounts(self) -> list[Money]:
        fen = self.remaining().fen
        if not fen:
            return []
        out = [Money(fen)]
        for step in (1000, 5000, 10000):
            up = Money(-(-fen // step) * step)
            if up not in out:
                out.append(up)
        return out[:4]

    def unavailable(self, kind: str) -> PosError | None:
        """Why this sale cannot take ``kind`` (the till's own reason and code), if so."""
        if kind in ("stored_value", "coins", "points") and self.member is None:
            return RuleViolation(self.tr("需先识别会员"), code="member_required")
        if kind == "points" and self.points is None:
            return RuleViolation(self.tr("本方案积分不能抵现"), code="points_not_payable")
        return None

    def others(self, kind: str) -> list[Applied]:
        """What stays applied when a ``kind`` tender is entered (it replaces its own kind
        when that pays once a sale)."""
        return [a for a in self.applied if not (kind in ONCE and a.kind == kind)]

    def most(self, kind: str) -> int:
        """The most a ``kind`` tender may pay now: a count for coins and points, else fen."""
        others = self.others(kind)
        if self.basis is not None:
            return self.basis.most([a.request() for a in others], kind)
        left = self.remaining(others).fen
        if kind == "coins" and self.member is not None:
            return min(self.member.coins, left // self.coin_value.fen)
        if kind == "points" and self.member is not None and self.points is not None:
            return min(self.member.points, left * self.points[1] // 100)
        if kind == "stored_value" and self.member is not None:
            return min((self.member.principal + self.member.gift).fen, left)
        return left

    # ------------------------------------------------------------------ keys

    def select(self, kind: str) -> None:
        why = self.unavailable(kind)
        if why is not None:
            self.refuse(why)
            return
        self.kind = kind
        for k, b in self.buttons.items():
            b.setDefault(k == kind)
            b.setStyleSheet("font-weight: bold; background: #ffe9a8;" if k == kind else "")
        most = self.most(kind)
        if kind in ("coins", "points"):
            self.amount.setText(str(most))
        else:
            self.amount.setText(Money(most).plain() if most else "")
        again = kind in ONCE and any(a.kind == kind for a in self.applied)
        replaces = self.tr("回车替换已录入的{name}").format(name=self.label(kind))
        self.note.setText(replaces if again else "")
        self.amount.selectAll()
        self.amount.setFocus()

    def submit(self) -> None:  # Enter in the amount line
        self.enter()

    def enter(self) -> None:
        text = self.amount.text().strip()
        self.error.clear()
        if not text and self.applied:
            self.close_if_covered()
            return
        tender = self.parse(text)
        if tender is not None:
            self.apply(tender)

    def parse(self, text: str) -> Applied | None:
        """The tender typed for the selected kind; None (and why) when it is not one."""
        if self.kind in ("coins", "points"):
            if not text.isdigit() or int(text) <= 0:
                what = (
                    self.tr("请输入整数个币") if self.kind == "coins" else self.tr("请输入整数积分")
                )
                self.refuse(InvalidInput(what, code=f"invalid_{self.kind}"))
                return None
            n = int(text)
            if self.kind == "coins":
                return Applied("coins", Money(n * self.coin_value.fen), n)
            per_yuan = self.points[1] if self.points else 100
            return Applied("points", Money(n * 100 // per_yuan), points=n)
        amount = parse_money(text)
        if amount is None or amount.fen <= 0:
            msg = self.tr("金额不对: {t}").format(t=text)
            self.refuse(InvalidInput(msg, code="invalid_amount", text=text))
            return None
        return Applied(self.kind, amount)

    def check(self, tenders: list[Applied]) -> PosError | None:
        """What the payment would refuse in these tenders (the rules' own check)."""
        if self.basis is not None:
            try:
                self.basis.check([a.request() for a in tenders])
            except PosError as err:
                return err
            return None
        last, before = tenders[-1], tenders[:-1]
        if last.kind != "cash" and last.amount > self.remaining(before):
            msg = self.tr("只有现金可以找零: 还差 ￥{r}").format(r=self.remaining(before).plain())
            still = self.remaining(before)
            return RuleViolation(msg, code="tender_exceeds_due", case="change", still=still)
        return None

    def apply(self, tender: Applied) -> bool:
        """Add ``tender`` (replacing its kind where it pays once) if the rules take it;
        the dialog closes once the sale is covered."""
        tenders = [*self.others(tender.kind), tender]
        why = self.check(tenders)
        if why is not None:
            self.refuse(why)
            return False
        self.applied = tenders
        self.refusal = None
        self.error.clear()
        self.update_view()
        if self.remaining().fen == 0:
            self.accept()
        else:
            self.select("cash")  # the rest, as it is usually paid
        return True

    def close_if_covered(self) -> None:
        left = self.remaining()
        if left.fen:
            msg = self.tr("还差 ￥{r}").format(r=left.plain())
            self.refuse(RuleViolation(msg, code="payment_short", still=left))
            return
        self.accept()

    def refuse(self, err: PosError) -> None:
        self.refusal = err
        self.error.setText(refusal_text(err, self.coin_name))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        if step is not None and self.list.count():
            row = self.list.currentRow() + step
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
            event.accept()
            return
        if event.key() == Qt.Key.Key_Delete:
            self.remove_selected()
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self.amount
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
            and self.applied
        ):
            self.remove_selected()
            return True
        return super().eventFilter(obj, event)

    def remove_selected(self) -> None:
        """Del: the selected applied tender comes off (a charged payment code is given
        back first, on the provider's terminal)."""
        row = self.list.currentRow()
        if not 0 <= row < len(self.applied):
            return
        gone = self.applied[row]
        if gone.charged is not None and self.provider is not None:
            try:
                self.provider.refund(gone.charged, self.sale_ref)
            except PosError as err:
                self.refuse(err)
                return
        del self.applied[row]
        self.error.clear()
        self.update_view()
        self.select(self.kind)

    def reject(self) -> None:
        """Esc: closes, except over a payment code already charged (Del gives it back)."""
        charged = [a for a in self.applied if a.charged is not None]
        if charged:
            amount = Money(sum(a.amount.fen for a in charged))
            msg = self.tr("已扫码收款 ￥{amount}: 请先选中该笔按 Del 退款").format(
                amount=amount.plain()
            )
            self.refuse(RuleViolation(msg, code="mobile_charged", amount=amount))
            return
        super().reject()

    # ------------------------------------------------------------------ payment codes

    def take_scan(self, code: str) -> bool:
        """A scan while the dialog is open (``MainWindow``): a WeChat/Alipay payment code
        is this dialog's (charged once the scan is handled); anything else is not."""
        if wallet_of(code) is None or self.provider is None:
            return False
        QTimer.singleShot(0, lambda: self.charge(code))
        return True

    def charge(self, code: str) -> None:
        """The payment code pays the mobile amount typed, else what is still due."""
        wallet = wallet_of(code)
        if wallet is None or self.provider is None or not self.isVisible():
            return
        typed = parse_money(self.amount.text()) if self.kind == "mobile" else None
        amount = typed if typed is not None and typed.fen > 0 else self.remaining()
        tender = Applied("mobile", amount, ref=code)
        tenders = [*self.applied, tender]
        why = self.check(tenders)
        if why is not None:
            self.refuse(why)
            return
        try:
            result = self.provider.charge(code, amount, self.sale_ref)
        except PosError as err:
            self.refuse(err)
            return
        tender.ref, tender.charged = result.ref, result
        self.apply(tender)

    # ------------------------------------------------------------------ the view

    def row_text(self, a: Applied) -> str:
        text = f"{self.label(a.kind)}    ￥{a.amount.plain()}"
        if a.kind == "coins":
            text += "    " + self.tr("{n} 个").format(n=a.coins)
        elif a.kind == "points":
            text += f"    {a.points}"
        if a.ref:
            wallet = self.tr(WALLETS[a.charged.wallet]) if a.charged is not None else ""
            text += f"    {wallet} {mask_payment_code(a.ref)}".rstrip()
        return text

    def update_view(self) -> None:
        self.list.clear()
        for a in self.applied:
            self.list.addItem(self.row_text(a))
        if self.applied:
            self.list.setCurrentRow(len(self.applied) - 1)
        self.list.setVisible(bool(self.applied))
        amounts = self.quick_amounts()
        for i, (b, held) in enumerate(self.quick):
            held[:] = amounts[i : i + 1]
            b.setText(self.tr("现金 ￥{v}").format(v=held[0].plain()) if held else "")
            b.setVisible(bool(held))
        paid = self.paid()
        if paid >= self.due.fen:
            self.left.setText(self.tr("找零 ￥{c}").format(c=Money(paid - self.due.fen).plain()))
        else:
            self.left.setText(self.tr("还差 ￥{r}").format(r=self.remaining().plain()))

    def requests(self) -> list[TenderRequest]:
        return [a.request() for a in self.applied]

    @property
    def change(self) -> Money:
        return Money(max(0, self.paid() - self.due.fen))


class TakenDialog(KeyDialog):
    """The provider's terminal beside the till: did it take (or give back) the amount?
    Enter = yes, Esc = no."""

    def __init__(self, request: PaymentRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("移动支付"))
        self.setMinimumWidth(440)
        wallet = QCoreApplication.translate("TenderDialog", WALLETS[request.wallet])
        if request.refund:
            text = self.tr("请在{wallet}收款终端退还 ￥{amount}")
            yes, no = self.tr("已退款 (回车)"), self.tr("未退款 (Esc)")
        else:
            text = self.tr("请在{wallet}收款终端收取 ￥{amount}")
            yes, no = self.tr("已收款 (回车)"), self.tr("未收款 (Esc)")
        lay = QVBoxLayout(self)
        self.text = big(text.format(wallet=wallet, amount=request.amount.plain()), 16)
        self.text.setWordWrap(True)
        lay.addWidget(self.text)
        lay.addWidget(QLabel(self.tr("付款码 {code}").format(code=request.masked)))
        row = QHBoxLayout()
        for label, act in ((yes, self.accept), (no, self.reject)):
            b = QPushButton(label)
            b.setMinimumHeight(40)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(act)
            row.addWidget(b)
        lay.addLayout(row)


def confirm_on_terminal(request: PaymentRequest) -> bool:
    """``CounterConfirmProvider``'s question, over the dialog that asked it."""
    parent: Any = QApplication.activeModalWidget()
    return TakenDialog(request, parent).exec() == TakenDialog.DialogCode.Accepted
