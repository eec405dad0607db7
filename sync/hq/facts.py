"""What the month-end jobs read instead of every payload and every member's fold.

Two kinds of derived data, each written in the same transaction as what it derives
from, so they never disagree with HQ's entries:

* **Sale facts** (``sales``, ``SaleFactRow``): one row per member sale, written when
  the sale entry is stored (a till's push, ``service._apply``; or HQ's own chains,
  ``service.Chain.append``). Monthly bonuses and RFM become range scans over it.
* **Derived member columns** (``members.registered``, ``last_purchase``,
  ``next_due``, ``due_key``, ``name_key``): computed from the member's state whenever
  HQ writes its cached fold (``service.Book.write``, ``after_push``). ``next_due`` is
  the first day on which ``lifecycle.due_entries`` returns anything for the state under
  the program whose key (``program_key``) is ``due_key``; the expiry job visits only
  members with ``next_due <= day`` and those whose ``due_key`` is not the current
  program's. ``name_key`` is what the console's member search finds a name by.

HQ writes members with Core statements (``service.Book``), setting the derived columns
in the same statement. An ORM write of ``MemberRow`` (a script, a test) does not derive:
a flush hook sets its ``due_key`` to NULL, "not derived", and every job then reads that
member's state itself (the hook derives ``name_key``, cheap, as the search reads no
state). So the derived columns are exact or marked unknown, never stale.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import Mapper, Session, attributes

from sync.hq import db
from sync.hq.models import CouponUseRow, EntryRow, MemberRow, SaleFactRow
from terminal import codec
from terminal.calendar import valid_through
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.program import Program
from terminal.rules.program_loader import SPEND_EXCLUDES

if TYPE_CHECKING:  # service imports this module
    from sync import protocol as p
    from sync.hq.service import Book

# Tenders that are not spend when HQ holds no program yet: the loader's default for
# ``spend_excludes_tenders`` (a program's own setting wins: ``Program.tier_spend_excludes``).
NOT_SPEND = SPEND_EXCLUDES
_BIGINT = 2**63 - 1  # what the sales table's spend column holds
NEVER = date.max  # sorts after every day: "nothing is ever due" in comparisons
_SALES = cast(Table, SaleFactRow.__table__)
# A sale whose payload names no member as a JSON string cannot be a member sale: the
# common walk-in sale is told without parsing its payload.
_MEMBER_CODE = re.compile(r'"member_code"\s*:\s*"')


# ----------------------------------------------------------------------------- sale facts


def spend_of(record: dict[str, Any], excludes: Collection[str] = NOT_SPEND) -> int:
    """What a sale record paid, less the tenders that are not spend (fen): the same
    tenders the till leaves out of tier spend (§1.5 monthly spend counts what tiers do)."""
    return sum(int(t["amount"]) for t in record.get("tenders") or () if t["kind"] not in excludes)


def not_spend(program: Program | None) -> tuple[str, ...]:
    return program.tier_spend_excludes if program is not None else NOT_SPEND


def sale_fact(
    entry_id: str, at: str, payload: str, store_id: str, excludes: Collection[str] = NOT_SPEND
) -> dict[str, Any] | None:
    """The ``sales`` row of a ``sale`` entry, or None when it is not a readable member
    sale (no member, an unreadable payload or time: the jobs could not count it)."""
    if not _MEMBER_CODE.search(payload):
        return None
    try:
        datetime.fromisoformat(at)
        data = json.loads(payload)
        rec = data.get("record") if isinstance(data, dict) else None
        if not isinstance(rec, dict):
            return None
        code = rec.get("member_code")
        if not isinstance(code, str) or not code or len(code) > 32:
            return None
        spend = spend_of(rec, excludes)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None
    if not -_BIGINT <= spend <= _BIGINT:  # no till pays that: not a sale the jobs can count
        return None
    return {
        "entry_id": entry_id,
        "member_code": code,
        "at": at,
        "spend_fen": spend,
        "store_id": store_id,
    }


def appended(s: Session, row: EntryRow) -> None:
    """``Chain.append``'s hook: a sale on an HQ chain gets its fact too."""
    if row.kind == "sale":
        record_sales(s, [sale_fact(row.id, row.at, row.payload, row.store_id)])


def record_sales(s: Session, facts: Iterable[dict[str, Any] | None]) -> int:
    names = [c.name for c in _SALES.columns]
    rows = [tuple(f[n] for n in names) for f in facts if f is not None]
    db.copy_in(s, _SALES, rows)
    return len(rows)


# ----------------------------------------------------------------------------- next due


_KEYS: dict[int, tuple[Program, str]] = {}


def program_key(program: Program) -> str:
    """16 hex digits naming the program's content: derived ``next_due`` values are only
    trusted under the program they were computed with."""
    held = _KEYS.get(id(program))
    if held is not None and held[0] is program:
        return held[1]
    text = json.dumps(codec.encode(program), sort_keys=True, separators=(",", ":"), default=repr)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    if len(_KEYS) > 64:
        _KEYS.clear()  # programs are few; loaded again and again only in tests
    _KEYS[id(program)] = (program, key)
    return key


def _after(day: date) -> date:
    """The day after ``day`` (``NEVER`` stays ``NEVER``)."""
    return day + timedelta(days=1) if day < NEVER else NEVER


def next_due(state: m.MemberState, program: Program) -> date | None:
    """The first day on which ``lifecycle.due_entries(state, program, day)`` is not
    empty; None when no day is (until the state changes).

    Exact, because (1) each step of ``due_entries`` is monotone in the day: once it
    returns something on a day it does on every later day (each compares the day with
    a fixed date of the state: ``day > last_day``, ``day >= year_start + 12 months``, a
    later year); and (2) ``due_entries`` returns something iff one of its steps does on
    the unchanged state: the first step that returns something sees the state as it
    was, since the steps before it returned nothing. So the answer is the earliest of
    each step's first day, computed below in ``due_entries``' order."""
    days: list[date] = []
    ladder = program.ladder_for(state.group)
    # _tier_expiry: on the day after valid-through
    if ladder.movement == "expiry" and state.tier_valid_through is not None:
        days.append(_after(state.tier_valid_through))
    # _lot_expiry: a lot with coins left, the day after its last day
    days += [
        _after(lot.last_day)
        for lot in state.coin_lots
        if lot.coins > 0 and lot.last_day is not None
    ]
    # _year_end_clear: 1 January after the earliest grant year not yet cleared
    if program.coin_expiry == "year_end_clear_percent":
        years = [
            lot.granted.year
            for lot in state.coin_lots
            if lot.granted.year not in state.cleared_years
        ]
        if years and min(years) < NEVER.year:
            days.append(date(min(years) + 1, 1, 1))
    # _coupon_expiry: an unused coupon, the day after its valid-through
    days += [_after(c.valid_through) for c in state.coupons if c.state == "unused"]
    # _points_year_expiry: the membership year's anniversary
    if (end := lc.points_expiry_day(program, state.points_year_start)) is not None:
        days.append(end)
    # _spend_roll: a sale day's spend, the day after its 12 months
    days += [
        _after(valid_through(day, 12)) if day.year < NEVER.year else NEVER
        for day, _ in state.spend_days
    ]
    # _follow_tier: the tier follows a basis that is already below it: due any day
    if ladder.movement == "follow":
        level = ladder.tier_for(state.basis_value(ladder.basis))
        if ladder.rank(level.id if level else None) < ladder.rank(state.tier):
            return date.min
    first = min(days, default=NEVER)
    return None if first >= NEVER else first


# ----------------------------------------------------------------------------- members


NAME_KEY_LEN = 64  # ``members.name_key``'s width: a longer name is searched by its start


def name_key(name: str) -> str | None:
    """What the console's name search matches the start of (``members.name_key``): the
    name NFKC-normalised (full-width letters as ASCII), case-folded, without spaces,
    so "王小明", "Li Lei" and "ＬＩＬＥＩ" are found as typed; None: no name."""
    key = "".join(unicodedata.normalize("NFKC", name).casefold().split())
    return key[:NAME_KEY_LEN] or None


def derived(state: m.MemberState, program: Program | None) -> dict[str, Any]:
    """The derived columns of a member row holding ``state``."""
    seen = {
        "registered": state.registered,
        "last_purchase": state.last_purchase,
        "tier": state.tier,
        "birthday_month": state.birthday.month if state.birthday else None,
        "name_key": name_key(state.name),
    }
    if program is None:  # no program yet: nothing can be said about expiries
        return {**seen, "next_due": None, "due_key": None}
    return {**seen, "next_due": next_due(state, program), "due_key": program_key(program)}


# ----------------------------------------------------------------------------- campaign coupons

CAMPAIGN_COUPON = re.compile(r'"cmp:')  # a sale that used no campaign coupon is not parsed


def coupon_uses(entry_id: str, at: str, payload: str, store_id: str) -> list[dict[str, Any]]:
    """The ``coupon_uses`` rows of a sale entry: each campaign coupon it used
    (``sync.hq.campaigns``), with the value it took off and what the sale paid."""
    if not CAMPAIGN_COUPON.search(payload):
        return []
    try:
        rec = json.loads(payload)["record"]
        spend = sum(int(t["amount"]) for t in rec.get("tenders", ()))
        out = []
        for cid, off in rec.get("coupons", ()):
            if isinstance(cid, str) and cid.startswith("cmp:") and cid.count(":") >= 3:
                out.append(
                    {
                        "entry_id": entry_id,
                        "coupon_id": cid[:64],
                        "campaign_id": cid.split(":")[1],
                        "member_code": str(rec.get("member_code") or "")[:32],
                        "store_id": store_id,
                        "at": at,
                        "off_fen": int(off),
                        "spend_fen": spend,
                    }
                )
        return out
    except (ValueError, TypeError, KeyError, AttributeError):
        return []


def after_push(
    s: Session,
    book: Book,
    program: Program | None,
    store_id: str,
    accepted: Iterable[tuple[p.Entry, object]],
) -> list[tuple[str, str]]:
    """``service._apply``'s last step before ``bump``: the members written with their
    derived columns, and a fact for each member sale of the batch."""
    accepted = list(accepted)
    for e, _ in accepted:  # the reports' receipts and amounts (``sync.hq.aggregates``)
        book.tally.record(e.at, store_id, e.kind, e.payload)
    keys = book.write(program)
    excludes = not_spend(program)
    sales = [e for e, _ in accepted if e.kind == "sale"]
    record_sales(s, (sale_fact(e.id, e.at, e.payload, store_id, excludes) for e in sales))
    uses = [u for e in sales for u in coupon_uses(e.id, e.at, e.payload, store_id)]
    if uses:
        s.execute(insert(CouponUseRow), uses)
    return keys


def name_key_of(state_json: str) -> str | None:
    """``name_key`` of a member's state as stored (migration 0016's backfill too)."""
    try:
        name = json.loads(state_json).get("name")
    except (ValueError, AttributeError):
        return None
    return name_key(name) if isinstance(name, str) else None


# The name key is the search's only way to a member: an ORM write derives it too.
@event.listens_for(MemberRow, "before_insert")
def _insert_hook(_: Mapper[MemberRow], __: Any, target: MemberRow) -> None:
    target.due_key = None
    target.name_key = name_key_of(target.state_json)


@event.listens_for(MemberRow, "before_update")
def _update_hook(_: Mapper[MemberRow], __: Any, target: MemberRow) -> None:
    if attributes.get_history(target, "state_json").has_changes():
        target.due_key = None
        target.name_key = name_key_of(target.state_json)
