"""The tables the ledger explains, rebuilt from its rows: a till restored from HQ's copy
of its ledger (``sync.till.restore``) gets back its sales and tenders, returns, prepaid
cards, shifts, Z reports and document counters as its own writes left them, so its store
checks (``terminal.app.store_checks``) pass and it can reprint and return its old sales.

Rows come page by page, oldest first, each page in the restore's transaction: a page
continues what the pages before it rebuilt (a shift opened on one page is handed over on
a later one). What the ledger never recorded cannot come back: a prepaid card's PIN hash
(a card sold but not yet loaded then refuses every PIN, as a wrong one) and its
wrong-PIN count; parked sales (``held_sales``) move no money and are not in the ledger at all.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from terminal import codec
from terminal.app.numbers import RECHARGE, RETURN, SHIFT, Series
from terminal.app.staff import hash_secret
from terminal.app.store_checks import RECEIPT_COUNTER, receipt_number
from terminal.rules.checkout import SaleRecord
from terminal.store.ledger import canonical
from terminal.store.schema import (
    DayCloseRow,
    PrepaidCardRow,
    ReturnRow,
    SaleRow,
    Setting,
    ShiftRow,
    TenderRow,
)

HANDOVER_CASH = ("handover", "over_short")  # the cash rows a handover writes after its own


class Row(Protocol):
    """A ledger row as the restore has it (``LedgerRow`` or HQ's ``sync.protocol.Entry``)."""

    @property
    def seq(self) -> int: ...
    @property
    def terminal_id(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def ref(self) -> str: ...
    @property
    def payload(self) -> str: ...


@dataclass
class Rebuilt:
    """A page's sales, tenders and counters, gathered to be written in bulk."""

    sales: list[dict[str, Any]] = field(default_factory=list)
    tenders: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    lost_pin: str | None = None  # a hash of a random secret, made once a page needs it


def rebuild(s: Session, rows: Iterable[Row]) -> None:
    """Write the derived rows of ``rows`` (the ledger's next rows, in seq order) in the
    caller's transaction. Sales and tenders go in bulk, in ledger order (the newest sale
    is the table's last row, as ``ReturnsDesk.sold`` reads it); the few rows that
    later rows change (shifts, cards) go through the session."""
    out = Rebuilt()
    for row in rows:
        handler = _HANDLERS.get(row.kind)
        if handler is not None:  # member, audit, void... rows explain no table here
            handler(s, out, row, json.loads(row.payload))
    _flush_sales(s, out)
    for key, n in out.counters.items():
        s.merge(Setting(key=key, value=str(n)))
    s.flush()


def _sale(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    # the sale path wrote codec.dumps(record) into the row's payload: canonical JSON
    record_json = canonical(p["record"])
    rec = codec.loads(SaleRecord, record_json)
    out.sales.append(
        {
            "id": row.ref,
            "receipt_no": p["receipt"],
            "terminal_id": row.terminal_id,
            "cashier": p["cashier"],
            "member_code": rec.member_code,
            "at": row.at,
            "kind": "sale",
            "total_fen": rec.total_due.fen,
            "change_fen": rec.change.fen,
            "record_json": record_json,
        }
    )
    out.tenders.extend(
        {
            "sale_id": row.ref,
            "idx": i,
            "kind": t.kind,
            "amount_fen": t.amount.fen,
            "tendered_fen": t.tendered.fen,
        }
        for i, t in enumerate(rec.tenders)
    )
    out.counters[RECEIPT_COUNTER] = receipt_number(p["receipt"])


def _return(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    _count(out, RETURN, p.get("no"))
    record = p.get("record")
    if not p.get("receipt") or record is None:
        return  # a return without a receipt has no returns row
    _flush_sales(s, out)  # its sale may be on this page: the foreign key wants it first
    s.add(
        ReturnRow(
            id=row.ref,
            sale_id=record["sale_id"],
            at=row.at,
            refund_fen=int(record["refund"]),
            paid_out_fen=sum(int(r["paid_out"]) for r in record["refunds"]),
            record_json=canonical(record),
        )
    )


def _card(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    number = str(p["number"])
    if p["event"] == "sold":
        if out.lost_pin is None:
            out.lost_pin = _unknowable_hash()
        s.add(
            PrepaidCardRow(
                number=number,
                pin_hash=out.lost_pin,
                value_fen=int(p["value"]),
                state="sold",
                sale_id=row.ref,
                loaded_to=None,
                failed=0,
                locked_until=None,
            )
        )
        s.flush()  # its load may follow on this page
    elif p["event"] == "loaded":
        card = s.get(PrepaidCardRow, number)
        if card is not None:  # the till loads only cards it sold (``MoneyDesk.load_card``)
            card.state, card.loaded_to = "loaded", p.get("member")


def _shift(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    if p["event"] == "open":
        _count(out, SHIFT, p.get("no"))
        s.add(
            ShiftRow(
                id=row.ref,
                cashier=p["cashier"],
                opened_at=row.at,
                float_fen=int(p["float"]),
                closed_at=None,
                counted_fen=None,
                first_seq=row.seq,
                last_seq=None,
            )
        )
        s.flush()
    elif p["event"] == "handover":
        # a handover of a shift no row opened has nothing to close: ``verify`` says so
        sh = s.get(ShiftRow, row.ref)
        if sh is not None:
            sh.closed_at, sh.counted_fen, sh.last_seq = row.at, int(p["counted"]), row.seq


def _cash(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    """A handover's cash rows follow it in its transaction; its shift's ``last_seq`` is
    the last of them (``Shifts.handover``)."""
    if p.get("reason") not in HANDOVER_CASH:
        return
    sh = s.get(ShiftRow, row.ref)
    if sh is not None and sh.last_seq == row.seq - 1:
        sh.last_seq = row.seq


def _day_close(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    # Shifts.z_report stored codec.dumps(report); its ledger payload is the same JSON
    s.add(
        DayCloseRow(
            day=str(p["day"]),
            z_no=int(row.ref.removeprefix("Z")),
            closed_at=row.at,
            report_json=canonical(p),
        )
    )


def _recharge(s: Session, out: Rebuilt, row: Row, p: dict[str, Any]) -> None:
    _count(out, RECHARGE, p.get("no"))


_HANDLERS = {
    "sale": _sale,
    "return": _return,
    "card": _card,
    "shift": _shift,
    "cash": _cash,
    "day_close": _day_close,
    "recharge": _recharge,
}


def _count(out: Rebuilt, series: Series, no: object) -> None:
    """``T01-TH000007`` -> the series' counter at 7 (rows from before there were
    numbers carry none and leave the counter as it was)."""
    if not no:
        return
    tail = str(no).rsplit("-", 1)[-1]
    if not tail.startswith(series.code):
        raise ValueError(f"not a {series.code} number: {no!r}")
    out.counters[series.counter] = int(tail[len(series.code) :])


def _flush_sales(s: Session, out: Rebuilt) -> None:
    if out.sales:
        s.execute(insert(SaleRow), out.sales)
        out.sales.clear()
    if out.tenders:
        s.execute(insert(TenderRow), out.tenders)
        out.tenders.clear()


def _unknowable_hash() -> str:
    """A PIN hash no PIN matches: the card's real hash never left the till, so its PIN
    is refused like a wrong one (``staff.check_card_pin``) rather than taken blind."""
    return hash_secret(secrets.token_hex(32))
