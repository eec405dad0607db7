"""Every shipped scenario, played on a till that HQ provisioned: the till's results are
the standalone replay's, and after a sync HQ's members are the till's, field for field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from terminal import phone_keys
from terminal.app.replay import replay
from tests.hq.helpers import Hq, as_sent

SCENARIOS = sorted(
    f for f in (Path(__file__).parents[1] / "scenarios").glob("*.json") if ".expected" not in f.name
)
SETUP_KEYS = ("program", "start", "catalog", "members")


def split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The setup keys (for HQ) and the scenario without catalog or members (for the till)."""
    setup = {k: data[k] for k in SETUP_KEYS if k in data}
    events = {k: v for k, v in data.items() if k not in ("catalog", "members")}
    return setup, events


def params() -> list[Any]:
    return [pytest.param(f, id=f.stem) for f in SCENARIOS]


@pytest.mark.parametrize("scenario", params())
def test_a_provisioned_till_replays_like_a_standalone_one_and_hq_agrees(
    hq: Hq, scenario: Path
) -> None:
    data = json.loads(scenario.read_text(encoding="utf-8"))
    setup, events = split(data)
    hq.import_setup(setup)
    t = hq.till("S1-T01")
    assert t.sync().acknowledged
    out = replay(events, db=t.path)
    assert out == replay(data)
    codes = [m["code"] for m in out["members"]]
    here = [c for c in codes if not phone_keys.is_masked(t.state(c).phone)]  # registered here
    rep = t.sync()
    # HQ's states are the till's but for the phones of members registered here: sent masked
    assert rep.acknowledged and rep.rebased == len(here), rep
    assert codes and all(as_sent(hq.member(c)) == t.state(c) for c in codes)
    assert hq.verify() == [] and t.verify().ok, t.verify().problems
