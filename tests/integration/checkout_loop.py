"""A till that sells until it is killed: the child process of ``test_crash``.

``python -m tests.integration.checkout_loop DB [--seed N] [--max-sales N]`` opens the
store at DB (made once by ``create_store``), prints ``ready``, then loops checkouts:
identify the member (most sales), scan a few products, pay with coins, stored value and
cash. Before ``pay()`` it prints ``pay <sale id>``; only after ``pay()`` returns does it
print ``receipt <receipt no> <sale id>``. Every line is flushed at once, so whatever the
parent reads is what the child knew when it died.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from terminal.app import setup
from terminal.app.counter import Counter
from terminal.app.ids import UuidIds
from terminal.clock import FixedClock
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules import tenders as tn
from terminal.rules.catalog import Product
from terminal.rules.program_loader import load_program
from terminal.store.db import open_store
from terminal.store.schema import Setting

PROGRAM = "tomato"
TERMINAL = "T01"
START = datetime(2026, 3, 4, 9, 0, 0)  # a Wednesday: not member day
MEMBER = "M0001"
MEMBER_PHONE = "13800000001"
OPENING_COINS = 1_000_000
OPENING_PRINCIPAL = Money.yuan(500_000)
OPENING_GIFT = Money.yuan(100_000)
STAFF = (("c1", "收银员", "cashier", "1111"), ("mgr", "店长", "manager", "8888"))
PRODUCTS = (
    Product("F001", "番茄", "fresh", Money(390)),
    Product("F002", "黄瓜", "fresh", Money(250), Money(220)),
    Product("F003", "鸡蛋", "fresh", Money(1280)),
    Product("G001", "酱油", "grocery", Money(890)),
    Product("G002", "面条", "grocery", Money(560), Money(500)),
)


def create_store(path: Path | str) -> None:
    """The store every child reopens: staff, products and one well-funded member."""
    sessions = open_store(path)
    program = load_program(PROGRAM)
    setup.configure(sessions, terminal_id=TERMINAL, program=PROGRAM, store="crash-test")
    setup.add_staff(sessions, STAFF)
    setup.import_products(sessions, PRODUCTS)
    opening = lc.Opening(
        code=MEMBER,
        phone=MEMBER_PHONE,
        registered=START.date() - timedelta(days=30),
        coin_lots=((OPENING_COINS, START.date()),),
        principal=OPENING_PRINCIPAL,
        gift=OPENING_GIFT,
    )
    setup.import_members(sessions, program, [opening], START, TERMINAL, UuidIds())
    setup.open_shift(sessions, FixedClock(START), UuidIds(), TERMINAL, "c1")
    sessions.kw["bind"].dispose()


def tenders_for(rng: random.Random, due: Money, member: bool) -> list[tn.TenderRequest]:
    """Coins, then stored value, then cash for the rest (sometimes with change). Real
    money stays under 10 yuan, so sales earn no coin lots and the member stays small."""
    if not member:
        return [tn.TenderRequest("cash", Money.yuan(due.fen // 100 + 1))]
    out: list[tn.TenderRequest] = []
    left = due.fen
    coins = min(rng.randint(1, 3), left // 100)
    if coins:
        out.append(tn.TenderRequest("coins", coins=coins))
        left -= coins * 100
    cash_part = min(left, rng.randint(1, 900))
    sv = left - cash_part
    if sv > 0:
        out.append(tn.TenderRequest("stored_value", Money(sv)))
    if cash_part > 0:
        handed = cash_part if rng.random() < 0.5 else (cash_part // 100 + 1) * 100
        out.append(tn.TenderRequest("cash", Money(handed)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("db")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-sales", type=int, default=100_000)
    args = ap.parse_args(argv)

    sessions = open_store(args.db)
    with sessions() as s:
        program_id = s.get(Setting, "program").value  # type: ignore[union-attr]
        done = int(getattr(s.get(Setting, "receipt_counter"), "value", "0"))
    program = load_program(program_id)
    clock = FixedClock(START + timedelta(seconds=done))
    counter = Counter(sessions, program, clock, UuidIds(), terminal_id=TERMINAL, cashier="c1")
    rng = random.Random(args.seed)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for _ in range(args.max_sales):
        member = rng.random() < 0.8
        if member:
            counter.identify(MEMBER)
        for _ in range(rng.randint(1, 3)):
            counter.scan(rng.choice(PRODUCTS).code, Qty.of(rng.randint(1, 2)))
        due = counter.priced().total_due
        assert counter.sale is not None
        sale_id = counter.sale.id
        out.write(f"pay {sale_id}\n")
        out.flush()
        sale = counter.pay(tenders_for(rng, due, member))
        out.write(f"receipt {sale.receipt_no} {sale_id}\n")
        out.flush()
        clock.set(clock.now() + timedelta(seconds=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
