"""HQ reads its program file through the same bounded parser as the till: a file that
nests too deeply is a clear program error, never a RecursionError in a push."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from sync.hq import db
from sync.hq import service as svc
from sync.hq.models import SettingRow
from terminal.errors import ProgramFileError


def test_a_deeply_nested_program_at_hq_is_a_program_error(engine: Engine) -> None:
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    with db.sessions(engine)() as s, s.begin():
        s.merge(SettingRow(key="program", value="broken"))
        s.merge(SettingRow(key="program_toml", value=deep))
    with db.sessions(engine)() as s, pytest.raises(ProgramFileError, match="nests deeper"):
        svc.hq_program(s)
