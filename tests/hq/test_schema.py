"""HQ's schema comes from its own Alembic migrations (apart from the till's); the models
and the migrations agree; SQLite, the single shop's embedded HQ, runs the same code."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from sync.hq import db
from sync.hq import service as svc
from sync.hq.models import Base
from tests.hq.helpers import SOY, Hq, as_sent, cash, chain, coins, push, rehash


def diffs(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        opts = {"version_table": db.VERSION_TABLE, "include_name": db.include_name}
        ctx = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(ctx, Base.metadata))


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert diffs(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"entries", "checkpoints", "members", "changes", db.VERSION_TABLE} <= tables
    assert "alembic_version" not in tables  # the till's version table is not HQ's


def test_the_push_path_writes_rows_in_the_tables_column_order() -> None:
    assert tuple(f.name for f in fields(svc.NewEntry)) == svc._COLUMNS
    assert tuple(c.strip() for c in db.ENTRY_COLUMNS.split(",")) == svc._COLUMNS


def test_migrations_step_down_and_up_and_rerun_as_no_ops(engine: Engine) -> None:
    db.upgrade(engine)  # already at head: nothing to do
    command.downgrade(db.config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {db.VERSION_TABLE}
    db.upgrade(engine)
    assert diffs(engine) == []


def test_an_embedded_sqlite_hq_syncs_a_till(tmp_path: Path) -> None:
    engine = db.open_hq(str(tmp_path / "hq" / "hq.sqlite"))
    hq = Hq(engine, tmp_path)
    try:
        hq.import_setup()
        a, b = hq.till("S1-T01"), hq.till("S1-T02")
        a.sync()
        b.sync()
        a.sell("M1", SOY, coins(5), cash(20))
        b.sell("M1", SOY, coins(4), cash(20))
        assert a.sync().acknowledged and b.sync().acknowledged
        a.sync()
        assert as_sent(hq.member("M1")) == a.state("M1") == b.state("M1")
        assert hq.verify() == [] and a.verify().ok and b.verify().ok
    finally:
        hq.close()
        engine.dispose()


def test_an_embedded_sqlite_hq_upgraded_from_0001_keeps_its_entries(tmp_path: Path) -> None:
    engine = db.open_hq(str(tmp_path / "hq.sqlite"), migrate=False)
    try:
        db.upgrade(engine, "0001")
        entries = chain("T1", 4)
        now = svc.utcnow()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO stores VALUES ('S1', '', :n)"), {"n": now})
            conn.execute(
                text("INSERT INTO terminals VALUES ('T1', 'S1', 'till', NULL, :n, 0)"), {"n": now}
            )
            conn.execute(
                text("INSERT INTO checkpoints VALUES ('T1', 4, :h, :n)"),
                {"h": entries[-1].hash, "n": now},
            )
            for e in entries:
                conn.execute(
                    text(
                        f"INSERT INTO entries ({db.ENTRY_COLUMNS}) VALUES (:terminal_id, :seq, "
                        ":id, 'S1', 202611, :at, :kind, :member_code, :ref, :payload, "
                        ":prev_hash, :hash, :now, NULL)"
                    ),
                    {**e.model_dump(), "now": now},
                )
        db.upgrade(engine)
        assert diffs(engine) == []
        hq = Hq(engine, tmp_path)
        try:
            assert hq.entries("T1") == 4 and hq.verify() == []
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM entry_ids")).scalar() == 4
            token = hq.enroll("S1", "T1")
            nxt = chain("T1", 2, start=5, head=entries[-1].hash, tag="n")
            r = push(hq.http(token), "T1", [nxt[0], rehash(nxt[1], id=entries[0].id)])
            assert [x["status"] for x in r.json()["results"]] == ["applied", "rejected"]
        finally:
            hq.close()
        command.downgrade(db.config(engine), "0002")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM entries")).scalar() == 5
        assert "entry_ids" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
