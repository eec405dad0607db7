"""``pos-terminal run``: the till's window over a store, with devices wired in.

The devices come from the till's settings (``ui.devices``): serial scanners polled
into the sale, the keyboard-wedge detector, the spooled print queue (its state on
the status bar, paper out as the banner) and the drawer on the printer. With
``--demo`` and no device settings: a fake printer and no serial scanner.
``--customer-display`` (or the setting ``customer_display = on``) opens the
customer-facing window, on the second screen when there is one. ``--receipts DIR``
keeps a copy of every printed document (its ESC/POS bytes) in DIR, as ``replay
--receipts`` does: how a store without a printer, or a test of the installed app,
reads what the till printed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.errors import PosError
from ui.fonts import install_cjk_font
from ui.lang import SOURCE
from ui.lang import install as install_language
from ui.qt import (
    QApplication,
    QEvent,
    QGuiApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    Qt,
    QTimer,
    QTranslator,
    QWidget,
)

if TYPE_CHECKING:  # the store, the counter and the window are imported after the first frame
    from ui.main_window import MainWindow
    from ui.worker import Worker


Printer = Callable[[str, bytes], None]  # ui.main_window's, not imported before the first frame


def demo_db_path() -> Path:
    from terminal.datadir import data_dir

    return data_dir() / "demo.sqlite"


def receipt_copies(folder: Path, printer: Printer | None) -> Printer:
    """``--receipts DIR``: each document is written to ``DIR/<job>.bin`` (the exact ESC/POS
    bytes), then handed to ``printer``. Called on the worker thread, like the printer."""

    def print_and_keep(job: str, data: bytes) -> None:
        if printer is not None:  # the customer's receipt first: a copy that fails costs it nothing
            printer(job, data)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (re.sub(r"[^\w.-]", "_", job) + ".bin")).write_bytes(data)

    return print_and_keep


def ensure_demo(path: Path) -> None:
    """The demo store: generated once (a few thousand products, tens of thousands of
    members), then reused."""
    if path.exists():
        return
    from terminal.app.demo import generate

    print(f"creating the demo store at {path} ...", file=sys.stderr)
    generate(path)


def build(
    db: Path,
    printer: Callable[[str, bytes], None] | None = None,
    *,
    demo: bool = False,
    lang: str | None = None,
    sign_in: bool = False,
) -> tuple[MainWindow, Worker]:
    """The window over the store at ``db``; with ``lang`` the language is chosen first
    (``--lang``, else the store's ``language`` setting), as the window's texts are set
    when it is built."""
    from devices.printer.documents import Documents
    from terminal.app.counter import Counter
    from terminal.app.ids import UuidIds
    from terminal.app.programs import HeldPrograms
    from terminal.app.shifts import Shifts
    from terminal.clock import SystemClock
    from terminal.money import Money
    from terminal.printing.layout import StoreInfo
    from terminal.store.db import open_store
    from ui.hq_link import HqLink
    from ui.main_window import MainWindow
    from ui.worker import Worker

    sessions = open_store(db)  # a damaged file: StoreDamaged, shown and the till stops
    from terminal.app.verify import guard

    tampered = guard(sessions)  # the chain's tail: on a break the till takes no money
    with sessions() as s:
        from terminal.store.schema import Setting

        settings = {r.key: r.value for r in s.query(Setting).all()}
    if lang is not None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            translator(app, wanted_language(lang, settings))
    terminal_id = settings.get("terminal_id", "T01")
    clock, ids = SystemClock(), UuidIds()
    held = HeldPrograms(sessions)  # the version HQ published that is in effect today
    program = held.at(clock.now().date()).program
    shifts = Shifts(sessions, clock, ids, terminal_id)
    unattended = demo and not sign_in  # a screenshot or a timing run: nobody to sign in
    if unattended and shifts.current() is None and not shifts.day_closed(clock.now().date()):
        shifts.open_shift("c1", Money(50000))  # the demo cashier starts with a ¥500 float
    current = shifts.current()
    cashier = current.cashier if current and not sign_in else ""
    hq = HqLink(sessions, settings)  # standalone (no offline limits) unless HQ is set up
    counter = Counter(
        sessions,
        held,
        clock,
        ids,
        terminal_id=terminal_id,
        cashier=cashier,
        offline=hq.offline,
        look_up=hq.look_up if hq.configured else None,  # a cache miss asks HQ, online
    )
    store = StoreInfo(settings.get("store", "番茄生鲜"), terminal_id, cashier or "—")
    worker = Worker()
    documents = Documents.from_settings(settings, program, store)  # printer_width, _encoding...
    window = MainWindow(
        counter, worker, shifts=shifts, store=store, printer=printer, documents=documents
    )
    window.signs_in = sign_in
    if sign_in and demo:
        from terminal.app.demo import STAFF

        window.sign_in_note = "演示门店 · " + " · ".join(
            f"{name} 工号 {sid} 密码 {pin}" for sid, name, _, pin in STAFF
        )
    window.attach_hq(hq)
    if tampered is not None:
        window.set_device_status("本机账本", "tampered")
    hq.start()
    return window, worker


def translator(app: QApplication, lang: str) -> QTranslator | None:
    """Simplified Chinese is the source language; English comes from ui/i18n
    (``pos_en.qm``, compiled from ``pos_en.ts``)."""
    return install_language(app, lang)


def wanted_language(arg: str | None, settings: Mapping[str, str]) -> str:
    """``--lang`` when given, else the till's ``language`` setting, else Chinese.

    An explicit ``--lang`` always wins (``--lang zh_CN`` on a till set to English)."""
    if arg:
        return arg
    return settings.get("language", "").strip() or SOURCE


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if args.exit else "")
    if not os.environ["QT_QPA_PLATFORM"]:
        del os.environ["QT_QPA_PLATFORM"]
    if QApplication.instance() is None:
        from ui.xcb_check import problem

        missing = problem()  # Qt would abort naming only xcb-cursor0, whatever is missing
        if missing is not None:
            print(missing, file=sys.stderr)
            return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    if args.script:
        translator(app, args.lang or SOURCE)
        return run_scripted(app, args)
    # Paint first, load after: the window's shell is on screen before the store, the
    # counter and the rest of the window are imported and built (from a zero timer).
    shell = loading_shell()
    show_placed(shell)
    ran: dict[str, object] = {}

    def start() -> None:
        if getattr(args, "startup_timing", False):
            print(f"FIRST_FRAME {time.monotonic():.6f}", flush=True)
        try:
            ran.update(open_window(app, args, shell))
        except BaseException as e:  # surfaced after the event loop, not lost in a slot
            ran["error"] = e
            if isinstance(e, PosError) and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
                # the windowed build has no console: a refused store or install setting
                # would otherwise close the window without a word
                from ui.refusals import refusal_text

                QMessageBox.critical(shell, "POS", f"{refusal_text(e)}\n({e.code})")
            app.quit()

    shell.after_first_paint(start)
    code = app.exec()
    error = ran.get("error")
    if isinstance(error, BaseException):
        raise error
    stop = ran.get("stop")
    if callable(stop):
        stop()
    return int(code)


class LoadingShell(QMainWindow):
    """The first frame: an empty window, placed as the till's will be, saying the store
    is opening."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("POS")
        label = QLabel("正在打开…")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(label)
        self.statusBar()
        self._then: Callable[[], None] | None = None

    def after_first_paint(self, then: Callable[[], None]) -> None:
        """Call ``then`` once, from a zero timer after the shell's first paint (or after
        500 ms if the platform never paints it, e.g. a window that is not exposed)."""
        self._then = then
        QTimer.singleShot(500, self._go)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            QTimer.singleShot(0, self._go)
        return super().event(event)

    def _go(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()


def loading_shell() -> LoadingShell:
    return LoadingShell()


OFFSCREEN_SIZE = (1366, 768)  # no screen to fill offscreen: the size screenshots use


def show_placed(window: QWidget, mode: str = "maximized") -> None:
    """Show ``window`` maximised (``mode`` "fullscreen": full screen) on its screen.

    Without a window manager (kiosk PCs) nothing maximises a window: its geometry is set
    to the screen's available area first (all of it, or what a taskbar leaves)."""
    if QGuiApplication.platformName() == "offscreen":
        window.resize(*OFFSCREEN_SIZE)
        window.show()
        return
    screen = window.screen() or QGuiApplication.primaryScreen()
    if mode == "fullscreen":
        window.setGeometry(screen.geometry())
        window.showFullScreen()
    else:
        window.setGeometry(screen.availableGeometry())
        window.showMaximized()


def window_mode(settings: Mapping[str, str]) -> str:
    """The setting ``window_mode``: ``maximized`` (default) or ``fullscreen``."""
    wanted = settings.get("window_mode", "").strip().lower().replace("_", "").replace(" ", "")
    return "fullscreen" if wanted == "fullscreen" else "maximized"


def open_window(
    app: QApplication, args: argparse.Namespace, shell: QMainWindow
) -> dict[str, object]:
    """Open the store and build the till's window in place of the shell; returns what
    ``run`` needs after the event loop (``window``, ``stop``)."""
    from terminal.datadir import till_db_path
    from ui.customer import attach, show_on_second_screen
    from ui.devices import TillDevices

    db = Path(args.db) if args.db else (demo_db_path() if args.demo else till_db_path())
    if args.demo:
        ensure_demo(db)
    attended = not (args.exit or args.screenshot)  # a person at the till: sign-in first
    window, worker = build(db, demo=args.demo, lang=args.lang or "", sign_in=attended)
    settings = window.counter.settings()  # once, at start: the devices it names
    devices = TillDevices.start(settings, db, window, demo=args.demo, app=app)
    if getattr(args, "receipts", None):
        window.printer = receipt_copies(Path(args.receipts), window.printer)
    show_placed(window, window_mode(settings))
    shell.close()
    if window.signs_in:  # once the window is up: who is at the till
        from ui.desks.shift import ShiftDesk

        shift_desk = window.desks["shift"]
        assert isinstance(shift_desk, ShiftDesk)
        QTimer.singleShot(0, shift_desk.sign_in)
    display = None
    wanted = settings.get("customer_display", "").strip().lower() in ("on", "1", "yes")
    if getattr(args, "customer_display", False) or wanted:
        display = attach(window)
        show_on_second_screen(display)
    if args.screenshot or args.exit:

        def finish() -> None:
            if worker.busy:
                QTimer.singleShot(50, finish)
                return
            if args.screenshot:
                window.grab().save(args.screenshot)
            app.quit()

        QTimer.singleShot(300, finish)

    def stop() -> None:
        devices.stop(app)
        if window.hq is not None:
            window.hq.stop()
        if display is not None:
            display.close()
        worker.shutdown()

    return {"window": window, "stop": stop}


def run_scripted(app: QApplication, args: argparse.Namespace) -> int:
    """``--script SCENARIO.json``: the scenario's events played on the window (keys and
    simulated scans), replay's JSON printed; with ``--exit`` it quits when done, else the
    window stays open as the script left it. Without ``--db``, a temporary store; with
    ``--demo``, a new store is named as the demo store of the scenario's program."""
    import json
    import tempfile

    from terminal.app.replay import ScenarioError
    from terminal.errors import PosError
    from ui.script import ScriptError, ScriptRunner

    try:
        data = json.loads(Path(args.script).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as e:  # RecursionError: nested too deep
        print(f"{args.script}: cannot read scenario: {e}", file=sys.stderr)
        return 2
    store = "replay"
    if args.demo and isinstance(data, dict):
        from terminal.app.demo_words import STORE_NAMES

        store = STORE_NAMES.get(str(data.get("program")), store)
    with tempfile.TemporaryDirectory(prefix="script-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "till.sqlite"
        try:
            runner = ScriptRunner(app, db, data, store_name=store)
        except ScenarioError as e:
            print(f"{args.script}: {e}", file=sys.stderr)
            return 2
        except PosError as e:  # the store refuses the setup (members it already holds)
            print(f"{args.script}: cannot set up {db}: {e.message} ({e.code})", file=sys.stderr)
            return 2
        if getattr(args, "receipts", None):
            runner.window.printer = receipt_copies(Path(args.receipts), runner.window.printer)
        try:
            out = runner.play()
            if args.screenshot:
                runner.screenshot(Path(args.screenshot))
            print(json.dumps(out, ensure_ascii=False, indent=2), flush=True)
            if not args.exit:
                app.exec()
        except ScriptError as e:
            print(f"{args.script}: {e}", file=sys.stderr)
            return 1
        finally:
            runner.close()
    return 0
