"""Shifts and day close: float, X report, handover with a cash count, Z once a day.

Everything is a ledger fact first: a shift's open and handover are ``shift`` rows,
its float and the cash taken out at handover are ``cash`` rows, an opened drawer is
an ``auth`` row and a ``drawer`` row, a Z is a ``day_close`` row carrying the whole
report (so the hash chain covers it). Reports are folds over ledger rows
(``terminal.app.reports``), never over mutable state: a shift is the seq range
``first_seq..last_seq`` on its ``ShiftRow``, a day is the rows stamped that day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from terminal import codec
from terminal.app.numbers import SHIFT, next_number, number_or_id
from terminal.app.reports import Bucket, Period, Progress, Report, Tally, TenderTotal, fold
from terminal.app.service import StoreService
from terminal.app.staff import Authorization
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import Money
from terminal.store.db import cursor_of
from terminal.store.schema import DayCloseRow, LedgerRow, ShiftRow, StaffRow


@dataclass(frozen=True, slots=True)
class OpenShift:
    id: str
    cashier: str
    opened_at: datetime
    float_: Money
    first_seq: int


class Shifts(StoreService):
    @staticmethod
    def _open_row(s: Session) -> ShiftRow | None:
        return s.execute(select(ShiftRow).where(ShiftRow.closed_at.is_(None))).scalar()

    def _shift_report(
        self, s: Session, row: ShiftRow, kind: str, progress: Progress | None = None
    ) -> Report:
        end = datetime.fromisoformat(row.closed_at) if row.closed_at else self.now
        report = fold(
            cursor_of(s),
            Period.seqs(self.terminal_id, row.first_seq, row.last_seq),
            kind=kind,
            terminal_id=self.terminal_id,
            start=datetime.fromisoformat(row.opened_at),
            end=end,
            made_at=self.now,
            shift_id=row.id,
            shift_no=self._shift_no(s, row),
            cashiers=(row.cashier,),
            progress=progress,
        )
        return _named(s, report)

    @staticmethod
    def _shift_no(s: Session, row: ShiftRow) -> str:
        """The shift's number, from its opening ledger row (the first of its range)."""
        opened = s.get(LedgerRow, row.first_seq)
        no = json.loads(opened.payload).get("no") if opened is not None else None
        return number_or_id(no, row.id)

    # ------------------------------------------------------------------ queries

    def current(self) -> OpenShift | None:
        """The open shift, if any (a till has at most one)."""
        with self.sessions() as s:
            row = self._open_row(s)
            if row is None:
                return None
            return OpenShift(
                row.id,
                row.cashier,
                datetime.fromisoformat(row.opened_at),
                Money(row.float_fen),
                row.first_seq,
            )

    def day_closed(self, day: date) -> bool:
        with self.sessions() as s:
            return s.get(DayCloseRow, day.isoformat()) is not None

    def stored_z(self, day: date) -> Report | None:
        """The Z report as it was closed (for a reprint), or None if the day is open."""
        with self.sessions() as s:
            row = s.get(DayCloseRow, day.isoformat())
            return None if row is None else codec.loads(Report, row.report_json)

    def shift_report(self, shift_id: str) -> Report:
        """Any shift's report, recomputed from its ledger rows (a reprint)."""
        with self.sessions() as s:
            row = s.get(ShiftRow, shift_id)
            if row is None:
                raise NotFound(f"no shift {shift_id}", code="unknown_shift")
            return self._shift_report(s, row, "handover" if row.closed_at else "X")

    # ------------------------------------------------------------------ commands

    def open_shift(self, cashier: str, float_: Money) -> str:
        if float_.fen < 0:
            raise InvalidInput("a float cannot be negative", code="invalid_amount", case="negative")
        with self._tx() as (s, led):
            if s.get(StaffRow, cashier) is None:
                raise NotFound(f"no staff member {cashier!r}", code="unknown_staff", staff=cashier)
            if self._open_row(s) is not None:
                raise RuleViolation(
                    "a shift is already open: hand it over first", code="shift_open"
                )
            if s.get(DayCloseRow, self.now.date().isoformat()) is not None:
                raise RuleViolation(
                    f"{self.now.date().isoformat()} is already closed (Z)",
                    code="day_closed",
                    day=self.now.date().isoformat(),
                )
            sid = self.ids.entry_id()
            no = next_number(s, self.terminal_id, SHIFT)
            row = led.append(
                "shift",
                {
                    "event": "open",
                    "shift": sid,
                    "no": no,
                    "cashier": cashier,
                    "float": float_.fen,
                },
                self.now,
                ref=sid,
            )
            if float_:
                led.append("cash", {"delta": float_.fen, "reason": "float"}, self.now, ref=sid)
            s.add(
                ShiftRow(
                    id=sid,
                    cashier=cashier,
                    opened_at=self.now.isoformat(),
                    float_fen=float_.fen,
                    closed_at=None,
                    counted_fen=None,
                    first_seq=row.seq,
                    last_seq=None,
                )
            )
        return sid

    def x_report(self) -> Report:
        """The open shift so far. Read-only: run it as often as you like."""
        with self.sessions() as s:
            row = self._open_row(s)
            if row is None:
                raise RuleViolation("no shift is open", code="no_open_shift", case="report")
            return self._shift_report(s, row, "X")

    def handover(self, counted: Money) -> Report:
        """Close the shift: the counted cash leaves the drawer and the difference
        (counted - expected) is recorded; the drawer's ledger balance is then zero."""
        if counted.fen < 0:
            raise InvalidInput(
                "counted cash cannot be negative", code="invalid_amount", case="negative"
            )
        with self._tx() as (s, led):
            row = self._open_row(s)
            if row is None:
                raise RuleViolation("no shift is open", code="no_open_shift", case="report")
            expected = self._shift_report(s, row, "X").expected_cash
            diff = counted - expected
            led.append(
                "shift",
                {
                    "event": "handover",
                    "shift": row.id,
                    "cashier": row.cashier,
                    "expected": expected.fen,
                    "counted": counted.fen,
                    "difference": diff.fen,
                },
                self.now,
                ref=row.id,
            )
            if counted:
                led.append(
                    "cash", {"delta": -counted.fen, "reason": "handover"}, self.now, ref=row.id
                )
            if diff:
                led.append(
                    "cash", {"delta": diff.fen, "reason": "over_short"}, self.now, ref=row.id
                )
            row.closed_at, row.counted_fen, row.last_seq = (
                self.now.isoformat(),
                counted.fen,
                led.seq,
            )
            s.flush()
            return self._shift_report(s, row, "handover")

    def z_report(
        self,
        day: date | None = None,
        manager: Authorization | None = None,
        progress: Progress | None = None,
    ) -> Report:
        """Close the business day (today unless named): every ledger row stamped that
        day. Once per day, with no shift open; the report is stored and chained, and the
        manager who authorised it is recorded in the same transaction.

        ``progress(done, total)`` is called from the calling thread as the day's rows are
        folded (0 first, every few thousand rows, then total), for a screen to show."""
        today = self.now.date()
        day = day or today
        if day > today:
            raise InvalidInput(
                f"{day.isoformat()} has not happened yet", code="invalid_day", day=day.isoformat()
            )
        try:
            with self._tx() as (s, led):
                if s.get(DayCloseRow, day.isoformat()) is not None:
                    raise RuleViolation(
                        f"the Z for {day.isoformat()} was already run",
                        code="z_already_run",
                        day=day.isoformat(),
                    )
                if self._open_row(s) is not None:
                    raise RuleViolation(
                        "hand the open shift over before the day close",
                        code="shift_open",
                        case="day_close",
                    )
                z_no = int(s.execute(select(func.max(DayCloseRow.z_no))).scalar() or 0) + 1
                report = self._day_report(s, day, z_no, progress)
                s.add(
                    DayCloseRow(
                        day=day.isoformat(),
                        z_no=z_no,
                        closed_at=self.now.isoformat(),
                        report_json=codec.dumps(report),
                    )
                )
                s.flush()
                led.append("day_close", codec.encode(report), self.now, ref=f"Z{z_no}")
                if manager is not None:
                    led.append(
                        "auth",
                        {
                            "manager": manager.manager,
                            "action": "z_report",
                            "detail": f"{day.isoformat()} Z{z_no}",
                        },
                        self.now,
                        ref="z_report",
                    )
        except IntegrityError:
            if self.day_closed(day):  # another till process closed it first
                raise RuleViolation(
                    f"the Z for {day.isoformat()} was already run",
                    code="z_already_run",
                    day=day.isoformat(),
                ) from None
            raise
        return report

    def _day_report(
        self, s: Session, day: date, z_no: int, progress: Progress | None = None
    ) -> Report:
        report = fold(
            cursor_of(s),
            Period.day(self.terminal_id, day),
            kind="Z",
            terminal_id=self.terminal_id,
            start=datetime.combine(day, time.min),
            end=min(self.now, datetime.combine(day, time(23, 59, 59))),
            made_at=self.now,
            day=day,
            z_no=z_no,
            progress=progress,
        )
        return _named(s, report)

    def open_drawer(self, manager: Authorization | None, reason: str) -> None:
        """Open the cash drawer without a sale: a manager's authorization, audited."""
        if manager is None:
            raise RuleViolation(
                "opening the drawer without a sale needs a store manager's authorization",
                code="manager_required",
                case="drawer",
            )
        reason = reason.strip()
        if not reason or len(reason) > 64 or not reason.isprintable():
            raise InvalidInput("give a reason for opening the drawer", code="reason_required")
        with self._tx() as (s, led):
            shift = self._open_row(s)
            led.append(
                "auth",
                {"manager": manager.manager, "action": "open_drawer", "detail": reason},
                self.now,
                ref="open_drawer",
            )
            led.append(
                "drawer",
                {
                    "reason": reason,
                    "manager": manager.manager,
                    "shift": shift.id if shift else None,
                    "cashier": shift.cashier if shift else None,
                },
                self.now,
                ref=shift.id if shift else "",
            )


def _named(s: Session, report: Report) -> Report:
    """The report with its cashiers' names (as staff are named now; a stored Z keeps
    the names it was closed with)."""
    ids = list(report.cashiers)
    if not ids:
        return report
    rows = s.execute(select(StaffRow.id, StaffRow.name).where(StaffRow.id.in_(ids)))
    names = {sid: name for sid, name in rows}
    return replace(report, cashier_names=tuple((i, names[i]) for i in ids if i in names))


__all__ = ["Bucket", "OpenShift", "Report", "Shifts", "Tally", "TenderTotal"]
