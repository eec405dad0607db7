"""Stores and tills in a real browser (issue 15 item 4): HQ's admin enrolls a till
from the store's page and reads its token (shown once); a real ``pos-terminal sync
--token-file`` with that token syncs; the page shows the till's last pull; the
store's manager revokes it and the till's next sync is refused. Screenshots:
docs/screenshots/console-stores.png, console-store-tills.png (1366x768),
console-store-tills-1024.png and console-till-token.png."""

from __future__ import annotations

from pathlib import Path

from tests.hq.test_console_browser import (
    CHROMIUM,
    _playwright,
    console,
    pytestmark,
    shot,
    sign_in,
)
from tests.hq.test_console_browser import run_till_sync as till_sync

__all__ = ["console", "pytestmark"]
DESK = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


def test_enroll_sync_and_revoke_a_till_in_the_browser(console: str, tmp_path: Path) -> None:
    sync_playwright, expect = _playwright()
    db = tmp_path / "till" / "store.sqlite"
    token_file = tmp_path / "token"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(**DESK).new_page()
            sign_in(page, console, "boss")
            page.click("nav a[href$='/console/stores']")
            expect(page.locator("#stores tr[data-store=S1] td").nth(2)).to_have_text("1")
            shot(page, "stores")
            page.click("#stores a:has-text('S1')")
            page.fill("#enroll input[name=terminal]", "S1-T08")
            page.click("#enroll button[type=submit]")
            token = page.locator("#token").inner_text().strip()
            assert token.startswith("hqt_")
            shot(page, "till-token")
            token_file.write_text(token)
            token_file.chmod(0o600)
            done = till_sync(db, console, token_file)
            assert done.returncode == 0 and "S1-T08" in done.stdout, done.stderr
            assert till_sync(db, console).returncode == 0  # says the version it now runs
            page.goto(f"{console}/console/stores/S1")
            row = page.locator("#tills tr[data-till=S1-T08]")
            expect(row.locator("td.pull")).to_contain_text("分钟前")
            expect(row.locator("td.waiting")).to_have_text("0")
            expect(row.locator("td.state")).to_have_text("正常")
            expect(row.locator("td.version")).to_have_text("1")
            expect(row.locator("td.skew")).not_to_contain_text("h")  # seconds, not hours
            assert token not in page.content()  # shown once
            shot(page, "store-tills")
            page.set_viewport_size({"width": 1024, "height": 768})
            shot(page, "store-tills-1024")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1024, f"the page is {width}px wide at 1024"
            page.set_viewport_size({"width": 768, "height": 1024})  # a tablet, portrait
            expect(row.locator("button:has-text('吊销')")).to_be_in_viewport()
            shot(page, "store-tills-tablet")
            # S1's manager revokes it (a stolen till)
            sam = browser.new_context(**DESK).new_page()
            sign_in(sam, console, "sam")
            sam.goto(f"{console}/console/stores/S1")
            mine = sam.locator("#tills tr[data-till=S1-T08]")
            mine.locator("input[name=reason]").fill("被盗")
            mine.locator("button:has-text('吊销')").click()
            expect(mine.locator("td.state")).to_have_text("已吊销")
            expect(mine.locator("form.revoke")).to_have_count(0)
        finally:
            browser.close()
    done = till_sync(db, console)
    assert done.returncode == 1 and "401" in done.stderr, done.stderr
