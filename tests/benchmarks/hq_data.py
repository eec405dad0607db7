"""HQ data for benchmarks: a tomato chain's members with 14 months of history, as HQ
holds them after running since then, loaded into PostgreSQL with ``COPY``.

    url = create_database()                    # fresh, migrated by sync.hq.db.open_hq
    rep = generate(url, members=1_000_000, entries=5_000_000, month="2026-10")
    ...                                        # e.g. pos-hq jobs month-end --month 2026-10
    drop_database(url)

What HQ holds afterwards is what it would hold had it gone live 14 months before the
1st after ``month`` (``rep.live``) and run every month end since, but not yet this one
(``rep.day``):

* **Members** like ``pos-terminal demo-data`` makes them: most imported at go-live
  as openings on HQ's chain ``@hq`` (registered up to three years before; tiers green,
  red and gold by growth points; some with coin lots, stored value, a promotion coupon,
  rolling spend), the rest registered at a till since (the new-member coupon).
* **Till chains** (two tills per store, ``S0001-T1``..; 5,000 members per store):
  each member shops at one till. A visit is what the till records: its own expiry
  entries (ref ``expiry``, which HQ keeps but does not fold), the sale's member entries
  (coupons used, coins and stored value spent, growth points, earned coin lots, rolling
  and cumulative spend, the purchase, upgrades with their gifts), the ``sale`` entry
  (``member_code`` NULL, the member in ``payload.record.member_code``, tenders in
  ``payload.record.tenders``) and a ``cash`` entry for cash; sometimes a recharge or a
  monthly or birthday gift claim first. Walk-in sales (no member) in between.
* **HQ's own chains**: ``@<store>`` holds the expiries HQ folded before a member's
  entry as it applied a push (``service._apply``); ``@hq`` the go-live openings and
  every past month end's bonuses (coin lot and marker) and expiries, per member in
  code order, as ``pos-hq jobs`` wrote them.
* Every chain is hashed and linked (``row_hash``), every checkpoint is its chain's
  head, every member row is the fold of its entries in ``member_pos`` order with the
  derived columns ``sync.hq.facts`` keeps, and every member sale has its ``sales``
  fact: ``pos-hq verify`` finds nothing wrong (``tests/hq/test_month_end.py``).

Made by the real rules (``terminal.rules``: opening, registration, pricing with
coupons, tenders, settlement, gift claims, recharges, ``lifecycle.due_entries``, the
jobs' ``bonus_coins``), folded once per *template*: a few thousand member histories
with a placeholder code, phone and till; each of the ``members`` is one template
with its own code, phone and till (codes, ids, hashes and timestamps of receipt
differ; dates are the template's). Templates are drawn from two pools, members who
bought nothing in the 14 months and members who did, mixed so the entries come to
about ``entries``.

Reuse: ``Dataset(plan).store_chains(store)`` gives one store's chains as entry rows
(tuples in ``ENTRY_COLUMNS`` order, hashed and linked), ``hq_chain()`` HQ's own,
``member_rows()`` the members, without any database.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import time
import uuid
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

import psycopg

from sync.hq import db, facts, jobs
from sync.hq import service as svc
from terminal import codec
from terminal.app import demo
from terminal.app.demo_words import GIVEN, SURNAMES
from terminal.calendar import add_months, valid_through
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules import tenders as tn
from terminal.rules.catalog import Product
from terminal.rules.checkout import settle_sale
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program
from terminal.store.ledger import GENESIS

PG = os.environ.get("POS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PROGRAM = "tomato"
HISTORY_MONTHS = 14  # go-live this many months before the month end
MEMBERS_PER_STORE = 5000
TILLS_PER_STORE = 2
PRODUCTS = 400
ENTRY_COLUMNS = (
    "terminal_id",
    "seq",
    "id",
    "store_id",
    "month",
    "at",
    "kind",
    "member_code",
    "ref",
    "payload",
    "prev_hash",
    "hash",
    "received_at",
    "member_pos",
)
MEMBER_COLUMNS = (
    "code",
    "phone",
    "state_json",
    "blocked",
    "folded",
    "updated_at",
    "registered",
    "last_purchase",
    "next_due",
    "due_key",
    "name_key",
)
SALE_COLUMNS = ("entry_id", "member_code", "at", "spend_fen", "store_id")
CODE, PHONE, TILL = "@@C@@", "@@P@@", "@@T@@"  # placeholders in template rows
_NOBODY_ID, _NOBODY_DAY = "@@X@@", date(1999, 1, 1)  # walk-in sale templates
CST = 8  # hours east of UTC: tills' times are China's local time
Progress = Callable[[str], None]


# ----------------------------------------------------------------------------- databases


def admin() -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(PG, autocommit=True, connect_timeout=5)


def db_url(name: str) -> str:
    return PG.rsplit("/", 1)[0] + "/" + name


def create_database(prefix: str = "hq_bench") -> str:
    """A new PostgreSQL database on ``$POS_TEST_PG``'s server, migrated to head."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = db_url(name)
    db.open_hq(url).dispose()
    return url


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with admin() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ----------------------------------------------------------------------------- templates


@dataclass(frozen=True, slots=True)
class TRow:
    """One entry of a template history (placeholders ``CODE``, ``PHONE``, ``TILL``)."""

    chain: str  # "till", "store" (HQ's @<store> chain) or "hq" (@hq)
    bucket: int  # @hq rows: 0 go-live opening, 1 + 2k / 2 + 2k month end k's bonuses / expiries
    when: datetime  # local time: orders a till's rows
    at: str
    kind: str
    member: bool  # member_code is the member's (else NULL)
    ref: str
    payload: str
    esc: str  # the payload as a JSON string (what the hash takes)
    pos: int | None  # member_pos; None: kept, not folded (a till's own expiries)
    spend: int | None = None  # a member sale: its spend for the sales fact


@dataclass
class Template:
    rows: list[TRow]  # till and @store rows, in order
    hq: dict[int, list[TRow]]  # @hq rows by bucket
    state_json: str
    registered: date | None
    last_purchase: date | None
    next_due: date | None
    name_key: str | None  # the console's name search (``facts.name_key``)
    folded: int
    tier: str
    legacy: bool
    sales: int  # member sales
    walkins: int  # walk-in sales to add at the member's till

    @property
    def entries(self) -> int:
        return len(self.rows) + sum(len(v) for v in self.hq.values()) + 2 * self.walkins


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _esc(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _plain(text: str) -> str:
    """A column value that goes into the hash unescaped: checked to need no escaping."""
    assert '"' not in text and "\\" not in text and text.isprintable(), text
    return text


class _Life:
    """One member's 14 months, folded as HQ folds them."""

    def __init__(self, program: Program, plan: Plan, rnd: random.Random) -> None:
        self.program, self.plan, self.rnd = program, plan, rnd
        self.state = m.MemberState()
        self.rows: list[TRow] = []
        self.hq: dict[int, list[TRow]] = {}
        self.pos = 0
        self.coupon_no = 0
        self.sale_no = 0
        self.month_sales: dict[tuple[int, int], list[jobs.SaleSeen]] = {}
        self.walkins = 0

    def new_id(self) -> str:
        self.coupon_no += 1
        return f"{CODE}-G{self.coupon_no}"

    def _row(
        self,
        chain: str,
        bucket: int,
        when: datetime,
        at: str,
        kind: str,
        member: bool,
        ref: str,
        payload: str,
        folded: bool,
        spend: int | None = None,
    ) -> TRow:
        if folded:
            self.pos += 1
        return TRow(
            chain,
            bucket,
            when,
            _plain(at),
            kind,
            member,
            _plain(ref),
            payload,
            _esc(payload),
            self.pos if folded else None,
            spend,
        )

    def fold(
        self,
        chain: str,
        when: datetime,
        at: str,
        ref: str,
        entries: Sequence[m.MemberEntry],
        bucket: int = 0,
    ) -> None:
        for e in entries:
            self.state = m.apply(self.state, e)
            row = self._row(
                chain,
                bucket,
                when,
                at,
                "member",
                True,
                ref,
                _canonical(codec.encode_entry(e)),
                True,
            )
            (self.hq.setdefault(bucket, []) if chain == "hq" else self.rows).append(row)

    def till_other(
        self,
        when: datetime,
        kind: str,
        payload: Any,
        ref: str,
        member: bool,
        spend: int | None = None,
    ) -> None:
        text = payload if isinstance(payload, str) else _canonical(payload)
        self.rows.append(
            self._row("till", 0, when, when.isoformat(), kind, member, ref, text, False, spend)
        )

    def visit_start(self, when: datetime) -> None:
        """The till applies what fell due (its own ``expiry`` entries, kept, not folded);
        HQ, applying them, folds the same entries on ``@<store>`` first."""
        due = lc.due_entries(self.state, self.program, when.date())
        at = when.isoformat()
        for e in due:
            text = _canonical(codec.encode_entry(e))
            self.rows.append(
                self._row("till", 0, when, at, "member", True, svc.EXPIRY_REF, text, False)
            )
        self.fold("store", when, at, svc.EXPIRY_REF, due)

    def till(self, when: datetime, ref: str, entries: Sequence[m.MemberEntry]) -> None:
        self.fold("till", when, when.isoformat(), ref, entries)

    # ------------------------------------------------------------------ month ends

    def month_end(self, k: int, day: date) -> None:
        """What ``jobs.month_end`` did on ``day``: the last month's bonuses, then expiry."""
        at = datetime.combine(day, clock()).isoformat()
        when = datetime.combine(day, clock(2))
        prev = add_months(day, -1)
        month = f"{prev.year}-{prev.month:02d}"
        sales = self.month_sales.get((prev.year, prev.month), [])
        spend_coins, visit_coins = jobs.bonus_coins(self.program, sales) if sales else (0, 0)
        for kind, coins in ((jobs.SPEND, spend_coins), (jobs.VISITS, visit_coins)):
            if coins <= 0 or (kind, month) in self.state.gifts_claimed:
                continue
            due = lc.due_entries(self.state, self.program, day)
            self.fold("hq", when, at, svc.EXPIRY_REF, due, 1 + 2 * k)
            what = "spend" if kind == jobs.SPEND else "visits"
            lot = jobs.grant_lot(
                self.program, CODE, kind, month, coins, day, f"hq:monthly_{what}:{month}"
            )
            self.fold("hq", when, at, kind, [lot, m.GiftClaimed(kind, month)], 1 + 2 * k)
        due = lc.due_entries(self.state, self.program, day)
        self.fold("hq", when, at, svc.EXPIRY_REF, due, 2 + 2 * k)


def _birthday(rnd: random.Random, on: date) -> date | None:
    if rnd.random() < 0.15:
        return None
    return date(on.year - rnd.randint(18, 75), rnd.randint(1, 12), rnd.randint(1, 28))


def _name(rnd: random.Random) -> str:
    if rnd.random() < 0.25:
        return ""
    return rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.choice((1, 2, 2))))


def _opening(program: Program, rnd: random.Random, live: date) -> lc.Opening:
    """A member imported at go-live, as ``demo-data`` makes them (more compactly)."""
    registered = live - timedelta(days=int(3 * 365 * rnd.random() ** 1.3) + 1)
    band = rnd.choices((0, 1, 2), (0.74, 0.20, 0.06))[0]
    growth = (
        int(999 * rnd.random() ** 1.6) if rnd.random() < 0.35 else 0,
        rnd.randint(1000, 3999),
        rnd.randint(4000, 12000),
    )[band]
    valid = valid_through(live - timedelta(days=rnd.randint(0, 364)), 12)
    lots: list[tuple[int, date]] = []
    if growth and rnd.random() < 0.2:
        for _ in range(rnd.randint(1, 3)):
            lots.append((rnd.randint(1, 40), live - timedelta(days=rnd.randint(1, 330))))
    principal = gift = 0
    if rnd.random() < 0.12:
        principal = rnd.choice((5000, 12000, 30000, 50000, 80000))
        gift = rnd.choice((0, 0, 1000, 3000))
    coupons = []
    if rnd.random() < 0.08:
        t = program.template("c30off5")
        on = live - timedelta(days=rnd.randint(0, 20))
        last = valid_through(on, program.coupon_validity_months)
        coupons.append(
            cp.Coupon(
                f"{CODE}-O1",
                t.name,
                t.threshold,
                t.off,
                last,
                on,
                t.categories,
                "unused",
                "promotion",
            )
        )
    spend12 = Money(rnd.randint(5000, 300000)) if growth and rnd.random() < 0.15 else Money(0)
    return lc.Opening(
        code=CODE,
        phone=PHONE,
        registered=registered,
        birthday=_birthday(rnd, registered),
        name=_name(rnd),
        tier_valid_through=valid,
        growth_points=growth,
        coin_lots=tuple(sorted(lots, key=lambda x: x[1])),
        principal=Money(principal),
        gift=Money(gift),
        coupons=tuple(coupons),
        spend_12m=spend12,
    )


class _Shopper:
    """How an active member shops: visits a month, basket, tenders."""

    def __init__(self, rnd: random.Random) -> None:
        self.rate = min(12.0, rnd.lognormvariate(math.log(0.45), 0.9))  # visits a month
        self.regular = 0  # months (before the month end) of near-daily shopping
        if rnd.random() < 0.015:
            self.regular = rnd.randint(1, 3)  # visit bonuses
        self.big = rnd.random() < 0.12  # big baskets (spend bonuses)
        self.coins_use = rnd.random() < 0.4
        self.sv_fan = rnd.random() < 0.1


def _basket(rnd: random.Random, catalog: Catalog, big: bool) -> list[pr.SaleLine]:
    n = min(12, 1 + int(rnd.expovariate(1 / (5.0 if big else 2.2))))
    lines = []
    for i in range(n):
        prod = rnd.choice(catalog.fresh if rnd.random() < 0.5 else catalog.other)
        if prod.weighed:
            qty = Qty(rnd.randint(250, 2500))
        else:
            qty = Qty(1000 * rnd.choice((1, 1, 1, 2, 2, 3, 6 if big else 1)))
        lines.append(pr.SaleLine(i + 1, prod, qty))
    return lines


def _tenders(
    rnd: random.Random,
    program: Program,
    state: m.MemberState | None,
    due: Money,
    day: date,
    shopper: _Shopper | None,
) -> list[tn.TenderRequest]:
    out: list[tn.TenderRequest] = []
    left = due.fen
    if state is not None and shopper is not None:
        coins = state.coins_on(day)
        if shopper.coins_use and coins and left >= 100 and rnd.random() < 0.5:
            use = min(coins, left // program.coin_value.fen, rnd.randint(1, 30))
            if use > 0:
                out.append(tn.TenderRequest("coins", None, coins=use))
                left -= use * program.coin_value.fen
        if state.stored_value.fen and left > 0 and rnd.random() < (0.8 if shopper.sv_fan else 0.3):
            pay = min(left, state.stored_value.fen)
            out.append(tn.TenderRequest("stored_value", Money(pay)))
            left -= pay
    if left > 0 or not out:
        kind = rnd.choices(("cash", "mobile", "card"), (0.3, 0.55, 0.15))[0]
        if kind == "cash":
            handed = max(left, 1)
            step = rnd.choice((100, 1000, 5000, 10000))
            handed = -(-handed // step) * step
            out.append(tn.TenderRequest("cash", Money(handed)))
        else:
            out.append(tn.TenderRequest(kind, Money(max(left, 1))))
    return out


def _sale_payload(till_receipt: str, record: Any) -> str:
    return _canonical({"cashier": "c1", "receipt": till_receipt, "record": codec.encode(record)})


def _member_sale(life: _Life, catalog: Catalog, when: datetime, shopper: _Shopper) -> None:
    program, rnd, day = life.program, life.rnd, when.date()
    state = life.state
    prices = pr.price_lines(
        _basket(rnd, catalog, shopper.big), pr.member_pricing(state, day), program
    )
    choice = cp.best(state.coupons, pr.coupon_lines(prices), program.stacking, day)
    priced = pr.reduce(prices, choice)
    if priced.total_due.fen <= 0:
        return
    tendering = tn.apply_tenders(
        priced.total_due,
        _tenders(rnd, program, state, priced.total_due, day, shopper),
        program,
        state,
        day,
    )
    life.sale_no += 1
    sale_id = f"{CODE}-S{life.sale_no}"
    settled = settle_sale(program, state, priced, tendering, day, sale_id, life.new_id)
    life.till(when, sale_id, settled.entries)
    spend = sum(
        t.amount.fen for t in tendering.tenders if t.kind not in program.tier_spend_excludes
    )
    life.till_other(
        when, "sale", _sale_payload(f"{TILL}-{sale_id}", settled.record), sale_id, False, spend
    )
    cash = sum(t.amount.fen for t in tendering.tenders if t.kind == "cash")
    if cash:
        life.till_other(when, "cash", {"delta": cash, "reason": "sale"}, sale_id, False)
    life.month_sales.setdefault((day.year, day.month), []).append(
        jobs.SaleSeen(CODE, when, Money(spend))
    )
    life.walkins += 1 if rnd.random() < 0.35 else 0


def _recharge(life: _Life, when: datetime) -> None:
    program, rnd, day = life.program, life.rnd, when.date()
    amount = Money.yuan(rnd.choice((200, 200, 300, 500, 1000)))
    life.sale_no += 1
    ref = f"{CODE}-R{life.sale_no}"
    entries, gift = lc.recharge_entries(program, life.state, amount, day, ref, life.new_id)
    life.till(when, f"recharge:{ref}", entries)
    tender = rnd.choice(("cash", "mobile", "card"))
    life.till_other(
        when,
        "recharge",
        {
            "member": CODE,
            "amount": amount.fen,
            "tender": tender,
            "gift": gift.gift_value.fen,
            "coins": gift.coins,
        },
        ref,
        True,
    )
    if tender == "cash":
        life.till_other(when, "cash", {"delta": amount.fen, "reason": "recharge"}, ref, False)


def _claims(life: _Life, when: datetime) -> None:
    program, rnd, day = life.program, life.rnd, when.date()
    for kind, chance in (("monthly", 0.6), ("birthday", 0.5)):
        if kind in lc.gifts_waiting(life.state, program, day) and rnd.random() < chance:
            life.till(
                when, f"gift:{kind}", lc.claim_gift(life.state, program, kind, day, life.new_id)
            )


def _visits(rnd: random.Random, start: date, end: date, rate: float) -> list[datetime]:
    """Visit times (store hours) from ``start`` to ``end`` (exclusive), about ``rate`` a
    month, at most one a day."""
    out = []
    d = start
    p = min(0.95, rate / 30.4)
    while d < end:
        if rnd.random() < p:
            out.append(datetime.combine(d, clock(8)) + timedelta(seconds=rnd.randint(0, 13 * 3600)))
        d += timedelta(days=1)
    return out


def make_template(
    program: Program, plan: Plan, catalog: Catalog, rnd: random.Random, active: bool
) -> Template:
    """One member's 14 months at HQ, by the real rules (placeholders for code, phone and
    till). ``active``: the member shops in the period (else buys nothing)."""
    life = _Life(program, plan, rnd)
    live, day = plan.live, plan.day
    legacy = rnd.random() < (0.7 if active else 0.85)
    events: list[tuple[datetime, int, Callable[[], None]]] = []
    if legacy:
        opening = _opening(program, rnd, live)
        at = datetime.combine(live, clock())
        entries = lc.opening_entries(program, opening, live)
        life.fold("hq", at, at.isoformat(), "opening", entries, 0)
        start = live
    else:
        start = live + timedelta(days=int((day - live).days * rnd.random() ** 0.8))
        joined = datetime.combine(start, clock(8)) + timedelta(seconds=rnd.randint(0, 13 * 3600))

        def register(joined: datetime = joined) -> None:
            reg = lc.register(
                program,
                CODE,
                PHONE,
                joined.date(),
                life.new_id,
                birthday=_birthday(rnd, joined.date()),
                name=_name(rnd),
            )
            life.till(joined, "register", reg)

        events.append((joined, 0, register))
    shopper = _Shopper(rnd)
    if active:
        end = (
            day
            if rnd.random() < 0.5
            else start + timedelta(days=rnd.randint(1, (day - start).days))
        )
        first = start if legacy else start + timedelta(days=1)  # after joining
        times = _visits(rnd, first, end, shopper.rate)
        if shopper.regular:
            since = max(first, add_months(day, -shopper.regular))
            times = sorted(
                {
                    *[t for t in times if t.date() < since],
                    *_visits(rnd, since, day, rnd.uniform(16, 26)),
                }
            )
        if not legacy and rnd.random() < 0.7:
            times.append(events[0][0] + timedelta(minutes=2))  # a first purchase on joining
        for t in sorted(times):

            def visit(t: datetime = t) -> None:
                life.visit_start(t)
                _claims(life, t)
                if shopper.sv_fan and life.state.stored_value.fen < 10000 and rnd.random() < 0.3:
                    _recharge(life, t)
                _member_sale(life, catalog, t, shopper)

            events.append((t, 1, visit))
    for k, me in enumerate(plan.month_ends):
        events.append((datetime.combine(me, clock(2)), 2, lambda k=k, me=me: life.month_end(k, me)))
    for _, _, fn in sorted(events, key=lambda e: (e[0], e[1])):
        fn()
    state = life.state
    level = program.ladder_for(state.group).level(state.tier)
    return Template(
        rows=life.rows,
        hq=life.hq,
        state_json=codec.dumps(state),
        registered=state.registered,
        last_purchase=state.last_purchase,
        next_due=facts.next_due(state, program),
        name_key=facts.name_key(state.name),
        folded=life.pos,
        tier=level.id if level else "-",
        legacy=legacy,
        sales=sum(1 for r in life.rows if r.spend is not None),
        walkins=life.walkins,
    )


@dataclass
class Catalog:
    products: list[Product]
    fresh: list[Product]
    other: list[Product]

    @classmethod
    def demo(cls, seed: int) -> Catalog:
        items = demo.demo_products(PRODUCTS, seed)
        return cls(
            items,
            [p for p in items if p.category == "fresh"],
            [p for p in items if p.category != "fresh"],
        )


def walkin_payloads(
    program: Program, catalog: Catalog, rnd: random.Random, n: int
) -> list[tuple[str, int]]:
    """Walk-in sale payloads (sale id and day as placeholders) and their cash."""
    out = []
    while len(out) < n:
        prices = pr.price_lines(_basket(rnd, catalog, False), None, program)
        priced = pr.reduce(prices)
        if priced.total_due.fen <= 0:
            continue
        tendering = tn.apply_tenders(
            priced.total_due,
            _tenders(rnd, program, None, priced.total_due, _NOBODY_DAY, None),
            program,
            None,
            _NOBODY_DAY,
        )
        settled = settle_sale(program, None, priced, tendering, _NOBODY_DAY, _NOBODY_ID, str)
        cash = sum(t.amount.fen for t in tendering.tenders if t.kind == "cash")
        out.append((_sale_payload(f"{TILL}-{_NOBODY_ID}", settled.record), cash))
    return out


# ----------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    members: int
    entries: int
    month: str  # the month just closed: its month end is what a benchmark runs
    seed: int = 1
    dormant_templates: int = 0  # 0: chosen from the size
    active_templates: int = 0

    @property
    def day(self) -> date:
        """The month end: the 1st after ``month``."""
        return add_months(jobs.parse_month(self.month), 1)

    @property
    def live(self) -> date:
        return add_months(self.day, -HISTORY_MONTHS)

    @property
    def month_ends(self) -> list[date]:
        """The month ends HQ has run already (not ``day``)."""
        return [add_months(self.live, k) for k in range(1, HISTORY_MONTHS)]

    @property
    def stores(self) -> int:
        return max(1, math.ceil(self.members / MEMBERS_PER_STORE))

    @property
    def width(self) -> int:
        return max(6, len(str(self.members)))

    def code(self, i: int) -> str:
        return f"M{i + 1:0{self.width}d}"

    def phone(self, i: int) -> str:
        return f"1{3 + i % 7}{(i * 7919 + 104729) % 10**9:09d}"


def _id(n: int) -> str:
    h = f"{0x0190_0000_0000_7000_8000_0000_0000_0000 + n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _month_of(d: datetime | date) -> int:
    return d.year * 100 + d.month


def _received(when: datetime) -> datetime:
    return (when - timedelta(hours=CST)).replace(tzinfo=UTC) + timedelta(seconds=5)


class _Chainer:
    """Numbers, ids and hashes one chain's rows (``row_hash``, computed from pre-escaped
    template text)."""

    def __init__(self, ds: Dataset, terminal: str, store: str) -> None:
        self.ds, self.terminal, self.store = ds, _plain(terminal), store
        self.seq, self.head = 0, GENESIS

    def row(self, r: TRow, code: str, phone: str, till: str) -> tuple[Any, ...]:
        payload, esc, ref = r.payload, r.esc, r.ref
        if CODE in payload or TILL in payload:
            payload = payload.replace(CODE, code).replace(PHONE, phone).replace(TILL, till)
            esc = esc.replace(CODE, code).replace(PHONE, phone).replace(TILL, till)
        if CODE in ref:
            ref = ref.replace(CODE, code)
        return self.raw(r.when, r.at, r.kind, code if r.member else None, ref, payload, esc, r.pos)

    def raw(
        self,
        when: datetime,
        at: str,
        kind: str,
        member: str | None,
        ref: str,
        payload: str,
        esc: str,
        pos: int | None,
    ) -> tuple[Any, ...]:
        self.seq += 1
        id_ = _id(self.ds.next_id())
        who = f'"{member}"' if member is not None else "null"
        body = (
            f'["{self.head}",{self.seq},"{id_}","{self.terminal}","{at}","{kind}",{who},'
            f'"{ref}",{esc}]'
        )
        h = hashlib.sha256(body.encode("utf-8")).hexdigest()
        out = (
            self.terminal,
            self.seq,
            id_,
            self.store,
            _month_of(when),
            at,
            kind,
            member,
            ref,
            payload,
            self.head,
            h,
            _received(when),
            pos,
        )
        self.head = h
        return out


@dataclass
class DataReport:
    members: int = 0
    entries: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # entries by kind
    chains: dict[str, int] = field(default_factory=dict)  # entries on tills, @store, @hq
    member_sales: int = 0
    walkin_sales: int = 0
    active_members: int = 0
    new_members: int = 0  # registered at a till since go-live
    tiers: dict[str, int] = field(default_factory=dict)
    due_members: int = 0  # members with something due at the month end
    stores: int = 0
    tills: int = 0
    templates: int = 0
    live: str = ""
    day: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


class Dataset:
    """The members and chains of a ``Plan``, made from templates (see the module doc)."""

    def __init__(self, plan: Plan, progress: Progress | None = None) -> None:
        self.plan = plan
        self.program = load_program(PROGRAM)
        self.catalog = Catalog.demo(plan.seed)
        rnd = random.Random(f"hq-data:{plan.seed}")
        small = plan.members < 100_000
        n_dormant = plan.dormant_templates or (150 if small else 1200)
        n_active = plan.active_templates or (300 if small else 2400)
        say = progress or (lambda _: None)
        t = time.perf_counter()
        self.dormant = [
            make_template(self.program, plan, self.catalog, rnd, False) for _ in range(n_dormant)
        ]
        self.active = [
            make_template(self.program, plan, self.catalog, rnd, True) for _ in range(n_active)
        ]
        self.walkin = walkin_payloads(self.program, self.catalog, rnd, 50)
        say(f"{n_dormant + n_active} templates in {time.perf_counter() - t:.1f} s")
        per = plan.entries / max(1, plan.members)
        dormant = sum(x.entries for x in self.dormant) / n_dormant
        active = sum(x.entries for x in self.active) / n_active
        self.share = min(0.98, max(0.02, (per - dormant) / max(1e-9, active - dormant)))
        pick = random.Random(f"hq-data:members:{plan.seed}")
        self.of: list[Template] = []
        self.till_of: list[int] = []  # store * TILLS_PER_STORE + till
        for _ in range(plan.members):
            pool = self.active if pick.random() < self.share else self.dormant
            self.of.append(pool[pick.randrange(len(pool))])
            self.till_of.append(pick.randrange(plan.stores * TILLS_PER_STORE))
        self._next = 0
        self.key = facts.program_key(self.program)

    def next_id(self) -> int:
        self._next += 1
        return self._next

    @staticmethod
    def store_id(store: int) -> str:
        return f"S{store + 1:04d}"

    def till_id(self, till: int) -> str:
        return f"{self.store_id(till // TILLS_PER_STORE)}-T{till % TILLS_PER_STORE + 1}"

    def members_of(self) -> list[list[int]]:
        by: list[list[int]] = [[] for _ in range(self.plan.stores)]
        for i, t in enumerate(self.till_of):
            by[t // TILLS_PER_STORE].append(i)
        return by

    def store_chains(
        self,
        store: int,
        members: Sequence[int] | None = None,
        sales: list[tuple[Any, ...]] | None = None,
    ) -> dict[str, list[tuple[Any, ...]]]:
        """The store's till chains and its ``@<store>`` chain, as entry rows; member
        sales' facts are added to ``sales`` (``SALE_COLUMNS``)."""
        plan = self.plan
        sid = self.store_id(store)
        if members is None:
            members = [i for i, t in enumerate(self.till_of) if t // TILLS_PER_STORE == store]
        todo: dict[str, list[tuple[datetime, int, int, TRow | None]]] = {}
        walk = random.Random(f"walk:{plan.seed}:{store}")
        for i in members:
            tmpl = self.of[i]
            till = self.till_id(self.till_of[i])
            for j, r in enumerate(tmpl.rows):
                chain = till if r.chain == "till" else svc.store_chain(sid)
                todo.setdefault(chain, []).append((r.when, i, j, r))
            for k in range(tmpl.walkins):  # walk-ins (a row of None) at the member's till
                d = plan.live + timedelta(days=walk.randrange((plan.day - plan.live).days))
                when = datetime.combine(d, clock(8)) + timedelta(seconds=walk.randint(0, 46800))
                todo.setdefault(till, []).append((when, -1, k, None))
        out: dict[str, list[tuple[Any, ...]]] = {}
        for chain in sorted(todo):
            rows = sorted(todo[chain], key=lambda x: (x[0], x[1], x[2]))
            ch = _Chainer(self, chain, sid)
            got = out[chain] = []
            for when, i, _, r in rows:
                if r is None:
                    got += self._walkin(ch, chain, when, walk)
                    continue
                row = ch.row(r, plan.code(i), plan.phone(i), chain)
                got.append(row)
                if r.spend is not None and sales is not None:
                    sales.append((row[2], plan.code(i), r.at, r.spend, sid))
        return out

    def _walkin(
        self, ch: _Chainer, till: str, when: datetime, rnd: random.Random
    ) -> list[tuple[Any, ...]]:
        text, cash = self.walkin[rnd.randrange(len(self.walkin))]
        sale_id = _id(10**15 + self.next_id())
        text = text.replace(_NOBODY_ID, sale_id).replace(TILL, till)
        text = text.replace(f'"{_NOBODY_DAY.isoformat()}"', f'"{when.date().isoformat()}"')
        at = when.isoformat()
        out = [ch.raw(when, at, "sale", None, sale_id, text, _esc(text), None)]
        if cash:
            c = _canonical({"delta": cash, "reason": "sale"})
            out.append(ch.raw(when, at, "cash", None, sale_id, c, _esc(c), None))
        return out

    def hq_chain(self) -> Iterator[tuple[Any, ...]]:
        """HQ's chain ``@hq``: go-live openings, then each month end's bonuses and
        expiries, each in member code order."""
        plan = self.plan
        ch = _Chainer(self, svc.HQ_CHAIN, svc.HQ_STORE)
        buckets = 1 + 2 * len(plan.month_ends)
        codes = [plan.code(i) for i in range(plan.members)]
        phones = [plan.phone(i) for i in range(plan.members)]
        for b in range(buckets):
            for i, tmpl in enumerate(self.of):
                rows = tmpl.hq.get(b)
                if rows:
                    till = self.till_id(self.till_of[i])
                    for r in rows:
                        yield ch.row(r, codes[i], phones[i], till)
        self.hq_head = (ch.seq, ch.head)

    def member_rows(self, updated: datetime) -> Iterator[tuple[Any, ...]]:
        plan = self.plan
        for i, tmpl in enumerate(self.of):
            code, phone = plan.code(i), plan.phone(i)
            state = tmpl.state_json.replace(CODE, code).replace(PHONE, phone)
            yield (
                code,
                phone,
                state,
                False,
                tmpl.folded,
                updated,
                tmpl.registered,
                tmpl.last_purchase,
                tmpl.next_due,
                self.key,
                tmpl.name_key,
            )


# ----------------------------------------------------------------------------- loading


_LOADED = ("entries", "members", "sales", "changes")


def _secondary_indexes(cur: psycopg.Cursor[Any]) -> list[tuple[str, str]]:
    """Indexes of the loaded tables that back no constraint: dropped for the load and
    made again after it (sorted builds beat a row at a time)."""
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        (list(_LOADED),),
    )
    return [(name, ddl.replace(" ON ONLY ", " ON ")) for name, ddl in cur.fetchall()]


def _freeze(cur: psycopg.Cursor[Any], table: str) -> str:
    cur.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", (table,))
    row = cur.fetchone()
    return " WITH (FREEZE)" if row and row[0] == "r" else ""


def _partitions(url: str, plan: Plan) -> None:
    """Where ``entries`` is partitioned by month (``sync.hq.db``), the generated
    months' partitions, so rows land where HQ's own would."""
    ensure = getattr(db, "ensure_partitions", None)
    if ensure is None:
        return
    months, d = [], plan.live
    while d <= plan.day:
        months.append(_month_of(d))
        d = add_months(d, 1)
    engine = db.make_engine(url)
    try:
        with engine.begin() as conn:
            ensure(conn, months)
    finally:
        engine.dispose()


def generate(
    url: str,
    *,
    members: int,
    entries: int,
    month: str,
    seed: int = 1,
    progress: Progress | None = None,
    plan: Plan | None = None,
) -> DataReport:
    """Fill the empty, migrated HQ database at ``url`` (see the module doc). One
    transaction: the tables are truncated and loaded with COPY FREEZE (rows written
    frozen, as a vacuumed database holds them), secondary indexes built after, then
    ANALYZE."""
    say = progress or (lambda _: None)
    plan = plan or Plan(members, entries, month, seed)
    rep = DataReport(live=plan.live.isoformat(), day=plan.day.isoformat())
    t0 = time.perf_counter()
    ds = Dataset(plan, say)
    rep.seconds["templates"] = time.perf_counter() - t0
    rep.templates = len(ds.dormant) + len(ds.active)
    now = datetime.combine(plan.day, clock()).replace(tzinfo=UTC) - timedelta(hours=CST + 1)
    t = time.perf_counter()
    kinds: Tally[str] = Tally()
    chains: Tally[str] = Tally()
    heads: list[tuple[str, str, int, str]] = []  # terminal, store, seq, hash
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    _partitions(url, plan)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        indexes = _secondary_indexes(cur)
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        cur.execute("SELECT to_regclass('entry_ids') IS NOT NULL")
        ids_apart = bool((cur.fetchone() or (False,))[0])
        cur.execute("TRUNCATE " + ", ".join((*_LOADED, *(["entry_ids"] if ids_apart else []))))
        toml = svc.shipped_program_toml(PROGRAM)
        cur.executemany(
            "INSERT INTO settings (key, value) VALUES (%s, %s)",
            [("program", PROGRAM), ("program_toml", toml)],
        )
        cur.executemany(
            "INSERT INTO products (code, name, category, price_fen, member_price_fen, unit, plu,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    p.code,
                    p.name,
                    p.category,
                    p.price.fen,
                    p.member_price.fen if p.member_price else None,
                    p.unit,
                    p.plu,
                    now,
                )
                for p in ds.catalog.products
            ],
        )
        sales: list[tuple[Any, ...]] = []
        cols = ", ".join(ENTRY_COLUMNS)
        with cur.copy(f"COPY entries ({cols}) FROM STDIN{_freeze(cur, 'entries')}") as copy:
            by_store = ds.members_of()
            for store in range(plan.stores):
                for chain, rows in ds.store_chains(store, by_store[store], sales).items():
                    for row in rows:
                        copy.write_row(row)
                        kinds[row[6]] += 1
                    chains["@store" if chain.startswith("@") else "till"] += len(rows)
                    if rows:
                        heads.append((chain, rows[-1][3], rows[-1][1], rows[-1][11]))
                if store % 20 == 19:
                    say(f"stores {store + 1}/{plan.stores}: {sum(chains.values()):,} entries")
            n = 0
            for row in ds.hq_chain():
                copy.write_row(row)
                kinds[row[6]] += 1
                n += 1
            chains["@hq"] = n
            heads.append((svc.HQ_CHAIN, svc.HQ_STORE, *ds.hq_head))
        say(f"{sum(chains.values()):,} entries copied")
        with cur.copy(
            f"COPY sales ({', '.join(SALE_COLUMNS)}) FROM STDIN{_freeze(cur, 'sales')}"
        ) as copy:
            for row in sales:
                copy.write_row(row)
        with cur.copy(
            f"COPY members ({', '.join(MEMBER_COLUMNS)}) FROM STDIN{_freeze(cur, 'members')}"
        ) as copy:
            for row in ds.member_rows(now):
                copy.write_row(row)
        with cur.copy(
            f"COPY changes (cursor, kind, key) FROM STDIN{_freeze(cur, 'changes')}"
        ) as copy:
            n = 0
            for n, code in enumerate((plan.code(i) for i in range(plan.members)), 1):
                copy.write_row((n, "member", code))
            for key in ("program",):
                n += 1
                copy.write_row((n, "setting", key))
            for p in ds.catalog.products:
                n += 1
                copy.write_row((n, "product", p.code))
        cur.execute("UPDATE counters SET value = %s WHERE name = 'cursor'", (n,))
        stores = sorted({ds.store_id(s) for s in range(plan.stores)})
        cur.executemany(
            "INSERT INTO stores (id, name, created_at) VALUES (%s, %s, %s)",
            [(s, f"番茄 {s}", now) for s in [svc.HQ_STORE, *stores]],
        )
        tills = [ds.till_id(x) for x in range(plan.stores * TILLS_PER_STORE)]
        cur.executemany(
            "INSERT INTO terminals (id, store_id, kind, token_hash, enrolled_at, revoked)"
            " VALUES (%s, %s, %s, %s, %s, false)",
            [
                (x, x.split("-")[0], "till", hashlib.sha256(x.encode()).hexdigest(), now)
                for x in tills
            ]
            + [(svc.store_chain(s), s, "hq", None, now) for s in stores]
            + [(svc.HQ_CHAIN, svc.HQ_STORE, "hq", None, now)],
        )
        held = {h[0]: h for h in heads}
        cur.executemany(
            "INSERT INTO checkpoints (terminal_id, seq, hash, updated_at) VALUES (%s, %s, %s, %s)",
            [
                (x, held[x][2] if x in held else 0, held[x][3] if x in held else GENESIS, now)
                for x in [*tills, *(svc.store_chain(s) for s in stores), svc.HQ_CHAIN]
            ],
        )
        rep.seconds["copy"] = time.perf_counter() - t
        t = time.perf_counter()
        if ids_apart:  # a partitioned entries keeps the chain-wide ids apart (0003)
            cur.execute(
                "INSERT INTO entry_ids (id, terminal_id, seq)"
                " SELECT id, terminal_id, seq FROM entries ORDER BY id"
            )
        # each member linked to the stores that wrote its entries, as pushes and the
        # import link them (``service.link_members``): pulls, scopes and histories read it
        cur.execute(
            "INSERT INTO member_stores (member_code, store_id)"
            " SELECT DISTINCT member_code, store_id FROM entries WHERE member_code IS NOT NULL"
        )
        for _, ddl in indexes:
            cur.execute(ddl)
        rep.seconds["indexes"] = time.perf_counter() - t
        conn.commit()
    t = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        more = ["entry_ids"] if ids_apart else []
        tables = (*_LOADED, *more, "member_stores", "terminals", "checkpoints")
        conn.execute("ANALYZE " + ", ".join(tables))
    rep.seconds["analyze"] = time.perf_counter() - t
    rep.seconds["total"] = time.perf_counter() - t0
    rep.members = plan.members
    rep.entries = sum(chains.values())
    rep.kinds = dict(kinds)
    rep.chains = dict(chains)
    rep.member_sales = len(sales)
    rep.walkin_sales = sum(t.walkins for t in ds.of)
    rep.active_members = sum(1 for t in ds.of if t.sales)
    rep.new_members = sum(1 for t in ds.of if not t.legacy)
    rep.tiers = dict(Tally(t.tier for t in ds.of))
    rep.due_members = sum(1 for t in ds.of if t.next_due is not None and t.next_due <= plan.day)
    rep.stores, rep.tills = plan.stores, len(tills)
    return rep
