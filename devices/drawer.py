"""The cash drawer, driven by the receipt printer's drawer kick-out connector.

``kick(transport)`` sends ``ESC p 0 0x19 0xFA`` (pin 2, 50 ms on, 500 ms off) on its
own. A cash sale's receipt already starts with that kick (``receipt_bytes`` adds it
when a cash tender was taken), so the drawer opens as its receipt prints;
``Drawer.for_sale`` kicks separately only when no receipt goes to the printer.

Opening the drawer without a sale (``open_drawer``) needs a manager: the audited
"auth" + "drawer" ledger rows are written first (``Shifts.open_drawer``, which
refuses with ``manager_required`` / ``reason_required`` before anything is recorded
or sent), then the drawer is kicked.

A kick is never queued: a drawer that pops open minutes later, when a printer comes
back, is worse than one that does not open now. On a two-way printer the kick is
only sent when the printer reports itself ready (an offline printer would hold it
in its buffer and open the drawer later); on a one-way one it is sent and hoped for.
The result says whether it went out; the ledger row stands either way (it records
the manager's authorization to open).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from devices.printer.render import KICK
from devices.printer.transports import PrinterError, Transport
from terminal.printing.layout import SaleLike, takes_cash

if TYPE_CHECKING:
    from terminal.app.shifts import Shifts
    from terminal.app.staff import Authorization

log = logging.getLogger("devices.drawer")

LOCK_TIMEOUT_S = 10.0  # a receipt being printed holds the printer this long at most


def kick(transport: Transport, *, check_status: bool = True) -> bool:
    """Pulse the drawer now; True when the kick was sent. Waits for a receipt being
    printed on the same transport to finish first (never splits one)."""
    if not transport.lock.acquire(timeout=LOCK_TIMEOUT_S):
        log.warning("drawer: printer busy, kick not sent")
        return False
    try:
        transport.open()
        if check_status:
            status = transport.read_status()
            if status is not None and status.fault is not None:
                log.warning("drawer: printer %s, kick not sent", status.fault)
                return False
        transport.write(KICK)
    except PrinterError as e:
        log.warning("drawer: kick failed: %s", e)
        transport.abort()
        return False
    finally:
        if transport.is_open and not transport.keep_open:
            transport.close()
        transport.lock.release()
    return True


class Drawer:
    """The drawer on one printer's transport (shared with the print queue)."""

    def __init__(self, transport: Transport, *, check_status: bool = True) -> None:
        self.transport = transport
        self.check_status = check_status

    def kick(self) -> bool:
        return kick(self.transport, check_status=self.check_status)

    def for_sale(self, sale: SaleLike, *, receipt_printed: bool = True) -> bool:
        """After a committed sale: open for a cash tender. When its receipt is printed
        the receipt carries the kick, so nothing is sent here (False); without a
        receipt ("no receipt" sales) the drawer is kicked on its own."""
        if not takes_cash(sale) or receipt_printed:
            return False
        return self.kick()

    def open(self, shifts: Shifts, manager: Authorization | None, reason: str) -> bool:
        return open_drawer(shifts, self.transport, manager, reason, check_status=self.check_status)


def open_drawer(
    shifts: Shifts,
    transport: Transport,
    manager: Authorization | None,
    reason: str,
    *,
    check_status: bool = True,
) -> bool:
    """A manager's "open drawer" (no sale): audited ledger rows first, then the kick.

    Raises ``RuleViolation("manager_required")`` without a manager and
    ``InvalidInput("reason_required")`` without a reason; then nothing is recorded or
    sent. Returns whether the kick went out.
    """
    shifts.open_drawer(manager, reason)
    return kick(transport, check_status=check_status)


__all__ = ["Drawer", "kick", "open_drawer"]
