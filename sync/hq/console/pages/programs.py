"""Program versions (issue 15 item 6): the list with the one in effect today, each
version's text, an uploaded file checked like ``check-program`` and shown as a diff
against the version in effect, and publishing (HQ admin) with an effective date.

Roles: admin publishes; marketing checks and diffs (drafts campaigns' programs) but
does not publish; finance and auditor read; store managers do not see programs (403).
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import difflib
import json
import tomllib
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select

from sync.hq import programs, service
from sync.hq.console import audit
from sync.hq.console.roles import Perm
from sync.hq.console.web import Console, Ctx, Missing
from sync.hq.models import TerminalRow
from terminal.errors import PosError
from terminal.rules.program_loader import parse_program_text

PUBLISH = "program_publish"
Out = dict[str, list[Any]]
MAX_UPLOAD = 256 * 1024


def add(router: APIRouter, console: Console) -> None:
    @router.get("/programs")
    def listing(ctx: Annotated[Ctx, Depends(console.viewer(Perm.VIEW_PROGRAMS))]) -> Response:
        return console.render(ctx, "programs.html", **_overview(console, ctx))

    @router.get("/programs/{version}")
    def one(
        version: int, ctx: Annotated[Ctx, Depends(console.viewer(Perm.VIEW_PROGRAMS))]
    ) -> Response:
        with console.tx() as s:
            found = [v for v in programs.versions(s) if v.version == version]
            if not found:
                raise Missing(str(version))
            text = programs.text_of(s, version)
        return console.render(ctx, "program.html", v=found[0], text=text)

    @router.post("/programs/check")
    async def check(
        request: Request, ctx: Annotated[Ctx, Depends(console.actor(Perm.CHECK_PROGRAM))]
    ) -> Response:
        text = await _uploaded(request)
        scenario, expected = await _file(request, "scenario"), await _file(request, "expected")

        def work() -> Response:  # a check and a replay: off the event loop
            draft = _draft(console, text)
            if draft["error"] is None and scenario:
                draft["trial"] = _trial(console, text, scenario, expected)
            return console.render(
                ctx, "programs.html", **{**_overview(console, ctx), "draft": draft}
            )

        return await run_in_threadpool(work)

    @router.post("/programs/publish")
    async def publish(
        request: Request, ctx: Annotated[Ctx, Depends(console.actor(Perm.PUBLISH_PROGRAM))]
    ) -> Response:
        assert ctx.who is not None
        form = await request.form()
        text, note = str(form.get("text", "")), str(form.get("note", ""))[:500]
        effective_text = str(form.get("effective", ""))

        def work() -> Response:  # the check and the publish: off the event loop
            draft = _draft(console, text)
            result: dict[str, object] = {}
            if draft["error"] is None:
                try:
                    effective = date.fromisoformat(effective_text)
                    result = _publish(console, ctx, text, effective, note, draft["running"])
                except ValueError:
                    draft["error"] = ctx.t("prog.err.date")
                except PosError as e:
                    draft["error"] = str(e)
            page = _overview(console, ctx) | {"draft": draft, "published": result}
            return console.render(ctx, "programs.html", **page)

        return await run_in_threadpool(work)


def _publish(
    console: Console, ctx: Ctx, text: str, effective: date, note: str, running: object
) -> dict[str, object]:
    """Publish ``text`` from ``effective`` and log it (the same text and date again
    publishes nothing and logs nothing)."""
    assert ctx.who is not None
    with console.tx() as s:
        v, new = service.publish_program(s, text, effective, ctx.now, ctx.who.name, note)
        if new:
            audit.record(
                s,
                ctx.now,
                ctx.who.name,
                ctx.who.role,
                PUBLISH,
                kind="program",
                object_id=str(v.version),
                before={"in_effect": running},
                after={
                    "version": v.version,
                    "effective": v.effective_from.isoformat(),
                    "sha256": v.sha256,
                },
                reason=note,
            )
    return {"version": v.version, "new": new}


async def _uploaded(request: Request) -> str:
    form = await request.form()
    file = form.get("file")
    if file is not None and not isinstance(file, str):
        raw = await file.read(MAX_UPLOAD + 1)
        if raw:
            return raw[: MAX_UPLOAD + 1].decode("utf-8", errors="replace")
    return str(form.get("text", ""))


async def _file(request: Request, name: str) -> str:
    form = await request.form()
    file = form.get(name)
    if file is None or isinstance(file, str):
        return ""
    return (await file.read(MAX_UPLOAD)).decode("utf-8", errors="replace")


def _trial(console: Console, text: str, scenario: str, expected: str) -> dict[str, object]:
    """The scenario run by replay's engine (each on a temporary SQLite store) with the
    version in effect and with the uploaded program: members and receipts side by side."""
    from terminal.app.replay import ScenarioError, replay

    try:
        data = json.loads(scenario)
        with console.tx() as s:
            vs = programs.versions(s)
            running = programs.in_effect(
                [(v.version, v.effective_from) for v in vs], service.chain_today(console.now())
            )
            old = programs.program_of(s, running) if running is not None else None
        new = parse_program_text(text, "upload.toml")
        before = replay(data, program=old) if old is not None else None
        after = replay(data, program=new)
    except (ValueError, ScenarioError, PosError) as e:
        return {"error": str(e)}
    matches: bool | None = None
    if expected:
        try:
            matches = json.loads(expected) == after
        except ValueError as e:
            return {"error": f"expected file: {e}"}
    return {
        "error": None,
        "members": _members(before, after),
        "totals": [_totals(before), _totals(after)],
        "matches": matches,
    }


def _members(before: Out | None, after: Out) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    old = {m["code"]: m for m in (before or {}).get("members", [])}
    return [(m["code"], old.get(m["code"], {}), m) for m in after["members"]]


def _totals(out: Out | None) -> dict[str, object]:
    if out is None:
        return {}
    due = sum(Decimal(x["total_due"]) for x in out["sales"])
    return {"receipts": len(out["sales"]), "total_due": f"{due:.2f}", "errors": len(out["errors"])}


def _overview(console: Console, ctx: Ctx) -> dict[str, Any]:
    today = service.chain_today(ctx.now)
    with console.tx() as s:
        vs = programs.versions(s)
        tills = list(
            s.execute(
                select(TerminalRow)
                .where(TerminalRow.kind == "till")
                .order_by(TerminalRow.store_id, TerminalRow.id)
            ).scalars()
        )
    running = programs.in_effect([(v.version, v.effective_from) for v in vs], today)
    return {
        "versions": vs,
        "running": running,
        "today": today,
        "tills": tills,
        "draft": None,
        "published": None,
    }


def _draft(console: Console, text: str) -> dict[str, object]:
    """The uploaded text checked as ``check-program`` does, and its diff."""
    error: str | None = None
    if len(text.encode("utf-8")) > MAX_UPLOAD:
        error = f"the program file is larger than {MAX_UPLOAD} bytes"
    else:
        try:
            parse_program_text(text, "upload.toml")
        except PosError as e:
            error = str(e)
    with console.tx() as s:
        vs = programs.versions(s)
        running = programs.in_effect(
            [(v.version, v.effective_from) for v in vs], service.chain_today(console.now())
        )
        old = programs.text_of(s, running) if running is not None else ""
    diff = list(
        difflib.unified_diff(
            old.splitlines(), text.splitlines(), f"v{running}", "upload", lineterm=""
        )
    )
    return {
        "text": text,
        "error": error,
        "running": running,
        "diff": diff,
        "tables": _changed_tables(old, text) if error is None else [],
        "trial": None,
    }


def _changed_tables(old: str, new: str) -> list[str]:
    try:
        a, b = tomllib.loads(old) if old else {}, tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        return []
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
