"""Console users (HQ admin): who exists, their live sessions; revoke a user's sessions.
Users are created with ``pos-hq user add`` (the password from standard input)."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from sync.hq.console import accounts, audit
from sync.hq.console.roles import Perm
from sync.hq.console.web import PREFIX, Console, Ctx, Missing
from sync.hq.models import ConsoleUserRow


def add(router: APIRouter, console: Console) -> None:
    @router.get("/users")
    def users(ctx: Annotated[Ctx, Depends(console.viewer(Perm.MANAGE_USERS))]) -> Response:
        with console.tx() as s:
            rows = accounts.users(s)
            live = accounts.live_sessions(s, ctx.now)
        return console.render(
            ctx,
            "users.html",
            rows=[(u, sorted(accounts.stores_of(u)), live.get(u.id, 0)) for u in rows],
        )

    @router.post("/users/{user_id}/revoke")
    def revoke(
        user_id: int, ctx: Annotated[Ctx, Depends(console.actor(Perm.MANAGE_USERS))]
    ) -> Response:
        assert ctx.who is not None
        with console.tx() as s:
            u = s.get(ConsoleUserRow, user_id)
            if u is None:
                raise Missing(str(user_id))
            n = accounts.revoke_sessions(s, u.id)
            audit.record(
                s,
                ctx.now,
                ctx.who.name,
                ctx.who.role,
                audit.REVOKE_SESSIONS,
                kind="user",
                object_id=u.name,
                before={"sessions": n},
                after={"sessions": 0},
            )
        return RedirectResponse(f"{PREFIX}/users", status_code=303)
