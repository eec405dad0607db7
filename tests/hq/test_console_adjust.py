"""The console's adjustments pages (issue 15 item 3) through their forms: propose with
a reason, a second user approves, reversal, the CSV batch, roles, store scope, CSRF
and the action log, over a real PostgreSQL database (TestClient)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from sync.hq.models import AdjustmentRow
from tests.hq import test_console_auth as auth
from tests.hq.test_console_auth import Chain, session_csrf, signed_in

chain = auth.chain  # the fixture: M1 at S1, M2 at S2, a user of each role

COINS = re.compile(r'id="coins">(\d+)<')


def coins(c: TestClient, code: str) -> int:
    found = COINS.search(c.get(f"/console/members/{code}").text)
    assert found
    return int(found.group(1))


def propose(c: TestClient, code: str, **form: str) -> tuple[int, str]:
    r = c.post(f"/console/members/{code}/adjust", data={"csrf": session_csrf(c), **form})
    return r.status_code, r.headers.get("location", "")


def rows(chain: Chain) -> list[AdjustmentRow]:
    with chain.hq.sessions() as s:
        return list(s.execute(select(AdjustmentRow).order_by(AdjustmentRow.proposed_at)).scalars())


def test_a_small_adjustment_applies_at_once_and_is_logged(chain: Chain) -> None:
    fay = signed_in(chain, "fay")
    page = fay.get("/console/members/M1")
    assert 'id="adjust-link"' in page.text
    before = coins(fay, "M1")
    status, where = propose(fay, "M1", kind="coins", amount="30", reason="补录漏积")
    assert status == 303 and where.endswith("?msg=applied")
    assert "已生效" in fay.get(where).text
    assert coins(fay, "M1") == before + 30
    (act,) = chain.actions("adjust_propose")
    assert act.user_name == "fay" and act.object_kind == "adjustment"
    assert json.loads(act.after or "{}")["state"] == "applied" and act.reason == "补录漏积"


def test_a_reason_is_required(chain: Chain) -> None:
    fay = signed_in(chain, "fay")
    status, where = propose(fay, "M1", kind="coins", amount="30", reason=" ")
    assert status == 303 and "err=" in where
    assert rows(chain) == [] and chain.actions("adjust_propose") == []


def test_above_the_limit_a_second_user_approves_not_the_proposer(chain: Chain) -> None:
    fay, boss = signed_in(chain, "fay"), signed_in(chain, "boss")
    before = coins(fay, "M1")
    _, where = propose(fay, "M1", kind="coins", amount="900", reason="门店活动补发")
    assert where.endswith("?msg=pending")
    assert coins(fay, "M1") == before
    (row,) = rows(chain)
    assert f"/adjustments/{row.id}/approve" in fay.get("/console/adjustments").text
    r = fay.post(f"/console/adjustments/{row.id}/approve", data={"csrf": session_csrf(fay)})
    assert r.status_code == 303
    assert "提交人不能批准自己的调整" in fay.get(r.headers["location"]).text
    assert rows(chain)[0].state == "pending"
    r = boss.post(f"/console/adjustments/{row.id}/approve", data={"csrf": session_csrf(boss)})
    assert r.status_code == 303 and "err=" not in r.headers["location"]
    assert rows(chain)[0].state == "applied" and coins(boss, "M1") == before + 900
    (act,) = chain.actions("adjust_approve")
    assert act.user_name == "boss"
    assert json.loads(act.before or "{}") == {"state": "pending"}
    assert json.loads(act.after or "{}")["state"] == "applied"


def test_a_refused_one_never_applies(chain: Chain) -> None:
    fay, boss = signed_in(chain, "fay"), signed_in(chain, "boss")
    before = coins(fay, "M1")
    propose(fay, "M1", kind="coins", amount="900", reason="x")
    (row,) = rows(chain)
    boss.post(f"/console/adjustments/{row.id}/refuse", data={"csrf": session_csrf(boss)})
    assert rows(chain)[0].state == "refused" and coins(fay, "M1") == before
    assert len(chain.actions("adjust_refuse")) == 1


def test_reverse_needs_a_reason_and_restores(chain: Chain) -> None:
    fay = signed_in(chain, "fay")
    before = coins(fay, "M1")
    propose(fay, "M1", kind="coins", amount="40", reason="补录")
    (row,) = rows(chain)
    url = f"/console/adjustments/{row.id}/reverse"
    r = fay.post(url, data={"csrf": session_csrf(fay), "reason": ""})
    assert "err=" in r.headers["location"] and coins(fay, "M1") == before + 40
    r = fay.post(url, data={"csrf": session_csrf(fay), "reason": "重复补录"})
    assert "err=" not in r.headers["location"]
    assert coins(fay, "M1") == before
    assert {x.state for x in rows(chain)} == {"reversed", "applied"}
    (act,) = chain.actions("adjust_reverse")
    assert json.loads(act.before or "{}")["id"] == row.id


def test_roles_csrf_and_store_scope(chain: Chain) -> None:
    fay, al, mia, sam = (signed_in(chain, n) for n in ("fay", "al", "mia", "sam"))
    assert (
        fay.post(
            "/console/members/M1/adjust", data={"kind": "coins", "amount": "1", "reason": "x"}
        ).status_code
        == 403
    )
    assert al.get("/console/adjustments").status_code == 200
    assert propose(al, "M1", kind="coins", amount="1", reason="x")[0] == 403
    assert mia.get("/console/adjustments").status_code == 403
    assert propose(mia, "M1", kind="coins", amount="1", reason="x")[0] == 403
    # the store manager: their store's member yes, another store's is not found
    assert sam.get("/console/members/M2/adjust").status_code == 404
    assert propose(sam, "M2", kind="coins", amount="1", reason="x")[0] == 404
    assert propose(sam, "M1", kind="coins", amount="900", reason="x")[1].endswith("msg=pending")
    (row,) = rows(chain)
    r = sam.post(f"/console/adjustments/{row.id}/approve", data={"csrf": session_csrf(sam)})
    assert r.status_code == 403 and rows(chain)[0].state == "pending"
    propose(fay, "M2", kind="coins", amount="900", reason="y")
    listed = sam.get("/console/adjustments").text
    assert "M1" in listed and ">M2<" not in listed


def test_csv_batch_previews_then_commits_once(chain: Chain) -> None:
    fay = signed_in(chain, "fay")
    m1, m2 = coins(fay, "M1"), coins(fay, "M2")
    text = "member,kind,amount,reason\nM1,coins,20,活动\nM2,coins,30,活动\nM9,coins,5,无此人\n"
    r = fay.post("/console/adjustments/batch", data={"csrf": session_csrf(fay), "text": text})
    assert r.status_code == 200
    assert 'id="members-found">2<' in r.text and '<td class="num">4</td>' in r.text
    assert 'id="commit-form"' not in r.text and rows(chain) == []
    good = "member,kind,amount,reason\nM1,coins,20,活动\nM2,coins,30,活动\n"
    files = {"file": ("batch.csv", good.encode(), "text/csv")}
    r = fay.post("/console/adjustments/batch", data={"csrf": session_csrf(fay)}, files=files)
    assert 'id="commit-form"' in r.text and ">50<" in r.text
    for _ in range(2):
        r = fay.post(
            "/console/adjustments/batch",
            data={"csrf": session_csrf(fay), "text": good, "commit": "1"},
        )
        assert r.status_code == 200
    assert len(rows(chain)) == 2
    assert coins(fay, "M1") == m1 + 20 and coins(fay, "M2") == m2 + 30
    assert "此文件已提交过" in r.text and len(chain.actions("adjust_propose")) == 2


def test_a_store_manager_cannot_reach_another_stores_member_after_an_hq_adjustment(
    chain: Chain,
) -> None:
    # an HQ adjustment links M2 to @hq; it stays outside S1's manager's console scope
    fay, sam = signed_in(chain, "fay"), signed_in(chain, "sam")
    propose(fay, "M2", kind="coins", amount="10", reason="补录")
    (row,) = rows(chain)
    assert sam.get("/console/members/M2/adjust").status_code == 404
    r = sam.post(
        f"/console/adjustments/{row.id}/reverse", data={"csrf": session_csrf(sam), "reason": "x"}
    )
    assert r.status_code == 404 and rows(chain)[0].state == "applied"
    text = "M2,coins,5,x\n"
    for commit in ("", "1"):
        r = sam.post(
            "/console/adjustments/batch",
            data={"csrf": session_csrf(sam), "text": text, "commit": commit},
        )
        assert 'id="refusals"' in r.text and "no member M2" in r.text
    assert len(rows(chain)) == 1
