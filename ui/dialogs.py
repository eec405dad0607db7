"""Small dialogs: tender, manager PIN, recharge, return, report, pick, form. Keyboard first."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from terminal.app.screen import MemberPanel
from terminal.errors import InvalidInput, PosError, RuleViolation
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from ui.qt import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QPixmap,
    QPushButton,
    QScrollArea,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
)

TENDERS = (  # key, kind, label: function keys, so digits always go into the amount
    ("F1", "cash", QT_TRANSLATE_NOOP("TenderDialog", "现金")),
    ("F2", "card", QT_TRANSLATE_NOOP("TenderDialog", "银行卡")),
    ("F3", "mobile", QT_TRANSLATE_NOOP("TenderDialog", "移动支付")),
    ("F4", "stored_value", QT_TRANSLATE_NOOP("TenderDialog", "储值")),
    ("F5", "coins", QT_TRANSLATE_NOOP("TenderDialog", "番茄币")),
    ("F6", "points", QT_TRANSLATE_NOOP("TenderDialog", "积分")),
)


def big(text: str = "", size: int = 28, bold: bool = True) -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setPointSize(size)
    f.setBold(bold)
    label.setFont(f)
    return label


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK / Cancel in the till's language (Qt's own texts would be English here)."""
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    ok.setText(QCoreApplication.translate("Dialogs", "确认 (回车)"))
    cancel.setText(QCoreApplication.translate("Dialogs", "取消 (Esc)"))
    for b in (ok, cancel):
        b.setMinimumHeight(36)
        b.setAutoDefault(False)
    return box


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
    points: int = 0


class TenderDialog(QDialog):
    """收款 (F8): amount due on top, a row per tender with its key; typing an amount applies
    it to the selected tender; Enter commits once the amount is covered. Cash defaults to
    the exact amount due, so a cash sale is F8, Enter. Enter on an emptied amount hands
    what is entered to the till as it is (the till then says what is missing).

    A tender refused here (a card over what is still due) keeps the dialog open and
    is kept in ``refusal`` with the till's error code, so cancelling reports it."""

    def __init__(
        self,
        due: Money,
        member: MemberPanel | None,
        coin_name: str,
        offline_limit: Money | None = None,
        parent: QWidget | None = None,
        points: tuple[str, int] | None = None,
        coin_value: Money = Money(100),  # noqa: B008 - immutable
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("收款"))
        self.coin_value = coin_value
        self.setMinimumWidth(560)
        self.due, self.member = due, member
        self.points = points  # (name, points a yuan) when points pay in this program
        self.applied: list[Applied] = []
        self.refusal: PosError | None = None
        self.kind = "cash"
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("应收")))
        self.due_label = big(f"￥{due.plain()}", 32)
        lay.addWidget(self.due_label)
        keys = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, kind, label in TENDERS:
            QShortcut(QKeySequence(key), self).activated.connect(lambda k=kind: self.select(k))
            if self.unavailable(kind) is not None:
                continue
            text = coin_name if kind == "coins" else self.tr(label)
            if kind == "points" and points is not None:
                text = points[0]
            b = QPushButton(f"{key} {text}")
            b.setMinimumHeight(48)
            b.clicked.connect(lambda _=False, k=kind: self.select(k))
            keys.addWidget(b)
            self.buttons[kind] = b
        lay.addLayout(keys)
        if member is not None:
            info = self.tr("储值余额 ￥{sv} · {coin} {n}").format(
                sv=(member.principal + member.gift).plain(), coin=coin_name, n=member.coins
            )
            if points is not None:
                info += f" · {points[0]} {member.points}"
            if offline_limit is not None:
                info += self.tr(" · 离线限额 ￥{x}").format(x=offline_limit.plain())
            lay.addWidget(QLabel(info))
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("金额 (回车确认)"))
        self.amount.setFont(QFont(self.font().family(), 18))
        lay.addWidget(self.amount)
        quick = QHBoxLayout()
        self.quick: list[tuple[QPushButton, list[Money]]] = []
        for _ in range(4):  # cash the customer hands over, for what is still due
            b = QPushButton()
            b.setMinimumHeight(36)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            held: list[Money] = []
            b.clicked.connect(lambda _=False, h=held: self.add("cash", h[0]) if h else None)
            quick.addWidget(b)
            self.quick.append((b, held))
        lay.addLayout(quick)
        self.list = QLabel()
        lay.addWidget(self.list)
        self.left = big("", 20)
        self.left.setStyleSheet("color:#b36b00;")
        lay.addWidget(self.left)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        lay.addWidget(self.error)
        self.amount.returnPressed.connect(self.enter)
        self.select("cash")
        self.update_view()

    def quick_amounts(self) -> list[Money]:
        fen = self.remaining().fen
        out = [Money(fen)]
        for step in (1000, 5000, 10000):
            up = Money(-(-fen // step) * step)
            if up not in out:
                out.append(up)
        return out[:4]

    def remaining(self) -> Money:
        return Money(max(0, self.due.fen - sum(a.amount.fen for a in self.applied)))

    def unavailable(self, kind: str) -> PosError | None:
        """Why this sale cannot take ``kind`` (the till's own reason and code), if so."""
        if kind in ("stored_value", "coins", "points") and self.member is None:
            return RuleViolation(self.tr("需先识别会员"), code="member_required")
        if kind == "points" and self.points is None:
            return RuleViolation(self.tr("本方案积分不能抵现"), code="points_not_payable")
        return None

    def select(self, kind: str) -> None:
        why = self.unavailable(kind)
        if why is not None:
            self.refuse(why)
            return
        self.kind = kind
        for k, b in self.buttons.items():
            b.setDefault(k == kind)
            b.setStyleSheet("font-weight: bold; background: #ffe9a8;" if k == kind else "")
        left = self.remaining()
        if kind == "coins" and self.member is not None:
            self.amount.setText(str(min(self.member.coins, left.fen // self.coin_value.fen)))
        elif kind == "points" and self.member is not None and self.points is not None:
            self.amount.setText(str(min(self.member.points, left.fen * self.points[1] // 100)))
        else:
            self.amount.setText(left.plain())
        self.amount.selectAll()
        self.amount.setFocus()

    def add(self, kind: str, amount: Money, coins: int = 0, points: int = 0) -> None:
        self.applied.append(Applied(kind, amount, coins, points))
        self.refusal = None
        self.error.clear()
        self.update_view()
        if self.remaining().fen == 0:
            self.accept()
        else:
            self.select(self.kind if kind != "cash" else "cash")

    def refuse(self, err: PosError) -> None:
        self.refusal = err
        self.error.setText(err.message)

    def enter(self) -> None:
        text = self.amount.text().strip()
        self.error.clear()
        if not text and self.applied:
            self.accept()  # as entered: the till refuses a short payment and says why
            return
        if self.kind in ("coins", "points"):
            if not text.isdigit() or int(text) <= 0:
                what = (
                    self.tr("请输入整数个币") if self.kind == "coins" else self.tr("请输入整数积分")
                )
                self.refuse(InvalidInput(what, code=f"invalid_{self.kind}"))
                return
            n = int(text)
            if self.kind == "coins":
                self.add("coins", Money(n * self.coin_value.fen), n)
            else:
                per_yuan = self.points[1] if self.points else 100
                self.add("points", Money(n * 100 // per_yuan), points=n)
            return
        amount = parse_money(text)
        if amount is None or amount.fen <= 0:
            msg = self.tr("金额不对: {t}").format(t=text)
            self.refuse(InvalidInput(msg, code="invalid_amount"))
            return
        if self.kind != "cash" and amount > self.remaining():
            msg = self.tr("只有现金可以找零: 还差 ￥{r}").format(r=self.remaining().plain())
            self.refuse(RuleViolation(msg, code="tender_exceeds_due"))
            return
        self.add(self.kind, amount)

    def update_view(self) -> None:
        labels = dict((k, self.tr(lab)) for _, k, lab in TENDERS)
        if self.points is not None:
            labels["points"] = self.points[0]
        rows = []
        for a in self.applied:
            count = a.coins or a.points
            rows.append(
                f"✓ {labels[a.kind]}  ￥{a.amount.plain()}" + (f"  ({count})" if count else "")
            )
        self.list.setText("\n".join(rows))
        amounts = self.quick_amounts()
        for i, (b, held) in enumerate(self.quick):
            held[:] = amounts[i : i + 1]
            b.setText(self.tr("现金 ￥{v}").format(v=held[0].plain()) if held else "")
            b.setVisible(bool(held))
        paid = sum(a.amount.fen for a in self.applied)
        if paid >= self.due.fen:
            self.left.setText(self.tr("找零 ￥{c}").format(c=Money(paid - self.due.fen).plain()))
        else:
            self.left.setText(self.tr("还差 ￥{r}").format(r=self.remaining().plain()))

    def requests(self) -> list[TenderRequest]:
        out = []
        for a in self.applied:
            if a.kind == "coins":
                out.append(TenderRequest("coins", coins=a.coins))
            elif a.kind == "points":
                out.append(TenderRequest("points", points=a.points))
            else:
                out.append(TenderRequest(a.kind, a.amount))
        return out

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
        box = ok_cancel(self)
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
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(prompt))
        self.amount = QLineEdit()
        self.amount.setFont(QFont(self.font().family(), 18))
        lay.addWidget(self.amount)
        self.note = big("", 14)
        self.note.setStyleSheet("color:#1b7f3b;")
        self.note.setMinimumHeight(28)
        lay.addWidget(self.note)
        self._note = note
        self.amount.textChanged.connect(self._update)
        self.amount.returnPressed.connect(self._enter)
        box = ok_cancel(self)
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


def print_close_row(dialog: QDialog, on_print: Callable[[], None] | None) -> QHBoxLayout:
    """Print (P), when there is something to print, and Close (Esc)."""
    row = QHBoxLayout()
    if on_print is not None:
        p = QPushButton(QCoreApplication.translate("Dialogs", "打印 (P)"))
        p.clicked.connect(on_print)
        QShortcut(QKeySequence("P"), dialog).activated.connect(on_print)
        row.addWidget(p)
    close = QPushButton(QCoreApplication.translate("Dialogs", "关闭 (Esc)"))
    close.clicked.connect(dialog.accept)
    row.addWidget(close)
    return row


class ImageDialog(QDialog):
    """A receipt as the printer would print it (the PNG preview), with a print key."""

    def __init__(
        self,
        title: str,
        png: bytes,
        parent: QWidget | None = None,
        on_print: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        picture = QPixmap()
        picture.loadFromData(png, "PNG")
        self.image = QLabel()
        self.image.setPixmap(picture)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setMinimumSize(min(picture.width() + 24, 640), 600)
        lay.addWidget(scroll)
        lay.addLayout(print_close_row(self, on_print))


class TextDialog(QDialog):
    """A report or slip on screen (X/Z), with a print button: free lines, or (label,
    value) rows in a grid, values right-aligned so the figures line up whatever the
    labels' widths (Chinese labels are not as wide as their character count says)."""

    def __init__(
        self,
        title: str,
        lines: list[str],
        parent: QWidget | None = None,
        on_print: Callable[[], None] | None = None,
        rows: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        font = QFont(self.font().family(), 12)
        if rows is None:
            body = QLabel("\n".join(lines))
            body.setFont(font)
            body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lay.addWidget(body)
        else:
            lay.addLayout(self._grid(rows, font))
        lay.addLayout(print_close_row(self, on_print))

    @staticmethod
    def _grid(rows: list[tuple[str, str]], font: QFont) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        for i, (label, value) in enumerate(rows):
            name = QLabel(label)
            name.setFont(font)
            if not value:  # a heading: the whole width
                grid.addWidget(name, i, 0, 1, 2)
                continue
            figure = QLabel(value)
            figure.setFont(font)
            figure.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            figure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, i, 0)
            grid.addWidget(figure, i, 1)
        return grid


class PickDialog(QDialog):
    """A short list to read and one line to type the choice into (coupon ids, gift
    numbers, return lines); Enter takes what is typed, Esc cancels."""

    def __init__(
        self,
        title: str,
        rows: list[str],
        prompt: str,
        text: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        lay = QVBoxLayout(self)
        body = QLabel("\n".join(rows) if rows else self.tr("(无)"))
        body.setFont(QFont(self.font().family(), 13))
        body.setStyleSheet("padding:6px;background:#f6f6f6;border:1px solid #ddd;")
        lay.addWidget(body)
        lay.addWidget(QLabel(prompt))
        self.entry = QLineEdit(text)
        self.entry.setFont(QFont(self.font().family(), 16))
        self.entry.selectAll()
        lay.addWidget(self.entry)
        self.entry.returnPressed.connect(self.accept)
        self.entry.setFocus()

    @property
    def value(self) -> str:
        return self.entry.text().strip()


class FormDialog(QDialog):
    """A few labelled fields (register a member, sell or load a prepaid card): Enter moves
    to the next field and, on the last, confirms."""

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, bool]],  # key, label, secret
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        lay = QFormLayout(self)
        if note:
            lay.addRow(QLabel(note))
        self.fields: dict[str, QLineEdit] = {}
        edits = []
        for key, label, secret in fields:
            e = QLineEdit()
            if secret:
                e.setEchoMode(QLineEdit.EchoMode.Password)
            lay.addRow(label, e)
            self.fields[key] = e
            edits.append(e)
        for e, nxt in itertools.pairwise(edits):
            e.returnPressed.connect(nxt.setFocus)
        if edits:
            edits[-1].returnPressed.connect(self.accept)
            edits[0].setFocus()
        box = ok_cancel(self)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        lay.addRow(box)

    def values(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.fields.items()}


class MenuDialog(QDialog):
    """A small keyboard menu (店长 F1): one button per item, showing its number and its
    own key; the number picks it, Esc cancels. ``choice`` is the picked index (0-based)."""

    def __init__(
        self, title: str, items: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:  # items: (label, its own key, e.g. "Ctrl+F1")
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.choice: int | None = None
        lay = QVBoxLayout(self)
        self.buttons: list[QPushButton] = []
        for i, (label, key) in enumerate(items):
            b = QPushButton(f"{i + 1}   {label}" + (f"    ({key})" if key else ""))
            b.setMinimumHeight(44)
            b.setStyleSheet("text-align:left;padding-left:12px;font-size:16px;")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, n=i: self.pick(n))
            QShortcut(QKeySequence(str(i + 1)), self).activated.connect(lambda n=i: self.pick(n))
            lay.addWidget(b)
            self.buttons.append(b)
        lay.addWidget(QLabel(self.tr("按数字键选择, Esc 取消")))

    def pick(self, n: int) -> None:
        self.choice = n
        self.accept()
