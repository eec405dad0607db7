"""Small dialogs: manager PIN, recharge, return, report, pick, form. Keyboard first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from terminal.errors import InvalidInput, PosError
from terminal.money import Money
from ui.qt import (
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGuiApplication,
    QHBoxLayout,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QPixmap,
    QPushButton,
    QScrollArea,
    QShortcut,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from ui.refusals import refusal_text
from ui.worker import Worker


def big(text: str = "", size: int = 28, bold: bool = True) -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setPointSize(size)
    f.setBold(bold)
    label.setFont(f)
    return label


def heading(title: str) -> QLabel:
    """A dialog's title inside it: a kiosk PC without a window manager draws no title
    bar, and some titles carry what the cashier must read (充值收款 ￥200.00)."""
    label = big(title, 16)
    label.setWordWrap(True)
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
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter is the form's, never a button's
    return box


def parse_money(text: str) -> Money | None:
    try:
        return Money.parse(text.strip().lstrip("¥￥"))
    except PosError:
        return None


# ----------------------------------------------------------------------------- the rule

FRAME_PX = 40  # a window manager's title bar and borders, outside the dialog's own height


def available(widget: QWidget) -> tuple[int, int]:
    """The screen's size less its taskbars (width, height), for the screen the widget is
    on: a dialog is never taller than this."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return 1024, 768
    g = screen.availableGeometry()
    return g.width(), g.height()


def fit_screen(dialog: QDialog) -> None:
    """Cap the dialog to the available screen (its scroll areas take what is left) and
    keep it on the screen."""
    width, height = available(dialog)
    dialog.setMaximumSize(width, max(200, height - FRAME_PX))
    if dialog.height() > dialog.maximumHeight():
        dialog.resize(dialog.width(), dialog.maximumHeight())


class KeyDialog(QDialog):
    """The one keyboard rule of every form: Enter in a field moves to the next one and,
    on the last, submits (``submit``: which checks first and may keep the dialog open);
    Enter anywhere else submits too; Esc closes the dialog and nothing more (the key is
    consumed here, never the window's: no void, no cancelled entry behind it). Never
    taller than the screen.

    ``refusal`` is what the last submit refused (the till's code), for whoever opened
    the dialog and for scripts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[QLineEdit] = []
        self.refusal: PosError | None = None
        self._entered = False  # a field just took this Enter (it reaches the dialog too)

    def chain(self, edits: Sequence[QLineEdit]) -> None:
        """The fields Enter walks through, in order."""
        self.steps = list(edits)
        for i, e in enumerate(self.steps):
            e.returnPressed.connect(partial(self._field_enter, i))

    def _field_enter(self, i: int) -> None:
        self._entered = True
        QTimer.singleShot(0, self._clear_entered)  # in case the key never reaches us
        if i + 1 < len(self.steps):
            nxt = self.steps[i + 1]
            nxt.setFocus()
            nxt.selectAll()
        else:
            self.submit()

    def _clear_entered(self) -> None:
        self._entered = False

    def submit(self) -> None:
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # never QDialog's default button: that skipped the fields
            if self._entered:
                self._entered = False
            else:
                self.submit()
            return
        if key == Qt.Key.Key_Escape:
            event.accept()
            self.reject()
            return
        super().keyPressEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        fit_screen(self)

    def show_refusal(self, label: QLabel, err: PosError, field: QLineEdit | None) -> None:
        self.refusal = err
        label.setText(refusal_text(err))  # a form's own check keeps its words
        label.show()
        if field is not None:
            field.setFocus()
            field.selectAll()


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #b00020; font-weight: bold;")
    label.setWordWrap(True)
    return label


def scrolled(inner: QWidget) -> QScrollArea:
    """A body that scrolls when the screen is short (Up/Down, PageUp/PageDown)."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def fitted(inner: QWidget, room: QWidget, share: float = 0.5) -> QScrollArea:
    """``inner`` in a scroll area as tall as it needs, up to ``share`` of the screen."""
    area = scrolled(inner)
    _, height = available(room)
    area.setMinimumHeight(min(inner.sizeHint().height() + 4, max(80, int(height * share))))
    return area


class AmountDialog(KeyDialog):
    """One amount with a live note (a recharge shows the gift it earns before confirming);
    Enter on a wrong amount says so and stays."""

    def __init__(
        self, title: str, prompt: str, note: Callable[[Money], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        text = QLabel(prompt)
        text.setWordWrap(True)
        lay.addWidget(fitted(text, self), 1)  # a long prompt (recharge steps) scrolls
        self.amount = QLineEdit()
        self.amount.setFont(QFont(self.font().family(), 18))
        lay.addWidget(self.amount)
        self.note = big("", 14)
        self.note.setStyleSheet("color:#1b7f3b;")
        self.note.setMinimumHeight(28)
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self.error = error_label()
        lay.addWidget(self.error)
        self._note = note
        self.amount.textChanged.connect(self._update)
        self.chain([self.amount])
        box = ok_cancel(self)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.value: Money | None = None
        self.amount.setFocus()

    def _update(self, text: str) -> None:
        self.error.clear()
        m = parse_money(text)
        self.note.setText(self._note(m) if m is not None and m.fen > 0 else "")

    def submit(self) -> None:
        text = self.amount.text().strip()
        m = parse_money(text)
        if m is None or m.fen <= 0:
            why = self.tr("金额不对: {t}").format(t=text) if text else self.tr("请输入金额")
            self.show_refusal(self.error, InvalidInput(why, code="invalid_amount"), self.amount)
            return
        self.value = m
        self.accept()


def print_close_row(dialog: QDialog, on_print: Callable[[], None] | None) -> QHBoxLayout:
    """Print (P), when there is something to print, and Close (Esc)."""
    row = QHBoxLayout()
    if on_print is not None:
        p = QPushButton(QCoreApplication.translate("Dialogs", "打印 (P)"))
        p.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        p.clicked.connect(on_print)
        QShortcut(QKeySequence("P"), dialog).activated.connect(on_print)
        row.addWidget(p)
    close = QPushButton(QCoreApplication.translate("Dialogs", "关闭 (Esc)"))
    close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    close.clicked.connect(dialog.accept)
    row.addWidget(close)
    return row


class ImageDialog(KeyDialog):
    """A receipt as the printer would print it (the PNG preview), with a print key; it
    scrolls, and is never taller than the screen."""

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
        _, height = available(self)
        room = max(160, height - FRAME_PX - 90)  # the print/close row and margins
        scroll.setMinimumSize(min(picture.width() + 24, 640), min(600, room))
        lay.addWidget(scroll)
        lay.addLayout(print_close_row(self, on_print))
        scroll.setFocus()  # Up/Down, PageUp/PageDown scroll the receipt


TONES = {"good": "#1b7f3b", "bad": "#b00020", "": "#111"}


class TextDialog(KeyDialog):
    """A report or slip on screen (X, handover, Z), with a print key: free lines, or
    (label, value) rows in a grid, values right-aligned so the figures line up whatever
    the labels' widths (Chinese labels are not as wide as their character count says).

    ``summary`` rows (label, value, tone: "good" green, "bad" red, "" plain) come first
    in large type and always show; the rest scrolls below them. Never taller than the
    screen: the print and close keys are always on it. P prints, Enter or Esc closes."""

    def __init__(
        self,
        title: str,
        lines: list[str],
        parent: QWidget | None = None,
        on_print: Callable[[], None] | None = None,
        rows: list[tuple[str, str]] | None = None,
        summary: list[tuple[str, str, str]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        lay = QVBoxLayout(self)
        font = QFont(self.font().family(), 12)
        self.summary = QWidget()
        if summary:
            grid = QGridLayout(self.summary)
            grid.setHorizontalSpacing(24)
            head = QFont(self.font().family(), 15)
            head.setBold(True)
            for i, (label, value, tone) in enumerate(summary):
                name, figure = QLabel(label), QLabel(value)
                figure.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                for w in (name, figure):
                    w.setFont(head)
                    w.setStyleSheet(f"color:{TONES.get(tone, TONES[''])};")
                grid.addWidget(name, i, 0)
                grid.addWidget(figure, i, 1)
            self.summary.setStyleSheet("background:#f6f6f6;")
            lay.addWidget(self.summary)
        else:
            self.summary.hide()
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(0, 0, 12, 0)
        if rows is None:
            text = QLabel("\n".join(lines))
            text.setFont(font)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            inner.addWidget(text)
        else:
            inner.addLayout(self._grid(rows, font))
        inner.addStretch(1)
        self.body = scrolled(body)
        _, height = available(self)
        self.body.setMinimumHeight(min(body.sizeHint().height() + 4, max(120, height // 3)))
        self.body.setMinimumWidth(body.sizeHint().width() + 24)
        lay.addWidget(self.body, 1)
        lay.addLayout(print_close_row(self, on_print))
        self.body.setFocus()  # Up/Down, PageUp/PageDown scroll the rest of the report

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


class PickDialog(KeyDialog):
    """A short list to read and one line to type the choice into (coupon ids, gift
    numbers, return lines); Enter takes what is typed, Esc cancels. A long list scrolls."""

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
        lay.addWidget(heading(title))
        body = QLabel("\n".join(rows) if rows else self.tr("(无)"))
        body.setFont(QFont(self.font().family(), 13))
        body.setStyleSheet("padding:6px;background:#f6f6f6;border:1px solid #ddd;")
        lay.addWidget(fitted(body, self), 1)
        lay.addWidget(QLabel(prompt))
        self.entry = QLineEdit(text)
        self.entry.setFont(QFont(self.font().family(), 16))
        self.entry.selectAll()
        lay.addWidget(self.entry)
        self.chain([self.entry])
        self.entry.setFocus()

    @property
    def value(self) -> str:
        return self.entry.text().strip()


class ChoiceDialog(KeyDialog):
    """One of a numbered list (a held sale): Up/Down move the highlight, a typed number
    picks that row, Enter takes the number typed or else the highlighted row; Esc cancels.
    ``choice`` is the picked row (0-based)."""

    def __init__(
        self,
        title: str,
        rows: list[str],
        prompt: str,
        parent: QWidget | None = None,
        current: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.choice: int | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(heading(title))
        self.list = QListWidget()
        self.list.setFont(QFont(self.font().family(), 14))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the number line keeps the keys
        for i, row in enumerate(rows, 1):
            self.list.addItem(f"{i:>2}  {row}")
        if rows:
            self.list.setCurrentRow(max(0, min(current, len(rows) - 1)))
        _, height = available(self)
        per_row = self.list.sizeHintForRow(0) if rows else 24
        self.list.setMinimumHeight(min(per_row * len(rows) + 8, max(120, height // 2)))
        lay.addWidget(self.list, 1)
        lay.addWidget(QLabel(prompt))
        self.entry = QLineEdit()
        self.entry.setFont(QFont(self.font().family(), 16))
        lay.addWidget(self.entry)
        self.error = error_label()
        lay.addWidget(self.error)
        self.chain([self.entry])
        self.entry.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        if step is not None and self.list.count():
            row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
            self.list.setCurrentRow(row)
            self.entry.clear()
            event.accept()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        text = self.entry.text().strip()
        n = self.list.count()
        if text:
            if not (text.isdigit() and 1 <= int(text) <= n):
                why = self.tr("没有第 {no} 项: 请输入 1-{n}").format(no=text, n=n)
                self.show_refusal(self.error, InvalidInput(why, code="unknown_choice"), self.entry)
                return
            self.choice = int(text) - 1
        elif n and self.list.currentRow() >= 0:
            self.choice = self.list.currentRow()
        else:
            return
        self.accept()


class ConfirmDialog(KeyDialog):
    """A yes/no question about what is on the screen (replace the member, hand over with
    sales held): Enter says yes, Esc says no."""

    def __init__(
        self, title: str, text: str, yes: str, no: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        lay = QVBoxLayout(self)
        question = big(text, 15)
        question.setWordWrap(True)
        lay.addWidget(question)
        row = QHBoxLayout()
        for label, act in ((f"{yes} (回车)", self.accept), (f"{no} (Esc)", self.reject)):
            b = QPushButton(label)
            b.setMinimumHeight(40)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(act)
            row.addWidget(b)
        lay.addLayout(row)


@dataclass(frozen=True)
class Field:
    """One field of a form. ``scan``: it expects a code (a member card, a prepaid card, a
    staff badge) and takes a scan (``FormDialog.take_scan``); ``required``: it cannot be
    left empty; ``check``: why the text typed is refused, if it is (the till's code)."""

    key: str
    label: str
    secret: bool = False
    required: bool = False
    scan: bool = False
    check: Callable[[str], PosError | None] | None = None


class FormDialog(KeyDialog):
    """A few labelled fields (register a member, sell or load a prepaid card): Enter moves
    to the next field and, on the last, checks every field and confirms; a refused field
    keeps the form open, says why and takes the cursor. A scan goes into the code field
    (``take_scan``)."""

    def __init__(
        self,
        title: str,
        fields: Sequence[Field | tuple[str, str, bool]],  # a Field, or (key, label, secret)
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        lay = QFormLayout(self)
        self.note: QLabel | None = None
        if note:
            self.note = QLabel(note)
            self.note.setWordWrap(True)
            lay.addRow(self.note)
        self.specs = [f if isinstance(f, Field) else Field(f[0], f[1], f[2]) for f in fields]
        self.fields: dict[str, QLineEdit] = {}
        for f in self.specs:
            e = QLineEdit()
            if f.secret:
                e.setEchoMode(QLineEdit.EchoMode.Password)
            if f.scan:
                e.setPlaceholderText(self.tr("扫码或输入"))
            lay.addRow(f.label + (" *" if f.required else ""), e)
            self.fields[f.key] = e
        self.error = error_label()
        lay.addRow(self.error)
        self.chain(list(self.fields.values()))
        if self.steps:
            self.steps[0].setFocus()
        box = ok_cancel(self)
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        lay.addRow(box)

    def values(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.fields.items()}

    def refused_field(self) -> tuple[PosError, QLineEdit] | None:
        """The first field the form refuses, and why."""
        for f in self.specs:
            edit = self.fields[f.key]
            text = edit.text().strip()
            err: PosError | None = None
            if f.required and not text:
                name = f.label.split(" (")[0]
                err = InvalidInput(self.tr("请填写{field}").format(field=name), code="required")
            elif f.check is not None:
                err = f.check(text)
            if err is not None:
                return err, edit
        return None

    def submit(self) -> None:
        refused = self.refused_field()
        if refused is not None:
            self.show_refusal(self.error, *refused)
            return
        self.refusal = None
        self.accept()

    def take_scan(self, code: str) -> bool:
        """A scan while the form is open: into the focused code field, else the first
        empty one, then on as Enter would go. False when no code field wants it (the
        window then keeps it for the sale)."""
        codes = [f.key for f in self.specs if f.scan]
        target = next((k for k in codes if self.fields[k].hasFocus()), None)
        target = target or next((k for k in codes if not self.fields[k].text().strip()), None)
        if target is None:
            return False
        edit = self.fields[target]
        edit.setText(code)
        self._field_enter(self.steps.index(edit))
        self._entered = False  # no key is on its way
        return True


class PinFormDialog(FormDialog):
    """A staff code and a PIN, checked by ``check(code, pin)`` on the worker before the
    dialog closes: a refusal clears the PIN, says why (the tries left, until when an
    account is locked: ``ui.refusals``) and keeps the dialog open for another try; Esc
    closes it. ``checked`` is what the check returned; ``denied`` the check's last
    refusal (a form's own, an empty field, is only ``refusal``)."""

    def __init__(
        self,
        title: str,
        note: str,
        worker: Worker,
        check: Callable[[str, str], Any],
        parent: QWidget | None = None,
        *,
        code: str = "",
        labels: tuple[str, str] | None = None,
    ) -> None:
        code_label, pin_label = labels or (self.tr("工号"), self.tr("密码"))
        fields = [
            Field("code", code_label, required=True, scan=True),
            Field("pin", pin_label, secret=True, required=True),
        ]
        super().__init__(title, fields, note, parent)
        self.worker, self.check = worker, check
        self.checked: Any = None
        self.denied: PosError | None = None
        self.checking = False
        if code:
            self.fields["code"].setText(code)
            self.fields["pin"].setFocus()

    def submit(self) -> None:
        refused = self.refused_field()
        if refused is not None:
            self.show_refusal(self.error, *refused)
            return
        if self.checking:
            return
        self.checking = True
        v = self.values()
        self.worker.run(lambda: self.check(v["code"], v["pin"]), self._ok, self._refused)

    def _ok(self, checked: Any) -> None:
        self.checking = False
        self.checked = checked
        self.accept()

    def _refused(self, err: BaseException) -> None:
        self.checking = False
        if not isinstance(err, PosError):
            raise err
        self.denied = err
        pin = self.fields["pin"]
        pin.clear()
        self.show_refusal(self.error, err, pin)


class PinDialog(PinFormDialog):
    """店长授权, the same small dialog every time: what is authorised (the action, the
    amount) in large type, the manager's code (filled in) and PIN, checked by
    ``authorize`` before it closes; a wrong PIN keeps it open with the tries left."""

    def __init__(
        self,
        what: str,
        worker: Worker,
        authorize: Callable[[str, str], Any],
        parent: QWidget | None = None,
        *,
        manager: str = "",
    ) -> None:
        labels = (self.tr("店长"), self.tr("密码"))
        super().__init__(
            self.tr("店长授权"), what, worker, authorize, parent, code=manager, labels=labels
        )
        if self.note is not None:
            f = self.note.font()
            f.setPointSize(14)
            f.setBold(True)
            self.note.setFont(f)
        self.manager, self.pin = self.fields["code"], self.fields["pin"]


class MenuDialog(KeyDialog):
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

    def submit(self) -> None:
        """Enter alone picks nothing: the number does."""

    def pick(self, n: int) -> None:
        self.choice = n
        self.accept()


def __getattr__(name: str) -> Any:
    """The tender dialog lives in ``ui.tender_dialog``; its old names still import from
    here (``from ui.dialogs import TenderDialog, TENDERS``)."""
    if name in ("TenderDialog", "TENDERS", "Applied"):
        from ui import tender_dialog

        return getattr(tender_dialog, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
