"""Coupons issued, redeemed, expired (and revoked, or given back by a full return) in
a period, by source (the origin's class: registration, upgrade, monthly, campaign,
adjustment...), by campaign and by store; what is unused now; and the discount the
campaigns' coupons gave with the spend of the sales that used them.

Counts are ``daily_flows`` (``cpn_<state>:<source>``, ``cmp_<state>:<campaign>``:
each a coupon entering that state on that day at that store), unused now is
``member_totals``, discounts and spend are ``coupon_uses`` (one row per campaign
coupon a till's sale used). A coupon is issued where its grant was written: HQ's
store ``hq`` for campaigns, adjustments and HQ's expiry run, the till's store for
what a till grants (registration, upgrade, monthly gifts).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq.console.reporting import sums
from sync.hq.console.reporting.kit import (
    Chart,
    Column,
    Figure,
    Filters,
    Report,
    Series,
    Table,
    share_bp,
)
from sync.hq.models import CampaignRow, CouponUseRow

STATES = ("granted", "face", "used", "expired", "revoked", "unused")  # flow families
SOURCES = frozenset(
    {"registration", "upgrade", "monthly", "birthday", "campaign", "adjust", "opening", "-"}
)
COUNTS = (
    Column("cpnr.issued", "int"),
    Column("cpnr.face", "fen"),
    Column("cpnr.used", "int"),
    Column("cpnr.expired", "int"),
    Column("cpnr.revoked", "int"),
    Column("cpnr.reinstated", "int"),
)


@dataclass
class Tally:
    """One row's counts: by flow family (``granted``...), then unused now."""

    n: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    def cells(self) -> tuple[int, ...]:
        return tuple(self.n[k] for k in STATES)


@dataclass
class Uses:
    used: int = 0
    off_fen: int = 0
    spend_fen: int = 0


def build(s: Session, f: Filters) -> Report:
    by_src: dict[str, Tally] = defaultdict(Tally)
    by_cmp: dict[str, Tally] = defaultdict(Tally)
    by_store: dict[str, Tally] = defaultdict(Tally)
    per_day: dict[tuple[date, str], int] = defaultdict(int)
    for (d, st, metric), v in aggregates.flows(s, f.start, f.end, f.stores, "cpn_").items():
        state, _, src = metric.removeprefix("cpn_").partition(":")
        if state in STATES:
            by_src[src].n[state] += v
            by_store[st].n[state] += v
            per_day[(d, state)] += v
    for (_, _, metric), v in aggregates.flows(s, f.start, f.end, f.stores, "cmp_").items():
        state, _, cid = metric.removeprefix("cmp_").partition(":")
        if state in STATES:
            by_cmp[cid].n[state] += v
    uses = campaign_uses(s, f)
    held = aggregates.totals(s) if f.chain else {}
    total = Tally()
    for t in by_src.values():
        total.n = {k: total.n[k] + t.n[k] for k in STATES}
    figures = [
        Figure("cpnr.f.issued", total.n["granted"]),
        Figure("cpnr.f.face", total.n["face"], "fen"),
        Figure("cpnr.f.used", total.n["used"]),
        Figure("cpnr.f.expired", total.n["expired"]),
        Figure("cpnr.f.used_share", share_bp(total.n["used"], total.n["granted"]), "bp"),
        Figure("cpnr.f.off", sum(u.off_fen for u in uses.values()), "fen"),
    ]
    if f.chain:
        figures.append(Figure("cpnr.f.unused_now", unused(held, "cpn_unused:")))
    x = sums.days(f)
    chart = Chart(
        "coupons-daily",
        "cpnr.ch.daily",
        tuple(d.isoformat() for d in x),
        tuple(
            Series(key, tuple(per_day.get((d, state), 0) for d in x))
            for key, state in (
                ("cpnr.issued", "granted"),
                ("cpnr.used", "used"),
                ("cpnr.expired", "expired"),
            )
        ),
    )
    srcs = sorted(k for k, v in by_src.items() if any(v.cells()))
    by_source = Chart(
        "coupons-sources",
        "cpnr.ch.sources",
        tuple(source_key(k) for k in srcs),
        tuple(
            Series(key, tuple(by_src[k].n[state] for k in srcs))
            for key, state in (
                ("cpnr.issued", "granted"),
                ("cpnr.used", "used"),
                ("cpnr.expired", "expired"),
            )
        ),
        x_keys=True,
    )
    tables = (
        source_table(by_src, held, f.chain),
        campaign_table(s, by_cmp, uses, held, f.chain),
        Table(
            "coupons-stores",
            "cpnr.t.stores",
            (Column("rf.store"), *COUNTS),
            tuple((st, *by_store[st].cells()) for st in sorted(by_store)),
        ),
    )
    notes = ("cpnr.n.counts", "cpnr.n.store", "cpnr.n.share", "rf.n.late")
    charts = (chart, by_source)
    return Report("coupons", "report.coupons", f, tuple(figures), charts, tables, notes)


def source_key(src: str) -> str:
    """A source's i18n key (one no key names shows as it is)."""
    return f"src.{src}" if src in SOURCES else src


def unused(held: dict[str, int], prefix: str) -> int:
    return sum(v for k, v in held.items() if k.startswith(prefix))


def source_table(by_src: dict[str, Tally], held: dict[str, int], chain: bool) -> Table:
    srcs = sorted(by_src.keys() | {k.split(":", 1)[1] for k in held if k.startswith("cpn_unused:")})
    cols: tuple[Column, ...] = (Column("cpnr.source"), *COUNTS)
    rows = []
    for src in srcs:
        row: tuple[object, ...] = (source_key(src), *by_src[src].cells())
        rows.append((*row, held.get(f"cpn_unused:{src}", 0)) if chain else row)
    if chain:
        cols = (*cols, Column("cpnr.unused_now", "int"))
    return Table("coupons-sources", "cpnr.t.sources", cols, tuple(rows), literal_first=False)


def campaign_uses(s: Session, f: Filters) -> dict[str, Uses]:
    """Per campaign, the uses of its coupons in the period's sales (``coupon_uses``)."""
    u = CouponUseRow
    q = (
        select(u.campaign_id, func.count(), func.sum(u.off_fen), func.sum(u.spend_fen))
        .where(u.at >= f.start.isoformat(), u.at < f.end.isoformat())
        .group_by(u.campaign_id)
    )
    if f.stores is not None:
        q = q.where(u.store_id.in_(list(f.stores)))
    return {str(c): Uses(int(n), int(off or 0), int(sp or 0)) for c, n, off, sp in s.execute(q)}


def campaign_table(
    s: Session, by_cmp: dict[str, Tally], uses: dict[str, Uses], held: dict[str, int], chain: bool
) -> Table:
    ids = sorted(by_cmp.keys() | uses.keys())
    q = select(CampaignRow.id, CampaignRow.name).where(CampaignRow.id.in_(ids))
    names = {str(cid): str(name) for cid, name in s.execute(q)}
    cols: tuple[Column, ...] = (
        Column("cpnr.campaign"),
        Column("cpnr.name"),
        *COUNTS,
        Column("cpnr.used_share", "bp"),
        Column("cpnr.off", "fen"),
        Column("cpnr.spend", "fen"),
    )
    if chain:
        cols = (*cols, Column("cpnr.unused_now", "int"))
    rows = []
    for cid in ids:
        t, use = by_cmp[cid], uses.get(cid, Uses())
        row: tuple[object, ...] = (
            cid,
            names.get(cid, ""),
            *t.cells(),
            share_bp(t.n["used"], t.n["granted"]),
            use.off_fen,
            use.spend_fen,
        )
        rows.append((*row, held.get(f"cmp_unused:{cid}", 0)) if chain else row)
    return Table("coupons-campaigns", "cpnr.t.campaigns", cols, tuple(rows))
