"""Issue 4's "done when": a whole checkout through the devices.

Codes typed into a simulated serial scanner (a pty) -> ``SerialScanner`` -> the counter
services -> a committed cash sale -> ``receipt_bytes`` -> the print queue -> the printer
chosen in the till's settings (a simulated serial printer on another pty, answering
status requests, or python-escpos's Dummy), whose captured ESC/POS bytes decode back to
exactly the receipt's text, drawer kick included.
"""

from __future__ import annotations

import queue
import sys
import threading
from pathlib import Path

import pytest

from devices.drawer import Drawer
from devices.printer.fake import FakePrinter, PtyPrinter
from devices.printer.queue import OK, PrintQueue, spool_path
from devices.printer.render import KICK, decode_text
from devices.printer.transports import (
    DummyTransport,
    PrinterConfig,
    SerialTransport,
    transport_from_settings,
)
from devices.scanner.serial_reader import CONNECTED, SerialScanner
from devices.scanner.sim import PtyScanner
from terminal.app import setup
from terminal.printing.layout import printed_lines, sale_receipt, with_kick

from ..app.store import RICE, SOY, shop
from .printing import STORE, WAIT, States, cash, receipt

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")

CODES = [SOY.code, RICE.code, SOY.code]


@pytest.mark.parametrize("kind", ["serial", "dummy"])
def test_scanned_codes_come_out_of_the_printer_as_the_receipt(tmp_path: Path, kind: str) -> None:
    s = shop(tmp_path)
    with PtyScanner() as scanner_port, PtyPrinter(FakePrinter()) as printer_port:
        # The till's settings choose the printer.
        settings = {"printer_kind": kind, "printer_width": "48", "printer_encoding": "gb18030"}
        if kind == "serial":
            settings |= {"printer_url": printer_port.port, "printer_timeout": "2"}
        setup.configure(s.counter.sessions, **settings)
        config = PrinterConfig.from_settings(s.counter.settings())
        transport = transport_from_settings(s.counter.settings())
        assert isinstance(transport, SerialTransport if kind == "serial" else DummyTransport)

        # Scan: the reader thread hands codes over; the counter is used on this thread.
        scans: queue.Queue[str] = queue.Queue()
        connected = threading.Event()
        reader = SerialScanner(
            scanner_port.port,
            "hand",
            lambda _name, code: scans.put(code),
            lambda _name, status: connected.set() if status == CONNECTED else None,
        )
        with reader:
            assert connected.wait(WAIT)
            for code in CODES:
                scanner_port.send(code)
            for _ in CODES:
                s.counter.scan(scans.get(timeout=WAIT))
        assert s.counter.sale is not None
        assert [(ln.product.code, ln.qty.milli) for ln in s.counter.sale.lines] == [
            (SOY.code, 2000),
            (RICE.code, 1000),
        ]

        sale = s.counter.pay([cash("100.00")])  # committed before anything prints
        assert s.counter.sale_count() == 1
        data = receipt(s, sale)

        states = States()
        with PrintQueue(transport, states, spool_path(s.path), retry_s=0.02) as q:
            assert q.submit(sale.receipt_no, data)
            assert q.wait_idle(WAIT)
        assert states.states == [OK]

        if kind == "serial":
            printer = printer_port.printer
            assert printer.wait_received(len(data))
            assert printer.status_queries >= 2  # DLE EOT 1 and 4 before the job
            captured = bytes(printer.received)
        else:
            assert isinstance(transport, DummyTransport)
            captured = transport.output

    assert captured == data
    doc = with_kick(sale_receipt(sale, s.counter.program, STORE, config.width, s.clock.now()))
    assert decode_text(captured, config.encoding).split("\n")[:-1] == printed_lines(
        doc, config.width
    )
    text = decode_text(captured)
    assert sale.receipt_no in text and "大米 5kg" in text and "现金 实收" in text
    assert captured.count(KICK) == 1  # cash: the drawer opens as the receipt prints
    assert not Drawer(transport).for_sale(sale)  # the receipt carried the kick already
