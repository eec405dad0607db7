"""HQ's ingest rate against PostgreSQL ``COPY`` (issue 7: ``hq_ingest_vs_copy``).

One run, on a fresh PostgreSQL database (``$POS_TEST_PG``'s server, as the HQ tests
use) migrated by ``sync.hq.db.open_hq``:

1. HQ imports the tomato program, 300 demo products and the members (opening coin
   lots and stored value), and enrolls 20 tills, two per store.
2. ``pos-hq serve`` starts as its own process (``--workers``), on a free port.
3. 20 till processes (forked) each open their own SQLite store, are provisioned by a
   real ``sync_round`` over HTTP (identity, products, program, every member: HQ's
   states land in the till's ``hq_states``, nothing to push back), then ring up sales with the
   real ``Counter``: baskets of 1-6 products, 70% to the till's own members (a share
   of the chain's members), some paid partly with coins or stored value. The ledger
   rows are exactly what a till writes: sale records, member entries, cash entries.
4. Timed: at one start signal every till pushes its outbox through
   ``sync.client.push_outbox`` (the real batching: ``PUSH_BATCH`` rows a request). The first
   push and every fifth after it lose their answer (the connection drops after HQ
   committed), so the client resends the batch and HQ must answer ``duplicate`` for
   all of it.
5. Checked: per till, HQ's entry count = its checkpoint = the till's last seq, every
   lost answer came back as duplicates, a final resend of the last batch changes
   nothing, and ``service.verify`` (every chain links and hashes; every member is the
   fold of its entries) finds no problem.
6. Baseline: the rows the tills pushed, read back from HQ with all of ``entries``'
   columns, written by psycopg 3 ``cursor.copy`` into an unindexed, logged table in
   the same database, one transaction; the best of three runs.

The value is HQ's entries/s (applied till entries over the wall time from the start
signal to the last till's end; the resent batches take time and count for nothing);
the ratio is that over COPY's entries/s. ``cpu_seconds`` splits the CPU the timed push
took (read when the last till is done, before step 5's resends) between HQ's
processes, PostgreSQL's (the database's backends and the WAL writer) and the tills':
all share the machine, as COPY's client and server do.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from sync import till as sync_till
from sync.client import PUSH_BATCH, Backoff, HqClient, SyncReport, push_outbox, sync_round
from sync.hq import db
from sync.hq import service as svc
from terminal.app import demo, setup
from terminal.app.counter import Counter
from terminal.app.ids import UuidIds
from terminal.app.replay import STAFF
from terminal.clock import FixedClock
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules.program_loader import load_program
from terminal.rules.tenders import TenderRequest
from terminal.store.db import open_store

PG = os.environ.get("POS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[2]
PROGRAM = "tomato"
START = datetime(2026, 10, 7, 9, 0)
TILLS, PER_STORE = 20, 2
PRODUCTS = 300
BATCH = PUSH_BATCH  # the client's batch (sync.client.sync_round)
LOSE_EVERY = 5  # one push in five loses its answer and is resent whole
WORKERS = 2  # pos-hq serve --workers: one per core
COLUMNS = db.ENTRY_COLUMNS  # all of them, in the table's order


@dataclass(frozen=True)
class Scale:
    members: int  # at HQ, shared out among the tills
    sales: int  # per till


QUICK = Scale(members=200, sales=40)
FULL = Scale(members=2000, sales=1950)


# ----------------------------------------------------------------------------- plumbing


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(PG, autocommit=True, connect_timeout=3)


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"hq_bench_{uuid.uuid4().hex[:10]}"
    with _admin() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG.rsplit("/", 1)[0] + "/" + name
    finally:
        with _admin() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVE = [sys.executable, "-m", "sync.hq.cli", "serve"]


@contextmanager
def serve(url: str, workers: int, command: list[str] = SERVE) -> Iterator[tuple[str, int]]:
    """``pos-hq serve`` in its own process(es), as in production (``command`` takes
    ``serve``'s options: ``hq_floor`` runs a stripped HQ the same way)."""
    port = free_port()
    cmd = [*command, "--db", url, "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-migrate"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    # the tills' synthetic sales are dated 2026-10: HQ takes them whatever its own clock
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "POS_HQ_MAX_AGE_DAYS": "36500",
        "POS_HQ_MAX_AHEAD_S": str(10**9),
    }
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pos-hq serve did not start")
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------------------- HQ's side


def member_code(i: int) -> str:
    return f"M{i:06d}"


def openings(n: int) -> list[lc.Opening]:
    rnd = random.Random(7)
    return [
        lc.Opening(
            code=member_code(i),
            phone=f"138{i:08d}",
            registered=date(2025, 1, 1) + timedelta(days=rnd.randrange(600)),
            coin_lots=((rnd.randrange(50, 400), date(2026, 6, 1)),),
            principal=Money(rnd.randrange(0, 100_000, 100)),
        )
        for i in range(1, n + 1)
    ]


def till_ids() -> list[tuple[str, str]]:
    """(store, terminal) for the 20 tills: two per store."""
    out = []
    for k in range(TILLS):
        store = f"S{k // PER_STORE + 1:03d}"
        out.append((store, f"{store}-T{k % PER_STORE + 1:02d}"))
    return out


def prepare_hq(url: str, scale: Scale) -> dict[str, str]:
    """Migrate, import program, products and members, enroll the tills: their tokens."""
    engine = db.open_hq(url)
    try:
        sessions = db.sessions(engine)
        program = load_program(PROGRAM)
        toml = svc.shipped_program_toml(PROGRAM)
        products = demo.demo_products(PRODUCTS)
        members = openings(scale.members)
        now = svc.utcnow()
        svc.run(
            sessions,
            lambda s: svc.import_setup(s, program, toml, products, members, START, now),
        )
        return {
            tid: svc.run(sessions, lambda s, st=store, t=tid: svc.enroll(s, st, t, now))
            for store, tid in till_ids()
        }
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- a till


class LosesAnswers(httpx.HTTPTransport):
    """Pushes 1, 1 + ``every``, ... reach HQ, then their answer is lost: the client resends."""

    def __init__(self, every: int) -> None:
        super().__init__()
        self.every, self.pushes, self.lost = every, 0, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        r = super().handle_request(request)
        if request.url.path.endswith("/push"):
            self.pushes += 1
            if self.pushes % self.every == 1:  # the first, the sixth, ...
                r.read()
                r.close()
                self.lost += 1
                raise httpx.ReadError("connection reset by peer", request=request)
        return r


@dataclass
class TillRun:
    terminal: str
    provisioned: int  # HQ's checkpoint before the timed push
    head: int  # the till's last seq
    sales: int
    applied: int
    duplicates: int
    lost: int  # answers dropped (each batch resent whole)
    started: float
    ended: float
    final_duplicates: int  # a last resend of the last batch: all duplicate
    final_checkpoint: int


def ring_up(counter: Counter, rnd: random.Random, pieces: list[str], members: list[str]) -> None:
    """One sale of 1-6 products; 70% to a member, some paid partly in coins or stored value."""
    member = rnd.choice(members) if members and rnd.random() < 0.7 else None
    state = counter.identify(member) if member else None
    for code in rnd.sample(pieces, rnd.randint(1, 6)):
        counter.scan(code)
    due = counter.priced().total_due
    tenders: list[TenderRequest] = []
    roll = rnd.random()
    if state is not None and roll < 0.2:
        today = counter.now.date()
        held = sum(lot.coins for lot in state.coin_lots if lot.live_on(today))
        coins = min(10, held, due.fen // 400)
        if coins > 0:
            tenders.append(TenderRequest("coins", None, coins=coins))
    elif state is not None and roll < 0.35:
        sv = min(due.fen // 2, state.stored_value.fen)
        if sv > 0:
            tenders.append(TenderRequest("stored_value", Money(sv)))
    tenders.append(TenderRequest("cash", Money(-(-due.fen // 10000) * 10000)))
    counter.pay(tenders)


def till_main(
    k: int,
    terminal: str,
    token: str,
    base: str,
    folder: str,
    scale: Scale,
    go: Any,
    out: Any,
    resend: Any,
) -> None:
    """One till, in its own process: provision, sell, wait for the signal, push; after
    the parent has read the push's CPU, resend the last batch."""
    try:
        sessions = open_store(Path(folder) / f"{terminal}.sqlite")
        quiet = Backoff(base=0.0, cap=0.0, attempts=3)
        hq = HqClient.connect(base, token, backoff=quiet)
        first = sync_round(sessions, hq)  # identity, catalog, program, members
        assert first.acknowledged, first
        program = load_program(PROGRAM)
        clock, ids = FixedClock(START), UuidIds()
        setup.add_staff(sessions, STAFF)
        setup.open_shift(sessions, clock, ids, terminal, "c1")
        counter = Counter(sessions, program, clock, ids, terminal_id=terminal, cashier="c1")
        rnd = random.Random(1000 + k)
        pieces = [p.code for p in demo.demo_products(PRODUCTS) if p.plu is None]
        mine = [member_code(i) for i in range(1 + k, scale.members + 1, TILLS)]
        for i in range(scale.sales):
            clock.set(START + timedelta(seconds=20 * i))
            ring_up(counter, rnd, pieces, mine)
        hq.close()

        lossy = LosesAnswers(LOSE_EVERY)
        http = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120.0,
            transport=lossy,
        )
        hq = HqClient(http, backoff=quiet, sleep=lambda _: None)
        cp = hq.checkpoint(terminal).seq
        out.put({"ready": terminal})
        go.wait()
        rep = SyncReport(terminal)
        started = time.monotonic()
        push_outbox(sessions, hq, terminal, cp, BATCH, rep)
        ended = time.monotonic()
        head = sync_till.head(sessions)[0]
        out.put({"pushed": terminal})
        resend.wait()
        again = hq.push(terminal, sync_till.outbox(sessions, max(0, head - BATCH), BATCH))
        http.close()
        out.put(
            asdict(
                TillRun(
                    terminal=terminal,
                    provisioned=cp,
                    head=head,
                    sales=scale.sales,
                    applied=rep.pushed,
                    duplicates=rep.duplicates,
                    lost=lossy.lost,
                    started=started,
                    ended=ended,
                    final_duplicates=sum(r.status == "duplicate" for r in again.results),
                    final_checkpoint=again.checkpoint.seq,
                )
            )
        )
    except BaseException as e:  # the parent must hear of it, not wait forever
        out.put({"terminal": terminal, "error": repr(e)})
        raise


# ----------------------------------------------------------------------------- CPU


def _procs() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds so far, command line) of every process."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(d.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    return out


def cpu_split(server: int, database: str) -> dict[str, float]:
    """CPU seconds so far of HQ (the server and its workers), PostgreSQL (the
    database's backends and the WAL writer) and the tills (this process's children)."""
    procs = _procs()

    def tree(root: int) -> set[int]:
        found, todo = set(), [root]
        while todo:
            pid = todo.pop()
            found.add(pid)
            todo += [c for c, (pp, _, _) in procs.items() if pp == pid and c not in found]
        return found

    hq = tree(server)
    tills = tree(os.getpid()) - hq - {os.getpid()}
    pg = {
        pid
        for pid, (_, _, cmd) in procs.items()
        if cmd.startswith("postgres: ") and (database in cmd or "walwriter" in cmd)
    }
    return {
        "hq": sum(procs[p][1] for p in hq if p in procs),
        "postgres": sum(procs[p][1] for p in pg),
        "tills": sum(procs[p][1] for p in tills if p in procs),
    }


# ----------------------------------------------------------------------------- checks


def check(url: str, runs: list[dict[str, Any]]) -> list[str]:
    """Every till's entries exactly once, every chain and member fold sound."""
    problems: list[str] = []
    engine = db.open_hq(url, migrate=False)
    try:
        with engine.connect() as conn:
            counts = dict(
                conn.exec_driver_sql(
                    "SELECT terminal_id, count(*) FROM entries GROUP BY terminal_id"
                ).all()
            )
            cps = dict(conn.exec_driver_sql("SELECT terminal_id, seq FROM checkpoints").all())
        for r in runs:
            t = r["terminal"]
            if not (counts.get(t) == cps.get(t) == r["head"] == r["final_checkpoint"]):
                problems.append(
                    f"{t}: {counts.get(t)} entries, checkpoint {cps.get(t)}, "
                    f"till head {r['head']}, after a resend {r['final_checkpoint']}"
                )
            # every entry answered once: applied, or duplicate when its first answer was lost
            if r["applied"] + r["duplicates"] != r["head"] - r["provisioned"]:
                problems.append(
                    f"{t}: {r['applied']} applied + {r['duplicates']} duplicates answered "
                    f"for {r['head'] - r['provisioned']} entries"
                )
            if r["lost"] and not r["duplicates"]:
                problems.append(f"{t}: {r['lost']} answers lost but no duplicate came back")
            if r["final_duplicates"] != min(BATCH, r["head"]):
                problems.append(f"{t}: the last batch resent answered {r['final_duplicates']}")
        with db.sessions(engine)() as s:
            problems += svc.verify(s)
    finally:
        engine.dispose()
    return problems


# ----------------------------------------------------------------------------- COPY


def copy_rate(url: str, runs: list[dict[str, Any]], repeat: int = 3) -> tuple[float, int, int]:
    """(entries/s, rows, bytes): COPY of the pushed rows into an unindexed logged table."""
    pg = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(pg) as conn:
        rows: list[tuple[Any, ...]] = []
        for r in runs:
            rows += conn.execute(
                f"SELECT {COLUMNS} FROM entries WHERE terminal_id = %s AND seq > %s ORDER BY seq",
                (r["terminal"], r["provisioned"]),
            ).fetchall()
        size = sum(len(x[9]) for x in rows)
        conn.execute("CREATE TABLE copy_baseline (LIKE entries)")  # columns only: no index
        conn.commit()
        best = 0.0
        for _ in range(repeat):
            t0 = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY copy_baseline ({COLUMNS}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            conn.commit()
            best = max(best, len(rows) / (time.perf_counter() - t0))
            conn.execute("TRUNCATE copy_baseline")
            conn.commit()
    return best, len(rows), size


# ----------------------------------------------------------------------------- the figure


def hear(out: Any, n: int) -> list[dict[str, Any]]:
    """One message from each of the ``n`` tills; the first failed till's error raises
    at once (the others are killed on the way out)."""
    msgs = []
    for _ in range(n):
        msg = out.get(timeout=900)
        if "error" in msg:
            raise RuntimeError(f"till {msg['terminal']} failed: {msg['error']}")
        msgs.append(msg)
    return msgs


def ingest_bench(
    scale: Scale, workers: int = WORKERS, command: list[str] = SERVE
) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    t_setup = time.perf_counter()
    with fresh_database() as url, tempfile.TemporaryDirectory(prefix="pos-bench-hq-") as tmp:
        tokens = prepare_hq(url, scale)
        with serve(url, workers, command) as (base, server):
            go, resend, out = ctx.Event(), ctx.Event(), ctx.Queue()
            procs = [
                ctx.Process(
                    target=till_main,
                    args=(k, tid, tokens[tid], base, tmp, scale, go, out, resend),
                    daemon=True,
                )
                for k, (_, tid) in enumerate(till_ids())
            ]
            for pr in procs:
                pr.start()
            try:
                hear(out, len(procs))  # all provisioned, their sales rung up
                setup_s = time.perf_counter() - t_setup
                database = url.rsplit("/", 1)[1]
                cpu0 = cpu_split(server, database)
                go.set()
                hear(out, len(procs))  # all pushed
                cpu1 = cpu_split(server, database)  # the check's resends come after
                resend.set()
                runs = hear(out, len(procs))
            finally:
                for pr in procs:
                    pr.join(10)
                    if pr.is_alive():
                        pr.kill()
        t_check = time.perf_counter()
        problems = check(url, runs)
        check_s = time.perf_counter() - t_check
        copy, rows, size = copy_rate(url, runs)
        shutil.rmtree(tmp, ignore_errors=True)
    applied = sum(r["head"] - r["provisioned"] for r in runs)  # HQ holds each once: checked
    elapsed = max(r["ended"] for r in runs) - min(r["started"] for r in runs)
    rate = applied / elapsed
    if rows != applied:
        problems.append(f"COPY baseline has {rows} rows, HQ applied {applied}")
    return {
        "rate": rate,
        "copy_rate": copy,
        "entries": applied,
        "seconds": elapsed,
        "duplicates": sum(r["duplicates"] for r in runs),
        "lost_answers": sum(r["lost"] for r in runs),
        "sales": sum(r["sales"] for r in runs),
        "avg_payload_bytes": round(size / max(rows, 1)),
        "cpu_seconds": {k: round(cpu1[k] - cpu0[k], 1) for k in cpu0},
        "setup_seconds": round(setup_s, 1),
        "check_seconds": round(check_s, 1),
        "problems": problems,
    }


def hq_ingest_vs_copy(quick: bool) -> dict[str, object]:
    scale = QUICK if quick else FULL
    r = ingest_bench(scale)
    if r["problems"]:
        raise AssertionError(f"HQ's ledger is not exactly the tills': {r['problems'][:10]}")
    return {
        "value": round(r["rate"]),
        "unit": "e/s",
        "baseline": round(r["copy_rate"]),
        "ratio": round(r["rate"] / r["copy_rate"], 3),
        "target": "ratio >= 0.25",
        "tills": TILLS,
        "stores": TILLS // PER_STORE,
        "members": scale.members,
        "server_workers": WORKERS,
        "batch": BATCH,
        "copy_table": "unindexed, logged (best of 3)",
        "entries": r["entries"],
        "push_seconds": round(r["seconds"], 2),
        "sales": r["sales"],
        "duplicates_resent": r["duplicates"],
        "lost_answers": r["lost_answers"],
        "avg_payload_bytes": r["avg_payload_bytes"],
        "cpu_seconds": r["cpu_seconds"],  # during the timed push: HQ, PostgreSQL, the tills
        "setup_seconds": r["setup_seconds"],
        "check_seconds": r["check_seconds"],
    }
