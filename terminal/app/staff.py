"""Cashier and manager sign-in; manager authorizations (argon2-hashed PINs, lockout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.store.schema import PrepaidCardRow, StaffRow

# Cheaper than argon2's defaults: a PIN is checked at the counter while a queue waits;
# the lockout, not the hash cost, is what stops guessing a 4-6 digit PIN.
_PH = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
MAX_FAILED = 5
HQ = "hq"  # ``StaffRow.managed`` of a row HQ sends (``sync.till``): changed only at HQ
LOCKOUT = timedelta(minutes=5)
TILL_PAUSE = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return _PH.hash(secret)


def check_secret(hashed: str, secret: str) -> bool:
    try:
        return _PH.verify(hashed, secret)
    except VerificationError:
        return False


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    name: str
    role: str  # cashier | manager


@dataclass(frozen=True, slots=True)
class Authorization:
    """A manager's PIN was checked for this action; the action records it in the ledger."""

    manager: str
    name: str
    at: datetime


def add_staff(s: Session, staff_id: str, name: str, role: str, pin: str) -> None:
    if role not in ("cashier", "manager"):
        raise InvalidInput(f"unknown role {role!r}", code="invalid_role", role=role)
    _check_pin_shape(pin)
    held = s.get(StaffRow, staff_id)
    if held is not None:
        _check_local(held)
    s.merge(
        StaffRow(
            id=staff_id,
            name=name,
            role=role,
            pin_hash=hash_secret(pin),
            failed=0,
            locked_until=None,
            disabled=False,
        )
    )


def check_pin(s: Session, staff_id: str, pin: str, now: datetime) -> Staff:
    """A staff member's own sign-in: ``MAX_FAILED`` wrong PINs in a row lock the account
    for ``LOCKOUT``. The failure count is the caller's to commit even though this raises
    (see ``Counter.sign_in``)."""
    row = _active(s, staff_id, now)
    if not _pin_matches(row, pin, now):
        if _locked(row, now):
            raise _locked_error(row)
        raise RuleViolation(
            "wrong PIN", code="wrong_pin", left=MAX_FAILED - row.failed, name=row.name
        )
    return Staff(row.id, row.name, row.role)


def verify_pin(s: Session, staff_id: str, pin: str, now: datetime) -> Staff | None:
    """A PIN typed for someone else's approval (a manager's at a till): checked without
    touching the account's failure count, so a cashier's typos never lock the manager
    out; the till counts them instead (``TillAttempts``). None: wrong PIN."""
    row = _active(s, staff_id, now)
    return Staff(row.id, row.name, row.role) if check_secret(row.pin_hash, pin) else None


def _active(s: Session, staff_id: str, now: datetime) -> StaffRow:
    row = s.get(StaffRow, staff_id)
    if row is None:
        raise NotFound(f"no staff member {staff_id!r}", code="unknown_staff", staff=staff_id)
    if row.disabled:
        raise RuleViolation(f"{row.name} is disabled", code="staff_disabled", name=row.name)
    if _locked(row, now):
        raise _locked_error(row)
    return row


def _locked_error(row: StaffRow) -> RuleViolation:
    until = str(row.locked_until)[11:16]  # HH:MM: a lockout is minutes long
    return RuleViolation(
        f"{row.name} is locked after repeated wrong PINs until {until}",
        code="staff_locked",
        name=row.name,
        until=until,
    )


class TillAttempts:
    """Wrong manager PINs typed at this till: ``MAX_FAILED`` in a row pause manager
    authorizations here for ``TILL_PAUSE`` (the manager's account is untouched, and can
    still sign in or approve at another till). Kept in memory: a restart ends a pause,
    which is no worse than waiting for it, and costs a guesser a minute each time."""

    def __init__(self) -> None:
        self.failed = 0
        self.paused_until: datetime | None = None

    def check_open(self, now: datetime) -> None:
        if self.paused_until is not None and now < self.paused_until:
            until = self.paused_until.strftime("%H:%M:%S")
            raise RuleViolation(
                f"too many wrong manager PINs at this till; try again at {until}",
                code="till_auth_paused",
                until=until,
            )

    def failure(self, now: datetime) -> RuleViolation:
        self.failed += 1
        if self.failed >= MAX_FAILED:
            self.failed, self.paused_until = 0, now + TILL_PAUSE
            self.check_open(now)
        return RuleViolation("wrong PIN", code="wrong_pin", left=MAX_FAILED - self.failed)

    def success(self) -> None:
        self.failed, self.paused_until = 0, None


def list_staff(s: Session) -> list[StaffRow]:
    return list(s.scalars(select(StaffRow).order_by(StaffRow.id)))


def state_of(row: StaffRow, now: datetime) -> str:
    if row.disabled:
        return "disabled"
    return f"locked until {row.locked_until}" if _locked(row, now) else "active"


def set_pin(s: Session, staff_id: str, pin: str) -> None:
    """A new PIN also clears a lockout (the manager reset it in person)."""
    row = _local(s, staff_id)
    _check_pin_shape(pin)
    row.pin_hash, row.failed, row.locked_until = hash_secret(pin), 0, None


def disable(s: Session, staff_id: str) -> None:
    _local(s, staff_id).disabled = True


def _local(s: Session, staff_id: str) -> StaffRow:
    row = _get(s, staff_id)
    _check_local(row)
    return row


def _check_local(row: StaffRow) -> None:
    """HQ's rows come back with every pull: a local change would be undone silently."""
    if row.managed == HQ:
        raise RuleViolation(
            f"{row.name} ({row.id}) is managed at HQ: change them in the HQ console",
            code="staff_managed_at_hq",
            name=row.name,
            staff=row.id,
        )


def _get(s: Session, staff_id: str) -> StaffRow:
    row = s.get(StaffRow, staff_id)
    if row is None:
        raise NotFound(f"no staff member {staff_id!r}", code="unknown_staff", staff=staff_id)
    return row


def _check_pin_shape(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("a PIN is 4 to 8 digits", code="invalid_pin", min=4, max=8)


check_pin_shape = _check_pin_shape  # HQ holds the PINs it manages to the same rule


def check_card_pin(s: Session, number: str, pin: str, now: datetime) -> None:
    """A prepaid card's PIN, with the staff lockout. An unknown card, a wrong PIN and a
    locked card are refused alike (``card_refused``: one code and text, one argon2
    verify each), so the answer and its time tell a guesser nothing. While a card is
    locked its PIN is not checked at all, the right one neither: an answer that told
    the right PIN apart during the lockout would let the guessing go on through it.
    The failure count is the caller's to commit even though this raises."""
    card = s.get(PrepaidCardRow, number)
    if card is None or _locked(card, now):
        check_secret(_decoy(), pin)  # a known card's argon2 work: its time tells nothing
        raise card_refused()
    if not _pin_matches(card, pin, now):
        raise card_refused()


def card_refused() -> RuleViolation:
    """The one refusal of a card a PIN does not open (unknown, wrong PIN, locked, used)."""
    return RuleViolation(
        "card number or PIN is wrong, the card is used, or it is locked after wrong PINs",
        code="card_refused",
    )


_DECOY: list[str] = []


def _decoy() -> str:
    """A hash of no card's PIN, made once, with the same parameters as real ones."""
    if not _DECOY:
        _DECOY.append(hash_secret("decoy-pin"))
    return _DECOY[0]


def _locked(row: StaffRow | PrepaidCardRow, now: datetime) -> bool:
    return bool(row.locked_until) and now < datetime.fromisoformat(str(row.locked_until))


def _pin_matches(row: StaffRow | PrepaidCardRow, pin: str, now: datetime) -> bool:
    """Check ``pin`` against ``row``'s hash, counting failures: ``MAX_FAILED`` in a row
    lock it for ``LOCKOUT`` (staff accounts and prepaid cards alike); a match resets."""
    if not check_secret(row.pin_hash, pin):
        row.failed += 1
        if row.failed >= MAX_FAILED:
            row.locked_until, row.failed = (now + LOCKOUT).isoformat(), 0
        return False
    row.failed, row.locked_until = 0, None
    return True
