"""Issue 17, the seeds' programs whole: EAN-13 scale labels, spend ladders reassessed
(downgrades), points tier benefits inherited up the ladder, a card load as a recharge
(organic) and the organic member status."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal import codec
from terminal.app.counter import CommittedSale
from terminal.errors import InvalidInput, NotFound, ProgramFileError
from terminal.money import Money
from terminal.printing.layout import StoreInfo, printed_lines, sale_receipt
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules.barcodes import (
    SCALE_PREFIXES,
    ScaleCode,
    decode_scale,
    ean13_scale_layouts,
    encode_scale,
    gtin_check_digit,
)
from terminal.rules.catalog import DictCatalog, Product, resolve_scan
from terminal.rules.program_loader import load_program, load_program_file

from .till import Till, cash

TOMATO, MALL, BASIC = load_program("tomato"), load_program("mall"), load_program("basic")
POINTS, ORGANIC = load_program("points"), load_program("organic")
DAY = date(2026, 11, 1)
fen = Money.parse


# ----------------------------------------------------------------------------- scale labels


def test_the_13_digit_label_of_the_issue_and_its_check_digit() -> None:
    # 2123450058006: body 212345005800, weights 3,1 from the right:
    # 0*3+0+8*3+5+0*3+0+5*3+4+3*3+2+1*3+2 = 64 -> check (10 - 4) % 10 = 6.
    assert gtin_check_digit("212345005800") == 6
    # EAN-13 "PP IIIII VVVVV C": prefix 21, PLU 23450, price 05800 fen = 58.00.
    layouts = MALL.scale_barcodes  # mall names no layout: the default EAN-13 ones
    assert decode_scale("2123450058006", layouts) == ScaleCode(23450, 5800, "price")
    # PLU 12345 at 5.80 on the same prefix is 21 12345 00580 + check 5.
    assert decode_scale("2112345005805", layouts) == ScaleCode(12345, 580, "price")


def test_every_program_reads_ean13_labels_and_tomato_also_its_12_digit_one() -> None:
    for prog in (TOMATO, MALL, BASIC, POINTS, ORGANIC):
        assert set(ean13_scale_layouts()) <= set(prog.scale_barcodes), prog.id
    beef = Product("1001", "牛腱肉", "fresh", fen("80.00"), unit="kg", plu=42)
    catalog = DictCatalog([beef])
    legacy = "200042012348"  # "2 PPPPP VVVVV C": PLU 42, 12.34
    assert resolve_scan(legacy, None, catalog, TOMATO.scale_barcodes).label_amount == fen("12.34")
    with pytest.raises(NotFound):  # a plain UPC-A to a program that names no 12-digit layout
        resolve_scan(legacy, None, catalog, MALL.scale_barcodes)


@st.composite
def labels(draw: st.DrawFn) -> tuple[str, int, int]:
    prefix = draw(st.sampled_from(SCALE_PREFIXES))
    plu = draw(st.integers(0, 99_999))
    value = draw(st.integers(0, 99_999))
    return prefix, plu, value


@given(labels())
@settings(max_examples=300)
def test_ean13_labels_round_trip_by_digit_position(case: tuple[str, int, int]) -> None:
    prefix, plu, value = case
    layout = next(lay for lay in ean13_scale_layouts() if lay.prefix == prefix)
    code = encode_scale(layout, plu, value)
    assert len(code) == 13 and code[:2] == prefix
    assert int(code[2:7]) == plu and int(code[7:12]) == value
    assert int(code[12]) == gtin_check_digit(code[:12])
    assert decode_scale(code, ean13_scale_layouts()) == ScaleCode(plu, value, "price")


@given(labels(), st.integers(2, 12), st.integers(1, 9))
@settings(max_examples=300)
def test_any_single_wrong_digit_after_the_prefix_is_a_bad_check_digit(
    case: tuple[str, int, int], pos: int, shift: int
) -> None:
    prefix, plu, value = case
    code = encode_scale(ean13_scale_layouts((prefix,))[0], plu, value)
    bad = code[:pos] + str((int(code[pos]) + shift) % 10) + code[pos + 1 :]
    with pytest.raises(InvalidInput) as exc:
        decode_scale(bad, ean13_scale_layouts())
    assert exc.value.code == "bad_check_digit"


@given(st.text(alphabet="0123456789", min_size=0, max_size=14))
@settings(max_examples=300)
def test_the_parser_never_misreads_a_code_of_another_shape(code: str) -> None:
    """Only 13 digits on a prefix 20-29 are labels; anything else is not decoded."""
    try:
        got = decode_scale(code, ean13_scale_layouts())
    except InvalidInput:
        assert len(code) == 13 and code[:2] in SCALE_PREFIXES
        return
    if len(code) == 13 and code[:2] in SCALE_PREFIXES:
        assert got == ScaleCode(int(code[2:7]), int(code[7:12]), "price")
    else:
        assert got is None


def test_a_weight_variant_by_prefixes(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "terminal/rules/programs/basic.toml").read_text("utf-8")
    text = text.replace(
        "\n[tiers]\n",
        '\n[[catalog.scale_barcodes]]\nprefixes = ["28", "29"]\n'
        'item_digits = 5\nvalue_digits = 5\nvalue = "weight"\n\n[tiers]\n',
        1,
    )
    path = tmp_path / "weighed.toml"
    path.write_text(text, "utf-8")
    prog = load_program_file(path)
    assert [lay.prefix for lay in prog.scale_barcodes] == ["28", "29"]
    beef = Product("1001", "牛腱肉", "fresh", fen("80.00"), unit="kg", plu=12345)
    code = encode_scale(prog.scale_barcodes[0], 12345, 1250)
    assert resolve_scan(code, None, DictCatalog([beef]), prog.scale_barcodes).qty == Qty(1250)
    path.write_text(text.replace('prefixes = ["28", "29"]', "prefixes = []"), "utf-8")
    with pytest.raises(ProgramFileError, match="prefixes"):
        load_program_file(path)


# ----------------------------------------------------------------------------- downgrades


def state_of(prog_id: str, tier: str | None, spend: str, points: int = 0) -> m.MemberState:
    prog = load_program(prog_id)
    o = lc.Opening("X1", tier=tier, spend_12m=fen(spend), points=points)
    return m.fold(lc.opening_entries(prog, o, DAY))


@pytest.mark.parametrize(
    ("prog_id", "tier", "spend", "points", "to"),
    [
        ("mall", "gold", "5100.00", 0, "silver"),
        ("mall", "gold", "0.00", 0, None),
        ("mall", "diamond", "9999.99", 0, "silver"),
        ("mall", "silver", "300.00", 2000, "silver"),  # the points promotion still holds
        ("mall", "silver", "300.00", 1999, None),
        ("basic", "diamond", "18.00", 0, "normal"),
        ("basic", "gold", "4999.99", 0, "silver"),
    ],
)
def test_reassessment_moves_down_to_what_the_rolling_spend_reaches(
    prog_id: str, tier: str, spend: str, points: int, to: str | None
) -> None:
    prog = load_program(prog_id)
    s = state_of(prog_id, tier, spend, points)
    moves = lc.reassess_tier(s, prog, DAY)
    if to == tier:
        assert moves == []
    else:
        assert moves == [m.TierChanged(to, None, "reassessed", fen(spend))]
        assert lc.reassess_tier(m.fold(moves, s), prog, DAY) == []  # once


def test_reassessment_never_upgrades_and_needs_the_setting() -> None:
    assert lc.reassess_tier(state_of("mall", "normal", "25000.00"), MALL, DAY) == []
    # tomato's growth ladder and organic's cumulative ladders are not reassessed
    assert lc.reassess_tier(state_of("organic", "black", "0.00"), ORGANIC, DAY) == []
    no = replace(MALL, tiers=replace(MALL.tiers, reassess="never"))
    assert lc.reassess_tier(state_of("mall", "gold", "0.00"), no, DAY) == []


def test_tier_changed_rows_written_before_the_spend_field_still_decode() -> None:
    old = {"type": "TierChanged", "tier": "gold", "valid_through": None, "reason": "upgrade"}
    assert codec.decode_entry(old) == m.TierChanged("gold", None, "upgrade")
    new = m.TierChanged("silver", None, "reassessed", fen("5100.00"))
    assert codec.encode_entry(new)["spend_seen"] == 510000
    assert codec.decode_entry(codec.encode_entry(new)) == new


def test_monthly_reassessment_is_refused_where_it_means_nothing(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "terminal/rules/programs/points.toml").read_text("utf-8")
    path = tmp_path / "p.toml"
    path.write_text(
        text.replace('movement = "follow"', 'movement = "follow"\nreassess = "monthly"')
    )
    with pytest.raises(ProgramFileError, match=r"tiers\.reassess"):
        load_program_file(path)


# ----------------------------------------------------------------------------- points benefits


def templates(entries: list[m.MemberEntry]) -> list[tuple[str, str]]:
    return [
        (e.coupon.name, e.coupon.off.plain()) for e in entries if isinstance(e, m.CouponGranted)
    ]


@pytest.mark.parametrize(
    ("points", "names"),
    [
        (10000, ["银卡月券 满100减5"]),
        (60000, ["金卡月券 满300减15", "银卡月券 满100减5"]),
        (110000, ["钻卡月券 满500减30", "金卡月券 满300减15", "银卡月券 满100减5"]),
    ],
)
def test_points_monthly_coupons_inherit_up_the_ladder(points: int, names: list[str]) -> None:
    s = state_of("points", None, "0.00", points)
    got = lc.claim_gift(s, POINTS, "monthly", date(2026, 11, 2), iter("ABC").__next__)
    assert [n for n, _ in templates(got)] == names


def test_points_upgrade_coupons_and_a_skipped_tier() -> None:
    t = Till.of("points", [Product("P1", "电视", "home", fen("1000.00"))], date(2026, 11, 2))
    t.open_member(code="A", points=9950)
    t.open_member(code="B", points=9000)
    t.sell([("P1", None)], [cash("1000")], member="A")  # +100 -> 10050: silver
    assert templates(t.ledger["A"][-1:]) == [("银卡升级券 满100减10", "10.00")]
    t.open_member(code="C", points=59000)  # silver
    t.sell([("P1", "200")], [cash("200000")], member="C", coupons=None)  # +20000 -> 79000: gold
    assert t.member("C").tier == "gold"
    assert [c.name for c in t.member("C").coupons] == ["金卡升级券 满300减30"]
    t.sell([("P1", "110")], [cash("110000")], member="B", coupons=None)  # +11000 -> 20000: silver
    t.sell([("P1", "900")], [cash("900000")], member="B", coupons=None)  # +90000 -> 110000: diamond
    assert [c.name for c in t.member("B").coupons] == [
        "银卡升级券 满100减10",
        "钻卡升级券 满500减60",  # gold was skipped: only the reached tier's coupon
    ]


# ----------------------------------------------------------------------------- card loads


def test_an_organic_card_load_is_a_recharge() -> None:
    s = m.fold(lc.register(ORGANIC, "P1", "13500000001", DAY, lambda: "x"))
    assert not s.entered
    got = lc.load_card(ORGANIC, s, fen("500.00"), DAY, "C1", lambda: "x")
    assert got[:3] == [
        m.Entered(DAY, "card_load"),
        m.StoredValueChanged(fen("500.00"), Money(0), "card_load:C1"),
        m.CounterChanged("cumulative_recharge", fen("500.00"), "card_load:C1"),
    ]
    after = m.fold(got, s)
    assert after.entered and after.principal == fen("500.00")
    assert lc.member_status(after, ORGANIC, DAY) == "recharged"


def test_a_group_account_funded_by_cards_reaches_bronze() -> None:
    o = lc.Opening("G1", group=True, cumulative_recharge=fen("4600.00"))
    s = m.fold(lc.opening_entries(ORGANIC, o, DAY))
    assert s.tier is None
    after = m.fold(lc.load_card(ORGANIC, s, fen("500.00"), DAY, "C2", lambda: "x"), s)
    assert after.tier == "bronze" and after.cumulative_recharge == fen("5100.00")


def test_a_card_load_where_the_program_does_not_say_so_is_principal_only() -> None:
    s = m.fold(lc.register(TOMATO, "T1", "13500000002", DAY, lambda: "x"))
    assert lc.load_card(TOMATO, s, fen("500.00"), DAY, "C3", lambda: "x") == [
        m.StoredValueChanged(fen("500.00"), Money(0), "card_load:C3")
    ]


# ----------------------------------------------------------------------------- status


def test_member_status_through_a_members_life() -> None:
    s = m.fold(lc.register(ORGANIC, "P1", "13500000001", DAY, lambda: "x"))
    assert lc.member_status(s, ORGANIC, DAY) == "registered"
    s = m.fold(lc.recharge_entries(ORGANIC, s, fen("100.00"), DAY, "r1", lambda: "x")[0], s)
    assert lc.member_status(s, ORGANIC, DAY) == "recharged"
    s = m.apply(s, m.Purchased(DAY, fen("20.00")))
    assert lc.member_status(s, ORGANIC, date(2027, 1, 30)) == "active"  # 90 days
    assert lc.member_status(s, ORGANIC, date(2027, 1, 31)) == "sleeping"  # 91 days
    s = m.apply(s, m.Blocked(True, "closed"))
    assert lc.member_status(s, ORGANIC, DAY) == "closed"


def test_the_organic_receipt_prints_the_status_and_tomato_does_not() -> None:
    rice = Product("R1", "有机大米", "grocery", fen("400.00"))
    store = StoreInfo("有机生活馆", "T01", "张三")
    for prog_id, shown in (("organic", "激活"), ("tomato", None)):
        t = Till.of(prog_id, [rice], DAY)
        t.open_member(code="M1", phone="13500000003")
        rec = t.sell([("R1", None)], [cash("400")], member="M1")
        sale = CommittedSale("T01-000001", rec, t.member("M1"), ())
        lines = printed_lines(sale_receipt(sale, t.program, store, 48), 48)
        status = [ln.split()[-1] for ln in lines if ln.startswith("会员状态")]
        assert status == ([shown] if shown else [])
