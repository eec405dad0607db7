"""Catalog repository: the rules' ``ProductLookup`` port over SQLite."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal.money import Money
from terminal.rules.catalog import Product, ProductLookup
from terminal.store.schema import ProductRow


def to_product(r: ProductRow) -> Product:
    return Product(
        r.code,
        r.name,
        r.category,
        Money(r.price_fen),
        Money(r.member_price_fen) if r.member_price_fen is not None else None,
        "kg" if r.unit == "kg" else "piece",
        r.plu,
    )


def to_row(p: Product) -> ProductRow:
    return ProductRow(
        code=p.code,
        name=p.name,
        category=p.category,
        price_fen=p.price.fen,
        member_price_fen=p.member_price.fen if p.member_price else None,
        unit=p.unit,
        plu=p.plu,
    )


class StoreCatalog(ProductLookup):
    def __init__(self, session: Session) -> None:
        self.s = session

    def by_code(self, code: str) -> Product | None:
        r = self.s.get(ProductRow, code)
        return to_product(r) if r else None

    def by_plu(self, plu: int) -> Product | None:
        r = self.s.execute(select(ProductRow).where(ProductRow.plu == plu).limit(1)).scalar()
        return to_product(r) if r else None


def upsert(s: Session, products: list[Product]) -> None:
    for p in products:
        s.merge(to_row(p))
