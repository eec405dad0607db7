"""The bundled CJK font, so Chinese renders on a bare Windows or Linux box."""

from __future__ import annotations

import logging
from importlib import resources

from ui.qt import QApplication, QFont, QFontDatabase

log = logging.getLogger(__name__)
FONT_FILE = "wqy-microhei.ttc"  # WenQuanYi Micro Hei: Apache-2.0 / GPL-3 with font exception


def install_cjk_font(app: QApplication, point_size: int = 12) -> str:
    """Register the bundled font and make it the application's; returns its family."""
    data = resources.files("ui").joinpath("fonts", FONT_FILE).read_bytes()
    font_id = QFontDatabase.addApplicationFontFromData(data)
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.warning("bundled CJK font could not be loaded; Chinese may show as boxes")
        return app.font().family()
    family = families[0]
    app.setFont(QFont(family, point_size))
    return family
