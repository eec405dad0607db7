"""Enrollment gives each till a token bound to its store and terminal id, kept hashed;
a token acts only for its own terminal (403 otherwise); admin work is not on HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sync.hq import cli
from sync.hq import service as svc
from sync.hq.models import TerminalRow
from terminal.errors import RuleViolation
from tests.hq.helpers import Hq, chain, push


def test_enrolled_token_names_its_till_and_is_kept_hashed(hq: Hq) -> None:
    token = hq.enroll("S1", "S1-T01")
    who = hq.http(token).get("/v1/whoami")
    assert who.status_code == 200
    assert who.json() == {"terminal_id": "S1-T01", "store_id": "S1"}
    with hq.sessions() as s:
        row = s.execute(select(TerminalRow).where(TerminalRow.id == "S1-T01")).scalar_one()
    assert row.token_hash == svc.token_hash(token) and token not in row.token_hash
    cp = hq.http(token).get("/v1/terminals/S1-T01/checkpoint").json()
    assert cp == {"terminal_id": "S1-T01", "store_id": "S1", "seq": 0, "hash": "0" * 64}


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic dXNlcjpwdw=="])
def test_without_a_valid_token_nothing_answers(hq: Hq, header: str | None) -> None:
    hq.enroll("S1", "S1-T01")
    http = hq.http()
    headers = {"Authorization": header} if header else {}
    for method, path in [
        ("GET", "/v1/whoami"),
        ("GET", "/v1/terminals/S1-T01/checkpoint"),
        ("POST", "/v1/terminals/S1-T01/pull"),
        ("GET", "/v1/terminals/S1-T01/entries"),
    ]:
        r = http.request(method, path, headers=headers, json={} if method == "POST" else None)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"] == "unauthorized"


def test_a_token_cannot_push_or_read_for_another_terminal(hq: Hq) -> None:
    a = hq.http(hq.enroll("SA", "SA-T01"))
    hq.enroll("SB", "SB-T01")
    mine, theirs = chain("SA-T01", 2), chain("SB-T01", 2)
    # B's path, B's entries, with A's token
    assert push(a, "SB-T01", theirs).status_code == 403
    for path in ("checkpoint", "entries"):
        r = a.get(f"/v1/terminals/SB-T01/{path}")
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert a.post("/v1/terminals/SB-T01/pull", json={"cursor": 0}).status_code == 403
    # A's own path, but a batch or an entry claiming B
    r = a.post(
        "/v1/terminals/SA-T01/push",
        json={"terminal_id": "SB-T01", "entries": [e.model_dump() for e in theirs]},
    )
    assert r.status_code == 403
    assert push(a, "SA-T01", [mine[0], theirs[1]]).status_code == 403
    assert hq.entries() == 0
    assert push(a, "SA-T01", mine).status_code == 200
    assert hq.entries("SA-T01") == 2


def test_enrolling_again_rotates_the_token_and_a_terminal_stays_in_its_store(hq: Hq) -> None:
    old = hq.enroll("S1", "S1-T01")
    new = hq.enroll("S1", "S1-T01")
    assert old != new
    assert hq.http(old).get("/v1/whoami").status_code == 401
    assert hq.http(new).get("/v1/whoami").status_code == 200
    with pytest.raises(RuleViolation) as e:
        hq.enroll("S2", "S1-T01")
    assert e.value.code == "terminal_elsewhere"


def test_enroll_command_prints_the_token(
    hq_url: str, hq: Hq, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["enroll", "--db", hq_url, "--store", "S9", "--terminal", "S9-T02"]) == 0
    token = capsys.readouterr().out.strip()
    assert hq.http(token).get("/v1/whoami").json()["terminal_id"] == "S9-T02"
    assert cli.main(["enroll", "--db", hq_url, "--store", "S8", "--terminal", "S9-T02"]) == 2
    assert "belongs to store S9" in capsys.readouterr().err
    assert cli.main(["enroll", "--db", hq_url, "--store", "S9", "--terminal", "@hq"]) == 2


def test_openapi_describes_the_till_api_with_bearer_auth(hq: Hq) -> None:
    doc = hq.http().get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("push", "pull", "checkpoint", "entries"):
        assert f"/v1/terminals/{{terminal_id}}/{path}" in paths
    assert "PushBatch" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert not [p for p in paths if "admin" in p or "enroll" in p or "import" in p]
