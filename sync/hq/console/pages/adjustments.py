"""Adjustments (issue 15 item 3): propose from the member page with a reason, the
approval queue (a second user approves), the list with reversal, and a CSV batch
previewed before it commits. The rules are ``sync.hq.adjust``'s; this only asks.

Roles: admin and finance propose and approve; a store manager proposes for their
stores' members only (the service's scope) and never approves; the auditor reads.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import csv
import dataclasses
import io
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sync.hq import adjust
from sync.hq import service as svc
from sync.hq.console import audit
from sync.hq.console import member_view as mv
from sync.hq.console.roles import Perm
from sync.hq.console.web import PREFIX, Console, Ctx, Missing
from sync.hq.models import AdjustmentRow
from terminal.errors import InvalidInput, NotFound, PosError, RuleViolation
from terminal.money import Money

MAX_CSV = 512_000


def scope_of(ctx: Ctx) -> frozenset[str] | None:
    assert ctx.who is not None
    return ctx.who.scope


def refusal(ctx: Ctx, e: PosError) -> str:
    """The service's refusal in the person's language (its English if no text)."""
    key = f"adj.err.{e.code}"
    shown = ctx.t(key)
    return e.message if shown == key else shown


def _visible(s: Session, ctx: Ctx, items: list[adjust.Adjustment]) -> list[adjust.Adjustment]:
    # ``adjust.listed`` is chain-wide: cut to the members the manager may see
    # (``service.in_scope``, the rule the service's actions go by too)
    assert ctx.who is not None
    if scope_of(ctx) is None:
        return items
    return [a for a in items if mv.member_row(s, ctx.who, a.member) is not None]


def _own(s: Session, ctx: Ctx, adj_id: str) -> None:
    """Missing unless the adjustment's member is the user's to see."""
    assert ctx.who is not None
    row = s.get(AdjustmentRow, adj_id)
    if row is None or mv.member_row(s, ctx.who, row.member_code) is None:
        raise Missing(adj_id)


def _outside(s: Session, ctx: Ctx, text: str) -> list[tuple[int, str]]:
    """A scoped user's batch lines whose member is not theirs (as "not found")."""
    assert ctx.who is not None
    if scope_of(ctx) is None:
        return []
    out = []
    for line, cols in enumerate(csv.reader(io.StringIO(text)), start=1):
        code = cols[0].strip() if cols else ""
        if code and code.lower() != "member" and mv.member_row(s, ctx.who, code) is None:
            out.append((line, f"no member {code}"))
    return out


def _log(s: Session, ctx: Ctx, action: str, a: adjust.Adjustment, before: object) -> None:
    assert ctx.who is not None
    audit.record(
        s,
        ctx.now,
        ctx.who.name,
        ctx.who.role,
        action,
        kind="adjustment",
        object_id=a.id,
        store=mv.home_store(s, ctx.who, a.member),
        before=before,
        after={
            "state": a.state,
            "member": a.member,
            "kind": a.kind,
            "amount": a.amount,
            "gift_fen": a.gift_fen,
            "entries": len(a.entries),
        },
        reason=a.reason,
    )


def _amount(kind: str, amount: str) -> int:
    try:
        return Money.parse(amount).fen if kind == "stored_value" else int(amount or "0")
    except (ValueError, ArithmeticError):
        raise InvalidInput(f"amount {amount!r} is not a number", code="bad_amount") from None


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_ADJUST)
    proposer = console.actor(Perm.ADJUST)
    approver = console.actor(Perm.APPROVE_ADJUST)

    @router.get("/members/{code}/adjust")
    def form(
        code: str, ctx: Annotated[Ctx, Depends(viewer)], msg: str = "", err: str = ""
    ) -> Response:
        assert ctx.who is not None
        with console.tx() as s:
            row = mv.member_row(s, ctx.who, code)
            if row is None:
                raise Missing(code)
            today = mv.chain_today(ctx.now)
            prof = mv.profile(s, row, today, ctx.can(Perm.SEE_PHONE))
            program = svc.hq_program(s, today)
            items = adjust.listed(s, member=code)
        return console.render(
            ctx,
            "adjust.html",
            code=code,
            items=items,
            p=prof,
            templates=program.coupon_templates if program else (),
            unused=[c for c in prof.coupons if c.state == "unused"],
            kinds=adjust.KINDS,
            msg=msg[:40],
            err=err[:300],
        )

    @router.post("/members/{code}/adjust")
    def propose(
        code: str,
        ctx: Annotated[Ctx, Depends(proposer)],
        kind: Annotated[str, Form(max_length=20)],
        reason: Annotated[str, Form(max_length=500)] = "",
        amount: Annotated[str, Form(max_length=20)] = "0",
        gift: Annotated[str, Form(max_length=20)] = "",
        template: Annotated[str, Form(max_length=64)] = "",
        coupon_id: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        assert ctx.who is not None
        back = f"{PREFIX}/members/{quote(code)}/adjust"
        try:
            with console.tx() as s:
                if mv.member_row(s, ctx.who, code) is None:
                    raise Missing(code)
                gift_fen = Money.parse(gift).fen if gift.strip() and kind == "stored_value" else 0
                req = adjust.Request(
                    code,
                    kind,
                    _amount(kind, amount),
                    reason.strip(),
                    gift_fen,
                    template.strip(),
                    coupon_id.strip(),
                )
                a = adjust.propose(s, req, ctx.who.name, ctx.now, scope=scope_of(ctx))
                _log(s, ctx, "adjust_propose", a, None)
        except NotFound:
            raise Missing(code) from None
        except (InvalidInput, RuleViolation, ValueError, ArithmeticError) as e:
            why = refusal(ctx, e) if isinstance(e, PosError) else str(e)
            return RedirectResponse(f"{back}?err={quote(why)}", status_code=303)
        return RedirectResponse(f"{back}?msg={a.state}", status_code=303)

    @router.get("/adjustments")
    def overall(ctx: Annotated[Ctx, Depends(viewer)], err: str = "") -> Response:
        with console.tx() as s:
            pending = _visible(s, ctx, adjust.listed(s, state="pending"))
            items = _visible(s, ctx, adjust.listed(s, limit=200))
        return console.render(ctx, "adjustments.html", pending=pending, items=items, err=err[:300])

    def decide(adj_id: str, ctx: Ctx, how: str, reason: str = "") -> Response:
        assert ctx.who is not None
        try:
            with console.tx() as s:
                _own(s, ctx, adj_id)
                fn = {"approve": adjust.approve, "refuse": adjust.refuse}.get(how)
                if fn is not None:
                    a = fn(s, adj_id, ctx.who.name, ctx.now, scope=scope_of(ctx))
                    _log(s, ctx, f"adjust_{how}", a, {"state": "pending"})
                else:
                    a = adjust.reverse(
                        s, adj_id, reason, ctx.who.name, ctx.now, scope=scope_of(ctx)
                    )
                    _log(s, ctx, "adjust_reverse", a, {"state": "applied", "id": adj_id})
        except NotFound:
            raise Missing(adj_id) from None
        except (InvalidInput, RuleViolation) as e:
            return RedirectResponse(
                f"{PREFIX}/adjustments?err={quote(refusal(ctx, e))}", status_code=303
            )
        return RedirectResponse(f"{PREFIX}/adjustments", status_code=303)

    @router.post("/adjustments/{adj_id}/approve")
    def approve(adj_id: str, ctx: Annotated[Ctx, Depends(approver)]) -> Response:
        return decide(adj_id, ctx, "approve")

    @router.post("/adjustments/{adj_id}/refuse")
    def refuse(adj_id: str, ctx: Annotated[Ctx, Depends(approver)]) -> Response:
        return decide(adj_id, ctx, "refuse")

    @router.post("/adjustments/{adj_id}/reverse")
    def reverse(
        adj_id: str,
        ctx: Annotated[Ctx, Depends(proposer)],
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        return decide(adj_id, ctx, "reverse", reason)

    @router.get("/adjustments/batch")
    def batch_form(ctx: Annotated[Ctx, Depends(console.viewer(Perm.ADJUST))]) -> Response:
        return console.render(ctx, "adjust_batch.html", text="", pv=None, done=None, err="")

    @router.post("/adjustments/batch")
    async def batch(ctx: Annotated[Ctx, Depends(proposer)]) -> Response:
        assert ctx.who is not None
        form = await ctx.request.form()
        up, pasted = form.get("file"), form.get("text")
        text = ""
        if up is not None and not isinstance(up, str):
            text = (await up.read(MAX_CSV)).decode("utf-8-sig", errors="replace")
        if not text.strip() and isinstance(pasted, str):
            text = pasted[:MAX_CSV]
        commit = form.get("commit") == "1"

        def work() -> Response:  # the database's part, off the event loop
            assert ctx.who is not None
            pv, done, err = None, None, ""
            try:
                with console.tx() as s:
                    outside = _outside(s, ctx, text)
                    if outside:
                        pv = adjust.preview_csv(s, text, ctx.now, scope=scope_of(ctx))
                        pv = dataclasses.replace(pv, refusals=sorted({*pv.refusals, *outside}))
                    elif commit:
                        pv, made = adjust.commit_csv(
                            s, text, ctx.who.name, ctx.now, scope=scope_of(ctx)
                        )
                        done = len(made)
                        for a in made:
                            _log(s, ctx, "adjust_propose", a, None)
                    else:
                        pv = adjust.preview_csv(s, text, ctx.now, scope=scope_of(ctx))
            except (InvalidInput, RuleViolation, NotFound) as e:
                err = refusal(ctx, e)
            return console.render(ctx, "adjust_batch.html", text=text, pv=pv, done=done, err=err)

        return await run_in_threadpool(work)
