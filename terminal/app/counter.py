"""The counter: every command a cashier or manager gives, over the store.

Each command validates first, then changes the store in one transaction: a sale,
its lines, tenders and ledger rows commit together before any receipt prints. A
refused command raises a ``PosError`` and leaves the store as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from terminal import codec
from terminal.app import staff as st
from terminal.app.desk import CARD_TENDERS, EXPIRY_REF, CounterBase, OpenSale, mask_phone
from terminal.app.discount_entry import percent_of
from terminal.app.money_desk import MoneyDesk, RechargeResult
from terminal.app.returns_desk import ReturnResult, ReturnsDesk
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules import promotions as pm
from terminal.rules import tenders as tn
from terminal.rules.catalog import resolve_scan
from terminal.rules.checkout import SaleRecord, settle_sale
from terminal.store import members as repo
from terminal.store import sale_writes as sw
from terminal.store.db import cursor_of
from terminal.store.ledger import Item, append_items, canonical, encode_entry_text
from terminal.store.products import StoreCatalog
from terminal.store.schema import (
    HeldSaleRow,
    SaleRow,
)


def _json_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class PaymentPlan:
    """A sale settled and encoded, ready to write: ``Counter.commit_payment``."""

    now: datetime
    record: SaleRecord
    record_json: str
    tendering: tn.Tendering
    member: m.MemberState | None  # after the sale
    member_json: str
    base_version: int | None  # the member's version the plan was made on
    member_items: tuple[Item, ...]  # expiries due, then the sale's member entries
    sale_entry_id: str  # the sale's own row (its payload names the receipt: made at commit)
    cash_items: tuple[Item, ...]  # the drawer's row, if cash was taken


@dataclass(frozen=True)
class HeldSale:
    """A parked sale (挂单) as the recall list shows it."""

    id: str
    at: datetime
    member: str | None
    lines: int
    due: Money | None


@dataclass(frozen=True)
class CommittedSale:
    receipt_no: str
    record: SaleRecord
    member: m.MemberState | None
    coupons_granted: tuple[cp.Coupon, ...]


class Counter(ReturnsDesk, MoneyDesk, CounterBase):
    """Every command a cashier or manager gives. Desks by subject: members and the open
    sale here, returns in ``returns_desk``, stored value and cards in ``money_desk``."""

    # ------------------------------------------------------------------ members

    def identify(self, text: str) -> m.MemberState:
        """A member card code, an 11-digit phone, or the app's signed dynamic code."""
        text = text.strip()
        code = self._resolve_member_code(text)
        if self.look_up is not None and not self._holds(code):
            self._ask_hq(code=code)  # not here: another store's member, perhaps
        with self._tx() as (s, led):
            state = self._active(s, led, code)
            version = repo.version(cursor_of(s), code)
        if version is not None:  # committed: safe to keep for the payment
            self._member_seen = (state, version)
        if self.sale is None:
            self.sale = OpenSale(self.ids.sale_id())
        self.sale.member = state.code
        return state

    def _resolve_member_code(self, text: str) -> str:
        if text.startswith("MC1."):
            from terminal.rules import appcode

            settings = self.settings()
            try:
                key = bytes.fromhex(settings.get("hq_public_key", ""))
                skew = int(settings.get("clock_skew_s", "0"))
            except ValueError:
                key, skew = b"", 0  # a damaged setting: treated as no key, refused below
            if not key:
                raise RuleViolation(
                    "this till holds no HQ key to check app codes", code="app_code_unverifiable"
                )
            return appcode.verify_app_code(
                text,
                key,
                int(self.now.timestamp()),
                max_age_s=self.program.app_code_max_age_s,
                skew_s=skew,
            )
        if len(text) == 11 and text.isascii() and text.isdigit():
            with self.sessions() as s:
                codes = repo.codes_by_phone(s, text)
            if not codes and self._ask_hq(phone=text):
                with self.sessions() as s:
                    codes = repo.codes_by_phone(s, text)
            if not codes:
                raise NotFound(
                    f"no member with phone {mask_phone(text)}",
                    code="unknown_member",
                    case="phone",
                    phone=mask_phone(text),
                )
            if len(codes) > 1:
                raise RuleViolation(
                    f"{len(codes)} members share {mask_phone(text)}: scan the card",
                    code="phone_ambiguous",
                    count=len(codes),
                    phone=mask_phone(text),
                )
            return codes[0]
        if not text or len(text) > 32 or not text.isprintable():
            raise InvalidInput(
                f"not a member code: {text!r}", code="invalid_code", case="member", text=text
            )
        return text

    def _holds(self, code: str) -> bool:
        with self.sessions() as s:
            return repo.version(cursor_of(s), code) is not None

    def _ask_hq(self, *, code: str | None = None, phone: str | None = None) -> bool:
        """A member missing from the cache, asked of HQ while the till is online (it
        blocks on the network: callers run on the window's worker). Offline, or with no
        HQ, a miss stays a miss and the caller refuses as it always did."""
        if self.look_up is None or self.offline():
            return False
        return bool(self.look_up(code=code, phone=phone))

    def resolve_member(self, text: str) -> str:
        """The member code a scan or a typed phone names, without touching the sale (the
        screen asks before another member replaces the one on a sale)."""
        return self._resolve_member_code(text.strip())

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
            raise InvalidInput(f"not a mobile number: {phone!r}", code="invalid_phone", phone=phone)
        if not code or len(code) > 32 or not code.isascii() or not code.isprintable():
            raise InvalidInput(
                f"not a member code: {code!r}", code="invalid_code", case="member", text=code
            )
        bday = None
        if birthday:
            try:
                bday = date.fromisoformat(birthday)
            except ValueError:
                raise InvalidInput(
                    f"not a date: {birthday!r}", code="invalid_date", text=birthday
                ) from None
        with self._tx() as (s, led):
            if repo.load(s, code) is not None:
                raise RuleViolation(
                    f"member {code} already exists", code="member_exists", member=code
                )
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
            raise InvalidInput(
                "quantity must be positive", code="invalid_quantity", case="positive"
            )
        if line.label_amount is not None or (not line.product.weighed and not qty.is_whole()):
            raise InvalidInput(
                "this line's quantity cannot be changed that way",
                code="invalid_quantity",
                case="fixed",
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
            raise InvalidInput(f"no line {line_no}", code="unknown_line", line=line_no)
        return sale, line

    def override_price(
        self, line_no: int, unit_price: Money, manager: st.Authorization | None, note: str = ""
    ) -> pr.PricedSale:
        """改价: a final unit price for a line. A cut of at most the program's
        ``cashier_discount_max_percent`` needs no manager; any other needs one. Audited
        either way (``note``: how it was asked for, "9折")."""
        if unit_price.fen < 0:
            raise InvalidInput("a price cannot be negative", code="invalid_amount", case="negative")
        sale, line = self._line(line_no)
        before = line.price_override or line.product.price
        auth = self._discount_auth(manager, before, before - unit_price, "price override")
        sale.lines[sale.lines.index(line)] = replace(line, price_override=unit_price)
        priced = self.priced()
        detail = f"{sale.id} line {line_no} {line.product.code} {before.plain()} -> "
        self._audit_discount(auth, "price_override", detail + unit_price.plain(), note)
        return priced

    def discount_line(
        self, line_no: int, percent_off: int, manager: st.Authorization | None
    ) -> pr.PricedSale:
        """A line at a percentage off its unit price (9折 = 10 off): a 改价 to that price."""
        _, line = self._line(line_no)
        unit = line.price_override or line.product.price
        new = unit - percent_of(unit, percent_off)
        return self.override_price(line_no, new, manager, note=f"-{percent_off}%")

    def discount_sale(
        self, amount: Money, manager: st.Authorization | None, note: str = ""
    ) -> pr.PricedSale:
        """整单折扣: an amount off the whole sale (replaces an earlier one); within the
        cashier's limit it needs no manager."""
        sale = self._open()
        if amount.fen < 0:
            raise InvalidInput(
                "a discount cannot be negative", code="invalid_amount", case="negative"
            )
        due = self.sale_due_before_discount()
        if amount > due:
            raise RuleViolation(
                f"a discount of {amount} exceeds the {due} due",
                code="discount_over_total",
                amount=amount,
                due=due,
            )
        auth = self._discount_auth(manager, due, amount, "whole-sale discount")
        sale.sale_discount = amount
        priced = self.priced()
        self._audit_discount(auth, "sale_discount", f"{sale.id} {amount.plain()}", note)
        return priced

    def discount_sale_percent(
        self, percent_off: int, manager: st.Authorization | None
    ) -> pr.PricedSale:
        """整单 9折: the whole sale's due (before any earlier whole-sale discount) less
        that percentage, rounded to the fen."""
        amount = percent_of(self.sale_due_before_discount(), percent_off)
        return self.discount_sale(amount, manager, note=f"-{percent_off}%")

    def sale_due_before_discount(self) -> Money:
        sale = self._open()
        state = None if not sale.member else self.member_state(sale.member)
        return self._price(replace(sale, sale_discount=ZERO), state).total_due

    def discount_needs_manager(self, base: Money, off: Money) -> bool:
        """Whether a cut of ``off`` from ``base`` is above what a cashier may give alone."""
        limit = self.program.cashier_discount_max_percent
        return off.fen < 0 or off.fen * 100 > base.fen * limit

    def _discount_auth(
        self, manager: st.Authorization | None, base: Money, off: Money, action: str
    ) -> st.Authorization | None:
        if manager is None and not self.discount_needs_manager(base, off):
            return None
        return self._auth(manager, action)

    def _audit_discount(
        self, auth: st.Authorization | None, action: str, detail: str, note: str
    ) -> None:
        """A manager's discount is an ``auth`` row; a cashier's own (within the limit) a
        ``discount`` row naming the cashier: both in the ledger, both in the audit."""
        detail = f"{detail} ({note})" if note else detail
        if auth is not None:
            self._audit_now(auth, action, detail)
            return
        with self._tx() as (_, led):
            payload = {"cashier": self.cashier, "action": action, "detail": detail}
            led.append("discount", payload, self.now, ref=action)

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
            return self.priced()
        except Exception:
            sale.coupons = previous
            raise

    def priced(self, state: m.MemberState | None = None) -> pr.PricedSale:
        """The open sale priced; pass the member's state if the caller already has it."""
        sale = self._open()
        if state is None and sale.member:
            state = self.member_state(sale.member)
        return self._price(sale, state)

    def _price(self, sale: OpenSale, state: m.MemberState | None) -> pr.PricedSale:
        today = self.now.date()
        coupons = sale.coupons if isinstance(sale.coupons, str) else tuple(sale.coupons)
        # the promotions on now (a time window may close between scan and pay)
        promos = pr.active_promotions(self.program, self._promo_context(state))
        key = (tuple(sale.lines), coupons, sale.sale_discount, today, state, promos)
        last = self._last_priced
        # The screen priced this very sale a moment ago (same lines, choice, member state,
        # day and program): paying reuses it rather than pricing it again.
        if last is not None and last[0] is self.program and last[1] == key:
            return last[2]
        priced = self._price_now(sale, state, today)
        self._last_priced = (self.program, key, priced)
        return priced

    def _price_now(self, sale: OpenSale, state: m.MemberState | None, today: date) -> pr.PricedSale:
        mp = pr.member_pricing(state, today) if state else None
        prices = pr.price_lines(sale.lines, mp, self.program)
        prices = pr.promote(prices, self.program, self._promo_context(state))
        lines = pr.coupon_lines(prices)
        choice = cp.NO_COUPONS
        if state is not None and sale.coupons == "auto":
            choice = cp.best(state.coupons, lines, self.program.stacking, today)
        elif state is not None and isinstance(sale.coupons, list) and sale.coupons:
            chosen = []
            for cid in sale.coupons:
                c = state.coupon(cid)
                if c is None:
                    raise NotFound(
                        f"the member holds no coupon {cid}", code="unknown_coupon", coupon=cid
                    )
                chosen.append(c)
            cp.validate(chosen, lines, self.program.stacking, today)
            choice = cp.apply(chosen, lines, "店员选择", cp.Why("chosen"))
        return pr.reduce(prices, choice, sale.sale_discount)

    def _promo_context(self, state: m.MemberState | None) -> pm.PromoContext:
        mp = pr.member_pricing(state, self.now.date()) if state else None
        store = self.settings().get("store", "") if pr.needs_store(self.program) else ""
        return pr.promo_context(self.program, self.now, mp, store)

    def void(self, reason: str = "") -> None:
        """Drop the open sale (作废 before payment). Nothing was sold, but a sale with
        lines leaves a ``void`` row (cashier, reason, lines, amount): voids are audited."""
        sale = self.sale
        if sale is None:
            raise RuleViolation("there is no open sale", code="no_open_sale")
        if sale.lines:
            due = self.priced().total_due
            lines = [
                {"code": ln.product.code, "name": ln.product.name, "qty": ln.qty.milli}
                for ln in sale.lines
            ]
            payload = {
                "sale": sale.id,
                "cashier": self.cashier,
                "reason": reason,
                "member": sale.member,
                "lines": lines,
                "due": due.fen,
            }
            with self._tx() as (_, led):
                led.append("void", payload, self.now, ref=sale.id)
        self.sale = None

    # ------------------------------------------------------------------ hold and recall

    def hold(self, label: str = "") -> str:
        """挂单: park the open sale to serve the next customer; it survives a restart."""
        sale = self.sale
        if sale is None or not sale.lines:
            raise RuleViolation("there is no open sale to hold", code="no_open_sale", case="hold")
        payload = {
            "id": sale.id,
            "member": sale.member,
            "coupons": sale.coupons,
            "sale_discount": sale.sale_discount.fen,
            "lines": [codec.encode(ln) for ln in sale.lines],
            "due": self.priced().total_due.fen,  # for the list the cashier picks from
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

    def held_sales(self) -> list[HeldSale]:
        """Parked sales, oldest first, as the recall list shows them."""
        with self.sessions() as s:
            rows = s.execute(select(HeldSaleRow).order_by(HeldSaleRow.at)).scalars()
            out = []
            for r in rows:
                data = json.loads(r.payload)
                due = data.get("due")  # held before the amount was kept: unknown
                out.append(
                    HeldSale(
                        r.id,
                        datetime.fromisoformat(r.at),
                        data.get("member"),
                        len(data["lines"]),
                        None if due is None else Money(int(due)),
                    )
                )
            return out

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
        """Settle the open sale with these tenders and commit it: the sale, its tenders,
        the member's entries and the ledger rows in one durable transaction."""
        for _ in range(3):
            done = self.commit_payment(self.plan_payment(tenders))
            if done is not None:
                return done
        raise RuleViolation(
            "the member's account kept changing while paying (sync): try again",
            code="member_busy",
        )

    def tender_basis(self) -> tn.TenderBasis:
        """What the tender dialog checks each tender against while it is open: the amount
        due and the member (expiries due folded in, the offline room) as ``plan_payment``
        finds them, so the dialog refuses, before it closes, what the payment would."""
        sale = self.sale
        if sale is None or not sale.lines:
            raise RuleViolation("there is no open sale to pay", code="no_open_sale", case="pay")
        today = self.now.date()
        state: m.MemberState | None = None
        with self.sessions() as s:
            if sale.member:
                state, _ = self._member_at(s, sale.member)
            room = self._offline_room(s, state) if state else None
        if state is not None:
            state = m.fold(lc.due_entries(state, self.program, today), state)
        priced = self._price(sale, state)
        return tn.TenderBasis(priced.total_due, self.program, state, today, room)

    def plan_payment(self, tenders: Sequence[tn.TenderRequest]) -> PaymentPlan:
        """Everything the sale will write, worked out before the write lock is taken:
        the member as of today (expiries due first), pricing, tenders, earning, and the
        encoded rows. Pure rules over one read of the store."""
        sale = self.sale
        if sale is None or not sale.lines:
            raise RuleViolation("there is no open sale to pay", code="no_open_sale", case="pay")
        now = self.now
        today = now.date()
        state: m.MemberState | None = None
        base_version = None
        with self.sessions() as s:
            if sale.member:
                state, base_version = self._member_at(s, sale.member)
            room = self._offline_room(s, state) if state else None
        items: list[Item] = []
        if state is not None:
            due = lc.due_entries(state, self.program, today)
            if due:
                state = m.fold(due, state)
                items += self._member_items(now, state.code, due, EXPIRY_REF)
        priced = self._price(sale, state)
        priced = self._round_off(sale, state, priced, tenders)
        tendering = tn.apply_tenders(
            priced.total_due, tenders, self.program, state, today, offline_room=room
        )
        ids = self._new_coupon_id(sale.member) if sale.member else (lambda: "")
        settled = settle_sale(self.program, state, priced, tendering, today, sale.id, ids)
        new_state = m.fold(settled.entries, state) if state is not None else None
        if new_state is not None:
            items += self._member_items(now, new_state.code, settled.entries, sale.id)
        return PaymentPlan(
            now=now,
            record=settled.record,
            record_json=codec.dumps(settled.record),
            tendering=tendering,
            member=new_state,
            member_json=codec.dumps(new_state) if new_state is not None else "",
            base_version=base_version,
            member_items=tuple(items),
            sale_entry_id=self.ids.entry_id(),
            cash_items=self._cash_items(now, sale.id, tendering),
        )

    def _cash_items(self, now: datetime, sale_id: str, tendering: tn.Tendering) -> tuple[Item, ...]:
        cash = sum(t.amount.fen for t in tendering.tenders if t.kind == "cash")
        if not cash:
            return ()
        payload = canonical({"delta": cash, "reason": "sale"})
        return (self._item(self.ids.entry_id(), now, "cash", None, sale_id, payload),)

    def _member_at(self, s: Session, code: str) -> tuple[m.MemberState, int]:
        """The member and its version. The member last identified or paid for is kept
        decoded, and reused while its version (a one-column read) is unchanged."""
        held = self._member_seen
        if (
            held is not None
            and held[0].code == code
            and repo.version(cursor_of(s), code) == held[1]
        ):
            return held
        found = repo.load_versioned(s, code)
        if found is None:
            raise NotFound(f"no member {code}", code="unknown_member", member=code)
        return found

    def _member_items(
        self, now: datetime, code: str, entries: Sequence[m.MemberEntry], ref: str
    ) -> list[Item]:
        return [
            self._item(self.ids.entry_id(), now, "member", code, ref, encode_entry_text(e))
            for e in entries
        ]

    def commit_payment(self, plan: PaymentPlan) -> CommittedSale | None:
        """Write a planned sale durably, under the write lock; None (nothing written)
        when the member changed since the plan was made (the sync thread applied HQ's
        state, another desk wrote), so the caller plans again. A plan is of the open sale
        and is written once: the sale closes when it is."""
        rec, tendering = plan.record, plan.tendering
        if self.sale is None or self.sale.id != rec.sale_id:
            raise RuleViolation(
                "this payment is not the open sale's", code="no_open_sale", case="stale"
            )
        with sw.write_cursor(self.sessions) as cur:
            shift_cashier = self._shift_cashier(cur, plan.now)  # the day the sale is stamped
            if plan.member is not None and repo.version(cur, plan.member.code) != plan.base_version:
                return None
            receipt = f"{self.terminal_id}-{sw.next_receipt_no(cur):06d}"
            cashier = self.cashier or shift_cashier
            sw.insert_sale(
                cur,
                id_=rec.sale_id,
                receipt_no=receipt,
                terminal_id=self.terminal_id,
                cashier=cashier,
                member_code=rec.member_code,
                at=plan.now.isoformat(),
                total_fen=rec.total_due.fen,
                change_fen=tendering.change.fen,
                record_json=plan.record_json,
                tenders=[(t.kind, t.amount.fen, t.tendered.fen) for t in tendering.tenders],
            )
            # The canonical JSON of {"cashier", "receipt", "record"} (keys sorted), with
            # the record's text reused rather than encoded a second time.
            sale_item = self._item(
                plan.sale_entry_id,
                plan.now,
                "sale",
                None,
                rec.sale_id,
                f'{{"cashier":{_json_str(cashier)},"receipt":{_json_str(receipt)},'
                f'"record":{plan.record_json}}}',
            )
            seqs = append_items(cur, [*plan.member_items, sale_item, *plan.cash_items])
            if plan.member is not None:
                # a member sale always records entries (``Purchased`` at least)
                repo.save_raw(cur, plan.member, plan.member_json, seqs[len(plan.member_items) - 1])
        self.sale = None
        if plan.member is not None and plan.base_version is not None:  # committed: keep it
            self._member_seen = (plan.member, plan.base_version + 1)  # save_raw bumped it
        granted = tuple(
            c for c in (plan.member.coupons if plan.member else ()) if c.id in rec.coupons_granted
        )
        return CommittedSale(receipt, rec, plan.member, granted)

    def _item(
        self,
        id_: str,
        at: datetime,
        kind: str,
        member: str | None,
        ref: str,
        payload: str,
    ) -> Item:
        return Item.make(id_, self.terminal_id, at, kind, member, ref, payload)

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

    # ------------------------------------------------------------------ time

    def apply_due(self) -> int:
        """Record every member's expiries that fell due (a nightly job; replay's advance)."""
        n = 0
        with self._tx() as (s, led):
            for code in repo.all_codes(s):
                state = self._member(s, code)
                due = lc.due_entries(state, self.program, self.now.date())
                if due:
                    self._commit_member(s, led, state, due, EXPIRY_REF)
                    n += len(due)
        return n

    def sale_count(self) -> int:
        with self.sessions() as s:
            return int(s.execute(select(func.count()).select_from(SaleRow)).scalar() or 0)


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
        ref=str(t.get("ref", "")),
    )


__all__ = [
    "CARD_TENDERS",
    "CommittedSale",
    "Counter",
    "OpenSale",
    "RechargeResult",
    "ReturnResult",
    "mask_phone",
    "tender_from_json",
]
