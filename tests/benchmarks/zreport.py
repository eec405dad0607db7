"""``z_report_vs_scan``: the Z on a day of 200k ledger rows against one bare SQL aggregate.

The day is made on a copy of the cached demo store (3,000 products, 20,000 members,
whose 181k opening rows are the day before) and cached itself under ``cache_dir()``:

- **Genuine rows first.** The real ``Counter`` and ``Shifts`` ring up two shifts on
  2026-10-08: the float, non-member and member sales (coupons chosen by the rules,
  coins + stored value + cash, card, mobile, cash + mobile), full and part returns with
  their clawbacks, a return without a receipt, recharges by cash, card and mobile, a
  stored-value refund, drawer opens, handovers with a count (prepaid cards where the
  program sells them: tomato does not; tests/app/test_reports_fast.py has them).
- **Then copied to 200k rows.** Those rows (payloads exactly as the services wrote
  them) are appended again and again through the ledger's own chain (``row_hash``,
  fresh time-ordered ids, the next seq), stamped through the rest of the day, in one
  transaction. The copies are ledger rows only: cached member balances do not follow
  them, which a Z never reads.

Timed on a fresh copy of that store each round, in alternation: the bare aggregate
``SELECT kind, count(*), sum(length(payload)) ... WHERE terminal_id = ? AND at >= ? AND
at < ? GROUP BY kind`` on a plain ``sqlite3`` connection (the Z's own condition, so the
same access path: the ledger has no index on ``at``, and both read the whole ledger
b-tree, the day before included), then ``Shifts.z_report`` (the fold, the stored report,
the chained ``day_close`` row, COMMIT). Value = median Z, baseline = median aggregate.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from sqlalchemy import func, select

from terminal.app.counter import Counter
from terminal.app.ids import UuidIds
from terminal.app.shifts import Shifts
from terminal.app.staff import Authorization
from terminal.clock import FixedClock
from terminal.money import Money
from terminal.printing.layout import StoreInfo
from terminal.quantity import Qty
from terminal.rules.program_loader import load_program
from terminal.rules.tenders import TenderRequest
from terminal.store.db import open_store
from terminal.store.ledger import row_hash
from terminal.store.ledger_key import copy_store
from terminal.store.schema import LedgerRow, MemberRow, ProductRow
from tests.benchmarks.lookup import PROGRAM, cache_dir, demo_store
from tests.benchmarks.till import DEMO_MEMBERS, DEMO_PRODUCTS, Till, basket, split_tenders, stock

VERSION = 1  # of the generated day: bump it when the same arguments make another store
DAY = date(2026, 10, 8)  # the day after the demo store's openings
TERMINAL = "T01"
ROWS, QUICK_ROWS = 200_000, 50_000
BASELINE_SQL = (
    "SELECT kind, count(*), sum(length(payload)) FROM ledger "
    "WHERE terminal_id = ? AND at >= ? AND at < ? GROUP BY kind"
)


def on(hhmmss: str) -> datetime:
    return datetime.combine(DAY, dtime.fromisoformat(hhmmss))


# ----------------------------------------------------------------------------- the day


def ring_up_shifts(path: Path, shifts: int, sales: int) -> int:
    """Two cashiers' worth of genuine transactions on ``DAY``; returns the ledger's head
    before them (the day's rows are the ones after it)."""
    sessions = open_store(path)
    clock, ids = FixedClock(on("07:30:00")), UuidIds()
    program = load_program(PROGRAM)
    counter = Counter(sessions, program, clock, ids, terminal_id=TERMINAL, cashier="c1")
    desk = Shifts(sessions, clock, ids, TERMINAL)
    rnd = random.Random(8)
    with sessions() as s:
        head = int(s.execute(select(func.max(LedgerRow.seq))).scalar() or 0)
        rows = s.execute(select(ProductRow.code, ProductRow.plu, ProductRow.price_fen)).all()
        top = s.execute(select(MemberRow.code).order_by(MemberRow.code.desc()).limit(1)).scalar()
    assert top is not None
    width, count = len(top) - 1, int(top[1:])
    members = [f"M{i:0{width}d}" for i in rnd.sample(range(1, count + 1), 400)]
    pieces = [c for c, plu, _ in rows if plu is None]  # by the piece: a part return takes 1
    price = {c: Money(fen) for c, _, fen in rows}
    till = Till(counter, StoreInfo("番茄生鲜", TERMINAL, "张丽"), pieces, [], members)
    stock(till, 40, Money(50000), coupons=3)  # coins, stored value and coupons to spend
    mgr = counter.authorize("mgr", "8888")
    tick = [0]

    def step() -> None:  # one second a transaction: the genuine part is a busy hour
        tick[0] += 1
        clock.set(on("08:00:00") + timedelta(seconds=tick[0]))

    receipts: list[str] = []
    for shift in range(shifts):
        step()
        desk.open_shift("c1", Money(50000))
        for i in range(sales):
            step()
            member = members[(shift * sales + i) % len(members)] if i % 10 < 7 else None
            if member:
                counter.identify(member)
            for code in basket(till, rnd, rnd.randint(1, 12)):
                counter.scan(code)
            due = counter.priced().total_due
            if member and i % 3 == 0:
                tenders = split_tenders(due, 10, Money(2000))
            else:
                tenders = _walk_in_tenders(due, i)
            receipts.append(counter.pay(tenders).receipt_no)
            _extras(
                counter, desk, mgr, receipts, member, i, shift, step, (pieces[i], price[pieces[i]])
            )
        step()
        expected = desk.x_report().expected_cash
        desk.handover(expected - Money(100 * (shift % 2)))  # the second drawer one yuan short
    sessions.kw["bind"].dispose()
    return head


def _walk_in_tenders(due: Money, i: int) -> list[TenderRequest]:
    """Cash rounded up (change given), card, mobile, or cash and mobile."""
    match i % 4:
        case 0:
            return [TenderRequest("cash", Money(-(-due.fen // 1000) * 1000 or 1000))]
        case 1:
            return [TenderRequest("card", due)]
        case 2:
            return [TenderRequest("mobile", due)]
        case _:
            half = Money(due.fen // 2)
            return [TenderRequest("cash", half), TenderRequest("mobile", due - half)]


def _extras(
    counter: Counter,
    desk: Shifts,
    auth: Authorization,
    receipts: list[str],
    member: str | None,
    i: int,
    shift: int,
    step: Callable[[], None],
    product: tuple[str, Money],
) -> None:
    """Between sales: returns, recharges, cards, refunds and drawer opens."""
    if i % 25 == 24:
        step()
        counter.return_sale(receipts[-3], None, auth)
    if i % 40 == 39:
        step()
        counter.return_sale(receipts[-2], [(1, Qty.parse("1"))], auth)
    if member and i % 30 == 5:
        step()
        tender = ("cash", "card", "mobile")[(i // 30) % 3]
        counter.recharge(member, Money(50000 if i % 60 == 5 else 20000), auth, tender)
    values = counter.program.prepaid_card_values  # tomato sells none: the test covers them
    if values and i % 60 == 31:
        step()
        value = values[i % len(values)]
        counter.sell_card(f"BC{shift}{i:06d}", "123456", value, [TenderRequest("cash", value)])
    if i % 100 == 50:
        step()
        desk.open_drawer(auth, "换零钱")
    if i == 27:
        step()
        counter.return_without_receipt(product[0], Qty.parse("1"), product[1], "cash", auth)
    if member and i == 41:
        step()
        counter.refund_stored_value(member, auth)


def copy_day(path: Path, head: int, total: int) -> int:
    """Append the day's genuine rows again, chained, until the day holds ``total``."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        lo, hi = DAY.isoformat(), (DAY + timedelta(days=1)).isoformat()
        genuine = db.execute(
            "SELECT kind, member_code, ref, payload FROM ledger WHERE seq > ? AND at >= ? "
            "AND at < ? ORDER BY seq",
            (head, lo, hi),
        ).fetchall()
        seq, prev, last_at = db.execute(
            "SELECT seq, hash, at FROM ledger ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        have = db.execute(
            "SELECT count(*) FROM ledger WHERE at >= ? AND at < ?", (lo, hi)
        ).fetchone()[0]
        start = datetime.fromisoformat(last_at) + timedelta(minutes=5)
        room = (on("22:00:00") - start).total_seconds()
        todo, ids, rows = total - have, UuidIds(), []
        for n in range(todo):
            kind, member, ref, payload = genuine[n % len(genuine)]
            seq += 1
            at = (start + timedelta(seconds=int(room * n / todo))).isoformat()
            id_ = ids.entry_id()
            h = row_hash(prev, seq, id_, TERMINAL, at, kind, member, ref, payload)
            rows.append((seq, id_, TERMINAL, at, kind, member, ref, payload, prev, h))
            prev = h
        db.execute("BEGIN IMMEDIATE")
        db.executemany(  # the padding rows carry no MAC: the Z report never reads one
            "INSERT INTO ledger (seq, id, terminal_id, at, kind, member_code, ref, payload, "
            "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(genuine)
    finally:
        db.close()


def day_store(rows: int) -> Path:
    """The demo store with a ``rows``-row day on ``DAY``, made once and cached."""
    folder = cache_dir() / f"zreport-{rows}rows-v{VERSION}"
    path = folder / "till.sqlite"
    if path.exists():
        return path
    src = demo_store(DEMO_PRODUCTS, DEMO_MEMBERS)
    partial = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    print(f"  (generating {folder}: a day of {rows:,} ledger rows)", flush=True)
    t0 = time.perf_counter()
    copy_store(src, partial / path.name)  # with its ledger key
    head = ring_up_shifts(partial / path.name, shifts=2, sales=150 if rows >= ROWS else 60)
    genuine = copy_day(partial / path.name, head, rows)
    (partial / "genuine-rows").write_text(f"{genuine}\n")
    try:
        partial.rename(folder)
    except OSError:
        if not path.exists():
            raise
        shutil.rmtree(partial, ignore_errors=True)  # another run made it meanwhile
    print(f"  (generated in {time.perf_counter() - t0:.0f} s)", flush=True)
    return path


# ----------------------------------------------------------------------------- timing


def bare_aggregate(path: Path) -> tuple[float, dict[str, int]]:
    db = sqlite3.connect(path)
    try:
        lo, hi = DAY.isoformat(), (DAY + timedelta(days=1)).isoformat()
        t0 = time.perf_counter()
        got = db.execute(BASELINE_SQL, (TERMINAL, lo, hi)).fetchall()
        took = time.perf_counter() - t0
    finally:
        db.close()
    return took, {kind: n for kind, n, _ in got}


def z_once(path: Path) -> tuple[float, int, int]:
    """(seconds, rows covered, progress calls) of one Z."""
    sessions = open_store(path)
    calls: list[tuple[int, int]] = []
    desk = Shifts(sessions, FixedClock(on("23:00:00")), UuidIds(), TERMINAL)
    t0 = time.perf_counter()
    report = desk.z_report(DAY, progress=lambda done, total: calls.append((done, total)))
    took = time.perf_counter() - t0
    sessions.kw["bind"].dispose()
    assert report.sales.count > 0 and calls[-1][0] == calls[-1][1]
    return took, report.last_seq - report.first_seq + 1, len(calls)


def z_report_vs_scan(quick: bool) -> dict[str, object]:
    rows = QUICK_ROWS if quick else ROWS
    src = day_store(rows)
    zs: list[float] = []
    scans: list[float] = []
    kinds: dict[str, int] = {}
    covered = calls = 0
    for _ in range(2 if quick else 3):
        with tempfile.TemporaryDirectory(prefix="pos-bench-z-") as tmp:
            path = Path(tmp) / src.name
            copy_store(src, path)
            took, kinds = bare_aggregate(path)  # warms the page cache for both alike
            scans.append(took)
            took, covered, calls = z_once(path)
            zs.append(took)
    z, scan = sorted(zs)[len(zs) // 2], sorted(scans)[len(scans) // 2]
    assert sum(kinds.values()) == rows, kinds
    return {
        "value": round(z, 3),
        "unit": "s",
        "baseline": round(scan, 3),
        "ratio": round(z / scan, 2),
        "target": "ratio <= 3",
        "rows": rows,
        "rows_by_kind": kinds,
        "genuine_rows": int((src.parent / "genuine-rows").read_text()),
        "report_rows": covered,
        "progress_calls": calls,
        "z_runs": [round(t, 3) for t in zs],
        "scan_runs": [round(t, 3) for t in scans],
        "store_mb": round(src.stat().st_size / 1e6),
    }
