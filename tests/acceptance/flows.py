"""The store day's flows as data: what the cashier's hands do, step by step.

A flow is a list of steps; ``{name}`` in a step is filled from the day's context (the
products and member picked from the demo store, the receipt just printed, the cash
counted). Steps:

- ``("scan", code)``: typed at the input line and Enter (as a wedge scanner types it);
  waits until the screen shows the answer.
- ``("key", key)``, ``("type", text)``: one X key (xdotool's names: F8, shift+F10,
  ctrl+F6, Return, Escape) or text, with no wait.
- ``("dialog", title, steps)``: waits for the dialog titled ``title`` (a regular
  expression) to have the keyboard, plays ``steps`` in it, then waits for it to close
  and for the till's window to have the keyboard back (never a mouse click).
- ``("maybe", title, steps)``: a dialog that may come or not (a step another part of
  issue 14 adds: the held-sales list, the return preview); played if it opens before
  the flow's next condition holds.
- ``("sign_in", code, pin[, "no_shift"])``: the sign-in the till opens at (staff code,
  Enter, PIN, Enter), then the 开班 float when no shift is open ("no_shift": Esc there).
- ``("wait", name)``: waits for a named condition of the flow (``CONDITIONS``: a ledger
  row, a printed document) before the next step.
- ``("shoot", label)``: a screenshot of what the cashier sees now (for the README).
- ``("refused", label)``: in a dialog, waits until it shows a refusal (its red error
  line) and still has the keyboard, and screenshots it as ``refusal-<label>``.

Keystrokes are counted as the cashier presses them (a key chord is one, text one per
character); ``("setup", steps)`` plays steps that prepare the flow (a sale to return)
without counting them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.acceptance.harness import SIGN_IN_TITLE, Till, wait_for

Step = tuple[Any, ...]
Condition = Callable[[Till, dict[str, Any]], bool]

CASHIER, CASHIER_PIN, MANAGER_PIN = "c1", "1111", "8888"  # the demo's staff
# the second cashier of the handover: not in the demo data, added by the store's set-up
SECOND_CASHIER = ("c2", "李娜", "cashier", "2468")
STAFF: dict[str, list[tuple[str, str, str, str]]] = {"handover_second_cashier": [SECOND_CASHIER]}
TENDER = r"^收款"
OPEN_SHIFT_TITLE, OPENING_FLOAT = r"^开班", "500"
PIN = r"^店长授权"


def pay_cash() -> list[Step]:
    """F8, Enter: the cash tender defaults to the amount due."""
    return [("key", "F8"), ("dialog", TENDER, [("key", "Return")])]


def sale(*codes: str) -> list[Step]:
    return [("scan", c) for c in codes]


FLOWS: dict[str, list[Step]] = {
    "non_member_sale": [
        ("sign_in", CASHIER, CASHIER_PIN),
        *sale("{p1}", "{p2}"),
        *pay_cash(),
        ("wait", "sale_1"),
    ],
    "member_sale_split_tenders": [
        ("sign_in", CASHIER, CASHIER_PIN),
        ("scan", "{member}"),
        *sale("{p3}", "{p4}"),
        ("shoot", "member-sale"),
        ("key", "F8"),
        (
            "dialog",
            TENDER,
            [
                ("key", "F5"),  # coins: the amount field holds what may be used, selected
                ("type", "{coins}"),
                ("key", "Return"),
                ("key", "F4"),  # stored value
                ("type", "{sv}"),
                ("key", "Return"),
                ("shoot", "split-tenders"),
                ("key", "F1"),  # cash: the rest, already in the field
                ("key", "Return"),
            ],
        ),
        ("wait", "sale_1"),
    ],
    "partial_return": [
        ("setup", [("sign_in", CASHIER, CASHIER_PIN), *sale("{p1}", "{p2}"), *pay_cash()]),
        ("wait", "sale_1"),
        ("key", "shift+F10"),
        ("type", "{receipt}"),
        ("key", "Return"),
        ("dialog", r"^部分退货", [("type", "1x1"), ("key", "Return")]),
        ("dialog", r"^退货 小票", [("key", "Return")]),  # the preview: the refund per tender
        ("wait", "return_1"),
    ],
    "recharge": [
        ("sign_in", CASHIER, CASHIER_PIN),
        ("scan", "{member}"),
        ("key", "F9"),
        ("dialog", r"^充值", [("type", "200"), ("key", "Return")]),
        ("dialog", r"^充值收款", [("key", "Return")]),  # the tender: Enter is cash
        ("dialog", PIN, [("type", MANAGER_PIN), ("key", "Return")]),
        ("wait", "recharge_slip"),
    ],
    "refused_tender_corrected": [
        ("sign_in", CASHIER, CASHIER_PIN),
        *sale("{p1}", "{p2}"),
        ("key", "F8"),
        (
            "dialog",
            TENDER,
            [
                ("key", "F2"),  # card: the field holds what is due, selected
                ("type", "{over}"),  # ¥100 more: only cash gives change
                ("key", "Return"),
                ("refused", "card-over-due"),
                ("key", "F2"),  # card again: what is due, selected
                ("key", "Return"),
            ],
        ),
        ("wait", "sale_1"),
    ],
    "recharge_mobile": [
        ("sign_in", CASHIER, CASHIER_PIN),
        ("scan", "{member}"),
        ("key", "F9"),
        ("dialog", r"^充值", [("type", "200"), ("shoot", "recharge-200"), ("key", "Return")]),
        (
            "dialog",
            r"^充值收款",
            [("type", "3"), ("shoot", "recharge-mobile"), ("key", "Return")],  # 3: 移动支付
        ),
        ("dialog", PIN, [("type", MANAGER_PIN), ("key", "Return")]),
        ("wait", "recharge_slip"),
    ],
    "lock_unlock": [
        ("sign_in", CASHIER, CASHIER_PIN),
        *sale("{p1}", "{p2}"),
        ("key", "ctrl+l"),
        (
            "dialog",
            r"^已锁屏",
            [
                ("type", "0000"),  # the cashier's code is filled in: the PIN, wrong
                ("key", "Return"),
                ("refused", "wrong-pin"),
                ("wait", "c1_failed_1"),
                ("type", CASHIER_PIN),
                ("key", "Return"),
            ],
        ),
        ("wait", "c1_failed_0"),
        *sale("{p3}"),  # the sale goes on where it was
        *pay_cash(),
        ("wait", "sale_1"),
    ],
    "hold_recall": [
        ("sign_in", CASHIER, CASHIER_PIN),
        *sale("{p1}", "{p2}"),
        ("key", "F4"),  # hold
        ("wait", "held_1"),
        *sale("{p3}"),
        *pay_cash(),
        ("wait", "sale_1"),
        ("key", "F4"),  # recall: the held sale (a list to pick from once it lands)
        ("maybe", r"^(挂单|取单)", [("key", "Return")]),
        ("wait", "held_0"),
        *pay_cash(),
        ("wait", "sale_2"),
    ],
    "x_report": [
        ("setup", [("sign_in", CASHIER, CASHIER_PIN), *sale("{p1}"), *pay_cash()]),
        ("wait", "sale_1"),
        ("key", "F11"),
        ("dialog", r"^X报表", [("key", "p"), ("wait", "x_slip"), ("key", "Escape")]),
    ],
    "handover": [
        ("setup", [("sign_in", CASHIER, CASHIER_PIN), *sale("{p1}"), *pay_cash()]),
        ("wait", "sale_1"),
        ("key", "F12"),
        ("dialog", r"^交班$", [("type", "{counted}"), ("key", "Return")]),
        ("wait", "shift_closed"),
        ("dialog", r"^交班报表", [("key", "Escape")]),
    ],
    "handover_second_cashier": [
        ("sign_in", CASHIER, CASHIER_PIN),
        *sale("{p1}"),
        *pay_cash(),
        ("wait", "sale_1"),
        ("key", "F12"),
        ("dialog", r"^交班$", [("type", "{counted}"), ("key", "Return")]),
        ("wait", "shift_closed"),
        ("dialog", r"^交班报表", [("key", "Escape")]),
        ("sign_in", SECOND_CASHIER[0], SECOND_CASHIER[3]),  # and her own 开班 float
        *sale("{p2}"),
        *pay_cash(),
        ("wait", "sale_2"),
    ],
    "z_report": [
        (
            "setup",
            [
                ("sign_in", CASHIER, CASHIER_PIN),
                *sale("{p1}"),
                *pay_cash(),
                ("wait", "sale_1"),
                ("key", "F12"),
                ("dialog", r"^交班$", [("type", "{counted}"), ("key", "Return")]),
                ("wait", "shift_closed"),
                ("dialog", r"^交班报表", [("key", "Escape")]),
                # the day is over: the manager signs in at the handover's sign-in and
                # opens no shift (Esc at 开班) before the Z
                ("sign_in", "mgr", MANAGER_PIN, "no_shift"),
            ],
        ),
        ("key", "ctrl+F6"),
        ("dialog", PIN, [("type", MANAGER_PIN), ("key", "Return")]),
        ("wait", "day_closed"),
        ("dialog", r"^日结报表", [("wait", "z_slip"), ("key", "Escape")]),
    ],
}


def rows(sql: str, n: int = 1) -> Condition:
    return lambda till, ctx: len(till.query(sql)) >= n


def printed(pattern: str) -> Condition:
    return lambda till, ctx: any(re.search(pattern, job) for job in till.printed())


CONDITIONS: dict[str, Condition] = {
    "sale_1": rows("SELECT 1 FROM sales WHERE kind = 'sale'"),
    "sale_2": rows("SELECT 1 FROM sales WHERE kind = 'sale'", 2),
    "return_1": rows("SELECT 1 FROM returns"),
    "held_1": rows("SELECT 1 FROM held_sales"),
    "held_0": lambda till, ctx: not till.query("SELECT 1 FROM held_sales"),
    "shift_closed": rows("SELECT 1 FROM shifts WHERE closed_at IS NOT NULL"),
    "c1_failed_1": rows(f"SELECT 1 FROM staff WHERE id = '{CASHIER}' AND failed = 1"),
    "c1_failed_0": rows(f"SELECT 1 FROM staff WHERE id = '{CASHIER}' AND failed = 0"),
    "day_closed": rows("SELECT 1 FROM day_closes"),
    "recharge_slip": printed(r"^recharge"),
    "x_slip": printed(r"(?i)^x-"),
    "z_slip": printed(r"(?i)^z-"),
}


def slug(title: str) -> str:
    """A dialog's title pattern as a screenshot's name (^收款 -> 收款)."""
    return re.sub(r"\W+", "", title) or "dialog"


def fill(value: Any, ctx: Mapping[str, Any]) -> Any:
    return value.format(**ctx) if isinstance(value, str) else value


class Player:
    """Plays a flow's steps on a till, counting the cashier's keystrokes."""

    def __init__(self, till: Till, ctx: dict[str, Any], refresh: Callable[[], None]) -> None:
        self.till, self.ctx, self.refresh = till, ctx, refresh
        self.counting = True
        self.setup_keys = 0
        self.open: list[str] = []  # the dialogs being played, innermost last

    def play(self, steps: Sequence[Step]) -> None:
        for i, step in enumerate(steps):
            self.step(step, steps[i + 1 :])

    def step(self, step: Step, rest: Sequence[Step]) -> None:
        till, kind = self.till, step[0]
        if kind == "setup":
            before = till.keystrokes
            self.play(step[1])
            self.setup_keys += till.keystrokes - before
            till.keystrokes = before
        elif kind == "scan":
            till.scan(fill(step[1], self.ctx))
        elif kind == "key":
            till.key(fill(step[1], self.ctx))
        elif kind == "type":
            till.type(fill(step[1], self.ctx))
        elif kind == "dialog":
            win = till.dialog(step[1])
            till.shoot("dialog-" + slug(step[1]))
            self.open.append(win)
            try:
                self.play(step[2])
            finally:
                self.open.pop()
            till.wait_closed(win, f"the dialog {step[1]!r}")
        elif kind == "shoot":
            till.shoot_settled(step[1])
        elif kind == "refused":
            till.wait_refusal(self.open[-1], f"the refusal {step[1]!r}")
            till.shoot(f"refusal-{step[1]}")
        elif kind == "maybe":
            self.maybe(step, rest)
        elif kind == "sign_in":
            self.sign_in(fill(step[1], self.ctx), fill(step[2], self.ctx), *step[3:])
        elif kind == "wait":
            name = step[1]
            wait_for(name, lambda: till._alive_then(lambda: CONDITIONS[name](till, self.ctx)), 60)
            self.refresh()
        else:
            raise ValueError(f"unknown step {step!r}")

    def maybe(self, step: Step, rest: Sequence[Step]) -> None:
        """Played if the dialog opens before the next ``wait`` condition holds."""
        nxt = next((s for s in rest if s[0] == "wait"), None)
        until: Callable[[], bool] = (
            (lambda: CONDITIONS[nxt[1]](self.till, self.ctx)) if nxt else (lambda: True)
        )
        win = self.till.maybe_dialog(step[1], until)
        if win is not None:
            self.play(step[2])
            self.till.wait_closed(win, f"the dialog {step[1]!r}")

    def sign_in(self, code: str, pin: str, shift: str = "open") -> None:
        """The till opens at the sign-in: staff code, Enter, PIN, Enter; then the 开班
        float when no shift is open yet (the store says which: a shift row left open)."""
        till = self.till
        win = till.dialog(SIGN_IN_TITLE)
        till.shoot("sign-in")
        till.type(code)
        till.key("Return")
        till.type(pin)
        till.key("Return")
        till.wait_gone(win, "the sign-in")
        if till.query("SELECT 1 FROM shifts WHERE closed_at IS NULL"):
            till.wait_main_focus()
            return
        opening = till.dialog(OPEN_SHIFT_TITLE)
        till.shoot("open-shift")
        if shift == "no_shift":
            till.key("Escape")
            till.wait_closed(opening, "the 开班 dialog")
            return
        till.type(OPENING_FLOAT)
        till.key("Return")
        till.wait_closed(opening, "the 开班 dialog")
        wait_for(
            "the shift to open",
            lambda: till.query("SELECT 1 FROM shifts WHERE closed_at IS NULL") or None,
            30,
        )

    def asked(self, title: str) -> str | None:
        """The dialog titled ``title`` with the keyboard, or None once the till's window
        has the keyboard without it."""
        till = self.till

        def probe() -> str | bool | None:
            found = till.dialogs(title)
            return found[0] if found else till.focused() == till.main

        got = wait_for(
            f"{title!r} or the till's window to have the keyboard",
            lambda: till._alive_then(probe),
            30,
        )
        return till.wait_focus(got, title) if isinstance(got, str) else None
