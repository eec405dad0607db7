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
"""

from __future__ import annotations

import codecs
import configparser
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from terminal.errors import InstallConfigError

ENV = "POS_TERMINAL_DATA"
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
