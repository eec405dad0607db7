"""The print queue against a printer that fails on demand.

Each fault (offline, paper out, cover open, a write that times out mid-receipt) is
reported, never undoes or blocks the committed sale, and the receipt prints when the
fault clears: exactly once in full, or, after a mid-receipt failure, once more whole
and marked as a reprint (see ``devices.printer.queue``). The spool survives a restart.
Everything waits on conditions with timeouts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devices.printer.fake import FakePrinter
from devices.printer.queue import (
    OK,
    REPRINT_MARKER,
    PrintQueue,
    Spool,
    reprint_bytes,
    resync,
    spool_path,
)
from devices.printer.render import KICK, decode_text
from devices.printer.transports import DummyTransport

from ..app.store import RICE, SOY, shop
from .printing import WAIT, States, card, expected_text, receipt, sell

FAST: dict[str, Any] = {"retry_s": 0.01, "max_retry_s": 0.05}


def queue(printer: FakePrinter | DummyTransport, states: States, spool: Path) -> PrintQueue:
    return PrintQueue(printer, states, spool, **FAST)


# ------------------------------------------------------------------ faults a printer reports


@pytest.mark.parametrize("fault", ["offline", "paper_out", "cover_open"])
def test_a_reported_fault_holds_receipts_while_the_counter_keeps_selling(
    tmp_path: Path, fault: str
) -> None:
    s = shop(tmp_path)
    printer = FakePrinter(**{fault: True})
    states = States()
    with queue(printer, states, spool_path(s.path)) as q:
        sale1 = sell(s, [SOY.code])  # committed before anything is printed
        d1 = receipt(s, sale1)
        assert q.submit(sale1.receipt_no, d1)
        assert states.wait(fault)
        assert sale1.receipt_no in states.seen[0][1]  # the cashier is told which receipt

        sale2 = sell(s, [RICE.code, SOY.code], [card("77.00")])  # the till keeps selling
        d2 = receipt(s, sale2)
        assert q.submit(sale2.receipt_no, d2)
        assert s.counter.sale_count() == 2
        assert [j.job_id for j in q.pending()] == [sale1.receipt_no, sale2.receipt_no]
        assert printer.status_queries > 0  # it asked before each try...
        assert printer.writes == []  # ...and sent nothing to a faulty printer

        printer.heal()
        q.retry_now()
        assert q.wait_idle(WAIT)
        assert states.wait(OK)
    assert printer.writes == [d1, d2]  # each receipt once, whole, in order
    assert decode_text(bytes(printer.received)) == expected_text(s, sale1) + expected_text(
        s, sale2, kick=False
    )
    assert bytes(printer.received).count(KICK) == 1  # only the cash sale opened the drawer
    assert states.states == [fault, OK]
    assert q.pending() == []


@pytest.mark.parametrize(
    ("fault", "state"),
    [("offline", "offline"), ("paper_out", "timeout"), ("cover_open", "timeout")],
)
def test_a_one_way_printer_fails_writes_and_the_receipt_is_resent_as_it_was(
    tmp_path: Path, fault: str, state: str
) -> None:
    # No status on a one-way line: a printer that takes nothing is "offline" or
    # "timeout". Nothing reached it (written == 0), so the resend is no reprint.
    s = shop(tmp_path)
    printer = FakePrinter(two_way=False, **{fault: True})
    states = States()
    with queue(printer, states, spool_path(s.path)) as q:
        sale = sell(s, [SOY.code])
        data = receipt(s, sale)
        q.submit(sale.receipt_no, data)
        assert states.wait(state)
        assert not q.pending()[0].started
        printer.heal()
        q.retry_now()
        assert q.wait_idle(WAIT)
    assert printer.writes == [data]
    assert printer.status_queries == 0
    assert states.states == [state, OK]


def test_a_write_timeout_mid_receipt_reprints_it_once_whole_and_marked(tmp_path: Path) -> None:
    s = shop(tmp_path)
    printer = FakePrinter(timeout_after_bytes=300)  # jams 300 bytes into the receipt
    states = States()
    with queue(printer, states, spool_path(s.path)) as q:
        sale1 = sell(s, [SOY.code, RICE.code])
        d1 = receipt(s, sale1)
        sale2 = sell(s, [SOY.code])
        d2 = receipt(s, sale2)
        q.submit(sale1.receipt_no, d1)
        q.submit(sale2.receipt_no, d2)
        assert states.wait("timeout")
        assert printer.writes == [d1[:300]]  # the torn part
        head = q.pending()[0]
        assert head.job_id == sale1.receipt_no and head.started  # next send: a reprint
        assert [j.job_id for j in q.pending()] == [sale1.receipt_no, sale2.receipt_no]
        assert not states.wait(OK, timeout=0.2)  # retries keep failing quietly
        assert states.states == ["timeout"]

        printer.heal()
        q.retry_now()
        assert q.wait_idle(WAIT)
    again = reprint_bytes(d1)
    assert printer.writes == [d1[:300], again, d2]
    assert states.states == ["timeout", OK]
    # The resend: resync (ends the torn part, feed and cut), then the whole receipt with
    # the reprint line, and no second drawer kick for the same sale.
    assert decode_text(again) == "\n" + REPRINT_MARKER + "\n" + expected_text(s, sale1)
    assert KICK in d1[:300] and KICK not in again
    assert bytes(printer.received).count(KICK) == 2  # one per cash sale
    assert q.printed(sale1.receipt_no) == 1 and q.printed(sale2.receipt_no) == 1


def test_reprint_bytes() -> None:
    data = b"\x1b@\x1c&" + KICK + b"abc\n\x1dkI\x05{B123" + b"\x1dV\x01"
    again = reprint_bytes(data)
    pad = len(b"\x1dkI\x05{B123") + 4  # the longest command, and a GB18030 character
    assert again.startswith(b"\x00" * pad + b"\x1b@\n\x1bd\x04\x1dV\x01" + b"\x1b@\x1c&")
    assert (
        again
        == resync(data)
        + b"\x1b@\x1c&\x1ba\x01"
        + REPRINT_MARKER.encode("gbk")
        + b"\n\x1ba\x00"
        + b"abc\n\x1dkI\x05{B123\x1dV\x01"
    )
    assert decode_text(again) == "\n" + REPRINT_MARKER + "\nabc\n"
    assert REPRINT_MARKER.encode("gbk") == REPRINT_MARKER.encode("gb18030")
    # bytes that are not ESC/POS the renderer knows: a long safety run of NULs
    assert resync(b"\x1b\xff").startswith(b"\x00" * 1024)


# ------------------------------------------------------------------ spool


def test_a_restart_prints_what_was_pending_and_nothing_twice(tmp_path: Path) -> None:
    s = shop(tmp_path)
    spool = spool_path(s.path)
    assert spool == tmp_path / "till.print-spool.sqlite"
    dead = FakePrinter(offline=True)
    states = States()
    q = queue(dead, states, spool)
    sales = [sell(s, [SOY.code]), sell(s, [RICE.code])]
    data = [receipt(s, sale) for sale in sales]
    for sale, d in zip(sales, data, strict=True):
        assert q.submit(sale.receipt_no, d)
    assert states.wait("offline")
    q.stop()  # the till is closed with two receipts waiting
    assert dead.writes == []

    printer = FakePrinter()
    q2 = queue(printer, States(), spool)  # read before its worker starts printing them
    assert [j.job_id for j in q2.pending()] == [sale.receipt_no for sale in sales]
    with q2:
        assert q2.wait_idle(WAIT)
        assert not q2.submit(sales[0].receipt_no, data[0])  # printed already
    assert printer.writes == data

    with queue(printer, States(), spool) as q3:  # and once more: nothing left to print
        assert q3.pending() == []
        assert q3.printed(sales[1].receipt_no) == 1
    assert printer.writes == data


def test_a_crash_mid_receipt_reprints_it_marked_after_restart(tmp_path: Path) -> None:
    # The job is marked started before its first byte is written; a till that dies in
    # the write leaves it so, and the next start sends it as a reprint.
    s = shop(tmp_path)
    sale = sell(s, [SOY.code])
    data = receipt(s, sale)
    path = spool_path(s.path)
    spool = Spool(path)
    job = spool.add(sale.receipt_no, data)
    assert job is not None
    spool.set_started(job.seq, True)
    spool.close()

    printer = FakePrinter()
    with queue(printer, States(), path) as q:
        assert q.wait_idle(WAIT)
    assert printer.writes == [reprint_bytes(data)]
    assert decode_text(printer.writes[0]) == "\n" + REPRINT_MARKER + "\n" + expected_text(s, sale)


def test_a_duplicate_submit_is_not_printed_twice_but_a_reprint_is(tmp_path: Path) -> None:
    s = shop(tmp_path)
    printer = FakePrinter(offline=True)
    states = States()
    with queue(printer, states, spool_path(s.path)) as q:
        sale = sell(s, [SOY.code])
        data = receipt(s, sale)
        assert q.submit(sale.receipt_no, data)
        assert not q.submit(sale.receipt_no, data)  # still waiting: not queued again
        assert len(q.pending()) == 1
        printer.heal()
        q.retry_now()
        assert q.wait_idle(WAIT)
        assert not q.submit(sale.receipt_no, data)  # printed: not again
        copy = receipt(s, sale, reprint=True)  # 补打 at the cashier's request
        assert q.reprint(sale.receipt_no, copy)
        assert q.wait_idle(WAIT)
        assert q.printed(sale.receipt_no) == 2
    assert printer.writes == [data, copy]
    assert "销售小票(补打)" in decode_text(copy) and KICK not in copy


# ------------------------------------------------------------------ reporting


def test_an_idle_queue_watches_a_two_way_printer(tmp_path: Path) -> None:
    printer = FakePrinter()
    states = States()
    with PrintQueue(printer, states, None, idle_check_s=0.02, **FAST):
        assert states.wait(OK)
        printer.set(paper_out=True)  # the roll runs out between sales
        assert states.wait("paper_out")
        printer.set(paper_out=False, cover_open=True)  # opened to load paper
        assert states.wait("cover_open")
        printer.set(cover_open=False, paper_near_end=True)
        assert states.wait(OK, count=2)
    assert states.states == [OK, "paper_out", "cover_open", OK]
    assert "paper near end" in states.seen[-1][1]


def test_a_failing_state_callback_does_not_stop_printing(tmp_path: Path) -> None:
    printer = FakePrinter(paper_out=True)
    calls: list[str] = []

    def broken(state: str, detail: str) -> None:
        calls.append(state)
        raise RuntimeError("the UI blew up")

    with PrintQueue(printer, broken, tmp_path / "spool.sqlite", **FAST) as q:
        q.submit("T01-000001", b"\x1b@hello\n")
        assert printer.wait_for(lambda: printer.status_queries > 0)
        printer.heal()
        q.retry_now()
        assert q.wait_idle(WAIT)
    assert printer.writes == [b"\x1b@hello\n"]
    assert calls == ["paper_out", OK]


def test_dummy_transport_and_bad_jobs(tmp_path: Path) -> None:
    dummy = DummyTransport()
    states = States()
    with PrintQueue(dummy, states, tmp_path / "spool.sqlite", **FAST) as q:
        with pytest.raises(ValueError):
            q.submit("", b"x")
        with pytest.raises(ValueError):
            q.submit("T01-000001", b"")
        q.submit("T01-000001", b"\x1b@one\n")
        q.submit("T01-000002", b"\x1b@two\n")
        assert q.wait_idle(WAIT)
    assert dummy.output == b"\x1b@one\n\x1b@two\n"
    assert states.states == [OK]
    with pytest.raises(ValueError):
        PrintQueue(dummy, states, retry_s=0, autostart=False)


def test_the_spool_forgets_bytes_once_printed_and_keeps_recent_ids() -> None:
    spool = Spool(None, keep_printed=2)  # in memory
    jobs = [spool.add(f"T01-00000{i}", b"x" * 10) for i in range(1, 5)]
    assert spool.add("T01-000001", b"y") is None  # a duplicate
    for job in jobs:
        assert job is not None
        spool.done(job.seq)
    assert spool.pending() == [] and spool.head() is None
    assert [spool.printed(f"T01-00000{i}") for i in range(1, 5)] == [0, 0, 1, 1]
    assert spool.add("T01-000004", b"z") is None  # still known
    spool.close()
