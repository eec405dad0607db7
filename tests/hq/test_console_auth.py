"""The HQ console's sign-in, sessions, CSRF, lockout, role scoping and action log,
through its forms (FastAPI's TestClient) over a real PostgreSQL database."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sync.hq import cli as hq_cli
from sync.hq.app import create_app
from sync.hq.console import accounts, i18n, member_view
from sync.hq.console.audit import ACTIONS
from sync.hq.console.roles import ROLES
from sync.hq.console.settings import ConsoleSettings
from sync.hq.models import ConsoleActionRow, MemberRow
from sync.hq.service import CHAIN_ZONE
from terminal.clock import FixedClock
from tests.hq.helpers import SETUP, SOY, TRUSTING, Hq, cash

PASSWORD = "correct horse 12"
CONSOLE = Path(__file__).parents[2] / "sync" / "hq" / "console"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Chain:
    hq: Hq
    clock: Clock
    app: object

    def client(self) -> TestClient:
        c = TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]
        self.hq._open.append(c)
        return c

    def add_user(self, name: str, role: str, stores: tuple[str, ...] = ()) -> None:
        self.hq.run(
            lambda s: accounts.add_user(
                s, name, PASSWORD, role, stores, self.clock(), ConsoleSettings()
            )
        )

    def actions(self, action: str | None = None) -> list[ConsoleActionRow]:
        q = select(ConsoleActionRow).order_by(ConsoleActionRow.id)
        if action:
            q = q.where(ConsoleActionRow.action == action)
        with self.hq.sessions() as s:
            return list(s.execute(q).scalars())

    def blocked(self, code: str) -> bool:
        with self.hq.sessions() as s:
            row = s.get(MemberRow, code)
            assert row is not None
            return row.blocked


@pytest.fixture
def chain(hq: Hq) -> Iterator[Chain]:
    """M1 shops at S1, M2 at S2 (both imported); a user of each role."""
    hq.import_setup(SETUP)
    s1, s2 = hq.till("S1-T01", "S1"), hq.till("S2-T01", "S2")
    for till, member in ((s1, "M1"), (s2, "M2")):
        till.sync()
        till.sell(member, SOY, cash(20))
        till.sync()
    clock = Clock()
    c = Chain(hq, clock, create_app(hq.engine, now=clock, window=TRUSTING))
    c.add_user("boss", "admin")
    c.add_user("mia", "marketing")
    c.add_user("fay", "finance")
    c.add_user("sam", "store_manager", ("S1",))
    c.add_user("al", "auditor")
    yield c


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


def sign_in(c: TestClient, name: str, password: str = PASSWORD) -> int:
    page = c.get("/console/login")
    assert page.status_code == 200
    r = c.post(
        "/console/login",
        data={"name": name, "password": password, "csrf": csrf_of(page.text), "next": ""},
    )
    return int(r.status_code)


def signed_in(chain: Chain, name: str) -> TestClient:
    c = chain.client()
    assert sign_in(c, name) == 303
    return c


def main_of(html: str) -> str:
    found = re.search(r"<main>.*</main>", html, re.S)
    assert found
    return found.group(0)


def session_csrf(c: TestClient) -> str:
    return csrf_of(c.get("/console/").text)


def test_sign_in_sets_a_strict_httponly_session_and_home_shows_real_counts(chain: Chain) -> None:
    c = chain.client()
    assert c.get("/console/").headers["location"].startswith("/console/login")
    page = c.get("/console/login")
    r = c.post(
        "/console/login",
        data={"name": "boss", "password": PASSWORD, "csrf": csrf_of(page.text)},
    )
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("pos_console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; "auto" sets it over https
    home = c.get("/console/")
    assert home.status_code == 200 and "总部管理台" in home.text  # zh_CN by default
    figures = dict(re.findall(r'id="fig-(\w+)">([^<]+)<', home.text))
    # 2 members, stores S1 and S2, 2 tills; today's sales are by the tills' (fixed) dates
    assert figures["members"] == "2" and figures["stores"] == "2" and figures["tills"] == "2"
    assert c.get("/console/lang/en?next=/console/").status_code == 303
    assert "HQ console" in c.get("/console/").text


def test_todays_sales_count_what_the_tills_sold_today(chain: Chain) -> None:
    till = chain.hq.till("S1-T02", "S1")
    till.clock = FixedClock(chain.clock().astimezone(CHAIN_ZONE).replace(tzinfo=None))
    till.sync()
    till.sell("M1", SOY, cash(20))
    till.sell(None, SOY, cash(20))
    till.sync()
    home = signed_in(chain, "boss").get("/console/").text
    figures = dict(re.findall(r'id="fig-(\w+)">([^<]+)<', home))
    assert figures["sales"] == "2" and figures["amount"] == "¥24.00"
    sam = signed_in(chain, "sam").get("/console/").text  # S1's manager: S1's figures
    assert dict(re.findall(r'id="fig-(\w+)">([^<]+)<', sam))["members"] == "1"


def test_a_post_without_the_sessions_csrf_token_is_refused(chain: Chain) -> None:
    c = signed_in(chain, "boss")
    for data in ({"blocked": "1", "reason": "lost"}, {"blocked": "1", "reason": "x", "csrf": "x"}):
        r = c.post("/console/members/M1/block", data=data)
        assert r.status_code == 403
    assert not chain.blocked("M1")
    ok = c.post(
        "/console/members/M1/block",
        data={"blocked": "1", "reason": "lost", "csrf": session_csrf(c)},
    )
    assert ok.status_code == 303 and chain.blocked("M1")
    # the sign-in form has its own token (no session yet): refused without it
    other = chain.client()
    bare = other.post("/console/login", data={"name": "boss", "password": PASSWORD})
    assert bare.status_code == 403
    # another session's token does not do either
    c2 = signed_in(chain, "boss")
    r = c2.post(
        "/console/members/M1/block",
        data={"blocked": "0", "reason": "found", "csrf": session_csrf(c)},
    )
    assert r.status_code == 403 and chain.blocked("M1")


def test_sign_out_revokes_the_session(chain: Chain) -> None:
    c = signed_in(chain, "fay")
    token = c.cookies.get("pos_console")
    assert c.post("/console/logout", data={"csrf": session_csrf(c)}).status_code == 303
    replay = chain.client()
    replay.cookies.set("pos_console", token or "", path="/console")
    assert replay.get("/console/").status_code == 303  # back to the sign-in page


def test_an_admin_revokes_another_users_sessions(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    assert mia.get("/console/").status_code == 200
    assert mia.get("/console/users").status_code == 403  # marketing manages no users
    boss = signed_in(chain, "boss")
    users = boss.get("/console/users").text
    uid = re.search(r"/console/users/(\d+)/revoke", users)
    assert uid and "mia" in users
    assert boss.post(f"/console/users/{uid.group(1)}/revoke", data={}).status_code == 403
    ids = {u.name: u.id for u in chain.hq.run(accounts.users)}
    r = boss.post(f"/console/users/{ids['mia']}/revoke", data={"csrf": session_csrf(boss)})
    assert r.status_code == 303
    assert mia.get("/console/").status_code == 303
    assert boss.get("/console/").status_code == 200
    [row] = chain.actions("sessions_revoke")
    assert (row.user_name, row.object_id, json.loads(row.before or "")) == (
        "boss",
        "mia",
        {"sessions": 1},
    )


def test_lockout_after_too_many_failures_then_it_lifts(chain: Chain) -> None:
    c = chain.client()
    n = ConsoleSettings().max_failures
    for _ in range(n):
        assert sign_in(c, "fay", "wrong password!") == 401
    page = chain.client()
    assert sign_in(page, "fay") == 401  # locked: even the right password
    form = {"name": "fay", "password": PASSWORD, "csrf": csrf_of(page.get("/console/login").text)}
    assert "锁定" in page.post("/console/login", data=form).text
    chain.clock.at += ConsoleSettings().lockout + timedelta(seconds=1)
    assert sign_in(chain.client(), "fay") == 303
    reasons = [a.reason for a in chain.actions("sign_in_failed")]
    assert reasons == ["bad_password"] * (n - 1) + ["bad_password_locked", "locked", "locked"]
    assert sign_in(chain.client(), "nobody") == 401
    assert chain.actions("sign_in_failed")[-1].reason == "unknown_user"


def test_sessions_end_when_idle_and_at_their_lifetime(chain: Chain) -> None:
    st = ConsoleSettings()
    c = signed_in(chain, "al")
    chain.clock.at += st.idle - timedelta(minutes=1)
    assert c.get("/console/").status_code == 200  # seen: the idle clock restarts
    chain.clock.at += st.idle - timedelta(minutes=1)
    assert c.get("/console/").status_code == 200
    chain.clock.at += st.idle + timedelta(minutes=1)
    assert c.get("/console/").status_code == 303
    c = signed_in(chain, "al")
    for _ in range(int(st.lifetime / (st.idle / 2)) + 1):
        chain.clock.at += st.idle / 2
        c.get("/console/")
    assert c.get("/console/").status_code == 303  # used all along, but past its lifetime


def test_a_store_manager_sees_and_acts_only_in_their_stores(chain: Chain) -> None:
    sam = signed_in(chain, "sam")
    assert "M1" in sam.get("/console/members?q=M").text
    assert 'href="/console/members/M2"' not in sam.get("/console/members?q=M").text
    assert sam.get("/console/members?q=13900001111").text.count("/console/members/M2") == 0
    assert sam.get("/console/members/M1").status_code == 200
    other = sam.get("/console/members/M2")
    assert other.status_code == 404  # not 403: another store's member's existence is not told
    assert main_of(other.text) == main_of(sam.get("/console/members/NOSUCH").text)
    r = sam.post(
        "/console/members/M2/block",
        data={"blocked": "1", "reason": "x", "csrf": session_csrf(sam)},
    )
    assert r.status_code == 404 and not chain.blocked("M2")
    r = sam.post(
        "/console/members/M1/block",
        data={"blocked": "1", "reason": "lost card", "csrf": session_csrf(sam)},
    )
    assert r.status_code == 303 and chain.blocked("M1")
    assert chain.actions("member_block")[-1].store_id == "S1"
    assert sam.get("/console/log").status_code == 403


def test_the_auditor_reads_but_cannot_post(chain: Chain) -> None:
    al = signed_in(chain, "al")
    assert al.get("/console/members/M2").status_code == 200
    assert al.get("/console/log").status_code == 200
    assert 'id="block-form"' not in al.get("/console/members/M2").text
    r = al.post(
        "/console/members/M2/block",
        data={"blocked": "1", "reason": "x", "csrf": session_csrf(al)},
    )
    assert r.status_code == 403 and not chain.blocked("M2")
    r = al.post("/console/users/1/revoke", data={"csrf": session_csrf(al)})
    assert r.status_code == 403
    assert al.post("/console/logout", data={"csrf": session_csrf(al)}).status_code == 303


def test_phones_are_masked_unless_the_role_may_see_them(chain: Chain) -> None:
    for name, full in (("boss", True), ("mia", True), ("fay", False), ("al", False)):
        page = signed_in(chain, name).get("/console/members?q=13800005678").text
        results = re.search(r'<table class="list" id="results">.*?</table>', page, re.S)
        assert results and "/console/members/M1" in results.group(0), name
        assert ("13800005678" in results.group(0)) is full, name
        assert ("*******5678" in results.group(0)) is not full, name


def test_the_member_page_shows_the_fold_and_one_history(chain: Chain) -> None:
    page = signed_in(chain, "boss").get("/console/members/M1").text
    assert 'id="principal">¥100.00' in page
    assert 'id="coins">' in page and "history" in page
    assert "S1-T01" in page and "¥12.00" in page  # the sale: store, till, amount
    assert "酱油" in page  # its lines


def test_a_block_needs_a_reason_and_the_log_holds_before_and_after(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    token = session_csrf(boss)
    r = boss.post("/console/members/M2/block", data={"blocked": "1", "reason": " ", "csrf": token})
    assert r.status_code == 303 and "error=reason" in r.headers["location"]
    assert not chain.blocked("M2")
    boss.post("/console/members/M2/block", data={"blocked": "1", "reason": "挂失", "csrf": token})
    boss.post("/console/members/M2/block", data={"blocked": "0", "reason": "found", "csrf": token})
    assert not chain.blocked("M2")
    block, unblock = chain.actions("member_block")[-1], chain.actions("member_unblock")[-1]
    assert (block.reason, json.loads(block.before or ""), json.loads(block.after or "")) == (
        "挂失",
        {"blocked": False},
        {"blocked": True},
    )
    assert (unblock.user_name, unblock.role, unblock.object_id) == ("boss", "admin", "M2")


def test_the_action_log_holds_each_action_searchable_and_as_csv(chain: Chain) -> None:
    assert sign_in(chain.client(), "boss", "wrong password!") == 401
    boss = signed_in(chain, "boss")
    token = session_csrf(boss)
    boss.post("/console/members/M1/block", data={"blocked": "1", "reason": "lost", "csrf": token})
    boss.post("/console/logout", data={"csrf": token})
    kinds = [a.action for a in chain.actions()]
    assert kinds[:5] == ["user_add"] * 5
    assert kinds[5:] == ["sign_in_failed", "sign_in", "member_block", "sign_out"]
    fay = signed_in(chain, "fay")
    page = fay.get("/console/log?user=boss&action=member_block").text
    assert "lost" in page and "log.total" not in page
    assert re.search(r'id="actions">.*?<tbody>(.*?)</tbody>', page, re.S)
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body and body.group(1).count("<tr>") == 1
    out = fay.get("/console/log.csv?user=boss")
    assert out.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(out.text.lstrip("\ufeff"))))
    assert [r["action"] for r in rows] == ["sign_out", "member_block", "sign_in", "sign_in_failed"]
    assert json.loads(rows[1]["after"]) == {"blocked": True} and rows[1]["reason"] == "lost"
    today = chain.clock().date().isoformat()
    dated = fay.get(f"/console/log.csv?since={today}&until={today}").text
    assert dated.count("\n") == len(chain.actions()) + 1
    assert fay.get("/console/log.csv?since=2020-01-01&until=2020-01-02").text.count("\n") == 1


def test_every_text_key_used_is_in_both_languages() -> None:
    used: set[str] = set()
    for path in (CONSOLE / "templates").glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""", path.read_text()))
    for path in CONSOLE.rglob("*.py"):
        used |= set(re.findall(r'"((?:login|member|error)\.[a-z_]+)(?<!\.html)"', path.read_text()))
    # keys made from a value: every value has its text
    used |= {f"role.{r}" for r in ROLES} | {f"action.{a}" for a in ACTIONS}
    used |= {f"coupon.{s}" for s in ("unused", "used", "expired", "revoked")}
    used |= {f"status.{s}" for s in ("registered", "recharged", "active", "sleeping", "closed")}
    used |= {f"login.{r}" for r in ("bad", "locked")} | {"error.403", "error.404"}
    used |= {"error.403.text", "error.404.text"}
    assert len(used) > 100
    missing = sorted(k for k in used if k not in i18n.CATALOG)
    assert not missing
    for key, (zh, en) in i18n.CATALOG.items():
        assert zh.strip() and en.strip(), key
        assert re.findall(r"{(\w+)}", zh) == re.findall(r"{(\w+)}", en) or sorted(
            re.findall(r"{(\w+)}", zh)
        ) == sorted(re.findall(r"{(\w+)}", en)), key


def test_user_commands_read_the_password_from_stdin(
    chain: Chain, hq_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(argv: list[str], stdin: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = hq_cli.main(argv)
        out = capsys.readouterr()
        return code, out.out, out.err

    add = ["user", "add", "kim", "--role", "store_manager", "--store", "S2", "--db", hq_url]
    assert run(add, "\n")[0] == 2  # empty
    code, _, err = run(add, "short\n")
    assert code == 2 and "short_password" in err
    assert run([*add[:5], "--db", hq_url], f"{PASSWORD}\n")[0] == 2  # a manager needs a store
    bad = ["user", "add", "kim", "--role", "store_manager", "--store", "S9", "--db", hq_url]
    assert "unknown_store" in run(bad, f"{PASSWORD}\n")[2]
    assert run(add, f"{PASSWORD}\n")[:2] == (0, "console user kim (store_manager) added\n")
    assert "user_exists" in run(add, f"{PASSWORD}\n")[2]
    code, out, _ = run(["user", "list", "--db", hq_url], "")
    assert "kim\tstore_manager\tS2\tactive" in out.splitlines()
    kim = chain.client()
    assert sign_in(kim, "kim") == 303
    assert kim.get("/console/members/M2").status_code == 200
    assert run(["user", "disable", "kim", "--db", hq_url], "")[0] == 0
    assert kim.get("/console/").status_code == 303  # disabled: the session is over
    assert sign_in(chain.client(), "kim") == 401
    assert "kim\tstore_manager\tS2\tdisabled" in run(["user", "list", "--db", hq_url], "")[1]


def test_over_https_the_cookie_is_secure(chain: Chain) -> None:
    c = TestClient(chain.app, base_url="https://hq.example", follow_redirects=False)  # type: ignore[arg-type]
    chain.hq._open.append(c)
    page = c.get("/console/login")
    r = c.post(
        "/console/login",
        data={"name": "boss", "password": PASSWORD, "csrf": csrf_of(page.text)},
    )
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("pos_console="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert c.get("/console/").status_code == 200


def test_what_a_user_types_is_escaped_and_next_stays_in_the_console(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    page = boss.get("/console/members", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>" not in page and "&lt;script&gt;" in page
    c = chain.client()
    form = {"name": "boss", "password": PASSWORD, "next": "https://evil.example/"}
    r = c.post("/console/login", data={**form, "csrf": csrf_of(c.get("/console/login").text)})
    assert r.headers["location"] == "/console/"
    assert c.get("/console/lang/en?next=//evil.example/").headers["location"] == "/console/"


def test_the_history_pages_back_through_every_entry(chain: Chain) -> None:
    till = chain.hq.till("S1-T03", "S1")
    till.sync()
    for _ in range(3):
        till.sell("M1", SOY, cash(20))
    till.sync()
    who = accounts.Who(1, "boss", "admin", frozenset(), 1, "")
    sales: list[str] = []
    with chain.hq.sessions() as s:
        page, more = 0, True
        while more:
            items, more = member_view.history(s, who, "M1", page, 2)
            sales += [i.receipt for i in items if i.receipt]
            page += 1
    # 4 sales (one in the fixture) of several entries each, newest first, none twice
    assert len(sales) == len(set(sales)) == 4
    assert sales[0].startswith("S1-T03") and sales[-1].startswith("S1-T01")
    manager = accounts.Who(2, "kim", "store_manager", frozenset({"S2"}), 2, "")
    with chain.hq.sessions() as s:
        items, _ = member_view.history(s, manager, "M1", 0, 50)
    assert {i.store for i in items} == {"hq"}  # another store's entries are not shown
