"""Coupon campaigns (issue 15 item 5): the list, a form that previews a segment's
members, coupons and face value against the budget, a confirm that issues exactly what
was previewed (``campaigns.issue(expected=...)`` refuses a segment that changed
since), and each campaign's redemption by store. The rules are ``sync.hq.campaigns``'s.

Roles: admin and marketing run campaigns; finance and the auditor read them; a store
manager sees every campaign but only their stores' figures and members (a campaign is
the chain's; what it did elsewhere is not theirs to see). Each preview, issue and
refused issue goes in the action log.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from sync.hq import campaigns as cmp
from sync.hq import service as svc
from sync.hq.console import audit
from sync.hq.console import member_view as mv
from sync.hq.console.roles import Perm
from sync.hq.console.web import PREFIX, Console, Ctx, Missing
from sync.hq.models import (
    CampaignMemberRow,
    CampaignRow,
    CouponUseRow,
    MemberRow,
    MemberStoreRow,
    StoreRow,
)
from terminal import codec
from terminal.calendar import valid_through
from terminal.errors import InvalidInput, PosError
from terminal.money import Money
from terminal.rules import member as m
from terminal.rules.program import Program
from terminal.rules.rfm import SEGMENTS

PREVIEW, ISSUE, REFUSED = "campaign_preview", "campaign_issue", "campaign_refused"
MULTI = ("tiers", "rfm", "stores")
DAYS = ("registered_since", "last_purchase_before", "last_purchase_after")
TEXT: tuple[str, ...] = (
    "id",
    "name",
    "template",
    "per_member",
    "valid_days",
    "budget_coupons",
    "budget_yuan",
)
TEXT += ("birthday_month", *DAYS)


# ----------------------------------------------------------------------------- the form


def blank(today: date) -> dict[str, Any]:
    """A new form: a fresh id (a confirm sent twice carries it twice: issued once)."""
    d: dict[str, Any] = {k: "" for k in TEXT} | {k: [] for k in MULTI}
    d |= {"id": f"c{today:%y%m%d}-{secrets.token_hex(2)}", "per_member": "1"}
    return d | {"valid_days": "30", "budget_coupons": "0", "budget_yuan": "0"}


MAX_TEXT, MAX_CHOICE, MAX_CHOICES = 100, 40, 1000


def typed(form: FormData) -> dict[str, Any]:
    """The form as the user typed it (kept to refill the page); a field over its
    limit is named in ``over`` and refused by ``plan_of``, never cut short (a cut
    store list would be a smaller segment nobody asked for)."""
    d: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in TEXT}
    d |= {k: [str(v) for v in form.getlist(k)] for k in MULTI}
    over = [k for k in TEXT if len(d[k]) > MAX_TEXT]
    over += [k for k in MULTI if len(d[k]) > MAX_CHOICES or any(len(v) > MAX_CHOICE for v in d[k])]
    for k in over:  # what refills the page stays small
        d[k] = d[k][:MAX_TEXT] if k in TEXT else [v[:MAX_CHOICE] for v in d[k][:MAX_CHOICES]]
    return d | {"over": tuple(over)}


def _int(d: dict[str, Any], key: str, default: int = 0) -> int:
    text = d[key]
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9:  # not "²" nor "١"
        raise InvalidInput(f"{key}: {text!r} is not a whole number", code="bad_number", field=key)
    return int(text)


def _day(d: dict[str, Any], key: str) -> date | None:
    try:
        return date.fromisoformat(d[key]) if d[key] else None
    except ValueError:
        raise InvalidInput(f"{key}: {d[key]!r} is not a date", code="bad_date") from None


def plan_of(d: dict[str, Any]) -> cmp.Plan:
    if d.get("over"):
        field = d["over"][0]
        raise InvalidInput(f"{field} is too long", code="too_long", field=field)
    try:
        budget = Money.parse(d["budget_yuan"] or "0").fen
    except InvalidInput:
        raise InvalidInput("the budget value is not an amount", code="bad_number") from None
    month = _int(d, "birthday_month") if d["birthday_month"] else None
    segment = cmp.Segment(
        tiers=tuple(sorted(set(d["tiers"]))),
        rfm=tuple(sorted(set(d["rfm"]))),
        stores=tuple(sorted(set(d["stores"]))),
        birthday_month=month,
        **{k: _day(d, k) for k in DAYS},
    )
    return cmp.Plan(
        d["id"],
        d["name"],
        segment,
        d["template"],
        per_member=_int(d, "per_member", 1),
        valid_days=_int(d, "valid_days", 30),
        budget_coupons=_int(d, "budget_coupons"),
        budget_fen=budget,
    )


def hidden(d: dict[str, Any]) -> list[tuple[str, str]]:
    """The typed form as the confirm form's hidden fields."""
    return [(k, d[k]) for k in TEXT] + [(k, v) for k in MULTI for v in d[k]]


def refusal(ctx: Ctx, e: PosError, **params: object) -> str:
    """The service's refusal in the user's language (its English where no text)."""
    key = f"cmp.err.{e.code}"
    shown = ctx.t(key, **{**e.params, **params, "why": e.message})
    return e.message if shown == key else shown


def over_budget(ctx: Ctx, plan: cmp.Plan, pv: cmp.Preview) -> str:
    """As ``campaigns._preview`` decides it, in the user's language ("" if it fits)."""
    if plan.budget_coupons and pv.coupons > plan.budget_coupons:
        return ctx.t("cmp.over_coupons", n=pv.coupons, budget=plan.budget_coupons)
    if plan.budget_fen and pv.face_fen > plan.budget_fen:
        return ctx.t(
            "cmp.over_value", face=Money(pv.face_fen).plain(), budget=Money(plan.budget_fen).plain()
        )
    return ""


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Listed:
    row: CampaignRow
    segment: list[str]  # the segment, as readable parts
    template: str
    members: int  # a store manager's: their stores' members only
    coupons: int
    used: int
    off_fen: int
    last_day: date
    active: bool


def choices(s: Session, ctx: Ctx) -> dict[str, Any]:
    program = svc.hq_program(s, mv.chain_today(ctx.now))
    stores = s.execute(
        select(StoreRow.id, StoreRow.name).where(StoreRow.id != svc.HQ_STORE).order_by(StoreRow.id)
    ).all()
    rfm = [(g.id, g.name_en if ctx.lang == "en" else g.name) for g in SEGMENTS]
    if program is None:
        return {"tiers": [], "templates": [], "stores": stores, "rfm": rfm}
    tiers = {lv.id: lv.name for g in (False, True) for lv in program.ladder_for(g).levels}
    return {
        "tiers": list(tiers.items()),
        "templates": program.coupon_templates,
        "stores": stores,
        "rfm": rfm,
    }


def summary(ctx: Ctx, seg: cmp.Segment, tiers: dict[str, str]) -> list[str]:
    names = {g.id: (g.name_en if ctx.lang == "en" else g.name) for g in SEGMENTS}
    parts = []
    if seg.tiers:
        parts.append(ctx.t("cmp.s.tiers", v=", ".join(tiers.get(x, x) for x in seg.tiers)))
    if seg.rfm:
        parts.append(ctx.t("cmp.s.rfm", v=", ".join(names.get(x, x) for x in seg.rfm)))
    if seg.stores:
        parts.append(ctx.t("cmp.s.stores", v=", ".join(seg.stores)))
    for key in DAYS:
        if getattr(seg, key) is not None:
            parts.append(ctx.t(f"cmp.s.{key}", v=getattr(seg, key).isoformat()))
    if seg.birthday_month is not None:
        parts.append(ctx.t("cmp.s.birthday_month", v=seg.birthday_month))
    return parts or [ctx.t("cmp.s.all")]


def last_day(c: CampaignRow) -> date:
    """The coupons' last valid day, as ``campaigns._grant`` set it."""
    day = svc.chain_today(c.created_at)
    return min(valid_through(day, 12), date.fromordinal(day.toordinal() + c.valid_days - 1))


def _members_in(s: Session, ctx: Ctx, campaign_id: str | None = None) -> dict[str, int]:
    """Campaign -> its members in a store manager's stores."""
    assert ctx.who is not None
    cm, ms = CampaignMemberRow, MemberStoreRow
    linked = exists().where(and_(ms.member_code == cm.member_code, ms.store_id.in_(ctx.who.stores)))
    q = select(cm.campaign_id, func.count()).where(linked).group_by(cm.campaign_id)
    if campaign_id is not None:
        q = q.where(cm.campaign_id == campaign_id)
    return {str(c): int(n) for c, n in s.execute(q)}


def listing(s: Session, ctx: Ctx) -> list[Listed]:
    assert ctx.who is not None
    u = CouponUseRow
    q = select(u.campaign_id, func.count(), func.sum(u.off_fen)).group_by(u.campaign_id)
    if ctx.who.scoped:
        q = q.where(u.store_id.in_(ctx.who.stores))
    used = {str(c): (int(n), int(off or 0)) for c, n, off in s.execute(q)}
    mine = _members_in(s, ctx) if ctx.who.scoped else {}
    program = svc.hq_program(s, mv.chain_today(ctx.now))
    tiers, today = mv.tier_names(s), mv.chain_today(ctx.now)
    out = []
    for c in cmp.listed(s):
        n = mine.get(c.id, 0) if ctx.who.scoped else c.members
        through = last_day(c)
        out.append(
            Listed(
                c,
                summary(ctx, cmp.Segment.from_json(c.segment_json), tiers),
                _template_name(program, c.template),
                n,
                n * c.per_member,
                *used.get(c.id, (0, 0)),
                through,
                today <= through,
            )
        )
    return out


def _template_name(program: Program | None, key: str) -> str:
    found = [t for t in (program.coupon_templates if program else ()) if t.key == key]
    return f"{found[0].name} ({key})" if found else key


def members_page(
    s: Session, ctx: Ctx, campaign_id: str, page: int, size: int
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the campaign's members (a store manager's: their stores'), each with
    its name, tier and how many of the campaign's coupons it used."""
    assert ctx.who is not None
    cm, u = CampaignMemberRow, CouponUseRow
    q = select(MemberRow).join(cm, cm.member_code == MemberRow.code)
    q = mv.scoped(q.where(cm.campaign_id == campaign_id), ctx.who)
    rows = list(s.execute(q.order_by(MemberRow.code).limit(size + 1).offset(page * size)).scalars())
    codes = [r.code for r in rows[:size]]
    uses = select(u.member_code, func.count()).where(
        u.campaign_id == campaign_id, u.member_code.in_(codes)
    )
    used = {str(c): int(n) for c, n in s.execute(uses.group_by(u.member_code))}
    tiers = mv.tier_names(s)
    out = []
    for r in rows[:size]:
        state = codec.loads(m.MemberState, r.state_json)
        tier = state.tier or ""
        out.append(
            {"code": r.code, "name": state.name, "tier": tiers.get(tier, tier) or "-"}
            | {"used": used.get(r.code, 0), "blocked": r.blocked}
        )
    return out, len(rows) > size


# ----------------------------------------------------------------------------- routes


def add(router: APIRouter, console: Console) -> None:
    viewer = console.viewer(Perm.VIEW_CAMPAIGNS)
    runner = console.actor(Perm.RUN_CAMPAIGN)

    def form_page(ctx: Ctx, d: dict[str, Any], **values: Any) -> Response:
        with console.tx() as s:
            ch = choices(s, ctx)
        values = {"pv": None, "error": "", "over": "", "repeat": False} | values
        return console.render(ctx, "campaign_new.html", d=d, ch=ch, **values)

    def log(s: Session, ctx: Ctx, action: str, plan: cmp.Plan, **kw: Any) -> None:
        assert ctx.who is not None
        audit.record(
            s,
            ctx.now,
            ctx.who.name,
            ctx.who.role,
            action,
            kind="campaign",
            object_id=plan.id,
            reason=plan.name,
            **kw,
        )

    def show_preview(ctx: Ctx, d: dict[str, Any], plan: cmp.Plan, error: str = "") -> Response:
        with console.tx() as s:
            pv = cmp.preview(s, plan, ctx.now)
            repeat = s.get(CampaignRow, plan.id) is not None
            after: dict[str, object] = {"members": pv.members, "coupons": pv.coupons}
            after |= {
                "face_fen": pv.face_fen,
                "over_budget": bool(pv.over_budget),
                "segment": plan.segment.to_json(),
            }
            log(s, ctx, PREVIEW, plan, after=after | {"template": plan.template})
        return form_page(
            ctx,
            d,
            pv=pv,
            over=over_budget(ctx, plan, pv),
            repeat=repeat,
            error=error,
            fields=hidden(d),
        )

    @router.get("/campaigns")
    def campaigns(ctx: Annotated[Ctx, Depends(viewer)]) -> Response:
        with console.tx() as s:
            items = listing(s, ctx)
        return console.render(ctx, "campaigns.html", items=items)

    @router.get("/campaigns/new")
    def new(ctx: Annotated[Ctx, Depends(console.viewer(Perm.RUN_CAMPAIGN))]) -> Response:
        return form_page(ctx, blank(mv.chain_today(ctx.now)))

    @router.post("/campaigns/preview")
    async def preview(ctx: Annotated[Ctx, Depends(runner)]) -> Response:
        d = typed(await ctx.request.form())

        def work() -> Response:  # a segment's count: off the event loop
            try:
                return show_preview(ctx, d, plan_of(d))
            except PosError as e:
                return form_page(ctx, d, error=refusal(ctx, e))

        return await run_in_threadpool(work)

    @router.post("/campaigns/issue")
    async def issue(ctx: Annotated[Ctx, Depends(runner)]) -> Response:
        assert ctx.who is not None
        who, form = ctx.who, await ctx.request.form()
        d = typed(form)
        try:
            plan = plan_of(d)
            expected = _int({"expected": str(form.get("expected", ""))}, "expected", -1)
        except InvalidInput as e:
            return form_page(ctx, d, error=refusal(ctx, e))

        def run(s: Session) -> bool:
            held = s.get(CampaignRow, plan.id)
            before = None if held is None else {"members": held.members, "coupons": held.coupons}
            pv = cmp.issue(s, plan, who.name, ctx.now, expected=expected)
            after: dict[str, object] = {"members": pv.members, "coupons": pv.coupons}
            after |= {
                "face_fen": pv.face_fen,
                "template": plan.template,
                "segment": plan.segment.to_json(),
            }
            log(s, ctx, ISSUE, plan, before=before, after=after)
            return held is not None

        def work() -> Response:  # the issue and its log: off the event loop
            try:
                again = svc.run(console.sessions, run)
            except PosError as e:
                error = refusal(ctx, e, expected=expected)
                with console.tx() as s:  # the refusal is logged; nothing else was written
                    log(s, ctx, REFUSED, plan, after={"error": e.code, "expected": expected})
                if e.code == "segment_changed":  # previewed afresh: confirm the new count
                    return show_preview(ctx, d, plan, error=error)
                return form_page(ctx, d, error=error)
            where = f"{PREFIX}/campaigns/{plan.id}?msg={'again' if again else 'issued'}"
            return RedirectResponse(where, status_code=303)

        return await run_in_threadpool(work)

    @router.get("/campaigns/{campaign_id}")
    def one(
        campaign_id: str, ctx: Annotated[Ctx, Depends(viewer)], page: int = 0, msg: str = ""
    ) -> Response:
        assert ctx.who is not None
        page, scope = max(0, min(page, 100_000)), ctx.who.scope
        with console.tx() as s:
            c = s.get(CampaignRow, campaign_id)
            if c is None:
                raise Missing(campaign_id)
            st = cmp.stats(s, campaign_id, scope=scope)
            n = _members_in(s, ctx, c.id).get(c.id, 0) if scope is not None else c.members
            size = console.settings.page_size
            members, more = members_page(s, ctx, c.id, page, size)
            program = svc.hq_program(s, mv.chain_today(ctx.now))
            seg = summary(ctx, cmp.Segment.from_json(c.segment_json), mv.tier_names(s))
        stores = sorted(k for k in st.by_store if k)
        return console.render(
            ctx,
            "campaign.html",
            c=c,
            seg=seg,
            coupon=_template_name(program, c.template),
            members_n=n,
            coupons_n=n * c.per_member,
            last=last_day(c),
            stores=[(k, st.by_store[k]) for k in stores],
            total=st.by_store[""],
            members=members,
            page=page,
            more=more,
            msg=msg if msg in ("issued", "again") else "",
        )
