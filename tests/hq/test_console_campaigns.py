"""The console's campaign pages (issue 15 item 5) through their forms: a preview writes
nothing but its log line, a confirm with a stale count is refused and previewed
afresh, issuing twice issues once, the service's refusals in words, roles, CSRF, a
store manager's figures cut to their stores, and the action log, over a real
PostgreSQL database (TestClient)."""

from __future__ import annotations

import json
import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sync.hq import campaigns as cmp
from sync.hq.models import CampaignRow, EntryRow
from terminal.clock import FixedClock
from tests.hq import test_console_auth as auth
from tests.hq.helpers import RICE, cash
from tests.hq.test_console_auth import Chain, main_of, session_csrf, signed_in

chain = auth.chain  # the fixture: M1 at S1, M2 at S2, a user of each role
# the console's clock is 2026-12-07 02:00 UTC: 10:00 at the chain
TILL_NOW = datetime(2026, 12, 7, 10, 0)
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def form(**kw: str | list[str]) -> dict[str, str | list[str]]:
    base: dict[str, str | list[str]] = {
        "id": "xmas-s1s2",
        "name": "圣诞回馈",
        "stores": ["S1", "S2"],
        "template": "c30off5",
        "per_member": "1",
        "valid_days": "30",
        "budget_coupons": "0",
        "budget_yuan": "0",
    }
    return {**base, **kw}


def post(c: TestClient, path: str, data: dict[str, str | list[str]]) -> tuple[int, str, str]:
    r = c.post(f"/console/campaigns/{path}", data={"csrf": session_csrf(c), **data})
    return r.status_code, r.text, r.headers.get("location", "")


def figure(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}">([^<]*)<', html)
    assert found, ident
    return found.group(1)


def confirm_fields(html: str) -> dict[str, str | list[str]]:
    """The confirm form's hidden fields, as the browser would send them."""
    found = re.search(
        r'<form method="post" action="/console/campaigns/issue".*?</form>', html, re.S
    )
    assert found, "no confirm form"
    out: dict[str, str | list[str]] = {}
    for k, v in HIDDEN.findall(found.group(0)):
        if k == "csrf":
            continue
        if k in ("tiers", "rfm", "stores"):
            held = out.setdefault(k, [])
            assert isinstance(held, list)
            held.append(v)
        else:
            out[k] = v
    return out


def campaigns(chain: Chain) -> list[CampaignRow]:
    with chain.hq.sessions() as s:
        return cmp.listed(s)


def entries(chain: Chain) -> int:
    with chain.hq.sessions() as s:
        return int(s.execute(select(func.count()).select_from(EntryRow)).scalar_one())


def held(chain: Chain, code: str) -> list[str]:
    return [c.id for c in chain.hq.member(code).coupons if c.id.startswith("cmp:")]


def test_the_form_offers_the_programs_choices(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    page = main_of(mia.get("/console/campaigns/new").text)
    for value in ('name="tiers" value="red"', 'name="rfm" value="sleeping"'):
        assert value in page
    assert 'name="stores" value="S1"' in page and 'value="hq"' not in page
    assert '<option value="c30off5"' in page and "满30减5" in page
    assert re.search(r'name="id" value="c\d{6}-[0-9a-f]{4}"', page)


def test_a_preview_counts_and_writes_nothing_but_its_log_line(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    before = entries(chain)
    status, html, _ = post(mia, "preview", form(per_member="2", budget_yuan="50"))
    assert status == 200
    html = main_of(html)
    assert (figure(html, "pv-members"), figure(html, "pv-coupons")) == ("2", "4")
    assert figure(html, "pv-face") == "¥20.00" and 'id="pv-budget"' in html
    assert confirm_fields(html)["expected"] == "2"
    one = main_of(post(mia, "preview", form(stores=["S1"]))[1])
    assert figure(one, "pv-members") == "1"
    assert campaigns(chain) == [] and entries(chain) == before
    assert held(chain, "M1") == [] and held(chain, "M2") == []
    logged = chain.actions("campaign_preview")
    assert [a.user_name for a in logged] == ["mia", "mia"]
    after = json.loads(logged[0].after or "{}")
    assert (after["members"], after["coupons"], after["face_fen"]) == (2, 4, 2000)
    assert logged[0].object_kind == "campaign" and logged[0].object_id == "xmas-s1s2"


def test_over_the_budget_no_confirm_is_offered(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    html = main_of(post(mia, "preview", form(budget_coupons="1"))[1])
    assert "2 张券超出预算 1 张" in figure(html, "pv-over") and 'id="confirm"' not in html
    html = main_of(post(mia, "preview", form(budget_yuan="9.99"))[1])
    assert "总面值 ¥10.00 超出预算 ¥9.99" in html and 'id="confirm"' not in html
    # sent anyway: the service refuses it, nothing issued
    status, html, _ = post(mia, "issue", form(budget_coupons="1", expected="2"))
    assert status == 200 and "超出预算" in html and "未发放任何券" in html
    assert campaigns(chain) == [] and held(chain, "M1") == []


def test_the_services_refusals_are_shown_in_words(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    html = main_of(post(mia, "preview", form(template="nope"))[1])
    assert "方案中没有券模板 nope" in html and 'id="preview"' not in html
    html = main_of(post(mia, "preview", form(per_member="two"))[1])
    assert 'id="cmp-error"' in html and "请填写整数" in html
    html = main_of(post(mia, "preview", form(id="Bad Id"))[1])
    assert "活动设置无效" in html and 'name="name" value="圣诞回馈"' in html  # kept
    mia.get("/console/lang/en?next=/console/")
    html = main_of(post(mia, "preview", form(template="nope"))[1])
    assert "The program has no coupon template nope" in html
    assert campaigns(chain) == []


def test_a_stale_count_is_refused_and_previewed_afresh(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    status, html, where = post(mia, "issue", form(expected="1"))
    assert status == 200 and where == ""
    html = main_of(html)
    assert "现在是 2 位, 不是确认的 1 位" in figure(html, "cmp-error").replace("\n", "")
    assert campaigns(chain) == [] and held(chain, "M1") == []
    (refused,) = chain.actions("campaign_refused")
    assert json.loads(refused.after or "{}") == {"error": "segment_changed", "expected": 1}
    fresh = confirm_fields(html)  # the new count to confirm
    assert fresh["expected"] == "2" and fresh["stores"] == ["S1", "S2"]
    status, _, where = post(mia, "issue", fresh)
    assert status == 303 and where == "/console/campaigns/xmas-s1s2?msg=issued"
    assert held(chain, "M1") == ["cmp:xmas-s1s2:M1:0"]


def test_issuing_twice_issues_once(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    fields = confirm_fields(main_of(post(mia, "preview", form())[1]))
    before = entries(chain)
    status, _, where = post(mia, "issue", fields)
    assert status == 303 and where.endswith("?msg=issued")
    page = main_of(mia.get(where).text)
    assert "已发放" in page and figure(page, "members-n") == "2"
    assert (figure(page, "coupons-n"), figure(page, "used-n")) == ("2", "0")
    issued = entries(chain)
    assert issued == before + 2  # one coupon entry each
    status, _, where = post(mia, "issue", fields)  # the confirm sent again
    assert status == 303 and where.endswith("?msg=again")
    assert "没有重复发券" in mia.get(where).text
    assert entries(chain) == issued and len(campaigns(chain)) == 1
    assert held(chain, "M1") == ["cmp:xmas-s1s2:M1:0"]
    assert held(chain, "M2") == ["cmp:xmas-s1s2:M2:0"]
    first, second = chain.actions("campaign_issue")
    assert first.before is None and json.loads(second.before or "{}")["coupons"] == 2
    assert json.loads(first.after or "{}")["members"] == 2
    listing = main_of(mia.get("/console/campaigns").text)
    assert "圣诞回馈" in listing and "门店: S1, S2" in listing and "满30减5" in listing
    # the same id for another segment is refused
    status, html, _ = post(mia, "issue", {**fields, "stores": ["S1"], "expected": "1"})
    assert status == 200 and "此编号已用于另一范围或券的活动" in html


def test_roles_and_csrf(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    fields = confirm_fields(main_of(post(mia, "preview", form())[1]))
    for name in ("sam", "al", "fay"):
        c = signed_in(chain, name)
        assert c.get("/console/campaigns").status_code == 200
        assert c.get("/console/campaigns/new").status_code == 403
        assert post(c, "preview", form())[0] == 403
        assert post(c, "issue", fields)[0] == 403
        assert 'id="new-campaign"' not in c.get("/console/campaigns").text
    r = mia.post("/console/campaigns/issue", data={**fields, "csrf": "forged"})
    assert r.status_code == 403
    r = mia.post("/console/campaigns/issue", data=fields)
    assert r.status_code == 403
    assert campaigns(chain) == [] and chain.actions("campaign_issue") == []
    boss = signed_in(chain, "boss")
    assert post(boss, "issue", fields)[0] == 303
    nav = mia.get("/console/campaigns").text
    assert 'href="/console/campaigns"' in nav and 'id="new-campaign"' in nav
    assert chain.client().get("/console/campaigns").status_code == 303  # to sign in
    assert mia.get("/console/campaigns/nope").status_code == 404


def test_redemptions_by_store_and_a_store_managers_cut(chain: Chain) -> None:
    mia = signed_in(chain, "mia")
    fields = confirm_fields(main_of(post(mia, "preview", form())[1]))
    assert post(mia, "issue", fields)[0] == 303
    for store, member in (("S1", "M1"), ("S2", "M2")):
        till = chain.hq.till(f"{store}-T02", store)
        till.clock = FixedClock(TILL_NOW)
        till.sync()
        sold = till.sell(member, RICE, cash(100))
        assert f"cmp:xmas-s1s2:{member}:0" in {cid for cid, _ in sold.record.coupons}
        till.sync()
    boss = main_of(signed_in(chain, "boss").get("/console/campaigns/xmas-s1s2").text)
    assert 'data-store="S1"' in boss and 'data-store="S2"' in boss
    assert figure(boss, "used-n") == "2" and figure(boss, "off-n") == "¥10.00"
    total = re.search(r'id="total-row">(.*?)</tr>', boss, re.S)
    assert total and "¥10.00" in total.group(1) and "¥120.00" in total.group(1)  # 2 x 65 - 5
    sam = signed_in(chain, "sam")  # manages S1
    page = main_of(sam.get("/console/campaigns/xmas-s1s2").text)
    assert 'data-store="S1"' in page and 'data-store="S2"' not in page
    assert (figure(page, "members-n"), figure(page, "used-n")) == ("1", "1")
    assert figure(page, "off-n") == "¥5.00"
    assert ">M1<" in page and ">M2<" not in page
    row = re.search(r'<tr data-id="xmas-s1s2">(.*?)</tr>', sam.get("/console/campaigns").text, re.S)
    assert row and re.findall(r'class="num(?: used)?">([^<]*)<', row.group(1)) == [
        "1",
        "1",
        "1",
        "¥5.00",
    ]
