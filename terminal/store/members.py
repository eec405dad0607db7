"""Member repository: the cached state the counter reads, kept equal to the ledger's fold.

A member's cached state starts from what HQ last sent (``hq_states``) when there is
such a row; that row carries a MAC under the till's ledger key (the pull writes it), so
the counter checks it, and that the cache is HQ's state when no entry of this till's
came since, each time it reads a member (``load``): a raised balance written into both
tables without the key is ``store_tampered``, and the till takes no more money (as on a
broken ledger, ``ledger.refuse_writes``)."""

from __future__ import annotations

import hmac
import sqlite3
from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from terminal import codec, phone_keys
from terminal.errors import StoreTampered
from terminal.rules import member as m
from terminal.store import ledger_key
from terminal.store.ledger import refuse_writes
from terminal.store.schema import HqStateRow, MemberRow, Setting

_MEMBERS = cast(Table, MemberRow.__table__)
_LOAD = select(_MEMBERS.c.state_json).where(_MEMBERS.c.code == bindparam("code"))
# The member with HQ's last state for it (if any): what ``_check_hq`` needs, one read.
_LOAD_CHECKED = (
    "SELECT m.state_json, m.version, m.last_seq, h.state_json, h.at_seq, h.through,"
    " h.cursor, h.received_at, h.mac FROM members m LEFT JOIN hq_states h ON h.code = m.code"
    " WHERE m.code = ?"
)
_UPDATE = (
    update(_MEMBERS)
    .where(_MEMBERS.c.code == bindparam("b_code"))
    .values(
        phone=func.coalesce(bindparam("b_phone"), _MEMBERS.c.phone),
        state_json=bindparam("b_json"),
        last_seq=func.coalesce(bindparam("b_seq"), _MEMBERS.c.last_seq),
        version=_MEMBERS.c.version + 1,
    )
)


def cached(s: Session, code: str) -> m.MemberState | None:
    """The cached state as it is (the pull compares HQ's with it before replacing it)."""
    # A plain column read: no MemberRow in the identity map for a Core update to leave stale.
    text = s.execute(_LOAD, {"code": code}).scalar()
    return codec.loads(m.MemberState, text) if text is not None else None


def load(s: Session, code: str) -> m.MemberState | None:
    """The member the counter serves; ``store_tampered`` if HQ's state for it fails."""
    found = load_versioned(s, code)
    return found[0] if found is not None else None


def load_versioned(s: Session, code: str) -> tuple[m.MemberState, int] | None:
    """The member and its version (bumped by every write of its cached state), HQ's
    state for it checked (``_check_hq``)."""
    conn = _dbapi(s)
    row = conn.execute(_LOAD_CHECKED, (code,)).fetchone()
    if row is None:
        return None
    if row[3] is not None:
        _check_hq(conn, code, row)
    return codec.loads(m.MemberState, row[0]), int(row[1])


def _check_hq(conn: sqlite3.Connection, code: str, row: tuple[Any, ...]) -> None:
    """HQ's state for the member carries this till's MAC, and the cache is that state
    while no entry of the member's came after it (``last_seq <= at_seq``). Without a
    key nothing can be checked: the start-up check has stopped the till already."""
    cached_json, _, last_seq, hq_json, at_seq, through, cursor, received_at, mac = row
    k = ledger_key.key_of(conn)
    if k is None:
        return
    try:
        text = ledger_key.state_text(
            code, str(hq_json), int(at_seq), int(through), int(cursor), str(received_at)
        )
        sound = isinstance(mac, str) and hmac.compare_digest(mac, k.mac(text))
        if sound and int(last_seq) <= int(at_seq) and cached_json != hq_json:
            sound = codec.loads(m.MemberState, str(cached_json)) == codec.loads(
                m.MemberState, str(hq_json)
            )
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):  # a damaged row
        sound = False
    if not sound:
        why = StoreTampered(
            f"member {code}: HQ's state for it in the store was not written by this till",
            case="hq_state",
            member=code,
        )
        where = conn.execute("PRAGMA database_list").fetchone()
        refuse_writes(where[2], why)  # as on a broken ledger: no more money taken
        raise why


def hq_state_mac(s: Session, row: HqStateRow) -> str:
    """The MAC of an ``hq_states`` row about to be written (the store's ledger key)."""
    text = ledger_key.state_text(
        row.code, row.state_json, row.at_seq, row.through, row.cursor, row.received_at
    )
    return ledger_key.mac_of(_dbapi(s))(text)


def _dbapi(s: Session) -> sqlite3.Connection:
    return cast(sqlite3.Connection, s.connection().connection.driver_connection)


def version(cur: sqlite3.Cursor, code: str) -> int | None:
    row = cur.execute("SELECT version FROM members WHERE code = ?", (code,)).fetchone()
    return int(row[0]) if row is not None else None


def save_raw(cur: sqlite3.Cursor, state: m.MemberState, text: str, seq: int) -> None:
    """``save`` on the sale path's DBAPI cursor, with the state already encoded and
    ``seq`` its last ledger row. A sale never changes the phone, and leaving it out of
    the SET spares the phone index a rewrite."""
    cur.execute(
        "UPDATE members SET state_json = ?, last_seq = ?, version = version + 1 WHERE code = ?",
        (text, seq, state.code),
    )


def codes_by_phone(s: Session, phone: str) -> list[str]:
    """The members on a typed phone: pulled ones by its key (the till holds their phones
    masked), its own registrations not pulled back yet by the phone itself."""
    wanted = [phone]
    secret = s.get(Setting, phone_keys.SECRET)
    if secret is not None:
        wanted.append(phone_keys.key(secret.value, phone))
    q = select(MemberRow.code).where(MemberRow.phone.in_(wanted)).order_by(MemberRow.code)
    return list(s.execute(q).scalars())


def save(
    s: Session, state: m.MemberState, seq: int | None, *, phone_key: str | None = None
) -> None:
    """Cache the member's fold: a Core update (an insert for a new member), no autoflush.
    ``seq``: the ledger row of the member's last entry (None: unchanged, HQ's state).
    The phone column holds what phone lookups match: the full phone of a member
    registered here, else ``phone_key`` (HQ's key); a masked phone leaves it as it is."""
    text = codec.dumps(state)
    column = phone_key or (None if phone_keys.is_masked(state.phone) else state.phone)
    params = {"b_code": state.code, "b_phone": column, "b_json": text, "b_seq": seq}
    conn = s.connection()
    if conn.execute(_UPDATE, params).rowcount == 0:
        conn.execute(
            insert(_MEMBERS),
            {
                "code": state.code,
                "phone": column if column is not None else state.phone,
                "state_json": text,
                "last_seq": seq or 0,
                "version": 1,
            },
        )


def all_codes(s: Session) -> list[str]:
    return list(s.execute(select(MemberRow.code).order_by(MemberRow.code)).scalars())


# ----------------------------------------------------------------------------- upgrades

_PULLED = (
    "SELECT h.code, h.state_json, h.at_seq, h.through, h.cursor, h.received_at, h.mac,"
    " m.state_json, m.phone FROM hq_states h LEFT JOIN members m ON m.code = h.code"
)


def mask_pulled_phones(conn: sqlite3.Connection, secret: str) -> int:
    """Replace the full phones a till holds of members it pulled before HQ masked them
    (HQ's state in ``hq_states``, the cached state and lookup column in ``members``) by
    the masked phone and its key under the chain's ``secret``, as a pull sends them now:
    a typed phone still finds the member (``codes_by_phone``). Nothing else changes.
    A phone the ledger holds (a member registered here: its ``Registered`` row, hashed)
    stays there, and so in the cache its fold is; only copies of HQ's state are masked.
    A row is sealed again only if its MAC held (one without a MAC stays without: store
    migration 0005 seals those next, ``seal_hq_states``); one whose MAC fails is left as
    it is, for verify to report, never laundered by a new MAC.
    Returns the members changed. On the caller's transaction."""
    changed = 0
    k = ledger_key.key_of(conn)  # None: a store whose key is lost (verify says so)
    (erase,) = conn.execute("PRAGMA secure_delete").fetchone()
    conn.execute("PRAGMA secure_delete = ON")  # the old cells are zeroed, not just freed
    try:
        for row in list(conn.execute(_PULLED)):
            changed += _mask(conn, k, secret, *row)
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(erase)}")
    return changed


def _mask(conn: sqlite3.Connection, k: ledger_key.LedgerKey | None, secret: str, *row: Any) -> int:
    code, hq_json, at_seq, through, cursor, received_at, mac, cached_json, column = row
    try:
        old = ledger_key.state_text(code, hq_json, at_seq, through, cursor, received_at)
        if mac is not None and not (k is not None and hmac.compare_digest(mac, k.mac(old))):
            return 0
        hq = codec.loads(m.MemberState, hq_json)
        state = codec.loads(m.MemberState, cached_json) if cached_json is not None else None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return 0  # a damaged row stays as it is, for verify to report
    full = hq.phone
    if not full or phone_keys.is_masked(full):
        return 0
    hidden = phone_keys.masked(full)
    new_hq = codec.dumps(replace(hq, phone=hidden))
    text = ledger_key.state_text(code, new_hq, at_seq, through, cursor, received_at)
    conn.execute(
        "UPDATE hq_states SET state_json = ?, mac = ? WHERE code = ?",
        (new_hq, k.mac(text) if k is not None and mac is not None else None, code),
    )
    if state is not None:
        if state.phone == full:  # the cache's phone is HQ's (no entry here set it)
            cached_json = codec.dumps(replace(state, phone=hidden))
        conn.execute(
            "UPDATE members SET state_json = ?, phone = ?, version = version + 1 WHERE code = ?",
            (cached_json, phone_keys.key(secret, full) if column == full else column, code),
        )
    return 1


def seal_hq_states(conn: sqlite3.Connection) -> int:
    """MAC every ``hq_states`` row that has none (store migration 0005: rows pulled
    before it are taken as they are at the upgrade, as ledger rows were at 0004's)."""
    k = ledger_key.key_of(conn)
    if k is None:
        return 0
    rows = conn.execute(
        "SELECT code, state_json, at_seq, through, cursor, received_at FROM hq_states"
        " WHERE mac IS NULL"
    ).fetchall()
    conn.executemany(
        "UPDATE hq_states SET mac = ? WHERE code = ?",
        [(k.mac(ledger_key.state_text(*r)), r[0]) for r in rows],
    )
    return len(rows)
