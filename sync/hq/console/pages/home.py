"""The home page: the chain's (or a manager's stores') real counts, today's sales."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from sync.hq import db
from sync.hq import service as svc
from sync.hq.console.accounts import Who
from sync.hq.console.member_view import chain_today
from sync.hq.console.web import Console, Ctx
from sync.hq.models import EntryRow, MemberRow, MemberStoreRow, StoreRow, TerminalRow
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
    # today's sales by the tills' own dates; received today or later, so this month's
    # partitions (by HQ's receive month) or later
    start = datetime(today.year, today.month, today.day, tzinfo=svc.CHAIN_ZONE)
    q = select(EntryRow.payload).where(
        EntryRow.kind == "sale",
        EntryRow.month >= db.month_of(start.astimezone(UTC)),
        EntryRow.at >= today.isoformat(),
        EntryRow.at < (today + timedelta(days=1)).isoformat(),
    )
    if who.scoped:
        q = q.where(EntryRow.store_id.in_(who.stores))
    n, total = 0, 0
    for payload in s.execute(q).scalars():
        try:
            lines = json.loads(payload)["record"]["lines"]
            total += sum(int(ln["net"]) for ln in lines)
            n += 1
        except (ValueError, TypeError, KeyError):
            continue
    return Figures(int(members), int(stores), int(s.execute(tills).scalar_one()), n, Money(total))


def add(router: APIRouter, console: Console) -> None:
    @router.get("/")
    def home(ctx: Annotated[Ctx, Depends(console.viewer())]) -> Response:
        assert ctx.who is not None
        with console.tx() as s:
            fig = figures(s, ctx.who, ctx.now)
        return console.render(ctx, "home.html", fig=fig, today=chain_today(ctx.now))
