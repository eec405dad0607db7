"""ESC/POS bytes for a receipt ``Doc`` (``terminal.printing.layout``).

Commands (Epson ESC/POS as Chinese thermal printers implement it):

* ``ESC @`` initialise, then ``FS &`` to enter Chinese character mode. Most Chinese
  printers start in Chinese mode, but not all (and a previous job may have left it
  with ``FS .``); in Chinese mode every byte >= 0x81 starts a GB code, bytes < 0x80 are
  ASCII, and ``ESC t`` code pages are ignored. python-escpos never sends ``FS &``: it
  relies on the printer's default. Pass ``chinese_mode=False`` for a printer whose
  firmware rejects it.
* Text is encoded here with Python's ``gb18030`` or ``gbk`` codec, not python-escpos's
  ``MagicEncode``: that one only switches to GB18030 when a line holds a CJK ideograph
  in U+4E00..U+9FA5; a line of Chinese punctuation ("，。！？"), a lone "￥6.00", "〇",
  "鿏" (U+9FCF) or "㐀" (extension A) goes through single-byte code pages and prints
  "?", and code-page bytes (CP1252's 0x95 for a lone "•", after ``ESC t 16``) are
  read as GB lead bytes in Chinese mode and swallow the next character.
* ``ESC a n`` alignment, ``ESC E n`` bold, ``GS ! 0x11`` + ``FS ! 0x0C`` double width
  and height (``GS !`` for ASCII, ``FS !`` for Hanzi on printers that keep them apart).
* Code 128 via ``GS k 73 n {B...`` (function B, code set B; a "{" in the data is sent as
  "{{"), human-readable text off (``GS H 0``; the layout prints the number as text).
* QR via ``GS ( k``: model 2, module size, error correction M, store, print.
* ``ESC d 4`` + ``GS V 1`` feed past the cutter and cut (partial), ``GS V 0`` for a full
  cut; ``ESC p 0 0x19 0xFA`` kicks the drawer on connector pin 2 (50 ms on, 500 ms off;
  python-escpos's ``cashdraw(2)`` sends 0x32 0x32, 100 ms each).

GB18030 vs GBK: every Unicode character has a GB18030 code, but characters outside
GBK take four bytes (¥ U+00A5, •, emoji...), which only printers with a GB18030 font
print. ``encoding="gbk"`` is for printers with a GBK (or GB2312) font: a character GBK
cannot hold is replaced by a close substitute of no greater width ("•" -> "·",
"¥" -> "￥", NFKC/NFKD forms such as "ñ" -> "n"), else by "□" with a logged warning
(``errors="replace"``) or refused with ``UnencodableText`` (``errors="strict"``).
Never "?": GB trail bytes are >= 0x30 and never 0x3F, so a 0x3F byte in the output
is a "?" in the source.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

from terminal.printing.layout import (
    QR,
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Doc,
    Kick,
    Rule,
    SaleLike,
    StoreInfo,
    Text,
    block_lines,
    char_width,
    check_width,
    display_width,
    sale_receipt,
    takes_cash,
    with_kick,
)
from terminal.rules.program import Program

log = logging.getLogger(__name__)

Encoding = Literal["gb18030", "gbk"]
Errors = Literal["replace", "strict"]

ESC, FS, GS = b"\x1b", b"\x1c", b"\x1d"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
LF = b"\n"
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
DOUBLE_ON = GS + b"!\x11" + FS + b"!\x0c"
DOUBLE_OFF = GS + b"!\x00" + FS + b"!\x00"
KICK = ESC + b"p\x00\x19\xfa"
FEED_TO_CUTTER = ESC + b"d\x04"
CUT_PARTIAL, CUT_FULL = GS + b"V\x01", GS + b"V\x00"

DOTS_PER_COLUMN = 12  # Font A: 12 x 24 dots, so 32 columns = 384 dots, 48 = 576
BARCODE_HEIGHT = 80  # dots (10 mm at 203 dpi)
REPLACEMENT = "□"  # GB2312 A1F5: a visible box, never "?"

# Characters GBK lacks that have a close, no wider, GBK substitute.
GBK_SUBSTITUTES: dict[str, str] = {
    "•": "·",
    "・": "·",
    "‧": "·",
    "∙": "·",
    "¥": "￥",
    "€": "EU",
    "−": "-",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "✓": "√",
    "✔": "√",
    "✗": "×",
    "✘": "×",
    "©": "C",
    "®": "R",
    "½": "半",
}


class UnencodableText(ValueError):
    """Text the printer's encoding cannot hold, with no substitute (``errors="strict"``)."""

    def __init__(self, chars: str, encoding: str) -> None:
        super().__init__(f"{encoding} cannot print {chars!r}")
        self.chars = chars
        self.encoding = encoding


def codec_name(encoding: str) -> Encoding:
    e = encoding.lower().replace("-", "").replace("_", "")
    if e == "gb18030":
        return "gb18030"
    if e in ("gbk", "cp936"):
        return "gbk"
    raise ValueError(f"unsupported printer encoding {encoding!r} (gb18030 or gbk)")


def _encodable(s: str, codec: str) -> bool:
    try:
        s.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def substitute(ch: str, encoding: str) -> str | None:
    """A stand-in for ``ch`` that ``encoding`` can hold and that is no wider, or None."""
    codec = codec_name(encoding)
    width = char_width(ch)
    candidates = [GBK_SUBSTITUTES.get(ch, "")]
    candidates.append(unicodedata.normalize("NFKC", ch))
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    candidates.append(stripped)
    for sub in candidates:
        if sub and sub != ch and display_width(sub) <= width and _encodable(sub, codec):
            return sub + " " * (width - display_width(sub))
    return None


def encode_text(text: str, encoding: str = "gb18030", *, errors: Errors = "replace") -> bytes:
    """Printable bytes for one line: control characters become spaces (a product name
    can never smuggle in a command), then the GB codec, then substitutes."""
    codec = codec_name(encoding)
    safe = "".join(" " if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in text)
    try:
        return safe.encode(codec)
    except UnicodeEncodeError:
        pass
    out = bytearray()
    missing: list[str] = []
    for ch in safe:
        try:
            out += ch.encode(codec)
            continue
        except UnicodeEncodeError:
            pass
        sub = substitute(ch, codec)
        if sub is None:
            missing.append(ch)
            sub = REPLACEMENT if char_width(ch) >= 2 else " "
        out += sub.encode(codec)
    if missing:
        chars = "".join(dict.fromkeys(missing))
        if errors == "strict":
            raise UnencodableText(chars, codec)
        log.warning("printer encoding %s cannot print %r: printed as %s", codec, chars, REPLACEMENT)
    return bytes(out)


# ----------------------------------------------------------------------------- codes


MIN_MODULE, MAX_MODULE = 2, 3  # Epson's GS w range is 2-6; 3 dots (0.375 mm) reads anywhere


def code128_modules_count(data: str) -> int:
    """Modules of the bars in code set B: start, data, check (11 each) and stop (13).
    The quiet zones are the paper's own margins (4-5 mm on 58 and 80 mm paper)."""
    return 11 * (len(data) + 2) + 13


def code128_module(data: str, dots: int) -> int | None:
    """The widest module (``MIN_MODULE``..``MAX_MODULE`` dots) whose bars fit ``dots``,
    or None when even ``MIN_MODULE`` does not fit (then the number goes out as a QR)."""
    module = min(MAX_MODULE, dots // code128_modules_count(data))
    return module if module >= MIN_MODULE else None


def code128(data: str, width: int, *, dots: int | None = None) -> bytes:
    """``GS k`` Code 128 (function B, code set B), centred, module width to fit the
    paper's ``dots`` (default 12 per column); ValueError when no module of 2 fits."""
    if not data or not all(0x20 <= ord(c) < 0x7F for c in data):
        raise ValueError(f"Code 128 set B needs printable ASCII, got {data!r}")
    payload = b"{B" + data.replace("{", "{{").encode("ascii")
    if len(payload) > 255:
        raise ValueError("barcode data too long")
    module = code128_module(data, dots or width * DOTS_PER_COLUMN)
    if module is None:
        raise ValueError(f"Code 128 of {data!r} does not fit {dots} dots")
    return (
        GS + b"h" + bytes([BARCODE_HEIGHT])
        + GS + b"w" + bytes([module])
        + GS + b"H\x00"
        + GS + b"k" + bytes([73, len(payload)]) + payload
    )  # fmt: skip


def qr(data: str, width: int, *, size: int | None = None) -> bytes:
    """``GS ( k`` QR code: model 2, error correction M, module ``size`` dots."""
    raw = data.encode("utf-8")
    if len(raw) > 7089:
        raise ValueError("QR data too long")
    n = size or (6 if width >= 48 else 5)

    def fn(body: bytes) -> bytes:
        return GS + b"(k" + len(body).to_bytes(2, "little") + body

    return (
        fn(b"1A2\x00")  # model 2
        + fn(b"1C" + bytes([n]))  # module size
        + fn(b"1E1")  # error correction M (48 L, 49 M, 50 Q, 51 H)
        + fn(b"1P0" + raw)  # store
        + fn(b"1Q0")  # print
    )


# ----------------------------------------------------------------------------- render


def render_escpos(
    doc: Iterable[Block],
    *,
    encoding: str = "gb18030",
    width: int = 48,
    chinese_mode: bool = True,
    errors: Errors = "replace",
    dots: int | None = None,
) -> bytes:
    """ESC/POS bytes for ``doc`` on paper of ``width`` columns (32: 58 mm, 48: 80 mm)
    and ``dots`` per line (default 12 per column). A barcode too wide for the paper
    prints as a QR of the same data."""
    dots = dots or width * DOTS_PER_COLUMN
    codec = codec_name(encoding)
    check_width(width)
    out = bytearray(INIT)
    if chinese_mode:
        out += CHINESE_ON
    align: Align = "left"

    def set_align(a: Align) -> None:
        nonlocal align
        if a != align:
            out.extend(ALIGN[a])
            align = a

    for block in doc:
        if isinstance(block, Text | Rule | Columns):
            lines = block_lines(block, width)
            bold = block.bold if isinstance(block, Text | Columns) else False
            double = isinstance(block, Text) and block.double
            set_align(block.align if isinstance(block, Text) else "left")
            if bold:
                out += BOLD_ON
            if double:
                out += DOUBLE_ON
            for line in lines:
                out += encode_text(line, codec, errors=errors) + LF
            if double:
                out += DOUBLE_OFF
            if bold:
                out += BOLD_OFF
        elif isinstance(block, Barcode):
            set_align("center")
            if code128_module(block.data, dots) is None:
                out += qr(block.data, width)
            else:
                out += code128(block.data, width, dots=dots)
        elif isinstance(block, QR):
            set_align("center")
            out += qr(block.data, width)
        elif isinstance(block, Cut):
            out += FEED_TO_CUTTER + (CUT_PARTIAL if block.partial else CUT_FULL)
        elif isinstance(block, Kick):
            out += KICK
        else:  # pragma: no cover - exhaustive
            raise TypeError(f"not a receipt block: {block!r}")
    set_align("left")
    return bytes(out)


def receipt_bytes(
    sale: SaleLike,
    program: Program,
    store: StoreInfo,
    width: int = 48,
    encoding: str = "gb18030",
    *,
    now: datetime | date | None = None,
    kick: bool | None = None,
    reprint: bool = False,
) -> bytes:
    """The printed 小票 of a committed sale: ``sale_receipt`` + ``render_escpos``.

    ``now``: when the sale was paid (default: its day, without a time). ``kick``: open
    the drawer; None opens it when the sale took cash (never on a reprint).
    """
    doc: Doc = sale_receipt(sale, program, store, width, now, reprint=reprint)
    if kick or (kick is None and not reprint and takes_cash(sale)):
        doc = with_kick(doc)
    return render_escpos(doc, encoding=encoding, width=width)


# ----------------------------------------------------------------------------- decode

# ESC/FS/GS commands with fixed lengths (command byte -> total length incl. prefix).
_ESC_LEN = {
    ord(c): n
    for c, n in {
        "@": 2, "2": 2, "<": 2, "a": 3, "E": 3, "!": 3, "-": 3, "t": 3, "d": 3, "J": 3,
        "M": 3, "G": 3, "{": 3, "3": 3, "R": 3, "V": 3, "r": 3, "c": 4, "p": 5, "e": 3,
        "$": 4, "\\": 4, "i": 2, "m": 2,
    }.items()
}  # fmt: skip
_FS_LEN = {ord(c): n for c, n in {"&": 2, ".": 2, "!": 3, "C": 3, "-": 3, "W": 3, "S": 4}.items()}
_GS_LEN = {
    ord(c): n
    for c, n in {
        "!": 3, "h": 3, "w": 3, "H": 3, "f": 3, "B": 3, "b": 3, "L": 4, "W": 4, "a": 3,
        "r": 3, "I": 3,
    }.items()
}  # fmt: skip


def _command_length(data: bytes, i: int) -> int:
    """Length of the ESC/POS command starting at ``data[i]`` (an ESC, FS, GS or DLE)."""
    prefix = data[i]
    if i + 1 >= len(data):
        raise ValueError(f"truncated command at byte {i}")
    cmd = data[i + 1]
    if prefix == 0x1B and cmd in _ESC_LEN:
        return _ESC_LEN[cmd]
    if prefix == 0x1C and cmd in _FS_LEN:
        return _FS_LEN[cmd]
    if prefix == 0x10 and cmd == 0x04:  # DLE EOT n
        return 3
    if prefix == 0x1D:
        if cmd in _GS_LEN:
            return _GS_LEN[cmd]
        if cmd == ord("V"):
            return 4 if data[i + 2] in (65, 66, 97, 98, 103, 104) else 3
        if cmd == ord("k"):
            m = data[i + 2]
            if m <= 6:  # NUL-terminated data
                end = data.index(0, i + 3)
                return end + 1 - i
            return 4 + data[i + 3]
        if cmd == ord("("):  # GS ( fn pL pH ...
            return 5 + int.from_bytes(data[i + 3 : i + 5], "little")
        if cmd == ord("v") and data[i + 2] == ord("0"):  # raster image
            x = int.from_bytes(data[i + 4 : i + 6], "little")
            y = int.from_bytes(data[i + 6 : i + 8], "little")
            return 8 + x * y
    raise ValueError(f"unknown ESC/POS command {data[i : i + 2].hex(' ')} at byte {i}")


def decode_text(data: bytes, encoding: str = "gb18030") -> str:
    """The printable text of ESC/POS ``data``, one "\\n" per printed line: commands
    (and barcode or QR data) are skipped, text is decoded with ``encoding``. For tests:
    what the printer would print, as text."""
    codec = codec_name(encoding)
    text = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if (b >= 0x20 and b != 0x7F) or b == 0x0A:
            text.append(b)
            i += 1
        elif b in (0x0D, 0x00):
            i += 1
        elif b in (0x1B, 0x1C, 0x1D, 0x10):
            i += _command_length(data, i)
        else:
            raise ValueError(f"unexpected control byte {b:#04x} at byte {i}")
    return text.decode(codec)


__all__ = [
    "GBK_SUBSTITUTES",
    "UnencodableText",
    "code128",
    "code128_module",
    "code128_modules_count",
    "decode_text",
    "encode_text",
    "qr",
    "receipt_bytes",
    "render_escpos",
    "substitute",
]
