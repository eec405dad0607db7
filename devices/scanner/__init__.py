"""Barcode scanners (issue 4): serial/USB-CDC readers, keyboard wedges, simulators.

* ``framing``: pure byte stream -> ``Scan`` / ``Dropped`` (suffix, fixed length or
  inter-character timeout framing; AIM prefixes; printable/length/check-digit rules).
* ``wedge``: pure keyboard-wedge detector, telling scans from typing by key timing.
* ``serial_reader``: ``SerialScanner`` (a thread per port, reconnecting) and
  ``ScannerHub`` (several scanners, one queue).
* ``sim``: ``PtyScanner`` / ``SocketScanner``, scanners a test or a person types into
  (``pos-terminal scanner-sim``).
"""

from devices.scanner.framing import Dropped, Framer, Scan
from devices.scanner.serial_reader import (
    CONNECTED,
    DISCONNECTED,
    ScannerHub,
    ScanReceived,
    SerialScanner,
    StatusChanged,
)
from devices.scanner.wedge import Typed, WedgeDetector

__all__ = [
    "CONNECTED",
    "DISCONNECTED",
    "Dropped",
    "Framer",
    "Scan",
    "ScanReceived",
    "ScannerHub",
    "SerialScanner",
    "StatusChanged",
    "Typed",
    "WedgeDetector",
]
