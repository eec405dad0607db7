"""Push: HQ applies each entry once by (terminal, seq) and id, answers per entry, checks
the chain, and advances the checkpoint only over what it durably applied. A lost
answer, a retry or a duplicate batch changes nothing."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sync import protocol as p
from tests.hq.helpers import Hq, as_sent, cash, chain, push, rehash


def statuses(r: httpx.Response) -> list[tuple[int, str, str]]:
    assert r.status_code == 200, r.text
    return [(x["seq"], x["status"], x["code"]) for x in r.json()["results"]]


def checkpoint(r: httpx.Response) -> int:
    return int(r.json()["checkpoint"]["seq"])


def test_the_same_batch_twice_applies_once(hq: Hq) -> None:
    http = hq.http(hq.enroll("S1", "T1"))
    batch = chain("T1", 5)
    first = push(http, "T1", batch)
    assert statuses(first) == [(i, "applied", "") for i in range(1, 6)]
    again = push(http, "T1", batch)
    assert statuses(again) == [(i, "duplicate", "") for i in range(1, 6)]
    assert again.json()["checkpoint"] == first.json()["checkpoint"]
    assert first.json()["checkpoint"]["hash"] == batch[-1].hash
    assert hq.entries("T1") == 5
    assert hq.verify() == []


def test_checkpoint_advances_batch_by_batch_and_resends_are_duplicates(hq: Hq) -> None:
    http = hq.http(hq.enroll("S1", "T1"))
    entries = chain("T1", 8)
    assert checkpoint(push(http, "T1", entries[:3])) == 3
    assert checkpoint(push(http, "T1", entries[3:6])) == 6
    # a till that never got the last answer resends from its old checkpoint, plus new rows
    r = push(http, "T1", entries[3:])
    dup, new = [(i, "duplicate", "") for i in (4, 5, 6)], [(i, "applied", "") for i in (7, 8)]
    assert statuses(r) == [*dup, *new]
    assert checkpoint(r) == 8
    assert http.get("/v1/terminals/T1/checkpoint").json()["hash"] == entries[-1].hash
    # the till reads its own rows back exactly as it sent them (restore after a lost disk)
    page = p.EntriesPage.model_validate(http.get("/v1/terminals/T1/entries?after=2").json())
    assert page.entries == entries[2:] and not page.more


def test_a_gap_stops_the_batch_and_the_checkpoint_says_where_to_resume(hq: Hq) -> None:
    http = hq.http(hq.enroll("S1", "T1"))
    entries = chain("T1", 6)
    r = push(http, "T1", entries[2:])
    assert statuses(r)[0] == (3, "deferred", "gap")
    assert {s for _, s, _ in statuses(r)} == {"deferred"}
    assert checkpoint(r) == 0 and hq.entries() == 0
    r = push(http, "T1", entries[:2] + entries[3:])  # seq 3 missing in the middle
    assert statuses(r) == [
        (1, "applied", ""),
        (2, "applied", ""),
        (4, "deferred", "gap"),
        (5, "deferred", ""),
        (6, "deferred", ""),
    ]
    assert checkpoint(r) == 2
    assert checkpoint(push(http, "T1", entries[2:])) == 6
    assert hq.verify() == []


def test_a_reused_id_or_seq_with_different_content_is_rejected(hq: Hq) -> None:
    http = hq.http(hq.enroll("S1", "T1"))
    entries = chain("T1", 3)
    push(http, "T1", entries)
    # seq 2 again, same id, another payload (well-formed, rehashed): 409 semantics
    changed = rehash(entries[1], payload='{"delta":999,"reason":"float"}')
    r = push(http, "T1", [changed])
    assert statuses(r) == [(2, "rejected", "conflict")]
    assert "different payload" in r.json()["results"][0]["reason"]
    # seq 2 again under another id
    r = push(http, "T1", [rehash(entries[1], id="other")])
    assert statuses(r) == [(2, "rejected", "conflict")]
    # a new seq reusing an id HQ already holds, and everything after it waits
    follow = chain("T1", 2, start=4, head=entries[-1].hash, tag="n")
    reuse = rehash(follow[0], id=entries[0].id)
    r = push(http, "T1", [reuse, follow[1]])
    assert statuses(r) == [(4, "rejected", "conflict"), (5, "deferred", "")]
    assert checkpoint(r) == 3
    # another till's id is taken too (ids are chain-wide)
    other = hq.http(hq.enroll("S1", "T2"))
    r = push(other, "T2", [rehash(chain("T2", 1)[0], id=entries[0].id)])
    assert statuses(r) == [(1, "rejected", "conflict")]
    assert hq.entries("T1") == 3 and hq.entries("T2") == 0


def test_a_broken_chain_or_hash_is_rejected_and_nothing_after_it_applies(hq: Hq) -> None:
    http = hq.http(hq.enroll("S1", "T1"))
    entries = chain("T1", 4)
    tampered = entries[2].model_copy(update={"payload": '{"delta":-1,"reason":"float"}'})
    r = push(http, "T1", [entries[0], entries[1], tampered, entries[3]])
    assert statuses(r) == [
        (1, "applied", ""),
        (2, "applied", ""),
        (3, "rejected", "bad_hash"),
        (4, "deferred", ""),
    ]
    assert checkpoint(r) == 2
    relinked = rehash(entries[2], prev_hash="f" * 64)
    assert statuses(push(http, "T1", [relinked]))[0] == (3, "rejected", "broken_chain")
    for payload in ('{"type":"Nope"}', "[]", '"text"', "7", '{"type":"PointsChanged"}'):
        bad = rehash(entries[2], kind="member", member_code="M1", payload=payload)
        assert statuses(push(http, "T1", [bad]))[0] == (3, "rejected", "bad_payload"), payload
    assert checkpoint(push(http, "T1", entries[2:])) == 4


class LosesPushAnswers(TestClient):
    """HQ applies the push, then the connection is cut before the till reads the answer."""

    lose = 1

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> httpx.Response:
        r = super().request(method, url, *args, **kwargs)
        if str(url).endswith("/push") and self.lose > 0:
            self.lose -= 1
            raise httpx.ReadError("connection reset by peer", request=r.request)
        return r


def test_a_lost_answer_is_retried_and_changes_nothing(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("T1", cls=LosesPushAnswers)
    first = t.sync()  # provisions: pulled states are not the till's rows, nothing to push
    assert first.acknowledged and first.pushed == 0 and hq.entries("T1") == 0
    t.sell("M1", "6900000000014", cash(20))
    n = hq.entries("T1")
    t.api.http.lose = 2  # type: ignore[attr-defined]
    rep = t.sync()
    assert rep.acknowledged and rep.pushed == 0 and rep.duplicates >= 1
    assert hq.entries("T1") > n
    assert as_sent(hq.member("M1")) == t.state("M1")
    assert hq.verify() == [] and t.verify().ok


@pytest.mark.parametrize("copies", [4])
def test_the_same_batch_from_racing_connections_applies_once(hq: Hq, copies: int) -> None:
    token = hq.enroll("S1", "T1")
    entries = chain("T1", 50)
    answers: list[list[tuple[int, str, str]]] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            answers.append(statuses(push(hq.http(token), "T1", entries)))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    applied = [seq for a in answers for seq, status, _ in a if status == "applied"]
    assert sorted(applied) == list(range(1, 51))  # each entry applied by exactly one push
    assert all(s in ("applied", "duplicate") for a in answers for _, s, _ in a)
    assert hq.entries("T1") == 50 and hq.verify() == []
