"""Program publishing in a real browser (issue 15 item 6): upload a file, see its diff,
try it on a scenario, publish it effective today; a real till (``pos-terminal sync``
with an enrolled token) pulls it, reports it on its next pull, and the versions page
shows that till running the new version. Screenshots: docs/screenshots/console-programs-*.png."""

from __future__ import annotations

from pathlib import Path

from sync.hq import service as svc
from tests.hq.test_console_browser import (
    CHROMIUM,
    _playwright,
    console,
    enroll,
    pytestmark,
    shot,
    sign_in,
    till_sync,
)

__all__ = ["console", "pytestmark"]
V1 = svc.shipped_program_toml("tomato")
V2 = V1.replace('base = "real_money"\nunit = "10.00"', 'base = "real_money"\nunit = "5.00"')
SCENARIO = Path(__file__).parents[1] / "scenarios" / "tomato_upgrade_gifts.json"


def test_publish_in_the_browser_and_a_real_till_runs_it(
    console: str, hq_url: str, tmp_path: Path
) -> None:
    token = enroll(hq_url, tmp_path)
    db = tmp_path / "till" / "store.sqlite"
    assert "S1-T09" in till_sync(db, console, token)
    program = tmp_path / "v2.toml"
    program.write_text(V2, encoding="utf-8")
    sync_playwright, expect = _playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            sign_in(page, console, "boss")
            page.goto(f"{console}/console/programs")
            expect(page.locator("#versions tbody tr")).to_have_count(1)
            shot(page, "programs-list")
            page.set_input_files("#check input[name=file]", str(program))
            page.set_input_files("#check input[name=scenario]", str(SCENARIO))
            page.click("#check button[type=submit]")
            expect(page.locator("#check-ok")).to_be_visible()
            expect(page.locator("#diff .add").first).to_contain_text('unit = "5.00"')
            expect(page.locator("#trial-members")).to_be_visible()
            shot(page, "programs-check", whole=True)
            page.fill("#publish input[name=note]", "番茄币每5元1枚")
            page.click("#publish button[type=submit]")
            expect(page.locator("#published")).to_contain_text("已发布版本 2")
            till_sync(db, console)  # pulls version 2 (in effect today)
            till_sync(db, console)  # and reports it runs it
            page.goto(f"{console}/console/programs")
            row = page.locator("#tills tr", has_text="S1-T09")
            expect(row.locator("td").nth(2)).to_have_text("2")
            expect(page.locator("#versions tbody tr").first).to_contain_text("今日生效")
            shot(page, "programs-tills")
            page.set_viewport_size({"width": 1024, "height": 768})
            page.goto(f"{console}/console/programs/2")
            expect(page.locator("#program-text")).to_contain_text('unit = "5.00"')
            shot(page, "programs-version-1024")
        finally:
            browser.close()
