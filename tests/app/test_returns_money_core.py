"""The returns preview and the recharge record over a real SQLite store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules.tenders import TenderRequest
from terminal.store.schema import LedgerRow

from .store import RICE, SOY, shop


def rows(c) -> int:  # type: ignore[no-untyped-def]
    with c.sessions() as s:
        return int(s.execute(select(func.count()).select_from(LedgerRow)).scalar() or 0)


def test_preview_writes_nothing_and_gives_return_sales_figures(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    c.identify("M1")
    c.scan(RICE.code)
    c.scan(SOY.code)
    c.pay(
        [
            TenderRequest("coins", coins=11),
            TenderRequest("stored_value", Money.parse("30.00")),
            TenderRequest("cash", Money.parse("100.00")),
        ]
    )
    lines = [(1, Qty.parse("1"))]
    before = rows(c)
    p = c.preview_return("T01-000001", lines)
    assert rows(c) == before  # nothing written
    assert {r.kind for r in p.record.refunds} == {"coins", "stored_value", "cash"}
    r = c.return_sale("T01-000001", lines, s.manager() if p.needs_manager else None)
    assert r.record.refunds == p.record.refunds
    assert r.record.clawed == p.record.clawed and r.record.refund == p.record.refund
    assert r.member == p.member


def test_recharge_by_mobile_is_recorded_with_a_slip_number_and_listed(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    r1 = c.recharge("M1", Money.parse("200.00"), s.manager(), "mobile")
    r2 = c.recharge("M1", Money.parse("100.00"), s.manager())
    assert (r1.no, r2.no) == ("T01-CZ000001", "T01-CZ000002")
    assert r1.tender == "mobile" and r2.tender == "cash"
    history = c.recharges("M1")
    assert [h.no for h in history] == [r2.no, r1.no]
    assert history[1].tender == "mobile" and history[1].amount == Money.parse("200.00")
    assert history[1].member.principal == r1.member.principal  # balances as printed then
    with c.sessions() as ss:
        cash = ss.execute(select(LedgerRow).where(LedgerRow.kind == "cash")).scalars().all()
    assert [row.ref for row in cash if "recharge" in row.payload] == [r2.ref]


def test_returns_are_numbered_per_till_and_the_slips_print_the_numbers(tmp_path: Path) -> None:
    """退货单号 T01-TH000001 and 单号 T01-CZ000001 on the slips, not the UUIDs; the number
    is written into the return's ledger row once."""
    import json

    from devices.printer.documents import Documents
    from devices.printer.render import decode_text
    from terminal.printing.layout import StoreInfo

    s = shop(tmp_path)
    c = s.counter
    c.scan(SOY.code)
    c.scan(SOY.code)
    sale = c.pay([TenderRequest("cash", Money.parse("24.00"))])
    first = c.return_sale(sale.receipt_no, [(1, Qty.parse("1"))])
    second = c.return_sale(sale.receipt_no, [(1, Qty.parse("1"))])
    c.return_without_receipt(SOY.code, Qty.parse("1"), Money.parse("12.00"), "cash", s.manager())
    assert (first.no, second.no) == ("T01-TH000001", "T01-TH000002")
    with c.sessions() as ss:
        payloads = ss.execute(select(LedgerRow.payload).where(LedgerRow.kind == "return"))
        numbers = [json.loads(p)["no"] for p in payloads.scalars()]
    assert numbers == ["T01-TH000001", "T01-TH000002", "T01-TH000003"]

    docs = Documents(c.program, StoreInfo("测试店", "T01", "张丽"), width=32)
    slip = decode_text(docs.returned(first, now=s.clock.now(), sale=sale.record), "gb18030")
    assert "T01-TH000001" in slip and first.return_id not in slip
    r = c.recharge("M1", Money.parse("100.00"), s.manager())
    printed = decode_text(docs.recharge(r, now=s.clock.now()), "gb18030")
    assert "T01-CZ000001" in printed and r.ref not in printed
