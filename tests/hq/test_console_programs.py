"""The console's program pages (issue 15 item 6) through its forms: a broken file
shows the loader's message and writes nothing, a good one its diff, publishing makes
a numbered version with its date (admin only) and an action-log entry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sync.hq import programs
from sync.hq import service as svc
from terminal.app.replay import replay
from terminal.rules.program_loader import parse_program_text
from tests.hq.test_console_auth import Chain, chain, main_of, session_csrf, signed_in

__all__ = ["chain"]  # the fixture, used by name
V1 = svc.shipped_program_toml("tomato")
V2 = V1.replace('base = "real_money"\nunit = "10.00"', 'base = "real_money"\nunit = "5.00"')


def versions(chain: Chain) -> list[programs.Version]:
    with chain.hq.sessions() as s:
        return programs.versions(s)


def test_a_broken_file_shows_the_loaders_message_and_writes_nothing(chain: Chain) -> None:
    c = signed_in(chain, "boss")
    before = versions(chain)
    broken = V1.replace('unit = "10.00"', 'unit = "ten"', 1)
    r = c.post("/console/programs/check", data={"csrf": session_csrf(c), "text": broken})
    assert r.status_code == 200
    html = main_of(r.text)
    assert 'id="check-error"' in html and "unit" in html
    assert 'id="publish"' not in html
    assert versions(chain) == before


def test_diff_then_publish_makes_version_n_with_its_date_once(chain: Chain) -> None:
    assert V2 != V1
    c = signed_in(chain, "boss")
    n = len(versions(chain))
    files = {"file": ("p.toml", V2.encode(), "application/toml")}
    r = c.post("/console/programs/check", data={"csrf": session_csrf(c)}, files=files)
    html = main_of(r.text)
    assert 'id="check-ok"' in html
    assert 'class="del"' in html and "-unit = &#34;10.00&#34;" in html
    assert 'class="add"' in html and "+unit = &#34;5.00&#34;" in html
    day = date(2026, 12, 9)
    form = {"csrf": session_csrf(c), "text": V2, "effective": day.isoformat(), "note": "x2"}
    r = c.post("/console/programs/publish", data=form)
    assert f"Published version {n + 1}" in r.text or f"已发布版本 {n + 1}" in r.text
    v = versions(chain)[-1]
    assert (v.version, v.effective_from, v.published_by, v.note) == (n + 1, day, "boss", "x2")
    logged = chain.actions("program_publish")
    assert len(logged) == 1 and logged[0].object_id == str(n + 1)
    assert '"effective": "2026-12-09"' in (logged[0].after or "")
    again = c.post("/console/programs/publish", data={**form, "csrf": session_csrf(c)})
    assert f"版本 {n + 1}: 未发布新版本" in again.text
    assert len(versions(chain)) == n + 1 and len(chain.actions("program_publish")) == 1
    listing = main_of(c.get("/console/programs").text)
    assert "已排期" in listing  # effective later than today
    page = c.get(f"/console/programs/{n + 1}")
    assert page.status_code == 200 and "unit = &#34;5.00&#34;" in page.text


def test_roles(chain: Chain) -> None:
    form = {"text": V2, "effective": "2026-12-09", "note": ""}
    mia = signed_in(chain, "mia")
    r = mia.post("/console/programs/check", data={"csrf": session_csrf(mia), "text": V2})
    assert r.status_code == 200 and 'id="check-ok"' in r.text and 'id="publish"' not in r.text
    assert (
        mia.post("/console/programs/publish", data={**form, "csrf": session_csrf(mia)}).status_code
        == 403
    )
    al = signed_in(chain, "al")
    assert al.get("/console/programs").status_code == 200
    assert (
        al.post("/console/programs/check", data={"csrf": session_csrf(al), "text": V2}).status_code
        == 403
    )
    sam = signed_in(chain, "sam")
    assert sam.get("/console/programs").status_code == 403
    assert sam.get("/console/programs/1").status_code == 403
    assert chain.actions("program_publish") == []


SCENARIOS = Path(__file__).parents[1] / "scenarios"


def cli_replay(scenario: Path) -> dict[str, Any]:
    r = subprocess.run(
        [str(Path(sys.executable).parent / "pos-terminal"), "replay", str(scenario)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out: dict[str, Any] = json.loads(r.stdout)
    return out


def figures(html: str) -> dict[tuple[str, str], tuple[str, str]]:
    rows = re.findall(
        r"<tr><td>(M\d+)</td><td>(\w+)</td><td class=\"num\">([^<]*)</td>"
        r"<td class=\"num\">([^<]*)</td></tr>",
        html,
    )
    return {(c, k): (a, b) for c, k, a, b in rows}


def test_try_on_a_scenario_shows_the_figures_replay_gives(chain: Chain) -> None:
    scenario = SCENARIOS / "tomato_upgrade_gifts.json"
    expected = scenario.with_name(scenario.stem + ".expected.json")
    c = signed_in(chain, "mia")
    files = {
        "file": ("p.toml", V2.encode(), "application/toml"),
        "scenario": ("s.json", scenario.read_bytes(), "application/json"),
        "expected": ("e.json", expected.read_bytes(), "application/json"),
    }
    html = main_of(
        c.post("/console/programs/check", data={"csrf": session_csrf(c)}, files=files).text
    )
    assert 'id="trial"' in html and 'id="trial-error"' not in html
    shown = figures(html)
    running = cli_replay(scenario)  # the shipped tomato program: the version in effect
    new = replay(json.loads(scenario.read_text()), program=parse_program_text(V2, "v2.toml"))
    assert running["members"] and shown
    for old_m, new_m in zip(running["members"], new["members"], strict=True):
        for k in ("tier", "points", "coins", "growth_points"):
            assert shown[(old_m["code"], k)] == (str(old_m[k]), str(new_m[k]))
    assert running != new  # coins every 5 yuan: the figures differ
    assert 'id="trial-match"' in html and "不一致" in html
    # the running program itself matches the scenario's expected file
    files["file"] = ("p.toml", V1.encode(), "application/toml")
    html = main_of(
        c.post("/console/programs/check", data={"csrf": session_csrf(c)}, files=files).text
    )
    assert "新方案的结果与期望文件一致" in html
    assert json.loads(expected.read_text()) == running
