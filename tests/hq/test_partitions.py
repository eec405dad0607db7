"""On PostgreSQL, ``entries`` is partitioned by HQ's receive month, each month by hash of
the store, with a default partition; ids are unique through ``entry_ids`` whatever the
month; a till's queries are pruned to its store's partition; an HQ upgraded from an
unpartitioned schema keeps every entry, and so does the downgrade."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from sync.hq import db
from sync.hq import service as svc
from sync.hq.app import create_app
from tests.hq.helpers import TRUSTING, Hq, chain, push, rehash


@pytest.fixture(autouse=True)
def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("partitioning is PostgreSQL's; SQLite keeps a plain table")


def day_in(month: int) -> datetime:
    return datetime(month // 100, month % 100, 15, 12, tzinfo=UTC)


def leaves(conn: Connection, terminal: str) -> dict[str, int]:
    """The partition each of ``terminal``'s entries is stored in, with counts."""
    rows = conn.execute(
        text(
            "SELECT tableoid::regclass::text, count(*) FROM entries "
            "WHERE terminal_id = :t GROUP BY 1"
        ),
        {"t": terminal},
    ).all()
    return {name: n for name, n in rows}


def http_at(hq: Hq, token: str, now: Callable[[], datetime]) -> TestClient:
    c = TestClient(
        create_app(hq.engine, now=now, window=TRUSTING),
        headers={"Authorization": f"Bearer {token}"},
    )
    hq._open.append(c)
    return c


def test_entries_is_range_partitioned_by_month_then_hashed_by_store(engine: Engine) -> None:
    with engine.connect() as conn:
        strategy = dict(
            conn.execute(
                text(
                    "SELECT c.relname, p.partstrat FROM pg_partitioned_table p "
                    "JOIN pg_class c ON c.oid = p.partrelid"
                )
            ).all()
        )
        children = conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'entries'::regclass"
            )
        ).scalars()
        months = sorted(db.month_partitions(conn))
        hashed = conn.execute(
            text("SELECT count(*) FROM pg_inherits WHERE inhparent = CAST(:p AS regclass)"),
            {"p": f"entries_{months[0]}"},
        ).scalar()
        key = conn.execute(
            text("SELECT pg_get_partkeydef(CAST(:p AS regclass))"), {"p": f"entries_{months[0]}"}
        ).scalar()
        pk = conn.execute(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_entries'")
        ).scalar()
        ids_pk = conn.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'pk_entry_ids'"
            )
        ).scalar()
        plain = conn.execute(
            text("SELECT relkind FROM pg_class WHERE relname = 'entry_ids'")
        ).scalar()
    assert strategy["entries"] == "r"  # RANGE (month)
    assert set(children) == {db.DEFAULT_PARTITION, *(f"entries_{m}" for m in months)}
    assert months == db.upcoming()  # this month and the next MONTHS_AHEAD
    assert hashed == db.HASH_PARTITIONS and key == "HASH (store_id)"
    assert pk == "PRIMARY KEY (terminal_id, seq, store_id, month)"
    assert ids_pk == "PRIMARY KEY (id)" and plain == "r"  # unpartitioned


def test_rows_land_in_their_month_and_store_partition(hq: Hq) -> None:
    month = db.upcoming()[1]
    now = day_in(month)
    t1, t2 = hq.enroll("S1", "T1"), hq.enroll("S2", "T2")
    assert push(http_at(hq, t1, lambda: now), "T1", chain("T1", 5)).status_code == 200
    assert push(http_at(hq, t2, lambda: now), "T2", chain("T2", 3)).status_code == 200
    with hq.engine.connect() as conn:
        a, b = leaves(conn, "T1"), leaves(conn, "T2")
        expect = {
            store: conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = CAST(:p AS regclass) AND satisfies_hash_partition("
                    "CAST(:p AS regclass), :n, "
                    "CAST(substring(c.relname from '_h([0-9]+)$') AS int), CAST(:s AS text))"
                ),
                {"p": f"entries_{month}", "n": db.HASH_PARTITIONS, "s": store},
            ).scalar()
            for store in ("S1", "S2")
        }
        # a till's query names its store: one hash partition per month is scanned
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT * FROM entries WHERE terminal_id = 'T1' AND store_id = 'S1' "
                    "AND seq > 0 ORDER BY seq"
                )
            ).scalars()
        )
    assert a == {expect["S1"]: 5} and b == {expect["S2"]: 3}
    scanned = set(re.findall(r"on (entries_\w+)", plan))
    assert expect["S1"] in scanned
    # one store partition per month, and the default (a month not made yet)
    assert len(scanned) == len(db.upcoming()) + 1 and db.DEFAULT_PARTITION in scanned
    assert hq.verify() == []


def test_a_month_without_partition_uses_the_default_until_one_is_made(hq: Hq) -> None:
    month = 203001  # far ahead: no partition yet
    token = hq.enroll("S1", "T1")
    entries = chain("T1", 4)
    assert push(http_at(hq, token, lambda: day_in(month)), "T1", entries).status_code == 200
    with hq.engine.begin() as conn:
        assert leaves(conn, "T1") == {db.DEFAULT_PARTITION: 4}
        assert db.ensure_partitions(conn, [month]) == [month]
        assert db.ensure_partitions(conn, [month]) == []  # made once
        (where, n), *_ = leaves(conn, "T1").items()
    assert where.startswith(f"entries_{month}_h") and n == 4
    assert hq.verify() == []
    page = hq.http(token).get("/v1/terminals/T1/entries").json()
    assert [e["hash"] for e in page["entries"]] == [e.hash for e in entries]


def test_an_id_reused_in_another_month_is_rejected(hq: Hq) -> None:
    this, later = db.upcoming()[0], db.upcoming()[2]
    token = hq.enroll("S1", "T1")
    entries = chain("T1", 3)
    assert push(http_at(hq, token, lambda: day_in(this)), "T1", entries).status_code == 200
    follow = chain("T1", 1, start=4, head=entries[-1].hash, tag="n")
    reuse = rehash(follow[0], id=entries[0].id)
    r = push(http_at(hq, token, lambda: day_in(later)), "T1", [reuse])
    assert r.json()["results"][0]["status"] == "rejected"
    assert r.json()["results"][0]["code"] == "conflict"
    # another till, another store, another month: still taken
    other = hq.enroll("S2", "T2")
    r = push(
        http_at(hq, other, lambda: day_in(later)),
        "T2",
        [rehash(chain("T2", 1)[0], id=entries[1].id)],
    )
    assert r.json()["results"][0]["code"] == "conflict"
    # and the database itself refuses a second row for an id
    with pytest.raises(IntegrityError), hq.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO entry_ids (id, terminal_id, seq) VALUES (:i, 'T9', 1)"),
            {"i": entries[0].id},
        )
    assert hq.entries("T1") == 3 and hq.entries("T2") == 0


def test_upgrading_from_0001_keeps_every_entry_and_so_does_the_downgrade(
    engine: Engine, tmp_path: Path
) -> None:
    command.downgrade(db.config(engine), "base")
    db.upgrade(engine, "0001")
    old = 201912  # a month long gone: it gets its own partition
    rows = [(e, old if e.seq <= 3 else db.upcoming()[0]) for e in chain("T1", 6)]
    with engine.begin() as conn:
        now = svc.utcnow()
        conn.execute(
            text("INSERT INTO stores (id, name, created_at) VALUES ('S1', '', :n)"), {"n": now}
        )
        conn.execute(
            text(
                "INSERT INTO terminals (id, store_id, kind, enrolled_at, revoked) "
                "VALUES ('T1', 'S1', 'till', :n, false)"
            ),
            {"n": now},
        )
        conn.execute(
            text(
                "INSERT INTO checkpoints (terminal_id, seq, hash, updated_at) "
                "VALUES ('T1', 6, :h, :n)"
            ),
            {"h": rows[-1][0].hash, "n": now},
        )
        for e, month in rows:
            conn.execute(
                text(
                    f"INSERT INTO entries ({db.ENTRY_COLUMNS}) VALUES (:terminal_id, :seq, :id, "
                    "'S1', :month, :at, :kind, :member_code, :ref, :payload, :prev_hash, :hash, "
                    ":now, NULL)"
                ),
                {**e.model_dump(), "month": month, "now": now},
            )
    db.upgrade(engine)
    hq = Hq(engine, tmp_path)
    try:
        with engine.connect() as conn:
            where = leaves(conn, "T1")
            ids = conn.execute(text("SELECT count(*) FROM entry_ids")).scalar()
        assert sum(where.values()) == 6 and ids == 6
        assert {name.rsplit("_h", 1)[0] for name in where} == {
            f"entries_{old}",
            f"entries_{db.upcoming()[0]}",
        }
        assert hq.verify() == []
        # the upgraded HQ takes the till's next entry and refuses a reused id
        token = hq.enroll("S1", "T1")
        nxt = chain("T1", 2, start=7, head=rows[-1][0].hash, tag="n")
        r = push(hq.http(token), "T1", [nxt[0], rehash(nxt[1], id=rows[0][0].id)])
        assert [x["status"] for x in r.json()["results"]] == ["applied", "rejected"]

        command.downgrade(db.config(engine), "0002")
        with engine.connect() as conn:
            assert not db.partitioned(conn)
            assert conn.execute(text("SELECT count(*) FROM entries")).scalar() == 7
        assert hq.verify() == []
        db.upgrade(engine)
        assert hq.entries("T1") == 7 and hq.verify() == []
    finally:
        hq.close()
