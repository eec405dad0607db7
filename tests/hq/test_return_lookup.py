"""HQ finds a return's sale by ``ref`` and the sale's earlier returns by the sale id in
their payload (``ix_entries_kind_ref``, ``ix_entries_return_sale``: migration 0007),
without scanning the till's payloads, and misses none Python reads as that sale's."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from sync.hq.derive import History
from sync.hq.models import EntryRow, RefusedEntryRow
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import RICE, SOY, Hq, Till, as_sent


def two_returns(hq: Hq) -> tuple[Till, str]:
    """A member sale of two lines, returned a line at a time, each return synced alone
    (the second one's earlier return is then HQ's, found by the index)."""
    hq.import_setup()
    t = hq.till("S1-T01")
    assert t.sync().acknowledged
    c = t.counter
    c.identify("M1")
    c.scan(RICE)
    c.scan(SOY)
    sale = c.pay([TenderRequest("cash", Money(100000))])
    mgr = c.authorize("mgr", "8888")
    for line in sale.record.lines:
        c.return_sale(sale.receipt_no, [(line.line_no, Qty(line.qty.milli))], mgr)
        assert t.sync().acknowledged
    return t, sale.record.sale_id


def returns_of(hq: Hq, sale_id: str) -> list[int]:
    with hq.sessions() as s:
        return [seq for seq, _, _ in History(s, "S1-T01", "S1", []).returns_of(sale_id)]


def test_a_sale_returned_in_two_syncs_is_accepted_with_its_earlier_return(hq: Hq) -> None:
    t, sale_id = two_returns(hq)
    assert hq.verify() == [] and as_sent(hq.member("M1")) == t.state("M1")
    with hq.sessions() as s:
        assert s.execute(select(RefusedEntryRow)).first() is None
        held = s.scalars(
            select(EntryRow.seq).where(EntryRow.kind == "return").order_by(EntryRow.seq)
        ).all()
    assert len(held) == 2 and returns_of(hq, sale_id) == list(held)
    assert returns_of(hq, "no-such-sale") == []


def test_a_return_row_postgresql_cannot_read_is_not_missed(hq: Hq) -> None:
    """NaN is JSON to Python, not to PostgreSQL: ``entry_sale_id`` gives NULL, and the
    lookup takes such rows too. Another sale's and a no-receipt return stay out."""
    _, sale_id = two_returns(hq)
    with hq.sessions() as s, s.begin():
        first = s.scalars(
            select(EntryRow).where(EntryRow.kind == "return").order_by(EntryRow.seq)
        ).first()
        assert first is not None
        data = json.loads(first.payload)
        other = {**data, "record": {**data["record"], "sale_id": "another-sale"}}
        rows = {
            900: json.dumps({**data, "odd": float("nan")}),  # Python reads it, PG does not
            901: json.dumps(other),
            902: json.dumps({"receipt": None, "no": 9, "product": RICE, "qty": 1000}),
            903: "not json",
        }
        for seq, payload in rows.items():
            s.add(replace_row(first, seq, payload))
    assert returns_of(hq, sale_id)[-1:] == [900]
    if hq.engine.dialect.name == "postgresql":  # what the index gives, before Python reads
        with hq.sessions() as s:
            found = {
                seq for seq, _ in s.execute(History(s, "S1-T01", "S1", []).returns_query(sale_id))
            }
        assert {900, 903} <= found and not {901, 902} & found
    assert 901 not in returns_of(hq, "x") and returns_of(hq, "another-sale") == [901]


def replace_row(row: EntryRow, seq: int, payload: str) -> EntryRow:
    cols = {c.key: getattr(row, c.key) for c in EntryRow.__table__.columns}
    return EntryRow(**{**cols, "seq": seq, "id": f"hand-{seq}", "payload": payload})


def test_postgresql_finds_earlier_returns_by_the_index(hq: Hq) -> None:
    if hq.engine.dialect.name != "postgresql":
        pytest.skip("the expression index is PostgreSQL's (SQLite scans the payloads)")
    _, sale_id = two_returns(hq)
    with hq.sessions() as s:
        s.execute(text("SET LOCAL enable_seqscan = off"))  # a few rows: force the choice
        q = History(s, "S1-T01", "S1", []).returns_query(sale_id)
        sql = q.compile(hq.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(s.execute(text(f"EXPLAIN {sql}")).scalars())
    assert "entry_sale_id" in plan and "Seq Scan" not in plan, plan
