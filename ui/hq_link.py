"""The till's link to HQ, for the window: the background sync loop and what the status
bar says about it (connection, entries waiting to sync, time of the last sync).

A till with no HQ configured is standalone, not offline: no offline limits apply
(rule book §7). Settings: ``hq_url`` and ``hq_token`` (or $POS_HQ_URL / $POS_HQ_TOKEN).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from terminal.app.verify import store_path
from terminal.store.ledger import refused
from terminal.store.schema import LedgerRow, Setting
from ui.qt import QCoreApplication

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    state: str  # "standalone" | "online" | "offline"
    waiting: int  # ledger rows HQ has not acknowledged yet
    last_sync: datetime | None
    tampered: bool = False  # the store failed a check since start-up: no more money

    def text(self) -> str:
        """The status bar's words for it, in the till's language (ui/i18n)."""
        translate = QCoreApplication.translate
        if self.state == "standalone":
            return translate("SyncStatus", "总部 未连接 (单店模式)")
        light = "●" if self.state == "online" else "○"
        online = self.state == "online"
        word = translate("SyncStatus", "在线") if online else translate("SyncStatus", "离线")
        last = ""
        if self.last_sync is not None:
            synced = translate("SyncStatus", "上次同步 {time}")
            last = " · " + synced.format(time=f"{self.last_sync:%H:%M}")
        line = translate("SyncStatus", "总部 {light} {state} · 待同步 {waiting}")
        return line.format(light=light, state=word, waiting=self.waiting) + last


class HqLink:
    """Starts the sync loop when HQ is configured; ``status()`` is cheap (one query)."""

    def __init__(self, sessions: sessionmaker[Session], settings: dict[str, str]) -> None:
        self.sessions = sessions
        self.loop = None
        self.last_sync: datetime | None = None
        url = settings.get("hq_url") or os.environ.get("POS_HQ_URL", "")
        token = settings.get("hq_token") or os.environ.get("POS_HQ_TOKEN", "")
        if url and token:
            from sync.client import Backoff, HqClient, SyncLoop

            hq = HqClient.connect(url, token, timeout=10.0, backoff=Backoff(attempts=1))
            self.loop = SyncLoop(sessions, hq, interval=30.0, on_round=self._round)

    def _round(self, report: object, error: Exception | None) -> None:
        if error is None:
            self.last_sync = datetime.now().replace(microsecond=0)

    @property
    def configured(self) -> bool:
        return self.loop is not None

    def offline(self) -> bool:
        """The counter's offline flag: only a till with an HQ can be offline."""
        return self.loop is not None and not self.loop.online

    def look_up(self, *, code: str | None = None, phone: str | None = None) -> list[str]:
        """The counter's ``MemberLookup``: HQ's lookup for a member the till does not hold;
        [] (a local miss) when HQ is not set up, unreachable or refuses the question."""
        if self.loop is None:
            return []
        from sync.client import SyncError, look_up

        try:
            return look_up(self.sessions, self.loop.hq, code=code, phone=phone)
        except (SyncError, ValueError) as e:  # ValueError: a phone HQ would not take
            log.warning("member lookup at HQ failed: %s", e)
            return []

    def start(self) -> None:
        if self.loop is not None:
            self.loop.start()

    def wake(self) -> None:
        if self.loop is not None:
            self.loop.wake()

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.stop()

    def waiting(self) -> int:
        with self.sessions() as s:
            head = s.execute(select(func.max(LedgerRow.seq))).scalar() or 0
            row = s.get(Setting, "hq_checkpoint")
        return max(0, int(head) - int(row.value if row else 0))

    def status(self) -> SyncStatus:
        broken = refused(store_path(self.sessions)) is not None  # guard or a refused write
        if self.loop is None:
            return SyncStatus("standalone", 0, None, broken)
        state = "online" if self.loop.online else "offline"
        return SyncStatus(state, self.waiting(), self.last_sync, broken)
