"""The console's member search (``member_view.search``): a code (exact, then its start),
a whole phone number, or the start of a name through ``members.name_key`` (migration
0016, its backfill here too); a store manager finds only their stores' members. On
PostgreSQL and on SQLite (the embedded HQ), whose prefix queries differ."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from sync.hq import db, facts
from sync.hq import service as svc
from sync.hq.console import member_view as mv
from sync.hq.console.accounts import Who
from sync.hq.console.roles import ADMIN, FINANCE, STORE_MANAGER
from sync.hq.models import MemberRow
from tests.hq.helpers import SETUP, Hq

MIGRATION = Path(__file__).parents[2] / "sync/hq/migrations/versions/0016_member_name_key.py"


def member(code: str, phone: str, name: str) -> dict[str, Any]:
    return {"code": code, "phone": phone, "registered": "2025-01-01", "name": name}


MEMBERS = [
    member("VIP001", "13800000001", "王小明"),  # S1
    member("VIP002", "13800000002", "王大力"),  # S2
    member("VIP010", "13800000010", "Li Lei"),  # S1
    member("VIP011", "13800000011", "ＬＩ Ｍｅｉ"),  # S1, full-width
    member("P1", "13800000020", "A_b%c"),  # S1
    member("P2", "13800000021", "Axbyc"),  # S1
    member("N1", "13800000030", "vip0xx"),  # S1: a name that starts like the codes
    member("N2", "13800000031", "1380000000"),  # S1: a name that starts like a phone
    member("H1", "13800000040", "王二"),  # imported, no till has seen it: hq only
]
S1 = ["VIP001", "VIP010", "VIP011", "P1", "P2", "N1", "N2"]


def who(role: str, *stores: str) -> Who:
    return Who(1, "u", role, frozenset(stores), 1, "")


BOSS, FAY, SAM = who(ADMIN), who(FINANCE), who(STORE_MANAGER, "S1")


@pytest.fixture(params=["postgresql", "sqlite"])
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hq]:
    if request.param == "postgresql":
        engine = db.open_hq(request.getfixturevalue("hq_url"))
    else:
        engine = db.open_hq(str(tmp_path / "hq.sqlite"))
    hq = Hq(engine, tmp_path)
    try:
        hq.import_setup({**SETUP, "members": MEMBERS})
        hq.run(lambda s: svc.link_members(s, "S1", S1))
        hq.run(lambda s: svc.link_members(s, "S2", ["VIP002"]))
        yield hq
    finally:
        hq.close()
        engine.dispose()


def found(hq: Hq, q: str, by: Who = BOSS, full: bool = True) -> list[tuple[str, str]]:
    with hq.sessions() as s:
        return [(f.code, f.phone) for f in mv.search(s, by, q, full)]


def codes(hq: Hq, q: str, by: Who = BOSS) -> list[str]:
    return [c for c, _ in found(hq, q, by)]


def test_the_write_path_derives_the_name_key_from_the_state(chain: Hq) -> None:
    with chain.sessions() as s:
        keys = dict(s.execute(select(MemberRow.code, MemberRow.name_key)).all())
    assert keys["VIP001"] == "王小明" and keys["VIP010"] == "lilei"
    assert keys["VIP011"] == "limei"  # NFKC: full-width letters as ASCII
    assert keys == {m["code"]: facts.name_key(m["name"]) for m in MEMBERS}


def test_a_code_is_found_exactly_then_by_its_start(chain: Hq) -> None:
    assert codes(chain, "VIP001") == ["VIP001"]
    assert codes(chain, "VIP01") == ["VIP010", "VIP011"]
    # a code's start that is also a name's start finds both, the codes first
    assert codes(chain, "VIP0") == ["VIP001", "VIP002", "VIP010", "VIP011", "N1"]


def test_a_whole_code_or_phone_is_not_searched_as_a_name(chain: Hq) -> None:
    assert codes(chain, "N1") == ["N1"]
    assert "N2" not in codes(chain, "13800000001")  # N2's name starts with 1380000000
    assert found(chain, "13800000001") == [("VIP001", "13800000001")]
    assert codes(chain, "1380000000") == ["N2"]  # not a whole phone: a name's start
    assert codes(chain, "138000") == ["N2"]  # a phone's part finds no phone


def test_a_phone_is_masked_for_a_role_that_may_not_see_it(chain: Hq) -> None:
    assert found(chain, "13800000001", FAY, full=False) == [("VIP001", "*******0001")]
    assert found(chain, "王小", FAY, full=False) == [("VIP001", "*******0001")]


def test_a_name_is_found_by_its_start(chain: Hq) -> None:
    assert codes(chain, "王") == ["H1", "VIP001", "VIP002"]
    assert codes(chain, "王小") == ["VIP001"]
    assert codes(chain, "小明") == []  # a part inside a name: not served (see member_view)
    assert codes(chain, "li") == ["VIP010", "VIP011"]
    assert codes(chain, "LI L") == codes(chain, "lil") == ["VIP010"]
    assert codes(chain, "ｌｉｍ") == ["VIP011"]
    assert codes(chain, "  ") == [] and codes(chain, "") == []


def test_percent_and_underscore_in_a_name_are_plain_characters(chain: Hq) -> None:
    assert codes(chain, "A_b") == ["P1"]  # not Axbyc: _ is no wildcard
    assert codes(chain, "a_b%") == ["P1"]
    assert codes(chain, "Ax") == ["P2"]
    assert codes(chain, "%") == [] and codes(chain, "_") == []


def test_a_store_manager_finds_only_their_stores_members(chain: Hq) -> None:
    assert codes(chain, "王", SAM) == ["VIP001"]  # not S2's VIP002, nor hq-only H1
    assert codes(chain, "VIP0", SAM) == ["VIP001", "VIP010", "VIP011", "N1"]
    assert codes(chain, "VIP002", SAM) == [] and codes(chain, "H1", SAM) == []
    assert codes(chain, "13800000002", SAM) == [] and codes(chain, "13800000040", SAM) == []
    with chain.sessions() as s:
        assert mv.member_row(s, SAM, "H1") is None and mv.member_row(s, BOSS, "H1")
        assert not svc.member_in_scope(s, "H1", {"S1"})
        assert svc.member_in_scope(s, "H1", None) and svc.member_in_scope(s, "VIP001", {"S1"})
        assert not svc.member_in_scope(s, "NOSUCH", None)
        assert not svc.member_in_scope(s, "VIP001", set())  # a manager of no store


def test_postgresql_serves_the_name_prefix_from_the_index(hq_url: str) -> None:
    engine = db.open_hq(hq_url)
    try:
        with Session(engine) as s:
            starts = mv._name_starts(s, "王小")
        assert starts is not None
        with engine.begin() as conn:
            where = starts.compile(
                dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
                compile_kwargs={"literal_binds": True},
            )
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = conn.execute(text(f"EXPLAIN SELECT code FROM members WHERE {where}"))
            lines = [str(r[0]) for r in plan]
        assert any("ix_members_name_key" in x for x in lines), lines
        assert any("~>=~" in x for x in lines), lines  # the pattern ops' range on the index
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- migration 0016

STATES = {
    "A1": '{"code":"A1","name":"王小明","phone":""}',
    "A2": '{"code":"A2","name":"Li Lei"}',
    "A3": '{"code":"A3","name":""}',
    "A4": '{"code":"A4"}',
    "A5": "not json",
    "A6": '{"code":"A6","name":"50%_off"}',
    "A7": '{"code":"A7","name":"赵六"}',
}
KEYS = {"A1": "王小明", "A2": "lilei", "A6": "50%_off", "A7": "赵六"}


def backfilled(engine: Engine) -> dict[str, str | None]:
    command.downgrade(db.config(engine), "0015")
    with engine.begin() as conn:
        for code, state in STATES.items():
            conn.execute(
                text(
                    "INSERT INTO members (code, phone, state_json, blocked, folded, updated_at)"
                    " VALUES (:c, '', :s, false, 0, :now)"
                ),
                {"c": code, "s": state, "now": svc.utcnow()},
            )
    db.upgrade(engine)
    with engine.connect() as conn:
        return {c: k for c, k in conn.execute(text("SELECT code, name_key FROM members"))}


def small_batches(engine: Engine) -> dict[str, str | None]:
    spec = importlib.util.spec_from_file_location("hq_0016", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with engine.begin() as conn:
        conn.execute(text("UPDATE members SET name_key = NULL"))
        module.backfill(conn, batch=2)
    with engine.connect() as conn:
        return {c: k for c, k in conn.execute(text("SELECT code, name_key FROM members"))}


def test_0016_backfills_name_keys_on_postgresql_and_steps_down(engine: Engine) -> None:
    expect = {c: KEYS.get(c) for c in STATES}
    assert backfilled(engine) == expect
    assert small_batches(engine) == expect
    command.downgrade(db.config(engine), "0015")
    with engine.connect() as conn:
        cols = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name='members'")
        )
        assert "name_key" not in set(cols.scalars())
    db.upgrade(engine)


def test_0016_backfills_name_keys_on_sqlite(tmp_path: Path) -> None:
    engine = db.open_hq(str(tmp_path / "hq.sqlite"))
    try:
        expect = {c: KEYS.get(c) for c in STATES}
        assert backfilled(engine) == expect
        assert small_batches(engine) == expect
        command.downgrade(db.config(engine), "0015")
        db.upgrade(engine)
    finally:
        engine.dispose()
