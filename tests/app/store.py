"""A real store in a temp SQLite file, set up like a small shop, for service tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from terminal.app import setup
from terminal.app.counter import Counter
from terminal.app.ids import ReplayIds
from terminal.app.replay import STAFF
from terminal.clock import FixedClock
from terminal.money import Money
from terminal.rules import lifecycle as lc
from terminal.rules.catalog import Product
from terminal.rules.coupons import Coupon
from terminal.rules.program_loader import load_program
from terminal.store.db import open_store

TOMATO = Product("6901234567892", "番茄", "fresh", Money(580), Money(480), "kg", plu=42)
SOY = Product("6900000000014", "酱油", "grocery", Money(1200))
RICE = Product("6900000000021", "大米 5kg", "grocery", Money(6500))


@dataclass
class Shop:
    path: Path
    counter: Counter
    clock: FixedClock

    def manager(self):  # type: ignore[no-untyped-def]
        return self.counter.authorize("mgr", "8888")


def shop(tmp: Path, program: str = "tomato", now: datetime = datetime(2026, 10, 7, 10)) -> Shop:
    path = tmp / "till.sqlite"
    sessions = open_store(path)
    prog = load_program(program)
    ids = ReplayIds("T01")
    clock = FixedClock(now)
    setup.configure(sessions, terminal_id="T01", program=program, store="测试店")
    setup.add_staff(sessions, STAFF)
    setup.import_products(sessions, [TOMATO, SOY, RICE])
    setup.import_members(
        sessions,
        prog,
        [
            lc.Opening(
                code="M1",
                phone="13800005678",
                registered=date(2025, 1, 1),
                coin_lots=((20, date(2026, 6, 1)),),
                principal=Money(10000),
                coupons=(Coupon("C1", "满30减5", Money(3000), Money(500), date(2026, 10, 31)),),
            ),
            lc.Opening(code="M2", phone="13900001111", registered=date(2025, 1, 1)),
        ],
        now,
        "T01",
        ids,
    )
    setup.open_shift(sessions, clock, ids, "T01", "c1")
    return Shop(path, Counter(sessions, prog, clock, ids, terminal_id="T01", cashier="c1"), clock)
