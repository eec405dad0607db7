"""Adjustments in a real browser (issue 15 item 3): finance corrects a member's coins
with a reason and sees it applied; a larger one waits for a second user, whom the
proposer cannot replace; the HQ admin approves it from the queue; a real till
(``pos-terminal sync`` with an enrolled token) pulls the member with both coins
added; the action log holds both. Screenshots: docs/screenshots/console-adjust-*.png."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from terminal.store import members
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
DESK = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


def coins_at_till(db: Path, code: str) -> int:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            state = members.cached(s, code)
            assert state is not None, f"the till holds no {code}"
            return sum(lot.coins for lot in state.coin_lots)
    finally:
        engine.dispose()


def test_adjust_with_a_reason_approve_and_a_real_till_pulls_it(
    console: str, hq_url: str, tmp_path: Path
) -> None:
    url = console
    db = tmp_path / "till" / "store.sqlite"
    till_sync(db, url, enroll(hq_url, tmp_path, "S1-T08"))
    held = coins_at_till(db, "M000001")
    sync_playwright, expect = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            fay = browser.new_context(**DESK).new_page()
            sign_in(fay, url, "fay")
            fay.goto(f"{url}/console/members/M000001")
            coins = int(fay.locator("#coins").inner_text())
            fay.click("#adjust-link")
            form = fay.locator("#adjust-form")
            form.locator("select[name=kind]").select_option("coins")
            form.locator("input[name=amount]").fill("30")
            shot(fay, "adjust-form")
            form.locator("button[type=submit]").click()  # no reason: the browser refuses
            expect(form.locator("input[name=reason]:invalid")).to_have_count(1)
            expect(fay.locator("#adj-result")).to_have_count(0)
            form.locator("input[name=reason]").fill("补录漏积")
            form.locator("button[type=submit]").click()
            expect(fay.locator("#adj-result")).to_contain_text("已生效")
            shot(fay, "adjust-applied")
            fay.goto(f"{url}/console/members/M000001")
            expect(fay.locator("#coins")).to_have_text(str(coins + 30))
            # above the limit (500 coins): it waits, and its proposer cannot approve it
            fay.click("#adjust-link")
            form.locator("select[name=kind]").select_option("coins")
            form.locator("input[name=amount]").fill("800")
            form.locator("input[name=reason]").fill("门店活动补发")
            form.locator("button[type=submit]").click()
            expect(fay.locator("#adj-result")).to_contain_text("等待另一位用户批准")
            fay.goto(f"{url}/console/adjustments")
            queue = fay.locator("#queue tbody tr")
            expect(queue).to_have_count(1)
            queue.locator("button.primary").click()
            expect(fay.locator("#adj-error")).to_be_visible()
            boss = browser.new_context(**DESK).new_page()
            sign_in(boss, url, "boss")
            boss.goto(f"{url}/console/adjustments")
            expect(boss.locator("#queue tbody tr")).to_contain_text("门店活动补发")
            shot(boss, "adjust-queue")
            boss.locator("#queue tbody tr button.primary").click()
            expect(boss.locator("#queue")).to_have_count(0)
            shot(boss, "adjust-list")
            boss.goto(f"{url}/console/members/M000001")
            expect(boss.locator("#coins")).to_have_text(str(coins + 830))
            shot(boss, "adjust-member", whole=True)
            boss.goto(f"{url}/console/adjustments/batch")  # a batch previewed, not committed
            batch = "member,kind,amount,reason\nM000002,coins,20,补发\nM000002,points,100,补发\n"
            boss.fill("#batch-form textarea[name=text]", batch)
            boss.click("#batch-form button[type=submit]")
            expect(boss.locator("#members-found")).to_have_text("1")
            expect(boss.locator("#commit-form")).to_have_count(1)
            shot(boss, "adjust-batch", whole=True)
            boss.goto(f"{url}/console/log?action=adjust_propose")
            log = boss.locator("#actions tbody").inner_text()
            assert "补录漏积" in log and "门店活动补发" in log
        finally:
            browser.close()
    till_sync(db, url)
    assert coins_at_till(db, "M000001") == held + 830
