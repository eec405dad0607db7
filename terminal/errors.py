"""One root error with a stable machine code, the figures its text needs, and an
English message.

Handlers raise these; the edges (a dialog, an HTTP status, a replay ``errors``
entry) translate them. ``code`` values are a public interface: never rename one.
The screen shows no ``message`` (English, for logs and replay): it looks the code up
in its own table (ui/refusals.py) and fills in ``params``. Where one code covers
situations that need different words, a ``case`` param tells them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

Param = str | int  # what a refusal's text is filled with


class _Plain(Protocol):
    """Money and Qty: kept as their plain form ("12.50", "1.250")."""

    def plain(self) -> str: ...


def _param(value: str | int | _Plain) -> Param:
    if isinstance(value, str | int):
        return value
    return value.plain()


class PosError(Exception):
    """Base of every expected, user-facing failure."""

    code: str = "pos_error"

    def __init__(
        self, message: str, *, code: str | None = None, **params: str | int | _Plain
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.params: Mapping[str, Param] = MappingProxyType(
            {k: _param(v) for k, v in params.items()}
        )

    def __str__(self) -> str:
        return self.message


class InvalidInput(PosError):
    """Malformed input: a bad amount, a negative quantity, a garbled code."""

    code = "invalid_input"


class RuleViolation(PosError):
    """Well-formed input the program's rules refuse (coupon below threshold...)."""

    code = "rule_violation"


class NotFound(PosError):
    code = "not_found"


class ProgramFileError(PosError):
    """A program file that does not validate; the message names file, key and problem."""

    code = "program_invalid"

    def __init__(self, file: str, key: str, problem: str) -> None:
        super().__init__(f"{file}: {key}: {problem}", file=file, key=key, problem=problem)
        self.file, self.key, self.problem = file, key, problem


class InstallConfigError(PosError):
    """The installation's ``pos-terminal.ini`` (beside the executable) cannot be used."""

    code = "install_config_invalid"


class StoreDamaged(PosError):
    """The store file cannot be read as a till's store (empty, not SQLite, corrupt pages):
    the till neither sells on it nor reports it "ok"."""

    code = "store_damaged"


class StoreTampered(PosError):
    """The store reads, but its ledger or a table it explains does not hold together (a
    row edited, deleted or forged): the till stops taking money until it is examined."""

    code = "store_tampered"
    problems: tuple[str, ...] = ()  # every problem the check found (the till tells HQ)
