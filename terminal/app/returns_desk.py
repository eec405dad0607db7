"""Returns, voids and reprints: the returns desk of the counter.

A return refunds over the sale's tenders and claws back what the kept part would
not have earned (rule book §1.9); above the program's limit a manager authorises it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from terminal import codec
from terminal.app import staff as st
from terminal.app.desk import CounterBase
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import member as m
from terminal.rules.checkout import SaleRecord
from terminal.rules.returns import ReturnRecord, needs_manager, plan_lines, settle_return
from terminal.store.products import StoreCatalog
from terminal.store.schema import (
    ReturnRow,
    SaleRow,
)


@dataclass(frozen=True)
class ReturnResult:
    return_id: str
    receipt_no: str
    record: ReturnRecord
    member: m.MemberState | None


class ReturnsDesk(CounterBase):
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
