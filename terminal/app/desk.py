"""The counter's shared base: the open sale, and plumbing every desk uses.

See ``terminal.app.counter`` for the rules every command follows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from terminal.app import programs
from terminal.app import staff as st
from terminal.app.ids import IdSource
from terminal.app.service import StoreService
from terminal.clock import Clock
from terminal.errors import NotFound, RuleViolation
from terminal.money import ZERO, Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules.program import Program
from terminal.store import members as repo
from terminal.store import sale_writes as sw
from terminal.store.db import cursor_of
from terminal.store.ledger import Ledger
from terminal.store.schema import (
    Setting,
)

EXPIRY_REF = "expiry"  # the ref of the expiry entries recorded before a member's next entry
CARD_TENDERS = ("cash", "card", "mobile")  # recharges and prepaid cards: real money only


class MemberLookup(Protocol):
    """Asks HQ for a member this till does not hold (another store's), by card code or
    phone, and puts what HQ sends in the till's cache; returns the codes HQ knows, []
    when HQ is unreachable or knows none (``ui.hq_link.HqLink.look_up``). It blocks on
    the network: the counter calls it on the caller's thread, the window's worker."""

    def __call__(self, *, code: str | None = None, phone: str | None = None) -> list[str]: ...


@dataclass
class OpenSale:
    """The sale on screen. Nothing is stored until it is paid (or held)."""

    id: str
    member: str | None = None
    lines: list[pr.SaleLine] = field(default_factory=list)
    coupons: str | list[str] = "auto"  # "auto", "none" or the cashier's chosen ids
    sale_discount: Money = ZERO


class CounterBase(StoreService):
    """What every desk of the counter shares: the open sale, the program, the cashier,
    and the plumbing that keeps a member's cache equal to their ledger."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        program: Program | programs.Source,
        clock: Clock,
        ids: IdSource,
        *,
        terminal_id: str = "T01",
        cashier: str = "",
        offline: Callable[[], bool] = lambda: False,
        look_up: MemberLookup | None = None,
    ) -> None:
        super().__init__(sessions, clock, ids, terminal_id)
        # the version in effect on the counter's day (``terminal.app.programs``)
        self.programs = programs.fixed(program) if isinstance(program, Program) else program
        self.cashier, self.offline = cashier, offline
        self.look_up = look_up  # None: a standalone till, its cache is all it knows
        self.sale: OpenSale | None = None
        self.auth_attempts = st.TillAttempts()  # wrong manager PINs typed at this till
        # (program, what was priced, the result): the last pricing, reused while unchanged
        self._last_priced: tuple[Program, object, pr.PricedSale] | None = None
        # (member, version): the member last identified or paid for, decoded
        self._member_seen: tuple[m.MemberState, int] | None = None

    @property
    def program(self) -> Program:
        return self.programs(self.now.date()).program

    @program.setter
    def program(self, program: Program) -> None:  # one program from now on (tests, demo)
        self.programs = programs.fixed(program)

    @property
    def program_version(self) -> int:
        """The published version the counter runs today (0: the settings' program)."""
        return self.programs(self.now.date()).version

    # ------------------------------------------------------------------ plumbing

    def _member(self, s: Session, code: str) -> m.MemberState:
        state = repo.load(s, code)
        if state is None:
            raise NotFound(f"no member {code}", code="unknown_member", member=code)
        return state

    def _commit_member(
        self,
        s: Session,
        led: Ledger,
        state: m.MemberState,
        entries: Sequence[m.MemberEntry],
        ref: str,
    ) -> m.MemberState:
        """Append a member's entries and cache the fold, in the caller's transaction.
        The ledger rows carry the folded code: a new member's first entry names it."""
        new = m.fold(entries, state)
        if not new.code:
            raise ValueError("member entries need a member code")
        led.member_entries(new.code, entries, self.now, ref)
        repo.save(s, new, led.seq)
        return new

    def _current(
        self, s: Session, led: Ledger, code: str, *, refuse_blocked: bool = False
    ) -> m.MemberState:
        """The member as of today: expiries that fell due are applied and recorded. With
        ``refuse_blocked``, a blocked card (lost, closed) is refused before anything is."""
        state = self._member(s, code)
        if refuse_blocked and state.blocked:
            raise RuleViolation(
                "this member card is blocked (lost or closed)", code="member_blocked"
            )
        due = lc.due_entries(state, self.program, self.now.date())
        return self._commit_member(s, led, state, due, EXPIRY_REF) if due else state

    def _active(self, s: Session, led: Ledger, code: str) -> m.MemberState:
        return self._current(s, led, code, refuse_blocked=True)

    def _on_shift(self, s: Session) -> str:
        return self._shift_cashier(cursor_of(s))

    def _shift_cashier(self, cur: sqlite3.Cursor, at: datetime | None = None) -> str:
        """Money moves only inside an open shift of a day not yet closed (Z); returns the
        shift's cashier, who is answerable for the drawer. ``at``: when the money moves
        (a planned sale's own time), default now."""
        cashier = sw.open_shift_cashier(cur)
        if cashier is None:
            raise RuleViolation("open a shift (with its float) first", code="no_open_shift")
        day = (at or self.now).date().isoformat()
        if sw.day_closed(cur, day):
            raise RuleViolation("today is closed (Z report run)", code="day_closed", day=day)
        return cashier

    def _new_coupon_id(self, code: str) -> Callable[[], str]:
        return lambda: self.ids.coupon_id(code)

    def _auth(self, manager: st.Authorization | None, action: str) -> st.Authorization:
        if manager is None:
            raise RuleViolation(
                f"{action} needs a store manager's authorization",
                code="manager_required",
                action=action,
            )
        return manager

    def _audit(self, led: Ledger, auth: st.Authorization, action: str, detail: str) -> None:
        led.append(
            "auth",
            {"manager": auth.manager, "action": action, "detail": detail},
            self.now,
            ref=action,
        )

    def _audit_now(self, auth: st.Authorization, action: str, detail: str) -> None:
        with self._tx() as (_, led):
            self._audit(led, auth, action, detail)

    def authorize(self, manager_id: str, pin: str) -> st.Authorization:
        """Check a manager's PIN typed at this till. Wrong PINs count against this till's
        authorizations (a short pause after ``st.MAX_FAILED``), never against the
        manager's account: a cashier's typos cannot lock the store's manager out."""
        now = self.now
        self.auth_attempts.check_open(now)
        with self.sessions() as s:
            who = st.verify_pin(s, manager_id, pin, now)
        if who is None:
            raise self.auth_attempts.failure(now)
        if who.role != "manager":
            raise RuleViolation(
                f"{who.name} is not a store manager", code="not_a_manager", name=who.name
            )
        self.auth_attempts.success()
        return st.Authorization(who.id, who.name, now)

    def sign_in(self, staff_id: str, pin: str) -> st.Staff:
        """A cashier (or manager) signs in at this till with their own PIN; wrong PINs
        count against their own account (``st.check_pin``)."""
        with self.sessions() as s:
            try:
                who = st.check_pin(s, staff_id, pin, self.now)
            finally:
                s.commit()
        self.cashier = who.id
        return who

    def unlock(self, staff_id: str, pin: str) -> st.Staff:
        """The screen was locked (the sale stays open): the signed-in cashier's own PIN,
        or a store manager's, opens it again; the cashier stays who they were."""
        if staff_id == self.cashier:
            with self.sessions() as s:
                try:
                    return st.check_pin(s, staff_id, pin, self.now)
                finally:
                    s.commit()
        auth = self.authorize(staff_id, pin)
        return st.Staff(auth.manager, auth.name, "manager")

    def settings(self) -> dict[str, str]:
        with self.sessions() as s:
            return {r.key: r.value for r in s.execute(select(Setting)).scalars()}


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
