"""Ids are generated once, where a thing happens, and travel with it (idempotency)."""

from __future__ import annotations

import uuid
from typing import Protocol


class IdSource(Protocol):
    def sale_id(self) -> str: ...
    def return_id(self) -> str: ...
    def entry_id(self) -> str: ...
    def coupon_id(self, member_code: str) -> str: ...


class UuidIds:
    """Production: globally unique, so two offline tills never collide."""

    def sale_id(self) -> str:
        return str(uuid.uuid4())

    def return_id(self) -> str:
        return str(uuid.uuid4())

    def entry_id(self) -> str:
        return str(uuid.uuid4())

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
