"""Sales by store and day (``daily_flows``): receipts and amounts, the members'
share of receipts and of sales, the average ticket of members and of the others;
returns and refunds apart (a refund is on the day of its return, not of its sale)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq.console.reporting import sums, targets
from sync.hq.console.reporting.kit import (
    Chart,
    Column,
    Figure,
    Filters,
    Report,
    Series,
    Table,
    per,
    share_bp,
)

METRICS = (
    "receipts",
    "sales_fen",
    "member_receipts",
    "member_sales_fen",
    "returns",
    "refund_fen",
)


def row(c: sums.Cell) -> tuple[int | None, ...]:
    """One cell's figures, in ``COLUMNS``' order after its labels."""
    n, fen = c.get("receipts", 0), c.get("sales_fen", 0)
    mn, mfen = c.get("member_receipts", 0), c.get("member_sales_fen", 0)
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
        c.get("refund_fen", 0),
        fen - c.get("refund_fen", 0),
    )


COLUMNS = (
    Column("report.col.receipts", "int"),
    Column("report.col.sales", "fen"),
    Column("report.col.member_receipts", "int"),
    Column("report.col.member_share_receipts", "bp"),
    Column("report.col.member_sales", "fen"),
    Column("report.col.member_share_sales", "bp"),
    Column("report.col.avg_member", "fen"),
    Column("report.col.avg_other", "fen"),
    Column("report.col.returns", "int"),
    Column("report.col.refunds", "fen"),
    Column("report.col.net_sales", "fen"),
)


def figures(c: sums.Cell, target: int) -> tuple[Figure, ...]:
    r = row(c)
    return (
        Figure("report.col.receipts", r[0]),
        Figure("report.col.sales", r[1], "fen"),
        Figure("report.col.member_share_receipts", r[3], "bp", target),
        Figure("report.col.member_share_sales", r[5], "bp", target),
        Figure("report.col.avg_member", r[6], "fen"),
        Figure("report.col.avg_other", r[7], "fen"),
        Figure("report.col.refunds", r[9], "fen"),
        Figure("report.col.net_sales", r[10], "fen"),
    )


def build(s: Session, f: Filters) -> Report:
    cells = sums.cells(aggregates.flows(s, f.start, f.end, f.stores, metrics=METRICS))
    by_day, by_store = sums.by(cells, "day"), sums.by(cells, "store")
    days = sums.days(f)
    x = tuple(d.isoformat() for d in days)
    daily = [row(by_day.get(d, {})) for d in days]
    stores = sorted(str(k) for k in by_store)
    target = targets.of(s).member_share
    return Report(
        slug="sales",
        title="report.sales",
        filters=f,
        figures=figures(sums.total(cells.values()), target),
        charts=(
            Chart(
                "sales_daily",
                "report.chart.sales_daily",
                x,
                (
                    Series("report.col.member_sales", tuple(r[4] for r in daily), stack="s"),
                    Series(
                        "report.series.other_sales",
                        tuple((r[1] or 0) - (r[4] or 0) for r in daily),
                        stack="s",
                    ),
                ),
                unit="fen",
            ),
            Chart(
                "member_share",
                "report.chart.member_share",
                x,
                (
                    Series("report.col.member_share_receipts", tuple(r[3] for r in daily), "line"),
                    Series("report.col.member_share_sales", tuple(r[5] for r in daily), "line"),
                    Series("report.series.target", (target,) * len(x), "line", dashed=True),
                ),
                unit="bp",
            ),
            Chart(
                "avg_ticket",
                "report.chart.avg_ticket",
                x,
                (
                    Series("report.col.avg_member", tuple(r[6] for r in daily), "line"),
                    Series("report.col.avg_other", tuple(r[7] for r in daily), "line"),
                ),
                unit="fen",
            ),
        ),
        tables=(
            Table(
                "by_store",
                "report.table.by_store",
                (Column("report.col.store"), *COLUMNS),
                (
                    *((st, *row(by_store[st])) for st in stores),
                    ("report.total", *row(sums.total(by_store.values()))),
                ),
                literal_first=False,
            ),
            Table(
                "by_day",
                "report.table.by_store_day",
                (Column("report.col.store"), Column("report.col.day", "date"), *COLUMNS),
                tuple(
                    (st, d, *row(c))
                    for (d, st), c in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1]))
                ),
            ),
        ),
        notes=("report.note.sales",),
    )
