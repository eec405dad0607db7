"""Program versions: HQ publishes, tills pull and switch on the effective date, and HQ
judges each till's member entries with a version that till may have run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from sync.client import SyncError
from sync.hq import cli as hq_cli
from sync.hq import programs
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.models import RefusedEntryRow, TerminalRow
from terminal.errors import InvalidInput, ProgramFileError, RuleViolation
from terminal.money import Money
from terminal.rules.program_loader import load_program
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import NOW, RICE, Hq, Till

CST = svc.CHAIN_ZONE
V1 = svc.shipped_program_toml("tomato")
# v2: a 番茄币 for every 5 yuan instead of every 10 (the rule the sale below shows)
V2 = V1.replace('base = "real_money"\nunit = "10.00"', 'base = "real_money"\nunit = "5.00"')
CASH = TenderRequest("cash", Money(10000))


class HqClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> HqClock:
    return HqClock(NOW.replace(tzinfo=CST))  # HQ and the tills agree on the time


@pytest.fixture
def hq(engine: Engine, tmp_path: Path, clock: HqClock) -> Iterator[Hq]:
    h = Hq(engine, tmp_path)
    h.app = create_app(engine, now=clock)  # the real clock window: HQ's clock is the tills'

    h.import_setup()
    yield h
    h.close()


def publish(hq: Hq, text: str, effective: date, now: datetime) -> programs.Version:
    v, _ = hq.run(lambda s: svc.publish_program(s, text, effective, now, "test", "coins x2"))
    return v


def coins_of(till: Till, code: str) -> int:
    return sum(lot.coins for lot in till.state(code).coin_lots)


def test_import_is_version_one_and_a_publish_the_next(hq: Hq, clock: HqClock) -> None:
    with hq.sessions() as s:
        assert [v.version for v in programs.versions(s)] == [1]
    v2 = publish(hq, V2, date(2026, 10, 7), clock())
    assert (v2.version, v2.effective_from, v2.note) == (2, date(2026, 10, 7), "coins x2")
    again, new = hq.run(lambda s: svc.publish_program(s, V2, date(2026, 10, 7), clock(), "test"))
    assert (again.version, new) == (2, False)  # a retried publish is one version
    with hq.sessions() as s:
        assert svc.hq_program(s, date(2026, 10, 6)) == load_program("tomato")
        v2_program = svc.hq_program(s, date(2026, 10, 7))
        assert v2_program is not None and v2_program != load_program("tomato")


def test_a_publish_is_checked_and_changes_nothing_when_refused(hq: Hq, clock: HqClock) -> None:
    today = date(2026, 10, 6)
    with pytest.raises(InvalidInput) as past:
        publish(hq, V2, today - timedelta(days=1), clock())
    assert past.value.code == "effective_in_past"
    with pytest.raises(RuleViolation) as other:
        publish(hq, svc.shipped_program_toml("mall"), today, clock())
    assert other.value.code == "program_change"
    with pytest.raises(ProgramFileError):
        publish(hq, V1.replace("[tiers]", "[tiers"), today, clock())
    with pytest.raises(InvalidInput) as far:
        publish(hq, V2, today + timedelta(days=400), clock())
    assert far.value.code == "effective_too_far"
    with hq.sessions() as s:
        assert [v.version for v in programs.versions(s)] == [1]


def test_tills_switch_on_the_date_and_hq_judges_each_by_what_it_had(hq: Hq, clock: HqClock) -> None:
    t1, t2 = hq.till("T1"), hq.till("T2")
    t1.sync(), t2.sync()
    clock.at = NOW.replace(tzinfo=CST, hour=11)
    publish(hq, V2, date(2026, 10, 7), clock())
    clock.at = NOW.replace(tzinfo=CST, hour=12)
    t1.sync()  # T1 holds v2 from now on; T2 is offline until tomorrow
    assert t1.counter.program_version == 1  # not in effect before the 7th
    with hq.sessions() as s:
        row = s.get(TerminalRow, "T1")
        assert row is not None and row.program_version == 1

    for t in (t1, t2):
        t.clock.set(NOW + timedelta(days=1))
    assert t1.counter.program_version == 2 and t2.counter.program_version == 1
    before1, before2 = coins_of(t1, "M1"), coins_of(t2, "M2")
    t1.sell("M1", RICE, CASH)  # 65.00 in cash: 13 coins under v2
    t2.sell("M2", RICE, CASH)  # 6 under v1, the version T2 holds
    assert coins_of(t1, "M1") - before1 == 13
    assert coins_of(t2, "M2") - before2 == 6

    clock.at = (NOW + timedelta(days=1, minutes=30)).replace(tzinfo=CST)
    t1.sync()  # a refused entry raises SyncError
    t2.sync()  # accepted: it had not been sent v2 when it sold
    assert coins_of(t2, "M2") - before2 == 6
    assert hq.member("M2").coin_lots == t2.state("M2").coin_lots
    t2.counter.programs.refresh()  # type: ignore[attr-defined]
    assert t2.counter.program_version == 2  # pulled in that sync
    with hq.sessions() as s:
        row = s.get(TerminalRow, "T2")
        assert row is not None and row.program_version == 1  # what it ran when it pulled
    assert hq.verify() == []


def test_a_till_that_had_the_new_version_cannot_run_the_old_one(hq: Hq, clock: HqClock) -> None:
    till = hq.till("T1")
    till.sync()
    publish(hq, V2, date(2026, 10, 6), clock())  # in effect today
    clock.at += timedelta(hours=1)
    till.sync()
    till.clock.set(NOW + timedelta(hours=2))
    till.counter.program = load_program("tomato")  # v1's rules, forced
    till.sell("M1", RICE, CASH)
    clock.at += timedelta(hours=2)
    with pytest.raises(SyncError, match="not_derivable"):
        till.sync()
    with hq.sessions() as s:
        refused = s.execute(select(RefusedEntryRow)).scalars().all()
    assert refused and all(r.code == "not_derivable" for r in refused)


def test_a_version_is_not_run_before_its_date(hq: Hq, clock: HqClock) -> None:
    till = hq.till("T1")
    publish(hq, V2, date(2026, 10, 7), clock())
    till.sync()
    till.counter.program = svc.programs.parsed(V2, "tomato")  # tomorrow's rules, today
    till.sell("M1", RICE, CASH)
    with pytest.raises(SyncError, match="not_derivable"):
        till.sync()


def test_cli_publishes_lists_and_shows(
    hq_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = tmp_path / "setup.json"
    setup.write_text(json.dumps({"program": "tomato", "catalog": [], "members": []}))
    assert hq_cli.main(["import", str(setup), "--db", hq_url]) == 0
    f = tmp_path / "v2.toml"
    f.write_text(V2, encoding="utf-8")
    capsys.readouterr()
    assert hq_cli.main(["program", "publish", str(f), "--note", "coins x2", "--db", hq_url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["version"], out["new"], out["note"]) == (2, True, "coins x2")
    assert hq_cli.main(["program", "list", "--db", hq_url]) == 0
    listed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [v["version"] for v in listed] == [1, 2]
    assert hq_cli.main(["program", "show", "2", "--db", hq_url]) == 0
    assert capsys.readouterr().out == V2
    bad = tmp_path / "bad.toml"
    bad.write_text("[program\n", encoding="utf-8")
    assert hq_cli.main(["program", "publish", str(bad), "--db", hq_url]) == 2
    assert hq_cli.main(["program", "show", "9", "--db", hq_url]) == 2
