"""What HQ does when a till says its own store is broken, and when a till's chain
diverges from the copy HQ holds: it keeps the till's words (``till_alarms``) and flags
the store for review (``stores.review_since``, ``pos-hq review``). Neither changes a
balance: a broken till's entries stop at the last one HQ accepted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.hq.models import StoreRow, TillAlarmRow


def flag_store(s: Session, store_id: str, reason: str, now: datetime) -> datetime | None:
    """Flag the store for review unless it already is (the first reason stays: an
    operator reads why it was flagged first). Returns the time it is flagged since."""
    store = s.get(StoreRow, store_id)
    if store is None:
        return None
    if store.review_since is None:
        store.review_since, store.review_reason = now, reason[:200]
    return store.review_since


def record_alarm(
    s: Session, terminal_id: str, store_id: str, alarm: p.Alarm, now: datetime
) -> p.AlarmResult:
    """Keep a till's alarm and flag its store, in the caller's transaction. A till
    keeps at most ``KEPT`` alarms (its token cannot fill HQ's disk); later ones still
    flag the store and answer ``recorded: false``."""
    held = select(func.count()).where(TillAlarmRow.terminal_id == terminal_id)
    recorded = int(s.execute(held).scalar() or 0) < KEPT
    if recorded:
        s.add(
            TillAlarmRow(
                received_at=now,
                terminal_id=terminal_id,
                store_id=store_id,
                code=alarm.code,
                problems="\n".join(alarm.problems),
            )
        )
    since = flag_store(s, store_id, f"{terminal_id}: {alarm.code}: {alarm.problems[0]}", now)
    return p.AlarmResult(
        recorded=recorded, store_id=store_id, review_since=since.isoformat() if since else ""
    )


KEPT = 100  # alarms kept per till

DIVERGED = ("conflict", "broken_chain")  # a seq HQ holds, or a link to it, differs


def flag_divergence(
    s: Session, terminal_id: str, store_id: str, results: list[p.EntryResult], now: datetime
) -> None:
    """A push whose entries contradict what HQ already holds of the till's chain: the
    till was rewritten or restored from another copy. The store is flagged (once)."""
    bad = next((r for r in results if r.status == "rejected" and r.code in DIVERGED), None)
    if bad is not None:
        why = f"{terminal_id}: chain diverges at seq {bad.seq} ({bad.code}): {bad.reason}"
        flag_store(s, store_id, why, now)
