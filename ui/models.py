"""Table models: plain rows in, cells out; tested without any widget (as in Vorta)."""

from __future__ import annotations

from typing import Any

from terminal.app.screen import LineRow
from ui.qt import QAbstractTableModel, QColor, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class SaleModel(QAbstractTableModel):
    HEADERS = ("#", "商品", "数量", "单价", "金额")

    def __init__(self) -> None:
        super().__init__()
        self.rows: tuple[LineRow, ...] = ()

    def set_rows(self, rows: tuple[LineRow, ...]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(self.HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(r, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == 4 and r.amount < r.regular:
            return QColor("#1b7f3b")  # member savings in a friendly colour
        return None

    @staticmethod
    def cell(r: LineRow, col: int) -> str:
        if col == 0:
            return str(r.no)
        if col == 1:
            return r.name
        if col == 2:
            return r.qty
        if col == 3:
            if r.member_price_used or r.tier_discount_used:
                return f"{r.unit_price.plain()}\n{'会员价' if r.member_price_used else '等级折扣'}"
            return r.unit_price.plain()
        if r.amount < r.regular:
            return f"{r.amount.plain()}\n原 {r.regular.plain()}"
        return r.amount.plain()
