"""The till's sync client: push the outbox, pull deltas, in rounds; a background loop.

A round: learn the till's identity from its token (a new till is provisioned by its
first round), compare the ledger with HQ's checkpoint, push every row after it in
batches, pull pages until HQ has nothing more, and push again what the pull recorded.
HTTP calls retry with exponential backoff on a cut connection, a timeout or a 5xx;
every retry is safe because HQ applies each entry once by id and sequence, and a
pulled page is applied with its cursor in one local transaction.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol as p
from sync import till
from terminal.app.programs import HeldPrograms
from terminal.clock import SystemClock
from terminal.errors import StoreTampered

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
PUSH_BATCH = p.MAX_BATCH  # ledger rows a push carries: HQ's fixed cost per request is shared
JSON = {"Content-Type": "application/json"}


class SyncError(Exception):
    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status, self.retryable = status, retryable


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts: ``base`` doubling up to ``cap``, with jitter so tills
    that lost HQ together do not come back together."""

    base: float = 0.25
    cap: float = 8.0
    attempts: int = 5

    def delay(self, attempt: int) -> float:
        d: float = min(self.cap, self.base * 2**attempt)
        return d * (0.5 + random.random() / 2)


class HqClient:
    """One method per HQ endpoint (``sync.protocol`` types in and out)."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http, self.backoff, self.sleep = http, backoff, sleep

    @classmethod
    def connect(
        cls, url: str, token: str, *, timeout: float = 30.0, backoff: Backoff = Backoff()
    ) -> HqClient:
        http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
        return cls(http, backoff=backoff)

    def close(self) -> None:
        self.http.close()

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
    ) -> M:
        err = SyncError("no attempt made")
        for attempt in range(max(1, self.backoff.attempts)):
            try:
                r = self.http.request(
                    method,
                    path,
                    content=body.model_dump_json().encode() if body is not None else None,
                    headers=JSON if body is not None else None,
                    params=params,
                )
            except httpx.TransportError as e:
                err = SyncError(f"HQ unreachable: {e!r}", retryable=True)
            else:
                if r.status_code < 400:
                    try:
                        return model.model_validate_json(r.content)
                    except ValidationError as e:
                        raise SyncError(f"HQ answered {path} with a bad body: {e}") from None
                retryable = r.status_code >= 500 or r.status_code == 429
                err = SyncError(_describe(r), status=r.status_code, retryable=retryable)
                if not retryable:
                    raise err
            if attempt + 1 < self.backoff.attempts:
                self.sleep(self.backoff.delay(attempt))
        raise err

    def whoami(self) -> p.WhoAmI:
        return self._call("GET", "/v1/whoami", p.WhoAmI)

    def checkpoint(self, terminal_id: str) -> p.Checkpoint:
        return self._call("GET", f"/v1/terminals/{terminal_id}/checkpoint", p.Checkpoint)

    def push(
        self,
        terminal_id: str,
        entries: list[p.Entry],
        head: int = 0,
        clock: datetime | None = None,
    ) -> p.PushResult:
        batch = p.PushBatch(terminal_id=terminal_id, entries=entries, head=head, clock=clock)
        return self._call("POST", f"/v1/terminals/{terminal_id}/push", p.PushResult, batch)

    def pull(
        self,
        terminal_id: str,
        cursor: int,
        limit: int = 500,
        program_version: int | None = None,
        *,
        head: int | None = None,
        clock: datetime | None = None,
        staff_all: bool = False,
    ) -> p.PullResult:
        """``head`` and ``clock``: the till's last seq and clock, for HQ's console;
        ``staff_all``: the store's whole staff list, whatever the cursor."""
        req = p.Pull(
            cursor=cursor,
            limit=limit,
            program_version=program_version,
            head=head,
            clock=clock,
            staff_all=staff_all,
        )
        return self._call("POST", f"/v1/terminals/{terminal_id}/pull", p.PullResult, req)

    def lookup(
        self, terminal_id: str, *, code: str | None = None, phone: str | None = None
    ) -> p.LookupResult:
        req = p.Lookup(code=code, phone=phone)
        return self._call("POST", f"/v1/terminals/{terminal_id}/lookup", p.LookupResult, req)

    def alarm(self, terminal_id: str, alarm: p.Alarm) -> p.AlarmResult:
        return self._call("POST", f"/v1/terminals/{terminal_id}/alarm", p.AlarmResult, alarm)

    def entries(self, terminal_id: str, after: int, limit: int = 500) -> p.EntriesPage:
        path = f"/v1/terminals/{terminal_id}/entries"
        return self._call("GET", path, p.EntriesPage, params={"after": after, "limit": limit})


def _describe(r: httpx.Response) -> str:
    try:
        body = r.json()
        what = body.get("message") or body.get("detail") or r.text
    except ValueError:
        what = r.text
    return f"HQ refused {r.request.method} {r.request.url.path}: {r.status_code} {what}"


# ----------------------------------------------------------------------------- a round


@dataclass
class SyncReport:
    terminal_id: str = ""
    store_id: str = ""
    pushed: int = 0  # entries HQ applied now
    duplicates: int = 0  # entries HQ already held (a retry after a lost answer)
    restored: int = 0  # rows put back from HQ into an empty ledger
    members: int = 0  # member states pulled
    rebased: int = 0  # of which changed the till's cache
    products: int = 0
    staff: int = 0  # staff members HQ manages, pulled
    checkpoint: int = 0  # HQ's checkpoint at the end
    head: int = 0  # the till's last seq at the end
    cursor: int = 0

    @property
    def acknowledged(self) -> bool:
        return self.checkpoint == self.head


def sync_round(
    sessions: sessionmaker[Session],
    hq: HqClient,
    *,
    batch: int = PUSH_BATCH,
    page: int = 500,
    now: Callable[[], datetime] | None = None,
) -> SyncReport:
    """One full round. Raises ``SyncError`` when HQ refuses something or stays
    unreachable, ``till.IdentityError`` when the store and the token disagree."""
    now = now or SystemClock().now
    from terminal.app.verify import guard, store_path

    tampered = guard(sessions)  # the chain's tail first: a broken store pushes nothing
    if tampered is not None:
        told = tell_hq(hq, tampered, str(store_path(sessions)))
        raise SyncError(f"not synced: {tampered}{told}")
    who = hq.whoami()
    till.provision(sessions, who)
    tid = who.terminal_id
    rep = SyncReport(tid, who.store_id)
    cp = hq.checkpoint(tid)
    seq, _ = till.head(sessions)
    if cp.seq > seq:
        if seq:
            raise SyncError(
                f"this till's ledger ends at #{seq} but HQ holds #{cp.seq}: it was replaced "
                "or restored from an old copy; re-provision it from an empty store"
            )
        rep.restored = _restore(sessions, hq, tid, cp.seq)
    elif cp.seq and till.hash_at(sessions, cp.seq) != cp.hash:
        raise SyncError(f"this till's entry #{cp.seq} differs from HQ's copy: the ledgers diverged")
    after = push_outbox(sessions, hq, tid, cp.seq, batch, rep, now)
    held = till.settings(sessions)
    cursor = int(held.get(till.CURSOR, "0"))
    whole_staff = till.STAFF_WHOLE in held  # else asked for until HQ sends it
    running = HeldPrograms(sessions).at(now().date()).version  # HQ's console shows it
    while True:
        res = hq.pull(
            tid,
            cursor,
            page,
            running,
            head=till.head(sessions)[0],
            clock=now(),
            staff_all=not whole_staff,
        )
        whole_staff = whole_staff or res.staff_all
        got = till.apply_pull(sessions, res, now())
        rep.members += got.members
        rep.rebased += got.rebased
        rep.products += got.products
        rep.staff += got.staff
        cursor = res.cursor
        if not res.more:
            break
    rep.checkpoint = push_outbox(sessions, hq, tid, after, batch, rep, now)  # sold meanwhile
    rep.head, rep.cursor = till.head(sessions)[0], cursor
    with sessions() as s, s.begin():
        till.put_settings(s, **{till.LAST_SYNC: now().isoformat()})
    return rep


_TOLD: set[tuple[str, str]] = set()  # (store file, problem) HQ has heard in this process


def tell_hq(hq: HqClient, why: StoreTampered, store: str) -> str:
    """The store failed its check: HQ hears it (its problem lines), instead of a push,
    once per process and problem (the loop's later rounds do not repeat it; HQ not
    reached: the next round tries again). The token names the till, so a store too
    broken to read still reports. Returns what to add to the round's error."""
    if (store, why.message) in _TOLD:
        return " (HQ was told)"
    said = (_plain(x)[:500] for x in why.problems or (why.message,))
    lines = [x for x in said if x.strip()][: p.MAX_PROBLEMS] or ["the store failed its check"]
    damaged = any(x.startswith("the store is damaged") for x in lines)
    try:
        alarm = p.Alarm(code="store_damaged" if damaged else "store_tampered", problems=lines)
        hq.alarm(hq.whoami().terminal_id, alarm)
    except SyncError as e:
        return f" (HQ not told: {e})"
    _TOLD.add((store, why.message))
    return " (HQ was told)"


def _plain(line: str) -> str:
    """A problem line as HQ stores text: no NUL, no lone surrogate (a tampered row's
    text can hold either)."""
    return line.replace("\x00", "?").encode("utf-8", "replace").decode("utf-8")


def look_up(
    sessions: sessionmaker[Session],
    hq: HqClient,
    *,
    code: str | None = None,
    phone: str | None = None,
    now: Callable[[], datetime] | None = None,
) -> list[str]:
    """Ask HQ for a member identified at the counter that this till does not hold
    (another store's): its state goes into the till's cache as a pulled one would
    (the pull cursor stays where it is). Returns the codes HQ knows."""
    now = now or SystemClock().now
    tid = till.settings(sessions).get("terminal_id") or hq.whoami().terminal_id
    res = hq.lookup(tid, code=code, phone=phone)
    cursor = int(till.settings(sessions).get(till.CURSOR, "0"))
    page = p.PullResult(
        cursor=cursor,
        more=False,
        through=res.through,
        members=res.members,
        phone_secret=res.phone_secret,
    )
    till.apply_pull(sessions, page, now())
    return [d.code for d in res.members]


def _restore(sessions: sessionmaker[Session], hq: HqClient, tid: str, upto: int) -> int:
    n = 0
    while n < upto:
        got = hq.entries(tid, n)
        if not got.entries:
            break
        till.restore(sessions, got.entries)
        n = got.entries[-1].seq
    return n


def push_outbox(
    sessions: sessionmaker[Session],
    hq: HqClient,
    tid: str,
    after: int,
    batch: int,
    rep: SyncReport,
    now: Callable[[], datetime] | None = None,
) -> int:
    """Push the ledger rows after ``after`` (HQ's checkpoint) in batches of ``batch``
    until HQ holds them all; count them in ``rep``; return HQ's last checkpoint.
    Each batch carries the till's head and ``now()`` (its clock) for HQ's console."""
    now = now or SystemClock().now
    size = batch
    while True:
        entries = till.outbox(sessions, after, size)
        if not entries:
            return after
        try:
            res = hq.push(tid, entries, head=till.head(sessions)[0], clock=now())
        except SyncError as e:
            if e.status != 413 or len(entries) == 1:
                raise
            size = max(1, len(entries) // 2)  # over HQ's body limit: send fewer rows
            continue
        if res.checkpoint.seq <= after and size < p.MAX_BATCH and _incomplete(res):
            size = min(size * 2, p.MAX_BATCH)  # a sale's rows go up together
            continue
        size = batch
        for r in res.results:
            if r.status == "applied":
                rep.pushed += 1
            elif r.status == "duplicate":
                rep.duplicates += 1
            elif r.status == "rejected":
                raise SyncError(f"HQ rejected entry #{r.seq} ({r.code}): {r.reason}")
        if res.checkpoint.seq <= after:
            why = next((r.reason for r in res.results if r.status == "deferred"), "")
            raise SyncError(f"HQ applied nothing after #{after}: {why or 'no progress'}")
        after = res.checkpoint.seq
        till.save_checkpoint(sessions, after)


def _incomplete(res: p.PushResult) -> bool:
    """HQ deferred the batch's tail: it ends inside a sale's (return's, recharge's)
    rows, which HQ judges together (``sync.hq.derive``)."""
    return any(r.status == "deferred" and r.code == "incomplete" for r in res.results)


# ----------------------------------------------------------------------------- the loop


class SyncLoop:
    """Background sync for the till's window: a round every ``interval`` seconds, and
    while HQ is unreachable, rounds spaced by ``backoff`` (doubling to its cap).

    It runs in its own thread with its own store sessions. A round only reads the
    ledger to push, and writes one short transaction per pulled page, so a sale never
    waits on the network: the sale commits locally with its ledger rows (the outbox)
    and goes up on the next round. ``online`` feeds the counter's ``offline`` flag
    (the rule book's offline spending cap)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        hq: HqClient,
        *,
        interval: float = 30.0,
        backoff: Backoff = Backoff(base=1.0, cap=300.0),
        on_round: Callable[[SyncReport | None, Exception | None], None] | None = None,
    ) -> None:
        self.sessions, self.hq, self.interval, self.backoff = sessions, hq, interval, backoff
        self.on_round = on_round
        self.online = False
        self.failures = 0
        self.last: SyncReport | None = None
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pos-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Sync now (after a sale, say) instead of at the next interval."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> SyncReport | None:
        try:
            rep = sync_round(self.sessions, self.hq)
        except Exception as e:  # the loop must outlive anything a round meets
            log.warning("sync round failed: %s", e)
            self.online, self.error = False, e
            self.failures += 1
            if self.on_round:
                self.on_round(None, e)
            return None
        self.online, self.error, self.failures, self.last = True, None, 0, rep
        if self.on_round:
            self.on_round(rep, None)
        return rep

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            wait = self.interval if self.failures == 0 else self.backoff.delay(self.failures - 1)
            self._wake.wait(wait)
            self._wake.clear()


# ----------------------------------------------------------------------------- the command


def sync_command(db: Path | None, url: str, token: str, *, save_token: bool = False) -> int:
    """``pos-terminal sync``: one full round; 0 when everything is acknowledged and pulled.
    ``save_token``: once HQ has taken the token, the store keeps it (``hq_token``) for the
    next rounds and the window's sync loop, so it never needs the command line again."""
    import sys

    from terminal.datadir import till_db_path
    from terminal.store.db import open_store, write_session

    path = db or till_db_path()
    sessions = open_store(path)
    hq = HqClient.connect(url, token)
    try:
        rep = sync_round(sessions, hq)
        if save_token:
            with write_session(sessions) as s:
                till.put_settings(s, hq_token=token)
    except (SyncError, till.IdentityError) as e:
        print(f"sync failed: {e}", file=sys.stderr)
        return 1
    finally:
        hq.close()
        sessions.kw["bind"].dispose()
    print(
        f"synced {rep.terminal_id} (store {rep.store_id}) with {url}: pushed {rep.pushed} "
        f"({rep.duplicates} already at HQ), pulled {rep.members} members "
        f"({rep.rebased} changed), {rep.products} products and {rep.staff} staff; "
        f"checkpoint #{rep.checkpoint} of #{rep.head}, cursor {rep.cursor}"
    )
    return 0 if rep.acknowledged else 1
