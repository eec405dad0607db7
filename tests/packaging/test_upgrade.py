"""Upgrading an installed till: a store written by the previous release (tests/fixtures,
made by make_release_store.py from the v0.1.0 tag) opens with this code, is migrated to
the newest schema, verifies, keeps every member's balance, and takes new sales."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.app.replay import member_json, replay
from terminal.store import members
from terminal.store.db import make_engine, open_store
from terminal.store.migrate import config, current
from ui.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures"
RELEASE = "v0.1.0"


def release_store(folder: Path, name: str = "till.sqlite") -> Path:
    """A copy of the release's store file in ``folder``."""
    db = folder / name
    with gzip.open(FIXTURES / f"store-{RELEASE}.sqlite.gz") as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return db


def recorded() -> dict[str, Any]:
    """What the release itself read from that store (balances as of ``as_of``)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"store-{RELEASE}.json").read_text("utf-8"))
    return data


def revision(db: Path) -> str | None:
    """The store's schema revision (Alembic's version table)."""
    engine = make_engine(db)
    try:
        return current(engine)
    finally:
        engine.dispose()


def newest_revision() -> str | None:
    """This code's newest store migration, whichever that is now."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config()).get_current_head()


def balances(db: Path, as_of: date) -> dict[str, dict[str, Any]]:
    sessions = open_store(db)
    try:
        with sessions() as s:
            out = {}
            for code in members.all_codes(s):
                state = members.load(s, code)
                assert state is not None
                out[code] = member_json(state, as_of)
            return out
    finally:
        sessions.kw["bind"].dispose()


# A sale after the upgrade: a member from the release's store pays with stored value.
NEW_SALE = {
    "program": "tomato",
    "start": "2026-11-04T09:00:00",
    "events": [
        {"at": "2026-11-04T10:00:00", "do": "identify", "code": "V000001"},
        {"do": "scan", "code": "6901234500035"},
        {"do": "pay", "tenders": [{"kind": "stored_value", "amount": "55.00"}]},
    ],
}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return release_store(tmp_path)


def test_the_fixture_is_the_release_schema(store: Path) -> None:
    assert revision(store) == recorded()["revision"]  # as the release left it


def test_release_store_migrates_and_verifies(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_store(store).kw["bind"].dispose()
    assert revision(store) == newest_revision()
    assert main(["verify", "--db", str(store)]) == 0
    out = capsys.readouterr().out
    assert f"ok: {recorded()['ledger_entries']} ledger entries" in out


def test_every_balance_is_as_the_release_left_it(store: Path) -> None:
    rec = recorded()
    now = balances(store, date.fromisoformat(rec["as_of"]))
    assert sorted(now) == sorted(rec["members"])
    for code, before in rec["members"].items():
        # the release's keys, compared as it wrote them (newer code may add keys)
        assert {k: now[code][k] for k in before} == before, code


def test_a_new_sale_on_the_upgraded_store(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = recorded()["members"]["V000001"]["stored_value"]
    out = replay(NEW_SALE, store)
    assert out["errors"] == []
    assert [s["total_due"] for s in out["sales"]] == ["55.00"]  # steak at member price
    sv = out["members"][0]["stored_value"]
    spent = sum(Decimal(before[k]) - Decimal(sv[k]) for k in ("principal", "gift"))
    assert spent == Decimal("55.00")
    assert main(["verify", "--db", str(store)]) == 0
    entries = int(capsys.readouterr().out.split("ok: ")[1].split()[0])
    assert entries > recorded()["ledger_entries"]
