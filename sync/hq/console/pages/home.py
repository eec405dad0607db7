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

from sync.hq import service as svc
from sync.hq.console.accounts import Who
from sync.hq.console.member_view import chain_today
from sync.hq.console.reporting import dashboard, params, render, sums
from sync.hq.console.reporting.kit import Filters
from sync.hq.console.roles import Perm
from sync.hq.console.web import Console, Ctx
from sync.hq.models import MemberRow, MemberStoreRow, StoreRow, TerminalRow
from terminal.money import Money


@dataclass(frozen=True, slots=True)
class Figures:
    members: int
    stores: int
    tills: int
    sales_today: int
    sales_today_amount: Money


def figures(s: Session, who: Who, now: datetime) -> Figures:
    today = chain_today(now)
    if who.scoped:
        members = s.execute(
            select(func.count(distinct(MemberStoreRow.member_code))).where(
                MemberStoreRow.store_id.in_(who.stores)
            )
        ).scalar_one()
        stores = len(who.stores)
    else:
        members = s.execute(select(func.count()).select_from(MemberRow)).scalar_one()
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
    day = Filters(
        today, today + timedelta(days=1), tuple(sorted(who.stores)) if who.scoped else None
    )
    sold = sums.total(sums.flows(s, day, ("receipts", "sales_fen")).values())
    n, total = sold.get("receipts", 0), sold.get("sales_fen", 0)
    return Figures(int(members), int(stores), int(s.execute(tills).scalar_one()), n, Money(total))


def add(router: APIRouter, console: Console) -> None:
    @router.get("/")
    def home(ctx: Annotated[Ctx, Depends(console.viewer())]) -> Response:
        assert ctx.who is not None
        today = chain_today(ctx.now)
        with console.tx() as s:
            fig = figures(s, ctx.who, ctx.now)
            board = None
            if ctx.can(Perm.VIEW_REPORTS):
                asked = params.asked(None, None, (), today)
                report = dashboard.build(s, params.filters(asked, ctx.who, (), today))
                board = render.view(report, ctx.t)
        return console.render(ctx, "home.html", fig=fig, today=today, view=board)
