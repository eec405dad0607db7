"""Program versions: the chain's program file, published as numbered versions.

A version has an effective date (the chain's day it takes effect, from the start of
that day) and is never edited: a change is a new version. The program in effect on
a day is the highest version whose date is on or before it; tills pull every version
from the one in effect onwards and switch by themselves on the date, online or not.

HQ judges a till's member entries (``sync.hq.derive``) with the version in effect on
the entry's day, or with the one the till was running then: a till that had not yet
pulled the new version, because it was offline, ran the one in effect among the
versions HQ had delivered to it (``till_programs``, written on pull) by the entry's
time. A till cannot choose a version: it is refused anything the versions it may have
run do not give. ``program_versions.version`` 0 never exists: a till that names 0 ran
the program HQ held before versions (the ``settings`` row, migration 0008 made it 1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync.hq.models import ProgramVersionRow, SettingRow, TillProgramRow
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.rules.program import Program
from terminal.rules.program_loader import parse_program_text

_PARSED: dict[str, Program] = {}  # by the text's SHA-256: a version never changes
MAX_AHEAD = timedelta(days=366)  # an effective date is at most a year away
MAX_NOTE = 500
EPOCH_DAY = date(2000, 1, 1)  # version 1 of an import or a migration: in effect always


@dataclass(frozen=True)
class Version:
    version: int
    program_id: str
    effective_from: date
    sha256: str
    published_at: datetime
    published_by: str
    note: str

    @classmethod
    def of(cls, r: ProgramVersionRow) -> Version:
        return cls(
            r.version,
            r.program_id,
            r.effective_from,
            r.sha256,
            r.published_at,
            r.published_by,
            r.note,
        )


def parsed(text: str, program_id: str) -> Program:
    """A version's program, parsed once per process (bounded, like the till's)."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if key not in _PARSED:
        _PARSED[key] = parse_program_text(text, f"{program_id}.toml")
    return _PARSED[key]


def versions(s: Session) -> list[Version]:
    rows = s.execute(select(ProgramVersionRow).order_by(ProgramVersionRow.version)).scalars()
    return [Version.of(r) for r in rows]


def text_of(s: Session, version: int) -> str:
    row = s.get(ProgramVersionRow, version)
    if row is None:
        raise NotFound(f"no program version {version}", code="unknown_version", version=version)
    return row.toml


def in_effect(held: list[tuple[int, date]], day: date) -> int | None:
    """The version in effect on ``day`` among ``held`` (version, effective date)."""
    return max((v for v, d in held if d <= day), default=None)


def _dates(s: Session) -> list[tuple[int, date]]:
    q = select(ProgramVersionRow.version, ProgramVersionRow.effective_from)
    return [(int(v), d) for v, d in s.execute(q)]


def program_on(s: Session, day: date) -> tuple[int, Program] | None:
    """The version in effect on ``day`` and its program; None before any version."""
    v = in_effect(_dates(s), day)
    if v is None:
        return None
    row = s.get(ProgramVersionRow, v)
    assert row is not None
    return v, parsed(row.toml, row.program_id)


def program_of(s: Session, version: int) -> Program:
    row = s.get(ProgramVersionRow, version)
    if row is None:
        raise NotFound(f"no program version {version}", code="unknown_version", version=version)
    return parsed(row.toml, row.program_id)


def publish(
    s: Session,
    text: str,
    effective: date,
    now: datetime,
    today: date,
    by: str,
    note: str = "",
) -> tuple[Version, bool]:
    """Publish ``text`` as the next version, effective on ``effective`` (today or
    later: tills have already sold under today's version). The file is checked as a
    till checks it, and must be the chain's program (an id is a chain's, for good).
    Publishing the latest version's text with its date again changes nothing, so a
    retried publish is one version. Returns the version and whether it is new."""
    program = parse_program_text(text, "program.toml")  # ProgramFileError: nothing written
    if effective < today:
        raise InvalidInput(
            f"effective date {effective} is before today ({today}): tills have sold under "
            "today's version already",
            code="effective_in_past",
            effective=str(effective),
        )
    if effective - today > MAX_AHEAD:
        raise InvalidInput(
            f"effective date {effective} is more than a year away",
            code="effective_too_far",
            effective=str(effective),
        )
    if len(note) > MAX_NOTE or "\x00" in note or "\x00" in by:
        raise InvalidInput("the note is too long or holds a NUL", code="bad_note")
    chain = s.get(SettingRow, "program")
    if chain is not None and chain.value != program.id:
        raise RuleViolation(
            f"HQ runs program {chain.value}; a version cannot switch it to {program.id}",
            code="program_change",
            program=program.id,
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    last = s.execute(
        select(ProgramVersionRow).order_by(ProgramVersionRow.version.desc()).limit(1)
    ).scalar_one_or_none()
    if last is not None and (last.sha256, last.effective_from) == (digest, effective):
        return Version.of(last), False
    row = ProgramVersionRow(
        version=(last.version if last else 0) + 1,
        program_id=program.id,
        toml=text,
        sha256=digest,
        effective_from=effective,
        published_at=now,
        published_by=by or "hq",
        note=note,
    )
    s.add(row)
    s.merge(SettingRow(key="program", value=program.id))
    s.merge(SettingRow(key="program_toml", value=text))  # the latest text (older HQ tools)
    s.flush()
    return Version.of(row), True


def to_send(s: Session, today: date) -> list[ProgramVersionRow]:
    """The versions a till holds: the one in effect today and every later one."""
    held = _dates(s)
    current = in_effect(held, today)
    first = current if current is not None else min((v for v, _ in held), default=0)
    q = select(ProgramVersionRow).where(ProgramVersionRow.version >= first)
    return list(s.execute(q.order_by(ProgramVersionRow.version)).scalars())


def record_delivered(s: Session, terminal_id: str, sent: list[int], now: datetime) -> None:
    """``till_programs``: the versions a till has been sent, first time each."""
    if not sent:
        return
    dialect = postgresql if s.connection().dialect.name == "postgresql" else sqlite
    ins = dialect.insert(TillProgramRow).values(
        [{"terminal_id": terminal_id, "version": v, "delivered_at": now} for v in sent]
    )
    s.execute(ins.on_conflict_do_nothing(index_elements=["terminal_id", "version"]))


class Chain:
    """The chain's versions as one push or job sees them: read once, parsed once."""

    def __init__(self, s: Session, legacy: Program | None = None) -> None:
        self.s, self.held = s, _dates(s)
        self.legacy = legacy  # the settings' program, for an HQ with no version yet
        self._delivered: dict[str, list[tuple[int, datetime]]] = {}
        self._programs: dict[int, Program] = {}  # a push asks at every entry: read once

    def program(self, version: int) -> Program:
        if version not in self._programs:
            self._programs[version] = program_of(self.s, version)
        return self._programs[version]

    def on(self, day: date) -> Program | None:
        v = in_effect(self.held, day)
        return self.legacy if v is None else self.program(v)

    def candidates(self, terminal_id: str, day: date, at: datetime) -> list[int]:
        """The versions a till may have run for an entry of ``day`` written at ``at``
        (HQ's time, the skew taken off: the least the till can have been sent by
        then): the one in effect, then the one in effect among those delivered to it
        by then. Empty before any version."""
        out = [v for v in (in_effect(self.held, day),) if v is not None]
        if terminal_id not in self._delivered:
            q = select(TillProgramRow.version, TillProgramRow.delivered_at).where(
                TillProgramRow.terminal_id == terminal_id
            )
            self._delivered[terminal_id] = [(int(v), _utc(w)) for v, w in self.s.execute(q)]
        had_by = {v for v, w in self._delivered[terminal_id] if w <= at}
        had = in_effect([(v, d) for v, d in self.held if v in had_by], day)
        if had is not None and had not in out:
            out.append(had)
        return out

    def for_run(self, terminal_id: str, day: date, at: datetime) -> list[Program]:
        found = [self.program(v) for v in self.candidates(terminal_id, day, at)]
        return found or ([self.legacy] if self.legacy is not None else [])


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite keeps no zone


def adopt(s: Session, text: str, now: datetime, today: date, by: str) -> bool:
    """An import's program: version 1 (in effect from the start) on an HQ without
    versions; a changed text, the next version in effect today. True if written."""
    if not _dates(s):
        program = parse_program_text(text, "program.toml")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        s.add(
            ProgramVersionRow(
                version=1,
                program_id=program.id,
                toml=text,
                sha256=digest,
                effective_from=EPOCH_DAY,
                published_at=now,
                published_by=by,
                note="",
            )
        )
        s.merge(SettingRow(key="program", value=program.id))
        s.merge(SettingRow(key="program_toml", value=text))
        s.flush()
        return True
    latest = s.execute(
        select(ProgramVersionRow.sha256).order_by(ProgramVersionRow.version.desc()).limit(1)
    ).scalar_one()
    if latest == hashlib.sha256(text.encode("utf-8")).hexdigest():
        return False
    return publish(s, text, today, now, today, by)[1]
