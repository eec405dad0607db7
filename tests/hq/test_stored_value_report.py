"""``pos-hq report stored-value``: stored value created per store, till and shift, by
tender, against the shift's counted cash; checked against a recomputation from the raw
entries HQ holds."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from sync.hq import cli, reports
from sync.hq.models import EntryRow
from terminal.app.ids import UuidIds
from terminal.app.shifts import Shifts
from terminal.money import Money
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import NOW, SETUP, Hq

DAY = NOW.date()


def pay(kind: str, yuan: int) -> TenderRequest:
    return TenderRequest(kind, Money(yuan * 100))


def day_of_money(hq: Hq) -> list[str]:
    """Two tills of two stores; T01 works two shifts (the first handed over ¥5 short)."""
    hq.import_setup({**SETUP, "program": "organic"})
    t1, t2 = hq.till("T01", "S1"), hq.till("T02", "S2")
    t1.sync(), t2.sync()
    c = t1.counter
    c.recharge("M1", Money(1_200_000), c.authorize("mgr", "8888"), tender="card")  # gift 3000
    c.recharge("M1", Money(10_000), c.authorize("mgr", "8888"), tender="cash")
    c.sell_card("CARD0001", "123456", Money(20_000), [pay("mobile", 150), pay("cash", 50)])
    c.load_card("M2", "CARD0001", "123456")
    shifts = Shifts(c.sessions, t1.clock, UuidIds(), "T01")
    first = shifts.current()
    assert first is not None
    shifts.handover(shifts.x_report().expected_cash - Money(500))
    second = shifts.open_shift("c1", Money(0))
    c.recharge("M2", Money(30_000), c.authorize("mgr", "8888"), tender="mobile")
    t2.counter.recharge("M2", Money(5_000), t2.counter.authorize("mgr", "8888"))
    assert t1.sync().acknowledged and t2.sync().acknowledged
    return [first.id, second]


def recomputed(hq: Hq) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The same figures straight from the raw rows: recharges and card sales by their
    payloads' tender and shift, the credited stored value by its reason's reference."""
    with hq.sessions() as s:
        rows = s.execute(select(EntryRow).where(EntryRow.at.startswith(DAY.isoformat()))).scalars()
        raw = [(r.store_id, r.terminal_id, r.kind, r.ref, json.loads(r.payload)) for r in rows]
    out: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(
        lambda: {"recharged": defaultdict(int), "card_sales": defaultdict(int), "sv": [0, 0]}
    )
    shift_of_ref: dict[str, tuple[str, str, str]] = {}
    for store, till, kind, ref, p in raw:
        if kind == "recharge":
            key = (store, till, p["shift"])
            out[key]["recharged"][p["tender"]] += p["amount"]
            shift_of_ref[f"recharge:{ref}"] = key
        elif kind == "card" and p["event"] == "sold":
            key = (store, till, p["shift"])
            for tender, fen in p["tenders"]:
                out[key]["card_sales"][tender] += fen
            shift_of_ref[f"card_load:{p['number']}"] = key  # loaded in the same shift here
    for _, _, kind, _, p in raw:
        if (
            kind == "member"
            and p.get("type") == "StoredValueChanged"
            and p["reason"] in shift_of_ref
        ):
            sv = out[shift_of_ref[p["reason"]]]["sv"]
            sv[0] += p["principal"]
            sv[1] += p["gift"]
    return out


def yuan(fen: int) -> str:
    return Money(fen).plain()


def test_the_report_matches_the_raw_entries(hq: Hq) -> None:
    first, second = day_of_money(hq)
    with hq.sessions() as s:
        rows = reports.stored_value(s, DAY)
    want = recomputed(hq)
    assert [(r["store"], r["till"], r["shift"]) for r in rows] == sorted(want)
    for r in rows:
        w = want[(r["store"], r["till"], r["shift"])]
        assert r["recharged"] == {t: yuan(w["recharged"][t]) for t in reports.TENDERS}
        assert r["card_sales"] == {t: yuan(w["card_sales"][t]) for t in reports.TENDERS}
        assert (r["principal_created"], r["gift_created"]) == (yuan(w["sv"][0]), yuan(w["sv"][1]))
        assert r["day"] == DAY.isoformat()
    by_shift = {r["shift"]: r for r in rows}
    one = by_shift[first]
    assert (one["recharges"], one["cards_sold"], one["card_loads"]) == (2, 1, 1)
    assert one["gift_created"] == "3000.00"
    assert one["principal_created"] == "12300.00"  # 12000 + 100 recharged, the 200 card
    assert one["counted_difference"] == "-5.00"
    assert by_shift[second]["counted_difference"] is None  # not handed over yet
    assert by_shift[second]["recharged"]["mobile"] == "300.00"
    with hq.sessions() as s:
        only = reports.stored_value(s, DAY, "S2")
        assert [r["till"] for r in only] == ["T02"]
        assert reports.stored_value(s, date(2026, 10, 7)) == []


def test_the_command_prints_one_json_line_a_shift(
    hq: Hq, hq_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    day_of_money(hq)
    assert cli.main(["report", "stored-value", "--day", DAY.isoformat(), "--db", hq_url]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    with hq.sessions() as s:
        assert lines == reports.stored_value(s, DAY)
    assert set(lines[0]) == {
        "day", "store", "till", "shift", "recharges", "recharged", "cards_sold", "card_sales",
        "card_loads", "principal_created", "gift_created", "expected_cash", "counted_cash",
        "counted_difference",
    }  # fmt: skip
    assert cli.main(["report", "stored-value", "--day", "10/06", "--db", hq_url]) == 2
