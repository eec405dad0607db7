"""The home page: the chain's (or a manager's stores') real counts, today's sales, and
the seed's three targets against today's figures with their 30-day trends (the
dashboard report, ``reporting/dashboard``)."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from sync.hq import aggregates
from sync.hq import service as svc
from sync.hq.console.accounts import Who
from sync.hq.console.member_view import chain_today
from sync.hq.console.reporting import dashboard, params, render, sums
from sync.hq.console.roles import Perm
from sync.hq.console.web import Console, Ctx
from sync.hq.models import MemberStoreRow, MemberTotalRow, StoreRow, TerminalRow
from terminal.money import Money


@dataclass(frozen=True, slots=True)
class Figures:
    members: int
    stores: int
    tills: int
    sales_today: int
    sales_today_amount: Money


def figures(s: Session, who: Who, now: datetime, cells: dashboard.Cells | None = None) -> Figures:
    """``cells``: the dashboard's flows (they hold today's), else today's are read."""
    today = chain_today(now)
    if who.scoped:
        members = s.execute(
            select(func.count(distinct(MemberStoreRow.member_code))).where(
                MemberStoreRow.store_id.in_(who.stores)
            )
        ).scalar_one()
        stores = len(who.stores)
    else:
        # the chain's count kept by every member write (a count(*) of members reads 1M rows)
        members = s.execute(
            select(func.coalesce(func.sum(MemberTotalRow.value), 0)).where(
                MemberTotalRow.metric == "members"
            )
        ).scalar_one()
        stores = s.execute(
            select(func.count()).select_from(StoreRow).where(StoreRow.id != svc.HQ_STORE)
        ).scalar_one()
    tills = (
        select(func.count())
        .select_from(TerminalRow)
        .where(TerminalRow.kind == "till", TerminalRow.revoked.is_(False))
    )
    if who.scoped:
        tills = tills.where(TerminalRow.store_id.in_(who.stores))
    # today's sales by the tills' own dates, from the sums kept at push time
    if cells is None:
        mine = sorted(who.stores) if who.scoped else None
        flat = aggregates.flows(
            s, today, today + timedelta(days=1), mine, metrics=("receipts", "sales_fen")
        )
        cells = sums.cells(flat)
    sold = dashboard.on(cells, today)
    n, total = sold.get("receipts", 0), sold.get("sales_fen", 0)
    return Figures(int(members), int(stores), int(s.execute(tills).scalar_one()), n, Money(total))


def add(router: APIRouter, console: Console) -> None:
    @router.get("/")
    def home(ctx: Annotated[Ctx, Depends(console.viewer())]) -> Response:
        assert ctx.who is not None
        today = chain_today(ctx.now)
        with console.tx() as s:
            board, cells = None, None
            if ctx.can(Perm.VIEW_REPORTS):
                # the last 30 days to today, read once: today's sales, its targets, trends
                asked = params.asked(None, None, (), today)
                f = params.filters(asked, ctx.who, (), today)
                cells = dashboard.flows(s, f)
                board = render.view(dashboard.build(s, f, cells), ctx.t)
            fig = figures(s, ctx.who, ctx.now, cells)
        return console.render(ctx, "home.html", fig=fig, today=today, view=board)
