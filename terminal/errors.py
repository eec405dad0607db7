"""One root error with a stable machine code and a human message.

Handlers raise these; the edges (a dialog, an HTTP status, a replay ``errors``
entry) translate them. ``code`` values are a public interface: never rename one.
"""

from __future__ import annotations


class PosError(Exception):
    """Base of every expected, user-facing failure."""

    code: str = "pos_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

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
        super().__init__(f"{file}: {key}: {problem}")
        self.file, self.key, self.problem = file, key, problem


class InstallConfigError(PosError):
    """The installation's ``pos-terminal.ini`` (beside the executable) cannot be used."""

    code = "install_config_invalid"
