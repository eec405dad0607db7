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
from functools import partial
from typing import Any

from devices.printer.render import receipt_bytes, render_escpos
from terminal.app.counter import CommittedSale, Counter
from terminal.app.screen import MemberPanel, Screen, screen
from terminal.app.shifts import Shifts
from terminal.errors import InvalidInput, PosError, RuleViolation
from terminal.money import Money
from terminal.printing.layout import StoreInfo, recharge_slip, report_slip, sale_receipt
from terminal.quantity import Qty
from ui.desks.base import Desk
from ui.dialogs import (
    AmountDialog,
    FormDialog,
    ImageDialog,
    MenuDialog,
    PickDialog,
    PinDialog,
    TenderDialog,
    TextDialog,
    big,
    parse_money,
)
from ui.hq_link import HqLink, SyncStatus
from ui.lang import english
from ui.models import SaleModel
from ui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractItemView,
    QApplication,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
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
}
QUIET = {  # states that are no problem
    "connected": QT_TRANSLATE_NOOP("MainWindow", "已连接"),
    "ok": QT_TRANSLATE_NOOP("MainWindow", "正常"),
    "online": QT_TRANSLATE_NOOP("MainWindow", "在线"),
    "standalone": QT_TRANSLATE_NOOP("MainWindow", "单机"),
    "checking": QT_TRANSLATE_NOOP("MainWindow", "检测中"),
}
# the devices' names (ui.devices, HQ sync): the status bar shows them translated
DEVICES = (
    QT_TRANSLATE_NOOP("MainWindow", "打印机"),
    QT_TRANSLATE_NOOP("MainWindow", "扫码枪"),
    QT_TRANSLATE_NOOP("MainWindow", "键盘扫码"),
    QT_TRANSLATE_NOOP("MainWindow", "总部"),
)
HQ = "总部"
HINTS = {  # what a device's problem means for the sale
    "打印机": QT_TRANSLATE_NOOP("MainWindow", "小票已保存, 恢复后自动打印"),
}

KEYS = (  # key, label, method
    ("F1", QT_TRANSLATE_NOOP("MainWindow", "店长"), "manager_menu"),
    ("F2", QT_TRANSLATE_NOOP("MainWindow", "会员"), "focus_member"),
    ("F3", QT_TRANSLATE_NOOP("MainWindow", "优惠券"), "toggle_coupons"),
    ("F4", QT_TRANSLATE_NOOP("MainWindow", "挂单/取单"), "hold_or_recall"),
    ("F5", QT_TRANSLATE_NOOP("MainWindow", "售卡"), "sell_card"),
    ("F6", QT_TRANSLATE_NOOP("MainWindow", "领券"), "claim_gifts"),
    ("F7", QT_TRANSLATE_NOOP("MainWindow", "注册"), "register_member"),
    ("F8", QT_TRANSLATE_NOOP("MainWindow", "收款"), "pay"),
    ("F9", QT_TRANSLATE_NOOP("MainWindow", "充值"), "recharge"),
    ("F10", QT_TRANSLATE_NOOP("MainWindow", "退货"), "return_sale"),
    ("F11", QT_TRANSLATE_NOOP("MainWindow", "X报表"), "x_report"),
    ("F12", QT_TRANSLATE_NOOP("MainWindow", "交班"), "handover"),
    ("Del", QT_TRANSLATE_NOOP("MainWindow", "删除行"), "remove_last_line"),
    ("Esc", QT_TRANSLATE_NOOP("MainWindow", "作废"), "void"),
)
MORE_KEYS = (  # shifted keys: shown in the tooltip of their plain key's button
    ("Shift+F3", "F3", QT_TRANSLATE_NOOP("MainWindow", "选择优惠券"), "pick_coupons"),
    ("Shift+F5", "F5", QT_TRANSLATE_NOOP("MainWindow", "充值卡绑定到会员"), "load_card"),
    ("Shift+F10", "F10", QT_TRANSLATE_NOOP("MainWindow", "部分退货 (按行)"), "return_lines"),
    ("Ctrl+P", "F8", QT_TRANSLATE_NOOP("MainWindow", "补打上一张小票"), "reprint_last"),
)
MANAGER_KEYS = (  # key, label, method: each behind the manager's PIN; also in the F1 menu
    ("Ctrl+F1", QT_TRANSLATE_NOOP("MainWindow", "改价 (选中行)"), "override_price"),
    ("Ctrl+F2", QT_TRANSLATE_NOOP("MainWindow", "整单折扣"), "discount_sale"),
    ("Ctrl+F3", QT_TRANSLATE_NOOP("MainWindow", "退储值"), "refund_stored_value"),
    ("Ctrl+F4", QT_TRANSLATE_NOOP("MainWindow", "作废已结小票"), "void_receipt"),
    ("Ctrl+F5", QT_TRANSLATE_NOOP("MainWindow", "开钱箱"), "open_drawer"),
    ("Ctrl+F6", QT_TRANSLATE_NOOP("MainWindow", "日结 (Z 报表)"), "z_report"),
)
DRAWER_REASONS = (  # recorded in Chinese (the audit), shown in the till's language
    QT_TRANSLATE_NOOP("MainWindow", "换零钱"),
    QT_TRANSLATE_NOOP("MainWindow", "存入备用金"),
    QT_TRANSLATE_NOOP("MainWindow", "取出大额现金"),
    QT_TRANSLATE_NOOP("MainWindow", "核对现金"),
)
GIFTS = (
    ("monthly", QT_TRANSLATE_NOOP("MainWindow", "月券礼")),
    ("birthday", QT_TRANSLATE_NOOP("MainWindow", "生日礼")),
)


# the desks the window composes (ui.desks): name, class
DESKS: tuple[tuple[str, type[Desk]], ...] = ()


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
    ) -> None:
        super().__init__()
        self.counter, self.worker, self.shifts, self.store = counter, worker, shifts, store
        self.printer = printer  # called on the worker thread (a spool write, never the device)
        self.drawer = drawer  # likewise
        self.held_scans: list[str] = []  # scanned while a dialog was open, applied after
        self.pending_qty: Qty | None = None
        self.entry: tuple[str, Callable[[str], None]] | None = None  # what Enter feeds next
        self.last_receipt: str | None = None
        self.current: Screen | None = None
        self.statuses: dict[str, str] = {}
        self.hq: HqLink | None = None
        self.sync_text = ""
        self.setWindowTitle(
            self.tr("{store} · 收银台 {till}").format(store=store.name, till=store.terminal_id)
        )
        # name -> desk (ui.desks), named in the key tables as "name.method"
        self.desks: dict[str, Desk] = {name: desk(self) for name, desk in DESKS}
        self._build()
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
        keys = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, method in KEYS:
            b = QPushButton(f"{key}\n{self.tr(label)}")
            b.setMinimumSize(84, 56)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(self.action(method))
            seq = QKeySequence("Delete" if key == "Del" else ("Escape" if key == "Esc" else key))
            QShortcut(seq, self).activated.connect(self.action(method))
            keys.addWidget(b)
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
        QShortcut(QKeySequence("Up"), self).activated.connect(lambda: self.move_selection(-1))
        QShortcut(QKeySequence("Down"), self).activated.connect(lambda: self.move_selection(1))
        outer.addLayout(keys)
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
        if isinstance(err, PosError):
            self.say(f"✗ {err.message}", error=True)
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
        chosen = f" · {p.coupons_chosen}" if p.coupons_chosen else ""
        rows.append("<p>" + self.tr("优惠券 %n 张", "", p.coupons_usable) + f"{chosen}</p>")
        if p.gifts_waiting:
            names = dict(GIFTS)
            #: The separator between the gifts' names in a list: ", " in English.
            sep = self.tr("、")
            gifts = sep.join(self.tr(names[g]) if g in names else g for g in p.gifts_waiting)
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
        if QApplication.activeModalWidget() is not None:
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
            self.identify(code)
            return
        qty, self.pending_qty = self.pending_qty, None
        self.op(lambda: self.counter.scan(code, qty), lambda _: self.say(""))

    # ------------------------------------------------------------------ actions

    def identify(self, code: str) -> None:
        known = self.tr("会员 {code} 已识别")
        self.op(
            lambda: self.counter.identify(code), lambda st: self.say(known.format(code=st.code))
        )

    def focus_member(self) -> None:
        self.expect_entry(self.tr("请扫会员码或输入手机号 (回车)"), self.identify)

    def toggle_coupons(self) -> None:
        best = self.tr("已自动选择最优优惠券")
        self.op(lambda: self.counter.choose_coupons(True), lambda _: self.say(best))

    def pick_coupons(self) -> None:
        """Shift+F3: the cashier names the coupons (ids, space or comma separated); an empty
        line uses none. Without a member the till says one is needed."""
        panel = self.current.member if self.current else None
        if panel is None:
            self.op(lambda: self.counter.choose_coupons(False, ()))
            return
        code = panel.code

        valid = self.tr("有效期至 {date}")  # read here: usable() runs on the worker

        def usable() -> list[str]:
            today = self.counter.now.date()
            state = self.counter.member_state(code)
            return [
                f"{c.id:<14} {c.name}  " + valid.format(date=f"{c.valid_through:%Y-%m-%d}")
                for c in state.coupons
                if c.usable_on(today)
            ]

        def ask(rows: list[str]) -> None:
            prompt = self.tr("输入券号 (空格分隔, 空 = 不用券), 回车确认")
            dlg = PickDialog(self.tr("选择优惠券"), rows, prompt, "", self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            ids = [i for i in dlg.value.replace(",", " ").replace("，", " ").split() if i]
            chosen = self.tr("已选择优惠券 {ids}").format(ids=" ".join(ids) or self.tr("无"))
            self.op(
                lambda: self.counter.choose_coupons(False, ids),
                lambda _: self.say(chosen),
            )

        self.worker.run(usable, ask, self.refused)

    def remove_last_line(self) -> None:
        if self.current and self.current.lines:
            no = self.current.lines[-1].no
            gone = self.tr("已删除第 {no} 行").format(no=no)
            self.op(lambda: self.counter.remove_line(no), lambda _: self.say(gone))

    def void(self) -> None:
        if self.entry is not None:  # Esc first cancels a pending entry (F2, F10)
            self.entry = None
            self.say(self.tr("已取消"))
            return
        voided = self.tr("本单已作废")
        self.op(self.counter.void, lambda _: self.say(voided))

    def hold_or_recall(self) -> None:
        if self.current and self.current.lines:
            held_now = self.tr("已挂单")
            self.op(lambda: self.counter.hold(), lambda _: self.say(held_now))
            return
        none_held, recalled = self.tr("没有挂单"), self.tr("已取单")

        def recall() -> Any:
            held = self.counter.held()
            if not held:
                raise PosError(none_held, code="no_held_sale")
            return self.counter.recall(held[0][0])

        self.op(recall, lambda _: self.say(recalled))

    def claim_gifts(self) -> None:
        """F6: the gifts, which are waiting; Enter claims those waiting, a number claims that
        one (the till says why one cannot be claimed)."""
        panel = self.current.member if self.current else None
        waiting = panel.gifts_waiting if panel else ()
        ready = self.tr("可领取")
        rows = [
            f"{i}  {self.tr(name)}  {ready if kind in waiting else '—'}"
            for i, (kind, name) in enumerate(GIFTS, 1)
        ]
        default = " ".join(str(i) for i, (k, _) in enumerate(GIFTS, 1) if k in waiting)
        title, prompt = self.tr("领取会员礼券"), self.tr("输入序号 (回车领取)")
        dlg = PickDialog(title, rows, prompt, default, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        kinds = dict((str(i), kind) for i, (kind, _) in enumerate(GIFTS, 1))
        kinds.update((kind, kind) for kind, _ in GIFTS)
        for choice in dlg.value.replace(",", " ").split():
            kind = kinds.get(choice, choice)
            self.op(
                partial(self.counter.claim_gift, kind),
                lambda cs: self.say(self.tr("已领取 %n 张优惠券", "", len(cs))),
            )

    def pay(self) -> None:
        s = self.current
        if s is None or s.empty:  # nothing to pay: the till says so
            self.op(lambda: self.counter.pay(()))
            return
        prog = self.counter.program
        offline = prog.offline_spend_limit if self.counter.offline() else None
        points = (prog.points_name, prog.points_redeem_per_yuan) if prog.points_pay else None
        dlg = TenderDialog(
            s.due,
            s.member,
            prog.coin_name,
            offline,
            self,
            points=points,
            coin_value=prog.coin_value,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            if dlg.refusal is not None:  # cancelled over a refused tender: say why
                self.refused(dlg.refusal)
            return
        tenders = dlg.requests()
        self.op(lambda: self.counter.pay(tenders), self.paid)

    def paid(self, sale: CommittedSale) -> None:
        self.happened.emit("paid", sale)
        if self.hq is not None:
            self.hq.wake()  # up to HQ now rather than at the next interval
        self.last_receipt = sale.receipt_no
        self.say(
            self.tr("✓ 已收款 小票 {receipt} 找零 ￥{change}").format(
                receipt=sale.receipt_no, change=sale.record.change.plain()
            )
        )
        program, store, now = self.counter.program, self.store, self.counter.now
        self.print_job(sale.receipt_no, lambda: receipt_bytes(sale, program, store, 48, now=now))

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
        """A manager's PIN, then ``then(authorization)``; cancelled, ``then(None)``: the till
        refuses without one and says so."""
        dlg = PinDialog(what, [("mgr", "店长")], self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            then(None)
            return
        who, pin = dlg.manager.text().strip(), dlg.pin.text()
        self.worker.run(lambda: self.counter.authorize(who, pin), then, self.refused)

    def recharge(self) -> None:
        panel = self.current.member if self.current else None
        if panel is None:
            self.say(self.tr("充值: 请先识别会员 (F2)"), error=True)
            return
        prog = self.counter.program

        def note(amount: Money) -> str:
            g = prog.recharge_gift(amount)
            if g is None:
                return self.tr("无赠送")
            gift = self.tr("赠 ￥{amount}").format(amount=g.gift_value.plain()) + " "
            coins = self.tr("赠 {n} {coin}").format(n=g.coins, coin=prog.coin_name)
            return (gift if g.gift_value else "") + (coins if g.coins else "")

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
        dlg = AmountDialog(self.tr("充值"), prompt, preview, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        amount = dlg.value
        what = self.tr("充值 ￥{amount} 给 {member}, {gift}").format(
            amount=amount.plain(), member=panel.masked, gift=note(amount)
        )
        self.ask_manager(
            what,
            lambda auth: self.op(
                lambda: self.counter.recharge(panel.code, amount, auth), self.recharged
            ),
        )

    def recharged(self, r: Any) -> None:
        self.happened.emit("recharged", r)
        self.say(self.tr("✓ 已充值 ￥{amount}").format(amount=r.amount.plain()))
        program, store, now = self.counter.program, self.store, self.counter.now

        def render() -> bytes:
            doc = recharge_slip(r, program, store, now, 48, ref=r.ref, manager=r.manager)
            return render_escpos(doc, width=48)

        self.print_job(f"recharge-{r.ref}", render)

    def return_sale(self) -> None:
        """F10: scan the receipt, the whole sale comes back (a manager's PIN when the
        refund needs one)."""
        self.expect_entry(
            self.tr("退货: 请扫小票上的条码 (整单退, Shift+F10 按行退)"),
            lambda r: self._return(r, None),
        )

    def return_lines(self) -> None:
        """Shift+F10: scan the receipt, then type which lines come back."""
        self.expect_entry(self.tr("部分退货: 请扫小票上的条码"), self._pick_return_lines)

    def _pick_return_lines(self, receipt: str) -> None:
        def ask(found: Any) -> None:
            _, record = found
            rows = [
                f"{ln.line_no:>2}  {ln.name}  × {ln.qty.plain().rstrip('0').rstrip('.')}"
                f"  ￥{ln.net.plain()}"
                for ln in record.lines
            ]
            prompt = self.tr("输入 行号x数量 (空格分隔, 如 1x2 3x0.5)")
            title = self.tr("部分退货 · 小票 {receipt}").format(receipt=receipt)
            dlg = PickDialog(title, rows, prompt, "", self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            try:
                lines = parse_return_lines(dlg.value)
            except PosError as e:
                self.refused(e)
                return
            self._return(receipt, lines)

        self.worker.run(lambda: self.counter.find_sale(receipt), ask, self.refused)

    def _return(self, receipt: str, lines: list[tuple[int, Qty]] | None) -> None:
        def needs_manager(err: BaseException) -> None:
            if not (isinstance(err, PosError) and err.code == "manager_required"):
                self.refused(err)
                return
            self.ask_manager(
                self.tr("退货 小票 {receipt}").format(receipt=receipt),
                lambda auth: self.op(
                    lambda: self.counter.return_sale(receipt, lines, auth), self.returned
                ),
            )

        self.op(
            lambda: self.counter.return_sale(receipt, lines, None), self.returned, needs_manager
        )

    def returned(self, r: Any) -> None:
        self.happened.emit("returned", r)
        self.say(
            self.tr("✓ 已退货 小票 {receipt} 退款 ￥{refund}").format(
                receipt=r.receipt_no, refund=r.record.refund.plain()
            )
        )
        self._cash_out(r)

    def _cash_out(self, r: Any) -> None:
        """A refund paid in cash: the drawer opens to pay it out."""
        if any(x.kind == "cash" and x.paid_out.fen > 0 for x in r.record.refunds):
            self.kick_drawer()

    def kick_drawer(self) -> None:
        drawer = self.drawer
        if drawer is not None:
            shut = self.tr("钱箱未打开: 打印机未就绪 (钱箱接在打印机上)")

            def done(kicked: bool) -> None:
                if not kicked:
                    self.say(shut, error=True)

            self.worker.run(drawer, done, self.refused)

    def x_report(self) -> None:
        self.worker.run(self.shifts.x_report, self.show_report, self.refused)

    def reprint_last(self) -> None:
        """补打小票: the last receipt as the printer draws it (marked as a reprint)."""
        receipt = self.last_receipt
        if receipt is None:
            self.say(self.tr("还没有可补打的小票"), error=True)
            return

        def load() -> CommittedSale:
            record = self.counter.reprint(receipt)
            code = record.member_code
            member = self.counter.member_state(code) if code else None
            return CommittedSale(receipt, record, member, ())

        self.worker.run(load, self.show_reprint, self.refused)

    def show_reprint(self, sale: CommittedSale) -> None:
        from devices.printer.preview import preview_png

        now = self.counter.now
        doc = sale_receipt(sale, self.counter.program, self.store, 48, now, reprint=True)

        def send() -> None:
            if self.printer is not None:
                data = receipt_bytes(
                    sale, self.counter.program, self.store, 48, now=now, reprint=True
                )
                self.printer(f"{sale.receipt_no}-reprint-{now:%H%M%S}", data)
                self.say(self.tr("已补打小票 {r}").format(r=sale.receipt_no))

        title = self.tr("补打小票 {r}").format(r=sale.receipt_no)
        ImageDialog(title, preview_png(doc, 48), self, send).exec()

    def show_report(self, report: Any, *, print_now: bool = False, manager: str = "") -> None:
        """A report on screen, P prints it; ``print_now`` prints it at once too (Z)."""
        rows = report.lines(coin_name=self.counter.program.coin_name)
        if manager:
            rows.append(("授权店长", "Authorized by", manager))
        # the report's rows carry their English labels: on screen in the till's language
        # (the slip prints the Chinese ones, as the store files it)
        shown = [(en if english() and en.strip() else zh, v) for zh, en, v in rows]
        title = shown[0][0] if shown and not shown[0][1] else self.tr("报表")
        store, now = self.store, self.counter.now

        def render() -> bytes:
            return render_escpos(report_slip(rows, None, store, 48, now), width=48)

        def send() -> None:
            self.print_job(f"{report.kind}-{datetime.now():%H%M%S%f}", render)

        if print_now:
            send()
        TextDialog(title, [], self, send, rows=shown).exec()

    def handover(self) -> None:
        counted_note = self.tr("实点 ￥{amount}")
        dlg = AmountDialog(
            self.tr("交班"),
            self.tr("清点钱箱现金"),
            lambda m: counted_note.format(amount=m.plain()),
            self,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        counted = dlg.value
        self.worker.run(lambda: self.shifts.handover(counted), self.show_report, self.refused)

    # ------------------------------------------------------------------ manager actions

    def manager_menu(self) -> None:
        """F1 店长: the manager's actions as a small keyboard menu (a number picks one)."""
        items = [(self.tr(label), key) for key, label, _ in MANAGER_KEYS]
        dlg = MenuDialog(self.tr("店长 · 需店长授权"), items, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.choice is None:
            return
        self.action(MANAGER_KEYS[dlg.choice][2])()

    def selected_line(self) -> Any:
        """The line the cashier selected (Up/Down, or touched), else the last one."""
        s = self.current
        if s is None or not s.lines:
            return None
        rows = self.table.selectionModel().selectedRows()
        i = rows[0].row() if rows else len(s.lines) - 1
        return s.lines[min(i, len(s.lines) - 1)]

    def move_selection(self, step: int) -> None:
        n = self.model.rowCount()
        if n:
            rows = self.table.selectionModel().selectedRows()
            i = rows[0].row() if rows else n - 1
            self.table.selectRow(max(0, min(n - 1, i + step)))

    def override_price(self) -> None:
        """改价: a new unit price for the selected (or last) line."""
        line = self.selected_line()
        if line is None:
            self.say(self.tr("改价: 本单没有商品"), error=True)
            return
        prompt = self.tr("第 {no} 行 {name} × {qty}\n现单价 ￥{price}, 输入新单价").format(
            no=line.no, name=line.name, qty=line.qty, price=line.unit_price.plain()
        )
        new_price = self.tr("新单价 ￥{price}")
        dlg = AmountDialog(
            self.tr("改价"), prompt, lambda m: new_price.format(price=m.plain()), self
        )
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        price, no = dlg.value, line.no
        what = self.tr("改价 第 {no} 行 {name}: ￥{old} → ￥{new}").format(
            no=no, name=line.name, old=line.unit_price.plain(), new=price.plain()
        )
        done = self.tr("✓ 第 {no} 行已改价 ￥{price}").format(no=no, price=price.plain())
        self.ask_manager(
            what,
            lambda auth: self.op(
                lambda: self.counter.override_price(no, price, auth),
                lambda _: self.say(done),
            ),
        )

    def discount_sale(self) -> None:
        """整单折扣: an amount off the whole sale (replaces an earlier one)."""
        s = self.current
        if s is None or s.empty:
            self.say(self.tr("整单折扣: 本单没有商品"), error=True)
            return
        before = s.due + s.sale_discount

        def note(m: Money) -> str:
            after = Money(max(0, (before - m).fen))
            return self.tr("折后应收 ￥{due}").format(due=after.plain())

        prompt = self.tr("应收 ￥{due}, 输入折扣金额").format(due=before.plain())
        dlg = AmountDialog(self.tr("整单折扣"), prompt, note, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        amount = dlg.value
        done = self.tr("✓ 整单折扣 ￥{amount}").format(amount=amount.plain())
        self.ask_manager(
            self.tr("整单折扣 ￥{amount} (应收 ￥{due}, {note})").format(
                amount=amount.plain(), due=before.plain(), note=note(amount)
            ),
            lambda auth: self.op(
                lambda: self.counter.discount_sale(amount, auth),
                lambda _: self.say(done),
            ),
        )

    def refund_stored_value(self) -> None:
        """退储值: the identified member's unused principal back in cash; the gift lapses."""
        panel = self.current.member if self.current else None
        if panel is None:
            self.say(self.tr("退储值: 请先识别会员 (F2)"), error=True)
            return
        if panel.principal.fen <= 0:
            none = self.tr("退储值: {member} 没有可退的储值本金").format(member=panel.masked)
            self.say(none, error=True)
            return
        code = panel.code
        what = self.tr("退储值 给 {member}: 退现金 ￥{principal} (赠送 ￥{gift} 作废)").format(
            member=panel.masked, principal=panel.principal.plain(), gift=panel.gift.plain()
        )
        refunded = self.tr("✓ 已退储值 ￥{amount} (现金), 赠送金额作废")

        def done(refund: Money) -> None:
            self.happened.emit("sv_refunded", (code, refund))
            self.say(refunded.format(amount=refund.plain()))
            self.kick_drawer()

        self.ask_manager(
            what,
            lambda auth: self.op(lambda: self.counter.refund_stored_value(code, auth), done),
        )

    def void_receipt(self) -> None:
        """作废已结小票: scan the receipt; the whole sale is reversed (a manager's void)."""
        self.expect_entry(self.tr("作废已结小票: 请扫小票上的条码 (Esc 取消)"), self._void_receipt)

    def _void_receipt(self, receipt: str) -> None:
        def ask(found: Any) -> None:
            _, record = found
            self.ask_manager(
                self.tr("作废小票 {receipt} (￥{total}, 全额退回)").format(
                    receipt=receipt, total=record.total_due.plain()
                ),
                lambda auth: self.op(lambda: self.counter.void_sale(receipt, auth), self.voided),
            )

        self.worker.run(lambda: self.counter.find_sale(receipt), ask, self.refused)

    def voided(self, r: Any) -> None:
        self.happened.emit("voided", r)
        self.say(
            self.tr("✓ 已作废小票 {receipt} 退款 ￥{refund}").format(
                receipt=r.receipt_no, refund=r.record.refund.plain()
            )
        )
        self._cash_out(r)

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

    def z_report(self) -> None:
        """日结 (Z): once a day, after the handover; shown on screen and printed."""
        day = self.counter.now.date()

        def run(auth: Any) -> None:
            if auth is None:
                why = self.tr("日结需要店长授权")
                self.refused(RuleViolation(why, code="manager_required"))
                return

            def done(report: Any) -> None:
                self.happened.emit("z_report", report)
                closed = self.tr("✓ 已日结 {day} (Z {z})")
                self.say(closed.format(day=day.isoformat(), z=report.z_no))
                self.show_report(report, print_now=True, manager=auth.name)

            self.worker.run(lambda: self.shifts.z_report(manager=auth), done, self.refused)

        what = self.tr("日结 {day} (Z 报表): 之后今日不能再收款").format(day=day.isoformat())
        self.ask_manager(what, run)

    # ------------------------------------------------------------------ members and cards

    def register_member(self) -> None:
        """F7: a new member at the counter (card code, mobile, birthday)."""
        dlg = FormDialog(
            self.tr("注册会员"),
            [
                ("code", self.tr("会员卡号"), False),
                ("phone", self.tr("手机号"), False),
                ("birthday", self.tr("生日 (YYYY-MM-DD, 可空)"), False),
                ("name", self.tr("姓名 (可空)"), False),
            ],
            self.tr("新会员注册后即得新会员礼; 扫会员卡识别后使用"),
            self,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()

        def done(state: Any) -> None:
            self.happened.emit("registered", state)
            self.say(self.tr("✓ 已注册会员 {code}").format(code=state.code))

        self.op(
            lambda: self.counter.register(
                v["code"], v["phone"], birthday=v["birthday"] or None, name=v["name"]
            ),
            done,
        )

    def sell_card(self) -> None:
        """F5: sell a prepaid card: its number, PIN and face value, then take the money."""
        values = " / ".join(v.plain() for v in self.counter.program.prepaid_card_values)
        note = self.tr("面值: {values}").format(values=values)
        dlg = FormDialog(
            self.tr("售充值卡"),
            [
                ("number", self.tr("卡号"), False),
                ("pin", self.tr("密码"), True),
                ("value", self.tr("面值"), False),
            ],
            note if values else self.tr("本方案不售充值卡"),
            self,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()
        value = parse_money(v["value"])
        if value is None:
            bad = f"not an amount in yuan: {v['value']!r}"
            self.refused(InvalidInput(bad, code="invalid_amount"))
            return
        pay = TenderDialog(value, None, self.counter.program.coin_name, None, self)
        pay.setWindowTitle(self.tr("售卡收款 · {number}").format(number=v["number"]))
        if pay.exec() != QDialog.DialogCode.Accepted:
            if pay.refusal is not None:
                self.refused(pay.refusal)
            return
        tenders = pay.requests()

        sold = self.tr("✓ 已售充值卡 {number} ￥{value}").format(
            number=v["number"], value=value.plain()
        )

        def done(_: Any) -> None:
            self.happened.emit("card_sold", (v["number"], value))
            self.say(sold)

        self.op(lambda: self.counter.sell_card(v["number"], v["pin"], value, tenders), done)

    def load_card(self) -> None:
        """Shift+F5: a prepaid card's value onto the identified member's stored value."""
        panel = self.current.member if self.current else None
        if panel is None:
            self.say(self.tr("绑卡: 请先识别会员 (F2)"), error=True)
            return
        code = panel.code
        fields = [("number", self.tr("卡号"), False), ("pin", self.tr("密码"), True)]
        to = self.tr("给 {member}").format(member=panel.masked)
        dlg = FormDialog(self.tr("充值卡绑定"), fields, to, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()

        def done(state: Any) -> None:
            self.happened.emit("card_loaded", (v["number"], state))
            self.say(self.tr("✓ 充值卡 {number} 已存入储值").format(number=v["number"]))

        self.op(lambda: self.counter.load_card(code, v["number"], v["pin"]), done)


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
            raise InvalidInput(f"not a line number: {part!r}", code="unknown_line")
        out.append((int(no), Qty.parse(qty)))
    if not out:
        raise InvalidInput("name the lines to return", code="nothing_to_return")
    return out
