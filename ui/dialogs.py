"""Small dialogs: tender, manager PIN, recharge, return, report. Keyboard first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from terminal.app.screen import MemberPanel
from terminal.errors import PosError
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPushButton,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
)

TENDERS = (  # key, kind, label: function keys, so digits always go into the amount
    ("F1", "cash", "现金"),
    ("F2", "card", "银行卡"),
    ("F3", "mobile", "移动支付"),
    ("F4", "stored_value", "储值"),
    ("F5", "coins", "番茄币"),
)


def big(text: str = "", size: int = 28, bold: bool = True) -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setPointSize(size)
    f.setBold(bold)
    label.setFont(f)
    return label


def parse_money(text: str) -> Money | None:
    try:
        return Money.parse(text.strip().lstrip("¥￥"))
    except PosError:
        return None


@dataclass
class Applied:
    kind: str
    amount: Money
    coins: int = 0


class TenderDialog(QDialog):
    """收款 (F8): amount due on top, a row per tender with its key; typing an amount applies
    it to the selected tender; Enter commits once the amount is covered. Cash defaults to
    the exact amount due, so a cash sale is F8, Enter."""

    def __init__(
        self,
        due: Money,
        member: MemberPanel | None,
        coin_name: str,
        offline_limit: Money | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("收款"))
        self.due, self.member = due, member
        self.applied: list[Applied] = []
        self.kind = "cash"
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("应收")))
        self.due_label = big(f"￥{due.plain()}", 32)
        lay.addWidget(self.due_label)
        keys = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, kind, label in TENDERS:
            if kind in ("stored_value", "coins") and member is None:
                continue
            text = coin_name if kind == "coins" else self.tr(label)
            b = QPushButton(f"{key} {text}")
            b.setMinimumHeight(48)
            b.clicked.connect(lambda _=False, k=kind: self.select(k))
            QShortcut(QKeySequence(key), self).activated.connect(lambda k=kind: self.select(k))
            keys.addWidget(b)
            self.buttons[kind] = b
        lay.addLayout(keys)
        if member is not None:
            info = self.tr("储值余额 ￥{sv} · {coin} {n}").format(
                sv=(member.principal + member.gift).plain(), coin=coin_name, n=member.coins
            )
            if offline_limit is not None:
                info += self.tr(" · 离线限额 ￥{x}").format(x=offline_limit.plain())
            lay.addWidget(QLabel(info))
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("金额 (回车确认)"))
        self.amount.setFont(QFont(self.font().family(), 18))
        lay.addWidget(self.amount)
        quick = QHBoxLayout()
        for value in self.quick_amounts():
            b = QPushButton(f"￥{value.plain()}")
            b.clicked.connect(lambda _=False, v=value: self.add("cash", v))
            quick.addWidget(b)
        lay.addLayout(quick)
        self.list = QLabel()
        lay.addWidget(self.list)
        self.left = big("", 20)
        lay.addWidget(self.left)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        lay.addWidget(self.error)
        self.amount.returnPressed.connect(self.enter)
        self.select("cash")
        self.update_view()

    def quick_amounts(self) -> list[Money]:
        fen = self.due.fen
        out = [Money(fen)]
        for step in (1000, 5000, 10000):
            up = Money(-(-fen // step) * step)
            if up not in out:
                out.append(up)
        return out[:4]

    def remaining(self) -> Money:
        return Money(max(0, self.due.fen - sum(a.amount.fen for a in self.applied)))

    def select(self, kind: str) -> None:
        self.kind = kind
        for k, b in self.buttons.items():
            b.setDefault(k == kind)
            b.setStyleSheet("font-weight: bold; background: #ffe9a8;" if k == kind else "")
        left = self.remaining()
        if kind == "coins" and self.member is not None:
            self.amount.setText(str(min(self.member.coins, left.fen // 100)))
        else:
            self.amount.setText(left.plain())
        self.amount.selectAll()
        self.amount.setFocus()

    def add(self, kind: str, amount: Money, coins: int = 0) -> None:
        self.applied.append(Applied(kind, amount, coins))
        self.update_view()
        if self.remaining().fen == 0:
            self.accept()
        else:
            self.select(self.kind if kind != "cash" else "cash")

    def enter(self) -> None:
        text = self.amount.text().strip()
        self.error.clear()
        if self.kind == "coins":
            if not text.isdigit() or int(text) <= 0:
                self.error.setText(self.tr("请输入整数个币"))
                return
            n = int(text)
            self.add("coins", Money(n * 100), n)
            return
        amount = parse_money(text)
        if amount is None or amount.fen <= 0:
            self.error.setText(self.tr("金额不对: {t}").format(t=text))
            return
        if self.kind != "cash" and amount > self.remaining():
            self.error.setText(self.tr("只有现金可以找零"))
            return
        self.add(self.kind, amount)

    def update_view(self) -> None:
        labels = dict((k, lab) for _, k, lab in TENDERS)
        self.list.setText(
            "\n".join(
                f"{labels[a.kind]}  ￥{a.amount.plain()}" + (f" ({a.coins})" if a.coins else "")
                for a in self.applied
            )
        )
        paid = sum(a.amount.fen for a in self.applied)
        if paid >= self.due.fen:
            self.left.setText(self.tr("找零 ￥{c}").format(c=Money(paid - self.due.fen).plain()))
        else:
            self.left.setText(self.tr("还差 ￥{r}").format(r=self.remaining().plain()))

    def requests(self) -> list[TenderRequest]:
        return [
            TenderRequest("coins", coins=a.coins)
            if a.kind == "coins"
            else TenderRequest(a.kind, a.amount)
            for a in self.applied
        ]

    @property
    def change(self) -> Money:
        return Money(max(0, sum(a.amount.fen for a in self.applied) - self.due.fen))


class PinDialog(QDialog):
    """The same small dialog every time: names what is authorised, asks the PIN."""

    def __init__(
        self, what: str, managers: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("店长授权"))
        lay = QFormLayout(self)
        lay.addRow(big(what, 14))
        self.manager = QLineEdit(managers[0][0] if managers else "")
        lay.addRow(self.tr("店长"), self.manager)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        lay.addRow(self.tr("密码"), self.pin)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        lay.addRow(self.error)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay.addRow(box)
        self.pin.returnPressed.connect(self.accept)
        self.pin.setFocus()


class AmountDialog(QDialog):
    """One amount with a live note (a recharge shows the gift it earns before confirming)."""

    def __init__(
        self, title: str, prompt: str, note: Callable[[Money], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(prompt))
        self.amount = QLineEdit()
        self.amount.setFont(QFont(self.font().family(), 18))
        lay.addWidget(self.amount)
        self.note = big("", 14, bold=False)
        lay.addWidget(self.note)
        self._note = note
        self.amount.textChanged.connect(self._update)
        self.amount.returnPressed.connect(self._enter)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self._enter)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.value: Money | None = None

    def _update(self, text: str) -> None:
        m = parse_money(text)
        self.note.setText(self._note(m) if m is not None and m.fen > 0 else "")

    def _enter(self) -> None:
        m = parse_money(self.amount.text())
        if m is not None and m.fen > 0:
            self.value = m
            self.accept()


class TextDialog(QDialog):
    """A report or slip on screen (X/Z), with a print button."""

    def __init__(
        self,
        title: str,
        lines: list[str],
        parent: QWidget | None = None,
        on_print: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        body = QLabel("\n".join(lines))
        body.setFont(QFont(self.font().family(), 12))
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(body)
        row = QHBoxLayout()
        if on_print is not None:
            p = QPushButton(self.tr("打印 (P)"))
            p.clicked.connect(on_print)
            QShortcut(QKeySequence("P"), self).activated.connect(on_print)
            row.addWidget(p)
        close = QPushButton(self.tr("关闭 (Esc)"))
        close.clicked.connect(self.accept)
        row.addWidget(close)
        lay.addLayout(row)
