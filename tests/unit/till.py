"""A till without a store: the pure rules wired the way the counter services wire
them, so rule tests read like the rule book's examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules import tenders as tn
from terminal.rules.catalog import DictCatalog, Product, resolve_scan
from terminal.rules.checkout import SaleRecord, settle_sale
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program
from terminal.rules.returns import ReturnRecord, settle_return


def cash(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("cash", Money.parse(yuan))


def card(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("card", Money.parse(yuan))


def sv(yuan: str) -> tn.TenderRequest:
    return tn.TenderRequest("stored_value", Money.parse(yuan))


def coins(n: int) -> tn.TenderRequest:
    return tn.TenderRequest("coins", coins=n)


def points(n: int) -> tn.TenderRequest:
    return tn.TenderRequest("points", points=n)


@dataclass
class Till:
    program: Program
    products: list[Product]
    today: date
    members: dict[str, m.MemberState] = field(default_factory=dict)
    ledger: dict[str, list[m.MemberEntry]] = field(default_factory=dict)
    sales: list[SaleRecord] = field(default_factory=list)
    returns: list[ReturnRecord] = field(default_factory=list)
    _seq: int = 0

    @classmethod
    def of(cls, program: str, products: list[Product], today: date) -> Till:
        return cls(load_program(program), products, today)

    @property
    def catalog(self) -> DictCatalog:
        return DictCatalog(self.products)

    def new_id(self) -> str:
        self._seq += 1
        return f"G{self._seq}"

    def _append(self, code: str, entries: list[m.MemberEntry] | tuple[m.MemberEntry, ...]) -> None:
        self.ledger.setdefault(code, []).extend(entries)
        self.members[code] = m.fold(entries, self.members.get(code))

    def open_member(self, **kw: object) -> m.MemberState:
        o = lc.Opening(**kw)  # type: ignore[arg-type]
        self._append(o.code, lc.opening_entries(self.program, o, self.today))
        return self.members[o.code]

    def register(self, code: str, phone: str, **kw: object) -> m.MemberState:
        self._append(code, lc.register(self.program, code, phone, self.today, self.new_id, **kw))  # type: ignore[arg-type]
        return self.members[code]

    def advance(self, to: date) -> None:
        self.today = to
        for code, st in list(self.members.items()):
            self._append(code, lc.due_entries(st, self.program, to))

    def member(self, code: str) -> m.MemberState:
        self.advance(self.today)
        return self.members[code]

    def price(
        self,
        scans: list[tuple[str, str | None]],
        member: str | None = None,
        coupons: str | list[str] | None = "auto",
    ) -> pr.PricedSale:
        st = self.member(member) if member else None
        lines: list[pr.SaleLine] = []
        for code, qty in scans:
            s = resolve_scan(
                code, Qty.parse(qty) if qty else None, self.catalog, self.program.scale_barcodes
            )
            same = next(
                (
                    ln
                    for ln in lines
                    if ln.product.code == s.product.code
                    and not s.makes_own_line
                    and ln.label_amount is None
                    and not ln.product.weighed
                ),
                None,
            )
            if same is not None:
                lines[lines.index(same)] = pr.SaleLine(same.line_no, same.product, same.qty + s.qty)
            else:
                lines.append(pr.SaleLine(len(lines) + 1, s.product, s.qty, s.label_amount))
        mp = pr.MemberPricing(st.tier, st.group, lc.is_birthday(st, self.today)) if st else None
        prices = pr.price_lines(lines, mp, self.program)
        choice = cp.NO_COUPONS
        if st is not None and coupons == "auto":
            choice = cp.best(st.coupons, pr.coupon_lines(prices), self.program.stacking, self.today)
        elif st is not None and isinstance(coupons, list):
            chosen = [c for cid in coupons for c in st.coupons if c.id == cid]
            cp.validate(chosen, pr.coupon_lines(prices), self.program.stacking, self.today)
            choice = cp.apply(chosen, pr.coupon_lines(prices))
        return pr.reduce(prices, choice)

    def sell(
        self,
        scans: list[tuple[str, str | None]],
        tenders: list[tn.TenderRequest],
        member: str | None = None,
        coupons: str | list[str] | None = "auto",
    ) -> SaleRecord:
        priced = self.price(scans, member, coupons)
        st = self.members[member] if member else None
        tendering = tn.apply_tenders(priced.total_due, tenders, self.program, st, self.today)
        sale_id = f"S{len(self.sales) + 1}"
        s = settle_sale(self.program, st, priced, tendering, self.today, sale_id, self.new_id)
        if member:
            self._append(member, s.entries)
        self.sales.append(s.record)
        return s.record

    def refund(self, sale: SaleRecord, lines: list[tuple[int, str]] | None = None) -> ReturnRecord:
        st = self.member(sale.member_code) if sale.member_code else None
        prior = [r for r in self.returns if r.sale_id == sale.sale_id]
        req = [(n, Qty.parse(q)) for n, q in lines] if lines is not None else None
        rid = f"R{len(self.returns) + 1}"
        r = settle_return(self.program, st, sale, prior, req, self.today, rid)
        if sale.member_code:
            self._append(sale.member_code, r.entries)
        self.returns.append(r.record)
        return r.record

    def recharge(self, code: str, yuan: str) -> lc.RechargeGiftGiven:
        st = self.member(code)
        entries, gift = lc.recharge_entries(
            self.program, st, Money.parse(yuan), self.today, f"RC{self.new_id()}", self.new_id
        )
        self._append(code, entries)
        return gift
