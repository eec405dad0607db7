"""HQ's schema comes from its own Alembic migrations (apart from the till's); the models
and the migrations agree; SQLite, the single shop's embedded HQ, runs the same code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from sync.hq import db
from sync.hq.models import Base
from tests.hq.helpers import SOY, Hq, cash, coins


def diffs(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": db.VERSION_TABLE})
        return list(compare_metadata(ctx, Base.metadata))


def test_models_and_migrations_agree(engine: Engine) -> None:
    assert diffs(engine) == []
    tables = set(inspect(engine).get_table_names())
    assert {"entries", "checkpoints", "members", "changes", db.VERSION_TABLE} <= tables
    assert "alembic_version" not in tables  # the till's version table is not HQ's


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
        assert hq.member("M1") == a.state("M1") == b.state("M1")
        assert hq.verify() == [] and a.verify().ok and b.verify().ok
    finally:
        hq.close()
        engine.dispose()
