"""The home dashboard: seed 000's three targets against today's figures, and their
trends over the range.

* 会员用户达到90%以上 [decision]: the members' share of **receipts** (a 用户 is a
  customer at the till, one receipt each, whatever they spend); the share of the
  sales amount is shown beside it against the same 90%.
* 重要价值客户占比20%以上: the ``high_value`` segment's share of segmented members.
* 流失客户控制在5%以内: the churned segments' share (``rfm.CHURNED``).

The member share is today's (``daily_flows``); the RFM shares are the last RFM run's
up to today (``rfm_moves``; for picked stores, ``rfm_store_segments``)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq.console.reporting import rfm, sales, sums, targets
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

Cells = dict[tuple[date, str], sums.Cell]


def today_of(f: Filters) -> date:
    return f.today or f.end - timedelta(days=1)


def flows(s: Session, f: Filters) -> Cells:
    """The sales metrics of the range's days and of today: one read when the range
    holds today (the home page's does; it shows today's sales from it too)."""
    day = today_of(f)
    cells = sums.cells(aggregates.flows(s, f.start, f.end, f.stores, metrics=sales.METRICS))
    if not f.start <= day < f.end:
        one = aggregates.flows(s, day, day + timedelta(days=1), f.stores, metrics=sales.METRICS)
        cells.update(sums.cells(one))
    return cells


def on(cells: Cells, day: date) -> sums.Cell:
    """The cells of ``day`` summed over stores."""
    return sums.total(c for (d, _), c in cells.items() if d == day)


def build(s: Session, f: Filters, cells: Cells | None = None) -> Report:
    """``cells``: ``flows(s, f)`` when the caller has read them already."""
    today = today_of(f)
    cells = flows(s, f) if cells is None else cells
    now = on(cells, today)
    daily = sums.by(cells, "day")
    days = sums.days(f)
    x = tuple(d.isoformat() for d in days)
    rows = [sales.row(daily.get(d, {})) for d in days]
    goal = targets.of(s)
    target = goal.member_share
    figures = [
        Figure(
            "report.fig.member_share_receipts_today",
            share_bp(now.get("member_receipts", 0), now.get("receipts", 0)),
            "bp",
            target,
        ),
        Figure(
            "report.fig.member_share_sales_today",
            share_bp(now.get("member_sales_fen", 0), now.get("sales_fen", 0)),
            "bp",
            target,
        ),
    ]
    charts = [
        Chart(
            "member_share_trend",
            "report.chart.member_share",
            x,
            (
                Series("report.col.member_share_receipts", tuple(r[3] for r in rows), "line"),
                Series("report.col.member_share_sales", tuple(r[5] for r in rows), "line"),
                Series("report.series.target", (target,) * len(x), "line", dashed=True),
            ),
            unit="bp",
        )
    ]
    tables = [
        Table(
            "daily",
            "report.table.daily_share",
            (
                Column("report.col.day", "date"),
                Column("report.col.receipts", "int"),
                Column("report.col.member_receipts", "int"),
                Column("report.col.member_share_receipts", "bp"),
                Column("report.col.sales", "fen"),
                Column("report.col.member_sales", "fen"),
                Column("report.col.member_share_sales", "bp"),
            ),
            tuple((d, r[0], r[2], r[3], r[1], r[4], r[5]) for d, r in zip(days, rows, strict=True)),
        )
    ]
    notes = ["report.note.dashboard"]
    last, dist = rfm.distribution_at(s, today + timedelta(days=1), f.stores)
    figures += rfm.target_figures(dist if last else None, goal)
    if f.chain:
        runs = sums.rfm_days(s, f.start, f.end)
        per_run = {d: dict(sums.segments_of(m)) for d, m in sums.rfm_moves(s, runs).items()}
    else:
        per_run = sums.store_segments(s, f.stores or (), f.start, f.end)
        runs = list(per_run)
    run_shares = [rfm.shares(per_run[d]) for d in runs]
    charts.append(
        Chart(
            "rfm_trend",
            "report.chart.rfm_trend",
            tuple(d.isoformat() for d in runs),
            (
                Series("report.fig.important_share", tuple(r[1] for r in run_shares), "line"),
                Series("report.fig.churned_share", tuple(r[2] for r in run_shares), "line"),
            ),
            unit="bp",
        )
    )
    tables.append(
        Table(
            "rfm_runs",
            "report.table.rfm_runs",
            (
                Column("report.col.day", "date"),
                Column("report.fig.segmented", "int"),
                Column("report.fig.important_share", "bp"),
                Column("report.fig.churned_share", "bp"),
            ),
            tuple((d, *r) for d, r in zip(runs, run_shares, strict=True)),
        )
    )
    if not f.chain:
        notes.append("report.note.rfm_store")
    return Report(
        slug="dashboard",
        title="report.dashboard",
        filters=f,
        figures=tuple(figures),
        charts=tuple(charts),
        tables=tuple(tables),
        notes=tuple(notes),
    )
