"""Issue 18: HQ checks before it works and answers every malformed request with a 4xx
and a stable code, changing nothing. Bodies are bounded (413) and a push's token is
checked before its body is read; entries are dated by HQ's clock (the skew window), and
HQ's expiries never run past HQ's own day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sync import protocol as p
from sync.client import HqClient
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import ChangeRow, CheckpointRow, EntryRow, MemberRow
from sync.till import outbox
from terminal import codec
from terminal.rules import member as m
from terminal.store.ledger import GENESIS, row_hash
from tests.hq.helpers import FAST, SOY, TRUSTING, Hq, as_sent, cash

HQ_NOW = datetime(2026, 10, 6, 2, 0, tzinfo=UTC)  # 10:00 at the stores (UTC+8)
TILL_NOW = "2026-10-06T10:00:00"  # the till's naive local time, the same instant


def entry(
    seq: int,
    head: str,
    *,
    at: str = TILL_NOW,
    kind: str = "cash",
    member: str | None = None,
    ref: str = "",
    payload: str = '{"delta": 1, "reason": "float"}',
    terminal: str = "S1-T01",
) -> dict[str, Any]:
    id_ = f"{terminal}-{seq}-{abs(hash((at, payload, ref))) % 10**8}"
    h = row_hash(head, seq, id_, terminal, at, kind, member, ref, payload)
    return {
        "seq": seq,
        "id": id_,
        "terminal_id": terminal,
        "at": at,
        "kind": kind,
        "member_code": member,
        "ref": ref,
        "payload": payload,
        "prev_hash": head,
        "hash": h,
    }


def registered(code: str, phone: str, on: str = "2026-10-06") -> str:
    e = m.Registered(code=code, phone=phone, on=date.fromisoformat(on))
    return json.dumps(codec.encode_entry(e), ensure_ascii=False)


class Api:
    def __init__(self, hq: Hq, **limits: Any) -> None:
        self.hq = hq
        hq.import_setup()
        self.token = hq.enroll("S1", "S1-T01")
        app = create_app(hq.engine, now=lambda: HQ_NOW, **limits)
        self.http = TestClient(app, headers={"Authorization": f"Bearer {self.token}"})
        self.anon = TestClient(app)
        first = entry(1, GENESIS)
        assert self.push_json([first]).json()["results"][0]["status"] == "applied"
        self.head = first["hash"]

    def push_json(self, entries: list[dict[str, Any]]) -> Any:
        body = {"terminal_id": "S1-T01", "entries": entries}
        return self.http.post("/v1/terminals/S1-T01/push", json=body)

    def state(self) -> dict[str, Any]:
        with self.hq.sessions() as s:
            return {
                "counts": svc.counts(s),
                "changes": s.execute(select(func.count()).select_from(ChangeRow)).scalar(),
                "checkpoints": sorted(
                    (r.terminal_id, r.seq, r.hash)
                    for r in s.execute(select(CheckpointRow)).scalars()
                ),
                "members": sorted(
                    (r.code, r.state_json) for r in s.execute(select(MemberRow)).scalars()
                ),
            }


@pytest.fixture
def api(hq: Hq) -> Api:
    return Api(hq)


PUSH = "/v1/terminals/S1-T01/push"
PULL = "/v1/terminals/S1-T01/pull"
JSON = {"Content-Type": "application/json"}

# raw request bodies the protocol refuses: (name, method, path, body or query, status, code)
RAW: list[tuple[str, str, str, bytes | str, int, str]] = [
    ("cursor NaN", "POST", PULL, b'{"cursor": NaN}', 422, "invalid_request"),
    ("cursor Infinity", "POST", PULL, b'{"cursor": Infinity}', 422, "invalid_request"),
    ("cursor -Infinity", "POST", PULL, b'{"cursor": -Infinity}', 422, "invalid_request"),
    ("cursor 1e400", "POST", PULL, b'{"cursor": 1e400}', 422, "invalid_request"),
    ("cursor 2^63", "POST", PULL, b'{"cursor": 9223372036854775808}', 422, "invalid_request"),
    ("cursor 10^29", "POST", PULL, b'{"cursor": 1' + b"0" * 29 + b"}", 422, "invalid_request"),
    ("cursor -1", "POST", PULL, b'{"cursor": -1}', 422, "invalid_request"),
    ("limit 2^63", "POST", PULL, b'{"limit": 9223372036854775808}', 422, "invalid_request"),
    ("pull not UTF-8", "POST", PULL, b'{"cursor": 0, "x": "\xff\xfe"}', 422, "invalid_request"),
    ("pull UTF-16", "POST", PULL, '{"cursor": 0}'.encode("utf-16"), 422, "invalid_request"),
    (
        "push not UTF-8",
        "POST",
        PUSH,
        b'{"terminal_id": "S1-T01\xff", "entries": []}',
        422,
        "invalid_request",
    ),
    (
        "push UTF-16",
        "POST",
        PUSH,
        '{"terminal_id": "S1-T01", "entries": []}'.encode("utf-16"),
        422,
        "invalid_request",
    ),
    ("push not JSON", "POST", PUSH, b"{", 422, "invalid_request"),
    (
        "push NUL in terminal",
        "POST",
        PUSH,
        b'{"terminal_id": "S1-T01\\u0000", "entries": []}',
        422,
        "invalid_request",
    ),
    (
        "push lone surrogate",
        "POST",
        PUSH,
        b'{"terminal_id": "S1\\ud800", "entries": []}',
        422,
        "invalid_request",
    ),
    (
        "entries after 2^63",
        "GET",
        "/v1/terminals/S1-T01/entries",
        "after=9223372036854775808",
        422,
        "invalid_request",
    ),
    (
        "entries after NaN",
        "GET",
        "/v1/terminals/S1-T01/entries",
        "after=NaN",
        422,
        "invalid_request",
    ),
    ("no such route", "GET", "/v1/nothing", "", 404, "not_found"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in RAW],
)
def test_malformed_requests_get_a_4xx_with_a_code_and_change_nothing(
    api: Api, method: str, path: str, body: bytes | str, status: int, code: str
) -> None:
    before = api.state()
    if isinstance(body, str):  # a GET's query
        r = api.http.request(method, f"{path}?{body}" if body else path)
    else:
        r = api.http.request(method, path, content=body, headers=JSON)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert r.json()["message"]
    assert api.state() == before


def _at(value: str) -> dict[str, Any]:
    return {"at": value}


# entries that are well formed JSON but not storable text: the whole push is refused
NUL_ENTRIES = {
    "NUL in payload text": {"payload": '{"delta": 1, "reason": "fl\x00oat"}'},
    "NUL escaped in payload": {"payload": '{"delta": 1, "reason": "fl\\u0000oat"}'},
    "NUL in ref": {"ref": "r\x00"},
    "NUL in at": _at("2026-10-06T10:00:00\x00"),
    "NUL in member code": {"kind": "member", "member": "M\x001", "payload": "{}"},
    "seq 2^63": {"seq": 2**63},
}


@pytest.mark.parametrize("change", list(NUL_ENTRIES.values()), ids=list(NUL_ENTRIES))
def test_text_postgresql_cannot_hold_is_refused_before_the_database(
    api: Api, change: dict[str, Any]
) -> None:
    before = api.state()
    fields = {k: v for k, v in change.items() if k != "seq"}
    e = entry(change.get("seq", 2), api.head, **fields)
    r = api.push_json([e])
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), r.text
    assert api.state() == before


# member entries HQ reads and refuses (the entry ``rejected``, nothing applied)
BAD_MEMBER_ENTRIES: dict[str, dict[str, Any]] = {
    "dated 9999-12-31": {"at": "9999-12-31T23:59:59", "payload": registered("M9", "13700000009")},
    "dated 9000-01-01": {"at": "9000-01-01T00:00:00", "payload": registered("M9", "13700000009")},
    "dated a year ago": {"at": "2025-10-06T10:00:00", "payload": registered("M9", "13700000009")},
    "not a date": {"at": "yesterday", "payload": registered("M9", "13700000009")},
    "30-digit phone": {"payload": registered("M9", "1" * 30)},
    "not JSON": {"payload": "{"},
    "a list": {"payload": "[]"},
    "no type": {"payload": "{}"},
    "unknown type": {"payload": '{"type": "Minted", "coins": 10}'},
    "fields missing": {"payload": '{"type": "Registered"}'},
    "a bad date inside": {
        "payload": registered("M9", "13700000009").replace("2026-10-06", "2026-13-45")
    },
    "points 10^40": {
        "member": "M1",
        "payload": json.dumps(
            {"type": "PointsChanged", "currency": "points", "delta": 10**40, "reason": "x"}
        ),
    },
    "nested deep": {"payload": "[" * 100_000 + "]" * 100_000},
}


@pytest.mark.parametrize("change", list(BAD_MEMBER_ENTRIES.values()), ids=list(BAD_MEMBER_ENTRIES))
def test_bad_member_entries_are_rejected_and_change_nothing(
    api: Api, change: dict[str, Any]
) -> None:
    before = api.state()
    fields = {"kind": "member", "member": "M9", **change}
    r = api.push_json([entry(2, api.head, **fields)])
    assert r.status_code < 500, r.text
    if r.status_code == 200:
        (res,) = r.json()["results"]
        assert res["status"] in ("rejected", "deferred") and res["code"], res
        assert r.json()["checkpoint"]["seq"] == 1
    else:
        assert 400 <= r.status_code < 500 and r.json()["error"], r.text
    after = api.state()
    assert after == before
    if "at" in change:
        assert r.json()["results"][0]["code"] == "bad_time"
    if "1" * 30 in change.get("payload", ""):
        assert r.json()["results"][0]["code"] == "bad_payload"


def test_entries_are_dated_within_the_skew_window_of_hqs_clock(api: Api) -> None:
    ok = entry(2, api.head, at="2026-10-06T10:09:00")  # 9 minutes ahead: skew
    assert api.push_json([ok]).json()["results"][0]["status"] == "applied"
    ahead = entry(3, ok["hash"], at="2026-10-06T10:11:00")  # 11 minutes: refused
    old = entry(3, ok["hash"], at="2026-08-06T09:59:00")  # more than 60 days
    offline = entry(3, ok["hash"], at="2026-08-08T10:00:00")  # 59 days offline: taken
    for e in (ahead, old):
        (res,) = api.push_json([e]).json()["results"]
        assert (res["status"], res["code"]) == ("rejected", "bad_time"), res
    assert api.push_json([offline]).json()["results"][0]["status"] == "applied"
    # an explicit offset counts as given
    utc = entry(4, offline["hash"], at="2026-10-06T02:05:00+00:00")
    assert api.push_json([utc]).json()["results"][0]["status"] == "applied"


def test_the_window_is_a_setting(hq: Hq) -> None:
    wide = Api(hq, window=svc.Window(ahead=timedelta(days=1)))
    e = entry(2, wide.head, at="2026-10-07T09:00:00")  # 23 hours ahead
    assert wide.push_json([e]).json()["results"][0]["status"] == "applied"
    env = svc.Window.from_env({"POS_HQ_MAX_AHEAD_S": "60", "POS_HQ_MAX_AGE_DAYS": "7"})
    assert (env.ahead, env.behind) == (timedelta(seconds=60), timedelta(days=7))


@pytest.mark.parametrize("day", ["9000-01-01", "9999-12-31"])
def test_a_till_dated_far_future_never_runs_hqs_expiries(hq: Hq, day: str) -> None:
    """Even where HQ's window would take the date, expiries run by HQ's day: M1's
    opening coins (granted 2026-06-01) are not expired by an entry of 9000."""
    trusting = svc.Window(ahead=timedelta(days=365 * 8000), behind=timedelta(days=36500))
    api = Api(hq, window=trusting)
    before = hq.member("M1")
    n = hq.entries()
    payload = json.dumps(codec.encode_entry(m.Blocked(False, "")))
    e = entry(2, api.head, at=f"{day}T00:00:00", kind="member", member="M1", payload=payload)
    r = api.push_json([e])
    assert r.status_code == 200, r.text
    after = hq.member("M1")
    assert after.coin_lots == before.coin_lots and after.tier == before.tier
    with hq.sessions() as s:
        expiries = s.execute(
            select(func.count()).select_from(EntryRow).where(EntryRow.ref == "expiry")
        ).scalar()
    assert expiries == 0 and hq.entries() <= n + 1
    # and the real window refuses the entry outright
    strict = Api.__new__(Api)
    strict.hq, strict.token = hq, api.token
    strict.http = TestClient(
        create_app(hq.engine, now=lambda: HQ_NOW),
        headers={"Authorization": f"Bearer {api.token}"},
    )
    head = r.json()["checkpoint"]
    e2 = entry(
        head["seq"] + 1,
        head["hash"],
        at=f"{day}T00:00:00",
        kind="member",
        member="M1",
        payload=payload,
    )
    (res,) = strict.push_json([e2]).json()["results"]
    assert (res["status"], res["code"]) == ("rejected", "bad_time")


def test_a_body_over_the_limit_is_refused_413_unread(hq: Hq) -> None:
    api = Api(hq, max_body=64 * 1024)
    before = api.state()
    big = b'{"terminal_id": "S1-T01", "entries": [' + b" " * (100 * 1024) + b"]}"
    r = api.http.post(PUSH, content=big, headers=JSON)  # Content-Length declared
    assert (r.status_code, r.json()["error"]) == (413, "body_too_large")

    def chunks() -> Any:  # no Content-Length: streamed, counted as it comes
        for _ in range(100):
            yield b" " * 4096

    r = api.http.post(PUSH, content=chunks(), headers=JSON)
    assert (r.status_code, r.json()["error"]) == (413, "body_too_large")
    r = api.http.post(PULL, content=chunks(), headers=JSON)
    assert (r.status_code, r.json()["error"]) == (413, "body_too_large")
    assert api.state() == before
    # a body under the limit still goes through
    small = {"terminal_id": "S1-T01", "entries": [entry(2, api.head)]}
    assert api.http.post(PUSH, json=small).json()["results"][0]["status"] == "applied"


def test_a_push_without_a_valid_token_is_refused_before_its_body_is_read(api: Api) -> None:
    read: list[int] = []

    def chunks() -> Any:
        for i in range(50):
            read.append(i)
            yield b" " * 4096

    r = api.anon.post(PUSH, content=chunks(), headers=JSON)
    assert (r.status_code, r.json()["error"]) == (401, "unauthorized")
    assert len(read) <= 1, len(read)  # at most the client's first chunk was sent
    r = api.anon.post(PUSH, content=chunks(), headers={**JSON, "Authorization": "Bearer hqt_nope"})
    assert r.status_code == 401
    r = api.http.post("/v1/terminals/S2-T09/push", content=b"{}", headers=JSON)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")


def test_the_limits_are_in_the_protocol() -> None:
    assert p.MAX_BODY == 8 * 1024 * 1024 and p.BIGINT == 2**63 - 1


def test_the_tills_client_splits_a_push_over_the_body_limit(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    small = TestClient(
        create_app(hq.engine, window=TRUSTING, max_body=16 * 1024),
        headers={"Authorization": f"Bearer {t.token}"},
    )
    t.api = HqClient(small, backoff=FAST, sleep=lambda _: None)
    assert t.sync().acknowledged
    for _ in range(12):
        t.sell("M1", SOY, cash(20))
    assert sum(len(e.model_dump_json()) for e in outbox(t.sessions, 0, 1000)) > 16 * 1024
    rep = t.sync()  # 413 on the whole outbox, then halves until each batch fits
    assert rep.acknowledged and rep.pushed == t.verify().entries
    assert as_sent(hq.member("M1")) == t.state("M1")
