"""Issue 18: least data to each till. A till pulls the members of its store (those its
store's tills wrote entries for, and those an import opened), not every member of the
chain; a member of another store identified at the counter comes by an on-demand
lookup (by code or phone), which HQ logs and which links the member to the store."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select

from sync.client import look_up
from sync.hq.models import MemberLookupRow
from terminal import phone_keys
from terminal.errors import NotFound
from terminal.store import members as repo
from tests.hq.helpers import SOY, Hq, as_sent, cash


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
    assert b.state("M7") == as_sent(hq.member("M7"))
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
    assert b.sync().members == 1 and b.state("M7") == as_sent(hq.member("M7"))
    look_up(b.sessions, b.api, code="M7", now=b.clock.now)
    with hq.sessions() as s:
        assert len(list(s.execute(select(MemberLookupRow)).scalars())) == 1
    # S2 sells to the member it looked up: HQ derives the sale from what it sent S2
    b.sell("M7", SOY, cash(20))
    assert b.sync().acknowledged and b.state("M7") == as_sent(hq.member("M7"))
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


def test_pulls_send_phones_masked_and_the_till_finds_members_by_their_key(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    r = hq.http(t.token).post("/v1/terminals/S1-T01/pull", json={"cursor": 0})
    body = r.json()
    assert r.status_code == 200 and "13800005678" not in r.text and "13900001111" not in r.text
    secret = body["phone_secret"]
    assert len(secret) == 64
    sent = {d["code"]: d for d in body["members"]}
    assert sent["M1"]["state"]["phone"] == "*******5678"
    assert sent["M1"]["phone_key"] == phone_keys.key(secret, "13800005678")
    assert sent["M1"]["phone_key"] != phone_keys.key("other chain", "13800005678")
    assert t.sync().acknowledged
    assert t.state("M1").phone == "*******5678"
    assert t.counter.resolve_member("13800005678") == "M1"  # the typed phone's key
    assert t.counter.candidates_by_phone("13900001111") == [("M2", "*******1111", "")]
    # a member registered here keeps its phone until HQ's state comes back masked
    t.counter.register("M7", "13700000007")
    assert t.state("M7").phone == "13700000007"
    assert t.counter.resolve_member("13700000007") == "M7"
    t.sell("M7", SOY, cash(20))  # a member entry after registering: the phone stays findable
    assert t.sync().acknowledged and t.state("M7") == as_sent(hq.member("M7"))
    assert t.counter.resolve_member("13700000007") == "M7"
    t.sell("M1", SOY, cash(20))  # a pulled member's entries keep its key as the phone column
    assert t.counter.resolve_member("13800005678") == "M1"
    with t.sessions() as s:
        assert repo.codes_by_phone(s, "13800005678") == ["M1"]
        assert repo.codes_by_phone(s, "13800009999") == []
    assert t.verify().ok, t.verify().problems
    t.sessions.kw["bind"].dispose()
    stored = b"".join(p.read_bytes() for p in t.path.parent.glob(f"{t.path.name}*"))
    # pulled members' phones are nowhere in the store file; the till's own registration
    # is in its ledger (the record it pushes), as before
    assert b"13800005678" not in stored and b"13900001111" not in stored


def test_the_counter_asks_hq_for_a_member_it_does_not_hold_only_while_online(hq: Hq) -> None:
    hq.import_setup()
    a, b = hq.till("S1-T01"), hq.till("S2-T01", store="S2")
    a.sync()
    b.sync()
    for code, phone in (("M7", "13700000007"), ("M8", "13700000008")):
        a.counter.register(code, phone)  # S1's own members: S2's pulls do not bring them
        a.sell(code, SOY, cash(20))
    assert a.sync().acknowledged and b.sync().members == 0
    online = False
    counter = b.counter
    counter.offline = lambda: not online
    counter.look_up = partial(look_up, b.sessions, b.api, now=b.clock.now)
    for typed in ("13700000007", "M8"):  # offline: the local miss, refused as before
        with pytest.raises(NotFound) as e:
            counter.identify(typed)
        assert e.value.code == "unknown_member"
    assert lookups(hq) == []  # HQ was not asked
    online = True
    assert counter.identify("13700000007").code == "M7"  # by phone, through HQ
    assert counter.identify("M8").code == "M8"  # by code
    assert b.state("M7") == as_sent(hq.member("M7")) and b.state("M8").phone == "*******0008"
    assert lookups(hq) == [("S2-T01", "M7", "phone"), ("S2-T01", "M8", "code")]
    with pytest.raises(NotFound):  # a member HQ does not know either
        counter.identify("M99")
    counter.identify("M7")  # held now: asked no more
    assert len(lookups(hq)) == 2
    assert b.verify().ok, b.verify().problems


def lookups(hq: Hq) -> list[tuple[str, str, str]]:
    with hq.sessions() as s:
        rows = s.execute(select(MemberLookupRow).order_by(MemberLookupRow.id)).scalars()
        return [(r.terminal_id, r.member_code, r.by) for r in rows]
