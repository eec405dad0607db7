"""Simulated serial scanners: a pty or a TCP socket that codes can be typed into.

The till reads them through its real serial code path (``SerialScanner``), so the
demo and the UI tests exercise the same framing, validation and reconnection as a
real scanner on ``/dev/ttyACM0``.

``PtyScanner`` (Linux/macOS): a pseudo-terminal pair; the till opens ``.port``, a
symlink to the slave end in a private temporary directory, the way udev's
``/dev/serial/by-id/...`` names a USB scanner. ``close_master()`` unplugs it: the
master is closed, so the till's reads fail at once, and the slave device node and
the symlink disappear, so reopening fails too. ``reopen()`` plugs it back: a new
pty pair (most likely a different ``/dev/pts/N``) behind the same ``.port``.

``SocketScanner``: listens on a loopback TCP port; the till opens ``.url``
(``socket://127.0.0.1:PORT``). ``drop_clients()`` simulates a disconnect.

Like a real scanner, codes sent before the till has opened the port are lost:
pyserial discards pending input when it opens a port. Wait for the reader's
"connected" status (or ``PtyScanner.wait_for_reader``) before sending.
"""

from __future__ import annotations

import os
import select
import shutil
import tempfile
import threading
import time
import tty
from pathlib import Path

from devices.loopback import LoopbackServer
from devices.scanner.framing import SUFFIXES


def frame(code: str, suffix: str | None = "CR", aim: str = "") -> bytes:
    """The bytes a scanner sends for ``code``: AIM prefix, code, suffix."""
    term = SUFFIXES[suffix] if suffix else b""
    return (aim + code).encode("ascii") + term


class PtyScanner:
    """A scanner on a pseudo-terminal; use as a context manager."""

    def __init__(
        self, suffix: str | None = "CR", aim: str = "", link: str | os.PathLike[str] | None = None
    ) -> None:
        if suffix is not None and suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)} or None")
        self.suffix = suffix
        self.aim = aim
        self._tmpdir: str | None = None
        if link is None:
            self._tmpdir = tempfile.mkdtemp(prefix="pos-scanner-")
            link = Path(self._tmpdir) / "scanner"
        self._link = Path(link)
        self._master: int | None = None
        self.slave_path = ""
        self._lock = threading.Lock()
        self._plug()

    @property
    def port(self) -> str:
        """The path the till opens (stable across unplug/replug)."""
        return str(self._link)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def send(self, code: str, *, suffix: str | bool | None = True, aim: str | None = None) -> None:
        """Send one code as the scanner would (default suffix and AIM prefix)."""
        sfx = self.suffix if suffix is True else (suffix or None)
        self.send_raw(frame(code, sfx, self.aim if aim is None else aim))

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are: noise, partial frames, anything."""
        with self._lock:
            if self._master is None:
                raise OSError("scanner is unplugged")
            view = memoryview(data)
            while view:
                n = os.write(self._master, view)
                view = view[n:]

    def wait_for_reader(self, timeout: float = 5.0) -> bool:
        """Wait until some process has the slave end open (Linux: master stops HUP-ing).

        Only a hint: the reader may still be setting the port up and discarding input,
        so callers add a short pause; in tests, wait for "connected" instead.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            master = self._master
            if master is None:
                return False
            p = select.poll()
            p.register(master, select.POLLHUP)
            if not any(ev & select.POLLHUP for _, ev in p.poll(0)):
                return True
            time.sleep(0.02)
        return False

    def close_master(self) -> None:
        """Unplug: the till's reads fail and the port path vanishes."""
        with self._lock:
            self._link.unlink(missing_ok=True)
            if self._master is not None:
                os.close(self._master)
            self._master = None
            self.slave_path = ""

    def reopen(self) -> None:
        """Plug back in: a fresh pty behind the same ``port`` path."""
        if self._master is not None:
            self.close_master()
        self._plug()

    def close(self) -> None:
        self.close_master()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> PtyScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _plug(self) -> None:
        if self._link.exists() and not self._link.is_symlink():
            raise FileExistsError(f"{self._link} exists and is not a symlink: not replacing it")
        master, slave = os.openpty()
        # Raw at once: no echo back to us, no CR->LF translation before the till opens it.
        # The setting outlives this fd; closing it leaves the slave to the till alone,
        # so the master HUPs exactly while no reader has the port open.
        tty.setraw(slave)
        path = os.ttyname(slave)
        os.close(slave)
        tmp = self._link.with_name(self._link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(path)
        tmp.replace(self._link)  # atomic: the till never sees a half-made link
        with self._lock:
            self._master, self.slave_path = master, path


class SocketScanner(LoopbackServer):
    """A scanner served on a loopback TCP port to ``socket://`` readers."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, suffix: str | None = "CR", aim: str = ""
    ) -> None:
        if suffix is not None and suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)} or None")
        super().__init__(host, port, name="scanner-sim", accept_timeout=0.1)
        self.suffix = suffix
        self.aim = aim
        self.start()

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def send(self, code: str, *, suffix: str | bool | None = True, aim: str | None = None) -> int:
        """Send one code to every connected reader; how many got it."""
        sfx = self.suffix if suffix is True else (suffix or None)
        return self.send_raw(frame(code, sfx, self.aim if aim is None else aim))

    def send_raw(self, data: bytes) -> int:
        sent = 0
        with self._cond:
            for c in list(self._clients):
                try:
                    c.sendall(data)
                    sent += 1
                except OSError:
                    self._clients.remove(c)
                    c.close()
        return sent

    def __enter__(self) -> SocketScanner:
        return self
