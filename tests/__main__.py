"""``python -m tests``: every check CI runs, in order, stopping at the first failure."""

from __future__ import annotations

import os
import subprocess
import sys

BIN = os.path.dirname(sys.executable)
STEPS = [
    ["ruff", "check", "terminal", "ui", "devices", "sync", "packaging", "tests"],
    ["mypy", "terminal", "devices", "ui", "sync"],
    ["lint-imports"],
    ["pytest", "-q", "-m", "not acceptance", *sys.argv[1:]],
]
# The real-keyboard acceptance suite (tests/acceptance): the real till under Xvfb, driven
# by xdotool; with the whole suite only (not when pytest arguments pick tests).
ACCEPTANCE = ["pytest", "-q", "-m", "acceptance", "tests/acceptance"]
if not sys.argv[1:]:
    STEPS.append(ACCEPTANCE)


def main() -> int:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    for step in STEPS:
        print("$", " ".join(step), flush=True)
        code = subprocess.call([os.path.join(BIN, step[0]), *step[1:]], env=env)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
