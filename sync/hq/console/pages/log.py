"""The action log: search by user, action and dates; CSV export."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from sync.hq.console import audit
from sync.hq.console.roles import Perm
from sync.hq.console.web import Console, Ctx

CSV_MOST = 100_000  # rows in one export


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_LOG)

    def query(user: str, action: str, since: str, until: str) -> audit.Query:
        return audit.Query(user[:64].strip(), action[:32].strip(), _day(since), _day(until))

    @router.get("/log")
    def log(
        ctx: Annotated[Ctx, Depends(viewer)],
        user: str = "",
        action: str = "",
        since: str = "",
        until: str = "",
        page: int = 0,
    ) -> Response:
        q = query(user, action, since, until)
        size, page = console.settings.page_size, max(0, min(page, 100_000))
        with console.tx() as s:
            total, rows = audit.search(s, q, size, page * size)
        return console.render(
            ctx,
            "log.html",
            q=q,
            rows=rows,
            total=total,
            page=page,
            more=(page + 1) * size < total,
            actions=audit.ACTIONS,
        )

    @router.get("/log.csv")
    def log_csv(
        ctx: Annotated[Ctx, Depends(viewer)],
        user: str = "",
        action: str = "",
        since: str = "",
        until: str = "",
    ) -> Response:
        with console.tx() as s:
            _, rows = audit.search(s, query(user, action, since, until), CSV_MOST)
        return Response(
            "\ufeff" + audit.to_csv(rows),  # the BOM: Excel then reads the file as UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="console-actions.csv"'},
        )
