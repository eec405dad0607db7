"""A till tells HQ when its own store fails its check, and HQ flags a till whose chain
diverges from the copy it holds: the store goes to review, no balance moves."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from sync import protocol as p
from sync.client import SyncError
from sync.hq import derive
from sync.hq.alarms import KEPT
from sync.hq.models import TillAlarmRow
from terminal.errors import StoreTampered
from terminal.store.ledger import allow_writes
from tests.hq.helpers import SOY, Hq, cash, chain, push, rehash


def flags(hq: Hq) -> dict[str, str]:
    with hq.sessions() as s:
        return {store: why for store, _, why, _ in derive.flagged(s)}


def alarms(hq: Hq) -> list[TillAlarmRow]:
    with hq.sessions() as s:
        return list(s.execute(select(TillAlarmRow).order_by(TillAlarmRow.id)).scalars())


def test_a_tampered_till_tells_hq_instead_of_pushing(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("T01")
    t.sync()  # provisioned: program, catalog and members from HQ
    t.sell("M1", SOY, cash(20))
    assert t.sync().acknowledged
    member, held = hq.member("M1"), hq.entries("T01")
    t.sell("M1", SOY, cash(20))  # not at HQ yet: then the attacker edits its sale row
    db = sqlite3.connect(t.path)
    cut = db.execute(
        "UPDATE ledger SET payload = replace(payload, '\"amount\":1200', '\"amount\":120')"
        " WHERE seq = (SELECT max(seq) FROM ledger WHERE kind = 'sale')"
    )
    assert cut.rowcount == 1
    db.commit()
    db.close()
    try:
        with pytest.raises(SyncError, match="HQ was told"):
            t.sync()
        assert hq.entries("T01") == held and hq.member("M1") == member  # nothing pushed
        (alarm,) = alarms(hq)
        assert (alarm.terminal_id, alarm.store_id, alarm.code) == ("T01", "S1", "store_tampered")
        assert "ledger #" in alarm.problems
        assert flags(hq)["S1"].startswith("T01: store_tampered: ledger #")
        with pytest.raises(StoreTampered):  # and the till takes no money
            t.sell(None, SOY, cash(20))
        with pytest.raises(SyncError, match="HQ was told"):  # the next round: not again
            t.sync()
        assert len(alarms(hq)) == 1 and hq.entries("T01") == held
    finally:
        allow_writes(t.path)


def test_the_alarm_checks_the_token_before_its_bounded_body(hq: Hq) -> None:
    token = hq.enroll("S1", "T01")
    other = hq.enroll("S2", "T02")
    url = "/v1/terminals/T01/alarm"
    big = b'{"problems":["' + b"x" * p.MAX_ALARM_BODY + b'"]}'
    headers = {"Content-Type": "application/json"}
    assert hq.http().post(url, content=big, headers=headers).status_code == 401
    assert hq.http(other).post(url, content=big, headers=headers).status_code == 403
    r = hq.http(token).post(url, content=big, headers=headers)
    assert (r.status_code, r.json()["error"]) == (413, "body_too_large")
    none: list[str] = []
    for bad in ({"problems": none}, {"problems": ["a\x00b"]}, {"problems": ["x" * 501]}):
        r = hq.http(token).post(url, json=bad)
        assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), bad
    assert alarms(hq) == [] and flags(hq) == {}
    ok = hq.http(token).post(url, json={"code": "store_damaged", "problems": ["torn"]})
    assert ok.status_code == 200 and ok.json()["store_id"] == "S1"
    assert flags(hq) == {"S1": "T01: store_damaged: torn"}
    for _ in range(KEPT):  # a till's alarms are bounded; the flag stays
        r = hq.http(token).post(url, json={"problems": ["again"]})
    assert r.status_code == 200 and r.json()["recorded"] is False
    assert len(alarms(hq)) == KEPT and flags(hq) == {"S1": "T01: store_damaged: torn"}


def test_a_push_that_contradicts_hqs_copy_flags_the_store_once(hq: Hq) -> None:
    hq.import_setup()
    token = hq.enroll("S1", "T01")
    http = hq.http(token)
    sent = chain("T01", 3)
    assert push(http, "T01", sent).status_code == 200
    member, held = hq.member("M1"), hq.entries("T01")
    forged = rehash(sent[1], payload='{"delta":999,"reason":"float"}')
    r = push(http, "T01", [forged])
    assert r.json()["results"][0]["code"] == "conflict"
    why = flags(hq)["S1"]
    assert why.startswith("T01: chain diverges at seq 2 (conflict)")
    r = push(http, "T01", [rehash(sent[2], payload='{"delta":1,"reason":"float"}')])
    assert r.json()["results"][0]["code"] == "conflict"
    assert flags(hq)["S1"] == why  # once: the first reason stays
    assert hq.member("M1") == member and hq.entries("T01") == held
    assert r.json()["checkpoint"]["seq"] == 3


def test_a_push_off_hqs_chain_flags_the_store(hq: Hq) -> None:
    token = hq.enroll("S2", "T02")
    http = hq.http(token)
    assert push(http, "T02", chain("T02", 2)).status_code == 200
    elsewhere = chain("T02", 1, start=3, head="f" * 64)  # links to a head HQ never had
    r = push(http, "T02", elsewhere)
    assert r.json()["results"][0]["code"] == "broken_chain"
    assert flags(hq)["S2"].startswith("T02: chain diverges at seq 3 (broken_chain)")
    assert hq.entries("T02") == 2


def test_an_honest_push_and_its_retry_flag_nothing(hq: Hq) -> None:
    token = hq.enroll("S1", "T01")
    http = hq.http(token)
    sent = chain("T01", 3)
    assert push(http, "T01", sent).status_code == 200
    assert push(http, "T01", sent).status_code == 200  # duplicates: a lost answer
    assert flags(hq) == {}
