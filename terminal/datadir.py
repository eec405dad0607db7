"""Where this installation keeps the till's store (and its print spool, beside it).

In order, the first that is set wins:

1. ``--db FILE`` (each command's own option);
2. ``$POS_TERMINAL_DATA``: a folder;
3. ``data_dir`` in the ``[paths]`` section of ``pos-terminal.ini`` beside the frozen
   executable. The Windows installer writes it for a per-machine install
   (``C:\\ProgramData\\PosTerminal``, writable by every user of the PC); a relative path
   is taken from the ini's folder (a till on a USB stick);
4. the per-user data directory (``terminal.store.db.default_db_path``), e.g.
   ``~/.local/share/pos-terminal`` or ``%LOCALAPPDATA%\\pos-terminal``.

The ini is read only by the frozen app: a development checkout is never redirected.

The store holds staff PIN hashes, members' phones and the till's HQ token, so it is
private (``private_store``): a folder the till creates is 0700, the store file and its
WAL, shared-memory and journal files 0600, and files found otherwise are set so when the
store opens. A folder with the set-group-id bit is an installation's shared data folder
(``install.sh --data-dir --group``): its files are 0660, for the group that runs the
till. On Windows the installer's ACLs on the data folder do this (pos-terminal.iss).
"""

from __future__ import annotations

import codecs
import configparser
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from terminal.errors import InstallConfigError

ENV = "POS_TERMINAL_DATA"
SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's files beside the store
INI = "pos-terminal.ini"
STORE = "till.sqlite"


def install_ini() -> Path | None:
    """``pos-terminal.ini`` beside the frozen executable, if there is one."""
    if not getattr(sys, "frozen", False):
        return None
    ini = Path(sys.executable).resolve().with_name(INI)
    return ini if ini.is_file() else None


def ini_data_dir(ini: Path) -> Path | None:
    """The ini's ``[paths] data_dir`` (None when it names none). A file that cannot be read
    is refused rather than ignored: the till would otherwise open another store."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        raw = ini.read_bytes()
        # Windows' profile API writes ANSI, or UTF-16 to a file that has its BOM
        utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        parser.read_string(raw.decode("utf-16" if utf16 else "utf-8-sig"), str(ini))
    except (OSError, UnicodeDecodeError, configparser.Error) as e:
        raise InstallConfigError(f"{ini}: {e}", file=str(ini), error=str(e)) from None
    value = parser.get("paths", "data_dir", fallback="").strip()
    if not value:
        return None
    path = Path(os.path.expandvars(value)).expanduser()
    return path if path.is_absolute() else ini.parent / path


def data_dir(environ: Mapping[str, str] = os.environ, ini: Path | None = None) -> Path:
    """The folder the store lives in (see the module's docstring for the order)."""
    if environ.get(ENV, "").strip():
        return Path(environ[ENV].strip()).expanduser()
    ini = ini if ini is not None else install_ini()
    from_ini = ini_data_dir(ini) if ini is not None else None
    if from_ini is not None:
        return from_ini
    from terminal.store.db import default_db_path

    return default_db_path().parent


def till_db_path() -> Path:
    """The till's store when no ``--db`` is given."""
    return data_dir() / STORE


# ----------------------------------------------------------------------------- privacy


def private_store(path: Path) -> None:
    """Before SQLite opens ``path``: its folder exists (created 0700) and the files
    already there are narrowed (``narrow``). ``terminal.store.db`` narrows again as each
    connection opens, before it writes: SQLite creates a new store file 0644 (less the
    umask) and gives its WAL and shared-memory files the store file's mode."""
    if os.name == "nt":  # the data folder's ACLs decide (the installer sets them)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    _private_dirs(path.parent)
    narrow(path)


def narrow(path: Path) -> None:
    """The store and its side files get the folder's file mode (``file_mode``); a no-op
    on Windows, and on files this account does not own (their owner decides)."""
    if os.name == "nt":
        return
    mode = file_mode(path.parent)
    for p in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        try:
            st = p.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o777 != mode:
            os.chmod(p, mode)


def file_mode(folder: Path) -> int:
    """0600, or 0660 in a set-group-id folder (an installation's shared data folder)."""
    try:
        shared = bool(folder.stat().st_mode & stat.S_ISGID)
    except FileNotFoundError:
        shared = False
    return 0o660 if shared else 0o600


def _private_dirs(folder: Path) -> None:
    """Create ``folder`` and missing parents 0700 (umask cannot widen it); a folder
    that exists keeps its mode (``/tmp``, or a shared folder an installer set up)."""
    missing: list[Path] = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            continue
        # in a shared folder it stays shared with the group; mkdir's mode is umask-ed
        os.chmod(d, 0o2770 if file_mode(d.parent) == 0o660 else 0o700)
