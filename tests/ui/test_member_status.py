"""The member's status on the member panel where the program shows it (organic, issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from terminal.app.screen import member_panel
from ui.main_window import MainWindow

from ..app.store import shop
from .test_devices_screen import make_window


def panel_html(win: MainWindow, code: str) -> str:
    c = win.counter
    return win.member_html(member_panel(c, c.member_state(code)))


@pytest.mark.parametrize(("program", "shown"), [("organic", "会员状态: 注册"), ("tomato", None)])
def test_the_panel_shows_the_status_where_the_program_says_so(
    tmp_path: Path, qtbot: QtBot, program: str, shown: str | None
) -> None:
    win = make_window(shop(tmp_path, program), None, None)
    qtbot.addWidget(win)
    # M1 opens with stored value but has bought and recharged nothing: registered
    html = panel_html(win, "M1")
    if shown:
        assert shown in html
    else:
        assert "会员状态" not in html
    win.worker.shutdown()
