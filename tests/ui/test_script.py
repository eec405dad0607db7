"""``run --script``: every shipped scenario played on the real window (keys, simulated
scans, dialogs) gives what ``replay`` gives through the services (error messages aside:
a refusal caught by a dialog is worded for the cashier)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from terminal.app.replay import replay
from ui.fonts import install_cjk_font
from ui.qt import QApplication, QImage
from ui.script import run_script

SCENARIOS = Path(__file__).parents[1] / "scenarios"
SHIPPED = sorted(p for p in SCENARIOS.glob("*.json") if not p.name.endswith(".expected.json"))
ROOT = Path(__file__).parents[2]

# What the shipped scenarios do not reach: codes that look like nothing (F2), a phone,
# refusals before any sale, recharges by mobile and card, a recharge and a card load
# while another customer's sale is open (held and taken back), prepaid cards, a wrong
# card PIN, a non-manager's PIN, unknown receipts, returns by line over what is left, a
# registration with a Chinese name, gifts the program has not, and the clock going back.
EDGES: dict[str, Any] = {
    "program": "organic",
    "start": "2026-10-08T09:00:00",
    "catalog": [
        {"code": "6904000000012", "name": "有机大米 5kg", "category": "staple", "price": "100.00"},
        {
            "code": "6904000000029",
            "name": "有机牛奶",
            "category": "dairy",
            "price": "20.00",
            "member_price": "18.50",
        },
    ],
    "members": [
        {
            "code": "M300001",
            "phone": "13500000001",
            "registered": "2025-06-01",
            "tier": "yellow",
            "coin_lots": [{"coins": 10, "granted": "2026-01-01"}],
            "stored_value": {"principal": "50.00", "gift": "0.00"},
        },
        {"code": "X77", "phone": "13500000002", "registered": "2025-06-01"},
    ],
    "events": [
        {"at": "2026-10-08T10:00:00", "do": "void"},
        {"do": "coupons", "ids": ["Z1"]},
        {"do": "claim", "gift": "monthly"},
        {"do": "scan", "code": "6904000000029", "qty": "2"},
        {"do": "pay", "tenders": [{"kind": "coins", "coins": 3}, {"kind": "cash", "amount": "50"}]},
        {"do": "recharge", "code": "M300001", "amount": "500.00", "manager": "mgr"},
        {"do": "recharge", "code": "M300001", "amount": "50", "manager": "mgr", "tender": "mobile"},
        {"do": "recharge", "code": "M300001", "amount": "30", "manager": "mgr", "tender": "card"},
        {"do": "pay", "tenders": [{"kind": "cash", "amount": "50"}]},
        {"do": "identify", "phone": "13500000001"},
        {"do": "scan", "code": "6904000000012"},
        {"do": "recharge", "code": "X77", "amount": "100.00", "manager": "c1"},
        {"do": "recharge", "code": "X77", "amount": "100.00", "manager": "mgr"},
        {"do": "coupons", "ids": ["Z1"]},
        {
            "do": "pay",
            "tenders": [
                {"kind": "stored_value", "amount": "90.00"},
                {"kind": "card", "amount": "10.00"},
            ],
        },
        {"do": "identify", "code": "X77"},
        {"do": "scan", "code": "6904000000012"},
        {"do": "pay", "tenders": [{"kind": "coins", "coins": 200}]},
        {"do": "void"},
        {
            "do": "sell_card",
            "number": "CARD000001",
            "pin": "123456",
            "value": "200.00",
            "tenders": [{"kind": "card", "amount": "200.00"}],
        },
        {
            "do": "sell_card",
            "number": "CARD000002",
            "pin": "123456",
            "value": "300.00",
            "tenders": [{"kind": "cash", "amount": "300.00"}],
        },
        {"do": "load_card", "code": "X77", "number": "CARD000001", "pin": "000000"},
        {"do": "load_card", "code": "X77", "number": "CARD000001", "pin": "123456"},
        {"do": "return", "receipt": 9},
        {"do": "return", "receipt": 2, "lines": [{"line": 1, "qty": "1"}]},
        {"do": "return", "receipt": 1, "lines": [{"line": 1, "qty": "5"}]},
        {"do": "return", "receipt": 1},
        {
            "do": "register",
            "code": "M300009",
            "phone": "13500000009",
            "birthday": "1990-01-01",
            "name": "新会员",
        },
        {"do": "register", "code": "M300010", "phone": "123"},
        {"do": "identify", "code": "M300009"},
        {"do": "claim", "gift": "birthday"},
        {"do": "claim", "gift": "nonsense"},
        {"do": "advance", "to": "2026-10-01T00:00:00"},
        {"do": "advance", "to": "2027-10-01T00:00:00"},
    ],
}


@pytest.fixture(scope="module")
def app() -> QApplication:
    a = QApplication.instance() or QApplication([])
    assert isinstance(a, QApplication)
    install_cjk_font(a)
    return a


def without_messages(out: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(out))
    for e in out["errors"]:
        e.pop("message")
    return out


def assert_screenshot(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000, len(data)
    img = QImage(str(path))
    assert (img.width(), img.height()) == (1366, 768)
    colours = {img.pixel(x, y) for x in range(0, 1366, 7) for y in range(0, 768, 7)}
    assert len(colours) > 20  # text, buttons, totals: not a blank window


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_window_gives_what_replay_gives(app: QApplication, tmp_path: Path, path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    shot = tmp_path / "final.png"
    out = run_script(app, tmp_path / "till.sqlite", scenario, shot)
    assert without_messages(out) == without_messages(replay(scenario))
    assert_screenshot(shot)


def test_edges_no_shipped_scenario_reaches(app: QApplication, tmp_path: Path) -> None:
    out = run_script(app, tmp_path / "till.sqlite", EDGES, None)
    expected = replay(EDGES)
    assert without_messages(out) == without_messages(expected)
    assert len(expected["errors"]) > 12 and expected["cards"][0]["state"] == "loaded"
    assert not any(e["error"].startswith(("script_", "unsupported")) for e in out["errors"])


def test_cli_run_script_exit_prints_replays_json_and_saves_the_screen(tmp_path: Path) -> None:
    scenario = SHIPPED[0]
    shot = tmp_path / "screen.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "ui.cli", "run", "--db", str(tmp_path / "t.sqlite")]
    cmd += ["--script", str(scenario), "--screenshot", str(shot), "--exit"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert without_messages(out) == without_messages(replay(json.loads(scenario.read_text())))
    assert_screenshot(shot)
    assert (tmp_path / "t.sqlite").exists()  # --db kept, like replay's


def test_cli_run_script_refuses_a_malformed_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"program": "tomato", "start": "2026-10-06T09:00:00", "events": [{"do": "scan"}]}
        )
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "ui.cli", "run", "--script", str(bad), "--exit"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 2 and "events[0].code: is required" in done.stderr, done.stderr
