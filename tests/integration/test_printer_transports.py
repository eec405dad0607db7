"""Printer transports over real byte paths: a pty (serial), loopback TCP (port 9100), a
file and a FIFO (device files), an injected USB device, python-escpos's Dummy, and the
till's settings that choose among them."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from devices.printer.fake import FakePrinter, PtyPrinter, TcpPrinter
from devices.printer.queue import OK, PrintQueue
from devices.printer.status import PrinterStatus
from devices.printer.transports import (
    DummyTransport,
    FileTransport,
    NetworkTransport,
    PrinterConfig,
    PrinterOffline,
    PrinterTimeout,
    SerialTransport,
    UsbTransport,
    parse_usb_id,
    transport_from_settings,
)
from devices.scanner.sim import PtyScanner

from .printing import WAIT, States

posix = pytest.mark.skipif(sys.platform == "win32", reason="ptys and FIFOs are POSIX")
RECEIPT = b"\x1b@\x1c&\xb7\xac\xc7\xd1 1.250kg\n\x1bd\x04\x1dV\x01"


def eventually(pred: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    with PtyPrinter() as p:
        yield p


# ----------------------------------------------------------------------------- serial


@posix
def test_serial_status_and_printing_over_a_pty(pty_printer: PtyPrinter) -> None:
    fake = pty_printer.printer
    with SerialTransport(pty_printer.port, timeout=1.0) as t:
        assert t.two_way and t.is_open
        assert t.read_status() == PrinterStatus()
        fake.set(paper_near_end=True)
        assert t.read_status() == PrinterStatus(paper_near_end=True)
        for fault in ("paper_out", "cover_open", "offline"):
            fake.heal()
            fake.set(**{fault: True})
            status = t.read_status()
            assert status is not None and status.fault == fault and not status.online
        t.write(RECEIPT)
        assert fake.wait_received(len(RECEIPT))
    assert bytes(fake.received) == RECEIPT  # status requests are not print data
    assert not t.is_open


@posix
def test_serial_printer_that_is_missing_or_mute() -> None:
    with pytest.raises(PrinterOffline):
        SerialTransport("/nonexistent/ttyUSB9").open()
    # A line with nothing answering DLE EOT: offline (a serial printer always answers)
    with PtyScanner() as mute:
        t = SerialTransport(mute.port, status_timeout=0.05)
        with pytest.raises(PrinterOffline, match="does not answer"):
            t.read_status()
        t.close()
        quiet = SerialTransport(mute.port, status="off")
        assert quiet.read_status() is None and not quiet.two_way
        quiet.write(b"\x1b@hi\n")  # one-way: just sent
        quiet.close()


@posix
def test_serial_write_timeout_when_the_printer_stops_reading(pty_printer: PtyPrinter) -> None:
    pty_printer.stall()  # the printer's buffer is full: nothing more is read
    t = SerialTransport(pty_printer.port, timeout=0.2, status="off")
    with pytest.raises(PrinterTimeout) as e:
        t.write(b"\x00" * 4_000_000)  # far more than the pty holds
    assert e.value.state == "timeout" and e.value.written is None  # pyserial cannot tell
    t.abort()
    assert not t.is_open
    pty_printer.resume()


# ----------------------------------------------------------------------------- network


def test_network_printer_with_status() -> None:
    with TcpPrinter() as server:
        t = NetworkTransport("127.0.0.1", server.port, timeout=1.0)
        assert not t.keep_open  # a network printer is connected to per job
        assert t.read_status() == PrinterStatus()
        server.printer.set(cover_open=True)
        status = t.read_status()
        assert status is not None and status.fault == "cover_open"
        server.printer.heal()
        t.write(RECEIPT)
        assert server.printer.wait_received(len(RECEIPT))
        t.close()
        server.drop_clients()
        assert t.read_status() == PrinterStatus()  # reconnects
        t.close()
    assert bytes(server.printer.received) == RECEIPT


def test_network_printer_that_never_answers_is_one_way() -> None:
    with TcpPrinter(answer_status=False) as server:
        strict = NetworkTransport("127.0.0.1", server.port, status="on", status_timeout=0.05)
        with pytest.raises(PrinterOffline):
            strict.read_status()
        strict.close()
        auto = NetworkTransport("127.0.0.1", server.port, status_timeout=0.05)
        assert auto.read_status() is None  # "auto": learns it is one-way
        assert not auto.two_way and auto.read_status() is None
        auto.write(RECEIPT)
        assert server.printer.wait_received(len(RECEIPT))
        auto.close()


def test_network_printer_unreachable() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    t = NetworkTransport("127.0.0.1", port, connect_timeout=1.0)
    with pytest.raises(PrinterOffline):
        t.open()
    with pytest.raises(PrinterOffline) as e:
        t.write(RECEIPT)
    assert e.value.written == 0


def test_network_write_timeout_counts_what_left() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True).start()
    t = NetworkTransport("127.0.0.1", server.getsockname()[1], timeout=0.2, status="off")
    try:
        with pytest.raises(PrinterTimeout) as e:
            t.write(b"\x00" * 64_000_000)  # the peer reads nothing
        written = e.value.written
        assert written is not None and 0 < written < 64_000_000
        t.abort()  # reset: the kernel drops what it still held
        assert not t.is_open
    finally:
        for c in accepted:
            c.close()
        server.close()


def test_print_queue_over_the_network(tmp_path: Path) -> None:
    with TcpPrinter() as server:
        t = NetworkTransport("127.0.0.1", server.port, timeout=1.0)
        states = States()
        with PrintQueue(t, states, tmp_path / "spool.sqlite", retry_s=0.02) as q:
            server.printer.set(paper_out=True)
            q.submit("T01-000001", RECEIPT)
            assert states.wait("paper_out")
            server.printer.heal()
            q.retry_now()
            assert q.wait_idle(WAIT)
            assert server.printer.wait_received(len(RECEIPT))
            assert eventually(lambda: not t.is_open)  # let go when idle
        assert states.states == ["paper_out", OK]
        assert bytes(server.printer.received) == RECEIPT


# ----------------------------------------------------------------------------- file


def test_file_transport(tmp_path: Path) -> None:
    missing = tmp_path / "lp0"
    t = FileTransport(missing)
    with pytest.raises(PrinterOffline):
        t.write(RECEIPT)
    assert not missing.exists()  # never creates a device path
    assert t.read_status() is None and not t.two_way
    out = FileTransport(tmp_path / "receipts.bin", create=True)
    out.write(RECEIPT)
    out.close()
    out.write(RECEIPT)  # reopens and appends
    out.close()
    assert (tmp_path / "receipts.bin").read_bytes() == RECEIPT * 2


@posix
def test_file_transport_on_a_device_that_stops_taking_data(tmp_path: Path) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    with pytest.raises(PrinterOffline):  # nobody at the other end (ENXIO)
        FileTransport(fifo).open()
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        t = FileTransport(fifo, timeout=0.1)
        with pytest.raises(PrinterTimeout) as e:
            t.write(b"x" * 4_000_000)  # the pipe fills; the "printer" reads nothing
        written = e.value.written
        assert written is not None and 0 < written < 4_000_000
        assert len(os.read(reader, 8_000_000)) >= written - 4096  # exactly what went in
        t.close()
    finally:
        os.close(reader)


# ----------------------------------------------------------------------------- usb


class FakeUsb:
    """The part of ``escpos.printer.Usb`` that ``UsbTransport`` uses."""

    printer: ClassVar[FakePrinter] = FakePrinter()
    fail: ClassVar[Exception | None] = None
    opened: ClassVar[dict[str, Any]] = {}

    def __init__(self, **kwargs: Any) -> None:
        FakeUsb.opened = kwargs
        self._pending = b""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def _raw(self, data: bytes) -> None:
        if FakeUsb.fail is not None:
            raise FakeUsb.fail
        self._pending += self.printer.feed(data)

    def _read(self) -> bytes:
        out, self._pending = self._pending, b""
        return out


class USBTimeoutError(Exception):
    """Named like pyusb's."""


def test_usb_transport_with_an_injected_device() -> None:
    FakeUsb.printer = FakePrinter()
    FakeUsb.fail = None
    t = UsbTransport(0x0416, 0x5011, timeout=2.0, factory=FakeUsb)
    assert t.read_status() == PrinterStatus()
    assert FakeUsb.opened == {
        "idVendor": 0x0416, "idProduct": 0x5011, "timeout": 2000, "in_ep": 0x82, "out_ep": 0x01,
    }  # fmt: skip
    FakeUsb.printer.set(paper_out=True)
    status = t.read_status()
    assert status is not None and status.fault == "paper_out"
    FakeUsb.printer.heal()
    t.write(RECEIPT)
    assert bytes(FakeUsb.printer.received) == RECEIPT
    FakeUsb.fail = USBTimeoutError("timed out")
    with pytest.raises(PrinterTimeout):
        t.write(RECEIPT)
    FakeUsb.fail = OSError(19, "No such device")
    with pytest.raises(PrinterOffline):
        t.write(RECEIPT)
    t.close()

    def missing(**kwargs: Any) -> Any:
        raise RuntimeError("Device not found")

    with pytest.raises(PrinterOffline):
        UsbTransport(0x0416, 0x5011, factory=missing).open()


def test_usb_transport_with_python_escpos() -> None:
    t = UsbTransport(0xFFFF, 0xFFF0)
    try:
        import usb  # type: ignore[import-not-found,import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        with pytest.raises(PrinterOffline, match="pyusb"):
            t.open()
        pytest.skip("pyusb is not installed: only the refusal is tested")
    with pytest.raises(PrinterOffline):  # no such device on this machine
        t.open()


# ----------------------------------------------------------------------------- dummy, settings


def test_dummy_transport() -> None:
    t = DummyTransport()
    assert t.read_status() is None
    t.write(RECEIPT)
    t.write(b"\x1b@")
    assert t.output == RECEIPT + b"\x1b@"
    t.clear()
    assert t.output == b""


def test_transport_from_settings() -> None:
    assert isinstance(transport_from_settings({}), DummyTransport)
    serial_t = transport_from_settings(
        {"printer_kind": "serial", "printer_url": "/dev/ttyUSB0", "printer_baudrate": "115200",
         "printer_flow": "rtscts", "printer_timeout": "3"}
    )  # fmt: skip
    assert isinstance(serial_t, SerialTransport)
    assert (serial_t.url, serial_t.baudrate, serial_t.flow, serial_t.timeout) == (
        "/dev/ttyUSB0", 115200, "rtscts", 3.0,
    )  # fmt: skip
    assert serial_t.two_way
    net = transport_from_settings({"printer_kind": "network", "printer_host": "192.168.1.87"})
    assert isinstance(net, NetworkTransport)
    assert (net.host, net.port, net.status_mode) == ("192.168.1.87", 9100, "auto")
    net2 = transport_from_settings(
        {"printer_kind": "network", "printer_host": "p", "printer_port": "9101",
         "printer_status": "off"}
    )  # fmt: skip
    assert isinstance(net2, NetworkTransport) and net2.port == 9101 and not net2.two_way
    usb = transport_from_settings({"printer_kind": "usb", "printer_usb": "0416:5011"})
    assert isinstance(usb, UsbTransport) and (usb.vendor, usb.product) == (0x0416, 0x5011)
    lp = transport_from_settings({"printer_kind": "file", "printer_path": "/dev/usb/lp0"})
    assert isinstance(lp, FileTransport) and lp.path == Path("/dev/usb/lp0")
    assert isinstance(transport_from_settings({"printer_kind": "DUMMY"}), DummyTransport)

    assert PrinterConfig.from_settings({}) == PrinterConfig("dummy", 48, "gb18030")
    assert PrinterConfig.from_settings(
        {"printer_kind": "usb", "printer_width": "32", "printer_encoding": "GBK"}
    ) == PrinterConfig("usb", 32, "gbk")
    assert parse_usb_id(" 1fc9:2016 ") == (0x1FC9, 0x2016)

    for bad in [
        {"printer_kind": "bluetooth"},
        {"printer_width": "40"},
        {"printer_encoding": "utf-8"},
        {"printer_kind": "serial"},
        {"printer_kind": "network"},
        {"printer_kind": "usb", "printer_usb": "0416"},
        {"printer_kind": "usb", "printer_usb": "zz:11"},
        {"printer_kind": "usb", "printer_usb": "10000:1"},
        {"printer_kind": "serial", "printer_url": "x", "printer_status": "maybe"},
        {"printer_kind": "serial", "printer_url": "x", "printer_flow": "magic"},
        {"printer_kind": "dummy", "printer_timeout": "0"},
    ]:
        with pytest.raises(ValueError):
            transport_from_settings(bad)
