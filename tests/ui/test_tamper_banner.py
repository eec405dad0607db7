"""A break found after start-up (the pre-sync check, or a sale refused with
``store_tampered``) raises the same banner as one found at start-up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from terminal.app.verify import guard
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from terminal.store.ledger import allow_writes
from ui.hq_link import HqLink
from ui.main_window import LEDGER, MainWindow

from ..app.store import SOY, shop
from .conftest import OpenWindow


def sell(win: MainWindow) -> None:
    win.counter.scan(SOY.code)
    win.counter.pay([TenderRequest("cash", Money(2000))])


def tamper(path: Path) -> None:
    """Edit the last sale's ledger row the way a local user could (sqlite3, no key)."""
    db = sqlite3.connect(path)
    cut = db.execute(
        "UPDATE ledger SET payload = replace(payload, '\"amount\":1200', '\"amount\":120')"
        " WHERE seq = (SELECT max(seq) FROM ledger WHERE kind = 'sale')"
    )
    assert cut.rowcount == 1
    db.commit()
    db.close()


def banner(win: MainWindow) -> str:
    return win.banner.text() if win.banner.isVisible() else ""


def test_the_pre_sync_check_raises_the_start_up_banner(
    tmp_path: Path, open_window: OpenWindow, qtbot: QtBot
) -> None:
    s = shop(tmp_path)
    win = open_window(s, show=True)
    sell(win)
    link = HqLink(s.counter.sessions, {})

    def poll() -> None:  # what attach_hq's timer does every few seconds
        win.worker.run(link.status, win.show_sync)

    poll()
    qtbot.waitUntil(lambda: bool(win.sync_text), timeout=5000)
    assert banner(win) == ""
    tamper(s.path)
    try:
        assert guard(s.counter.sessions) is not None  # what each sync round runs first
        poll()
        qtbot.waitUntil(lambda: win.statuses.get(LEDGER) == "tampered", timeout=5000)
        start_up = win.banner.text()
        assert "本机账本" in banner(win) and "已停止收款" in start_up
    finally:
        allow_writes(s.path)


def test_a_sale_refused_as_tampered_raises_the_banner(
    tmp_path: Path, open_window: OpenWindow, qtbot: QtBot
) -> None:
    s = shop(tmp_path)
    win = open_window(s, show=True)
    sell(win)
    tamper(s.path)
    try:
        assert guard(s.counter.sessions) is not None  # the sync loop's thread found it
        assert banner(win) == ""  # no sync status shown here: the refusal must say it
        win.counter.scan(SOY.code)
        win.op(lambda: win.counter.pay([TenderRequest("cash", Money(2000))]))
        qtbot.waitUntil(lambda: win.statuses.get(LEDGER) == "tampered", timeout=5000)
        assert "本机账本" in banner(win)
        # the same words as start-up (ui.app.build sets this very status)
        other = open_window(shop(tmp_path / "b"))
        other.set_device_status(LEDGER, "tampered")
        assert other.banner.text() == win.banner.text()
    finally:
        allow_writes(s.path)
