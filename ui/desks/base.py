"""What every desk shares: the window it belongs to, and the window's other desks."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ui.qt import QObject

if TYPE_CHECKING:
    from ui.main_window import MainWindow

D = TypeVar("D", bound="Desk")


class Desk(QObject):
    """A group of the window's flows. A QObject of its own so that its texts are
    translated in its own context (``self.tr`` names the desk's class, as lupdate
    does); the window is its parent and owns it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window

    def new_transaction(self) -> None:
        """A return, a recharge, a card or a handover begins: the last payment's 找零 and
        balances leave the screen (a sale's first scan does that itself)."""
        self.w.paid_panel.clear()

    def peer(self, kind: type[D]) -> D:
        """The window's desk of that class (a flow that another desk finishes: the held
        sales checked before a handover or a Z)."""
        for desk in self.w.desks.values():
            if isinstance(desk, kind):
                return desk
        raise LookupError(f"the window has no {kind.__name__}")
