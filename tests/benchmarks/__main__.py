"""``python -m tests.benchmarks [--quick] [--json FILE]``: print figures against targets."""

from __future__ import annotations

import argparse
import json
import sys

from tests.benchmarks import lookup, pricing

BENCHMARKS = {
    "price_200_lines_30_coupons_p99_ms": pricing.price_200_lines_30_coupons,
    "identify_p99_ms": lookup.identify_p99_ms,
    "scan_lookup_p99_ms": lookup.scan_lookup_p99_ms,
}


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    ap.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("only", nargs="*", help="run only these benchmarks")
    args = ap.parse_args()
    results = {}
    print(f"{'name':40} {'value':>10} {'unit':5} {'target':>12}")
    for name, fn in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        r = fn(args.quick)
        results[name] = r
        print(f"{name:40} {r['value']:>10} {r['unit']:5} {r['target']:>12}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
