"""Staff: ``pos-terminal staff`` on a real SQLite file (PIN from stdin), sign-in lockout,
manager authorizations that pause the till instead of locking the manager, disabled staff."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from terminal.app import staff as st
from terminal.errors import PosError
from tests.app.store import shop
from ui import cli


def staff_cli(monkeypatch: pytest.MonkeyPatch, db: Path, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(["staff", *args, "--db", str(db)])


def test_cli_add_list_set_pin_disable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    args = ("add", "m2", "--name", "王店长", "--role", "manager")
    assert staff_cli(monkeypatch, db, *args, stdin="4321\n") == 0
    assert staff_cli(monkeypatch, db, "add", "c9", "--name", "李娜", stdin="1234\n") == 0
    assert staff_cli(monkeypatch, db, "add", "c8", "--name", "x", stdin="12\n") == 2  # too short
    assert staff_cli(monkeypatch, db, "add", "c7", "--name", "x", stdin="") == 2  # no PIN
    capsys.readouterr()
    assert staff_cli(monkeypatch, db, "list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["c9\t李娜\tcashier\tactive", "m2\t王店长\tmanager\tactive"]

    s = shop(tmp_path / "other")  # a counter on the CLI's file
    from terminal.app.counter import Counter
    from terminal.store.db import open_store

    c = Counter(open_store(db), s.counter.program, s.clock, s.counter.ids, cashier="c9")
    assert c.authorize("m2", "4321").name == "王店长"
    assert c.sign_in("c9", "1234").name == "李娜"
    assert staff_cli(monkeypatch, db, "set-pin", "c9", stdin="5555\n") == 0
    with pytest.raises(PosError) as e:
        c.sign_in("c9", "1234")
    assert e.value.code == "wrong_pin"
    assert c.sign_in("c9", "5555").id == "c9"
    assert staff_cli(monkeypatch, db, "set-pin", "nobody", stdin="5555\n") == 2

    assert staff_cli(monkeypatch, db, "disable", "m2") == 0
    capsys.readouterr()
    staff_cli(monkeypatch, db, "list")
    assert "m2\t王店长\tmanager\tdisabled" in capsys.readouterr().out
    for attempt in (lambda: c.authorize("m2", "4321"), lambda: c.sign_in("m2", "4321")):
        with pytest.raises(PosError) as e:
            attempt()
        assert e.value.code == "staff_disabled"


def test_sign_in_lockout_counts_down_and_says_until(tmp_path: Path) -> None:
    s = shop(tmp_path)
    for left in (4, 3, 2, 1):
        with pytest.raises(PosError) as e:
            s.counter.sign_in("c1", "0000")
        assert (e.value.code, e.value.params["left"]) == ("wrong_pin", left)
    with pytest.raises(PosError) as e:
        s.counter.sign_in("c1", "0000")  # the fifth locks the account
    until = (s.clock.now() + st.LOCKOUT).strftime("%H:%M")
    assert (e.value.code, e.value.params["until"]) == ("staff_locked", until)
    assert until in str(e.value)
    with pytest.raises(PosError) as e:
        s.counter.sign_in("c1", "1111")  # even the right PIN, until then
    assert e.value.code == "staff_locked"
    s.clock.set(s.clock.now() + st.LOCKOUT)
    assert s.counter.sign_in("c1", "1111").id == "c1"


def test_cashier_typos_pause_the_till_never_lock_the_manager(tmp_path: Path) -> None:
    s = shop(tmp_path)
    for left in (4, 3, 2, 1):
        with pytest.raises(PosError) as e:
            s.counter.authorize("mgr", "0000")
        assert (e.value.code, e.value.params["left"]) == ("wrong_pin", left)
    with pytest.raises(PosError) as e:
        s.counter.authorize("mgr", "0000")
    until = (s.clock.now() + st.TILL_PAUSE).strftime("%H:%M:%S")
    assert (e.value.code, e.value.params["until"]) == ("till_auth_paused", until)
    with pytest.raises(PosError) as e:
        s.manager()  # the till waits, right PIN or not
    assert e.value.code == "till_auth_paused"
    # the manager's own account is untouched: they sign in (here or at another till)
    assert s.counter.sign_in("mgr", "8888").role == "manager"
    s.clock.set(s.clock.now() + st.TILL_PAUSE)
    assert s.manager().manager == "mgr"
    with pytest.raises(PosError) as e:
        s.counter.authorize("mgr", "0000")
    assert e.value.params["left"] == 4  # a success started the count again


def test_unlock_by_the_cashier_or_a_manager(tmp_path: Path) -> None:
    s = shop(tmp_path)
    s.counter.sign_in("c1", "1111")
    assert s.counter.unlock("c1", "1111").id == "c1"
    assert s.counter.unlock("mgr", "8888").role == "manager"
    assert s.counter.cashier == "c1"  # a manager's unlock leaves the cashier signed in
    with pytest.raises(PosError) as e:
        s.counter.unlock("c1", "0000")
    assert e.value.code == "wrong_pin"
