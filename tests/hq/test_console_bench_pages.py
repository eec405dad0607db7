"""The console benchmark (``tests.benchmarks.console``: ``console_vs_scan``) finds every
GET page the console declares, fills each path parameter with a real id, and gets
each page's real answer; so a new page cannot escape the figure. Small data: a chain
of two tills' sales (no generated data)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import APIRouter

from sync.hq import console
from sync.hq.app import create_app
from tests.benchmarks import console as bench
from tests.hq.helpers import SETUP, SOY, TRUSTING, Hq, cash

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
SOURCES = Path(console.__file__).parent
DECLARED = re.compile(r"@\w+\.get\(\s*\"([^\"]+)\"")


def declared() -> set[str]:
    """Every ``@….get("…")`` in the console's sources, read apart from the router."""
    return {
        bench.PREFIX + path
        for f in SOURCES.rglob("*.py")
        for path in DECLARED.findall(f.read_text(encoding="utf-8"))
    }


def test_every_declared_get_page_is_measured_with_real_ids(hq: Hq) -> None:
    hq.import_setup(SETUP)
    for till, member in ((hq.till("S1-T01", "S1"), "M1"), (hq.till("S2-T01", "S2"), "M2")):
        till.sync()
        till.sell(member, SOY, cash(20))
        till.sync()
    admin_id = bench.prepare(hq.engine, NOW)
    router = console.router(hq.engine, lambda: NOW)
    assert set(bench.routes(router)) == declared()

    ids = bench.Ids(bench.lookup_in(hq.engine, admin_id))
    found, unmeasured = bench.pages(router, ids)
    assert [u for u in unmeasured if "?" not in u] == []  # (no member here has a name)
    assert {p.route for p in found} == declared()
    assert all("{" not in url for p in found for url in p.urls)

    app = create_app(hq.engine, now=lambda: NOW, window=TRUSTING)
    measured, _ = bench.run_pages(app, hq.engine, NOW, ids, 1)
    assert {m.page.label for m in measured} == {p.label for p in found}
    assert {m.page.label: m.statuses for m in measured if m.bad()} == {}
    member = next(m for m in measured if m.page.route == f"{bench.PREFIX}/members/{{code}}")
    assert member.sql, "the member page's statements are recorded"


def test_a_path_parameter_no_id_fills_is_an_error() -> None:
    r = APIRouter()

    @r.get("/widgets/{widget_no}")
    def widget(widget_no: str) -> str:
        return widget_no

    with pytest.raises(bench.Unfilled, match="widget_no"):
        bench.pages(r, bench.Ids(lambda kind: ["x"]))
