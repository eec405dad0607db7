"""The reports in a real browser (Debian's chromium, a real ``pos-hq serve``): the home
page's targets and every report draw their charts (ECharts, served by the console
itself: a canvas appears in each chart element under the console's CSP), a CSV
downloads, and a store manager's report is cut to their store. Screenshots:
docs/screenshots/console-home-targets.png, console-report-<slug>.png (1366x768) and
console-report-sales-1024.png."""

from __future__ import annotations

from datetime import datetime

from sync.hq import jobs
from sync.hq import service as svc
from sync.hq.console.reporting import REPORTS
from tests.hq.helpers import Hq
from tests.hq.test_console_browser import (  # noqa: F401 (the fixture)
    CHROMIUM,
    _playwright,
    console,
    pytestmark,
    shot,
    sign_in,
)

MINE = ("dashboard", "sales", "tiers", "rfm")


def test_reports_draw_their_charts_in_a_real_browser(console: str, hq: Hq) -> None:  # noqa: F811
    url = console
    with hq.sessions() as s:
        prog = svc.hq_program(s)
    assert prog is not None
    today = svc.chain_today(datetime.now(svc.CHAIN_ZONE))
    hq.run(lambda s: jobs.rfm(s, prog, today))
    sync_playwright, expect = _playwright()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            ctx = browser.new_context(
                viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
            )
            page = ctx.new_page()
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and "Failed to load resource" not in m.text
                    else None
                ),
            )
            page.on(  # a failed load, but the browser's own favicon guess
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            sign_in(page, url, "boss")
            expect(page.locator("#chart-member_share_trend canvas")).to_have_count(1)
            expect(page.locator("#targets")).to_contain_text("重要价值客户占比")
            expect(page.locator("#fig-sales")).to_have_text("4")
            page.locator("#targets").scroll_into_view_if_needed()
            shot(page, "home-targets")
            page.goto(f"{url}/console/reports")
            for slug in REPORTS:
                expect(page.locator(f"#report-{slug}")).to_be_visible()
            shot(page, "reports")
            for slug in MINE:
                page.goto(f"{url}/console/reports/{slug}")
                charts = page.locator("[data-chart]")
                assert charts.count() >= 1, slug
                for i in range(charts.count()):
                    expect(charts.nth(i).locator("canvas")).to_have_count(1)
                shot(page, f"report-{slug}")
            page.goto(f"{url}/console/reports/sales")
            with page.expect_download() as dl:
                page.click("#csv-by_day")
            body = open(dl.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
            assert body.startswith("门店,日期,小票数,销售额 (元)")
            assert "\nS1," in body and "\nS2," in body
            page.set_viewport_size({"width": 1024, "height": 768})
            # the charts' resize is debounced: wait for the page to fit, or fail in time
            page.wait_for_function("document.documentElement.scrollWidth <= 1024")
            page.evaluate("window.scrollTo(0, 0)")
            shot(page, "report-sales-1024")
            assert errors == []  # no script error, nothing refused by the CSP
            page.goto(f"{url}/console/reports/sales?start=2026-02-30")
            expect(page.locator("#report-error")).to_contain_text("日期格式不对")
            # a store manager: their store only, another store by URL is 404
            sam = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            p2 = sam.new_page()
            sign_in(p2, url, "sam")
            p2.goto(f"{url}/console/reports/sales")
            expect(p2.locator("#table-by_day")).to_contain_text("S1")
            expect(p2.locator("#table-by_day")).not_to_contain_text("S2")
            assert p2.locator("select.stores").count() == 0  # one store: said, not picked
            expect(p2.locator("p.hint").first).to_contain_text("门店: S1")
            p2.set_viewport_size({"width": 768, "height": 1024})  # a tablet, portrait
            p2.wait_for_function("document.documentElement.scrollWidth <= 768")
            p2.evaluate("window.scrollTo(0, 0)")
            shot(p2, "report-sales-tablet")
            assert p2.goto(f"{url}/console/reports/sales?store=S2").status == 404
        finally:
            browser.close()
