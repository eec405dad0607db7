"""HQ's month-end jobs at scale (issue 7: ``hq_month_end_s``).

One run, on a fresh PostgreSQL database (``$POS_TEST_PG``'s server, as the HQ tests
use) migrated by ``sync.hq.db.open_hq`` and dropped afterwards:

1. Data (``tests/benchmarks/hq_data.py``, timed apart as ``generate_s``): 1M members
   and about 5M entries (quick: 15,000 members, 75,000 entries), 14 months of a tomato
   chain as HQ holds them on the morning of 1 November 2026: openings, registrations,
   sales at 200 stores' tills, HQ's expiries and every earlier month end.
2. Timed: ``pos-hq jobs month-end --db URL --month 2026-10``, in process
   (``sync.hq.cli.main``): October's spend and visit bonuses, every member's expiries
   as of 1 November, the spend ladders' re-tiering (none in tomato's growth ladder: the
   job finds no ladder to reassess and reads no member), then RFM as of 1 November,
   each committing in chunks of 2,000 members. Each job's seconds come from the
   command's output.
3. Checked: run again, the command changes nothing (entries, member states and the
   change log are the same before and after); its time is ``second_run_s``.

The value is step 2's wall time; the target is absolute (no baseline).
"""

from __future__ import annotations

import io
import re
import resource
import time
from contextlib import redirect_stdout
from dataclasses import asdict, replace
from datetime import date
from typing import Any

import psycopg

from sync.hq import cli, db, jobs
from sync.hq import service as svc
from tests.benchmarks import hq_data

MONTH = "2026-10"
DAY = date(2026, 11, 1)
FULL = (1_000_000, 5_000_000)
QUICK = (15_000, 75_000)
TIMES = re.compile(r"monthly ([\d.]+) s, expire ([\d.]+) s, rfm ([\d.]+) s")
RETIER = re.compile(r"tiers reassessed as of \S+: (\d+) members moved down \(([\d.]+) s\)")
EXPIRED = re.compile(r"expiries as of \S+: (\d+) entries, (\d+) members")
BONUS = re.compile(
    r"(\d+) members with sales; spend bonuses (\d+) coins to (\d+), "
    r"visit bonuses (\d+) coins to (\d+)"
)
RFM = re.compile(r"RFM as of \S+: (\d+) active members; frequency >= (\d+), monetary >= (\S+)")


def _digest(url: str) -> tuple[Any, ...]:
    """What a second run must leave alone: entries, chain heads, member states, cursor."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """SELECT (SELECT count(*) FROM entries),
                      (SELECT md5(string_agg(hash, ',' ORDER BY terminal_id)) FROM checkpoints),
                      (SELECT md5(string_agg(md5(state_json), ',' ORDER BY code)) FROM members),
                      (SELECT value FROM counters WHERE name = 'cursor')"""
        ).fetchone()
    assert row is not None
    return tuple(row)


def _month_end(url: str) -> tuple[float, str]:
    out = io.StringIO()
    t = time.perf_counter()
    with redirect_stdout(out):
        code = cli.main(["jobs", "month-end", "--db", url, "--month", MONTH])
    took = time.perf_counter() - t
    if code != 0:
        raise RuntimeError(f"pos-hq jobs month-end exited {code}: {out.getvalue()}")
    return took, out.getvalue()


def _numbers(pattern: re.Pattern[str], text: str) -> list[str]:
    found = pattern.search(text)
    if found is None:
        raise RuntimeError(f"unexpected month-end output: {text}")
    return list(found.groups())


def _retier_full_scan(url: str) -> dict[str, object]:
    """The re-tiering's worst case on the same members: its first run under a program
    that reassesses, which reads every member. Tomato's ladder made a rolling-spend one
    (thresholds 0 / 1000 / 4000 read as fen): a member whose rolling spend is under its
    tier's falls, so the run also writes."""
    engine = db.open_hq(url)
    try:
        sessions = db.sessions(engine)
        with sessions() as s:
            prog = svc.hq_program(s)
        assert prog is not None
        spend = replace(
            prog,
            tiers=replace(prog.tiers, basis="spend_12m", movement="up_only", reassess="monthly"),
        )
        with sessions() as s:
            members = len(jobs._reassess_candidates(s, spend)[1])
        t = time.perf_counter()
        moved = jobs.reassess_in_chunks(sessions, spend, DAY, svc.utcnow())
        took = time.perf_counter() - t
        t = time.perf_counter()
        again = jobs.reassess_in_chunks(sessions, spend, DAY, svc.utcnow())
        second = time.perf_counter() - t
    finally:
        engine.dispose()
    return {
        "seconds": round(took, 1),
        "members_read": members,
        "moved_down": len(moved),
        "second_run_s": round(second, 1),
        "second_run_moved": len(again),
    }


def hq_month_end_s(quick: bool) -> dict[str, object]:
    members, entries = QUICK if quick else FULL

    def progress(line: str) -> None:
        if not quick:
            print(f"  ({line})", flush=True)

    url = hq_data.create_database("hq_bench_month_end")
    try:
        t = time.perf_counter()
        data = hq_data.generate(
            url, members=members, entries=entries, month=MONTH, progress=progress
        )
        generate_s = time.perf_counter() - t
        took, out = _month_end(url)
        before = _digest(url)
        again, _ = _month_end(url)
        unchanged = _digest(url) == before
        full_scan = _retier_full_scan(url)
    finally:
        hq_data.drop_database(url)
    monthly_s, expire_s, rfm_s = (float(x) for x in _numbers(TIMES, out))
    retiered, retier_s = _numbers(RETIER, out)
    expired_entries, expired_members = (int(x) for x in _numbers(EXPIRED, out))
    with_sales, spend_coins, spend_members, visit_coins, visit_members = (
        int(x) for x in _numbers(BONUS, out)
    )
    active, frequency, monetary = _numbers(RFM, out)
    scale = asdict(data)
    seconds = scale.pop("seconds")
    return {
        "value": round(took, 1),
        "unit": "s",
        "baseline": None,
        "ratio": None,
        "target": "<= 300 s",
        "scale": f"{'quick: ' if quick else ''}{data.members:,} members, {data.entries:,} entries",
        "jobs_s": {
            "monthly": monthly_s,
            "expire": expire_s,
            "retier": float(retier_s),
            "rfm": rfm_s,
        },
        "retiered_members": int(retiered),
        "generate_s": round(generate_s, 1),
        "generate_detail_s": {k: round(v, 1) for k, v in seconds.items()},
        "second_run_s": round(again, 1),
        "second_run_changed_nothing": unchanged,
        "retier_first_run_spend_ladder": full_scan,
        "bonuses": {
            "members_with_sales": with_sales,
            "spend": {"members": spend_members, "coins": spend_coins},
            "visits": {"members": visit_members, "coins": visit_coins},
        },
        "expired": {"members": expired_members, "entries": expired_entries},
        "rfm": {"active": int(active), "frequency": int(frequency), "monetary": monetary},
        "data": scale,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "output": out.strip().splitlines(),
    }
