"""The console's action log (``console_actions``): every sign-in, failure, sign-out
and change a console user makes, with the object before and after."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sync.hq.models import ConsoleActionRow
from sync.hq.service import CHAIN_ZONE

# Actions, stable names (the log's search and CSV use them)
SIGN_IN, SIGN_IN_FAILED, SIGN_OUT = "sign_in", "sign_in_failed", "sign_out"
BLOCK, UNBLOCK = "member_block", "member_unblock"
REVOKE_SESSIONS, USER_ADD, USER_DISABLE = "sessions_revoke", "user_add", "user_disable"
ACTIONS = (
    SIGN_IN,
    SIGN_IN_FAILED,
    SIGN_OUT,
    BLOCK,
    UNBLOCK,
    REVOKE_SESSIONS,
    USER_ADD,
    USER_DISABLE,
    *("adjust_propose", "adjust_approve", "adjust_refuse", "adjust_reverse"),
    "program_publish",  # issue 15 item 6
    *("till_enroll", "till_revoke"),  # issue 15 item 4: stores and tills
    *("staff_add", "staff_pin", "staff_disable", "staff_enable"),  # issue 15 item 4
    *("campaign_preview", "campaign_issue", "campaign_refused"),  # issue 15 item 5
)
CSV_COLUMNS = (
    "at",
    "user",
    "role",
    "action",
    "object_kind",
    "object_id",
    "store",
    "before",
    "after",
    "reason",
)


def record(
    s: Session,
    now: datetime,
    user: str,
    role: str,
    action: str,
    *,
    kind: str = "",
    object_id: str = "",
    store: str | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> None:
    """One action, in the caller's transaction (so it commits with what it logs)."""
    s.add(
        ConsoleActionRow(
            at=now,
            user_name=user[:64],
            role=role,
            action=action,
            object_kind=kind,
            object_id=object_id[:64],
            store_id=store,
            before=_json(before),
            after=_json(after),
            reason=reason[:500],
        )
    )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Query:
    user: str = ""
    action: str = ""
    since: date | None = None  # chain days (UTC+8), inclusive
    until: date | None = None

    def where(self, q: Select[Any]) -> Select[Any]:
        a = ConsoleActionRow
        if self.user:
            q = q.where(a.user_name == self.user)
        if self.action:
            q = q.where(a.action == self.action)
        if self.since:
            q = q.where(a.at >= _start(self.since))
        if self.until:
            q = q.where(a.at < _start(self.until + timedelta(days=1)))
        return q


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHAIN_ZONE)


def search(
    s: Session, query: Query, limit: int, offset: int = 0
) -> tuple[int, Sequence[ConsoleActionRow]]:
    """The matching actions, newest first, and how many match in all."""
    a = ConsoleActionRow
    total = s.execute(query.where(select(func.count()).select_from(a))).scalar_one()
    rows = s.execute(
        query.where(select(a)).order_by(a.at.desc(), a.id.desc()).limit(limit).offset(offset)
    ).scalars()
    return int(total), list(rows)


def to_csv(rows: Sequence[ConsoleActionRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(
            [
                r.at.astimezone(CHAIN_ZONE).isoformat(timespec="seconds"),
                r.user_name,
                r.role,
                r.action,
                r.object_kind,
                r.object_id,
                r.store_id or "",
                r.before or "",
                r.after or "",
                r.reason,
            ]
        )
    return out.getvalue()
