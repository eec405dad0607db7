"""Member repository: the cached state the counter reads, kept equal to the ledger's fold."""

from __future__ import annotations

import sqlite3
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from terminal import codec, phone_keys
from terminal.rules import member as m
from terminal.store.schema import MemberRow, Setting

_MEMBERS = cast(Table, MemberRow.__table__)
_LOAD = select(_MEMBERS.c.state_json).where(_MEMBERS.c.code == bindparam("code"))
_LOAD_VERSIONED = select(_MEMBERS.c.state_json, _MEMBERS.c.version).where(
    _MEMBERS.c.code == bindparam("code")
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


def load(s: Session, code: str) -> m.MemberState | None:
    # A plain column read: no MemberRow in the identity map for a Core update to leave stale.
    text = s.execute(_LOAD, {"code": code}).scalar()
    return codec.loads(m.MemberState, text) if text is not None else None


def load_versioned(s: Session, code: str) -> tuple[m.MemberState, int] | None:
    """The member and its version (bumped by every write of its cached state)."""
    row = s.execute(_LOAD_VERSIONED, {"code": code}).first()
    return (codec.loads(m.MemberState, row[0]), int(row[1])) if row is not None else None


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
