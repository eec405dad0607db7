"""The sync protocol: the request and response types both the till and HQ speak.

One definition, imported by ``sync.client`` (the till) and ``sync.hq.app`` (HQ), so the
client is tested against the real service in-process and the OpenAPI description
is generated from the same types.

Push: a till sends its ledger rows (its outbox) in sequence order. HQ answers per
entry and returns the till's checkpoint: the last sequence number HQ has durably
applied, and its hash. Everything after the checkpoint is resent on the next push;
an entry HQ already holds answers ``duplicate``, so a lost response, a retry or a
duplicate batch changes nothing.

Pull: a till asks for what changed after its cursor (members with HQ's authoritative
state, products, the program) and gets pages with a new cursor. ``through`` is the
pulling till's own checkpoint in the same snapshot: HQ's member states include that
till's entries up to it, so the till re-applies only its later entries on top.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

MAX_BATCH = 1000
MAX_PAGE = 2000
MAX_BODY = 8 * 1024 * 1024  # bytes HQ reads of a request body (a push of MAX_BATCH sales)
BIGINT = 2**63 - 1  # every integer HQ stores is a PostgreSQL BIGINT
Hash = Annotated[str, StringConstraints(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")]
Seq = Annotated[int, Field(ge=0, le=BIGINT)]
PHONE = r"^1[0-9]{10}$"  # a mainland mobile number, as the counter takes it

# In a payload (JSON text) the escapes that decode to what PostgreSQL's text refuses: NUL
# and a surrogate without its pair. Tills never write them (their JSON keeps text as is).
_BAD_ESCAPE = re.compile(
    r"\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _storable(value: str) -> str:
    """Text PostgreSQL can hold: no NUL, nothing that is not UTF-8 (a lone surrogate)."""
    if "\x00" in value:
        raise ValueError("NUL is not allowed in text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (a lone surrogate)") from None
    return value


def _storable_json(value: str) -> str:
    if _BAD_ESCAPE.search(_storable(value)):
        raise ValueError("the payload escapes a NUL or a lone surrogate")
    return value


Text = Annotated[str, AfterValidator(_storable)]
JsonText = Annotated[str, AfterValidator(_storable_json)]


class Entry(BaseModel):
    """One ledger row, exactly as the till hashed it (``terminal.store.ledger.row_hash``)."""

    seq: int = Field(ge=1, le=BIGINT)
    id: Text = Field(min_length=1, max_length=64)
    terminal_id: Text = Field(min_length=1, max_length=32)
    at: Text = Field(max_length=40)
    kind: Text = Field(min_length=1, max_length=32)
    member_code: Text | None = Field(default=None, max_length=32)
    ref: Text = Field(default="", max_length=128)
    payload: JsonText = Field(max_length=1_000_000)
    prev_hash: Hash
    hash: Hash

    @classmethod
    def of_row(cls, row: Any) -> Entry:
        """From a ledger row (the till's or HQ's): the same ten columns either side."""
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


class PushBatch(BaseModel):
    terminal_id: Text = Field(min_length=1, max_length=32)
    entries: list[Entry] = Field(max_length=MAX_BATCH)
    # The till's last ledger row when it sent the batch (0: not said). A batch that
    # reaches it holds all the rows of the last thing the till did: HQ judges them now
    # rather than deferring them as ``incomplete`` (``sync.hq.derive``).
    head: int = Field(default=0, ge=0, le=2**63 - 1)
    # The till's clock when it sent the batch, as it dates its entries (naive: the
    # chain's zone). HQ keeps its difference from its own (the console's clock skew);
    # a till older than it sends none.
    clock: datetime | None = None


EntryStatus = Literal["applied", "duplicate", "rejected", "deferred"]
"""``applied``: durably applied now. ``duplicate``: HQ already holds this very entry.
``rejected``: HQ will never apply it as sent (409 semantics: a sequence number or id
already taken by different content, a broken chain or hash, an unreadable payload);
the till needs an operator. ``deferred``: not looked at because an earlier entry of
the batch stopped it (a gap or a rejection); resend from the checkpoint."""

RejectCode = Literal[
    "",
    "conflict",
    "gap",
    "broken_chain",
    "bad_hash",
    "bad_payload",
    "not_derivable",  # member entries that are not what HQ's rules give for the record
    "forbidden_kind",  # member entries no till may make alone (openings, debts, blocks)
    "incomplete",  # deferred: the batch ends inside a sale/return/recharge; send more
    "bad_time",  # ``at`` outside the till's clock-skew window of HQ's receive time
]


class EntryResult(BaseModel):
    seq: int
    id: str
    status: EntryStatus
    code: RejectCode = ""
    reason: str = ""


class Checkpoint(BaseModel):
    """The last entry of a till that HQ has durably applied (seq 0: none yet)."""

    terminal_id: str
    store_id: str
    seq: int
    hash: str


class PushResult(BaseModel):
    results: list[EntryResult]
    checkpoint: Checkpoint


class Pull(BaseModel):
    cursor: Seq = 0
    limit: int = Field(default=500, ge=1, le=MAX_PAGE)
    # the program version the till runs now (0: none pulled yet; the console shows it)
    program_version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    # the till's last ledger row and its clock (as ``PushBatch``'s): the console's
    # entries waiting and clock skew (None: a till older than them)
    head: Seq | None = None
    clock: datetime | None = None
    # the store's whole staff list, whatever the cursor: a till that has never had it
    # (new, or upgraded past staff changes it could not read then) asks until it has
    staff_all: bool = False


MAX_LOOKUP = 10  # members a lookup answers (a phone shared by a family)


class Lookup(BaseModel):
    """A member identified at the counter: by card code or by phone (one of them)."""

    code: Text | None = Field(default=None, min_length=1, max_length=32)
    phone: str | None = Field(default=None, pattern=PHONE)


class MemberDelta(BaseModel):
    code: str
    state: dict[str, Any]  # terminal.codec.encode(MemberState), its phone masked
    blocked: bool = False
    phone_key: str = ""  # terminal.phone_keys.key of the full phone, for phone lookups


class ProductDelta(BaseModel):
    code: str
    name: str
    category: str
    price_fen: int
    member_price_fen: int | None = None
    unit: str = "piece"
    plu: int | None = None


class ProgramDelta(BaseModel):
    """A published program version (``sync.hq.programs``); version 0 is an HQ's
    program from before versions, in effect always."""

    id: str
    toml: str
    version: int = 0
    effective_from: date | None = None  # the chain's day it takes effect (None: always)


class StaffDelta(BaseModel):
    """A staff member of the pulling till's store, as HQ manages them (``sync.hq.staff``):
    the PIN only as its argon2 hash, made with the till's parameters."""

    id: str
    name: str
    role: str = Field(pattern="^(cashier|manager)$")
    pin_hash: str
    disabled: bool = False


# Chain settings HQ's jobs compute and tills take on pull (``sync.hq.jobs.rfm``); the
# till's member panel reads them (``terminal.app.screen.thresholds``).
SHARED_SETTINGS = ("rfm_frequency", "rfm_monetary_fen")


class PullResult(BaseModel):
    cursor: int
    more: bool
    through: int  # the pulling till's checkpoint that the member states include
    members: list[MemberDelta] = []
    products: list[ProductDelta] = []
    program: ProgramDelta | None = None  # the version in effect (a till before versions)
    programs: list[ProgramDelta] = []  # the version in effect and every later one
    settings: dict[str, str] = {}  # changed SHARED_SETTINGS
    blocked: list[str] = []  # codes of the page's members whose cards are blocked
    phone_secret: str = ""  # the chain's secret the members' phone keys are made with
    staff: list[StaffDelta] = []  # the till's store's staff changed after the cursor
    staff_all: bool = False  # ``staff`` is the whole list (answering ``Pull.staff_all``)


class LookupResult(BaseModel):
    through: int  # as ``PullResult.through``: the till's checkpoint the states include
    members: list[MemberDelta] = []
    phone_secret: str = ""  # as ``PullResult.phone_secret``


class WhoAmI(BaseModel):
    terminal_id: str
    store_id: str


class EntriesPage(BaseModel):
    """A till's own entries as HQ holds them (to restore a till that lost its disk)."""

    entries: list[Entry]
    more: bool


class ErrorBody(BaseModel):
    error: str
    message: str


MAX_ALARM_BODY = 16 * 1024  # bytes HQ reads of an alarm: its problem lines, never more
MAX_PROBLEMS = 20


class Alarm(BaseModel):
    """A till's own store failed its check (``terminal.app.verify.guard``): the till
    stopped taking money and tells HQ why, instead of pushing."""

    code: Literal["store_tampered", "store_damaged"] = "store_tampered"
    problems: list[Annotated[Text, Field(min_length=1, max_length=500)]] = Field(
        min_length=1, max_length=MAX_PROBLEMS
    )


class AlarmResult(BaseModel):
    recorded: bool
    store_id: str
    review_since: str  # ISO time the store has been flagged since (this alarm or earlier)
