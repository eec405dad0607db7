"""The HQ console in a real browser: Debian's chromium driven by Playwright (sync API)
against a real ``pos-hq serve`` on a fresh database. Each role signs in; a member is
found and opened; a block with a reason shows in the action log; a store manager does
not see another store's member, by search or by URL. Screenshots of every page go to
docs/screenshots/console-*.png (1366x768, and the member page at 1024x768 too)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.hq.service import CHAIN_ZONE
from terminal.clock import FixedClock
from tests.hq.helpers import SOY, Hq, cash

CHROMIUM = "/usr/bin/chromium"
BIN = Path(sys.executable).parent
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse 12"
USERS = (  # name, role, stores
    ("boss", "admin", ()),
    ("mia", "marketing", ()),
    ("fay", "finance", ()),
    ("sam", "store_manager", ("S1",)),
    ("al", "auditor", ()),
)
SETUP: dict[str, Any] = {
    "program": "tomato",
    "start": "2026-10-06T09:00:00",
    "catalog": [
        {"code": SOY, "name": "酱油", "category": "grocery", "price": "12.00"},
    ],
    "members": [
        {
            "code": "M000001",
            "name": "张晓梅",
            "phone": "13800005678",
            "registered": "2025-01-01",
            "tier": "red",
            "tier_valid_through": "2027-09-30",
            "growth_points": 1200,
            "coin_lots": [
                {"coins": 20, "granted": "2026-06-01"},
                {"coins": 35, "granted": "2026-11-02"},
            ],
            "stored_value": {"principal": "100.00", "gift": "10.00"},
            "coupons": [
                {
                    "id": "C1",
                    "name": "满30减5",
                    "threshold": "30.00",
                    "off": "5.00",
                    "valid_through": "2027-06-30",
                }
            ],
        },
        {"code": "M000002", "name": "李建国", "phone": "13900001111", "registered": "2025-03-01"},
    ],
}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


def _playwright() -> tuple[Any, Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]')")
    expect.set_options(timeout=20_000)  # 2 shared cores: a page may take a while
    return sync_playwright, expect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def console(hq: Hq, hq_url: str) -> Iterator[str]:
    """A fresh database with two stores' sales (today's, by the chain's clock), the
    console's users made with ``pos-hq user add`` (password on stdin), and a real
    ``pos-hq serve``; yields its URL."""
    hq.import_setup(SETUP)
    today = datetime.now(CHAIN_ZONE).replace(tzinfo=None, microsecond=0)
    for store, member in (("S1", "M000001"), ("S2", "M000002")):
        till = hq.till(f"{store}-T01", store)
        till.clock = FixedClock(today)
        till.sync()
        till.sell(member, SOY, cash(20))
        till.sell(None, SOY, cash(20))
        till.sync()
    add_users(hq_url, USERS)
    with serve(hq_url) as url:
        yield url


def add_users(hq_url: str, users: Iterable[tuple[str, str, tuple[str, ...]]]) -> None:
    """Console users made as an operator makes them: ``pos-hq user add`` (password on
    standard input)."""
    for name, role, stores in users:
        cmd = [sys.executable, "-m", "sync.hq.cli", "user", "add", name, "--role", role]
        cmd += [arg for s in stores for arg in ("--store", s)] + ["--db", hq_url]
        done = subprocess.run(cmd, input=PASSWORD + "\n", capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


@contextmanager
def serve(hq_url: str) -> Iterator[str]:
    """A real ``pos-hq serve`` on a free port until the block ends; yields its URL."""
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


def enroll(hq_url: str, folder: Path, terminal: str = "S1-T09", store: str = "S1") -> Path:
    """``pos-hq enroll``; the token in a private file a till's ``--token-file`` reads."""
    cmd = [sys.executable, "-m", "sync.hq.cli", "enroll", "--db", hq_url]
    done = subprocess.run(
        [*cmd, "--store", store, "--terminal", terminal], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    token = folder / "token"
    token.write_text(done.stdout.strip())
    token.chmod(0o600)
    return token


# a store's till keeps the chain's local time (its entries' ``at`` and its program's
# effective day are read in it): a till on UTC is 8 hours behind the chain's day
CHAIN_TZ = {**os.environ, "TZ": "Asia/Shanghai"}


def run_till_sync(
    db: Path, url: str, token_file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """A real ``pos-terminal sync`` (the token from ``token_file``, else the store's)."""
    cmd = [str(BIN / "pos-terminal"), "sync", "--db", str(db), "--hq", url]
    cmd += ["--token-file", str(token_file)] if token_file else []
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=CHAIN_TZ)


def till_sync(db: Path, url: str, token_file: Path | None = None) -> str:
    """As ``run_till_sync``, which must succeed; its report."""
    done = run_till_sync(db, url, token_file)
    assert done.returncode == 0, done.stderr
    return done.stdout


def shot(page: Any, name: str, whole: bool = False) -> None:
    """The viewport (1366x768 or 1024x768); ``whole``: the page to its end."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"console-{name}.png"), full_page=whole)


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/console/")
    assert "/console/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/console/")


def test_each_role_in_a_real_browser(console: str) -> None:
    url = console
    sync_playwright, expect = _playwright()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            desk = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
            # --- the HQ admin: home, search, the member page, block with a reason, the log
            ctx = browser.new_context(**desk)
            ctx.set_default_timeout(20_000)
            page = ctx.new_page()
            page.goto(f"{url}/console/login")
            assert page.locator("h1").inner_text() == "登录"
            shot(page, "login")
            sign_in(page, url, "boss")
            assert page.locator("#fig-members").inner_text() == "2"
            assert page.locator("#fig-sales").inner_text() == "4"  # 2 member + 2 walk-in
            assert page.locator("#fig-amount").inner_text() == "¥48.00"
            shot(page, "home")
            page.fill("input[name=q]", "张晓")
            page.click("form.search button")
            assert page.locator("#results").inner_text().count("M000001") == 1
            assert "13800005678" in page.locator("#results").inner_text()  # admin sees it
            assert "红番茄" in page.locator("#results").inner_text()  # the tier by its name
            shot(page, "members")
            page.click("#results a:has-text('M000001')")
            page.wait_for_url(f"{url}/console/members/M000001")
            assert page.locator("#tier").inner_text() == "红番茄"
            assert page.locator("#principal").inner_text() == "¥100.00"
            assert page.locator("#gift").inner_text() == "¥10.00"
            assert "S1-T01" in page.locator("#history").inner_text()
            assert "满30减5" in page.locator("#coupons").inner_text()
            shot(page, "member", whole=True)
            page.set_viewport_size({"width": 1024, "height": 768})
            shot(page, "member-tablet", whole=True)
            page.set_viewport_size({"width": 1366, "height": 768})
            sale = page.locator("#history details").first  # a sale's lines, opened
            sale.locator("summary").click()
            expect(sale.locator("table")).to_contain_text("酱油")
            sale.scroll_into_view_if_needed()
            shot(page, "member-sale")
            page.fill("#block-form input[name=reason]", "会员挂失")
            page.click("#block-form button")
            expect(page.locator("#card-state")).to_have_text("已冻结")  # the page after the POST
            page.click("nav >> text=操作日志")
            page.wait_for_url(f"{url}/console/log")
            rows = page.locator("#actions tbody").inner_text()
            assert "冻结会员" in rows and "会员挂失" in rows and "M000001" in rows
            shot(page, "log")
            csv = page.request.get(f"{url}/console/log.csv?action=member_block")
            assert csv.ok and "会员挂失" in csv.text()
            page.fill("form.filters input[name=user]", "boss")  # a search, then its CSV
            page.select_option("form.filters select[name=action]", "member_block")
            page.click("form.filters button[type=submit]")
            expect(page.locator("#actions tbody tr")).to_have_count(1)
            assert "action=member_block" in (page.get_attribute("#csv", "href") or "")
            shot(page, "log-search")
            page.click("nav >> text=用户")
            page.wait_for_url(f"{url}/console/users")
            assert page.locator("#users").inner_text().count("店长") == 1
            shot(page, "users")
            page.click("text=English")
            expect(page.locator("nav a").first).to_have_text("Home")
            page.goto(f"{url}/console/members/M000001")
            assert page.locator("#card-state").inner_text() == "Blocked"
            shot(page, "member-en")
            page.click("text=中文")
            expect(page.locator("nav a").first).to_have_text("首页")
            page.click("button:has-text('退出')")
            page.wait_for_url(f"{url}/console/login")
            ctx.close()

            # --- marketing sees phones; finance and the auditor see them masked
            for name, full in (("mia", True), ("fay", False), ("al", False)):
                ctx = browser.new_context(**desk)
                ctx.set_default_timeout(20_000)
                page = ctx.new_page()
                sign_in(page, url, name)
                page.goto(f"{url}/console/members?q=13900001111")
                text = page.locator("#results").inner_text()
                assert ("13900001111" in text) is full and ("*******1111" in text) is not full
                page.goto(f"{url}/console/members/M000002")
                assert page.locator("#block-form").count() == 0  # none of them blocks
                ctx.close()

            # --- the store manager: their store's member only, by search and by URL
            ctx = browser.new_context(**desk)
            ctx.set_default_timeout(20_000)
            page = ctx.new_page()
            sign_in(page, url, "sam")
            assert page.locator("#fig-members").inner_text() == "1"
            assert page.locator("#fig-sales").inner_text() == "2"
            page.goto(f"{url}/console/members?q=M0000")
            text = page.locator("#results").inner_text()
            assert "M000001" in text and "M000002" not in text
            answer = page.goto(f"{url}/console/members/M000002")
            assert answer is not None and answer.status == 404
            assert page.locator("h1").inner_text() == "未找到"
            shot(page, "404")
            page.goto(f"{url}/console/members/M000001")
            page.fill("#block-form input[name=reason]", "找回卡片")
            page.click("#block-form button")
            expect(page.locator("#card-state")).to_have_text("正常")
            answer = page.goto(f"{url}/console/log")
            assert answer is not None and answer.status == 403
            shot(page, "403")
            ctx.close()
        finally:
            browser.close()
