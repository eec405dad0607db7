"""``pos-terminal demo-data``: a realistic store to try the till on and to benchmark.

A few thousand products with Chinese names (fresh goods sold by weight with label-scale
item numbers, member prices, EAN-13 codes under China's GS1 prefixes 690-699) and tens
of thousands of members across the program's tiers, with coin lots, stored value,
coupons and purchase history. ``--big`` makes 100k products and 1M members.

Members go in as ledger opening entries, exactly as ``setup.import_members`` would
write them, so ``pos-terminal verify`` explains every cached balance. For speed the
rows are written with bulk Core inserts, one transaction per chunk, the hash chain
computed here with the ledger's own ``row_hash``; member generation runs in worker
processes for large stores. Everything derives from the seed and ``start``: the same
arguments give the same file.
"""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from terminal import codec
from terminal.app import setup
from terminal.app.demo_words import (
    DEPARTMENTS,
    EDITIONS,
    GIVEN,
    GRADES,
    PHONE_PREFIXES,
    STORE_NAMES,
    SURNAMES,
    Department,
)
from terminal.calendar import add_months, valid_through
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.barcodes import with_check_digit
from terminal.rules.catalog import Product
from terminal.rules.coupons import Coupon, CouponState
from terminal.rules.program import Program, TierLadder
from terminal.rules.program_loader import load_program
from terminal.store.db import open_store
from terminal.store.ledger import GENESIS, row_hash
from terminal.store.ledger_key import mac_of
from terminal.store.schema import LedgerRow, MemberRow, ProductRow, Setting, StaffRow

DEMO = "demo_store"  # the setting that marks a store demo-data made (``--replace`` may delete it)
VERSION = 1  # of what the generator makes: bump it when the same arguments make another store
TERMINAL_ID = "T01"
STAFF = (("c1", "张丽", "cashier", "1111"), ("mgr", "王店长", "manager", "8888"))
CHUNK = 10_000  # members per worker task and per transaction
BIG_PRODUCTS, BIG_MEMBERS = 100_000, 1_000_000
REGISTRATION_YEARS = 3
WEIGHED_SHARE, WEIGHED_CAP = 0.22, 1500  # share of the catalog sold by weight, at most
MEMBER_PRICE_SHARE = 0.3

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class DemoReport:
    """What ``generate`` made, and how long each phase took (seconds)."""

    path: Path
    program: str
    store: str
    start: datetime
    products: int = 0
    weighed: int = 0
    member_priced: int = 0
    members: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    ledger_entries: int = 0
    coupons: int = 0
    stored_value_members: int = 0
    coin_members: int = 0
    timings: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------- products


def _retail(rnd: random.Random, yuan: float) -> int:
    """A shelf price in fen: to the 10 fen, often ending in 9 jiao."""
    fen = max(50, round(yuan * 10) * 10)
    if fen >= 300 and rnd.random() < 0.5:
        fen = fen // 100 * 100 + 90
    return fen


class _Codes:
    """EAN-13s under China's GS1 prefixes: a company prefix per brand, item refs in it."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.company: dict[str, str] = {}
        self.next_ref: dict[str, int] = {}

    def _new_company(self) -> str:
        while True:  # 690-699 + a 4-digit company number: a 7-digit company prefix
            prefix = f"69{self.rnd.randint(0, 9)}{self.rnd.randint(0, 9999):04d}"
            if prefix not in self.next_ref:
                self.next_ref[prefix] = self.rnd.randint(0, 3000)
                return prefix

    def code(self, brand: str) -> str:
        prefix = self.company.get(brand) or self._new_company()
        self.company[brand] = prefix
        ref = self.next_ref[prefix] + self.rnd.randint(1, 5)
        if ref > 99_999:  # the company ran out of item numbers: it has a second prefix
            self.company[brand] = prefix = self._new_company()
            ref = self.next_ref[prefix] + 1
        self.next_ref[prefix] = ref
        return with_check_digit(f"{prefix}{ref:05d}")


def _split(total: int, shares: list[float]) -> list[int]:
    """``total`` split by ``shares``, rounding so the parts add up."""
    s = sum(shares)
    parts = [int(total * x / s) for x in shares]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


def demo_products(n: int, seed: int = 1) -> list[Product]:
    """``n`` products: about a fifth fresh goods by weight (PLU for the label scale)."""
    rnd = random.Random(f"products:{seed}")
    codes = _Codes(rnd)
    weighed_n = min(round(n * WEIGHED_SHARE), WEIGHED_CAP)
    weighed = [d for d in DEPARTMENTS if d.weighed]
    packaged = [d for d in DEPARTMENTS if not d.weighed]
    counts = _split(weighed_n, [d.share for d in weighed]) + _split(
        n - weighed_n, [d.share for d in packaged]
    )
    out: list[Product] = []
    taken: set[str] = set()
    plu_block = 0
    for dept, count in zip(weighed + packaged, counts, strict=True):
        if dept.weighed:
            plu_block += 1
        for k, (name, yuan, brand) in enumerate(_names(rnd, dept, count)):
            if name in taken:  # the same words in two departments
                name = next(f"{name}·{i}" for i in range(2, 10**6) if f"{name}·{i}" not in taken)
            taken.add(name)
            price = _retail(rnd, yuan)
            member = None
            if rnd.random() < MEMBER_PRICE_SHARE:
                member = max(10, int(price * rnd.uniform(0.75, 0.95)) // 10 * 10)
                member = member if member < price else None
            out.append(
                Product(
                    codes.code(brand),
                    name,
                    dept.category,
                    Money(price),
                    Money(member) if member else None,
                    "kg" if dept.weighed else "piece",
                    plu_block * 10_000 + k + 1 if dept.weighed else None,
                )
            )
    return out


PREMIUM = ("有机", "精品", "特级", "野生", "黑猪", "土猪", "谷饲", "草原", "鲜活")


def _names(rnd: random.Random, dept: Department, count: int) -> Iterator[tuple[str, float, str]]:
    """``count`` distinct (name, typical yuan, brand owning the code): every combination of
    the department's words once, in a shuffled order, then again as other grades/editions."""
    combos = [
        (prefix, variant, item, yuan, pack, factor)
        for g in dept.groups
        for prefix in g.prefixes
        for variant in g.variants
        for item, yuan in g.items
        for pack, factor in g.packs
    ]
    rnd.shuffle(combos)
    extra = GRADES if dept.weighed else tuple(f" {e}" for e in EDITIONS)
    for i in range(count):
        prefix, variant, item, yuan, pack, factor = combos[i % len(combos)]
        name = f"{prefix}{variant}{item} {pack}".strip()
        turn = i // len(combos)
        if turn:
            name += extra[(turn - 1) % len(extra)]
            if turn > len(extra):
                name += f"·{turn // len(extra) + 1}"
        price = yuan * factor * rnd.uniform(0.85, 1.25) * (1.5 if prefix in PREMIUM else 1.0)
        yield name, price, "store" if dept.weighed else prefix


# ----------------------------------------------------------------------------- members


@dataclass(frozen=True)
class _Spec:
    """Everything a worker needs to make a chunk of members (picklable)."""

    program: str
    members: int
    seed: int
    today: date
    width: int


@dataclass
class _Chunk:
    """A chunk of members ready for the ledger: entry payloads and cached states."""

    members: list[tuple[str, str, str, list[str]]]  # code, phone, state_json, payloads
    tiers: Tally[str]
    coupons: int = 0
    stored_value: int = 0
    with_coins: int = 0


def _phone(i: int, seed: int) -> str:
    """A mobile number, unique per member index: an affine bijection on 8 digits."""
    a = 48_271_337 + 2 * (seed % 1000)  # odd and not a multiple of 5: invertible mod 10**8
    if a % 5 == 0:
        a += 2
    suffix = (a * i + 36_847_125 + 7_919 * seed) % 100_000_000
    return PHONE_PREFIXES[(suffix // 7 + i) % len(PHONE_PREFIXES)] + f"{suffix:08d}"


def _bands(ladder: TierLadder) -> list[tuple[int, int, str | None]]:
    """(low, high, tier) bands of the ladder's basis, lowest first."""
    levels = ladder.levels
    out: list[tuple[int, int, str | None]] = []
    if not levels or levels[0].threshold > 0:
        top = levels[0].threshold - 1 if levels else 5_000
        out.append((0, top, None))
    for i, lv in enumerate(levels):
        high = levels[i + 1].threshold - 1 if i + 1 < len(levels) else lv.threshold * 5 // 2
        out.append((lv.threshold, max(high, lv.threshold), lv.id))
    return out


def _expon_days(rnd: random.Random, mean: float, cap: int) -> int:
    return min(cap, int(rnd.expovariate(1 / mean)))


def _coupon(
    program: Program, key: str, cid: str, granted: date, origin: str, state: CouponState
) -> Coupon:
    t = program.template(key)
    last = valid_through(granted, program.coupon_validity_months)
    return Coupon(cid, t.name, t.threshold, t.off, last, granted, t.categories, state, origin)


def _member(
    program: Program, spec: _Spec, i: int, rnd: random.Random
) -> tuple[lc.Opening, list[m.MemberEntry], int, str | None]:
    """Member number ``i``: the opening, the extra history entries, its band, its tier."""
    today, n = spec.today, spec.members
    ladder = program.ladder_for(False)
    earns = {e.currency for e in program.earn}
    code = f"M{i + 1:0{spec.width}d}"
    # Registrations over three years, growing: member i registered at (i/n)^(1/1.3).
    span = REGISTRATION_YEARS * 365
    position = ((i + 0.5) / n) ** (1 / 1.3)
    registered = today - timedelta(days=max(0, min(span, round(span * (1 - position)))))
    tenure = (today - registered).days
    birthday = None
    if rnd.random() < 0.85:
        birthday = date(today.year - rnd.randint(18, 75), rnd.randint(1, 12), rnd.randint(1, 28))
    name = rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.choice((1, 2, 2))))
    if rnd.random() < 0.25:
        name = ""
    # The tier band: most members at the bottom, each band up about a quarter as many.
    bands = _bands(ladder)
    weights = [0.27**k for k in range(len(bands))]
    band = rnd.choices(range(len(bands)), weights)[0]
    if tenure < 30 and rnd.random() < 0.9:
        band = 0
    low, high, tier = bands[band]
    value = low + int((high - low) * rnd.random() ** 1.6)
    if band == 0 and rnd.random() < 0.12:
        value = 0  # registered, never bought (or nothing that counts)
    # Spend and points consistent with the ladder's basis.
    growth = points = spend = spend12 = recharge = 0
    basis = ladder.basis
    if basis == "growth_points":
        growth = value
        spend = int(value * 100 * rnd.uniform(1.4, 2.6)) if value else 0
    elif basis == "points_balance":
        points = value
        spend = int(value * rnd.uniform(80, 150))
    elif basis == "spend_12m":
        spend12 = value
        spend = int(value * rnd.uniform(1.0, 1 + tenure / 365))
    elif basis == "cumulative_spend":
        spend = value
    else:
        recharge = value
    if value == 0 and basis != "growth_points" and rnd.random() < 0.5:
        spend = 0
    # Purchases: first soon after registering, last recently for the upper bands.
    first = last = None
    visits = 0
    if spend > 0:
        first = registered + timedelta(days=min(tenure, rnd.randint(0, 3)))
        mean = 90.0 if band == 0 else 12.0
        cap = (today - first).days
        if basis == "spend_12m" or spend12:
            cap = min(cap, 364)
        last = today - timedelta(days=_expon_days(rnd, mean, cap))
        days = (last - first).days + 1
        visits = max(1, min(spend // rnd.randint(3_500, 12_000), days))
    recent = last is not None and (today - last).days < 365
    if spend and recent and basis != "spend_12m":
        spend12 = min(spend, int(spend * 365 / max(tenure, 365) * rnd.uniform(0.7, 1.1)))
    if "growth_points" in earns and basis != "growth_points":
        growth = spend // 250
    if "points" in earns and basis != "points_balance" and spend:
        points = int(spend / 100 * rnd.uniform(0.2, 1.0))
    tier_through = None
    if ladder.validity_months and tier is not None:
        window = max(0, min(tenure, ladder.validity_months * 30 - 5))
        tier_through = valid_through(
            today - timedelta(days=rnd.randint(0, window)), ladder.validity_months
        )
    # Coin lots: what is left of the coins earned each month in the coins' lifetime.
    lots: list[tuple[int, date]] = []
    window_start = _coin_window(program, registered, today)
    if "coins" in earns and last is not None and spend12 and last >= window_start:
        monthly = max(1, spend12 // 1000 // 12)  # 1 coin per 10 yuan
        months = min(12, rnd.randint(0, 3 + 2 * band))
        for _ in range(months):
            granted = window_start + timedelta(days=rnd.randint(0, (last - window_start).days))
            lots.append((rnd.randint(1, monthly), granted))
    # Stored value: some recharge; the gift steps add gift value and coins.
    principal = gift = 0
    if program.stored_value and (recharge or rnd.random() < (0.08, 0.25, 0.4, 0.5)[min(band, 3)]):
        made = 0
        gift_total = 0
        while made < max(recharge, 1):
            amount = Money.yuan(rnd.choice((100, 200, 200, 300, 500, 500, 1000, 2000)))
            made += amount.fen
            step = program.recharge_gift(amount)
            if step is not None:
                gift_total += step.gift_value.fen
                on = today - timedelta(days=rnd.randint(0, tenure))
                if step.coins and on >= window_start:
                    lots.append((step.coins, on))
            if rnd.random() < 0.5 and made >= recharge:
                break
        recharge = made
        left = 0.0 if rnd.random() < 0.1 else rnd.random() ** 1.5
        principal, gift = int(made * left), int(gift_total * left)
    lots.sort(key=lambda x: x[1])
    # Coupons: this month's tier gift, a promotion, a new member's welcome gift.
    coupons: list[Coupon] = []
    extra: list[m.MemberEntry] = []
    level = ladder.level(tier)
    first_day, last_day = program.monthly_claim_days
    if level and level.monthly_gift and today.day >= first_day and rnd.random() < 0.45:
        claimed = today.replace(day=rnd.randint(first_day, min(last_day, today.day)))
        period = f"{today.year}-{today.month:02d}"
        extra.append(m.GiftClaimed("monthly", period))
        for g in level.monthly_gift:
            for _ in range(g.count):
                state: CouponState = "used" if rnd.random() < 0.3 else "unused"
                cid = f"{code}-O{len(coupons) + 1}"
                coupons.append(
                    _coupon(program, g.template, cid, claimed, f"monthly:{period}", state)
                )
    if birthday and birthday.month == today.month and program.birthday_gift and rnd.random() < 0.4:
        extra.append(m.GiftClaimed("birthday", str(today.year)))
        on = today.replace(day=rnd.randint(1, today.day))
        for g in program.birthday_gift:
            for _ in range(g.count):
                cid = f"{code}-O{len(coupons) + 1}"
                coupons.append(
                    _coupon(program, g.template, cid, on, f"birthday:{today.year}", "unused")
                )
    validity = program.coupon_validity_months
    if valid_through(registered, validity) >= today and rnd.random() < 0.7:
        for g in program.registration_gift:
            for _ in range(g.count):
                cid = f"{code}-O{len(coupons) + 1}"
                coupons.append(
                    _coupon(program, g.template, cid, registered, "registration", "unused")
                )
    promos = [t.key for t in program.coupon_templates if t.key not in _birthday_keys(program)]
    if promos and rnd.random() < 0.12:
        for _ in range(rnd.randint(1, 2)):
            on = max(registered, add_months(today, -validity) + timedelta(days=1))
            on += timedelta(days=rnd.randint(0, (today - on).days))
            cid = f"{code}-O{len(coupons) + 1}"
            coupons.append(_coupon(program, rnd.choice(promos), cid, on, "promotion", "unused"))
    if first is not None and last is not None:
        ticket = Money(max(100, spend // visits))
        if visits > 1:
            extra.append(m.Purchased(first, ticket, visits - 1))
        extra.append(m.Purchased(last, ticket, 1))
    opening = lc.Opening(
        code=code,
        phone=_phone(i, spec.seed),
        registered=registered,
        birthday=birthday,
        name=name,
        tier=tier,
        tier_valid_through=tier_through,
        growth_points=growth,
        points=points,
        coin_lots=tuple(lots),
        principal=Money(principal),
        gift=Money(gift),
        coupons=tuple(coupons),
        spend_12m=Money(spend12),
        cumulative_spend=Money(spend),
        cumulative_recharge=Money(recharge),
    )
    return opening, extra, band, tier


def _birthday_keys(program: Program) -> set[str]:
    return {g.template for g in program.birthday_gift}


def _coin_window(program: Program, registered: date, today: date) -> date:
    """The first grant day whose lot is still live today."""
    if program.coin_expiry == "rolling_months":
        start = add_months(today, -program.coin_expiry_months) + timedelta(days=1)
        while (lc.coin_lot_last_day(program, start) or today) < today:
            start += timedelta(days=1)
    elif program.coin_expiry == "year_end_clear_percent":
        start = date(today.year, 1, 1)  # earlier years' lots would fall due for clearing
    else:
        start = registered
    return max(start, registered)


def _member_chunk(spec: _Spec, chunk: int) -> _Chunk:
    """Members ``chunk * CHUNK`` .. : their ledger payloads and cached states."""
    program = load_program(spec.program)
    rnd = random.Random(f"members:{spec.seed}:{chunk}")
    out = _Chunk([], Tally())
    for i in range(chunk * CHUNK, min(spec.members, (chunk + 1) * CHUNK)):
        opening, extra, _, tier = _member(program, spec, i, rnd)
        entries = lc.opening_entries(program, opening, spec.today) + extra
        state = m.fold(entries)
        payloads = [
            json.dumps(
                codec.encode_entry(e), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            for e in entries
        ]
        out.members.append((opening.code, opening.phone, codec.dumps(state), payloads))
        out.tiers[tier or "-"] += 1
        out.coupons += len(opening.coupons)
        out.stored_value += bool(opening.principal or opening.gift)
        out.with_coins += bool(opening.coin_lots)
    return out


# ----------------------------------------------------------------------------- writing


class _Chain:
    """Continues the ledger's hash chain in memory for bulk inserts."""

    def __init__(
        self, seq: int, head: str, start: datetime, seed: int, mac: Callable[[str], str]
    ) -> None:
        self.seq, self.head, self.mac = seq, head, mac
        self.at = start.isoformat()
        # Deterministic UUIDv7-shaped ids: the start time, a salt from the seed, then
        # the sequence number, so bulk rows land at the end of the id index.
        ms = int(start.replace(tzinfo=UTC).timestamp() * 1000) & (2**48 - 1)
        salt = random.Random(f"ids:{seed}").getrandbits(30)
        h = f"{ms:012x}"
        self.id_head = (
            f"{h[:8]}-{h[8:]}-7{salt >> 18:03x}-{0x8000 | (salt >> 4) & 0x3FFF:04x}-{salt & 0xF:x}"
        )

    def rows(self, code: str, payloads: list[str]) -> Iterator[dict[str, Any]]:
        for payload in payloads:
            self.seq += 1
            id_ = f"{self.id_head}{self.seq:011x}"
            h = row_hash(
                self.head, self.seq, id_, TERMINAL_ID, self.at, "member", code, "opening", payload
            )
            yield {
                "seq": self.seq,
                "id": id_,
                "terminal_id": TERMINAL_ID,
                "at": self.at,
                "kind": "member",
                "member_code": code,
                "ref": "opening",
                "payload": payload,
                "prev_hash": self.head,
                "hash": h,
                "mac": self.mac(h),
            }
            self.head = h


def _chunks(spec: _Spec, workers: int) -> Iterator[_Chunk]:
    """Chunks in order; generated in worker processes, a few ahead of the writer."""
    total = math.ceil(spec.members / CHUNK)
    if workers <= 1 or total <= 2:
        for c in range(total):
            yield _member_chunk(spec, c)
        return
    with ProcessPoolExecutor(workers) as pool:
        pending: list[Future[_Chunk]] = []
        nxt = 0
        while nxt < total or pending:
            while nxt < total and len(pending) < 2 * workers:
                pending.append(pool.submit(_member_chunk, spec, nxt))
                nxt += 1
            yield pending.pop(0).result()


def _write_members(
    engine: Engine, spec: _Spec, start: datetime, report: DemoReport, progress: Progress | None
) -> None:
    workers = int(os.environ.get("POS_DEMO_WORKERS", "0")) or min(4, os.cpu_count() or 1)
    if spec.members < 5 * CHUNK:
        workers = 1
    with engine.connect() as conn:
        last = conn.execute(
            select(LedgerRow.seq, LedgerRow.hash).order_by(LedgerRow.seq.desc()).limit(1)
        ).first()
        mac = mac_of(cast(sqlite3.Connection, conn.connection.driver_connection))  # its key
        chain = _Chain(
            last.seq if last else 0, last.hash if last else GENESIS, start, spec.seed, mac
        )
        # A generated file is re-made, not recovered: skip the per-commit fsync here.
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
        conn.commit()
        try:
            for chunk in _chunks(spec, workers):
                ledger_rows: list[dict[str, Any]] = []
                member_rows: list[dict[str, Any]] = []
                for code, phone, state_json, payloads in chunk.members:
                    ledger_rows.extend(chain.rows(code, payloads))
                    member_rows.append(
                        {
                            "code": code,
                            "phone": phone,
                            "state_json": state_json,
                            "last_seq": chain.seq,
                        }
                    )
                with conn.begin():
                    conn.execute(insert(LedgerRow), ledger_rows)
                    conn.execute(insert(MemberRow), member_rows)
                report.members += len(member_rows)
                report.ledger_entries += len(ledger_rows)
                report.coupons += chunk.coupons
                report.stored_value_members += chunk.stored_value
                report.coin_members += chunk.with_coins
                for k, v in chunk.tiers.items():
                    report.tiers[k] = report.tiers.get(k, 0) + v
                if progress:
                    progress("members", report.members, spec.members)
        finally:
            conn.exec_driver_sql("PRAGMA synchronous=FULL")
            conn.commit()


def _write_products(engine: Engine, items: list[Product]) -> None:
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "category": p.category,
            "price_fen": p.price.fen,
            "member_price_fen": p.member_price.fen if p.member_price else None,
            "unit": p.unit,
            "plu": p.plu,
        }
        for p in items
    ]
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(ProductRow), rows[i : i + CHUNK])


def _ensure_empty(sessions: sessionmaker[Session], path: Path) -> None:
    """Demo data goes into a new store only: a store with an identity, staff, products,
    members or ledger rows keeps them (its PINs and prices are its own)."""
    with sessions() as s:
        held = {
            what: s.execute(select(func.count()).select_from(table)).scalar() or 0
            for what, table in (
                ("settings", Setting),
                ("staff", StaffRow),
                ("products", ProductRow),
                ("members", MemberRow),
                ("ledger rows", LedgerRow),
            )
        }
    if any(held.values()):
        holds = ", ".join(f"{n} {what}" for what, n in held.items() if n)
        raise RuleViolation(
            f"{path} already holds {holds}: demo data goes into a new store",
            code="store_not_empty",
            path=str(path),  # every count, zero or not: the screen says what it holds
            members=held["members"],
            products=held["products"],
            staff=held["staff"],
            ledger_rows=held["ledger rows"],
            settings=held["settings"],
        )


def is_demo_store(path: Path) -> bool:
    """Whether the store at ``path`` is one ``generate`` made (and nothing else: a till's
    store has staff, PINs and sales of its own, and ``demo-data --replace`` keeps it)."""
    sessions = open_store(path)
    try:
        with sessions() as s:
            return s.get(Setting, DEMO) is not None
    finally:
        sessions.kw["bind"].dispose()


def generate(
    db_path: Path | str,
    *,
    program: str = "tomato",
    products: int = 3000,
    members: int = 20000,
    seed: int = 1,
    start: datetime | None = None,
    progress: Progress | None = None,
) -> DemoReport:
    """Create a demo store at ``db_path`` (a new or empty store) as of ``start``
    (default: now). The same arguments always make the same store."""
    path = Path(db_path)
    start = (start or datetime.now()).replace(microsecond=0)
    prog = load_program(program)
    store_name = STORE_NAMES.get(program, f"{prog.name} · 演示店")
    report = DemoReport(path, program, store_name, start)
    t0 = time.perf_counter()
    sessions = open_store(path)
    engine: Engine = sessions.kw["bind"]
    try:
        _ensure_empty(sessions, path)
        setup.configure(
            sessions, terminal_id=TERMINAL_ID, program=program, store=store_name, **{DEMO: "1"}
        )
        setup.add_staff(sessions, STAFF)
        report.timings["setup"] = time.perf_counter() - t0
        t = time.perf_counter()
        items = demo_products(products, seed)
        _write_products(engine, items)
        report.products = len(items)
        report.weighed = sum(p.weighed for p in items)
        report.member_priced = sum(p.member_price is not None for p in items)
        report.timings["products"] = time.perf_counter() - t
        if progress:
            progress("products", len(items), products)
        t = time.perf_counter()
        width = max(6, len(str(members)))
        spec = _Spec(program, members, seed, start.date(), width)
        _write_members(engine, spec, start, report, progress)
        report.timings["members"] = time.perf_counter() - t
    finally:
        engine.dispose()
    report.timings["total"] = time.perf_counter() - t0
    return report
