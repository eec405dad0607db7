"""A store day at the real till, from the keyboard only (issue 14, "How it is checked").

Each flow of ``flows.FLOWS`` runs on its own till (a fresh copy of the demo store), under
Xvfb with openbox at 1366x768 and with no window manager at 1024x768, driven by xdotool's
X key events alone: never a mouse click, so a window that does not take the keyboard by
itself fails the flow. The figures are checked in what the till printed (ESC/POS bytes,
decoded) and in its ledger (the SQLite file, read-only, decoded with the project's codec).
``test_window_fills_the_screen`` checks the window's placement in all four combinations
and with a taskbar.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from terminal import codec
from terminal.money import Money
from terminal.rules.checkout import SaleRecord
from terminal.rules.member import MemberState
from terminal.rules.returns import ReturnRecord
from tests.acceptance.conftest import KEYSTROKES, Screen
from tests.acceptance.flows import CASHIER, CASHIER_PIN, FLOWS, SECOND_CASHIER, STAFF, Player
from tests.acceptance.harness import Till, decode_receipt

pytestmark = pytest.mark.acceptance

FLOW_SCREENS = [Screen(1366, 768, wm=True), Screen(1024, 768, wm=False)]
PLACEMENTS = [
    Screen(1366, 768, wm=True),
    Screen(1366, 768, wm=False),
    Screen(1024, 768, wm=True),
    Screen(1024, 768, wm=False),
    Screen(1366, 768, wm=True, taskbar=40),
]
FLOAT = 50000  # the demo shift's float (fen)
COINS, SV = 5, 10  # what the member pays in coins and in stored value (yuan)


# ---------------------------------------------------------------------- the day's data


@pytest.fixture(scope="session")
def day(demo_template: Path) -> dict[str, Any]:
    """Products sold by the piece (EAN-13) and a member with coins and stored value,
    picked from the demo store."""
    import sqlite3

    con = sqlite3.connect(f"file:{demo_template}?mode=ro", uri=True)
    try:
        products = con.execute(
            "SELECT code, price_fen FROM products WHERE plu IS NULL AND length(code) = 13 "
            "AND member_price_fen IS NULL AND price_fen BETWEEN 1500 AND 4000 ORDER BY code "
            "LIMIT 4"
        ).fetchall()
        today = date.today()
        member = None
        for code, text in con.execute(
            "SELECT code, state_json FROM members WHERE code LIKE 'M%' ORDER BY code LIMIT 5000"
        ):
            state = codec.loads(MemberState, text)
            if (
                not state.blocked
                and state.coins_on(today) >= 20
                and state.stored_value.fen >= 3000
                and not state.sv_debt.fen
                and not state.coin_debt
            ):
                member = code
                break
    finally:
        con.close()
    assert len(products) == 4 and member is not None, "the demo store lacks the day's data"
    ctx: dict[str, Any] = {f"p{i}": code for i, (code, _) in enumerate(products, 1)}
    ctx.update({f"price{i}": fen for i, (_, fen) in enumerate(products, 1)})
    ctx.update(member=member, coins=str(COINS), sv=f"{SV}.00")
    # a card tender ¥100 above what p1 + p2 come to: the till refuses it (only cash changes)
    ctx.update(over=Money(ctx["price1"] + ctx["price2"] + 10000).plain())
    return ctx


def facts(till: Till) -> dict[str, Any]:
    """What later steps type: the last receipt's number, the cash the drawer holds."""
    out: dict[str, Any] = {}
    last = till.query("SELECT receipt_no FROM sales WHERE kind = 'sale' ORDER BY at DESC LIMIT 1")
    if last:
        out["receipt"] = last[0]["receipt_no"]
    cash = till.query("SELECT coalesce(sum(amount_fen), 0) AS fen FROM tenders WHERE kind='cash'")
    out["counted"] = Money(FLOAT + cash[0]["fen"]).plain()
    return out


def member(till: Till, code: str) -> MemberState:
    row = till.query("SELECT state_json FROM members WHERE code = ?", code)
    return codec.loads(MemberState, row[0]["state_json"])


def sales(till: Till) -> list[SaleRecord]:
    rows = till.query("SELECT record_json FROM sales WHERE kind = 'sale' ORDER BY at")
    return [codec.loads(SaleRecord, r["record_json"]) for r in rows]


def receipt_text(till: Till, receipt_no: str) -> str:
    _, data = till.wait_printed(re.escape(receipt_no) + "$", f"receipt {receipt_no} printed")
    return decode_receipt(data)


def shows(text: str, money: Money) -> bool:
    """The amount is printed (¥ or not, as the layout puts it)."""
    return money.plain() in text


# ---------------------------------------------------------------------- figures per flow


def check_non_member_sale(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    (rec,) = sales(till)
    assert rec.member_code is None
    assert rec.total_due.fen == ctx["price1"] + ctx["price2"]
    assert [(t.kind, t.amount) for t in rec.tenders] == [("cash", rec.total_due)]
    text = receipt_text(till, ctx["receipt"])
    assert ctx["receipt"] in text and shows(text, rec.total_due), text


def check_member_sale_split_tenders(
    till: Till, ctx: dict[str, Any], before: dict[str, Any]
) -> None:
    (rec,) = sales(till)
    assert rec.member_code == ctx["member"]
    kinds = [t.kind for t in rec.tenders]
    assert kinds == ["coins", "stored_value", "cash"], kinds
    coins, sv, cash = rec.tenders
    assert coins.coins == COINS and coins.amount == Money(COINS * 100)
    assert sv.amount == Money(SV * 100)
    assert sum(t.amount.fen for t in rec.tenders) == rec.total_due.fen
    assert cash.amount == rec.total_due - coins.amount - sv.amount
    old, new = before["member"], member(till, ctx["member"])
    today = date.today()
    assert new.stored_value == old.stored_value - sv.amount
    assert new.coins_on(today) == old.coins_on(today) - COINS + rec.earned.coins
    text = receipt_text(till, ctx["receipt"])
    assert shows(text, rec.total_due) and shows(text, sv.amount), text


def check_partial_return(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    (rec,) = sales(till)
    rows = till.query("SELECT record_json, refund_fen, paid_out_fen FROM returns")
    assert len(rows) == 1
    ret = codec.loads(ReturnRecord, rows[0]["record_json"])
    assert [(ln.line_no, ln.qty.plain()) for ln in ret.lines] == [(1, "1.000")], ret.lines
    line1 = rec.lines[0]
    assert ret.refund == line1.net, (ret.refund, line1.net)
    assert rows[0]["paid_out_fen"] == line1.net.fen  # a cash sale: all of it back in cash
    assert [(r.kind, r.paid_out) for r in ret.refunds] == [("cash", line1.net)]


def check_recharge(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    old, new = before["member"], member(till, ctx["member"])
    assert new.principal == old.principal + Money(20000)
    today = date.today()
    assert new.coins_on(today) == old.coins_on(today) + 30  # the program's gift at ¥200
    _, data = till.wait_printed(r"^recharge", "the recharge slip")
    text = decode_receipt(data)
    assert "200.00" in text, text


def check_refused_tender_corrected(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    (rec,) = sales(till)  # the refused tender committed nothing
    assert rec.total_due.fen == ctx["price1"] + ctx["price2"]
    assert [(t.kind, t.amount) for t in rec.tenders] == [("card", rec.total_due)], rec.tenders
    assert rec.change == Money(0)
    text = receipt_text(till, ctx["receipt"])
    assert "银行卡" in text and shows(text, rec.total_due), text
    assert Money(ctx["price1"] + ctx["price2"] + 10000).plain() not in text, text


def recharge_rows(till: Till) -> list[dict[str, Any]]:
    import json

    rows = till.query("SELECT ref, payload FROM ledger WHERE kind = 'recharge' ORDER BY seq")
    return [{"ref": r["ref"], **json.loads(r["payload"])} for r in rows]


def check_recharge_mobile(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    old, new = before["member"], member(till, ctx["member"])
    assert new.principal == old.principal + Money(20000)
    (row,) = recharge_rows(till)
    assert row["tender"] == "mobile" and row["amount"] == 20000, row
    # no cash moved: the drawer's count has no recharge in it
    cash = till.query("SELECT payload FROM ledger WHERE kind = 'cash' AND ref = ?", row["ref"])
    assert not cash, [r["payload"] for r in cash]
    _, data = till.wait_printed(r"^recharge", "the recharge slip")
    text = decode_receipt(data)
    assert "支付方式 移动支付" in text and "支付方式 现金" not in text, text
    assert "200.00" in text, text


def check_lock_unlock(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    (rec,) = sales(till)  # one sale: the lock neither voided nor split it
    assert [ln.code for ln in rec.lines] == [ctx["p1"], ctx["p2"], ctx["p3"]], rec.lines
    assert rec.total_due.fen == ctx["price1"] + ctx["price2"] + ctx["price3"]
    (c1,) = till.query("SELECT failed, locked_until FROM staff WHERE id = ?", CASHIER)
    assert c1["failed"] == 0 and c1["locked_until"] is None  # the right PIN cleared the miss
    (row,) = till.query("SELECT cashier FROM sales")
    assert row["cashier"] == CASHIER
    assert shows(receipt_text(till, ctx["receipt"]), rec.total_due)


def check_handover_second_cashier(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    code, name = SECOND_CASHIER[0], SECOND_CASHIER[1]
    rows = till.query("SELECT cashier, receipt_no FROM sales WHERE kind = 'sale' ORDER BY at")
    assert [r["cashier"] for r in rows] == [CASHIER, code], [tuple(r) for r in rows]
    shifts = till.query("SELECT cashier, float_fen, counted_fen, closed_at FROM shifts")
    by = {s["cashier"]: s for s in shifts}
    assert len(shifts) == 2 and set(by) == {CASHIER, code}, [tuple(s) for s in shifts]
    assert by[CASHIER]["closed_at"] is not None
    assert by[CASHIER]["counted_fen"] == FLOAT + ctx["price1"]
    assert by[code]["closed_at"] is None and by[code]["float_fen"] == FLOAT
    second = sales(till)[1]
    assert second.total_due.fen == ctx["price2"]
    text = receipt_text(till, rows[1]["receipt_no"])
    assert name in text and shows(text, second.total_due), text  # her name, not her id
    assert "张丽" not in text, text


def check_hold_recall(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    first, second = sales(till)
    assert [ln.code for ln in first.lines] == [ctx["p3"]]
    assert [ln.code for ln in second.lines] == [ctx["p1"], ctx["p2"]]
    assert second.total_due.fen == ctx["price1"] + ctx["price2"]
    assert not till.query("SELECT 1 FROM held_sales")


def net_sales(till: Till) -> Money:
    sold = till.query("SELECT coalesce(sum(total_fen), 0) AS f FROM sales WHERE kind = 'sale'")
    back = till.query("SELECT coalesce(sum(refund_fen), 0) AS f FROM returns")
    return Money(sold[0]["f"] - back[0]["f"])


def check_x_report(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    _, data = till.wait_printed(r"(?i)^x-", "the X slip")
    text = decode_receipt(data)
    assert "X报表" in text and shows(text, net_sales(till)), text
    assert shows(text, Money(FLOAT + ctx["price1"])), text  # the cash expected in the drawer


def check_handover(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    (shift,) = till.query("SELECT counted_fen, float_fen, closed_at FROM shifts")
    assert shift["closed_at"] is not None
    assert shift["counted_fen"] == FLOAT + ctx["price1"]  # counted = float + the cash sale


def check_z_report(till: Till, ctx: dict[str, Any], before: dict[str, Any]) -> None:
    (z,) = till.query("SELECT z_no, report_json FROM day_closes")
    _, data = till.wait_printed(r"(?i)^z-", "the Z slip")
    text = decode_receipt(data)
    assert "日结" in text and shows(text, net_sales(till)), text
    assert str(z["z_no"]) in text


CHECKS = {
    "non_member_sale": check_non_member_sale,
    "member_sale_split_tenders": check_member_sale_split_tenders,
    "partial_return": check_partial_return,
    "recharge": check_recharge,
    "refused_tender_corrected": check_refused_tender_corrected,
    "recharge_mobile": check_recharge_mobile,
    "lock_unlock": check_lock_unlock,
    "handover_second_cashier": check_handover_second_cashier,
    "hold_recall": check_hold_recall,
    "x_report": check_x_report,
    "handover": check_handover,
    "z_report": check_z_report,
}


# ---------------------------------------------------------------------- the tests


@pytest.mark.parametrize("screen", FLOW_SCREENS, ids=lambda s: s.id)
@pytest.mark.parametrize("flow", list(FLOWS))
def test_flow(flow: str, screen: Screen, new_till: Any, day: dict[str, Any]) -> None:
    till: Till = new_till(screen, flow, STAFF.get(flow, ()))
    # the keyboard is on the till from the start (item 10): on its sign-in, which every
    # flow begins with, then on the window
    ctx = dict(day)
    before = {"member": member(till, day["member"])}
    player = Player(till, ctx, refresh=lambda: ctx.update(facts(till)))
    try:
        player.play(FLOWS[flow])
    finally:
        till.shoot("end")
    KEYSTROKES.setdefault(flow, {})[screen.id] = till.keystrokes
    print(f"{flow} @ {screen.id}: {till.keystrokes} keystrokes (+{player.setup_keys} to set up)")
    CHECKS[flow](till, ctx, before)


def absolute(till: Till, win: str) -> tuple[int, int, int, int]:
    """The window's client area on the root window (xwininfo's absolute corner)."""
    g = till.absolute(win)
    return g.x, g.y, g.width, g.height


@pytest.mark.parametrize("screen", PLACEMENTS, ids=lambda s: s.id)
def test_window_fills_the_screen(screen: Screen, new_till: Any) -> None:
    """Maximised (item 8): the window fills the work area, never more (so the status bar
    and F11-Esc are on screen), and has the keyboard without a click (item 10)."""
    till: Till = new_till(screen, "placement")
    Player(till, {}, refresh=lambda: None).sign_in(CASHIER, CASHIER_PIN)
    till.wait_main_focus()
    area = till.display.work_area()
    x, y, w, h = absolute(till, till.main)
    till.shoot("window")
    assert x >= area[0] and y >= area[1], (x, y, area)
    assert x + w <= area[0] + area[2] and y + h <= area[1] + area[3], ((x, y, w, h), area)
    assert w >= area[2] - 8 and h >= area[3] - 40, ("not maximised", (x, y, w, h), area)
    till.key("F11")  # the keys work at once
    win = till.dialog(r"^X报表")
    till.key("Escape")
    till.wait_closed(win, "the X report")
