"""``run --script`` on a store that already exists: it plays as that till (a provisioned
till's terminal id, so HQ takes its pushes) and never writes the store's staff."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from terminal.app import setup
from terminal.app import staff as st
from terminal.app.replay import ScenarioError
from terminal.store.db import open_store, write_session
from tests.app.test_store_secrets import SCENARIO, dump
from ui.qt import QApplication
from ui.script import ScriptRunner, run_script


@pytest.fixture(scope="module")
def app() -> QApplication:
    a = QApplication.instance() or QApplication([])
    assert isinstance(a, QApplication)
    return a


def test_run_script_on_a_provisioned_till_writes_under_its_terminal_id(
    app: QApplication, tmp_path: Path
) -> None:
    db = tmp_path / "till.sqlite"
    sessions = open_store(db)
    setup.configure(sessions, terminal_id="S1-T07", store="S1")  # what the first sync writes
    sessions.kw["bind"].dispose()
    out = run_script(app, db, SCENARIO, None)
    assert out["errors"] == [] and len(out["sales"]) == 1
    with sqlite3.connect(db) as c:
        assert {r[0] for r in c.execute("SELECT terminal_id FROM ledger")} == {"S1-T07"}
        assert {r[0] for r in c.execute("SELECT terminal_id FROM sales")} == {"S1-T07"}


def test_run_script_refuses_a_store_with_staff_of_its_own(
    app: QApplication, tmp_path: Path
) -> None:
    db = tmp_path / "till.sqlite"
    sessions = open_store(db)
    with write_session(sessions) as s:
        st.add_staff(s, "mgr", "王店长", "manager", "4321")
    sessions.kw["bind"].dispose()
    before = dump(db)
    with pytest.raises(ScenarioError, match="staff of its own"):
        ScriptRunner(app, db, SCENARIO)
    assert dump(db) == before
