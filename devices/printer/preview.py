"""A PNG preview of a receipt ``Doc``, drawn the way the printer lays it out.

One printer column is 12 pixels and a line 24 (Font A at 203 dpi), so a 48-column
receipt is 576 pixels wide, like the paper. Every character is placed on the column
grid the layout counted (ASCII one column, everything else two), so columns line up
whatever the font's own advances are. Chinese needs a font with Simplified Chinese
glyphs (``fc-list :lang=zh``); without one the preview still draws, with empty boxes,
and ``cjk_font_family()`` returns None.

Qt runs offscreen when no application exists yet (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from terminal.printing.layout import (
    QR,
    Barcode,
    Block,
    Columns,
    Cut,
    Kick,
    Rule,
    Text,
    block_lines,
    char_width,
    display_width,
)

log = logging.getLogger(__name__)

COLUMN_PX = 12
LINE_PX = 24
MARGIN_PX = 12
BARCODE_PX = 80
QR_MODULE_PX = 6

_app: object = None  # keeps the offscreen application alive


def _ensure_app() -> None:
    """Fonts need a Qt application: use the till's, else start a QApplication (not a
    bare QGuiApplication, so widgets created later in the same process still work)."""
    global _app
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _app = QApplication([])


def cjk_font_family() -> str | None:
    """A font family with Simplified Chinese glyphs, or None if the system has none."""
    _ensure_app()
    from PySide6.QtGui import QFontDatabase

    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if not families:  # a bare machine: use the font the app ships (ui/fonts)
        from importlib import resources

        data = resources.files("ui").joinpath("fonts", "wqy-microhei.ttc").read_bytes()
        QFontDatabase.addApplicationFontFromData(data)
        families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    if not families:
        return None
    for hint in ("Mono", "Sans CJK SC", "WenQuanYi", "Sans"):
        for f in families:
            if hint in f:
                return str(f)
    return str(families[0])


def code128_modules(data: str) -> str:
    """Code 128 bars as "1"/"0" modules (python-barcode; it may pick code set C for
    digit runs, so the bars can differ from the printer's set B, the data is the same)."""
    import barcode.codex  # type: ignore[import-untyped]

    modules: str = barcode.codex.Code128(data).build()[0]
    return modules


def qr_matrix(data: str) -> list[list[bool]]:
    import qrcode  # type: ignore[import-untyped]

    q = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    q.add_data(data)
    q.make(fit=True)
    return [[bool(v) for v in row] for row in q.get_matrix()]


def _as_printed(block: Block, dots: int) -> Block:
    """The block the printer prints: a Code 128 too wide for the paper goes out as a QR."""
    from devices.printer.render import code128_module

    if isinstance(block, Barcode) and code128_module(block.data, dots) is None:
        return QR(block.data)
    return block


def _height(block: Block, width: int) -> int:
    if isinstance(block, Text):
        per = 2 * LINE_PX if block.double else LINE_PX
        return per * len(block_lines(block, width))
    if isinstance(block, Rule | Columns):
        return LINE_PX
    if isinstance(block, Barcode):
        return BARCODE_PX + LINE_PX // 2
    if isinstance(block, QR):
        return len(qr_matrix(block.data)) * QR_MODULE_PX + LINE_PX // 2
    if isinstance(block, Cut):
        return LINE_PX
    return 0


def preview_png(
    doc: Iterable[Block],
    width: int = 48,
    path: str | Path | None = None,
    *,
    dots: int | None = None,
) -> bytes:
    """PNG bytes of ``doc`` on paper of ``width`` columns and ``dots`` per line (one
    pixel a dot, default 12 a column); also written to ``path``."""
    _ensure_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QPen

    from devices.printer.render import code128_module

    dots = dots or width * COLUMN_PX
    blocks = [_as_printed(b, dots) for b in doc]
    family = cjk_font_family()
    if family is None:
        log.warning("no font with Chinese glyphs (fc-list :lang=zh is empty): preview shows boxes")
        base = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    else:
        base = QFont(family)
    paper = width * COLUMN_PX
    height = 2 * MARGIN_PX + sum(_height(b, width) for b in blocks)
    image = QImage(paper + 2 * MARGIN_PX, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setPen(QColor("black"))

    def draw_line(text: str, y: int, x0: int, scale: int, bold: bool) -> None:
        font = QFont(base)
        font.setPixelSize(20 * scale)
        font.setBold(bold)
        p.setFont(font)
        col = 0
        for ch in text:
            w = char_width(ch)
            if w and ch != " ":
                rect = QRect(
                    x0 + col * COLUMN_PX * scale, y, w * COLUMN_PX * scale, LINE_PX * scale
                )
                p.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), ch)
            col += w

    y = MARGIN_PX
    for b in blocks:
        if isinstance(b, Text):
            scale = 2 if b.double else 1
            for line in block_lines(b, width):
                room = paper - display_width(line) * COLUMN_PX * scale
                x0 = {"left": 0, "center": room // 2, "right": room}[b.align]
                draw_line(line, y, MARGIN_PX + max(0, x0), scale, b.bold)
                y += LINE_PX * scale
        elif isinstance(b, Rule | Columns):
            (line,) = block_lines(b, width)
            draw_line(line, y, MARGIN_PX, 1, isinstance(b, Columns) and b.bold)
            y += LINE_PX
        elif isinstance(b, Barcode):
            bars = code128_modules(b.data)
            module = code128_module(b.data, dots) or 2
            x = MARGIN_PX + (paper - module * len(bars)) // 2
            for i, bit in enumerate(bars):
                if bit == "1":
                    p.fillRect(x + i * module, y, module, BARCODE_PX, QColor("black"))
            y += BARCODE_PX + LINE_PX // 2
        elif isinstance(b, QR):
            matrix = qr_matrix(b.data)
            size = len(matrix) * QR_MODULE_PX
            x = MARGIN_PX + (paper - size) // 2
            for r, row in enumerate(matrix):
                for c, dark in enumerate(row):
                    if dark:
                        p.fillRect(
                            x + c * QR_MODULE_PX,
                            y + r * QR_MODULE_PX,
                            QR_MODULE_PX,
                            QR_MODULE_PX,
                            QColor("black"),
                        )
            y += size + LINE_PX // 2
        elif isinstance(b, Cut):
            pen = QPen(QColor("gray"))
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(0, y + LINE_PX // 2, image.width(), y + LINE_PX // 2)
            p.setPen(QColor("black"))
            y += LINE_PX
        elif isinstance(b, Kick):
            continue
    p.end()
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(dev, "PNG"):  # type: ignore[call-overload]  # stubs say bytes; str works
        raise RuntimeError("could not encode the preview as PNG")
    data = bytes(buf.data())
    if path is not None:
        Path(path).write_bytes(data)
    return data


__all__ = ["cjk_font_family", "code128_modules", "preview_png", "qr_matrix"]
