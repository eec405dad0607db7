"""Cold start: ``pos-terminal run --demo`` to its first painted frame, against a bare
PySide6 ``QMainWindow`` to its first frame, each in a fresh interpreter (offscreen).

The clock starts in this process just before the child is spawned and stops in the
child (``time.monotonic`` is the system-wide CLOCK_MONOTONIC) when the main window's
first paint has finished: a zero timer posted from the window's first ``Paint`` event
fires once the whole frame (every child widget) is painted. Both children install the
same event filter on the ``QApplication`` before anything else happens, then the demo
child hands over to the real entry point, ``ui.cli.main(["run", "--demo", ...])``,
which reuses that application. The demo store is a copy of the cached one, so the
first run opens the demo shift as a first ``run --demo`` would; a first warm-up run of
each, not counted, fills the OS page cache (Python, Qt's libraries, the font).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.till import DEMO_MEMBERS, DEMO_PRODUCTS, ROOT, stats, store_copy

PROLOGUE = """\
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstFrame(QObject):
    done = False

    def eventFilter(self, obj, ev):
        if not self.done and ev.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            self.done = True
            QTimer.singleShot(0, self.painted)
        return False

    def painted(self):
        print(f"FIRST_FRAME {time.monotonic():.6f}", flush=True)
        QApplication.instance().quit()

app = QApplication(sys.argv[:1])
first = FirstFrame()
app.installEventFilter(first)
"""

BARE = (
    PROLOGUE
    + """\
w = QMainWindow()
w.setWindowTitle("bare")
w.resize(1366, 768)
w.show()
sys.exit(app.exec())
"""
)

DEMO = (
    PROLOGUE
    + """\
from ui.cli import main
sys.exit(main(["run", "--demo", "--db", sys.argv[1]]))
"""
)


def first_frame_ms(code: str, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("FIRST_FRAME ")]
    if not lines:
        raise RuntimeError(f"no first frame (exit {out.returncode}): {out.stderr[-2000:]}")
    return (float(lines[0].split()[1]) - t0) * 1000


def cold_start_bench(runs: int) -> dict[str, float]:
    bare: list[float] = []
    demo: list[float] = []
    with store_copy(DEMO_PRODUCTS, DEMO_MEMBERS, "coldstart") as path:
        db = str(path)
        first_frame_ms(BARE)  # warm-ups: the OS page cache, Python's bytecode cache
        first_frame_ms(DEMO, db)
        for i in range(runs):  # interleaved, alternating which goes first
            for which in ("demo", "bare") if i % 2 else ("bare", "demo"):
                if which == "bare":
                    bare.append(first_frame_ms(BARE))
                else:
                    demo.append(first_frame_ms(DEMO, db))
    d, b = stats(demo), stats(bare)
    return {
        "demo_median": d["median"],
        "demo_max": d["max"],
        "bare_median": b["median"],
        "bare_max": b["max"],
        "runs": runs,
    }


def cold_start_vs_bare_qt(quick: bool) -> dict[str, object]:
    r = cold_start_bench(5 if quick else 15)
    return {
        "value": round(r["demo_median"], 1),
        "unit": "ms",
        "baseline": round(r["bare_median"], 1),
        "ratio": round(r["demo_median"] / r["bare_median"], 2),
        "target": "ratio <= 2.0",
        **r,
    }


def main() -> None:  # python -m tests.benchmarks.coldstart: one of each, for profiling
    path = Path(sys.argv[1])
    print("bare", round(first_frame_ms(BARE), 1), "ms")
    print("demo", round(first_frame_ms(DEMO, str(path)), 1), "ms")


if __name__ == "__main__":
    main()
