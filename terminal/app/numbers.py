"""A till's short document numbers: what a cashier reads out and a manager files.

Shifts, returns and recharges are keyed by UUIDs; their slips print ``T01-BC000003``
(班次), ``T01-TH000007`` (退货) and ``T01-CZ000012`` (充值) instead. Each series is
counted per till in a ``Setting`` row, in the transaction that writes the document, and
the number is written into that document's ledger row: generated once, it travels with
the row (to HQ, to a reprint) and is never recomputed. Rows written before there were
numbers print their id (``number_or_id``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from terminal.store.schema import Setting


@dataclass(frozen=True, slots=True)
class Series:
    counter: str  # the settings key holding this till's last number
    code: str  # the two letters after the till's id


SHIFT = Series("shift_counter", "BC")  # 班次
RETURN = Series("return_counter", "TH")  # 退货
RECHARGE = Series("recharge_counter", "CZ")  # 充值


def next_number(s: Session, terminal_id: str, series: Series) -> str:
    """This till's next number of ``series``, counted in the caller's transaction (a
    rolled-back document gives its number back)."""
    row = s.get(Setting, series.counter)
    n = int(row.value) + 1 if row is not None else 1
    s.merge(Setting(key=series.counter, value=str(n)))
    return f"{terminal_id}-{series.code}{n:06d}"


def number_or_id(no: object, id_: str) -> str:
    """A document's printed number; an old row without one prints its id whole (a
    UUID's first characters are its time, the same for weeks of rows)."""
    return str(no) if no else id_
