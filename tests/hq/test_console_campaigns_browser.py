"""A campaign in a real browser (issue 15 item 5): marketing (``mia``) sets a segment,
sees the preview's count and face value, confirms; a real till (``pos-hq enroll``,
``pos-terminal sync`` with the token) pulls the member's coupon, the coupon is
redeemed at that till (``pos-terminal replay --db`` on the till's own store: the
counter's services), the till pushes the sale, and the campaign page shows it used at
store S1 with the value off and the sale's spend. Screenshots:
docs/screenshots/console-campaigns-*.png (1366x768, and the detail at 1024x768)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from sync.hq.service import CHAIN_ZONE
from terminal.store import members as repo
from terminal.store.db import open_store
from tests.hq.helpers import SOY
from tests.hq.test_console_browser import (
    BIN,
    CHAIN_TZ,
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
MEMBER = "M000001"  # red tier, shops at S1 (the console fixture)


def held_coupons(db: Path, code: str) -> dict[str, str]:
    sessions = open_store(db)
    try:
        with sessions() as s:
            state = repo.load(s, code)
    finally:
        sessions.kw["bind"].dispose()
    assert state is not None
    return {c.id: c.state for c in state.coupons}


def redeem(db: Path, tmp: Path, coupon: str) -> dict[str, Any]:
    """Three soy sauces for the member with the campaign coupon, at the till's store."""
    now = datetime.now(CHAIN_ZONE).replace(tzinfo=None, microsecond=0)
    scenario = {
        "program": "tomato",
        "start": now.isoformat(),
        "catalog": [],
        "events": [
            {"do": "identify", "code": MEMBER},
            {"do": "scan", "code": SOY, "qty": "3"},
            {"do": "coupons", "ids": [coupon]},
            {"do": "pay", "tenders": [{"kind": "cash", "amount": "50.00"}]},
        ],
    }
    path = tmp / "redeem.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    cmd = [str(BIN / "pos-terminal"), "replay", str(path), "--db", str(db)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=CHAIN_TZ)
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_a_campaign_reaches_a_real_till_and_is_redeemed_there(
    console: str, hq_url: str, tmp_path: Path
) -> None:
    token = enroll(hq_url, tmp_path)
    db = tmp_path / "till" / "store.sqlite"
    assert "S1-T09" in till_sync(db, console, token)
    sync_playwright, expect = _playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            sign_in(page, console, "mia")
            page.click("nav a[href='/console/campaigns']")
            expect(page.locator("h1")).to_have_text("发券活动")
            page.click("#new-campaign")
            page.fill("input[name=name]", "红番茄回馈")
            page.fill("input[name=id]", "red-thanks")
            page.check("input[name=tiers][value=red]")
            page.select_option("select[name=template]", "c30off5")
            page.fill("input[name=budget_coupons]", "10")
            page.fill("input[name=budget_yuan]", "50")
            page.click("#preview-button")
            expect(page.locator("#pv-members")).to_have_text("1")
            expect(page.locator("#pv-face")).to_have_text("¥5.00")
            expect(page.locator("#pv-budget")).to_have_text("在预算之内.")
            shot(page, "campaigns-preview")
            page.click("#confirm button[type=submit]")
            page.wait_for_url(f"{console}/console/campaigns/red-thanks?msg=issued")
            expect(page.locator("#cmp-msg")).to_have_text("已发放.")
            expect(page.locator("#used-n")).to_have_text("0")

            till_sync(db, console)  # the till pulls the member's coupon
            coupon = f"cmp:red-thanks:{MEMBER}:0"
            assert held_coupons(db, MEMBER)[coupon] == "unused"
            out = redeem(db, tmp_path, coupon)
            assert out["errors"] == []
            (sale,) = out["sales"]
            assert sale["coupons"] == [{"id": coupon, "off": "5.00"}]
            assert held_coupons(db, MEMBER)[coupon] == "used"
            till_sync(db, console)  # and pushes the sale

            page.reload()
            expect(page.locator("#used-n")).to_have_text("1")
            expect(page.locator("#off-n")).to_have_text("¥5.00")
            s1 = page.locator("#by-store tr[data-store=S1] td")
            expect(s1.nth(1)).to_have_text("1")
            expect(s1.nth(2)).to_have_text("¥5.00")
            expect(s1.nth(3)).to_have_text(f"¥{sale['total_due']}")
            expect(page.locator("#campaign-members")).to_contain_text(MEMBER)
            shot(page, "campaigns-detail")
            page.goto(f"{console}/console/campaigns")
            row = page.locator("#campaigns tr[data-id=red-thanks]")
            expect(row).to_contain_text("等级: 红番茄")
            expect(row.locator("td.used")).to_have_text("1")
            shot(page, "campaigns-list")
            page.set_viewport_size({"width": 1024, "height": 768})
            page.goto(f"{console}/console/campaigns/new")
            shot(page, "campaigns-new-1024")
            page.goto(f"{console}/console/campaigns/red-thanks")
            shot(page, "campaigns-detail-1024")
            page.click("text=English")
            expect(page.locator("#used-n")).to_have_text("1")
            expect(page.locator("#by-store")).to_contain_text("S1")
            shot(page, "campaigns-detail-en")
        finally:
            browser.close()
