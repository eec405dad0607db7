"""The HQ HTTP service: thin FastAPI routes over ``sync.hq.service``.

Stateless: everything lives in the injected engine's database, so any number of
replicas can serve one PostgreSQL database behind a load balancer. A till
authenticates with its enrollment token (``Authorization: Bearer``) and may only push,
read its checkpoint and read its entries under its own terminal id (403 otherwise).
Admin commands (import, enroll, block, member lookup) are not served over HTTP: they
are ``pos-hq`` commands run against the database.

The OpenAPI description is at ``/openapi.json`` (and ``/docs``).

Limits before work: a body is never read past ``max_body`` bytes (``LimitBody``: a
``Content-Length`` above it is answered 413 unread, a body streamed without one is
counted as it arrives), and a push checks its token before it reads its body. Every
refusal is a 4xx with a stable ``error`` code (``ErrorBody``): ``invalid_request`` for
what the protocol's types refuse (NaN, numbers beyond BIGINT, NUL, text that is not
UTF-8), ``body_too_large``, ``unauthorized``, ``forbidden`` and the service's own codes.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at
# runtime, and `Till` is local to create_app.
import gc
import inspect
import os
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from sync import protocol as p
from sync.hq import alarms, db
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
    413: {"model": p.ErrorBody, "description": "the body is larger than HQ reads"},
    422: {"model": p.ErrorBody, "description": "the request does not fit the protocol"},
}
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}

bearer = HTTPBearer(auto_error=False, description="the till's enrollment token")
Creds = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _body(schema: str) -> dict[str, object]:
    """A route's request body in the OpenAPI description (the route reads it itself)."""
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"required": True, "content": {"application/json": {"schema": ref}}}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is larger than {limit} bytes")


class LimitBody:
    """ASGI middleware: no route reads more than ``limit`` bytes of a body. A declared
    ``Content-Length`` above it is refused before anything is read; a body without one
    (chunked) fails with ``BodyTooLarge`` once it passes the limit, so a 100 MB body is
    never held whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            body = {"error": "body_too_large", "message": f"at most {self.limit} bytes"}
            await JSONResponse(body, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)


def parse_batch(body: bytes) -> p.PushBatch:
    """A push's body, parsed and validated in one pass (pydantic's JSON parser): the
    route reads it itself, the biggest body HQ takes, instead of FastAPI's two passes."""
    return parse(p.PushBatch, body)


M = TypeVar("M", bound=BaseModel)
Work = Callable[[Session, svc.Caller, M], BaseModel]  # a till route's work (``own_route``)


def parse(model: type[M], body: bytes) -> M:
    """``body`` as ``model``, by pydantic's strict JSON parser: UTF-8 only (RFC 8259),
    no NaN or Infinity for a number, no trailing garbage."""
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False), body=None) from None


def _problems(errors: Any) -> list[dict[str, Any]]:
    """Validation errors as JSON can carry them (their input may be NaN or bytes)."""
    return [
        {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in errors
    ]


def create_app(
    engine: Engine,
    *,
    now: Callable[[], datetime] = svc.utcnow,
    window: svc.Window | None = None,
    max_body: int = p.MAX_BODY,
) -> FastAPI:
    """The service over ``engine`` (already migrated: ``sync.hq.db.open_hq``);
    ``window``: how far an entry's ``at`` may be from ``now`` (``svc.Window``)."""
    app = FastAPI(
        title="pos-hq",
        version="1",
        description="Headquarters for pos-terminal tills: push ledger entries, pull deltas.",
    )
    sessions = db.sessions(engine)
    svc.run(sessions, svc.phone_secret)  # made before any pull (an HQ older than it has none)
    app.state.engine = engine
    from sync.hq import console  # the web console (issue 15): HTML pages at /console/

    app.include_router(console.router(engine, now), prefix="/console")
    app.add_middleware(LimitBody, limit=max_body)
    skew = window or svc.Window()

    @app.exception_handler(PosError)
    def _pos_error(_: Request, e: PosError) -> JSONResponse:
        status = next((v for k, v in STATUS.items() if isinstance(e, k)), 400)
        return JSONResponse({"error": e.code, "message": e.message}, status_code=status)

    @app.exception_handler(RequestValidationError)
    def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = _problems(e.errors())
        what = "; ".join(f"{'.'.join(x['loc'])}: {x['msg']}" for x in problems[:5])
        body = {"error": "invalid_request", "message": what or "bad request", "detail": problems}
        return JSONResponse(jsonable_encoder(body), status_code=422)

    @app.exception_handler(HTTPException)
    def _http(_: Request, e: HTTPException) -> JSONResponse:
        if e.status_code == 400:  # FastAPI's "error parsing the body": not JSON, not UTF-8
            body = {"error": "invalid_request", "message": f"the body is not JSON: {e.detail}"}
            return JSONResponse(body, status_code=422)
        code = HTTP_CODES.get(e.status_code, "bad_request" if e.status_code < 500 else "error")
        return JSONResponse(
            {"error": code, "message": str(e.detail)}, status_code=e.status_code, headers=e.headers
        )

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
        openapi_extra={"requestBody": _body("PushBatch")},
    )
    async def push(terminal_id: str, request: Request, creds: Creds) -> Response:
        """Apply the till's entries that continue its chain, exactly once each. The
        answer lists every entry's status and the checkpoint to resume after."""
        token = creds.credentials if creds else None
        # the token first, in its own short transaction: no body is read for a caller
        # HQ would refuse (the push checks it again under its own lock)
        svc.require_own(await run_in_threadpool(caller, creds), terminal_id)
        body = await read_body(request)

        parsed: list[p.PushBatch] = []  # once, though ``run`` may retry the transaction

        def apply(s: Session) -> p.PushResult:
            who = svc.authenticate(s, token)  # in the push's own transaction
            svc.require_own(who, terminal_id)
            if not parsed:
                parsed.append(parse_batch(body))
            return svc.push(s, who, parsed[0], now(), window=skew)

        result = await run_in_threadpool(svc.run, sessions, apply)
        return Response(result.model_dump_json(), media_type="application/json")

    bodies: list[type[BaseModel]] = []  # their schemas go into the description

    def own_route(
        model: type[M], result: type[BaseModel], *, limit: int | None = None, read: bool = False
    ) -> Callable[[Work[M]], Work[M]]:
        """``work`` served at POST ``/v1/terminals/{terminal_id}/<its name>``: a till's
        call on its own id (403 otherwise; ``Till`` checked its token), at most ``limit``
        bytes of strict JSON as ``model`` (UTF-8, no NaN), then ``work`` in the
        threadpool: in one snapshot if it only ``read``s, else in ``svc.run``'s."""

        def register(work: Work[M]) -> Work[M]:
            async def route(terminal_id: str, request: Request, who: Till) -> Response:
                svc.require_own(who, terminal_id)
                req = parse(model, await read_body(request, limit))

                def call() -> BaseModel:
                    if not read:
                        return svc.run(sessions, lambda s: work(s, who, req))
                    with db.snapshot(engine) as s:
                        return work(s, who, req)

                done = await run_in_threadpool(call)
                return Response(done.model_dump_json(), media_type="application/json")

            bodies.append(model)
            app.post(
                f"/v1/terminals/{{terminal_id}}/{work.__name__}",
                name=work.__name__,
                description=inspect.getdoc(work),
                response_model=result,
                responses=ERRORS,
                tags=["till"],
                openapi_extra={"requestBody": _body(model.__name__)},
            )(route)
            return work

        return register

    @own_route(p.Pull, p.PullResult, read=True)
    def pull(s: Session, who: svc.Caller, req: p.Pull) -> p.PullResult:
        """One page of what changed after the cursor: members (HQ's balances), products,
        the program, blocked cards."""
        return svc.pull(s, who, req, now())

    @own_route(p.Lookup, p.LookupResult)
    def lookup(s: Session, who: svc.Caller, req: p.Lookup) -> p.LookupResult:
        """A member identified at the counter by code or phone whom the till's pulls
        did not bring (another store's): HQ logs the lookup and links the member to the
        till's store, so its later changes come with the pulls."""
        return svc.lookup(s, who, req, now())

    @own_route(p.Alarm, p.AlarmResult, limit=p.MAX_ALARM_BODY)
    def alarm(s: Session, who: svc.Caller, req: p.Alarm) -> p.AlarmResult:
        """The till's store failed its own check: HQ keeps what the till says and flags
        its store for review. Token first, then at most ``MAX_ALARM_BODY`` bytes."""
        return alarms.record_alarm(s, who.terminal_id, who.store_id, req, now())

    @app.get(
        "/v1/terminals/{terminal_id}/entries",
        response_model=p.EntriesPage,
        responses=ERRORS,
        tags=["till"],
    )
    def entries(
        terminal_id: str,
        who: Till,
        after: Annotated[int, Query(ge=0, le=p.BIGINT)] = 0,
        limit: Annotated[int, Query(ge=1, le=p.MAX_PAGE)] = 500,
    ) -> p.EntriesPage:
        """The till's own entries as HQ holds them (to restore a till that lost its disk)."""
        svc.require_own(who, terminal_id)
        with sessions() as s, s.begin():
            return svc.own_entries(s, who, after, limit)

    async def read_body(request: Request, limit: int | None = None) -> bytes:
        """The body, chunk by chunk, never past ``max_body`` (``LimitBody`` counts too;
        this also bounds a route mounted without it) or the route's own ``limit``."""
        most = min(max_body, limit) if limit is not None else max_body
        chunks: list[bytes] = []
        seen = 0
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > most:
                raise BodyTooLarge(most)
            chunks.append(chunk)
        return b"".join(chunks)

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
            known.update({m.__name__: m.model_json_schema() for m in bodies})
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The service over ``$POS_HQ_DB`` (already migrated): what each worker process of
    ``pos-hq serve --workers N`` builds for itself."""
    tune_gc()
    return create_app(db.open_hq(db.default_url(), migrate=False), **env_settings())


def env_settings() -> dict[str, Any]:
    """``create_app``'s limits from the environment ``pos-hq serve`` runs in:
    ``POS_HQ_MAX_BODY`` (bytes), ``POS_HQ_MAX_AHEAD_S`` and ``POS_HQ_MAX_AGE_DAYS``
    (``svc.Window``)."""
    return {
        "window": svc.Window.from_env(os.environ),
        "max_body": int(os.environ.get("POS_HQ_MAX_BODY", p.MAX_BODY)),
    }


# A push makes tens of thousands of short-lived objects (a batch's entries, answers and
# folded states). At CPython's default thresholds (700, 10, 10) the collector ran every
# few hundred allocations and its full passes walked the whole heap: a fifth of a push's
# CPU. Nearly all of them die by reference counting; collecting far less often costs
# a few MB.
GC_THRESHOLDS = (20_000, 50, 100)


def tune_gc() -> None:
    """The serving process's collector settings (``pos-hq serve`` and each worker)."""
    gc.set_threshold(*GC_THRESHOLDS)
