"""HQ tests run on a real PostgreSQL (127.0.0.1:5432 here and in CI; ``$POS_TEST_PG``
names another server). Each test gets its own database, copied from a migrated
template, dropped afterwards. Only where PostgreSQL cannot be reached do they fall
back to a SQLite file, with a warning."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from sync.hq import db

# Starlette's TestClient asks for httpx2; the till's client is built on httpx (pinned <1).
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from tests.hq.helpers import Hq  # noqa: E402

PG = os.environ.get("POS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(PG, autocommit=True, connect_timeout=3)


def _url(name: str) -> str:
    return PG.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    try:
        _admin().close()
    except psycopg.OperationalError as e:
        warnings.warn(f"PostgreSQL unreachable ({e}); HQ tests fall back to SQLite", stacklevel=1)
        yield None
        return
    name = f"hq_tmpl_{uuid.uuid4().hex[:10]}"
    with _admin() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    engine = db.open_hq(_url(name))
    engine.dispose()
    yield name
    with _admin() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def hq_url(pg_template: str | None, tmp_path: Path) -> Iterator[str]:
    if pg_template is None:
        yield str(tmp_path / "hq.sqlite")
        return
    name = f"hq_t_{uuid.uuid4().hex[:12]}"
    with _admin() as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _url(name)
    with _admin() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(hq_url: str) -> Iterator[Engine]:
    e = db.open_hq(hq_url)
    yield e
    e.dispose()


@pytest.fixture
def hq(engine: Engine, tmp_path: Path) -> Iterator[Hq]:
    h = Hq(engine, tmp_path)
    yield h
    h.close()
