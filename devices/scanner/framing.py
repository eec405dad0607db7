"""Turning a scanner's byte stream into codes: framing, AIM prefixes, validation.

Pure: no serial port, no thread, no clock of its own. The caller feeds bytes with
the time they arrived (``feed``) and calls ``tick`` while the line is quiet, so an
inter-character timeout can end or drop a frame. Everything that is not a clean
code comes back as ``Dropped`` with a reason, and is logged on ``devices.scanner``.

Framing modes (what the scanner is configured to send after each code):

* ``suffix="CR" | "LF" | "CRLF"``: a frame ends at the suffix. A frame still
  incomplete when the line goes quiet for ``timeout_s`` is dropped as partial.
  Stray CR/LF bytes at a frame's edges are ignored, so a scanner that sends CRLF
  still works on a till set to CR or LF. With ``fixed_length`` as well, frames of
  any other length are dropped.
* ``suffix=None, fixed_length=N``: every N bytes are a frame (AIM prefix included
  if the scanner sends one); fewer than N followed by silence are dropped.
* ``suffix=None, fixed_length=None``: a frame ends when the line goes quiet for
  ``timeout_s`` (scanners with no terminator at all).

A frame becomes a ``Scan`` only if, after the AIM prefix is removed, it is
printable ASCII (0x20-0x7E), ``min_length`` to ``max_length`` characters long,
and, when it is all digits of a GTIN length (8, 12, 13), its check digit is right.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from terminal.rules.barcodes import is_gtin, looks_like_gtin

log = logging.getLogger("devices.scanner")

Suffix = Literal["CR", "LF", "CRLF"]
SUFFIXES: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}

# A signed member app code is at most "MC1." + 32 + "." + 12 + "." + 88 = 138 characters.
DEFAULT_MAX_LENGTH = 160
DEFAULT_MIN_LENGTH = 4
AIM_LENGTH = 3

# Reasons a frame is dropped (stable strings: logs and tests match on them).
BAD_CHECK_DIGIT = "bad check digit"
NOT_PRINTABLE = "not printable ASCII"
TOO_LONG = "too long"
TOO_SHORT = "too short"
WRONG_LENGTH = "wrong length"
PARTIAL = "partial frame at timeout"

UNKNOWN_SYMBOLOGY = "unknown"

# "]" + symbology character + modifier (ISO/IEC 15424). Modifiers are usually a digit;
# a few symbologies use letters, so any alphanumeric is taken.
_AIM = re.compile(rb"\]([A-Za-z])([0-9A-Za-z])")

_SYMBOLOGIES: dict[str, str] = {
    "A": "Code 39",
    "C": "Code 128",
    "E": "EAN/UPC",
    "F": "Codabar",
    "G": "Code 93",
    "I": "ITF",
    "L": "PDF417",
    "Q": "QR",
    "d": "Data Matrix",
    "e": "GS1 DataBar",
    "z": "Aztec",
}
_SYMBOLOGY_MODIFIERS: dict[str, str] = {
    "C1": "GS1-128",
    "E4": "EAN-8",
    "d2": "GS1 DataMatrix",
    "Q3": "GS1 QR",
}


@dataclass(frozen=True, slots=True)
class Scan:
    """A complete, validated code. ``aim`` is the stripped prefix ("]E0"), or ""."""

    code: str
    symbology: str
    aim: str = ""


@dataclass(frozen=True, slots=True)
class Dropped:
    """Bytes that did not make a code, and why (one of the reason constants above)."""

    reason: str
    raw: bytes


Event = Scan | Dropped


def symbology_name(aim: str, code: str = "") -> str:
    """A readable symbology for an AIM prefix such as "]E0"; "unknown" for none."""
    if not aim:
        return UNKNOWN_SYMBOLOGY
    key = aim[1:3]
    if key == "E0":
        return {13: "EAN-13", 12: "UPC-A", 8: "UPC-E"}.get(len(code), "EAN/UPC")
    return _SYMBOLOGY_MODIFIERS.get(key) or _SYMBOLOGIES.get(key[0], f"AIM {aim}")


def strip_aim(frame: bytes) -> tuple[str, bytes]:
    """Split an AIM symbology prefix off a frame: ("]E0", rest), or ("", frame)."""
    m = _AIM.match(frame)
    if m is None:
        return "", frame
    return frame[:AIM_LENGTH].decode("ascii"), frame[AIM_LENGTH:]


def check_frame(
    frame: bytes,
    *,
    min_length: int = DEFAULT_MIN_LENGTH,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> Event:
    """One complete frame (suffix already removed) as a ``Scan`` or a ``Dropped``.

    Shared by the serial framer and the keyboard-wedge detector, so a code is held
    to the same rules whichever way it reaches the till. Drops are logged.
    """
    aim, body = strip_aim(frame)
    if not all(0x20 <= b <= 0x7E for b in body):
        return _drop(NOT_PRINTABLE, frame)
    if len(body) > max_length:
        return _drop(TOO_LONG, frame)
    if len(body) < min_length:
        return _drop(TOO_SHORT, frame)
    code = body.decode("ascii")
    if looks_like_gtin(code) and not is_gtin(code):
        return _drop(BAD_CHECK_DIGIT, frame)
    return Scan(code, symbology_name(aim, code), aim)


def _drop(reason: str, raw: bytes) -> Dropped:
    shown = raw if len(raw) <= 80 else raw[:80] + b"..."
    log.warning("scanner input dropped: %s: %r", reason, shown)
    return Dropped(reason, raw)


class Framer:
    """Splits a byte stream into frames and checks each one (see the module doc)."""

    def __init__(
        self,
        suffix: Suffix | None = "CR",
        fixed_length: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        timeout_s: float = 0.05,
        *,
        min_length: int = DEFAULT_MIN_LENGTH,
    ) -> None:
        if suffix is not None and suffix not in SUFFIXES:
            raise ValueError(f"suffix must be one of {', '.join(SUFFIXES)} or None: {suffix!r}")
        if fixed_length is not None and not 1 <= fixed_length <= max_length + AIM_LENGTH:
            raise ValueError(f"fixed_length {fixed_length} outside 1..{max_length + AIM_LENGTH}")
        if not 1 <= min_length <= max_length:
            raise ValueError(f"need 1 <= min_length <= max_length: {min_length}, {max_length}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive: {timeout_s}")
        self.suffix = suffix
        self.fixed_length = fixed_length
        self.max_length = max_length
        self.min_length = min_length
        self.timeout_s = timeout_s
        self._term = SUFFIXES[suffix] if suffix else b""
        # Longest raw frame worth keeping: code + AIM prefix + suffix + stray CR/LF.
        self._limit = max_length + AIM_LENGTH + 4
        self._buf = bytearray()
        self._discarding = False  # after an over-long frame: skip to the next suffix
        self._prev = -1  # last byte seen while discarding (to spot a split CRLF)
        self._last: float | None = None  # arrival time of the last byte

    def reset(self) -> None:
        """Forget any partial frame silently (the port was closed or reopened)."""
        self._buf.clear()
        self._discarding = False
        self._prev = -1
        self._last = None

    @property
    def pending(self) -> bool:
        """True while a partial frame is buffered."""
        return bool(self._buf) or self._discarding

    def feed(self, data: bytes, now: float) -> list[Event]:
        """Bytes that arrived at ``now`` (seconds, monotonic); the events they complete."""
        events = self.tick(now)
        if not data:
            return events
        self._last = now
        term = self._term
        for b in data:
            if self._discarding:
                if term and b == term[-1] and (len(term) == 1 or self._prev == term[0]):
                    self._discarding = False
                    self._prev = -1
                else:
                    self._prev = b
                continue
            self._buf.append(b)
            if term and self._buf.endswith(term):
                frame = bytes(self._buf[: -len(term)])
                self._buf.clear()
                events.extend(self._complete(frame))
            elif not term and self.fixed_length and len(self._buf) == self.fixed_length:
                frame = bytes(self._buf)
                self._buf.clear()
                events.extend(self._complete(frame))
            elif len(self._buf) > self._limit:
                events.append(_drop(TOO_LONG, bytes(self._buf)))
                self._buf.clear()
                self._discarding = True
                self._prev = b
        return events

    def tick(self, now: float) -> list[Event]:
        """Call while no bytes arrive: ends or drops a frame once the line is quiet."""
        if self._last is None or now - self._last <= self.timeout_s:
            return []
        frame = bytes(self._buf)
        self.reset()
        if not frame.strip(b"\r\n"):
            return []  # nothing buffered, or only the tail of an over-long frame
        if self.suffix is None and self.fixed_length is None:
            return self._complete(frame)  # the timeout is the terminator
        return [_drop(PARTIAL, frame)]

    def _complete(self, frame: bytes) -> list[Event]:
        if self.suffix is not None:
            frame = frame.strip(b"\r\n")
            if not frame:
                log.debug("empty frame ignored")
                return []
            if self.fixed_length is not None and len(frame) != self.fixed_length:
                return [_drop(WRONG_LENGTH, frame)]
        return [check_frame(frame, min_length=self.min_length, max_length=self.max_length)]
