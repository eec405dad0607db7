"""Issue 6: the HTTP API under generated requests (Schemathesis over HQ's OpenAPI
description, on the ASGI app): no 5xx, whoever calls; a request without a valid token
or with another store's token changes nothing; a store's token reads and writes only
its own terminal.

Issue 18: strings carry NUL (``allow_x00``) and the negative mode goes past every
bound the description declares (integers beyond BIGINT); JSON Schema cannot describe
NaN, Infinity or a number like 1e400, so ``test_mutated_bodies_...`` writes those into
valid bodies itself, with NUL and lone surrogates in every string field."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import func, select

from sync.hq import service as svc
from sync.hq.models import CheckpointRow, TerminalRow
from tests.hq.helpers import Hq, chain, push

ROLES = ["own", "foreign", "none", "garbage"]
EXAMPLES = 12  # per operation; each is sent four times (one per role)


class Api:
    """HQ with two stores' tills, A's ledger started; the tokens each role sends."""

    def __init__(self, hq: Hq) -> None:
        self.hq = hq
        self.seen: Counter[tuple[str, int]] = Counter()
        hq.import_setup()
        self.a, self.b = hq.enroll("SA", "SA-T01"), hq.enroll("SB", "SB-T01")
        assert push(hq.http(self.a), "SA-T01", chain("SA-T01", 3)).status_code == 200
        assert push(hq.http(self.b), "SB-T01", chain("SB-T01", 2)).status_code == 200

    def state(self) -> dict[str, Any]:
        with self.hq.sessions() as s:
            out: dict[str, Any] = dict(svc.counts(s))
            out["checkpoints"] = sorted(
                (r.terminal_id, r.seq, r.hash) for r in s.execute(select(CheckpointRow)).scalars()
            )
            out["terminals"] = int(
                s.execute(select(func.count()).select_from(TerminalRow)).scalar() or 0
            )
            out["members_state"] = sorted(
                (code, svc.member_state(s, code)) for code in ("M1", "M2")
            )
        return out


def _exercise(api: Api, case: schemathesis.Case) -> None:
    """Send one generated request as A's till on its own terminal, as A's till on B's
    terminal, without a token and with an unknown one."""
    targeted = "terminal_id" in (case.path_parameters or {})
    for role in ROLES:
        token = {"own": api.a, "foreign": api.a, "none": None, "garbage": "hqt_x"}[role]
        if targeted:
            case.path_parameters["terminal_id"] = "SB-T01" if role == "foreign" else "SA-T01"
        case.headers = {"Authorization": f"Bearer {token}"} if token else {}
        before = api.state()
        r = case.call()
        api.seen[(role, r.status_code)] += 1
        what = (role, case.method, case.formatted_path, r.status_code, r.text[:300])
        assert r.status_code < 500, what
        if role in ("none", "garbage") and case.path != "/v1/health":
            assert 400 <= r.status_code < 500, what
        if role == "foreign" and targeted:
            assert 400 <= r.status_code < 500, what
        if r.status_code >= 400 or role != "own":
            assert api.state() == before, what


def test_generated_requests_never_5xx_nor_change_state_without_the_right_token(hq: Hq) -> None:
    api = Api(hq)
    schema = schemathesis.openapi.from_asgi("/openapi.json", hq.app)
    schema.config.generation.update(allow_x00=True, codec="utf-8")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    plan = [(op, mode) for op in operations for mode in GenerationMode]
    for op, mode in plan:
        if mode is GenerationMode.NEGATIVE and op.method == "get" and not op.query:
            continue  # nothing to make invalid but the path, which every role sets

        @given(case=op.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            _exercise(api, case)

        run()
    # the generated requests reached the routes, not only the validators
    assert api.seen[("own", 200)] > 0 and api.seen[("foreign", 403)] > 0, api.seen
    assert api.seen[("none", 401)] > 0 and api.seen[("own", 422)] > 0, api.seen


def test_a_store_token_cannot_touch_another_stores_terminal(hq: Hq) -> None:
    api = Api(hq)
    a, b = hq.http(api.a), hq.http(api.b)
    before = api.state()
    more = chain("SB-T01", 4)[2:]  # B's next entries, well formed
    assert push(a, "SB-T01", more).status_code == 403
    r = a.post("/v1/terminals/SA-T01/push", json={"terminal_id": "SB-T01", "entries": []})
    assert r.status_code == 403
    assert a.post("/v1/terminals/SB-T01/pull", json={"cursor": 0}).status_code == 403
    for path in ("checkpoint", "entries", "entries?after=0&limit=10"):
        r = a.get(f"/v1/terminals/SB-T01/{path}")
        assert r.status_code == 403 and "SB-T01-" not in r.text, path
    assert api.state() == before
    # what A may read holds nothing of B's ledger
    mine = a.get("/v1/terminals/SA-T01/entries").json()["entries"]
    assert [e["terminal_id"] for e in mine] == ["SA-T01"] * 3
    pulled = a.post("/v1/terminals/SA-T01/pull", json={"cursor": 0}).text
    assert "SB-T01" not in pulled
    assert a.get("/v1/terminals/SA-T01/checkpoint").json()["seq"] == 3
    # B still can
    assert push(b, "SB-T01", more).status_code == 200
    assert b.get("/v1/terminals/SB-T01/checkpoint").json()["seq"] == 4


# What JSON Schema cannot ask for: numbers no BIGINT holds, non-finite ones, and strings
# PostgreSQL's text refuses.
NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", str(2**63), str(10**29), "-1", "1.5"]
STRINGS = ["\\u0000", "a\\u0000b", "\\ud800", "\\udfff x", "x" * 200]


@st.composite
def mutated(draw: st.DrawFn, bodies: list[tuple[str, str]]) -> tuple[str, str]:
    """One of ``bodies`` (path, JSON text) with one number or string value replaced."""
    path, text = draw(st.sampled_from(bodies))
    numbers = [m.span() for m in re.finditer(r"(?<=[:\[,] )-?\d+(?=[,}\]])", text)]
    strings = [m.span(1) for m in re.finditer(r'"((?:[^"\\]|\\.)*)"(?=[,}\]])', text)]
    if numbers and (not strings or draw(st.booleans())):
        (a, b), new = draw(st.sampled_from(numbers)), draw(st.sampled_from(NUMBERS))
    else:
        (a, b), new = draw(st.sampled_from(strings)), draw(st.sampled_from(STRINGS))
    return path, text[:a] + new + text[b:]


def test_mutated_bodies_never_5xx_and_change_nothing(hq: Hq) -> None:
    api = Api(hq)
    http = hq.http(api.a)
    head = chain("SA-T01", 4)[3]
    push_body = json.dumps({"terminal_id": "SA-T01", "entries": [head.model_dump()]})
    pull_body = json.dumps({"cursor": 0, "limit": 10})
    bodies = [("/v1/terminals/SA-T01/push", push_body), ("/v1/terminals/SA-T01/pull", pull_body)]
    before = api.state()
    statuses: Counter[int] = Counter()

    @given(case=mutated(bodies))
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: tuple[str, str]) -> None:
        path, text = case
        r = http.post(path, content=text.encode(), headers={"Content-Type": "application/json"})
        statuses[r.status_code] += 1
        assert r.status_code < 500, (text[:300], r.text[:300])
        if r.status_code >= 400:
            assert r.json()["error"], r.text
        if "push" in path and r.status_code == 200:
            # a mutated entry's hash no longer matches, or it stays a valid cash entry
            assert all(x["status"] != "applied" for x in r.json()["results"]) or (
                json.loads(text)["entries"][0] == head.model_dump()
            ), r.text
        if "push" in path:
            assert api.state() == before, text[:300]

    run()
    assert statuses[422] > 0, statuses
