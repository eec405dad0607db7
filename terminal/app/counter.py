"""The counter: every command a cashier or manager gives, over the store.

Each command validates first, then changes the store in one transaction: a sale,
its lines, tenders and ledger rows commit together before any receipt prints. A
refused command raises a ``PosError`` and leaves the store as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from terminal import codec
from terminal.app import staff as st
from terminal.app.ids import IdSource
from terminal.app.service import StoreService
from terminal.clock import Clock
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules import tenders as tn
from terminal.rules.catalog import resolve_scan
from terminal.rules.checkout import SaleRecord, settle_sale
from terminal.rules.program import Program
from terminal.rules.returns import ReturnRecord, needs_manager, plan_lines, settle_return
from terminal.store import members as repo
from terminal.store.ledger import Ledger
from terminal.store.products import StoreCatalog
from terminal.store.schema import (
    DayCloseRow,
    HeldSaleRow,
    PrepaidCardRow,
    ReturnRow,
    SaleRow,
    Setting,
    ShiftRow,
    TenderRow,
)

CARD_TENDERS = ("cash", "card", "mobile")  # recharges and prepaid cards: real money only


@dataclass
class OpenSale:
    """The sale on screen. Nothing is stored until it is paid (or held)."""

    id: str
    member: str | None = None
    lines: list[pr.SaleLine] = field(default_factory=list)
    coupons: str | list[str] = "auto"  # "auto", "none" or the cashier's chosen ids
    sale_discount: Money = ZERO


@dataclass(frozen=True)
class CommittedSale:
    receipt_no: str
    record: SaleRecord
    member: m.MemberState | None
    coupons_granted: tuple[cp.Coupon, ...]


@dataclass(frozen=True)
class RechargeResult:
    code: str
    amount: Money
    gift: Money
    coins: int
    member: m.MemberState
    ref: str = ""
    manager: str = ""


@dataclass(frozen=True)
class ReturnResult:
    return_id: str
    receipt_no: str
    record: ReturnRecord
    member: m.MemberState | None


class Counter(StoreService):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        program: Program,
        clock: Clock,
        ids: IdSource,
        *,
        terminal_id: str = "T01",
        cashier: str = "",
        offline: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(sessions, clock, ids, terminal_id)
        self.program, self.cashier, self.offline = program, cashier, offline
        self.sale: OpenSale | None = None

    # ------------------------------------------------------------------ plumbing

    def _member(self, s: Session, code: str) -> m.MemberState:
        state = repo.load(s, code)
        if state is None:
            raise NotFound(f"no member {code}", code="unknown_member")
        return state

    def _commit_member(
        self,
        s: Session,
        led: Ledger,
        state: m.MemberState,
        entries: Sequence[m.MemberEntry],
        ref: str,
    ) -> m.MemberState:
        """Append a member's entries and cache the fold, in the caller's transaction."""
        new = m.fold(entries, state)
        led.member_entries(state.code, entries, self.now, ref)
        repo.save(s, new, led.seq)
        return new

    def _current(
        self, s: Session, led: Ledger, code: str, *, refuse_blocked: bool = False
    ) -> m.MemberState:
        """The member as of today: expiries that fell due are applied and recorded. With
        ``refuse_blocked``, a blocked card (lost, closed) is refused before anything is."""
        state = self._member(s, code)
        if refuse_blocked and state.blocked:
            raise RuleViolation(
                "this member card is blocked (lost or closed)", code="member_blocked"
            )
        due = lc.due_entries(state, self.program, self.now.date())
        return self._commit_member(s, led, state, due, "expiry") if due else state

    def _active(self, s: Session, led: Ledger, code: str) -> m.MemberState:
        return self._current(s, led, code, refuse_blocked=True)

    def _on_shift(self, s: Session) -> str:
        """Money moves only inside an open shift of a day not yet closed (Z); returns the
        shift's cashier, who is answerable for the drawer."""
        row = s.execute(select(ShiftRow).where(ShiftRow.closed_at.is_(None))).scalar()
        if row is None:
            raise RuleViolation("open a shift (with its float) first", code="no_open_shift")
        if s.get(DayCloseRow, self.now.date().isoformat()) is not None:
            raise RuleViolation("today is closed (Z report run)", code="day_closed")
        return row.cashier

    def _new_coupon_id(self, code: str) -> Callable[[], str]:
        return lambda: self.ids.coupon_id(code)

    def _auth(self, manager: st.Authorization | None, action: str) -> st.Authorization:
        if manager is None:
            raise RuleViolation(
                f"{action} needs a store manager's authorization", code="manager_required"
            )
        return manager

    def _audit(self, led: Ledger, auth: st.Authorization, action: str, detail: str) -> None:
        led.append(
            "auth",
            {"manager": auth.manager, "action": action, "detail": detail},
            self.now,
            ref=action,
        )

    def _audit_now(self, auth: st.Authorization, action: str, detail: str) -> None:
        with self._tx() as (_, led):
            self._audit(led, auth, action, detail)

    def authorize(self, manager_id: str, pin: str) -> st.Authorization:
        """Check a manager's PIN. A wrong PIN counts toward lockout even though it fails."""
        with self.sessions() as s:
            try:
                who = st.check_pin(s, manager_id, pin, self.now)
            finally:
                s.commit()
        if who.role != "manager":
            raise RuleViolation(f"{who.name} is not a store manager", code="not_a_manager")
        return st.Authorization(who.id, who.name, self.now)

    def sign_in(self, staff_id: str, pin: str) -> st.Staff:
        with self.sessions() as s:
            try:
                who = st.check_pin(s, staff_id, pin, self.now)
            finally:
                s.commit()
        self.cashier = who.id
        return who

    # ------------------------------------------------------------------ members

    def identify(self, text: str) -> m.MemberState:
        """A member card code, an 11-digit phone, or the app's signed dynamic code."""
        text = text.strip()
        code = self._resolve_member_code(text)
        with self._tx() as (s, led):
            state = self._active(s, led, code)
        if self.sale is None:
            self.sale = OpenSale(self.ids.sale_id())
        self.sale.member = state.code
        return state

    def _resolve_member_code(self, text: str) -> str:
        if text.startswith("MC1."):
            from terminal.rules import appcode

            key = self.settings().get("hq_public_key")
            if not key:
                raise RuleViolation(
                    "this till holds no HQ key to check app codes", code="app_code_unverifiable"
                )
            skew = int(self.settings().get("clock_skew_s", "0"))
            return appcode.verify_app_code(
                text,
                bytes.fromhex(key),
                int(self.now.timestamp()),
                max_age_s=self.program.app_code_max_age_s,
                skew_s=skew,
            )
        if len(text) == 11 and text.isascii() and text.isdigit():
            with self.sessions() as s:
                codes = repo.codes_by_phone(s, text)
            if not codes:
                raise NotFound(f"no member with phone {mask_phone(text)}", code="unknown_member")
            if len(codes) > 1:
                raise RuleViolation(
                    f"{len(codes)} members share {mask_phone(text)}: scan the card",
                    code="phone_ambiguous",
                )
            return codes[0]
        if not text or len(text) > 32 or not text.isprintable():
            raise InvalidInput(f"not a member code: {text!r}", code="invalid_code")
        return text

    def candidates_by_phone(self, phone: str) -> list[tuple[str, str, str]]:
        """Members on a phone, for the screen to show masked and confirm the last four
        digits aloud: (code, masked phone, name)."""
        with self.sessions() as s:
            out = []
            for code in repo.codes_by_phone(s, phone):
                state = self._member(s, code)
                out.append((code, mask_phone(state.phone), state.name))
            return out

    def member_state(self, code: str) -> m.MemberState:
        """Read-only: the member as of now (due expiries folded in, not recorded)."""
        with self.sessions() as s:
            state = self._member(s, code)
        return m.fold(lc.due_entries(state, self.program, self.now.date()), state)

    def register(
        self, code: str, phone: str, *, birthday: str | None = None, name: str = ""
    ) -> m.MemberState:
        """A new member at the counter, with the program's new-member gift."""
        from datetime import date

        if not (phone.isascii() and phone.isdigit() and len(phone) == 11 and phone[0] == "1"):
            raise InvalidInput(f"not a mobile number: {phone!r}", code="invalid_phone")
        if not code or len(code) > 32 or not code.isascii() or not code.isprintable():
            raise InvalidInput(f"not a member code: {code!r}", code="invalid_code")
        bday = None
        if birthday:
            try:
                bday = date.fromisoformat(birthday)
            except ValueError:
                raise InvalidInput(f"not a date: {birthday!r}", code="invalid_date") from None
        with self._tx() as (s, led):
            if repo.load(s, code) is not None:
                raise RuleViolation(f"member {code} already exists", code="member_exists")
            entries = lc.register(
                self.program,
                code,
                phone,
                self.now.date(),
                self._new_coupon_id(code),
                birthday=bday,
                name=name,
            )
            return self._commit_member(s, led, m.MemberState(), entries, "register")

    def claim_gift(self, kind: str) -> list[cp.Coupon]:
        code = self._need_member()
        with self._tx() as (s, led):
            state = self._active(s, led, code)
            entries = lc.claim_gift(
                state, self.program, kind, self.now.date(), self._new_coupon_id(code)
            )
            self._commit_member(s, led, state, entries, f"gift:{kind}")
        return [e.coupon for e in entries if isinstance(e, m.CouponGranted)]

    def _need_member(self) -> str:
        if self.sale is None or self.sale.member is None:
            raise RuleViolation("identify the member first", code="member_required")
        return self.sale.member

    # ------------------------------------------------------------------ the open sale

    def _open(self) -> OpenSale:
        if self.sale is None:
            self.sale = OpenSale(self.ids.sale_id())
        return self.sale

    def scan(self, code: str, qty: Qty | None = None) -> pr.PricedSale:
        with self.sessions() as s:
            scanned = resolve_scan(code, qty, StoreCatalog(s), self.program.scale_barcodes)
        sale = self._open()  # a refused scan opens nothing
        same = None
        if not scanned.makes_own_line:
            same = next(
                (
                    ln
                    for ln in sale.lines
                    if ln.product.code == scanned.product.code
                    and ln.label_amount is None
                    and not ln.product.weighed
                ),
                None,
            )
        if same is not None:
            i = sale.lines.index(same)
            sale.lines[i] = replace(same, qty=same.qty + scanned.qty)
        else:
            no = max((ln.line_no for ln in sale.lines), default=0) + 1
            sale.lines.append(pr.SaleLine(no, scanned.product, scanned.qty, scanned.label_amount))
        return self.priced()

    def set_quantity(self, line_no: int, qty: Qty) -> pr.PricedSale:
        sale, line = self._line(line_no)
        if qty.milli <= 0:
            raise InvalidInput("quantity must be positive", code="invalid_quantity")
        if line.label_amount is not None or (not line.product.weighed and not qty.is_whole()):
            raise InvalidInput(
                "this line's quantity cannot be changed that way", code="invalid_quantity"
            )
        sale.lines[sale.lines.index(line)] = replace(line, qty=qty)
        return self.priced()

    def remove_line(self, line_no: int) -> pr.PricedSale:
        sale, line = self._line(line_no)
        sale.lines.remove(line)
        return self.priced()

    def _line(self, line_no: int) -> tuple[OpenSale, pr.SaleLine]:
        sale = self._open()
        line = next((ln for ln in sale.lines if ln.line_no == line_no), None)
        if line is None:
            raise InvalidInput(f"no line {line_no}", code="unknown_line")
        return sale, line

    def override_price(
        self, line_no: int, unit_price: Money, manager: st.Authorization | None
    ) -> pr.PricedSale:
        auth = self._auth(manager, "price override")
        if unit_price.fen < 0:
            raise InvalidInput("a price cannot be negative", code="invalid_amount")
        sale, line = self._line(line_no)
        sale.lines[sale.lines.index(line)] = replace(line, price_override=unit_price)
        priced = self.priced()
        self._audit_now(
            auth,
            "price_override",
            f"{sale.id} line {line_no} {line.product.code} -> {unit_price.plain()}",
        )
        return priced

    def discount_sale(self, amount: Money, manager: st.Authorization | None) -> pr.PricedSale:
        auth = self._auth(manager, "whole-sale discount")
        sale = self._open()
        if amount.fen < 0:
            raise InvalidInput("a discount cannot be negative", code="invalid_amount")
        before = self._price(
            replace(sale, sale_discount=ZERO),
            None if not sale.member else self.member_state(sale.member),
            strict=False,
        )
        if amount > before.total_due:
            raise RuleViolation(
                f"a discount of {amount} exceeds the {before.total_due} due",
                code="discount_over_total",
            )
        sale.sale_discount = amount
        priced = self.priced()
        self._audit_now(auth, "sale_discount", f"{sale.id} {amount.plain()}")
        return priced

    def choose_coupons(self, auto: bool = True, ids: Sequence[str] = ()) -> pr.PricedSale:
        if not auto:
            self._need_member()
        sale = self._open()
        if auto:
            sale.coupons = "auto"
            return self.priced()
        previous = sale.coupons
        sale.coupons = list(ids)
        try:
            return self.priced(strict=True)
        except Exception:
            sale.coupons = previous
            raise

    def priced(self, *, strict: bool = False) -> pr.PricedSale:
        sale = self._open()
        state = self.member_state(sale.member) if sale.member else None
        return self._price(sale, state, strict=strict)

    def _price(
        self, sale: OpenSale, state: m.MemberState | None, *, strict: bool = True
    ) -> pr.PricedSale:
        today = self.now.date()
        mp = pr.member_pricing(state, today) if state else None
        prices = pr.price_lines(sale.lines, mp, self.program)
        lines = pr.coupon_lines(prices)
        choice = cp.NO_COUPONS
        if state is not None and sale.coupons == "auto":
            choice = cp.best(state.coupons, lines, self.program.stacking, today)
        elif state is not None and isinstance(sale.coupons, list) and sale.coupons:
            chosen = []
            for cid in sale.coupons:
                c = state.coupon(cid)
                if c is None:
                    raise NotFound(f"the member holds no coupon {cid}", code="unknown_coupon")
                chosen.append(c)
            cp.validate(chosen, lines, self.program.stacking, today)
            choice = cp.apply(chosen, lines, "店员选择")
        return pr.reduce(prices, choice, sale.sale_discount)

    def void(self) -> None:
        """Drop the open sale (作废 before payment): nothing was stored."""
        if self.sale is None:
            raise RuleViolation("there is no open sale", code="no_open_sale")
        self.sale = None

    # ------------------------------------------------------------------ hold and recall

    def hold(self, label: str = "") -> str:
        """挂单: park the open sale to serve the next customer; it survives a restart."""
        sale = self.sale
        if sale is None or not sale.lines:
            raise RuleViolation("there is no open sale to hold", code="no_open_sale")
        payload = {
            "id": sale.id,
            "member": sale.member,
            "coupons": sale.coupons,
            "sale_discount": sale.sale_discount.fen,
            "lines": [codec.encode(ln) for ln in sale.lines],
        }
        with self._tx() as (s, _):
            s.add(
                HeldSaleRow(
                    id=sale.id,
                    at=self.now.isoformat(),
                    cashier=self.cashier,
                    label=label or (sale.member or ""),
                    payload=codec.dumps(payload),
                )
            )
        self.sale = None
        return sale.id

    def held(self) -> list[tuple[str, str, str]]:
        """Parked sales, oldest first: (id, time, label)."""
        with self.sessions() as s:
            rows = s.execute(select(HeldSaleRow).order_by(HeldSaleRow.at)).scalars()
            return [(r.id, r.at, r.label) for r in rows]

    def recall(self, held_id: str) -> pr.PricedSale:
        """取单: bring a parked sale back (the lines keep the prices they were scanned at)."""
        if self.sale is not None and self.sale.lines:
            raise RuleViolation("finish or hold the open sale first", code="sale_open")
        with self._tx() as (s, _):
            row = s.get(HeldSaleRow, held_id)
            if row is None:
                raise NotFound(f"no held sale {held_id}", code="unknown_held_sale")
            data = json.loads(row.payload)
            s.delete(row)
        lines = [codec.decode(pr.SaleLine, ln) for ln in data["lines"]]
        self.sale = OpenSale(
            data["id"], data["member"], lines, data["coupons"], Money(data["sale_discount"])
        )
        return self.priced()

    # ------------------------------------------------------------------ paying

    def pay(self, tenders: Sequence[tn.TenderRequest]) -> CommittedSale:
        sale = self.sale
        if sale is None or not sale.lines:
            raise RuleViolation("there is no open sale to pay", code="no_open_sale")
        today = self.now.date()
        with self._tx() as (s, led):
            cashier = self._on_shift(s)
            state = self._current(s, led, sale.member) if sale.member else None
            priced = self._price(sale, state)
            priced = self._round_off(sale, state, priced, tenders)
            room = self._offline_room(s, state) if state else None
            tendering = tn.apply_tenders(
                priced.total_due, tenders, self.program, state, today, offline_room=room
            )
            ids = self._new_coupon_id(sale.member) if sale.member else (lambda: "")
            settled = settle_sale(self.program, state, priced, tendering, today, sale.id, ids)
            receipt = self._next_receipt(s)
            new_state = None
            if state is not None:
                new_state = self._commit_member(s, led, state, settled.entries, sale.id)
            self._store_sale(s, led, receipt, settled.record, tendering, cashier)
        self.sale = None
        granted = tuple(
            c
            for c in (new_state.coupons if new_state else ())
            if c.id in settled.record.coupons_granted
        )
        return CommittedSale(receipt, settled.record, new_state, granted)

    def _round_off(
        self,
        sale: OpenSale,
        state: m.MemberState | None,
        priced: pr.PricedSale,
        tenders: Sequence[tn.TenderRequest],
    ) -> pr.PricedSale:
        """抹零: where the store rounds cash totals, an all-cash sale drops its fen (or jiao);
        the rounding is a whole-sale reduction, allocated to lines like any other."""
        mode = self.program.cash_round_off
        if mode == "none" or not tenders or any(t.kind != "cash" for t in tenders):
            return priced
        drop = priced.total_due - pr.round_off(priced.total_due, mode)
        if not drop:
            return priced
        rounded = replace(sale, sale_discount=sale.sale_discount + drop)
        return self._price(rounded, state)

    def _offline_room(self, s: Session, state: m.MemberState) -> Money | None:
        if not self.offline():
            return None
        day = self.now.date().isoformat()
        spent = 0
        rows = s.execute(
            select(SaleRow.record_json).where(SaleRow.member_code == state.code, SaleRow.at >= day)
        ).scalars()
        for text in rows:
            rec = codec.loads(SaleRecord, text)
            spent += sum(t.amount.fen for t in rec.tenders if t.kind in ("coins", "stored_value"))
        return tn.offline_room(self.program, Money(spent))

    def _next_receipt(self, s: Session) -> str:
        row = s.get(Setting, "receipt_counter")
        n = int(row.value) + 1 if row else 1
        s.merge(Setting(key="receipt_counter", value=str(n)))
        return f"{self.terminal_id}-{n:06d}"

    def _store_sale(
        self,
        s: Session,
        led: Ledger,
        receipt: str,
        rec: SaleRecord,
        tendering: tn.Tendering,
        shift_cashier: str,
    ) -> None:
        cashier = self.cashier or shift_cashier
        s.add(
            SaleRow(
                id=rec.sale_id,
                receipt_no=receipt,
                terminal_id=self.terminal_id,
                cashier=cashier,
                member_code=rec.member_code,
                at=self.now.isoformat(),
                total_fen=rec.total_due.fen,
                change_fen=tendering.change.fen,
                record_json=codec.dumps(rec),
            )
        )
        s.flush()
        for i, t in enumerate(tendering.tenders):
            s.add(
                TenderRow(
                    sale_id=rec.sale_id,
                    idx=i,
                    kind=t.kind,
                    amount_fen=t.amount.fen,
                    tendered_fen=t.tendered.fen,
                )
            )
        led.append(
            "sale",
            {"receipt": receipt, "cashier": cashier, "record": codec.encode(rec)},
            self.now,
            member=None,
            ref=rec.sale_id,
        )
        cash = sum(t.amount.fen for t in tendering.tenders if t.kind == "cash")
        if cash:
            led.append("cash", {"delta": cash, "reason": "sale"}, self.now, ref=rec.sale_id)

    # ------------------------------------------------------------------ returns

    def find_sale(self, receipt_no: str) -> tuple[str, SaleRecord]:
        with self.sessions() as s:
            row = s.execute(select(SaleRow).where(SaleRow.receipt_no == receipt_no)).scalar()
            if row is None or row.kind != "sale":
                raise NotFound(f"no sale with receipt {receipt_no}", code="unknown_receipt")
            return row.receipt_no, codec.loads(SaleRecord, row.record_json)

    def return_sale(
        self,
        receipt_no: str,
        lines: Sequence[tuple[int, Qty]] | None,
        manager: st.Authorization | None = None,
    ) -> ReturnResult:
        _, record = self.find_sale(receipt_no)
        today = self.now.date()
        with self._tx() as (s, led):
            self._on_shift(s)
            prior = [
                codec.loads(ReturnRecord, r.record_json)
                for r in s.execute(
                    select(ReturnRow).where(ReturnRow.sale_id == record.sale_id)
                ).scalars()
            ]
            planned, _ = plan_lines(record, prior, lines)
            refund = Money(sum(rl.refund.fen for rl in planned))
            if needs_manager(self.program, refund):
                auth = self._auth(manager, f"return of {refund}")
                self._audit(led, auth, "return", f"{receipt_no} {refund.plain()}")
            state = self._current(s, led, record.member_code) if record.member_code else None
            rid = self.ids.return_id()
            settled = settle_return(self.program, state, record, prior, lines, today, rid)
            new_state = None
            if state is not None:
                new_state = self._commit_member(s, led, state, settled.entries, rid)
            rec = settled.record
            paid = sum(r.paid_out.fen for r in rec.refunds)
            s.add(
                ReturnRow(
                    id=rid,
                    sale_id=record.sale_id,
                    at=self.now.isoformat(),
                    refund_fen=rec.refund.fen,
                    paid_out_fen=paid,
                    record_json=codec.dumps(rec),
                )
            )
            led.append(
                "return", {"receipt": receipt_no, "record": codec.encode(rec)}, self.now, ref=rid
            )
            cash = sum(r.paid_out.fen for r in rec.refunds if r.kind == "cash")
            if cash:
                led.append("cash", {"delta": -cash, "reason": "return"}, self.now, ref=rid)
        return ReturnResult(rid, receipt_no, rec, new_state)

    def void_sale(self, receipt_no: str, manager: st.Authorization | None) -> ReturnResult:
        """作废 a committed sale: a manager's full return of it, audited as a void."""
        auth = self._auth(manager, "void")
        result = self.return_sale(receipt_no, None, auth)
        with self._tx() as (_, led):
            self._audit(led, auth, "void", receipt_no)
        return result

    def return_without_receipt(
        self,
        code: str,
        qty: Qty,
        refund: Money,
        to: str,
        manager: st.Authorization | None,
        member: str | None = None,
    ) -> Money:
        """退货 without a receipt: manager only, refund to cash or to stored value."""
        auth = self._auth(manager, "return without receipt")
        if to not in ("cash", "stored_value"):
            raise InvalidInput("refund to cash or stored value", code="invalid_refund_tender")
        if refund.fen <= 0 or qty.milli <= 0:
            raise InvalidInput("refund and quantity must be positive", code="invalid_amount")
        with self.sessions() as s:
            product = StoreCatalog(s).by_code(code)
        if product is None:
            raise NotFound(f"unknown product code {code}", code="unknown_product")
        if refund > product.price.scale(qty.milli, 1000):
            raise RuleViolation(
                f"refund exceeds the shelf price of {product.name}", code="refund_over_price"
            )
        if to == "stored_value" and member is None:
            raise RuleViolation("a stored-value refund needs the member", code="member_required")
        rid = self.ids.return_id()
        with self._tx() as (s, led):
            self._on_shift(s)
            self._audit(led, auth, "return_no_receipt", f"{code} {qty.plain()} {refund.plain()}")
            led.append(
                "return",
                {
                    "receipt": None,
                    "product": code,
                    "qty": qty.milli,
                    "refund": refund.fen,
                    "to": to,
                },
                self.now,
                ref=rid,
            )
            if to == "cash":
                led.append("cash", {"delta": -refund.fen, "reason": "return"}, self.now, ref=rid)
            else:
                assert member is not None
                state = self._current(s, led, member)
                entries = [m.StoredValueChanged(refund, ZERO, f"return:{rid}")]
                self._commit_member(s, led, state, entries, rid)
        return refund

    def reprint(self, receipt_no: str) -> SaleRecord:
        """补打小票: the committed sale as it was; printing is the devices' job."""
        return self.find_sale(receipt_no)[1]

    # ------------------------------------------------------------------ stored value, cards

    def recharge(
        self, code: str, amount: Money, manager: st.Authorization | None, tender: str = "cash"
    ) -> RechargeResult:
        auth = self._auth(manager, "recharge")
        if tender not in CARD_TENDERS:
            raise RuleViolation(
                "a recharge is paid in cash, card or mobile pay", code="tender_not_allowed"
            )
        with self._tx() as (s, led):
            self._on_shift(s)
            state = self._active(s, led, code)
            ref = self.ids.entry_id()
            entries, gift = lc.recharge_entries(
                self.program, state, amount, self.now.date(), ref, self._new_coupon_id(code)
            )
            self._audit(led, auth, "recharge", f"{code} {amount.plain()}")
            new = self._commit_member(s, led, state, entries, f"recharge:{ref}")
            led.append(
                "recharge",
                {
                    "member": code,
                    "amount": amount.fen,
                    "tender": tender,
                    "gift": gift.gift_value.fen,
                    "coins": gift.coins,
                },
                self.now,
                member=code,
                ref=ref,
            )
            if tender == "cash":
                led.append("cash", {"delta": amount.fen, "reason": "recharge"}, self.now, ref=ref)
        return RechargeResult(code, amount, gift.gift_value, gift.coins, new, ref, auth.name)

    def refund_stored_value(self, code: str, manager: st.Authorization | None) -> Money:
        auth = self._auth(manager, "stored-value refund")
        with self._tx() as (s, led):
            self._on_shift(s)
            state = self._active(s, led, code)
            entries, refund = lc.sv_refund_entries(state, self.ids.entry_id())
            self._audit(led, auth, "sv_refund", f"{code} {refund.plain()}")
            self._commit_member(s, led, state, entries, "sv_refund")
            led.append("cash", {"delta": -refund.fen, "reason": "sv_refund"}, self.now, ref=code)
        return refund

    def sell_card(
        self, number: str, pin: str, value: Money, tenders: Sequence[tn.TenderRequest]
    ) -> str:
        """Sell a prepaid card (充值卡): real money only; the PIN is stored hashed."""
        if value not in self.program.prepaid_card_values:
            raise RuleViolation(f"no prepaid card of {value}", code="invalid_card_value")
        if not (number.isascii() and number.isalnum() and 6 <= len(number) <= 32):
            raise InvalidInput(f"not a card number: {number!r}", code="invalid_card_number")
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
            raise InvalidInput("a card PIN is 4 to 12 digits", code="invalid_pin")
        if any(t.kind not in CARD_TENDERS for t in tenders):
            raise RuleViolation(
                "prepaid cards are paid in cash, card or mobile pay", code="tender_not_allowed"
            )
        tendering = tn.apply_tenders(value, tenders, self.program, None, self.now.date())
        with self._tx() as (s, led):
            self._on_shift(s)
            if s.get(PrepaidCardRow, number) is not None:
                raise RuleViolation(f"card {number} was already sold", code="card_exists")
            ref = self.ids.sale_id()
            s.add(
                PrepaidCardRow(
                    number=number,
                    pin_hash=st.hash_secret(pin),
                    value_fen=value.fen,
                    state="sold",
                    sale_id=ref,
                    loaded_to=None,
                )
            )
            led.append(
                "card", {"number": number, "value": value.fen, "event": "sold"}, self.now, ref=ref
            )
            cash = sum(t.amount.fen for t in tendering.tenders if t.kind == "cash")
            if cash:
                led.append("cash", {"delta": cash, "reason": "card_sale"}, self.now, ref=ref)
        return ref

    def load_card(self, code: str, number: str, pin: str) -> m.MemberState:
        with self._tx() as (s, led):
            card = s.get(PrepaidCardRow, number)
            if card is None or card.state != "sold" or not st.check_secret(card.pin_hash, pin):
                raise RuleViolation(
                    "card number or PIN is wrong, or the card is used", code="card_refused"
                )
            state = self._active(s, led, code)
            card.state, card.loaded_to = "loaded", code
            led.append(
                "card",
                {"number": number, "value": card.value_fen, "event": "loaded", "member": code},
                self.now,
                member=code,
                ref=number,
            )
            entries = lc.card_load_entries(Money(card.value_fen), number)
            return self._commit_member(s, led, state, entries, f"card:{number}")

    # ------------------------------------------------------------------ time

    def apply_due(self) -> int:
        """Record every member's expiries that fell due (a nightly job; replay's advance)."""
        n = 0
        with self._tx() as (s, led):
            for code in repo.all_codes(s):
                state = self._member(s, code)
                due = lc.due_entries(state, self.program, self.now.date())
                if due:
                    self._commit_member(s, led, state, due, "expiry")
                    n += len(due)
        return n

    def settings(self) -> dict[str, str]:
        with self.sessions() as s:
            return {r.key: r.value for r in s.execute(select(Setting)).scalars()}

    def sale_count(self) -> int:
        with self.sessions() as s:
            return int(s.execute(select(func.count()).select_from(SaleRow)).scalar() or 0)


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def tender_from_json(t: dict[str, object]) -> tn.TenderRequest:
    kind = str(t.get("kind", ""))
    amount = t.get("amount")
    return tn.TenderRequest(
        kind,
        Money.parse(str(amount))
        if amount is not None and kind not in ("coins", "points")
        else None,
        coins=int(str(t["coins"])) if "coins" in t else None,
        points=int(str(t["points"])) if "points" in t else None,
    )


__all__ = ["CommittedSale", "Counter", "OpenSale"]
