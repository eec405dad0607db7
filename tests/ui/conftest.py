"""Fixtures the UI tests share: the English translator, and the till window over a
small test shop (``tests/app/store.shop``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal.app.shifts import Shifts
from terminal.printing.layout import StoreInfo
from ui import lang
from ui.fonts import install_cjk_font
from ui.main_window import MainWindow
from ui.qt import QApplication, QLocale, QTranslator
from ui.worker import Worker

from ..app.store import Shop, shop

Printer = Callable[[str, bytes], None]
OpenWindow = Callable[..., MainWindow]  # (shop, printer=None, *, show=False)


@pytest.fixture
def english(qapp: QApplication) -> Iterator[QTranslator]:
    """The till in English (ui/i18n/pos_en.qm) for the test."""
    tr = QTranslator()
    assert tr.load(QLocale("en"), "pos", "_", str(lang.FOLDER)), "pos_en.qm not found"
    qapp.installTranslator(tr)
    yield tr
    qapp.removeTranslator(tr)


@pytest.fixture
def open_window(qapp: QApplication, qtbot: QtBot) -> Iterator[OpenWindow]:
    """Opens the till window over a shop (its first screen rendered): ``show`` puts it
    on screen and active, for key presses; its worker stops after the test."""
    workers: list[Worker] = []

    def open_(s: Shop, printer: Printer | None = None, *, show: bool = False) -> MainWindow:
        c = s.counter
        worker = Worker()
        workers.append(worker)
        win = MainWindow(
            c,
            worker,
            shifts=Shifts(c.sessions, c.clock, c.ids, "T01"),
            store=StoreInfo("欢乐番茄 · 五一路店", "T01", "张丽"),
            printer=printer,
        )
        qtbot.addWidget(win)
        if show:
            install_cjk_font(qapp)
            win.show()
            qtbot.waitExposed(win)
            win.activateWindow()
        qtbot.waitUntil(lambda: win.current is not None, timeout=5000)
        return win

    yield open_
    for worker in workers:
        worker.shutdown()


@pytest.fixture
def checkout_till(tmp_path: Path, open_window: OpenWindow) -> tuple[MainWindow, Shop, list[Any]]:
    """The checkout screen over a small shop, on screen, printing into a list of
    (job, bytes)."""
    s = shop(tmp_path)
    printed: list[tuple[str, bytes]] = []
    win = open_window(s, lambda job, data: printed.append((job, data)), show=True)
    return win, s, printed
