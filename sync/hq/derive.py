"""HQ re-derives, tills propose: a till's member entries are accepted only when they are
exactly what the rules give for the record they belong to.

A till writes each thing it does to a member as one run of member entries with one
``ref``, beside the ledger row that records it (``terminal.app``):

=================  ====================  =============================================
ref                record row            re-derived with
=================  ====================  =============================================
<sale id>          ``sale`` (after)      ``checkout.member_effects`` on the record's
                                         lines, coupons and tenders
<return id>        ``return`` (after)    ``returns.settle_return`` on the sale it names
<return id>        ``return`` (before,   one stored-value credit, at most the product's
                   no receipt)           shelf price at HQ
``recharge:<r>``   ``recharge`` (after)  ``lifecycle.recharge_entries`` on its amount
``card:<number>``  ``card`` (before)     ``lifecycle.load_card`` on the value
                                         the till sold that card for, loaded once
``register``       (none)                ``lifecycle.register`` (a member HQ lacks)
``gift:<kind>``    (none)                ``lifecycle.claim_gift``
``sv_refund``      (none)                ``lifecycle.sv_refund_entries``
``expiry``         (none)                not judged: HQ keeps these but never folds
                                         them, it derives expiries itself
=================  ====================  =============================================

Anything else (openings, blocks, debts, a year's clearing, a tier set by "hq", a run
with no record) is refused: ``forbidden_kind`` for kinds no till may make alone,
``not_derivable`` for the rest.

**The member's state as the till saw it.** A till derives from HQ's state as last
pulled plus its own entries since (``sync.till.rebase``), then the expiries due that
day. HQ tries, in order, states it can vouch for: (1) its own fold just before the
run with the day's expiries (the same whenever no other till served the member since
this one's last pull); (2) for each of the last two fold positions HQ sent this till
the member at (``till_views``, written on pull): the fold of the member's entries up
to that position plus this till's own later entries, with the day's expiries. Two
tills spending the same balance offline both derive from (2); the overdraft that
follows at HQ becomes a debt (``lifecycle.overdraft_to_debt``). A forger gets only
what the rules give for a state HQ itself sent.

A member sale row must follow its run (every member sale writes ``Purchased``): one
alone would count as spend for HQ's monthly bonuses and RFM (``orphan_sale``).

A batch can end inside a run or between a run and its record (a till on a poor line
pushes small batches): unless the till says the batch ends at its last row
(``PushBatch.head`` reached), such a run is answered ``deferred`` with ``incomplete`` and
the client sends more at once. Forbidden kinds and out-of-bound values are refused
even there.

The program is one of the chain's versions the till may have run on the run's day
(``sync.hq.programs``: the one in effect, or the one in effect among those HQ had sent
it by then); a till running any other rules has its member entries refused. Amounts
and counts are bounded before any rule runs (``MAX_FEN`` and the others below). Not
re-derived: a sale's prices (a till may override a price or weigh goods; lines must
sum and tenders must pay them) and the
cash a till says it took for a recharge or a prepaid card (finance reconciles those
with the shift's counted cash: both rows carry their tender and shift).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, case, func, inspect, literal_column, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync import protocol as p
from sync.hq.models import EntryRow, ProductRow, RefusedEntryRow, StoreRow, TillViewRow
from terminal import codec
from terminal.errors import NotFound, PosError
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import checkout as co
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import tenders as tn
from terminal.rules.checkout import SaleRecord
from terminal.rules.program import Program
from terminal.rules.returns import ReturnRecord, settle_return

EXPIRY_REF = "expiry"
MAX_FEN = 10**9  # ten million yuan: no single sale, return or recharge is larger
MAX_QTY_MILLI = 10**7  # 10,000 pieces or kg on one line
MAX_LINES = 500
MAX_TENDERS = 20
MAX_RUN = 400  # member entries one record may make (coupon gifts included)
CARD_TENDERS = ("cash", "card", "mobile")
# Entries no till makes in any run it judges: HQ's own (blocks, year-end clearing,
# spend roll-off) or an import's.
_HQ_ONLY = (m.Blocked, m.CoinsYearCleared, m.SpendRolledOff)
_HQ_TIER_REASONS = ("opening", "hq", "reassessed", "expiry")
_NAMES_MEMBER = re.compile(r'"member_code"\s*:\s*"')  # as ``facts.sale_fact`` reads it


class Mismatch(Exception):
    """The rules do not give these entries for this candidate state."""


@dataclass(frozen=True)
class Verdict:
    code: p.RejectCode  # "not_derivable", "forbidden_kind" or "incomplete" (deferred)
    reason: str


@dataclass
class Run:
    """A till's consecutive member entries for one member and one ref."""

    start: int  # index of its first entry in the batch's accepted entries
    end: int  # one past its last
    code: str
    ref: str
    at: str
    entries: list[m.MemberEntry]


def runs(accepted: Sequence[tuple[p.Entry, m.MemberEntry | None]]) -> dict[int, Run]:
    """The batch's member runs to judge, by their first index (expiry runs are not)."""
    out: dict[int, Run] = {}
    cur: Run | None = None
    for i, (e, d) in enumerate(accepted):
        if d is None or not e.member_code or e.ref == EXPIRY_REF:
            cur = None
            continue
        if cur is not None and cur.end == i and (cur.code, cur.ref) == (e.member_code, e.ref):
            cur.entries.append(d)
            cur.end = i + 1
            continue
        cur = Run(i, i + 1, e.member_code, e.ref, e.at, [d])
        out[i] = cur
    return out


def _day(at: str) -> date:
    return datetime.fromisoformat(at).date()


def _ids(proposed: Iterable[m.MemberEntry]) -> Callable[[], str]:
    """The till's coupon ids, in the order it granted them: ids are the till's to
    choose (they travel); what they are granted for is the rules'."""
    ids = iter([e.coupon.id for e in proposed if isinstance(e, m.CouponGranted)])
    spare = itertools.count()
    return lambda: next(ids, None) or f"\x00not-proposed-{next(spare)}"


def _bounded(fen: int, what: str) -> None:
    if not 0 <= fen <= MAX_FEN:
        raise Mismatch(f"{what} {fen} fen is out of bounds")


# ----------------------------------------------------------------------------- history


def _return_of(payload: str, sale_id: str) -> ReturnRecord | None:
    """A return row's record when it returns ``sale_id``; None otherwise (another
    sale's, a return without receipt, a payload that is no JSON object)."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    rec = data.get("record") if isinstance(data, dict) else None
    if not isinstance(rec, dict) or rec.get("sale_id") != sale_id:
        return None
    decoded: ReturnRecord = codec.decode(ReturnRecord, rec)
    return decoded


class History:
    """A till's earlier rows: this batch first, then what HQ holds of its chain."""

    def __init__(self, s: Session, terminal_id: str, store_id: str, batch: Sequence[p.Entry]):
        self.s, self.tid, self.store = s, terminal_id, store_id
        self.batch = batch

    def rows(self, kind: str, *, ref: str | None = None, like: str = "") -> list[tuple[int, str]]:
        """(seq, payload) of this till's ``kind`` rows, oldest first."""
        q = select(EntryRow.seq, EntryRow.payload).where(
            EntryRow.terminal_id == self.tid,
            EntryRow.store_id == self.store,
            EntryRow.kind == kind,
        )
        if ref is not None:
            q = q.where(EntryRow.ref == ref)
        if like:
            q = q.where(EntryRow.payload.contains(like, autoescape=True))
        held = [(int(a), str(b)) for a, b in self.s.execute(q)]
        seen = {seq for seq, _ in held}
        held += [
            (e.seq, e.payload)
            for e in self.batch
            if e.kind == kind
            and (ref is None or e.ref == ref)
            and like in e.payload
            and e.seq not in seen
        ]
        return sorted(held)

    def returns_of(self, sale_id: str) -> list[tuple[int, str, ReturnRecord]]:
        """(seq, payload, record) of this till's returns of ``sale_id``, oldest first.

        A return row's ref is its own id; the sale's id is in its payload. PostgreSQL
        finds them by ``ix_entries_return_sale`` (migration 0007), with the rows whose
        payload it cannot read (NULL: none a till writes) so none Python reads is
        missed; SQLite scans the payloads. The records are then read here."""
        held = [(int(a), str(b)) for a, b in self.s.execute(self.returns_query(sale_id))]
        seen = {seq for seq, _ in held}
        held += [(e.seq, e.payload) for e in self.batch if e.kind == "return" and e.seq not in seen]
        found = [(seq, t, _return_of(t, sale_id)) for seq, t in sorted(held)]
        return [(seq, t, rec) for seq, t, rec in found if rec is not None]

    def returns_query(self, sale_id: str) -> Select[int, str]:
        q = select(EntryRow.seq, EntryRow.payload).where(
            EntryRow.terminal_id == self.tid,
            EntryRow.store_id == self.store,
            EntryRow.kind == literal_column("'return'"),  # not a parameter: the index's WHERE
        )
        if self.s.get_bind().dialect.name != "postgresql":
            return q.where(EntryRow.payload.contains(json.dumps(sale_id), autoescape=True))
        key = func.entry_sale_id(EntryRow.payload)
        return q.where(or_(key == sale_id, key.is_(None)))

    def loads_of(self, number: str) -> int:
        """``card`` rows that loaded ``number``, at any till of the chain (a card is
        loaded once), this batch's included."""
        q = select(EntryRow.payload).where(EntryRow.kind == "card", EntryRow.ref == number)
        held = list(self.s.execute(q).scalars())
        held += [e.payload for e in self.batch if e.kind == "card" and e.ref == number]
        return sum(1 for t in held if json.loads(t).get("event") == "loaded")

    def price_of(self, product: str) -> Money | None:
        row = self.s.get(ProductRow, product)
        return Money(row.price_fen) if row is not None else None


# ----------------------------------------------------------------------------- judging


Derive = Callable[[m.MemberState], list[m.MemberEntry]]


class Judge:
    """Judges one push's member runs (``service._apply`` calls ``judge`` at each)."""

    def __init__(
        self,
        history: History,
        accepted: Sequence[tuple[p.Entry, m.MemberEntry | None]],
        at_head: bool = False,
    ) -> None:
        self.h, self.accepted = history, accepted
        self.at_head = at_head  # the batch ends at the till's last row: nothing follows

    def judge(
        self,
        run: Run,
        programs: Sequence[Program],
        views: Callable[[Program | None], Iterator[m.MemberState]],
    ) -> Verdict | None:
        """None when, under one of the program versions the till may have run
        (``sync.hq.programs``), one candidate view gives exactly ``run.entries``."""
        last = "no state of the member gives them"
        tried: Sequence[Program | None] = programs or [None]  # None: _plan says why
        for program in tried:
            try:
                derive = self._plan(run, program)
            except Mismatch as err:
                last = str(err)
                continue
            if isinstance(derive, Verdict):
                return derive  # forbidden or incomplete under any version
            for view in views(program):
                try:
                    got = derive(view)
                except (
                    Mismatch,
                    PosError,
                    ValueError,
                    TypeError,
                    KeyError,
                    ArithmeticError,
                ) as err:
                    last = str(err) or type(err).__name__
                    continue
                if got == run.entries:
                    return None
                last = "the rules give different entries"
        return Verdict("not_derivable", f"{run.ref or 'no ref'} for {run.code}: {last}")

    def _next(self, run: Run) -> p.Entry | None:
        return self.accepted[run.end][0] if run.end < len(self.accepted) else None

    def _plan(self, run: Run, program: Program | None) -> Derive | Verdict:
        forbidden = _forbidden(run)
        if forbidden:
            return Verdict("forbidden_kind", forbidden)
        if len(run.entries) > MAX_RUN:
            raise Mismatch(f"{len(run.entries)} entries for one record")
        _check_magnitudes(run.entries)
        if run.end == len(self.accepted) and not self.at_head:
            # the batch may end inside the run or before its record: a till's rows for
            # one thing are written together and go up in order, so the rest comes next
            return Verdict("incomplete", "the batch ends before this run's record")
        if program is None:
            raise Mismatch("HQ holds no program to derive member entries with")
        ref, day = run.ref, _day(run.at)

        def ids() -> Callable[[], str]:  # a fresh id source per candidate
            return _ids(run.entries)

        if ref == "register":
            return self._register(run, program, day)
        if ref.startswith("gift:"):
            kind = ref.removeprefix("gift:")
            return lambda v: lc.claim_gift(v, program, kind, day, ids())
        if ref == "sv_refund":
            first = run.entries[0]
            if not isinstance(first, m.StoredValueChanged):
                raise Mismatch("a stored-value refund is one stored-value change")
            rid = first.reason.removeprefix("sv_refund:")
            return lambda v: lc.sv_refund_entries(v, rid)[0]
        if ref.startswith("card:"):
            return self._card(run, ref.removeprefix("card:"), program)
        nxt = self._next(run)
        if nxt is None:
            raise Mismatch(f"no record follows the run {ref!r} at the till's last row")
        if ref.startswith("recharge:") and nxt.kind == "recharge":
            return self._recharge(run, nxt, program, day, ids)
        if nxt.kind == "sale" and nxt.ref == ref:
            return self._sale(run, nxt, program, ids)
        if nxt.kind == "return" and nxt.ref == ref:
            return self._return(run, nxt, program)
        return self._credit(run)

    # ------------------------------------------------------------------ kinds

    def _register(self, run: Run, program: Program, day: date) -> Derive:
        first = run.entries[0]
        if not isinstance(first, m.Registered) or first.code != run.code or first.on != day:
            raise Mismatch("a registration starts with the member's Registered, dated today")

        def derive(v: m.MemberState) -> list[m.MemberEntry]:
            if v.registered is not None:
                raise Mismatch(f"member {run.code} is already registered")
            return lc.register(
                program,
                first.code,
                first.phone,
                first.on,
                _ids(run.entries),
                birthday=first.birthday,
                group=first.group,
                name=first.name,
            )

        return derive

    def _card(self, run: Run, number: str, program: Program) -> Derive:
        sold = [
            json.loads(t)
            for _, t in self.h.rows("card", like=json.dumps(number))
            if json.loads(t).get("number") == number and json.loads(t).get("event") == "sold"
        ]
        if len(sold) != 1:
            raise Mismatch(f"card {number} was not sold at this till")
        value = int(sold[0]["value"])
        _bounded(value, "card value")
        if self.h.loads_of(number) != 1:
            raise Mismatch(f"card {number} is loaded more than once, or without its row")
        day = _day(run.at)
        return lambda v: lc.load_card(program, v, Money(value), day, number, _ids(run.entries))

    def _recharge(
        self,
        run: Run,
        rec: p.Entry,
        program: Program,
        day: date,
        ids: Callable[[], Callable[[], str]],
    ) -> Derive:
        ref = run.ref.removeprefix("recharge:")
        data = json.loads(rec.payload)
        amount = int(data["amount"])
        _bounded(amount, "recharge")
        if rec.ref != ref or data.get("member") != run.code:
            raise Mismatch("the recharge row names another recharge or member")
        if data.get("tender", "cash") not in CARD_TENDERS:
            raise Mismatch("a recharge is paid in cash, card or mobile pay")

        def derive(v: m.MemberState) -> list[m.MemberEntry]:
            out, gift = lc.recharge_entries(program, v, Money(amount), day, ref, ids())
            if (gift.gift_value.fen, gift.coins) != (data.get("gift", 0), data.get("coins", 0)):
                raise Mismatch("the recharge row's gift is not the program's")
            return out

        return derive

    def _sale(
        self, run: Run, row: p.Entry, program: Program, ids: Callable[[], Callable[[], str]]
    ) -> Derive:
        rec = codec.decode(SaleRecord, json.loads(row.payload)["record"])
        if rec.sale_id != run.ref or rec.member_code != run.code or rec.day != _day(run.at):
            raise Mismatch("the sale record names another sale, member or day")
        _check_sale(rec)
        requests = [_request(t) for t in rec.tenders]

        def derive(v: m.MemberState) -> list[m.MemberEntry]:
            tendering = tn.apply_tenders(rec.total_due, requests, program, v, rec.day)
            if tendering.tenders != rec.tenders or tendering.change != rec.change:
                raise Mismatch("the tenders are not what the member's balances give")
            for cid, off in rec.coupons:
                c = v.coupon(cid)
                if c is None or c.state != "unused" or not ZERO <= off <= c.off:
                    raise Mismatch(f"coupon {cid} is not the member's to use")
            return list(
                co.member_effects(
                    program,
                    v,
                    rec.lines,
                    rec.coupons,
                    tendering,
                    rec.total_due,
                    rec.day,
                    rec.sale_id,
                    ids(),
                ).entries
            )

        return derive

    def _return(self, run: Run, row: p.Entry, program: Program) -> Derive:
        rec = codec.decode(ReturnRecord, json.loads(row.payload)["record"])
        if rec.return_id != run.ref or rec.day != _day(run.at):
            raise Mismatch("the return record names another return or day")
        sales = self.h.rows("sale", ref=rec.sale_id)
        if len(sales) != 1:
            raise Mismatch(f"sale {rec.sale_id} is not this till's")
        sale = codec.decode(SaleRecord, json.loads(sales[0][1])["record"])
        if sale.member_code != run.code:
            raise Mismatch("the returned sale was another member's")
        prior = [r for seq, _, r in self.h.returns_of(rec.sale_id) if seq < row.seq]
        request = [(ln.line_no, Qty(ln.qty.milli)) for ln in rec.lines]
        if len(request) > MAX_LINES:
            raise Mismatch("too many return lines")

        def derive(v: m.MemberState) -> list[m.MemberEntry]:
            got = settle_return(program, v, sale, prior, request, rec.day, rec.return_id)
            if list(got.entries) != run.entries and rec.full:  # a return of the whole sale
                got = settle_return(program, v, sale, prior, None, rec.day, rec.return_id)
            return list(got.entries)

        return derive

    def _credit(self, run: Run) -> Derive:
        """A return without receipt refunded to stored value (its row comes first)."""
        rows = self.h.rows("return", ref=run.ref)
        if len(rows) != 1:
            raise Mismatch(f"no record row for the run {run.ref!r}")
        data = json.loads(rows[0][1])
        if data.get("receipt") is not None or data.get("to") != "stored_value":
            raise Mismatch("the return row refunds no stored value")
        refund, qty = int(data["refund"]), int(data["qty"])
        _bounded(refund, "refund")
        if not 0 < qty <= MAX_QTY_MILLI:
            raise Mismatch("return quantity out of bounds")
        price = self.h.price_of(str(data.get("product")))
        if price is None or Money(refund) > price.scale(qty, 1000):
            raise Mismatch("the refund exceeds the product's shelf price at HQ")
        entries: list[m.MemberEntry] = [
            m.StoredValueChanged(Money(refund), ZERO, f"return:{run.ref}")
        ]
        return lambda _v: entries


def orphan_sale(
    accepted: Sequence[tuple[p.Entry, m.MemberEntry | None]], i: int, runs: dict[int, Run]
) -> tuple[Run, Verdict] | tuple[None, None]:
    """A member sale row must follow its member run (the till writes at least its
    ``Purchased``): one without would count as spend for HQ's monthly bonuses and RFM."""
    e = accepted[i][0]
    if e.kind != "sale" or not _NAMES_MEMBER.search(e.payload):
        return None, None
    before = next((r for r in runs.values() if r.end == i), None)
    if before is not None and before.ref == e.ref:
        return None, None
    run = Run(i, i + 1, "", e.ref, e.at, [])
    return run, Verdict("not_derivable", f"member sale {e.ref} without its member entries")


def _forbidden(run: Run) -> str:
    if run.ref == "opening":
        return "opening balances are HQ's (pos-hq import), not a till's"
    for e in run.entries:
        if isinstance(e, _HQ_ONLY):
            return f"{type(e).__name__} is HQ's to record"
        if isinstance(e, m.TierChanged) and e.reason in _HQ_TIER_REASONS:
            return f"a tier change for {e.reason!r} is HQ's to record"
        if isinstance(e, m.DebtChanged) and not e.reason.startswith("return:"):
            return "a debt is HQ's to record (only a return's shortfall is a till's)"
        if isinstance(e, m.Registered) and run.ref != "register":
            return "Registered outside a registration"
    return ""


def _check_magnitudes(entries: Iterable[m.MemberEntry]) -> None:
    """No entry moves more than ``MAX_FEN`` of anything (fen, coins, points)."""
    for e in entries:
        for name in ("delta", "coins", "principal", "gift", "amount"):
            value = getattr(e, name, None)
            n = value.fen if isinstance(value, Money) else value
            if isinstance(n, int) and not -MAX_FEN <= n <= MAX_FEN:
                raise Mismatch(f"{type(e).__name__}.{name} {n} is out of bounds")


def _check_sale(rec: SaleRecord) -> None:
    if not 0 < len(rec.lines) <= MAX_LINES or not 0 < len(rec.tenders) <= MAX_TENDERS:
        raise Mismatch("a sale's lines or tenders are out of bounds")
    for ln in rec.lines:
        if not 0 < ln.qty.milli <= MAX_QTY_MILLI:
            raise Mismatch(f"line {ln.line_no}: quantity out of bounds")
        for fen in (ln.net.fen, ln.member.fen, ln.regular.fen, ln.unit_price.fen):
            _bounded(fen, f"line {ln.line_no}")
    _bounded(rec.total_due.fen, "sale total")
    for t in rec.tenders:
        _bounded(t.tendered.fen, "tender")
        if not (0 <= t.coins <= MAX_FEN and 0 <= t.points <= MAX_FEN):
            raise Mismatch("tender coins or points out of bounds")


def _request(t: tn.Tender) -> tn.TenderRequest:
    """The request that gives tender ``t`` (cash: what was handed over)."""
    if t.kind == "cash":
        return tn.TenderRequest("cash", t.tendered)
    if t.kind == "coins":
        return tn.TenderRequest("coins", coins=t.coins)
    if t.kind == "points":
        return tn.TenderRequest("points", points=t.points)
    return tn.TenderRequest(t.kind, t.amount, ref=t.ref)


# ----------------------------------------------------------------------------- views

_VIEWS = cast(Table, TillViewRow.__table__)


def record_sent(s: Session, terminal_id: str, sent: Sequence[tuple[str, int]]) -> None:
    """A pull sent ``terminal_id`` these (member, fold position) pairs: keep the
    position and the one before it (a sale made while the pull applied saw either)."""
    if not sent:
        return
    conn = s.connection()
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_VIEWS)
    changed = _VIEWS.c.pos != ins.excluded.pos
    upsert = ins.on_conflict_do_update(
        index_elements=[_VIEWS.c.terminal_id, _VIEWS.c.member_code],
        set_={
            "pos": ins.excluded.pos,
            "prev_pos": case((changed, _VIEWS.c.pos), else_=_VIEWS.c.prev_pos),
        },
    )
    rows = [{"terminal_id": terminal_id, "member_code": c, "pos": n} for c, n in sent]
    for i in range(0, len(rows), 1000):
        conn.execute(upsert, rows[i : i + 1000])


def sent_positions(s: Session, terminal_id: str, code: str) -> list[int]:
    row = s.get(TillViewRow, (terminal_id, code))
    if row is None:
        return [0]  # never sent: the till knows only its own entries
    return [n for n in dict.fromkeys((row.pos, row.prev_pos)) if n is not None]


def view_at(
    s: Session,
    code: str,
    pos: int,
    terminal_id: str,
    own_since: Sequence[m.MemberEntry],
) -> m.MemberState:
    """HQ's fold of ``code`` up to ``pos`` plus ``terminal_id``'s own later entries (those
    HQ holds, then ``own_since``: this batch's, not yet written)."""
    rows = s.execute(
        select(EntryRow.payload, EntryRow.terminal_id, EntryRow.member_pos)
        .where(EntryRow.member_code == code, EntryRow.member_pos.is_not(None))
        .order_by(EntryRow.member_pos)
    )
    state = m.MemberState(code=code)
    for text, tid, n in rows:
        if (n is not None and n <= pos) or tid == terminal_id:
            state = m.apply(state, codec.decode_entry(json.loads(text)))
    return m.fold(own_since, state)


# ----------------------------------------------------------------------------- evidence


_REFUSED = cast(Table, RefusedEntryRow.__table__)


def keep_evidence(
    s: Session, store_id: str, entries: Sequence[p.Entry], verdict: Verdict, now: datetime
) -> None:
    """The refused entries as pushed (once, however often the till resends them), and
    the store flagged for review."""
    conn = s.connection()
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(_REFUSED)
    rows: list[dict[str, Any]] = [
        {
            **{k: getattr(e, k) for k in p.Entry.model_fields},
            "store_id": store_id,
            "code": verdict.code,
            "reason": verdict.reason[:500],
            "received_at": now,
        }
        for e in entries
    ]
    if rows:
        conn.execute(ins.on_conflict_do_nothing(), rows)
    store = s.get(StoreRow, store_id)
    if store is not None and store.review_since is None:
        store.review_since = now
        store.review_reason = f"{entries[0].terminal_id}: {verdict.code}: {verdict.reason}"[:200]


def flagged(s: Session) -> list[tuple[str, datetime, str, int]]:
    """Stores to review: (store, since, why, refused entries held)."""
    columns = {c["name"] for c in inspect(s.connection()).get_columns("stores")}
    if "review_since" not in columns:  # a database below migration 0004 flags nothing
        return []
    out = []
    stores = s.execute(
        select(StoreRow).where(StoreRow.review_since.is_not(None)).order_by(StoreRow.id)
    ).scalars()
    for st in stores:
        n = len(
            s.execute(select(RefusedEntryRow.seq).where(RefusedEntryRow.store_id == st.id)).all()
        )
        assert st.review_since is not None
        out.append((st.id, st.review_since, st.review_reason, n))
    return out


def clear_review(s: Session, store_id: str) -> None:
    """An operator reviewed the store: the flag goes, the refused entries stay."""
    store = s.get(StoreRow, store_id)
    if store is None:
        raise NotFound(f"no store {store_id}", code="unknown_store")
    store.review_since, store.review_reason = None, ""
