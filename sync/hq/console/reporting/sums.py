"""What the reports make of the pre-aggregated tables, cut to a report's filters:
``daily_flows`` (read by ``aggregates.flows``) by day, store or month, and the RFM
job's migrations (``rfm_moves``, chain-wide only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.hq.console.reporting.kit import Filters
from sync.hq.models import RfmMoveRow, RfmStoreSegmentRow

Cell = dict[str, int]  # metric -> value


def days(f: Filters) -> list[date]:
    return [f.start + timedelta(days=i) for i in range((f.end - f.start).days)]


def months(f: Filters) -> list[str]:
    """The months the range touches, ``YYYY-MM``."""
    return sorted({d.strftime("%Y-%m") for d in days(f)})


def cells(flows: dict[tuple[date, str, str], int]) -> dict[tuple[date, str], Cell]:
    """``aggregates.flows`` as (day, store) -> metric -> value."""
    out: dict[tuple[date, str], Cell] = defaultdict(lambda: defaultdict(int))
    for (day, store, metric), value in flows.items():
        out[(day, store)][metric] += value
    return out


def by(cells: dict[tuple[date, str], Cell], key: str) -> dict[object, Cell]:
    """The cells summed by ``"day"``, ``"store"`` or ``"month"`` (``YYYY-MM``)."""
    out: dict[object, Cell] = defaultdict(lambda: defaultdict(int))
    for (day, store), cell in cells.items():
        k: object = {"day": day, "store": store, "month": day.strftime("%Y-%m")}[key]
        for metric, v in cell.items():
            out[k][metric] += v
    return out


def total(cells: Iterable[Cell]) -> Cell:
    out: Cell = defaultdict(int)
    for cell in cells:
        for metric, v in cell.items():
            out[metric] += v
    return out


def rfm_days(s: Session, start: date, end: date) -> list[date]:
    """The RFM runs' days with ``start <= day < end``."""
    r = RfmMoveRow
    q = select(r.day).where(r.day >= start, r.day < end).group_by(r.day).order_by(r.day)
    return list(s.scalars(q))


def rfm_last_day(s: Session, end: date) -> date | None:
    """The last RFM run before ``end``."""
    return s.scalar(select(func.max(RfmMoveRow.day)).where(RfmMoveRow.day < end))


def rfm_moves(s: Session, day_list: Iterable[date]) -> dict[date, dict[tuple[str, str], int]]:
    """Each run's (from, to) -> members ("" from: not segmented before)."""
    wanted = list(day_list)
    out: dict[date, dict[tuple[str, str], int]] = {d: {} for d in wanted}
    if not wanted:
        return out
    r = RfmMoveRow
    q = select(r.day, r.from_segment, r.to_segment, r.members).where(r.day.in_(wanted))
    for day, a, b, n in s.execute(q):
        out[day][(a, b)] = int(n)
    return out


def segments_of(moves: dict[tuple[str, str], int]) -> Iterator[tuple[str, int]]:
    """A run's distribution: members by the segment they moved to."""
    out: dict[str, int] = defaultdict(int)
    for (_, to), n in moves.items():
        out[to] += n
    yield from sorted(out.items())


def store_segments(
    s: Session, stores: Iterable[str], start: date, end: date
) -> dict[date, dict[str, int]]:
    """Each RFM run's day with ``start <= day < end`` -> members of ``stores`` by
    segment (a member linked to several of them counts at each)."""
    r = RfmStoreSegmentRow
    q = (
        select(r.day, r.segment, func.sum(r.members))
        .where(r.store_id.in_(list(stores)), r.day >= start, r.day < end)
        .group_by(r.day, r.segment)
    )
    out: dict[date, dict[str, int]] = defaultdict(dict)
    for day, seg, n in s.execute(q):
        out[day][seg] = int(n)
    return dict(sorted(out.items()))


def store_last_day(s: Session, stores: Iterable[str], end: date) -> date | None:
    r = RfmStoreSegmentRow
    return s.scalar(select(func.max(r.day)).where(r.store_id.in_(list(stores)), r.day < end))
