"""The till's HQ token: where ``pos-terminal sync`` reads it, and where it is kept.

Never on the command line (``ps`` and the shell's history show arguments to every local
user): a file only its owner can read, standard input, ``$POS_HQ_TOKEN``, or the store,
which keeps the token after a successful sync (the ``hq_token`` setting, which the
window's sync loop reads too) and is itself private (terminal/datadir.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import select

from terminal.errors import InvalidInput

TOKEN_SETTING = "hq_token"
MAX_TOKEN = 512  # HQ's tokens are 47 characters; a bigger file is not a token


def read_secret_file(path: Path) -> str:
    """The token in ``path`` (its first line), refused unless only its owner can read it."""
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            if os.name != "nt" and st.st_mode & 0o077:
                raise InvalidInput(
                    f"{path} is readable by other users (mode {stat.S_IMODE(st.st_mode):04o}): "
                    f"chmod 600 {path}",
                    code="token_file_unsafe",
                    case="shared",
                    file=str(path),
                    mode=f"{stat.S_IMODE(st.st_mode):04o}",
                )
            raw = f.read(MAX_TOKEN + 1)
    except OSError as e:
        raise InvalidInput(
            f"cannot read {path}: {e.strerror or e}",
            code="token_file_unsafe",
            case="unreadable",
            file=str(path),
        ) from None
    lines = raw.decode("utf-8", "replace").strip().splitlines()
    token = lines[0].strip() if lines else ""
    if not token or len(raw) > MAX_TOKEN:
        raise InvalidInput(
            f"{path} holds no token",
            code="token_file_unsafe",
            case="empty",
            file=str(path),
        )
    return token


def stored_token(store: Path) -> str:
    """The token the store keeps ("" when none, or no store yet: a new till)."""
    if not store.exists():
        return ""
    from terminal.store.db import open_store
    from terminal.store.schema import Setting

    sessions = open_store(store)
    try:
        with sessions() as s:
            value = s.execute(select(Setting.value).where(Setting.key == TOKEN_SETTING)).scalar()
        return value or ""
    finally:
        sessions.kw["bind"].dispose()
