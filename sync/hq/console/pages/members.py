"""Member search, the member 360 page, and block/unblock with a reason."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response

from sync.hq import service as svc
from sync.hq.console import audit
from sync.hq.console import member_view as mv
from sync.hq.console.roles import Perm
from sync.hq.console.web import PREFIX, Console, Ctx, Missing

MAX_REASON = 200


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_MEMBERS)
    blocker = console.actor(Perm.BLOCK)

    @router.get("/members")
    def search(ctx: Annotated[Ctx, Depends(viewer)], q: str = "") -> Response:
        assert ctx.who is not None
        with console.tx() as s:
            found = mv.search(s, ctx.who, q[:64], ctx.can(Perm.SEE_PHONE))
        return console.render(ctx, "members.html", q=q[:64], found=found)

    @router.get("/members/{code}")
    def member(
        code: str, ctx: Annotated[Ctx, Depends(viewer)], page: int = 0, error: str = ""
    ) -> Response:
        assert ctx.who is not None
        page = max(0, min(page, 100_000))
        with console.tx() as s:
            row = mv.member_row(s, ctx.who, code)
            if row is None:
                raise Missing(code)
            prof = mv.profile(s, row, mv.chain_today(ctx.now), ctx.can(Perm.SEE_PHONE))
            items, more = mv.history(s, ctx.who, code, page, console.settings.page_size)
        return console.render(
            ctx,
            "member.html",
            code=code,
            p=prof,
            items=items,
            page=page,
            more=more,
            error=error if error in ("reason",) else "",
            today=mv.chain_today(ctx.now),
        )

    @router.post("/members/{code}/block")
    def block(
        code: str,
        ctx: Annotated[Ctx, Depends(blocker)],
        blocked: Annotated[str, Form(max_length=1)],
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        assert ctx.who is not None
        who, want, why = ctx.who, blocked == "1", reason.strip()[:MAX_REASON]
        back = f"{PREFIX}/members/{code}"
        with console.tx() as s:
            row = mv.member_row(s, who, code)
            if row is None:
                raise Missing(code)
            if not why:
                return RedirectResponse(back + "?error=reason", status_code=303)
            was = row.blocked
            if was != want:
                svc.set_blocked(s, code, want, why, ctx.now)
            audit.record(
                s,
                ctx.now,
                who.name,
                who.role,
                audit.BLOCK if want else audit.UNBLOCK,
                kind="member",
                object_id=code,
                store=mv.home_store(s, who, code),
                before={"blocked": was},
                after={"blocked": want},
                reason=why,
            )
        return RedirectResponse(back, status_code=303)
