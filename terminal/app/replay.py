"""``pos-terminal replay``: a scenario file run through the counter services.

The contract is ../shared/spec/scenario-format.md: a fresh store (or ``--db``), the
same services the screen calls, no devices, no network; one JSON document out.

On an existing store (``--db``) a scenario plays as that till (its terminal id, store
name, staff) and may only add to it: a store with staff of its own (PINs replay does
not know), a product it holds at another price or a member it holds already refuses
the scenario before anything is written (exit 2); the setup is then one transaction.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from terminal import codec
from terminal.app import setup
from terminal.app import staff as st
from terminal.app.counter import (
    CommittedSale,
    Counter,
    RechargeResult,
    ReturnResult,
    tender_from_json,
)
from terminal.app.ids import IdSource, ReplayIds
from terminal.clock import FixedClock
from terminal.errors import PosError, ProgramFileError, RuleViolation
from terminal.money import Money
from terminal.printing.layout import StoreInfo
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.catalog import Product
from terminal.rules.checkout import SaleRecord
from terminal.rules.coupons import Coupon
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program
from terminal.rules.promotion_loader import read_promotion_list
from terminal.store import products
from terminal.store.db import open_store, write_session
from terminal.store.products import to_product
from terminal.store.schema import (
    DayCloseRow,
    LedgerRow,
    MemberRow,
    ProductRow,
    Setting,
    ShiftRow,
    StaffRow,
)

# A store with no staff gets these two; a store with staff of its own is refused
# (``check_store``): replay never writes a store's staff or PINs.
STAFF = (("c1", "收银员", "cashier", "1111"), ("mgr", "店长", "manager", "8888"))
PINS = {sid: pin for sid, _, _, pin in STAFF}
CASHIER = "c1"
TERMINAL = "T01"  # a store with no terminal id of its own


class ScenarioError(Exception):
    """A malformed scenario: one line naming the field at fault (exit 2)."""


# ----------------------------------------------------------------------------- reading


class _Field:
    def __init__(self, path: str, data: Any) -> None:
        self.path, self.data = path, data

    def fail(self, key: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.path}.{key}: {problem}" if self.path else f"{key}: {problem}")

    def get(
        self, key: str, kind: type | tuple[type, ...], required: bool = True, default: Any = None
    ) -> Any:
        if not isinstance(self.data, dict):
            raise ScenarioError(f"{self.path}: must be an object")
        if key not in self.data:
            if required:
                raise self.fail(key, "is required")
            return default
        v = self.data[key]
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            what = " or ".join(k.__name__ for k in kinds)
            raise self.fail(key, f"must be {what}, not {json.dumps(v, ensure_ascii=False)}")
        return v

    def money(self, key: str, required: bool = True) -> Money | None:
        text = self.get(key, str, required)
        if text is None:
            return None
        try:
            return Money.parse(text)
        except PosError:
            raise self.fail(key, f"not an amount in yuan: {text!r}") from None

    def day(self, key: str, required: bool = True) -> date | None:
        text = self.get(key, str, required)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.fail(key, f"not a date: {text!r}") from None

    def time(self, key: str, required: bool = True) -> datetime | None:
        text = self.get(key, str, required)
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(key, f"not a local time like 2026-10-06T10:00:00: {text!r}") from None

    def sub(self, key: str, i: int | None = None) -> _Field:
        v = self.data[key] if i is None else self.data[key][i]
        name = f"{key}[{i}]" if i is not None else key
        return _Field(f"{self.path}.{name}" if self.path else name, v)


def _product(f: _Field) -> Product:
    unit = f.get("unit", str, False, "piece")
    plu = f.get("plu", (int, str), False)
    if isinstance(plu, str) and not plu.isdigit():
        raise f.fail("plu", f"must be digits, not {plu!r}")
    price = f.money("price")
    assert price is not None
    return Product(
        f.get("code", str),
        f.get("name", str, False, ""),
        f.get("category", str, False, ""),
        price,
        f.money("member_price", False),
        "kg" if unit == "kg" else "piece",
        int(plu) if plu is not None else None,
    )


def _opening(f: _Field, start: date) -> lc.Opening:
    lots = []
    for i, _ in enumerate(f.get("coin_lots", list, False, [])):
        lf = f.sub("coin_lots", i)
        lots.append((lf.get("coins", int), lf.day("granted")))
    sv = f.get("stored_value", dict, False, {})
    svf = _Field(f"{f.path}.stored_value", sv)
    coupons = []
    for i, _ in enumerate(f.get("coupons", list, False, [])):
        cf = f.sub("coupons", i)
        threshold, off, through = cf.money("threshold"), cf.money("off"), cf.day("valid_through")
        assert threshold is not None and off is not None and through is not None
        coupons.append(
            Coupon(
                cf.get("id", str),
                cf.get("name", str, False, "") or _coupon_name(cf),
                threshold,
                off,
                through,
                cf.day("granted", False),
                tuple(cf.get("categories", list, False, [])),
                cf.get("state", str, False, "unused"),
            )
        )
    return lc.Opening(
        code=f.get("code", str),
        phone=f.get("phone", str, False, ""),
        registered=f.day("registered", False),
        birthday=f.day("birthday", False),
        group=f.get("group", bool, False, False),
        name=f.get("name", str, False, ""),
        tier=f.get("tier", str, False),
        tier_valid_through=f.day("tier_valid_through", False),
        growth_points=f.get("growth_points", int, False, 0),
        points=f.get("points", int, False, 0),
        coin_lots=tuple(lots),  # type: ignore[arg-type]
        principal=svf.money("principal", False) or Money(0),
        gift=svf.money("gift", False) or Money(0),
        coupons=tuple(coupons),
        spend_12m=f.money("spend_12m", False) or Money(0),
        cumulative_spend=f.money("cumulative_spend", False) or Money(0),
        cumulative_recharge=f.money("cumulative_recharge", False) or Money(0),
    )


def _coupon_name(cf: _Field) -> str:
    return f"满{cf.data['threshold']}减{cf.data['off']}"


EVENTS: dict[str, tuple[str, ...]] = {  # kind -> required keys
    "identify": (),
    "scan": ("code",),
    "coupons": (),
    "claim": ("gift",),
    "pay": ("tenders",),
    "void": (),
    "recharge": ("code", "amount"),
    "return": ("receipt",),
    "register": ("code", "phone"),
    "sell_card": ("number", "pin", "value", "tenders"),
    "load_card": ("code", "number", "pin"),
    "advance": ("to",),
    "sync": (),
}


FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "code": str,
    "phone": str,
    "gift": str,
    "receipt": int,
    "tenders": list,
    "lines": list,
    "ids": list,
    "auto": bool,
    "manager": str,
    "number": str,
    "pin": str,
    "birthday": str,
    "name": str,
    "tender": str,
}


def _check_event(f: _Field) -> None:
    kind = f.get("do", str)
    if kind not in EVENTS:
        raise f.fail("do", f"unknown event {kind!r} (known: {', '.join(EVENTS)})")
    for key in EVENTS[kind]:
        f.get(key, FIELD_TYPES.get(key, object))
    for key, tp in FIELD_TYPES.items():
        if key in f.data:
            f.get(key, tp)
    f.time("at", False)
    if kind == "advance":
        f.time("to")
    if kind == "identify" and "code" not in f.data and "phone" not in f.data:
        raise f.fail("code", "identify needs a code or a phone")
    for key in ("amount", "value"):
        if key in f.data:
            f.money(key)
    if "qty" in f.data:
        f.get("qty", str)
    for i, _ in enumerate(f.data.get("tenders", []) if kind in ("pay", "sell_card") else []):
        tf = f.sub("tenders", i)
        k = tf.get("kind", str)
        if k in ("coins", "points"):
            tf.get(k, int)
        else:
            tf.money("amount")


@dataclass
class Scenario:
    program: Program
    start: datetime
    catalog: list[Product]
    members: list[lc.Opening]
    events: list[dict[str, Any]]


def read_scenario(data: Any) -> Scenario:
    root = _Field("", data)
    try:
        program = load_program(root.get("program", str))
    except PosError as e:
        raise root.fail("program", e.message) from None
    if isinstance(data, dict) and "promotions" in data:
        program = with_promotions(program, root.get("promotions", list))
    start = root.time("start")
    assert start is not None
    catalog = [
        _product(root.sub("catalog", i)) for i, _ in enumerate(root.get("catalog", list, False, []))
    ]
    members = [
        _opening(root.sub("members", i), start.date())
        for i, _ in enumerate(root.get("members", list, False, []))
    ]
    events = root.get("events", list)
    for i, _ in enumerate(events):
        _check_event(root.sub("events", i))
    return Scenario(program, start, catalog, members, events)


def with_promotions(program: Program, items: list[Any]) -> Program:
    """The program with a scenario's ``promotions`` added: the shape of the program
    file's ``[[promotions]]``, checked by the same reader before anything is written."""
    tier_ids = {lv.id for lv in program.tiers.levels}
    if program.group_tiers is not None:
        tier_ids |= {lv.id for lv in program.group_tiers.levels}
    member_day = any(r.member_day is not None for r in program.earn)
    try:
        extra = read_promotion_list(items, "scenario", tier_ids, member_day)
    except ProgramFileError as e:
        raise ScenarioError(f"{e.key}: {e.problem}") from None
    held = {r.id for r in program.promotions}
    for i, r in enumerate(extra):
        if r.id in held:
            raise ScenarioError(f"promotions[{i}].id: the program already has {r.id!r}")
    return replace(program, promotions=(*program.promotions, *extra))


@dataclass
class Setup:
    program: Program
    start: datetime | None
    catalog: list[Product]
    members: list[lc.Opening]


def read_setup(data: Any) -> Setup:
    """Just the setup keys (``program``, ``catalog``, ``members``; ``start`` optional):
    what ``pos-hq import`` loads into HQ."""
    root = _Field("", data)
    try:
        program = load_program(root.get("program", str))
    except PosError as e:
        raise root.fail("program", e.message) from None
    start = root.time("start", False)
    catalog = [
        _product(root.sub("catalog", i)) for i, _ in enumerate(root.get("catalog", list, False, []))
    ]
    day = start.date() if start else date.today()
    members = [
        _opening(root.sub("members", i), day)
        for i, _ in enumerate(root.get("members", list, False, []))
    ]
    return Setup(program, start, catalog, members)


# ----------------------------------------------------------------------------- running


@dataclass
class Replay:
    counter: Counter
    clock: FixedClock
    members: list[str]
    out: dict[str, list[Any]] = field(
        default_factory=lambda: {
            "sales": [],
            "recharges": [],
            "returns": [],
            "errors": [],
            "members": [],
            "cards": [],
        }
    )
    receipts: list[str] = field(default_factory=list)
    printer: Printouts | None = None

    def run(self, events: list[dict[str, Any]]) -> dict[str, list[Any]]:
        for i, ev in enumerate(events):
            try:
                if "at" in ev:
                    self._move(datetime.fromisoformat(ev["at"]))
                self._dispatch(ev)
            except PosError as e:
                self.out["errors"].append({"event": i, "error": e.code, "message": e.message})
        self.out["members"] = [
            member_json(self.counter.member_state(c), self.clock.now().date(), self.counter.program)
            for c in self.members
        ]
        if not self.out["cards"]:
            del self.out["cards"]
        return self.out

    def _move(self, when: datetime) -> None:
        if when < self.clock.now():
            raise RuleViolation(
                f"time cannot go back to {when.isoformat()}",
                code="clock_backwards",
                when=when.isoformat(),
            )
        self.clock.set(when)

    def _auth(self, ev: dict[str, Any]) -> Any:
        who = ev.get("manager")
        if who is None:
            return None
        return self.counter.authorize(str(who), PINS.get(str(who), ""))

    def _dispatch(self, ev: dict[str, Any]) -> None:
        kind = ev["do"]
        handler: Callable[[dict[str, Any]], None] = getattr(self, f"_do_{kind}")
        handler(ev)

    def _do_identify(self, ev: dict[str, Any]) -> None:
        self.counter.identify(str(ev.get("code") or ev.get("phone")))

    def _do_scan(self, ev: dict[str, Any]) -> None:
        self.counter.scan(ev["code"], Qty.parse(ev["qty"]) if "qty" in ev else None)

    def _do_coupons(self, ev: dict[str, Any]) -> None:
        if ev.get("auto", False):
            self.counter.choose_coupons(True)
        else:
            self.counter.choose_coupons(False, [str(i) for i in ev.get("ids", [])])

    def _do_claim(self, ev: dict[str, Any]) -> None:
        self.counter.claim_gift(ev["gift"])

    def _do_pay(self, ev: dict[str, Any]) -> None:
        sale = self.counter.pay([tender_from_json(t) for t in ev["tenders"]])
        self.receipts.append(sale.receipt_no)
        if self.printer:
            self.printer.sale(sale, self.clock.now())
        self.out["sales"].append(sale_json(len(self.receipts), sale))

    def _do_void(self, ev: dict[str, Any]) -> None:
        self.counter.void()

    def _do_recharge(self, ev: dict[str, Any]) -> None:
        r = self.counter.recharge(
            ev["code"], Money.parse(ev["amount"]), self._auth(ev), ev.get("tender", "cash")
        )
        if self.printer:
            self.printer.recharge(r, ev.get("tender", "cash"), self.clock.now())
        self.out["recharges"].append(
            {
                "code": r.code,
                "amount": r.amount.plain(),
                "gift": r.gift.plain(),
                "coins_granted": r.coins,
                **({"promotions": list(r.promotions)} if r.promotions else {}),
            }
        )

    def _do_return(self, ev: dict[str, Any]) -> None:
        n = ev["receipt"]
        if not isinstance(n, int) or not 1 <= n <= len(self.receipts):
            raise RuleViolation(
                f"no sale number {n} in this scenario", code="unknown_receipt", case="scenario", n=n
            )
        lines = None
        if "lines" in ev:
            lines = [(int(x["line"]), Qty.parse(str(x.get("qty", "1")))) for x in ev["lines"]]
        r = self.counter.return_sale(self.receipts[n - 1], lines, self._auth(ev))
        if self.printer:
            self.printer.refund(r, self.counter.find_sale(r.receipt_no)[1], self.clock.now())
        self.out["returns"].append(return_json(n, r))

    def _do_register(self, ev: dict[str, Any]) -> None:
        self.counter.register(
            ev["code"], ev["phone"], birthday=ev.get("birthday"), name=ev.get("name", "")
        )
        self.members.append(ev["code"])

    def _do_sell_card(self, ev: dict[str, Any]) -> None:
        self.counter.sell_card(
            str(ev["number"]),
            str(ev["pin"]),
            Money.parse(ev["value"]),
            [tender_from_json(t) for t in ev["tenders"]],
        )
        self.out["cards"].append(
            {"number": str(ev["number"]), "value": ev["value"], "state": "sold"}
        )

    def _do_load_card(self, ev: dict[str, Any]) -> None:
        self.counter.load_card(ev["code"], str(ev["number"]), str(ev["pin"]))
        for c in self.out["cards"]:
            if c["number"] == str(ev["number"]):
                c["state"] = "loaded"

    def _do_advance(self, ev: dict[str, Any]) -> None:
        self._move(datetime.fromisoformat(ev["to"]))
        self.counter.apply_due()

    def _do_sync(self, ev: dict[str, Any]) -> None:
        """Standalone replay has no HQ: nothing to do (scenario-format.md)."""


def sale_json(n: int, sale: CommittedSale) -> dict[str, Any]:
    r = sale.record
    tenders = []
    for t in r.tenders:
        item: dict[str, Any] = {"kind": t.kind, "amount": t.tendered.plain()}
        if t.kind == "coins":
            item["coins"] = t.coins
        if t.kind == "points":
            item["points"] = t.points
        tenders.append(item)
    return {
        "receipt": n,
        "member": r.member_code,
        "subtotal": r.subtotal.plain(),
        "member_savings": r.member_savings.plain(),
        "coupons": [{"id": cid, "off": off.plain()} for cid, off in r.coupons],
        "total_due": r.total_due.plain(),
        "tenders": tenders,
        "change": r.change.plain(),
        "points_earned": r.earned.growth_points + r.earned.points,
        "coins_earned": r.earned.coins,
        "coupons_granted": [coupon_json(c) for c in sale.coupons_granted],
        **_promotions_json(r),
    }


def _promotions_json(r: SaleRecord) -> dict[str, Any]:
    """A sale's promotions, only for a sale that had any (earlier outputs keep their keys):
    each with what it took off the whole sale, and each line's share."""
    totals = r.promotion_totals()
    if not totals:
        return {}
    return {
        "promotion_savings": Money(sum(t.amount.fen for t in totals)).plain(),
        "promotions": [{"id": t.id, "name": t.name, "off": t.amount.plain()} for t in totals],
        "promotion_lines": [
            {"line": ln.line_no, "id": t.id, "off": t.amount.plain()}
            for ln in r.lines
            for t in ln.promotions
        ],
    }


def coupon_json(c: Coupon) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "threshold": c.threshold.plain(),
        "off": c.off.plain(),
        "valid_through": c.valid_through.isoformat(),
    }


def return_json(n: int, r: ReturnResult) -> dict[str, Any]:
    rec = r.record
    return {
        "receipt": n,
        "refund": rec.refund.plain(),
        "shortfall_deducted": rec.shortfall_deducted.plain(),
        "points_removed": rec.clawed.growth_points + rec.clawed.points,
        "coins_removed": rec.clawed.coins,
        "coins_refunded": rec.coins_refunded,
    }


def member_json(s: m.MemberState, today: date, program: Program | None = None) -> dict[str, Any]:
    """A member as ``replay`` prints it; with the program, also its ``status``
    (registered, recharged, active, sleeping, closed: ``lifecycle.member_status``)."""
    out = {
        "code": s.code,
        "tier": s.tier,
        "tier_valid_through": s.tier_valid_through.isoformat() if s.tier_valid_through else None,
        "growth_points": s.growth_points,
        "points": s.points,
        "coins": s.coins_on(today),
        "stored_value": {"principal": s.principal.plain(), "gift": s.gift.plain()},
        "coupons": [{"id": c.id, "state": c.state} for c in s.coupons],
        "spend_12m": s.spend_12m.plain(),
        "cumulative_spend": s.cumulative_spend.plain(),
        "cumulative_recharge": s.cumulative_recharge.plain(),
    }
    if program is not None:
        out["status"] = lc.member_status(s, program, today)
    return out


class Printouts(Protocol):
    """The printer port (``--receipts DIR``): what replay prints, handed to whoever
    renders it (``devices.printer.printouts``); the core knows no printer."""

    def sale(self, sale: CommittedSale, now: datetime) -> None: ...

    def recharge(self, r: RechargeResult, tender: str, now: datetime) -> None: ...

    def refund(self, r: ReturnResult, sale: SaleRecord, now: datetime) -> None: ...


PrintoutsFor = Callable[[Program, StoreInfo], Printouts]  # the scenario's program and store


def replay(
    data: Any,
    db: Path | None = None,
    printouts: PrintoutsFor | None = None,
    program: Program | None = None,
) -> dict[str, list[Any]]:
    """``program``, if given, stands for the scenario's named one (the HQ console tries
    an uploaded file on a scenario); the scenario's ``promotions`` still apply."""
    sc = read_scenario(data)
    if program is not None:
        extra = data.get("promotions", []) if isinstance(data, dict) else []
        sc = replace(sc, program=with_promotions(program, extra) if extra else program)
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="replay-")
        path = Path(tmp.name) / "till.sqlite"
    else:
        tmp, path = None, db
    try:
        sessions = open_store(path)
        try:
            till = check_store(sessions, sc, path)
            ids = _StoreIds(sessions, till.terminal) if till.held else ReplayIds(till.terminal)
            clock = FixedClock(sc.start)
            write_setup(sessions, sc, till, ids, clock, path)
            counter = Counter(
                sessions, sc.program, clock, ids, terminal_id=till.terminal, cashier=CASHIER
            )
            printer = None
            if printouts is not None:
                printer = printouts(sc.program, StoreInfo(till.store, till.terminal, "收银员"))
            codes = [o.code for o in sc.members] or _named_members(sessions, sc.events)
            return Replay(counter, clock, codes, printer=printer).run(sc.events)
        finally:
            sessions.kw["bind"].dispose()
    finally:
        if tmp is not None:
            tmp.cleanup()


# ----------------------------------------------------------------------------- the store


@dataclass(frozen=True)
class Till:
    """Who a scenario plays as on its store, and what its setup adds there."""

    terminal: str  # the store's own terminal id (a provisioned till's), else TERMINAL
    store: str
    held: bool  # the store had settings already (a provisioned till, an earlier replay)
    add_staff: bool  # the store has no staff: replay's two go in
    products: tuple[Product, ...]  # the scenario's products the store does not hold yet


def check_store(
    sessions: sessionmaker[Session], sc: Scenario, path: Path, store_name: str = "replay"
) -> Till:
    """The scenario's setup checked whole against the store, nothing written
    (``ScenarioError``: the refusal, exit 2). A store keeps its identity, staff, PINs,
    products and members: a scenario may only add what the store does not hold."""
    with sessions() as s:
        held = {r.key: r.value for r in s.execute(select(Setting)).scalars()}
        if held.get("program", sc.program.id) != sc.program.id:
            raise ScenarioError(f"program: the store at {path} runs program {held['program']}")
        staff = {r.id: r for r in s.execute(select(StaffRow)).scalars()}
        if staff and not _replays_own(staff):
            raise ScenarioError(
                f"the store at {path} has staff of its own: replay never changes a store's "
                "staff or PINs and does not know theirs; replay into a new --db file, or onto "
                "a copy of the store"
            )
        new: list[Product] = []
        for i, item in enumerate(sc.catalog):
            row = s.get(ProductRow, item.code)
            if row is None:
                new.append(item)
            elif to_product(row) != item:
                raise ScenarioError(
                    f"catalog[{i}]: product {item.code} is in the store at {path} as "
                    f"{row.name} at {Money(row.price_fen).plain()}: replay never changes a "
                    "store's products or prices"
                )
        seen: set[str] = set()
        for i, o in enumerate(sc.members):
            if o.code in seen or s.get(MemberRow, o.code) is not None:
                raise ScenarioError(f"members[{i}]: member {o.code} already exists in {path}")
            seen.add(o.code)
        day = sc.start.date().isoformat()
        shift = s.execute(select(ShiftRow.id).where(ShiftRow.closed_at.is_(None))).first()
        if shift is None and s.get(DayCloseRow, day) is not None:
            raise ScenarioError(f"start: {day} is already closed (Z) in the store at {path}")
    terminal = held.get("terminal_id", TERMINAL)
    return Till(terminal, held.get("store", store_name), bool(held), not staff, tuple(new))


def _replays_own(staff: dict[str, StaffRow]) -> bool:
    """The store's staff are exactly replay's, with replay's PINs (a store an earlier
    replay or the demo made): checked, never written, so no lockout changes."""
    if set(staff) != set(PINS):
        return False
    return all(
        staff[sid].role == role and st.check_secret(staff[sid].pin_hash, pin)
        for sid, _, role, pin in STAFF
    )


def write_setup(
    sessions: sessionmaker[Session],
    sc: Scenario,
    till: Till,
    ids: IdSource,
    clock: FixedClock,
    path: Path,
) -> None:
    """What ``check_store`` allowed, in one transaction; then the shift, if none is open
    (its own transaction: ``check_store`` made sure it can open)."""
    try:
        with write_session(sessions) as s:
            wanted = {"terminal_id": till.terminal, "program": sc.program.id, "store": till.store}
            for key, value in wanted.items():
                if s.get(Setting, key) is None:
                    s.add(Setting(key=key, value=value))
            for sid, name, role, pin in STAFF if till.add_staff else ():
                st.add_staff(s, sid, name, role, pin)
            products.upsert(s, list(till.products))
            setup.write_members(s, sc.program, sc.members, sc.start, till.terminal, ids)
    except RuleViolation as e:  # rolled back whole
        raise ScenarioError(f"members: {e.message} in the store at {path}") from None
    if not _shift_open(sessions):
        setup.open_shift(sessions, clock, ids, till.terminal, CASHIER)


def _shift_open(sessions: sessionmaker[Session]) -> bool:
    with sessions() as s:
        open_ = s.execute(select(ShiftRow.id).where(ShiftRow.closed_at.is_(None))).first()
        return open_ is not None


def _named_members(sessions: sessionmaker[Session], events: list[dict[str, Any]]) -> list[str]:
    """The store's members a scenario without ``members`` names, in first-mention order."""
    out: list[str] = []
    with sessions() as s:
        for ev in events:
            code = str(ev.get("code", ""))
            named = ev["do"] in ("identify", "recharge", "load_card") and code
            if named and code not in out and s.get(MemberRow, code) is not None:
                out.append(code)
    return out


class _StoreIds(ReplayIds):
    """Replay ids on a store with a history: a prefix from the ledger's head keeps entry
    and sale ids unique; a member's coupon ids go on after the highest ``-G<n>`` held."""

    def __init__(self, sessions: sessionmaker[Session], terminal: str) -> None:
        self.sessions = sessions
        with sessions() as s:
            head = s.execute(select(func.max(LedgerRow.seq))).scalar() or 0
        super().__init__(f"{terminal}.{head}")

    def coupon_id(self, member_code: str) -> str:
        key = "coupon:" + member_code
        if key not in self.n:
            with self.sessions() as s:
                row = s.get(MemberRow, member_code)
            state = codec.loads(m.MemberState, row.state_json) if row else None
            pattern = re.compile(re.escape(member_code) + r"-G(\d+)")
            held = [pattern.fullmatch(c.id) for c in state.coupons] if state else []
            self.n[key] = max((int(x.group(1)) for x in held if x), default=0)
        return super().coupon_id(member_code)
