"""What every store-backed service shares: sessions, the clock, ids, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from terminal.app.ids import IdSource
from terminal.clock import Clock
from terminal.store.db import write_session
from terminal.store.ledger import Ledger


class StoreService:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, ids: IdSource, terminal_id: str
    ) -> None:
        self.sessions, self.clock, self.ids, self.terminal_id = sessions, clock, ids, terminal_id

    @contextmanager
    def _tx(self) -> Iterator[tuple[Session, Ledger]]:
        """One transaction and the ledger appended inside it: all of it or none of it."""
        with write_session(self.sessions) as s:
            yield s, Ledger(s, self.terminal_id, self.ids.entry_id)

    @property
    def now(self) -> datetime:
        return self.clock.now()
