"""The stored-value, coins, points and coupons reports in a real browser (chromium
via Playwright) against a real ``pos-hq serve``: finance reads each over the data of
``test_liability_reports.chain_of_money``, the charts draw, a store manager sees
their store only. Screenshots: docs/screenshots/console-report-<slug>.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hq.helpers import Hq
from tests.hq.test_console_browser import CHROMIUM, _playwright, add_users, serve, shot, sign_in
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
    add_users(hq_url, (("fay", "finance", ()), ("sam", "store_manager", ("S1",))))
    with serve(hq_url) as url:
        yield url


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
