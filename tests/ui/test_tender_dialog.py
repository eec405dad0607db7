"""The tender dialog (F8) by key presses: each tender checked by the payment's own rules
before the dialog closes, a balance paid once, an applied tender removed, a payment
code charged as a mobile tender, the payment refused after the dialog reopening it, and
the change panel after payment (pytest-qt, offscreen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from devices.printer.render import decode_text
from terminal import codec
from terminal.app.counter import CommittedSale
from terminal.app.payments import wallet_of
from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules.checkout import SaleRecord
from terminal.rules.tenders import mask_payment_code
from terminal.store.schema import SaleRow
from ui.main_window import MainWindow
from ui.qt import QApplication, QDialog, Qt, QTimer, QWidget
from ui.tender_dialog import TakenDialog, TenderDialog

from ..app.store import RICE, SOY, Shop

WECHAT = "130112345678901234"  # 18 digits from 13: a WeChat payment code


@pytest.fixture
def till(
    checkout_till: tuple[MainWindow, Shop, list[Any]],
) -> tuple[MainWindow, Shop, list[Any], list[Any]]:
    """The shared checkout screen (tests/ui/conftest.py), and the sales it paid."""
    win, s, printed = checkout_till
    paid: list[CommittedSale] = []
    win.happened.connect(lambda what, obj: paid.append(obj) if what == "paid" else None)
    return win, s, printed, paid


def settle(qtbot: QtBot, win: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: win.worker.busy == 0 and QApplication.activeModalWidget() is None, timeout=5000
    )


def on_dialog(kind: type, act: Callable[[Any], None], failures: list[BaseException]) -> None:
    """Act on the next modal ``kind`` as it opens; a failed check closes it and is kept."""

    def poll() -> None:
        w = QApplication.activeModalWidget()
        if isinstance(w, kind) and w.isVisible() and not w.isActiveWindow():
            w.activateWindow()  # keys go to the active window (the shortcuts too)
            QTimer.singleShot(10, poll)
        elif isinstance(w, kind) and w.isVisible():
            try:
                act(w)
            except BaseException as e:
                failures.append(e)
                if isinstance(w, QDialog) and w.isVisible():
                    w.done(0)
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def typed(qtbot: QtBot, w: QWidget, text: str) -> None:
    w.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(w, text)
    qtbot.keyClick(w, Qt.Key.Key_Return)


def sell(qtbot: QtBot, win: MainWindow, *codes: str) -> None:
    for code in codes:
        typed(qtbot, win.input, code)
        qtbot.waitUntil(lambda: win.worker.busy == 0, timeout=5000)


def pay_with(qtbot: QtBot, win: MainWindow, act: Callable[[TenderDialog], None]) -> None:
    failures: list[BaseException] = []
    on_dialog(TenderDialog, act, failures)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)
    qtbot.keyClick(win, Qt.Key.Key_F8)
    settle(qtbot, win)
    if failures:
        raise failures[0]


def kinds(d: TenderDialog) -> list[tuple[str, int]]:
    return [(a.kind, a.coins or a.amount.fen) for a in d.applied]


def tenders(sale: CommittedSale) -> list[tuple[str, str, int]]:
    return [(t.kind, t.amount.plain(), t.coins) for t in sale.record.tenders]


def test_f5_enter_enter_pays_the_coins_once_then_cash(till: Any, qtbot: QtBot) -> None:
    win, _, _, paid = till
    sell(qtbot, win, "M1", RICE.code)  # 65.00 less the 满30减5 coupon
    assert win.current is not None and win.current.due == Money.parse("60.00")

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F5)
        assert d.amount.text() == "20"  # every coin M1 holds
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)
        assert kinds(d) == [("coins", 20)] and d.kind == "cash"
        assert d.amount.text() == "40.00"  # the rest, in cash; the coins are spent
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)

    pay_with(qtbot, win, act)
    (sale,) = paid
    assert tenders(sale) == [("coins", "20.00", 20), ("cash", "40.00", 0)]


def test_coins_entered_again_replace_the_first_coins(till: Any, qtbot: QtBot) -> None:
    win, _, _, paid = till
    sell(qtbot, win, "M1", RICE.code)

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F5)
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)  # 20 coins
        qtbot.keyClick(d, Qt.Key.Key_F5)
        assert d.amount.text() == "20" and "替换" in d.note.text()
        typed(qtbot, d.amount, "5")
        assert kinds(d) == [("coins", 5)]  # one coins tender, never 25
        assert d.amount.text() == "55.00"
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)

    pay_with(qtbot, win, act)
    assert tenders(paid[0]) == [("coins", "5.00", 5), ("cash", "55.00", 0)]


def test_stored_value_above_the_balance_is_refused_in_the_open_dialog(
    till: Any, qtbot: QtBot
) -> None:
    win, _, _, paid = till
    sell(qtbot, win, "M1", RICE.code, RICE.code)  # 125.00 due; M1 holds ￥100 stored value

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F5)
        typed(qtbot, d.amount, "5")
        qtbot.keyClick(d, Qt.Key.Key_F4)
        assert d.amount.text() == "100.00"  # the most the balance pays
        typed(qtbot, d.amount, "110")
        assert d.isVisible() and d.refusal is not None
        assert d.refusal.code == "insufficient_stored_value"
        assert d.error.text() == "储值余额 ￥100.00, 不够支付 ￥110.00"
        assert kinds(d) == [("coins", 5)] and d.amount.text() == "110"  # all kept
        typed(qtbot, d.amount, "100")
        assert kinds(d) == [("coins", 5), ("stored_value", 10000)] and not d.error.text()
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)  # the rest in cash

    pay_with(qtbot, win, act)
    assert tenders(paid[0]) == [
        ("coins", "5.00", 5),
        ("stored_value", "100.00", 0),
        ("cash", "20.00", 0),
    ]


def test_the_offline_limit_is_enforced_inside_the_dialog(till: Any, qtbot: QtBot) -> None:
    win, s, _, paid = till
    c = s.counter
    c.recharge("M1", Money.parse("500.00"), s.manager())
    c.offline = lambda: True  # HQ unreachable: coins + stored value ￥200 a member a day
    sell(qtbot, win, "M1", *[RICE.code] * 4)  # 260.00 less 5.00

    def act(d: TenderDialog) -> None:
        assert "离线限额 ￥200.00" in "\n".join(w.text() for w in d.findChildren(type(d.note)))
        qtbot.keyClick(d, Qt.Key.Key_F5)
        typed(qtbot, d.amount, "20")
        qtbot.keyClick(d, Qt.Key.Key_F4)
        assert d.amount.text() == "180.00"  # what the limit leaves after 20 coins
        typed(qtbot, d.amount, "200")
        assert d.isVisible() and d.refusal is not None and d.refusal.code == "offline_limit"
        assert d.error.text() == "离线销售: 番茄币与储值今天最多还能用 ￥200.00"
        assert kinds(d) == [("coins", 20)]
        typed(qtbot, d.amount, "180")
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)

    pay_with(qtbot, win, act)
    assert [t[:2] for t in tenders(paid[0])] == [
        ("coins", "20.00"),
        ("stored_value", "180.00"),
        ("cash", "55.00"),
    ]


def test_an_applied_tender_is_chosen_with_up_and_removed_with_del(till: Any, qtbot: QtBot) -> None:
    win, _, _, paid = till
    sell(qtbot, win, "M1", RICE.code)

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F5)
        typed(qtbot, d.amount, "10")
        qtbot.keyClick(d, Qt.Key.Key_F2)
        typed(qtbot, d.amount, "30")
        assert kinds(d) == [("coins", 10), ("card", 3000)] and d.list.count() == 2
        qtbot.keyClick(d.amount, Qt.Key.Key_Up)
        assert d.list.currentRow() == 0
        qtbot.keyClick(d.amount, Qt.Key.Key_Delete)  # the coins, not a character
        assert kinds(d) == [("card", 3000)] and d.left.text() == "还差 ￥30.00"
        assert d.amount.text() == "30.00"
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)

    pay_with(qtbot, win, act)
    assert tenders(paid[0]) == [("card", "30.00", 0), ("cash", "30.00", 0)]


def test_enter_on_a_short_payment_says_what_is_due_and_stays(till: Any, qtbot: QtBot) -> None:
    win, s, _, _ = till
    sell(qtbot, win, SOY.code)

    def act(d: TenderDialog) -> None:
        typed(qtbot, d.amount, "5")
        typed(qtbot, d.amount, "")
        assert d.isVisible() and d.refusal is not None and d.refusal.code == "payment_short"
        assert d.error.text() == "还差 ￥7.00" and kinds(d) == [("cash", 500)]
        qtbot.keyClick(d, Qt.Key.Key_Escape)

    pay_with(qtbot, win, act)
    assert s.counter.sale_count() == 0
    assert "还差 ￥7.00" in win.message.text()  # cancelled over it: the window says it


def test_a_scanned_payment_code_becomes_a_mobile_tender_masked_on_the_receipt(
    till: Any, qtbot: QtBot
) -> None:
    win, s, printed, paid = till
    assert wallet_of(WECHAT) == "wechat" and wallet_of("2812345678901234") == "alipay"
    assert wallet_of("6901234567892") is None  # a product's EAN stays the sale's
    sell(qtbot, win, "M1", RICE.code)
    failures: list[BaseException] = []

    def taken(t: TakenDialog) -> None:
        assert "收取 ￥50.00" in t.text.text()
        qtbot.keyClick(t, Qt.Key.Key_Return)  # the provider's terminal took it

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F5)
        typed(qtbot, d.amount, "10")
        on_dialog(TakenDialog, taken, failures)
        win.scanned(WECHAT)  # the customer's 付款码 under the scanner

    pay_with(qtbot, win, act)
    assert not failures, failures
    (sale,) = paid
    assert [(t.kind, t.amount.plain(), t.ref) for t in sale.record.tenders] == [
        ("coins", "10.00", ""),
        ("mobile", "50.00", WECHAT),
    ]
    with s.counter.sessions() as db:  # the ledger's sale record keeps the code
        (row,) = db.query(SaleRow).all()
        assert codec.loads(SaleRecord, row.record_json).tenders[1].ref == WECHAT
    text = decode_text(printed[0][1], "gb18030")
    assert mask_payment_code(WECHAT) == "1301**********1234"
    assert "1301**********1234" in text and WECHAT not in text


def test_a_payment_code_not_taken_is_refused_and_nothing_is_applied(
    till: Any, qtbot: QtBot
) -> None:
    win, s, _, _ = till
    sell(qtbot, win, SOY.code)
    failures: list[BaseException] = []

    def act(d: TenderDialog) -> None:
        def then() -> None:
            assert d.refusal is not None and d.refusal.code == "payment_not_taken"
            assert d.applied == [] and d.isVisible()
            qtbot.keyClick(d, Qt.Key.Key_Escape)

        def not_taken(t: TakenDialog) -> None:
            qtbot.keyClick(t, Qt.Key.Key_Escape)
            QTimer.singleShot(0, lambda: on_dialog(TenderDialog, lambda _: then(), failures))

        on_dialog(TakenDialog, not_taken, failures)
        win.scanned(WECHAT)

    pay_with(qtbot, win, act)
    assert not failures, failures
    assert s.counter.sale_count() == 0


def test_a_payment_refused_after_the_dialog_reopens_it_with_the_tenders(
    till: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    win, s, _, paid = till
    c = s.counter
    sell(qtbot, win, "M1", RICE.code)
    real = c.pay
    calls: list[int] = []

    def busy_once(ts: Any) -> CommittedSale:
        calls.append(1)
        if len(calls) == 1:
            raise RuleViolation("the member's account kept changing", code="member_busy")
        return real(ts)

    monkeypatch.setattr(c, "pay", busy_once)
    failures: list[BaseException] = []

    def again(d: TenderDialog) -> None:
        assert kinds(d) == [("coins", 20), ("cash", 4000)]  # what was typed
        assert d.error.text() != "" and d.left.text() == "找零 ￥0.00"
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)  # as entered, once more

    def first(d: TenderDialog) -> None:
        on_dialog(TenderDialog, again, failures)
        qtbot.keyClick(d, Qt.Key.Key_F5)
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)
        qtbot.keyClick(d.amount, Qt.Key.Key_Return)

    pay_with(qtbot, win, first)
    settle(qtbot, win)
    assert not failures, failures
    assert len(calls) == 2 and len(paid) == 1
    assert tenders(paid[0]) == [("coins", "20.00", 20), ("cash", "40.00", 0)]


def test_the_change_and_new_balances_stay_until_the_next_scan(till: Any, qtbot: QtBot) -> None:
    win, _, _, _ = till
    sell(qtbot, win, "M1", RICE.code)

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F5)
        typed(qtbot, d.amount, "5")
        typed(qtbot, d.amount, "100")

    pay_with(qtbot, win, act)
    panel = win.paid_panel
    assert panel.isVisible() and panel.change.text() == "找零 ￥45.00"
    assert panel.member.text() == "本单获得: +5 番茄币\n会员余额: 番茄币 20 · 储值 ￥100.00"
    # 20 held, 5 spent, 5 earned on the 55.00 paid in cash
    win.refresh()
    settle(qtbot, win)
    assert panel.isVisible()  # a refresh of the empty screen keeps it
    sell(qtbot, win, SOY.code)
    assert not panel.isVisible()


def test_a_charged_payment_code_is_given_back_before_it_comes_off(till: Any, qtbot: QtBot) -> None:
    win, s, _, paid = till
    sell(qtbot, win, "M1", RICE.code)
    failures: list[BaseException] = []
    asked: list[str] = []

    def answer(t: TakenDialog) -> None:
        asked.append(t.text.text())
        qtbot.keyClick(t, Qt.Key.Key_Return)

    def remove(d: TenderDialog) -> None:
        assert kinds(d) == [("mobile", 2000)]
        qtbot.keyClick(d, Qt.Key.Key_Escape)  # not over a charged code
        assert d.isVisible() and d.refusal is not None and d.refusal.code == "mobile_charged"
        on_dialog(TakenDialog, answer, failures)
        qtbot.keyClick(d.amount, Qt.Key.Key_Delete)  # given back on the terminal, then off
        assert d.applied == [] and d.left.text() == "还差 ￥60.00"
        qtbot.keyClick(d, Qt.Key.Key_Escape)

    def when_charged(d: TenderDialog) -> None:
        """Once the code is charged and the dialog has its keys back."""
        if d.applied and QApplication.activeModalWidget() is d:
            try:
                remove(d)
            except BaseException as e:
                failures.append(e)
                d.done(0)
        else:
            QTimer.singleShot(10, lambda: when_charged(d))

    def act(d: TenderDialog) -> None:
        qtbot.keyClick(d, Qt.Key.Key_F3)
        d.amount.setText("20")  # the mobile amount, then the customer's code
        on_dialog(TakenDialog, answer, failures)
        win.scanned(WECHAT)
        when_charged(d)

    pay_with(qtbot, win, act)
    assert not failures, failures
    assert len(asked) == 2 and "收取 ￥20.00" in asked[0] and "退还 ￥20.00" in asked[1]
    assert paid == [] and s.counter.sale_count() == 0


def test_the_most_each_tender_may_pay_follows_the_rules(till: Any) -> None:
    from terminal.rules.tenders import TenderRequest

    _, s, _, _ = till
    c = s.counter
    c.identify("M1")
    c.scan(RICE.code)
    basis = c.tender_basis()
    assert basis.due == Money.parse("60.00")
    assert basis.most([], "coins") == 20 and basis.most([], "stored_value") == 6000
    coins = [TenderRequest("coins", coins=20)]
    assert basis.most(coins, "coins") == 0 and basis.most(coins, "stored_value") == 4000
    assert basis.most(coins, "card") == 4000
    assert basis.check(coins).tenders[0].coins == 20  # short, yet not refused
    with pytest.raises(RuleViolation) as e:
        basis.check([*coins, TenderRequest("stored_value", Money(4001))])
    assert e.value.code == "tender_exceeds_due"
