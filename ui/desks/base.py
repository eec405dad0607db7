"""What every desk shares: the window it belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.qt import QObject

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class Desk(QObject):
    """A group of the window's flows. A QObject of its own so that its texts are
    translated in its own context (``self.tr`` names the desk's class, as lupdate
    does); the window is its parent and owns it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
