"""The till window over a small shop for the desk tests (forms, held sales, reports):
the devices screen's ``Till`` driver, keys only, dialogs answered as they open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pytestqt.qtbot import QtBot

from ui.fonts import install_cjk_font
from ui.qt import QApplication
from ui.script import Dialogs

from ..app.store import shop
from .test_devices_screen import Till, make_window


def open_till(tmp_path: Path, qtbot: QtBot) -> Iterator[Till]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    s = shop(tmp_path)
    printed: list[tuple[str, bytes]] = []
    win = make_window(s, lambda job, data: printed.append((job, data)), None)
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    t = Till(win, s, qtbot, Dialogs(), printed)
    win.happened.connect(lambda what, obj: t.happened.append((what, obj)))
    yield t
    t.dialogs.stop()
    win.worker.shutdown()
