"""Serial scanners: a reader thread per port, and a hub that merges several of them.

A port is a device name (``/dev/ttyACM0``, ``COM3``) or any pyserial URL
(``hwgrep://VID:PID``, ``socket://host:port``, ``loop://``). The reader opens it,
feeds what it reads to a ``Framer`` and hands each complete code to ``on_scan``.
When the port vanishes (USB unplugged, the other end of a pty or socket closed)
it reports ``"disconnected"`` to ``on_status``, closes the port, and tries to
open it again every ``retry_s`` until it is back, then reports ``"connected"``.

The port is opened afresh on every attempt (``serial_for_url`` again, not
``open()`` on the old object), so a ``hwgrep://`` URL is resolved again and finds
the scanner even if it comes back as a different ``/dev/ttyACM*``.

Callbacks run on the reader's thread. ``ScannerHub`` turns them into events on one
thread-safe queue, for a UI to poll or to be woken by ``notify``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import serial

from devices.scanner.framing import DEFAULT_MAX_LENGTH, DEFAULT_MIN_LENGTH, Framer, Scan, Suffix

log = logging.getLogger("devices.scanner")

CONNECTED = "connected"
DISCONNECTED = "disconnected"

ScanCallback = Callable[[str, str], None]  # (scanner name, code)
StatusCallback = Callable[[str, str], None]  # (scanner name, "connected" | "disconnected")


class SerialScanner:
    """One scanner on one port, read by a background thread (``start``/``stop``)."""

    def __init__(
        self,
        url_or_port: str,
        name: str,
        on_scan: ScanCallback,
        on_status: StatusCallback,
        *,
        suffix: Suffix | None = "CR",
        fixed_length: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        min_length: int = DEFAULT_MIN_LENGTH,
        timeout_s: float = 0.05,
        baudrate: int = 9600,
        retry_s: float = 0.5,
        read_timeout_s: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url_or_port
        self.name = name
        self.baudrate = baudrate
        self.retry_s = retry_s
        self.read_timeout_s = read_timeout_s
        self._on_scan = on_scan
        self._on_status = on_status
        self._clock = clock
        self._framer = Framer(
            suffix, fixed_length, max_length, timeout_s, min_length=min_length
        )  # checks the configuration now, in the caller's thread
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: Any = None  # a serial.SerialBase; typed loosely (pyserial has no stubs)
        self._status: str | None = None

    @property
    def connected(self) -> bool:
        return self._status == CONNECTED

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError(f"scanner {self.name} already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop reading, close the port and wait for the thread to end."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():  # pragma: no cover - a driver stuck in a system call
                log.error("scanner %s: reader thread did not stop", self.name)

    def write(self, data: bytes) -> bool:
        """Send bytes to the scanner (a command: beep, trigger); False if not connected.

        Safe from any thread: pyserial ports take a write while another thread reads.
        A failed write is left for the reader thread to notice and reconnect.
        """
        port = self._port
        if port is None:
            return False
        try:
            port.write(data)
        except (serial.SerialException, OSError) as e:
            log.warning("scanner %s: write failed: %s", self.name, e)
            return False
        return True

    def __enter__(self) -> SerialScanner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- thread

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._port is None and not self._open():
                    self._stop.wait(self.retry_s)
                    continue
                self._read_once()
        finally:
            self._close()
            self._status = None  # stopped: neither state; the next start reports afresh

    def _open(self) -> bool:
        try:
            port = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                timeout=self.read_timeout_s,
                do_not_open=True,
            )
            port.open()
        except (serial.SerialException, OSError, ValueError) as e:
            # ValueError: a malformed URL or setting; keep retrying, it is logged.
            if self._status != DISCONNECTED:
                log.warning("scanner %s: cannot open %s: %s", self.name, self.url, e)
            self._set_status(DISCONNECTED)
            return False
        self._port = port
        self._framer.reset()
        log.info("scanner %s: opened %s", self.name, self.url)
        self._set_status(CONNECTED)
        return True

    def _read_once(self) -> None:
        port = self._port
        try:
            data: bytes = port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError) as e:
            log.warning("scanner %s: port %s lost: %s", self.name, self.url, e)
            self._set_status(DISCONNECTED)  # first: pyserial's socket close sleeps 0.3 s
            self._close()
            self._stop.wait(self.retry_s)
            return
        now = self._clock()
        events = self._framer.feed(data, now) if data else self._framer.tick(now)
        for ev in events:
            if isinstance(ev, Scan):
                self._call(self._on_scan, ev.code)

    def _close(self) -> None:
        port, self._port = self._port, None
        self._framer.reset()
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError) as e:  # pragma: no cover
                log.debug("scanner %s: close failed: %s", self.name, e)

    def _set_status(self, status: str) -> None:
        if status != self._status:
            self._status = status
            self._call(self._on_status, status)

    def _call(self, fn: Callable[[str, str], None], value: str) -> None:
        try:
            fn(self.name, value)
        except Exception:  # a faulty callback must not kill the reader
            log.exception("scanner %s: callback failed", self.name)


# ---------------------------------------------------------------------- hub


@dataclass(frozen=True, slots=True)
class ScanReceived:
    scanner: str
    code: str


@dataclass(frozen=True, slots=True)
class StatusChanged:
    scanner: str
    status: str  # "connected" | "disconnected"


HubEvent = ScanReceived | StatusChanged


class ScannerHub:
    """Several scanners feeding one till: their scans and status changes, in one queue.

    Reader threads only ``put``; the consumer (the Qt layer) calls ``poll`` from a
    timer or from a slot that ``notify`` triggers (``notify`` runs on a reader
    thread, so it should only emit a queued signal or similar). A keyboard-wedge
    scanner joins the same stream through ``submit_scan``.
    """

    def __init__(self, notify: Callable[[], None] | None = None) -> None:
        self._events: queue.Queue[HubEvent] = queue.Queue()
        self._notify = notify
        self._scanners: dict[str, SerialScanner] = {}
        self._started = False

    def add(self, url_or_port: str, name: str, **config: Any) -> SerialScanner:
        """Add a scanner (``config``: ``SerialScanner`` keyword arguments)."""
        if name in self._scanners:
            raise ValueError(f"a scanner named {name!r} is already added")
        sc = SerialScanner(url_or_port, name, self._scan, self._status, **config)
        self._scanners[name] = sc
        if self._started:
            sc.start()
        return sc

    @property
    def scanners(self) -> dict[str, SerialScanner]:
        return dict(self._scanners)

    def start(self) -> None:
        self._started = True
        for sc in self._scanners.values():
            sc.start()

    def stop(self) -> None:
        self._started = False
        for sc in self._scanners.values():
            sc.stop()

    def __enter__(self) -> ScannerHub:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def submit_scan(self, scanner: str, code: str) -> None:
        """A scan from elsewhere (a keyboard wedge), queued like the serial ones."""
        self._put(ScanReceived(scanner, code))

    def get(self, timeout: float | None = None) -> HubEvent | None:
        """The next event, waiting up to ``timeout`` seconds; None if none came."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    def poll(self) -> list[HubEvent]:
        """Every event queued so far, oldest first, without waiting."""
        out: list[HubEvent] = []
        while True:
            try:
                out.append(self._events.get_nowait())
            except queue.Empty:
                return out

    def _scan(self, name: str, code: str) -> None:
        self._put(ScanReceived(name, code))

    def _status(self, name: str, status: str) -> None:
        self._put(StatusChanged(name, status))

    def _put(self, ev: HubEvent) -> None:
        self._events.put(ev)
        if self._notify is not None:
            self._notify()
