"""The console's reports (issue 15 item 7) equal what the ledger says: on sales,
returns and tier changes at three tills in two stores over three days, and two RFM
runs, each report's figures are recomputed from the raw entries (a scan written
here, and ``aggregates.recount``); the CSV and .xlsx exports read back to the same
figures; a store manager sees only their store; bad filters are said on the page."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import event, select

from sync.hq import aggregates, jobs
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.console import accounts, i18n
from sync.hq.console.reporting import REPORTS, dashboard, rfm, sales, tiers
from sync.hq.console.reporting.kit import Filters, Report, per, share_bp
from sync.hq.console.settings import ConsoleSettings
from sync.hq.models import EntryRow, MemberRow, MemberStoreRow, RfmMoveRow
from terminal.quantity import Qty
from tests.hq.helpers import NOW, RICE, SOY, TRUSTING, Hq, cash

PASSWORD = "correct horse 12"
FRESH = "6900000000038"  # fresh lines earn growth points (会员力), 1 a yuan
DAYS = [NOW + timedelta(days=i) for i in range(3)]  # 2026-10-06 .. 08, the tills' days
TODAY = date(2026, 10, 8)
RFM_DAYS = (date(2026, 10, 1), date(2026, 10, 8))
SETUP: dict[str, Any] = {
    "program": "tomato",
    "start": "2026-10-06T09:00:00",
    "catalog": [
        {"code": SOY, "name": "酱油", "category": "grocery", "price": "12.00"},
        {"code": RICE, "name": "大米 5kg", "category": "grocery", "price": "65.00"},
        {"code": FRESH, "name": "牛肉", "category": "fresh", "price": "65.00"},
    ],
    "members": [
        # 990 growth points: a 65-yuan sale upgrades M1 to red
        {"code": "M1", "phone": "13800005678", "registered": "2025-01-01", "growth_points": 990},
        {"code": "M2", "phone": "13900001111", "registered": "2025-01-01"},
        {"code": "M3", "phone": "13700002222", "registered": "2026-09-20"},
        {
            "code": "M4",
            "phone": "13600003333",
            "registered": "2024-01-01",
            "tier": "red",
            "tier_valid_through": "2027-09-30",
            "growth_points": 1500,
        },
    ],
}


class Clock:
    at = datetime(2026, 10, 8, 12, 0, tzinfo=svc.CHAIN_ZONE)

    def __call__(self) -> datetime:
        return self.at


@dataclass
class World:
    hq: Hq
    app: Any
    runs: list[jobs.RfmReport]

    def client(self, name: str) -> TestClient:
        c = TestClient(self.app, follow_redirects=False)
        self.hq._open.append(c)
        page = c.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        r = c.post(
            "/console/login",
            data={"name": name, "password": PASSWORD, "csrf": token.group(1), "next": ""},
        )
        assert r.status_code == 303
        return c

    def build(self, slug: str, f: Filters) -> Report:
        with self.hq.sessions() as s:
            return REPORTS[slug].build(s, f)


@pytest.fixture
def world(hq: Hq) -> Iterator[World]:
    hq.import_setup(SETUP)
    t1, t2, t3 = hq.till("S1-T01", "S1"), hq.till("S1-T02", "S1"), hq.till("S2-T01", "S2")
    tills = (t1, t2, t3)
    for t in tills:
        t.sync()
    with hq.sessions() as s:
        prog = svc.hq_program(s)
    assert prog is not None
    runs = [hq.run(lambda s: jobs.rfm(s, prog, RFM_DAYS[0]))]
    for i, day in enumerate(DAYS):
        for t in tills:
            t.clock.set(day + timedelta(hours=i))
        t1.sell("M1", SOY, cash(20))
        t1.sell(None, SOY, cash(20))
        t2.sell(None, RICE, cash(100))
        t3.sell("M2", SOY, cash(50))
        t3.sell(None, SOY, cash(12))
        if i == 1:
            big = t1.sell("M1", FRESH, cash(100))  # M1 reaches red
            t2.sell("M4", FRESH, cash(70))
        if i == 2:
            auth = t1.counter.authorize("mgr", "8888")
            t1.counter.return_sale(big.receipt_no, [(1, Qty(1000))], auth)  # back to green
            t3.sell("M3", FRESH, cash(65))
        for t in tills:
            t.sync()
    runs.append(hq.run(lambda s: jobs.rfm(s, prog, RFM_DAYS[1])))
    app = create_app(hq.engine, now=Clock(), window=TRUSTING)
    for name, role, stores in (("boss", "admin", ()), ("sam", "store_manager", ("S1",))):
        hq.run(
            lambda s, n=name, r=role, st=stores: accounts.add_user(
                s, n, PASSWORD, r, st, Clock()(), ConsoleSettings()
            )
        )
    yield World(hq, app, runs)


# ----------------------------------------------------------------------------- oracle


def linked(hq: Hq, store: str) -> set[str]:
    """The members linked to a store (a store manager's members)."""
    with hq.sessions() as s:
        q = select(MemberStoreRow.member_code).where(MemberStoreRow.store_id == store)
        return set(s.scalars(q))


def scanned(hq: Hq) -> dict[tuple[date, str], dict[str, int]]:
    """Sales and returns straight from the entries' payloads: (day, store) -> sums."""
    out: dict[tuple[date, str], dict[str, int]] = defaultdict(Counter)
    with hq.sessions() as s:
        rows = s.execute(
            select(EntryRow.kind, EntryRow.at, EntryRow.store_id, EntryRow.payload).where(
                EntryRow.kind.in_(("sale", "return"))
            )
        ).all()
    for kind, at, store, payload in rows:
        rec = json.loads(payload)["record"]
        c = out[(datetime.fromisoformat(at).date(), store)]
        if kind == "sale":
            # what the customer handed over less their change
            paid = sum(int(x["tendered"]) for x in rec["tenders"]) - int(rec["change"])
            c["n"] += 1
            c["fen"] += paid
            if rec.get("member_code"):
                c["mn"] += 1
                c["mfen"] += paid
        else:
            c["returns"] += 1
            c["refund"] += int(rec["refund"])
    return out


def summed(cells: dict[tuple[date, str], dict[str, int]], stores: set[str] | None) -> Counter[str]:
    out: Counter[str] = Counter()
    for (_, store), c in cells.items():
        if stores is None or store in stores:
            out.update(c)
    return out


def want_row(c: Counter[str] | dict[str, int]) -> tuple[int | None, ...]:
    n, fen, mn, mfen = c.get("n", 0), c.get("fen", 0), c.get("mn", 0), c.get("mfen", 0)
    return (
        n,
        fen,
        mn,
        share_bp(mn, n),
        mfen,
        share_bp(mfen, fen),
        per(mfen, mn),
        per(fen - mfen, n - mn),
        c.get("returns", 0),
        c.get("refund", 0),
        fen - c.get("refund", 0),
    )


def table(r: Report, table_id: str) -> list[tuple[object, ...]]:
    return next(list(tb.rows) for tb in r.tables if tb.id == table_id)


def figure(r: Report, key: str) -> int | None:
    return next(f.value for f in r.figures if f.key == key)


RANGE = Filters(date(2026, 10, 1), TODAY + timedelta(days=1), None, TODAY)


# ----------------------------------------------------------------------------- figures


def test_the_aggregates_agree_with_a_recount(world: World) -> None:
    with world.hq.sessions() as s:
        _want_flows, want_totals = aggregates.recount(s)
        assert aggregates.check(s) == []
    assert want_totals["members"] == 4


@pytest.mark.parametrize("stores", [None, ("S1",), ("S2",), ("S1", "S2")])
def test_sales_by_store_and_day_equal_the_entries(world: World, stores: Any) -> None:
    f = Filters(RANGE.start, RANGE.end, stores, TODAY)
    r = world.build("sales", f)
    cells = scanned(world.hq)
    picked = None if stores is None else set(stores)
    want = want_row(summed(cells, picked))
    # 3 days x (3 at S1 + 2 at S2), day 2's two big sales at S1, day 3's M3 at S2
    assert want[0] == {None: 18, ("S1",): 11, ("S2",): 7, ("S1", "S2"): 18}[stores]
    got = table(r, "by_day")
    expect = sorted(
        (st, d, *want_row(c)) for (d, st), c in cells.items() if picked is None or st in picked
    )
    assert sorted(got) == expect
    assert table(r, "by_store")[-1] == ("report.total", *want)
    keys = [k for k in (x.key for x in r.figures)]
    assert dict(zip(keys, (f.value for f in r.figures), strict=True)) == {
        "report.col.receipts": want[0],
        "report.col.sales": want[1],
        "report.col.member_share_receipts": want[3],
        "report.col.member_share_sales": want[5],
        "report.col.avg_member": want[6],
        "report.col.avg_other": want[7],
        "report.col.refunds": want[9],
        "report.col.net_sales": want[10],
    }
    assert want[8] == (1 if picked is None or "S1" in picked else 0)  # the one return
    chart = next(c for c in r.charts if c.id == "sales_daily")
    assert sum(v or 0 for s in chart.series for v in s.values) == want[1]


def test_the_counts_are_what_was_sold(world: World) -> None:
    """The fixture's own arithmetic, so the oracle is not the only witness."""
    r = world.build("sales", Filters(DAYS[1].date(), DAYS[1].date() + timedelta(days=1)))
    # day 2: S1 M1 12 + walk-in 12 + walk-in 65 + M1 65 + M4 65; S2 M2 12 + walk-in 12
    assert figure(r, "report.col.receipts") == 7
    assert figure(r, "report.col.sales") == 24300
    assert figure(r, "report.col.member_share_receipts") == share_bp(4, 7) == 5714
    assert figure(r, "report.col.avg_member") == per(1200 + 6500 + 6500 + 1200, 4)


def test_dashboard_targets_against_today(world: World) -> None:
    r = world.build("dashboard", RANGE)
    cells = scanned(world.hq)
    today = Counter[str]()
    for (d, _), c in cells.items():
        if d == TODAY:
            today.update(c)
    assert figure(r, "report.fig.member_share_receipts_today") == share_bp(today["mn"], today["n"])
    assert figure(r, "report.fig.member_share_sales_today") == share_bp(today["mfen"], today["fen"])
    counts = world.runs[-1].counts
    n = sum(counts.values())
    assert n == 4
    assert figure(r, "report.fig.important_share") == share_bp(counts.get("high_value", 0), n)
    churned = counts.get("important_churned", 0) + counts.get("sleeping", 0)
    assert figure(r, "report.fig.churned_share") == share_bp(churned, n)
    met = {f.key: f.met for f in r.figures}
    assert met["report.fig.churned_share"] is ((share_bp(churned, n) or 0) <= 500)
    rows = {row[0]: row for row in table(r, "daily")}
    for d in (x.date() for x in DAYS):
        day = summed({k: v for k, v in cells.items() if k[0] == d}, None)
        assert rows[d][1:4] == (day["n"], day["mn"], share_bp(day["mn"], day["n"]))
    assert [row[0] for row in table(r, "rfm_runs")] == list(RFM_DAYS)
    # a store manager's dashboard: the RFM targets of their store's members
    mine = world.build("dashboard", Filters(RANGE.start, RANGE.end, ("S1",), TODAY))
    theirs = Counter(world.runs[-1].segments[c] for c in linked(world.hq, "S1"))
    n1 = sum(theirs.values())
    assert n1 == len(linked(world.hq, "S1")) > 0
    assert figure(mine, "report.fig.important_share") == share_bp(theirs["high_value"], n1)
    lost = theirs["important_churned"] + theirs["sleeping"]
    assert figure(mine, "report.fig.churned_share") == share_bp(lost, n1)
    assert "report.note.rfm_store" in mine.notes


def test_tiers_equal_the_members_and_their_tier_entries(world: World) -> None:
    r = world.build("tiers", RANGE)
    states = [world.hq.member(c) for c in ("M1", "M2", "M3", "M4")]
    by_tier = Counter(st.tier or "-" for st in states)
    names = {"green": "青番茄", "red": "红番茄", "gold": "金番茄"}
    got = {row[0]: row[1] for row in table(r, "distribution")}
    assert got == {names.get(t, t): n for t, n in by_tier.items()}
    with world.hq.sessions() as s:
        flows, totals = aggregates.recount(s)
    assert {k: v for k, v in totals.items() if k.startswith("tier:")} == {
        f"tier:{t}": n for t, n in by_tier.items()
    }
    moves: Counter[str] = Counter()
    for (day, _, metric), v in flows.items():
        if metric.startswith("tier_to:") and RANGE.start <= day < RANGE.end:
            moves[tiers.kind_of(metric.split(":")[2])] += v
    (oct_,) = table(r, "per_month")
    assert oct_[0] == "2026-10"
    assert dict(zip(tiers.KIND_KEYS, oct_[1:], strict=True)) == {
        k: moves.get(k, 0) for k in tiers.KIND_KEYS
    }
    assert moves["up"] == 1 and moves["down"] == 1  # M1 up, and back down by the return
    assert figure(r, "report.kind.up") == 1
    mine = world.build("tiers", Filters(RANGE.start, RANGE.end, ("S2",), TODAY))
    assert "distribution" not in {tb.id for tb in mine.tables}
    assert figure(mine, "report.kind.up") == 0


def test_rfm_distribution_and_migration_equal_the_job_runs(world: World) -> None:
    r = world.build("rfm", RANGE)
    first, last = world.runs
    assert {row[0]: row[1] for row in table(r, "segments")} == {
        rfm.key(g): n for g, n in last.counts.items()
    }
    want: Counter[tuple[str, str]] = Counter(
        (first.segments[c], last.segments[c]) for c in last.segments
    )
    matrix = table(r, "matrix")
    tos = [c.key for tb in r.tables if tb.id == "matrix" for c in tb.columns[1:]]
    got = {(row[0], to): v for row in matrix for to, v in zip(tos, row[1:], strict=True) if v}
    assert got == {(rfm.key(a), rfm.key(b)): n for (a, b), n in want.items()}
    first_moves = [row for row in table(r, "moves") if row[0] == RFM_DAYS[0]]
    assert {(row[1], row[2]): row[3] for row in first_moves} == {
        ("rfm.none", rfm.key(g)): n for g, n in first.counts.items()
    }
    with world.hq.sessions() as s:
        held = Counter(s.scalars(select(MemberRow.rfm_segment)))
        assert held == Counter(last.segments.values())
        assert s.query(RfmMoveRow).count() > 0
    assert figure(r, "report.fig.moved") == sum(n for (a, b), n in want.items() if a != b)
    for store in ("S1", "S2"):
        mine = world.build("rfm", Filters(RANGE.start, RANGE.end, (store,)))
        assert [tb.id for tb in mine.tables] == ["segments"]  # no migration per store
        want_store = Counter(last.segments[c] for c in linked(world.hq, store))
        assert {row[0]: row[1] for row in table(mine, "segments")} == {
            rfm.key(g): n for g, n in want_store.items()
        }
        runs = next(c for c in mine.charts if c.id == "rfm_runs")
        assert runs.x == ("2026-10-08",)  # on 10-01 no till had linked a member yet


def test_every_text_a_report_uses_is_in_both_languages(world: World) -> None:
    used: set[str] = set()
    for slug in ("dashboard", "sales", "tiers", "rfm"):
        for stores in (None, ("S1",)):
            r = world.build(slug, Filters(RANGE.start, RANGE.end, stores, TODAY))
            used |= {r.title, *r.notes, *(f.key for f in r.figures)}
            for c in r.charts:
                used |= {c.title, *(s.name for s in c.series if not s.literal)}
                used |= {x for x in c.x if "." in x} if c.x_keys else set()  # tier names: literal
            for tb in r.tables:
                used |= {tb.title, *(c.key for c in tb.columns)}
                for row in tb.rows:
                    used |= {
                        v
                        for i, (v, c) in enumerate(zip(row, tb.columns, strict=True))
                        if c.kind == "text"
                        and not (i == 0 and tb.literal_first)
                        and isinstance(v, str)
                        and "." in v
                    }
    used |= {f"report.kind.{k}" for k in tiers.KIND_KEYS} | {rfm.key(g) for g in rfm.SEGMENTS}
    used |= {
        "rfm.none",
        *(f"report.error.{c}" for c in ("bad_date", "bad_range", "range_too_long")),
    }
    assert sorted(k for k in used if k not in i18n.CATALOG) == []


# ----------------------------------------------------------------------------- pages


def test_pages_and_exports_read_back_to_the_same_figures(world: World) -> None:
    boss = world.client("boss")
    q = "start=2026-10-01&end=2026-10-08"
    for slug in REPORTS:
        page = boss.get(f"/console/reports/{slug}?{q}")
        assert page.status_code == 200, (slug, page.text[:300])
    assert "报表" in boss.get("/console/reports").text
    r = world.build("sales", RANGE)
    got = boss.get(f"/console/reports/sales.csv?{q}&table=by_day")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["门店", "日期", "小票数", "销售额 (元)"]
    want = table(r, "by_day")
    assert len(rows) == len(want) + 1
    for line, row in zip(rows[1:], want, strict=True):
        assert line[0] == row[0] and line[1] == row[1].isoformat()  # type: ignore[attr-defined]
        assert int(line[2]) == row[2]
        assert Decimal(line[3]) * 100 == row[3]
        assert line[5] == ("" if row[5] is None else f"{Decimal(row[5]) / 100:.2f}%")  # type: ignore[arg-type]
    xl = boss.get(f"/console/reports/sales.xlsx?{q}")
    assert xl.status_code == 200
    wb = load_workbook(io.BytesIO(xl.content))
    assert wb.sheetnames == ["by_store", "by_day"]
    sheet = list(wb["by_day"].iter_rows(values_only=True))
    assert sheet[0][3] == "销售额 (元)"
    for line, row in zip(sheet[1:], want, strict=True):
        assert line[0] == row[0] and line[1].date() == row[1]
        assert line[2] == row[2]
        assert round(Decimal(str(line[3])) * 100) == row[3]
        assert line[5] is None if row[5] is None else round(Decimal(str(line[5])) * 10000) == row[5]
    assert wb["by_day"]["D2"].number_format == "#,##0.00"
    rfm_book = load_workbook(io.BytesIO(boss.get(f"/console/reports/rfm.xlsx?{q}").content))
    assert rfm_book.sheetnames == ["segments", "matrix", "moves"]
    home = boss.get("/console/").text
    assert 'id="chart-member_share_trend"' in home and "重要价值客户占比" in home
    boss.cookies.set("pos_console_lang", "en")
    en = boss.get(f"/console/reports/sales.csv?{q}")
    assert en.content.decode("utf-8-sig").startswith("Store,Receipts,Sales (yuan)")


@contextmanager
def flow_reads(engine: Any) -> Iterator[list[str]]:
    """The statements that read ``daily_flows`` meanwhile."""
    seen: list[str] = []

    def hear(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "daily_flows" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", hear)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hear)


@pytest.mark.parametrize(("name", "stores"), [("boss", None), ("sam", {"S1"})])
def test_the_home_page_reads_the_daily_sums_once(
    world: World, name: str, stores: set[str] | None
) -> None:
    """Today's sales, today's targets and the 30-day trend come from one read."""
    client = world.client(name)
    with flow_reads(world.hq.engine) as seen:
        home = client.get("/console/")
    assert home.status_code == 200 and 'id="chart-member_share_trend"' in home.text
    assert len(seen) == 1, seen
    today = summed({k: v for k, v in scanned(world.hq).items() if k[0] == TODAY}, stores)
    assert today["n"] > 0
    assert re.search(rf'id="fig-sales">{today["n"]}<', home.text)
    assert f'id="fig-amount">¥{Decimal(today["fen"]) / 100:.2f}<' in home.text
    # a range that does not hold today reads today apart
    with flow_reads(world.hq.engine) as seen:
        r = world.build("dashboard", Filters(DAYS[0].date(), DAYS[1].date(), None, TODAY))
    assert len(seen) == 2
    want = summed({k: v for k, v in scanned(world.hq).items() if k[0] == TODAY}, None)
    assert figure(r, "report.fig.member_share_receipts_today") == share_bp(want["mn"], want["n"])
    assert [row[0] for row in table(r, "daily")] == [DAYS[0].date()]


def test_a_store_manager_sees_their_store_only(world: World) -> None:
    sam = world.client("sam")
    q = "start=2026-10-01&end=2026-10-08"
    for slug in REPORTS:
        assert sam.get(f"/console/reports/{slug}?{q}").status_code == 200
        assert sam.get(f"/console/reports/{slug}?{q}&store=S2").status_code == 404
        assert sam.get(f"/console/reports/{slug}.xlsx?{q}&store=S2").status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(
                sam.get(f"/console/reports/sales.csv?{q}&table=by_day").content.decode("utf-8-sig")
            )
        )
    )
    assert {line[0] for line in rows[1:]} == {"S1"}
    mine = world.build("sales", Filters(RANGE.start, RANGE.end, ("S1",), TODAY))
    page = sam.get(f"/console/reports/sales?{q}").text
    total = figure(mine, "report.col.sales")
    assert total is not None and f"¥{Decimal(total) / 100:.2f}" in page
    chain = figure(world.build("sales", RANGE), "report.col.sales")
    assert chain is not None and f"¥{Decimal(chain) / 100:.2f}" not in page
    assert 'value="S2"' not in page
    rfm_page = sam.get(f"/console/reports/rfm?{q}").text
    assert "分群迁移只按全连锁统计" in rfm_page and 'id="table-matrix"' not in rfm_page
    assert 'id="table-segments"' in rfm_page
    tiers_page = sam.get(f"/console/reports/tiers?{q}").text
    assert "只按全连锁统计" in tiers_page and 'id="table-distribution"' not in tiers_page
    home = sam.get("/console/").text
    assert "重要价值客户占比" in home and "今日会员笔数占比" in home


EN_SAYS = {
    "日期格式不对": "A date is not valid",
    "结束日期早于开始日期": "The end date is before the start date",
    "最长 400 天": "at most 400 days",
}


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("start=2026-13-01&end=2026-10-08", "日期格式不对"),
        ("start=yesterday", "日期格式不对"),
        ("start=2026-10-08&end=2026-10-01", "结束日期早于开始日期"),
        ("start=2025-01-01&end=2026-10-08", "最长 400 天"),
    ],
)
def test_bad_filters_are_said_on_the_page(world: World, query: str, says: str) -> None:
    boss = world.client("boss")
    page = boss.get(f"/console/reports/sales?{query}")
    assert page.status_code == 400 and says in page.text
    assert 'id="report-error"' in page.text and 'name="start"' in page.text
    # a download has no form to show: 400 and why, in the reader's language
    for ext in ("csv", "xlsx"):
        got = boss.get(f"/console/reports/sales.{ext}?{query}")
        assert got.status_code == 400 and says in got.text, ext
        assert got.headers["content-type"].startswith("text/html")
        assert 'id="error-back" href="/console/reports/sales?start=' in got.text
    boss.cookies.set("pos_console_lang", "en")
    en = boss.get(f"/console/reports/sales.csv?{query}")
    assert en.status_code == 400 and EN_SAYS[says] in en.text


def test_defaults_and_unknown_reports(world: World) -> None:
    boss = world.client("boss")
    page = boss.get("/console/reports/sales")  # the last 30 days to the chain's today
    assert page.status_code == 200
    assert 'value="2026-09-09"' in page.text and 'value="2026-10-08"' in page.text
    assert boss.get("/console/reports/nope").status_code == 404
    assert boss.get("/console/reports/sales?store=S9").status_code == 404
    assert boss.get("/console/reports/sales.csv?table=nope").status_code == 404
    assert dashboard.build is REPORTS["dashboard"].build and sales.build is REPORTS["sales"].build
