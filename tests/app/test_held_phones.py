"""Full phones a till pulled before HQ masked them: store migration 0005 (or the first
pull that brings the chain's phone secret) replaces each by its masked form and key, so
a typed phone still finds the member, and changes nothing else.

The store is one at revision 0004, as a till of that release left it: members set up
here (their ``Registered`` ledger rows hold their phones; made at head, then stepped down
to 0004), then a pull from before masking (HQ's states in ``hq_states`` and the cache,
full phones, no key).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol as proto
from sync.till import apply_pull
from terminal import codec, phone_keys
from terminal.app import setup
from terminal.app.ids import ReplayIds
from terminal.app.verify import verify
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.program_loader import load_program
from terminal.store import members as repo
from terminal.store import migrate
from terminal.store.db import open_store

NOW = datetime(2026, 10, 7, 10)
SECRET = "chain-secret"
HERE = "13800005678"  # M1: registered here, then pulled back before masking
OTHER = "13912345678"  # M7: another store's member, pulled before masking
OWN = "13700001111"  # M2: registered here, never pulled back


def old_store(path: Path, *, secret: bool) -> None:
    sessions = open_store(path)
    setup.configure(sessions, terminal_id="T01", program="tomato", store="测试店")
    openings = [
        lc.Opening(code="M1", phone=HERE, registered=date(2025, 1, 1), principal=Money(1000)),
        lc.Opening(code="M2", phone=OWN, registered=date(2025, 1, 1)),
    ]
    setup.import_members(sessions, load_program("tomato"), openings, NOW, "T01", ReplayIds("T"))
    with sessions() as s:
        m1 = repo.cached(s, "M1")
    engine = sessions.kw["bind"]
    command.downgrade(migrate.config(engine), "0004")  # the release's schema, its rows
    engine.dispose()
    assert m1 is not None
    pulled = {
        "M1": dataclasses.replace(m1, points=120),  # HQ had more for it
        "M7": m.MemberState(code="M7", phone=OTHER, name="王", principal=Money(5000)),
    }
    db = sqlite3.connect(path)
    with db:
        for code, state in pulled.items():  # what apply_pull wrote before masking
            text = codec.dumps(state)
            db.execute(
                "INSERT INTO hq_states VALUES (?, ?, ?, 0, 3, '2026-10-07T10:30:00')",
                (code, text, 2),
            )
            db.execute(
                "INSERT INTO members (code, phone, state_json, last_seq, version)"
                " VALUES (?, ?, ?, 0, 1) ON CONFLICT (code) DO UPDATE SET"
                " phone = excluded.phone, state_json = excluded.state_json,"
                " version = version + 1",
                (code, state.phone, text),
            )
        if secret:
            db.execute("INSERT INTO settings VALUES (?, ?)", (phone_keys.SECRET, SECRET))
    db.close()


def rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    finally:
        db.close()


def states(path: Path, table: str) -> dict[str, m.MemberState]:
    db = sqlite3.connect(path)
    try:
        found = db.execute(f"SELECT code, state_json FROM {table}").fetchall()
    finally:
        db.close()
    return {code: codec.loads(m.MemberState, text) for code, text in found}


def unmasked(states: dict[str, m.MemberState]) -> dict[str, m.MemberState]:
    return {c: dataclasses.replace(s, phone="") for c, s in states.items()}


def check_masked(path: Path, sessions: sessionmaker[Session], before: dict[str, Any]) -> None:
    held = {t: rows(path, t) for t in ("hq_states", "members")}
    assert OTHER not in repr(held) and HERE not in repr(held)
    assert [r[1] for r in held["members"]] == [
        phone_keys.key(SECRET, HERE),
        OWN,  # registered here, never pulled: its phone is its ledger row's
        phone_keys.key(SECRET, OTHER),
    ]
    for table in ("hq_states", "members"):
        after = states(path, table)
        assert unmasked(after) == unmasked(before[table])  # nothing else changed
    assert states(path, "hq_states")["M7"].phone == "*******5678"
    assert states(path, "members")["M1"].phone == "*******5678"
    assert rows(path, "ledger") == before["ledger"]  # hashed rows are never rewritten
    assert HERE in repr(before["ledger"])  # ... so M1's phone stays where it was signed
    with sessions() as s:
        assert repo.codes_by_phone(s, OTHER) == ["M7"]
        assert repo.codes_by_phone(s, HERE) == ["M1"]
        assert repo.codes_by_phone(s, OWN) == ["M2"]
        assert repo.load(s, "M7") == states(path, "members")["M7"]  # its MAC holds
    rep = verify(sessions)
    assert rep.ok and rep.members == 3, rep.problems


def snapshot(path: Path) -> dict[str, Any]:
    return {
        "hq_states": states(path, "hq_states"),
        "members": states(path, "members"),
        "ledger": rows(path, "ledger"),
    }


def test_the_upgrade_masks_phones_pulled_before_masking(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite"
    old_store(path, secret=True)
    before = snapshot(path)
    assert OTHER in repr(rows(path, "members")) and OTHER in repr(rows(path, "hq_states"))
    sessions = open_store(path)
    try:
        check_masked(path, sessions, before)
    finally:
        sessions.kw["bind"].dispose()  # closed: the WAL is checkpointed into the file
    data = path.read_bytes()
    assert OTHER.encode() not in data  # no copy left in the file (free space included)
    assert HERE.encode() in data  # M1's own Registered row (the ledger is not rewritten)


def test_without_the_secret_the_first_pull_that_brings_it_masks_them(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite"
    old_store(path, secret=False)
    before = snapshot(path)
    sessions = open_store(path)
    try:
        assert OTHER in repr(rows(path, "members"))  # no secret: nothing to key them with
        assert verify(sessions).ok  # the rows held at the upgrade were sealed as they are
        page = proto.PullResult(cursor=4, more=False, through=0, phone_secret=SECRET)
        apply_pull(sessions, page, datetime(2026, 10, 7, 11))
        check_masked(path, sessions, before)
        apply_pull(sessions, page, datetime(2026, 10, 7, 12))  # the secret held: no rescan
        check_masked(path, sessions, before)
    finally:
        sessions.kw["bind"].dispose()


def test_masking_never_seals_a_forged_state_again(tmp_path: Path) -> None:
    """A state raised in the file before the secret came keeps its failing MAC: the
    pull that masks the phones does not launder it."""
    path = tmp_path / "till.sqlite"
    old_store(path, secret=False)
    sessions = open_store(path)
    try:
        raised = "replace(state_json, '\"principal\":5000,', '\"principal\":500000,')"
        db = sqlite3.connect(path)
        with db:
            for table in ("hq_states", "members"):
                db.execute(f"UPDATE {table} SET state_json = {raised} WHERE code = 'M7'")
        db.close()
        assert states(path, "hq_states")["M7"].principal == Money(500000)
        page = proto.PullResult(cursor=4, more=False, through=0, phone_secret=SECRET)
        apply_pull(sessions, page, datetime(2026, 10, 7, 11))
        assert states(path, "hq_states")["M1"].phone == "*******5678"  # sound rows masked
        assert states(path, "hq_states")["M7"].phone == OTHER  # the forged one left as found
        problems = verify(sessions).problems
        assert any("M7" in p and "HQ's state" in p for p in problems), problems
    finally:
        sessions.kw["bind"].dispose()
