"""The till's own figures: a durable sale commit, a scan at 50 lines, a receipt, memory.

Every figure runs on a copy of a cached demo store (``lookup.demo_store``) in a temp
dir, so the cache is never written: the default demo store (3,000 products, 20,000
members) for sales and receipts, a 100k-product one for scans. The till is the real
``Counter`` with production ids, its clock fixed at the store's generation time so the
generated balances and coupons are current.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from devices.printer.render import receipt_bytes
from terminal.app import setup
from terminal.app.counter import CommittedSale, Counter
from terminal.app.ids import UuidIds
from terminal.clock import FixedClock
from terminal.money import ZERO, Money
from terminal.printing.layout import StoreInfo
from terminal.rules import member as m
from terminal.rules.barcodes import encode_scale
from terminal.rules.coupons import Coupon
from terminal.rules.program_loader import load_program
from terminal.rules.tenders import TenderRequest
from terminal.store.db import open_store
from terminal.store.ledger_key import copy_store
from terminal.store.schema import MemberRow, ProductRow, Setting
from tests.benchmarks.lookup import PROGRAM, START, demo_store, percentiles

DEMO_PRODUCTS, DEMO_MEMBERS = 3000, 20_000  # what ``pos-terminal run --demo`` creates
BIG_PRODUCTS = 100_000
ROOT = Path(__file__).resolve().parents[2]
TABLES = ("sales", "tenders", "ledger")  # ledger last: it is also the sync outbox


# ----------------------------------------------------------------------------- plumbing


@contextmanager
def store_copy(products: int, members: int, prefix: str) -> Iterator[Path]:
    """A throwaway copy of a cached demo store, in its own temp dir."""
    src = demo_store(products, members)
    with tempfile.TemporaryDirectory(prefix=f"pos-bench-{prefix}-") as tmp:
        dest = Path(tmp) / src.name
        copy_store(src, dest)  # with its ledger key
        yield dest


@dataclass
class Till:
    counter: Counter
    store: StoreInfo
    pieces: list[str]  # codes of products sold by the piece
    labels: list[str]  # label-scale codes (PLU + price) of products sold by weight
    members: list[str]

    def close(self) -> None:
        self.counter.sessions.kw["bind"].dispose()


def open_till(path: Path, rnd: random.Random, members: int) -> Till:
    """The till on ``path`` with its shift open, ``members`` member codes drawn at random."""
    sessions = open_store(path)
    program = load_program(PROGRAM)
    clock, ids = FixedClock(START), UuidIds()
    setup.open_shift(sessions, clock, ids, "T01", "c1", Money(50000))
    counter = Counter(sessions, program, clock, ids, terminal_id="T01", cashier="c1")
    layout = program.scale_barcodes[0]
    with sessions() as s:
        name = s.get(Setting, "store")
        rows = s.execute(select(ProductRow.code, ProductRow.plu, ProductRow.price_fen)).all()
        top = s.execute(select(MemberRow.code).order_by(MemberRow.code.desc()).limit(1)).scalar()
    assert top is not None
    width, count = len(top) - 1, int(top[1:])
    pieces = [code for code, plu, _ in rows if plu is None]
    labels = [encode_scale(layout, plu, price * 3 // 4) for _, plu, price in rows if plu]
    codes = [f"M{i:0{width}d}" for i in rnd.sample(range(1, count + 1), members)]
    store = StoreInfo(name.value if name else "番茄生鲜", "T01", "张丽")
    return Till(counter, store, pieces, labels, codes)


def stock(till: Till, coins: int, stored_value: Money, coupons: int) -> None:
    """Give each of the till's members a coin lot, stored value and ``coupons`` coupons,
    so every sale can pay with all three (one transaction, before anything is timed)."""
    c = till.counter
    today = START.date()
    with c._tx() as (s, led):
        for code in till.members:
            state = c._current(s, led, code)
            entries: list[m.MemberEntry] = [
                m.CoinLotGranted(f"{code}-bench", coins, today, today + timedelta(days=365), "hq"),
                m.StoredValueChanged(stored_value, ZERO, "bench"),
                *(m.CouponGranted(cp) for cp in wallet(code, coupons, today)),
            ]
            c._commit_member(s, led, state, entries, "bench")


def wallet(code: str, n: int, today: date) -> list[Coupon]:
    """The program's coupon kinds, many copies, spread expiries, some fresh-only."""
    kinds = [
        ("满30减5", "30.00", "5.00", ()),
        ("满30减2", "30.00", "2.00", ()),
        ("满50减2", "50.00", "2.00", ()),
        ("满100减15", "100.00", "15.00", ()),
        ("生鲜满60减8", "60.00", "8.00", ("fresh",)),
        ("生日券 减10", "0.00", "10.00", ()),
    ]
    out = []
    for i in range(n):
        name, t, off, cats = kinds[i % len(kinds)]
        last = today + timedelta(days=3 + (i * 7) % 24)
        out.append(
            Coupon(f"{code}-B{i}", name, Money.parse(t), Money.parse(off), last, today, cats)
        )
    return out


def basket(till: Till, rnd: random.Random, lines: int) -> list[str]:
    """``lines`` distinct scans: about one in five a weighed fresh item's scale label."""
    weighed = min(lines // 5, len(till.labels))
    return rnd.sample(till.labels, weighed) + rnd.sample(till.pieces, lines - weighed)


def ring_up(till: Till, member: str, codes: list[str]) -> Money:
    c = till.counter
    c.identify(member)
    for code in codes:
        c.scan(code)
    return c.priced().total_due


def split_tenders(due: Money, coins: int, stored_value: Money) -> list[TenderRequest]:
    """Coins, then stored value, then cash rounded up to the next 10 yuan."""
    coins = min(coins, due.fen // 100 // 4)
    sv = Money(min(stored_value.fen, (due.fen - coins * 100) // 2))
    rest = due.fen - coins * 100 - sv.fen
    out = [TenderRequest("coins", coins=coins)] if coins else []
    out += [TenderRequest("stored_value", sv)] if sv.fen else []
    return [*out, TenderRequest("cash", Money(-(-rest // 1000) * 1000) if rest else Money(1000))]


def stats(times: list[float]) -> dict[str, float]:
    median, p99 = percentiles(times)
    return {"median": round(median, 3), "p99": round(p99, 3), "max": round(max(times), 3)}


# ----------------------------------------------------------------------------- commit


class BareSqlite:
    """The floor: one row committed durably by bare sqlite3, WAL + synchronous=FULL."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT, payload TEXT)")
        self.n = 0

    def commit_one(self) -> None:
        self.n += 1
        self.db.execute("BEGIN")
        self.db.execute("INSERT INTO t (at, payload) VALUES (?, ?)", (START.isoformat(), "x" * 200))
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def commit_bench(runs: int, warm: int = 10) -> dict[str, float]:
    """Each sale is paid as the counter pays it: ``plan_payment`` (the rules settle the
    sale and encode its rows, before any lock) then ``commit_payment`` (the durable
    write: sale, tenders, ledger rows, member cache, receipt number, COMMIT). The
    figure is the commit; the plan's time is reported beside it."""
    rnd = random.Random(21)
    coins, sv = 20, Money(20000)
    commit_ms: list[float] = []
    plan_ms: list[float] = []
    pay_cpu: list[float] = []
    bare_ms: list[float] = []
    with store_copy(DEMO_PRODUCTS, DEMO_MEMBERS, "commit") as path:
        till = open_till(path, rnd, runs + warm)
        stock(till, coins, sv, coupons=4)
        bare = BareSqlite(path.with_name("bare.sqlite"))  # same directory, same filesystem
        rows = entries = 0
        c = till.counter
        for i, member in enumerate(till.members):
            due = ring_up(till, member, basket(till, rnd, 20))
            tenders = split_tenders(due, coins, sv)
            before = sale_rows(path) if i == warm else (0, 0)  # what one sale writes
            # Interleaved, alternating which goes first: noise hits both alike.
            for which in ("bare", "pay") if i % 2 else ("pay", "bare"):
                if which == "bare":
                    t0 = time.perf_counter()
                    bare.commit_one()
                    if i >= warm:
                        bare_ms.append((time.perf_counter() - t0) * 1000)
                    continue
                t0, c0 = time.perf_counter(), time.process_time()
                plan = c.plan_payment(tenders)
                t1 = time.perf_counter()
                sale = c.commit_payment(plan)
                t2, c2 = time.perf_counter(), time.process_time()
                assert sale is not None
                c.sale = None
                if i >= warm:
                    assert len(sale.record.lines) == 20 and len(sale.record.tenders) >= 3
                    plan_ms.append((t1 - t0) * 1000)
                    commit_ms.append((t2 - t1) * 1000)
                    pay_cpu.append((c2 - c0) * 1000)
            if i == warm:
                after = sale_rows(path)
                rows, entries = after[0] - before[0], after[1] - before[1]
        bare.close()
        till.close()
    commit, base, plan_s = stats(commit_ms), stats(bare_ms), stats(plan_ms)
    pay = stats([a + b for a, b in zip(plan_ms, commit_ms, strict=True)])
    return {
        "commit_median": commit["median"],
        "commit_p99": commit["p99"],
        "plan_median": plan_s["median"],  # the rules: settle, earn, encode (no lock held)
        "pay_median": pay["median"],  # plan + commit, as Counter.pay
        "pay_p99": pay["p99"],
        "pay_vs_bare": round(pay["median"] / base["median"], 2),
        "pay_cpu_median": round(percentiles(pay_cpu)[0], 3),
        "bare_median": base["median"],
        "bare_p99": base["p99"],
        "runs": runs,
        "rows_per_sale": rows,  # inserted; the member's cached state and receipt no. updated
        "ledger_rows_per_sale": entries,
    }


def sale_rows(path: Path) -> tuple[int, int]:
    """(rows in sales + tenders + ledger, ledger rows): what one sale inserts."""
    db = sqlite3.connect(path)
    try:
        n = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES]
    finally:
        db.close()
    return sum(n), n[-1]


def commit_vs_sqlite(quick: bool) -> dict[str, object]:
    r = commit_bench(60 if quick else 300)
    return {
        "value": r["commit_median"],
        "unit": "ms",
        "baseline": r["bare_median"],
        "ratio": round(r["commit_median"] / r["bare_median"], 2),
        "target": "ratio <= 2.0",
        **r,
    }


# ----------------------------------------------------------------------------- scan


def scan_bench(runs: int, warm: int = 50) -> dict[str, float]:
    rnd = random.Random(31)
    with store_copy(BIG_PRODUCTS, DEMO_MEMBERS, "scan") as path:
        till = open_till(path, rnd, 1)
        stock(till, 50, Money(50000), coupons=20)
        c = till.counter
        codes = basket(till, rnd, 49 + runs + warm)  # distinct: every scan makes a new line
        ring_up(till, till.members[0], codes[:49])
        assert c.sale is not None and len(c.sale.lines) == 49
        wall: list[float] = []
        cpu: list[float] = []
        applied = 0
        for i, code in enumerate(codes[49:]):
            t0, c0 = time.perf_counter(), time.process_time()
            priced = c.scan(code)  # look the code up, add the 50th line, reprice the sale
            dt, dc = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            assert len(priced.lines) == 50
            c.sale.lines.pop()  # back to 49 lines for the next scan
            if i >= warm:
                wall.append(dt)
                cpu.append(dc)
                applied = len(priced.coupons.coupons)
        till.close()
    return {
        **stats(wall),
        "p99_cpu": round(percentiles(cpu)[1], 3),
        "runs": runs,
        "coupons_applied": applied,
    }


def scan_to_price_p99_ms(quick: bool) -> dict[str, object]:
    r = scan_bench(300 if quick else 2000)
    return {
        "value": r["p99"],
        "unit": "ms",
        "baseline": None,
        "ratio": None,
        "target": "<= 5 ms",
        "products": BIG_PRODUCTS,
        "lines": 50,
        "coupons": 20,
        **{k: v for k, v in r.items() if k != "p99"},
    }


# ----------------------------------------------------------------------------- receipt


def committed_sale(path: Path, lines: int) -> tuple[Till, CommittedSale]:
    """A paid member sale of ``lines`` lines: coupons, coins, stored value and cash."""
    rnd = random.Random(41)
    till = open_till(path, rnd, 1)
    stock(till, 50, Money(50000), coupons=8)
    due = ring_up(till, till.members[0], basket(till, rnd, lines))
    sale = till.counter.pay(split_tenders(due, 50, Money(50000)))
    return till, sale


def receipt_bench(runs: int, warm: int = 20) -> dict[str, float]:
    with store_copy(DEMO_PRODUCTS, DEMO_MEMBERS, "receipt") as path:
        till, sale = committed_sale(path, 50)
        program, now = till.counter.program, till.counter.now
        times: list[float] = []
        size = 0
        for i in range(runs + warm):
            t0 = time.perf_counter()
            data = receipt_bytes(sale, program, till.store, 48, now=now)  # as the window does
            dt = (time.perf_counter() - t0) * 1000
            if i >= warm:
                times.append(dt)
            size = len(data)
        till.close()
    assert len(sale.record.lines) == 50
    return {**stats(times), "bytes": size, "runs": runs}


def receipt_render_ms(quick: bool) -> dict[str, object]:
    r = receipt_bench(200 if quick else 1000)
    return {
        "value": r["median"],
        "unit": "ms",
        "baseline": None,
        "ratio": None,
        "target": "<= 5 ms",
        "width": "80 mm (48 columns), GB18030",
        "lines": 50,
        **r,
    }


# ----------------------------------------------------------------------------- memory


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def rss_child(path: str, sales: int) -> None:
    """In a fresh interpreter: ``sales`` sales on the store, then the till's RSS (JSON)."""
    rnd = random.Random(51)
    start_mb = vm_rss_mb()
    till = open_till(Path(path), rnd, 2000)
    stock(till, 200, Money(200000), coupons=3)
    opened_mb = vm_rss_mb()
    program, now = till.counter.program, till.counter.now
    t0 = time.perf_counter()
    for i in range(sales):
        member = till.members[i % len(till.members)] if i % 10 < 7 else None  # 70% members
        if member:
            due = ring_up(till, member, basket(till, rnd, rnd.randint(1, 30)))
            tenders = split_tenders(due, 10, Money(5000)) if i % 3 == 0 else None
        else:
            for code in basket(till, rnd, rnd.randint(1, 30)):
                till.counter.scan(code)
            due = till.counter.priced().total_due
            tenders = None
        cash = TenderRequest("cash", Money(-(-due.fen // 10000) * 10000))
        sale = till.counter.pay(tenders or [cash])
        receipt_bytes(sale, program, till.store, 48, now=now)
    elapsed = time.perf_counter() - t0
    out = {
        "rss_mb": round(vm_rss_mb(), 1),
        "start_mb": round(start_mb, 1),
        "opened_mb": round(opened_mb, 1),
        "sales": sales,
        "sales_seconds": round(elapsed, 1),
        "sale_count": till.counter.sale_count(),
    }
    print(json.dumps(out), flush=True)


def till_rss_mb(quick: bool) -> dict[str, object]:
    sales = 1000
    with store_copy(DEMO_PRODUCTS, DEMO_MEMBERS, "rss") as path:
        code = f"from tests.benchmarks.till import rss_child; rss_child({str(path)!r}, {sales})"
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "value": r["rss_mb"],
        "unit": "MB",
        "baseline": None,
        "ratio": None,
        "target": "<= 250 MB",
        **{k: v for k, v in r.items() if k != "rss_mb"},
    }
