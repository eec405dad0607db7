"""Telling a keyboard-wedge scanner from a cashier typing, by timing alone.

A wedge scanner "types" a whole code and Enter in a few milliseconds; a person
leaves 80 ms or more between keys. The detector holds printable keys while they
arrive faster than ``max_interval_ms`` apart; a held burst of at least
``min_length`` characters ended by Enter, still at that pace, is a scan (checked
like any serial scan: printable, length, GTIN check digit). Anything else is given
back, in order, as typed text, so digits a cashier types never become a scan.

Pure and deterministic: the caller passes each key's timestamp, and calls
``tick`` (or sets a timer for ``release_at``) so keys held for a burst that never
came are handed back within ``max_interval_ms``.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.scanner.framing import DEFAULT_MAX_LENGTH, Dropped, Scan, check_frame

ENTER = frozenset({"\r", "\n"})


@dataclass(frozen=True, slots=True)
class Typed:
    """Keys a person typed, to deliver to the focused field as if never intercepted."""

    text: str


WedgeEvent = Scan | Dropped | Typed


class WedgeDetector:
    """Feed every key with ``feed(char, t_ms)``; act on the events it returns."""

    def __init__(
        self,
        max_interval_ms: float = 30,
        min_length: int = 6,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> None:
        if max_interval_ms <= 0 or min_length < 1 or max_length < min_length:
            raise ValueError("need max_interval_ms > 0 and 1 <= min_length <= max_length")
        self.max_interval_ms = max_interval_ms
        self.min_length = min_length
        self.max_length = max_length
        self._held: list[str] = []
        self._last: float | None = None

    @property
    def release_at(self) -> float | None:
        """When held keys become typed text unless another key comes first (ms), or None."""
        if not self._held or self._last is None:
            return None
        return self._last + self.max_interval_ms

    def feed(self, char: str, t_ms: float) -> list[WedgeEvent]:
        """One key: a printable character, or "\\r"/"\\n" for Enter; others pass through."""
        out = self.tick(t_ms)
        if char in ENTER:
            out.extend(self._enter(char))
        elif len(char) == 1 and char.isascii() and char.isprintable():
            self._held.append(char)
            self._last = t_ms
        else:  # Backspace, Tab, a non-ASCII character: never part of a scan
            out.append(Typed(self._take() + char))
        return out

    def tick(self, now_ms: float) -> list[WedgeEvent]:
        """Hand back held keys once the burst has paused for longer than a scanner would."""
        if self._last is not None and self._held and now_ms - self._last > self.max_interval_ms:
            return [Typed(self._take())]
        return []

    def flush(self) -> list[WedgeEvent]:
        """Hand back whatever is held now (focus moved, the screen is closing)."""
        return [Typed(self._take())] if self._held else []

    def _enter(self, char: str) -> list[WedgeEvent]:
        held = self._take()
        # A held key auto-repeating fast is one repeated character, not a scan.
        if len(held) >= self.min_length and len(set(held)) > 1:
            return [
                check_frame(
                    held.encode("ascii"), min_length=self.min_length, max_length=self.max_length
                )
            ]
        return [Typed(held + char)]

    def _take(self) -> str:
        held = "".join(self._held)
        self._held.clear()
        self._last = None
        return held
