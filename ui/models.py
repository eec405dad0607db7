"""Table models: plain rows in, cells out; tested without any widget (as in Vorta)."""

from __future__ import annotations

from typing import Any

from terminal.app.screen import LineRow
from ui.qt import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QColor,
    QCoreApplication,
    QFont,
    QFontMetrics,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex


class SaleModel(QAbstractTableModel):
    HEADERS = (
        "#",
        QT_TRANSLATE_NOOP("SaleModel", "商品"),
        QT_TRANSLATE_NOOP("SaleModel", "数量"),
        QT_TRANSLATE_NOOP("SaleModel", "单价"),
        QT_TRANSLATE_NOOP("SaleModel", "金额"),
    )

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
    def price_notes() -> tuple[str, str, str]:
        """What a unit price's second line says: member price, tier discount, override."""
        return (
            QCoreApplication.translate("SaleModel", "会员价"),
            QCoreApplication.translate("SaleModel", "等级折扣"),
            QCoreApplication.translate("SaleModel", "改价"),
        )

    @classmethod
    def price_width(cls, font: QFont, pixel_size: int, least: int) -> int:
        """The unit price column's width: ``least``, or wider when a note needs it (the
        English "member price" is wider than 会员价)."""
        f = QFont(font)
        f.setPixelSize(pixel_size)
        fm = QFontMetrics(f)
        texts = (*cls.price_notes(), "888.88→888.88")  # regular → member, side by side
        return max(least, 16 + max(fm.horizontalAdvance(t) for t in texts))

    @classmethod
    def cell(cls, r: LineRow, col: int) -> str:
        if col == 0:
            return str(r.no)
        if col == 1:
            if r.promotions:  # the second line names each promotion and what it took
                taken = QCoreApplication.translate("SaleModel", "{name} -{amount}")
                notes = "  ".join(taken.format(name=n, amount=a.plain()) for n, a in r.promotions)
                return f"{r.name}\n{notes}"
            return r.name
        if col == 2:
            return r.qty
        if col == 3:
            member_price, tier_discount, override = cls.price_notes()
            if r.override_from is not None:  # 改价 7.90→5.00
                return f"{r.override_from.plain()}→{r.unit_price.plain()}\n{override}"
            if r.member_price_used or r.tier_discount_used:
                why = member_price if r.member_price_used else tier_discount
                if r.member_unit is not None:  # the regular unit price beside the member's
                    return f"{r.unit_price.plain()}→{r.member_unit.plain()}\n{why}"
                return f"{r.unit_price.plain()}\n{why}"
            return r.unit_price.plain()
        if r.amount < r.regular:
            was = QCoreApplication.translate("SaleModel", "原 {price}")
            return f"{r.amount.plain()}\n" + was.format(price=r.regular.plain())
        return r.amount.plain()
