"""ESC/POS real-time status: ``DLE EOT n`` requests and their one-byte replies, parsed.

Pure: no I/O. A two-way transport sends ``request(n)`` and hands the reply bytes here.

Every reply byte has four fixed bits (Epson ESC/POS, "DLE EOT: transmit real-time
status"): bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0, so ``byte & 0x93 == 0x12``.
That tells a status byte from anything else on the line (XON/XOFF, an Automatic
Status Back block, a stale byte), see ``status_byte``.

=== ============================== =================================================
n   name                           bits used here (1 = set)
=== ============================== =================================================
1   printer status                 bit 2: drawer kick-out connector pin 3 is HIGH;
                                   bit 3: offline; bit 5: waiting for online recovery;
                                   bit 6: paper feed button pressed
2   offline cause                  bit 2: cover open; bit 3: paper being fed by the
                                   FEED button; bit 5: printing stopped by paper end;
                                   bit 6: an error occurred (see n = 3)
3   error cause                    bit 2: recoverable error (mechanical, on the models
                                   that report it); bit 3: autocutter error; bit 5:
                                   unrecoverable error; bit 6: auto-recoverable error
                                   (head too hot, ...)
4   roll paper sensor              bits 2-3: paper near end (both set); bits 5-6:
                                   paper end (both set)
=== ============================== =================================================

A printer out of paper answers 0x1A / 0x32 / - / 0x7E to n = 1 / 2 / - / 4; one with
its cover open 0x1A / 0x16. Many Chinese clones set only one bit of a pair, so either
bit of a pair counts. ``PrinterStatus.fault`` folds it all into what the cashier is
told: "cover_open", "paper_out", "offline" (any other reason not to print), or None.
"""

from __future__ import annotations

from dataclasses import dataclass

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER = 1, 2, 3, 4
FIXED_MASK, FIXED_BITS = 0x93, 0x12

# bits of each reply
_B2, _B3, _B5, _B6 = 0x04, 0x08, 0x20, 0x40
NEAR_END_BITS = _B2 | _B3  # n = 4
PAPER_END_BITS = _B5 | _B6  # n = 4

ERROR_NAMES = ("recoverable", "autocutter", "unrecoverable", "auto_recoverable")
_ERROR_BITS = dict(zip(ERROR_NAMES, (_B2, _B3, _B5, _B6), strict=True))

# PrinterStatus.fault values (also print queue states)
COVER_OPEN = "cover_open"
PAPER_OUT = "paper_out"
OFFLINE = "offline"


class StatusReplyError(ValueError):
    """Bytes that are not a real-time status reply."""


def request(n: int) -> bytes:
    """``DLE EOT n``: ask for status ``n`` (1 printer, 2 offline cause, 3 error cause,
    4 roll paper sensor)."""
    if n not in (PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER):
        raise ValueError(f"DLE EOT n takes n = 1..4, not {n}")
    return DLE_EOT + bytes([n])


def is_status_byte(b: int) -> bool:
    return 0 <= b <= 0xFF and b & FIXED_MASK == FIXED_BITS


def status_byte(reply: bytes) -> int | None:
    """The reply byte in ``reply``: the last byte with the fixed-bit pattern (later bytes
    are fresher), or None when there is none (no answer, or only line noise)."""
    for b in reversed(reply):
        if is_status_byte(b):
            return b
    return None


def _check(b: int, n: int) -> int:
    if not is_status_byte(b):
        raise StatusReplyError(f"{b:#04x} is not a DLE EOT {n} reply (fixed bits 0x12/0x93)")
    return b


@dataclass(frozen=True, slots=True)
class PrinterByte:
    """Reply to ``DLE EOT 1``."""

    offline: bool
    drawer_pin3_high: bool
    waiting_recovery: bool
    feed_button: bool


@dataclass(frozen=True, slots=True)
class OfflineCause:
    """Reply to ``DLE EOT 2``."""

    cover_open: bool
    feeding: bool
    paper_end_stop: bool
    error: bool


@dataclass(frozen=True, slots=True)
class PaperSensor:
    """Reply to ``DLE EOT 4``."""

    near_end: bool
    paper_out: bool


def parse_printer(b: int) -> PrinterByte:
    _check(b, PRINTER)
    return PrinterByte(bool(b & _B3), bool(b & _B2), bool(b & _B5), bool(b & _B6))


def parse_offline_cause(b: int) -> OfflineCause:
    _check(b, OFFLINE_CAUSE)
    return OfflineCause(bool(b & _B2), bool(b & _B3), bool(b & _B5), bool(b & _B6))


def parse_error_cause(b: int) -> tuple[str, ...]:
    """The names of the errors a ``DLE EOT 3`` reply reports (``ERROR_NAMES`` order)."""
    _check(b, ERROR_CAUSE)
    return tuple(name for name, bit in _ERROR_BITS.items() if b & bit)


def parse_paper(b: int) -> PaperSensor:
    _check(b, PAPER)
    return PaperSensor(bool(b & NEAR_END_BITS), bool(b & PAPER_END_BITS))


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the printer said about itself. Fields not asked about keep their defaults."""

    online: bool = True
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    error: bool = False
    errors: tuple[str, ...] = ()  # ERROR_NAMES that DLE EOT 3 reported
    drawer_pin3_high: bool = False  # the drawer's open/closed switch (level depends on it)

    @property
    def fault(self) -> str | None:
        """Why it cannot print now: "cover_open", "paper_out", "offline", or None."""
        if self.cover_open:
            return COVER_OPEN
        if self.paper_out:
            return PAPER_OUT
        if self.error or not self.online:
            return OFFLINE
        return None

    @property
    def ok(self) -> bool:
        return self.fault is None


def from_replies(
    printer: int,
    offline_cause: int | None = None,
    error_cause: int | None = None,
    paper: int | None = None,
) -> PrinterStatus:
    """A ``PrinterStatus`` from the reply bytes to ``DLE EOT`` 1 and, when asked, 2, 3, 4.

    Raises ``StatusReplyError`` for a byte without the fixed-bit pattern.
    """
    p = parse_printer(printer)
    cover = paper_out = near_end = error = False
    errors: tuple[str, ...] = ()
    if offline_cause is not None:
        oc = parse_offline_cause(offline_cause)
        cover, paper_out, error = oc.cover_open, oc.paper_end_stop, oc.error
    if error_cause is not None:
        errors = parse_error_cause(error_cause)
        error = error or bool(errors)
    if paper is not None:
        ps = parse_paper(paper)
        paper_out = paper_out or ps.paper_out
        near_end = ps.near_end or ps.paper_out
    return PrinterStatus(
        online=not p.offline,
        cover_open=cover,
        paper_out=paper_out,
        paper_near_end=near_end,
        error=error,
        errors=errors,
        drawer_pin3_high=p.drawer_pin3_high,
    )


def to_replies(status: PrinterStatus) -> dict[int, int]:
    """The reply bytes a printer in ``status`` sends to ``DLE EOT`` 1..4 (for fakes and
    tests): a printer with its cover open, out of paper or in error is also offline."""
    offline = not status.online or status.cover_open or status.paper_out or status.error
    errors = set(status.errors)
    if status.error and not errors:
        errors.add("unrecoverable")
    unknown = errors - set(ERROR_NAMES)
    if unknown:
        raise ValueError(f"unknown printer errors {sorted(unknown)}")
    b1 = FIXED_BITS | (_B3 if offline else 0) | (_B2 if status.drawer_pin3_high else 0)
    b2 = (
        FIXED_BITS
        | (_B2 if status.cover_open else 0)
        | (_B5 if status.paper_out else 0)
        | (_B6 if errors else 0)
    )
    b3 = FIXED_BITS
    for name in errors:
        b3 |= _ERROR_BITS[name]
    b4 = FIXED_BITS
    if status.paper_near_end or status.paper_out:
        b4 |= NEAR_END_BITS
    if status.paper_out:
        b4 |= PAPER_END_BITS
    return {PRINTER: b1, OFFLINE_CAUSE: b2, ERROR_CAUSE: b3, PAPER: b4}


__all__ = [
    "COVER_OPEN",
    "DLE_EOT",
    "ERROR_NAMES",
    "OFFLINE",
    "PAPER_OUT",
    "OfflineCause",
    "PaperSensor",
    "PrinterByte",
    "PrinterStatus",
    "StatusReplyError",
    "from_replies",
    "is_status_byte",
    "parse_error_cause",
    "parse_offline_cause",
    "parse_paper",
    "parse_printer",
    "request",
    "status_byte",
    "to_replies",
]
