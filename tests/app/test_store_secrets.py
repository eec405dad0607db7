"""Staff secrets belong to the store: ``replay`` and ``demo-data`` never change an existing
store's staff, PINs, lockouts or prices, and a refused scenario changes nothing at all."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from terminal.app import setup
from terminal.app import staff as st
from terminal.app.demo import generate
from terminal.app.replay import replay
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules.catalog import Product
from terminal.store.db import open_store, write_session
from terminal.store.schema import StaffRow
from ui.cli import main
from ui.refusals import refusal_text

MILK = {"code": "6901000000017", "name": "牛奶", "category": "dairy", "price": "0.01"}
SCENARIO: dict[str, Any] = {
    "program": "tomato",
    "start": "2026-10-06T09:00:00",
    "catalog": [MILK],
    "members": [{"code": "M1", "phone": "13800000001", "registered": "2025-01-01"}],
    "events": [
        {"do": "identify", "code": "M1"},
        {"do": "scan", "code": MILK["code"]},
        {"do": "pay", "tenders": [{"kind": "cash", "amount": "1.00"}]},
        {"do": "recharge", "code": "M1", "amount": "100.00", "manager": "mgr"},
    ],
}


def real_store(path: Path) -> None:
    """A till in use: its manager's PIN 4321 with two wrong tries counted, milk at 6.50."""
    sessions = open_store(path)
    setup.configure(sessions, terminal_id="S1-T02", program="tomato", store="S1")
    setup.import_products(sessions, [Product(MILK["code"], "牛奶", "dairy", Money(650))])
    with write_session(sessions) as s:
        st.add_staff(s, "mgr", "王店长", "manager", "4321")
        s.get(StaffRow, "mgr").failed = 2  # type: ignore[union-attr]
    sessions.kw["bind"].dispose()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: what 'changed nothing' compares."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def replay_cli(
    scenario: dict[str, Any], db: Path, tmp: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    file = tmp / "scenario.json"
    file.write_text(json.dumps(scenario, ensure_ascii=False), encoding="utf-8")
    code = main(["replay", str(file), "--db", str(db)])
    return code, capsys.readouterr().err


def test_replay_on_a_store_with_staff_of_its_own_is_refused_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    real_store(db)
    before = dump(db)
    code, err = replay_cli(SCENARIO, db, tmp_path, capsys)
    assert code == 2 and "staff of its own" in err, err
    assert dump(db) == before
    with open_store(db)() as s:
        row = s.get(StaffRow, "mgr")
        assert row is not None and st.check_secret(row.pin_hash, "4321")
        assert (row.failed, row.locked_until) == (2, None)


def test_a_refused_scenario_on_a_replay_store_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    assert replay(SCENARIO, db)["errors"] == []
    before = dump(db)
    # the member exists already, and the milk is in the store at another price
    again = {**SCENARIO, "catalog": [{**MILK, "price": "9.99"}]}
    code, err = replay_cli(again, db, tmp_path, capsys)
    assert code == 2 and "catalog[0]" in err and "never changes" in err, err
    code, err = replay_cli(SCENARIO, db, tmp_path, capsys)
    assert code == 2 and "members[0]: member M1 already exists" in err, err
    assert dump(db) == before


def test_a_store_with_replays_own_staff_takes_more_sales_and_keeps_its_prices(
    tmp_path: Path,
) -> None:
    db = tmp_path / "till.sqlite"
    replay(SCENARIO, db)
    staff = dump(db)["staff"]
    more = {**SCENARIO, "start": "2026-10-06T12:00:00", "members": []}
    out = replay(more, db)
    assert out["errors"] == [] and [s["total_due"] for s in out["sales"]] == ["0.01"]
    assert dump(db)["staff"] == staff  # hashes, failure counts and lockouts untouched


def test_replay_on_a_provisioned_till_writes_as_that_terminal(tmp_path: Path) -> None:
    db = tmp_path / "till.sqlite"
    sessions = open_store(db)
    setup.configure(sessions, terminal_id="S1-T07", store="S1")  # what the first sync writes
    sessions.kw["bind"].dispose()
    assert replay(SCENARIO, db)["errors"] == []
    with sqlite3.connect(db) as c:
        assert {r[0] for r in c.execute("SELECT terminal_id FROM ledger")} == {"S1-T07"}


def test_a_scenario_refused_with_exit_2_on_a_new_store_leaves_no_staff_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    twice = {**SCENARIO, "members": SCENARIO["members"] * 2}
    code, err = replay_cli(twice, db, tmp_path, capsys)
    assert code == 2 and "members[1]" in err, err
    rows = dump(db)
    assert rows["staff"] == [] and rows["products"] == [] and rows["ledger"] == []


def test_demo_data_refuses_a_store_that_has_only_staff(tmp_path: Path) -> None:
    db = tmp_path / "till.sqlite"
    sessions = open_store(db)
    with write_session(sessions) as s:
        st.add_staff(s, "mgr", "王店长", "manager", "4321")
    sessions.kw["bind"].dispose()
    before = dump(db)
    with pytest.raises(RuleViolation) as e:
        generate(db, products=5, members=5, start=datetime(2026, 10, 6, 9))
    assert e.value.code == "store_not_empty" and "1 staff" in e.value.message
    held = {k: e.value.params[k] for k in ("members", "products", "staff", "ledger_rows")}
    assert held == {"members": 0, "products": 0, "staff": 1, "ledger_rows": 0}
    assert "员工 1," in refusal_text(e.value)  # the screen says what the store holds
    assert dump(db) == before


def test_demo_data_replace_deletes_only_a_demo_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    real_store(db)
    before = dump(db)
    argv = ["demo-data", "--db", str(db), "--products", "5", "--members", "5", "--replace"]
    assert main(argv) == 2
    assert "deletes only a store demo-data made" in capsys.readouterr().err
    assert dump(db) == before
