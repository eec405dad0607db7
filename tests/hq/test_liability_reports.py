"""The stored-value, coins, points and coupons reports (``console/reporting``): every
figure equals a recomputation here from the raw entries HQ holds (each member's
entries folded in order), the roll-forward identity holds per store and for the
chain, and a period that runs to today closes on the members' folded balances."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from sync.hq import adjust, aggregates, jobs
from sync.hq import campaigns as cmp
from sync.hq import service as svc
from sync.hq.app import create_app
from sync.hq.console import i18n
from sync.hq.console.reporting import balances, coupons, liability
from sync.hq.console.reporting import rollforward as rf
from sync.hq.console.reporting.kit import Filters, Report, Table
from sync.hq.models import EntryRow, MemberRow
from terminal import codec
from terminal.calendar import add_months
from terminal.money import Money
from terminal.rules import member as m
from terminal.rules.tenders import TenderRequest
from tests.hq.helpers import NOW, RICE, SETUP, SOY, TRUSTING, Hq, cash, coins

AT = NOW.replace(tzinfo=svc.CHAIN_ZONE)
DAY = NOW.date()
LATER = date(2026, 11, 10)  # HQ's expiry run: the campaign's coupons and a coin lot go


class Clock:
    at = AT


def sv(yuan: int) -> TenderRequest:
    return TenderRequest("stored_value", Money(yuan * 100))


# ----------------------------------------------------------------------------- oracle


@dataclass
class Raw:
    """The raw entries folded: movements by (day, store, family, class) and the states."""

    moves: dict[tuple[date, str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    states: dict[str, m.MemberState] = field(default_factory=dict)
    uses: list[tuple[date, str, str, int, int]] = field(default_factory=list)
    # ^ campaign coupon uses: (day, store, campaign, fen off, the sale's tenders)


def cls(reason: str) -> str:
    return reason.split(":", 1)[0] or "-"


def fold_raw(hq: Hq) -> Raw:
    raw = Raw()
    e = EntryRow
    q = (
        select(e.member_code, e.at, e.store_id, e.payload)
        .where(e.kind == "member", e.member_pos.is_not(None))
        .order_by(e.member_code, e.member_pos)
    )
    with hq.sessions() as s:
        rows = s.execute(q).all()
        sales = s.execute(select(e.at, e.store_id, e.payload).where(e.kind == "sale")).all()
    for member, at, store, payload in rows:
        code, entry = str(member), codec.decode_entry(json.loads(payload))
        before = raw.states.get(code) or m.MemberState(code=code)
        day, mv = date.fromisoformat(at[:10]), raw.moves
        match entry:
            case m.StoredValueChanged():
                mv[(day, store, "sv_p", cls(entry.reason))] += entry.principal.fen
                mv[(day, store, "sv_g", cls(entry.reason))] += entry.gift.fen
            case m.CoinLotGranted():
                mv[(day, store, "coins", "grant_" + cls(entry.reason))] += entry.coins
            case m.CoinLotChanged():
                mv[(day, store, "coins", cls(entry.reason))] += entry.delta
            case m.PointsChanged(currency="points"):
                mv[(day, store, "points", cls(entry.reason))] += entry.delta
            case m.CouponGranted():
                origin = entry.coupon.origin
                mv[(day, store, "cpn:granted", cls(origin))] += 1
                mv[(day, store, "cpn:face", cls(origin))] += entry.coupon.off.fen
                if origin.startswith("campaign:"):
                    mv[(day, store, "cmp:granted", origin[9:])] += 1
                    mv[(day, store, "cmp:face", origin[9:])] += entry.coupon.off.fen
            case m.CouponStateChanged():
                held = before.coupon(entry.coupon_id)
                if held is not None and held.state != entry.state:
                    mv[(day, store, f"cpn:{entry.state}", cls(held.origin))] += 1
                    if held.origin.startswith("campaign:"):
                        mv[(day, store, f"cmp:{entry.state}", held.origin[9:])] += 1
        raw.states[code] = m.apply(before, entry)
    for at, store, payload in sales:
        rec = json.loads(payload)["record"]
        spend = sum(int(t["amount"]) for t in rec["tenders"])
        for cid, off in rec.get("coupons", ()):
            if cid.startswith("cmp:"):
                day = date.fromisoformat(at[:10])
                raw.uses.append((day, store, cid.split(":")[1], int(off), spend))
    return raw


def picked(f: Filters, store: str) -> bool:
    return f.stores is None or store in f.stores


def sums(raw: Raw, f: Filters, family: str) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Opening by store and the period's movements by (store, class)."""
    opening: dict[str, int] = defaultdict(int)
    period: dict[tuple[str, str], int] = defaultdict(int)
    for (day, store, fam, c), v in raw.moves.items():
        if fam != family or not picked(f, store):
            continue
        if day < f.start:
            opening[store] += v
        elif day < f.end:
            period[(store, c)] += v
    return opening, period


def want_rollforward(
    raw: Raw, f: Filters, families: Iterable[str], cols: tuple[rf.Bucket, ...]
) -> list[tuple[object, ...]]:
    opening: dict[str, int] = defaultdict(int)
    per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((b.key for b in cols), 0))
    stores: set[str] = set()
    for family in families:
        o, p = sums(raw, f, family)
        for st, v in o.items():
            opening[st] += v
        for (st, c), v in p.items():
            per[st][rf.bucket_of(cols, c)] += v
            if v:
                stores.add(st)
    stores |= {st for st, v in opening.items() if v}
    lines = []
    for st in sorted(stores):
        line = [opening[st], *(per[st][b.key] for b in cols)]
        lines.append((st, [*line, sum(line)]))
    total = [sum(col) for col in zip(*(ln for _, ln in lines), strict=True)] or [0] * (
        len(cols) + 2
    )
    return [(st, *ln) for st, ln in lines] + [("Σ", *total)]


def table(r: Report, tid: str) -> Table:
    return next(t for t in r.tables if t.id == tid)


def figures(r: Report) -> dict[str, int | None]:
    return {x.key: x.value for x in r.figures}


def assert_identity(t: Table) -> None:
    for row in t.rows:
        nums = [int(v) for v in row[1:]]  # type: ignore[call-overload]
        assert nums[-1] == sum(nums[:-1]), row
    assert t.rows[-1][0] == "Σ"
    for i in range(1, len(t.columns)):
        assert t.rows[-1][i] == sum(int(r[i]) for r in t.rows[:-1])  # type: ignore[call-overload]


def month(d: date | None) -> str:
    return d.strftime("%Y-%m") if d else "never"


# ----------------------------------------------------------------------------- data


def chain_of_money(hq: Hq) -> None:
    """Two stores and HQ: an HQ stored-value and coins adjustment, a campaign, a
    recharge, stored-value sales, a full return (stored value, coins and the coupon
    back), coins spent, a stored-value refund the next day, a campaign coupon redeemed
    at the other store, then HQ's expiry run (a coin lot and the coupons left)."""
    Clock.at = AT
    hq.app = create_app(hq.engine, now=lambda: Clock.at, window=TRUSTING)
    members = [dict(x) for x in SETUP["members"]]
    members[0]["stored_value"] = {"principal": "100.00", "gift": "20.00"}
    members[0]["coin_lots"] = [
        {"coins": 20, "granted": "2026-06-01"},
        {"coins": 7, "granted": "2025-11-01"},  # spendable through 2026-10-31
    ]
    hq.import_setup({**SETUP, "members": members})
    t1, t2 = hq.till("T1"), hq.till("T2", store="S2")
    t1.sync(), t2.sync()
    hq.run(lambda s: adjust.propose(s, adjust.Request("M1", "coins", 30, "补发"), "ops", AT))
    sv_adj = adjust.Request("M2", "stored_value", 5000, "补偿", gift_fen=1000)
    hq.run(lambda s: adjust.propose(s, sv_adj, "ops", AT))
    hq.run(lambda s: cmp.issue(s, cmp.Plan("c1", "国庆券", cmp.Segment(), "c30off5"), "mk", AT))
    t1.sync(), t2.sync()
    for t in (t1, t2):
        t.clock.set(NOW + timedelta(hours=1))
    Clock.at = AT + timedelta(hours=1)
    t2.counter.recharge("M2", Money(20000), t2.counter.authorize("mgr", "8888"))
    t2.sell("M2", SOY, sv(5), cash(20))
    sold = t1.sell("M1", RICE, sv(30), cash(100))  # the campaign coupon takes 5 off
    t1.counter.return_sale(sold.receipt_no, None, t1.counter.authorize("mgr", "8888"))
    t1.sell("M1", SOY, coins(5), cash(20))
    t1.sync(), t2.sync()
    for t in (t1, t2):
        t.clock.set(NOW + timedelta(days=1))
    Clock.at = AT + timedelta(days=1)
    t1.counter.refund_stored_value("M1", t1.counter.authorize("mgr", "8888"))
    t2.sell("M2", RICE, sv(10), cash(100))  # M2's campaign coupon, used at S2
    t1.sync(), t2.sync()
    Clock.at = AT + timedelta(days=35)
    with hq.sessions() as s:
        prog = svc.require_program(s, LATER)
    hq.run(lambda s: jobs.expire(s, prog, LATER, Clock.at))
    assert hq.verify() == []


FULL = Filters(date(2026, 1, 1), LATER + timedelta(days=1), None, LATER)
CASES = (
    FULL,
    Filters(DAY + timedelta(days=1), LATER + timedelta(days=1), None, LATER),  # opening
    Filters(DAY, DAY + timedelta(days=2), ("S1",), LATER),  # a store manager's
    Filters(DAY + timedelta(days=1), DAY + timedelta(days=2), ("S1", "S2"), LATER),
    # openings of whole months (``monthly_flows``) and of days of the start's month
    Filters(date(2026, 11, 1), LATER + timedelta(days=1), None, LATER),
    Filters(LATER + timedelta(days=1), LATER + timedelta(days=2), None, LATER),
    Filters(LATER, LATER + timedelta(days=1), ("S1",), LATER),
)


def build(hq: Hq, fn: Any, f: Filters) -> Report:
    with hq.sessions() as s:
        r: Report = fn(s, f)
        return r


# ----------------------------------------------------------------------------- tests


def test_stored_value_roll_forward_equals_the_entries(hq: Hq) -> None:
    chain_of_money(hq)
    raw = fold_raw(hq)
    for f in CASES:
        r = build(hq, liability.build, f)
        for tid, fams in (
            ("liability-principal", ("sv_p",)),
            ("liability-gift", ("sv_g",)),
            ("liability-total", ("sv_p", "sv_g")),
        ):
            t = table(r, tid)
            assert list(t.rows) == want_rollforward(raw, f, fams, liability.COLUMNS), (f, tid)
            assert_identity(t)
        fig = figures(r)
        p, g = (sums(raw, f, fam) for fam in ("sv_p", "sv_g"))
        assert fig["liab.f.opening"] == sum(p[0].values()) + sum(g[0].values())
        assert fig["liab.f.closing_p"] == sum(p[0].values()) + sum(p[1].values())
        assert fig["liab.f.closing_g"] == sum(g[0].values()) + sum(g[1].values())
        spent = sum(v for (_, c), v in (*p[1].items(), *g[1].items()) if c == "spent")
        assert fig["liab.f.spent"] == -spent
        reasons = {row[0]: row[1:] for row in table(r, "liability-reasons").rows}
        for c in {c for (_, c) in (*p[1], *g[1])}:
            want = (
                sum(v for (_, k), v in p[1].items() if k == c),
                sum(v for (_, k), v in g[1].items() if k == c),
            )
            assert reasons.get(f"rsn.{c}", (0, 0)) == want, c
    # the whole history to today closes on the members' folded balances
    r = build(hq, liability.build, FULL)
    fig = figures(r)
    states = raw.states.values()
    assert fig["liab.f.closing_p"] == sum(st.principal.fen for st in states)
    assert fig["liab.f.closing_g"] == sum(st.gift.fen for st in states)
    assert fig["liab.f.members_now"] == fig["liab.f.closing_p"] + fig["liab.f.closing_g"]
    # what happened, by store: the recharge at S2, the refund at S1, HQ's adjustment
    rows = {row[0]: row for row in table(r, "liability-principal").rows}
    head = [c.key for c in table(r, "liability-principal").columns]
    col = {k: i for i, k in enumerate(head)}
    assert rows["S2"][col["liab.c.recharge"]] == 20000
    assert rows["hq"][col["liab.c.adjust"]] == 5000
    assert rows["S1"][col["liab.c.refunded"]] < 0 and rows["S1"][col["liab.c.returned"]] > 0  # type: ignore[operator]
    assert table(r, "liability-gift").rows[-1][col["liab.c.refunded"]] == -2000  # forfeited
    # a store manager's view holds their store only, and no chain-wide figure
    scoped = build(hq, liability.build, CASES[2])
    assert {row[0] for row in table(scoped, "liability-total").rows} <= {"S1", "Σ"}
    assert "liab.f.members_now" not in figures(scoped)


def test_coins_and_points_roll_forward_and_expiry_forecast(hq: Hq) -> None:
    chain_of_money(hq)
    raw = fold_raw(hq)
    for f in CASES:
        for fn, bal in ((balances.coins, balances.COINS), (balances.points, balances.POINTS)):
            r = build(hq, fn, f)
            fam = bal.prefix.rstrip(":")
            t = table(r, f"{bal.slug}-rollforward")
            assert list(t.rows) == want_rollforward(raw, f, (fam,), bal.columns), (f, bal.slug)
            assert_identity(t)
            opening, period = sums(raw, f, fam)
            fig = figures(r)
            pre = f"bal.{bal.slug}.f."
            assert fig[pre + "opening"] == sum(opening.values())
            assert fig[pre + "closing"] == sum(opening.values()) + sum(period.values())
            assert fig[pre + "used"] == -sum(v for (_, c), v in period.items() if c in bal.used)
            assert fig[pre + "expired"] == -sum(
                v for (_, c), v in period.items() if c in bal.expired
            )
            assert (f"{bal.slug}-expiry" in {x.id for x in r.tables}) == f.chain
    coins_r = build(hq, balances.coins, FULL)
    fig = figures(coins_r)
    states = list(raw.states.values())
    held = sum(lot.coins for st in states for lot in st.coin_lots)
    assert fig["bal.coins.f.closing"] == held == fig["bal.coins.f.members_now"]
    assert fig["bal.coins.f.value"] == held * 100  # 1 coin = 1 yuan
    # the lot spendable through 2026-10-31: 7 coins, the 5 spent taken from it first
    assert fig["bal.coins.f.expired"] == 2
    want: dict[str, int] = defaultdict(int)
    for st in states:
        for lot in st.coin_lots:
            if lot.coins:
                want["bal.never" if lot.last_day is None else month(lot.last_day)] += lot.coins
    forecast = {row[0]: row[1] for row in table(coins_r, "coins-expiry").rows}
    assert forecast == dict(want) and sum(forecast.values()) == held  # type: ignore[arg-type]
    pts = figures(build(hq, balances.points, FULL))
    assert pts["bal.points.f.closing"] == sum(st.points for st in states)


def test_coupons_by_source_campaign_and_store_equal_the_entries(hq: Hq) -> None:
    chain_of_money(hq)
    raw = fold_raw(hq)
    states = ("granted", "face", "used", "expired", "revoked", "unused")
    for f in CASES:
        r = build(hq, coupons.build, f)
        per_src: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
        per_cmp: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
        per_store: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
        for (day, store, fam, c), v in raw.moves.items():
            if not (fam.startswith(("cpn:", "cmp:")) and f.start <= day < f.end):
                continue
            if not picked(f, store):
                continue
            i = states.index(fam[4:])
            if fam.startswith("cpn:"):
                per_src[c][i] += v
                per_store[store][i] += v
            else:
                per_cmp[c][i] += v
        unused_src: dict[str, int] = defaultdict(int)
        unused_cmp: dict[str, int] = defaultdict(int)
        for st in raw.states.values():
            for cp in st.coupons:
                if cp.state == "unused":
                    unused_src[cls(cp.origin)] += 1
                    if cp.origin.startswith("campaign:"):
                        unused_cmp[cp.origin[9:]] += 1
        got_src = {row[0]: list(row[1:7]) for row in table(r, "coupons-sources").rows}
        assert got_src == {
            (f"src.{k}" if k in coupons.SOURCES else k): v
            for k, v in per_src.items()
            if any(v) or (f.chain and unused_src[k])
        }
        if f.chain:
            now = {row[0]: row[7] for row in table(r, "coupons-sources").rows}
            assert now == {
                (f"src.{k}" if k in coupons.SOURCES else k): unused_src.get(k, 0)
                for k in (per_src.keys() | unused_src.keys())
                if any(per_src.get(k, ())) or unused_src.get(k)
            }
        uses: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for day, store, cid, off, spend in raw.uses:
            if picked(f, store) and f.start <= day < f.end:
                uses[cid][0] += off
                uses[cid][1] += spend
        cmp_rows = {row[0]: row for row in table(r, "coupons-campaigns").rows}
        assert set(cmp_rows) == {k for k, v in per_cmp.items() if any(v)} | set(uses)
        for camp, row in cmp_rows.items():
            assert list(row[2:8]) == per_cmp[str(camp)]
            assert list(row[9:11]) == uses.get(str(camp), [0, 0])
            if f.chain:
                assert row[11] == unused_cmp.get(str(camp), 0)
        got_store = {row[0]: list(row[1:]) for row in table(r, "coupons-stores").rows}
        assert got_store == {k: v for k, v in per_store.items() if any(v)}
        fig = figures(r)
        assert fig["cpnr.f.issued"] == sum(v[0] for v in per_src.values())
        assert fig["cpnr.f.used"] == sum(v[2] for v in per_src.values())
        assert fig["cpnr.f.expired"] == sum(v[3] for v in per_src.values())
        assert fig["cpnr.f.off"] == sum(v[0] for v in uses.values())
    # the campaign: 2 issued at HQ, M1's used and given back by the return, M2's used
    # at S2 (5 yuan off), M1's expired at HQ's run
    full = {row[0]: row for row in table(build(hq, coupons.build, FULL), "coupons-campaigns").rows}
    c1 = full["c1"]
    assert c1[1] == "国庆券" and c1[2:8] == (2, 1000, 2, 1, 0, 1) and c1[9] == 1000
    assert c1[11] == 0


POINTS_YEAR_END = date(2026, 11, 20)  # M1's membership year ends


def points_year(hq: Hq) -> None:
    """The points plan: two members with imported points (their membership years end
    in November and March), a sale paid partly with points, a sale earning them."""
    Clock.at = AT
    hq.app = create_app(hq.engine, now=lambda: Clock.at, window=TRUSTING)
    members = [
        {"code": "M1", "phone": "13800005678", "registered": "2025-11-20", "points": 500},
        {"code": "M2", "phone": "13900001111", "registered": "2026-03-02", "points": 80},
    ]
    hq.import_setup({**SETUP, "program": "points", "members": members})
    t1 = hq.till("T1")
    t1.sync()
    t1.sell("M1", RICE, TenderRequest("points", None, points=200), cash(100))
    t1.sell("M2", RICE, cash(100))
    t1.sync()


def expire_points_year(hq: Hq) -> None:
    with hq.sessions() as s:
        prog = svc.require_program(s, POINTS_YEAR_END)
    hq.run(lambda s: jobs.expire(s, prog, POINTS_YEAR_END, AT + timedelta(days=45)))


def test_points_expire_by_membership_year(hq: Hq) -> None:
    """The forecast puts each member's points in the month of its membership year's
    last day; HQ's expiry run moves them from the forecast to the expired column."""
    points_year(hq)
    raw = fold_raw(hq)
    want: dict[str, int] = defaultdict(int)
    for st in raw.states.values():
        assert st.points_year_start is not None
        want[month(add_months(st.points_year_start, 12) - timedelta(days=1))] += st.points
    assert set(want) == {"2026-11", "2027-03"}
    today = DAY
    r = build(
        hq, balances.points, Filters(date(2026, 1, 1), today + timedelta(days=1), None, today)
    )
    assert {row[0]: row[1] for row in table(r, "points-expiry").rows} == dict(want)
    assert figures(r)["bal.points.f.soon"] == want["2026-11"]  # within 3 months of October
    with hq.sessions() as s:
        assert aggregates.totals(s).get("points_exp:2026-11") == want["2026-11"]
    expire_points_year(hq)
    day = POINTS_YEAR_END
    f = Filters(day, day + timedelta(days=1), None, day)
    r = build(hq, balances.points, f)
    assert figures(r)["bal.points.f.expired"] == want["2026-11"]
    assert {row[0]: row[1] for row in table(r, "points-expiry").rows} == {
        "2027-03": want["2027-03"]
    }
    assert list(table(r, "points-rollforward").rows) == want_rollforward(
        fold_raw(hq), f, ("points",), balances.POINTS.columns
    )
    assert figures(r)["bal.points.f.value"] == want["2027-03"]  # 100 points = 1 yuan
    with hq.sessions() as s:
        assert aggregates.check(s) == []
        assert s.execute(select(MemberRow.code)).scalars().all()


def test_every_text_the_four_reports_use_is_in_both_languages(hq: Hq) -> None:
    chain_of_money(hq)
    used: set[str] = set()
    for fn in (liability.build, balances.coins, balances.points, coupons.build):
        for f in CASES:
            r = build(hq, fn, f)
            used |= {r.title, *r.notes, *(x.key for x in r.figures)}
            for c in r.charts:
                used |= {c.title, *(x.name for x in c.series if not x.literal)}
                used |= {x for x in c.x if "." in x} if c.x_keys else set()
            for tb in r.tables:
                used |= {tb.title, *(c.key for c in tb.columns)}
                used |= {
                    v
                    for row in tb.rows
                    for i, (v, c) in enumerate(zip(row, tb.columns, strict=True))
                    if c.kind == "text"
                    and not (i == 0 and tb.literal_first)
                    and isinstance(v, str)
                    and "." in v
                }
    used |= {f"rsn.{c}" for c in liability.KNOWN | balances.COINS.known | balances.POINTS.known}
    used |= {f"src.{c}" for c in coupons.SOURCES} | {"rsn.other", "bal.never"}
    assert sorted(k for k in used if k not in i18n.CATALOG) == []
    assert all(all(pair) for k, pair in i18n.CATALOG.items() if k in used)
