"""The tables the ledger explains, checked against the ledger rows that explain them.

The ledger's rows are chained and keyed (``terminal.store.ledger_key``); the tables the
counter reads (sales and their tenders, returns, prepaid cards, shifts, Z reports, the
receipt and recharge counters) are written in the same transactions but carry no hash
of their own, so an edit there is found only by comparing them with their ledger rows.
Each check yields problem texts; a row that cannot even be decoded is a problem too.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal import codec
from terminal.rules.checkout import SaleRecord
from terminal.store.schema import (
    DayCloseRow,
    LedgerRow,
    PrepaidCardRow,
    ReturnRow,
    SaleRow,
    Setting,
    ShiftRow,
    TenderRow,
)

RECEIPT_COUNTER = "receipt_counter"
RECHARGE_COUNTER = "recharge_counter"


# a sale row as the checks compare it with its ledger row
_SALE_COLUMNS = (
    SaleRow.id,
    SaleRow.receipt_no,
    SaleRow.terminal_id,
    SaleRow.cashier,
    SaleRow.member_code,
    SaleRow.at,
    SaleRow.total_fen,
    SaleRow.change_fen,
    SaleRow.record_json,
)


def receipt_number(receipt: object) -> int:
    """``T01-000123`` -> 123."""
    if not isinstance(receipt, str):
        raise ValueError(f"not a receipt number: {receipt!r}")
    return int(receipt.rsplit("-", 1)[-1])


def _ledger(s: Session, kind: str, order: Any = LedgerRow.seq) -> Iterator[Any]:
    q = select(LedgerRow.seq, LedgerRow.ref, LedgerRow.at, LedgerRow.payload)
    return iter(s.execute(q.where(LedgerRow.kind == kind).order_by(order)).yield_per(2000))


def _merge(
    left: Iterator[Any],
    right: Iterator[Any],
    key_l: Callable[[Any], str],
    key_r: Callable[[Any], str],
) -> Iterator[tuple[str, Any, Any]]:
    """Two streams sorted by their keys, joined: (key, left or None, right or None)."""
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        ka = key_l(a) if a is not None else None
        kb = key_r(b) if b is not None else None
        if kb is None or (ka is not None and ka < kb):
            yield ka or "", a, None
            a = next(left, None)
        elif ka is None or kb < ka:
            yield kb, None, b
            b = next(right, None)
        else:
            yield ka, a, b
            a, b = next(left, None), next(right, None)


# ----------------------------------------------------------------------------- sales


def check_sales(s: Session) -> Iterator[str]:
    """Every sale row (and its tenders) is its ``sale`` ledger row's record, and every
    ``sale`` row has its sale; the receipt counter is the last receipt's number."""
    sales = iter(s.execute(select(*_SALE_COLUMNS).order_by(SaleRow.id)).yield_per(2000))
    tenders = _tenders(s)
    for key, sale, led in _merge(sales, _ledger(s, "sale", LedgerRow.ref), _key0, _key1):
        got = tenders.take(key)
        if led is None:
            yield f"sale {key}: no ledger row records it"
        elif sale is None:
            yield f"ledger #{led.seq}: sale {key} is missing from the sales table"
        else:
            yield from (f"sale {key}: {p}" for p in _sale_differs(sale, led, got))
    yield from _counter(s, RECEIPT_COUNTER, _receipts(s), "receipt")


def _key0(row: Any) -> str:
    return str(row[0])


def _key1(row: Any) -> str:
    return str(row[1])


class _Tenders:
    """Tender rows streamed by sale id, taken sale by sale as the merge walks."""

    def __init__(self, rows: Iterator[Any]) -> None:
        self.rows, self.head = rows, next(rows, None)

    def take(self, sale_id: str) -> list[tuple[str, int, int]]:
        out = []
        while self.head is not None and str(self.head[0]) <= sale_id:
            if self.head[0] == sale_id:
                out.append((self.head[1], self.head[2], self.head[3]))
            self.head = next(self.rows, None)
        return out


def _tenders(s: Session) -> _Tenders:
    q = select(TenderRow.sale_id, TenderRow.kind, TenderRow.amount_fen, TenderRow.tendered_fen)
    return _Tenders(iter(s.execute(q.order_by(TenderRow.sale_id, TenderRow.idx)).yield_per(5000)))


def _sale_differs(sale: Any, led: Any, tenders: list[tuple[str, int, int]]) -> Iterator[str]:
    _, receipt, _terminal, cashier, member, at, total, change, record_json = sale
    payload = json.loads(led.payload)
    if json.loads(record_json) != payload["record"]:
        yield f"its record differs from ledger #{led.seq}"
        return
    rec = codec.loads(SaleRecord, record_json)
    if (receipt, cashier, at) != (payload["receipt"], payload["cashier"], led.at):
        yield f"receipt, cashier or time differs from ledger #{led.seq}"
    if member != rec.member_code:
        yield f"member differs from ledger #{led.seq}"
    if total != rec.total_due.fen or change != rec.change.fen:
        yield f"total or change differs from ledger #{led.seq}"
    if tenders != [(t.kind, t.amount.fen, t.tendered.fen) for t in rec.tenders]:
        yield f"tenders differ from ledger #{led.seq}"


def _receipts(s: Session) -> Iterator[int]:
    for row in _ledger(s, "sale"):
        yield receipt_number(json.loads(row.payload)["receipt"])


def _counter(s: Session, key: str, numbers: Iterable[int], what: str) -> Iterator[str]:
    """Numbers are handed out one by one in ledger order: 1, 2, 3 ... up to the counter
    (a gap or a lower counter: rows were deleted; a higher one: the last were)."""
    last = 0
    for n in numbers:
        if n != last + 1:
            yield f"{what} numbers jump from {last} to {n}"
        last = n
    row = s.get(Setting, key)
    held = int(row.value) if row is not None else 0
    if held != last:
        yield f"the {what} counter is {held} but the ledger's last {what} is {last}"


# ----------------------------------------------------------------------------- returns


def check_returns(s: Session) -> Iterator[str]:
    """A return's row is its ``return`` ledger row's record (returns by receipt)."""
    rows = s.execute(
        select(
            ReturnRow.id,
            ReturnRow.sale_id,
            ReturnRow.at,
            ReturnRow.refund_fen,
            ReturnRow.paid_out_fen,
            ReturnRow.record_json,
        ).order_by(ReturnRow.id)
    ).yield_per(2000)
    by_receipt = (
        r for r in _ledger(s, "return", LedgerRow.ref) if json.loads(r.payload).get("receipt")
    )
    for key, ret, led in _merge(iter(rows), by_receipt, _key0, _key1):
        if led is None:
            yield f"return {key}: no ledger row records it"
        elif ret is None:
            yield f"ledger #{led.seq}: return {key} is missing from the returns table"
        else:
            record = json.loads(led.payload)["record"]
            _, sale_id, at, refund, paid, record_json = ret
            paid_out = sum(int(r["paid_out"]) for r in record["refunds"])
            if (
                json.loads(record_json) != record
                or at != led.at
                or sale_id != record["sale_id"]
                or refund != int(record["refund"])
                or paid != paid_out
            ):
                yield f"return {key}: differs from ledger #{led.seq}"


# ----------------------------------------------------------------------------- prepaid cards


def check_cards(s: Session) -> Iterator[str]:
    """A card's row is what its ``card`` ledger rows made it: sold (its value, its sale),
    then loaded onto one member at most once."""
    sold: dict[str, tuple[int, Any, str]] = {}
    loads: dict[str, list[Any]] = {}
    for row in _ledger(s, "card"):
        p = json.loads(row.payload)
        number = str(p["number"])
        if p["event"] == "sold":
            if number in sold:
                yield f"card {number}: sold twice (ledger #{row.seq})"
            sold[number] = (row.seq, p, row.ref)
        else:
            loads.setdefault(number, []).append((row.seq, p))
    cards = s.execute(select(PrepaidCardRow).order_by(PrepaidCardRow.number)).scalars()
    seen = set()
    for card in cards:
        seen.add(card.number)
        yield from (f"card {card.number}: {p}" for p in _card_differs(card, sold, loads))
    for number in sorted(set(sold) - seen):
        yield f"card {number}: sold (ledger #{sold[number][0]}) but missing from the card table"


def _card_differs(
    card: PrepaidCardRow, sold: dict[str, Any], loads: dict[str, Any]
) -> Iterator[str]:
    if card.number not in sold:
        yield "no ledger row sold it"
        return
    seq, p, ref = sold[card.number]
    if card.value_fen != p["value"] or card.sale_id != ref:
        yield f"value or sale differs from ledger #{seq}"
    done = loads.get(card.number, [])
    if len(done) > 1:
        yield f"loaded {len(done)} times (ledger #{', #'.join(str(d[0]) for d in done)})"
    if done and (card.state, card.loaded_to) != ("loaded", done[0][1].get("member")):
        yield f"says {card.state} but ledger #{done[0][0]} loaded it"
    if not done and (card.state, card.loaded_to) != ("sold", None):
        yield f"says {card.state} but the ledger never loaded it"


# ----------------------------------------------------------------------------- shifts, Z


def check_shifts(s: Session) -> Iterator[str]:
    """A shift's row is its ``shift`` ledger rows: opened (cashier, float, first row),
    then handed over (counted cash) or still open."""
    events: dict[str, dict[str, Any]] = {}
    for row in _ledger(s, "shift"):
        p = json.loads(row.payload)
        events.setdefault(row.ref, {})[str(p["event"])] = (row.seq, row.at, p)
    for sh in s.execute(select(ShiftRow).order_by(ShiftRow.id)).scalars():
        ev = events.pop(sh.id, {})
        opened, handed = ev.get("open"), ev.get("handover")
        if opened is None:
            yield f"shift {sh.id}: no ledger row opened it"
            continue
        seq, at, p = opened
        if (sh.cashier, sh.float_fen, sh.first_seq, sh.opened_at) != (
            p["cashier"],
            p["float"],
            seq,
            at,
        ):
            yield f"shift {sh.id}: differs from its opening, ledger #{seq}"
        if handed is None:
            if sh.closed_at is not None or sh.counted_fen is not None:
                yield f"shift {sh.id}: closed, but the ledger has no handover"
        elif (sh.closed_at, sh.counted_fen) != (handed[1], handed[2]["counted"]):
            yield f"shift {sh.id}: differs from its handover, ledger #{handed[0]}"
    for sid, ev in sorted(events.items()):
        seq = min(v[0] for v in ev.values())
        yield f"ledger #{seq}: shift {sid} is missing from the shifts table"


def check_day_closes(s: Session) -> Iterator[str]:
    zs = {row.ref: row for row in _ledger(s, "day_close")}
    for dc in s.execute(select(DayCloseRow).order_by(DayCloseRow.day)).scalars():
        led = zs.pop(f"Z{dc.z_no}", None)
        if led is None:
            yield f"Z{dc.z_no} ({dc.day}): no ledger row records it"
        elif json.loads(dc.report_json) != json.loads(led.payload) or dc.closed_at != led.at:
            yield f"Z{dc.z_no} ({dc.day}): differs from ledger #{led.seq}"
    for ref, led in sorted(zs.items()):
        yield f"ledger #{led.seq}: {ref} is missing from the day closes"


def check_recharges(s: Session) -> Iterator[str]:
    numbers = (
        receipt_number(str(json.loads(r.payload)["no"]).replace("CZ", ""))
        for r in _ledger(s, "recharge")
        if json.loads(r.payload).get("no")
    )
    yield from _counter(s, RECHARGE_COUNTER, numbers, "recharge slip")


CHECKS = (check_sales, check_returns, check_cards, check_shifts, check_day_closes, check_recharges)


def check_tail_sales(s: Session, after: int) -> Iterator[str]:
    """``check_sales`` for the sales of the ledger rows after ``after`` (the start-up
    check), and the receipt counter against the last of them."""
    q = select(LedgerRow.seq, LedgerRow.ref, LedgerRow.at, LedgerRow.payload).where(
        LedgerRow.seq > after, LedgerRow.kind == "sale"
    )
    numbers = []
    for led in s.execute(q.order_by(LedgerRow.seq)):
        numbers.append(receipt_number(json.loads(led.payload)["receipt"]))
        sale = s.execute(select(*_SALE_COLUMNS).where(SaleRow.id == led.ref)).first()
        if sale is None:
            yield f"ledger #{led.seq}: sale {led.ref} is missing from the sales table"
            continue
        tq = select(TenderRow.kind, TenderRow.amount_fen, TenderRow.tendered_fen)
        tenders = s.execute(tq.where(TenderRow.sale_id == led.ref).order_by(TenderRow.idx))
        got = [(str(k), int(a), int(t)) for k, a, t in tenders]
        yield from (f"sale {led.ref}: {p}" for p in _sale_differs(sale, led, got))
    for a, b in itertools.pairwise(numbers):
        if b != a + 1:
            yield f"receipt numbers jump from {a} to {b}"
    row = s.get(Setting, RECEIPT_COUNTER)
    held = int(row.value) if row is not None else 0
    newest = s.execute(select(SaleRow.receipt_no).order_by(SaleRow.receipt_no.desc())).first()
    last = numbers[-1] if numbers else (receipt_number(newest[0]) if newest else 0)
    if held != last:
        yield f"the receipt counter is {held} but the ledger's last receipt is {last}"


def check_tail_tables(s: Session, after: int) -> Iterator[str]:
    """The start-up check's share of the small tables, by index only: every shift
    against the rows its ``first_seq``/``last_seq`` name, every card against its
    ``card`` rows (``ix_ledger_card``), and the returns of the tail's ledger rows."""
    for sh in s.execute(select(ShiftRow)).scalars():
        yield from (f"shift {sh.id}: {p}" for p in _shift_rows_differ(s, sh))
    cards = s.execute(select(PrepaidCardRow)).scalars()
    for card in cards:
        sold: dict[str, Any] = {}
        loads: dict[str, list[Any]] = {}
        for number_or_sale in (card.number, card.sale_id or ""):
            q = select(LedgerRow.seq, LedgerRow.ref, LedgerRow.payload).where(
                LedgerRow.kind == "card", LedgerRow.ref == number_or_sale
            )
            for seq, ref, payload in s.execute(q.order_by(LedgerRow.seq)):
                p = json.loads(payload)
                if p.get("number") != card.number:
                    continue
                if p["event"] == "sold":
                    sold[card.number] = (seq, p, ref)
                else:
                    loads.setdefault(card.number, []).append((seq, p))
        yield from (f"card {card.number}: {p}" for p in _card_differs(card, sold, loads))
    rq = select(LedgerRow.seq, LedgerRow.ref, LedgerRow.at, LedgerRow.payload)
    rows = s.execute(rq.where(LedgerRow.seq > after, LedgerRow.kind == "return"))
    for led in rows:
        record = json.loads(led.payload).get("record")
        if record is None:
            continue  # a return without a receipt has no returns row
        ret = s.get(ReturnRow, led.ref)
        if ret is None:
            yield f"ledger #{led.seq}: return {led.ref} is missing from the returns table"
        elif json.loads(ret.record_json) != record or ret.refund_fen != int(record["refund"]):
            yield f"return {led.ref}: differs from ledger #{led.seq}"


def _shift_rows_differ(s: Session, sh: ShiftRow) -> Iterator[str]:
    opened = s.get(LedgerRow, sh.first_seq)
    p = json.loads(opened.payload) if opened is not None and opened.kind == "shift" else {}
    if opened is None or opened.ref != sh.id or p.get("event") != "open":
        yield f"ledger #{sh.first_seq} is not its opening"
        return
    if (sh.cashier, sh.float_fen, sh.opened_at) != (p["cashier"], p["float"], opened.at):
        yield f"differs from its opening, ledger #{sh.first_seq}"
    if sh.last_seq is None:
        if sh.closed_at is not None or sh.counted_fen is not None:
            yield "closed, but the ledger has no handover"
        return
    # the handover row and its cash rows (at most two) end at last_seq
    q = select(LedgerRow).where(
        LedgerRow.seq.between(sh.last_seq - 2, sh.last_seq), LedgerRow.kind == "shift"
    )
    handed = [r for r in s.execute(q).scalars() if r.ref == sh.id]
    h = json.loads(handed[0].payload) if handed else {}
    if h.get("event") != "handover":
        yield f"no handover at ledger #{sh.last_seq}"
    elif (sh.closed_at, sh.counted_fen) != (handed[0].at, h["counted"]):
        yield f"differs from its handover, ledger #{handed[0].seq}"
