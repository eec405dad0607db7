"""Stores and their tills (issue 15 item 4): each store's tills with their health
(``console.tills``), enrolling a till (HQ admin: its token shown once) and revoking a
lost one.

Enrolling is ``pos-hq enroll``'s ``service.enroll``; the console refuses to enroll a
till that is enrolled and not revoked (a typo would silently cut a working till off):
revoke it first, then enroll its replacement. The token is shown on the answer page
only: HQ keeps its SHA-256, the action log neither. A store manager may revoke a till
of their stores, so a stolen till is stopped at once; enrolling stays HQ's.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sync.hq import service as svc
from sync.hq.console import audit
from sync.hq.console import tills as tv
from sync.hq.console.roles import Perm
from sync.hq.console.web import PREFIX, Console, Ctx, Missing
from sync.hq.models import StoreRow, TerminalRow
from terminal.errors import PosError

ENROLL, REVOKE = "till_enroll", "till_revoke"
MAX_REASON = 200


def _enroll(s: Session, ctx: Ctx, store: str, terminal: str, held: TerminalRow | None) -> str:
    """Enroll (or re-enroll a revoked) till and log it; the token, never logged."""
    assert ctx.who is not None
    before = {"enrolled": held is not None, "revoked": bool(held and held.revoked)}
    token = svc.enroll(s, store, terminal, ctx.now)
    audit.record(
        s,
        ctx.now,
        ctx.who.name,
        ctx.who.role,
        ENROLL,
        kind="till",
        object_id=terminal,
        store=store,
        before=before,
        after={"enrolled": True, "revoked": False},  # never the token
    )
    return token


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_STORES)
    silent = console.settings.silent

    @router.get("/stores")
    def listing(ctx: Annotated[Ctx, Depends(viewer)]) -> Response:
        assert ctx.who is not None
        with console.tx() as s:
            rows = tv.stores(s, ctx.now, silent, ctx.who.scope)
        return console.render(ctx, "stores.html", stores=rows, silent_min=_minutes(console))

    @router.get("/stores/{store_id}")
    def store(store_id: str, ctx: Annotated[Ctx, Depends(viewer)], error: str = "") -> Response:
        return _store_page(console, ctx, store_id, error=error if error == "reason" else "")

    @router.post("/stores/enroll")
    def enroll(
        ctx: Annotated[Ctx, Depends(console.actor(Perm.ENROLL_TILL))],
        store: Annotated[str, Form(max_length=30)],
        terminal: Annotated[str, Form(max_length=32)],
    ) -> Response:
        assert ctx.who is not None
        store, terminal = store.strip(), terminal.strip()
        try:
            with console.tx() as s:
                held = s.get(TerminalRow, terminal)
                live = held is not None and held.kind == "till" and not held.revoked
                live_at = held.store_id if held is not None and live else ""
                token = "" if live_at else _enroll(s, ctx, store, terminal, held)
            if live_at:  # the page opens its own transaction: after this one
                return _store_page(console, ctx, live_at, error="enrolled", terminal=terminal)
        except PosError as e:
            return console.render(
                ctx,
                "stores.html",
                status=422,
                stores=_stores(console, ctx),
                silent_min=_minutes(console),
                error=str(e),
                form={"store": store, "terminal": terminal},
            )
        return console.render(ctx, "till_token.html", store=store, terminal=terminal, token=token)

    @router.post("/stores/{store_id}/tills/{terminal_id}/revoke")
    def revoke(
        store_id: str,
        terminal_id: str,
        ctx: Annotated[Ctx, Depends(console.actor(Perm.REVOKE_TILL))],
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        assert ctx.who is not None
        why = reason.strip()[:MAX_REASON]
        back = f"{PREFIX}/stores/{store_id}"
        with console.tx() as s:
            t = s.get(TerminalRow, terminal_id)
            if t is None or t.kind != "till" or t.store_id != store_id or not _sees(ctx, store_id):
                raise Missing(terminal_id)
            if not why:
                return RedirectResponse(back + "?error=reason", status_code=303)
            was = t.revoked
            svc.revoke(s, terminal_id)
            audit.record(
                s,
                ctx.now,
                ctx.who.name,
                ctx.who.role,
                REVOKE,
                kind="till",
                object_id=terminal_id,
                store=store_id,
                before={"revoked": was},
                after={"revoked": True},
                reason=why,
            )
        return RedirectResponse(back, status_code=303)


def _sees(ctx: Ctx, store_id: str) -> bool:
    assert ctx.who is not None
    return not ctx.who.scoped or store_id in ctx.who.stores


def _minutes(console: Console) -> int:
    return int(console.settings.silent.total_seconds() // 60)


def _stores(console: Console, ctx: Ctx) -> list[tv.Store]:
    assert ctx.who is not None
    with console.tx() as s:
        return tv.stores(s, ctx.now, console.settings.silent, ctx.who.scope)


def _store_page(
    console: Console, ctx: Ctx, store_id: str, *, error: str = "", terminal: str = ""
) -> Response:
    """One store's tills; another store of a manager's is 404, as an unknown one."""
    with console.tx() as s:
        row = s.get(StoreRow, store_id)
        if row is None or store_id == svc.HQ_STORE or not _sees(ctx, store_id):
            raise Missing(store_id)
        found = tv.tills(s, ctx.now, console.settings.silent, [store_id])
    return console.render(
        ctx,
        "store.html",
        status=409 if error == "enrolled" else 200,
        store=row,
        tills=found,
        silent_min=_minutes(console),
        error=error,
        terminal=terminal,
        skew=skew_text,
        ago=lambda when: ago_text(ctx, when),
    )


def skew_text(ms: int | None) -> str:
    """``+1.2 s``, ``-5 min 3 s``, ``+2 h 10 min``: the till's clock minus HQ's."""
    if ms is None:
        return "-"
    sign, n = ("+" if ms >= 0 else "-"), abs(ms)
    if n < 60_000:
        return f"{sign}{n / 1000:.1f} s"
    mins, secs = divmod(n // 1000, 60)
    if mins < 60:
        return f"{sign}{mins} min {secs} s"
    hours, mins = divmod(mins, 60)
    return f"{sign}{hours} h {mins} min"


def ago_text(ctx: Ctx, when: object) -> str:
    """How long before the page's time ``when`` was, in the page's language."""
    if not isinstance(when, datetime):
        return ""
    mins = max(0, int((ctx.now - when).total_seconds() // 60))
    if mins < 60:
        return ctx.t("stores.ago_min", n=mins)
    if mins < 48 * 60:
        return ctx.t("stores.ago_h", n=mins // 60)
    return ctx.t("stores.ago_d", n=mins // (24 * 60))
