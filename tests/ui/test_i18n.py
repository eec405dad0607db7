"""The till in Simplified Chinese by default and in English with ui/i18n/pos_en.qm; the
translation complete (nothing unfinished, obsolete or missing) and compiled."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pytestqt.qtbot import QtBot

from terminal.app.screen import MemberPanel, screen
from terminal.money import Money
from terminal.printing.layout import StoreInfo
from ui import lang
from ui.app import translator, wanted_language
from ui.customer import CustomerDisplay
from ui.dialogs import PinDialog, TenderDialog
from ui.hq_link import SyncStatus
from ui.main_window import MainWindow
from ui.qt import QApplication, QFormLayout, QLabel, Qt, QTranslator

from ..app.store import TOMATO, Shop, shop
from .conftest import OpenWindow

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "ui" / "i18n" / "pos_en.ts"
QM = TS.with_suffix(".qm")


def tools() -> ModuleType:
    """packaging/i18n.py (the script that updates and checks the translation)."""
    spec = importlib.util.spec_from_file_location("i18n_tools", ROOT / "packaging" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app() -> QApplication:
    a = QApplication.instance()
    assert isinstance(a, QApplication)
    return a


@pytest.fixture
def counter_shop(tmp_path: Path) -> Shop:
    return shop(tmp_path)


@pytest.fixture
def win(counter_shop: Shop, open_window: OpenWindow) -> MainWindow:
    return open_window(counter_shop)


@pytest.fixture
def win_en(english: QTranslator, counter_shop: Shop, open_window: OpenWindow) -> MainWindow:
    return open_window(counter_shop)


def member(s: Shop) -> MemberPanel:
    s.counter.identify("M1")
    panel = screen(s.counter).member
    assert panel is not None
    return panel


def key_labels(w: MainWindow) -> dict[str, str]:
    return {k: b.text().split("\n", 1)[1] for k, b in w.buttons.items()}


def form_labels(d: PinDialog) -> list[str]:
    lay = d.layout()
    assert isinstance(lay, QFormLayout)
    out = []
    for field in (d.manager, d.pin):
        label = lay.labelForField(field)
        assert isinstance(label, QLabel)
        out.append(label.text())
    return out


# ------------------------------------------------------------------ the screens


def test_without_a_translator_the_till_speaks_chinese(win: MainWindow, counter_shop: Shop) -> None:
    assert lang.language() == "zh_CN" and not lang.english()
    keys = key_labels(win)
    assert keys["F1"] == "店长" and keys["F8"] == "收款" and keys["Esc"] == "作废"
    assert keys["F4"] == "挂单/取单" and keys["F12"] == "交班"
    assert win.buttons["F1"].text() == "F1\n店长"
    assert win.windowTitle() == "欢乐番茄 · 五一路店 · 收银台 T01"
    assert win.input.placeholderText().startswith("扫码")
    assert win.model.headerData(1, Qt.Orientation.Horizontal) == "商品"
    d = TenderDialog(Money(1250), member(counter_shop), "番茄币")
    assert d.windowTitle() == "收款"
    assert [b.text() for b in d.buttons.values()] == [
        "F1 现金",
        "F2 银行卡",
        "F3 移动支付",
        "F4 储值",
        "F5 番茄币",
    ]
    assert d.left.text() == "还差 ￥12.50"
    pin = PinDialog("开钱箱: 核对现金", win.worker, counter_shop.counter.authorize, manager="mgr")
    assert pin.windowTitle() == "店长授权" and form_labels(pin) == ["店长 *", "密码 *"]


def test_with_the_english_translator_the_till_speaks_english(
    win_en: MainWindow, counter_shop: Shop
) -> None:
    win = win_en
    assert lang.language() == "en" and lang.english()
    keys = key_labels(win)
    assert keys["F1"] == "Store manager" and keys["F8"] == "Tender" and keys["Esc"] == "Void"
    assert keys["F2"] == "Member" and keys["F9"] == "Recharge" and keys["F10"] == "Return"
    assert keys["F4"] == "Hold/Recall" and keys["F12"] == "Shift handover"
    assert win.windowTitle() == "欢乐番茄 · 五一路店 · Till T01"  # the store's name is data
    assert "Cashier" in win.header.text()
    assert win.input.placeholderText().startswith("Scan")
    assert "Price override" in win.buttons["F1"].toolTip()
    assert win.model.headerData(3, Qt.Orientation.Horizontal) == "Unit price"
    d = TenderDialog(Money(1250), member(counter_shop), "番茄币")
    assert d.windowTitle() == "Tender"
    assert [b.text() for b in d.buttons.values()] == [
        "F1 Cash",
        "F2 Bank card",
        "F3 Mobile pay",
        "F4 Stored value",
        "F5 番茄币",  # the program's own name for its coins
    ]
    assert d.left.text() == "Still due ￥12.50"
    pin = PinDialog("Open cash drawer: Check the cash", win.worker, counter_shop.counter.authorize)
    assert pin.windowTitle() == "Store manager's PIN"
    assert form_labels(pin) == ["Store manager *", "PIN *"]


def test_english_status_member_panel_and_messages(
    win_en: MainWindow, counter_shop: Shop, qtbot: QtBot
) -> None:
    win = win_en
    win.set_device_status("打印机", "paper_out")
    assert win.banner.text().startswith("⚠ Printer paper out · receipts are kept")
    win.set_device_status("总部", "offline")
    assert "Selling offline" in win.banner.text() and "￥200.00" in win.banner.text()
    win.set_device_status("扫码枪2", "connected")
    assert "Scanner 2 ● connected" in win.status.text()
    win.handle_code("M1")
    qtbot.waitUntil(lambda: win.worker.busy == 0, timeout=5000)
    assert win.message.text() == "Member M1 identified"
    html = win.member.text()
    assert "Member 138****5678" in html and "Stored value" in html and "1 coupon<" in html
    win.handle_code(TOMATO.code)
    qtbot.waitUntil(lambda: win.worker.busy == 0 and win.model.rowCount() == 1, timeout=5000)
    assert win.model.cell(win.current.lines[0], 3).endswith("member price")  # type: ignore[union-attr]


def test_chinese_member_panel_is_unchanged(win: MainWindow, qtbot: QtBot) -> None:
    win.handle_code("M1")
    qtbot.waitUntil(lambda: win.worker.busy == 0, timeout=5000)
    assert win.message.text() == "会员 M1 已识别"
    html = win.member.text()
    assert "会员 138****5678" in html and "优惠券 1 张" in html and "储值 <b>￥100.00</b>" in html


def test_customer_display_and_hq_status_in_english(english: QTranslator) -> None:
    d = CustomerDisplay(StoreInfo("欢乐番茄", "T01", "张丽"), "番茄币")
    assert d.welcome.text() == "Welcome to 欢乐番茄"
    d.close()
    assert SyncStatus("offline", 3, None).text() == "HQ ○ offline · 3 waiting to sync"
    assert SyncStatus("standalone", 0, None).text() == "HQ not connected (standalone)"


# ------------------------------------------------------------------ choosing the language


def test_translator_finds_the_english_file_and_chinese_needs_none() -> None:
    a = app()
    before = set(a.findChildren(QTranslator))
    try:
        assert translator(a, "zh_CN") is None
        for code in ("en", "en_US", "en-GB"):
            tr = translator(a, code)
            assert tr is not None and tr.language() == "en", code
            a.removeTranslator(tr)
        assert translator(a, "fr") is None  # no French: the till stays in Chinese
        assert lang.language() == "zh_CN"
    finally:
        for tr in set(a.findChildren(QTranslator)) - before:  # Qt's own (qtbase) ones too
            a.removeTranslator(tr)
            tr.deleteLater()


def test_lang_option_before_the_language_setting() -> None:
    assert wanted_language("en", {}) == "en"
    assert wanted_language("zh_CN", {}) == "zh_CN"
    assert wanted_language("zh_CN", {"language": "en"}) == "zh_CN"  # given: it wins
    assert wanted_language(None, {"language": "en"}) == "en"  # not given: the setting
    assert wanted_language("en", {"language": "zh_CN"}) == "en"
    assert wanted_language(None, {}) == "zh_CN"


# ------------------------------------------------------------------ the translation files


def test_ts_is_complete_and_has_nothing_obsolete() -> None:
    t = tools()
    assert t.problems(TS) == []
    found = t.messages(TS)
    assert len(found) > 150
    text = TS.read_text(encoding="utf-8")
    assert 'type="unfinished"' not in text and 'type="obsolete"' not in text
    assert 'type="vanished"' not in text and 'sourcelanguage="zh_CN"' in text


def test_every_translation_keeps_its_placeholders() -> None:
    """``.format(...)`` fields and Qt's %n survive translation (else English would raise)."""

    def fields(s: str) -> list[str]:
        return sorted(re.findall(r"\{\w*\}|%n", s))

    for (ctx, src, _), m in tools().messages(TS).items():
        tr = m.find("translation")
        assert tr is not None
        forms = [f.text or "" for f in tr.iter("numerusform")] or [tr.text or ""]
        for form in forms:
            assert fields(form) == fields(src), (ctx, src, form)


def test_every_ui_string_is_in_the_ts_and_the_qm_is_compiled_from_it(tmp_path: Path) -> None:
    if not Path(sys.executable).with_name("pyside6-lupdate").exists() and not shutil.which(
        "pyside6-lupdate"
    ):
        pytest.skip("pyside6-lupdate not installed")
    assert tools().check() == []
    qm = tmp_path / "pos_en.qm"
    lrelease = tools().tool("lrelease")
    subprocess.run([lrelease, "-silent", str(TS), "-qm", str(qm)], check=True)
    assert qm.read_bytes() == QM.read_bytes(), "run: python packaging/i18n.py"
