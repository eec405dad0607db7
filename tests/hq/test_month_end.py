"""The month-end jobs at scale (issue 7): sale facts written with their entries, the
derived member columns that let expiry skip members with nothing due, chunked runs
that resume after a crash, and ``pos-hq jobs month-end`` — on the real PostgreSQL the
HQ tests use (the generated data needs it; the rest runs on SQLite too)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from sync.client import SyncReport, push_outbox
from sync.hq import aggregates, cli, db, facts, jobs
from sync.hq import service as svc
from sync.hq.models import MemberRow, SaleFactRow
from terminal import codec
from terminal.app.replay import read_setup
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.coupons import Coupon
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program
from terminal.store.ledger import row_hash
from tests.benchmarks import hq_data
from tests.hq import helpers
from tests.hq.helpers import RICE, SOY, Hq, cash, coins
from tests.hq.test_jobs import snapshot

MONTH, DAY = "2026-10", date(2026, 11, 1)
NOW = datetime(2026, 11, 1, 2, tzinfo=UTC)
PROGRAMS = ("tomato", "mall", "points", "organic", "basic")


def pg_only(url: str) -> None:
    if not url.startswith("postgresql"):
        pytest.skip("generated data is loaded with PostgreSQL COPY")


def program_of(hq: Hq) -> Program:
    with hq.sessions() as s:
        prog = svc.hq_program(s)
    assert prog is not None
    return prog


def states(hq: Hq) -> dict[str, str]:
    with hq.sessions() as s:
        return {
            code: held for code, held in s.execute(select(MemberRow.code, MemberRow.state_json))
        }


def due_on(hq: Hq, prog: Program, day: date) -> set[str]:
    """Members with something due by ``day``, read from every member's state."""
    return {
        code
        for code, held in states(hq).items()
        if lc.due_entries(codec.loads(m.MemberState, held), prog, day)
    }


def generated(hq_url: str, members: int = 400, seed: int = 1) -> hq_data.DataReport:
    plan = hq_data.Plan(
        members, members * 25, MONTH, seed, dormant_templates=40, active_templates=60
    )
    rep = hq_data.generate(hq_url, members=0, entries=0, month=MONTH, plan=plan)
    # the generator loads tables with COPY, around service.Book: the reports' sums are
    # made from what it loaded, as migration 0011 makes them for an HQ that predates them
    engine = db.open_hq(hq_url)
    try:
        svc.run(db.sessions(engine), aggregates.rebuild)
    finally:
        engine.dispose()
    return rep


# ----------------------------------------------------------------------------- next_due


def _random_state(program: Program, rnd: random.Random) -> m.MemberState:
    """A member with a bit of everything that falls due, from openings and entries."""
    today = date(2026, 1, 1) + timedelta(days=rnd.randint(0, 500))
    group = rnd.random() < 0.2
    ladder = program.ladder_for(group)
    level = rnd.choice([None, *ladder.levels])
    coupons = tuple(
        Coupon(
            f"c{i}",
            "x",
            Money(0),
            Money(100),
            today + timedelta(days=rnd.randint(-60, 60)),
            today,
            (),
            rnd.choice(("unused", "unused", "used", "expired")),
        )
        for i in range(rnd.randint(0, 3))
    )
    opening = lc.Opening(
        code="M1",
        registered=today - timedelta(days=rnd.randint(0, 900)),
        group=group,
        tier=level.id if level and rnd.random() < 0.7 else None,
        tier_valid_through=(today + timedelta(days=rnd.randint(-400, 400)))
        if rnd.random() < 0.7
        else None,
        growth_points=rnd.randint(0, 6000),
        points=rnd.randint(0, 6000),
        coin_lots=tuple(
            (rnd.randint(1, 50), today - timedelta(days=rnd.randint(0, 800)))
            for _ in range(rnd.randint(0, 3))
        ),
        coupons=coupons,
        spend_12m=Money(rnd.randint(0, 900000)),
        cumulative_spend=Money(rnd.randint(0, 900000)),
    )
    state = m.fold(lc.opening_entries(program, opening, today))
    extra: list[m.MemberEntry] = []
    for _ in range(rnd.randint(0, 4)):
        day = today - timedelta(days=rnd.randint(0, 500))
        extra.append(m.CounterChanged("spend_12m", Money(rnd.randint(1, 9999)), "sale", day))
    if state.coin_lots and rnd.random() < 0.4:
        lot = rnd.choice(state.coin_lots)
        extra.append(m.CoinLotChanged(lot.id, -lot.coins, "spent"))  # an empty lot: never due
    if rnd.random() < 0.2:
        extra.append(m.CoinsYearCleared(today.year - 1))
    if rnd.random() < 0.3:  # points spent: a tier that follows them may be above its basis
        extra.append(m.PointsChanged("points", -rnd.randint(0, state.points), "redeemed"))
    return m.fold(extra, state)


def _check_next_due(state: m.MemberState, program: Program) -> None:
    nd = facts.next_due(state, program)
    dates = [state.tier_valid_through, state.points_year_start]
    dates += [lot.last_day for lot in state.coin_lots] + [lot.granted for lot in state.coin_lots]
    dates += [c.valid_through for c in state.coupons] + [d for d, _ in state.spend_days]
    probes = {date(2020, 1, 1), date(2031, 1, 1)}
    for d in dates:
        if d is not None:
            for k in (-1, 0, 1, 2, 365, 366, 367):
                probes.add(d + timedelta(days=k))
    if nd is not None and nd > date.min:
        probes |= {nd - timedelta(days=1), nd, nd + timedelta(days=1)}
    for day in sorted(probes):
        due = bool(lc.due_entries(state, program, day))
        assert due == (nd is not None and day >= nd), (program.id, day, nd, state)


@pytest.mark.parametrize("program_id", PROGRAMS)
def test_next_due_is_the_first_day_anything_falls_due(program_id: str) -> None:
    program = load_program(program_id)
    rnd = random.Random(program_id)
    for _ in range(150):
        _check_next_due(_random_state(program, rnd), program)


def test_next_due_of_generated_members() -> None:
    program = load_program("tomato")
    plan = hq_data.Plan(100, 600, MONTH)
    catalog = hq_data.Catalog.demo(1)
    rnd = random.Random(7)
    for active in (False, True) * 15:
        tmpl = hq_data.make_template(program, plan, catalog, rnd, active)
        state = codec.loads(m.MemberState, tmpl.state_json)
        assert tmpl.next_due == facts.next_due(state, program)
        _check_next_due(state, program)


def test_program_key_names_the_content() -> None:
    a, b = load_program("tomato"), load_program("tomato")
    assert facts.program_key(a) == facts.program_key(b) != facts.program_key(load_program("mall"))


# ----------------------------------------------------------------------------- facts


def test_a_pushed_member_sale_leaves_a_fact_and_walk_ins_none(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    member_sale = t.sell("M1", SOY, coins(5), cash(20))
    t.sell(None, RICE, cash(100))
    assert t.sync().acknowledged
    with hq.sessions() as s:
        rows = list(s.execute(select(SaleFactRow)).scalars())
    assert len(rows) == 1
    fact = rows[0]
    paid = sum(x.amount.fen for x in member_sale.record.tenders if x.kind != "coins")
    assert (fact.member_code, fact.spend_fen, fact.store_id) == ("M1", paid, "S1")
    with hq.sessions() as s:
        entry = s.execute(
            text("SELECT at, kind FROM entries WHERE id = :id"), {"id": fact.entry_id}
        ).one()
    assert entry == (fact.at, "sale")


def test_sale_fact_reads_only_member_sales() -> None:
    def fact(payload: str) -> dict[str, Any] | None:
        return facts.sale_fact("e1", "2026-10-01T10:00:00", payload, "S1")

    rec = (
        '{"record":{"member_code":"M1","tenders":[{"kind":"cash","amount":900},'
        '{"kind":"points","amount":100},{"kind":"coins","amount":500}]}}'
    )
    assert fact(rec) == {
        "entry_id": "e1",
        "member_code": "M1",
        "at": "2026-10-01T10:00:00",
        "spend_fen": 900,
        "store_id": "S1",
    }
    assert fact('{"record":{"member_code":null,"tenders":[]}}') is None
    assert fact('{"record": {"member_code": "M2", "tenders": []}}') is not None
    assert fact('{"record":{"member_code":"M1","tenders":[{"kind":"cash"}]}}') is None
    assert fact('{"member_code":"M1" not json') is None
    # amounts no till pays (beyond the column, or not finite) are not counted, not a 500
    huge = '{"record":{"member_code":"M1","tenders":[{"kind":"cash","amount":%s}]}}'
    for amount in ("100000000000000000000", "Infinity", "-Infinity", "1e400"):
        assert fact(huge % amount) is None, amount
    assert facts.sale_fact("e1", "yesterday", rec, "S1") is None
    # A program whose tier spend leaves out only points counts the coins tender too.
    only_points = facts.sale_fact("e1", "2026-10-01T10:00:00", rec, "S1", ("points",))
    assert only_points is not None and only_points["spend_fen"] == 1400


def test_a_sale_pushed_apart_from_its_member_entries_counts_under_the_program(
    hq: Hq, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The till writes a sale's member entries before the sale itself, so a batch can
    end between them: the sale's fact still takes the program's non-spend tenders."""
    text = svc.shipped_program_toml("tomato").replace(
        "[tiers]\n", '[tiers]\nspend_excludes_tenders = ["points"]\n', 1
    )
    st = read_setup(helpers.SETUP)
    hq.run(
        lambda s: svc.import_setup(
            s, st.program, text, st.catalog, st.members, st.start or helpers.NOW, svc.utcnow()
        )
    )
    assert program_of(hq).tier_spend_excludes == ("points",)
    t = hq.till("S1-T01")  # it runs that version too: HQ re-derives under it
    t.sync()
    cp = t.api.checkpoint("S1-T01").seq
    sold = t.sell("M1", SOY, coins(5), cash(20))
    rep = SyncReport("S1-T01")
    push_outbox(t.sessions, t.api, "S1-T01", cp, 1, rep)  # every entry in a batch of its own
    with hq.sessions() as s:
        spend = s.execute(
            select(SaleFactRow.spend_fen).where(SaleFactRow.member_code == "M1")
        ).scalar_one()
    paid = sum(x.amount.fen for x in sold.record.tenders if x.kind != "points")
    assert spend == paid and any(x.kind == "coins" for x in sold.record.tenders)


def test_the_migration_backfills_facts_of_sales_already_held(engine: Engine) -> None:
    command.downgrade(db.config(engine), "0001")
    rows = [
        (
            "T1",
            1,
            "e1",
            '{"record":{"member_code":"M1","tenders":[{"amount":700,"kind":"card"},'
            '{"amount":300,"kind":"coins"}]}}',
        ),
        ("T1", 2, "e2", '{"record":{"member_code":null,"tenders":[]}}'),
        ("T1", 3, "e3", '{"record":{"member_code":"M2" broken'),
        ("T2", 1, "e4", '{"record":{"member_code":"M2","tenders":[{"amount":50,"kind":"cash"}]}}'),
    ]
    with engine.begin() as conn:
        for terminal, seq, id_, payload in rows:
            conn.execute(
                text(
                    "INSERT INTO entries (terminal_id, seq, id, store_id, month, at, kind,"
                    " member_code, ref, payload, prev_hash, hash, received_at) VALUES (:t, :s,"
                    " :id, 'S1', 202610, '2026-10-02T10:00:00', 'sale', NULL, '', :p, '', '',"
                    " :now)"
                ),
                {"t": terminal, "s": seq, "id": id_, "p": payload, "now": NOW},
            )
    db.upgrade(engine)
    with Session(engine) as s:
        got = sorted(
            s.execute(
                select(SaleFactRow.entry_id, SaleFactRow.member_code, SaleFactRow.spend_fen)
            ).all()
        )
    assert got == [("e1", "M1", 700), ("e4", "M2", 50)]


# ----------------------------------------------------------------------------- derived


def test_member_columns_are_derived_on_each_write_or_marked_unknown(hq: Hq) -> None:
    hq.import_setup()
    prog = program_of(hq)

    def row(code: str) -> MemberRow:
        with hq.sessions() as s:
            got = s.get(MemberRow, code)
        assert got is not None
        return got

    def derived(code: str) -> None:
        r, state = row(code), hq.member(code)
        assert (r.due_key, r.next_due) == (facts.program_key(prog), facts.next_due(state, prog))
        assert (r.registered, r.last_purchase) == (state.registered, state.last_purchase)

    derived("M1")
    t = hq.till("S1-T01")
    t.sync()
    t.sell("M1", SOY, cash(20))
    assert t.sync().acknowledged
    derived("M1")
    assert row("M1").last_purchase is not None
    hq.run(lambda s: svc.set_blocked(s, "M2", True, "lost", svc.utcnow()))
    derived("M2")

    # a writer that does not derive (an ORM write of the state) leaves them marked unknown
    renamed = codec.dumps(replace(hq.member("M2"), name="Wang"))

    def rewrite(s: Session) -> None:
        r = s.get(MemberRow, "M2")
        assert r is not None
        r.state_json = renamed

    hq.run(rewrite)
    assert row("M2").due_key is None
    hq.run(lambda s: jobs.expire(s, prog, date(2026, 10, 7), NOW))
    derived("M2")


# ----------------------------------------------------------------------------- month end


def test_generated_data_is_what_hq_would_hold(hq: Hq, hq_url: str) -> None:
    pg_only(hq_url)
    rep = generated(hq_url)
    assert rep.members == 400 and rep.member_sales > 0 and rep.due_members > 0
    assert hq.verify() == []  # every chain links and hashes, every member is its fold
    with hq.sessions() as s:
        sample = s.execute(text("SELECT * FROM entries ORDER BY random() LIMIT 50")).all()
        n_facts = s.execute(text("SELECT count(*) FROM sales")).scalar()
    for e in sample:
        h = row_hash(
            e.prev_hash, e.seq, e.id, e.terminal_id, e.at, e.kind, e.member_code, e.ref, e.payload
        )
        assert h == e.hash
    assert n_facts == rep.member_sales


def test_month_end_expires_exactly_the_members_with_something_due(hq: Hq, hq_url: str) -> None:
    pg_only(hq_url)
    generated(hq_url)
    prog = program_of(hq)
    due = due_on(hq, prog, DAY)
    assert due
    expired = jobs.expire_in_chunks(hq.sessions, prog, DAY, NOW, chunk=37)
    assert set(expired) == due
    for held in states(hq).values():
        assert lc.due_entries(codec.loads(m.MemberState, held), prog, DAY) == []
    assert hq.verify() == []


def test_month_end_in_chunks_equals_one_transaction_and_runs_once(
    hq: Hq, hq_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_only(hq_url)
    generated(hq_url)
    prog = program_of(hq)
    # the same data again, run the old way: each job in one transaction
    other_url = hq_data.create_database("hq_t_other")
    try:
        generated(other_url)
        engine = db.open_hq(other_url)
        one = Hq(engine, tmp_path)
        mon = one.run(lambda s: jobs.monthly_bonuses(s, prog, MONTH, NOW))
        exp = one.run(lambda s: jobs.expire(s, prog, DAY, NOW))
        rfm = one.run(lambda s: jobs.rfm(s, prog, DAY))
        expected = states(one)
        engine.dispose()
    finally:
        hq_data.drop_database(other_url)
    argv = ["jobs", "month-end", "--db", hq_url, "--month", MONTH, "--chunk", "50"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert f"month-end {MONTH} done in" in out and f"expiries as of {DAY}" in out
    assert states(hq) == expected
    assert mon.spend_coins or mon.visit_coins
    assert f"{sum(exp.values())} entries, {len(exp)} members" in out
    assert f"{rfm.active} active members" in out
    before = snapshot(hq)
    assert cli.main(argv) == 0
    assert "spend bonuses 0 coins to 0" in capsys.readouterr().out
    assert snapshot(hq) == before
    assert hq.verify() == []


def test_a_month_end_that_crashed_half_way_is_finished_by_running_it_again(
    hq: Hq, hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_only(hq_url)
    generated(hq_url)
    prog = program_of(hq)
    real, calls = jobs._expire, []

    def crash_on_third(s: Session, **kw: Any) -> dict[str, int]:
        calls.append(1)
        if len(calls) == 3:
            raise ConnectionError("HQ lost its database")
        return real(s, **kw)

    monkeypatch.setattr(jobs, "_expire", crash_on_third)
    with pytest.raises(ConnectionError):
        jobs.month_end(hq.sessions, prog, MONTH, NOW, chunk=20)
    monkeypatch.setattr(jobs, "_expire", real)
    first = jobs.month_end(hq.sessions, prog, MONTH, NOW, chunk=20)
    assert first.monthly.spend_coins == {} and first.expired  # bonuses were committed
    for held in states(hq).values():
        assert lc.due_entries(codec.loads(m.MemberState, held), prog, DAY) == []
    again = jobs.month_end(hq.sessions, prog, MONTH, NOW, chunk=20)
    assert again.expired == {} and not again.rfm.changed
    assert hq.verify() == []


def test_members_derived_under_another_program_or_not_at_all_are_read(hq: Hq, hq_url: str) -> None:
    pg_only(hq_url)
    generated(hq_url)
    prog = program_of(hq)
    due = due_on(hq, prog, DAY)
    with hq.sessions() as s, s.begin():
        codes = sorted(states(hq))
        s.execute(
            update(MemberRow)
            .where(MemberRow.code.in_(codes[::3]))
            .values(due_key="0" * 16, next_due=date(2099, 1, 1))
        )
        s.execute(
            update(MemberRow)
            .where(MemberRow.code.in_(codes[1::3]))
            .values(due_key=None, next_due=None, registered=None, last_purchase=None)
        )
    segments = hq.run(lambda s: jobs.rfm(s, prog, DAY)).segments
    assert set(jobs.expire_in_chunks(hq.sessions, prog, DAY, NOW, chunk=64)) == due
    with hq.sessions() as s:
        keys = set(s.execute(select(MemberRow.due_key)).scalars())
    assert keys == {facts.program_key(prog)}
    assert hq.run(lambda s: jobs.rfm(s, prog, DAY)).segments == segments


def test_monthly_candidates_are_every_member_a_bonus_is_due_to(hq: Hq, hq_url: str) -> None:
    pg_only(hq_url)
    generated(hq_url, members=600, seed=3)
    prog = program_of(hq)
    with hq.sessions() as s:
        sales = jobs.member_sales(s, date(2026, 10, 1), DAY)
    by: dict[str, list[jobs.SaleSeen]] = {}
    for sale in sales:
        by.setdefault(sale.member, []).append(sale)
    owed = {c: jobs.bonus_coins(prog, x) for c, x in by.items()}
    rep = jobs.monthly_in_chunks(hq.sessions, prog, MONTH, NOW, chunk=7)
    assert rep.members == len(by)
    assert rep.spend_coins == {c: a for c, (a, _) in owed.items() if a}
    assert rep.visit_coins == {c: b for c, (_, b) in owed.items() if b}


def test_month_end_on_an_embedded_sqlite_hq(tmp_path: Path) -> None:
    path = tmp_path / "hq.sqlite"
    engine = db.open_hq(str(path))
    hq = Hq(engine, tmp_path)
    try:
        hq.import_setup()
        t = hq.till("S1-T01")
        t.sync()
        t.clock.set(datetime(2026, 10, 20, 10))
        for _ in range(9):
            t.sell("M2", RICE, cash(100))
            t.clock.set(t.clock.now() + timedelta(hours=30))
        assert t.sync().acknowledged
        argv = ["jobs", "month-end", "--month", MONTH, "--db", str(path)]
        assert cli.main(argv) == 0
        assert any(lot.id == "hq:spend:2026-10:M2" for lot in hq.member("M2").coin_lots)
        before = snapshot(hq)
        assert cli.main(argv) == 0
        assert snapshot(hq) == before
        # M1's opening tier (registered 2025-01-01) is long expired: renewed as of the 1st
        assert (hq.member("M1").tier_valid_through or DAY) >= DAY
        assert hq.verify() == []
    finally:
        hq.close()
        engine.dispose()
