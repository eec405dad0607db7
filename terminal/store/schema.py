"""Persistence shapes (typed ``Mapped[]`` rows). Domain objects live in ``terminal.rules``;
repositories convert. JSON columns hold the domain's own records (see ``terminal.codec``)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Setting(Base):
    """Terminal identity and configuration: terminal id, store, program, receipt counter."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ProductRow(Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    price_fen: Mapped[int]
    member_price_fen: Mapped[int | None]
    unit: Mapped[str] = mapped_column(String(8), default="piece")
    plu: Mapped[int | None] = mapped_column(index=True)


class MemberRow(Base):
    """Cached member state; ``pos-terminal verify`` checks it equals the ledger's fold."""

    __tablename__ = "members"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    state_json: Mapped[str] = mapped_column(Text)
    last_seq: Mapped[int] = mapped_column(default=0)  # the ledger row of its last entry
    # Bumped by every write of the cached state (an entry folded, HQ's state applied):
    # the counter reuses a member it decoded while this is unchanged.
    version: Mapped[int] = mapped_column(default=0, server_default="0")


class HqStateRow(Base):
    """The last state HQ sent for a member (rebased onto this till's entries HQ had not
    applied), and where in the ledger it took effect: ``pos-terminal verify`` folds the
    member's entries after ``at_seq`` onto it. HQ's data, so not a ledger row: the
    ledger is the outbox of this till's own facts, and echoing every pulled change back
    to HQ would multiply HQ's rows by the number of tills."""

    __tablename__ = "hq_states"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    state_json: Mapped[str] = mapped_column(Text)
    at_seq: Mapped[int]  # the ledger's head when it was applied
    through: Mapped[int]  # HQ had applied this till's rows up to here
    cursor: Mapped[int]  # the pull page it came in
    received_at: Mapped[str] = mapped_column(String(32))
    # HMAC of the row (``ledger_key.state_text``) with the till's ledger key (store
    # migration 0005): the counter sells against this state, so it is keyed like the ledger.
    mac: Mapped[str | None] = mapped_column(String(64))


class ProgramVersionRow(Base):
    """A program version HQ published (``terminal.app.programs``): the counter runs
    the one in effect on its day. ``effective_from`` is an ISO date, "" for always."""

    __tablename__ = "program_versions"
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    program_id: Mapped[str] = mapped_column(String(32))
    toml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[str] = mapped_column(String(32))


class LedgerRow(Base):
    """Append-only. Every change to points, coins, coupons, stored value, prepaid cards
    and cash is a row; ``hash`` chains each row to the one before it."""

    __tablename__ = "ledger"
    seq: Mapped[int] = mapped_column(primary_key=True)  # per terminal, gap-free
    id: Mapped[str] = mapped_column(String(36), unique=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    member_code: Mapped[str | None] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of ``hash`` with the till's key, made beside the hash (``ledger_key``).
    mac: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_ledger_member_seq", "member_code", "seq"),
        Index("ix_ledger_card", "ref", sqlite_where=text("kind = 'card'")),
    )


class SaleRow(Base):
    __tablename__ = "sales"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    cashier: Mapped[str] = mapped_column(String(32))
    member_code: Mapped[str | None] = mapped_column(String(32), index=True)
    at: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="sale")  # sale | card_sale
    total_fen: Mapped[int]
    change_fen: Mapped[int] = mapped_column(default=0)
    record_json: Mapped[str] = mapped_column(Text)


class TenderRow(Base):
    __tablename__ = "tenders"
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int]
    tendered_fen: Mapped[int]


class ReturnRow(Base):
    __tablename__ = "returns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sale_id: Mapped[str] = mapped_column(ForeignKey("sales.id"), index=True)
    at: Mapped[str] = mapped_column(String(32))
    refund_fen: Mapped[int]
    paid_out_fen: Mapped[int]
    record_json: Mapped[str] = mapped_column(Text)


class HeldSaleRow(Base):
    """A parked sale (挂单): survives a restart; moves no money, so not in the ledger."""

    __tablename__ = "held_sales"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    cashier: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)


class StaffRow(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # cashier | manager
    pin_hash: Mapped[str] = mapped_column(String(128))
    failed: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[str | None] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(default=False)  # store migration 0003
    # "local" (``pos-terminal staff``) or "hq" (pulled; changed only at HQ): migration 0007
    managed: Mapped[str] = mapped_column(String(8), default="local", server_default="local")


class PrepaidCardRow(Base):
    __tablename__ = "prepaid_cards"
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(128))
    value_fen: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))  # sold | loaded
    sale_id: Mapped[str | None] = mapped_column(String(36))
    loaded_to: Mapped[str | None] = mapped_column(String(32))
    # Wrong PINs in a row, and the lockout they earn: a 6-digit PIN must not be guessable
    # at the counter (as with staff PINs, ``terminal.app.staff``).
    failed: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[str | None] = mapped_column(String(32))


class ShiftRow(Base):
    __tablename__ = "shifts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    cashier: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[str] = mapped_column(String(32))
    float_fen: Mapped[int]
    closed_at: Mapped[str | None] = mapped_column(String(32))
    counted_fen: Mapped[int | None]
    first_seq: Mapped[int]
    last_seq: Mapped[int | None]


class DayCloseRow(Base):
    """A Z report: one per business day, never twice."""

    __tablename__ = "day_closes"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    z_no: Mapped[int] = mapped_column(unique=True)
    closed_at: Mapped[str] = mapped_column(String(32))
    report_json: Mapped[str] = mapped_column(Text)
