"""The till's language: Simplified Chinese in the source, English from ``ui/i18n``.

Every text on the screen is written in Chinese in the code (the cashier's words,
shared/spec/counter-glossary.md) and marked for Qt's translation tools: ``self.tr``
in widgets, ``QCoreApplication.translate`` in plain functions, ``QT_TRANSLATE_NOOP``
for tables of labels (translated where they are shown). With no translator the
screen is Chinese; ``pos_en.qm`` (compiled from ``ui/i18n/pos_en.ts``) makes it
English. ``python packaging/i18n.py`` brings the .ts up to date and compiles it.

What the store and the program name (products, tiers, coins, segments) is data: it is
shown as it comes. The counter's refusals are worded here, by code (ui/refusals.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ui.qt import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

FOLDER = Path(__file__).with_name("i18n")
SOURCE = "zh_CN"  # the language the code is written in


def is_source(lang: str) -> bool:
    return lang.replace("-", "_").lower().startswith("zh")


def install(app: QCoreApplication, lang: str) -> QTranslator | None:
    """The translator for ``lang`` installed on ``app`` (None for Chinese, the source
    language, or a language the till has no translation for). Qt's own texts (a text
    field's context menu) follow in the same language where Qt ships them."""
    lang = (lang or SOURCE).strip().replace("-", "_")
    tr = None
    if not is_source(lang):
        tr = QTranslator(app)
        if not tr.load(QLocale(lang), "pos", "_", str(FOLDER)):
            log.warning("no translation for %r in %s: the till stays in Chinese", lang, FOLDER)
            return None
        app.installTranslator(tr)
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(QLocale(lang), "qtbase", "_", qt_dir):
        app.installTranslator(qt)
    return tr


def language() -> str:
    """The language the screen is in: "en" under the English translation, else "zh_CN".
    (The marker's own translation: pos_en.ts translates it as "en".)"""
    #: Translate as the language's code: "en" for English. The till reads it back.
    return QCoreApplication.translate("Language", "zh_CN")


def english() -> bool:
    return not is_source(language())
