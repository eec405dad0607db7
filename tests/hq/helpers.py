"""HQ in-process (FastAPI's TestClient over a real database) and tills that sync with it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol as p
from sync.client import Backoff, HqClient, SyncReport, sync_round
from sync.hq import db
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import EntryRow
from terminal import phone_keys
from terminal.app import setup
from terminal.app.counter import CommittedSale, Counter
from terminal.app.ids import UuidIds
from terminal.app.programs import HeldPrograms
from terminal.app.replay import STAFF, read_setup
from terminal.app.verify import Report, verify
from terminal.clock import FixedClock
from terminal.money import Money
from terminal.rules import member as m
from terminal.rules.tenders import TenderRequest
from terminal.store import members as repo
from terminal.store.db import open_store
from terminal.store.ledger import GENESIS, row_hash

NOW = datetime(2026, 10, 6, 10, 0)
SOY, RICE = "6900000000014", "6900000000021"
SETUP: dict[str, Any] = {
    "program": "tomato",
    "start": "2026-10-06T09:00:00",
    "catalog": [
        {"code": SOY, "name": "酱油", "category": "grocery", "price": "12.00"},
        {"code": RICE, "name": "大米 5kg", "category": "grocery", "price": "65.00"},
    ],
    "members": [
        {
            "code": "M1",
            "phone": "13800005678",
            "registered": "2025-01-01",
            "coin_lots": [{"coins": 20, "granted": "2026-06-01"}],
            "stored_value": {"principal": "100.00", "gift": "0.00"},
        },
        {"code": "M2", "phone": "13900001111", "registered": "2025-01-01"},
    ],
}
FAST = Backoff(base=0.0, cap=0.0, attempts=3)


def as_sent(state: m.MemberState) -> m.MemberState:
    """A member as HQ sends it to tills and they hold it: the phone masked to its last
    four digits (``terminal.phone_keys``)."""
    return replace(state, phone=phone_keys.masked(state.phone))


# The tests' tills run fixed clocks (2025 to 2028) against HQ's real one: HQ takes every
# date (tests/hq/test_hq_limits.py checks the real window).
TRUSTING = svc.Window(ahead=timedelta(days=36500), behind=timedelta(days=36500))


class Hq:
    def __init__(self, engine: Engine, tmp: Path) -> None:
        self.engine, self.tmp = engine, tmp
        self.app = create_app(engine, window=TRUSTING)
        self.sessions = db.sessions(engine)
        self._open: list[TestClient] = []

    def run(self, fn: Any) -> Any:
        return svc.run(self.sessions, fn)

    def import_setup(self, data: dict[str, Any] = SETUP) -> svc.ImportReport:
        st = read_setup(data)
        toml = svc.shipped_program_toml(st.program.id)
        start = st.start or NOW
        return self.run(
            lambda s: svc.import_setup(
                s, st.program, toml, st.catalog, st.members, start, svc.utcnow()
            )
        )

    def enroll(self, store: str, terminal: str) -> str:
        return str(self.run(lambda s: svc.enroll(s, store, terminal, svc.utcnow())))

    def http(self, token: str | None = None, cls: type[TestClient] = TestClient) -> TestClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = cls(self.app, headers=headers)
        self._open.append(c)
        return c

    def client(self, token: str, cls: type[TestClient] = TestClient) -> HqClient:
        return HqClient(self.http(token, cls), backoff=FAST, sleep=lambda _: None)

    def member(self, code: str) -> m.MemberState:
        with self.sessions() as s:
            state = svc.member_state(s, code)
        assert state is not None, code
        return state

    def verify(self) -> list[str]:
        with self.sessions() as s:
            return svc.verify(s)

    def entries(self, terminal: str | None = None) -> int:
        q = select(func.count()).select_from(EntryRow)
        if terminal:
            q = q.where(EntryRow.terminal_id == terminal)
        with self.sessions() as s:
            return int(s.execute(q).scalar() or 0)

    def till(self, terminal: str, store: str = "S1", cls: type[TestClient] = TestClient) -> Till:
        token = self.enroll(store, terminal)
        path = self.tmp / f"{terminal}.sqlite"
        return Till(self, terminal, token, path, open_store(path), self.client(token, cls))

    def close(self) -> None:
        for c in self._open:
            c.close()


@dataclass
class Till:
    hq: Hq
    terminal: str
    token: str
    path: Path
    sessions: sessionmaker[Session]
    api: HqClient
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    _counter: Counter | None = None

    def sync(self) -> SyncReport:
        return sync_round(self.sessions, self.api, now=self.clock.now)

    @property
    def counter(self) -> Counter:
        if self._counter is None:
            held = HeldPrograms(self.sessions)  # as the till's app: the version in effect
            setup.add_staff(self.sessions, STAFF)
            ids = UuidIds()
            setup.open_shift(self.sessions, self.clock, ids, self.terminal, "c1")
            self._counter = Counter(
                self.sessions, held, self.clock, ids, terminal_id=self.terminal, cashier="c1"
            )
        return self._counter

    def settings(self) -> dict[str, str]:
        from terminal.store.schema import Setting

        with self.sessions() as s:
            return {r.key: r.value for r in s.execute(select(Setting)).scalars()}

    def sell(self, member: str | None, code: str, *tenders: TenderRequest) -> CommittedSale:
        c = self.counter
        if member:
            c.identify(member)
        c.scan(code)
        return c.pay(list(tenders) or [TenderRequest("cash", Money(100000))])

    def state(self, code: str) -> m.MemberState:
        with self.sessions() as s:
            state = repo.load(s, code)
        assert state is not None, code
        return state

    def verify(self) -> Report:
        return verify(self.sessions)


def coins(n: int) -> TenderRequest:
    return TenderRequest("coins", None, coins=n)


def cash(yuan: int) -> TenderRequest:
    return TenderRequest("cash", Money(yuan * 100))


def chain(
    terminal: str, n: int, *, start: int = 1, head: str = GENESIS, tag: str = ""
) -> list[p.Entry]:
    """``n`` well-formed ``cash`` entries continuing ``head`` at seq ``start``."""
    out = []
    for seq in range(start, start + n):
        id_ = f"{terminal}-{tag}{seq}"
        at, payload = NOW.isoformat(), json.dumps({"delta": seq, "reason": "float"})
        h = row_hash(head, seq, id_, terminal, at, "cash", None, "", payload)
        out.append(
            p.Entry(
                seq=seq,
                id=id_,
                terminal_id=terminal,
                at=at,
                kind="cash",
                member_code=None,
                ref="",
                payload=payload,
                prev_hash=head,
                hash=h,
            )
        )
        head = h
    return out


def rehash(e: p.Entry, **changes: Any) -> p.Entry:
    """``e`` with ``changes``, its hash recomputed (a well-formed but different entry)."""
    d = {**e.model_dump(), **changes}
    d["hash"] = row_hash(
        d["prev_hash"],
        d["seq"],
        d["id"],
        d["terminal_id"],
        d["at"],
        d["kind"],
        d["member_code"],
        d["ref"],
        d["payload"],
    )
    return p.Entry(**d)


def push(http: httpx.Client, terminal: str, entries: list[p.Entry]) -> httpx.Response:
    batch = p.PushBatch(terminal_id=terminal, entries=entries)
    return http.post(f"/v1/terminals/{terminal}/push", json=batch.model_dump())
