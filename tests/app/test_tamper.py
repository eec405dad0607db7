"""Tamper evidence: each way of editing a till's store is found by ``verify`` and by the
start-up check (``verify.guard``), the till then takes no money, and no damaged file
(any flipped byte, an empty or foreign file, a torn WAL) makes either one crash.

The store is a real one: member and walk-in sales with split tenders, a partial return,
a recharge, a prepaid card sold and loaded, a shift handed over and a new one opened.
The attacker edits the file with plain ``sqlite3`` (no key): what a local user can do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sync import protocol as proto
from sync.till import apply_pull
from terminal import codec
from terminal.app.ids import ReplayIds
from terminal.app.shifts import Shifts
from terminal.app.verify import guard, verify_path
from terminal.errors import PosError, StoreDamaged, StoreTampered
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import member as m
from terminal.rules.tenders import TenderRequest
from terminal.store import ledger_key
from terminal.store.db import open_store
from terminal.store.ledger import allow_writes, row_hash

from .store import RICE, SOY, shop


def cash(amount: str) -> TenderRequest:
    return TenderRequest("cash", Money.parse(amount))


def build(tmp: Path) -> Path:
    s = shop(tmp, "organic")
    c = s.counter
    c.identify("M1")
    c.scan(RICE.code)
    c.scan(SOY.code)
    c.pay([TenderRequest("stored_value", Money.parse("30.00")), cash("100.00")])
    c.scan(SOY.code)
    c.pay([cash("20.00")])
    c.return_sale("T01-000001", [(2, Qty.parse("1"))], s.manager())
    c.recharge("M1", Money.parse("200.00"), s.manager())
    c.sell_card("CARD0001", "123456", Money.parse("100.00"), [cash("100.00")])
    c.load_card("M2", "CARD0001", "123456")
    shifts = Shifts(c.sessions, s.clock, ReplayIds("T01-shifts"), "T01")
    shifts.handover(shifts.x_report().expected_cash)
    shifts.open_shift("c1", Money(10000))
    c.identify("M2")
    c.scan(RICE.code)
    c.pay([cash("70.00")])
    c.scan(SOY.code)
    c.pay([cash("12.00")])
    pull_member(c.sessions, "M3", Money.parse("50.00"))  # HQ's state: an hq_states row
    assert guard(c.sessions) is None  # the till's own check: sound, and anchored here
    c.sessions.kw["bind"].dispose()  # closed: the WAL is checkpointed into the file
    return s.path


def pull_member(sessions: Any, code: str, principal: Money) -> None:
    """A member another store registered, as a pull brings it (phone masked, keyed)."""
    state = m.MemberState(code=code, phone="*******4321", principal=principal)
    page = proto.PullResult(
        cursor=1,
        more=False,
        through=0,
        members=[proto.MemberDelta(code=code, state=codec.encode(state), phone_key="k" + "1" * 19)],
        phone_secret="chain-secret",
    )
    apply_pull(sessions, page, datetime(2026, 10, 7, 10, 30))


def sql(path: Path, *statements: str) -> None:
    """Edit the store the way a local user could: sqlite3, no key."""
    with sqlite3.connect(path) as db:
        for st in statements:
            db.execute(st)
    db.close()


def rehash_from(path: Path, first: int) -> None:
    """Recompute every chain hash from row ``first`` on (the chain's formula is public)."""
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT seq, id, terminal_id, at, kind, member_code, ref, payload FROM ledger"
        " WHERE seq >= ? ORDER BY seq",
        (first,),
    ).fetchall()
    prev = db.execute("SELECT hash FROM ledger WHERE seq = ?", (first - 1,)).fetchone()[0]
    for seq, *fields in rows:
        h = row_hash(prev, seq, *fields)
        db.execute("UPDATE ledger SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h
    db.commit()
    db.close()


def seq_of(path: Path, where: str) -> int:
    db = sqlite3.connect(path)
    (seq,) = db.execute(f"SELECT seq FROM ledger WHERE {where} ORDER BY seq DESC").fetchone()
    db.close()
    return int(seq)


def last_sale(path: Path) -> str:
    db = sqlite3.connect(path)
    (ref,) = db.execute("SELECT ref FROM ledger WHERE kind='sale' ORDER BY seq DESC").fetchone()
    db.close()
    return str(ref)


# ----------------------------------------------------------------------------- the cases


def rehashed_ledger(p: Path) -> None:
    seq = seq_of(p, "kind = 'sale'")
    cashier = 'replace(payload, \'"cashier":"c1"\', \'"cashier":"x"\')'
    sql(p, f"UPDATE ledger SET payload = {cashier} WHERE seq = {seq}")
    rehash_from(p, seq)


def rehashed_middle(p: Path) -> None:
    seq = seq_of(p, "kind = 'member' AND payload LIKE '%\"reason\":\"spent\"%'")
    spent_back = "replace(payload, '\"principal\":-', '\"principal\":')"  # paid: now gained
    sql(p, f"UPDATE ledger SET payload = {spent_back} WHERE seq = {seq}")
    rehash_from(p, seq)


def edited_sale_payload(p: Path) -> None:
    seq = seq_of(p, "kind = 'sale'")
    cut = "replace(payload, '\"amount\":1200', '\"amount\":120')"
    sql(p, f"UPDATE ledger SET payload = {cut} WHERE seq = {seq}")


def edited_tender(p: Path) -> None:
    sql(p, "UPDATE tenders SET amount_fen = amount_fen - 100 WHERE idx = 0")


def edited_sales_row(p: Path) -> None:
    sql(p, f"UPDATE sales SET total_fen = 1 WHERE id = '{last_sale(p)}'")


def edited_sale_record(p: Path) -> None:
    cut = "replace(record_json, '1200', '1100')"
    sql(p, f"UPDATE sales SET record_json = {cut} WHERE id = '{last_sale(p)}'")


def deleted_tail_sale(p: Path) -> None:
    """Everything of the last sale, and the receipt counter set back: only the anchor
    (and HQ's checkpoint) know the ledger was longer."""
    ref = last_sale(p)
    sql(
        p,
        f"DELETE FROM ledger WHERE ref = '{ref}'",
        f"DELETE FROM tenders WHERE sale_id = '{ref}'",
        f"DELETE FROM sales WHERE id = '{ref}'",
        "UPDATE settings SET value = CAST(value AS INTEGER) - 1 WHERE key = 'receipt_counter'",
    )


def deleted_tail_ledger_rows(p: Path) -> None:
    sql(p, f"DELETE FROM ledger WHERE ref = '{last_sale(p)}'")


def deleted_sales_rows(p: Path) -> None:
    ref = last_sale(p)
    sql(p, f"DELETE FROM tenders WHERE sale_id = '{ref}'", f"DELETE FROM sales WHERE id = '{ref}'")


def deleted_middle_row(p: Path) -> None:
    sql(p, "DELETE FROM ledger WHERE seq = 5")


def empty_file(p: Path) -> None:
    p.write_bytes(b"")


def truncated_file(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def garbage_file(p: Path) -> None:
    p.write_bytes(random.Random(7).randbytes(8192))


def edited_stored_value_row(p: Path) -> None:
    seq = seq_of(p, "kind = 'member' AND payload LIKE '%StoredValueChanged%'")
    more = "replace(payload, '\"gift\":', '\"gift\":1')"
    sql(p, f"UPDATE ledger SET payload = {more} WHERE seq = {seq}")


def card_reset_to_sold(p: Path) -> None:
    sql(p, "UPDATE prepaid_cards SET state = 'sold', loaded_to = NULL")


def swapped_rows(p: Path) -> None:
    db = sqlite3.connect(p)
    a, b = db.execute("SELECT payload FROM ledger WHERE seq IN (3, 4) ORDER BY seq").fetchall()
    db.execute("UPDATE ledger SET payload = ? WHERE seq = 3", b)
    db.execute("UPDATE ledger SET payload = ? WHERE seq = 4", a)
    db.commit()
    db.close()


def changed_seq(p: Path) -> None:
    sql(p, "UPDATE ledger SET seq = seq + 1000 WHERE seq = (SELECT max(seq) FROM ledger)")


def changed_member_code(p: Path) -> None:
    last_m1 = "(SELECT max(seq) FROM ledger WHERE member_code = 'M1')"
    sql(p, f"UPDATE ledger SET member_code = 'M2' WHERE seq = {last_m1}")


def changed_at(p: Path) -> None:
    sql(p, "UPDATE ledger SET at = '2026-10-08T10:00:00' WHERE seq = (SELECT max(seq) FROM ledger)")


def inserted_row(p: Path) -> None:
    """A forged cash row, correctly chained (the hash needs no secret), with a MAC made up."""
    db = sqlite3.connect(p)
    seq, head = db.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC").fetchone()
    fields = ("forged-1", "T01", "2026-10-07T10:00:00", "cash", None, "x", '{"delta":-5000}')
    h = row_hash(head, seq + 1, *fields)
    db.execute(
        "INSERT INTO ledger (seq, id, terminal_id, at, kind, member_code, ref, payload,"
        " prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq + 1, *fields, head, h, "0" * 64),
    )
    db.commit()
    db.close()


def row_without_mac(p: Path) -> None:
    """A forged row, correctly chained, written without a MAC (no key to make one)."""
    db = sqlite3.connect(p)
    seq, head = db.execute("SELECT seq, hash FROM ledger ORDER BY seq DESC").fetchone()
    fields = ("forged-2", "T01", "2026-10-07T10:00:00", "cash", None, "x", '{"delta":-5000}')
    db.execute(
        "INSERT INTO ledger (seq, id, terminal_id, at, kind, member_code, ref, payload,"
        " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq + 1, *fields, head, row_hash(head, seq + 1, *fields)),
    )
    db.commit()
    db.close()


RAISED = "replace(state_json, '\"principal\":5000,', '\"principal\":500000,')"


def raised_hq_state(p: Path) -> None:
    """M3's stored value raised where HQ's state is kept and in the cache that folds from
    it: the two agree, so only the MAC of HQ's state can tell."""
    sql(
        p,
        f"UPDATE hq_states SET state_json = {RAISED} WHERE code = 'M3'",
        f"UPDATE members SET state_json = {RAISED} WHERE code = 'M3'",
    )


def hq_state_mac_removed(p: Path) -> None:
    sql(
        p,
        f"UPDATE hq_states SET state_json = {RAISED}, mac = NULL WHERE code = 'M3'",
        f"UPDATE members SET state_json = {RAISED} WHERE code = 'M3'",
    )


def hq_state_moved_back(p: Path) -> None:
    """HQ's state said to come before the till's own entries: they would fold again."""
    sql(p, "UPDATE hq_states SET at_seq = 0 WHERE code = 'M3'")


def edited_shift(p: Path) -> None:
    sql(p, "UPDATE shifts SET float_fen = 0")


def edited_handover(p: Path) -> None:
    sql(p, "UPDATE shifts SET counted_fen = counted_fen + 5000 WHERE closed_at IS NOT NULL")


def edited_receipt_counter(p: Path) -> None:
    sql(p, "UPDATE settings SET value = '1' WHERE key = 'receipt_counter'")


def edited_return(p: Path) -> None:
    sql(p, "UPDATE returns SET refund_fen = refund_fen * 10")


def key_removed(p: Path) -> None:
    ledger_key.key_path(p).unlink()


def key_replaced(p: Path) -> None:
    """Another key, as if the attacker made a new one to MAC a rewritten ledger."""
    ledger_key.key_path(p).unlink()
    db = sqlite3.connect(p)
    (head,) = db.execute("SELECT max(seq) FROM ledger").fetchone()
    db.close()
    ledger_key.create(p, head + 1)


CASES: dict[str, Callable[[Path], None]] = {
    f.__name__: f
    for f in (
        rehashed_ledger,
        rehashed_middle,
        edited_sale_payload,
        edited_tender,
        edited_sales_row,
        edited_sale_record,
        deleted_tail_sale,
        deleted_tail_ledger_rows,
        deleted_sales_rows,
        deleted_middle_row,
        empty_file,
        truncated_file,
        garbage_file,
        edited_stored_value_row,
        card_reset_to_sold,
        swapped_rows,
        changed_seq,
        changed_member_code,
        changed_at,
        inserted_row,
        row_without_mac,
        raised_hq_state,
        hq_state_mac_removed,
        hq_state_moved_back,
        edited_shift,
        edited_handover,
        edited_receipt_counter,
        edited_return,
        key_removed,
        key_replaced,
    )
}
# What the start-up check cannot see: it reads the tail only (the full check is verify's).
# HQ's states are checked where the counter reads them (``test_a_forged_hq_state_...``).
TAIL_BLIND: set[str] = {"raised_hq_state", "hq_state_mac_removed", "hq_state_moved_back"}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("pristine"))


def copy(pristine: Path, tmp: Path) -> Path:
    dest = tmp / "till.sqlite"
    ledger_key.copy_store(pristine, dest)
    return dest


def started(path: Path) -> PosError | None:
    """What the till finds when it opens the store (``ui.app.build``)."""
    try:
        sessions = open_store(path)
    except StoreDamaged as e:
        return e
    try:
        return guard(sessions)
    finally:
        allow_writes(path)
        sessions.kw["bind"].dispose()


def test_the_untouched_store_verifies_and_starts(pristine: Path, tmp_path: Path) -> None:
    p = copy(pristine, tmp_path)
    rep = verify_path(p)
    assert rep.ok, rep.problems
    assert rep.entries > 40 and rep.members == 3
    assert started(p) is None


def test_the_mac_is_hmac_sha256_of_the_row_hash(pristine: Path) -> None:
    """The pads hashed once (``LedgerKey.mac``) give the standard HMAC: a row's MAC is
    what any HMAC-SHA256 of its hash under the key file's key gives."""
    key = ledger_key.load(pristine)
    assert key is not None
    db = sqlite3.connect(pristine)
    try:
        rows = db.execute("SELECT hash, mac FROM ledger").fetchall()
    finally:
        db.close()
    assert rows and all(
        mac == hmac.new(key.key, h.encode(), hashlib.sha256).hexdigest() for h, mac in rows
    )


def test_every_row_has_its_mac_from_its_own_insert(pristine: Path) -> None:
    """Sales, returns, recharges, cards, shifts and the pull all wrote their MACs, and no
    trigger or SQL function did it for them (store migration 0005)."""
    db = sqlite3.connect(pristine)
    try:
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == []
        kinds = db.execute("SELECT DISTINCT kind FROM ledger WHERE mac IS NOT NULL").fetchall()
        assert db.execute("SELECT count(*) FROM ledger WHERE mac IS NULL").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM hq_states WHERE mac IS NULL").fetchone() == (0,)
    finally:
        db.close()
    assert {"sale", "member", "cash", "card"} <= {k for (k,) in kinds}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_tampering_is_found_by_verify(case: str, pristine: Path, tmp_path: Path) -> None:
    p = copy(pristine, tmp_path)
    CASES[case](p)
    rep = verify_path(p)
    assert not rep.ok, f"{case}: verify said ok"
    if case in ("empty_file", "truncated_file", "garbage_file"):
        assert rep.damaged


@pytest.mark.parametrize("case", sorted(set(CASES) - TAIL_BLIND))
def test_each_tampering_in_the_tail_is_found_at_start(
    case: str, pristine: Path, tmp_path: Path
) -> None:
    p = copy(pristine, tmp_path)
    CASES[case](p)
    found = started(p)
    assert isinstance(found, StoreDamaged | StoreTampered), f"{case}: the till would sell"


def test_a_broken_store_takes_no_money(pristine: Path, tmp_path: Path) -> None:
    p = copy(pristine, tmp_path)
    edited_sale_payload(p)
    s = shop_on(p)
    try:
        assert isinstance(guard(s.sessions), StoreTampered)
        s.scan(SOY.code)
        with pytest.raises(StoreTampered) as e:
            s.pay([cash("20.00")])
        assert e.value.code == "store_tampered"
        with pytest.raises(StoreTampered):
            s.recharge("M1", Money.parse("100.00"), s.authorize("mgr", "8888"))
    finally:
        allow_writes(p)


def shop_on(path: Path):  # type: ignore[no-untyped-def]
    from datetime import datetime

    from terminal.app.counter import Counter
    from terminal.clock import FixedClock
    from terminal.rules.program_loader import load_program

    return Counter(
        open_store(path),
        load_program("organic"),
        FixedClock(datetime(2026, 10, 7, 11)),
        ReplayIds("T01-later"),
        terminal_id="T01",
        cashier="c1",
    )


@pytest.mark.parametrize("case", sorted(TAIL_BLIND))
def test_a_forged_hq_state_is_refused_when_the_counter_reads_it(
    case: str, pristine: Path, tmp_path: Path
) -> None:
    p = copy(pristine, tmp_path)
    c = shop_on(p)
    assert c.identify("M3").principal == Money.parse("50.00")  # the untouched state sells
    c.sessions.kw["bind"].dispose()
    CASES[case](p)
    c = shop_on(p)
    with pytest.raises(StoreTampered) as e:
        c.identify("M3")
    assert e.value.code == "store_tampered" and e.value.params["case"] == "hq_state"
    try:
        with pytest.raises(StoreTampered):
            c.recharge("M3", Money.parse("100.00"), c.authorize("mgr", "8888"))
        c.scan(SOY.code)  # a walk-in sale: the till takes no more money, as on a broken ledger
        with pytest.raises(StoreTampered):
            c.pay([cash("20.00")])
        assert not verify_path(p).ok
    finally:
        allow_writes(p)


def test_a_new_pull_writes_a_state_verify_accepts(pristine: Path, tmp_path: Path) -> None:
    p = copy(pristine, tmp_path)
    sessions = open_store(p)
    pull_member(sessions, "M3", Money.parse("80.00"))
    sessions.kw["bind"].dispose()
    assert verify_path(p).ok
    c = shop_on(p)
    assert c.identify("M3").principal == Money.parse("80.00")


def test_a_card_reset_to_sold_does_not_load_twice(pristine: Path, tmp_path: Path) -> None:
    p = copy(pristine, tmp_path)
    card_reset_to_sold(p)
    c = shop_on(p)
    with pytest.raises(StoreTampered) as e:
        c.load_card("M1", "CARD0001", "123456")
    assert e.value.params["case"] == "card"
    with c.sessions() as s:
        from terminal.store.schema import MemberRow

        m1 = json.loads(s.get(MemberRow, "M1").state_json)  # type: ignore[union-attr]
    assert "CARD0001" not in json.dumps(m1)


def test_a_torn_wal_loses_commits_the_anchor_remembers(tmp_path: Path) -> None:
    """A crash image (file and WAL as a killed till left them) whose WAL's last frame was
    edited: SQLite drops that frame and every later one, so committed sales vanish; the
    anchor (taken after them) says so."""
    s = shop(tmp_path / "live", "organic")
    c = s.counter
    c.scan(SOY.code)
    c.pay([cash("20.00")])
    assert guard(c.sessions) is None
    wal = Path(str(s.path) + "-wal")
    assert wal.stat().st_size > 0  # the engine still holds its connections: not checkpointed
    image = tmp_path / "image"
    image.mkdir()
    for suffix in ("", "-wal", ledger_key.SUFFIX):
        shutil.copyfile(str(s.path) + suffix, str(image / "till.sqlite") + suffix)
    torn = image / "till.sqlite-wal"
    data = bytearray(torn.read_bytes())
    data[-100] ^= 0xFF
    torn.write_bytes(bytes(data))
    p = image / "till.sqlite"
    assert not verify_path(p).ok
    assert isinstance(started(p), StoreTampered)


def test_random_byte_flips_never_crash_verify_or_the_start(pristine: Path, tmp_path: Path) -> None:
    """60 flips, each in a fresh copy: ok only where the byte was unused (or in data the
    ledger does not explain, like a product's name), otherwise a clear problem."""
    rnd = random.Random(18)
    size = pristine.stat().st_size
    found = 0
    for i in range(60):
        (tmp_path / str(i)).mkdir()
        p = copy(pristine, tmp_path / str(i))
        data = bytearray(p.read_bytes())
        at = rnd.randrange(size)
        data[at] ^= 1 << rnd.randrange(8)
        p.write_bytes(bytes(data))
        rep = verify_path(p)  # never raises
        assert rep.ok or rep.problems
        found += not rep.ok
        started(p)  # never raises
    assert found  # some flips land in the ledger or the tables it explains


def test_the_window_on_a_broken_store_says_so_and_takes_no_money(
    pristine: Path, tmp_path: Path
) -> None:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.app import build
    from ui.qt import QApplication

    app = QApplication.instance() or QApplication([])
    p = copy(pristine, tmp_path)
    edited_sales_row(p)
    try:
        window, _ = build(p)
        assert not window.banner.isHidden()
        assert "本机账本" in window.banner.text() and "已停止收款" in window.banner.text()
        with pytest.raises(StoreTampered):
            window.counter.recharge(
                "M1", Money.parse("100.00"), window.counter.authorize("mgr", "8888")
            )
        window.close()
    finally:
        allow_writes(p)
    assert app is not None
