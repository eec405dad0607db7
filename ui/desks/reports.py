"""Reports on screen: the X (F11), the handover's and the Z (日结, manager).

A report opens on its summary (net sales, each tender, the cash expected and counted,
over/short in green or red), the full report scrolls below it, and the dialog is never
taller than the screen; P prints it. The Z shows a progress dialog while it runs (a big
day takes seconds), fed by ``Shifts.z_report``'s progress callback where it has one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any

from terminal.app.reports import Report
from terminal.errors import RuleViolation
from terminal.money import Money
from ui.desks.base import Desk
from ui.desks.held import HeldDesk
from ui.dialogs import TextDialog
from ui.lang import english
from ui.qt import QT_TRANSLATE_NOOP, QProgressDialog, Qt, QTimer

TENDER_NAMES = {  # the summary's tender rows (coins take the program's coin name)
    "cash": QT_TRANSLATE_NOOP("ReportsDesk", "现金"),
    "card": QT_TRANSLATE_NOOP("ReportsDesk", "银行卡"),
    "mobile": QT_TRANSLATE_NOOP("ReportsDesk", "移动支付"),
    "stored_value": QT_TRANSLATE_NOOP("ReportsDesk", "储值"),
    "points": QT_TRANSLATE_NOOP("ReportsDesk", "积分"),
}


def yuan(m: Money) -> str:
    return f"￥{m.plain()}"


class ReportsDesk(Desk):
    def x_report(self) -> None:
        """F11: the open shift so far (read-only, as often as wanted)."""
        self.w.worker.run(self.w.shifts.x_report, self.show_report, self.w.refused)

    # ------------------------------------------------------------------ the dialog

    def summary(self, r: Report) -> list[tuple[str, str, str]]:
        """(label, value, tone) rows: what the cashier and the manager check first."""
        net = r.sales.amount - r.returns.amount
        rows = [(self.tr("净销售额 (销售 - 退款)"), yuan(net), "")]
        coin = self.w.counter.program.coin_name
        for t in r.sales.by_tender:
            back = r.returns.tender(t.kind).amount
            if not (t.count or back.fen or t.kind == "cash"):
                continue
            name = coin if t.kind == "coins" else self.tr(TENDER_NAMES.get(t.kind, t.kind))
            rows.append(("  " + name, yuan(t.amount - back), ""))
        if r.recharges.count:
            rows.append((self.tr("充值收款"), yuan(r.recharges.amount), ""))
        rows.append((self.tr("应有现金"), yuan(r.expected_cash), ""))
        if r.counted_cash is not None:
            rows.append((self.tr("实点现金"), yuan(r.counted_cash), ""))
        if r.difference is not None:
            d = r.difference
            if d.fen > 0:
                label, tone, value = self.tr("长款"), "good", f"+{yuan(d)}"
            elif d.fen < 0:
                label, tone, value = self.tr("短款"), "bad", f"-￥{Money(-d.fen).plain()}"
            else:
                label, tone, value = self.tr("长短款: 无差额"), "good", yuan(d)
            rows.append((label, value, tone))
        return rows

    def show_report(self, report: Any, *, print_now: bool = False, manager: str = "") -> None:
        """A report on screen, P prints it; ``print_now`` prints it at once too (Z)."""
        w = self.w
        rows = report.lines(coin_name=w.counter.program.coin_name)
        if manager:
            rows.append(("授权店长", "Authorized by", manager))
        # the report's rows carry their English labels: on screen in the till's language
        # (the slip prints the Chinese ones, as the store files it)
        shown = [(en if english() and en.strip() else zh, v) for zh, en, v in rows]
        title = shown[0][0] if shown and not shown[0][1] else self.tr("报表")
        docs, now = w.documents, w.counter.now

        def render() -> bytes:
            return docs.report(rows, now=now)

        def send() -> None:
            w.print_job(f"{report.kind}-{datetime.now():%H%M%S%f}", render)

        if print_now:
            send()
        summary = self.summary(report) if isinstance(report, Report) else None
        TextDialog(title, [], w, send, rows=shown, summary=summary).exec()

    # ------------------------------------------------------------------ the Z

    def z_report(self) -> None:
        """日结 (Z): once a day, after the handover; sales still held are confirmed first;
        shown on screen and printed."""
        w = self.w
        if not self.peer(HeldDesk).confirm_none_held(self.tr("日结")):
            return
        day = w.counter.now.date()

        def run(auth: Any) -> None:
            if auth is None:
                why = self.tr("日结需要店长授权")
                w.refused(RuleViolation(why, code="manager_required", case="day_close"))
                return

            def done(report: Any) -> None:
                w.happened.emit("z_report", report)
                closed = self.tr("✓ 已日结 {day} (Z {z})")
                w.say(closed.format(day=day.isoformat(), z=report.z_no))
                self.show_report(report, print_now=True, manager=auth.name)

            self.with_progress(
                self.tr("日结 {day}: 正在汇总当日账本…").format(day=day.isoformat()),
                lambda progress: self.run_z(auth, progress),
                done,
            )

        what = self.tr("日结 {day} (Z 报表): 之后今日不能再收款").format(day=day.isoformat())
        w.ask_manager(what, run)

    def run_z(self, auth: Any, progress: Callable[[int, int], None]) -> Report:
        """On the worker: the Z, reporting its progress where the service can."""
        z = self.w.shifts.z_report
        if "progress" in inspect.signature(z).parameters:
            report: Report = z(manager=auth, progress=progress)
        else:
            report = z(manager=auth)
        return report

    def with_progress(
        self,
        text: str,
        job: Callable[[Callable[[int, int], None]], Any],
        done: Callable[[Any], None],
    ) -> None:
        """``job(progress)`` on the worker under a modal progress dialog (busy until the
        first ``progress(done, total)``); it closes before ``done`` or the refusal. The
        worker only writes the latest figures; a timer here shows them (no Python object
        crosses threads through Qt: ui.worker)."""
        dlg = QProgressDialog(text, "", 0, 0, self.w)
        dlg.setWindowTitle(self.tr("请稍候"))
        dlg.setCancelButton(None)  # a Z cannot be stopped half way: it is one transaction
        dlg.setWindowModality(Qt.WindowModality.ApplicationModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.setMinimumWidth(420)
        latest: list[tuple[int, int]] = []

        def progress(n: int, total: int) -> None:  # on the worker thread
            latest[:] = [(n, total)]

        def show() -> None:
            if latest and latest[0][1] > 0:
                n, total = latest[0]
                dlg.setMaximum(total)
                dlg.setValue(min(n, total))

        timer = QTimer(dlg)
        timer.setInterval(100)
        timer.timeout.connect(show)

        def close() -> None:
            timer.stop()
            dlg.close()
            dlg.deleteLater()

        def ok(result: Any) -> None:
            close()
            done(result)

        def failed(err: BaseException) -> None:
            close()
            self.w.refused(err)

        dlg.show()
        timer.start()
        self.w.worker.run(lambda: job(progress), ok, failed)
