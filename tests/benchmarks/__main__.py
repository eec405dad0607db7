"""``python -m tests.benchmarks [--quick] [--json FILE] [NAME...]``: figures against targets.

Each figure is ``{"value", "unit", "baseline", "ratio", "target", ...details}``. A
target reads ``"<= 5 ms"`` (on the value) or ``"ratio <= 2.0"`` (value / baseline).
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import re
import sys
import time
from collections.abc import Callable

from tests.benchmarks import (
    coldstart,
    console,
    hq_ingest,
    hq_month_end,
    hq_rederive,
    lookup,
    pricing,
    till,
    zreport,
)

BENCHMARKS: dict[str, Callable[[bool], dict[str, object]]] = {
    "price_200_lines_30_coupons_p99_ms": pricing.price_200_lines_30_coupons,
    "price_200_lines_30_coupons_50_promotions_p99_ms": (
        pricing.price_200_lines_30_coupons_50_promotions
    ),
    "identify_p99_ms": lookup.identify_p99_ms,
    "scan_lookup_p99_ms": lookup.scan_lookup_p99_ms,
    "commit_vs_sqlite": till.commit_vs_sqlite,
    "scan_to_price_p99_ms": till.scan_to_price_p99_ms,
    "receipt_render_ms": till.receipt_render_ms,
    "cold_start_vs_bare_qt": coldstart.cold_start_vs_bare_qt,
    "till_rss_mb": till.till_rss_mb,
    "z_report_vs_scan": zreport.z_report_vs_scan,
    "hq_ingest_vs_copy": hq_ingest.hq_ingest_vs_copy,
    "hq_month_end_s": hq_month_end.hq_month_end_s,
    "hq_rederive_vs_off": hq_rederive.hq_rederive_vs_off,
    "console_vs_scan": console.console_vs_scan,
}

TARGET = re.compile(r"^(ratio\s+)?(<=|<|>=|>)\s*([0-9.]+)")
OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
COLUMNS = f"{'name':36} {'value':>10} {'unit':4} {'baseline':>9} {'ratio':>7} {'target':>13}  "


def verdict(r: dict[str, object]) -> str:
    """PASS or MISS against the target string (on the ratio if it names one)."""
    match = TARGET.match(str(r["target"]))
    if match is None:
        return "?"
    on_ratio, op, limit = match.groups()
    got = r["ratio"] if on_ratio else r["value"]
    if not isinstance(got, int | float):
        return "?"
    return "PASS" if OPS[op](got, float(limit)) else "MISS"


def cell(v: object) -> str:
    return "-" if v is None else str(v)


def row(name: str, r: dict[str, object]) -> str:
    return (
        f"{name:36} {cell(r['value']):>10} {cell(r['unit']):4} {cell(r['baseline']):>9} "
        f"{cell(r['ratio']):>7} {cell(r['target']):>13}  {r['verdict']}"
    )


def load() -> str:
    """The machine's load while the figures ran: timings on a busy box read high."""
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    ap.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("only", nargs="*", help="run only these benchmarks")
    args = ap.parse_args()
    unknown = [n for n in args.only if n not in BENCHMARKS]
    if unknown:
        ap.error(f"no benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    results: dict[str, dict[str, object]] = {}
    print(load(), flush=True)
    print(f"{COLUMNS}verdict", flush=True)
    t0 = time.perf_counter()
    for name, fn in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        t = time.perf_counter()
        r = fn(args.quick)
        r["verdict"] = verdict(r)
        r["seconds"] = round(time.perf_counter() - t, 1)
        results[name] = r
        print(row(name, r), flush=True)
    misses = [n for n, r in results.items() if r["verdict"] == "MISS"]
    took = time.perf_counter() - t0
    print(f"{len(results)} figures in {took:.0f} s; misses: {', '.join(misses) or 'none'}")
    print(load())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
