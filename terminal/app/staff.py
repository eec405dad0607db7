"""Cashier and manager sign-in; manager authorizations (argon2-hashed PINs, lockout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy.orm import Session

from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.store.schema import PrepaidCardRow, StaffRow

# Cheaper than argon2's defaults: a PIN is checked at the counter while a queue waits;
# the lockout, not the hash cost, is what stops guessing a 4-6 digit PIN.
_PH = PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1)
MAX_FAILED = 5
LOCKOUT = timedelta(minutes=5)


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
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("a PIN is 4 to 8 digits", code="invalid_pin", min=4, max=8)
    s.merge(
        StaffRow(
            id=staff_id,
            name=name,
            role=role,
            pin_hash=hash_secret(pin),
            failed=0,
            locked_until=None,
        )
    )


def check_pin(s: Session, staff_id: str, pin: str, now: datetime) -> Staff:
    """Check a PIN; repeated failures lock the account for a while. The failure count is
    the caller's to commit even though this raises (see ``Counter._auth``)."""
    row = s.get(StaffRow, staff_id)
    if row is None:
        raise NotFound(f"no staff member {staff_id!r}", code="unknown_staff", staff=staff_id)
    if _locked(row, now):
        raise RuleViolation(
            f"{row.name} is locked after repeated wrong PINs; try later",
            code="staff_locked",
            name=row.name,
            until=str(row.locked_until)[11:16],  # HH:MM: a lockout is minutes long
        )
    if not _pin_matches(row, pin, now):
        raise RuleViolation("wrong PIN", code="wrong_pin")
    return Staff(row.id, row.name, row.role)


def check_card_pin(s: Session, number: str, pin: str, now: datetime) -> None:
    """A prepaid card's PIN, with the staff lockout: unknown cards and wrong PINs are
    refused alike (the message tells a guesser nothing), and the failure count is the
    caller's to commit even though this raises."""
    card = s.get(PrepaidCardRow, number)
    if card is not None and _locked(card, now):
        raise RuleViolation(
            "this card is locked after repeated wrong PINs; try later",
            code="card_locked",
            until=str(card.locked_until)[11:16],
        )
    if card is None or not _pin_matches(card, pin, now):
        raise RuleViolation("card number or PIN is wrong, or the card is used", code="card_refused")


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
