"""The console's settings, from ``pos-hq serve``'s environment (``POS_HQ_CONSOLE_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from terminal.errors import InvalidInput

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    idle: timedelta = timedelta(minutes=30)  # a session unused this long is over
    lifetime: timedelta = timedelta(hours=12)  # and any session after this, used or not
    max_failures: int = 5  # failed sign-ins in a row before the user is locked out
    lockout: timedelta = timedelta(minutes=15)
    secure: str = "auto"  # the cookie's Secure flag: "auto" (when the request is https), on, off
    min_password: int = 10
    page_size: int = 30
    silent: timedelta = timedelta(minutes=30)  # a till unheard this long is flagged

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ConsoleSettings:
        d = cls()

        def num(name: str, default: int, var: str = "") -> int:
            var = var or f"POS_HQ_CONSOLE_{name}"
            text = env.get(var, str(default)).strip()
            if not (text.isascii() and text.isdigit()) or int(text) < 1:
                raise InvalidInput(f"{var}={text!r}: a whole number above 0", code="bad_setting")
            return int(text)

        return cls(
            idle=timedelta(minutes=num("IDLE_MIN", int(d.idle.total_seconds() // 60))),
            lifetime=timedelta(hours=num("LIFETIME_H", int(d.lifetime.total_seconds() // 3600))),
            max_failures=num("MAX_FAILURES", d.max_failures),
            lockout=timedelta(minutes=num("LOCKOUT_MIN", int(d.lockout.total_seconds() // 60))),
            secure=env.get("POS_HQ_CONSOLE_SECURE", d.secure),
            min_password=num("MIN_PASSWORD", d.min_password),
            silent=timedelta(minutes=num("", d.silent // MINUTE, "POS_HQ_SILENT_MIN")),
        )

    def secure_cookie(self, scheme: str) -> bool:
        return self.secure == "on" or (self.secure == "auto" and scheme == "https")
