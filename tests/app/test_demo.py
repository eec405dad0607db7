"""``pos-terminal demo-data``: a realistic store whose every balance the ledger explains."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from terminal import codec
from terminal.app.counter import Counter
from terminal.app.demo import generate
from terminal.app.ids import ReplayIds
from terminal.app.verify import verify
from terminal.clock import FixedClock
from terminal.errors import RuleViolation
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.barcodes import encode_scale, is_gtin
from terminal.rules.catalog import resolve_scan
from terminal.rules.program_loader import PROGRAM_IDS, load_program
from terminal.store.db import open_store
from terminal.store.products import StoreCatalog, to_product
from terminal.store.schema import LedgerRow, MemberRow, ProductRow, Setting
from ui.cli import main

START = datetime(2026, 10, 7, 9, 0)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "till.sqlite"
    rep = generate(path, products=200, members=500, seed=3, start=START)
    assert (rep.products, rep.members) == (200, 500)
    assert rep.ledger_entries > 500 and sum(rep.tiers.values()) == 500
    return path


def _states(path: Path) -> list[m.MemberState]:
    with open_store(path)() as s:
        rows = s.execute(select(MemberRow.state_json)).scalars()
        return [codec.loads(m.MemberState, r) for r in rows]


def test_the_ledger_explains_every_balance(store: Path) -> None:
    rep = verify(open_store(store))
    assert rep.ok, rep.problems[:5]
    assert rep.members == 500
    with open_store(store)() as s:
        assert s.execute(select(func.count()).select_from(ProductRow)).scalar() == 200
        assert s.execute(select(func.count()).select_from(LedgerRow)).scalar() == rep.entries
        settings = {r.key: r.value for r in s.execute(select(Setting)).scalars()}
    assert settings["program"] == "tomato" and settings["terminal_id"] == "T01"
    assert "番茄" in settings["store"]


def test_products_are_realistic(store: Path) -> None:
    with open_store(store)() as s:
        products = [to_product(r) for r in s.execute(select(ProductRow)).scalars()]
    assert all(is_gtin(p.code) and len(p.code) == 13 for p in products)
    assert all(p.code[:3] in {f"69{d}" for d in range(10)} for p in products)
    assert len({p.name for p in products}) == len(products)
    assert all(re.search(r"[\u4e00-\u9fff]", p.name) for p in products)
    priced = [p for p in products if p.member_price is not None]
    assert 0.15 * len(products) < len(priced) < 0.45 * len(products)
    assert all(0 < p.member_price.fen < p.price.fen for p in priced if p.member_price)
    weighed = [p for p in products if p.weighed]
    assert weighed and all(p.plu is not None and p.category == "fresh" for p in weighed)
    assert len({p.plu for p in weighed}) == len(weighed)
    assert {p.category for p in products} >= {"fresh", "dairy", "grocery", "snacks", "drinks"}


def test_a_label_scale_code_resolves_to_its_weighed_product(store: Path) -> None:
    program = load_program("tomato")
    layouts = program.scale_barcodes
    assert len(layouts) >= 2  # the older 12-digit labels and the EAN-13 ones
    with open_store(store)() as s:
        catalog = StoreCatalog(s)
        row = s.execute(select(ProductRow).where(ProductRow.unit == "kg").limit(1)).scalar_one()
        assert row.plu is not None
        for layout in layouts:
            scanned = resolve_scan(encode_scale(layout, row.plu, 1234), None, catalog, layouts)
            assert scanned.product.code == row.code
            assert scanned.label_amount is not None and scanned.label_amount.fen == 1234


def test_members_are_realistic_and_consistent(store: Path) -> None:
    program = load_program("tomato")
    ladder = program.tiers
    today = START.date()
    states = _states(store)
    phones = [s.phone for s in states]
    assert len(set(phones)) == len(phones)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert sorted(s.code for s in states)[:2] == ["M000001", "M000002"]
    for s in states:
        level = ladder.tier_for(s.growth_points)
        assert s.tier == (level.id if level else None), s.code
        assert s.registered is not None and (today - s.registered).days <= 3 * 365 + 1
        assert s.tier_valid_through is not None and s.tier_valid_through >= today
        assert lc.due_entries(s, program, today) == []  # nothing falls due at the start
        if s.last_purchase is not None:
            assert s.first_purchase is not None and s.first_purchase <= s.last_purchase <= today
    tiers = [s.tier for s in states]
    assert tiers.count("green") > tiers.count("red") > tiers.count("gold") > 0
    assert sum(s.stored_value.fen > 0 for s in states) > 10
    assert sum(s.coins_on(today) > 0 for s in states) > 100
    assert sum(any(c.usable_on(today) for c in s.coupons) for s in states) > 50
    assert sum(s.birthday is not None for s in states) > 300


def test_the_counter_finds_a_member_by_phone(store: Path) -> None:
    program = load_program("tomato")
    state = _states(store)[42]
    counter = Counter(open_store(store), program, FixedClock(START), ReplayIds("T01"))
    assert counter.identify(state.phone) == state


def test_the_same_seed_makes_the_same_store(tmp_path: Path) -> None:
    heads = []
    for name in ("a.sqlite", "b.sqlite"):
        generate(tmp_path / name, products=30, members=60, seed=5, start=START)
        with open_store(tmp_path / name)() as s:
            heads.append(s.execute(select(LedgerRow.hash).order_by(LedgerRow.seq.desc())).first())
    assert heads[0] == heads[1]


def test_demo_data_needs_an_empty_store(tmp_path: Path) -> None:
    generate(tmp_path / "t.sqlite", products=5, members=5, start=START)
    with pytest.raises(RuleViolation) as e:
        generate(tmp_path / "t.sqlite", products=5, members=5, start=START)
    assert e.value.code == "store_not_empty"


@pytest.mark.parametrize("program", PROGRAM_IDS)
def test_every_program_gets_consistent_tiers(tmp_path: Path, program: str) -> None:
    path = tmp_path / "p.sqlite"
    generate(path, program=program, products=20, members=150, seed=2, start=START)
    sessions = open_store(path)
    rep = verify(sessions)
    assert rep.ok, rep.problems[:5]
    prog = load_program(program)
    for st in _states(path):
        ladder = prog.ladder_for(st.group)
        level = ladder.tier_for(st.basis_value(ladder.basis))
        assert st.tier == (level.id if level else None), (program, st.code)
        assert lc.due_entries(st, prog, START.date()) == [], (program, st.code)


def test_cli_demo_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite"
    assert main(["demo-data", "--db", str(db), "--products", "10", "--members", "20"]) == 0
    out = capsys.readouterr().out
    assert "10 products" in out or "products: 10" in out
    assert "members: 20" in out
    assert main(["demo-data", "--db", str(db), "--products", "10", "--members", "20"]) == 2
    assert (
        main(["demo-data", "--db", str(db), "--products", "10", "--members", "20", "--replace"])
        == 0
    )
    assert main(["verify", "--db", str(db)]) == 0
