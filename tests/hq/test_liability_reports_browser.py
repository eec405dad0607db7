"""The stored-value, coins, points and coupons reports in a real browser (chromium
via Playwright) against a real ``pos-hq serve``: finance reads each over the data of
``test_liability_reports.chain_of_money``, the charts draw, a store manager sees
their store only. Screenshots: docs/screenshots/console-report-<slug>.png."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.hq.helpers import Hq
from tests.hq.test_console_browser import (
    CHROMIUM,
    PASSWORD,
    _playwright,
    free_port,
    shot,
    sign_in,
)
from tests.hq.test_console_browser import pytestmark as browser_only
from tests.hq.test_liability_reports import chain_of_money, expire_points_year, points_year

pytestmark = browser_only
QUERY = "start=2026-10-01"  # to today: the closing is the members' balances now


def points_plan(hq: Hq) -> None:
    points_year(hq)
    expire_points_year(hq)


@pytest.fixture
def served(request: pytest.FixtureRequest, hq: Hq, hq_url: str) -> Iterator[str]:
    """``pos-hq serve`` over the data ``request.param`` makes (default: the money)."""
    getattr(request, "param", chain_of_money)(hq)
    for name, role, stores in (("fay", "finance", ()), ("sam", "store_manager", ("S1",))):
        cmd = [sys.executable, "-m", "sync.hq.cli", "user", "add", name, "--role", role]
        cmd += [arg for s in stores for arg in ("--store", s)] + ["--db", hq_url]
        done = subprocess.run(cmd, input=PASSWORD + "\n", capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    port = free_port()
    cmd = [sys.executable, "-m", "sync.hq.cli", "serve", "--db", hq_url, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                assert proc.stderr is not None
                raise RuntimeError(f"pos-hq serve did not start: {proc.stderr.read()!r}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stderr is not None
        proc.stderr.close()


def test_the_four_reports_in_a_real_browser(served: str) -> None:
    sync_playwright, expect = _playwright()
    url = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = ctx.new_page()
            sign_in(page, url, "fay")
            for slug in ("liability", "coins", "coupons"):
                page.goto(f"{url}/console/reports/{slug}?{QUERY}")
                expect(page.locator("canvas").first).to_be_visible()  # ECharts drew
                assert page.locator("section.report-table").count() >= 2
                shot(page, f"report-{slug}", whole=True)
            page.goto(f"{url}/console/reports/liability?{QUERY}")
            total = page.locator("#table-liability-total tbody tr").last
            expect(total.locator("td").first).to_have_text("Σ")
            page.set_viewport_size({"width": 1024, "height": 768})
            shot(page, "report-liability-1024")
            page.click("text=English")
            page.goto(f"{url}/console/reports/coupons?{QUERY}")
            expect(page.locator("h1")).to_have_text("Coupons issued and redeemed")
            shot(page, "report-coupons-en-1024", whole=True)
            ctx.close()
            ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = ctx.new_page()
            sign_in(page, url, "sam")
            page.goto(f"{url}/console/reports/liability?{QUERY}")
            stores = page.locator("#table-liability-total tbody tr td:first-child")
            expect(stores.last).to_have_text("Σ")
            assert set(stores.all_inner_texts()) <= {"S1", "Σ"}
            page.goto(f"{url}/console/reports/coins?{QUERY}")
            expect(page.locator("#table-coins-rollforward")).to_be_visible()
            assert page.locator("#table-coins-expiry").count() == 0  # chain-wide only
        finally:
            browser.close()


@pytest.mark.parametrize("served", [points_plan], indirect=True)
def test_the_points_report_in_a_real_browser(served: str) -> None:
    sync_playwright, expect = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = ctx.new_page()
            sign_in(page, served, "fay")
            page.goto(f"{served}/console/reports/points?{QUERY}")
            expect(page.locator("canvas").first).to_be_visible()
            months = page.locator("#table-points-expiry tbody tr td:first-child")
            assert months.all_inner_texts() == ["2027-03"]  # M1's year ended in November
            shot(page, "report-points", whole=True)
        finally:
            browser.close()
