"""Staff managed at HQ in a real browser (issue 15 item 4): the store manager ``sam``
adds a cashier with a PIN typed twice in S1's staff page; a real till (``pos-terminal
sync`` with an enrolled token) pulls them, and the till's own PIN check accepts the
PIN on its store file. Screenshots: docs/screenshots/console-staff*.png."""

from __future__ import annotations

from pathlib import Path

from terminal.app import staff as st
from terminal.store.db import open_store
from tests.hq.helpers import NOW
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


def test_a_store_manager_adds_a_cashier_and_a_real_till_signs_them_in(
    console: str, hq_url: str, tmp_path: Path
) -> None:
    token = enroll(hq_url, tmp_path)
    db = tmp_path / "till" / "store.sqlite"
    assert "S1-T09" in till_sync(db, console, token)
    sync_playwright, expect = _playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            sign_in(page, console, "sam")
            page.click("nav >> text=员工")
            expect(page.locator("#staff-stores tr")).to_have_count(1)  # S1 only
            shot(page, "staff-stores")
            page.click("#staff-stores a")
            form = page.locator("#staff-add")
            for field, value in (
                ("staff_id", "c7"),
                ("name", "赵敏"),
                ("pin", "246813"),
                ("pin2", "246813"),
            ):
                form.locator(f"input[name={field}]").fill(value)
            assert form.locator("input[name=pin]").get_attribute("type") == "password"
            form.locator("button[type=submit]").click()
            expect(page.locator("#staff-done")).to_contain_text("已新增员工 c7")
            expect(page.locator("#staff-c7")).to_contain_text("赵敏")
            page.locator("#staff-c7 summary").click()
            shot(page, "staff")
            page.set_viewport_size({"width": 1024, "height": 768})
            shot(page, "staff-1024")
            page.click("text=English")
            expect(page.locator("#staff-c7")).to_contain_text("Cashier")
            page.set_viewport_size({"width": 768, "height": 1024})
            shot(page, "staff-tablet-en")
        finally:
            browser.close()
    assert " 1 staff;" in till_sync(db, console)
    sessions = open_store(db)
    try:
        with sessions() as s:
            assert st.check_pin(s, "c7", "246813", NOW) == st.Staff("c7", "赵敏", "cashier")
    finally:
        sessions.kw["bind"].dispose()
