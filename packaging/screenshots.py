"""The README's screenshots, taken from the real window (offscreen, 1366x768).

    .venv/bin/python packaging/screenshots.py [--out docs] [--lang en]

A small tomato store is set up and driven like ``pos-terminal run --script`` does
(scans, function keys, typed amounts; ui/script.py), and three moments are saved:

- ``checkout-member.png``: a member identified, lines at member prices, the best
  coupon applied;
- ``tender.png``: the tender dialog (F8) in the middle of a split payment: coins
  and stored value taken, cash for the rest;
- ``recharge.png``: the recharge dialog (F9) showing the gift the amount earns.

A dialog is its own window: it is drawn over the dimmed checkout screen with a
title bar, as the cashier sees it. ``--lang en``: the same moments in English (the
store's own names, products and tiers stay as the store wrote them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ui.dialogs import AmountDialog, PinDialog, TenderDialog  # noqa: E402
from ui.fonts import install_cjk_font  # noqa: E402
from ui.lang import install as install_language  # noqa: E402
from ui.qt import QApplication, QColor, QDialog, QFont, QPainter, QPixmap, Qt, QTest  # noqa: E402
from ui.script import ScriptRunner, typed  # noqa: E402

STORE = "欢乐番茄 · 五一路店"
SCENARIO = {
    "program": "tomato",
    "start": "2026-10-06T09:00:00",
    "catalog": [
        {
            "code": "6901234567892",
            "name": "番茄 (散装)",
            "category": "fresh",
            "price": "5.80",
            "member_price": "4.80",
            "unit": "kg",
        },
        {
            "code": "6901234500011",
            "name": "丹东草莓礼盒 500g",
            "category": "fresh",
            "price": "25.00",
            "member_price": "22.00",
        },
        {
            "code": "6901234500035",
            "name": "澳洲谷饲牛排 200g",
            "category": "fresh",
            "price": "60.00",
            "member_price": "55.00",
        },
        {"code": "6900000000021", "name": "五常大米 5kg", "category": "grocery", "price": "65.00"},
        {
            "code": "6900000000014",
            "name": "海天生抽 500ml",
            "category": "grocery",
            "price": "12.00",
        },
        {
            "code": "6900000000038",
            "name": "蒙牛纯牛奶 250ml×12",
            "category": "dairy",
            "price": "39.90",
            "member_price": "35.90",
        },
    ],
    "members": [
        {
            "code": "M000001",
            "phone": "13800005678",
            "name": "李晓红",
            "registered": "2024-03-15",
            "birthday": "1990-05-20",
            "growth_points": 2860,
            "tier": "red",
            "tier_valid_through": "2027-03-31",
            "coin_lots": [
                {"coins": 48, "granted": "2026-03-01"},
                {"coins": 20, "granted": "2025-11-10"},
            ],
            "stored_value": {"principal": "180.00", "gift": "20.00"},
            "coupons": [
                {"id": "C1", "threshold": "30.00", "off": "5.00", "valid_through": "2026-10-31"},
                {"id": "C2", "threshold": "50.00", "off": "2.00", "valid_through": "2026-10-31"},
                {"id": "C3", "threshold": "30.00", "off": "2.00", "valid_through": "2026-10-31"},
            ],
        },
    ],
    "events": [],
}
CHECKOUT = [
    {"at": "2026-10-06T10:24:00", "do": "identify", "code": "M000001"},
    {"do": "scan", "code": "6901234567892", "qty": "1.250"},
    {"do": "scan", "code": "6901234500011"},
    {"do": "scan", "code": "6901234500035", "qty": "2"},
    {"do": "scan", "code": "6900000000021"},
    {"do": "scan", "code": "6900000000014"},
    {"do": "scan", "code": "6900000000038"},
    {"do": "coupons", "auto": True},
]


def over_screen(screen: QPixmap, dialog: QDialog) -> QPixmap:
    """The dialog as its own window (title bar, frame, shadow) over the dimmed screen."""
    out = QPixmap(screen)
    body = dialog.grab()
    bar = 34
    w, h = body.width() + 2, body.height() + bar + 1
    x, y = (out.width() - w) // 2, (out.height() - h) // 2 - 20
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(out.rect(), QColor(0, 0, 0, 96))
    for i in range(1, 9):  # soft shadow
        p.fillRect(x - i + 4, y - i + 6, w + 2 * i, h + 2 * i, QColor(0, 0, 0, 10))
    p.fillRect(x, y, w, h, QColor("#8a8a8a"))
    p.fillRect(x + 1, y + 1, w - 2, bar - 1, QColor("#2f3b4c"))
    font = QFont(QApplication.font())
    font.setPointSize(11)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(x + 14, y + 1, w - 60, bar - 1, Qt.AlignmentFlag.AlignVCenter, dialog.windowTitle())
    p.drawText(x + w - 32, y + 1, 20, bar - 1, Qt.AlignmentFlag.AlignCenter, "✕")
    p.drawPixmap(x + 1, y + bar, body)
    p.end()
    return out


def save(pm: QPixmap, path: Path) -> None:
    if not pm.save(str(path)):
        raise SystemExit(f"cannot write {path}")
    print(f"{path}  {pm.width()}x{pm.height()}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs")
    ap.add_argument("--lang", default="zh_CN", help="zh_CN (default) or en")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    install_language(app, args.lang)

    with tempfile.TemporaryDirectory(prefix="screens-") as tmp:
        runner = ScriptRunner(
            app, Path(tmp) / "till.sqlite", SCENARIO, store_name=STORE, cashier_name="张丽"
        )
        win = runner.window
        runner.start()
        try:
            # 1. the checkout screen: member, member prices, the best coupons
            for ev in CHECKOUT:
                runner.play_event(ev)
            assert win.current is not None and win.current.coupons, "no coupon applied"
            save(win.grab(), out / "checkout-member.png")

            # 2. F8 mid-split: 20 coins, 50.00 stored value, cash for the rest (shown, then paid)
            def split(d: QDialog) -> None:
                assert isinstance(d, TenderDialog)
                QTest.keyClick(d, Qt.Key.Key_F5)
                typed(d.amount, "20")
                QTest.keyClick(d, Qt.Key.Key_F4)
                typed(d.amount, "50")
                QTest.keyClick(d, Qt.Key.Key_F1)
                typed(d.amount, "200", enter=False)
                d.adjustSize()
                save(over_screen(win.grab(), d), out / "tender.png")
                QTest.keyClick(d.amount, Qt.Key.Key_Return)

            runner.expect(TenderDialog, split)
            runner.key(Qt.Key.Key_F8)
            runner.settle()
            assert runner.out["sales"], f"the sale was not paid: {runner.out['errors']}"

            # 3. F9 for the same member: the amount typed, the gift it earns shown
            runner.play_event({"at": "2026-10-06T10:31:00", "do": "identify", "code": "M000001"})

            def amount(d: QDialog) -> None:
                assert isinstance(d, AmountDialog)
                typed(d.amount, "500", enter=False)
                d.adjustSize()
                save(over_screen(win.grab(), d), out / "recharge.png")
                QTest.keyClick(d.amount, Qt.Key.Key_Return)

            def pin(d: QDialog) -> None:
                assert isinstance(d, PinDialog)
                typed(d.pin, "8888")

            runner.expect(AmountDialog, amount)
            runner.expect(PinDialog, pin)
            runner.key(Qt.Key.Key_F9)
            runner.settle()
            assert runner.out["recharges"], f"no recharge: {runner.out['errors']}"
        finally:
            runner.stop()
            runner.close()
    receipt_preview(out / "receipt.png")
    return 0


def receipt_preview(path: Path) -> None:
    """The 80 mm receipt of a member sale, drawn by the same preview the UI uses."""
    from datetime import date, datetime

    from devices.printer.preview import preview_png
    from terminal.app import setup
    from terminal.app.counter import Counter
    from terminal.app.ids import ReplayIds
    from terminal.app.replay import STAFF
    from terminal.clock import FixedClock
    from terminal.money import Money
    from terminal.printing.layout import StoreInfo, sale_receipt
    from terminal.quantity import Qty
    from terminal.rules.catalog import Product
    from terminal.rules.coupons import Coupon
    from terminal.rules.lifecycle import Opening
    from terminal.rules.program_loader import load_program
    from terminal.rules.tenders import TenderRequest
    from terminal.store.db import open_store

    with tempfile.TemporaryDirectory(prefix="receipt-") as tmp:
        sessions, prog = open_store(Path(tmp) / "till.sqlite"), load_program("tomato")
        clock, ids = FixedClock(datetime(2026, 10, 7, 10, 12)), ReplayIds("T01")
        tomato = Product("6901234567892", "番茄 (散装)", "fresh", Money(580), Money(480), "kg")
        rice = Product("6900000000021", "五常大米 5kg", "grocery", Money(6500))
        setup.add_staff(sessions, STAFF)
        setup.import_products(sessions, [tomato, rice])
        coupon = Coupon("C1", "满30减5", Money(3000), Money(500), date(2026, 10, 31))
        setup.import_members(
            sessions,
            prog,
            [
                Opening(
                    code="M000001",
                    phone="13800005678",
                    registered=date(2025, 3, 1),
                    tier="red",
                    tier_valid_through=date(2027, 2, 28),
                    growth_points=1860,
                    coin_lots=((20, date(2026, 6, 1)),),
                    principal=Money(18000),
                    gift=Money(2000),
                    coupons=(coupon,),
                )
            ],
            clock.now(),
            "T01",
            ids,
        )
        setup.open_shift(sessions, clock, ids, "T01", "c1")
        c = Counter(sessions, prog, clock, ids, terminal_id="T01", cashier="c1")
        c.identify("M000001")
        c.scan(tomato.code, Qty.parse("1.250"))
        c.scan(rice.code)
        sale = c.pay([TenderRequest("coins", coins=5), TenderRequest("cash", Money(10000))])
        doc = sale_receipt(sale, prog, StoreInfo(STORE, "T01", "张丽"), 48, clock.now())
        preview_png(doc, 48, path)
        sessions.kw["bind"].dispose()


if __name__ == "__main__":
    raise SystemExit(main())
