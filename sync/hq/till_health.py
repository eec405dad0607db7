"""What HQ notes of a till at each push and pull, for the console's stores page: when
(HQ's clock), the till's own last seq (entries waiting = that minus HQ's checkpoint)
and its clock minus HQ's. One UPDATE of the till's ``terminals`` row per request:
nothing is read, so a push (the hot path) pays one primary-key write.

A till older than these fields sends no head and no clock: HQ keeps what it had.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.hq.models import TerminalRow

MS = timedelta(milliseconds=1)


def skew_ms(clock: datetime, now: datetime, zone: tzinfo) -> int:
    """The till's clock minus HQ's, in ms; a naive clock is in ``zone``, as an entry's
    ``at`` is (``service.Window``). It includes the request's time on the way."""
    when = clock if clock.tzinfo else clock.replace(tzinfo=zone)
    return (when - now) // MS


def _said(head: int | None, clock: datetime | None, now: datetime, zone: tzinfo) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if head is not None:
        values["till_head_seq"] = head
    if clock is not None:
        values["clock_skew_ms"] = skew_ms(clock, now, zone)
    return values


def pushed(s: Session, terminal_id: str, batch: p.PushBatch, now: datetime, zone: tzinfo) -> None:
    """In the push's transaction (it holds the till's checkpoint lock already)."""
    values = {"last_push_at": now, **_said(batch.head or None, batch.clock, now, zone)}
    t = TerminalRow
    s.execute(
        update(t).where(t.id == terminal_id).values(values),
        execution_options={"synchronize_session": False},
    )


def pulled(s: Session, terminal_id: str, req: p.Pull, now: datetime, zone: tzinfo) -> None:
    """The pull's first statement, in its snapshot (REPEATABLE READ). The row is taken
    only if no one holds it (``SKIP LOCKED``): a push of the same till in flight would
    otherwise fail the pull with a serialization error; that push notes the till itself,
    and the next pull notes the rest (the program version it runs, too)."""
    values = {"last_pull_at": now, **_said(req.head, req.clock, now, zone)}
    if req.program_version is not None:  # the console's "version running"
        values |= {"program_version": req.program_version, "program_seen_at": now}
    t = TerminalRow
    free = select(t.id).where(t.id == terminal_id).with_for_update(skip_locked=True)
    s.execute(
        update(t).where(t.id == terminal_id, t.id.in_(free)).values(values),
        execution_options={"synchronize_session": False},
    )
