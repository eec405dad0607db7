"""Setting a store up: identity, staff, catalog, members' opening balances.

Opening balances go through the ledger like everything else, so ``verify`` can
explain every cached balance from its entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from terminal.app import staff as st
from terminal.app.ids import IdSource
from terminal.clock import Clock
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.catalog import Product
from terminal.rules.program import Program
from terminal.store import members as repo
from terminal.store import products
from terminal.store.db import write_session
from terminal.store.ledger import Ledger
from terminal.store.schema import Setting


def configure(sessions: sessionmaker[Session], **settings: str) -> None:
    with write_session(sessions) as s:
        for k, v in settings.items():
            s.merge(Setting(key=k, value=v))


def add_staff(sessions: sessionmaker[Session], staff: Iterable[tuple[str, str, str, str]]) -> None:
    with write_session(sessions) as s:
        for sid, name, role, pin in staff:
            st.add_staff(s, sid, name, role, pin)


def import_products(sessions: sessionmaker[Session], items: Iterable[Product]) -> None:
    with write_session(sessions) as s:
        products.upsert(s, list(items))


def import_members(
    sessions: sessionmaker[Session],
    program: Program,
    openings: Iterable[lc.Opening],
    now: datetime,
    terminal_id: str,
    ids: IdSource,
) -> int:
    with write_session(sessions) as s:
        return write_members(s, program, openings, now, terminal_id, ids)


def write_members(
    s: Session,
    program: Program,
    openings: Iterable[lc.Opening],
    now: datetime,
    terminal_id: str,
    ids: IdSource,
) -> int:
    """``import_members`` inside the caller's transaction (a replay's whole setup is one)."""
    n = 0
    led = Ledger(s, terminal_id, ids.entry_id)
    for o in openings:
        if repo.load(s, o.code) is not None:
            raise RuleViolation(
                f"member {o.code} already exists", code="member_exists", member=o.code
            )
        entries = lc.opening_entries(program, o, now.date())
        led.member_entries(o.code, entries, now, "opening")
        repo.save(s, m.fold(entries), led.seq)
        n += 1
    return n


def open_shift(
    sessions: sessionmaker[Session],
    clock: Clock,
    ids: IdSource,
    terminal_id: str,
    cashier: str,
    float_: Money | None = None,
) -> str:
    """Open the till's shift (money only moves inside one)."""
    from terminal.app.shifts import Shifts

    return Shifts(sessions, clock, ids, terminal_id).open_shift(cashier, float_ or Money(0))
