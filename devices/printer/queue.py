"""The print queue: receipts wait here until the printer takes them, whatever happens.

The sale is committed before anything is printed (``Counter.pay`` returns a
``CommittedSale``); the till renders it (``receipt_bytes``) and ``submit``s the bytes
under the receipt number. From then on printing can only be late, never undo or
block the sale: ``submit`` writes the job to a spool (SQLite, next to the till's
store: ``spool_path``) and returns at once; a worker thread prints jobs in order.

Before each job the worker asks a two-way printer for its status (``DLE EOT``). Offline,
paper out, cover open, or a write that times out or fails, is reported through
``on_state(state, detail)`` ("offline", "paper_out", "cover_open", "timeout"; "ok" once
a job prints again; only changes are reported, from the worker thread). The job stays
at the head of the queue and is retried with a backoff (``retry_s`` doubling up to
``max_retry_s``; ``retry_now()`` retries at once, for a "重试" button) until it prints;
the jobs behind it wait their turn. A job that printed is never printed again: a
second ``submit`` of the same job id is ignored unless ``reprint=True`` (补打).

A receipt that failed mid-write
-------------------------------
A printer cannot un-print half a receipt, and we rarely know how much of it reached
the paper (pyserial and pyusb do not say how many bytes left before a timeout), so
half a receipt is never "continued". The rule:

* a write that provably sent nothing (``PrinterError.written == 0``: the device was
  not there, the printer refused the first byte) is retried as it was;
* any other failure (some bytes, or an unknown number, may have left) marks the job
  *started*. The job is then sent again **whole**, once, as ``reprint_bytes(data)``:
  a resync preamble (NUL bytes enough to complete any command the torn receipt was
  cut inside, ``ESC @``, feed, cut: the torn part comes off on its own), then the
  receipt with a "** 补打 REPRINT **" line under its init, and without its drawer kick
  (the drawer may already have opened; a reprint never opens it, like
  ``receipt_bytes(reprint=True)``).

So after a mid-receipt failure the customer gets the torn part plus one complete
receipt marked as a reprint: nothing lost, and nothing printed twice that is not
visibly marked. A job is marked started in the spool *before* its first byte is
written, so a till that crashes or loses power mid-receipt reprints it marked after
a restart too. A write that succeeds is done: if the printer then runs out of paper,
the rest is in its buffer and prints when paper is loaded (that is reported, not
retried).

The drawer is wired to the printer: a cash receipt's kick (``receipt_bytes`` puts it
first) opens the drawer when the receipt prints, so while the printer is faulty the
drawer opens late, when the queued receipt finally prints.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from devices.printer.render import (
    ALIGN,
    CHINESE_ON,
    CUT_PARTIAL,
    FEED_TO_CUTTER,
    INIT,
    KICK,
    LF,
    _command_length,
    encode_text,
)
from devices.printer.status import COVER_OPEN, OFFLINE, PAPER_OUT, PrinterStatus
from devices.printer.transports import PrinterError, Transport
from terminal import datadir

log = logging.getLogger("devices.printer")

OK = "ok"
TIMEOUT = "timeout"
STATES = (OK, OFFLINE, PAPER_OUT, COVER_OPEN, TIMEOUT)

STATE_TEXT = {
    OK: "打印机正常 printer ready",
    OFFLINE: "打印机离线 printer offline",
    PAPER_OUT: "打印机缺纸 paper out",
    COVER_OPEN: "打印机盖未关 cover open",
    TIMEOUT: "打印超时 printer not responding",
}

REPRINT_MARKER = "** 补打 REPRINT **"  # the same bytes in GBK and GB18030
FALLBACK_PADDING = 1024

StateCallback = Callable[[str, str], None]  # (state, detail for the cashier)


def spool_path(store_path: str | Path) -> Path:
    """The spool file beside the till's store: ``till.sqlite`` -> ``till.print-spool.sqlite``."""
    p = Path(store_path)
    return p.with_name(f"{p.stem}.print-spool.sqlite")


# ----------------------------------------------------------------------------- reprints


def _longest_command(data: bytes) -> int:
    """The longest ESC/POS command in ``data`` (barcode, QR store...), in bytes."""
    longest, i = 0, 0
    while i < len(data):
        if data[i] in (0x1B, 0x1C, 0x1D, 0x10):
            n = _command_length(data, i)
            longest = max(longest, n)
            i += n
        else:
            i += 1
    return longest


def resync(data: bytes) -> bytes:
    """What ends a torn ``data`` on paper: NULs that complete whatever command it was cut
    inside (as parameters or data; a NUL in text is ignored), a reset, feed and cut."""
    try:
        pad = _longest_command(data) + 4  # + a 4-byte GB18030 character
    except (ValueError, IndexError):
        pad = FALLBACK_PADDING
    return b"\x00" * pad + INIT + LF + FEED_TO_CUTTER + CUT_PARTIAL


def reprint_bytes(data: bytes) -> bytes:
    """``data`` to send again after it failed mid-write: ``resync``, then the whole job
    with a "补打 REPRINT" line after its init and without its drawer kick."""
    head = 0
    if data.startswith(INIT):
        head = len(INIT) + (len(CHINESE_ON) if data[len(INIT) :].startswith(CHINESE_ON) else 0)
    body = data[head:]
    if body.startswith(KICK):
        body = body[len(KICK) :]
    marker = ALIGN["center"] + encode_text(REPRINT_MARKER, "gbk") + LF + ALIGN["left"]
    return resync(data) + data[:head] + marker + body


# ----------------------------------------------------------------------------- spool


@dataclass(frozen=True, slots=True)
class Job:
    seq: int
    job_id: str
    data: bytes
    reprint: bool  # submitted as a 补打
    started: bool  # may have reached the printer in part: the next send is a reprint
    attempts: int
    submitted_at: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    data BLOB NOT NULL,
    reprint INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'printed')),
    started INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    submitted_at TEXT NOT NULL,
    printed_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_job_id ON jobs (job_id);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, seq);
"""
_COLUMNS = "seq, job_id, data, reprint, started, attempts, submitted_at"


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _private_file(path: Path) -> None:
    """The spool and its side files get the store's mode (``terminal.datadir``): its
    folder made private if new, a new file created with that mode before SQLite opens
    it (SQLite gives the WAL, shared-memory and journal files the file's mode), and
    files found otherwise narrowed."""
    datadir.private_store(path)
    if os.name != "nt" and not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, datadir.file_mode(path.parent)))
        datadir.narrow(path)  # the umask may have taken the group's bits


class Spool:
    """The queue's jobs in SQLite (a file, or memory for ``None``). Printed jobs keep
    their id (duplicates are recognised) but drop their bytes; only the latest
    ``keep_printed`` of them are kept. A file spool opens a connection per operation
    (nothing to close; usable from any thread). One queue per spool file."""

    def __init__(self, path: str | Path | None = None, *, keep_printed: int = 20000) -> None:
        self.path = Path(path) if path is not None else None
        self.keep_printed = keep_printed
        self._lock = threading.Lock()
        self._memory: sqlite3.Connection | None = None
        if self.path is None:
            self._memory = self._connect_new()
        with self._connection() as db:
            if self.path is not None:
                db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def _connect_new(self) -> sqlite3.Connection:
        if self.path is not None:  # receipts name members: as private as the store
            _private_file(self.path)
        db = sqlite3.connect(
            str(self.path) if self.path else ":memory:",
            check_same_thread=False,
            isolation_level=None,
            timeout=5.0,
        )
        db.execute("PRAGMA synchronous=FULL")
        return db

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._memory is not None:
                yield self._memory
                return
            db = self._connect_new()
            try:
                yield db
            finally:
                db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _job(row: tuple[int, str, bytes, int, int, int, str]) -> Job:
        seq, job_id, data, reprint, started, attempts, at = row
        return Job(seq, job_id, bytes(data), bool(reprint), bool(started), attempts, at)

    def add(self, job_id: str, data: bytes, *, reprint: bool = False) -> Job | None:
        """Queue a job; None (nothing queued) if ``job_id`` is known and not a reprint."""
        at = _now()
        with self._tx() as db:
            if (
                not reprint
                and db.execute("SELECT 1 FROM jobs WHERE job_id = ? LIMIT 1", (job_id,)).fetchone()
            ):
                return None
            cur = db.execute(
                "INSERT INTO jobs (job_id, data, reprint, submitted_at) VALUES (?, ?, ?, ?)",
                (job_id, data, int(reprint), at),
            )
            seq = cur.lastrowid
        assert seq is not None
        return Job(seq, job_id, data, reprint, False, 0, at)

    def head(self) -> Job | None:
        with self._connection() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state = 'pending' ORDER BY seq LIMIT 1"
            ).fetchone()
        return self._job(row) if row else None

    def pending(self) -> list[Job]:
        with self._connection() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state = 'pending' ORDER BY seq"
            ).fetchall()
        return [self._job(r) for r in rows]

    def printed(self, job_id: str) -> int:
        """How many times ``job_id`` was printed (a reprint counts again)."""
        with self._connection() as db:
            row = db.execute(
                "SELECT count(*) FROM jobs WHERE job_id = ? AND state = 'printed'", (job_id,)
            ).fetchone()
        return int(row[0])

    def set_started(self, seq: int, started: bool) -> None:
        with self._tx() as db:
            db.execute("UPDATE jobs SET started = ? WHERE seq = ?", (int(started), seq))

    def attempted(self, seq: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE jobs SET attempts = attempts + 1 WHERE seq = ?", (seq,))

    def done(self, seq: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state = 'printed', data = X'', attempts = attempts + 1,"
                " printed_at = ? WHERE seq = ?",
                (_now(), seq),
            )
            db.execute(
                "DELETE FROM jobs WHERE state = 'printed' AND seq NOT IN"
                " (SELECT seq FROM jobs WHERE state = 'printed' ORDER BY seq DESC LIMIT ?)",
                (self.keep_printed,),
            )

    def close(self) -> None:
        """Only a memory spool holds a connection."""
        with self._lock:
            if self._memory is not None:
                self._memory.close()


# ----------------------------------------------------------------------------- queue


class PrintQueue:
    """Prints submitted jobs in order on ``transport`` from a worker thread.

    ``spool``: a path (``spool_path(store)``), a ``Spool``, or None (memory: nothing
    survives a restart). ``idle_check_s``: also ask a two-way printer for its status
    this often while the queue is empty, so the cashier hears about an empty roll
    before the next sale. Starts at once unless ``autostart=False`` (then ``start``).
    """

    def __init__(
        self,
        transport: Transport,
        on_state: StateCallback,
        spool: str | Path | Spool | None = None,
        *,
        retry_s: float = 0.25,
        max_retry_s: float = 2.0,
        idle_check_s: float | None = None,
        autostart: bool = True,
    ) -> None:
        if retry_s <= 0 or max_retry_s < retry_s:
            raise ValueError("need 0 < retry_s <= max_retry_s")
        self.transport = transport
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self.idle_check_s = idle_check_s
        self._on_state = on_state
        self._spool = spool if isinstance(spool, Spool) else Spool(spool)
        self._cond = threading.Condition()
        self._poked = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.state: str | None = None  # last reported
        self.status: PrinterStatus | None = None  # last status the printer sent
        if autostart:
            self.start()

    # ------------------------------------------------------------ API

    def submit(self, job_id: str, data: bytes, *, reprint: bool = False) -> bool:
        """Queue ``data`` under ``job_id`` (a receipt number); False when that job was
        already submitted (queued or printed) and this is not a ``reprint``.
        Persisted before it returns; never blocks on the printer."""
        if not job_id or not data:
            raise ValueError("a print job needs an id and some bytes")
        if self._spool.add(job_id, bytes(data), reprint=reprint) is None:
            log.info("print job %s already submitted: not printing it again", job_id)
            return False
        self._poke()
        return True

    def reprint(self, job_id: str, data: bytes) -> bool:
        """补打: print ``job_id`` again (``data`` rendered with ``reprint=True``)."""
        return self.submit(job_id, data, reprint=True)

    def pending(self) -> list[Job]:
        """Jobs waiting, the one being tried first."""
        return self._spool.pending()

    def printed(self, job_id: str) -> int:
        return self._spool.printed(job_id)

    def retry_now(self) -> None:
        """Cut the backoff short (the cashier loaded paper and pressed "重试")."""
        self._poke()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is pending; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._spool.head() is None, timeout)

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("print queue already started")
        with self._cond:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker (after the write in progress, if any). Queued jobs stay in the
        spool for the next start; ``submit`` and ``pending`` still work."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():  # pragma: no cover - a driver stuck in a system call
                log.error("print queue: worker did not stop")

    def __enter__(self) -> PrintQueue:
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ worker

    def _poke(self) -> None:
        with self._cond:
            self._poked = True
            self._cond.notify_all()

    def _wait(self, timeout: float | None) -> bool:
        """Sleep until poked, stopped or ``timeout``; False when stopping."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping or self._poked, timeout)
            return not self._stopping

    def _run(self) -> None:
        delay = self.retry_s
        try:
            while True:
                with self._cond:
                    if self._stopping:
                        return
                    self._poked = False
                job = self._spool.head()
                if job is None:
                    self._idle()
                    continue
                if self._attempt(job):
                    delay = self.retry_s
                    continue
                self._wait(delay)
                delay = min(delay * 2, self.max_retry_s)
        finally:
            with self.transport.lock:
                self.transport.close()

    def _idle(self) -> None:
        t = self.transport
        with t.lock:
            if t.is_open and not t.keep_open:
                t.close()
        if not self._wait(self.idle_check_s):
            return
        with self._cond:
            poked = self._poked
        if not poked and self.idle_check_s is not None and t.two_way:
            self._check(None, report_ok=True)

    def _check(self, job: Job | None, *, report_ok: bool) -> PrinterStatus | str | None:
        """Ask for status: the status (None on a one-way transport), or the fault state
        when it cannot be asked. Faults are reported; "ok" only if ``report_ok`` (the
        check before a job does not: only a printed job or an idle check says "ok")."""
        t = self.transport
        with t.lock:
            try:
                t.open()
                status = t.read_status()
            except PrinterError as e:
                t.abort()
                self._report(e.state, job, str(e))
                return e.state
            except Exception as e:  # a transport bug must not kill the worker
                log.exception("print queue: status request failed")
                t.abort()
                self._report(OFFLINE, job, str(e))
                return OFFLINE
            if job is None and not t.keep_open:
                t.close()
        self.status = status
        if status is not None and (status.fault or report_ok):
            self._report(status.fault or OK, job)
        return status

    def _attempt(self, job: Job) -> bool:
        """Try to print ``job``; True once printed (and marked so)."""
        t = self.transport
        with t.lock:
            status = self._check(job, report_ok=False)
            if isinstance(status, str) or (status is not None and status.fault):
                return False
            data = reprint_bytes(job.data) if job.started else job.data
            self._spool.set_started(job.seq, True)  # before any byte can leave
            try:
                t.write(data)
            except Exception as e:
                written = e.written if isinstance(e, PrinterError) else None
                state = e.state if isinstance(e, PrinterError) else OFFLINE
                if not isinstance(e, PrinterError):
                    log.exception("print queue: write failed")
                if written == 0 and not job.started:
                    self._spool.set_started(job.seq, False)  # nothing left: resend as is
                self._spool.attempted(job.seq)
                t.abort()
                log.warning("print job %s: %s (%s bytes sent)", job.job_id, e, written)
                self._report(state, job, str(e))
                return False
            self._spool.done(job.seq)
            with self._cond:
                self._cond.notify_all()  # wait_idle
            log.info("printed %s%s", job.job_id, " (resent as reprint)" if job.started else "")
            # the paper may have run out at the very end: tell the cashier now
            after = self._check(None, report_ok=True)
        if after is None:
            self._report(OK, None)
        return True

    def _report(self, state: str, job: Job | None, why: str = "") -> None:
        if state == self.state:
            return
        self.state = state
        detail = STATE_TEXT.get(state, state)
        if state == OK:
            if self.status is not None and self.status.paper_near_end:
                detail += "; 纸将尽 paper near end"
        else:
            waiting = len(self._spool.pending())
            if waiting:
                detail += f"; {waiting} 张待打印 waiting"
            if job is not None:
                detail += f" (next {job.job_id})"
        if why and state != OK:
            log.warning("printer %s: %s", state, why)
        try:
            self._on_state(state, detail)
        except Exception:  # a faulty callback must not stop printing
            log.exception("print queue: on_state callback failed")


__all__ = [
    "OK",
    "REPRINT_MARKER",
    "STATES",
    "TIMEOUT",
    "Job",
    "PrintQueue",
    "Spool",
    "reprint_bytes",
    "resync",
    "spool_path",
]
