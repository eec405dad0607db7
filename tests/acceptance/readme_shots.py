"""Copy README's screenshots from an acceptance run into ``docs/screenshots/``.

    QT_QPA_PLATFORM= .venv/bin/pytest -q -m acceptance tests/acceptance \\
        -k "test_flow and (member_sale or refused_tender or recharge_mobile or x_report)"
    .venv/bin/python -m tests.acceptance.readme_shots

Each shot is the real till under Xvfb (1366x768 with openbox, 1024x768 without a window
manager), taken by the flow's own step (``tests/acceptance/flows.py``); imagemagick
strips it to a 256-colour PNG (text and the UI's flat colours survive; ~75 KB a shot).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.acceptance.conftest import screenshots_dir

ROOT = Path(__file__).parents[2]
OUT = ROOT / "docs" / "screenshots"
SCREENS = {"1366": "1366x768-openbox", "1024": "1024x768-nowm"}
SHOTS = {  # README name: (flow, the shot's label)
    "sign-in": ("member_sale_split_tenders", "sign-in"),
    "member-sale": ("member_sale_split_tenders", "member-sale"),
    "tender": ("member_sale_split_tenders", "split-tenders"),
    "refusal": ("refused_tender_corrected", "refusal-card-over-due"),
    "recharge": ("recharge_mobile", "recharge-200"),
    "recharge-mobile": ("recharge_mobile", "recharge-mobile"),
    "x-report": ("x_report", "dialog-X报表"),
}


def find(screen: str, flow: str, label: str) -> Path:
    found = sorted((screenshots_dir() / screen / flow).glob(f"[0-9][0-9]-{label}.png"))
    if not found:
        raise SystemExit(f"no {label} shot of {flow} at {screen}: run the flows first")
    return found[-1]


def main() -> int:
    if shutil.which("convert") is None:
        raise SystemExit("imagemagick's convert is needed (apt-get install -y imagemagick)")
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, (flow, label) in SHOTS.items():
        for size, screen in SCREENS.items():
            dst = OUT / f"{name}-{size}.png"
            src = find(screen, flow, label)
            subprocess.run(
                ["convert", str(src), "-strip", "-colors", "256", f"png8:{dst}"], check=True
            )
            total += dst.stat().st_size
            print(f"{dst.relative_to(ROOT)}  {dst.stat().st_size // 1024} KB  <- {src.name}")
    print(f"total {total // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
