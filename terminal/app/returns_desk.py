"""Returns, voids and reprints: the returns desk of the counter.

A return refunds over the sale's tenders and claws back what the kept part would
not have earned (rule book §1.9); above the program's limit a manager authorises it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from terminal import codec
from terminal.app import staff as st
from terminal.app.desk import CounterBase
from terminal.app.numbers import RETURN, next_number
from terminal.errors import InvalidInput, NotFound, RuleViolation
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.checkout import SaleRecord
from terminal.rules.returns import (
    ReturnRecord,
    ReturnSettlement,
    needs_manager,
    plan_lines,
    settle_return,
)
from terminal.store.products import StoreCatalog
from terminal.store.schema import (
    ReturnRow,
    SaleRow,
)

PREVIEW_ID = "preview"  # the return id a preview's figures carry: nothing is written


@dataclass(frozen=True)
class ReturnResult:
    return_id: str
    receipt_no: str
    record: ReturnRecord
    member: m.MemberState | None
    no: str = ""  # the 退货单号 the slip prints (T01-TH000007), what the cashier reads


@dataclass(frozen=True)
class SoldSale:
    """A committed sale as the store keeps it, with when it was sold (a reprint)."""

    receipt_no: str
    record: SaleRecord
    at: datetime


@dataclass(frozen=True)
class ReturnPreview:
    """A return before it is committed: the lines coming back, the refund per tender
    and the clawbacks (``record``), the member's balances after, and whether a
    manager's PIN is needed. The same figures ``return_sale`` then commits."""

    receipt_no: str
    sale: SaleRecord
    record: ReturnRecord
    member: m.MemberState | None
    needs_manager: bool
    return_id: str = PREVIEW_ID


class ReturnsDesk(CounterBase):
    # ------------------------------------------------------------------ returns

    def find_sale(self, receipt_no: str) -> tuple[str, SaleRecord]:
        with self.sessions() as s:
            row = s.execute(select(SaleRow).where(SaleRow.receipt_no == receipt_no)).scalar()
            if row is None or row.kind != "sale":
                raise NotFound(
                    f"no sale with receipt {receipt_no}", code="unknown_receipt", receipt=receipt_no
                )
            return row.receipt_no, codec.loads(SaleRecord, row.record_json)

    def _prior(self, s: Session, record: SaleRecord) -> list[ReturnRecord]:
        rows = s.execute(select(ReturnRow).where(ReturnRow.sale_id == record.sale_id))
        return [codec.loads(ReturnRecord, r.record_json) for r in rows.scalars()]

    def _planned(
        self, s: Session, receipt_no: str, lines: Sequence[tuple[int, Qty]] | None
    ) -> tuple[SaleRecord, list[ReturnRecord], Money]:
        """The sale, its earlier returns, and what this return refunds (its lines)."""
        _, record = self.find_sale(receipt_no)
        prior = self._prior(s, record)
        planned, _ = plan_lines(record, prior, lines)
        return record, prior, Money(sum(rl.refund.fen for rl in planned))

    def _settle(
        self,
        record: SaleRecord,
        prior: Sequence[ReturnRecord],
        state: m.MemberState | None,
        lines: Sequence[tuple[int, Qty]] | None,
        rid: str,
    ) -> ReturnSettlement:
        """The one computation a return and its preview share (rule book §1.9)."""
        return settle_return(self.program, state, record, prior, lines, self.now.date(), rid)

    def preview_return(
        self, receipt_no: str, lines: Sequence[tuple[int, Qty]] | None
    ) -> ReturnPreview:
        """What ``return_sale`` would do now, computed the same way, with nothing written:
        the cashier sees the refund per tender and the clawbacks before confirming."""
        with self.sessions() as s:
            self._on_shift(s)
            record, prior, refund = self._planned(s, receipt_no, lines)
            state = None
            if record.member_code:  # as of today: the expiries return_sale would record
                state = self._member(s, record.member_code)
                state = m.fold(lc.due_entries(state, self.program, self.now.date()), state)
            settled = self._settle(record, prior, state, lines, PREVIEW_ID)
        after = m.fold(settled.entries, state) if state is not None else None
        return ReturnPreview(
            receipt_no, record, settled.record, after, needs_manager(self.program, refund)
        )

    def return_sale(
        self,
        receipt_no: str,
        lines: Sequence[tuple[int, Qty]] | None,
        manager: st.Authorization | None = None,
    ) -> ReturnResult:
        with self._tx() as (s, led):
            self._on_shift(s)
            record, prior, refund = self._planned(s, receipt_no, lines)
            if needs_manager(self.program, refund):
                auth = self._auth(manager, f"return of {refund}")
                self._audit(led, auth, "return", f"{receipt_no} {refund.plain()}")
            state = self._current(s, led, record.member_code) if record.member_code else None
            rid = self.ids.return_id()
            no = next_number(s, self.terminal_id, RETURN)
            settled = self._settle(record, prior, state, lines, rid)
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
                "return",
                {"receipt": receipt_no, "no": no, "record": codec.encode(rec)},
                self.now,
                ref=rid,
            )
            cash = sum(r.paid_out.fen for r in rec.refunds if r.kind == "cash")
            if cash:
                led.append("cash", {"delta": -cash, "reason": "return"}, self.now, ref=rid)
        return ReturnResult(rid, receipt_no, rec, new_state, no)

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
            raise InvalidInput(
                "refund and quantity must be positive", code="invalid_amount", case="positive"
            )
        with self.sessions() as s:
            product = StoreCatalog(s).by_code(code)
        if product is None:
            raise NotFound(f"unknown product code {code}", code="unknown_product", barcode=code)
        if refund > product.price.scale(qty.milli, 1000):
            raise RuleViolation(
                f"refund exceeds the shelf price of {product.name}",
                code="refund_over_price",
                name=product.name,
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
                    "no": next_number(s, self.terminal_id, RETURN),
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

    def sold(self, receipt_no: str | None = None) -> SoldSale | None:
        """A committed sale with its time (``SaleRow.at``), for a reprint that prints when
        it was sold, also after a restart; without a receipt number, this till's last
        sale (None before its first)."""
        with self.sessions() as s:
            q = select(SaleRow).where(SaleRow.terminal_id == self.terminal_id)
            if receipt_no is None:  # the newest row: the table's insertion order
                q = q.where(SaleRow.kind == "sale").order_by(text("sales.rowid DESC")).limit(1)
            else:
                q = q.where(SaleRow.receipt_no == receipt_no)
            row = s.execute(q).scalar()
            if row is None or row.kind != "sale":
                if receipt_no is None:
                    return None
                raise NotFound(
                    f"no sale with receipt {receipt_no}", code="unknown_receipt", receipt=receipt_no
                )
            record = codec.loads(SaleRecord, row.record_json)
            return SoldSale(row.receipt_no, record, datetime.fromisoformat(row.at))
