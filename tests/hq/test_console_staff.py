"""The console's staff pages (issue 15 item 4) through their forms: a store manager adds
a cashier with a PIN typed twice, resets it, disables and enables them, in their own
store only (another store is 404); every action is in the log, never the PIN or its
hash; a POST without the session's CSRF token changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from sync.hq.models import ConsoleActionRow, StaffRow
from terminal.app import staff as st
from tests.hq.test_console_auth import Chain, chain, main_of, session_csrf, signed_in

__all__ = ["chain"]  # the fixture, used by name
PIN = "246813"


def held(chain: Chain, store: str = "S1") -> dict[str, StaffRow]:
    with chain.hq.sessions() as s:
        rows = s.execute(select(StaffRow).where(StaffRow.store_id == store)).scalars()
        return {r.staff_id: r for r in rows}


def new_cashier(sid: str = "c7", pin: str = PIN, pin2: str = PIN) -> dict[str, str]:
    return {"staff_id": sid, "name": "赵敏", "role": "cashier", "pin": pin, "pin2": pin2}


def test_a_store_manager_adds_resets_disables_and_the_log_never_holds_the_pin(
    chain: Chain,
) -> None:
    sam = signed_in(chain, "sam")
    r = sam.post("/console/stores/S1/staff", data={**new_cashier(), "csrf": session_csrf(sam)})
    assert r.status_code == 303
    assert r.headers["location"] == "/console/stores/S1/staff?done=add&id=c7"
    row = held(chain)["c7"]
    assert (row.name, row.role, row.disabled, row.updated_by) == ("赵敏", "cashier", False, "sam")
    assert st.check_secret(row.pin_hash, PIN)  # the till's own check verifies HQ's hash
    page = main_of(sam.get(r.headers["location"]).text)
    assert 'id="staff-c7"' in page and "已新增员工 c7" in page and PIN not in page
    assert row.pin_hash not in page

    form = {"pin": "1357", "pin2": "1357", "csrf": session_csrf(sam)}
    assert sam.post("/console/stores/S1/staff/c7/pin", data=form).status_code == 303
    assert st.check_secret(held(chain)["c7"].pin_hash, "1357")
    off = {"disabled": "1", "csrf": session_csrf(sam)}
    assert sam.post("/console/stores/S1/staff/c7/state", data=off).status_code == 303
    assert held(chain)["c7"].disabled
    on = {"disabled": "0", "csrf": session_csrf(sam)}
    assert sam.post("/console/stores/S1/staff/c7/state", data=on).status_code == 303
    assert not held(chain)["c7"].disabled

    logged = [a for a in chain.actions() if a.action.startswith("staff_")]
    assert [a.action for a in logged] == ["staff_add", "staff_pin", "staff_disable", "staff_enable"]
    assert {(a.user_name, a.store_id, a.object_id) for a in logged} == {("sam", "S1", "c7")}
    assert '"disabled": true' in (logged[2].after or "")
    with chain.hq.sessions() as s:
        every = [
            f"{a.before} {a.after} {a.reason}"
            for a in s.execute(select(ConsoleActionRow)).scalars()
        ]
    assert not [x for x in every if PIN in x or "1357" in x or "argon2" in x]


def test_pins_must_match_and_have_the_tills_shape(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    for form, error in (
        (new_cashier(pin2="246814"), "pin_mismatch"),
        (new_cashier(pin="12", pin2="12"), "invalid_pin"),
        (new_cashier(sid="c 7"), "bad_staff_id"),
    ):
        r = boss.post("/console/stores/S2/staff", data={**form, "csrf": session_csrf(boss)})
        assert r.headers["location"] == f"/console/stores/S2/staff?error={error}"
        assert 'id="staff-error"' in boss.get(r.headers["location"]).text
    assert held(chain, "S2") == {}
    boss.post("/console/stores/S2/staff", data={**new_cashier(), "csrf": session_csrf(boss)})
    again = boss.post(
        "/console/stores/S2/staff", data={**new_cashier(), "csrf": session_csrf(boss)}
    )
    assert again.headers["location"].endswith("error=staff_exists")
    assert [a.action for a in chain.actions() if a.action.startswith("staff_")] == ["staff_add"]


def test_a_post_without_the_csrf_token_changes_nothing(chain: Chain) -> None:
    sam = signed_in(chain, "sam")
    for extra in ({}, {"csrf": "forged"}):
        r = sam.post("/console/stores/S1/staff", data={**new_cashier(), **extra})
        assert r.status_code == 403
    assert held(chain) == {} and not [a for a in chain.actions() if a.action == "staff_add"]


def test_a_store_manager_sees_only_their_stores(chain: Chain) -> None:
    boss = signed_in(chain, "boss")
    boss.post("/console/stores/S2/staff", data={**new_cashier(), "csrf": session_csrf(boss)})
    sam = signed_in(chain, "sam")
    listing = main_of(sam.get("/console/staff").text)
    assert "/console/stores/S1/staff" in listing and "/console/stores/S2/staff" not in listing
    both = main_of(boss.get("/console/staff").text)
    assert "/console/stores/S1/staff" in both and "/console/stores/S2/staff" in both
    other = sam.get("/console/stores/S2/staff")
    assert other.status_code == 404  # not 403: another store's existence is not told
    assert main_of(other.text) == main_of(sam.get("/console/stores/NOSUCH/staff").text)
    csrf = session_csrf(sam)
    assert (
        sam.post("/console/stores/S2/staff", data={**new_cashier("c9"), "csrf": csrf}).status_code
        == 404
    )
    reset = {"pin": "1357", "pin2": "1357", "csrf": csrf}
    assert sam.post("/console/stores/S2/staff/c7/pin", data=reset).status_code == 404
    off = {"disabled": "1", "csrf": csrf}
    assert sam.post("/console/stores/S2/staff/c7/state", data=off).status_code == 404
    assert sam.post("/console/stores/S1/staff/nobody/state", data=off).status_code == 404
    assert set(held(chain, "S2")) == {"c7"} and not held(chain, "S2")["c7"].disabled
    assert st.check_secret(held(chain, "S2")["c7"].pin_hash, PIN)


def test_roles(chain: Chain) -> None:
    for name in ("fay", "mia"):
        assert signed_in(chain, name).get("/console/stores/S1/staff").status_code == 403
    al = signed_in(chain, "al")
    page = al.get("/console/stores/S1/staff")
    assert page.status_code == 200 and 'id="staff-add"' not in page.text
    r = al.post("/console/stores/S1/staff", data={**new_cashier(), "csrf": session_csrf(al)})
    assert r.status_code == 403 and held(chain) == {}
    nav = signed_in(chain, "sam").get("/console/").text
    assert 'href="/console/staff"' in nav and "员工" in nav
