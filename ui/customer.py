"""The customer-facing display: what they buy, what they save, their tier and coins.

A second window that mirrors the checkout screen (``MainWindow.shown``): the lines,
the amount due in large type, the savings (member prices, coupons, discount) in a
friendly colour, and for an identified member the masked phone, the tier and the
coins and stored value. Nothing internal (segments, debts' wording for the cashier)
is shown. After a payment it thanks the customer and shows the change.

``--customer-display`` (or the setting ``customer_display = on``) opens it full
screen on the second screen when there is one, else as an ordinary window.
"""

from __future__ import annotations

from typing import Any

from terminal.app.counter import CommittedSale
from terminal.app.screen import Screen
from terminal.money import Money
from terminal.printing.layout import StoreInfo
from ui.dialogs import big
from ui.main_window import MainWindow
from ui.models import SaleModel
from ui.qt import (
    QAbstractItemView,
    QGridLayout,
    QGuiApplication,
    QHeaderView,
    QLabel,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class CustomerDisplay(QWidget):
    def __init__(self, store: StoreInfo, coin_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(self.tr("{store} · 顾客显示").format(store=store.name))
        self.coin_name = coin_name
        lay = QVBoxLayout(self)
        self.welcome = big(self.tr("欢迎光临 {store}").format(store=store.name), 22)
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.welcome)
        self.member = QLabel()
        self.member.setTextFormat(Qt.TextFormat.RichText)
        self.member.setStyleSheet("font-size:18px;padding:6px;")
        lay.addWidget(self.member)
        self.model = SaleModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(46)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        price = SaleModel.price_width(self.table.font(), 18, 120)
        for col, width in ((0, 44), (2, 110), (3, price), (4, 130)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            head.resizeSection(col, width)
        self.table.setStyleSheet("QTableView{font-size:18px;}")
        lay.addWidget(self.table, 1)
        totals = QGridLayout()
        self.savings = big("", 20)
        self.savings.setStyleSheet("color:#1b7f3b;")
        self.due = big("￥0.00", 44)
        totals.addWidget(self.savings, 0, 0)
        totals.addWidget(big(self.tr("应付"), 24), 0, 1, Qt.AlignmentFlag.AlignRight)
        totals.addWidget(self.due, 0, 2, Qt.AlignmentFlag.AlignRight)
        lay.addLayout(totals)
        self.thanks = big("", 22)
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.thanks)
        self.resize(1024, 600)

    def show_screen(self, s: Screen) -> None:
        self.model.set_rows(s.lines)
        if s.lines:
            self.table.scrollToBottom()
            self.thanks.clear()
        coupons = Money(sum(a.fen for _, a in s.coupons))
        saved = s.member_savings + coupons + s.sale_discount
        saving = self.tr("已为您节省 ￥{amount}").format(amount=saved.plain())
        self.savings.setText(saving if saved.fen > 0 else "")
        self.due.setText(f"￥{s.due.plain()}")
        p = s.member
        if p is None:
            ask = self.tr("会员请出示会员码")
            self.member.setText(f"<span style='color:#888'>{ask}</span>")
            return
        tier = f"● {p.tier_name}" if p.tier_name else self.tr("会员")
        sv = self.tr("储值 ￥{amount}").format(amount=(p.principal + p.gift).plain())
        usable = self.tr("可用优惠券 %n 张", "", p.coupons_usable)
        self.member.setText(
            f"<b>{p.masked}</b> {tier} · {self.coin_name} <b>{p.coins}</b> · {sv}"
            + (f" · {usable}" if p.coupons_usable else "")
        )

    def happened(self, what: str, obj: Any) -> None:
        if what == "paid" and isinstance(obj, CommittedSale):
            change = obj.record.change
            given = self.tr("找零 ￥{amount}").format(amount=change.plain())
            self.thanks.setText(self.tr("谢谢惠顾") + (f" · {given}" if change.fen > 0 else ""))


def attach(window: MainWindow) -> CustomerDisplay:
    """A customer display that mirrors ``window`` from now on (not shown yet)."""
    display = CustomerDisplay(window.store, window.counter.program.coin_name)
    window.shown.connect(display.show_screen)
    window.happened.connect(display.happened)
    if window.current is not None:
        display.show_screen(window.current)
    return display


def show_on_second_screen(display: CustomerDisplay) -> None:
    """Full screen on the second screen when there is one; else an ordinary window."""
    screens = QGuiApplication.screens()
    if len(screens) > 1:
        second = screens[1]
        display.setScreen(second)
        display.setGeometry(second.geometry())
        display.showFullScreen()
    else:
        display.show()
