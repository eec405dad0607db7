"""Tiers: how many members hold each tier now (``member_totals``, the chain's only:
its rows are kept by the store that wrote a member, not by the member's store), and
the tier changes per month (``daily_flows`` ``tier_to:<tier>:<reason>``, at the
store whose till or job wrote them; HQ's jobs' under ``hq``, the chain's)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq.console.member_view import tier_names
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

# A TierChanged's reason (terminal.rules.lifecycle) -> the way it moved. Expiry
# re-tiers at the end of a validity (down, or the same tier again): apart.
KINDS = {
    "upgrade": "up",
    "downgrade": "down",
    "reassessed": "down",  # HQ's monthly re-tiering: only ever down
    "reversal": "down",  # a return took the member back below the upgrade
    "expiry": "expiry",
    "registration": "joined",
    "opening": "joined",  # an import's opening tier
}
KIND_KEYS = ("up", "down", "expiry", "joined", "other")


def kind_of(reason: str) -> str:
    return KINDS.get(reason, "other")


def changes(cells: dict[object, sums.Cell]) -> dict[object, dict[str, int]]:
    """Per key (a month): tier changes by kind."""
    out: dict[object, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_KEYS, 0))
    for k, cell in cells.items():
        for metric, v in cell.items():
            _, _, reason = metric.split(":", 2)
            out[k][kind_of(reason)] += v
    return out


def distribution(s: Session) -> dict[str, int]:
    """Tier id ("-": none) -> members now, chain-wide."""
    return {
        k.removeprefix("tier:"): v
        for k, v in aggregates.totals(s).items()  # the chain's (a store's rows: its writes)
        if k.startswith("tier:") and v
    }


def build(s: Session, f: Filters) -> Report:
    names = tier_names(s)
    cells = sums.cells(aggregates.flows(s, f.start, f.end, f.stores, "tier_to:"))
    months = sums.months(f)
    per_month = changes(sums.by(cells, "month"))
    by_tier: dict[tuple[str, str, str], int] = defaultdict(int)  # (month, tier, kind)
    for (day, _), cell in cells.items():
        for metric, v in cell.items():
            _, tier, reason = metric.split(":", 2)
            by_tier[(day.strftime("%Y-%m"), tier, kind_of(reason))] += v
    dist = distribution(s) if f.chain else {}
    order = [t for t in names if t in dist] + sorted(set(dist) - set(names))
    n = sum(dist.values())

    def label(tier: str) -> str:
        return names.get(tier, "report.tier.none" if tier == "-" else tier)

    charts = [
        Chart(
            "tier_moves",
            "report.chart.tier_moves",
            tuple(months),
            tuple(
                Series(f"report.kind.{k}", tuple(per_month[m][k] for m in months))
                for k in ("up", "down", "expiry")
            ),
        )
    ]
    tables = [
        Table(
            "per_month",
            "report.table.tier_months",
            (
                Column("report.col.month"),
                *(Column(f"report.kind.{k}", "int") for k in KIND_KEYS),
            ),
            tuple((m, *(per_month[m][k] for k in KIND_KEYS)) for m in months),
        ),
        Table(
            "by_tier",
            "report.table.tier_changes",
            (
                Column("report.col.month"),
                Column("report.col.tier"),
                Column("report.col.kind"),
                Column("report.col.members", "int"),
            ),
            tuple((m, label(t), f"report.kind.{k}", v) for (m, t, k), v in sorted(by_tier.items())),
        ),
    ]
    if f.chain:
        charts.insert(
            0,
            Chart(
                "tier_dist",
                "report.chart.tier_dist",
                tuple(label(t) for t in order),
                (Series("report.col.members", tuple(dist[t] for t in order)),),
                pie=True,
                x_keys=True,
            ),
        )
        tables.insert(
            0,
            Table(
                "distribution",
                "report.table.tier_dist",
                (
                    Column("report.col.tier"),
                    Column("report.col.members", "int"),
                    Column("report.col.share", "bp"),
                ),
                tuple((label(t), dist[t], share_bp(dist[t], n)) for t in order),
                literal_first=False,
            ),
        )
    total = {k: sum(per_month[m][k] for m in months) for k in KIND_KEYS}
    return Report(
        slug="tiers",
        title="report.tiers",
        filters=f,
        figures=(
            Figure("report.fig.members_now", n if f.chain else None),
            Figure("report.kind.up", total["up"]),
            Figure("report.kind.down", total["down"]),
            Figure("report.kind.expiry", total["expiry"]),
        ),
        charts=tuple(charts),
        tables=tuple(tables),
        notes=("report.note.tiers",)
        if f.chain
        else ("report.note.tiers", "report.note.chain_only"),
    )
