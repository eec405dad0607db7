"""Issue 6: tills sync with HQ through a seeded fault layer (drops, lost answers,
duplicates, delays, stale and reordered requests, truncated batches, cut bodies, HQ
restarts mid-batch); after a final clean sync HQ's ledger is the union of the tills'
ledgers, with no duplicate and no loss, and every member's state at HQ is each till's.

A failing seed replays: ``python -m tests.hq.soak --seeds 1 --first SEED -v``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.hq.faults import run_scenario
from tests.hq.test_e2e import free_port

SEEDS = range(20)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_ledgers_converge_through_faults(engine: Engine, tmp_path: Path, seed: int) -> None:
    out = run_scenario(engine, tmp_path, free_port(), seed)
    assert out.problems == [], (seed, out)
    assert out.entries > 0 and out.ops > 0
