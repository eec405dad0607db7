"""A seeded fault layer between tills and a live HQ, and the scenario it runs.

``FaultyTransport`` wraps the real httpx transport of a till's ``HqClient`` and, for
each request, draws a fault from one ``random.Random(seed)`` shared by the tills (they
run one after the other, so a seed replays the same faults in the same order):

- ``drop``: the request never leaves (``ConnectError``);
- ``lose``: HQ handles it, the answer is lost (``ReadError``);
- ``duplicate``: it arrives twice;
- ``delay``: it arrives a few milliseconds late;
- ``stale``: an older request (of any till, with its own token) arrives first: a
  reordering across requests, as a late retransmission would cause;
- ``shuffle``: a push arrives with its entries reordered;
- ``truncate``: a push arrives with its entries list cut short (HQ applies a prefix);
- ``cut``: the body arrives cut mid-JSON (HQ answers 422);
- ``restart``: HQ restarts before the request, or ``crash``: after handling it and
  before answering (the database keeps the state; HQ itself is stateless).

``run_scenario`` provisions 2-3 tills through the faults, makes sales, recharges and
returns offline with syncs in between (each retried round by round until one succeeds),
ends with clean syncs and returns the problems found: HQ's ledger must be the union of
the tills' ledgers, each checkpoint the till's head, and each member's state at HQ the
state at every till.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import Engine, select

from sync.client import Backoff, HqClient, SyncError
from sync.hq.app import create_app
from sync.hq.models import CheckpointRow, EntryRow, MemberRow
from terminal.errors import PosError
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from terminal.store import members as repo
from terminal.store.db import open_store
from terminal.store.schema import LedgerRow
from tests.hq.helpers import NOW, RICE, SETUP, SOY, TRUSTING, Hq, Till, as_sent, cash, coins

FAULTS: dict[str, float] = {
    "drop": 0.06,
    "lose": 0.06,
    "duplicate": 0.06,
    "delay": 0.06,
    "stale": 0.06,
    "shuffle": 0.04,
    "truncate": 0.05,
    "cut": 0.02,
    "restart": 0.015,
    "crash": 0.015,
}


class Server:
    """HQ under uvicorn in a thread on a fixed port; ``restart`` stops it (as a killed
    process would leave it: pooled database connections dropped) and starts a new app."""

    def __init__(self, engine: Engine, port: int) -> None:
        self.engine, self.port = engine, port
        self.url = f"http://127.0.0.1:{port}"
        self.restarts = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            create_app(self.engine, window=TRUSTING),
            host="127.0.0.1",
            port=self.port,
            log_level="critical",
            lifespan="off",
            access_log=False,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, name="hq", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("HQ did not start")
            time.sleep(0.002)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._server = self._thread = None
        self.engine.dispose()

    def restart(self) -> None:
        self.stop()
        self.start()
        self.restarts += 1


@dataclass
class Plan:
    """The seeded source of faults, shared by every till's transport."""

    seed: int
    server: Server
    rates: dict[str, float] = field(default_factory=lambda: dict(FAULTS))
    enabled: bool = True
    rng: random.Random = field(init=False)
    seen: Tally[str] = field(default_factory=Tally)
    past: list[httpx.Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self) -> str:
        if not self.enabled:
            return ""
        x = self.rng.random()
        for name, rate in self.rates.items():
            if x < rate:
                return name
            x -= rate
        return ""


def _with_body(req: httpx.Request, body: bytes) -> httpx.Request:
    headers = [(k, v) for k, v in req.headers.multi_items() if k.lower() != "content-length"]
    return httpx.Request(req.method, req.url, headers=headers, content=body)


class FaultyTransport(httpx.BaseTransport):
    def __init__(self, plan: Plan, inner: httpx.BaseTransport | None = None) -> None:
        self.plan = plan
        self.inner = inner or httpx.HTTPTransport()

    def _send(self, req: httpx.Request) -> httpx.Response:
        r = self.inner.handle_request(req)
        r.read()
        return r

    def _send_quietly(self, req: httpx.Request) -> None:
        with contextlib.suppress(httpx.TransportError):
            self._send(req).close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        plan = self.plan
        body = request.read()
        fault = plan.draw()
        if fault:
            plan.seen[fault] += 1
        if plan.enabled:
            plan.past.append(request)
            del plan.past[:-30]
        push = request.url.path.endswith("/push") and bool(body)
        if fault == "drop":
            raise httpx.ConnectError("fault: dropped", request=request)
        if fault == "delay":
            time.sleep(plan.rng.uniform(0.0005, 0.005))
        if fault == "stale" and plan.past:
            self._send_quietly(plan.rng.choice(plan.past))
        if fault == "restart":
            plan.server.restart()
        if fault == "cut" and body:
            request = _with_body(request, body[: plan.rng.randrange(len(body))])
        if fault in ("shuffle", "truncate") and push:
            doc = json.loads(body)
            entries: list[Any] = doc.get("entries", [])
            if fault == "shuffle":
                plan.rng.shuffle(entries)
            elif entries:
                del entries[plan.rng.randrange(len(entries)) :]
            request = _with_body(request, json.dumps(doc).encode())
        if fault == "duplicate":
            self._send_quietly(request)
        response = self._send(request)
        if fault in ("lose", "crash"):
            response.close()
            if fault == "crash":
                plan.server.restart()
            raise httpx.ReadError("fault: answer lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


# ----------------------------------------------------------------------------- the scenario

MEMBERS = ["M1", "M2", "M3"]
SCENARIO_SETUP: dict[str, Any] = {
    **SETUP,
    "members": [
        *SETUP["members"],
        {
            "code": "M3",
            "phone": "13700003333",
            "registered": "2025-03-01",
            "coin_lots": [{"coins": 40, "granted": "2026-09-01"}],
            "stored_value": {"principal": "300.00", "gift": "20.00"},
        },
    ],
}
RETRY = Backoff(base=0.001, cap=0.01, attempts=4)


@dataclass
class Outcome:
    seed: int
    tills: int = 0
    ops: int = 0
    rounds: int = 0  # sync rounds attempted through the faults
    failed_rounds: int = 0
    entries: int = 0
    restarts: int = 0
    faults: Tally[str] = field(default_factory=Tally)
    problems: list[str] = field(default_factory=list)


def sync_until_ok(t: Till, out: Outcome, limit: int = 60) -> None:
    for _ in range(limit):
        out.rounds += 1
        try:
            t.sync()
            return
        except (SyncError, PosError) as e:
            out.failed_rounds += 1
            last: Exception = e
    raise AssertionError(f"{t.terminal}: no round succeeded in {limit}: {last}")


def _operate(t: Till, rng: random.Random, receipts: list[str]) -> None:
    c = t.counter
    what = rng.random()
    try:
        if what < 0.6:
            member = rng.choice([*MEMBERS, None])
            tenders: list[TenderRequest] = []
            way = rng.random()
            if member and way < 0.3:
                tenders = [coins(rng.randint(1, 8)), cash(100)]
            elif member and way < 0.55:
                tenders = [TenderRequest("stored_value", None)]
            else:
                tenders = [cash(100)]
            if member:
                c.identify(member)
            c.scan(rng.choice([SOY, RICE]))
            if rng.random() < 0.3:
                c.scan(SOY)
            if tenders[0].kind == "stored_value":
                tenders = [TenderRequest("stored_value", c.priced().total_due)]
            receipts.append(c.pay(tenders).receipt_no)
        elif what < 0.8:
            amount = Money(rng.choice([5000, 10000, 20000]))
            c.recharge(rng.choice(MEMBERS), amount, c.authorize("mgr", "8888"))
        elif receipts:
            c.return_sale(
                receipts.pop(rng.randrange(len(receipts))), None, c.authorize("mgr", "8888")
            )
    except PosError:
        if c.sale is not None:
            c.void()


def run_scenario(engine: Engine, tmp: Path, port: int, seed: int, ops: int = 40) -> Outcome:
    out = Outcome(seed)
    rng = random.Random(f"ops-{seed}")
    hq = Hq(engine, tmp)
    hq.import_setup(SCENARIO_SETUP)
    server = Server(engine, port)
    server.start()
    plan = Plan(seed, server)
    tills: list[Till] = []
    try:
        out.tills = rng.choice([2, 3])
        for i in range(out.tills):
            store = f"S{i % 2 + 1}"
            terminal = f"{store}-T{i + 1:02d}"
            token = hq.enroll(store, terminal)
            http = httpx.Client(
                base_url=server.url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
                transport=FaultyTransport(plan),
            )
            path = tmp / f"{terminal}.sqlite"
            api = HqClient(http, backoff=RETRY)
            tills.append(Till(hq, terminal, token, path, open_store(path), api))
        for t in tills:
            sync_until_ok(t, out)
        receipts: list[list[str]] = [[] for _ in tills]
        for _ in range(ops):
            i = rng.randrange(len(tills))
            if rng.random() < 0.15:
                sync_until_ok(tills[i], out)
            else:
                _operate(tills[i], rng, receipts[i])
                out.ops += 1
        plan.enabled = False  # the final, clean syncs: everyone pushes, then everyone pulls
        for _ in range(2):
            for t in tills:
                if not t.sync().acknowledged:
                    out.problems.append(f"{t.terminal}: a clean round left entries unacknowledged")
        out.problems += check(hq, tills)
        with hq.sessions() as s:
            out.entries = len(s.execute(select(EntryRow.seq)).all())
    finally:
        for t in tills:
            t.api.close()
            t.sessions.kw["bind"].dispose()
        hq.close()
        server.stop()
    out.restarts, out.faults = server.restarts, plan.seen
    return out


def check(hq: Hq, tills: list[Till]) -> list[str]:
    """HQ's ledger is the union of the tills' (no loss, no duplicate, nothing else),
    each checkpoint is the till's head, each member's state at HQ is every till's."""
    problems: list[str] = []
    with hq.sessions() as s:
        at_hq = Tally(
            (r.terminal_id, r.seq, r.id, r.hash)
            for r in s.execute(select(EntryRow)).scalars()
            if not r.terminal_id.startswith("@")  # HQ's own chains: the import, store chains
        )
        checkpoints = {r.terminal_id: r.seq for r in s.execute(select(CheckpointRow)).scalars()}
        codes = sorted(s.execute(select(MemberRow.code)).scalars())
    union: Tally[tuple[str, int, str, str]] = Tally()
    for t in tills:
        with t.sessions() as s:
            union.update(
                (r.terminal_id, r.seq, r.id, r.hash) for r in s.execute(select(LedgerRow)).scalars()
            )
    if dup := [k for k, n in at_hq.items() if n > 1]:
        problems.append(f"duplicates at HQ: {dup[:5]}")
    if lost := sorted(set(union) - set(at_hq)):
        problems.append(f"{len(lost)} till entries missing at HQ: {lost[:5]}")
    if extra := sorted(set(at_hq) - set(union)):
        problems.append(f"{len(extra)} HQ entries no till holds: {extra[:5]}")
    for t in tills:
        head = max((k[1] for k in union if k[0] == t.terminal), default=0)
        if checkpoints.get(t.terminal, 0) != head:
            problems.append(f"{t.terminal}: checkpoint {checkpoints.get(t.terminal)} != #{head}")
        report = t.verify()
        if not report.ok:
            problems.append(f"{t.terminal}: verify: {report.problems[:3]}")
    for code in codes:
        state = as_sent(hq.member(code))
        for t in tills:
            with t.sessions() as ts:
                held = repo.load(ts, code)
            if held != state:
                problems.append(f"member {code}: {t.terminal}'s state differs from HQ's")
    problems += [f"HQ verify: {p}" for p in hq.verify()]
    return problems


__all__ = ["NOW", "FaultyTransport", "Outcome", "Plan", "Server", "check", "run_scenario"]
