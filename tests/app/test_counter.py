"""Counter services over a real SQLite store."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from terminal.app.counter import Counter
from terminal.app.verify import verify
from terminal.errors import PosError
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules.tenders import TenderRequest

from .store import RICE, SOY, TOMATO, shop


def cash(y: str) -> TenderRequest:
    return TenderRequest("cash", Money.parse(y))


def test_member_checkout_commits_sale_and_ledger_together(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    c.identify("M1")
    c.scan(TOMATO.code, Qty.parse("2.000"))
    c.scan(RICE.code)
    priced = c.priced()
    assert priced.coupons.discount == Money(500)
    sale = c.pay([TenderRequest("coins", coins=5), cash("100.00")])
    assert sale.receipt_no == "T01-000001"
    assert sale.record.total_due == Money.parse("69.60")
    assert sale.member is not None and sale.member.coupon("C1").state == "used"  # type: ignore[union-attr]
    assert c.sale is None
    assert verify(c.sessions).ok


def test_identify_by_phone_and_refusals(tmp_path: Path) -> None:
    c = shop(tmp_path).counter
    assert c.identify("13800005678").code == "M1"
    for text, code in [
        ("13800000000", "unknown_member"),
        ("NOPE", "unknown_member"),
        ("", "invalid_code"),
        ("MC1.M1.1.x", "app_code_unverifiable"),
    ]:
        with pytest.raises(PosError) as e:
            c.identify(text)
        assert e.value.code == code


def test_hold_and_recall_survive_a_new_counter(tmp_path: Path) -> None:
    s = shop(tmp_path)
    s.counter.identify("M1")
    s.counter.scan(SOY.code)
    s.counter.scan(SOY.code)
    held = s.counter.hold("王女士")
    assert s.counter.sale is None
    s.counter.scan(RICE.code)
    with pytest.raises(PosError) as e:
        s.counter.recall(held)
    assert e.value.code == "sale_open"
    s.counter.void()
    fresh = Counter(s.counter.sessions, s.counter.program, s.clock, s.counter.ids)
    assert [h[2] for h in fresh.held()] == ["王女士"]
    priced = fresh.recall(held)
    assert [pl.price.line.qty.plain() for pl in priced.lines] == ["2.000"]
    assert fresh.sale is not None and fresh.sale.member == "M1" and fresh.held() == []


def test_void_committed_sale_needs_a_manager_and_returns_everything(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    c.identify("M1")
    c.scan(RICE.code)
    sale = c.pay([cash("60.00")])
    with pytest.raises(PosError) as e:
        c.void_sale(sale.receipt_no, None)
    assert e.value.code == "manager_required"
    r = c.void_sale(sale.receipt_no, s.manager())
    assert r.record.full and r.record.refund == Money.parse("60.00")
    assert c.member_state("M1").coupon("C1").state == "unused"  # type: ignore[union-attr]
    assert c.reprint(sale.receipt_no).sale_id == sale.record.sale_id
    assert verify(c.sessions).ok


def test_return_without_receipt_is_manager_only_to_cash_or_stored_value(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    with pytest.raises(PosError) as e:
        c.return_without_receipt(SOY.code, Qty.of(1), Money(1200), "cash", None)
    assert e.value.code == "manager_required"
    mgr = s.manager()
    with pytest.raises(PosError) as e:
        c.return_without_receipt(SOY.code, Qty.of(1), Money(1300), "cash", mgr)
    assert e.value.code == "refund_over_price"
    c.return_without_receipt(SOY.code, Qty.of(1), Money(1200), "stored_value", mgr, member="M2")
    assert c.member_state("M2").principal == Money(1200)
    assert verify(c.sessions).ok


def test_cash_round_off_drops_the_fen_of_an_all_cash_sale(tmp_path: Path) -> None:
    s = shop(tmp_path)
    c = s.counter
    c.program = dataclasses.replace(c.program, cash_round_off="jiao")
    c.scan(TOMATO.code, Qty.parse("1.234"))  # 7.16 at 5.80/kg (7.1572)
    sale = c.pay([cash("10.00")])
    assert sale.record.total_due == Money.parse("7.10")
    assert sale.record.sale_discount == Money(6) and sale.record.change == Money.parse("2.90")
    c.scan(TOMATO.code, Qty.parse("1.234"))
    card = c.pay([TenderRequest("card", Money.parse("7.16"))])
    assert card.record.total_due == Money.parse("7.16")


def test_a_member_registered_at_the_counter_verifies(tmp_path: Path) -> None:
    s = shop(tmp_path)
    m = s.counter.register("M9", "13900009999", birthday="1990-01-02", name="新会员")
    assert m.code == "M9" and len(m.coupons) == 1  # the new-member gift
    s.counter.identify("M9")
    s.counter.scan(SOY.code)
    s.counter.pay([cash("12.00")])
    report = verify(s.counter.sessions)
    assert report.ok, report.problems
