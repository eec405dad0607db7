"""The till's half of sync, over its SQLite store: identity, the outbox, applying pulls.

The ledger is the outbox: a sale's rows commit with the sale, and a push sends the
rows after HQ's checkpoint. A pull replaces a member's cached state by HQ's
authoritative one, rebased onto the till's own entries HQ had not applied yet, and
keeps it in ``hq_states`` with the ledger position it took effect at, so
``pos-terminal verify`` still explains every cached balance (the member's fold
restarts there). HQ's states are not ledger rows: they would go back to HQ with the
outbox, one echo per till for every change anywhere in the chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sync import protocol as p
from terminal import codec, phone_keys
from terminal.app import staff as st
from terminal.app.rebuild_tables import rebuild
from terminal.errors import ProgramFileError
from terminal.money import Money
from terminal.rules import member as m
from terminal.rules.catalog import Product
from terminal.rules.program_loader import parse_program_text
from terminal.store import members as repo
from terminal.store import products
from terminal.store.db import cursor_of, write_session
from terminal.store.ledger import GENESIS
from terminal.store.ledger_key import mac_of
from terminal.store.schema import HqStateRow, LedgerRow, ProgramVersionRow, Setting, StaffRow

log = logging.getLogger(__name__)
EXPIRY_REF = "expiry"  # the ref of the expiry entries the counter records (terminal.app.desk)
CURSOR = "hq_cursor"  # the pull cursor, advanced with each applied page
CHECKPOINT = "hq_checkpoint"  # the last seq HQ acknowledged (informative: HQ's is the truth)
LAST_SYNC = "hq_last_sync"
STAFF_WHOLE = "hq_staff_whole"  # HQ has sent this store's whole staff list once


class IdentityError(Exception):
    """The store belongs to another terminal than the token's."""


def settings(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as s:
        return {r.key: r.value for r in s.execute(select(Setting)).scalars()}


def put_settings(s: Session, **values: str) -> None:
    for k, v in values.items():
        s.merge(Setting(key=k, value=v))


def provision(sessions: sessionmaker[Session], who: p.WhoAmI) -> None:
    """A new till takes the identity its token is bound to; a store that already is
    another terminal refuses the token."""
    held = settings(sessions).get("terminal_id")
    if held is None:
        with write_session(sessions) as s:
            put_settings(s, terminal_id=who.terminal_id, store=who.store_id)
    elif held != who.terminal_id:
        raise IdentityError(f"this store is terminal {held}; the token is for {who.terminal_id}")


def head(sessions: sessionmaker[Session]) -> tuple[int, str]:
    with sessions() as s:
        row = s.execute(select(LedgerRow).order_by(LedgerRow.seq.desc()).limit(1)).scalar()
        return (row.seq, row.hash) if row else (0, GENESIS)


def hash_at(sessions: sessionmaker[Session], seq: int) -> str | None:
    with sessions() as s:
        row = s.get(LedgerRow, seq)
        return row.hash if row else None


_FIELDS = tuple(p.Entry.model_fields)
_OUTBOX = f"SELECT {', '.join(_FIELDS)} FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?"


def outbox(sessions: sessionmaker[Session], after: int, limit: int) -> list[p.Entry]:
    """The ledger rows after ``after`` (HQ's checkpoint), oldest first: read on the
    DBAPI cursor, not as ORM or Core rows (a push reads a thousand; the till's CPU is
    the cashier's)."""
    with sessions() as s:
        rows = cursor_of(s).execute(_OUTBOX, (after, limit)).fetchall()
    return [p.Entry.model_validate(dict(zip(_FIELDS, r, strict=True))) for r in rows]


def restore(sessions: sessionmaker[Session], entries: list[p.Entry]) -> None:
    """Put HQ's copy of this till's ledger rows back, as they were (a till that lost
    its disk starts again where HQ's checkpoint is, not at seq 1), and the sales,
    shifts, cards... they explain (``terminal.app.rebuild_tables``)."""
    with write_session(sessions) as s:
        count = s.execute(select(func.count()).select_from(LedgerRow)).scalar() or 0
        first = entries[0].seq if entries else 1
        if count + 1 != first:
            raise IdentityError(f"cannot restore entry #{first} onto {count} ledger rows")
        mac = mac_of(cursor_of(s).connection)  # this till's key, as every row's
        for e in entries:
            s.add(LedgerRow(**e.model_dump(), mac=mac(e.hash)))
        rebuild(s, entries)  # the tables the ledger explains, in the same transaction


def save_checkpoint(sessions: sessionmaker[Session], seq: int) -> None:
    with write_session(sessions) as s:
        put_settings(s, **{CHECKPOINT: str(seq)})


@dataclass
class Applied:
    members: int = 0  # member states received
    rebased: int = 0  # of which differed from the till's cache (an ``hq_states`` row each)
    products: int = 0
    program: bool = False
    staff: int = 0  # staff members HQ sent (``hold_staff``)


def apply_pull(
    sessions: sessionmaker[Session],
    page: p.PullResult,
    now: datetime,
) -> Applied:
    """Apply one pulled page and advance the cursor, in one local transaction (a page
    is small, so a sale waiting on the store's write lock waits briefly)."""
    out = Applied(members=len(page.members), products=len(page.products), staff=len(page.staff))
    with write_session(sessions) as s:
        products.upsert(s, [_product(d) for d in page.products])
        hold_staff(s, page.staff)
        if page.staff_all:
            put_settings(s, **{STAFF_WHOLE: "1"})
        if page.program is not None:
            put_settings(s, program=page.program.id, program_toml=page.program.toml)
            out.program = True
        out.program = hold_versions(s, page.programs, now) or out.program
        put_settings(s, **{k: v for k, v in page.settings.items() if k in p.SHARED_SETTINGS})
        if page.phone_secret:  # what the members' phone keys are made with
            if s.get(Setting, phone_keys.SECRET) is None:  # phones pulled before masking
                repo.mask_pulled_phones(cursor_of(s).connection, page.phone_secret)
            put_settings(s, **{phone_keys.SECRET: page.phone_secret})
        head = s.execute(select(func.max(LedgerRow.seq))).scalar() or 0  # where they apply
        for d in page.members:
            state = rebase(s, codec.decode(m.MemberState, d.state), d.code, page.through)
            if repo.cached(s, d.code) == state:
                continue
            row = HqStateRow(
                code=d.code,
                state_json=codec.dumps(state),
                at_seq=head,
                through=page.through,
                cursor=page.cursor,
                received_at=now.isoformat(),
            )
            row.mac = repo.hq_state_mac(s, row)  # the counter checks it (store migration 0005)
            s.merge(row)
            repo.save(s, state, None, phone_key=d.phone_key or None)
            out.rebased += 1
        put_settings(s, **{CURSOR: str(page.cursor)})
    return out


def hold_versions(s: Session, versions: list[p.ProgramDelta], now: datetime) -> bool:
    """Keep the program versions HQ sent (``terminal.app.programs`` runs the one in
    effect). A version that does not parse here is not kept: the till runs the one
    before it, and says so in its log (a newer HQ's file format, say)."""
    kept = False
    for d in versions:
        if d.version <= 0 or s.get(ProgramVersionRow, d.version) is not None:
            continue  # a version is never edited: one held is the one HQ published
        try:
            parse_program_text(d.toml, f"{d.id}.toml")
        except ProgramFileError as e:
            log.error("program version %s from HQ does not parse here: %s", d.version, e)
            continue
        s.add(
            ProgramVersionRow(
                version=d.version,
                program_id=d.id,
                toml=d.toml,
                sha256=hashlib.sha256(d.toml.encode("utf-8")).hexdigest(),
                effective_from=d.effective_from.isoformat() if d.effective_from else "",
                received_at=now.isoformat(),
            )
        )
        kept = True
    return kept


def hold_staff(s: Session, staff: list[p.StaffDelta]) -> None:
    """HQ's staff of this store as HQ has them (name, role, PIN hash, disabled), marked
    HQ's: ``pos-terminal staff`` then refuses to change them. A row the till had under
    the same id becomes HQ's. The lockout counters stay the till's own: a pull neither
    clears a lockout nor forgives wrong PINs typed here (a new PIN from HQ neither:
    the lockout is minutes long, and a pull must not be a way around it)."""
    for d in staff:
        row = s.get(StaffRow, d.id)
        if row is None:
            row = StaffRow(id=d.id, failed=0, locked_until=None)
            s.add(row)
        row.name, row.role, row.pin_hash = d.name, d.role, d.pin_hash
        row.disabled, row.managed = d.disabled, st.HQ


def rebase(s: Session, hq: m.MemberState, code: str, through: int) -> m.MemberState:
    """HQ's state plus this till's member entries HQ had not applied (seq > through).
    Expiry entries are left out as HQ leaves them out: HQ derives expiries itself, and
    the counter records them again when the member is next served."""
    rows = s.execute(
        select(LedgerRow.payload)
        .where(
            LedgerRow.member_code == code,
            LedgerRow.kind == "member",
            LedgerRow.seq > through,
            LedgerRow.ref != EXPIRY_REF,
        )
        .order_by(LedgerRow.seq)
    ).scalars()
    return m.fold((codec.decode_entry(json.loads(t)) for t in rows), hq)


def _product(d: p.ProductDelta) -> Product:
    return Product(
        d.code,
        d.name,
        d.category,
        Money(d.price_fen),
        Money(d.member_price_fen) if d.member_price_fen is not None else None,
        "kg" if d.unit == "kg" else "piece",
        d.plu,
    )
