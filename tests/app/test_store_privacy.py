"""Secrets at rest: the store (PIN hashes, phones, the HQ token) is private to the till's
account, and ``pos-terminal sync`` never takes the token on its command line."""

from __future__ import annotations

import io
import os
import socket
import stat
from pathlib import Path

import pytest

from devices.printer.queue import Spool, spool_path
from terminal import datadir
from terminal.app import setup
from terminal.secrets import stored_token
from terminal.store.db import open_store
from terminal.store.ledger_key import key_path
from ui.cli import main

posix = pytest.mark.skipif(os.name == "nt", reason="POSIX modes (Windows: the installer's ACLs)")


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def store_with_wal(path: Path, expected: int = 0o600) -> None:
    sessions = open_store(path)
    setup.configure(sessions, terminal_id="S1-T01")
    with sessions() as s:  # a reader keeps the WAL and shared memory in place
        s.connection()
        assert path.with_name(path.name + "-wal").exists()
        for side in ("-wal", "-shm"):
            assert mode(path.with_name(path.name + side)) == expected, side
    sessions.kw["bind"].dispose()


@posix
def test_a_new_store_and_its_folders_are_private_whatever_the_umask(tmp_path: Path) -> None:
    before = mode(tmp_path)
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "pos" / "till.sqlite"
        store_with_wal(path)
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == before  # a folder that existed keeps its mode


@posix
def test_an_existing_world_readable_store_is_narrowed_when_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite"
    open_store(path).kw["bind"].dispose()
    for p in (path, path.with_name(path.name + "-wal")):
        if p.exists():
            os.chmod(p, 0o644)
    os.chmod(path, 0o666)
    store_with_wal(path)
    assert mode(path) == 0o600


@posix
def test_a_set_group_id_folder_is_shared_with_its_group(tmp_path: Path) -> None:
    """``install.sh --group``: the data folder 2770, the store 0660 for the till's group."""
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    path = folder / "till.sqlite"
    old = os.umask(0o007)  # the till's service sets it so: the group keeps read and write
    try:
        store_with_wal(path, 0o660)
    finally:
        os.umask(old)
    assert mode(path) == 0o660
    assert mode(key_path(path)) == 0o660  # the group's other accounts check the ledger too
    assert datadir.file_mode(tmp_path) == 0o600


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sync(db: Path, *extra: str) -> int:
    return main(["sync", "--db", str(db), "--hq", f"http://127.0.0.1:{closed_port()}", *extra])


def test_sync_refuses_a_token_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    assert sync(db, "--token", "hqt_secret") == 2
    err = capsys.readouterr().err
    assert "--token is refused" in err and "--token-file" in err and "hqt_secret" not in err
    assert not db.exists()


@posix
def test_a_token_file_others_can_read_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "token"
    file.write_text("hqt_secret\n")
    os.chmod(file, 0o640)
    assert sync(tmp_path / "till.sqlite", "--token-file", str(file)) == 2
    assert "readable by other users (mode 0640)" in capsys.readouterr().err


def test_without_any_token_sync_says_where_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POS_HQ_TOKEN", raising=False)
    assert sync(tmp_path / "till.sqlite") == 2
    assert "--token-file PATH, --token-stdin or $POS_HQ_TOKEN" in capsys.readouterr().err


def test_a_token_hq_never_took_is_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite"
    monkeypatch.setattr("sys.stdin", io.StringIO("hqt_from_stdin\n"))
    assert sync(db, "--token-stdin") == 1  # HQ unreachable
    assert "sync failed" in capsys.readouterr().err
    assert stored_token(db) == ""


def test_the_stores_token_is_used_when_none_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POS_HQ_TOKEN", raising=False)
    db = tmp_path / "till.sqlite"
    sessions = open_store(db)
    setup.configure(sessions, hq_token="hqt_kept")
    sessions.kw["bind"].dispose()
    seen: list[tuple[str, bool]] = []

    def fake_round(path: Path, url: str, token: str, *, save_token: bool) -> int:
        seen.append((token, save_token))
        return 0

    monkeypatch.setattr("sync.client.sync_command", fake_round)
    assert sync(db) == 0
    monkeypatch.setenv("POS_HQ_TOKEN", "hqt_env")
    assert sync(db) == 0
    assert seen == [("hqt_kept", False), ("hqt_env", True)]


def spool_with_wal(path: Path, expected: int) -> None:
    """A spool holding a receipt, its WAL and shared memory kept by an open reader."""
    spool = Spool(path)
    assert spool.add("R0001", b"receipt: member 13800138000") is not None
    with spool._connection() as db:
        db.execute("SELECT count(*) FROM jobs").fetchone()
        for side in ("", "-wal", "-shm"):
            assert mode(path.with_name(path.name + side)) == expected, side


@posix
def test_the_print_spool_is_as_private_as_the_store(tmp_path: Path) -> None:
    """Receipts name members, with their phones and amounts: the spool beside the store
    gets the store's mode, whatever the umask, in a folder the till creates."""
    path = spool_path(tmp_path / "data" / "till.sqlite")
    old = os.umask(0o022)
    try:
        spool_with_wal(path, 0o600)
    finally:
        os.umask(old)
    assert mode(path.parent) == 0o700


@posix
def test_a_world_readable_spool_is_narrowed_when_it_opens(tmp_path: Path) -> None:
    path = spool_path(tmp_path / "till.sqlite")
    Spool(path)
    os.chmod(path, 0o644)
    spool_with_wal(path, 0o600)


@posix
def test_a_spool_in_a_set_group_id_folder_is_shared_with_its_group(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    old = os.umask(0o022)  # even a umask that takes the group's write bit
    try:
        spool_with_wal(spool_path(folder / "till.sqlite"), 0o660)
    finally:
        os.umask(old)
