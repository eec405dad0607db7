"""Every document this till prints, rendered from its printer settings.

``Documents.from_settings`` reads ``printer_width`` (32 / 42 / 48 columns),
``printer_encoding`` (gb18030 / gbk: gbk substitutes what a GBK font lacks, see
``render.encode_text``) and ``printer_dots`` (dots per line, default 12 per column:
58 mm = 384, 80 mm = 576), which sizes the receipt number's Code 128 (a QR when no
module of 2 dots fits). The window only calls these methods, never a layout with a
hard-coded width.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from devices.printer.render import (
    DOTS_PER_COLUMN,
    Encoding,
    codec_name,
    render_escpos,
)
from terminal.money import Money
from terminal.printing.layout import (
    PAPER_WIDTHS,
    Cut,
    Doc,
    RechargeLike,
    ReturnLike,
    SaleLike,
    StoreInfo,
    Text,
    recharge_slip,
    report_slip,
    return_slip,
    sale_receipt,
    stamp,
    takes_cash,
    void_slip,
    with_kick,
)
from terminal.rules.program import Program

log = logging.getLogger(__name__)

COPIES = {"customer": "顾客联", "store": "门店联"}


@dataclass(frozen=True)
class Documents:
    program: Program
    store: StoreInfo
    width: int = 48
    encoding: Encoding = "gb18030"
    dots: int = 48 * DOTS_PER_COLUMN
    chinese_mode: bool = True

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, str],
        program: Program,
        store: StoreInfo,
        *,
        strict: bool = False,
    ) -> Documents:
        """The till's documents; a setting that makes no sense raises with ``strict``,
        else is logged and the 80 mm GB18030 default used (the devices' banner already
        says the printer is misconfigured: the till still sells)."""
        try:
            return cls._parse(settings, program, store)
        except ValueError as e:
            if strict:
                raise
            log.error("printer settings: %s: documents use 48 columns, gb18030", e)
            return cls(program, store)

    @classmethod
    def _parse(cls, settings: Mapping[str, str], program: Program, store: StoreInfo) -> Documents:
        width = int(settings.get("printer_width", "48") or "48")
        if width not in PAPER_WIDTHS:
            raise ValueError(f"printer_width {width}: one of {PAPER_WIDTHS}")
        encoding = codec_name(settings.get("printer_encoding", "gb18030") or "gb18030")
        dots = int(settings.get("printer_dots", "") or width * DOTS_PER_COLUMN)
        chinese = settings.get("printer_chinese", "on").strip().lower() not in ("off", "0", "no")
        return cls(program, store, width, encoding, dots, chinese)

    def bytes_of(self, doc: Doc) -> bytes:
        """ESC/POS for any layout ``doc`` on this till's printer."""
        return render_escpos(
            doc,
            encoding=self.encoding,
            width=self.width,
            dots=self.dots,
            chinese_mode=self.chinese_mode,
        )

    def preview(self, doc: Doc) -> bytes:
        """The PNG the printer would print (same width and barcode rule)."""
        from devices.printer.preview import preview_png

        return preview_png(doc, self.width, dots=self.dots)

    # ------------------------------------------------------------------ layouts

    def sale_doc(
        self,
        sale: SaleLike,
        *,
        now: datetime | date,
        reprint: bool = False,
        sold_at: datetime | date | None = None,
    ) -> Doc:
        """A reprint shows the sale's own time (``sold_at``, else its day) as 日期时间
        and the reprint time on a 补打 line of its own."""
        when = (sold_at or sale.record.day) if reprint else (sold_at or now)
        doc = sale_receipt(sale, self.program, self.store, self.width, when, reprint=reprint)
        if reprint:
            doc = _insert_after_title(doc, f"补打时间 {stamp(now)}")
        return doc

    def sale(
        self,
        sale: SaleLike,
        *,
        now: datetime | date,
        reprint: bool = False,
        sold_at: datetime | date | None = None,
    ) -> bytes:
        doc = self.sale_doc(sale, now=now, reprint=reprint, sold_at=sold_at)
        if not reprint and takes_cash(sale):
            doc = with_kick(doc)
        return self.bytes_of(doc)

    def recharge_doc(self, r: Any, *, now: datetime | date, copy: str = "customer") -> Doc:
        rr: RechargeLike = r
        doc = recharge_slip(
            rr,
            self.program,
            self.store,
            now,
            self.width,
            tender=getattr(r, "tender", "cash"),
            # its slip number (T01-CZ000012); a result without one prints its id
            ref=getattr(r, "no", "") or getattr(r, "ref", ""),
            manager=getattr(r, "manager", ""),
        )
        return _insert_after_title(doc, COPIES.get(copy, copy))

    def recharge(self, r: Any, *, now: datetime | date, copy: str = "customer") -> bytes:
        return self.bytes_of(self.recharge_doc(r, now=now, copy=copy))

    def returned_doc(self, r: ReturnLike, *, now: datetime | date, sale: Any = None) -> Doc:
        return return_slip(r, sale, self.program, self.store, self.width, now)

    def returned(self, r: ReturnLike, *, now: datetime | date, sale: Any = None) -> bytes:
        return self.bytes_of(self.returned_doc(r, now=now, sale=sale))

    def report_doc(self, rows: Sequence[tuple[str, str, str]], *, now: datetime | date) -> Doc:
        return report_slip(rows, None, self.store, self.width, now)

    def report(self, rows: Sequence[tuple[str, str, str]], *, now: datetime | date) -> bytes:
        return self.bytes_of(self.report_doc(rows, now=now))

    def open_sale_voided(
        self, lines: int, amount: Money, cashier: str, reason: str, *, now: datetime | date
    ) -> bytes:
        """作废单 of a sale voided before payment (Esc): lines, amount and reason."""
        store = replace(self.store, cashier_name=cashier or self.store.cashier_name)
        doc = void_slip(store, now, self.width, lines=lines, amount=amount, reason=reason)
        return self.bytes_of(doc)

    def voided(self, r: Any, *, now: datetime | date, reason: str = "") -> bytes:
        """作废单 of a committed receipt voided afterwards (a ``ReturnResult``)."""
        rec = r.record
        doc = void_slip(
            self.store,
            now,
            self.width,
            lines=len(rec.lines),
            amount=rec.refund,
            reason=reason,
            receipt_no=r.receipt_no,
            manager=getattr(r, "manager", "") or "",
        )
        return self.bytes_of(doc)


def _insert_after_title(doc: Doc, line: str) -> Doc:
    """``line`` centred right under the slip's bold title (before its first rule)."""
    blocks = list(doc)
    at = next(
        (i + 1 for i, b in enumerate(blocks) if isinstance(b, Text) and b.bold and not b.double),
        0,
    )
    blocks.insert(at, Text(line, "center"))
    if not any(isinstance(b, Cut) for b in blocks):  # pragma: no cover - layouts always cut
        blocks.append(Cut())
    return tuple(blocks)


__all__ = ["COPIES", "Documents"]
