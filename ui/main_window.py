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
from terminal.printing.layout import StoreInfo, recharge_slip, report_slip
from terminal.quantity import Qty
from ui.dialogs import (
    AmountDialog,
    FormDialog,
    MenuDialog,
    PickDialog,
    PinDialog,
    TenderDialog,
    TextDialog,
    big,
    parse_money,
)
from ui.models import SaleModel
from ui.qt import (
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
    "disconnected": "已断开",
    "offline": "离线",
    "paper_out": "缺纸",
    "cover_open": "纸仓盖打开",
    "timeout": "无响应",
    "misconfigured": "设置有误",
}
QUIET = {  # states that are no problem
    "connected": "已连接",
    "ok": "正常",
    "online": "在线",
    "standalone": "单机",
    "checking": "检测中",
}
HINTS = {"打印机": "小票已保存, 恢复后自动打印"}  # what a problem means for the sale

KEYS = (  # key, label, method
    ("F1", "店长", "manager_menu"),
    ("F2", "会员", "focus_member"),
    ("F3", "优惠券", "toggle_coupons"),
    ("F4", "挂单/取单", "hold_or_recall"),
    ("F5", "售卡", "sell_card"),
    ("F6", "领券", "claim_gifts"),
    ("F7", "注册", "register_member"),
    ("F8", "收款", "pay"),
    ("F9", "充值", "recharge"),
    ("F10", "退货", "return_sale"),
    ("F11", "X报表", "x_report"),
    ("F12", "交班", "handover"),
    ("Del", "删除行", "remove_last_line"),
    ("Esc", "作废", "void"),
)
MORE_KEYS = (  # shifted keys: shown in the tooltip of their plain key's button
    ("Shift+F3", "F3", "选择优惠券", "pick_coupons"),
    ("Shift+F5", "F5", "充值卡绑定到会员", "load_card"),
    ("Shift+F10", "F10", "部分退货 (按行)", "return_lines"),
)
MANAGER_KEYS = (  # key, label, method: each behind the manager's PIN; also in the F1 menu
    ("Ctrl+F1", "改价 (选中行)", "override_price"),
    ("Ctrl+F2", "整单折扣", "discount_sale"),
    ("Ctrl+F3", "退储值", "refund_stored_value"),
    ("Ctrl+F4", "作废已结小票", "void_receipt"),
    ("Ctrl+F5", "开钱箱", "open_drawer"),
    ("Ctrl+F6", "日结 (Z 报表)", "z_report"),
)
DRAWER_REASONS = ("换零钱", "存入备用金", "取出大额现金", "核对现金")
GIFTS = (("monthly", "月券礼"), ("birthday", "生日礼"))


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
        self.setWindowTitle(f"{store.name} · 收银台 {store.terminal_id}")
        self._build()
        self.refresh()

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
        for col, width in ((0, 44), (2, 96), (3, 104), (4, 112)):
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
        self.input.setPlaceholderText("扫码 / 输入商品码 · 数量* · 会员码或手机号")
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
                ("原价合计", self.regular),
                ("会员优惠", self.savings),
                ("优惠券", self.coupons),
                ("整单折扣", self.discount),
            )
        ):
            totals.addWidget(QLabel(name), i, 0)
            totals.addWidget(w, i, 1, Qt.AlignmentFlag.AlignRight)
        totals.addWidget(big("应收", 22), 4, 0)
        totals.addWidget(self.due, 4, 1, Qt.AlignmentFlag.AlignRight)
        right.addLayout(totals)
        body.addLayout(right, 2)
        outer.addLayout(body, 1)
        keys = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, label, method in KEYS:
            b = QPushButton(f"{key}\n{label}")
            b.setMinimumSize(84, 56)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(getattr(self, method))
            seq = QKeySequence("Delete" if key == "Del" else ("Escape" if key == "Esc" else key))
            QShortcut(seq, self).activated.connect(getattr(self, method))
            keys.addWidget(b)
            self.buttons[key] = b
        for seq_text, key, label, method in MORE_KEYS:
            QShortcut(QKeySequence(seq_text), self).activated.connect(getattr(self, method))
            b = self.buttons[key]
            b.setToolTip((b.toolTip() + "\n" if b.toolTip() else "") + f"{seq_text}: {label}")
        for seq_text, _, method in MANAGER_KEYS:
            QShortcut(QKeySequence(seq_text), self).activated.connect(getattr(self, method))
        self.buttons["F1"].setToolTip(
            "店长授权:\n" + "\n".join(f"{k}: {label}" for k, label, _ in MANAGER_KEYS)
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
            f"<b>{self.store.name}</b> · 收银台 {self.store.terminal_id} · 收银员 {cashier}"
            f"<span style='float:right'> · {now:%Y-%m-%d %H:%M}</span>"
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
            self.say(f"✗ 内部错误: {err!r}", error=True)
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
        held = f"<p>挂单 {s.held} 笔 (F4 取单)</p>" if s.held else ""
        return f"<p style='color:#888;font-size:16px'>会员: 扫会员码或输入手机号 (F2)</p>{held}"

    def member_html(self, p: MemberPanel) -> str:
        prog = self.counter.program
        prog_line = ""
        if p.next_threshold is not None:
            have, need = p.basis, p.next_threshold
            fmt = (lambda v: f"￥{Money(v).plain()}") if p.basis_is_money else str
            pct = min(100, int(100 * have / need)) if need else 100
            bar = "▓" * (pct // 10) + "░" * (10 - pct // 10)
            prog_line = f"{prog.points_name} {fmt(have)} / {fmt(need)} {bar} → {p.next_tier}"
        valid = f"有效期至 {p.valid_through:%Y-%m-%d}" if p.valid_through else ""
        tier = f"● {p.tier_name} {valid}" if p.tier_name else "未达等级"
        rows = [
            f"<p style='font-size:18px'><b>会员 {p.masked}</b> {p.name}</p>",
            f"<p style='font-size:16px'>{tier}</p>",
            f"<p>{prog_line}</p>" if prog_line else "",
            f"<p>{prog.coin_name} <b>{p.coins}</b>"
            + (f" (30天内到期 {p.coins_expiring_30d})" if p.coins_expiring_30d else "")
            + "</p>",
            f"<p>储值 <b>￥{(p.principal + p.gift).plain()}</b> "
            f"(本金 {p.principal.plain()} 赠 {p.gift.plain()})</p>",
        ]
        if p.points and prog.points_pay:
            rows.append(f"<p>{prog.points_name} {p.points}</p>")
        chosen = f" · {p.coupons_chosen}" if p.coupons_chosen else ""
        rows.append(f"<p>优惠券 {p.coupons_usable} 张{chosen}</p>")
        if p.gifts_waiting:
            names = dict(GIFTS)
            gifts = "、".join(names.get(g, g) for g in p.gifts_waiting)
            rows.append(f"<p style='color:#b36b00'><b>{gifts}可领取 (F6)</b></p>")
        rows.append(f"<p>分群: {p.segment.name} → {p.segment.action}</p>")
        if p.coin_debt or p.sv_debt:
            rows.append(
                f"<p style='color:#b00020'><b>欠款: {prog.coin_name} {p.coin_debt}, "
                f"储值 ￥{p.sv_debt.plain()} (离线透支)</b></p>"
            )
        return "".join(rows)

    def _render_status(self) -> None:
        parts = []
        for name, state in sorted(self.statuses.items()):
            light = "●" if state in QUIET and state != "checking" else "○"
            parts.append(f"{name} {light} {QUIET.get(state) or PROBLEMS.get(state, state)}")
        self.status.setText("   ".join(parts) or "设备: 模拟")

    def set_device_status(self, name: str, state: str) -> None:
        """A problem (paper out, scanner unplugged, offline) becomes a banner until it clears."""
        self.statuses[name] = state
        problems = {k: v for k, v in self.statuses.items() if v not in QUIET}
        texts = [
            f"⚠ {k} {PROBLEMS.get(v, v)}" + (f" · {HINTS[k]}" if k in HINTS else "")
            for k, v in problems.items()
        ]
        if self.statuses.get("总部") == "offline":
            limit = self.counter.program.offline_spend_limit.plain()
            texts.append(
                f"离线销售中: {self.counter.program.coin_name}与储值每位会员每日合计限 "
                f"￥{limit}, 联网后自动同步"
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
            self.say(f"数量 {text[:-1]} ×  请扫码")
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
                self.say(f"扫码已暂存 ({len(self.held_scans)}), 关闭对话框后加入本单")
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
        self.op(lambda: self.counter.identify(code), lambda st: self.say(f"会员 {st.code} 已识别"))

    def focus_member(self) -> None:
        self.expect_entry("请扫会员码或输入手机号 (回车)", self.identify)

    def toggle_coupons(self) -> None:
        self.op(
            lambda: self.counter.choose_coupons(True), lambda _: self.say("已自动选择最优优惠券")
        )

    def pick_coupons(self) -> None:
        """Shift+F3: the cashier names the coupons (ids, space or comma separated); an empty
        line uses none. Without a member the till says one is needed."""
        panel = self.current.member if self.current else None
        if panel is None:
            self.op(lambda: self.counter.choose_coupons(False, ()))
            return
        code = panel.code

        def usable() -> list[str]:
            today = self.counter.now.date()
            state = self.counter.member_state(code)
            return [
                f"{c.id:<14} {c.name}  有效期至 {c.valid_through:%Y-%m-%d}"
                for c in state.coupons
                if c.usable_on(today)
            ]

        def ask(rows: list[str]) -> None:
            prompt = "输入券号 (空格分隔, 空 = 不用券), 回车确认"
            dlg = PickDialog("选择优惠券", rows, prompt, "", self)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            ids = [i for i in dlg.value.replace(",", " ").replace("，", " ").split() if i]
            self.op(
                lambda: self.counter.choose_coupons(False, ids),
                lambda _: self.say(f"已选择优惠券 {' '.join(ids) or '无'}"),
            )

        self.worker.run(usable, ask, self.refused)

    def remove_last_line(self) -> None:
        if self.current and self.current.lines:
            no = self.current.lines[-1].no
            self.op(lambda: self.counter.remove_line(no), lambda _: self.say(f"已删除第 {no} 行"))

    def void(self) -> None:
        if self.entry is not None:  # Esc first cancels a pending entry (F2, F10)
            self.entry = None
            self.say("已取消")
            return
        self.op(self.counter.void, lambda _: self.say("本单已作废"))

    def hold_or_recall(self) -> None:
        if self.current and self.current.lines:
            self.op(lambda: self.counter.hold(), lambda _: self.say("已挂单"))
            return

        def recall() -> Any:
            held = self.counter.held()
            if not held:
                raise PosError("没有挂单", code="no_held_sale")
            return self.counter.recall(held[0][0])

        self.op(recall, lambda _: self.say("已取单"))

    def claim_gifts(self) -> None:
        """F6: the gifts, which are waiting; Enter claims those waiting, a number claims that
        one (the till says why one cannot be claimed)."""
        panel = self.current.member if self.current else None
        waiting = panel.gifts_waiting if panel else ()
        rows = [
            f"{i}  {name}  {'可领取' if kind in waiting else '—'}"
            for i, (kind, name) in enumerate(GIFTS, 1)
        ]
        default = " ".join(str(i) for i, (k, _) in enumerate(GIFTS, 1) if k in waiting)
        dlg = PickDialog("领取会员礼券", rows, "输入序号 (回车领取)", default, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        kinds = dict((str(i), kind) for i, (kind, _) in enumerate(GIFTS, 1))
        kinds.update((kind, kind) for kind, _ in GIFTS)
        for choice in dlg.value.replace(",", " ").split():
            kind = kinds.get(choice, choice)
            self.op(
                partial(self.counter.claim_gift, kind),
                lambda cs: self.say(f"已领取 {len(cs)} 张优惠券"),
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
        self.last_receipt = sale.receipt_no
        self.say(f"✓ 已收款 小票 {sale.receipt_no} 找零 ￥{sale.record.change.plain()}")
        program, store, now = self.counter.program, self.store, self.counter.now
        self.print_job(sale.receipt_no, lambda: receipt_bytes(sale, program, store, 48, now=now))

    def print_job(self, job: str, render: Callable[[], bytes]) -> None:
        """Render a document and hand it to the printer (its spool) on the worker thread:
        it never waits for the device; a printer problem shows as the banner."""
        printer = self.printer
        if printer is None:
            return

        def failed(err: BaseException) -> None:
            self.say(f"✗ 打印 {job} 失败: {err}", error=True)
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
            self.say("充值: 请先识别会员 (F2)", error=True)
            return
        prog = self.counter.program

        def note(amount: Money) -> str:
            g = prog.recharge_gift(amount)
            if g is None:
                return "无赠送"
            gift = f"赠 ￥{g.gift_value.plain()} " if g.gift_value else ""
            return gift + (f"赠 {g.coins} {prog.coin_name}" if g.coins else "")

        def preview(amount: Money) -> str:
            g = prog.recharge_gift(amount)
            after = panel.principal + panel.gift + amount + (g.gift_value if g else Money(0))
            return f"{note(amount)} · 充后储值 ￥{after.plain()}"

        steps = "; ".join(
            f"满 ￥{g.at_least.plain()} {note(g.at_least)}" for g in prog.recharge_gifts
        )
        balance = (panel.principal + panel.gift).plain()
        prompt = f"给 {panel.masked} {panel.name} 充值 (现储值 ￥{balance})"
        if steps:
            prompt += f"\n充值礼: {steps}"
        dlg = AmountDialog("充值", prompt, preview, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        amount = dlg.value
        what = f"充值 ￥{amount.plain()} 给 {panel.masked}, {note(amount)}"
        self.ask_manager(
            what,
            lambda auth: self.op(
                lambda: self.counter.recharge(panel.code, amount, auth), self.recharged
            ),
        )

    def recharged(self, r: Any) -> None:
        self.happened.emit("recharged", r)
        self.say(f"✓ 已充值 ￥{r.amount.plain()}")
        program, store, now = self.counter.program, self.store, self.counter.now

        def render() -> bytes:
            doc = recharge_slip(r, program, store, now, 48, ref=r.ref, manager=r.manager)
            return render_escpos(doc, width=48)

        self.print_job(f"recharge-{r.ref}", render)

    def return_sale(self) -> None:
        """F10: scan the receipt, the whole sale comes back (a manager's PIN when the
        refund needs one)."""
        self.expect_entry(
            "退货: 请扫小票上的条码 (整单退, Shift+F10 按行退)", lambda r: self._return(r, None)
        )

    def return_lines(self) -> None:
        """Shift+F10: scan the receipt, then type which lines come back."""
        self.expect_entry("部分退货: 请扫小票上的条码", self._pick_return_lines)

    def _pick_return_lines(self, receipt: str) -> None:
        def ask(found: Any) -> None:
            _, record = found
            rows = [
                f"{ln.line_no:>2}  {ln.name}  × {ln.qty.plain().rstrip('0').rstrip('.')}"
                f"  ￥{ln.net.plain()}"
                for ln in record.lines
            ]
            prompt = "输入 行号x数量 (空格分隔, 如 1x2 3x0.5)"
            dlg = PickDialog(f"部分退货 · 小票 {receipt}", rows, prompt, "", self)
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
                f"退货 小票 {receipt}",
                lambda auth: self.op(
                    lambda: self.counter.return_sale(receipt, lines, auth), self.returned
                ),
            )

        self.op(
            lambda: self.counter.return_sale(receipt, lines, None), self.returned, needs_manager
        )

    def returned(self, r: Any) -> None:
        self.happened.emit("returned", r)
        self.say(f"✓ 已退货 小票 {r.receipt_no} 退款 ￥{r.record.refund.plain()}")
        self._cash_out(r)

    def _cash_out(self, r: Any) -> None:
        """A refund paid in cash: the drawer opens to pay it out."""
        if any(x.kind == "cash" and x.paid_out.fen > 0 for x in r.record.refunds):
            self.kick_drawer()

    def kick_drawer(self) -> None:
        drawer = self.drawer
        if drawer is not None:

            def done(kicked: bool) -> None:
                if not kicked:
                    self.say("钱箱未打开: 打印机未就绪 (钱箱接在打印机上)", error=True)

            self.worker.run(drawer, done, self.refused)

    def x_report(self) -> None:
        self.worker.run(self.shifts.x_report, self.show_report, self.refused)

    def show_report(self, report: Any, *, print_now: bool = False, manager: str = "") -> None:
        """A report on screen, P prints it; ``print_now`` prints it at once too (Z)."""
        rows = report.lines(coin_name=self.counter.program.coin_name)
        if manager:
            rows.append(("授权店长", "Authorized by", manager))
        title = rows[0][0] if rows and not rows[0][2] else "报表"
        lines = [f"{zh:<16}{value}" for zh, _, value in rows]
        store, now = self.store, self.counter.now

        def render() -> bytes:
            return render_escpos(report_slip(rows, None, store, 48, now), width=48)

        def send() -> None:
            self.print_job(f"{report.kind}-{datetime.now():%H%M%S%f}", render)

        if print_now:
            send()
        TextDialog(title, lines, self, send).exec()

    def handover(self) -> None:
        dlg = AmountDialog("交班", "清点钱箱现金", lambda m: f"实点 ￥{m.plain()}", self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        counted = dlg.value
        self.worker.run(lambda: self.shifts.handover(counted), self.show_report, self.refused)

    # ------------------------------------------------------------------ manager actions

    def manager_menu(self) -> None:
        """F1 店长: the manager's actions as a small keyboard menu (a number picks one)."""
        items = [(label, key) for key, label, _ in MANAGER_KEYS]
        dlg = MenuDialog("店长 · 需店长授权", items, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.choice is None:
            return
        getattr(self, MANAGER_KEYS[dlg.choice][2])()

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
            self.say("改价: 本单没有商品", error=True)
            return
        prompt = (
            f"第 {line.no} 行 {line.name} × {line.qty}\n"
            f"现单价 ￥{line.unit_price.plain()}, 输入新单价"
        )
        dlg = AmountDialog("改价", prompt, lambda m: f"新单价 ￥{m.plain()}", self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        price, no = dlg.value, line.no
        what = f"改价 第 {no} 行 {line.name}: ￥{line.unit_price.plain()} → ￥{price.plain()}"
        self.ask_manager(
            what,
            lambda auth: self.op(
                lambda: self.counter.override_price(no, price, auth),
                lambda _: self.say(f"✓ 第 {no} 行已改价 ￥{price.plain()}"),
            ),
        )

    def discount_sale(self) -> None:
        """整单折扣: an amount off the whole sale (replaces an earlier one)."""
        s = self.current
        if s is None or s.empty:
            self.say("整单折扣: 本单没有商品", error=True)
            return
        before = s.due + s.sale_discount

        def note(m: Money) -> str:
            return f"折后应收 ￥{Money(max(0, (before - m).fen)).plain()}"

        dlg = AmountDialog("整单折扣", f"应收 ￥{before.plain()}, 输入折扣金额", note, self)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.value is None:
            return
        amount = dlg.value
        self.ask_manager(
            f"整单折扣 ￥{amount.plain()} (应收 ￥{before.plain()}, {note(amount)})",
            lambda auth: self.op(
                lambda: self.counter.discount_sale(amount, auth),
                lambda _: self.say(f"✓ 整单折扣 ￥{amount.plain()}"),
            ),
        )

    def refund_stored_value(self) -> None:
        """退储值: the identified member's unused principal back in cash; the gift lapses."""
        panel = self.current.member if self.current else None
        if panel is None:
            self.say("退储值: 请先识别会员 (F2)", error=True)
            return
        if panel.principal.fen <= 0:
            self.say(f"退储值: {panel.masked} 没有可退的储值本金", error=True)
            return
        code = panel.code
        what = (
            f"退储值 给 {panel.masked}: 退现金 ￥{panel.principal.plain()}"
            f" (赠送 ￥{panel.gift.plain()} 作废)"
        )

        def done(refund: Money) -> None:
            self.happened.emit("sv_refunded", (code, refund))
            self.say(f"✓ 已退储值 ￥{refund.plain()} (现金), 赠送金额作废")
            self.kick_drawer()

        self.ask_manager(
            what,
            lambda auth: self.op(lambda: self.counter.refund_stored_value(code, auth), done),
        )

    def void_receipt(self) -> None:
        """作废已结小票: scan the receipt; the whole sale is reversed (a manager's void)."""
        self.expect_entry("作废已结小票: 请扫小票上的条码 (Esc 取消)", self._void_receipt)

    def _void_receipt(self, receipt: str) -> None:
        def ask(found: Any) -> None:
            _, record = found
            self.ask_manager(
                f"作废小票 {receipt} (￥{record.total_due.plain()}, 全额退回)",
                lambda auth: self.op(lambda: self.counter.void_sale(receipt, auth), self.voided),
            )

        self.worker.run(lambda: self.counter.find_sale(receipt), ask, self.refused)

    def voided(self, r: Any) -> None:
        self.happened.emit("voided", r)
        self.say(f"✓ 已作废小票 {r.receipt_no} 退款 ￥{r.record.refund.plain()}")
        self._cash_out(r)

    def open_drawer(self) -> None:
        """开钱箱 without a sale: a reason, the manager's PIN; audited, then the kick."""
        rows = [f"{i}  {r}" for i, r in enumerate(DRAWER_REASONS, 1)]
        dlg = PickDialog("开钱箱", rows, "输入序号或原因 (回车)", "", self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dlg.value
        n = int(choice) if choice.isdigit() else 0
        reason = DRAWER_REASONS[n - 1] if 1 <= n <= len(DRAWER_REASONS) else choice
        drawer = self.drawer

        def run(auth: Any) -> bool | None:
            self.shifts.open_drawer(auth, reason)  # refuses without a manager or a reason
            return drawer() if drawer is not None else None

        def done(kicked: bool | None) -> None:
            self.happened.emit("drawer", reason)
            if kicked is False:
                self.say(f"已记录开钱箱 ({reason}), 但钱箱未打开: 打印机未就绪", error=True)
            else:
                self.say(f"✓ 钱箱已打开 ({reason})" if kicked else f"✓ 已记录开钱箱 ({reason})")

        self.ask_manager(f"开钱箱: {reason}", lambda auth: self.op(lambda: run(auth), done))

    def z_report(self) -> None:
        """日结 (Z): once a day, after the handover; shown on screen and printed."""
        day = self.counter.now.date()

        def run(auth: Any) -> None:
            if auth is None:
                self.refused(RuleViolation("日结需要店长授权", code="manager_required"))
                return

            def done(report: Any) -> None:
                self.happened.emit("z_report", report)
                self.say(f"✓ 已日结 {day.isoformat()} (Z {report.z_no})")
                self.show_report(report, print_now=True, manager=auth.name)

            self.worker.run(lambda: self.shifts.z_report(manager=auth), done, self.refused)

        self.ask_manager(f"日结 {day.isoformat()} (Z 报表): 之后今日不能再收款", run)

    # ------------------------------------------------------------------ members and cards

    def register_member(self) -> None:
        """F7: a new member at the counter (card code, mobile, birthday)."""
        dlg = FormDialog(
            "注册会员",
            [
                ("code", "会员卡号", False),
                ("phone", "手机号", False),
                ("birthday", "生日 (YYYY-MM-DD, 可空)", False),
                ("name", "姓名 (可空)", False),
            ],
            "新会员注册后即得新会员礼; 扫会员卡识别后使用",
            self,
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()

        def done(state: Any) -> None:
            self.happened.emit("registered", state)
            self.say(f"✓ 已注册会员 {state.code}")

        self.op(
            lambda: self.counter.register(
                v["code"], v["phone"], birthday=v["birthday"] or None, name=v["name"]
            ),
            done,
        )

    def sell_card(self) -> None:
        """F5: sell a prepaid card: its number, PIN and face value, then take the money."""
        values = " / ".join(v.plain() for v in self.counter.program.prepaid_card_values)
        dlg = FormDialog(
            "售充值卡",
            [("number", "卡号", False), ("pin", "密码", True), ("value", "面值", False)],
            f"面值: {values}" if values else "本方案不售充值卡",
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
        pay.setWindowTitle(f"售卡收款 · {v['number']}")
        if pay.exec() != QDialog.DialogCode.Accepted:
            if pay.refusal is not None:
                self.refused(pay.refusal)
            return
        tenders = pay.requests()

        def done(_: Any) -> None:
            self.happened.emit("card_sold", (v["number"], value))
            self.say(f"✓ 已售充值卡 {v['number']} ￥{value.plain()}")

        self.op(lambda: self.counter.sell_card(v["number"], v["pin"], value, tenders), done)

    def load_card(self) -> None:
        """Shift+F5: a prepaid card's value onto the identified member's stored value."""
        panel = self.current.member if self.current else None
        if panel is None:
            self.say("绑卡: 请先识别会员 (F2)", error=True)
            return
        code = panel.code
        fields = [("number", "卡号", False), ("pin", "密码", True)]
        dlg = FormDialog("充值卡绑定", fields, f"给 {panel.masked}", self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        v = dlg.values()

        def done(state: Any) -> None:
            self.happened.emit("card_loaded", (v["number"], state))
            self.say(f"✓ 充值卡 {v['number']} 已存入储值")

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
