"""Stores and tills (issue 15 item 4): a revoked till's token is refused by the API;
enrolling it again issues a new token that works."""

from __future__ import annotations

from sync.hq import service as svc
from tests.hq.helpers import Hq


def test_a_revoked_till_is_refused_and_a_new_enrollment_works(hq: Hq) -> None:
    old = hq.enroll("S1", "S1-T01")
    assert hq.http(old).get("/v1/whoami").status_code == 200
    with hq.sessions.begin() as s:
        assert svc.revoke(s, "S1-T01") is True
        assert svc.revoke(s, "NO-SUCH") is False
    r = hq.http(old).get("/v1/whoami")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    new = hq.enroll("S1", "S1-T01")
    assert new != old
    assert hq.http(new).get("/v1/whoami").status_code == 200
    assert hq.http(old).get("/v1/whoami").status_code == 401
