"""Stores and tills in the console (issue 15 item 4), through its forms against HQ's
real API on one clock: enrolling shows the token once and that token syncs a till;
a revoke refuses the till's next push; the page's last push and pull, entries
waiting, program version, clock skew and silent flag are what the till did; store
managers see and revoke only their stores' tills; CSRF; every action is logged."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync import protocol as p
from sync import till as sync_till
from sync.client import HqClient, SyncError
from sync.hq import till_health
from sync.hq.app import create_app
from sync.hq.console.pages.stores import skew_text
from sync.hq.console.settings import ConsoleSettings
from sync.hq.models import TerminalRow
from sync.hq.service import CHAIN_ZONE
from terminal.clock import FixedClock
from terminal.store.db import open_store
from tests.hq.helpers import FAST, SOY, TRUSTING, Till, cash
from tests.hq.test_console_auth import Chain, chain, main_of, session_csrf, signed_in

__all__ = ["chain"]  # the fixture, used by name
TOKEN = re.compile(r'id="token">(hqt_[A-Za-z0-9_-]+)<')


def enroll(c: TestClient, store: str, terminal: str) -> str:
    r = c.post(
        "/console/stores/enroll",
        data={"csrf": session_csrf(c), "store": store, "terminal": terminal},
    )
    assert r.status_code == 200, r.text[:300]
    found = TOKEN.search(r.text)
    assert found, main_of(r.text)
    return found.group(1)


def terminal(chain: Chain, tid: str) -> TerminalRow:
    with chain.hq.sessions() as s:
        row = s.get(TerminalRow, tid)
        assert row is not None
        s.expunge(row)
        return row


def till_html(html: str, tid: str) -> dict[str, str]:
    """A till's row on its store's page: each cell's HTML by its last class."""
    found = re.search(rf'<tr data-till="{re.escape(tid)}">(.*?)</tr>', html, re.S)
    assert found, main_of(html)
    cells = re.findall(r'<td class="([^"]*)">(.*?)</td>', found.group(1), re.S)
    return {cls.split()[-1]: text for cls, text in cells}


def till_row(html: str, tid: str) -> dict[str, str]:
    """As ``till_html``, the cells' text."""
    cells = till_html(html, tid).items()
    return {k: " ".join(re.sub(r"<[^>]+>", " ", v).split()) for k, v in cells}


def a_till(chain: Chain, tid: str, token: str, tmp: Path, at: datetime) -> Till:
    """A till speaking to the console's app (HQ's clock ``chain.clock``), on ``at``."""
    http = TestClient(chain.app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    chain.hq._open.append(http)
    path = tmp / f"{tid}.sqlite"
    api = HqClient(http, backoff=FAST, sleep=lambda _: None)
    return Till(chain.hq, tid, token, path, open_store(path), api, FixedClock(at))


def chain_time(chain: Chain, plus: timedelta = timedelta()) -> datetime:
    """HQ's clock as the till's naive local (the chain's zone) time, plus ``plus``."""
    return (chain.clock.at + plus).astimezone(CHAIN_ZONE).replace(tzinfo=None)


def test_enroll_shows_the_token_once_and_it_syncs_a_till(chain: Chain, tmp_path: Path) -> None:
    boss = signed_in(chain, "boss")
    listing = main_of(boss.get("/console/stores").text)
    assert 'data-store="S1"' in listing and 'data-store="S2"' in listing
    token = enroll(boss, "S1", "S1-T05")
    row = terminal(chain, "S1-T05")
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()  # kept as its hash
    logged = chain.actions("till_enroll")
    assert [(a.user_name, a.object_id, a.store_id) for a in logged] == [("boss", "S1-T05", "S1")]
    assert all(token not in (a.before or "") + (a.after or "") for a in chain.actions())
    page = boss.get("/console/stores/S1").text
    assert token not in page  # shown once: the answer to the enroll only
    till = a_till(chain, "S1-T05", token, tmp_path, chain_time(chain, timedelta(seconds=30)))
    rep = till.sync()
    assert (rep.terminal_id, rep.store_id) == ("S1-T05", "S1")
    till.sell("M1", SOY, cash(20))
    rep = till.sync()
    assert rep.acknowledged and rep.pushed > 0


def test_the_page_shows_what_the_till_did(chain: Chain, tmp_path: Path) -> None:
    boss = signed_in(chain, "boss")
    token = enroll(boss, "S1", "S1-T05")
    cells = till_row(boss.get("/console/stores/S1").text, "S1-T05")
    assert (cells["push"], cells["pull"], cells["waiting"], cells["skew"]) == ("-", "-", "-", "-")
    # the till's clock 30 s ahead of HQ's
    till = a_till(chain, "S1-T05", token, tmp_path, chain_time(chain, timedelta(seconds=30)))
    till.sync()
    till.sell("M1", SOY, cash(20))
    till.sync()
    row = terminal(chain, "S1-T05")
    assert row.last_push_at == row.last_pull_at == chain.clock.at
    assert row.clock_skew_ms == 30_000
    assert row.till_head_seq == till.sync().head
    cells = till_row(boss.get("/console/stores/S1").text, "S1-T05")
    assert cells["push"].startswith("12-07 10:00") and "0 分钟前" in cells["push"]
    assert cells["pull"].startswith("12-07 10:00")
    assert (cells["waiting"], cells["version"], cells["skew"]) == ("0", "1", "+30.0 s")
    assert cells["state"] == "正常"
    # a sale pushed only in part: its other rows wait at the till
    chain.clock.at += timedelta(minutes=5)
    till.clock.set(chain_time(chain, timedelta(minutes=-2)))
    till.sell("M1", SOY, cash(20))
    head = sync_till.head(till.sessions)[0]
    cp = till.api.checkpoint("S1-T05").seq
    part = sync_till.outbox(till.sessions, cp, 1)
    till.api.push("S1-T05", part, head=head, clock=till.clock.now())
    cp = till.api.checkpoint("S1-T05").seq
    assert head - cp > 0
    html = boss.get("/console/stores/S1").text
    assert till_row(html, "S1-T05")["waiting"] == str(head - cp)
    assert till_html(html, "S1-T05")["skew"] == '<span class="tag bad">-2 min 0 s</span>'
    assert till_row(html, "S1-T05")["state"] == "正常"
    # silent once unheard for longer than the setting (30 minutes)
    chain.clock.at += timedelta(minutes=31)
    boss = signed_in(chain, "boss")  # the session was idle as long
    html = boss.get("/console/stores/S1").text
    assert till_row(html, "S1-T05")["state"] == "失联"
    listing = boss.get("/console/stores").text
    s1 = re.search(r'<tr data-store="S1">(.*?)</tr>', listing, re.S)
    assert s1 and re.findall(r'<td class="num">(.*?)</td>', s1.group(1), re.S)[:3] == [
        "2",  # S1-T01 and S1-T05
        '<span class="tag bad">1</span>',
        str(head - cp),
    ]


def test_silence_is_a_setting(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ConsoleSettings.from_env({}).silent == timedelta(minutes=30)
    assert ConsoleSettings.from_env({"POS_HQ_SILENT_MIN": "5"}).silent == timedelta(minutes=5)
    monkeypatch.setenv("POS_HQ_SILENT_MIN", "120")
    chain.app = create_app(chain.hq.engine, now=chain.clock, window=TRUSTING)
    boss = signed_in(chain, "boss")
    enroll(boss, "S1", "S1-T05")  # never heard from: silent after 120 minutes of it
    chain.clock.at += timedelta(minutes=119)
    boss = signed_in(chain, "boss")  # the session was idle as long
    assert till_row(boss.get("/console/stores/S1").text, "S1-T05")["state"] == "正常"
    chain.clock.at += timedelta(minutes=2)
    boss = signed_in(chain, "boss")
    html = boss.get("/console/stores/S1").text
    assert till_row(html, "S1-T05")["state"] == "失联" and "超过 120 分钟" in html


def test_a_revoked_till_is_refused_at_its_next_push(chain: Chain, tmp_path: Path) -> None:
    boss = signed_in(chain, "boss")
    token = enroll(boss, "S1", "S1-T05")
    till = a_till(chain, "S1-T05", token, tmp_path, chain_time(chain))
    till.sync()
    sam = signed_in(chain, "sam")  # S1's manager stops a stolen till at once
    url = "/console/stores/S1/tills/S1-T05/revoke"
    r = sam.post(url, data={"csrf": session_csrf(sam), "reason": " "})
    assert r.status_code == 303 and r.headers["location"].endswith("?error=reason")
    assert not terminal(chain, "S1-T05").revoked
    r = sam.post(url, data={"csrf": session_csrf(sam), "reason": "被盗"})
    assert r.status_code == 303 and r.headers["location"] == "/console/stores/S1"
    assert terminal(chain, "S1-T05").revoked
    till.sell("M1", SOY, cash(20))
    with pytest.raises(SyncError) as refused:
        till.sync()
    assert refused.value.status == 401
    cells = till_row(sam.get("/console/stores/S1").text, "S1-T05")
    assert cells["state"] == "已吊销"
    (logged,) = chain.actions("till_revoke")
    assert (logged.user_name, logged.role, logged.store_id, logged.reason) == (
        "sam",
        "store_manager",
        "S1",
        "被盗",
    )
    assert logged.before == '{"revoked": false}' and logged.after == '{"revoked": true}'
    # enrolled again (admin): a new token, the old one still refused
    new = enroll(boss, "S1", "S1-T05")
    assert new != token
    assert chain.actions("till_enroll")[-1].before == '{"enrolled": true, "revoked": true}'
    with pytest.raises(SyncError):
        till.sync()


def test_an_enrolled_till_is_not_enrolled_again_until_revoked(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    token = enroll(boss, "S1", "S1-T05")
    r = boss.post(
        "/console/stores/enroll",
        data={"csrf": session_csrf(boss), "store": "S1", "terminal": "S1-T05"},
    )
    assert r.status_code == 409 and 'id="enroll-error"' in r.text and "hqt_" not in r.text
    assert terminal(chain, "S1-T05").token_hash == hashlib.sha256(token.encode()).hexdigest()
    r = boss.post(  # not HQ's rules: the loader's message, nothing made
        "/console/stores/enroll",
        data={"csrf": session_csrf(boss), "store": "S 1", "terminal": "T9"},
    )
    assert r.status_code == 422 and 'id="enroll-error"' in r.text
    assert len(chain.actions("till_enroll")) == 1


def test_scoping_roles_and_csrf(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    r = boss.post(
        "/console/stores/enroll", data={"csrf": "forged", "store": "S1", "terminal": "S1-T07"}
    )
    assert r.status_code == 403
    with chain.hq.sessions() as s:
        assert s.get(TerminalRow, "S1-T07") is None
    sam = signed_in(chain, "sam")
    listing = main_of(sam.get("/console/stores").text)
    assert 'data-store="S1"' in listing and 'data-store="S2"' not in listing
    assert sam.get("/console/stores/S2").status_code == 404
    assert sam.get("/console/stores/NOPE").status_code == 404
    r = sam.post(
        "/console/stores/S2/tills/S2-T01/revoke", data={"csrf": session_csrf(sam), "reason": "x"}
    )
    assert r.status_code == 404 and not terminal(chain, "S2-T01").revoked
    r = sam.post(  # S2's till named under S1: not S1's till
        "/console/stores/S1/tills/S2-T01/revoke", data={"csrf": session_csrf(sam), "reason": "x"}
    )
    assert r.status_code == 404 and not terminal(chain, "S2-T01").revoked
    r = sam.post(
        "/console/stores/enroll",
        data={"csrf": session_csrf(sam), "store": "S1", "terminal": "S1-T07"},
    )
    assert r.status_code == 403
    assert 'id="enroll"' not in sam.get("/console/stores/S1").text
    al = signed_in(chain, "al")  # the auditor reads, changes nothing
    page = al.get("/console/stores/S2").text
    assert 'data-till="S2-T01"' in page and "revoke" not in main_of(page).lower()
    r = al.post(
        "/console/stores/S2/tills/S2-T01/revoke", data={"csrf": session_csrf(al), "reason": "x"}
    )
    assert r.status_code == 403 and not terminal(chain, "S2-T01").revoked
    mia = signed_in(chain, "mia")
    assert mia.get("/console/stores").status_code == 403
    assert "/console/stores" not in mia.get("/console/").text
    assert chain.actions("till_revoke") == [] and chain.actions("till_enroll") == []


def test_an_older_till_says_no_head_nor_clock(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    token = enroll(boss, "S1", "S1-T05")
    http = TestClient(chain.app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    chain.hq._open.append(http)
    r = http.post("/v1/terminals/S1-T05/pull", json={"cursor": 0})
    assert r.status_code == 200
    row = terminal(chain, "S1-T05")
    assert row.last_pull_at == chain.clock.at and row.last_push_at is None
    assert (row.till_head_seq, row.clock_skew_ms, row.program_version) == (None, None, None)
    r = http.post("/v1/terminals/S1-T05/push", json={"terminal_id": "S1-T05", "entries": []})
    assert r.status_code == 200
    row = terminal(chain, "S1-T05")
    assert row.last_push_at == chain.clock.at and row.clock_skew_ms is None


def test_skew_is_the_tills_clock_minus_hqs_as_entries_are_read() -> None:
    now = datetime(2026, 12, 7, 2, 0, tzinfo=CHAIN_ZONE)
    naive = datetime(2026, 12, 7, 2, 0, 1, 500000)  # the chain's zone, as an entry's at
    assert till_health.skew_ms(naive, now, CHAIN_ZONE) == 1500
    assert till_health.skew_ms(now - timedelta(hours=3), now, CHAIN_ZONE) == -3 * 3600 * 1000
    assert [skew_text(x) for x in (None, 1500, -61_000, 7_260_000, 0)] == [
        "-",
        "+1.5 s",
        "-1 min 1 s",
        "+2 h 1 min",
        "+0.0 s",
    ]
    assert p.Pull.model_validate_json('{"clock": "2026-12-07T10:00:00"}').clock == datetime(
        2026, 12, 7, 10, 0
    )


def test_a_pull_answers_while_a_push_holds_the_tills_row(chain: Chain) -> None:
    if chain.hq.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    boss = signed_in(chain, "boss")
    token = enroll(boss, "S1", "S1-T05")
    http = TestClient(chain.app, headers={"Authorization": f"Bearer {token}"})  # type: ignore[arg-type]
    chain.hq._open.append(http)
    with chain.hq.engine.connect() as conn, conn.begin():  # as a push in flight holds it
        conn.execute(text("SELECT id FROM terminals WHERE id = 'S1-T05' FOR UPDATE"))
        r = http.post("/v1/terminals/S1-T05/pull", json={"cursor": 0, "head": 3})
        assert r.status_code == 200  # neither waits nor fails: the note is skipped
    assert terminal(chain, "S1-T05").last_pull_at is None
    assert http.post("/v1/terminals/S1-T05/pull", json={"cursor": 0, "head": 3}).status_code == 200
    assert terminal(chain, "S1-T05").till_head_seq == 3
