"""ESC/POS bytes: Chinese in GB18030 (or GBK) without a single "?", and commands that
decode back to exactly the receipt's text."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.printer.render import (
    GBK_SUBSTITUTES,
    UnencodableText,
    code128,
    decode_text,
    encode_text,
    qr,
    receipt_bytes,
    render_escpos,
    substitute,
)
from terminal.app.counter import CommittedSale
from terminal.printing.layout import (
    QR,
    Barcode,
    Columns,
    Cut,
    Kick,
    Rule,
    Text,
    char_width,
    display_width,
    printed_lines,
    sale_receipt,
)

from .test_layout import PAID_AT, STORE, WIDTHS, member_sale, plain_sale
from .till import card

PUNCTUATION = "，。！？：；（）【】「」"
MIXED = "Tomato 番茄 1.250kg ￥6.00"
ENCODINGS = ("gb18030", "gbk")
INIT_CHINESE = b"\x1b@\x1c&"


def text_doc(*lines: str) -> tuple[Text, ...]:
    return tuple(Text(s) for s in lines)


# ----------------------------------------------------------------------------- text bytes


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_known_bytes(encoding: str) -> None:
    assert encode_text("番茄", encoding) == b"\xb7\xac\xc7\xd1"
    assert encode_text("￥", encoding) == b"\xa3\xa4"
    assert encode_text(MIXED, encoding) == b"Tomato \xb7\xac\xc7\xd1 1.250kg \xa3\xa46.00"
    assert encode_text(PUNCTUATION, encoding) == bytes.fromhex(
        "a3ac a1a3 a3a1 a3bf a3ba a3bb a3a8 a3a9 a1be a1bf a1b8 a1b9"
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("line", [PUNCTUATION, "￥", "￥6.00", MIXED, "〇", "—·…“”"])
def test_lines_without_common_ideographs_round_trip_without_a_question_mark(
    encoding: str, line: str
) -> None:
    # python-escpos only switches to GB18030 for a line holding an ideograph in
    # U+4E00..U+9FA5; it sends "，。！？", "￥6.00" and "〇" through code pages as "?".
    data = render_escpos(text_doc(line), encoding=encoding)
    assert data.startswith(INIT_CHINESE)
    assert b"?" not in data  # not one 0x3F byte: GB trail bytes are never 0x3F
    assert decode_text(data, encoding) == line + "\n"


@pytest.mark.parametrize("char", ["鿏", "㐀"])  # U+9FCF, and U+3400 of extension A
def test_ideographs_outside_gbk_in_gb18030(char: str) -> None:
    data = render_escpos(text_doc(char), encoding="gb18030")
    assert b"?" not in data
    assert decode_text(data) == char + "\n"
    assert encode_text(char, "gbk") == "□".encode("gbk")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_question_mark_in_the_source_is_the_only_0x3f(encoding: str) -> None:
    data = render_escpos(text_doc("番茄?", "要吗？"), encoding=encoding)
    assert data.count(b"?") == 1
    assert decode_text(data, encoding) == "番茄?\n要吗？\n"


def test_gb18030_holds_what_gbk_does_not() -> None:
    assert encode_text("•", "gb18030") == bytes.fromhex("8136a631")
    assert encode_text("¥", "gb18030") == bytes.fromhex("81308436")
    assert encode_text("🍅", "gb18030") == bytes.fromhex("9439b637")


@pytest.mark.parametrize(
    ("char", "printed"),
    [("•", "·"), ("・", "·"), ("¥", "￥"), ("−", "- "), ("ñ", "n "), ("｡", "。")],
)
def test_gbk_substitutes_are_close_and_no_wider(char: str, printed: str) -> None:
    assert substitute(char, "gbk") == printed
    assert display_width(printed) == char_width(char)
    assert decode_text(render_escpos(text_doc(f"a{char}b"), encoding="gbk"), "gbk") == (
        f"a{printed}b\n"
    )


def test_gbk_already_has_dash_and_middle_dot() -> None:
    assert encode_text("—·", "gbk") == b"\xa1\xaa\xa1\xa4"
    assert all(
        encode_text(sub, "gbk") for sub in GBK_SUBSTITUTES.values()
    )  # every substitute is itself GBK


def test_gbk_emoji_becomes_a_box_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="devices.printer.render"):
        data = encode_text("番茄🍅x", "gbk")
    assert data == b"\xb7\xac\xc7\xd1\xa1\xf5x"  # 🍅 -> □ (A1F5), same two columns
    assert b"?" not in data
    assert "🍅" in caplog.text


def test_gbk_strict_refuses_what_it_cannot_print() -> None:
    with pytest.raises(UnencodableText) as e:
        encode_text("番茄🍅x", "gbk", errors="strict")
    assert e.value.chars == "🍅"
    with pytest.raises(UnencodableText):
        render_escpos(text_doc("🍅"), encoding="gbk", errors="strict")


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError):
        render_escpos(text_doc("x"), encoding="big5")
    assert encode_text("番", "GB-18030") == encode_text("番", "cp936")


def test_control_characters_cannot_smuggle_commands() -> None:
    data = render_escpos(text_doc("番茄\x1bp\x00\x19"))
    assert b"\x1bp" not in data
    assert decode_text(data) == "番茄 p\n"
    assert encode_text("a\x1bp\x00\x19", "gbk") == b"a p  "


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.one_of(
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
            st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),
            st.characters(min_codepoint=0x20, max_codepoint=0x7E),
            st.sampled_from(list(PUNCTUATION + "￥·—…“”‘’《》〇、")),
        ),
        max_size=60,
    )
)
def test_random_cjk_and_latin_never_print_a_question_mark(s: str) -> None:
    doc = text_doc(s)
    data = render_escpos(doc)
    assert data.count(b"?") == s.count("?")
    lines = decode_text(data).split("\n")[:-1]
    assert lines == printed_lines(doc, 48)
    assert "".join(lines).replace(" ", "") == s.replace(" ", "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_text_at_all_renders_and_decodes(s: str) -> None:
    for encoding in ENCODINGS:
        data = render_escpos(text_doc(s), encoding=encoding, width=32)
        assert data.count(b"?") <= s.count("?")
        decoded = decode_text(data, encoding)
        assert all(display_width(ln) <= 32 for ln in decoded.split("\n"))


# ----------------------------------------------------------------------------- commands


def test_styles_alignment_cut_and_kick() -> None:
    doc = (
        Kick(),
        Text("番茄", "center", bold=True, double=True),
        Text("right", "right"),
        Rule("="),
        Cut(),
        Cut(partial=False),
    )
    data = render_escpos(doc, width=32)
    assert data.startswith(INIT_CHINESE + b"\x1bp\x00\x19\xfa")
    assert (
        b"\x1ba\x01\x1bE\x01\x1d!\x11\x1c!\x0c\xb7\xac\xc7\xd1\n\x1d!\x00\x1c!\x00\x1bE\x00"
    ) in data
    assert b"\x1ba\x02right\n\x1ba\x00" + b"=" * 32 + b"\n" in data
    assert data.endswith(b"\x1bd\x04\x1dV\x01\x1bd\x04\x1dV\x00")
    assert decode_text(data) == "番茄\nright\n" + "=" * 32 + "\n"


def test_chinese_mode_can_be_left_alone() -> None:
    assert render_escpos(text_doc("x"), chinese_mode=False).startswith(b"\x1b@x")


def test_code128_matches_python_escpos() -> None:
    from escpos.printer import Dummy

    ours = code128("T01-000001", 48)
    d = Dummy()
    d.barcode("{BT01-000001", "CODE128", function_type="B")
    gs_k = b"\x1dkI\x0c{BT01-000001"
    assert gs_k in d.output
    assert ours.endswith(gs_k)
    assert b"\x1dH\x00" in ours  # no HRI: the receipt prints the number as text
    assert code128("A{B", 32).endswith(b"\x1dkI\x06{BA{{B")
    with pytest.raises(ValueError):
        code128("番茄", 48)


def test_code128_module_width_fits_the_paper() -> None:
    assert code128("T01-000001", 32)[5] == 2  # GS w 2: 165 modules x 2 = 330 of 384 dots
    assert code128("T01-000001", 48)[5] == 3
    with pytest.raises(ValueError):  # no module of 2 dots fits: never a 1-dot code
        code128("X" * 40, 32)


def test_qr_matches_python_escpos() -> None:
    from escpos.constants import QR_ECLEVEL_M
    from escpos.printer import Dummy

    d = Dummy()
    d.qr("T01-000001", native=True, size=6, ec=QR_ECLEVEL_M)
    assert qr("T01-000001", 48) == d.output


def test_decode_skips_codes_and_refuses_unknown_commands() -> None:
    data = render_escpos((Barcode("T01-1"), QR("T01-1"), Text("T01-1")))
    assert decode_text(data) == "T01-1\n"
    with pytest.raises(ValueError):
        decode_text(b"\x1b\xff")
    with pytest.raises(ValueError):
        decode_text(b"\x07")


# ----------------------------------------------------------------------------- receipts


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_receipt_bytes_decode_back_to_the_layout(width: int, encoding: str) -> None:
    t, sale = member_sale()
    doc = sale_receipt(sale, t.program, STORE, width, PAID_AT)
    data = render_escpos(doc, encoding=encoding, width=width)
    assert b"?" not in data.split(b"\x1dk")[0]  # before the barcode: text only
    assert decode_text(data, encoding).split("\n")[:-1] == printed_lines(doc, width)
    assert b"\x1dkI\x0c{BT01-000001" in data
    assert data.endswith(b"\x1dV\x01\x1ba\x00") or data.endswith(b"\x1dV\x01")


@pytest.mark.parametrize("width", WIDTHS)
def test_receipt_bytes_entry_point(width: int) -> None:
    t, sale = member_sale()
    data = receipt_bytes(sale, t.program, STORE, width, now=PAID_AT)
    doc = sale_receipt(sale, t.program, STORE, width, PAID_AT)
    assert data.startswith(INIT_CHINESE + b"\x1bp\x00\x19\xfa")  # cash taken: drawer opens
    assert data == render_escpos((Kick(), *doc), width=width)
    assert b"\x1bp" not in receipt_bytes(sale, t.program, STORE, width, reprint=True)
    assert b"\x1bp" not in receipt_bytes(sale, t.program, STORE, width, kick=False)
    assert "销售小票(补打)" in decode_text(
        receipt_bytes(sale, t.program, STORE, width, "gbk", reprint=True), "gbk"
    )


def test_card_paid_sale_does_not_open_the_drawer() -> None:
    t, _ = plain_sale()
    rec = t.sell([("6900000000021", "1")], [card("9.00")])
    sale = CommittedSale("T01-000005", rec, None, ())
    data = receipt_bytes(sale, t.program, STORE)
    assert b"\x1bp" not in data
    assert "银行卡" in decode_text(data)


def test_columns_wider_than_the_paper_are_refused() -> None:
    with pytest.raises(ValueError):
        render_escpos((Columns(("a", "b"), (20, 20)),), width=32)


# ----------------------------------------------------------------------------- preview


@pytest.mark.parametrize("width", WIDTHS)
def test_png_preview_draws_the_receipt_at_paper_width(width: int, qapp: object) -> None:
    from PySide6.QtGui import QImage

    from devices.printer.preview import COLUMN_PX, MARGIN_PX, cjk_font_family, preview_png

    t, sale = member_sale()
    doc = sale_receipt(sale, t.program, STORE, width, PAID_AT, code="both")
    data = preview_png(doc, width)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = QImage.fromData(data, "PNG")
    assert image.width() == width * COLUMN_PX + 2 * MARGIN_PX
    assert image.height() > 24 * len(printed_lines(doc, width))
    family = cjk_font_family()
    assert family is None or isinstance(family, str)  # None: no Chinese font installed
