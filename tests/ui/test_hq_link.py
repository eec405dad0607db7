"""The till's HQ link: standalone without HQ; offline (with the rule book's limits) when
HQ is unreachable; the entries waiting to sync counted from the ledger."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from terminal.errors import PosError
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from ui.hq_link import HqLink

from ..app.store import RICE, shop


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once this closes


def test_a_till_without_hq_is_standalone_with_no_offline_limits(tmp_path: Path) -> None:
    s = shop(tmp_path)
    link = HqLink(s.counter.sessions, {})
    assert not link.configured and not link.offline()
    assert link.status().text() == "总部 未连接 (单店模式)"


def test_an_unreachable_hq_makes_the_till_offline_and_counts_what_waits(tmp_path: Path) -> None:
    s = shop(tmp_path)
    url = f"http://127.0.0.1:{closed_port()}"
    link = HqLink(s.counter.sessions, {"hq_url": url, "hq_token": "t" * 43})
    assert link.configured
    assert link.loop is not None and link.loop.run_once() is None  # one round, refused
    assert link.offline() and link.status().state == "offline"
    before = link.waiting()
    assert before > 0  # the opening balances and the shift have never reached HQ
    c = s.counter
    c.offline = link.offline  # what `pos-terminal run` wires
    c.identify("M1")
    for _ in range(3):
        c.scan(RICE.code)  # 195.00 - 5.00 coupon = 190.00
    sale = c.pay(
        [
            TenderRequest("coins", coins=20),
            TenderRequest("stored_value", Money(10000)),
            TenderRequest("cash", Money(7000)),
        ]
    )  # 120.00 of the day's 200.00 cap
    assert sale.record.total_due == Money(19000)
    c.recharge("M1", Money(20000), s.manager())
    c.identify("M1")
    c.scan(RICE.code)
    c.scan(RICE.code)  # 130.00
    with pytest.raises(PosError) as e:  # 120.00 + 130.00 > 200.00 in one day, offline
        c.pay([TenderRequest("stored_value", Money(13000))])
    assert e.value.code == "offline_limit"
    ok = c.pay([TenderRequest("stored_value", Money(8000)), TenderRequest("cash", Money(5000))])
    assert ok.record.total_due == Money(13000)  # exactly the cap: allowed
    assert link.waiting() > before  # the sales wait for HQ
    text = link.status().text()
    assert "离线" in text and f"待同步 {link.waiting()}" in text


def test_the_window_shows_hq_state_waiting_entries_and_the_offline_banner(
    tmp_path: Path, qtbot: object
) -> None:
    from terminal.app.shifts import Shifts
    from terminal.printing.layout import StoreInfo
    from ui.main_window import MainWindow
    from ui.worker import Worker

    s = shop(tmp_path)
    c = s.counter
    link = HqLink(c.sessions, {"hq_url": f"http://127.0.0.1:{closed_port()}", "hq_token": "t" * 43})
    assert link.loop is not None
    link.loop.run_once()
    worker = Worker()
    win = MainWindow(
        c,
        worker,
        shifts=Shifts(c.sessions, c.clock, c.ids, "T01"),
        store=StoreInfo("店", "T01", "张丽"),
    )
    qtbot.addWidget(win)  # type: ignore[attr-defined]
    win.attach_hq(link)
    qtbot.waitUntil(lambda: "待同步" in win.status.text(), timeout=5000)  # type: ignore[attr-defined]
    assert "离线" in win.status.text()
    assert win.banner.isVisibleTo(win) and "每日合计限 ￥200.00" in win.banner.text()
    worker.shutdown()


def test_a_member_lookup_hq_cannot_answer_is_the_local_miss(tmp_path: Path) -> None:
    s = shop(tmp_path)
    assert HqLink(s.counter.sessions, {}).look_up(code="M9") == []  # standalone: no HQ
    link = HqLink(
        s.counter.sessions, {"hq_url": f"http://127.0.0.1:{closed_port()}", "hq_token": "t" * 43}
    )
    assert link.loop is not None
    link.loop.online = True  # the last round reached HQ; it has gone since
    assert link.look_up(code="M9") == [] and link.look_up(phone="13800009999") == []
    c = s.counter
    c.offline, c.look_up = link.offline, link.look_up  # what `pos-terminal run` wires
    for typed in ("M9", "13800009999"):
        with pytest.raises(PosError) as e:
            c.identify(typed)
        assert e.value.code == "unknown_member"
    assert c.identify("M1").code == "M1"  # a member the till holds: HQ is not asked
