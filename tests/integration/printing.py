"""Helpers for the printer tests: state recording, sales from the shop fixture, and the
receipt text a sale should print."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime

from devices.printer.render import receipt_bytes
from terminal.app.counter import CommittedSale
from terminal.money import Money
from terminal.printing.layout import StoreInfo, printed_lines, sale_receipt, with_kick
from terminal.rules.tenders import TenderRequest

from ..app.store import Shop

WAIT = 5.0  # generous upper bound for a condition; tests normally pass in milliseconds
STORE = StoreInfo("测试店", "T01", "收银员", address="上海市杨浦区国定路 1 号")
WIDTH = 48


class States:
    """An ``on_state`` callback that tests can wait on."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self._cond = threading.Condition()

    def __call__(self, state: str, detail: str) -> None:
        with self._cond:
            self.seen.append((state, detail))
            self._cond.notify_all()

    @property
    def states(self) -> list[str]:
        with self._cond:
            return [s for s, _ in self.seen]

    def wait(self, state: str, count: int = 1, timeout: float = WAIT) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: [s for s, _ in self.seen].count(state) >= count, timeout
            )


def cash(yuan: str) -> TenderRequest:
    return TenderRequest("cash", Money.parse(yuan))


def card(yuan: str) -> TenderRequest:
    return TenderRequest("card", Money.parse(yuan))


def sell(
    s: Shop, codes: Sequence[str], tenders: Sequence[TenderRequest] | None = None
) -> CommittedSale:
    for code in codes:
        s.counter.scan(code)
    return s.counter.pay(tenders if tenders is not None else [cash("200.00")])


def paid_at(s: Shop) -> datetime:
    return s.clock.now()


def receipt(s: Shop, sale: CommittedSale, *, reprint: bool = False) -> bytes:
    return receipt_bytes(sale, s.counter.program, STORE, WIDTH, now=paid_at(s), reprint=reprint)


def expected_text(s: Shop, sale: CommittedSale, *, kick: bool = True) -> str:
    """What ``decode_text`` of the sale's receipt bytes must give: the layout's lines."""
    doc = sale_receipt(sale, s.counter.program, STORE, WIDTH, paid_at(s))
    if kick:
        doc = with_kick(doc)
    return "".join(line + "\n" for line in printed_lines(doc, WIDTH))
