"""Where the till keeps its store (terminal/datadir.py): ``$POS_TERMINAL_DATA``, then the
installation's ``pos-terminal.ini`` (the Windows per-machine install writes one), then
the per-user data directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from terminal import datadir
from terminal.errors import InstallConfigError
from terminal.store.db import default_db_path
from ui.cli import main


def ini(folder: Path, text: str) -> Path:
    path = folder / datadir.INI
    path.write_text(text, encoding="utf-8")
    return path


def test_per_user_directory_by_default() -> None:
    assert datadir.data_dir({}, None) == default_db_path().parent


def test_the_ini_names_the_per_machine_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ProgramData" / "PosTerminal"
    assert datadir.data_dir({}, ini(tmp_path, f"[paths]\ndata_dir={folder}\n")) == folder


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_the_ini_as_windows_writes_it(tmp_path: Path, encoding: str) -> None:
    """Inno Setup's [INI] section: Windows line ends, and a BOM on a Unicode file."""
    path, folder = tmp_path / datadir.INI, tmp_path / "收银数据"
    path.write_bytes(f"[paths]\r\ndata_dir={folder}\r\n".encode(encoding))
    assert datadir.data_dir({}, path) == folder


def test_a_relative_folder_is_beside_the_ini(tmp_path: Path) -> None:
    assert datadir.data_dir({}, ini(tmp_path, "[paths]\ndata_dir = data\n")) == tmp_path / "data"


def test_the_environment_wins_over_the_ini(tmp_path: Path) -> None:
    path = ini(tmp_path, "[paths]\ndata_dir = /srv/till\n")
    assert datadir.data_dir({datadir.ENV: "/mnt/usb/till"}, path) == Path("/mnt/usb/till")


def test_an_ini_without_a_folder_leaves_the_per_user_one(tmp_path: Path) -> None:
    path = ini(tmp_path, "[paths]\n# data_dir = D:\\Till\n")
    assert datadir.data_dir({}, path) == default_db_path().parent


def test_a_broken_ini_is_refused_not_ignored(tmp_path: Path) -> None:
    path = ini(tmp_path, "data_dir = no section\n")
    with pytest.raises(InstallConfigError, match=datadir.INI):
        datadir.data_dir({}, path)


def test_only_the_frozen_app_reads_an_ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini(tmp_path, "[paths]\ndata_dir = /srv/till\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "pos-terminal"))
    assert datadir.install_ini() is None  # a checkout's python is never redirected
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert datadir.install_ini() == tmp_path / datadir.INI


def test_commands_use_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(datadir.ENV, str(tmp_path))
    assert datadir.till_db_path() == tmp_path / "till.sqlite"
    assert main(["verify"]) == 2  # no store there yet, and it says where it looked
    assert str(tmp_path / "till.sqlite") in capsys.readouterr().err


def test_cli_reports_a_broken_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ini(tmp_path, "not an ini\n")
    monkeypatch.delenv(datadir.ENV, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "pos-terminal"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert main(["verify"]) == 2
    assert "pos-terminal.ini" in capsys.readouterr().err
