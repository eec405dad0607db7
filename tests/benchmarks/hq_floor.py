"""How far ``hq_ingest_vs_copy`` can go on this machine: the ingest harness run twice,
side by side, against ``pos-hq serve`` and against a stripped HQ that only stores.

``python -m tests.benchmarks.hq_floor [--quick | --full] [--json FILE]``

The stripped HQ ("entries only") is the real service with ``service._apply`` replaced:
a push is still authenticated, parsed, checked entry by entry (sequence, link, hash,
unused id, a member entry's payload decoded) and answered, and its entries are stored
by ``COPY`` with the checkpoint advanced in one transaction; but no member is locked,
folded or written, no sale fact, no change log. That is the least any HQ must do for
the tills' ledgers to be held exactly once. It is a diagnostic, not a product: tills
could not pull balances from it.

Both runs print the CPU the timed push took (HQ, PostgreSQL, the 20 tills) against the
budget the target leaves: at ``ratio = 0.25`` the whole push must take
``entries / (0.25 × COPY rate)`` seconds, so at most that times the machine's cores of
CPU for everything that shares them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from typing import Any

from sync.hq import aggregates, db
from sync.hq import service as svc
from sync.protocol import Entry
from terminal.rules.member import MemberEntry
from tests.benchmarks import hq_ingest

TARGET = 0.25
MEDIUM = hq_ingest.Scale(members=2000, sales=500)  # about 52k entries, two minutes
FLOOR = [sys.executable, "-m", "tests.benchmarks.hq_floor", "serve"]


def store_only(
    s: Any,
    caller: svc.Caller,
    accepted: list[tuple[Entry, MemberEntry | None]],
    now: datetime,
    *_: Any,  # re-derivation and the day bound: nothing here folds, so nothing to judge
) -> tuple[None, None]:
    """``service._apply`` without the members (so nothing to re-derive either): the
    checked entries, stored; nothing refused."""
    svc.insert_entries(s, [svc.NewEntry.received(e, caller.store_id, now) for e, _ in accepted])
    sums = aggregates.Tally()  # the reports' receipts: part of storing a sale at HQ
    for e, _ in accepted:
        sums.record(e.at, caller.store_id, e.kind, e.payload)
    sums.flush(s)
    return None, None


def app_from_env() -> Any:
    """Each worker's app: ``sync.hq.app.app_from_env`` over the stripped push."""
    from sync.hq import app

    svc._apply = store_only  # type: ignore[assignment]  # this process only: the worker serving the floor
    return app.app_from_env()


def serve(argv: list[str]) -> int:
    """``serve``'s options, as ``hq_ingest.serve`` passes them to ``pos-hq serve``."""
    import uvicorn

    ap = argparse.ArgumentParser(prog="hq_floor serve")
    ap.add_argument("--db", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log-level", default="warning")
    ap.add_argument("--no-migrate", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    os.environ[db.ENV_DB] = args.db
    uvicorn.run(
        "tests.benchmarks.hq_floor:app_from_env",
        factory=True,
        workers=args.workers,
        host="127.0.0.1",
        port=args.port,
        log_level=args.log_level,
    )
    return 0


def figures(r: dict[str, Any], cores: int) -> dict[str, Any]:
    entries, copy = r["entries"], r["copy_rate"]
    cpu = r["cpu_seconds"]
    return {
        "rate": round(r["rate"]),
        "copy_rate": round(copy),
        "ratio": round(r["rate"] / copy, 3),
        "entries": entries,
        "cpu_seconds": cpu,
        "cpu_us_per_entry": {k: round(v * 1e6 / entries, 1) for k, v in cpu.items()},
        # all the CPU the push may take at the target, on this machine's cores
        "budget_cpu_seconds": round(entries / (TARGET * copy) * cores, 2),
        "budget_us_per_entry": round(cores * 1e6 / (TARGET * copy), 1),
        "problems": r["problems"][:5],
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m tests.benchmarks.hq_floor")
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="hq_ingest's quick scale")
    size.add_argument("--full", action="store_true", help="hq_ingest's full scale")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    scale = hq_ingest.QUICK if args.quick else hq_ingest.FULL if args.full else MEDIUM
    cores = os.cpu_count() or 1
    out = {
        "pos-hq serve": figures(hq_ingest.ingest_bench(scale), cores),
        "entries only": figures(hq_ingest.ingest_bench(scale, command=FLOOR), cores),
    }
    print(f"{scale.members} members, {scale.sales} sales a till, {cores} cores")
    print(f"{'HQ':14} {'entries/s':>10} {'COPY/s':>9} {'ratio':>6}  CPU s: hq / pg / tills")
    for name, f in out.items():
        c = f["cpu_seconds"]
        print(
            f"{name:14} {f['rate']:>10} {f['copy_rate']:>9} {f['ratio']:>6}  "
            f"{c['hq']} / {c['postgres']} / {c['tills']} of {f['budget_cpu_seconds']} "
            f"at ratio {TARGET}; problems: {len(f['problems'])}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
