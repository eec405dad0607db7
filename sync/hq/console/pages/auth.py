"""Sign-in, sign-out and the language switch."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sync.hq.console import accounts, i18n
from sync.hq.console.web import COOKIE, LANG_COOKIE, PREFIX, Console, Ctx, Denied

PRE_COOKIE = "pos_console_pre"  # the sign-in form's CSRF token (double submit: no session yet)


def safe_next(target: str | None) -> str:
    """Only a console path: a sign-in never sends the browser elsewhere."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//"):
        return target
    return PREFIX + "/"


def add(router: APIRouter, console: Console) -> None:
    def login_page(ctx: Ctx, nxt: str, error: str = "", status: int = 200) -> Response:
        pre = secrets.token_urlsafe(24)
        resp = console.render(ctx, "login.html", status, next=safe_next(nxt), error=error, pre=pre)
        resp.set_cookie(
            PRE_COOKIE,
            pre,
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=console.settings.secure_cookie(ctx.request.url.scheme),
        )
        return resp

    @router.get("/login")
    def login(request: Request, next: str = "") -> Response:
        ctx = console.ctx(request)
        if ctx.who is not None:
            return RedirectResponse(safe_next(next), status_code=303)
        return login_page(ctx, next)

    @router.post("/login")
    def do_login(
        request: Request,
        name: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=200)],
        csrf: Annotated[str, Form(max_length=100)] = "",
        next: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        ctx = console.ctx(request)
        pre = request.cookies.get(PRE_COOKIE, "")
        if not pre or not hmac.compare_digest(pre, csrf):
            raise Denied("csrf")
        now = console.now()
        with console.tx() as s:
            done = accounts.sign_in(s, name.strip(), password, now, console.settings)
        if done.token is None:
            return login_page(ctx, next, f"login.{done.refused}", 401)
        resp = RedirectResponse(safe_next(next), status_code=303)
        resp.set_cookie(
            COOKIE,
            done.token,
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=console.settings.secure_cookie(request.url.scheme),
            max_age=int(console.settings.lifetime.total_seconds()),
        )
        resp.delete_cookie(PRE_COOKIE, path=PREFIX)
        return resp

    signed_in = console.actor(read_only_ok=True)

    @router.post("/logout")
    def logout(ctx: Annotated[Ctx, Depends(signed_in)]) -> Response:
        assert ctx.who is not None
        with console.tx() as s:
            accounts.sign_out(s, ctx.who, console.now())
        resp = RedirectResponse(PREFIX + "/login", status_code=303)
        resp.delete_cookie(COOKIE, path=PREFIX)
        return resp

    @router.get("/lang/{lang}")
    def language(lang: str, next: str = "") -> Response:
        resp = RedirectResponse(safe_next(next), status_code=303)
        resp.set_cookie(
            LANG_COOKIE,
            i18n.lang_of(lang),
            path=PREFIX,
            samesite="strict",
            max_age=400 * 24 * 3600,
        )
        return resp
