"""``pos-terminal run --script SCENARIO.json``: a scenario played on the real window.

Where ``replay`` calls the counter services, this presses the cashier's keys and
simulates the scanner: an ``identify`` is a scanned member code (or the phone typed
and Enter), ``pay`` is F8 and one function key plus a typed amount per tender,
``recharge`` is F9, the amount, its tender's number, the manager's PIN... Dialogs are
answered as they open (the modal widget is polled, as the UI tests do). What the till does comes
back through ``MainWindow.happened`` (paid, recharged, returned, refused...) and is
written in replay's format, so both outputs can be compared (tests/ui/test_script.py).

Not cashier actions, done by the script itself: the clock (``at``, ``advance``) and
the nightly expiry job that ``advance`` runs (``Counter.apply_due``, on the worker).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from terminal.app.counter import CommittedSale, Counter, RechargeResult, ReturnResult
from terminal.app.ids import IdSource, ReplayIds, UuidIds
from terminal.app.replay import (
    CASHIER,
    PINS,
    STAFF,
    check_store,
    member_json,
    read_scenario,
    return_json,
    sale_json,
    write_setup,
)
from terminal.app.shifts import Shifts
from terminal.clock import FixedClock
from terminal.errors import PosError, RuleViolation
from terminal.printing.layout import StoreInfo
from terminal.store.db import open_store
from ui.desks.members import GIFTS
from ui.desks.money import TENDERS as RECHARGE_TENDERS
from ui.dialogs import (
    AmountDialog,
    ChoiceDialog,
    ConfirmDialog,
    FormDialog,
    PickDialog,
    PinDialog,
)
from ui.main_window import MainWindow
from ui.qt import QApplication, QDialog, QEventLoop, QLineEdit, QProgressDialog, Qt, QTest, QTimer
from ui.tender_dialog import TENDERS, TenderDialog
from ui.worker import Worker

TENDER_KEYS = {kind: key for key, kind, _ in TENDERS}
Act = Callable[[QDialog], None]


class ScriptError(Exception):
    """The script itself went wrong (a dialog never closed, a key the till ignored)."""


def wait_until(pred: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    """Run Qt's event loop until ``pred()`` holds (no fixed sleeps; checked every 5 ms)."""
    if pred():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    late: list[bool] = []

    def check() -> None:
        if pred():
            loop.quit()
        elif time.monotonic() > deadline:
            late.append(True)
            loop.quit()

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(check)
    timer.start()
    while not late and not pred():
        # pred() may have held for a moment inside a dialog's own loop (the dialog just
        # closed, the operation it starts not queued yet): check again out here
        loop.exec()
    timer.stop()
    if late:
        raise ScriptError(f"timed out waiting for {what or 'the till'}")


@dataclass
class Expect:
    kind: type[QDialog]
    act: Act


class Dialogs:
    """Answers modal dialogs in the order they are expected; one that nobody expects is
    cancelled and reported. Expectations left over when an event ends are dropped (a
    manager's PIN is asked only when the refund needs one)."""

    def __init__(self) -> None:
        self.queue: list[Expect] = []
        self.unexpected: list[str] = []
        self.failures: list[BaseException] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def expect(self, kind: type[QDialog], act: Act) -> None:
        self.queue.append(Expect(kind, act))

    def _poll(self) -> None:
        w = QApplication.activeModalWidget()
        if not isinstance(w, QDialog) or not w.isVisible() or w.property("scripted"):
            return
        if isinstance(w, QProgressDialog):  # the till at work (a Z): it closes itself
            return
        if not w.isActiveWindow():  # keys go to the active window: wait until it is
            w.activateWindow()
            return
        w.setProperty("scripted", True)
        if not self.queue or not isinstance(w, self.queue[0].kind):
            self.unexpected.append(type(w).__name__)
            w.reject()
            return
        act = self.queue.pop(0).act
        try:
            act(w)
        except BaseException as e:  # re-raised by the script once the event has settled
            self.failures.append(e)
            w.reject()

    def end_event(self) -> None:
        self.queue.clear()

    def stop(self) -> None:
        self.timer.stop()


def typed(w: QLineEdit, text: str, enter: bool = True) -> None:
    """Replace a field's text by typing it, then Enter. Chinese arrives as an input
    method commits it (inserted), everything else key by key."""
    w.clear()
    for ch in text:
        if ch.isascii():
            QTest.keyClicks(w, ch)
        else:
            w.insert(ch)
    if enter:
        QTest.keyClick(w, Qt.Key.Key_Return)


class ScriptRunner:
    """The store set up as replay does, the real window over it, the events played."""

    def __init__(
        self,
        app: QApplication,
        db: Path,
        scenario: Any,
        *,
        store_name: str = "replay",
        cashier_name: str = "",
    ) -> None:
        self.app = app
        self.sc = sc = read_scenario(scenario)  # ScenarioError: malformed, as replay
        fresh = not db.exists()
        self.sessions = sessions = open_store(db)
        self.clock = clock = FixedClock(sc.start)
        # as replay: the store's own terminal id (a provisioned till's rows must stay its
        # own, or HQ refuses every later push), staff and prices; a refusal writes nothing
        till = check_store(sessions, sc, db, store_name)
        # a fresh store gets replay's readable ids (coupon ids then match replay's); a store
        # that already holds sales gets unique ones, as a till does
        ids: IdSource = ReplayIds(till.terminal) if fresh else UuidIds()
        write_setup(sessions, sc, till, ids, clock, db)
        shifts = Shifts(sessions, clock, ids, till.terminal)
        self.counter = Counter(
            sessions, sc.program, clock, ids, terminal_id=till.terminal, cashier=CASHIER
        )
        self.worker = Worker()
        cashier = cashier_name or next(name for sid, name, _, _ in STAFF if sid == CASHIER)
        store = StoreInfo(till.store, till.terminal, cashier)
        self.printed: list[tuple[str, bytes]] = []
        self.window = MainWindow(
            self.counter,
            self.worker,
            shifts=shifts,
            store=store,
            printer=lambda job, data: self.printed.append((job, data)),
        )
        self.window.happened.connect(self._happened)
        self.members = [o.code for o in sc.members]
        self.receipts: list[str] = []
        self.out: dict[str, list[Any]] = {
            "sales": [],
            "recharges": [],
            "returns": [],
            "errors": [],
            "members": [],
            "cards": [],
        }
        self.event = -1
        self.registered: list[str] = []
        self.dialogs: Dialogs | None = None

    # ------------------------------------------------------------------ what the till says

    def _happened(self, what: str, obj: Any) -> None:
        if what == "refused":
            assert isinstance(obj, PosError)
            self.error(obj)
        elif what == "paid":
            assert isinstance(obj, CommittedSale)
            self.receipts.append(obj.receipt_no)
            self.out["sales"].append(sale_json(len(self.receipts), obj))
        elif what == "recharged":
            assert isinstance(obj, RechargeResult)
            self.out["recharges"].append(
                {
                    "code": obj.code,
                    "amount": obj.amount.plain(),
                    "gift": obj.gift.plain(),
                    "coins_granted": obj.coins,
                    **({"promotions": list(obj.promotions)} if obj.promotions else {}),
                }
            )
        elif what == "returned":
            assert isinstance(obj, ReturnResult)
            n = self.receipts.index(obj.receipt_no) + 1 if obj.receipt_no in self.receipts else 0
            self.out["returns"].append(return_json(n, obj))
        elif what == "registered":
            self.registered.append(obj.code)
        elif what == "card_sold":
            number, value = obj
            self.out["cards"].append({"number": number, "value": value.plain(), "state": "sold"})
        elif what == "card_loaded":
            for c in self.out["cards"]:
                if c["number"] == obj[0]:
                    c["state"] = "loaded"

    def error(self, e: PosError) -> None:
        self.out["errors"].append({"event": self.event, "error": e.code, "message": e.message})

    def unsupported(self, why: str) -> None:
        self.error(
            RuleViolation(f"not playable on the window: {why}", code="unsupported_in_script")
        )

    # ------------------------------------------------------------------ driving the window

    @property
    def expect(self) -> Callable[[type[QDialog], Act], None]:
        assert self.dialogs is not None
        return self.dialogs.expect

    def settle(self) -> None:
        """Every queued operation done and no dialog open."""
        wait_until(
            lambda: self.worker.busy == 0 and QApplication.activeModalWidget() is None,
            what="the till to finish",
        )
        if self.dialogs is not None and self.dialogs.failures:
            raise ScriptError(f"event {self.event}: {self.dialogs.failures[0]!r}")

    def answer(self, kind: type[QDialog], field: str, text: str) -> None:
        """Expect a ``kind`` dialog; type ``text`` into its ``field``, then Enter."""

        def act(d: QDialog) -> None:
            assert isinstance(d, kind)
            typed(getattr(d, field), text)

        self.expect(kind, act)

    def key(
        self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        """A function key on the till (given focus back first, as after a dialog)."""
        w = self.window
        if not w.isActiveWindow():
            w.activateWindow()
            wait_until(w.isActiveWindow, 5, "the window to be active")
        QTest.keyClick(w, key, modifier)

    def type_line(self, text: str) -> None:
        """Typed into the input line, then Enter (what a keyboard-wedge scanner does too)."""
        typed(self.window.input, text)

    def scan(self, code: str) -> None:
        """A simulated scan."""
        self.window.handle_code(code)

    # ------------------------------------------------------------------ playing

    def play(self) -> dict[str, list[Any]]:
        """Every event of the scenario, then the outputs."""
        self.start()
        try:
            for ev in self.sc.events:
                self.play_event(ev)
        finally:
            self.stop()
        return self.results()

    def start(self) -> None:
        w = self.window
        w.resize(1366, 768)
        w.show()
        w.activateWindow()
        wait_until(w.isVisible, 5, "the window")
        self.dialogs = Dialogs()
        self.settle()

    def stop(self) -> None:
        if self.dialogs is not None:
            self.dialogs.stop()

    def results(self) -> dict[str, list[Any]]:
        out = dict(self.out)
        out["members"] = [
            member_json(self.counter.member_state(c), self.clock.now().date(), self.counter.program)
            for c in [*self.members, *self.registered]
        ]
        if not out["cards"]:
            del out["cards"]
        return out

    def play_event(self, ev: dict[str, Any]) -> None:
        """One event on the window, waited for; what it was refused lands in ``errors``."""
        assert self.dialogs is not None
        self.event += 1
        try:
            if "at" in ev:
                self.move(datetime.fromisoformat(ev["at"]))
            handler: Callable[[dict[str, Any]], None] = getattr(self, f"_do_{ev['do']}")
            handler(ev)
        except PosError as e:  # the script's own refusals (the clock)
            self.error(e)
        self.settle()
        self.dialogs.end_event()
        for name in self.dialogs.unexpected:
            self.error(RuleViolation(f"unexpected dialog {name}", code="script_unexpected_dialog"))
        self.dialogs.unexpected.clear()

    def move(self, when: datetime) -> None:
        if when < self.clock.now():
            raise RuleViolation(
                f"time cannot go back to {when.isoformat()}", code="clock_backwards"
            )
        self.clock.set(when)
        self.window.tick()

    # ------------------------------------------------------------------ events

    def identify(self, text: str) -> None:
        sale = self.counter.sale
        if sale is not None and sale.lines and sale.member is not None:
            try:
                code: str | None = self.counter.resolve_member(text)
            except PosError:
                code = None  # refused: no question, the window says why
            if code is not None and code != sale.member:  # replay replaces: Enter
                self.expect(ConfirmDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
        if text.startswith("M"):
            self.scan(text)  # the member card under the scanner
        elif len(text) == 11 and text.startswith("1") and text.isdigit():
            self.type_line(text)  # the phone, typed
        else:
            self.key(Qt.Key.Key_F2)  # F2: what comes next is a member, whatever it looks like
            self.type_line(text)

    def _do_identify(self, ev: dict[str, Any]) -> None:
        self.identify(str(ev.get("code") or ev.get("phone")))

    def _do_scan(self, ev: dict[str, Any]) -> None:
        if "qty" in ev:
            self.type_line(f"{ev['qty']}*")
        self.scan(str(ev["code"]))

    def _do_coupons(self, ev: dict[str, Any]) -> None:
        if ev.get("auto", False):
            self.key(Qt.Key.Key_F3)
            return
        ids = " ".join(str(i) for i in ev.get("ids", []))
        self.answer(PickDialog, "entry", ids)
        self.key(Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)

    def _do_claim(self, ev: dict[str, Any]) -> None:
        numbers = {kind: str(i) for i, (kind, _) in enumerate(GIFTS, 1)}
        choice = numbers.get(str(ev["gift"]), str(ev["gift"]))
        self.answer(PickDialog, "entry", choice)
        self.key(Qt.Key.Key_F6)

    def tender(self, tenders: list[dict[str, Any]]) -> Act:
        """Answer the tender dialog: per tender its key, the amount (or count), Enter."""

        def act(d: QDialog) -> None:
            assert isinstance(d, TenderDialog)
            for t in tenders:
                kind = str(t.get("kind", ""))
                if not d.isVisible():
                    raise ScriptError(f"the tender dialog closed before the {kind} tender")
                if kind not in TENDER_KEYS:
                    self.unsupported(f"no key for tender {kind!r}")
                    d.reject()
                    return
                QTest.keyClick(d, getattr(Qt.Key, f"Key_{TENDER_KEYS[kind]}"))
                if d.refusal is None:
                    value = t.get(kind) if kind in ("coins", "points") else t.get("amount")
                    typed(d.amount, str(value))
                if d.refusal is not None:  # refused here: cancel, the window says why
                    QTest.keyClick(d, Qt.Key.Key_Escape)
                    return
            if d.isVisible():  # not covered: hand it over as entered, the till decides
                typed(d.amount, "")
            if d.isVisible():  # nothing entered at all
                QTest.keyClick(d, Qt.Key.Key_Escape)

        return act

    def _do_pay(self, ev: dict[str, Any]) -> None:
        self.expect(TenderDialog, self.tender(ev["tenders"]))
        # refused after it closed, the dialog opens again with the tenders: cancelled
        # (the refusal was said once, as replay records it); unused when it paid
        self.expect(TenderDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Escape))
        self.key(Qt.Key.Key_F8)

    def _do_void(self, ev: dict[str, Any]) -> None:
        """Esc; a sale with lines asks to confirm: Enter takes the first reason."""
        if self.window.current is not None and self.window.current.lines:
            self.expect(PickDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
        self.key(Qt.Key.Key_Escape)

    def pin(self, manager: str | None) -> Act:
        """The manager's code and PIN, Enter; the dialog checks them before it closes. A
        refused PIN keeps it open (saying why): Esc, and the window says the refusal."""

        def act(d: QDialog) -> None:
            assert isinstance(d, PinDialog)
            if manager is None:  # no manager at hand: cancelled, the till refuses
                QTest.keyClick(d, Qt.Key.Key_Escape)
                return
            typed(d.manager, manager, enter=False)
            typed(d.pin, PINS.get(manager, ""))
            wait_until(lambda: not d.checking, what="the manager's PIN to be checked")
            if d.isVisible():
                QTest.keyClick(d, Qt.Key.Key_Escape)

        return act

    def with_member(self, code: str, act: Callable[[], None]) -> None:
        """Member services (recharge, card load) act on the identified member: identify
        them by a scan, act, and leave the open sale as it was (parked with F4 and taken
        back, or the member-only sale voided)."""
        sale = self.counter.sale
        if sale is not None and sale.member == code:
            act()
            return
        held = sale is not None and bool(sale.lines)
        previous = sale.member if sale is not None else None
        if held:
            self.key(Qt.Key.Key_F4)  # 挂单
            self.settle()
        self.identify(code)
        self.settle()
        now = self.counter.sale
        if now is None or now.member != code:  # refused (unknown, blocked): the window said why
            if held:
                self.recall_last()
            return
        act()
        self.settle()
        self.restore(held, previous)

    def restore(self, held: bool, previous: str | None) -> None:
        """The sale as it was before a member service: the member-only sale voided and
        the parked one taken back, or the previous member identified again."""
        if held:
            if self.counter.sale is not None:
                self.key(Qt.Key.Key_Escape)
                self.settle()
            self.recall_last()
        elif previous is not None:
            if self.counter.sale is None or self.counter.sale.member != previous:
                self.identify(previous)
        elif self.counter.sale is not None:
            self.key(Qt.Key.Key_Escape)

    def recall_last(self) -> None:
        """F4 on the empty sale lists the held sales: the one parked last is the last row."""
        n = len(self.counter.held())

        def pick(d: QDialog) -> None:
            assert isinstance(d, ChoiceDialog)
            typed(d.entry, str(n))

        self.expect(ChoiceDialog, pick)
        self.key(Qt.Key.Key_F4)  # 取单

    def _do_recharge(self, ev: dict[str, Any]) -> None:
        tender = str(ev.get("tender", "cash"))
        kinds = [t for t, _ in RECHARGE_TENDERS]
        if tender not in kinds:  # the counter refuses it: the till offers no such choice
            self.unsupported(f"no recharge tender {tender!r}")
            return
        manager = ev.get("manager")

        def act() -> None:
            self.answer(AmountDialog, "amount", str(ev["amount"]))
            self.answer(ChoiceDialog, "entry", str(kinds.index(tender) + 1))
            self.expect(PinDialog, self.pin(str(manager) if manager is not None else None))
            self.key(Qt.Key.Key_F9)

        self.with_member(str(ev["code"]), act)

    def _do_return(self, ev: dict[str, Any]) -> None:
        n = ev["receipt"]
        ok = isinstance(n, int) and 1 <= n <= len(self.receipts)
        receipt = self.receipts[n - 1] if ok else f"#{n}"  # the till: no such receipt
        manager = ev.get("manager")
        if "lines" in ev:
            lines = " ".join(f"{x['line']}x{x.get('qty', '1')}" for x in ev["lines"])
            self.answer(PickDialog, "entry", lines)
        # the preview (what goes back where) is confirmed, then the PIN if it needs one
        self.expect(ConfirmDialog, lambda d: QTest.keyClick(d, Qt.Key.Key_Return))
        self.expect(PinDialog, self.pin(str(manager) if manager is not None else None))
        if "lines" in ev:
            self.key(Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
        else:
            self.key(Qt.Key.Key_F10)
        self.type_line(receipt)

    def form(self, values: list[str]) -> Act:
        """Each field typed and Enter (to the next field; on the last, the form checks
        them all): a field the form refuses keeps it open, saying why: cancelled."""

        def act(d: QDialog) -> None:
            assert isinstance(d, FormDialog)
            for edit, value in zip(d.fields.values(), values, strict=True):
                typed(edit, value)
            if d.isVisible():
                if d.refusal is not None:
                    self.error(d.refusal)
                QTest.keyClick(d, Qt.Key.Key_Escape)

        return act

    def _do_register(self, ev: dict[str, Any]) -> None:
        """F7. The window puts the new member on the sale; replay does not: the sale is
        parked first and taken back after (or the member-only sale voided)."""
        values = [ev["code"], ev["phone"], ev.get("birthday") or "", ev.get("name", "")]
        sale = self.counter.sale
        held = sale is not None and bool(sale.lines)
        previous = sale.member if sale is not None else None
        if held:
            self.key(Qt.Key.Key_F4)  # 挂单
            self.settle()
        self.expect(FormDialog, self.form([str(v) for v in values]))
        self.key(Qt.Key.Key_F7)
        self.settle()
        self.restore(held, previous)

    def _do_sell_card(self, ev: dict[str, Any]) -> None:
        self.expect(FormDialog, self.form([str(ev["number"]), str(ev["pin"]), str(ev["value"])]))
        self.expect(TenderDialog, self.tender(ev["tenders"]))
        self.key(Qt.Key.Key_F5)

    def _do_load_card(self, ev: dict[str, Any]) -> None:
        def act() -> None:
            self.expect(FormDialog, self.form([str(ev["number"]), str(ev["pin"])]))
            self.key(Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)

        self.with_member(str(ev["code"]), act)

    def _do_advance(self, ev: dict[str, Any]) -> None:
        self.move(datetime.fromisoformat(ev["to"]))
        # the nightly job, not a cashier action: expiries that fell due are recorded
        self.worker.run(
            self.counter.apply_due, lambda _: self.window.refresh(), self.window.refused
        )

    def _do_sync(self, ev: dict[str, Any]) -> None:
        """No HQ here: nothing to do (scenario-format.md)."""

    # ------------------------------------------------------------------ the end

    def screenshot(self, path: Path) -> None:
        self.settle()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.window.grab().save(str(path)):
            raise ScriptError(f"cannot save a screenshot to {path}")

    def close(self) -> None:
        self.window.close()
        self.worker.shutdown()
        self.window.deleteLater()
        self.sessions.kw["bind"].dispose()


def run_script(
    app: QApplication, db: Path, scenario: dict[str, Any], screenshot: Path | None
) -> dict[str, list[Any]]:
    """Play ``scenario`` on the window over the store at ``db``; replay's output format."""
    runner = ScriptRunner(app, db, scenario)
    try:
        out = runner.play()
        if screenshot is not None:
            runner.screenshot(screenshot)
        return out
    finally:
        runner.close()
