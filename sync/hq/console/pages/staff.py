"""Staff managed at HQ (issue 15 item 4): a store's cashiers and managers, added with
a PIN typed twice, a PIN reset, disabled or enabled; each reaches the store's tills
with their next pull (``sync.hq.staff``).

Roles: the HQ admin for every store, a store manager for their own stores (any other
store answers 404, as if it did not exist); the auditor reads the lists. The action
log records who did what to whom, never the PIN or its hash.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hq import service as svc
from sync.hq import staff
from sync.hq.console import audit
from sync.hq.console.roles import Perm
from sync.hq.console.web import PREFIX, Console, Ctx, Missing
from sync.hq.models import StaffRow, StoreRow
from terminal.errors import InvalidInput, NotFound, PosError

ERRORS = (
    "pin_mismatch",
    "invalid_pin",
    "bad_staff_id",
    "bad_staff_name",
    "invalid_role",
    "staff_exists",
)
DONE = ("add", "pin", "disable", "enable")
Pin = Annotated[str, Form(max_length=32)]


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_STAFF)
    manager = console.actor(Perm.MANAGE_STAFF)

    @router.get("/staff")
    def stores(ctx: Annotated[Ctx, Depends(viewer)]) -> Response:
        with console.tx() as s:
            rows = _stores(s, ctx)
        return console.render(ctx, "staff_stores.html", stores=rows)

    @router.get("/stores/{store_id}/staff")
    def listing(
        store_id: str, ctx: Annotated[Ctx, Depends(viewer)], error: str = "", done: str = ""
    ) -> Response:
        with console.tx() as s:
            store = _store(s, ctx, store_id)
            rows = staff.listing(s, store_id)
        q = ctx.request.query_params
        return console.render(
            ctx,
            "staff.html",
            store=store,
            rows=rows,
            error=error if error in ERRORS else "",
            done=done if done in DONE else "",
            done_id=q.get("id", "")[:32],
        )

    @router.post("/stores/{store_id}/staff")
    def add_one(
        store_id: str,
        ctx: Annotated[Ctx, Depends(manager)],
        staff_id: Annotated[str, Form(max_length=64)],
        name: Annotated[str, Form(max_length=200)],
        role: Annotated[str, Form(max_length=16)],
        pin: Pin,
        pin2: Pin,
    ) -> Response:
        assert ctx.who is not None
        who, staff_id = ctx.who, staff_id.strip()
        try:
            with console.tx() as s:
                _store(s, ctx, store_id)
                _same(pin, pin2)
                row = staff.add(s, store_id, staff_id, name, role, pin, ctx.now, who.name)
                audit.record(
                    s,
                    ctx.now,
                    who.name,
                    who.role,
                    "staff_add",
                    kind="staff",
                    object_id=staff_id,
                    store=store_id,
                    after=_shown(row),
                )
        except PosError as e:
            return _back(store_id, error=e.code)
        return _back(store_id, done="add", id=staff_id)

    @router.post("/stores/{store_id}/staff/{staff_id}/pin")
    def reset_pin(
        store_id: str, staff_id: str, ctx: Annotated[Ctx, Depends(manager)], pin: Pin, pin2: Pin
    ) -> Response:
        assert ctx.who is not None
        who = ctx.who
        try:
            with console.tx() as s:
                _store(s, ctx, store_id)
                _same(pin, pin2)
                staff.set_pin(s, store_id, staff_id, pin, ctx.now, who.name)
                audit.record(
                    s,
                    ctx.now,
                    who.name,
                    who.role,
                    "staff_pin",
                    kind="staff",
                    object_id=staff_id,
                    store=store_id,
                    after={"pin": "reset"},
                )
        except NotFound as e:
            raise Missing(staff_id) from e
        except PosError as e:
            return _back(store_id, error=e.code)
        return _back(store_id, done="pin", id=staff_id)

    @router.post("/stores/{store_id}/staff/{staff_id}/state")
    def set_state(
        store_id: str,
        staff_id: str,
        ctx: Annotated[Ctx, Depends(manager)],
        disabled: Annotated[str, Form(max_length=1)],
    ) -> Response:
        assert ctx.who is not None
        who, off = ctx.who, disabled == "1"
        try:
            with console.tx() as s:
                _store(s, ctx, store_id)
                before = _shown(staff.get(s, store_id, staff_id))
                row = staff.set_disabled(s, store_id, staff_id, off, ctx.now, who.name)
                audit.record(
                    s,
                    ctx.now,
                    who.name,
                    who.role,
                    "staff_disable" if off else "staff_enable",
                    kind="staff",
                    object_id=staff_id,
                    store=store_id,
                    before=before,
                    after=_shown(row),
                )
        except NotFound as e:
            raise Missing(staff_id) from e
        return _back(store_id, done="disable" if off else "enable", id=staff_id)


def _stores(s: Session, ctx: Ctx) -> list[StoreRow]:
    """The stores the user may see the staff of: a store manager's own, else all."""
    assert ctx.who is not None
    q = select(StoreRow).where(StoreRow.id != svc.HQ_STORE).order_by(StoreRow.id)
    if ctx.who.scoped:
        q = q.where(StoreRow.id.in_(sorted(ctx.who.stores)))
    return list(s.scalars(q))


def _store(s: Session, ctx: Ctx, store_id: str) -> StoreRow:
    """The store, if it exists and is the user's: 404 alike otherwise."""
    assert ctx.who is not None
    if store_id == svc.HQ_STORE or (ctx.who.scoped and store_id not in ctx.who.stores):
        raise Missing(store_id)
    store = s.get(StoreRow, store_id)
    if store is None:
        raise Missing(store_id)
    return store


def _same(pin: str, pin2: str) -> None:
    if pin != pin2:
        raise InvalidInput("the two PINs differ", code="pin_mismatch")


def _shown(row: StaffRow) -> dict[str, object]:
    """A staff member as the action log keeps them: never the PIN nor its hash."""
    return {"name": row.name, "role": row.role, "disabled": row.disabled}


def _back(store_id: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/stores/{store_id}/staff?{urlencode(query)}", status_code=303)
