"""How receipt bytes reach the printer: serial, network (port 9100), USB, a device file,
or python-escpos's ``Dummy``.

One primitive: ``Transport.write(data)`` sends all of ``data`` or raises a
``PrinterError``; ``read_status()`` asks the printer (``DLE EOT``, see ``status``) on a
two-way transport and returns None on a one-way one. ``open()`` / ``close()``;
``abort()`` closes *and drops output not yet sent*, so a half-sent receipt does not
dribble out after a failure.

Errors say what the cashier is told (``PrinterError.state``): ``PrinterOffline``
("offline": cannot open, connection lost, no status reply) or ``PrinterTimeout``
("timeout": the printer stopped taking data). ``written`` is how many bytes of the
failed ``write`` left this process before it failed: 0 when surely none reached the
printer, None when unknown (pyserial and pyusb do not say); more than 0 or None means
the printer may hold part of it.

Every transport has a ``lock``: the print queue's worker and the drawer both hold it
while they talk to the printer, so a drawer kick never lands inside a receipt.

The till chooses its printer in its settings (``transport_from_settings``):

==================== =============================================================
printer_kind         serial | network | usb | file | dummy (default dummy)
printer_url          serial: a device or pyserial URL (/dev/ttyUSB0, COM3,
                     hwgrep://0416:5011); file: the path (also ``printer_path``)
printer_baudrate     serial, default 9600
printer_flow         serial: none | rtscts | xonxoff | dsrdtr (default none)
printer_host/_port   network, port default 9100
printer_usb          usb: "VID:PID" in hex, e.g. "0416:5011"
printer_timeout      seconds a write may stall before "timeout" (default 5)
printer_status       on | off | auto: ask DLE EOT status (serial, usb: on; network:
                     auto = two-way if the printer answers the first query)
printer_width        32 (58 mm) | 42 | 48 (80 mm), default 48 (``documents``)
printer_encoding     gb18030 | gbk, default gb18030 (gbk: substitutes, ``render``)
printer_dots         dots per line, default 12 a column (384 on 58 mm, 576 on 80 mm):
                     sizes the receipt's Code 128 (a QR if no 2-dot module fits)
printer_chinese      on | off: send ``FS &`` (Chinese mode) first (default on)
==================== =============================================================
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import socket
import struct
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import serial

from devices.printer.render import codec_name
from devices.printer.status import (
    ERROR_CAUSE,
    OFFLINE_CAUSE,
    PAPER,
    PRINTER,
    PrinterStatus,
    from_replies,
    parse_offline_cause,
    parse_printer,
    request,
    status_byte,
)

log = logging.getLogger("devices.printer")

StatusMode = Literal["on", "off", "auto"]
KINDS = ("serial", "network", "usb", "file", "dummy")


def _escpos_printer() -> Any:
    """``escpos.printer``, imported when first needed (it pulls in Pillow, and pyusb
    for ``Usb``)."""
    import escpos.printer  # type: ignore[import-untyped]

    return escpos.printer


class PrinterError(Exception):
    """The printer cannot take data now. ``state`` is what the cashier is told."""

    state = "offline"

    def __init__(self, message: str, *, written: int | None = 0) -> None:
        super().__init__(message)
        self.written = written


class PrinterOffline(PrinterError):
    state = "offline"


class PrinterTimeout(PrinterError):
    state = "timeout"


class Transport(ABC):
    """A connection to one printer. Not thread-safe by itself: hold ``lock``."""

    kind = "abstract"
    #: Answers DLE EOT (``read_status`` returns a status, not None).
    two_way = False
    #: Keep the connection between jobs; False: the print queue closes it when idle
    #: (network printers often serve one client at a time and drop idle ones).
    keep_open = True

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._unanswered: set[int] = set()  # DLE EOT n this printer never answers

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    def open(self) -> None:
        """Connect (no-op when open). Raises ``PrinterOffline``."""

    @abstractmethod
    def close(self) -> None:
        """Disconnect (no-op when closed); never raises."""

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send all of ``data`` or raise ``PrinterError`` (opens first when closed)."""

    def abort(self) -> None:
        """Close, dropping output still buffered on this side."""
        self.close()

    def read_status(self) -> PrinterStatus | None:
        """Ask the printer how it is; None on a one-way transport.

        Raises ``PrinterOffline`` when a two-way printer does not answer ``DLE EOT 1``.
        """
        if not self.two_way:
            return None
        if not self.is_open:
            self.open()
        first = self._ask(PRINTER)
        if first is None:
            return self._no_status_reply()
        offline = parse_printer(first).offline
        cause = self._ask(OFFLINE_CAUSE) if offline else None
        error = None
        if cause is not None and parse_offline_cause(cause).error:
            error = self._ask(ERROR_CAUSE)
        paper = self._ask(PAPER)
        return from_replies(first, cause, error, paper)

    def _ask(self, n: int) -> int | None:
        if n in self._unanswered:
            return None
        b = status_byte(self._exchange(request(n)))
        if b is None and n != PRINTER:
            log.info("%s printer does not answer DLE EOT %d; not asking again", self.kind, n)
            self._unanswered.add(n)
        return b

    def _no_status_reply(self) -> PrinterStatus | None:
        raise PrinterOffline(f"{self.kind} printer does not answer status requests")

    def _exchange(self, req: bytes) -> bytes:
        """Send a real-time request; the reply bytes (b"" if none came in time)."""
        raise NotImplementedError

    def __enter__(self) -> Transport:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    def describe(self) -> str:
        return self.kind


# ----------------------------------------------------------------------------- serial


class SerialTransport(Transport):
    """A serial or USB-CDC printer, or any pyserial URL. Two-way unless ``status="off"``."""

    kind = "serial"

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 9600,
        flow: str = "none",
        timeout: float = 5.0,
        status_timeout: float = 0.5,
        status: StatusMode = "on",
    ) -> None:
        super().__init__()
        if flow not in ("none", "rtscts", "xonxoff", "dsrdtr"):
            raise ValueError(f"serial flow control {flow!r}: none, rtscts, xonxoff or dsrdtr")
        self.url = url
        self.baudrate = baudrate
        self.flow = flow
        self.timeout = timeout
        self.status_timeout = status_timeout
        self.two_way = status != "off"
        self._port: Any = None  # serial.SerialBase (pyserial has no stubs)

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def describe(self) -> str:
        return self.url

    def open(self) -> None:
        if self._port is not None:
            return
        try:
            port = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                timeout=self.status_timeout,
                write_timeout=self.timeout,
                rtscts=self.flow == "rtscts",
                xonxoff=self.flow == "xonxoff",
                dsrdtr=self.flow == "dsrdtr",
                do_not_open=True,
            )
            port.open()
        except (serial.SerialException, OSError, ValueError) as e:
            raise PrinterOffline(f"cannot open {self.url}: {e}") from e
        self._port = port

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def abort(self) -> None:
        if self._port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._port.reset_output_buffer()
        self.close()

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._port.write(data)
        except serial.SerialTimeoutException as e:
            raise PrinterTimeout(f"{self.url}: write timed out", written=None) from e
        except (serial.SerialException, OSError) as e:
            raise PrinterOffline(f"{self.url}: {e}", written=None) from e

    def _exchange(self, req: bytes) -> bytes:
        port = self._port
        try:
            port.reset_input_buffer()
            port.write(req)
            reply: bytes = port.read(1)
            if reply and port.in_waiting:
                reply += port.read(port.in_waiting)
        except serial.SerialTimeoutException as e:
            raise PrinterOffline(f"{self.url}: status request timed out") from e
        except (serial.SerialException, OSError) as e:
            raise PrinterOffline(f"{self.url}: {e}") from e
        return reply


# ----------------------------------------------------------------------------- network


class NetworkTransport(Transport):
    """A network printer's raw port (9100). ``status="auto"``: two-way if the printer
    answers the first ``DLE EOT 1``, one-way from then on if it does not."""

    kind = "network"
    keep_open = False

    def __init__(
        self,
        host: str,
        port: int = 9100,
        timeout: float = 5.0,
        *,
        connect_timeout: float = 3.0,
        status_timeout: float = 0.5,
        status: StatusMode = "auto",
    ) -> None:
        super().__init__()
        self.host, self.port = host, port
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.status_timeout = status_timeout
        self.status_mode = status
        self.two_way = status != "off"
        self._sock: socket.socket | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def describe(self) -> str:
        return f"{self.host}:{self.port}"

    def open(self) -> None:
        if self._sock is not None:
            return
        try:
            sock = socket.create_connection((self.host, self.port), self.connect_timeout)
        except OSError as e:
            raise PrinterOffline(f"cannot connect to {self.describe()}: {e}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.timeout)
        self._sock = sock

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def abort(self) -> None:
        """Reset the connection: the kernel drops what it had not sent yet."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def write(self, data: bytes) -> None:
        self.open()
        sock = self._sock
        assert sock is not None
        sent = 0
        view = memoryview(data)
        try:
            while sent < len(data):
                sent += sock.send(view[sent:])
        except TimeoutError as e:
            raise PrinterTimeout(f"{self.describe()}: write timed out", written=sent) from e
        except OSError as e:
            raise PrinterOffline(f"{self.describe()}: {e}", written=sent) from e

    def _exchange(self, req: bytes) -> bytes:
        sock = self._sock
        assert sock is not None
        try:
            self._drain(sock)
            sock.settimeout(self.timeout)
            sock.sendall(req)
            sock.settimeout(self.status_timeout)
            try:
                reply = sock.recv(64)
            except TimeoutError:
                return b""
            finally:
                sock.settimeout(self.timeout)
        except OSError as e:
            raise PrinterOffline(f"{self.describe()}: {e}") from e
        if not reply:
            raise PrinterOffline(f"{self.describe()}: connection closed by the printer")
        return reply

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        """Throw away stale input (a late reply to an earlier request); leaves the
        socket non-blocking, the caller sets its timeout again."""
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _no_status_reply(self) -> PrinterStatus | None:
        if self.status_mode == "auto":
            log.info("network printer %s does not answer DLE EOT: one-way", self.describe())
            self.two_way = False
            return None
        return super()._no_status_reply()


# ----------------------------------------------------------------------------- usb


class UsbTransport(Transport):
    """A USB printer through python-escpos's ``Usb`` (needs pyusb and libusb; imported
    on ``open``). ``factory`` replaces ``escpos.printer.Usb`` (tests)."""

    kind = "usb"

    def __init__(
        self,
        vendor: int,
        product: int,
        *,
        timeout: float = 5.0,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        status: StatusMode = "on",
        factory: Callable[..., Any] | None = None,
    ) -> None:
        super().__init__()
        self.vendor, self.product = vendor, product
        self.timeout = timeout
        self.in_ep, self.out_ep = in_ep, out_ep
        self.two_way = status != "off"
        self._factory = factory
        self._usb: Any = None

    @property
    def is_open(self) -> bool:
        return self._usb is not None

    def describe(self) -> str:
        return f"{self.vendor:04x}:{self.product:04x}"

    def open(self) -> None:
        if self._usb is not None:
            return
        factory = self._factory
        if factory is None:
            Usb = _escpos_printer().Usb
            if not Usb.is_usable():
                raise PrinterOffline("USB printing needs pyusb (pip install pyusb) and libusb")
            factory = Usb
        try:
            dev = factory(
                idVendor=self.vendor,
                idProduct=self.product,
                timeout=int(self.timeout * 1000),
                in_ep=self.in_ep,
                out_ep=self.out_ep,
            )
            dev.open()
        except Exception as e:  # escpos DeviceNotFoundError, usb.core.USBError, ...
            raise PrinterOffline(f"cannot open USB printer {self.describe()}: {e}") from e
        self._usb = dev

    def close(self) -> None:
        dev, self._usb = self._usb, None
        if dev is not None:
            try:
                dev.close()
            except Exception as e:  # pragma: no cover - a vanished device
                log.debug("USB printer %s: close failed: %s", self.describe(), e)

    def write(self, data: bytes) -> None:
        self.open()
        try:
            self._usb._raw(data)
        except Exception as e:
            raise self._error(e) from e

    def _exchange(self, req: bytes) -> bytes:
        try:
            self._usb._raw(req)
            return bytes(self._usb._read())
        except Exception as e:
            if _is_usb_timeout(e):
                return b""
            raise PrinterOffline(f"USB printer {self.describe()}: {e}") from e

    def _error(self, e: Exception) -> PrinterError:
        if _is_usb_timeout(e):
            return PrinterTimeout(f"USB printer {self.describe()}: write timed out", written=None)
        return PrinterOffline(f"USB printer {self.describe()}: {e}", written=None)


def _is_usb_timeout(e: Exception) -> bool:
    if type(e).__name__ == "USBTimeoutError" or isinstance(e, TimeoutError):
        return True
    return getattr(e, "errno", None) == errno.ETIMEDOUT or getattr(e, "backend_error_code", 0) == -7


# ----------------------------------------------------------------------------- file


class FileTransport(Transport):
    """A printer device file (``/dev/usb/lp0``, ``/dev/lp0``), one-way.

    Written non-blocking with ``select``, so a printer that stops taking data times out
    after ``timeout`` seconds with an exact ``written`` count. A missing device (printer
    off or unplugged) is "offline". ``create=True`` also accepts a plain file that does
    not exist yet (printing to a file); it is never created otherwise, so a missing
    ``/dev/usb/lp0`` never turns into a regular file.
    """

    kind = "file"

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0, create: bool = False):
        super().__init__()
        self.path = Path(path)
        self.timeout = timeout
        self.create = create
        self._fd: int | None = None

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def describe(self) -> str:
        return str(self.path)

    def open(self) -> None:
        if self._fd is not None:
            return
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0)
        if self.create:
            flags |= os.O_CREAT
        try:
            self._fd = os.open(self.path, flags, 0o644)
        except OSError as e:
            raise PrinterOffline(f"cannot open {self.path}: {e}") from e

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def write(self, data: bytes) -> None:
        self.open()
        fd = self._fd
        assert fd is not None
        written = 0
        view = memoryview(data)
        while written < len(data):
            if sys.platform != "win32":
                _, ready, _ = select.select([], [fd], [], self.timeout)
                if not ready:
                    raise PrinterTimeout(f"{self.path}: write timed out", written=written)
            try:
                written += os.write(fd, view[written:])
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                raise PrinterOffline(f"{self.path}: {e}", written=written) from e


# ----------------------------------------------------------------------------- dummy


class DummyTransport(Transport):
    """python-escpos's ``Dummy``: keeps every byte (``output``), prints nothing."""

    kind = "dummy"

    def __init__(self) -> None:
        super().__init__()
        self.dummy = _escpos_printer().Dummy()
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self) -> None:
        self._open = True

    def close(self) -> None:
        self._open = False

    def write(self, data: bytes) -> None:
        self.open()
        self.dummy._raw(data)

    @property
    def output(self) -> bytes:
        return bytes(self.dummy.output)

    def clear(self) -> None:
        self.dummy.clear()


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """The printer part of the till's settings, checked."""

    kind: str = "dummy"
    width: int = 48
    encoding: str = "gb18030"

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> PrinterConfig:
        kind = settings.get("printer_kind", "dummy").strip().lower() or "dummy"
        if kind not in KINDS:
            raise ValueError(f"printer_kind {kind!r}: one of {', '.join(KINDS)}")
        width = int(settings.get("printer_width", "48"))
        if width not in (32, 42, 48):
            raise ValueError(f"printer_width {width}: 32 (58 mm), 42 or 48 (80 mm)")
        encoding = codec_name(settings.get("printer_encoding", "gb18030"))
        return cls(kind, width, encoding)


def _status_mode(settings: Mapping[str, str], default: StatusMode) -> StatusMode:
    mode = settings.get("printer_status", default).strip().lower()
    if mode in ("on", "off", "auto"):
        return mode  # type: ignore[return-value]
    raise ValueError(f"printer_status {mode!r}: on, off or auto")


def _need(settings: Mapping[str, str], *keys: str) -> str:
    for k in keys:
        v = settings.get(k, "").strip()
        if v:
            return v
    raise ValueError(f"printer settings need {' or '.join(keys)}")


def parse_usb_id(text: str) -> tuple[int, int]:
    """``"0416:5011"`` -> (0x0416, 0x5011)."""
    vid, sep, pid = text.strip().partition(":")
    try:
        if not sep:
            raise ValueError
        v, p = int(vid, 16), int(pid, 16)
    except ValueError:
        raise ValueError(f"printer_usb {text!r}: VID:PID in hex, e.g. 0416:5011") from None
    if not (0 <= v <= 0xFFFF and 0 <= p <= 0xFFFF):
        raise ValueError(f"printer_usb {text!r}: VID and PID are 16-bit")
    return v, p


def transport_from_settings(settings: Mapping[str, str]) -> Transport:
    """The transport the till's settings choose (see the module doc). ValueError for a
    setting that makes no sense; nothing is opened yet."""
    kind = PrinterConfig.from_settings(settings).kind
    timeout = float(settings.get("printer_timeout", "5"))
    if timeout <= 0:
        raise ValueError("printer_timeout must be positive")
    if kind == "serial":
        return SerialTransport(
            _need(settings, "printer_url"),
            baudrate=int(settings.get("printer_baudrate", "9600")),
            flow=settings.get("printer_flow", "none").strip().lower() or "none",
            timeout=timeout,
            status=_status_mode(settings, "on"),
        )
    if kind == "network":
        return NetworkTransport(
            _need(settings, "printer_host"),
            int(settings.get("printer_port", "9100")),
            timeout,
            status=_status_mode(settings, "auto"),
        )
    if kind == "usb":
        vid, pid = parse_usb_id(_need(settings, "printer_usb"))
        return UsbTransport(vid, pid, timeout=timeout, status=_status_mode(settings, "on"))
    if kind == "file":
        return FileTransport(_need(settings, "printer_path", "printer_url"), timeout=timeout)
    return DummyTransport()


__all__ = [
    "KINDS",
    "DummyTransport",
    "FileTransport",
    "NetworkTransport",
    "PrinterConfig",
    "PrinterError",
    "PrinterOffline",
    "PrinterTimeout",
    "SerialTransport",
    "Transport",
    "UsbTransport",
    "parse_usb_id",
    "transport_from_settings",
]
