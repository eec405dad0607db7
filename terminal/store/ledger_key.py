"""The till's ledger key: a per-till secret kept beside the store file, never inside it.

Every ledger row carries ``mac`` = HMAC-SHA256(key, the row's chain hash), made in Python
beside the hash and written in the row's own INSERT (``terminal.store.ledger``, the
demo's bulk insert, a restore from HQ): each of the till's connections is a
``StoreConnection`` that carries the key (``attach``). Store migration 0004 made it with
a trigger calling an SQL function; 0005 dropped both (the sale paid a call from SQLite
back into Python for each row, other paths a second write of it). The chain hash alone
is plain SHA-256: whoever edits the file can recompute every hash after an edit. The
MACs cannot be recomputed without the key file. The rows of ``hq_states`` (what HQ
last sent for each member) carry a MAC under the same key (``state_text``), written by
the pull.

The key file also holds the *anchor*: the head (seq, hash) the till last found sound
(at start-up and before each sync). A ledger that ends before its anchor, or whose row
there has another hash, lost or rewrote rows the MACs alone cannot show (a deleted tail).

What it does not protect against: whoever can read the key file (the till's own account,
an administrator) can forge MACs and the anchor too. Against them the anchor is HQ's
checkpoint, compared at every sync (``sync.client``): rows HQ holds cannot change
unnoticed; rows written since the last sync can.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from terminal.datadir import file_mode

SUFFIX = ".key"


@dataclass(frozen=True)
class LedgerKey:
    key: bytes
    from_seq: int  # rows before it were written before the store had a key (v0.1 stores)
    anchor_seq: int = 0
    anchor_hash: str = ""

    @cached_property
    def _pads(self) -> tuple[hashlib._Hash, hashlib._Hash]:
        """HMAC-SHA256's inner and outer hashes with the key's pads already absorbed
        (RFC 2104): a row's MAC is then two hash copies, without the Python-level
        ``hmac.HMAC.copy`` (the sale makes 15 of them under the write lock)."""
        block = self.key if len(self.key) <= 64 else hashlib.sha256(self.key).digest()
        block = block.ljust(64, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        return inner, outer

    def mac(self, text: str) -> str:
        """HMAC-SHA256(key, text) in hex: a row's chain hash, an ``hq_states`` row's text."""
        inner, outer = self._pads
        h = inner.copy()
        h.update(text.encode())
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()


def state_text(
    code: str, state_json: str, at_seq: int, through: int, cursor: int, received_at: str
) -> str:
    """What an ``hq_states`` row's MAC covers: every column, tagged so that no such text
    is ever a ledger row's hash (64 hex digits)."""
    return json.dumps(
        ["hq_states", code, state_json, at_seq, through, cursor, received_at],
        ensure_ascii=False,
        separators=(",", ":"),
    )


class StoreConnection(sqlite3.Connection):
    """The till's connections (``db.make_engine``): each carries its store's key, so a
    row's MAC is made where its hash is, with no SQL function on the insert."""

    ledger_key: LedgerKey | None = None


def key_of(conn: sqlite3.Connection) -> LedgerKey | None:
    """The key a store connection carries (None: no key, or not a store connection)."""
    return getattr(conn, "ledger_key", None)


def mac_of(conn: sqlite3.Connection) -> Callable[[str], str]:
    """The MAC function for rows written on ``conn``; without a key it refuses, as the
    trigger did (a row written without its MAC would be found as forged)."""
    k = key_of(conn)
    return k.mac if k is not None else _no_key


def key_path(db: Path | str) -> Path:
    db = Path(db)
    return db.with_name(db.name + SUFFIX)


def load(db: Path | str) -> LedgerKey | None:
    """The store's key, or None when there is none; an unreadable key file is no key."""
    try:
        data = json.loads(key_path(db).read_text(encoding="utf-8"))
        return LedgerKey(
            bytes.fromhex(data["key"]),
            int(data["from_seq"]),
            int(data.get("anchor_seq", 0)),
            str(data.get("anchor_hash", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _text(k: LedgerKey) -> str:
    return json.dumps(
        {
            "key": k.key.hex(),
            "from_seq": k.from_seq,
            "anchor_seq": k.anchor_seq,
            "anchor_hash": k.anchor_hash,
        }
    )


def _mode(db: Path | str) -> int:
    return file_mode(Path(db).parent)


def create(db: Path | str, from_seq: int) -> LedgerKey:
    """A new key, readable by the till's account only (and its group in an installation's
    shared folder: ``datadir.file_mode``); the first writer wins a race."""
    k = LedgerKey(secrets.token_bytes(32), from_seq)
    try:
        fd = os.open(key_path(db), os.O_WRONLY | os.O_CREAT | os.O_EXCL, _mode(db))
    except FileExistsError:
        found = load(db)
        if found is None:
            raise
        return found
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_text(k))
        f.flush()
        os.fsync(f.fileno())
    return k


def save_anchor(db: Path | str, seq: int, row_hash: str) -> None:
    """Move the anchor forward to a head just found sound (never back)."""
    k = load(db)
    if k is None or seq <= k.anchor_seq:
        return
    path = key_path(db)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _mode(db))
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_text(replace(k, anchor_seq=seq, anchor_hash=row_hash)))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def forget(db: Path | str) -> None:
    """A new store at this path gets a new key (``open_store`` on a missing file)."""
    key_path(db).unlink(missing_ok=True)


def attach(conn: sqlite3.Connection, db: Path | str) -> None:
    """Give a new connection of the store at ``db`` its key.

    A store without a key file gets one, from its next row on, unless it already holds
    keyed rows: then its key was removed, and every MAC refuses, so nothing more is
    written until the store is examined (``verify`` and the start-up check say why)."""
    k = load(db)
    if k is None and not _keyed_rows(conn):
        k = create(db, _head(conn) + 1)
    if isinstance(conn, StoreConnection):
        conn.ledger_key = k


def _no_key(_: str) -> str:
    raise ValueError("the store's ledger key is missing")


def _head(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT max(seq) FROM ledger").fetchone()
    except sqlite3.DatabaseError:  # a new file (no ledger yet), or not a store at all
        return 0
    return int(row[0] or 0)


def _keyed_rows(conn: sqlite3.Connection) -> bool:
    try:
        return (
            conn.execute("SELECT 1 FROM ledger WHERE mac IS NOT NULL LIMIT 1").fetchone()
            is not None
        )
    except sqlite3.DatabaseError:  # before migration 0004, or not a store
        return False


def copy_store(src: Path | str, dest: Path | str) -> None:
    """Copy a closed store file with its key (a copy without it is no longer this till's:
    its keyed rows cannot be checked, and it refuses to take money)."""
    import shutil

    shutil.copyfile(src, dest)
    if key_path(src).exists():
        shutil.copyfile(key_path(src), key_path(dest))
        os.chmod(key_path(dest), _mode(dest))
