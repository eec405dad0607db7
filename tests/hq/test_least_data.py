"""Issue 18: least data to each till. A till pulls the members of its store (those its
store's tills wrote entries for, and those an import opened), not every member of the
chain; a member of another store identified at the counter comes by an on-demand
lookup (by code or phone), which HQ logs and which links the member to the store."""

from __future__ import annotations

from sqlalchemy import select

from sync.client import look_up
from sync.hq.models import MemberLookupRow
from terminal.store import members as repo
from tests.hq.helpers import SOY, Hq, cash


def test_a_till_pulls_only_its_stores_members_and_looks_up_others(hq: Hq) -> None:
    hq.import_setup()  # M1, M2: opened by the import, every store's
    a, b = hq.till("S1-T01"), hq.till("S2-T01", store="S2")
    a.sync()
    b.sync()
    a.counter.register("M7", "13700000007")  # S1's own member
    a.sell("M7", SOY, cash(20))
    assert a.sync().acknowledged
    got = b.sync()
    assert got.members == 0  # M7 is S1's: S2's till is not sent it
    with b.sessions() as s:
        assert repo.load(s, "M7") is None
    # M7 at S2's counter: the till asks HQ, by phone or by code
    assert look_up(b.sessions, b.api, phone="13700000007", now=b.clock.now) == ["M7"]
    assert b.state("M7") == hq.member("M7")
    assert look_up(b.sessions, b.api, code="NOPE", now=b.clock.now) == []
    with hq.sessions() as s:
        logged = [
            (r.terminal_id, r.store_id, r.member_code, r.by, r.home)
            for r in s.execute(select(MemberLookupRow)).scalars()
        ]
    assert logged == [("S2-T01", "S2", "M7", "phone", "S1")]
    # linked now: S2 sees M7's later changes with its pulls, and a lookup is not logged again
    a.sell("M7", SOY, cash(20))
    assert a.sync().acknowledged
    assert b.sync().members == 1 and b.state("M7") == hq.member("M7")
    look_up(b.sessions, b.api, code="M7", now=b.clock.now)
    with hq.sessions() as s:
        assert len(list(s.execute(select(MemberLookupRow)).scalars())) == 1
    # S2 sells to the member it looked up: HQ derives the sale from what it sent S2
    b.sell("M7", SOY, cash(20))
    assert b.sync().acknowledged and b.state("M7") == hq.member("M7")
    assert hq.member("M7").purchases == 3
    assert b.verify().ok and a.verify().ok and hq.verify() == []


def test_a_lookup_takes_a_code_or_a_phone(hq: Hq) -> None:
    hq.import_setup()
    token = hq.enroll("S1", "S1-T01")
    http = hq.http(token)
    path = "/v1/terminals/S1-T01/lookup"
    for body in ({}, {"code": "M1", "phone": "13800005678"}):
        r = http.post(path, json=body)
        assert (r.status_code, r.json()["error"]) == (422, "bad_lookup"), r.text
    for body in ({"phone": "1" * 30}, {"phone": "138000056"}, {"code": "M\x001"}):
        r = http.post(path, json=body)
        assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), r.text
    utf16 = '{"code": "M1"}'.encode("utf-16")
    r = http.post(path, content=utf16, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), r.text
    r = http.post(path, json={"code": "M1"})
    assert r.status_code == 200 and [m["code"] for m in r.json()["members"]] == ["M1"]
    assert hq.http(None).post(path, json={"code": "M1"}).status_code == 401
    assert http.post("/v1/terminals/S9-T01/lookup", json={"code": "M1"}).status_code == 403
