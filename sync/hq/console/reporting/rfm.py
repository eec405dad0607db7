"""RFM segments (rule book §1.6, ``jobs.rfm``): the distribution at the last run in
the range, and each run's migration from -> to (``rfm_moves``; the runs are monthly,
on the 1st, so each compares a month with the one before). Picked stores (a store
manager's always) read the job's counts per store (``rfm_store_segments``: the
members linked to the stores) and show no migration, which is kept for the chain only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from sync.hq.console.reporting import sums, targets
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
from terminal.rules import rfm as rules_rfm

SEGMENTS = tuple(x.id for x in rules_rfm.SEGMENTS)  # best first
IMPORTANT_VALUE = "high_value"  # seed 000's 重要价值客户: recent, frequent, big spender
# seed 000's 流失客户 [decision]: lost = not recent and not frequent, whatever they spent
CHURNED = ("important_churned", "sleeping")


def key(segment: str) -> str:
    return f"rfm.{segment or 'none'}"


def shares(dist: dict[str, int]) -> tuple[int, int | None, int | None]:
    """(segmented members, important-value share, churned share) in bp."""
    n = sum(dist.values())
    churned = sum(dist.get(x, 0) for x in CHURNED)
    return n, share_bp(dist.get(IMPORTANT_VALUE, 0), n), share_bp(churned, n)


def target_figures(dist: dict[str, int] | None, goal: targets.Targets) -> tuple[Figure, Figure]:
    _, important, churned = shares(dist or {})
    return (
        Figure("report.fig.important_share", important, "bp", goal.important),
        Figure("report.fig.churned_share", churned, "bp", goal.churned, at_most=True),
    )


def ordered(found: set[str]) -> list[str]:
    return [x for x in SEGMENTS if x in found] + sorted(found - set(SEGMENTS))


def distribution_at(
    s: Session, end: date, stores: tuple[str, ...] | None = None
) -> tuple[date | None, dict[str, int]]:
    """The last run before ``end`` and its members by segment (the chain's, or the
    members of ``stores``)."""
    if stores is not None:
        day = sums.store_last_day(s, stores, end)
        if day is None:
            return None, {}
        return day, sums.store_segments(s, stores, day, day + timedelta(days=1)).get(day, {})
    day = sums.rfm_last_day(s, end)
    if day is None:
        return None, {}
    return day, dict(sums.segments_of(sums.rfm_moves(s, [day])[day]))


def matrix(moves: dict[tuple[str, str], int]) -> Table:
    """The last run's migration as a from x to matrix ("" from: not segmented before)."""
    froms = ordered({a for a, _ in moves} - {""}) + ([""] if any(a == "" for a, _ in moves) else [])
    tos = ordered({b for _, b in moves})
    return Table(
        "matrix",
        "report.table.matrix",
        (Column("report.col.from_to"), *(Column(key(b), "int") for b in tos)),
        tuple((key(a), *(moves.get((a, b), 0) for b in tos)) for a in froms),
        literal_first=False,
    )


def build(s: Session, f: Filters) -> Report:
    last, dist = distribution_at(s, f.end, f.stores)
    if f.chain:
        runs = sums.rfm_days(s, f.start, f.end)
        moves = sums.rfm_moves(s, runs)
        per_run = {d: dict(sums.segments_of(moves[d])) for d in runs}
    else:  # the stores' counts; the migration is kept for the chain only
        per_run = sums.store_segments(s, f.stores or (), f.start, f.end)
        runs, moves = list(per_run), {}
    n, _, _ = shares(dist)
    segs = ordered(set(dist))
    x = tuple(d.isoformat() for d in runs)
    migration = (
        ()
        if not f.chain
        else (
            matrix(moves[runs[-1]] if runs else {}),
            Table(
                "moves",
                "report.table.moves",
                (
                    Column("report.col.day", "date"),
                    Column("report.col.from"),
                    Column("report.col.to"),
                    Column("report.col.members", "int"),
                ),
                tuple(
                    (d, key(a), key(b), v) for d in runs for (a, b), v in sorted(moves[d].items())
                ),
            ),
        )
    )
    moved = sum(v for (a, b), v in moves[runs[-1]].items() if a != b) if f.chain and runs else None
    return Report(
        slug="rfm",
        title="report.rfm",
        filters=f,
        figures=(
            Figure("report.fig.segmented", n if last else None),
            *target_figures(dist if last else None, targets.of(s)),
            *((Figure("report.fig.moved", moved),) if f.chain else ()),
        ),
        charts=(
            Chart(
                "rfm_dist",
                "report.chart.rfm_dist",
                tuple(key(g) for g in segs),
                (Series("report.col.members", tuple(dist[x] for x in segs)),),
                pie=True,
                x_keys=True,
            ),
            Chart(
                "rfm_runs",
                "report.chart.rfm_runs",
                x,
                tuple(
                    Series(key(seg), tuple(per_run[d].get(seg, 0) for d in runs), stack="m")
                    for seg in ordered({g for d in runs for g in per_run[d]})
                ),
            ),
        ),
        tables=(
            Table(
                "segments",
                "report.table.segments",
                (
                    Column("report.col.segment"),
                    Column("report.col.members", "int"),
                    Column("report.col.share", "bp"),
                ),
                tuple((key(g), dist[g], share_bp(dist[g], n)) for g in segs),
                literal_first=False,
            ),
            *migration,
        ),
        notes=("report.note.rfm",) if f.chain else ("report.note.rfm", "report.note.rfm_store"),
    )
