"""Receipt layout: pure functions from committed facts to a small document model.

A ``Doc`` is a tuple of blocks (``Text``, ``Rule``, ``Columns``, ``Barcode``, ``QR``,
``Cut``, ``Kick``). Renderers turn it into ESC/POS bytes (``devices.printer.render``)
or a preview image; nothing here knows about printers, codecs or Qt.

Widths are *printer columns*: an ASCII character takes one, every other character
takes two. Unicode calls CJK ideographs and full-width forms (番, ￥, ，) Wide or
Fullwidth; a GB18030 printer in Chinese mode also prints the "ambiguous" ones
(· — × ① é) and every other non-ASCII character from its double-width Hanzi font,
because each is a multi-byte GB code. Counting them as two keeps columns lined up
on paper; a line is never wider than the paper and a CJK character is never split.

58 mm paper holds 32 columns (384 dots of 12-dot Font A), 80 mm holds 48 (576 dots).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from terminal.money import ZERO, Money
from terminal.quantity import MILLI, Qty
from terminal.rules.checkout import RecordLine, SaleRecord
from terminal.rules.coupons import Coupon
from terminal.rules.lifecycle import STATUS_NAMES, member_status
from terminal.rules.member import MemberState
from terminal.rules.program import Program
from terminal.rules.returns import ReturnRecord
from terminal.rules.tenders import Tender

Align = Literal["left", "center", "right"]

# ----------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Text:
    """One printed line (renderers wrap a longer one). ``double``: double width and
    height, so it holds half the columns."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True, slots=True)
class Columns:
    """One line of cells. ``widths`` are printer columns; every cell but the last keeps
    one column free on its right, so neighbours never touch. ``aligns`` defaults to
    the first cell left and the others right (amounts line up at the right edge)."""

    cells: tuple[str, ...]
    widths: tuple[int, ...]
    aligns: tuple[Align, ...] = ()
    bold: bool = False

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.widths) or (
            self.aligns and len(self.aligns) != len(self.cells)
        ):
            raise ValueError("cells, widths and aligns must have the same length")
        if any(w < 1 for w in self.widths):
            raise ValueError("column widths must be positive")

    def align_of(self, i: int) -> Align:
        if self.aligns:
            return self.aligns[i]
        return "left" if i == 0 else "right"


@dataclass(frozen=True, slots=True)
class Barcode:
    data: str
    kind: Literal["code128"] = "code128"


@dataclass(frozen=True, slots=True)
class QR:
    data: str


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool = True


@dataclass(frozen=True, slots=True)
class Kick:
    """Open the cash drawer (the caller adds it when cash was taken)."""


Block = Text | Rule | Columns | Barcode | QR | Cut | Kick
Doc = tuple[Block, ...]

PAPER_WIDTHS = (32, 42, 48)  # 58 mm, 80 mm at 42 columns (12x24 on 512 dots), 80 mm
MIN_WIDTH = 24
YUAN = "￥"  # full-width yen/yuan sign: GB2312 A3A4, printable by every Chinese printer

# ----------------------------------------------------------------------------- widths


def char_width(c: str) -> int:
    """Printer columns of one character: ASCII 1, zero-width marks 0, the rest 2."""
    o = ord(c)
    if 0x20 <= o < 0x7F:
        return 1
    if o < 0x20 or 0x7F <= o < 0xA0:
        return 0  # control characters: ``clean`` turns them into spaces
    if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf"):
        return 0
    # East Asian Wide / Fullwidth (番 ￥ ，) are two columns by Unicode; Ambiguous
    # (· — × ① é) and the rest are multi-byte GB codes that a Chinese printer prints
    # from its double-width font, so two as well.
    return 2


def display_width(s: str) -> int:
    return sum(char_width(c) for c in s)


def clean(s: str) -> str:
    """Text as it may be printed: NFC, control characters (tabs, newlines, ESC) and
    spaces other than the ideographic one become plain spaces, and marks that did not
    compose are dropped (a printer cannot overstrike)."""
    s = unicodedata.normalize("NFC", s)
    out = []
    for c in s:
        o = ord(c)
        if o < 0x20 or 0x7F <= o < 0xA0 or c in "\u2028\u2029":
            out.append(" ")
        elif c != "\u3000" and unicodedata.category(c) == "Zs":
            out.append(" ")  # no-break and other spaces; the ideographic space stays
        elif char_width(c) == 0:
            continue
        else:
            out.append(c)
    return "".join(out)


def fit(s: str, width: int) -> str:
    """The longest prefix of ``s`` that is at most ``width`` columns (never half a
    double-width character)."""
    used = 0
    for i, c in enumerate(s):
        w = char_width(c)
        if used + w > width:
            return s[:i]
        used += w
    return s


def pad(s: str, width: int, align: Align = "left") -> str:
    """``s`` fitted to ``width`` columns and padded with spaces to exactly that."""
    t = fit(s, width)
    room = width - display_width(t)
    if align == "right":
        return " " * room + t
    if align == "center":
        left = room // 2
        return " " * left + t + " " * (room - left)
    return t + " " * room


def wrap(s: str, width: int) -> list[str]:
    """Split ``s`` into lines of at most ``width`` columns, breaking at a space where
    one falls in the second half of the line, else between any two characters."""
    if width < 2:
        raise ValueError("cannot wrap to fewer than two columns")
    s = s.rstrip()
    lines: list[str] = []
    while display_width(s) > width:
        head = fit(s, width)
        cut = head.rfind(" ")
        if cut > 0 and display_width(head[:cut]) * 2 >= width:
            head = head[:cut]
        lines.append(head.rstrip())
        s = s[len(head) :].lstrip(" ")
    lines.append(s)
    return lines


def text_width(block: Text, width: int) -> int:
    return width // 2 if block.double else width


def block_lines(block: Block, width: int) -> list[str]:
    """What a printer prints for a text-bearing block, line by line, before alignment
    (ESC/POS aligns ``Text`` itself). Barcodes, QR codes, cuts and kicks print no text."""
    if isinstance(block, Text):
        return wrap(clean(block.text), text_width(block, width))
    if isinstance(block, Rule):
        ch = clean(block.char) or "-"
        return [ch * (width // max(1, display_width(ch)))]
    if isinstance(block, Columns):
        if sum(block.widths) > width:
            raise ValueError(f"columns {block.widths} are wider than {width}")
        cells = []
        last = len(block.cells) - 1
        for i, (cell, w) in enumerate(zip(block.cells, block.widths, strict=True)):
            inner = w if i == last else w - 1
            text = pad(clean(cell), inner, block.align_of(i))
            cells.append(text if i == last else text + " ")
        return ["".join(cells)]
    return []


def printed_lines(doc: Iterable[Block], width: int) -> list[str]:
    """Every text line of the document as the printer gets it (no alignment padding):
    what ``decode_text`` of the rendered bytes gives back."""
    return [line for b in doc for line in block_lines(b, width)]


def text_lines(doc: Iterable[Block], width: int) -> list[str]:
    """The document as plain text for a screen or a log: ``Text`` aligned with spaces,
    double-size text shown at normal size, codes shown as their data in brackets."""
    out: list[str] = []
    for b in doc:
        if isinstance(b, Text):
            out += [pad(t, width, b.align).rstrip() for t in block_lines(b, width)]
        elif isinstance(b, Barcode | QR):
            label = f"[{'QR' if isinstance(b, QR) else '条码'} {b.data}]"
            out.append(pad(label, width, "center").rstrip())
        else:
            out += block_lines(b, width)
    return out


def check_width(width: int) -> int:
    if width < MIN_WIDTH:
        raise ValueError(f"paper of {width} columns is too narrow (at least {MIN_WIDTH})")
    return width


# ----------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class StoreInfo:
    name: str
    terminal_id: str
    cashier_name: str
    address: str = ""
    phone: str = ""
    footer: tuple[str, ...] = ("谢谢惠顾，欢迎再次光临", "凭小票退换货，本小票不作报销凭证")


class SaleLike(Protocol):
    """What a receipt needs of a committed sale (``terminal.app.counter.CommittedSale``)."""

    @property
    def receipt_no(self) -> str: ...
    @property
    def record(self) -> SaleRecord: ...
    @property
    def member(self) -> MemberState | None: ...
    @property
    def coupons_granted(self) -> tuple[Coupon, ...]: ...


class RechargeLike(Protocol):
    """``terminal.app.counter.RechargeResult``."""

    @property
    def code(self) -> str: ...
    @property
    def amount(self) -> Money: ...
    @property
    def gift(self) -> Money: ...
    @property
    def coins(self) -> int: ...
    @property
    def member(self) -> MemberState: ...


class ReturnLike(Protocol):
    """``terminal.app.counter.ReturnResult``."""

    @property
    def return_id(self) -> str: ...
    @property
    def receipt_no(self) -> str: ...
    @property
    def record(self) -> ReturnRecord: ...
    @property
    def member(self) -> MemberState | None: ...


if TYPE_CHECKING:  # the counter's results are what these slips take
    from terminal.app.counter import CommittedSale, RechargeResult, ReturnResult

    def _conforms(s: CommittedSale, r: RechargeResult, t: ReturnResult) -> None:
        _s: SaleLike = s
        _r: RechargeLike = r
        _t: ReturnLike = t


# ----------------------------------------------------------------------------- wording

TENDER_LABELS = {
    "cash": "现金",
    "card": "银行卡",
    "mobile": "移动支付",
    "stored_value": "储值支付",
}
REFUND_LABELS = {
    "cash": "退现金",
    "card": "退银行卡",
    "mobile": "退移动支付",
    "stored_value": "退回储值",
}
AMOUNT_COLUMNS = 10  # "￥99999.99", right-aligned at the paper edge
UNIT_COLUMNS = 10


def money(m: Money) -> str:
    """ "12.50", "-5.00"."""
    return m.plain()


def yuan(m: Money) -> str:
    """ "￥12.50", "-￥5.00": where a total is shown."""
    return f"-{YUAN}{(-m).plain()}" if m.fen < 0 else f"{YUAN}{m.plain()}"


def minus(m: Money) -> str:
    return f"-{m.plain()}" if m.fen > 0 else m.plain()


def plus(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def qty_text(qty: Qty, weighed: bool) -> str:
    """ "1.250kg" for weighed goods, "2" for pieces (a fraction of a piece: "0.500")."""
    if weighed:
        return f"{qty.plain()}kg"
    return str(qty.milli // MILLI) if qty.is_whole() else qty.plain()


def mask_phone(phone: str) -> str:
    """ "138****5678"."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_card(code: str) -> str:
    """Member card or prepaid card number with its middle hidden: "62****7890", "****1234"."""
    keep = min(4, len(code) // 2)
    head = code[:2] if len(code) >= 10 else ""
    return f"{head}****{code[len(code) - keep :]}" if keep else "****"


def member_id_text(member: MemberState) -> str:
    return mask_phone(member.phone) if member.phone else mask_card(member.code)


def stamp(now: datetime | date) -> str:
    if isinstance(now, datetime):
        return now.strftime("%Y-%m-%d %H:%M:%S")
    return now.isoformat()


def tier_name(program: Program, member: MemberState) -> str | None:
    level = program.ladder_for(member.group).level(member.tier)
    if level is not None:
        return level.name
    return member.tier


def _earn_currencies(program: Program) -> set[str]:
    return {r.currency for r in program.earn}


def growth_label(program: Program) -> str:
    """Growth points carry ``points_name`` where the program has no spendable points
    (tomato's 会员力), else the generic 成长值."""
    return "成长值" if "points" in _earn_currencies(program) else program.points_name


def points_label(program: Program) -> str:
    return program.points_name


def tender_label(program: Program, t: Tender | str) -> str:
    kind = t if isinstance(t, str) else t.kind
    if kind == "coins":
        return f"{program.coin_name}抵扣"
    if kind == "points":
        return f"{points_label(program)}抵扣"
    return TENDER_LABELS.get(kind, kind)


# ----------------------------------------------------------------------------- builder


@dataclass
class _Slip:
    """Collects blocks for one slip; every line it adds fits ``width``."""

    width: int
    blocks: list[Block] = field(default_factory=list)

    def text(self, s: str, align: Align = "left", *, bold: bool = False) -> None:
        for line in wrap(clean(s), self.width):
            self.blocks.append(Text(line, align, bold))

    def hanging(self, s: str, indent: int = 2) -> None:
        """Wrapped text whose continuation lines are indented (long product names)."""
        s = clean(s)
        first = wrap(s, self.width)[0]
        self.blocks.append(Text(first))
        tail = s[len(first) :].strip(" ")
        if tail:
            for line in wrap(tail, self.width - indent):
                self.blocks.append(Text(" " * indent + line))

    def big(self, s: str) -> None:
        for line in wrap(clean(s), self.width // 2):
            self.blocks.append(Text(line, "center", True, True))

    def rule(self, char: str = "-") -> None:
        self.blocks.append(Rule(char))

    def kv(self, label: str, value: str, *, bold: bool = False) -> None:
        """Label on the left, value right-aligned at the paper edge (in a fixed amount
        column where it fits, so amounts line up); a label too long to share a line
        with its value goes on its own line(s) above it."""
        label, value = clean(label), clean(value)
        vw = display_width(value)
        if not value:
            self.text(label, bold=bold)
            return
        if vw > self.width - 2:
            self.text(label, bold=bold)
            for line in wrap(value, self.width):
                self.blocks.append(Text(line, "right", bold))
            return
        right = max(AMOUNT_COLUMNS, vw)
        if display_width(label) + 1 > self.width - right:
            right = vw
        if display_width(label) + 1 > self.width - right:
            self.text(label, bold=bold)
            self.blocks.append(Columns(("", value), (self.width - vw, vw), bold=bold))
            return
        self.blocks.append(Columns((label, value), (self.width - right, right), bold=bold))

    def row3(self, a: str, b: str, c: str) -> None:
        """Quantity / unit price / amount: amount at the edge, unit price before it."""
        a, b, c = clean(a), clean(b), clean(c)
        wc = max(AMOUNT_COLUMNS, display_width(c))
        wb = max(UNIT_COLUMNS, display_width(b) + 1)
        wa = self.width - wb - wc
        if wa < display_width(a) + 1:
            self.text(a)
            a = ""
        self.blocks.append(Columns((a, b, c), (wa, wb, wc)))

    def blank(self) -> None:
        self.blocks.append(Text(""))

    def code(self, data: str, kind: Literal["code128", "qr", "both"]) -> None:
        if kind in ("code128", "both"):
            self.blocks.append(Barcode(data))
        if kind in ("qr", "both"):
            self.blocks.append(QR(data))

    def doc(self) -> Doc:
        return tuple(self.blocks)


def _header(slip: _Slip, store: StoreInfo, title: str, now: datetime | date) -> None:
    slip.big(store.name)
    if store.address:
        slip.text(store.address, "center")
    if store.phone:
        slip.text(f"电话 {store.phone}", "center")
    slip.text(title, "center", bold=True)
    slip.rule()
    slip.kv("终端", store.terminal_id)
    slip.kv("收银员", store.cashier_name)
    slip.kv("日期时间", stamp(now))


def _footer(slip: _Slip, store: StoreInfo) -> None:
    for line in store.footer:
        slip.text(line, "center")
    slip.blocks.append(Cut())


def _member_balances(
    slip: _Slip, program: Program, member: MemberState, day: date, *, sv: bool = True
) -> None:
    """Balances after the event: points, coins, stored value (本金/赠送)."""
    cur = _earn_currencies(program)
    if "growth_points" in cur or member.growth_points:
        slip.kv(f"{growth_label(program)}累计", str(member.growth_points))
    if "points" in cur or program.points_pay or member.points:
        slip.kv(f"{points_label(program)}余额", str(member.points))
    if "coins" in cur or member.coin_lots:
        slip.kv(f"{program.coin_name}余额", str(member.coins_on(day)))
    if sv and (program.stored_value or member.stored_value):
        slip.kv("储值余额", yuan(member.stored_value))
        slip.kv("  本金", money(member.principal))
        slip.kv("  赠送", money(member.gift))


def _member_head(slip: _Slip, program: Program, member: MemberState) -> None:
    slip.kv("会员", member_id_text(member))
    name = tier_name(program, member)
    if name:
        slip.kv("会员等级", name)
    if member.tier_valid_through is not None:
        slip.kv("等级有效期至", member.tier_valid_through.isoformat())


# ----------------------------------------------------------------------------- sale


def _line_blocks(slip: _Slip, ln: RecordLine) -> None:
    slip.hanging(f"{ln.line_no} {ln.name}")
    unit = money(ln.unit_price) + ("/kg" if ln.weighed else "")
    slip.row3("  " + qty_text(ln.qty, ln.weighed), unit, money(ln.regular))
    if ln.unit_before_override is not None:  # the manager's (or cashier's) 改价, visibly
        slip.text(f"  改价 {money(ln.unit_before_override)}→{money(ln.unit_price)}")
    if ln.member != ln.regular:
        slip.row3("  会员价" if ln.member_price_used else "  会员折扣", "", money(ln.member))
    for t in ln.promotions:  # each promotion that took something off this line
        slip.row3(f"  {t.name}", "", minus(t.amount))


def _coupon_name(sale: SaleLike, coupon_id: str) -> str:
    c = sale.member.coupon(coupon_id) if sale.member is not None else None
    return c.name if c is not None else coupon_id


def _granted(slip: _Slip, coupons: Sequence[Coupon]) -> None:
    if not coupons:
        return
    groups: dict[tuple[str, date], int] = {}
    for c in coupons:
        groups[(c.name, c.valid_through)] = groups.get((c.name, c.valid_through), 0) + 1
    slip.kv("本单获赠优惠券", f"{len(coupons)}张")
    for (name, through), n in groups.items():
        slip.kv(f"  {name} x{n}", f"至{through.isoformat()}")


def sale_receipt(
    sale: SaleLike,
    program: Program,
    store: StoreInfo,
    width: int = 48,
    now: datetime | date | None = None,
    *,
    code: Literal["code128", "qr", "both"] = "code128",
    reprint: bool = False,
) -> Doc:
    """The 小票 of a committed sale with every field of rule book §8.

    ``now`` is when the sale was paid (the record keeps only its day); ``code`` is how
    the receipt number is printed for returns, besides as text.
    """
    slip = _Slip(check_width(width))
    rec = sale.record
    _header(slip, store, "销售小票" + ("(补打)" if reprint else ""), now or rec.day)
    slip.kv("小票号", sale.receipt_no)
    if rec.member_code is not None and sale.member is None:
        slip.kv("会员", mask_card(rec.member_code))
    slip.rule()
    slip.row3("品名/数量", "单价", "金额")
    slip.rule()
    for ln in rec.lines:
        _line_blocks(slip, ln)
    slip.rule()
    pieces = sum(ln.qty.milli // MILLI if not ln.weighed else 1 for ln in rec.lines)
    slip.kv("件数", str(pieces))
    slip.kv("原价合计", money(rec.regular_total))
    savings = rec.member_savings
    if savings:
        slip.kv("会员优惠", minus(savings))
    for promo in rec.promotion_totals():
        slip.kv(f"促销 {promo.name}", minus(promo.amount))
    for cid, off in rec.coupons:
        slip.kv(f"优惠券 {_coupon_name(sale, cid)}", minus(off))
    if rec.sale_discount:
        slip.kv("整单优惠/抹零", minus(rec.sale_discount))
    slip.kv("应付合计", yuan(rec.total_due), bold=True)
    money_due = rec.total_due
    for t in rec.tenders:
        if t.kind == "coins":
            slip.kv(f"{program.coin_name}抵扣 {t.coins}个", minus(t.amount))
            money_due -= t.amount
        elif t.kind == "points":
            slip.kv(f"{points_label(program)}抵扣 {t.points}", minus(t.amount))
            money_due -= t.amount
    if money_due != rec.total_due:
        slip.kv("实付", yuan(money_due), bold=True)
    slip.rule()
    cash = False
    for t in rec.tenders:
        if t.kind in ("coins", "points"):
            continue
        if t.kind == "cash":
            cash = True
            slip.kv("现金 实收", money(t.tendered))
        else:
            slip.kv(tender_label(program, t), money(t.amount))
        if t.ref:  # a scanned payment code: masked
            slip.kv("  付款码", t.masked_ref)
        if t.kind == "stored_value" and t.gift:
            slip.kv("  其中本金", money(t.principal))
            slip.kv("  其中赠送", money(t.gift))
    if cash or rec.change:
        slip.kv("找零", yuan(rec.change), bold=True)
    member = sale.member
    if member is not None:
        slip.rule()
        _member_head(slip, program, member)
        if program.show_member_status:
            slip.kv("会员状态", STATUS_NAMES[member_status(member, program, rec.day)])
        cur = _earn_currencies(program)
        if "growth_points" in cur or rec.earned.growth_points:
            slip.kv(f"本单{growth_label(program)}", plus(rec.earned.growth_points))
        if "points" in cur or rec.earned.points:
            slip.kv(f"本单{points_label(program)}", plus(rec.earned.points))
        if "coins" in cur or rec.earned.coins:
            slip.kv(f"本单{program.coin_name}", plus(rec.earned.coins))
        _member_balances(slip, program, member, rec.day)
        if rec.upgrade is not None:
            to = program.ladder_for(member.group).level(rec.upgrade.to_tier)
            slip.kv("恭喜升级", to.name if to else rec.upgrade.to_tier, bold=True)
        _granted(slip, sale.coupons_granted)
    slip.rule()
    slip.code(sale.receipt_no, code)
    slip.text(sale.receipt_no, "center")
    _footer(slip, store)
    return slip.doc()


def takes_cash(sale: SaleLike) -> bool:
    """Whether the drawer should open for this sale (a cash tender was taken)."""
    return any(t.kind == "cash" for t in sale.record.tenders)


def with_kick(doc: Doc) -> Doc:
    """The drawer kick goes first, so the drawer opens while the receipt prints."""
    return (Kick(), *doc)


# ----------------------------------------------------------------------------- slips


def recharge_slip(
    result: RechargeLike,
    program: Program,
    store: StoreInfo,
    now: datetime | date,
    width: int = 48,
    *,
    tender: str = "cash",
    ref: str = "",
    manager: str = "",
) -> Doc:
    """充值凭证: what was paid, the gift, and the balances after (member keeps one copy)."""
    slip = _Slip(check_width(width))
    member = result.member
    day = now.date() if isinstance(now, datetime) else now
    _header(slip, store, "会员充值凭证", now)
    if ref:
        slip.kv("单号", ref)
    slip.rule()
    slip.kv("会员", member_id_text(member))
    name = tier_name(program, member)
    if name:
        slip.kv("会员等级", name)
    slip.kv("充值金额", yuan(result.amount), bold=True)
    slip.kv(f"支付方式 {TENDER_LABELS.get(tender, tender)}", money(result.amount))
    if result.gift:
        slip.kv("赠送金额", money(result.gift))
    if result.coins:
        slip.kv(f"赠送{program.coin_name}", str(result.coins))
    for name in getattr(result, "promotions", ()):  # the recharge campaigns (充值送)
        slip.kv("活动", name)
    slip.rule()
    slip.kv("储值余额", yuan(member.stored_value), bold=True)
    slip.kv("  本金", money(member.principal))
    slip.kv("  赠送", money(member.gift))
    if "coins" in _earn_currencies(program) or member.coin_lots:
        slip.kv(f"{program.coin_name}余额", str(member.coins_on(day)))
    if manager:
        slip.kv("授权店长", manager)
    slip.rule()
    slip.text("顾客签名:")
    slip.blank()
    _footer(slip, store)
    return slip.doc()


def card_sale_slip(
    number: str,
    value: Money,
    program: Program,
    store: StoreInfo,
    now: datetime | date,
    width: int = 48,
    *,
    tenders: Sequence[Tender] = (),
    change: Money = ZERO,
    ref: str = "",
) -> Doc:
    """充值卡售卡凭证. The card number is masked and the PIN never printed."""
    slip = _Slip(check_width(width))
    _header(slip, store, "充值卡售卡凭证", now)
    if ref:
        slip.kv("单号", ref)
    slip.rule()
    slip.kv("卡号", mask_card(number))
    slip.kv("面值", yuan(value), bold=True)
    for t in tenders:
        if t.kind == "cash":
            slip.kv("现金 实收", money(t.tendered))
        else:
            slip.kv(tender_label(program, t), money(t.amount))
    if change or any(t.kind == "cash" for t in tenders):
        slip.kv("找零", yuan(change))
    slip.rule()
    slip.text("卡密请刮开涂层查看，请妥善保管", "center")
    _footer(slip, store)
    return slip.doc()


def report_slip(
    rows: Sequence[tuple[str, str, str]],
    title: str | None,
    store: StoreInfo,
    width: int = 48,
    now: datetime | date | None = None,
    *,
    english: bool = False,
) -> Doc:
    """X / handover / Z report from ``Report.lines()`` rows (label_zh, label_en, value).

    A row without a value is a heading: the first one is the title unless ``title`` is
    given; "【销售】"-style rows are section headings. ``english`` adds the English label.
    """
    slip = _Slip(check_width(width))
    rows = list(rows)
    if title is None and rows and not rows[0][2]:
        title = rows.pop(0)[0]
    slip.big(store.name)
    slip.text(title or "报表", "center", bold=True)
    if now is not None and not any(zh == "打印时间" for zh, _, _ in rows):
        slip.kv("打印时间", stamp(now))
    for zh, en, value in rows:
        label = f"{zh} {en.strip()}" if english and en.strip() else zh
        if not value:
            slip.rule()
            slip.text(label, bold=True)
        else:
            slip.kv(label, value)
    slip.rule()
    slip.text("收银员签名:")
    slip.blank()
    slip.text("店长签名:")
    slip.blank()
    slip.blocks.append(Cut())
    return slip.doc()


def return_slip(
    ret: ReturnLike,
    sale: SaleRecord | None,
    program: Program,
    store: StoreInfo,
    width: int = 48,
    now: datetime | date | None = None,
) -> Doc:
    """退货凭证: lines back, refund by tender, any shortfall taken, coins put back, what
    was clawed back, and the member's balances after."""
    slip = _Slip(check_width(width))
    rec = ret.record
    _header(slip, store, "退货凭证", now or rec.day)
    slip.kv("退货单号", getattr(ret, "no", "") or ret.return_id)  # T01-TH000007; old: the id
    slip.kv("原小票号", ret.receipt_no)
    if rec.full:
        slip.kv("退货类型", "整单退货")
    slip.rule()
    slip.row3("品名/数量", "", "退款")
    slip.rule()
    for rl in rec.lines:
        ln = sale.line(rl.line_no) if sale is not None else None
        slip.hanging(f"{rl.line_no} {ln.name if ln else ''}".rstrip())
        if not rl.qty.milli:  # a kept line re-priced: the promotion it lost
            slip.row3("  促销重算(未退回)", "", money(rl.refund))
            continue
        slip.row3("  " + qty_text(rl.qty, ln.weighed if ln else False), "", money(rl.refund))
    slip.rule()
    slip.kv("退货金额", yuan(rec.refund), bold=True)
    if rec.shortfall_deducted:
        slip.kv("扣回已获赠(差额)", minus(rec.shortfall_deducted))
    slip.rule()
    paid = ZERO
    for r in rec.refunds:
        if r.kind == "coins":
            slip.kv(f"退回{program.coin_name} {r.coins}个", money(r.amount))
        elif r.kind == "points":
            slip.kv(f"退回{points_label(program)} {r.points}", money(r.amount))
        else:
            slip.kv(REFUND_LABELS.get(r.kind, f"退{r.kind}"), money(r.paid_out))
            paid += r.paid_out
            if r.kind == "stored_value" and (r.principal or r.gift):
                slip.kv("  其中本金", money(r.principal))
                slip.kv("  其中赠送", money(r.gift))
    slip.kv("实退金额", yuan(paid), bold=True)
    if rec.debt:
        slip.kv("未扣足差额(记欠款)", money(rec.debt))
    claw = rec.clawed
    if claw.growth_points:
        slip.kv(f"扣回{growth_label(program)}", plus(-claw.growth_points))
    if claw.points:
        slip.kv(f"扣回{points_label(program)}", plus(-claw.points))
    if claw.coins:
        slip.kv(f"扣回{program.coin_name}", plus(-claw.coins))
    if rec.reissued:
        slip.kv("返还优惠券", f"{len(rec.reissued)}张")
    if rec.upgrade_reversed:
        slip.kv("本单升级已撤销", "")
    member = ret.member
    if member is not None:
        slip.rule()
        _member_head(slip, program, member)
        _member_balances(slip, program, member, rec.day)
    slip.rule()
    slip.text("顾客签名:")
    slip.blank()
    _footer(slip, store)
    return slip.doc()


def void_slip(
    store: StoreInfo,
    now: datetime | date,
    width: int = 48,
    *,
    lines: int,
    amount: Money,
    reason: str = "",
    receipt_no: str = "",
    manager: str = "",
) -> Doc:
    """作废单: a sale voided before payment (``lines`` scanned, ``amount`` due), or a
    committed receipt voided afterwards (``receipt_no``, its refund ``amount``); signed,
    so loss prevention can read it against the ledger's void rows."""
    slip = _Slip(check_width(width))
    _header(slip, store, "作废单", now)
    if receipt_no:
        slip.kv("原小票号", receipt_no)
    slip.rule()
    slip.kv("行数", str(lines))
    slip.kv("作废金额", yuan(amount), bold=True)
    slip.kv("原因", reason or "—")
    if manager:
        slip.kv("授权店长", manager)
    slip.rule()
    slip.text("收银员签名:")
    slip.blank()
    if receipt_no:
        slip.text("店长签名:")
        slip.blank()
    slip.blocks.append(Cut())
    return slip.doc()


__all__ = [
    "PAPER_WIDTHS",
    "QR",
    "YUAN",
    "Barcode",
    "Block",
    "Columns",
    "Cut",
    "Doc",
    "Kick",
    "RechargeLike",
    "ReturnLike",
    "Rule",
    "SaleLike",
    "StoreInfo",
    "Text",
    "block_lines",
    "card_sale_slip",
    "char_width",
    "clean",
    "display_width",
    "fit",
    "mask_card",
    "mask_phone",
    "pad",
    "printed_lines",
    "recharge_slip",
    "report_slip",
    "return_slip",
    "sale_receipt",
    "stamp",
    "takes_cash",
    "text_lines",
    "void_slip",
    "with_kick",
    "wrap",
]
