"""Staff managed at HQ: each store's cashiers and managers, their PINs and whether they
may sign in, sent to that store's tills with their pulls (``service.pull``).

HQ hashes a PIN with the till's own argon2 parameters (``terminal.app.staff``), so the
till's ``check_pin`` verifies the hash it pulled unchanged; the PIN itself is never
kept, logged or sent. Each change moves the member of staff to a new change cursor
(``changes`` kind ``staff``, key ``store/id``): a till's pull brings only what changed
after its cursor, and only its own store's. The lockout counters (wrong PINs in a row,
locked until) are each till's: a pull never touches them.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hq import service as svc
from sync.hq.models import StaffRow, StoreRow
from terminal.app import staff as till_staff
from terminal.errors import InvalidInput, NotFound, RuleViolation

ROLES = ("cashier", "manager")
KIND = "staff"  # ``changes.kind``
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")  # what a till's staff.id holds
MAX_NAME = 64


def change_key(store_id: str, staff_id: str) -> str:
    return f"{store_id}/{staff_id}"


def add(
    s: Session,
    store_id: str,
    staff_id: str,
    name: str,
    role: str,
    pin: str,
    now: datetime,
    by: str,
) -> StaffRow:
    """A new member of ``store_id``'s staff; an id the store already has is refused (a
    new PIN is ``set_pin``; an id is never reused for someone else)."""
    _store(s, store_id)
    if not _ID.match(staff_id):
        raise InvalidInput(
            f"staff id {staff_id!r}: 1-32 letters, digits, '.', '_' or '-'", code="bad_staff_id"
        )
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"a name is 1 to {MAX_NAME} characters", code="bad_staff_name")
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}", code="invalid_role", role=role)
    till_staff.check_pin_shape(pin)
    if s.get(StaffRow, (store_id, staff_id)) is not None:
        raise RuleViolation(
            f"store {store_id} already has staff {staff_id}", code="staff_exists", staff=staff_id
        )
    row = StaffRow(
        store_id=store_id,
        staff_id=staff_id,
        name=name,
        role=role,
        pin_hash=till_staff.hash_secret(pin),
        disabled=False,
        updated_at=now,
        updated_by=by[:64],
    )
    s.add(row)
    _changed(s, row, now, by)
    return row


def set_pin(s: Session, store_id: str, staff_id: str, pin: str, now: datetime, by: str) -> StaffRow:
    till_staff.check_pin_shape(pin)
    row = get(s, store_id, staff_id)
    row.pin_hash = till_staff.hash_secret(pin)
    _changed(s, row, now, by)
    return row


def set_disabled(
    s: Session, store_id: str, staff_id: str, disabled: bool, now: datetime, by: str
) -> StaffRow:
    """Disabled: refused at sign-in and for approvals at every till of the store once
    it has pulled; kept, with the name their past sales show."""
    row = get(s, store_id, staff_id)
    if row.disabled != disabled:
        row.disabled = disabled
        _changed(s, row, now, by)
    return row


def listing(s: Session, store_id: str) -> list[StaffRow]:
    """A store's staff; an unknown store is ``unknown_store`` (a typo lists nothing)."""
    _store(s, store_id)
    return list(
        s.scalars(select(StaffRow).where(StaffRow.store_id == store_id).order_by(StaffRow.staff_id))
    )


def get(s: Session, store_id: str, staff_id: str) -> StaffRow:
    row = s.get(StaffRow, (store_id, staff_id))
    if row is None:
        raise NotFound(
            f"store {store_id} has no staff {staff_id!r}", code="unknown_staff", staff=staff_id
        )
    return row


def _store(s: Session, store_id: str) -> StoreRow:
    """Only a store HQ knows (enrolled a till, or set up): a typo makes no new store."""
    store = s.get(StoreRow, store_id)
    if store is None:
        raise NotFound(f"no store {store_id!r} at HQ", code="unknown_store", store=store_id)
    return store


def _changed(s: Session, row: StaffRow, now: datetime, by: str) -> None:
    row.updated_at, row.updated_by = now, by[:64]
    s.flush()
    svc.bump(s, [(KIND, change_key(row.store_id, row.staff_id))])  # the last step: its lock
