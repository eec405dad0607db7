"""Reports (issue 15 item 7): the index, one report with its filter form, charts and
tables, and its exports (one table as CSV, every table as an .xlsx workbook).

Every role may read them (``Perm.VIEW_REPORTS``, or a report's own permission); a
store manager's filters are always cut to their stores (another store: 404) and
the reports show them no chain-wide figure."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hq import service as svc
from sync.hq.console.member_view import chain_today
from sync.hq.console.reporting import REPORTS, Spec, export, params, render
from sync.hq.console.reporting.kit import Report
from sync.hq.console.roles import Perm
from sync.hq.console.web import SECURITY_HEADERS, Console, Ctx, Denied, Missing
from sync.hq.models import StoreRow
from terminal.errors import InvalidInput

Stores = Annotated[list[str] | None, Query(alias="store")]


def known_stores(s: Session, ctx: Ctx) -> list[str]:
    """The stores the user may pick: a manager's own, or every store but HQ's."""
    assert ctx.who is not None
    if ctx.who.scoped:
        return sorted(ctx.who.stores)
    q = select(StoreRow.id).where(StoreRow.id != svc.HQ_STORE).order_by(StoreRow.id)
    return list(s.scalars(q))


def spec_of(ctx: Ctx, slug: str) -> Spec:
    spec = REPORTS.get(slug)
    if spec is None:
        raise Missing(slug)
    if not ctx.can(spec.perm):
        raise Denied(spec.perm)
    return spec


@dataclass(frozen=True, slots=True)
class Built:
    asked: params.Asked
    known: list[str]
    report: Report | None
    error: str | None  # an i18n key: why the filters were refused


def build(
    console: Console,
    ctx: Ctx,
    spec: Spec,
    start: str | None,
    end: str | None,
    stores: list[str] | None,
) -> Built:
    assert ctx.who is not None
    today = chain_today(ctx.now)
    asked = params.asked(start, end, stores or (), today)
    with console.tx() as s:
        known = known_stores(s, ctx)
        try:
            f = params.filters(asked, ctx.who, known, today)
        except InvalidInput as e:
            return Built(asked, known, None, f"report.error.{e.code}")
        report = spec.build(s, f)
    return Built(asked, known, report, None)


def query_of(a: params.Asked) -> list[tuple[str, str]]:
    """The filters as a query string's pairs (the page's export links, a way back)."""
    return [("start", a.start), ("end", a.end), *(("store", x) for x in a.stores)]


def download(body: bytes, media: str, name: str) -> Response:
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_REPORTS)

    def refused(ctx: Ctx, slug: str, b: Built) -> Response:
        """A download whose filters were refused: 400 and why, in the reader's
        language, with a way back to the report's form."""
        assert b.error is not None
        return console.render(
            ctx,
            "error.html",
            status=400,
            status_code=400,
            message=b.error,
            back=f"/reports/{slug}?{urlencode(query_of(b.asked))}",
        )

    @router.get("/reports")
    def index(ctx: Annotated[Ctx, Depends(viewer)]) -> Response:
        shown = [(slug, spec) for slug, spec in REPORTS.items() if ctx.can(spec.perm)]
        return console.render(ctx, "reports.html", reports=shown)

    @router.get("/reports/{slug}.csv")
    def as_csv(
        ctx: Annotated[Ctx, Depends(viewer)],
        slug: str,
        table: str = "",
        start: str | None = None,
        end: str | None = None,
        store: Stores = None,
    ) -> Response:
        b = build(console, ctx, spec_of(ctx, slug), start, end, store)
        if b.report is None:
            return refused(ctx, slug, b)
        tid = table or next((tb.id for tb in b.report.tables), "")  # "" is Missing
        body = export.csv_bytes(b.report, tid, ctx.t)
        name = f"{slug}-{tid}-{b.asked.start}-{b.asked.end}.csv"
        return download(body, "text/csv; charset=utf-8", name)

    @router.get("/reports/{slug}.xlsx")
    def as_xlsx(
        ctx: Annotated[Ctx, Depends(viewer)],
        slug: str,
        start: str | None = None,
        end: str | None = None,
        store: Stores = None,
    ) -> Response:
        b = build(console, ctx, spec_of(ctx, slug), start, end, store)
        if b.report is None:
            return refused(ctx, slug, b)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        body = export.xlsx_bytes(b.report, ctx.t)
        return download(body, media, f"{slug}-{b.asked.start}-{b.asked.end}.xlsx")

    @router.get("/reports/{slug}")
    def page(
        ctx: Annotated[Ctx, Depends(viewer)],
        slug: str,
        start: str | None = None,
        end: str | None = None,
        store: Stores = None,
    ) -> Response:
        spec = spec_of(ctx, slug)
        b = build(console, ctx, spec, start, end, store)
        query = query_of(b.asked)
        return console.render(
            ctx,
            "report.html",
            status=400 if b.error else 200,
            slug=slug,
            spec=spec,
            asked=b.asked,
            known=b.known,
            error=b.error,
            view=render.view(b.report, ctx.t) if b.report else None,
            query=query,
        )
