"""Every refusal the counter can raise has a Chinese text (ui/refusals.py) and its English
(ui/i18n/pos_en.ts), filled with the figures its raise gives; the window shows them, never
the English ``message``; the coupon explanation is translated too."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import get_args

import pytest

from devices.scanner import framing
from terminal.app import setup
from terminal.app.screen import screen
from terminal.app.staff import Authorization
from terminal.errors import InvalidInput, PosError, RuleViolation
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import lifecycle as lc
from terminal.rules.coupons import CouponState
from terminal.rules.tenders import TenderRequest
from ui import lang, refusals
from ui.main_window import MainWindow
from ui.qt import QApplication, QLocale, QTranslator
from ui.refusals import choose, coupon_text, fields, refusal_text, texts_for
from ui.tender_dialog import TenderDialog

from ..app.store import RICE, SOY, Shop, shop
from .conftest import OpenWindow

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "ui" / "i18n" / "pos_en.ts"
# The counter services, and the scanner refusal the screen words from the table. (A form's
# own checks carry their translated words in ``message``: refusal_text keeps them.)
SOURCES = ("terminal", "ui/devices.py")
AMBIENT = {"coin"}  # figures refusal_text adds itself (the program's coin name)
COIN = "番茄币"

# Codes built at the raise from a value: what each can become.
DYNAMIC_CODES = {
    "f'coupon_{c.state}'": [f"coupon_{s}" for s in get_args(CouponState) if s != "unused"],
    "f'invalid_{self.kind}'": ["invalid_coins", "invalid_points"],
}
# Cases taken from a value: (code, expression) -> the values it can have.
DYNAMIC_CASES = {
    ("scan_dropped", "reason"): [
        framing.BAD_CHECK_DIGIT,
        framing.NOT_PRINTABLE,
        framing.TOO_LONG,
        framing.TOO_SHORT,
        framing.WRONG_LENGTH,
        framing.PARTIAL,
    ],
}


# ------------------------------------------------------------------ the raise sites


@dataclass(frozen=True)
class Site:
    where: str
    code: str
    case: str
    params: frozenset[str]


def _error_classes(trees: dict[str, ast.Module]) -> dict[str, str | None]:
    """PosError and its subclasses anywhere in the sources -> their class-level code."""
    classes: dict[str, str | None] = {"PosError": "pos_error"}
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef) or node.name in classes:
                    continue
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & set(classes):
                    parent = classes[next(iter(bases & set(classes)))]
                    classes[node.name] = _class_code(node) or parent
                    grew = True
    return classes


def _class_code(node: ast.ClassDef) -> str | None:
    for st in node.body:
        target: ast.expr | None = st.target if isinstance(st, ast.AnnAssign) else None
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            target = st.targets[0]
        value = getattr(st, "value", None)
        if isinstance(target, ast.Name) and target.id == "code" and isinstance(value, ast.Constant):
            return str(value.value)
    return None


def raise_sites() -> list[Site]:
    trees = {
        str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8"))
        for base in SOURCES
        for p in ([ROOT / base] if base.endswith(".py") else sorted((ROOT / base).rglob("*.py")))
    }
    classes = _error_classes(trees)
    out = [Site(f"class {n}", c, "", frozenset()) for n, c in classes.items() if c]
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(
                node.func, ast.Name | ast.Attribute
            ):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name not in classes or name == "ProgramFileError":  # its figures are fixed
                continue
            out += _sites(f"{path}:{node.lineno}", node, classes[name] or "")
    return out


def _sites(where: str, call: ast.Call, class_code: str) -> list[Site]:
    kw = {k.arg: k.value for k in call.keywords}
    assert None not in kw, f"{where}: **params hide the figures from this test"
    code_node, case_node = kw.pop("code", None), kw.pop("case", None)
    params = frozenset(k for k in kw if k is not None)
    if code_node is None:
        codes = [class_code]
    elif isinstance(code_node, ast.Constant):
        codes = [str(code_node.value)]
    else:
        expr = ast.unparse(code_node)
        assert expr in DYNAMIC_CODES, f"{where}: code={expr} is not a literal: add it here"
        codes = DYNAMIC_CODES[expr]
    out = []
    for code in codes:
        if case_node is None:
            cases = [""]
        elif isinstance(case_node, ast.Constant):
            cases = [str(case_node.value)]
        else:
            key = (code, ast.unparse(case_node))
            assert key in DYNAMIC_CASES, f"{where}: case={key[1]} is not a literal: add it here"
            cases = DYNAMIC_CASES[key]
        out += [Site(where, code, case, params | ({"case"} if case else set())) for case in cases]
    return out


SITES = raise_sites()


def test_the_scan_finds_the_counter_refusals() -> None:
    codes = {s.code for s in SITES}
    assert {"wrong_pin", "insufficient_coins", "offline_limit", "already_returned"} <= codes
    assert {"coupon_used", "coupon_revoked", "scan_dropped", "invalid_phone"} <= codes
    assert len(codes) > 80


def test_every_code_the_counter_can_raise_has_a_chinese_text() -> None:
    missing = sorted(
        {f"{s.code}/{s.case} ({s.where})" for s in SITES if not texts_for(s.code, s.case)}
    )
    assert missing == [], "add these to ui/refusals.py TEXTS"


def test_each_text_is_filled_by_the_figures_its_raise_gives() -> None:
    short = []
    for s in SITES:
        texts = texts_for(s.code, s.case)
        if texts and not s.where.startswith("class "):  # a class's own code: a generic text
            need = fields(choose(texts, set(s.params) | AMBIENT)) - s.params - AMBIENT
            if need:
                short.append(f"{s.where}: {s.code}/{s.case} lacks {sorted(need)}")
    assert short == []


def test_a_case_the_table_knows_is_not_lost() -> None:
    """A ``code/case`` key that no raise gives is a typo on one side."""
    given = set()
    for p in [*(ROOT / "terminal").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                kw = {k.arg: k.value for k in node.keywords}
                code, case = kw.get("code"), kw.get("case")
                if isinstance(code, ast.Constant) and isinstance(case, ast.Constant):
                    given.add(f"{code.value!s}/{case.value!s}")
    given |= {f"{s.code}/{s.case}" for s in SITES if s.case}
    keyed = {k for k in refusals.TEXTS if "/" in k}
    assert keyed - given == set()


# ------------------------------------------------------------------ the English


def translations(context: str) -> dict[str, str | None]:
    """Source -> finished English for one context of pos_en.ts (None: not finished)."""
    out: dict[str, str | None] = {}
    for ctx in ET.parse(TS).getroot().iter("context"):
        if ctx.findtext("name") != context:
            continue
        for m in ctx.iter("message"):
            tr = m.find("translation")
            done = tr is not None and tr.get("type") is None and (tr.text or "").strip()
            out[m.findtext("source", "")] = tr.text if done and tr is not None else None
    return out


def table_texts() -> dict[str, set[str]]:
    refusal = {t for texts in refusals.TEXTS.values() for t in texts}
    refusal |= {refusals.UNKNOWN, refusals.COINS, refusals.INTERNAL}
    refusal |= set(refusals.TENDER_NAMES.values()) | set(refusals.GIFT_NAMES.values())
    refusal |= set(refusals.ACTION_NAMES.values())
    why = set(refusals.WHY.values()) | {refusals.WHY_NEED, refusals.WHY_LEFT}
    return {"Refusals": refusal, "CouponReason": why}


@pytest.mark.parametrize("context", ["Refusals", "CouponReason"])
def test_every_text_has_its_english_in_pos_en_ts(context: str) -> None:
    english = translations(context)
    problems = []
    for src in sorted(table_texts()[context]):
        en = english.get(src)
        if en is None:
            problems.append(f"{src!r}: no finished English in {TS.name}")
        elif fields(en) != fields(src):
            problems.append(f"{src!r}: English {en!r} has other figures")
    assert problems == [], "run packaging/i18n.py and translate (context " + context + ")"


# ------------------------------------------------------------------ through the counter

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[ ,:']+[A-Za-z]{2,}")


def app() -> QApplication:
    a = QApplication.instance()
    assert isinstance(a, QApplication)
    return a


@pytest.fixture
def store(tmp_path: Path) -> Shop:
    s = shop(tmp_path)
    c = s.counter
    red = lc.Opening(
        code="M3",
        phone="13700003333",
        registered=date(2025, 1, 1),
        tier="red",
        tier_valid_through=date(2027, 1, 31),
        growth_points=1500,
    )
    setup.import_members(c.sessions, c.program, [red], c.now, "T01", c.ids)
    return s


def manager(s: Shop) -> Authorization:
    return s.counter.authorize("mgr", "8888")


def refusal(fn: Callable[[], object]) -> PosError:
    with pytest.raises(PosError) as e:
        fn()
    return e.value


def locked_out(s: Shop) -> PosError:
    # the manager's own sign-in typos lock the account: the fifth for five minutes
    # (10:00 -> 10:05); wrong PINs typed for an authorization pause the till instead
    for _ in range(5):
        refusal(lambda: s.counter.sign_in("mgr", "0000"))
    return refusal(lambda: manager(s))


def coins_short(s: Shop) -> PosError:
    c = s.counter
    c.identify("M1")
    c.scan(RICE.code)
    return refusal(
        lambda: c.pay([TenderRequest("coins", coins=28), TenderRequest("cash", RICE.price)])
    )


def offline_over_limit(s: Shop) -> PosError:
    c = s.counter
    c.recharge("M1", Money(30000), manager(s))
    c.offline = lambda: True
    c.identify("M1")
    c.scan(RICE.code, Qty(4000))
    due = c.priced().total_due
    return refusal(lambda: c.pay([TenderRequest("stored_value", due)]))


def returned_twice(s: Shop) -> PosError:
    c = s.counter
    c.scan(SOY.code)
    sale = c.pay([TenderRequest("cash", SOY.price)])
    c.return_sale(sale.receipt_no, None, manager(s))
    return refusal(lambda: c.return_sale(sale.receipt_no, None, manager(s)))


def monthly_out_of_window(s: Shop) -> PosError:
    s.counter.identify("M3")  # 红番茄: monthly coupons, claimed on days 1-5 (today is the 7th)
    return refusal(lambda: s.counter.claim_gift("monthly"))


def wedge_drop(_: Shop) -> PosError:  # what ui/devices.py gives the window for a bad scan
    reason = framing.BAD_CHECK_DIGIT
    return InvalidInput(f"scan dropped: {reason}", code="scan_dropped", case=reason, reason=reason)


# name -> (how to get it, its code, the Chinese shown, the English shown)
COMMON: dict[str, tuple[Callable[[Shop], PosError], str, str, str]] = {
    "wrong PIN": (
        lambda s: refusal(lambda: s.counter.authorize("mgr", "0000")),
        "wrong_pin",
        "密码错误, 还可再试 4 次",
        "Wrong PIN: 4 tries left",
    ),
    "locked out": (
        locked_out,
        "staff_locked",
        "店长 多次输错密码已锁定, 10:05 后可再试",
        "店长 is locked after repeated wrong PINs: try again after 10:05",
    ),
    "coins short": (
        coins_short,
        "insufficient_coins",
        "番茄币只有 20 个可用, 不够 28 个",
        "Only 20 番茄币 available, not 28",
    ),
    "not a mobile number": (
        lambda s: refusal(lambda: s.counter.register("M9", "")),
        "invalid_phone",
        "手机号有误: “”, 请输入 11 位手机号",
        "Not a mobile number: “”. Enter the 11 digits",
    ),
    "unknown phone": (
        lambda s: refusal(lambda: s.counter.identify("13700000000")),
        "unknown_member",
        "没有手机号为 137****0000 的会员",
        "No member with phone 137****0000",
    ),
    "unknown member": (
        lambda s: refusal(lambda: s.counter.identify("M404")),
        "unknown_member",
        "没有会员 M404",
        "No member M404",
    ),
    "offline limit": (
        offline_over_limit,
        "offline_limit",
        "离线销售: 番茄币与储值今天最多还能用 ￥200.00",
        "Selling offline: 番茄币 and stored value are limited to ￥200.00 more today",
    ),
    "monthly claim window": (
        monthly_out_of_window,
        "gift_not_claimable",
        "月券礼在每月 1-5 日领取",
        "Monthly coupons are claimed on days 1-5 of the month",
    ),
    "already returned": (
        returned_twice,
        "already_returned",
        "这张小票的商品已全部退货",
        "Every line of this sale was already returned",
    ),
    "bad check digit": (
        lambda s: refusal(lambda: s.counter.scan("6901234567890")),
        "bad_check_digit",
        "条码 6901234567890 校验位错误, 请重扫",
        "Check digit wrong on 6901234567890: scan again",
    ),
    "bad scan": (
        wedge_drop,
        "scan_dropped",
        "扫码无效: 校验位错误, 请重扫",
        "Scan not valid: check digit wrong, scan again",
    ),
}


def no_english_sentence(text: str) -> bool:
    return ENGLISH_WORDS.search(text) is None


@pytest.mark.parametrize("name", list(COMMON))
def test_common_refusals_in_chinese(name: str, store: Shop, qapp: QApplication) -> None:
    make, code, zh, _ = COMMON[name]
    err = make(store)
    assert err.code == code
    text = refusal_text(err, COIN)
    assert text == zh
    assert no_english_sentence(text) and err.message not in text


@pytest.mark.parametrize("name", list(COMMON))
def test_common_refusals_in_english(name: str, store: Shop, english: QTranslator) -> None:
    make, _, _, en = COMMON[name]
    err = make(store)
    text = refusal_text(err, COIN)
    assert text == en
    for data in (COIN, "店长", "￥"):  # the program's coin name and staff names are data
        text = text.replace(data, "")
    assert not CJK.search(text)


def test_an_unknown_code_never_shows_the_english_message(qapp: QApplication) -> None:
    err = RuleViolation("something went wrong in English", code="no_such_code")
    assert refusal_text(err) == "无法办理 (no_such_code)"


def test_a_manager_refusal_names_the_action_it_knows(qapp: QApplication) -> None:
    def needs(action: str) -> RuleViolation:
        return RuleViolation("x", code="manager_required", action=action)

    assert refusal_text(needs("recharge")) == "充值需要店长授权"
    assert refusal_text(needs("return of ¥39.14")) == "此操作需要店长授权"


def test_a_refusal_the_screen_worded_itself_keeps_its_words(qapp: QApplication) -> None:
    err = InvalidInput("手机号不对: 123 (11 位, 1 开头)", code="invalid_phone")  # a form's check
    assert refusal_text(err) == "手机号不对: 123 (11 位, 1 开头)"
    assert refusal_text(InvalidInput("请填写姓名", code="required")) == "请填写姓名"


def test_a_missing_figure_shows_a_mark_not_a_crash(qapp: QApplication) -> None:
    err = RuleViolation("only 3 coins", code="insufficient_coins")  # no have/want given
    assert refusal_text(err, COIN) == "番茄币只有 ? 个可用, 不够 ? 个"


def test_params_are_read_only_and_money_is_plain() -> None:
    err = RuleViolation("x", code="payment_short", still=Money(1250))
    assert dict(err.params) == {"still": "12.50"} and err.message == "x"
    with pytest.raises(TypeError):
        err.params["still"] = "0.00"  # type: ignore[index]


# ------------------------------------------------------------------ on the window


@pytest.fixture
def win(store: Shop, open_window: OpenWindow) -> MainWindow:
    return open_window(store)


@pytest.fixture
def win_en(english: QTranslator, store: Shop, open_window: OpenWindow) -> MainWindow:
    return open_window(store)


def test_the_window_shows_refusals_in_chinese(win: MainWindow, store: Shop) -> None:
    for name in ("coins short", "offline limit", "bad scan"):
        err = COMMON[name][0](store)
        win.refused(err)
        assert win.message.text() == f"✗ {COMMON[name][2]}"
        assert no_english_sentence(win.message.text())
        if store.counter.sale is not None:
            store.counter.void()


def test_the_window_shows_refusals_in_english(win_en: MainWindow, store: Shop) -> None:
    err = COMMON["coins short"][0](store)
    win_en.refused(err)
    assert win_en.message.text() == "✗ Only 20 番茄币 available, not 28"


def test_the_tender_dialog_says_its_refusals_in_chinese(store: Shop, qapp: QApplication) -> None:
    d = TenderDialog(Money(1250), None, COIN)
    d.select("coins")  # no member identified
    assert d.error.text() == "请先识别会员"
    d.refuse(COMMON["offline limit"][0](store))
    assert d.error.text() == "离线销售: 番茄币与储值今天最多还能用 ￥200.00"


# ------------------------------------------------------------------ the coupon explanation


def test_coupon_explanation_in_chinese_and_english(store: Shop, qapp: QApplication) -> None:
    c = store.counter
    c.identify("M1")
    for _ in range(3):
        c.scan(SOY.code)  # ¥36.00: 满30减5 fits
    panel = screen(c).member
    assert panel is not None and panel.coupons_why.code == "best"
    zh = "已选最优: 满30减5×1, 共减 ￥5.00 (门槛合计 ￥30.00 ≤ 小计 ￥36.00)"
    assert coupon_text(panel.coupons_why) == zh
    tr = QTranslator()
    assert tr.load(QLocale("en"), "pos", "_", str(lang.FOLDER))
    app().installTranslator(tr)
    try:
        assert coupon_text(panel.coupons_why) == (
            "Best chosen: 满30减5×1, ￥5.00 off (thresholds together ￥30.00 ≤ subtotal ￥36.00)"
        )
    finally:
        app().removeTranslator(tr)


def test_the_member_panel_shows_the_explanation(win_en: MainWindow, store: Shop) -> None:
    c = store.counter
    c.identify("M1")
    for _ in range(3):
        c.scan(SOY.code)
    win_en.show_screen(screen(c))
    assert "Best chosen: 满30减5×1, ￥5.00 off" in win_en.member.text()
    assert "已选最优" not in win_en.member.text()


def test_coupon_explanation_names_thresholds_and_what_was_left(qapp: QApplication) -> None:
    from terminal.rules.coupons import Why

    why = Why(
        "best",
        (
            ("picked", "满30减5×2"),
            ("discount", "10.00"),
            ("left", 1),
            ("need", "60.00"),
            ("subtotal", "65.00"),
        ),
    )
    assert coupon_text(why) == (
        "已选最优: 满30减5×2, 共减 ￥10.00 (门槛合计 ￥60.00 ≤ 小计 ￥65.00); 另有 1 张本单不可叠加"
    )
    assert coupon_text(Why()) == ""
