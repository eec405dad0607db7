"""``pos-terminal replay``: shipped scenarios match their hand-checked outputs exactly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ui.cli import main

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = sorted(p for p in SCENARIOS.glob("*.json") if not p.name.endswith(".expected.json"))


def run(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any, str]:
    code = main(["replay", str(path), *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else None, err


def without_messages(doc: Any) -> Any:
    doc = copy.deepcopy(doc)
    for e in doc.get("errors", []):
        e["message"] = "*"
    return doc


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_shipped_scenario_matches_expected(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    code, out, err = run(path, capsys)
    assert code == 0, err
    assert without_messages(out) == without_messages(expected)


def test_every_program_has_a_scenario() -> None:
    programs = {json.loads(p.read_text(encoding="utf-8"))["program"] for p in FILES}
    assert programs >= {"tomato", "mall", "points", "organic", "basic"}


def test_replay_keeps_the_store_it_was_given_and_it_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    code, _, err = run(FILES[0], capsys, "--db", str(db))
    assert code == 0, err
    assert main(["verify", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("ok:")


BASE: dict[str, Any] = {
    "program": "tomato",
    "start": "2026-10-06T09:00:00",
    "catalog": [{"code": "6900000000014", "name": "酱油", "category": "grocery", "price": "12.00"}],
    "members": [],
    "events": [{"do": "scan", "code": "6900000000014"}],
}


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("program",), "nope", "program: unknown program"),
        (("start",), "yesterday", "start: not a local time"),
        (("catalog", 0, "price"), "12,00", "catalog[0].price: not an amount"),
        (("events", 0, "do"), "dance", "events[0].do: unknown event"),
        (("events", 0, "code"), 6900000000014, "events[0].code: must be str"),
    ],
)
def test_malformed_scenario_exits_2_naming_the_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: tuple[Any, ...],
    value: Any,
    field: str,
) -> None:
    doc = copy.deepcopy(BASE)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, _, err = run(f, capsys)
    assert code == 2
    assert err.count("\n") == 1 and field in err


def test_refused_events_are_listed_and_change_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = copy.deepcopy(BASE)
    doc["events"] = [
        {"at": "2026-10-06T10:00:00", "do": "scan", "code": "6900000000015"},
        {"do": "scan", "code": "6900000000021"},
        {"do": "pay", "tenders": [{"kind": "cash", "amount": "1.00"}]},
        {"at": "2026-10-05T10:00:00", "do": "void"},
        {"do": "scan", "code": "6900000000014"},
        {"do": "pay", "tenders": [{"kind": "cash", "amount": "20.00"}]},
    ]
    f = tmp_path / "refused.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, _ = run(f, capsys)
    assert code == 0
    assert [(e["event"], e["error"]) for e in out["errors"]] == [
        (0, "bad_check_digit"),
        (1, "unknown_product"),
        (2, "no_open_sale"),
        (3, "clock_backwards"),
    ]
    assert [s["total_due"] for s in out["sales"]] == ["12.00"]


def test_receipts_folder_gets_each_printed_document_as_escpos_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from devices.printer.render import decode_text

    scenario = SCENARIOS / "tomato_recharge_sv.json"
    folder = tmp_path / "receipts"
    code, out, err = run(scenario, capsys, "--receipts", str(folder))
    assert code == 0, err
    names = sorted(p.name for p in folder.iterdir())
    sales = [n for n in names if n.startswith("T01-0")]
    assert len(sales) == len(out["sales"])
    assert len([n for n in names if n.startswith("recharge-")]) == len(out["recharges"])
    first = (folder / sales[0]).read_bytes()
    assert first.startswith(b"\x1b@") and b"?" not in first
    text = decode_text(first, "gb18030")
    assert "销售小票" in text and "T01-000001" in text
    assert f"￥{out['sales'][0]['total_due']}" in text
    assert "138****0001" in text  # the member, masked
