"""Coupon campaigns: coupons for a segment of members, counted before they are issued.

A campaign names a segment (any of tier, RFM segment, store, registered since, last
purchase before/after, birthday month), a coupon template of the program, how many
per member, a validity and a budget (coupons and face value). ``preview`` counts the
members and the coupons' total face value and writes nothing; ``issue`` resolves the
segment once (``campaign_members``: a campaign is reproducible, its members are the
ones it was issued to), refuses to exceed the budget, and grants the coupons as
entries on HQ's chain, which tills pull. Coupon ids are the campaign's, the member's
and a number, so issuing twice issues once (a member who already holds them is
skipped). Redemptions are counted as tills push the sales that use them
(``coupon_uses``, ``facts.after_push``): per campaign and store, the coupons used, the
value they took off, and those sales' spend.

RFM segments are the monthly job's (``jobs.rfm`` keeps each member's in
``members.rfm_segment``); a member the job has not segmented yet matches no RFM filter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from sync.hq import jobs
from sync.hq import service as svc
from sync.hq.models import (
    CampaignMemberRow,
    CampaignRow,
    CouponUseRow,
    MemberRow,
    MemberStoreRow,
)
from terminal import codec
from terminal.calendar import valid_through
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import Money
from terminal.rules import member as m
from terminal.rules.coupons import Coupon
from terminal.rules.program import Program

# Travels in coupon ids (``cmp:<id>:<member>:<n>``), kept whole in 64 characters with a
# member code of up to 32 and n of 2 digits: so at most 24, plain.
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")
MAX_PER_MEMBER = 10
MAX_VALID_DAYS = 366
CHUNK = 500  # members per transaction step when issuing (one lock batch)


@dataclass(frozen=True)
class Segment:
    tiers: tuple[str, ...] = ()
    rfm: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    registered_since: date | None = None
    last_purchase_before: date | None = None
    last_purchase_after: date | None = None
    birthday_month: int | None = None

    def to_json(self) -> str:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, date):
                d[k] = v.isoformat()
            elif isinstance(v, tuple):
                d[k] = list(v)
        return json.dumps(d, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Segment:
        d: dict[str, Any] = json.loads(text)
        days = ("registered_since", "last_purchase_before", "last_purchase_after")
        return cls(
            tiers=tuple(d.get("tiers", ())),
            rfm=tuple(d.get("rfm", ())),
            stores=tuple(d.get("stores", ())),
            birthday_month=d.get("birthday_month"),
            **{k: date.fromisoformat(d[k]) if d.get(k) else None for k in days},
        )


@dataclass(frozen=True)
class Plan:
    """A campaign as an operator sets it up."""

    id: str
    name: str
    segment: Segment
    template: str
    per_member: int = 1
    valid_days: int = 30
    budget_coupons: int = 0  # 0: no budget
    budget_fen: int = 0


@dataclass
class Preview:
    members: int
    coupons: int
    face_fen: int
    over_budget: str = ""  # why it exceeds the budget ("" when it fits)


@dataclass
class Stats:
    """Per store (and "" for all): coupons used, value taken off, those sales' spend."""

    issued_members: int
    issued_coupons: int
    by_store: dict[str, dict[str, int]] = field(default_factory=dict)


def check(plan: Plan, program: Program, scope: Collection[str] | None) -> None:
    if not ID.match(plan.id):
        raise InvalidInput(
            "a campaign id is 1-24 lower-case letters, digits, - or _", code="bad_campaign"
        )
    if not plan.name.strip() or len(plan.name) > 100 or "\x00" in plan.name:
        raise InvalidInput("a campaign needs a name (up to 100 characters)", code="bad_campaign")
    if not any(t.key == plan.template for t in program.coupon_templates):
        raise InvalidInput(
            f"the program has no coupon template {plan.template!r}",
            code="bad_coupon",
            template=plan.template,
        )
    if not 0 < plan.per_member <= MAX_PER_MEMBER:
        raise InvalidInput(f"1 to {MAX_PER_MEMBER} coupons per member", code="bad_campaign")
    if not 0 < plan.valid_days <= MAX_VALID_DAYS:
        raise InvalidInput(f"valid 1 to {MAX_VALID_DAYS} days", code="bad_campaign")
    if plan.budget_coupons < 0 or plan.budget_fen < 0:
        raise InvalidInput("a budget is not negative", code="bad_campaign")
    bm = plan.segment.birthday_month
    if bm is not None and not 1 <= bm <= 12:
        raise InvalidInput("a birthday month is 1 to 12", code="bad_campaign")
    if scope is not None and not (plan.segment.stores and set(plan.segment.stores) <= set(scope)):
        # a store manager's campaign is for their stores' members only
        raise RuleViolation("a store manager's campaign names their stores", code="out_of_scope")


def _filtered(seg: Segment, derived: bool) -> Select[Any]:
    """Members the segment's SQL filters keep: with ``derived``, every filter on the
    derived columns; without, only those that do not come from the state (the rows an
    ORM write left "not derived", ``facts``)."""
    mr = MemberRow
    q = cast(Select[Any], select(mr.code, mr.state_json if not derived else mr.code)).where(
        mr.blocked.is_(False),  # blocked cards never get coupons
        mr.due_key.is_not(None) if derived else mr.due_key.is_(None),
    )
    if seg.rfm:
        q = q.where(mr.rfm_segment.in_(seg.rfm))
    if seg.stores:
        ms = MemberStoreRow
        q = q.where(exists().where(and_(ms.member_code == mr.code, ms.store_id.in_(seg.stores))))
    if not derived:
        return q
    if seg.tiers:
        q = q.where(mr.tier.in_(seg.tiers))
    if seg.registered_since is not None:
        q = q.where(mr.registered >= seg.registered_since)
    if seg.last_purchase_before is not None:
        q = q.where(or_(mr.last_purchase < seg.last_purchase_before, mr.last_purchase.is_(None)))
    if seg.last_purchase_after is not None:
        q = q.where(mr.last_purchase > seg.last_purchase_after)
    if seg.birthday_month is not None:
        q = q.where(mr.birthday_month == seg.birthday_month)
    return q


def _matches(seg: Segment, st: m.MemberState) -> bool:
    lp = st.last_purchase
    return (
        (not seg.tiers or st.tier in seg.tiers)
        and (seg.registered_since is None or (st.registered or date.min) >= seg.registered_since)
        and (seg.last_purchase_before is None or lp is None or lp < seg.last_purchase_before)
        and (seg.last_purchase_after is None or (lp is not None and lp > seg.last_purchase_after))
        and (
            seg.birthday_month is None or (st.birthday and st.birthday.month) == seg.birthday_month
        )
    )


def resolve(s: Session, seg: Segment) -> list[str]:
    """The segment's member codes, in code order."""
    codes = [str(c) for c, _ in s.execute(_filtered(seg, derived=True))]
    for code, text in s.execute(_filtered(seg, derived=False)):
        if _matches(seg, codec.loads(m.MemberState, text)):
            codes.append(str(code))
    return sorted(codes)


def _program(s: Session, now: datetime) -> Program:
    return svc.require_program(s, svc.chain_today(now))


def preview(
    s: Session, plan: Plan, now: datetime, *, scope: Collection[str] | None = None
) -> Preview:
    """Members, coupons and face value the plan would issue; writes nothing."""
    program = _program(s, now)
    check(plan, program, scope)
    return _preview(len(resolve(s, plan.segment)), plan, program)


def _preview(n: int, plan: Plan, program: Program) -> Preview:
    off = program.template(plan.template).off.fen
    coupons = n * plan.per_member
    pv = Preview(n, coupons, coupons * off)
    if plan.budget_coupons and coupons > plan.budget_coupons:
        pv.over_budget = f"{coupons} coupons exceed the budget of {plan.budget_coupons}"
    elif plan.budget_fen and pv.face_fen > plan.budget_fen:
        pv.over_budget = (
            f"face value {Money(pv.face_fen).plain()} exceeds the budget of "
            f"{Money(plan.budget_fen).plain()}"
        )
    return pv


def issue(
    s: Session,
    plan: Plan,
    by: str,
    now: datetime,
    *,
    scope: Collection[str] | None = None,
    expected: int | None = None,
) -> Preview:
    """Issue the campaign (once: a second call with the same id issues nothing new).
    ``expected``: the member count the operator confirmed; a segment that has changed
    since the preview is refused, to be previewed again."""
    program = _program(s, now)
    check(plan, program, scope)
    held = s.get(CampaignRow, plan.id, with_for_update=True)
    if held is not None:
        if held.template != plan.template or held.segment_json != plan.segment.to_json():
            raise RuleViolation(
                f"campaign {plan.id} was issued with another segment or coupon",
                code="campaign_exists",
            )
        codes = list(
            s.execute(
                select(CampaignMemberRow.member_code)
                .where(CampaignMemberRow.campaign_id == plan.id)
                .order_by(CampaignMemberRow.member_code)
            ).scalars()
        )
    else:
        codes = resolve(s, plan.segment)
        if expected is not None and expected != len(codes):
            raise RuleViolation(
                f"the segment now holds {len(codes)} members, not the {expected} confirmed: "
                "preview it again",
                code="segment_changed",
                members=len(codes),
            )
        pv = _preview(len(codes), plan, program)
        if pv.over_budget:
            raise RuleViolation(pv.over_budget, code="over_budget")
        held = CampaignRow(
            id=plan.id,
            name=plan.name.strip(),
            template=plan.template,
            per_member=plan.per_member,
            valid_days=plan.valid_days,
            budget_coupons=plan.budget_coupons,
            budget_fen=plan.budget_fen,
            segment_json=plan.segment.to_json(),
            created_by=by,
            created_at=now,
            members=len(codes),
            coupons=len(codes) * plan.per_member,
        )
        s.add(held)
        s.add_all(CampaignMemberRow(campaign_id=plan.id, member_code=c) for c in codes)
        s.flush()
    _grant(s, held, codes, program, now)
    return _preview(len(codes), plan, program)


def _grant(
    s: Session, c: CampaignRow, codes: Sequence[str], program: Program, now: datetime
) -> None:
    today = svc.chain_today(now)
    t = program.template(c.template)
    last = min(valid_through(today, 12), date.fromordinal(today.toordinal() + c.valid_days - 1))
    at = jobs.now_at(now)
    for part in _parts(codes, CHUNK):
        w = jobs.Writer(s, program, now)
        w.book.lock(part)
        for code in part:
            state = w.book.state(code)
            held = {cp.id for cp in state.coupons}
            new = [
                m.CouponGranted(
                    Coupon(
                        cid,
                        t.name,
                        t.threshold,
                        t.off,
                        last,
                        today,
                        t.categories,
                        "unused",
                        f"campaign:{c.id}",
                    )
                )
                for cid in (f"cmp:{c.id}:{code}:{i}" for i in range(c.per_member))
                if cid not in held
            ]
            if new:
                w.write(code, new, at, f"campaign:{c.id}")
        w.finish()


def _parts(items: Sequence[str], n: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def stats(s: Session, campaign_id: str, *, scope: Collection[str] | None = None) -> Stats:
    c = s.get(CampaignRow, campaign_id)
    if c is None:
        raise NotFound(f"no campaign {campaign_id}", code="unknown_campaign")
    u = CouponUseRow
    q = (
        select(u.store_id, func.count(), func.sum(u.off_fen), func.sum(u.spend_fen))
        .where(u.campaign_id == campaign_id)
        .group_by(u.store_id)
    )
    if scope is not None:
        q = q.where(u.store_id.in_(scope))
    out = Stats(c.members, c.coupons)
    total = {"used": 0, "off_fen": 0, "spend_fen": 0}
    for store, n, off, spend in s.execute(q):
        out.by_store[store] = {
            "used": int(n),
            "off_fen": int(off or 0),
            "spend_fen": int(spend or 0),
        }
        for k, v in out.by_store[store].items():
            total[k] += v
    out.by_store[""] = total
    return out


def listed(s: Session) -> list[CampaignRow]:
    return list(s.execute(select(CampaignRow).order_by(CampaignRow.created_at.desc())).scalars())
