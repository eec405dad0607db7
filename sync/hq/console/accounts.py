"""Console users and their server-side sessions: plain functions over one session
(transaction), used by the console's pages and by ``pos-hq user``.

Passwords are argon2 hashes (a low-entropy secret needs a slow KDF). A session's
cookie carries 256 random bits; HQ keeps their SHA-256 (like a till's token: fast,
one indexed lookup) and a CSRF token per session. ``max_failures`` failed sign-ins in
a row lock the user for ``lockout``; a success resets the count.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.hq.console import audit
from sync.hq.console.roles import ROLES, STORE_MANAGER
from sync.hq.console.settings import ConsoleSettings
from sync.hq.models import ConsoleSessionRow, ConsoleUserRow, StoreRow
from terminal.errors import InvalidInput, NotFound

_HASHER = PasswordHasher()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
# verified when the name is unknown, so a wrong name costs what a wrong password does
_DUMMY = _HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True, slots=True)
class Who:
    """The signed-in user of a request."""

    user_id: int
    name: str
    role: str
    stores: frozenset[str]  # a store manager's; empty for the chain-wide roles
    session_id: int
    csrf: str

    @property
    def scoped(self) -> bool:
        return self.role == STORE_MANAGER

    @property
    def scope(self) -> frozenset[str] | None:
        """The stores the user's figures and actions are cut to; None: the chain."""
        return self.stores if self.scoped else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def stores_of(row: ConsoleUserRow) -> frozenset[str]:
    return frozenset(json.loads(row.stores or "[]"))


def check_password(password: str, settings: ConsoleSettings) -> None:
    if len(password) < settings.min_password:
        raise InvalidInput(
            f"a password has at least {settings.min_password} characters",
            code="short_password",
            least=settings.min_password,
        )


def add_user(
    s: Session,
    name: str,
    password: str,
    role: str,
    stores: Sequence[str],
    now: datetime,
    settings: ConsoleSettings,
) -> ConsoleUserRow:
    if not _NAME.match(name):
        raise InvalidInput(f"user name {name!r}: letters, digits, _.@-", code="bad_user_name")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r}: one of {', '.join(ROLES)}", code="bad_role")
    if (role == STORE_MANAGER) != bool(stores):
        raise InvalidInput(
            "a store manager needs --store (and only a store manager takes one)",
            code="bad_stores",
        )
    known = set(s.execute(select(StoreRow.id).where(StoreRow.id.in_(stores))).scalars())
    if missing := sorted(set(stores) - known):
        raise NotFound(f"no store {', '.join(missing)} at HQ", code="unknown_store")
    check_password(password, settings)
    if s.execute(select(ConsoleUserRow.id).where(ConsoleUserRow.name == name)).first():
        raise InvalidInput(f"user {name} exists already", code="user_exists")
    row = ConsoleUserRow(
        name=name,
        password_hash=_HASHER.hash(password),
        role=role,
        stores=json.dumps(sorted(set(stores))),
        failed_attempts=0,
        disabled=False,
        created_at=now,
    )
    s.add(row)
    s.flush()
    audit.record(
        s,
        now,
        "pos-hq",
        "",
        audit.USER_ADD,
        kind="user",
        object_id=name,
        after={"role": role, "stores": sorted(set(stores))},
    )
    return row


def users(s: Session) -> list[ConsoleUserRow]:
    return list(s.execute(select(ConsoleUserRow).order_by(ConsoleUserRow.name)).scalars())


def user(s: Session, name: str) -> ConsoleUserRow:
    row = s.execute(select(ConsoleUserRow).where(ConsoleUserRow.name == name)).scalar()
    if row is None:
        raise NotFound(f"no console user {name}", code="unknown_user")
    return row


def disable_user(s: Session, name: str, now: datetime, by: str = "pos-hq", role: str = "") -> None:
    row = user(s, name)
    row.disabled = True
    n = revoke_sessions(s, row.id)
    audit.record(
        s,
        now,
        by,
        role,
        audit.USER_DISABLE,
        kind="user",
        object_id=name,
        before={"disabled": False},
        after={"disabled": True, "sessions_revoked": n},
    )


def revoke_sessions(s: Session, user_id: int) -> int:
    """Every live session of the user ends now; how many there were."""
    done = s.execute(
        update(ConsoleSessionRow)
        .where(ConsoleSessionRow.user_id == user_id, ConsoleSessionRow.revoked.is_(False))
        .values(revoked=True)
    )
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class SignIn:
    """A sign-in's outcome: the cookie's token, or why not (``bad``, ``locked``)."""

    token: str | None
    refused: str = ""


def sign_in(
    s: Session, name: str, password: str, now: datetime, settings: ConsoleSettings
) -> SignIn:
    """Check the password, count failures, lock after too many; on success open a
    session. Logged either way, in this transaction (a refusal commits too)."""
    row = s.execute(
        select(ConsoleUserRow).where(ConsoleUserRow.name == name).with_for_update()
    ).scalar()
    if row is None:
        _verify(_DUMMY, password)
        audit.record(
            s,
            now,
            name,
            "",
            audit.SIGN_IN_FAILED,
            kind="user",
            object_id=name,
            reason="unknown_user",
        )
        return SignIn(None, "bad")
    why = ""
    if row.disabled:
        why = "disabled"
    elif row.locked_until is not None and row.locked_until > now:
        why = "locked"
    elif not _verify(row.password_hash, password):
        row.failed_attempts += 1
        why = "bad_password"
        if row.failed_attempts >= settings.max_failures:
            row.locked_until, row.failed_attempts = now + settings.lockout, 0
            why = "bad_password_locked"
    if why:
        audit.record(
            s,
            now,
            row.name,
            row.role,
            audit.SIGN_IN_FAILED,
            kind="user",
            object_id=row.name,
            reason=why,
        )
        return SignIn(None, "locked" if why.endswith("locked") else "bad")
    row.failed_attempts, row.locked_until = 0, None
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    token = secrets.token_urlsafe(32)
    s.add(
        ConsoleSessionRow(
            token_hash=token_hash(token),
            user_id=row.id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
            expires_at=now + settings.lifetime,
            revoked=False,
        )
    )
    audit.record(s, now, row.name, row.role, audit.SIGN_IN, kind="user", object_id=row.name)
    return SignIn(token)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def current(s: Session, token: str | None, now: datetime, settings: ConsoleSettings) -> Who | None:
    """The user of a session cookie, or None (unknown, revoked, idle too long, expired,
    or the user disabled). Refreshes ``last_seen`` (at most once a minute)."""
    if not token:
        return None
    found = s.execute(
        select(ConsoleSessionRow, ConsoleUserRow)
        .join(ConsoleUserRow, ConsoleUserRow.id == ConsoleSessionRow.user_id)
        .where(ConsoleSessionRow.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    sess, u = found
    if sess.revoked or u.disabled or now >= sess.expires_at or now - sess.last_seen > settings.idle:
        return None
    if (now - sess.last_seen).total_seconds() > 60:
        sess.last_seen = now
    return Who(u.id, u.name, u.role, stores_of(u), sess.id, sess.csrf)


def sign_out(s: Session, who: Who, now: datetime) -> None:
    s.execute(
        update(ConsoleSessionRow).where(ConsoleSessionRow.id == who.session_id).values(revoked=True)
    )
    audit.record(s, now, who.name, who.role, audit.SIGN_OUT, kind="user", object_id=who.name)


def live_sessions(s: Session, now: datetime) -> dict[int, int]:
    """Per user id, the sessions neither revoked nor past their absolute expiry."""
    rows = s.execute(
        select(ConsoleSessionRow.user_id).where(
            ConsoleSessionRow.revoked.is_(False), ConsoleSessionRow.expires_at > now
        )
    ).scalars()
    out: dict[int, int] = {}
    for uid in rows:
        out[uid] = out.get(uid, 0) + 1
    return out
