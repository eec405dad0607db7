"""Cold start of the frozen till against the same code run from the checkout.

    .venv/bin/python packaging/coldstart.py DIST_DIR [--runs N]

``DIST_DIR`` is what ``packaging/build --out`` wrote. Both start ``run --demo`` on the
same demo store (made once, in a temporary folder) with ``--startup-timing``, offscreen,
and the time from spawning the process to its ``FIRST_FRAME`` line (the first painted
frame; ``time.monotonic`` is system-wide) is taken, as tests/benchmarks/coldstart.py
does for the checkout alone. A first run of each fills the OS page cache and is not
counted; the others alternate which goes first. Prints the medians and maxima in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from terminal.store.ledger_key import copy_store

ROOT = Path(__file__).resolve().parent.parent


def first_frame_ms(cmd: list[str], db: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    args = ["run", "--demo", "--db", str(db), "--exit", "--startup-timing"]
    t0 = time.monotonic()
    out = subprocess.run(
        [*cmd, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_FRAME ")]
    if not lines:
        raise RuntimeError(f"{cmd[0]}: no first frame (exit {out.returncode}): {out.stderr}")
    return (float(lines[0].split()[1]) - t0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dist", type=Path, help="packaging/build's --out folder")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    exe = "pos-terminal.exe" if os.name == "nt" else "pos-terminal"
    frozen = args.dist / "pos-terminal" / exe
    commands = {"frozen": [str(frozen)], "checkout": [sys.executable, "-m", "ui.cli"]}
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        store = Path(tmp) / "demo.sqlite"
        subprocess.run(
            [*commands["checkout"], "demo-data", "--db", str(store)],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times: dict[str, list[float]] = {name: [] for name in commands}
        for name, cmd in commands.items():  # warm-up, and the demo shift opened once
            db = Path(tmp) / f"{name}.sqlite"
            copy_store(store, db)  # with its ledger key
            first_frame_ms(cmd, db)
        for i in range(args.runs):
            for name in sorted(commands, reverse=bool(i % 2)):
                times[name].append(first_frame_ms(commands[name], Path(tmp) / f"{name}.sqlite"))
    for name, ms in times.items():
        print(f"{name:9} first frame: median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
