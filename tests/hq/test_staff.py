"""Staff managed at HQ (issue 15 item 4): added at HQ, a cashier signs in at a real
till after its pull with the PIN HQ set; disabled at HQ, they cannot; a pull brings a
till only its own store's staff, and only what changed; ``pos-terminal staff`` refuses
to change HQ's rows and works as before on a standalone till; the lockout stays the
till's. Plus ``pos-hq staff`` and the migrations (store 0007, HQ 0013)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from sync import protocol as p
from sync.hq import cli as hq_cli
from sync.hq import db, staff
from sync.hq import service as svc
from terminal.app import staff as st
from terminal.errors import PosError
from terminal.store import migrate
from terminal.store.db import make_engine, open_store
from terminal.store.schema import StaffRow
from tests.hq.helpers import NOW, Hq, Till
from ui import cli as till_cli


def add(hq: Hq, store: str, sid: str, pin: str, role: str = "cashier", name: str = "") -> None:
    hq.run(lambda s: staff.add(s, store, sid, name or f"员工{sid}", role, pin, svc.utcnow(), "t"))


def sign_in(till: Till, sid: str, pin: str) -> st.Staff:
    with till.sessions() as s:
        try:
            return st.check_pin(s, sid, pin, till.clock.now())
        finally:
            s.commit()  # the failure count, as the counter commits it


def code_of(till: Till, sid: str, pin: str) -> str:
    with pytest.raises(PosError) as e:
        sign_in(till, sid, pin)
    return e.value.code


def row(till: Till, sid: str) -> StaffRow:
    with till.sessions() as s:
        found = s.get(StaffRow, sid)
        assert found is not None
        s.expunge(found)
        return found


def test_staff_added_at_hq_sign_in_at_the_till_after_its_pull(hq: Hq) -> None:
    hq.import_setup()
    till = hq.till("S1-T01", "S1")
    till.sync()
    add(hq, "S1", "c7", "2468", name="赵敏")
    add(hq, "S1", "m7", "13579", role="manager")
    assert code_of(till, "c7", "2468") == "unknown_staff"  # not pulled yet
    assert till.sync().staff == 2
    assert sign_in(till, "c7", "2468") == st.Staff("c7", "赵敏", "cashier")
    assert sign_in(till, "m7", "13579").role == "manager"
    assert code_of(till, "c7", "1111") == "wrong_pin"
    assert row(till, "c7").managed == st.HQ
    assert till.sync().staff == 0  # nothing changed since the cursor: nothing sent


def test_disabled_at_hq_cannot_sign_in_after_the_pull_and_enabled_can(hq: Hq) -> None:
    hq.import_setup()
    till = hq.till("S1-T01", "S1")
    add(hq, "S1", "c7", "2468")
    till.sync()
    hq.run(lambda s: staff.set_disabled(s, "S1", "c7", True, svc.utcnow(), "t"))
    assert sign_in(till, "c7", "2468").id == "c7"  # until the till pulls
    assert till.sync().staff == 1
    assert code_of(till, "c7", "2468") == "staff_disabled"
    hq.run(lambda s: staff.set_disabled(s, "S1", "c7", False, svc.utcnow(), "t"))
    till.sync()
    assert sign_in(till, "c7", "2468").id == "c7"


def test_a_pull_sends_only_the_tills_own_stores_staff(hq: Hq) -> None:
    hq.import_setup()
    s1, s2 = hq.till("S1-T01", "S1"), hq.till("S2-T01", "S2")
    add(hq, "S1", "c7", "2468")
    add(hq, "S2", "c8", "3579")
    add(hq, "S2", "c7", "9999")  # the same id at another store is another person
    with hq.sessions() as s:
        caller = svc.Caller("S1-T01", "S1")
        page = svc.pull(s, caller, p.Pull(cursor=0))
        s.rollback()
    assert [(d.id, d.role, d.disabled) for d in page.staff] == [("c7", "cashier", False)]
    assert page.staff[0].pin_hash.startswith("$argon2id$")
    s1.sync()
    s2.sync()
    assert code_of(s1, "c8", "3579") == "unknown_staff"
    assert sign_in(s1, "c7", "2468").id == "c7"
    assert code_of(s1, "c7", "9999") == "wrong_pin"
    assert sign_in(s2, "c7", "9999").id == "c7" and sign_in(s2, "c8", "3579").id == "c8"
    hq.run(lambda s: staff.set_pin(s, "S2", "c8", "4680", svc.utcnow(), "t"))
    assert s1.sync().staff == 0 and s2.sync().staff == 1
    assert sign_in(s2, "c8", "4680").id == "c8"


def test_a_pull_keeps_the_tills_lockout(hq: Hq) -> None:
    """Decision: a pull never touches ``failed``/``locked_until``, a new PIN from HQ
    neither: the lockout is minutes long, and a pull is no way around it."""
    hq.import_setup()
    till = hq.till("S1-T01", "S1")
    add(hq, "S1", "c7", "2468")
    till.sync()
    for _ in range(st.MAX_FAILED):
        code_of(till, "c7", "0000")
    assert code_of(till, "c7", "2468") == "staff_locked"
    hq.run(lambda s: staff.set_pin(s, "S1", "c7", "1357", svc.utcnow(), "t"))
    till.sync()
    assert code_of(till, "c7", "1357") == "staff_locked"
    till.clock.set(till.clock.now() + st.LOCKOUT + timedelta(seconds=1))
    assert sign_in(till, "c7", "1357").id == "c7"


def staff_cli(monkeypatch: pytest.MonkeyPatch, path: Path, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return till_cli.main(["staff", *args, "--db", str(path)])


def test_pos_terminal_staff_refuses_hq_rows_and_keeps_local_ones(
    hq: Hq, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hq.import_setup()
    till = hq.till("S1-T01", "S1")
    add(hq, "S1", "c7", "2468", name="赵敏")
    till.sync()
    capsys.readouterr()
    for args, pin in ((("set-pin", "c7"), "1111\n"), (("disable", "c7"), "")):
        assert staff_cli(monkeypatch, till.path, *args, stdin=pin) == 2
        assert "赵敏 (c7) is managed at HQ" in capsys.readouterr().err
    assert staff_cli(monkeypatch, till.path, "add", "c7", "--name", "x", stdin="1111\n") == 2
    assert "managed at HQ" in capsys.readouterr().err
    assert sign_in(till, "c7", "2468").name == "赵敏"  # unchanged
    assert staff_cli(monkeypatch, till.path, "add", "c9", "--name", "李娜", stdin="1234\n") == 0
    assert staff_cli(monkeypatch, till.path, "disable", "c9") == 0
    capsys.readouterr()
    assert staff_cli(monkeypatch, till.path, "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "c7\t赵敏\tcashier\tactive",
        "c9\t李娜\tcashier\tdisabled",
    ]
    assert row(till, "c9").managed == "local"


def test_a_local_row_hq_then_manages_becomes_hqs(hq: Hq, monkeypatch: pytest.MonkeyPatch) -> None:
    hq.import_setup()
    till = hq.till("S1-T01", "S1")
    till.sync()
    assert staff_cli(monkeypatch, till.path, "add", "c7", "--name", "旧", stdin="1111\n") == 0
    add(hq, "S1", "c7", "2468", name="新")
    till.sync()
    assert sign_in(till, "c7", "2468").name == "新" and row(till, "c7").managed == st.HQ


def test_a_standalone_till_keeps_pos_terminal_staff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "till.sqlite"
    assert staff_cli(monkeypatch, path, "add", "c1", "--name", "张丽", stdin="1111\n") == 0
    assert staff_cli(monkeypatch, path, "set-pin", "c1", stdin="2222\n") == 0
    sessions = open_store(path)
    with sessions() as s:
        assert st.check_pin(s, "c1", "2222", NOW).id == "c1"
    sessions.kw["bind"].dispose()
    assert staff_cli(monkeypatch, path, "disable", "c1") == 0


def test_an_old_tills_pull_result_has_no_staff() -> None:
    old = p.PullResult.model_validate({"cursor": 3, "more": False, "through": 0})
    assert old.staff == []


# ----------------------------------------------------------------------------- HQ's rules


def test_hq_refuses_bad_staff_and_unknown_stores(hq: Hq) -> None:
    hq.import_setup()
    hq.enroll("S1", "S1-T01")
    add(hq, "S1", "c7", "2468")
    for store, sid, name, role, pin, code in (
        ("S9", "c1", "x", "cashier", "2468", "unknown_store"),
        ("S1", "c 1", "x", "cashier", "2468", "bad_staff_id"),
        ("S1", "c1", " ", "cashier", "2468", "bad_staff_name"),
        ("S1", "c1", "x", "boss", "2468", "invalid_role"),
        ("S1", "c1", "x", "cashier", "12", "invalid_pin"),
        ("S1", "c1", "x", "cashier", "12ab", "invalid_pin"),
        ("S1", "c7", "x", "cashier", "2468", "staff_exists"),
    ):
        with pytest.raises(PosError) as e, hq.sessions() as s:  # refused before any write
            staff.add(s, store, sid, name, role, pin, svc.utcnow(), "t")
        assert e.value.code == code, (sid, code)
    with pytest.raises(PosError) as e:
        hq.run(lambda s: staff.set_pin(s, "S1", "nobody", "2468", svc.utcnow(), "t"))
    assert e.value.code == "unknown_staff"


def test_pos_hq_staff_reads_the_pin_from_stdin(
    hq: Hq, hq_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hq.import_setup()
    till = hq.till("S1-T01", "S1")

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return hq_cli.main(["staff", *args, "--db", hq_url])

    assert run("add", "S1", "c7", "--name", "赵敏", "--role", "manager", stdin="2468\n") == 0
    assert run("add", "S1", "c8", "--name", "x", stdin="12\n") == 2
    assert "invalid_pin" in capsys.readouterr().err
    assert run("list", "S1") == 0
    assert capsys.readouterr().out.splitlines() == ["c7\t赵敏\tmanager\tactive"]
    till.sync()
    assert sign_in(till, "c7", "2468").role == "manager"
    assert run("disable", "S1", "c7") == 0
    till.sync()
    assert code_of(till, "c7", "2468") == "staff_disabled"
    assert run("set-pin", "S1", "c7", stdin="1357\n") == 0 and run("enable", "S1", "c7") == 0
    till.sync()
    assert sign_in(till, "c7", "1357").id == "c7"


# ----------------------------------------------------------------------------- migrations


def test_store_0007_marks_the_staff_a_till_had_as_local(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite"
    engine = make_engine(path)
    try:
        migrate.upgrade(engine, "0006")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO staff (id, name, role, pin_hash, failed, disabled) "
                    "VALUES ('c1', '张丽', 'cashier', :h, 2, 0)"
                ),
                {"h": st.hash_secret("1111")},
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            got = conn.execute(text("SELECT id, failed, managed FROM staff")).all()
        assert [tuple(r) for r in got] == [("c1", 2, "local")]
        command.downgrade(migrate.config(engine), "0006")
        assert "managed" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    finally:
        engine.dispose()


def test_hq_0013_adds_the_staff_table_and_steps_down(engine: Engine) -> None:
    assert "staff" in inspect(engine).get_table_names()
    fks = inspect(engine).get_foreign_keys("staff")
    assert [(f["referred_table"], f["constrained_columns"]) for f in fks] == [
        ("stores", ["store_id"])
    ]
    command.downgrade(db.config(engine), "0012")
    assert "staff" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert "staff" in inspect(engine).get_table_names()


def test_a_till_upgraded_past_staff_changes_gets_the_whole_list_once(hq: Hq) -> None:
    """A till older than HQ's staff moved its cursor past changes it could not read;
    upgraded, it has no ``hq_staff_whole`` yet, so it asks for the whole list once."""
    from sync import till as till_mod

    hq.import_setup()
    till = hq.till("S1-T01", "S1")
    add(hq, "S1", "c7", "2468")
    till.sync()
    with till.sessions() as s, s.begin():  # as an old till left it: cursor on, no list
        s.execute(text("DELETE FROM staff WHERE id = 'c7'"))
        s.execute(text("DELETE FROM settings WHERE key = :k"), {"k": till_mod.STAFF_WHOLE})
    assert till.sync().staff == 1
    assert sign_in(till, "c7", "2468").id == "c7"
    assert till.sync().staff == 0  # had it: deltas only from now on
