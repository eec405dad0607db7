"""Scanner framing: suffixes, fixed length, timeouts, AIM prefixes, and noise never a scan."""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from devices.scanner.framing import (
    BAD_CHECK_DIGIT,
    DEFAULT_MAX_LENGTH,
    NOT_PRINTABLE,
    PARTIAL,
    SUFFIXES,
    TOO_LONG,
    TOO_SHORT,
    WRONG_LENGTH,
    Dropped,
    Event,
    Framer,
    Scan,
    check_frame,
    strip_aim,
    symbology_name,
)
from terminal.rules.appcode import generate_keypair, looks_like_app_code, sign_app_code
from terminal.rules.barcodes import is_gtin, looks_like_gtin, with_check_digit

REASONS = {BAD_CHECK_DIGIT, NOT_PRINTABLE, PARTIAL, TOO_LONG, TOO_SHORT, WRONG_LENGTH}
EAN13 = "6901234567892"
EAN8 = "96385074"
UPCA = "036000291452"


def scans(events: list[Event]) -> list[Scan]:
    return [e for e in events if isinstance(e, Scan)]


def drops(events: list[Event]) -> list[Dropped]:
    return [e for e in events if isinstance(e, Dropped)]


def run(framer: Framer, chunks: list[bytes], now: float = 0.0) -> list[Event]:
    """Feed chunks at one instant, then let the line go quiet."""
    out: list[Event] = []
    for c in chunks:
        out += framer.feed(c, now)
    out += framer.tick(now + framer.timeout_s + 1)
    return out


# ------------------------------------------------------------------ suffix framing


@pytest.mark.parametrize("suffix", ["CR", "LF", "CRLF"])
def test_codes_split_at_the_suffix(suffix: str) -> None:
    term = SUFFIXES[suffix]
    f = Framer(suffix)  # type: ignore[arg-type]
    stream = EAN13.encode() + term + b"ABC-1234" + term + EAN8.encode() + term
    assert [s.code for s in scans(run(f, [stream]))] == [EAN13, "ABC-1234", EAN8]


def test_frames_across_chunk_boundaries_byte_by_byte() -> None:
    f = Framer("CRLF")
    stream = (EAN13 + "\r\n" + EAN8 + "\r\n").encode()
    events = run(f, [bytes([b]) for b in stream])
    assert [s.code for s in scans(events)] == [EAN13, EAN8]
    assert drops(events) == []


@pytest.mark.parametrize("suffix", ["CR", "LF"])
def test_a_crlf_scanner_works_on_a_till_set_to_cr_or_lf(suffix: str) -> None:
    f = Framer(suffix)  # type: ignore[arg-type]
    events = run(f, [f"{EAN13}\r\n{EAN8}\r\n".encode()])
    assert [s.code for s in scans(events)] == [EAN13, EAN8]
    assert drops(events) == []


def test_empty_frames_are_ignored_silently() -> None:
    assert run(Framer("CR"), [b"\r\r\r"]) == []


def test_partial_frame_is_dropped_at_timeout_and_the_next_code_is_found() -> None:
    f = Framer("CR", timeout_s=0.05)
    assert f.feed(b"690123", 1.0) == []
    assert f.tick(1.04) == []  # still within the inter-character timeout
    assert f.pending
    assert f.tick(1.06) == [Dropped(PARTIAL, b"690123")]
    assert not f.pending
    assert f.feed(EAN13.encode() + b"\r", 2.0) == [Scan(EAN13, "unknown")]


def test_a_gap_inside_a_frame_drops_the_start_and_judges_the_rest_on_its_own() -> None:
    f = Framer("CR", timeout_s=0.05)
    assert f.feed(b"6901", 1.0) == []
    # The rest comes too late: the start is dropped; bytes alone cannot tell the rest
    # from a fresh code, so it is checked like one (a GTIN-length tail needs its check digit).
    events = f.feed(b"23456789\r", 1.2)
    assert events == [Dropped(PARTIAL, b"6901"), Dropped(BAD_CHECK_DIGIT, b"23456789")]
    assert f.feed(b"6901", 2.0) + f.feed(b"234567892\r", 2.2) == [
        Dropped(PARTIAL, b"6901"),
        Scan("234567892", "unknown"),
    ]


def test_over_long_frame_is_dropped_once_and_the_reader_resyncs_at_the_suffix() -> None:
    f = Framer("CR", max_length=20)
    events = run(f, [b"X" * 500, b"\r", EAN13.encode(), b"\r"])
    assert [d.reason for d in drops(events)] == [TOO_LONG]
    assert [s.code for s in scans(events)] == [EAN13]


def test_over_long_garbage_then_a_pause_resyncs_without_a_suffix() -> None:
    f = Framer("CR", max_length=20, timeout_s=0.05)
    events = f.feed(b"X" * 100, 1.0)
    events += f.feed(EAN13.encode() + b"\r", 1.5)
    assert [d.reason for d in drops(events)] == [TOO_LONG]
    assert [s.code for s in scans(events)] == [EAN13]


def test_max_length_counts_the_code_not_the_aim_prefix() -> None:
    f = Framer("CR", max_length=13)
    assert scans(run(f, [b"]E0" + EAN13.encode() + b"\r"])) == [Scan(EAN13, "EAN-13", "]E0")]
    assert [d.reason for d in drops(run(f, [b"ABCDEFGHIJKLMN\r"]))] == [TOO_LONG]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"6901234567893", BAD_CHECK_DIGIT),
        (b"96385075", BAD_CHECK_DIGIT),
        (b"036000291453", BAD_CHECK_DIGIT),
        (b"]E06901234567893", BAD_CHECK_DIGIT),
        (b"ABC\x00DEF", NOT_PRINTABLE),
        (b"\x1b[2J1234", NOT_PRINTABLE),
        ("会员码1234".encode(), NOT_PRINTABLE),
        (b"\xff\xfe1234", NOT_PRINTABLE),
        (b"AB\tCD", NOT_PRINTABLE),
        (b"ABC", TOO_SHORT),
        (b"]C0AB", TOO_SHORT),
    ],
)
def test_noise_is_dropped_with_its_reason(raw: bytes, reason: str) -> None:
    assert run(Framer("CR"), [raw + b"\r"]) == [Dropped(reason, raw)]


def test_drops_are_logged_with_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="devices.scanner"):
        run(Framer("CR"), [b"6901234567893\r"])
    assert [r.name for r in caplog.records] == ["devices.scanner"]
    assert BAD_CHECK_DIGIT in caplog.records[0].getMessage()
    assert "6901234567893" in caplog.records[0].getMessage()


def test_gtin_lengths_only_are_check_digit_checked() -> None:
    # 11 digits (a phone number) and 14 digits are not GTIN lengths the till scans.
    assert scans(run(Framer("CR"), [b"13800138000\r12345678901234\r"])) == [
        Scan("13800138000", "unknown"),
        Scan("12345678901234", "unknown"),
    ]


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        Framer("TAB")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Framer(None, fixed_length=0)
    with pytest.raises(ValueError):
        Framer("CR", max_length=10, min_length=11)
    with pytest.raises(ValueError):
        Framer("CR", timeout_s=0)


# ------------------------------------------------------------------ AIM prefixes


@pytest.mark.parametrize(
    ("raw", "code", "symbology", "aim"),
    [
        ("]E0" + EAN13, EAN13, "EAN-13", "]E0"),
        ("]E0" + UPCA, UPCA, "UPC-A", "]E0"),
        ("]E4" + EAN8, EAN8, "EAN-8", "]E4"),
        ("]C0ABC-123", "ABC-123", "Code 128", "]C0"),
        ("]C1" + "0106901234567892", "0106901234567892", "GS1-128", "]C1"),
        ("]Q1MC1.M000123.1700000000.sig", "MC1.M000123.1700000000.sig", "QR", "]Q1"),
        ("]d1DM-0001", "DM-0001", "Data Matrix", "]d1"),
        ("]A0CODE39", "CODE39", "Code 39", "]A0"),
        ("]X9ABCDEF", "ABCDEF", "AIM ]X9", "]X9"),
        (EAN13, EAN13, "unknown", ""),
        ("AB]E01234", "AB]E01234", "unknown", ""),  # only a leading prefix is one
        ("]]E01234", "]]E01234", "unknown", ""),
        ("]E", "]E", "unknown", ""),
    ],
)
def test_aim_prefix_is_stripped_and_reported(raw: str, code: str, symbology: str, aim: str) -> None:
    ev = check_frame(raw.encode(), min_length=1)
    assert ev == Scan(code, symbology, aim)


def test_only_one_aim_prefix_is_stripped() -> None:
    assert strip_aim(b"]C0]E0" + EAN13.encode()) == ("]C0", b"]E0" + EAN13.encode())


def test_signed_app_code_behind_a_qr_prefix_fits_the_default_length() -> None:
    private, _ = generate_keypair()
    code = sign_app_code(private, "M" + "9" * 31, 10**11)  # longest member code, 12-digit time
    assert len(code) > 64
    [scan] = scans(run(Framer("CR"), [b"]Q1" + code.encode() + b"\r"]))
    assert scan == Scan(code, "QR", "]Q1")
    assert looks_like_app_code(scan.code)


# ------------------------------------------------------------------ fixed length, timeout


def test_fixed_length_without_suffix_cuts_every_n_bytes() -> None:
    f = Framer(None, fixed_length=13)
    events = f.feed((EAN13 + "4006381333931" + "69012").encode(), 1.0)
    assert [s.code for s in scans(events)] == [EAN13, "4006381333931"]
    assert f.tick(2.0) == [Dropped(PARTIAL, b"69012")]


def test_fixed_length_counts_the_aim_prefix() -> None:
    f = Framer(None, fixed_length=16)
    assert f.feed(b"]E0" + EAN13.encode(), 1.0) == [Scan(EAN13, "EAN-13", "]E0")]


def test_fixed_length_with_suffix_drops_other_lengths() -> None:
    f = Framer("CR", fixed_length=13)
    events = run(f, [f"{EAN13}\r{EAN8}\r".encode()])
    assert events == [Scan(EAN13, "unknown"), Dropped(WRONG_LENGTH, EAN8.encode())]


def test_timeout_framing_ends_a_code_when_the_line_goes_quiet() -> None:
    f = Framer(None, timeout_s=0.05)
    assert f.feed(EAN13[:6].encode(), 1.0) == []
    assert f.feed(EAN13[6:].encode(), 1.01) == []
    assert f.tick(1.05) == []
    assert f.tick(1.07) == [Scan(EAN13, "unknown")]
    # The next burst starts a new frame; its arrival also ends the previous one.
    assert f.feed(EAN8.encode(), 2.0) == []
    assert f.feed(b"ABCD1234", 3.0) == [Scan(EAN8, "unknown")]


def test_reset_forgets_a_partial_frame_silently() -> None:
    f = Framer("CR")
    f.feed(b"69012", 1.0)
    f.reset()
    assert f.tick(9.0) == []
    assert f.feed(EAN8.encode() + b"\r", 9.0) == [Scan(EAN8, "unknown")]


# ------------------------------------------------------------------ properties

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
AIMS = ["", "]E0", "]C0", "]C1", "]Q1", "]d2"]


@st.composite
def gtins(draw: st.DrawFn) -> str:
    length = draw(st.sampled_from([8, 12, 13]))
    return with_check_digit(draw(st.text("0123456789", min_size=length - 1, max_size=length - 1)))


app_codes = st.builds(
    lambda member, issued, sig: f"MC1.{member}.{issued}.{sig}",
    st.text("M0123456789", min_size=1, max_size=32),
    st.integers(0, 10**12 - 1),
    st.text("ABCxyz019_-", min_size=86, max_size=86),
)


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    """Codes the framer must pass: GTINs and printable text that isn't a bad GTIN."""
    code = draw(
        st.one_of(
            gtins(),
            st.text(PRINTABLE, min_size=4, max_size=DEFAULT_MAX_LENGTH),
            app_codes,
        )
    )
    if looks_like_gtin(code) and not is_gtin(code):
        code = with_check_digit(code[:-1])
    if strip_aim(code.encode())[0]:
        code = "X" + code[1:]  # a code that starts like an AIM prefix would lose it
    return code


pieces = st.one_of(
    st.binary(max_size=30),
    st.sampled_from([b"]E0", b"]C1", b"]Q1", b"\x00", b"\xff", b"\x1d"]),
    st.sampled_from([8, 12, 13]).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
    st.text("0123456789", max_size=14),
    st.text(PRINTABLE, max_size=30),
    gtins(),
).map(lambda p: p.encode() if isinstance(p, str) else p)
ends = st.sampled_from([b"", b"\r", b"\n", b"\r\n"])
streams = st.lists(st.tuples(pieces, ends).map(b"".join), max_size=30).map(b"".join)
suffixes = st.sampled_from(["CR", "LF", "CRLF", None])


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=200, deadline=None)
@given(
    stream=streams,
    suffix=suffixes,
    fixed=st.sampled_from([None, None, 8, 13, 16]),
    max_length=st.sampled_from([16, 64, DEFAULT_MAX_LENGTH]),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
    gaps=st.lists(st.sampled_from([0.0, 0.01, 0.04, 0.2]), max_size=12),
)
def test_no_stream_ever_yields_an_invalid_scan(
    stream: bytes,
    suffix: str | None,
    fixed: int | None,
    max_length: int,
    cuts: list[int],
    gaps: list[float],
) -> None:
    logging.getLogger("devices.scanner").disabled = True  # thousands of drops; speed
    try:
        f = Framer(suffix, fixed, max_length, 0.05)  # type: ignore[arg-type]
        events: list[Event] = []
        now = 0.0
        for i, chunk in enumerate(chunked(stream, cuts)):
            now += gaps[i] if i < len(gaps) else 0.0
            events += f.tick(now) + f.feed(chunk, now)
        events += f.tick(now + 1)
    finally:
        logging.getLogger("devices.scanner").disabled = False
    event(f"scans: {min(len(scans(events)), 3)}")
    for ev in events:
        if isinstance(ev, Scan):
            assert ev.code.isascii() and ev.code.isprintable(), ev
            assert 4 <= len(ev.code) <= max_length, ev
            assert not (looks_like_gtin(ev.code) and not is_gtin(ev.code)), ev
            assert ev.code.encode() in stream
        else:
            assert ev.reason in REASONS
            assert ev.raw in stream
    assert not f.pending


@settings(max_examples=200, deadline=None)
@given(
    before=streams,
    after=streams,
    code=valid_codes(),
    aim=st.sampled_from(AIMS),
    suffix=st.sampled_from(["CR", "LF", "CRLF"]),
    cuts=st.lists(st.integers(0, 10_000), max_size=12),
)
def test_a_valid_code_between_noise_is_still_found(
    before: bytes, after: bytes, code: str, aim: str, suffix: str, cuts: list[int]
) -> None:
    term = SUFFIXES[suffix]
    stream = before + term + (aim + code).encode() + term + after
    logging.getLogger("devices.scanner").disabled = True
    try:
        f = Framer(suffix)  # type: ignore[arg-type]
        events: list[Event] = []
        for chunk in chunked(stream, cuts):
            events += f.feed(chunk, 1.0)  # one burst: no inter-character timeout
        events += f.tick(2.0)
    finally:
        logging.getLogger("devices.scanner").disabled = False
    assert any(s.code == code and s.aim == aim for s in scans(events)), (code, events)


@settings(max_examples=100, deadline=None)
@given(codes=st.lists(valid_codes(), min_size=1, max_size=8), aim=st.sampled_from(AIMS))
def test_clean_streams_lose_nothing(codes: list[str], aim: str) -> None:
    f = Framer("CRLF")
    stream = b"".join((aim + c).encode() + b"\r\n" for c in codes)
    events = run(f, [stream])
    assert events == [Scan(c, symbology_name(aim, c), aim) for c in codes]
