"""The till's devices, wired to the window on the UI thread's terms.

* ``ScanPump``: polls a ``ScannerHub`` every 20 ms from a QTimer (so on the UI thread):
  each scan goes to ``MainWindow.scanned`` (into the sale, never into the text field
  that has focus; held while a dialog is open), each scanner's connected/disconnected
  to its light in the status bar.
* ``PrinterLink``: a ``PrintQueue``'s ``on_state``. The queue calls it on its own
  thread; a queued signal brings the state to the UI thread, where it becomes the
  printer's light, and a problem (paper out) the banner.
* ``WedgeFilter``: the keyboard-wedge detector as an application event filter. Keys
  that come faster than a person types and end with Enter are a scan (into the hub,
  like a serial scan); anything else is handed back to the widget it was typed into.
* ``TillDevices.start``: all of it from the till's settings (``Setting`` rows).

Settings read here (the printer's are ``devices.printer.transports``'s):

================ ==================================================================
scanner_ports    serial scanners, comma separated: device names or pyserial URLs
                 (/dev/ttyACM0, COM3, hwgrep://05e0:1200, socket://host:port)
scanner_suffix   CR | LF | CRLF | none: what the scanners send after a code (CR)
scanner_baudrate default 9600
scanner_wedge    on | off: tell a keyboard-wedge scanner's bursts from typing (on)
scanner_wedge_gap_ms     the longest gap between a wedge scanner's keys, 5-200 ms
                 (30; a Bluetooth scanner sending 40 ms a key needs ~60)
scanner_wedge_min_length the shortest code a wedge scan can be, 1-64 (6)
printer_kind ... serial | network | usb | file | dummy, and the rest (transports.py)
================ ==================================================================

With ``--demo`` and no ``printer_*`` setting, the printer is a ``FakePrinter`` (which
Ctrl+Shift+P runs out of paper and back, to see the banner); without
``scanner_ports`` there is no serial scanner (``pos-terminal scanner-sim --pty``
makes one: set ``scanner_ports`` to the path it prints).
"""

from __future__ import annotations

import logging
import math
import queue
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from devices.drawer import kick
from devices.printer.fake import FakePrinter
from devices.printer.queue import PrintQueue, spool_path
from devices.printer.transports import DummyTransport, Transport, transport_from_settings
from devices.scanner.framing import Dropped, Scan
from devices.scanner.serial_reader import ScannerHub, ScanReceived, StatusChanged
from devices.scanner.wedge import Typed, WedgeDetector, WedgeEvent
from terminal.errors import InvalidInput
from ui.main_window import MainWindow
from ui.qt import (
    QApplication,
    QCoreApplication,
    QEvent,
    QKeyEvent,
    QKeySequence,
    QObject,
    QShortcut,
    Qt,
    QTimer,
    QWidget,
    Signal,
    isValid,
)

log = logging.getLogger("ui.devices")

PRINTER = "打印机"
SCANNER = "扫码枪"
WEDGE = "键盘扫码"
SUFFIXES = {"cr": "CR", "lf": "LF", "crlf": "CRLF", "none": None}
NOT_TYPING = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


class ScanPump(QObject):
    """A ``ScannerHub``'s events, polled on the UI thread and handed to the window."""

    def __init__(self, hub: ScannerHub, window: MainWindow, interval_ms: int = 20) -> None:
        super().__init__(window)
        self.hub, self.window = hub, window
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.pump)
        self.timer.start()

    def pump(self) -> None:
        for ev in self.hub.poll():
            if isinstance(ev, ScanReceived):
                self.window.scanned(ev.code)
            elif isinstance(ev, StatusChanged):
                self.window.set_device_status(ev.scanner, ev.status)

    def stop(self) -> None:
        self.timer.stop()


class PrinterLink(QObject):
    """``on_state`` for a ``PrintQueue``: safe to call from any thread. The state goes
    through a thread-safe queue; only an argument-less wake-up crosses threads through
    Qt (as in ``ui.worker``), and the UI thread shows it."""

    _wake = Signal()

    def __init__(self, window: MainWindow, name: str = PRINTER) -> None:
        super().__init__(window)
        self.window, self.name = window, name
        self.detail = ""
        self._states: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._wake.connect(self._show)  # a QObject's slot: queued from other threads

    def __call__(self, state: str, detail: str) -> None:
        self._states.put((state, detail))
        self._wake.emit()

    def _show(self) -> None:
        while True:
            try:
                state, detail = self._states.get_nowait()
            except queue.Empty:
                return
            self.detail = detail
            self.window.set_device_status(self.name, state)
            self.window.status.setToolTip(detail)


def wedge_detector(settings: Mapping[str, str]) -> WedgeDetector | None:
    """The wedge detector the settings ask for; None when a setting is unusable (the
    status bar then says 设置有误 and the defaults are used)."""
    try:
        gap = float(settings.get("scanner_wedge_gap_ms", "30"))
        shortest = int(settings.get("scanner_wedge_min_length", "6"))
    except ValueError:
        return None
    if not (5 <= gap <= 200 and 1 <= shortest <= 64):
        return None
    return WedgeDetector(max_interval_ms=gap, min_length=shortest)


class WedgeFilter(QObject):
    """The keyboard-wedge detector on every key the application gets.

    Printable keys are held while they come faster than ``max_interval_ms`` apart; a
    held burst ended by Enter is a scan (``on_scan``; a malformed one ``on_dropped``)
    and never reaches the focused field. Keys that turn out to be typing are given
    back, in order, to the widget they were typed into (within ``max_interval_ms``;
    at once on Enter or any other key). ``clock`` (ms) is injectable for tests.
    """

    def __init__(
        self,
        on_scan: Callable[[str], None],
        on_dropped: Callable[[str], None] | None = None,
        *,
        detector: WedgeDetector | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__()
        self.detector = detector or WedgeDetector()
        self.clock = clock or (lambda: time.monotonic() * 1000.0)
        self.on_scan, self.on_dropped = on_scan, on_dropped
        self._target: QWidget | None = None
        self._replaying = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(math.ceil(self.detector.max_interval_ms) + 1)
        self.timer.timeout.connect(self._tick)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            self._replaying
            or event.type() != QEvent.Type.KeyPress
            or not isinstance(obj, QWidget)
            or not isinstance(event, QKeyEvent)
        ):
            return False
        window = obj.window()
        if obj is not (window.focusWidget() or window):  # propagated to a parent: seen
            return False
        now = self.clock()
        text, plain = event.text(), not (event.modifiers() & NOT_TYPING)
        if self.detector.release_at is not None and obj is not self._target:
            self._deliver(self.detector.flush())  # focus moved: what was held goes first
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return self._deliver(self.detector.feed("\r", now))
        if plain and len(text) == 1 and text.isascii() and text.isprintable():
            self._deliver(self.detector.tick(now))
            if self.detector.release_at is None:
                self._target = obj
            self._deliver(self.detector.feed(text, now))
            self.timer.start()
            return True
        self._deliver(self.detector.flush())  # any other key: typing, after what is held
        return False

    def _tick(self) -> None:
        self._deliver(self.detector.tick(self.clock()))
        if self.detector.release_at is not None:
            self.timer.start()

    def _deliver(self, events: list[WedgeEvent]) -> bool:
        """Act on the detector's events; True when an Enter was part of a scan."""
        swallow = False
        for ev in events:
            if isinstance(ev, Scan):
                swallow = True
                self.on_scan(ev.code)
            elif isinstance(ev, Dropped):
                swallow = True
                if self.on_dropped is not None:
                    self.on_dropped(ev.reason)
            elif isinstance(ev, Typed):
                self._type(ev.text.rstrip("\r\n"))  # the Enter itself goes on as it came
        return swallow

    def _type(self, text: str) -> None:
        target = self._target if self._target is not None and isValid(self._target) else None
        target = target or QApplication.focusWidget()
        if not text or target is None:
            return
        self._replaying = True
        try:
            for ch in text:
                key = Qt.Key(ord(ch.upper())) if ch.isascii() else Qt.Key.Key_unknown
                QApplication.sendEvent(
                    target, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, ch)
                )
        finally:
            self._replaying = False

    def install(self, app: QApplication) -> None:
        app.installEventFilter(self)

    def remove(self, app: QApplication) -> None:
        self._deliver(self.detector.flush())
        app.removeEventFilter(self)


class TillDevices:
    """Scanners, printer, drawer and wedge of one till, wired to its window."""

    def __init__(
        self,
        window: MainWindow,
        hub: ScannerHub,
        queue: PrintQueue,
        transport: Transport | None,
        *,
        pump: ScanPump,
        link: PrinterLink,
        wedge: WedgeFilter | None = None,
        fake: FakePrinter | None = None,
    ) -> None:
        self.window, self.hub, self.queue, self.transport = window, hub, queue, transport
        self.pump, self.link, self.wedge, self.fake = pump, link, wedge, fake

    @classmethod
    def start(
        cls,
        settings: Mapping[str, str],
        store_path: str | Path,
        window: MainWindow,
        *,
        demo: bool = False,
        app: QApplication | None = None,
        retry_s: float = 0.25,
        idle_check_s: float | None = 3.0,
    ) -> TillDevices:
        """Start what the settings name and give the window its printer and drawer.

        A setting that makes no sense is shown as that device's problem (the banner);
        the till still sells, and receipts wait in the spool."""
        link = PrinterLink(window)
        transport: Transport | None
        fake = None
        if demo and not any(k.startswith("printer_") for k in settings):
            transport = fake = FakePrinter()
        else:
            try:
                transport = transport_from_settings(settings)
            except ValueError as e:
                log.error("printer settings: %s", e)
                bad = QCoreApplication.translate("TillDevices", "✗ 打印机设置有误: {error}")
                window.say(bad.format(error=e), error=True)
                transport = None
        queue = PrintQueue(
            transport or DummyTransport(),
            link,
            spool_path(store_path),
            retry_s=retry_s,
            idle_check_s=idle_check_s,
            autostart=transport is not None,  # misconfigured: receipts wait in the spool
        )
        if transport is None:
            window.set_device_status(PRINTER, "misconfigured")
        else:
            window.set_device_status(PRINTER, "checking" if transport.two_way else "ok")

        hub = ScannerHub()
        ports = [p.strip() for p in settings.get("scanner_ports", "").split(",") if p.strip()]
        suffix = settings.get("scanner_suffix", "CR").strip().lower()
        for i, port in enumerate(ports, 1):
            name = f"{SCANNER}{i}" if len(ports) > 1 else SCANNER
            try:
                if suffix not in SUFFIXES:
                    raise ValueError(f"scanner_suffix {suffix!r}: CR, LF, CRLF or none")
                baud = int(settings.get("scanner_baudrate", "9600"))
                hub.add(port, name, suffix=SUFFIXES[suffix], baudrate=baud)
            except ValueError as e:
                log.error("scanner %s (%s): %s", name, port, e)
                window.set_device_status(name, "misconfigured")
                continue
            window.set_device_status(name, "checking")
        hub.start()
        pump = ScanPump(hub, window)

        wedge = None
        if settings.get("scanner_wedge", "on").strip().lower() not in ("off", "0", "no"):

            def dropped(reason: str) -> None:  # the reason picks the words (ui/refusals.py)
                bad = f"scan dropped: {reason}"
                window.refused(InvalidInput(bad, code="scan_dropped", case=reason, reason=reason))

            detector = wedge_detector(settings)
            if detector is None:
                window.set_device_status(WEDGE, "misconfigured")
                detector = WedgeDetector()
            wedge = WedgeFilter(
                lambda code: hub.submit_scan(WEDGE, code), dropped, detector=detector
            )
            wedge.install(app or _app())

        devices = cls(window, hub, queue, transport, pump=pump, link=link, wedge=wedge, fake=fake)
        window.printer = devices.print_job
        window.drawer = devices.kick if transport is not None else None
        if fake is not None:
            QShortcut(QKeySequence("Ctrl+Shift+P"), window).activated.connect(devices.toggle_paper)
        return devices

    def print_job(self, job: str, data: bytes) -> None:
        """Into the spool (a duplicate job id is ignored: a receipt prints once)."""
        self.queue.submit(job, data)

    def kick(self) -> bool:
        """The drawer, on the printer's connector (waits for a receipt being printed)."""
        return self.transport is not None and kick(self.transport)

    def toggle_paper(self) -> None:
        """Demo: the fake printer runs out of paper, or gets a new roll."""
        if self.fake is not None:
            self.fake.set(paper_out=not self.fake.paper_out)
            self.queue.retry_now()

    def stop(self, app: QApplication | None = None) -> None:
        if self.wedge is not None:
            self.wedge.remove(app or _app())
        self.pump.stop()
        self.hub.stop()
        self.queue.stop()


def _app() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app
