"""Products and resolving a scanned code to a product and an amount."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from terminal.errors import InvalidInput, NotFound
from terminal.money import Money, round_half_up
from terminal.quantity import MILLI, Qty
from terminal.rules.barcodes import (
    decode_scale,
    equivalent_codes,
    is_gtin,
    looks_like_gtin,
    upce_to_upca,
)
from terminal.rules.program import ScaleBarcode

Unit = Literal["piece", "kg"]


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    category: str
    price: Money  # per piece, or per kg for weighed goods
    member_price: Money | None = None
    unit: Unit = "piece"
    plu: int | None = None  # item number a label scale prints into its barcodes

    @property
    def weighed(self) -> bool:
        return self.unit == "kg"


@dataclass(frozen=True, slots=True)
class Scanned:
    """A resolved scan: the product, the quantity, and a label amount if the code carried one."""

    product: Product
    qty: Qty
    label_amount: Money | None = None  # price-embedded codes: the line's regular amount

    @property
    def makes_own_line(self) -> bool:
        """Weighed and price-embedded items never merge into an existing line (§7)."""
        return self.product.weighed or self.label_amount is not None


class ProductLookup:
    """A read-only lookup port: the store implements it over SQLite, tests over a dict."""

    def by_code(self, code: str) -> Product | None:  # pragma: no cover - interface
        raise NotImplementedError

    def by_plu(self, plu: int) -> Product | None:  # pragma: no cover - interface
        raise NotImplementedError


class DictCatalog(ProductLookup):
    def __init__(self, products: Mapping[str, Product] | list[Product]) -> None:
        items = list(products.values()) if isinstance(products, Mapping) else list(products)
        self._by_code = {p.code: p for p in items}
        self._by_plu = {p.plu: p for p in items if p.plu is not None}

    def by_code(self, code: str) -> Product | None:
        return self._by_code.get(code)

    def by_plu(self, plu: int) -> Product | None:
        return self._by_plu.get(plu)

    def __len__(self) -> int:
        return len(self._by_code)


def resolve_scan(
    code: str, qty: Qty | None, catalog: ProductLookup, layouts: tuple[ScaleBarcode, ...]
) -> Scanned:
    """Resolve a scanned or typed code. Exact catalog codes win; then scale layouts."""
    code = code.strip()
    if not code or not code.isprintable() or len(code) > 64:
        raise InvalidInput(
            f"not a product code: {code!r}", code="invalid_code", case="product", text=code
        )
    if qty is not None and qty.milli <= 0:
        raise InvalidInput(
            f"quantity must be positive, not {qty.plain()}",
            code="invalid_quantity",
            case="positive",
            qty=qty,
        )
    product = catalog.by_code(code)
    if product is not None:
        return _scanned(product, qty)
    for alias in equivalent_codes(code):
        product = catalog.by_code(alias)
        if product is not None:
            return _scanned(product, qty)
    scale = decode_scale(code, layouts)
    if scale is not None:
        product = catalog.by_plu(scale.item)
        if product is None:
            raise NotFound(
                f"no product with scale item number {scale.item}",
                code="unknown_product",
                case="scale",
                item=scale.item,
            )
        if scale.kind == "weight":
            if scale.value <= 0:
                raise InvalidInput(
                    f"zero weight on scale code {code}",
                    code="invalid_quantity",
                    case="zero_weight",
                    barcode=code,
                )
            return Scanned(product, Qty(scale.value))  # grams are thousandths of a kg
        if scale.value <= 0:
            raise InvalidInput(
                f"zero price on scale code {code}",
                code="invalid_quantity",
                case="zero_price",
                barcode=code,
            )
        amount = Money(scale.value)
        return Scanned(product, _weight_from_amount(product, amount), label_amount=amount)
    if looks_like_gtin(code) and not is_gtin(code) and upce_to_upca(code) is None:
        raise InvalidInput(
            f"check digit wrong on {code}: scan again", code="bad_check_digit", barcode=code
        )
    raise NotFound(f"unknown product code {code}", code="unknown_product", barcode=code)


def _scanned(product: Product, qty: Qty | None) -> Scanned:
    if qty is not None and not product.weighed and not qty.is_whole():
        raise InvalidInput(
            f"{product.name} is sold by the piece, not {qty.plain()}",
            code="invalid_quantity",
            name=product.name,
            qty=qty,
        )
    return Scanned(product, qty or Qty(MILLI))


def _weight_from_amount(product: Product, amount: Money) -> Qty:
    """Derive the weight a price label stands for (shown, never priced from)."""
    if product.price.fen <= 0:
        return Qty(MILLI)
    return Qty(max(1, round_half_up(Fraction(amount.fen * MILLI, product.price.fen))))
