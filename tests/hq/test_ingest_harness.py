"""The ingest benchmark's harness (``tests.benchmarks.hq_ingest``) at a tiny scale,
against ``pos-hq serve`` and against ``hq_floor``'s stripped HQ: its exactly-once
checks hold, and every till's first answer is lost and its batch answered
``duplicate`` on the resend. PostgreSQL only: the harness makes its own databases."""

from __future__ import annotations

import pytest

from tests.benchmarks import hq_floor, hq_ingest

TINY = hq_ingest.Scale(members=40, sales=3)  # one batch a till


@pytest.mark.parametrize("command", [hq_ingest.SERVE, hq_floor.FLOOR], ids=["serve", "floor"])
def test_every_till_entry_is_held_once_and_a_lost_answer_resent(
    pg_template: str | None, command: list[str]
) -> None:
    if pg_template is None:
        pytest.skip("the ingest harness runs on PostgreSQL")
    r = hq_ingest.ingest_bench(TINY, workers=1, command=command)
    assert r["problems"] == []
    assert r["sales"] == hq_ingest.TILLS * TINY.sales
    assert r["entries"] >= r["sales"]  # a sale's record, and its cash and member entries
    assert r["lost_answers"] == hq_ingest.TILLS  # each till's first (and only) push
    assert r["duplicates"] == r["entries"]  # ... resent whole, all of it duplicate
    assert set(r["cpu_seconds"]) == {"hq", "postgres", "tills"}
