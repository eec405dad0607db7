"""HQ's ingest with re-derivation on against off, same run (issue 18: ``hq_rederive_vs_off``).

One till (a real ``Counter`` on its own SQLite store, provisioned by a real
``sync_round``) rings up member sales of the tomato program, 1-4 products each, paid in
cash, coins or stored value, so every sale is a run of member entries HQ re-derives
(``sync.hq.derive``). The database as provisioned is copied twice (PostgreSQL
``TEMPLATE``); into one copy HQ's ``service.push`` ingests the outbox with
re-derivation (the value), into the other without (the baseline), batches of
``PUSH_BATCH``, in process, in alternating order over ``ROUNDS`` rounds (the best of
each). The ratio is on/off entries per second: what judging every member run costs.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from sync import protocol as p
from sync import till as sync_till
from sync.client import PUSH_BATCH
from sync.hq import db
from sync.hq import service as svc
from terminal.errors import PosError
from terminal.money import Money
from terminal.rules.tenders import TenderRequest

PG = os.environ.get("POS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ROUNDS = 3


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(PG, autocommit=True, connect_timeout=3)


def _url(name: str) -> str:
    return PG.rsplit("/", 1)[0] + "/" + name


@contextmanager
def _database(template: str | None = None) -> Iterator[str]:
    name = f"hq_bench_{uuid.uuid4().hex[:10]}"
    with _admin() as c:
        c.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        with _admin() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup(members: int) -> dict[str, Any]:
    from tests.hq.helpers import SETUP

    return {
        **SETUP,
        "members": [
            {
                "code": f"B{i:05d}",
                "phone": f"138{i:08d}",
                "registered": "2025-01-01",
                "coin_lots": [{"coins": 400, "granted": "2026-06-01"}],
                "stored_value": {"principal": "500.00", "gift": "20.00"},
            }
            for i in range(members)
        ],
    }


def _tender(rnd: random.Random) -> list[TenderRequest]:
    kind = rnd.random()
    if kind < 0.2:
        return [TenderRequest("coins", None, coins=5), TenderRequest("cash", Money(100000))]
    if kind < 0.4:
        return [TenderRequest("stored_value", Money(500)), TenderRequest("cash", Money(100000))]
    return [TenderRequest("cash", Money(100000))]


def _outbox(name: str, tmp: Path, sales: int, members: int) -> tuple[list[p.Entry], str]:
    """Provision a till from database ``name``, ring up ``sales``; its outbox."""
    from tests.hq.helpers import RICE, SOY, Hq

    engine = db.open_hq(_url(name))
    try:
        hq = Hq(engine, tmp)
        hq.import_setup(_setup(members))
        t = hq.till("S1-T01")
        assert t.sync().acknowledged
        rnd = random.Random(18)
        c = t.counter
        for _ in range(sales):
            c.identify(f"B{rnd.randrange(members):05d}")
            for _ in range(rnd.randint(1, 4)):
                c.scan(rnd.choice((SOY, RICE)))
            try:
                c.pay(_tender(rnd))
            except PosError:  # coins or stored value run out: pay cash
                c.pay([TenderRequest("cash", Money(100000))])
        cp = t.api.checkpoint(t.terminal).seq
        entries = sync_till.outbox(t.sessions, cp, 10**7)
        hq.close()
    finally:
        engine.dispose()
    return entries, "S1-T01"


def _received() -> datetime:
    from tests.hq.helpers import NOW

    return NOW.replace(tzinfo=UTC) + timedelta(minutes=1)


def _ingest(name: str, entries: list[p.Entry], terminal: str, rederive: bool) -> float:
    engine = db.open_hq(_url(name))
    sessions = db.sessions(engine)
    caller = svc.Caller(terminal, "S1")
    received = _received()  # HQ's clock, minutes after the till's (HQ dates entries by it)
    try:
        t0 = time.perf_counter()
        first = entries[0].seq - 1  # HQ's checkpoint before the sales
        after = first  # resume from HQ's checkpoint, as ``push_outbox`` does: a batch that
        while after < entries[-1].seq:  # ends inside a sale leaves that sale for the next
            i = after - first
            batch = p.PushBatch(terminal_id=terminal, entries=entries[i : i + PUSH_BATCH])

            def push(s: Session, b: p.PushBatch = batch) -> p.PushResult:
                return svc.push(s, caller, b, received, rederive=rederive)

            res = svc.run(sessions, push)
            bad = [r for r in res.results if r.status == "rejected"]
            if bad or res.checkpoint.seq <= after:
                raise AssertionError(f"HQ did not apply an honest till's entries: {bad[:3]}")
            after = res.checkpoint.seq
        return time.perf_counter() - t0
    finally:
        engine.dispose()


def hq_rederive_vs_off(quick: bool) -> dict[str, object]:
    sales, members = (150, 100) if quick else (1500, 1000)
    with tempfile.TemporaryDirectory() as tmp, _database() as base:
        engine = db.open_hq(_url(base))
        engine.dispose()
        entries, terminal = _outbox(base, Path(tmp), sales, members)
        best = {True: float("inf"), False: float("inf")}
        for r in range(ROUNDS):
            for mode in (True, False) if r % 2 == 0 else (False, True):
                with _database(base) as copy:
                    best[mode] = min(best[mode], _ingest(copy, entries, terminal, mode))
    on, off = len(entries) / best[True], len(entries) / best[False]
    return {
        "value": round(on),
        "unit": "e/s",
        "baseline": round(off),
        "ratio": round(on / off, 3),
        "target": "ratio >= 0.5",
        "entries": len(entries),
        "sales": sales,
        "members": members,
        "batch": PUSH_BATCH,
        "rounds": ROUNDS,
        "seconds_on": round(best[True], 3),
        "seconds_off": round(best[False], 3),
    }
