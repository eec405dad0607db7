"""The checkout screen: the open sale, the totals, the member panel, a key for everything.

Thin: every action calls a counter service on the worker thread and renders what
comes back (``terminal.app.screen``). A refused scan says why in the status line
and beeps; nothing modal swallows the next scan.

Scanners (serial or keyboard wedge, ``ui.devices``) call ``scanned``: a code always
goes to the sale (or to the entry F2/F10 asked for), never into the text field that
has focus. While a dialog is open, scans wait and are applied in order once it has
closed, so a sale never changes under a dialog that is about it.

Manager actions (F1 店长, or each one's own Ctrl+F key) ask for a manager's PIN in the
same small dialog every time, naming what is authorised; the counter services audit
them ("auth" ledger rows).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from devices.printer.documents import Documents
from terminal.app.counter import CommittedSale, Counter
from terminal.app.screen import MemberPanel, Screen, screen
from terminal.app.shifts import Shifts
from terminal.errors import PosError, StoreTampered
from terminal.money import Money
from terminal.printing.layout import StoreInfo
from terminal.quantity import Qty
from ui.activation import KeepActive
from ui.desks.base import Desk
from ui.desks.held import HeldDesk
from ui.desks.members import GIFTS, MembersDesk
from ui.desks.money import MoneyDesk
from ui.desks.payment import PaidPanel, PaymentDesk
from ui.desks.reports import ReportsDesk
from ui.desks.returns import ReturnsDesk
from ui.desks.sale import SaleDesk
from ui.desks.shift import ShiftDesk
from ui.dialogs import (
    ImageDialog,
    MenuDialog,
    PickDialog,
    PinDialog,
    big,
)
from ui.hq_link import HqLink, SyncStatus
from ui.keyrow import KeyRow
from ui.models import SaleModel
from ui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QApplication,
    QCoreApplication,
    QDialog,
    QEvent,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QObject,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.refusals import coupon_text, refusal_text
from ui.worker import Worker

Printer = Callable[[str, bytes], None]
Drawer = Callable[[], bool]  # kick the cash drawer now; whether the kick went out
PROBLEMS = {  # device states as the cashier reads them
    "disconnected": QT_TRANSLATE_NOOP("MainWindow", "已断开"),
    "offline": QT_TRANSLATE_NOOP("MainWindow", "离线"),
    "paper_out": QT_TRANSLATE_NOOP("MainWindow", "缺纸"),
    "cover_open": QT_TRANSLATE_NOOP("MainWindow", "纸仓盖打开"),
    "timeout": QT_TRANSLATE_NOOP("MainWindow", "无响应"),
    "misconfigured": QT_TRANSLATE_NOOP("MainWindow", "设置有误"),
    "tampered": QT_TRANSLATE_NOOP("MainWindow", "校验未通过"),  # verify.guard at start
}
QUIET = {  # states that are no problem
    "connected": QT_TRANSLATE_NOOP("MainWindow", "已连接"),
    "ok": QT_TRANSLATE_NOOP("MainWindow", "正常"),
    "online": QT_TRANSLATE_NOOP("MainWindow", "在线"),
    "standalone": QT_TRANSLATE_NOOP("MainWindow", "单机"),
    "checking": QT_TRANSLATE_NOOP("MainWindow", "检测中"),
}
# a member's status (lifecycle.member_status; shown where the program says so, organic)
MEMBER_STATUS = {
    "registered": QT_TRANSLATE_NOOP("MemberStatus", "注册"),
    "recharged": QT_TRANSLATE_NOOP("MemberStatus", "充值"),
    "active": QT_TRANSLATE_NOOP("MemberStatus", "激活"),
    "sleeping": QT_TRANSLATE_NOOP("MemberStatus", "沉睡"),
    "closed": QT_TRANSLATE_NOOP("MemberStatus", "消亡"),
}
# the devices' names (ui.devices, HQ sync): the status bar shows them translated
DEVICES = (
    QT_TRANSLATE_NOOP("MainWindow", "打印机"),
    QT_TRANSLATE_NOOP("MainWindow", "扫码枪"),
    QT_TRANSLATE_NOOP("MainWindow", "键盘扫码"),
    QT_TRANSLATE_NOOP("MainWindow", "总部"),
    QT_TRANSLATE_NOOP("MainWindow", "本机账本"),
)
HQ = "总部"
LEDGER = "本机账本"  # the store's own chain: "tampered" once a check finds it broken
HINTS = {  # what a device's problem means for the sale
    "打印机": QT_TRANSLATE_NOOP("MainWindow", "小票已保存, 恢复后自动打印"),
    "本机账本": QT_TRANSLATE_NOOP("MainWindow", "已停止收款, 请联系总部"),
}

KEYS = (  # key, label, method
    ("F1", QT_TRANSLATE_NOOP("MainWindow", "店长"), "manager_menu"),
    ("F2", QT_TRANSLATE_NOOP("MainWindow", "会员"), "members.focus_member"),
    ("F3", QT_TRANSLATE_NOOP("MainWindow", "优惠券"), "members.toggle_coupons"),
    ("F4", QT_TRANSLATE_NOOP("MainWindow", "挂单/取单"), "held.hold_or_recall"),
    ("F5", QT_TRANSLATE_NOOP("MainWindow", "售卡"), "money.sell_card"),
    ("F6", QT_TRANSLATE_NOOP("MainWindow", "领券"), "members.claim_gifts"),
    ("F7", QT_TRANSLATE_NOOP("MainWindow", "注册"), "members.register_member"),
    ("F8", QT_TRANSLATE_NOOP("MainWindow", "收款"), "payment.pay"),
    ("F9", QT_TRANSLATE_NOOP("MainWindow", "充值"), "money.recharge"),
    ("F10", QT_TRANSLATE_NOOP("MainWindow", "退货"), "returns.return_sale"),
    ("F11", QT_TRANSLATE_NOOP("MainWindow", "X报表"), "reports.x_report"),
    ("F12", QT_TRANSLATE_NOOP("MainWindow", "交班"), "shift.handover"),
    ("Del", QT_TRANSLATE_NOOP("MainWindow", "删除行"), "sale.remove_line"),
    ("Esc", QT_TRANSLATE_NOOP("MainWindow", "作废"), "sale.void"),
)
MORE_KEYS = (  # shifted keys: shown in the tooltip of their plain key's button
    ("Shift+F3", "F3", QT_TRANSLATE_NOOP("MainWindow", "选择优惠券"), "members.pick_coupons"),
    ("Shift+F5", "F5", QT_TRANSLATE_NOOP("MainWindow", "充值卡绑定到会员"), "money.load_card"),
    ("Shift+F9", "F9", QT_TRANSLATE_NOOP("MainWindow", "充值记录 / 补打"), "money.history"),
    (
        "Shift+F10",
        "F10",
        QT_TRANSLATE_NOOP("MainWindow", "部分退货 (按行)"),
        "returns.return_lines",
    ),
    ("Ctrl+L", "F12", QT_TRANSLATE_NOOP("MainWindow", "锁屏 (本单保留)"), "shift.lock"),
    ("Ctrl+P", "F8", QT_TRANSLATE_NOOP("MainWindow", "补打上一张小票"), "reprint_last"),
    ("Insert", "Del", QT_TRANSLATE_NOOP("MainWindow", "改数量 (选中行)"), "sale.quantity_key"),
)
MANAGER_KEYS = (  # key, label, method: each behind the manager's PIN; also in the F1 menu
    ("Ctrl+F1", QT_TRANSLATE_NOOP("MainWindow", "改价 / 折扣 (选中行)"), "sale.override_price"),
    ("Ctrl+F2", QT_TRANSLATE_NOOP("MainWindow", "整单折扣"), "sale.discount_sale"),
    ("Ctrl+F3", QT_TRANSLATE_NOOP("MainWindow", "退储值"), "money.refund_stored_value"),
    ("Ctrl+F4", QT_TRANSLATE_NOOP("MainWindow", "作废已结小票"), "returns.void_receipt"),
    ("Ctrl+F5", QT_TRANSLATE_NOOP("MainWindow", "开钱箱"), "open_drawer"),
    ("Ctrl+F6", QT_TRANSLATE_NOOP("MainWindow", "日结 (Z 报表)"), "reports.z_report"),
)
DRAWER_REASONS = (  # recorded in Chinese (the audit), shown in the till's language
    QT_TRANSLATE_NOOP("MainWindow", "换零钱"),
    QT_TRANSLATE_NOOP("MainWindow", "存入备用金"),
    QT_TRANSLATE_NOOP("MainWindow", "取出大额现金"),
    QT_TRANSLATE_NOOP("MainWindow", "核对现金"),
)


# the desks the window composes (ui.desks): name, class
DESKS: tuple[tuple[str, type[Desk]], ...] = (
    ("sale", SaleDesk),
    ("members", MembersDesk),
    ("held", HeldDesk),
    ("reports", ReportsDesk),
    ("payment", PaymentDesk),
    ("returns", ReturnsDesk),
    ("money", MoneyDesk),
    ("shift", ShiftDesk),
)


def till_settings(counter: Counter) -> dict[str, str]:
    """The till's ``Setting`` rows (the printer's width, encoding...)."""
    from terminal.store.schema import Setting

    with counter.sessions() as s:
        return {r.key: r.value for r in s.query(Setting).all()}


class MainWindow(QMainWindow):
    # what the till did or refused, for scripts and observers: ("paid", CommittedSale),
    # ("recharged", RechargeResult), ("returned", ReturnResult), ("registered", MemberState),
    # ("card_sold", (number, value)), ("card_loaded", (number, MemberState)),
    # ("voided", ReturnResult), ("sv_refunded", (code, Money)), ("drawer", reason),
    # ("z_report", Report), ("refused", PosError)
    happened = Signal(str, object)
    shown = Signal(object)  # every Screen rendered (the customer display mirrors it)

    def __init__(
        self,
        counter: Counter,
        worker: Worker,
        *,
        shifts: Shifts,
        store: StoreInfo,
        printer: Printer | None = None,
        drawer: Drawer | None = None,
        documents: Documents | None = None,
    ) -> None:
        super().__init__()
        self.counter, self.worker, self.shifts, self.store = counter, worker, shifts, store
        # the till's settings, read once here: the desks never read the store per key
        self.settings = till_settings(counter)
        # every printed document, at the printer's width and encoding (its settings)
        self.documents = documents or Documents.from_settings(self.settings, counter.program, store)
        self.printer = printer  # called on the worker thread (a spool write, never the device)
        self.drawer = drawer  # likewise
        self.held_scans: list[str] = []  # scanned while a dialog was open, applied after
        self.pending_qty: Qty | None = None
        self.entry: tuple[str, Callable[[str], None]] | None = None  # what Enter feeds next
        self.last_receipt: str | None = None
        self.manager = "mgr"  # filled into the manager's PIN dialog: the last who approved
        self.current: Screen | None = None
        self.statuses: dict[str, str] = {}
        self.hq: HqLink | None = None
        self.sync_text = ""
        self.setWindowTitle(
            self.tr("{store} · 收银台 {till}").format(store=store.name, till=store.terminal_id)
        )
        # the real till (ui.app) signs cashiers in and out; a window built by a test or a
        # script works for the cashier its counter already names
        self.signs_in = False
        self.sign_in_note = ""  # written under the sign-in (the demo's staff and PINs)
        # name -> desk (ui.desks), named in the key tables as "name.method"
        self.desks: dict[str, Desk] = {name: desk(self) for name, desk in DESKS}
        self._build()
        self.keep_active = KeepActive(self)  # the keyboard back after every dialog
        self.refresh()

    def action(self, name: str) -> Callable[[], None]:
        """A key table's action: ``"desk.method"`` on a desk, ``"method"`` on the window."""
        desk, _, method = name.rpartition(".")
        fn: Callable[[], None] = getattr(self.desks[desk] if desk else self, method)
        return fn

    # ------------------------------------------------------------------ layout

    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        self.banner = QLabel()
        self.banner.setStyleSheet("background:#b00020;color:white;font-size:18px;padding:6px;")
        self.banner.hide()
        outer.addWidget(self.banner)
        self.header = QLabel()
        self.header.setStyleSheet("font-size:15px;padding:4px;")
        outer.addWidget(self.header)
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.model = SaleModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(46)  # two lines: price, 会员价
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        price = SaleModel.price_width(self.table.font(), 16, 104)
        for col, width in ((0, 44), (2, 96), (3, price), (4, 112)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            head.resizeSection(col, width)
        self.table.setAlternatingRowColors(True)
        self.table.setStyleSheet(
            "QTableView{font-size:16px;alternate-background-color:#f7f9fb;"
            "selection-background-color:#d9ebfb;selection-color:#111;}"
        )
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setWordWrap(True)
        left.addWidget(self.table, 1)
        self.input = QLineEdit()
        self.input.setPlaceholderText(self.tr("扫码 / 输入商品码 · 数量* · 会员码或手机号"))
        self.input.setMinimumHeight(40)
        self.input.returnPressed.connect(self._enter)
        self.input.installEventFilter(self)  # Del / Insert act on the chosen line
        left.addWidget(self.input)
        self.message = QLabel()
        self.message.setMinimumHeight(24)
        left.addWidget(self.message)
        body.addLayout(left, 3)
        right = QVBoxLayout()
        self.member = QLabel()
        self.member.setWordWrap(True)
        self.member.setTextFormat(Qt.TextFormat.RichText)
        self.member.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.member.setMinimumWidth(380)
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        fl = QVBoxLayout(frame)
        fl.addWidget(self.member)
        self.paid_panel = PaidPanel()  # the change and balances after a payment
        fl.addWidget(self.paid_panel)
        right.addWidget(frame, 3)
        totals = QGridLayout()
        self.regular = QLabel()
        self.savings = QLabel()
        self.savings.setStyleSheet("color:#1b7f3b;")
        self.coupons = QLabel()
        self.coupons.setStyleSheet("color:#1b7f3b;")
        self.due = big("￥0.00", 40)
        self.discount = QLabel()
        self.discount.setStyleSheet("color:#1b7f3b;")
        for i, (name, w) in enumerate(
            (
                (self.tr("原价合计"), self.regular),
                (self.tr("会员优惠"), self.savings),
                (self.tr("优惠券"), self.coupons),
                (self.tr("整单折扣"), self.discount),
            )
        ):
            totals.addWidget(QLabel(name), i, 0)
            totals.addWidget(w, i, 1, Qt.AlignmentFlag.AlignRight)
        totals.addWidget(big(self.tr("应收"), 22), 4, 0)
        totals.addWidget(self.due, 4, 1, Qt.AlignmentFlag.AlignRight)
        right.addLayout(totals)
        body.addLayout(right, 2)
        outer.addLayout(body, 1)
        keys = KeyRow()  # one row when wide, two at 1024 px
        self.buttons: dict[str, QPushButton] = {}
        for key, label, method in KEYS:
            b = QPushButton(f"{key}\n{self.tr(label)}")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(self.action(method))
            seq = QKeySequence("Delete" if key == "Del" else ("Escape" if key == "Esc" else key))
            QShortcut(seq, self).activated.connect(self.action(method))
            keys.add(b)
            self.buttons[key] = b
        for seq_text, key, label, method in MORE_KEYS:
            QShortcut(QKeySequence(seq_text), self).activated.connect(self.action(method))
            b = self.buttons[key]
            tip = f"{seq_text}: {self.tr(label)}"
            b.setToolTip((b.toolTip() + "\n" if b.toolTip() else "") + tip)
        for seq_text, _, method in MANAGER_KEYS:
            QShortcut(QKeySequence(seq_text), self).activated.connect(self.action(method))
        self.buttons["F1"].setToolTip(
            self.tr("店长授权:")
            + "\n"
            + "\n".join(f"{k}: {self.tr(label)}" for k, label, _ in MANAGER_KEYS)
        )
        sale = self.desks["sale"]
        assert isinstance(sale, SaleDesk)
        QShortcut(QKeySequence("Up"), self).activated.connect(lambda: sale.move_selection(-1))
        QShortcut(QKeySequence("Down"), self).activated.connect(lambda: sale.move_selection(1))
        outer.addWidget(keys)
        self.setCentralWidget(root)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status, 1)
        self.clock = QTimer(self)
        self.clock.timeout.connect(self.tick)
        self.clock.start(1000)
        self.scan_release = QTimer(self)  # held scans wait for the dialog to close
        self.scan_release.setInterval(20)
        self.scan_release.timeout.connect(self._release_scans)
        self.tick()
        self.input.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The input line keeps Del for its text while it has some; empty, Del removes the
        chosen line."""
        if watched is self.input and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            sale = self.desks["sale"]
            assert isinstance(sale, SaleDesk)
            if event.key() == Qt.Key.Key_Delete and not self.input.text():
                sale.remove_line()
                return True
        return super().eventFilter(watched, event)

    def tick(self) -> None:
        """The header (store, cashier, the till's clock) and the device line."""
        now = self.counter.now
        cashier = self.counter.cashier or "—"
        if self.store.cashier_name not in ("", "—", cashier):
            cashier = f"{self.store.cashier_name} ({cashier})"
        self.header.setText(
            self.tr("<b>{store}</b> · 收银台 {till} · 收银员 {cashier}").format(
                store=self.store.name, till=self.store.terminal_id, cashier=cashier
            )
            + f"<span style='float:right'> · {now:%Y-%m-%d %H:%M}</span>"
        )
        self._render_status()

    # ------------------------------------------------------------------ running operations

    def op(
        self,
        fn: Callable[[], Any],
        ok: Callable[[Any], None] | None = None,
        fail: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run a counter call off the UI thread, then refresh the screen."""

        def done(result: Any) -> None:
            if ok is not None:
                ok(result)
            self.refresh()

        def failed(err: BaseException) -> None:
            (fail or self.refused)(err)
            self.refresh()

        self.worker.run(fn, done, failed if fail is not None else self.refused)

    def refresh(self) -> None:
        self.worker.run(lambda: screen(self.counter), self.show_screen, self.refused)

    def refused(self, err: BaseException) -> None:
        if isinstance(err, StoreTampered):  # found after start-up: the same banner
            self.set_device_status(LEDGER, "tampered")
        if isinstance(err, PosError):
            self.say(f"✗ {refusal_text(err, self.counter.program.coin_name)}", error=True)
            QApplication.beep()
            self.happened.emit("refused", err)
        else:
            self.say(self.tr("✗ 内部错误: {error}").format(error=repr(err)), error=True)
            raise err

    def say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color:#b00020;font-weight:bold;" if error else "color:#333;")

    # ------------------------------------------------------------------ rendering

    def show_screen(self, s: Screen) -> None:
        self.current = s
        self.paid_panel.follow(s)  # the last payment's change stays until a sale begins
        self.model.set_rows(s.lines)
        if s.lines:
            self.table.selectRow(len(s.lines) - 1)
            self.table.scrollToBottom()
        self.regular.setText(f"￥{s.regular_total.plain()}")
        self.savings.setText(f"-￥{s.member_savings.plain()}")
        coupon_total = Money(sum(a.fen for _, a in s.coupons))
        names = " ".join(n for n, _ in s.coupons)
        self.coupons.setText(f"{names} -￥{coupon_total.plain()}" if s.coupons else "—")
        self.discount.setText(f"-￥{s.sale_discount.plain()}" if s.sale_discount else "—")
        self.due.setText(f"￥{s.due.plain()}")
        self.member.setText(self.member_html(s.member) if s.member else self.idle_html(s))
        self.shown.emit(s)

    def idle_html(self, s: Screen) -> str:
        held = "<p>" + self.tr("挂单 %n 笔 (F4 取单)", "", s.held) + "</p>" if s.held else ""
        hint = self.tr("会员: 扫会员码或输入手机号 (F2)")
        return f"<p style='color:#888;font-size:16px'>{hint}</p>{held}"

    def member_status_html(self, p: MemberPanel) -> str:
        name = MEMBER_STATUS.get(p.status)
        words = QCoreApplication.translate("MemberStatus", name) if name else p.status
        return "<p>" + self.tr("会员状态: {status}").format(status=words) + "</p>"

    def member_html(self, p: MemberPanel) -> str:
        prog = self.counter.program
        prog_line = ""
        if p.next_threshold is not None:
            have, need = p.basis, p.next_threshold
            fmt = (lambda v: f"￥{Money(v).plain()}") if p.basis_is_money else str
            pct = min(100, int(100 * have / need)) if need else 100
            bar = "▓" * (pct // 10) + "░" * (10 - pct // 10)
            prog_line = f"{prog.points_name} {fmt(have)} / {fmt(need)} {bar} → {p.next_tier}"
        valid = (
            self.tr("有效期至 {date}").format(date=f"{p.valid_through:%Y-%m-%d}")
            if p.valid_through
            else ""
        )
        tier = f"● {p.tier_name} {valid}" if p.tier_name else self.tr("未达等级")
        expiring = p.coins_expiring_30d
        rows = [
            "<p style='font-size:18px'><b>"
            + self.tr("会员 {member}").format(member=p.masked)
            + f"</b> {p.name}</p>",
            f"<p style='font-size:16px'>{tier}</p>",
            self.member_status_html(p) if prog.show_member_status else "",
            f"<p>{prog_line}</p>" if prog_line else "",
            f"<p>{prog.coin_name} <b>{p.coins}</b>"
            + (" " + self.tr("(30天内到期 {n})").format(n=expiring) if expiring else "")
            + "</p>",
            "<p>"
            + self.tr("储值 <b>￥{total}</b> (本金 {principal} 赠 {gift})").format(
                total=(p.principal + p.gift).plain(),
                principal=p.principal.plain(),
                gift=p.gift.plain(),
            )
            + "</p>",
        ]
        if p.points and prog.points_pay:
            rows.append(f"<p>{prog.points_name} {p.points}</p>")
        why = coupon_text(p.coupons_why) or p.coupons_chosen  # the reason in words
        chosen = f" · {why}" if why else ""
        rows.append("<p>" + self.tr("优惠券 %n 张", "", p.coupons_usable) + f"{chosen}</p>")
        if p.gifts_waiting:
            names = dict(GIFTS)
            #: The separator between the gifts' names in a list: ", " in English.
            sep = self.tr("、")
            gifts = sep.join(
                QCoreApplication.translate("MembersDesk", names[g]) if g in names else g
                for g in p.gifts_waiting
            )
            ready = self.tr("{gifts}可领取 (F6)").format(gifts=gifts)
            rows.append(f"<p style='color:#b36b00'><b>{ready}</b></p>")
        segment = self.tr("分群: {name} → {action}")
        rows.append("<p>" + segment.format(name=p.segment.name, action=p.segment.action) + "</p>")
        if p.coin_debt or p.sv_debt:
            debt = self.tr("欠款: {coin} {coins}, 储值 ￥{sv} (离线透支)").format(
                coin=prog.coin_name, coins=p.coin_debt, sv=p.sv_debt.plain()
            )
            rows.append(f"<p style='color:#b00020'><b>{debt}</b></p>")
        return "".join(rows)

    def _render_status(self) -> None:
        parts = []
        for name, state in sorted(self.statuses.items()):
            light = "●" if state in QUIET and state != "checking" else "○"
            what = self.tr(QUIET.get(state) or PROBLEMS.get(state, state))
            parts.append(f"{self.device_name(name)} {light} {what}")
        if self.sync_text:
            parts.append(self.sync_text)
        self.status.setText("   ".join(parts) or self.tr("设备: 模拟"))

    def attach_hq(self, hq: HqLink) -> None:
        """HQ's light, the entries waiting to sync and the last sync, every few seconds
        (read on the worker thread); going offline raises the banner with its limits."""
        self.hq = hq
        timer = QTimer(self)
        timer.timeout.connect(lambda: self.worker.run(hq.status, self.show_sync))
        timer.start(3000)
        self.worker.run(hq.status, self.show_sync)

    def show_sync(self, status: SyncStatus) -> None:
        self.sync_text = status.text()
        if status.tampered:  # the pre-sync check found the chain broken
            self.set_device_status(LEDGER, "tampered")
        if status.state != "standalone":
            self.set_device_status("总部", status.state)
        self._render_status()

    def device_name(self, name: str) -> str:
        """A device's name in the till's language ("扫码枪2": the second scanner)."""
        for d in DEVICES:
            rest = name[len(d) :]
            if name.startswith(d) and (not rest or rest.isdigit()):
                shown = self.tr(d)
                return shown + (" " + rest if rest and shown != d else rest)
        return name

    def set_device_status(self, name: str, state: str) -> None:
        """A problem (paper out, scanner unplugged, offline) becomes a banner until it clears."""
        self.statuses[name] = state
        problems = {k: v for k, v in self.statuses.items() if v not in QUIET}
        texts = [
            f"⚠ {self.device_name(k)} {self.tr(PROBLEMS.get(v, v))}"
            + (f" · {self.tr(HINTS[k])}" if k in HINTS else "")
            for k, v in problems.items()
        ]
        if self.statuses.get(HQ) == "offline":
            limit = self.counter.program.offline_spend_limit.plain()
            texts.append(
                self.tr(
                    "离线销售中: {coin}与储值每位会员每日合计限 ￥{limit}, 联网后自动同步"
                ).format(coin=self.counter.program.coin_name, limit=limit)
            )
        self.banner.setText("   ".join(texts))
        self.banner.setVisible(bool(texts))
        self._render_status()

    # ------------------------------------------------------------------ input and scans

    def expect_entry(self, what: str, then: Callable[[str], None]) -> None:
        """The next Enter in the input line feeds ``then`` (a member code, a receipt number)
        instead of the sale; Esc cancels."""
        self.entry = (what, then)
        self.input.setFocus()
        self.say(what)

    def _enter(self) -> None:
        text = self.input.text().strip()
        self.input.clear()
        if self.entry is not None:
            _, then = self.entry
            self.entry = None
            if text:
                then(text)
            else:
                self.say("")
            return
        if not text:
            return
        if text.endswith("*") and text[:-1].replace(".", "", 1).isdigit():
            self.pending_qty = Qty.parse(text[:-1])
            self.say(self.tr("数量 {qty} ×  请扫码").format(qty=text[:-1]))
            return
        self.handle_code(text)

    def scanned(self, code: str) -> None:
        """A scanner's code (serial or keyboard wedge): into the sale, or to the entry F2
        or F10 asked for; never into a text field. While a dialog is open it is held and
        applied, in order, once the dialog has closed."""
        self.held_scans.append(code)
        self._release_scans()

    def _release_scans(self) -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None:
            # a dialog with a field that expects a code (a card number, a badge) takes it
            take = getattr(modal, "take_scan", None)
            if callable(take):  # each scan in order; those it does not take wait
                kept: list[str] = []
                while self.held_scans and QApplication.activeModalWidget() is modal:
                    code = self.held_scans.pop(0)
                    if not take(code):
                        kept.append(code)
                self.held_scans[:0] = kept
            if not self.held_scans:
                return
            if not self.scan_release.isActive():
                self.scan_release.start()
                self.say(self.tr("扫码已暂存 (%n), 关闭对话框后加入本单", "", len(self.held_scans)))
            return
        self.scan_release.stop()
        held, self.held_scans = self.held_scans, []
        for code in held:
            if self.entry is not None:  # F2 / F10: the scan is what was asked for
                _, then = self.entry
                self.entry = None
                then(code)
            else:
                self.handle_code(code)

    def handle_code(self, code: str) -> None:
        """A scan or a typed code: members are identified, anything else goes in the sale."""
        if code.startswith(("MC1.", "M")) or (len(code) == 11 and code.startswith("1")):
            members = self.desks["members"]
            assert isinstance(members, MembersDesk)
            members.identify(code)
            return
        qty, self.pending_qty = self.pending_qty, None
        self.op(lambda: self.counter.scan(code, qty), lambda _: self.say(""))

    # ------------------------------------------------------------------ actions

    def print_void_slip(self, lines: int, due: Money, cashier: str, reason: str) -> None:
        """作废单: a sale voided before payment, signed by the cashier (loss prevention
        reads these against the ledger's ``void`` rows)."""
        docs, now = self.documents, self.counter.now
        who = self.store.cashier_name or cashier

        def render() -> bytes:
            return docs.open_sale_voided(lines, due, who, reason, now=now)

        self.print_job(f"void-{now:%Y%m%d%H%M%S%f}", render)

    def print_job(self, job: str, render: Callable[[], bytes]) -> None:
        """Render a document and hand it to the printer (its spool) on the worker thread:
        it never waits for the device; a printer problem shows as the banner."""
        printer = self.printer
        if printer is None:
            return

        def failed(err: BaseException) -> None:
            self.say(self.tr("✗ 打印 {job} 失败: {error}").format(job=job, error=err), error=True)
            QApplication.beep()

        self.worker.run(lambda: printer(job, render()), None, failed)

    def ask_manager(self, what: str, then: Callable[[Any], None]) -> None:
        """A manager's PIN, checked in the dialog (a wrong one keeps it open, saying why and
        the tries left), then ``then(authorization)``. Cancelled, ``then(None)``: the till
        refuses without one and says so; cancelled after a refused PIN, that refusal."""
        dlg = PinDialog(what, self.worker, self.counter.authorize, self, manager=self.manager)
        accepted = dlg.exec() == QDialog.DialogCode.Accepted
        auth, denied = dlg.checked, dlg.denied
        dlg.deleteLater()  # its X window goes too
        if accepted and auth is not None:
            self.manager = auth.manager  # the next approval names the same manager
            then(auth)
        elif denied is not None:
            self.refused(denied)
        else:
            then(None)

    def kick_drawer(self) -> None:
        drawer = self.drawer
        if drawer is not None:
            shut = self.tr("钱箱未打开: 打印机未就绪 (钱箱接在打印机上)")

            def done(kicked: bool) -> None:
                if not kicked:
                    self.say(shut, error=True)

            self.worker.run(drawer, done, self.refused)

    def reprint_last(self) -> None:
        """补打小票: the last receipt as the printer draws it (marked as a reprint), with
        the time it was sold; after a restart, this till's last sale in the store."""
        receipt, counter = self.last_receipt, self.counter

        def load() -> tuple[CommittedSale, datetime] | None:
            sold = counter.sold(receipt)
            if sold is None:
                return None
            code = sold.record.member_code
            member = counter.member_state(code) if code else None
            return CommittedSale(sold.receipt_no, sold.record, member, ()), sold.at

        def loaded(found: tuple[CommittedSale, datetime] | None) -> None:
            if found is None:
                self.say(self.tr("还没有可补打的小票"), error=True)
            else:
                self.show_reprint(*found)

        self.worker.run(load, loaded, self.refused)

    def show_reprint(self, sale: CommittedSale, sold_at: datetime | None = None) -> None:
        now = self.counter.now
        docs = self.documents
        doc = docs.sale_doc(sale, now=now, reprint=True, sold_at=sold_at)

        def send() -> None:
            if self.printer is not None:
                data = docs.sale(sale, now=now, reprint=True, sold_at=sold_at)
                self.printer(f"{sale.receipt_no}-reprint-{now:%H%M%S}", data)
                self.say(self.tr("已补打小票 {r}").format(r=sale.receipt_no))

        title = self.tr("补打小票 {r}").format(r=sale.receipt_no)
        ImageDialog(title, docs.preview(doc), self, send).exec()

    def show_report(self, report: Any, *, print_now: bool = False, manager: str = "") -> None:
        """A report on screen (ui.desks.reports), for flows outside that desk (handover)."""
        reports = self.desks["reports"]
        assert isinstance(reports, ReportsDesk)
        reports.show_report(report, print_now=print_now, manager=manager)

    # ------------------------------------------------------------------ manager actions

    def manager_menu(self) -> None:
        """F1 店长: the manager's actions as a small keyboard menu (a number picks one)."""
        items = [(self.tr(label), key) for key, label, _ in MANAGER_KEYS]
        dlg = MenuDialog(self.tr("店长 · 需店长授权"), items, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.choice is None:
            return
        self.action(MANAGER_KEYS[dlg.choice][2])()

    def open_drawer(self) -> None:
        """开钱箱 without a sale: a reason, the manager's PIN; audited, then the kick."""
        rows = [f"{i}  {self.tr(r)}" for i, r in enumerate(DRAWER_REASONS, 1)]
        dlg = PickDialog(self.tr("开钱箱"), rows, self.tr("输入序号或原因 (回车)"), "", self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dlg.value
        n = int(choice) if choice.isdigit() else 0
        reason = DRAWER_REASONS[n - 1] if 1 <= n <= len(DRAWER_REASONS) else choice
        said = self.tr(reason)  # the ledger keeps the reason as listed (Chinese) or typed
        drawer = self.drawer

        def run(auth: Any) -> bool | None:
            self.shifts.open_drawer(auth, reason)  # refuses without a manager or a reason
            return drawer() if drawer is not None else None

        def done(kicked: bool | None) -> None:
            self.happened.emit("drawer", reason)
            if kicked is False:
                shut = self.tr("已记录开钱箱 ({reason}), 但钱箱未打开: 打印机未就绪")
                self.say(shut.format(reason=said), error=True)
            else:
                opened = self.tr("✓ 钱箱已打开 ({reason})")
                noted = self.tr("✓ 已记录开钱箱 ({reason})")
                self.say((opened if kicked else noted).format(reason=said))

        what = self.tr("开钱箱: {reason}").format(reason=said)
        self.ask_manager(what, lambda auth: self.op(lambda: run(auth), done))
