"""Every document the till prints, from its printer settings (devices.printer.documents):
width, encoding, the receipt number's barcode on 58 mm, reprints and void slips."""

from __future__ import annotations

import io
import re
import shutil
from datetime import datetime

import pytest

from devices.printer.documents import Documents
from devices.printer.render import (
    GS,
    code128,
    code128_module,
    code128_modules_count,
    decode_text,
)
from terminal.app.counter import CommittedSale, RechargeResult, ReturnResult
from terminal.money import Money
from terminal.printing.layout import Barcode, StoreInfo, display_width, printed_lines
from terminal.rules.catalog import Product

from .test_layout import PAID_AT, PRODUCTS, STORE, WEDNESDAY, member_sale, plain_sale
from .till import Till, cash

PROGRAMS = ("tomato", "mall", "points", "organic", "basic")
ODD = Product("6900000000045", "•进口🍓草莓¥礼盒 ・ €5", "fresh", Money(3990))
REPRINTED_AT = datetime(2026, 10, 9, 18, 30, 0)


def docs(program: object, **settings: str) -> Documents:
    return Documents.from_settings(settings, program, STORE)  # type: ignore[arg-type]


def lines_of(data: bytes, encoding: str = "gb18030") -> list[str]:
    return decode_text(data, encoding).split("\n")


@pytest.mark.parametrize("width", ["32", "42", "48"])
def test_settings_choose_width_and_encoding(width: str) -> None:
    t, _ = plain_sale()
    d = docs(t.program, printer_width=width, printer_encoding="GBK")
    assert (d.width, d.encoding, d.dots) == (int(width), "gbk", int(width) * 12)
    assert docs(t.program).width == 48 and docs(t.program).encoding == "gb18030"
    for bad in ({"printer_width": "40"}, {"printer_encoding": "utf-8"}, {"printer_dots": "x"}):
        with pytest.raises(ValueError):
            Documents.from_settings(bad, t.program, STORE, strict=True)
        assert docs(t.program, **bad).width == 48  # the till still prints (and sells)


@pytest.mark.parametrize("width", [32, 42])
def test_narrow_receipts_never_pass_the_paper_edge(width: int) -> None:
    t, sale = member_sale()
    d = docs(t.program, printer_width=str(width))
    for data in (d.sale(sale, now=PAID_AT), d.sale(sale, now=REPRINTED_AT, reprint=True)):
        printed = lines_of(data)
        assert any("小票号" in ln for ln in printed)
        # double-size lines count twice: the layout wraps them at half the width
        assert all(display_width(ln) <= width for ln in printed), printed


@pytest.mark.parametrize("program", PROGRAMS)
def test_gbk_receipts_of_every_program_have_no_four_byte_codes(program: str) -> None:
    t = Till.of(program, [*PRODUCTS, ODD], WEDNESDAY)
    rec = t.sell([(ODD.code, "1"), (PRODUCTS[1].code, "1")], [cash("100")])
    store = StoreInfo("🍅欢乐番茄•五角场店", "T01", "张三", footer=("谢谢¥惠顾 😊",))
    d = Documents.from_settings({"printer_encoding": "gbk"}, t.program, store)
    data = d.sale(CommittedSale("T01-000009", rec, None, ()), now=PAID_AT)
    text = decode_text(data, "gbk")  # the GBK codec reads every byte of it
    assert "•" not in text and "¥" not in text and "🍓" not in text
    assert "·进口" in text and "￥礼盒" in text
    with pytest.raises(UnicodeDecodeError):  # the same bytes are not GB18030's 4-byte forms
        "🍓".encode("gb18030").decode("gbk")
    assert "🍓".encode("gb18030") not in data and "•".encode("gb18030") not in data


def test_a_reprint_shows_the_sale_time_and_its_own() -> None:
    t, sale = member_sale()
    d = docs(t.program)
    printed = lines_of(d.sale(sale, now=REPRINTED_AT, reprint=True, sold_at=PAID_AT))
    dated = [ln for ln in printed if ln.startswith("日期时间")]
    assert dated and dated[0].endswith("2026-10-07 14:03:05")
    assert any(ln.strip() == "补打时间 2026-10-09 18:30:00" for ln in printed)
    assert not any("2026-10-09" in ln for ln in dated)
    # without the sale's time the reprint shows its day, never the reprint time
    undated = lines_of(d.sale(sale, now=REPRINTED_AT, reprint=True))
    assert next(ln for ln in undated if ln.startswith("日期时间")).endswith("2026-10-07")
    assert b"\x1bp" not in d.sale(sale, now=REPRINTED_AT, reprint=True)  # no drawer kick


def test_recharge_copies_are_marked() -> None:
    t, sale = member_sale()
    assert sale.member is not None
    r = RechargeResult("M0001234", Money(20000), Money(0), 30, sale.member)
    d = docs(t.program, printer_width="32")
    store_copy = lines_of(d.recharge(r, now=PAID_AT, copy="store"))
    assert any(ln.strip() == "门店联" for ln in store_copy)
    assert any(ln.strip() == "顾客联" for ln in lines_of(d.recharge(r, now=PAID_AT)))
    assert all(display_width(ln) <= 32 for ln in store_copy)


def test_void_slips() -> None:
    t, sale = member_sale()
    d = docs(t.program, printer_width="32")
    before = lines_of(d.open_sale_voided(3, Money(4590), "李四", "顾客不要了", now=PAID_AT))
    assert any(ln.strip() == "作废单" for ln in before)
    assert any(ln.startswith("作废金额") and ln.endswith("￥45.90") for ln in before)
    assert any(ln.startswith("原因") and ln.endswith("顾客不要了") for ln in before)
    assert any(ln.startswith("收银员") and ln.endswith("李四") for ln in before)
    ret = t.refund(sale.record, None)
    after = lines_of(
        d.voided(ReturnResult("R9", sale.receipt_no, ret, None), now=PAID_AT, reason="录错")
    )
    assert any(ln.startswith("原小票号") and ln.endswith("T01-000001") for ln in after)
    assert any(ln.startswith("作废金额") and ln.endswith(f"￥{ret.refund.plain()}") for ln in after)
    assert all(display_width(ln) <= 32 for ln in before + after)


def test_returned_slip_at_the_till_width() -> None:
    t, sale = member_sale()
    ret = t.refund(sale.record, [(1, "1.250")])
    d = docs(t.program, printer_width="32")
    data = d.returned(ReturnResult("R1", sale.receipt_no, ret, None), now=PAID_AT, sale=sale.record)
    printed = lines_of(data)
    assert any(ln.startswith("原小票号") for ln in printed)
    assert all(display_width(ln) <= 32 for ln in printed)


# ----------------------------------------------------------------------------- barcode


def gs_w(data: bytes) -> list[int]:
    return [m.group(1)[0] for m in re.finditer(re.escape(GS + b"w") + b"(.)", data, re.S)]


def test_module_width_rule() -> None:
    number = "STORE1-000123"  # 13 characters: 11 x 15 + 13 = 178 modules
    assert code128_modules_count(number) == 178
    assert code128_module(number, 384) == 2  # 356 of 384 dots on 58 mm, never 1
    assert code128_module(number, 576) == 3  # capped at 3 on 80 mm (534 dots)
    assert code128_module("T01-000001", 504) == 3
    assert code128_module("X" * 30, 384) is None  # 365 modules: no 2-dot module fits
    for n in range(1, 40):
        for dots in (384, 504, 576):
            m = code128_module("9" * n, dots)
            assert m is None or (2 <= m <= 6 and m * code128_modules_count("9" * n) <= dots)
    assert code128(number, 32)[5] == 2


def test_receipt_barcode_bytes_on_58mm_and_qr_fallback() -> None:
    t, sale = member_sale()
    long = CommittedSale("STORE1-000123", sale.record, sale.member, ())
    d = docs(t.program, printer_width="32")
    assert gs_w(d.sale(long, now=PAID_AT)) == [2]
    assert b"\x1dkI" in d.sale(long, now=PAID_AT)
    narrow = docs(t.program, printer_width="32", printer_dots="300")  # a 300-dot head
    data = narrow.sale(long, now=PAID_AT)
    assert gs_w(data) == [] and b"\x1d(k" in data  # a QR, not a 1-dot Code 128
    assert gs_w(docs(t.program).sale(long, now=PAID_AT)) == [3]


pyzbar = pytest.importorskip("pyzbar.pyzbar") if shutil.which("zbarimg") else None


@pytest.mark.skipif(pyzbar is None, reason="zbar is not installed")
@pytest.mark.parametrize(("width", "dots"), [("32", ""), ("48", ""), ("32", "300")])
def test_the_printed_receipt_number_scans(width: str, dots: str, qapp: object) -> None:
    from PIL import Image

    t, sale = member_sale()
    long = CommittedSale("STORE1-000123", sale.record, sale.member, ())
    d = docs(t.program, printer_width=width, printer_dots=dots)
    doc = d.sale_doc(long, now=PAID_AT)
    assert Barcode("STORE1-000123") in doc
    image = Image.open(io.BytesIO(d.preview(doc))).convert("L")
    found = {r.data.decode() for r in pyzbar.decode(image)}  # type: ignore[union-attr]
    assert "STORE1-000123" in found


def test_reprint_line_fits_every_width() -> None:
    t, sale = member_sale()
    for width in (32, 42, 48):
        d = docs(t.program, printer_width=str(width))
        doc = d.sale_doc(sale, now=REPRINTED_AT, reprint=True, sold_at=PAID_AT)
        assert all(display_width(ln) <= width for ln in printed_lines(doc, width))
