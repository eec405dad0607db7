"""HQ jobs (``sync.hq.jobs``): each job's figures per the rule book (§1.5 "Other
grants", §1.6), each job run twice changes nothing, and a till sees the grants on its
next pull."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sync.hq import cli, jobs
from sync.hq import service as svc
from sync.hq.models import ChangeRow, EntryRow, MemberRow, SettingRow
from terminal.errors import InvalidInput, RuleViolation
from terminal.money import Money
from terminal.rules.program import Program
from tests.hq.helpers import RICE, Hq, as_sent, cash, coins

NOV1 = date(2026, 11, 1)
NOW = datetime(2026, 11, 24, 12, 0)


def program(hq: Hq) -> Program:
    with hq.sessions() as s:
        prog = svc.hq_program(s)
    assert prog is not None
    return prog


def sales(hq: Hq, rows: list[tuple[str, datetime, list[tuple[str, int]]]]) -> None:
    """Sale entries as a till would push them (on a test chain): (member, at, tenders)."""

    def write(s: Any) -> None:
        chain = svc.Chain(s, "T-sales", "S1", svc.utcnow())
        for i, (code, at, tenders) in enumerate(rows):
            rec = {
                "sale_id": f"sale{i}",
                "member_code": code,
                "tenders": [{"kind": k, "amount": fen} for k, fen in tenders],
            }
            chain.append("sale", {"receipt": f"R{i}", "record": rec}, at.isoformat())

    hq.run(write)


def snapshot(hq: Hq) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[Any]]:
    """Every entry, member row and change row: what a second run must leave alone."""
    with hq.sessions() as s:
        entries = [
            (r.terminal_id, r.seq, r.id, r.hash, r.member_pos)
            for r in s.execute(
                select(EntryRow).order_by(EntryRow.terminal_id, EntryRow.seq)
            ).scalars()
        ]
        members = [
            (r.code, r.state_json, r.folded)
            for r in s.execute(select(MemberRow).order_by(MemberRow.code)).scalars()
        ]
        changes = list(s.execute(select(ChangeRow.cursor, ChangeRow.kind, ChangeRow.key)).all())
    return entries, members, sorted(changes)


def monthly(hq: Hq, month: str = "2026-10") -> jobs.MonthlyReport:
    prog = program(hq)
    return hq.run(lambda s: jobs.monthly_bonuses(s, prog, month, NOW))  # type: ignore[no-any-return]


def coins_from(hq: Hq, code: str, kind: str) -> int:
    return sum(lot.coins for lot in hq.member(code).coin_lots if lot.id.startswith(f"hq:{kind}:"))


# ----------------------------------------------------------------------------- monthly


def test_monthly_spend_bonus_restarts_from_the_excess_and_runs_once(hq: Hq) -> None:
    hq.import_setup()
    oct_ = datetime(2026, 10, 3, 10)
    sales(
        hq,
        [
            # M1: 300 + 300 (coins not spend: 250 of 300 counts) + 480 -> 1030 -> 2 x 100
            ("M1", oct_, [("cash", 30000)]),
            ("M1", oct_ + timedelta(days=1), [("cash", 25000), ("coins", 5000)]),
            ("M1", oct_ + timedelta(days=2), [("card", 48000)]),
            # M2: 499.99 -> nothing; a November sale does not count toward October
            ("M2", oct_, [("cash", 49999)]),
            ("M2", datetime(2026, 11, 2, 9), [("cash", 100000)]),
            (None, oct_, [("cash", 90000)]),  # type: ignore[list-item]
        ],
    )
    rep = monthly(hq)
    assert rep.spend_coins == {"M1": 200} and rep.visit_coins == {}
    assert coins_from(hq, "M1", "spend") == 200
    lot = hq.member("M1").lot("hq:spend:2026-10:M1")
    assert lot is not None and lot.granted == NOV1 and lot.last_day == date(2027, 10, 31)
    assert ("hq_spend", "2026-10") in hq.member("M1").gifts_claimed
    assert coins_from(hq, "M2", "spend") == 0
    before = snapshot(hq)
    again = monthly(hq)
    assert again.spend_coins == {} and snapshot(hq) == before
    assert hq.verify() == []


def test_spend_exactly_500_earns_100(hq: Hq) -> None:
    hq.import_setup()
    sales(hq, [("M2", datetime(2026, 10, 31, 23, 59), [("mobile", 50000)])])
    assert monthly(hq).spend_coins == {"M2": 100}


def visits(code: str, n: int, fen: int, start: datetime) -> list[Any]:
    """``n`` sales 25 hours apart (each a visit), the month's spend ``fen`` in total."""
    return [
        (code, start + timedelta(hours=25 * i), [("cash", fen // n + (fen % n if i == 0 else 0))])
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("n", "spend", "expected"),
    [(14, 40000, 0), (15, 40000, 20), (20, 40000, 20), (21, 40000, 50), (21, 29999, 0)],
)
def test_visit_bonus_steps_and_minimum_spend(hq: Hq, n: int, spend: int, expected: int) -> None:
    hq.import_setup()
    sales(hq, visits("M2", n, spend, datetime(2026, 10, 1, 8)))
    rep = monthly(hq)
    assert rep.visit_coins == ({"M2": expected} if expected else {})
    assert coins_from(hq, "M2", "visits") == expected
    before = snapshot(hq)
    monthly(hq)
    assert snapshot(hq) == before


def test_purchases_within_24_hours_after_a_counted_visit_are_one_visit(hq: Hq) -> None:
    hq.import_setup()
    start = datetime(2026, 10, 1, 8)
    rows = visits("M2", 15, 45000, start)
    # 15 visits, plus purchases 1 h and 24 h after the first counted visit: still 15
    rows += [
        ("M2", start + timedelta(hours=1), [("cash", 1000)]),
        ("M2", start + timedelta(hours=24), [("cash", 1000)]),
    ]
    sales(hq, rows)
    assert monthly(hq).visit_coins == {"M2": 20}


def test_an_open_month_is_refused(hq: Hq) -> None:
    hq.import_setup()
    prog = program(hq)
    with pytest.raises(RuleViolation):
        hq.run(lambda s: jobs.monthly_bonuses(s, prog, "2026-11", NOW))
    with pytest.raises(InvalidInput):
        hq.run(lambda s: jobs.monthly_bonuses(s, prog, "2026/10", NOW))


# ----------------------------------------------------------------------------- profile


def test_profile_grants_once_each(hq: Hq) -> None:
    hq.import_setup()
    prog = program(hq)

    def grant(field: str) -> int:
        return hq.run(lambda s: jobs.profile_grant(s, prog, "M2", field, NOW))  # type: ignore[no-any-return]

    assert grant("birth_date") == 5
    assert grant("diet_questionnaire") == 50
    before = snapshot(hq)
    assert grant("birth_date") == 0 and grant("diet_questionnaire") == 0
    assert snapshot(hq) == before
    assert grant("household_size") == 5 and grant("real_name") == 5
    assert coins_from(hq, "M2", "profile") == 65
    with pytest.raises(InvalidInput):
        grant("shoe_size")
    assert hq.verify() == []


# ----------------------------------------------------------------------------- expiry


def test_expire_reaches_members_with_no_activity_and_runs_once(hq: Hq) -> None:
    hq.import_setup()
    prog = program(hq)
    # M1's opening lot was granted 2026-06-01: spendable through 2027-05-31
    day = date(2027, 6, 1)
    # neither member has bought anything: their tiers (opening validity) expire anyway
    assert set(hq.run(lambda s: jobs.expire(s, prog, date(2027, 5, 31), NOW))) == {"M1", "M2"}
    assert hq.member("M1").coins_on(date(2027, 5, 31)) == 20
    done = hq.run(lambda s: jobs.expire(s, prog, day, NOW))
    assert done.get("M1", 0) >= 1
    lot = hq.member("M1").lot("M1:open1")
    assert lot is not None and lot.coins == 0
    before = snapshot(hq)
    assert hq.run(lambda s: jobs.expire(s, prog, day, NOW)) == {}
    assert snapshot(hq) == before
    assert hq.verify() == []


# ----------------------------------------------------------------------------- RFM


def test_rfm_thresholds_are_medians_stored_once_and_pulled_by_tills(hq: Hq) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    base = datetime(2026, 9, 1, 10)
    sales(
        hq,
        [("M1", base + timedelta(days=i), [("cash", 10000)]) for i in range(5)]
        + [("M2", base, [("cash", 30000)])]
        + [("M2", datetime(2025, 9, 1), [("cash", 99999)])],  # older than 12 months
    )
    prog = program(hq)
    day = date(2026, 10, 1)
    rep = hq.run(lambda s: jobs.rfm(s, prog, day))
    # frequencies [1, 5], monetary [300, 500]: upper medians 5 and 500.00
    assert (rep.active, rep.frequency, rep.monetary, rep.changed) == (2, 5, Money(50000), True)
    assert rep.segments["M1"] == "high_value"
    with hq.sessions() as s:
        assert svc.setting(s, "rfm_frequency") == "5"
        assert svc.setting(s, "rfm_monetary_fen") == "50000"
    before = snapshot(hq)
    assert not hq.run(lambda s: jobs.rfm(s, prog, day)).changed
    assert snapshot(hq) == before
    t.sync()
    got = t.settings()
    assert (got["rfm_frequency"], got["rfm_monetary_fen"]) == ("5", "50000")
    with hq.sessions() as s:
        assert s.get(SettingRow, "program") is not None


# ----------------------------------------------------------------------------- legacy


def write_csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "legacy.csv"
    path.write_text(rows, encoding="utf-8")
    return path


def test_legacy_import_dry_run_then_once(hq: Hq, tmp_path: Path) -> None:
    hq.import_setup()
    prog = program(hq)
    path = write_csv(
        tmp_path,
        "code,phone,points\n"
        "M1,13800005678,12345\n"
        "M2,13900000000,5000\n"  # wrong phone
        "M9,13700000000,800\n"  # unknown
        "M1,13800005678,99999\n",  # repeated
    )
    rows = jobs.read_legacy_csv(path)
    before = snapshot(hq)
    dry = hq.run(lambda s: jobs.legacy_import(s, prog, rows, True, NOW))
    assert dry.matched == {"M1": 123} and dry.coins == 123
    assert (dry.unknown, dry.phone_mismatch, dry.duplicates) == (["M9"], ["M2"], ["M1"])
    assert snapshot(hq) == before
    rep = hq.run(lambda s: jobs.legacy_import(s, prog, rows, False, NOW))
    assert rep.matched == {"M1": 123}
    assert coins_from(hq, "M1", "legacy") == 123
    assert ("hq_legacy", "migration") in hq.member("M1").gifts_claimed
    after = snapshot(hq)
    again = hq.run(lambda s: jobs.legacy_import(s, prog, rows, False, NOW))
    assert again.matched == {} and again.already == ["M1"]
    assert snapshot(hq) == after
    assert hq.verify() == []


def test_cli_jobs(hq: Hq, hq_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hq.import_setup()
    path = write_csv(tmp_path, "M1,13800005678,12345\nM9,1,100\n")
    before = snapshot(hq)
    assert cli.main(["jobs", "--db", hq_url, "legacy", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1 members matched, 123 coins" in out and "unknown codes (1): M9" in out
    assert snapshot(hq) == before
    assert cli.main(["jobs", "--db", hq_url, "legacy", str(path)]) == 0
    assert coins_from(hq, "M1", "legacy") == 123
    assert cli.main(["jobs", "--db", hq_url, "profile", "M2", "real_name"]) == 0
    assert "+5 coins" in capsys.readouterr().out
    assert cli.main(["jobs", "--db", hq_url, "monthly", "--month", "2026-10"]) == 0
    assert cli.main(["jobs", "--db", hq_url, "expire", "--day", "2026-11-01"]) == 0
    assert cli.main(["jobs", "--db", hq_url, "rfm", "--day", "2026-11-01"]) == 0
    assert cli.main(["jobs", "--db", hq_url, "profile", "M2", "shoe_size"]) == 2
    for job in ("expire", "rfm"):
        assert cli.main(["jobs", "--db", hq_url, job, "--day", "2026-13-45"]) == 2
        assert "(bad_day)" in capsys.readouterr().err
    assert hq.verify() == []


# ----------------------------------------------------------------------------- till


def test_a_till_pulling_after_the_jobs_sees_the_grants(hq: Hq, tmp_path: Path) -> None:
    hq.import_setup()
    t = hq.till("S1-T01")
    t.sync()
    paid = 0
    for _ in range(9):
        sale = t.sell("M2", RICE, cash(100))
        paid += sum(x.amount.fen for x in sale.record.tenders if x.kind not in ("coins",))
        t.clock.set(t.clock.now() + timedelta(hours=1))
    spent = t.sell("M1", RICE, coins(5), cash(100))
    assert any(x.kind == "coins" for x in spent.record.tenders)
    assert t.sync().acknowledged
    rep = monthly(hq)
    assert rep.spend_coins.get("M2") == 100 * (paid // 50000) > 0
    assert "M1" not in rep.spend_coins  # 65 yuan less 5 coins: far from 500
    prog = program(hq)
    hq.run(lambda s: jobs.profile_grant(s, prog, "M2", "birth_date", NOW))
    rows = [jobs.LegacyRow("M2", "13900001111", 12345)]
    hq.run(lambda s: jobs.legacy_import(s, prog, rows, False, NOW))
    t.sync()
    state = t.state("M2")
    assert state == as_sent(hq.member("M2"))
    assert state.coins_on(NOV1) >= 100 * (paid // 50000) + 5 + 123
    assert t.verify().ok, t.verify().problems
    assert hq.verify() == []
    assert json.dumps(sorted(state.gifts_claimed))  # the markers travel with the member
