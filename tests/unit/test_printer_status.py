"""ESC/POS real-time status (DLE EOT n) replies, parsed with the Epson bit layouts."""

from __future__ import annotations

import itertools

import pytest

from devices.printer.status import (
    ERROR_NAMES,
    PrinterStatus,
    StatusReplyError,
    from_replies,
    is_status_byte,
    parse_error_cause,
    parse_offline_cause,
    parse_paper,
    parse_printer,
    request,
    status_byte,
    to_replies,
)

# Every reply: bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0.
HEALTHY = 0x12


def test_requests_are_dle_eot_n() -> None:
    assert [request(n) for n in (1, 2, 3, 4)] == [
        b"\x10\x04\x01",
        b"\x10\x04\x02",
        b"\x10\x04\x03",
        b"\x10\x04\x04",
    ]
    for n in (0, 5, 0x31):
        with pytest.raises(ValueError):
            request(n)


def test_fixed_bits() -> None:
    valid = [b for b in range(256) if is_status_byte(b)]
    assert len(valid) == 16  # 4 fixed bits out of 8
    assert all(b & 0b1001_0011 == 0b0001_0010 for b in valid)
    assert 0x12 in valid and 0x7E in valid
    # XON, XOFF, NUL, an ASB first byte (bit 1 = 0), a high bit
    for b in (0x11, 0x13, 0x00, 0x10, 0x92, 0xFF):
        assert not is_status_byte(b)
        for parse in (parse_printer, parse_offline_cause, parse_error_cause, parse_paper):
            with pytest.raises(StatusReplyError):
                parse(b)


def test_status_byte_picks_the_reply_out_of_line_noise() -> None:
    assert status_byte(b"") is None
    assert status_byte(b"\x11\x13") is None  # only XON/XOFF
    assert status_byte(b"\x16") == 0x16
    assert status_byte(b"\x11\x12\x13") == 0x12
    assert status_byte(b"\x12\x1a") == 0x1A  # a stale reply, then the fresh one


def test_printer_status_n1() -> None:
    assert parse_printer(0x12) == parse_printer(HEALTHY)
    p = parse_printer(0x12)
    assert not (p.offline or p.drawer_pin3_high or p.waiting_recovery or p.feed_button)
    assert parse_printer(0x16).drawer_pin3_high  # bit 2
    assert parse_printer(0x1A).offline  # bit 3
    assert parse_printer(0x32).waiting_recovery  # bit 5
    assert parse_printer(0x52).feed_button  # bit 6


def test_offline_cause_n2() -> None:
    assert parse_offline_cause(0x12) == parse_offline_cause(HEALTHY)
    assert parse_offline_cause(0x16).cover_open  # bit 2
    assert parse_offline_cause(0x1A).feeding  # bit 3
    assert parse_offline_cause(0x32).paper_end_stop  # bit 5
    assert parse_offline_cause(0x52).error  # bit 6


def test_error_cause_n3() -> None:
    assert parse_error_cause(0x12) == ()
    assert parse_error_cause(0x16) == ("recoverable",)  # bit 2
    assert parse_error_cause(0x1A) == ("autocutter",)  # bit 3
    assert parse_error_cause(0x32) == ("unrecoverable",)  # bit 5
    assert parse_error_cause(0x52) == ("auto_recoverable",)  # bit 6
    assert parse_error_cause(0x7E) == ERROR_NAMES


def test_paper_sensor_n4() -> None:
    assert parse_paper(0x12) == parse_paper(HEALTHY)
    assert not parse_paper(0x12).near_end and not parse_paper(0x12).paper_out
    assert parse_paper(0x1E).near_end and not parse_paper(0x1E).paper_out  # bits 2-3
    assert parse_paper(0x72).paper_out  # bits 5-6
    assert parse_paper(0x7E).paper_out and parse_paper(0x7E).near_end
    # clones that set one bit of each pair
    assert parse_paper(0x16).near_end and parse_paper(0x1A).near_end
    assert parse_paper(0x32).paper_out and parse_paper(0x52).paper_out


def test_python_escpos_masks_agree() -> None:
    from escpos import constants as c  # type: ignore[import-untyped]

    assert request(1) == c.RT_STATUS_ONLINE and request(4) == c.RT_STATUS_PAPER
    assert c.RT_MASK_ONLINE == 0x08  # bit 3 of n = 1
    assert parse_paper(c.RT_MASK_PAPER) == parse_paper(HEALTHY)
    assert parse_paper(c.RT_MASK_LOWPAPER).near_end
    assert parse_paper(c.RT_MASK_NOPAPER).paper_out


@pytest.mark.parametrize(
    ("replies", "fault", "fields"),
    [
        ((0x12,), None, {}),
        ((0x12, None, None, 0x12), None, {}),
        ((0x12, None, None, 0x1E), None, {"paper_near_end": True}),
        # out of paper: offline, stopped by paper end, both sensor pairs set
        (
            (0x1A, 0x32, None, 0x7E),
            "paper_out",
            {"online": False, "paper_out": True, "paper_near_end": True},
        ),
        # the paper sensor alone says empty (printer idle, still "online")
        ((0x12, None, None, 0x72), "paper_out", {"paper_out": True, "paper_near_end": True}),
        ((0x1A, 0x16, None, 0x12), "cover_open", {"online": False, "cover_open": True}),
        # cover open and no paper seen through it: the cover is what to fix first
        (
            (0x1A, 0x36, None, 0x72),
            "cover_open",
            {"online": False, "cover_open": True, "paper_out": True, "paper_near_end": True},
        ),
        (
            (0x1A, 0x52, 0x1A, 0x12),
            "offline",
            {"online": False, "error": True, "errors": ("autocutter",)},
        ),
        ((0x1A, 0x12, None, 0x12), "offline", {"online": False}),
        ((0x16, None, None, 0x12), None, {"drawer_pin3_high": True}),
    ],
)
def test_from_replies(
    replies: tuple[int | None, ...], fault: str | None, fields: dict[str, object]
) -> None:
    status = from_replies(*replies)  # type: ignore[arg-type]
    assert status.fault == fault
    assert status.ok == (fault is None)
    assert status == PrinterStatus(**fields)  # type: ignore[arg-type]


def test_a_bad_byte_anywhere_is_refused() -> None:
    with pytest.raises(StatusReplyError):
        from_replies(0x12, None, None, 0x00)
    with pytest.raises(StatusReplyError):
        from_replies(0x08)  # the offline bit without the fixed bits


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (PrinterStatus(), {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}),
        (PrinterStatus(paper_out=True), {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}),
        (PrinterStatus(cover_open=True), {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}),
        (PrinterStatus(online=False), {1: 0x1A, 2: 0x12, 3: 0x12, 4: 0x12}),
        (PrinterStatus(paper_near_end=True), {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E}),
        (
            PrinterStatus(error=True, errors=("autocutter",)),
            {1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12},
        ),
    ],
)
def test_to_replies_known_bytes(status: PrinterStatus, expected: dict[int, int]) -> None:
    assert to_replies(status) == expected


def test_replies_round_trip() -> None:
    flags = ("online", "cover_open", "paper_out", "paper_near_end", "error", "drawer_pin3_high")
    for values in itertools.product((False, True), repeat=len(flags)):
        s = PrinterStatus(**dict(zip(flags, values, strict=True)))  # type: ignore[arg-type]
        r = to_replies(s)
        back = from_replies(r[1], r[2], r[3], r[4])
        assert back.fault == s.fault
        assert back.cover_open == s.cover_open and back.paper_out == s.paper_out
        assert back.paper_near_end == (s.paper_near_end or s.paper_out)
        assert back.error == s.error and back.drawer_pin3_high == s.drawer_pin3_high
        assert back.online == (s.fault is None)
    with pytest.raises(ValueError):
        to_replies(PrinterStatus(error=True, errors=("jam",)))
