"""HQ's schema (SQLAlchemy 2.0 rows; Alembic migrations in ``sync/hq/migrations``).

Keys:

* ``entries`` — every till's ledger rows, keyed ``(terminal_id, seq, store_id,
  month)``: the till's own order (wall clocks order nothing) plus the partition keys,
  the till's store and HQ's receive month. ``member_pos`` is the entry's place in its member's fold
  (``ix_entries_member``): HQ's balance of a member is the fold of that member's
  entries in that order, re-checkable any time (``pos-hq verify``). Entries HQ itself
  makes (opening balances from an import, expiries it derives, overdraft debts) sit in
  the same table on HQ chains named ``@hq`` and ``@<store>``, hashed and chained like a
  till's.
* ``entry_ids`` — every entry's id, chain-wide unique (its primary key), with the
  entry's ``(terminal_id, seq)``; written in the same transaction as the entry. A push
  looks ids up here (one index probe each, whatever the number of partitions).
* ``checkpoints`` — per terminal (and HQ chain): the last durably applied seq and its
  hash. A push locks its till's row, so one till's pushes apply one at a time.
* ``members`` — HQ's cached fold, updated in the same transaction as the entries it
  folds. ``changes`` — one row per changed thing with a cursor from ``counters``;
  pulls page through it.

Partitioning (PostgreSQL; ``sync.hq.db``, migration ``0003``): ``entries`` grows
without bound and is the one table partitioned: by RANGE on ``month`` (HQ's receive
month, YYYYMM, never the till's clock), each month by HASH on ``store_id`` into
``db.HASH_PARTITIONS`` tables (``entries_202611_h00`` ...), plus ``entries_default``
for a month that has no partition yet, so an insert never fails. Migrating (``pos-hq
migrate``, and every ``pos-hq serve`` start) creates the current month and the next
``db.MONTHS_AHEAD``; run ``pos-hq migrate`` monthly (cron) to stay ahead. A month
created late takes its rows out of the default partition. PostgreSQL wants the
partition keys in every unique index, hence ``store_id`` and ``month`` in the primary
key and the separate ``entry_ids`` for ids. ``(terminal_id, seq)`` stays unique because a push
only ever inserts the checkpoint's successor under the checkpoint's row lock. A
till's queries name its store too (``store_id = ...``), so PostgreSQL prunes them to
one hash partition per month. SQLite (a single shop's embedded HQ) keeps a plain
table with the same columns and keys. ``members`` and ``changes`` stay unpartitioned
(members are chain-wide: a member shops at any store); ``products`` gains a
``store_id`` when prices differ per store.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

When = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class StoreRow(Base):
    __tablename__ = "stores"
    id: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(When)
    # Set when one of its tills pushed member entries HQ refused (``sync.hq.derive``):
    # the store is to be reviewed; ``refused_entries`` holds the evidence.
    review_since: Mapped[datetime | None] = mapped_column(When, nullable=True)
    review_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")


class TerminalRow(Base):
    """A till (``kind`` till, with a token) or an HQ chain (``kind`` hq, no token).

    The token is kept as its SHA-256: tokens are 256 random bits, so the hash cannot
    be reversed or brute-forced, and a fast hash keeps every push and pull on a
    stateless replica to one indexed lookup (a slow KDF such as argon2 protects
    low-entropy secrets like PINs and would cost tens of ms per request here)."""

    __tablename__ = "terminals"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="till")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(When)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # the program version the till said it runs at its last pull, and when
    program_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    program_seen_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    # its health as the console shows it (``sync.hq.till_health``, migration 0012): its
    # last push and pull (HQ's clock), its own last seq and its clock minus HQ's as it
    # said at the latest of them (None: never said; a till older than them)
    last_push_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    last_pull_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    till_head_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    clock_skew_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class CheckpointRow(Base):
    __tablename__ = "checkpoints"
    terminal_id: Mapped[str] = mapped_column(ForeignKey("terminals.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(When)


class EntryRow(Base):
    """One ledger row (a till's or an HQ chain's); partitioned on PostgreSQL (above)."""

    __tablename__ = "entries"
    terminal_id: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)
    id: Mapped[str] = mapped_column(String(64))  # unique: entry_ids
    store_id: Mapped[str] = mapped_column(String(30))
    month: Mapped[int] = mapped_column(Integer)  # HQ's receive month, YYYYMM
    at: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    member_code: Mapped[str | None] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(128), default="")
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(When)
    member_pos: Mapped[int | None] = mapped_column(BigInteger)  # None: not folded

    __table_args__ = (
        PrimaryKeyConstraint("terminal_id", "seq", "store_id", "month"),
        Index("ix_entries_member", "member_code", "member_pos"),
        Index("ix_entries_store_month", "store_id", "month"),
        # Re-derivation's lookups (migration 0007): by ref (a return's sale, a card's
        # loads); a sale's earlier returns by the sale id in their payload (PostgreSQL).
        Index("ix_entries_kind_ref", "kind", "ref"),
        Index(
            "ix_entries_return_sale",
            "terminal_id",
            text("entry_sale_id(payload)"),
            postgresql_where=text("kind = 'return'"),
        ).ddl_if(dialect="postgresql"),
    )


class EntryIdRow(Base):
    """An entry's id, unique chain-wide, and where the entry is."""

    __tablename__ = "entry_ids"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)


class MemberRow(Base):
    """HQ's authoritative member state: the fold of the member's entries.

    ``registered``, ``last_purchase`` and ``next_due`` are derived from ``state_json``
    (``sync.hq.facts``) in the same flush that writes it, so the month-end jobs need not
    decode every member: ``next_due`` is the first day on which
    ``lifecycle.due_entries`` returns anything under the program whose key is
    ``due_key`` (None: never). ``due_key`` None means "not derived": read the state."""

    __tablename__ = "members"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    state_json: Mapped[str] = mapped_column(Text)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    folded: Mapped[int] = mapped_column(BigInteger, default=0)  # the last member_pos
    updated_at: Mapped[datetime] = mapped_column(When)
    registered: Mapped[date | None] = mapped_column(Date)
    last_purchase: Mapped[date | None] = mapped_column(Date)
    next_due: Mapped[date | None] = mapped_column(Date)
    due_key: Mapped[str | None] = mapped_column(String(16))
    # campaigns' segment filters (``sync.hq.campaigns``): derived like ``registered``
    tier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    birthday_month: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    rfm_segment: Mapped[str | None] = mapped_column(String(32), nullable=True)  # jobs.rfm's
    # the console's name search (``facts.name_key``, migration 0016): a prefix match,
    # LIKE 'x%' served by the btree (``text_pattern_ops`` whatever the collation)
    name_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("ix_members_due", "due_key", "next_due"),
        Index("ix_members_name_key", "name_key", postgresql_ops={"name_key": "text_pattern_ops"}),
    )


class ProductRow(Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    member_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(8), default="piece")
    plu: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(When)


class SettingRow(Base):
    """Chain settings: ``program`` (id) and ``program_toml`` (the file's text)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ChangeRow(Base):
    """What changed, once per thing: a later change moves the row to a later cursor."""

    __tablename__ = "changes"
    cursor: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # member | product | setting | staff
    key: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_changes_kind_key"),)


class CounterRow(Base):
    """``cursor``: the last change cursor handed out. Taken with a row lock as the last
    step of a writing transaction, so cursors are handed out in commit order and a
    pull never skips a change that commits later with a smaller cursor."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class SaleFactRow(Base):
    """One member sale as the month-end jobs count it, written with its entry (same
    transaction): the till's own sale time ``at`` (the entry's text, so ranges compare
    as they do on ``entries.at``) and ``spend_fen``, what the sale paid less coins and
    points tenders (rule book §1.5 monthly spend; RFM's monetary value, §1.6). Sales
    without a member are not kept. No foreign key to ``entries``: that table may be
    partitioned, and a fact is only ever inserted beside its entry."""

    __tablename__ = "sales"
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32))
    at: Mapped[str] = mapped_column(String(40))
    spend_fen: Mapped[int] = mapped_column(BigInteger)
    store_id: Mapped[str] = mapped_column(String(30))

    __table_args__ = (
        Index("ix_sales_at", "at"),
        Index("ix_sales_member", "member_code", "at"),
    )


class RefusedEntryRow(Base):
    """A till's pushed entry HQ refused as not derivable or forbidden (evidence): kept
    exactly as pushed, never folded, never sent to a till."""

    __tablename__ = "refused_entries"
    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(30), index=True)
    at: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    member_code: Mapped[str | None] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(128), default="")
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(When)


class TillViewRow(Base):
    """Where a member's fold stood (``members.folded``) when HQ last sent it to a till,
    and the time before: the states that till can have derived its entries from."""

    __tablename__ = "till_views"
    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    pos: Mapped[int] = mapped_column(BigInteger)
    prev_pos: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class MemberStoreRow(Base):
    """The stores whose tills pull a member (least data to each till): the store of
    every till that wrote an entry for the member or identified it (a lookup), and
    ``hq`` for members an import opened, whom every store pulls."""

    __tablename__ = "member_stores"
    member_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(30), primary_key=True)


class MemberLookupRow(Base):
    """A till's lookup of a member its store had no link to (the audit log)."""

    __tablename__ = "member_lookups"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(When)
    terminal_id: Mapped[str] = mapped_column(String(32))
    store_id: Mapped[str] = mapped_column(String(30))
    member_code: Mapped[str] = mapped_column(String(32), index=True)
    by: Mapped[str] = mapped_column(String(8))  # code | phone
    home: Mapped[str] = mapped_column(String(200), default="")  # the member's stores then


class TillAlarmRow(Base):
    """A till's report that its own store failed its check (``verify.guard``): the
    till stopped taking money; HQ keeps what it said and flags the store for review."""

    __tablename__ = "till_alarms"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(When)
    terminal_id: Mapped[str] = mapped_column(String(32), index=True)
    store_id: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(32))  # store_tampered | store_damaged
    problems: Mapped[str] = mapped_column(Text)  # the till's problem lines, one a line


class ProgramVersionRow(Base):
    """A published version of the chain's program file (``sync.hq.programs``): never
    edited, a change is the next version."""

    __tablename__ = "program_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    program_id: Mapped[str] = mapped_column(String(32))
    toml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(When)
    published_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class TillProgramRow(Base):
    """When HQ first sent a till a program version: what it may have run since."""

    __tablename__ = "till_programs"
    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    delivered_at: Mapped[datetime] = mapped_column(When)


class ConsoleUserRow(Base):
    """A person who signs in to the web console (``sync.hq.console``): argon2 password
    hash, one role, the stores a store manager is scoped to (JSON list; empty for the
    chain-wide roles), and the lockout counters."""

    __tablename__ = "console_users"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    stores: Mapped[str] = mapped_column(Text, default="[]")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(When, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(When)


class ConsoleSessionRow(Base):
    """A signed-in browser: the cookie's random token is kept as its SHA-256 (like a
    till's), with the session's CSRF token. Valid while not revoked, seen within the
    idle timeout and before ``expires_at`` (the absolute lifetime)."""

    __tablename__ = "console_sessions"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(When)
    last_seen: Mapped[datetime] = mapped_column(When)
    expires_at: Mapped[datetime] = mapped_column(When)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ConsoleActionRow(Base):
    """The console's action log: who (name and role then), when, what, on which object
    and store, the object before and after (JSON) and the reason given. Append-only."""

    __tablename__ = "console_actions"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(When, index=True)
    user_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(32))
    object_kind: Mapped[str] = mapped_column(String(16), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    store_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        Index("ix_console_actions_user", "user_name", "at"),
        Index("ix_console_actions_action", "action", "at"),
    )


class AdjustmentRow(Base):
    """An operator's correction of a member (``sync.hq.adjust``): proposed, approved
    by a second user above the limits, applied as entries on ``@hq`` (``entries_json``,
    ref ``adjust:<id>``), undone only by a reversal that ``reverses`` it."""

    __tablename__ = "adjustments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    gift_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    template: Mapped[str] = mapped_column(String(64), default="")
    coupon_id: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), index=True)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(When)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(When, nullable=True)
    reverses: Mapped[str | None] = mapped_column(String(36), nullable=True)
    batch: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    entries_json: Mapped[str] = mapped_column(Text, default="")


class CampaignRow(Base):
    """A coupon campaign as issued (``sync.hq.campaigns``): its segment, coupon and
    budget, and how many members and coupons it issued."""

    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    template: Mapped[str] = mapped_column(String(64))
    per_member: Mapped[int] = mapped_column(Integer)
    valid_days: Mapped[int] = mapped_column(Integer)
    budget_coupons: Mapped[int] = mapped_column(Integer, default=0)
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    segment_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(When)
    members: Mapped[int] = mapped_column(Integer, default=0)
    coupons: Mapped[int] = mapped_column(Integer, default=0)


class CampaignMemberRow(Base):
    """The members a campaign was issued to: resolved once, so it is reproducible."""

    __tablename__ = "campaign_members"
    campaign_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32), primary_key=True)


class CouponUseRow(Base):
    """A campaign coupon used in a sale a till pushed (written with the sale's entry)."""

    __tablename__ = "coupon_uses"
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(40), index=True)
    member_code: Mapped[str] = mapped_column(String(32))
    store_id: Mapped[str] = mapped_column(String(30))
    at: Mapped[str] = mapped_column(String(40))
    off_fen: Mapped[int] = mapped_column(BigInteger)
    spend_fen: Mapped[int] = mapped_column(BigInteger)


class RfmMoveRow(Base):
    """How many members went from one RFM segment to another on an RFM run's day
    (``jobs.rfm``; "" as ``from_segment``: not segmented before)."""

    __tablename__ = "rfm_moves"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    from_segment: Mapped[str] = mapped_column(String(32), primary_key=True)
    to_segment: Mapped[str] = mapped_column(String(32), primary_key=True)
    members: Mapped[int] = mapped_column(Integer)


class RfmStoreSegmentRow(Base):
    """How many members of each store (``member_stores``) were in each RFM segment on
    an RFM run's day (``jobs.rfm``): a store manager's RFM report. A member linked to
    several stores counts at each."""

    __tablename__ = "rfm_store_segments"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    segment: Mapped[str] = mapped_column(String(32), primary_key=True)
    members: Mapped[int] = mapped_column(Integer)


class DailyFlowRow(Base):
    """What happened on a day at a store (``sync.hq.aggregates``): receipts, amounts and
    every member movement by class; added to in the transaction that writes it."""

    __tablename__ = "daily_flows"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class MonthlyFlowRow(Base):
    """The balances' ``daily_flows`` (stored value, coins, points: ``aggregates.MONTHLY``)
    summed by month (``month``: its first day), added to with them: a roll-forward's
    opening reads whole months here, not every day of the history."""

    __tablename__ = "monthly_flows"
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class MemberTotalRow(Base):
    """The members' balances now, summed (``sync.hq.aggregates``); by the store whose
    writes moved them, so the chain's figure is the sum over stores."""

    __tablename__ = "member_totals"
    store_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class StaffRow(Base):
    """A store's cashier or manager, managed at HQ (``sync.hq.staff``) and sent to that
    store's tills with their pulls (``changes`` kind ``staff``, key ``store/id``). The
    PIN is kept only as the argon2 hash the till checks (the till's parameters); the
    lockout counters stay on each till."""

    __tablename__ = "staff"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # cashier | manager
    pin_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(When)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
