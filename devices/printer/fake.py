"""A fake receipt printer that fails on demand, for tests and demos.

``FakePrinter`` is a ``Transport`` whose switches a test flips at any time (thread
safe): ``offline``, ``paper_out``, ``cover_open``, ``paper_near_end`` and
``timeout_after_bytes`` (take that many more bytes, then time out on every write until
the switch is cleared: a printer that jams mid-receipt). It records every byte it
accepted (``received``, and ``writes``: what each write call delivered) and answers
``DLE EOT`` status requests with the Epson reply bytes for its switches
(``status.to_replies``), parsed back by the same code a real printer's replies go
through. ``two_way=False`` makes it a one-way printer: no status, faults show up only
as failed writes.

How a write fails, as a real printer's would:

* offline (switched off / unplugged): ``PrinterOffline``, nothing taken;
* paper out or cover open: the printer stops taking data: ``PrinterTimeout``, nothing
  taken;
* ``timeout_after_bytes=n``: the first n bytes are taken (and recorded), then
  ``PrinterTimeout`` with ``written=n``.

``PtyPrinter`` and ``TcpPrinter`` put the same printer behind a pseudo-terminal (for
``SerialTransport``) or a loopback TCP port (for ``NetworkTransport``): print data is
recorded, status requests are answered (``TcpPrinter(answer_status=False)`` is a
network printer that never answers). Over a stream the switches only change the
status replies: data that arrives anyway is recorded (a real printer would buffer it).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import tempfile
import threading
import tty
from collections.abc import Callable
from pathlib import Path

from devices.loopback import LoopbackServer
from devices.printer.render import decode_text
from devices.printer.status import DLE_EOT, PrinterStatus, to_replies
from devices.printer.transports import PrinterOffline, PrinterTimeout, Transport

_SWITCHES = ("offline", "paper_out", "cover_open", "paper_near_end", "timeout_after_bytes")


class FakePrinter(Transport):
    kind = "fake"

    def __init__(
        self,
        *,
        two_way: bool = True,
        offline: bool = False,
        paper_out: bool = False,
        cover_open: bool = False,
        paper_near_end: bool = False,
        timeout_after_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self.two_way = two_way
        self._cond = threading.Condition()
        self.offline = offline
        self.paper_out = paper_out
        self.cover_open = cover_open
        self.paper_near_end = paper_near_end
        self.timeout_after_bytes = timeout_after_bytes
        self.received = bytearray()
        self.writes: list[bytes] = []
        self.status_queries = 0
        self.opens = 0
        self._open = False
        self._stream = b""  # a partial DLE EOT at the end of the last chunk fed

    # ------------------------------------------------------------ switches

    def set(self, **switches: bool | int | None) -> None:
        """Flip switches (``offline=True``, ``timeout_after_bytes=None``...)."""
        with self._cond:
            for name, value in switches.items():
                if name not in _SWITCHES:
                    raise AttributeError(f"FakePrinter has no switch {name!r}")
                setattr(self, name, value)
            self._cond.notify_all()

    def heal(self) -> None:
        """Every fault cleared."""
        self.set(offline=False, paper_out=False, cover_open=False, timeout_after_bytes=None)

    def status(self) -> PrinterStatus:
        return PrinterStatus(
            online=not self.offline,
            cover_open=self.cover_open,
            paper_out=self.paper_out,
            paper_near_end=self.paper_near_end,
        )

    def reply(self, n: int) -> int:
        """The byte this printer sends back for ``DLE EOT n``."""
        with self._cond:
            self.status_queries += 1
            self._cond.notify_all()
            return to_replies(self.status())[n]

    # ------------------------------------------------------------ transport

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        if not self._open:
            self._open = True
            self.opens += 1

    def close(self) -> None:
        self._open = False

    def write(self, data: bytes) -> None:
        self.open()
        with self._cond:
            if self.offline:
                raise PrinterOffline("fake printer is offline", written=0)
            if self.paper_out or self.cover_open:
                why = "out of paper" if self.paper_out else "cover open"
                raise PrinterTimeout(f"fake printer stopped: {why}", written=0)
            budget = self.timeout_after_bytes
            if budget is not None and len(data) > budget:
                self.timeout_after_bytes = 0
                if budget:
                    self._record(data[:budget])
                raise PrinterTimeout(f"fake printer timed out after {budget} bytes", written=budget)
            if budget is not None:
                self.timeout_after_bytes = budget - len(data)
            self._record(data)

    def _exchange(self, req: bytes) -> bytes:
        if len(req) == 3 and req[:2] == DLE_EOT and 1 <= req[2] <= 4:
            return bytes([self.reply(req[2])])
        return b""

    def _record(self, data: bytes) -> None:
        self.received += data
        self.writes.append(bytes(data))
        self._cond.notify_all()

    # ------------------------------------------------------------ stream side

    def feed(self, data: bytes) -> bytes:
        """Bytes arriving over a wire: print data is recorded, each ``DLE EOT n`` is
        answered; returns the answers to send back."""
        with self._cond:
            buf = self._stream + data
            self._stream = b""
            out = bytearray()
            replies = bytearray()
            i = 0
            while i < len(buf):
                b = buf[i]
                if b == 0x10:
                    if i + 2 >= len(buf) and buf[i:] == DLE_EOT[: len(buf) - i]:
                        self._stream = buf[i:]  # wait for the rest of the request
                        break
                    if buf[i : i + 2] == DLE_EOT and 1 <= buf[i + 2] <= 4:
                        self.status_queries += 1
                        self._cond.notify_all()
                        replies.append(to_replies(self.status())[buf[i + 2]])
                        i += 3
                        continue
                out.append(b)
                i += 1
            if out:
                self._record(bytes(out))
            return bytes(replies)

    # ------------------------------------------------------------ for tests

    def wait_for(self, pred: Callable[[], bool], timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(pred, timeout)

    def wait_received(self, n: int, timeout: float = 5.0) -> bool:
        """Until at least ``n`` bytes were printed."""
        return self.wait_for(lambda: len(self.received) >= n, timeout)

    def text(self, encoding: str = "gb18030") -> str:
        """Everything printed, decoded (``render.decode_text``)."""
        return decode_text(bytes(self.received), encoding)

    def clear(self) -> None:
        with self._cond:
            self.received.clear()
            self.writes.clear()


# ----------------------------------------------------------------------------- pty


class PtyPrinter:
    """A ``FakePrinter`` on a pseudo-terminal: ``SerialTransport(pty.port)`` talks to
    it as to a serial printer. ``stall()`` stops reading (the line fills up and writes
    time out), ``resume()`` reads again. Use as a context manager."""

    def __init__(self, printer: FakePrinter | None = None) -> None:
        self.printer = printer or FakePrinter()
        master, slave = os.openpty()
        tty.setraw(slave)
        # Keep a slave fd open: the master never HUPs between till connections.
        self._master, self._slave = master, slave
        self._tmpdir = tempfile.mkdtemp(prefix="pos-printer-")
        self._link = Path(self._tmpdir) / "printer"
        self._link.symlink_to(os.ttyname(slave))
        self._reading = threading.Event()
        self._reading.set()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pty-printer", daemon=True)
        self._thread.start()

    @property
    def port(self) -> str:
        return str(self._link)

    def stall(self) -> None:
        self._reading.clear()

    def resume(self) -> None:
        self._reading.set()

    def close(self) -> None:
        self._closed.set()
        self._reading.set()
        self._thread.join(2.0)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> PtyPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._closed.is_set():
            if not self._reading.wait(0.05):
                continue
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                continue
            reply = self.printer.feed(data)
            if reply:
                with contextlib.suppress(OSError):
                    os.write(self._master, reply)


# ----------------------------------------------------------------------------- tcp


class TcpPrinter(LoopbackServer):
    """A ``FakePrinter`` on a loopback TCP port, like a network printer's port 9100.
    ``answer_status=False``: status requests are swallowed unanswered."""

    def __init__(self, printer: FakePrinter | None = None, *, answer_status: bool = True):
        super().__init__(name="tcp-printer")
        self.printer = printer or FakePrinter()
        self.answer_status = answer_status
        self.connections = 0
        self.start()

    def on_client(self, conn: socket.socket) -> None:
        self.connections += 1
        threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def __enter__(self) -> TcpPrinter:
        return self

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        while not self._closed.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            reply = self.printer.feed(data)
            if reply and self.answer_status:
                try:
                    conn.sendall(reply)
                except OSError:
                    return


__all__ = ["FakePrinter", "PtyPrinter", "TcpPrinter"]
