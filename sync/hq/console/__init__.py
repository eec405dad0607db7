"""HQ's web console, served by ``pos-hq serve`` at ``/console/`` (issue 15).

Server-rendered HTML (Jinja2 templates in ``templates/``, one stylesheet in
``static/``; nothing is fetched from elsewhere), zh_CN by default and English by a
switch (``i18n``). ``router`` builds the pages: ``web`` holds what every page shares
(layout, the user, role checks, CSRF), ``pages/`` one module per page area, and
``accounts``/``audit`` the users, sessions and action log. To add a page area: a
module in ``pages/`` with ``add(router, console)``, its templates extending
``base.html``, its texts in ``i18n.CATALOG``, and one line in ``PAGES`` below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import Engine

from sync.hq.console.pages import (
    adjustments,
    auth,
    campaigns,
    home,
    log,
    members,
    programs,
    reports,
    staff,
    stores,
    users,
)
from sync.hq.console.settings import ConsoleSettings
from sync.hq.console.web import HERE, Console, Missing, route_class

PAGES = (auth, home, members, log, users, adjustments, programs, reports, campaigns, staff, stores)
STATIC = {
    "console.css": "text/css; charset=utf-8",
    "adjust.js": "text/javascript; charset=utf-8",
    "echarts.min.js": "text/javascript; charset=utf-8",  # Apache ECharts 6.1.0, vendored
    "echarts.LICENSE.txt": "text/plain; charset=utf-8",
    "echarts.NOTICE.txt": "text/plain; charset=utf-8",
    "charts.js": "text/javascript; charset=utf-8",
}


def router(
    engine: Engine,
    now: Callable[[], datetime],
    settings: ConsoleSettings | None = None,
) -> APIRouter:
    """The console's routes (mount at ``/console``); settings from the environment
    (``ConsoleSettings.from_env``) unless given."""
    console = Console(engine, now, settings or ConsoleSettings.from_env(os.environ))
    r = APIRouter(route_class=route_class(console), include_in_schema=False)
    for page in PAGES:
        page.add(r, console)

    @r.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise Missing(name)
        body = (HERE / "static" / name).read_bytes()
        return Response(body, media_type=STATIC[name], headers={"Cache-Control": "max-age=3600"})

    return r
