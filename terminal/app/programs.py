"""The program the counter runs: the version HQ published that is in effect today.

HQ publishes program versions with an effective date (``sync.hq.programs``); a till
pulls the one in effect and every later one into ``program_versions`` and switches by
itself when a version's date comes, online or not. A till that has never pulled one
runs the program its settings name (the shipped file, or the text an HQ from before
versions sent), as version 0.

The counter asks for the program at every step of a sale, so this is cheap: the
store is asked whether the versions changed at most every ``RECHECK_S`` seconds, and
they are read and parsed again only when they did.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from terminal.errors import ProgramFileError
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program, parse_program_text
from terminal.store.schema import ProgramVersionRow, Setting

log = logging.getLogger(__name__)
RECHECK_S = 2.0  # a version a pull just wrote is running within this (a monotonic clock)


@dataclass(frozen=True)
class Running:
    version: int  # 0: no published version held (the settings' program)
    program: Program


class HeldPrograms:
    """``at(day)``: the version in effect on ``day`` among those the store holds."""

    def __init__(
        self, sessions: sessionmaker[Session], monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.sessions, self.monotonic = sessions, monotonic
        self._checked = float("-inf")
        self._seen: tuple[int, int] | None = None  # (versions held, highest) last read
        self._held: list[tuple[int, date | None, Program]] = []
        self._fallback: Program | None = None
        self._day: date | None = None
        self._running: Running | None = None

    def at(self, day: date) -> Running:
        if self.monotonic() - self._checked >= RECHECK_S:
            self.refresh()
        if self._running is None or self._day != day:
            assert self._fallback is not None  # refresh read it
            self._day, self._running = day, _in_effect(self._held, self._fallback, day)
        return self._running

    __call__ = at  # a ``Source``

    def refresh(self) -> None:
        """Read the versions again if a pull changed them."""
        with self.sessions() as s:
            seen = _fingerprint(s)
            if seen != self._seen or self._fallback is None:
                self._held, self._fallback = _read(s), _settings_program(s)
                self._seen, self._running = seen, None
        self._checked = self.monotonic()


def _fingerprint(s: Session) -> tuple[int, int]:
    row = s.execute(text("SELECT count(*), coalesce(max(version), 0) FROM program_versions"))
    n, top = row.one()
    return int(n), int(top)


def _read(s: Session) -> list[tuple[int, date | None, Program]]:
    out = []
    for r in s.execute(select(ProgramVersionRow).order_by(ProgramVersionRow.version)).scalars():
        program = _parse(r)
        if program is not None:
            eff = date.fromisoformat(r.effective_from) if r.effective_from else None
            out.append((r.version, eff, program))
    return out


def _parse(r: ProgramVersionRow) -> Program | None:
    """A held version, or None if its text is not what HQ sent (its digest) or does
    not parse here: the till keeps running the version before it."""
    if hashlib.sha256(r.toml.encode("utf-8")).hexdigest() != r.sha256:
        log.error("program version %s: its text does not match its digest", r.version)
        return None
    try:
        return parse_program_text(r.toml, f"{r.program_id}.toml")
    except ProgramFileError as e:
        log.error("program version %s does not parse here: %s", r.version, e)
        return None


def _settings_program(s: Session) -> Program:
    """The shipped file the settings name: what a till ran before versions."""
    row = s.get(Setting, "program")
    return load_program(row.value if row is not None else "tomato")


def _in_effect(
    held: list[tuple[int, date | None, Program]], fallback: Program, day: date
) -> Running:
    best: tuple[int, Program] | None = None
    for version, eff, program in held:
        if (eff is None or eff <= day) and (best is None or version > best[0]):
            best = (version, program)
    return Running(*best) if best else Running(0, fallback)


Source = Callable[[date], Running]


def fixed(program: Program) -> Source:
    """One program whatever the day (replay, tests, a till without a store's versions)."""
    running = Running(0, program)
    return lambda _day: running
