"""The row of key buttons under the sale: one row on a wide screen, two on a narrow one.

Fourteen buttons at a readable width need about 1,250 px; at 1024x768 they wrap into
two rows of seven, so F11, F12, Del and Esc stay on screen (issue 14, item 8).
"""

from __future__ import annotations

from ui.qt import QGridLayout, QPushButton, QResizeEvent, QSize, QSizePolicy, QWidget

BUTTON_WIDTH, BUTTON_HEIGHT = 84, 56  # the comfortable size of one key
NARROW_WIDTH = 60  # the least a key may shrink to in a row


class KeyRow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(6)
        self.keys: list[QPushButton] = []
        self.columns = 0

    def add(self, button: QPushButton) -> None:
        button.setMinimumSize(NARROW_WIDTH, BUTTON_HEIGHT)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.keys.append(button)
        self._arrange(self.columns_for(self.width()))

    def columns_for(self, width: int) -> int:
        """All keys in one row when they fit at their comfortable width, else two rows."""
        n = len(self.keys)
        one_row = n * BUTTON_WIDTH + (n - 1) * self.grid.spacing()
        return n if width >= one_row else -(-n // 2)

    def _arrange(self, columns: int) -> None:
        if columns == self.columns and all(self.grid.indexOf(k) >= 0 for k in self.keys):
            return
        self.columns = columns
        for key in self.keys:
            self.grid.removeWidget(key)
        for i, key in enumerate(self.keys):
            self.grid.addWidget(key, i // max(1, columns), i % max(1, columns))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange(self.columns_for(event.size().width()))
        super().resizeEvent(event)

    def minimumSizeHint(self) -> QSize:
        """Narrow keys in two rows: what the window may shrink to (as tall as the rows
        the keys are in now)."""
        n, gap = len(self.keys), self.grid.spacing()
        half = -(-n // 2)
        rows = -(-n // self.columns) if self.columns else 1
        return QSize(half * NARROW_WIDTH + (half - 1) * gap, rows * (BUTTON_HEIGHT + gap) - gap)
