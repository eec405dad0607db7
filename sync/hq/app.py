"""The HQ HTTP service: thin FastAPI routes over ``sync.hq.service``.

Stateless: everything lives in the injected engine's database, so any number of
replicas can serve one PostgreSQL database behind a load balancer. A till
authenticates with its enrollment token (``Authorization: Bearer``) and may only push,
read its checkpoint and read its entries under its own terminal id (403 otherwise).
Admin commands (import, enroll, block, member lookup) are not served over HTTP: they
are ``pos-hq`` commands run against the database.

The OpenAPI description is at ``/openapi.json`` (and ``/docs``).
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# runtime, and `Till` is local to create_app.
import gc
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.hq import db
from sync.hq import service as svc
from terminal.errors import InvalidInput, NotFound, PosError, RuleViolation

STATUS: dict[type[PosError], int] = {
    svc.Unauthorized: 401,
    svc.Forbidden: 403,
    NotFound: 404,
    InvalidInput: 422,
    RuleViolation: 409,
}
ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": p.ErrorBody, "description": "no token, or an unknown or revoked one"},
    403: {"model": p.ErrorBody, "description": "the token belongs to another terminal"},
}

bearer = HTTPBearer(auto_error=False, description="the till's enrollment token")
Creds = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
PUSH_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushBatch"}}},
}


def parse_batch(body: bytes) -> p.PushBatch:
    """A push's body, parsed and validated in one pass (pydantic's JSON parser): the
    route reads it itself, the biggest body HQ takes, instead of FastAPI's two passes."""
    try:
        return p.PushBatch.model_validate_json(body)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False), body=None) from None


def create_app(engine: Engine, *, now: Callable[[], datetime] = svc.utcnow) -> FastAPI:
    """The service over ``engine`` (already migrated: ``sync.hq.db.open_hq``)."""
    app = FastAPI(
        title="pos-hq",
        version="1",
        description="Headquarters for pos-terminal tills: push ledger entries, pull deltas.",
    )
    sessions = db.sessions(engine)
    app.state.engine = engine

    @app.exception_handler(PosError)
    def _pos_error(_: Request, e: PosError) -> JSONResponse:
        status = next((v for k, v in STATUS.items() if isinstance(e, k)), 400)
        return JSONResponse({"error": e.code, "message": e.message}, status_code=status)

    def caller(creds: Creds) -> svc.Caller:
        token = creds.credentials if creds else None
        with sessions() as s, s.begin():
            return svc.authenticate(s, token)

    Till = Annotated[svc.Caller, Depends(caller)]

    @app.get("/v1/health", tags=["ops"])
    def health() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": engine.dialect.name}

    @app.get("/v1/whoami", response_model=p.WhoAmI, responses=ERRORS, tags=["till"])
    def whoami(who: Till) -> p.WhoAmI:
        """The terminal and store a token is bound to (a new till learns its id here)."""
        return p.WhoAmI(terminal_id=who.terminal_id, store_id=who.store_id)

    @app.get(
        "/v1/terminals/{terminal_id}/checkpoint",
        response_model=p.Checkpoint,
        responses=ERRORS,
        tags=["till"],
    )
    def get_checkpoint(terminal_id: str, who: Till) -> p.Checkpoint:
        svc.require_own(who, terminal_id)
        with sessions() as s, s.begin():
            return svc.checkpoint(s, who)

    @app.post(
        "/v1/terminals/{terminal_id}/push",
        response_model=p.PushResult,
        responses=ERRORS,
        tags=["till"],
        openapi_extra={"requestBody": PUSH_BODY},
    )
    async def push(terminal_id: str, request: Request, creds: Creds) -> Response:
        """Apply the till's entries that continue its chain, exactly once each. The
        answer lists every entry's status and the checkpoint to resume after."""
        token = creds.credentials if creds else None
        body = await request.body()

        parsed: list[p.PushBatch] = []  # once, though ``run`` may retry the transaction

        def apply(s: Session) -> p.PushResult:
            who = svc.authenticate(s, token)  # in the push's own transaction
            svc.require_own(who, terminal_id)
            if not parsed:
                parsed.append(parse_batch(body))
            return svc.push(s, who, parsed[0], now())

        result = await run_in_threadpool(svc.run, sessions, apply)
        return Response(result.model_dump_json(), media_type="application/json")

    @app.post(
        "/v1/terminals/{terminal_id}/pull",
        response_model=p.PullResult,
        responses=ERRORS,
        tags=["till"],
    )
    def pull(terminal_id: str, req: p.Pull, who: Till) -> p.PullResult:
        """One page of what changed after the cursor: members (HQ's balances), products,
        the program, blocked cards."""
        svc.require_own(who, terminal_id)
        with db.snapshot(engine) as s:
            return svc.pull(s, who, req)

    @app.get(
        "/v1/terminals/{terminal_id}/entries",
        response_model=p.EntriesPage,
        responses=ERRORS,
        tags=["till"],
    )
    def entries(
        terminal_id: str,
        who: Till,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=p.MAX_PAGE)] = 500,
    ) -> p.EntriesPage:
        """The till's own entries as HQ holds them (to restore a till that lost its disk)."""
        svc.require_own(who, terminal_id)
        with sessions() as s, s.begin():
            return svc.own_entries(s, who, after, limit)

    def openapi() -> dict[str, Any]:
        """FastAPI's description, plus the push body's schema (the route parses it)."""
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema = p.PushBatch.model_json_schema(ref_template="#/components/schemas/{model}")
            known = doc.setdefault("components", {}).setdefault("schemas", {})
            for name, sub in schema.pop("$defs", {}).items():
                known.setdefault(name, sub)
            known["PushBatch"] = schema
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The service over ``$POS_HQ_DB`` (already migrated): what each worker process of
    ``pos-hq serve --workers N`` builds for itself."""
    tune_gc()
    return create_app(db.open_hq(db.default_url(), migrate=False))


# A push makes tens of thousands of short-lived objects (a batch's entries, answers and
# folded states). At CPython's default thresholds (700, 10, 10) the collector ran every
# few hundred allocations and its full passes walked the whole heap: a fifth of a push's
# CPU. Nearly all of them die by reference counting; collecting far less often costs
# a few MB.
GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    """The serving process's collector settings (``pos-hq serve`` and each worker)."""
    gc.set_threshold(*GC_THRESHOLDS)
