"""Ids are generated once, where a thing happens, and travel with it (idempotency)."""

from __future__ import annotations

import os
import time
import uuid
from typing import Protocol


def uuid7() -> str:
    """A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then 74
    random bits. Rows keyed by it append at the end of their index, so a sale dirties a
    page or two of each index instead of one random page per row; uniqueness rests on
    the random bits, and the wall time here orders storage only, never business."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & (1 << 48) - 1) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & (1 << 62) - 1
    return str(uuid.UUID(int=value))


class IdSource(Protocol):
    def sale_id(self) -> str: ...
    def return_id(self) -> str: ...
    def entry_id(self) -> str: ...
    def coupon_id(self, member_code: str) -> str: ...


class UuidIds:
    """Production: globally unique, so two offline tills never collide; time-ordered,
    so the store's indexes grow at their end."""

    def sale_id(self) -> str:
        return uuid7()

    def return_id(self) -> str:
        return uuid7()

    def entry_id(self) -> str:
        return uuid7()

    def coupon_id(self, member_code: str) -> str:
        return f"{member_code}-{uuid.uuid4().hex[:12]}"


class ReplayIds:
    """Replay: deterministic and readable, so scenario outputs can be compared."""

    def __init__(self, terminal_id: str = "T01") -> None:
        self.t = terminal_id
        self.n: dict[str, int] = {}

    def _next(self, key: str) -> int:
        self.n[key] = self.n.get(key, 0) + 1
        return self.n[key]

    def sale_id(self) -> str:
        return f"{self.t}-S{self._next('sale'):06d}"

    def return_id(self) -> str:
        return f"{self.t}-R{self._next('return'):06d}"

    def entry_id(self) -> str:
        return f"{self.t}-E{self._next('entry'):08d}"

    def coupon_id(self, member_code: str) -> str:
        return f"{member_code}-G{self._next('coupon:' + member_code)}"
