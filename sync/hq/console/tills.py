"""Stores and their tills as the console shows them: each till's last push and pull,
the entries it holds that HQ has not applied, the program version it runs, its clock
skew, and whether it has been silent longer than the setting (``POS_HQ_SILENT_MIN``).

Read from ``terminals`` (what ``sync.hq.till_health`` noted at each request) and the
tills' checkpoints: one query, whatever the number of stores (a chain has hundreds of
tills, not millions).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hq import service as svc
from sync.hq.models import CheckpointRow, StoreRow, TerminalRow

SKEWED_MS = 60_000  # a clock more than a minute off is marked (HQ refuses at 10 by default)


@dataclass(frozen=True, slots=True)
class Till:
    id: str
    store_id: str
    enrolled_at: datetime
    revoked: bool
    last_push_at: datetime | None
    last_pull_at: datetime | None
    checkpoint: int  # the last seq HQ applied
    head: int | None  # the till's own last seq, as it last said (None: never said)
    program_version: int | None
    skew_ms: int | None
    silent: bool

    @property
    def waiting(self) -> int | None:
        """Entries the till held that HQ had not applied, at its last word."""
        return None if self.head is None else max(0, self.head - self.checkpoint)

    @property
    def skewed(self) -> bool:
        return self.skew_ms is not None and abs(self.skew_ms) > SKEWED_MS


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    tills: int  # enrolled, not revoked
    revoked: int
    silent: int
    waiting: int


def last_seen(t: TerminalRow) -> datetime | None:
    seen = [x for x in (t.last_push_at, t.last_pull_at) if x is not None]
    return max(seen) if seen else None


def is_silent(t: TerminalRow, now: datetime, after: timedelta) -> bool:
    """Unheard for longer than ``after`` (a till never heard from: since it was
    enrolled). A revoked till is meant to be silent."""
    return not t.revoked and now - (last_seen(t) or t.enrolled_at) > after


def tills(
    s: Session, now: datetime, silent_after: timedelta, stores: Collection[str] | None = None
) -> list[Till]:
    """The tills of ``stores`` (None: every store), by store and id."""
    q = (
        select(TerminalRow, CheckpointRow.seq)
        .join(CheckpointRow, CheckpointRow.terminal_id == TerminalRow.id)
        .where(TerminalRow.kind == "till")
        .order_by(TerminalRow.store_id, TerminalRow.id)
    )
    if stores is not None:
        q = q.where(TerminalRow.store_id.in_(list(stores)))
    return [
        Till(
            id=t.id,
            store_id=t.store_id,
            enrolled_at=t.enrolled_at,
            revoked=t.revoked,
            last_push_at=t.last_push_at,
            last_pull_at=t.last_pull_at,
            checkpoint=seq,
            head=t.till_head_seq,
            program_version=t.program_version,
            skew_ms=t.clock_skew_ms,
            silent=is_silent(t, now, silent_after),
        )
        for t, seq in s.execute(q).all()
    ]


def stores(
    s: Session, now: datetime, silent_after: timedelta, only: Collection[str] | None = None
) -> list[Store]:
    """Every store (``only``: those) but HQ's own, with its tills' counts."""
    q = select(StoreRow).where(StoreRow.id != svc.HQ_STORE).order_by(StoreRow.id)
    if only is not None:
        q = q.where(StoreRow.id.in_(list(only)))
    rows = list(s.execute(q).scalars())
    by_store: dict[str, list[Till]] = {}
    for t in tills(s, now, silent_after, only):
        by_store.setdefault(t.store_id, []).append(t)
    out = []
    for r in rows:
        ts = by_store.get(r.id, [])
        out.append(
            Store(
                id=r.id,
                name=r.name,
                tills=sum(1 for t in ts if not t.revoked),
                revoked=sum(1 for t in ts if t.revoked),
                silent=sum(1 for t in ts if t.silent),
                waiting=sum(t.waiting or 0 for t in ts if not t.revoked),
            )
        )
    return out
