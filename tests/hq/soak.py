"""The long fault-injection soak: ``python -m tests.hq.soak --seeds 200 [--first N]``.

Each seed runs ``tests.hq.faults.run_scenario`` on a fresh PostgreSQL database
(``$POS_TEST_PG``, default 127.0.0.1:5432) and a fresh HQ on a random port; the
summary lists the faults injected and every seed that left a problem (exit 1)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path

import psycopg

from sync.hq import db
from tests.hq.conftest import PG, _url
from tests.hq.faults import run_scenario
from tests.hq.test_e2e import free_port


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.hq.soak")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--ops", type=int, default=80, help="till operations per seed")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    admin = psycopg.connect(PG, autocommit=True, connect_timeout=3)
    template = f"hq_soak_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{template}"')
    db.open_hq(_url(template)).dispose()
    failed: list[int] = []
    faults: Counter[str] = Counter()
    rounds = failed_rounds = restarts = entries = 0
    started = time.monotonic()
    try:
        for seed in range(args.first, args.first + args.seeds):
            name = f"hq_soak_{uuid.uuid4().hex[:12]}"
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            engine = db.open_hq(_url(name))
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    out = run_scenario(engine, Path(tmp), free_port(), seed, ops=args.ops)
                problems = out.problems
            except Exception:
                problems = [traceback.format_exc()]
                out = None
            finally:
                engine.dispose()
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if out is not None:
                faults.update(out.faults)
                rounds += out.rounds
                failed_rounds += out.failed_rounds
                restarts += out.restarts
                entries += out.entries
            if problems:
                failed.append(seed)
                print(f"seed {seed}: FAILED", *problems, sep="\n  ", flush=True)
            elif args.verbose and out is not None:
                print(
                    f"seed {seed}: ok, {out.tills} tills, {out.ops} ops, {out.entries} entries, "
                    f"{out.rounds} rounds ({out.failed_rounds} failed), "
                    f"{out.restarts} restarts, faults {dict(out.faults)}",
                    flush=True,
                )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        admin.close()
    took = time.monotonic() - started
    print(
        f"{args.seeds} seeds in {took:.1f}s: {args.seeds - len(failed)} ok, {len(failed)} failed"
        f"{' ' + str(failed) if failed else ''}; {entries} entries, {rounds} sync rounds "
        f"({failed_rounds} failed), {restarts} HQ restarts; faults {dict(sorted(faults.items()))}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
