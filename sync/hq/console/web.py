"""What every console page shares: the templates and the layout, the request's user
and language, the role checks, CSRF, and the error pages.

A page module (``pages/*.py``) declares its routes on the ``APIRouter`` it is handed
and asks for the user with ``Depends(Console.viewer(Perm.X))`` (a GET) or
``Depends(Console.actor(Perm.X))`` (a POST: checks the session's CSRF token too, and
refuses a read-only role). It answers ``console.render(ctx, "page.html", ...)``.
Raising ``Missing`` renders the 404 page, ``Denied`` the 403 page; a request without
a live session is sent to the sign-in page.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sync.hq import db
from sync.hq.console import i18n
from sync.hq.console.accounts import Who, current
from sync.hq.console.roles import READ_ONLY, Perm, can
from sync.hq.console.settings import ConsoleSettings
from sync.hq.service import CHAIN_ZONE
from terminal.money import Money

HERE = Path(__file__).parent
PREFIX = "/console"
COOKIE = "pos_console"
LANG_COOKIE = "pos_console_lang"


class Missing(Exception):
    """404: no such object, or one outside the user's stores (existence not told)."""


class Denied(Exception):
    """403: the user's role may not do this."""


class SignInNeeded(Exception):
    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


@dataclass(frozen=True, slots=True)
class Ctx:
    """One request as a page sees it."""

    request: Request
    lang: str
    who: Who | None
    now: datetime

    def t(self, key: str, **params: object) -> str:
        return i18n.text(self.lang, key, **params)

    def can(self, perm: Perm) -> bool:
        return self.who is not None and can(self.who.role, perm)


def yuan(fen: int | Money) -> str:
    return (fen if isinstance(fen, Money) else Money(fen)).plain()


class Console:
    """The console's shared state: database, clock, settings, templates."""

    def __init__(self, engine: Engine, now: Callable[[], datetime], settings: ConsoleSettings):
        self.engine, self.now, self.settings = engine, now, settings
        self.sessions = db.sessions(engine)
        self.env = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
        )
        self.env.globals.update(yuan=yuan, prefix=PREFIX, Perm=Perm, zone=CHAIN_ZONE)

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with self.sessions() as s, s.begin():
            yield s

    def ctx(self, request: Request) -> Ctx:
        """The request's language and user, or no user (the sign-in page's)."""
        now = self.now()
        with self.tx() as s:
            who = current(s, request.cookies.get(COOKIE), now, self.settings)
        return Ctx(request, i18n.lang_of(request.cookies.get(LANG_COOKIE)), who, now)

    def viewer(self, perm: Perm | None = None) -> Callable[[Request], Awaitable[Ctx]]:
        """A GET page's dependency: a signed-in user whose role has ``perm``."""

        async def dep(request: Request) -> Ctx:
            ctx = await run_in_threadpool(self.ctx, request)  # a query: not on the loop
            if ctx.who is None:
                raise SignInNeeded(
                    request.url.path + (f"?{request.url.query}" if request.url.query else "")
                )
            if perm is not None and not ctx.can(perm):
                raise Denied(perm)
            return ctx

        return dep

    def actor(
        self, perm: Perm | None = None, *, read_only_ok: bool = False
    ) -> Callable[[Request], Awaitable[Ctx]]:
        """A POST's dependency: as ``viewer``, and the form's ``csrf`` is the session's;
        a read-only role is refused whatever it asks (but signing out: ``read_only_ok``)."""
        view = self.viewer(perm)

        async def dep(request: Request) -> Ctx:
            ctx = await view(request)
            assert ctx.who is not None
            form = await request.form()
            sent = form.get("csrf")
            if not isinstance(sent, str) or not hmac.compare_digest(sent, ctx.who.csrf):
                raise Denied("csrf")
            if ctx.who.role in READ_ONLY and not read_only_ok:
                raise Denied("read_only")
            return ctx

        return dep

    def render(self, ctx: Ctx, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            t=ctx.t,
            lang=ctx.lang,
            who=ctx.who,
            can=ctx.can,
            request=ctx.request,
            now=ctx.now,
            **values,
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


# No framing (clickjacking), no inline scripts from elsewhere, no referrer to other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def route_class(console: Console) -> type[APIRoute]:
    """Routes whose ``Missing``/``Denied``/``SignInNeeded`` become the console's pages."""

    class ConsoleRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except SignInNeeded as e:
                    return RedirectResponse(f"{PREFIX}/login?next={quote(e.back)}", status_code=303)
                except (Missing, Denied) as e:
                    status = 404 if isinstance(e, Missing) else 403
                    ctx = await run_in_threadpool(console.ctx, request)
                    return console.render(ctx, "error.html", status=status, status_code=status)

            return handle

    return ConsoleRoute
