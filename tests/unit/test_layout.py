"""Receipt layouts (rule book §8): every field, and columns that line up on 58 and 80 mm
paper with CJK characters counted as two columns."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.app.counter import CommittedSale, RechargeResult, ReturnResult
from terminal.app.reports import Bucket, Report, TenderTotal
from terminal.money import Money
from terminal.printing.layout import (
    QR,
    Barcode,
    Block,
    Columns,
    Cut,
    Doc,
    Kick,
    StoreInfo,
    Text,
    card_sale_slip,
    clean,
    display_width,
    fit,
    mask_card,
    mask_phone,
    pad,
    printed_lines,
    recharge_slip,
    report_slip,
    return_slip,
    sale_receipt,
    takes_cash,
    text_lines,
    with_kick,
    wrap,
)
from terminal.rules.catalog import Product
from terminal.rules.coupons import Coupon
from terminal.rules.program import Program
from terminal.rules.tenders import Tender

from .till import Till, cash, coins, points, sv

WEDNESDAY = date(2026, 10, 7)
PAID_AT = datetime(2026, 10, 7, 14, 3, 5)
TOMATO = Product("6901234567892", "番茄", "fresh", Money(580), Money(480), "kg", plu=42)
SOY = Product("6900000000014", "酱油 Premium Soy Sauce 特级生抽 500ml", "grocery", Money(1200))
APPLE = Product("6900000000021", "Fuji apple 苹果（富士）", "fresh", Money(900))
LONG = Product(
    "6900000000038", "进口智利车厘子JJJ级大果礼盒装2.5kg【顺丰冷链】", "fresh", Money(29900)
)
PRODUCTS = [TOMATO, SOY, APPLE, LONG]
STORE = StoreInfo("欢乐番茄 五角场店", "T01", "张三", address="上海市杨浦区国定路 1 号")
PHONE = "13812345678"
WIDTHS = (32, 48)


def member_sale(till_day: date = WEDNESDAY) -> tuple[Till, CommittedSale]:
    """A tomato member sale that touches every §8 field: a weighed member-price line,
    mixed CJK/Latin names, a coupon, coins, stored value and cash with change, and an
    upgrade (990 + 30 growth points -> 红番茄) that grants coupons."""
    t = Till.of("tomato", list(PRODUCTS), till_day)
    t.open_member(
        code="M0001234",
        phone=PHONE,
        registered=date(2026, 1, 1),
        growth_points=990,
        coin_lots=((10, date(2026, 9, 1)),),
        principal=Money(10000),
        gift=Money(2000),
        coupons=(Coupon("C1", "满30减5", Money(3000), Money(500), date(2026, 10, 31)),),
    )
    rec = t.sell(
        [(TOMATO.code, "1.250"), (SOY.code, "2"), (APPLE.code, "3")],
        [coins(3), sv("10.00"), cash("100")],
        member="M0001234",
    )
    state = t.member("M0001234")
    granted = tuple(c for c in state.coupons if c.id in rec.coupons_granted)
    return t, CommittedSale("T01-000001", rec, state, granted)


def plain_sale() -> tuple[Till, CommittedSale]:
    t = Till.of("tomato", list(PRODUCTS), WEDNESDAY)
    rec = t.sell([(LONG.code, None), (APPLE.code, "1")], [cash("400")])
    return t, CommittedSale("T01-000002", rec, None, ())


def value(lines: list[str], label: str) -> str:
    """The right-hand value of the line that starts with ``label``."""
    hits = [ln for ln in lines if ln.startswith(label) and ln[len(label) :][:1] in ("", " ")]
    assert hits, f"no line {label!r} in\n" + "\n".join(lines)
    return hits[0][len(label) :].strip()


def assert_fits(doc: Doc, width: int) -> None:
    for b in doc:
        for line in printed_lines([b], width):
            limit = width // 2 if isinstance(b, Text) and b.double else width
            assert display_width(line) <= limit, (line, display_width(line), limit)
        if isinstance(b, Columns):
            # Every row spans the paper, so right-aligned amounts end at the same column.
            assert sum(b.widths) == width
            (line,) = printed_lines([b], width)
            if b.cells[-1] and b.align_of(len(b.cells) - 1) == "right":
                assert display_width(line) == width
                assert line.endswith(clean(b.cells[-1]))


# ----------------------------------------------------------------------------- widths


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("番茄", 4),
        ("Tomato", 6),
        ("Tomato 番茄", 11),
        ("￥6.00", 6),
        ("，。！？：；（）【】「」", 24),
        ("1.250kg", 7),
        ("·—×①", 8),  # ambiguous width: two columns on a GB printer
        ("e\u0301", 1),  # a combining mark takes no column
        ("", 0),
    ],
)
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


def test_fit_and_pad_never_split_a_cjk_character() -> None:
    assert fit("番茄abc", 3) == "番"
    assert fit("a番茄", 4) == "a番"
    assert fit("abc", 10) == "abc"
    assert pad("番茄", 5) == "番茄 "
    assert pad("番茄", 5, "right") == " 番茄"
    assert pad("番", 6, "center") == "  番  "
    assert pad("番茄番茄", 5) == "番茄 "
    assert all(display_width(pad("番茄x番", w)) == w for w in range(0, 10))


def test_wrap_keeps_every_character_and_prefers_spaces() -> None:
    s = "酱油 Premium Soy Sauce 特级生抽 500ml"
    for w in (8, 11, 16, 32):
        lines = wrap(s, w)
        assert all(display_width(ln) <= w for ln in lines)
        assert "".join(lines).replace(" ", "") == s.replace(" ", "")
    assert wrap(s, 24) == ["酱油 Premium Soy Sauce", "特级生抽 500ml"]


def test_clean_turns_control_characters_into_spaces() -> None:
    assert clean("番茄\n\t\x1bp") == "番茄   p"
    assert clean("Cafe\u0301") == "Café"
    assert clean("a\u200bb") == "ab"
    assert clean("1\u00a0kg\u3000装") == "1 kg\u3000装"


def test_masks() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert mask_card("6200001234567890") == "62****7890"
    assert mask_card("M0001234") == "****1234"
    assert "1" not in mask_card("M1")[:-1]


# ----------------------------------------------------------------------------- the sale


@pytest.mark.parametrize("width", WIDTHS)
def test_member_sale_receipt_fits_and_lines_up(width: int) -> None:
    t, sale = member_sale()
    doc = sale_receipt(sale, t.program, STORE, width, PAID_AT)
    assert_fits(doc, width)
    assert all(display_width(ln) <= width for ln in text_lines(doc, width))


@pytest.mark.parametrize("width", WIDTHS)
def test_member_sale_receipt_shows_every_section_8_field(width: int) -> None:
    t, sale = member_sale()
    rec, member = sale.record, sale.member
    assert member is not None
    doc = sale_receipt(sale, t.program, STORE, width, PAID_AT)
    lines = printed_lines(doc, width)
    text = "\n".join(lines)
    # Store, terminal, cashier, receipt number (as text and as a code), date and time.
    assert "欢乐番茄" in text and "五角场店" in text
    assert value(lines, "终端") == "T01"
    assert value(lines, "收银员") == "张三"
    assert value(lines, "小票号") == "T01-000001"
    assert Barcode("T01-000001") in doc
    assert value(lines, "日期时间") == "2026-10-07 14:03:05"
    # Each line: name, quantity or weight, unit price, member price marked, amount.
    assert "1 番茄" in lines
    assert value(lines, "  1.250kg").split() == ["5.80/kg", "7.25"]
    assert value(lines, "  会员价") == "6.00"
    assert any(ln.startswith("2 酱油 Premium") for ln in lines)
    assert value(lines, "  2 ").split() == ["12.00", "24.00"]
    assert any(ln.startswith("3 Fuji apple 苹果（富士）") for ln in lines)
    assert value(lines, "  3 ").split() == ["9.00", "27.00"]
    # Subtotal, member savings, each coupon, coins used.
    assert value(lines, "原价合计") == "58.25"
    assert value(lines, "会员优惠") == "-1.25"
    assert value(lines, "优惠券 满30减5") == "-5.00"
    assert value(lines, "应付合计") == "￥52.00"
    assert value(lines, "番茄币抵扣 3个") == "-3.00"
    assert value(lines, "实付") == "￥49.00"
    # Each tender and the change.
    assert value(lines, "储值支付") == "10.00"
    assert value(lines, "现金 实收") == "100.00"
    assert value(lines, "找零") == "￥61.00"
    # The member: masked phone, tier and valid-through, points, coins, stored value,
    # coupons granted today.
    assert value(lines, "会员") == "138****5678"
    assert PHONE not in text
    assert value(lines, "会员等级") == "红番茄"
    assert member.tier_valid_through is not None
    assert value(lines, "等级有效期至") == member.tier_valid_through.isoformat()
    assert value(lines, "本单会员力") == f"+{rec.earned.growth_points}"
    assert value(lines, "会员力累计") == str(member.growth_points) == "1020"
    assert value(lines, "本单番茄币") == f"+{rec.earned.coins}"
    assert value(lines, "番茄币余额") == str(member.coins_on(WEDNESDAY)) == "11"
    assert value(lines, "储值余额") == f"￥{member.stored_value.plain()}" == "￥110.00"
    assert value(lines, "  本金") == member.principal.plain()
    assert value(lines, "  赠送") == member.gift.plain()
    assert value(lines, "恭喜升级") == "红番茄"
    assert value(lines, "本单获赠优惠券") == "2张"
    assert value(lines, "  满30减5 x2").startswith("至")
    assert isinstance(doc[-1], Cut)


def test_the_totals_add_up() -> None:
    t, sale = member_sale()
    rec = sale.record
    money_paid = sum(tn.amount.fen for tn in rec.tenders if tn.kind not in ("coins", "points"))
    lines = printed_lines(sale_receipt(sale, t.program, STORE, 48, PAID_AT), 48)
    assert Money.parse(value(lines, "实付").removeprefix("￥")).fen == money_paid
    deductions = ["会员优惠", "优惠券 满30减5", "番茄币抵扣 3个"]
    total = Money.parse(value(lines, "原价合计")).fen + sum(
        Money.parse(value(lines, d)).fen for d in deductions
    )
    assert total == money_paid


def test_a_non_member_sale_has_no_member_section() -> None:
    t, sale = plain_sale()
    doc = sale_receipt(sale, t.program, STORE, 32, PAID_AT)
    lines = printed_lines(doc, 32)
    assert not any(ln.startswith(("会员", "储值余额")) for ln in lines)
    assert value(lines, "找零") == "￥92.00"
    assert value(lines, "应付合计") == "￥308.00"
    assert takes_cash(sale)
    assert_fits(doc, 32)
    # The long name wraps under its line number, continuation indented.
    i = next(i for i, ln in enumerate(lines) if ln.startswith("1 进口智利车厘子"))
    assert lines[i + 1].startswith("  ")


def test_receipt_number_as_qr_and_reprint_mark() -> None:
    t, sale = member_sale()
    doc = sale_receipt(sale, t.program, STORE, 48, PAID_AT, code="both", reprint=True)
    assert QR("T01-000001") in doc and Barcode("T01-000001") in doc
    assert "销售小票(补打)" in printed_lines(doc, 48)
    only_qr = sale_receipt(sale, t.program, STORE, 48, PAID_AT, code="qr")
    assert not any(isinstance(b, Barcode) for b in only_qr)


def test_a_receipt_without_a_time_shows_the_day() -> None:
    t, sale = member_sale()
    lines = printed_lines(sale_receipt(sale, t.program, STORE, 32), 32)
    assert value(lines, "日期时间") == "2026-10-07"


def test_drawer_kick_goes_first() -> None:
    t, sale = member_sale()
    doc = with_kick(sale_receipt(sale, t.program, STORE, 32, PAID_AT))
    assert isinstance(doc[0], Kick)


def test_text_lines_align_for_a_screen() -> None:
    t, sale = member_sale()
    lines = text_lines(sale_receipt(sale, t.program, STORE, 32, PAID_AT), 32)
    title = next(ln for ln in lines if ln.strip() == "销售小票")
    assert display_width(title) == 12 + 8  # centred: 12 spaces, 4 characters
    assert any("[条码 T01-000001]" in ln for ln in lines)


def test_points_tender_label_in_a_points_program() -> None:
    t = Till.of("points", [Product("P1", "大米 Rice 5kg", "grocery", Money(6500))], WEDNESDAY)
    t.open_member(code="P0000001", phone=PHONE, registered=date(2026, 1, 1), points=1000)
    rec = t.sell([("P1", None)], [points(500), cash("60.00")], member="P0000001")
    sale = CommittedSale("T01-000003", rec, t.member("P0000001"), ())
    for width in WIDTHS:
        doc = sale_receipt(sale, t.program, STORE, width, PAID_AT)
        lines = printed_lines(doc, width)
        assert value(lines, "积分抵扣 500") == "-5.00"
        assert value(lines, "实付") == "￥60.00"
        assert value(lines, "积分余额") == str(sale.member.points if sale.member else "")
        assert_fits(doc, width)


# ----------------------------------------------------------------------------- random names

NAME_CHARS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(list("，。！？：；（）【】「」·—￥×①")),
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(NAME_CHARS, min_size=1, max_size=40), min_size=1, max_size=4),
    store=st.text(NAME_CHARS, min_size=1, max_size=30),
    cashier=st.text(NAME_CHARS, min_size=1, max_size=20),
    width=st.sampled_from(WIDTHS),
)
def test_any_names_fit_the_paper(names: list[str], store: str, cashier: str, width: int) -> None:
    products = [
        Product(f"X{i}", name, "fresh", Money(100 * (i + 1) + 37)) for i, name in enumerate(names)
    ]
    t = Till.of("tomato", products, WEDNESDAY)
    due = sum(p.price.fen for p in products)
    rec = t.sell([(p.code, None) for p in products], [cash(Money(due + 1000).plain())])
    doc = sale_receipt(
        CommittedSale("T01-000009", rec, None, ()),
        t.program,
        StoreInfo(store, "T01", cashier),
        width,
        PAID_AT,
    )
    assert_fits(doc, width)


# ----------------------------------------------------------------------------- other slips


def tomato() -> Program:
    return Till.of("tomato", [], WEDNESDAY).program


@pytest.mark.parametrize("width", WIDTHS)
def test_recharge_slip(width: int) -> None:
    t, sale = member_sale()
    member = sale.member
    assert member is not None
    result = RechargeResult("M0001234", Money(20000), Money(0), 30, member)
    doc = recharge_slip(result, t.program, STORE, PAID_AT, width, ref="RC1", manager="王店长")
    lines = printed_lines(doc, width)
    assert_fits(doc, width)
    assert value(lines, "充值金额") == "￥200.00"
    assert value(lines, "支付方式 现金") == "200.00"
    assert value(lines, "赠送番茄币") == "30"
    assert value(lines, "储值余额") == "￥110.00"
    assert value(lines, "会员") == "138****5678"
    assert value(lines, "授权店长") == "王店长"


@pytest.mark.parametrize("width", WIDTHS)
def test_card_sale_slip_never_prints_the_pin(width: int) -> None:
    tenders = (Tender("cash", Money(50000), Money(60000)),)
    doc = card_sale_slip(
        "6200001234567890",
        Money(50000),
        tomato(),
        STORE,
        PAID_AT,
        width,
        tenders=tenders,
        change=Money(10000),
        ref="S42",
    )
    lines = printed_lines(doc, width)
    assert_fits(doc, width)
    assert value(lines, "卡号") == "62****7890"
    assert value(lines, "面值") == "￥500.00"
    assert value(lines, "现金 实收") == "600.00"
    assert value(lines, "找零") == "￥100.00"


@pytest.mark.parametrize("width", WIDTHS)
def test_report_slip_from_report_lines(width: int) -> None:
    report = Report(
        kind="Z",
        terminal_id="T01",
        start=datetime(2026, 10, 7, 8, 0),
        end=datetime(2026, 10, 7, 22, 0),
        made_at=datetime(2026, 10, 7, 22, 1),
        first_seq=1,
        last_seq=99,
        cashiers=("001 张三", "002 李四"),
        day=WEDNESDAY,
        z_no=12,
        sales=Bucket(2, Money(3000), (TenderTotal("cash", 2, Money(3000)),)),
        points_earned=3,
    )
    rows = report.lines(coin_name="番茄币")
    doc = report_slip(rows, None, STORE, width, datetime(2026, 10, 7, 22, 1))
    lines = printed_lines(doc, width)
    assert_fits(doc, width)
    assert "日结报表(Z)" in lines
    assert "【销售】" in lines
    assert value(lines, "Z序号") == "12"
    assert value(lines, "收银员") == "001 张三, 002 李四"
    assert value(lines, "  现金") == "2 / 30.00"
    assert sum(ln.startswith("打印时间") for ln in lines) == 1
    assert value(lines, "应有现金") == "0.00"
    english = printed_lines(report_slip(rows, "Z", STORE, width, english=True), width)
    assert any(ln.startswith("应有现金 Expected cash") for ln in english)


@pytest.mark.parametrize("width", WIDTHS)
def test_return_slip(width: int) -> None:
    t, sale = member_sale()
    t.advance(date(2026, 10, 8))
    ret = t.refund(sale.record, [(1, "1.250")])
    result = ReturnResult("R1", sale.receipt_no, ret, t.member("M0001234"))
    doc = return_slip(result, sale.record, t.program, STORE, width, datetime(2026, 10, 8, 9, 0))
    lines = printed_lines(doc, width)
    assert_fits(doc, width)
    assert value(lines, "原小票号") == "T01-000001"
    assert "1 番茄" in lines
    assert value(lines, "  1.250kg") == ret.lines[0].refund.plain()
    assert value(lines, "退货金额") == f"￥{ret.refund.plain()}"
    paid = Money(sum(r.paid_out.fen for r in ret.refunds if r.kind not in ("coins", "points")))
    assert value(lines, "实退金额") == f"￥{paid.plain()}"
    for r in ret.refunds:
        if r.kind == "coins":
            assert value(lines, f"退回番茄币 {r.coins}个") == r.amount.plain()
        elif r.kind == "cash":
            assert value(lines, "退现金") == r.paid_out.plain()
        elif r.kind == "stored_value":
            assert value(lines, "退回储值") == r.paid_out.plain()
    if ret.shortfall_deducted:
        assert value(lines, "扣回已获赠(差额)") == f"-{ret.shortfall_deducted.plain()}"
    if ret.clawed.growth_points:
        assert value(lines, "扣回会员力") == f"-{ret.clawed.growth_points}"


def test_full_return_slip_names_coins_back() -> None:
    t, sale = member_sale()
    ret = t.refund(sale.record)
    result = ReturnResult("R1", sale.receipt_no, ret, t.member("M0001234"))
    lines = printed_lines(return_slip(result, sale.record, t.program, STORE, 32, PAID_AT), 32)
    assert value(lines, "退货类型") == "整单退货"
    assert value(lines, "退回番茄币 3个") == "3.00"
    assert ret.upgrade_reversed and "本单升级已撤销" in lines


def test_columns_must_match_their_cells() -> None:
    with pytest.raises(ValueError):
        Columns(("a", "b"), (10,))
    with pytest.raises(ValueError):
        printed_lines([Columns(("a", "b"), (30, 30))], 48)
    with pytest.raises(ValueError):
        sale_receipt(member_sale()[1], tomato(), STORE, 16)


def test_blocks_are_plain_values() -> None:
    blocks: list[Block] = [Text("番茄", "center", bold=True, double=True), Cut(), Kick()]
    assert printed_lines(blocks, 32) == ["番茄"]
    assert printed_lines([Text("番茄番茄番茄番茄番茄", double=True)], 32) == [
        "番茄番茄番茄番茄",
        "番茄",
    ]
