"""Adjustments, never edits: an operator's correction of a member's coins, points,
stored value or coupons is an entry on HQ's chain, with a required reason.

An adjustment is proposed by one console user. Up to the chain's approval limits
(``LIMITS``, HQ settings ``adjust_approval_*``) it applies at once; above them it waits
``pending`` until a *second* user approves it (or refuses it). Applied, it is member
entries on ``@hq`` with ref ``adjust:<id>``, folded like any other and pulled by tills.
It is undone only by a reversal: a new adjustment whose entries are the exact counter
of the first (a coin grant whose coins were spent since cannot be reversed: the
refusal says how many are left). A CSV batch is previewed (members found, totals,
refusals) before it commits, and committing the same file twice commits it once.

Store managers adjust only members linked to their stores (``scope``,
``service.in_scope``): any other member, an imported one no till has seen included, is
"not found", as in every console read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, cast, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hq import jobs
from sync.hq import service as svc
from sync.hq.models import AdjustmentRow
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.program import CouponGift, Program

Kind = Literal["coins", "points", "growth_points", "stored_value", "coupon_grant", "coupon_revoke"]
KINDS: tuple[str, ...] = get_args(Kind)
State = Literal["pending", "applied", "refused", "reversed"]
MAX_REASON = 200
MAX_AMOUNT = 10**9  # fen, coins or points in one adjustment
MAX_COUPONS = 20
MAX_BATCH_ROWS = 5000
# Above these (absolute values), a second user approves (HQ settings override them).
LIMITS = {
    "coins": ("adjust_approval_coins", 500),
    "points": ("adjust_approval_points", 5000),
    "growth_points": ("adjust_approval_points", 5000),
    "stored_value": ("adjust_approval_fen", 50000),
    "coupon_grant": ("adjust_approval_coupons", 5),
    "coupon_revoke": ("adjust_approval_coupons", 5),
}


@dataclass(frozen=True)
class Request:
    """What an operator asks for. ``amount``: coins, points or principal fen (signed),
    or a number of coupons; ``gift_fen``: the gift part of a stored-value change."""

    member: str
    kind: str
    amount: int = 0
    reason: str = ""
    gift_fen: int = 0
    template: str = ""  # coupon_grant: the program's coupon template
    coupon_id: str = ""  # coupon_revoke


@dataclass(frozen=True)
class Adjustment:
    id: str
    member: str
    kind: str
    amount: int
    gift_fen: int
    template: str
    coupon_id: str
    reason: str
    state: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    reverses: str | None
    batch: str | None
    entries: list[dict[str, object]] = field(default_factory=list)  # as applied

    @classmethod
    def of(cls, r: AdjustmentRow) -> Adjustment:
        return cls(
            r.id,
            r.member_code,
            r.kind,
            r.amount,
            r.gift_fen,
            r.template,
            r.coupon_id,
            r.reason,
            r.state,
            r.proposed_by,
            r.proposed_at,
            r.decided_by,
            r.reverses,
            r.batch,
            json.loads(r.entries_json) if r.entries_json else [],
        )


# ----------------------------------------------------------------------------- checks


def check(req: Request) -> None:
    """Shape only: the member's balances are checked when it applies."""
    if req.kind not in KINDS:
        raise InvalidInput(
            f"no adjustment of kind {req.kind!r}", code="bad_adjustment", kind=req.kind
        )
    check_reason(req.reason)
    if not (abs(req.amount) <= MAX_AMOUNT and abs(req.gift_fen) <= MAX_AMOUNT):
        raise InvalidInput("the amount is out of bounds", code="bad_amount")
    if req.kind in ("coins", "points", "growth_points") and req.amount == 0:
        raise InvalidInput("an adjustment of 0 changes nothing", code="bad_amount")
    if req.kind == "stored_value" and req.amount == 0 and req.gift_fen == 0:
        raise InvalidInput("an adjustment of 0 changes nothing", code="bad_amount")
    if req.kind == "coupon_grant" and not (0 < req.amount <= MAX_COUPONS and req.template):
        raise InvalidInput(f"grant 1 to {MAX_COUPONS} coupons of a template", code="bad_amount")
    if req.kind == "coupon_revoke" and not req.coupon_id:
        raise InvalidInput("name the coupon to revoke", code="bad_coupon")


def check_reason(reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("an adjustment needs a reason", code="reason_required")
    if len(reason) > MAX_REASON or "\x00" in reason:
        raise InvalidInput(f"a reason is at most {MAX_REASON} characters", code="bad_reason")


def needs_approval(s: Session, req: Request) -> bool:
    limit = svc.int_setting(s, *LIMITS[req.kind])
    size = abs(req.amount) + abs(req.gift_fen) if req.kind == "stored_value" else abs(req.amount)
    return size > limit


def member_in_scope(s: Session, code: str, scope: Collection[str] | None) -> None:
    """NotFound unless the member is at HQ and (for a scoped user) linked to one of its
    stores: the console pages' rule (``service.in_scope``)."""
    if not svc.member_in_scope(s, code, scope):
        raise NotFound(f"no member {code}", code="unknown_member", member=code)


# ----------------------------------------------------------------------------- entries


def entries_for(
    req: Request, adj_id: str, state: m.MemberState, program: Program, today: date
) -> list[m.MemberEntry]:
    """The member entries of an adjustment, checked against the member's balances."""
    why = f"adjust:{adj_id}"
    if req.kind == "coins":
        if req.amount > 0:
            return [
                m.CoinLotGranted(
                    f"adj:{adj_id}", req.amount, today, lc.coin_lot_last_day(program, today), why
                )
            ]
        return _take_coins(state, -req.amount, today, why)
    if req.kind in ("points", "growth_points"):
        held = state.points if req.kind == "points" else state.growth_points
        if held + req.amount < 0:
            raise RuleViolation(
                f"the member holds {held} {req.kind.replace('_', ' ')}",
                code="insufficient_balance",
                held=held,
            )
        currency = cast(m.PointsCurrency, req.kind)
        return [m.PointsChanged(currency, req.amount, why)]
    if req.kind == "stored_value":
        principal, gift = state.principal.fen + req.amount, state.gift.fen + req.gift_fen
        if principal < 0 or gift < 0:
            raise RuleViolation(
                f"the member holds {state.principal.plain()} principal and "
                f"{state.gift.plain()} gift",
                code="insufficient_balance",
                held=(state.principal + state.gift).plain(),
            )
        return [m.StoredValueChanged(Money(req.amount), Money(req.gift_fen), why)]
    if req.kind == "coupon_grant":
        if not any(x.key == req.template for x in program.coupon_templates):
            raise InvalidInput(
                f"the program has no coupon template {req.template!r}",
                code="bad_coupon",
                template=req.template,
            )
        ids = iter(f"adj:{adj_id}:{i}" for i in range(req.amount))
        gifts = (CouponGift(req.template, req.amount),)
        return lc.grant_coupons(program, gifts, today, why, lambda: next(ids))
    c = state.coupon(req.coupon_id)
    if c is None or c.state != "unused":
        raise RuleViolation(
            f"coupon {req.coupon_id} is not an unused coupon of the member",
            code="bad_coupon",
            coupon=req.coupon_id,
        )
    return [m.CouponStateChanged(req.coupon_id, "revoked", why)]


def _take_coins(state: m.MemberState, n: int, today: date, why: str) -> list[m.MemberEntry]:
    """``n`` coins from the lots that expire first (never-expiring lots last)."""
    live = [
        x for x in state.coin_lots if x.coins > 0 and (x.last_day is None or x.last_day >= today)
    ]
    held = sum(x.coins for x in live)
    if held < n:
        raise RuleViolation(
            f"the member holds {held} coins", code="insufficient_balance", held=held
        )
    out: list[m.MemberEntry] = []
    for lot in sorted(live, key=lambda x: (x.last_day is None, x.last_day or date.max, x.id)):
        take = min(lot.coins, n)
        if take:
            out.append(m.CoinLotChanged(lot.id, -take, why))
            n -= take
    return out


def counter_entries(
    original: Sequence[m.MemberEntry], state: m.MemberState, rev_id: str, today: date
) -> list[m.MemberEntry]:
    """The exact counter of an applied adjustment's entries, or why there is none."""
    why = f"adjust:{rev_id}"
    out: list[m.MemberEntry] = []
    for e in original:
        if isinstance(e, m.CoinLotGranted):
            lot = next((x for x in state.coin_lots if x.id == e.lot_id), None)
            left = lot.coins if lot is not None else 0
            if left < e.coins:
                raise RuleViolation(
                    f"{e.coins - left} of the {e.coins} coins were spent or expired since: "
                    "adjust the rest instead",
                    code="not_reversible",
                    left=left,
                )
            out.append(m.CoinLotChanged(e.lot_id, -e.coins, why))
        elif isinstance(e, m.CoinLotChanged):
            out.append(m.CoinLotChanged(e.lot_id, -e.delta, why))
        elif isinstance(e, m.PointsChanged):
            out.append(m.PointsChanged(e.currency, -e.delta, why))
        elif isinstance(e, m.StoredValueChanged):
            if (state.principal - e.principal).fen < 0 or (state.gift - e.gift).fen < 0:
                raise RuleViolation(
                    "the stored value was spent since: adjust the rest instead",
                    code="not_reversible",
                )
            out.append(m.StoredValueChanged(-e.principal, -e.gift, why))
        elif isinstance(e, m.CouponGranted):
            held = state.coupon(e.coupon.id)
            if held is None or held.state != "unused":
                raise RuleViolation(f"coupon {e.coupon.id} was used since", code="not_reversible")
            out.append(m.CouponStateChanged(e.coupon.id, "revoked", why))
        elif isinstance(e, m.CouponStateChanged):
            held = state.coupon(e.coupon_id)
            if held is None or held.valid_through < today:
                raise RuleViolation(
                    f"coupon {e.coupon_id} has expired since", code="not_reversible"
                )
            out.append(m.CouponStateChanged(e.coupon_id, "unused", why))
    return out


# ----------------------------------------------------------------------------- service


def _program(s: Session, today: date) -> Program:
    return svc.require_program(s, today)


def propose(
    s: Session,
    req: Request,
    by: str,
    now: datetime,
    *,
    scope: Collection[str] | None = None,
    batch: str | None = None,
) -> Adjustment:
    """Record an adjustment; it applies at once unless it needs a second user."""
    check(req)
    member_in_scope(s, req.member, scope)
    today = svc.chain_today(now)
    program = _program(s, today)
    held = svc.member_state(s, req.member)
    assert held is not None  # member_in_scope found it
    # refused now if the balances refuse it now (checked again when it applies)
    entries_for(req, "check", m.fold(lc.due_entries(held, program, today), held), program, today)
    row = AdjustmentRow(
        id=str(uuid.uuid4()),
        member_code=req.member,
        kind=req.kind,
        amount=req.amount,
        gift_fen=req.gift_fen,
        template=req.template,
        coupon_id=req.coupon_id,
        reason=req.reason.strip(),
        state="pending",
        proposed_by=by,
        proposed_at=now,
        batch=batch,
    )
    s.add(row)
    if not needs_approval(s, req):
        _apply(s, row, now)
    s.flush()
    return Adjustment.of(row)


def approve(
    s: Session, adj_id: str, by: str, now: datetime, *, scope: Collection[str] | None = None
) -> Adjustment:
    row = _pending(s, adj_id, scope)
    if row.proposed_by == by:
        raise RuleViolation(
            "a second user approves an adjustment, not the one who proposed it",
            code="same_user",
        )
    row.decided_by, row.decided_at = by, now
    _apply(s, row, now)
    s.flush()
    return Adjustment.of(row)


def refuse(
    s: Session, adj_id: str, by: str, now: datetime, *, scope: Collection[str] | None = None
) -> Adjustment:
    row = _pending(s, adj_id, scope)
    row.state, row.decided_by, row.decided_at = "refused", by, now
    s.flush()
    return Adjustment.of(row)


def reverse(
    s: Session,
    adj_id: str,
    reason: str,
    by: str,
    now: datetime,
    *,
    scope: Collection[str] | None = None,
) -> Adjustment:
    """A counter-entry for an applied adjustment (itself an adjustment, applied at
    once: it restores what was there); the original is marked ``reversed``."""
    orig = _held(s, adj_id, scope)
    if orig.state != "applied":
        raise RuleViolation(
            f"adjustment {adj_id} is {orig.state}: only an applied one is reversed",
            code="not_reversible",
        )
    check_reason(reason)
    today = svc.chain_today(now)
    w = jobs.Writer(s, _program(s, today), now)
    w.book.lock([orig.member_code])
    w.expire(orig.member_code, today, jobs.now_at(now))
    rev_id = str(uuid.uuid4())
    original = [_decode(d) for d in json.loads(orig.entries_json or "[]")]
    entries = counter_entries(original, w.book.state(orig.member_code), rev_id, today)
    row = AdjustmentRow(
        id=rev_id,
        member_code=orig.member_code,
        kind=orig.kind,
        amount=-orig.amount,
        gift_fen=-orig.gift_fen,
        template=orig.template,
        coupon_id=orig.coupon_id,
        reason=reason.strip(),
        state="applied",
        proposed_by=by,
        proposed_at=now,
        decided_by=by,
        decided_at=now,
        reverses=orig.id,
        entries_json=_encode(entries),
    )
    s.add(row)
    w.write(orig.member_code, entries, jobs.now_at(now), f"adjust:{rev_id}")
    w.finish()
    orig.state = "reversed"
    s.flush()
    return Adjustment.of(row)


def listed(
    s: Session,
    *,
    member: str | None = None,
    state: str | None = None,
    limit: int = 100,
) -> list[Adjustment]:
    q = select(AdjustmentRow).order_by(AdjustmentRow.proposed_at.desc(), AdjustmentRow.id)
    if member is not None:
        q = q.where(AdjustmentRow.member_code == member)
    if state is not None:
        q = q.where(AdjustmentRow.state == state)
    return [Adjustment.of(r) for r in s.execute(q.limit(limit)).scalars()]


def _apply(s: Session, row: AdjustmentRow, now: datetime) -> None:
    today = svc.chain_today(now)
    w = jobs.Writer(s, _program(s, today), now)
    w.book.lock([row.member_code])
    at = jobs.now_at(now)
    w.expire(row.member_code, today, at)  # balances as of today, as a till sees them
    req = Request(
        row.member_code, row.kind, row.amount, row.reason, row.gift_fen, row.template, row.coupon_id
    )
    entries = entries_for(req, row.id, w.book.state(row.member_code), w.program, today)
    w.write(row.member_code, entries, at, f"adjust:{row.id}")
    w.finish()
    row.state, row.applied_at, row.entries_json = "applied", now, _encode(entries)


def _held(s: Session, adj_id: str, scope: Collection[str] | None) -> AdjustmentRow:
    row = s.get(AdjustmentRow, adj_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no adjustment {adj_id}", code="unknown_adjustment")
    member_in_scope(s, row.member_code, scope)
    return row


def _pending(s: Session, adj_id: str, scope: Collection[str] | None) -> AdjustmentRow:
    row = _held(s, adj_id, scope)
    if row.state != "pending":
        raise RuleViolation(f"adjustment {adj_id} is {row.state}", code="not_pending")
    return row


def _encode(entries: Iterable[m.MemberEntry]) -> str:
    from terminal import codec

    return json.dumps([codec.encode_entry(e) for e in entries], ensure_ascii=False)


def _decode(d: dict[str, object]) -> m.MemberEntry:
    from terminal import codec

    return codec.decode_entry(d)


# ----------------------------------------------------------------------------- batches

CSV_COLUMNS = ("member", "kind", "amount", "reason")  # then optional gift_fen, template


@dataclass
class Preview:
    batch: str  # the file's SHA-256: committing it twice commits it once
    rows: list[Request]
    refusals: list[tuple[int, str]]  # (CSV line, why)
    totals: dict[str, int]  # kind -> sum of amounts (stored value: principal + gift fen)
    members: int
    committed: bool  # this file was committed before

    @property
    def ok(self) -> bool:
        return not self.refusals and bool(self.rows)


def preview_csv(
    s: Session, text: str, now: datetime, *, scope: Collection[str] | None = None
) -> Preview:
    """Read a batch (``member,kind,amount,reason[,gift_fen,template]``), check every row
    against the member's balances as they are, and write nothing."""
    batch = hashlib.sha256(text.encode("utf-8")).hexdigest()
    rows: list[Request] = []
    refusals: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text))
    today = svc.chain_today(now)
    program = _program(s, today)
    states: dict[str, m.MemberState] = {}
    for line, cols in enumerate(reader, start=1):
        if not cols or (line == 1 and cols[0].strip().lower() == "member"):
            continue
        if len(rows) + len(refusals) >= MAX_BATCH_ROWS:
            refusals.append((line, f"a batch holds at most {MAX_BATCH_ROWS} rows"))
            break
        try:
            req = _row(cols)
            check(req)
            member_in_scope(s, req.member, scope)
            if req.member not in states:
                held = svc.member_state(s, req.member)
                assert held is not None  # member_in_scope found it
                states[req.member] = m.fold(lc.due_entries(held, program, today), held)
            # rows for one member add up: each is checked after the ones before it
            got = entries_for(req, f"preview-{line}", states[req.member], program, today)
            states[req.member] = m.fold(got, states[req.member])
        except (InvalidInput, NotFound, RuleViolation) as e:
            refusals.append((line, e.message))
            continue
        rows.append(req)
    totals: dict[str, int] = {}
    for r in rows:
        totals[r.kind] = totals.get(r.kind, 0) + r.amount + r.gift_fen
    done = s.execute(select(AdjustmentRow.id).where(AdjustmentRow.batch == batch).limit(1))
    return Preview(
        batch, rows, refusals, totals, len({r.member for r in rows}), done.first() is not None
    )


def commit_csv(
    s: Session, text: str, by: str, now: datetime, *, scope: Collection[str] | None = None
) -> tuple[Preview, list[Adjustment]]:
    """Commit a previewed batch whole: nothing if any row is refused, nothing again
    if this file was committed before."""
    pv = preview_csv(s, text, now, scope=scope)
    if pv.committed:
        return pv, []
    if not pv.ok:
        raise InvalidInput(
            f"the batch has {len(pv.refusals)} refused rows: correct them and preview again",
            code="batch_refused",
            refused=len(pv.refusals),
        )
    return pv, [propose(s, r, by, now, scope=scope, batch=pv.batch) for r in pv.rows]


def _row(cols: list[str]) -> Request:
    cols = [c.strip() for c in cols] + ["", ""]
    member, kind, amount, reason, gift, template = cols[:6]
    try:
        n = int(amount) if kind != "stored_value" else Money.parse(amount).fen
        g = Money.parse(gift).fen if gift and kind == "stored_value" else 0
    except (ValueError, ArithmeticError):
        raise InvalidInput(f"amount {amount!r} is not a number", code="bad_amount") from None
    return Request(member, kind, n, reason, g, template)
