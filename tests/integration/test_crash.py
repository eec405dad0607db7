"""A crash at any moment leaves each sale whole or absent (issue 3's durability claim).

A child till (``checkout_loop``) sells in a loop on one SQLite file; the test kills it
with SIGKILL at a random moment, restarts it on the same file, 200+ times, then checks
the file: the ledger chain and every cached balance (``verify``), every receipt the child
reported, and, sale by sale, that its tenders, its "sale" ledger row, its cash row and its
member entries all exist and agree with each other. Nothing may exist for a sale that is
not stored.

Kill timing: the child takes ~0.5 s to import and open the store, then a sale takes a few
ms. Most kills wait for the child's ``ready`` line and then a random 0-150 ms inside the
checkout loop (so they land in scans, in ``pay()`` mid-transaction or mid-commit, and
between the commit and the report); the rest are blind delays inside the startup, which
catch the child while it imports or while ``open_store`` runs the migrations check and
recovers the previous child's WAL.
"""

from __future__ import annotations

import json
import os
import random
import selectors
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter as Tally
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from terminal import codec
from terminal.app.counter import Counter
from terminal.app.ids import UuidIds
from terminal.app.verify import verify
from terminal.clock import FixedClock
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import member as m
from terminal.rules import tenders as tn
from terminal.rules.checkout import SaleRecord
from terminal.rules.program_loader import load_program
from terminal.store.db import open_store
from terminal.store.schema import LedgerRow, MemberRow, SaleRow, Setting, TenderRow

from . import checkout_loop as loop

ROOT = Path(__file__).resolve().parents[2]
KILLS = 200
SEED = 20261124
STARTUP_SHARE = 0.15  # kills aimed at the child's imports and store opening
LOOP_WINDOW_S = (0.0, 0.15)  # after "ready"
READY_TIMEOUT_S = 30.0


class Child:
    """One run of the checkout loop, its stdout collected as it comes."""

    def __init__(self, db: Path, seed: int, errlog: Path) -> None:
        self.started = time.monotonic()
        self.err = errlog.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.checkout_loop", str(db), "--seed", str(seed)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.err,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.buf = b""
        self.ready_after: float | None = None

    def _drain(self) -> bool:
        """Read what is there; False at end of file."""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            self.buf += chunk

    def wait_ready(self) -> None:
        deadline = self.started + READY_TIMEOUT_S
        with selectors.DefaultSelector() as sel:
            sel.register(self.fd, selectors.EVENT_READ)
            while b"ready\n" not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.fail("no 'ready' line in time")
                if sel.select(left) and not self._drain() and b"ready\n" not in self.buf:
                    self.fail("exited before 'ready'")
        self.ready_after = time.monotonic() - self.started

    def kill(self) -> list[str]:
        """SIGKILL; the complete lines the child had written."""
        self._drain()
        if self.proc.poll() is not None:
            self.fail(f"exited by itself with {self.proc.returncode}")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        os.set_blocking(self.fd, True)
        self._drain()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.err.close()
        if self.proc.returncode != -signal.SIGKILL:
            self.fail(f"exit status {self.proc.returncode}, not SIGKILL")
        text = self.buf.decode()
        return text.split("\n")[:-1]  # a last line without its newline is dropped

    def fail(self, why: str) -> None:
        self.proc.kill()
        self.proc.wait()
        self.err.close()
        err = Path(self.err.name).read_text(errors="replace")[-3000:]
        pytest.fail(f"checkout child {why}:\n{err}")


def parse(lines: list[str]) -> tuple[bool, dict[str, str], str | None]:
    """(got ready, reported receipt -> sale id, the sale being paid when killed)."""
    ready = bool(lines) and lines[0] == "ready"
    receipts: dict[str, str] = {}
    pending = None
    for ln in lines[1:]:
        word, *rest = ln.split()
        if word == "pay":
            pending = rest[0]
        elif word == "receipt":
            receipt, sale_id = rest
            assert sale_id == pending, f"receipt for {sale_id} while paying {pending}"
            receipts[receipt] = sale_id
            pending = None
        else:
            raise AssertionError(f"unexpected child output {ln!r}")
    return ready, receipts, pending


def kill_loop(
    db: Path, tmp: Path
) -> tuple[dict[str, str], list[str | None], Tally[str], dict[str, Any]]:
    rng = random.Random(SEED)
    reported: dict[str, str] = {}
    pendings: list[str | None] = []  # per kill: the sale in pay() when it died
    where: Tally[str] = Tally()
    ready_times: list[float] = []
    t0 = time.monotonic()
    for i in range(KILLS):
        child = Child(db, SEED + i, tmp / "child.err")
        if rng.random() < STARTUP_SHARE:
            typical = statistics.median(ready_times) if ready_times else 0.4
            time.sleep(rng.uniform(0.0, typical))
        else:
            child.wait_ready()
            assert child.ready_after is not None
            ready_times.append(child.ready_after)
            time.sleep(rng.uniform(*LOOP_WINDOW_S))
        ready, receipts, pending = parse(child.kill())
        assert not set(receipts) & set(reported), "a receipt number was issued twice"
        reported |= receipts
        pendings.append(pending)
        if not ready:
            where["startup"] += 1
        elif pending is not None:
            where["in pay()"] += 1
        else:
            where["between sales"] += 1
    stats = {
        "kills": KILLS,
        "seconds": round(time.monotonic() - t0, 1),
        "ready_median_s": round(statistics.median(ready_times), 3),
        "reported_receipts": len(reported),
    }
    return reported, pendings, where, stats


def check_store(db: Path, reported: dict[str, str], pendings: list[str | None]) -> dict[str, Any]:
    sessions = open_store(db)
    try:
        rep = verify(sessions)
        assert rep.ok, rep.problems
        with sessions() as s:
            sales = {r.id: r for r in s.execute(select(SaleRow)).scalars()}
            tenders: dict[str, list[TenderRow]] = defaultdict(list)
            for t in s.execute(select(TenderRow).order_by(TenderRow.sale_id, TenderRow.idx)):
                tenders[t[0].sale_id].append(t[0])
            ledger = list(s.execute(select(LedgerRow).order_by(LedgerRow.seq)).scalars())
            counter = s.get(Setting, "receipt_counter")
            member_row = s.get(MemberRow, loop.MEMBER)
            assert member_row is not None
            member = codec.loads(m.MemberState, member_row.state_json)
            n_tender_rows = s.execute(select(func.count()).select_from(TenderRow)).scalar()

        # Receipts: gap-free, the counter in step, every reported one stored as reported.
        n = len(sales)
        assert n > 0
        assert counter is not None and int(counter.value) == n
        by_receipt = {r.receipt_no: r.id for r in sales.values()}
        assert set(by_receipt) == {f"{loop.TERMINAL}-{k:06d}" for k in range(1, n + 1)}
        missing = {r: sid for r, sid in reported.items() if by_receipt.get(r) != sid}
        assert not missing, f"reported but not stored: {sorted(missing)[:5]}"

        by_ref: dict[str, list[LedgerRow]] = defaultdict(list)
        for row in ledger:
            by_ref[row.ref].append(row)
        kinds = Tally(row.kind for row in ledger)
        assert kinds["sale"] == n, f"{kinds['sale']} sale rows for {n} sales"
        assert set(kinds) <= {"member", "sale", "cash", "shift"}, kinds
        assert kinds["shift"] == 1  # the shift the store opened with, never again
        allowed_refs = set(sales) | {"opening", "expiry"}
        strays = {row.ref for row in ledger if row.kind != "shift"} - allowed_refs
        assert not strays, f"ledger rows for sales that are not stored: {sorted(strays)[:5]}"
        assert set(tenders) <= set(sales), "tender rows without their sale"

        coins_spent = sv_spent = coins_earned = 0
        record_tenders = 0
        for sid, sale in sales.items():
            rec = codec.loads(SaleRecord, sale.record_json)
            assert rec.sale_id == sid and rec.total_due.fen == sale.total_fen
            want = [(t.kind, t.amount.fen, t.tendered.fen) for t in rec.tenders]
            got = [(t.kind, t.amount_fen, t.tendered_fen) for t in tenders[sid]]
            assert got == want, f"sale {sale.receipt_no}: tender rows {got} != record {want}"
            record_tenders += len(want)
            assert sum(t.amount.fen for t in rec.tenders) == rec.total_due.fen
            rows = by_ref[sid]
            sale_rows = [r for r in rows if r.kind == "sale"]
            assert len(sale_rows) == 1, f"sale {sale.receipt_no}: {len(sale_rows)} sale rows"
            assert json.loads(sale_rows[0].payload)["receipt"] == sale.receipt_no
            cash = sum(t.amount.fen for t in rec.tenders if t.kind == "cash")
            cash_rows = [json.loads(r.payload)["delta"] for r in rows if r.kind == "cash"]
            assert cash_rows == ([cash] if cash else []), f"sale {sale.receipt_no}: cash rows"
            entries = [
                codec.decode_entry(json.loads(r.payload)) for r in rows if r.kind == "member"
            ]
            if rec.member_code is None:
                assert not entries, f"sale {sale.receipt_no}: member entries without a member"
                continue
            assert all(r.member_code == rec.member_code for r in rows if r.kind == "member")
            assert any(isinstance(e, m.Purchased) for e in entries), sale.receipt_no
            coins = sum(t.coins for t in rec.tenders if t.kind == "coins")
            sv = sum(t.amount.fen for t in rec.tenders if t.kind == "stored_value")
            spent_coins = -sum(
                e.delta for e in entries if isinstance(e, m.CoinLotChanged) and e.reason == "spent"
            )
            spent_sv = -sum(
                e.principal.fen + e.gift.fen
                for e in entries
                if isinstance(e, m.StoredValueChanged) and e.reason == "spent"
            )
            assert (spent_coins, spent_sv) == (coins, sv), f"sale {sale.receipt_no}: entries"
            coins_spent, sv_spent = coins_spent + coins, sv_spent + sv
            coins_earned += rec.earned.coins
        assert n_tender_rows == record_tenders

        # The member's balances are the opening ones less what the stored sales took.
        today = loop.START.date()
        opening_sv = loop.OPENING_PRINCIPAL.fen + loop.OPENING_GIFT.fen
        assert member.stored_value.fen == opening_sv - sv_spent
        assert member.coins_on(today) == loop.OPENING_COINS + coins_earned - coins_spent

        committed_unreported = sum(1 for p in pendings if p is not None and p in sales)
        rolled_back = sum(1 for p in pendings if p is not None and p not in sales)
        return {
            "sales": n,
            "ledger_rows": len(ledger),
            "killed_in_pay_rolled_back": rolled_back,
            "killed_after_commit_before_report": committed_unreported,
        }
    finally:
        sessions.kw["bind"].dispose()


def sell_once_more(db: Path) -> str:
    """After all that, the till still sells, numbering on from the last stored receipt."""
    sessions = open_store(db)
    try:
        with sessions() as s:
            n = int(s.get(Setting, "receipt_counter").value)  # type: ignore[union-attr]
        clock = FixedClock(loop.START.replace(hour=23))
        counter = Counter(
            sessions, load_program(loop.PROGRAM), clock, UuidIds(), terminal_id=loop.TERMINAL
        )
        counter.identify(loop.MEMBER)
        counter.scan("F001", Qty.of(1))
        sale = counter.pay(
            [tn.TenderRequest("coins", coins=1), tn.TenderRequest("cash", Money.yuan(5))]
        )
        assert sale.receipt_no == f"{loop.TERMINAL}-{n + 1:06d}"
        rep = verify(sessions)
        assert rep.ok, rep.problems
        return sale.receipt_no
    finally:
        sessions.kw["bind"].dispose()


@pytest.mark.slow
def test_sigkill_during_checkouts_leaves_whole_sales_or_none(tmp_path: Path) -> None:
    db = tmp_path / "till.sqlite"
    loop.create_store(db)
    reported, pendings, where, stats = kill_loop(db, tmp_path)
    stats |= check_store(db, reported, pendings)
    stats["where"] = dict(where)
    print("\ncrash test:", json.dumps(stats, ensure_ascii=False))
    sell_once_more(db)

    # The kills really landed where it matters, not only while Python was importing.
    assert where["startup"] + where["in pay()"] + where["between sales"] == KILLS
    assert where["in pay()"] + where["between sales"] >= KILLS // 2, where
    assert where["in pay()"] >= 10, where
    assert stats["sales"] >= KILLS // 2, stats
