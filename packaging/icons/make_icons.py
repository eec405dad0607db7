"""Render pos-terminal.svg to the PNG (Linux) and the ICO (Windows) beside it.

    .venv/bin/python packaging/icons/make_icons.py

Both outputs are committed; run this again after changing the SVG.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # Pillow comes with python-escpos
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).parent
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def render(size: int) -> bytes:
    renderer = QSvgRenderer(str(HERE / "pos-terminal.svg"))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(data.data())


def main() -> None:
    _app = QGuiApplication([])
    png = render(256)
    (HERE / "pos-terminal.png").write_bytes(png)
    Image.open(io.BytesIO(png)).save(HERE / "pos-terminal.ico", sizes=ICO_SIZES)
    print("wrote", HERE / "pos-terminal.png", HERE / "pos-terminal.ico")


if __name__ == "__main__":
    main()
