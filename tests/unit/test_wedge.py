"""Keyboard-wedge scanners told apart from a cashier's typing by key timing alone."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.scanner.framing import BAD_CHECK_DIGIT, Dropped, Scan
from devices.scanner.wedge import Typed, WedgeDetector, WedgeEvent
from terminal.rules.barcodes import is_gtin, looks_like_gtin, with_check_digit

EAN13 = "6901234567892"


def keys(
    det: WedgeDetector, text: str, start_ms: float, interval_ms: float
) -> tuple[list[WedgeEvent], float]:
    """Type ``text`` one key every ``interval_ms``; the events and the last key's time."""
    out: list[WedgeEvent] = []
    t = start_ms
    for i, ch in enumerate(text):
        t = start_ms + i * interval_ms
        out += det.feed(ch, t)
    return out, t


def typed_text(events: list[WedgeEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, Typed))


def test_a_fast_burst_ended_by_enter_is_a_scan() -> None:
    det = WedgeDetector()
    events, _ = keys(det, EAN13 + "\r", 1000, 4)
    assert events == [Scan(EAN13, "unknown")]


def test_the_same_digits_typed_by_a_person_are_typed_text() -> None:
    det = WedgeDetector()
    events, t = keys(det, EAN13 + "\r", 1000, 120)
    events += det.tick(t + 1000)
    assert not [e for e in events if not isinstance(e, Typed)]
    assert typed_text(events) == EAN13 + "\r"


def test_a_fast_typist_with_the_odd_quick_pair_is_still_typing() -> None:
    det = WedgeDetector()
    events: list[WedgeEvent] = []
    t = 0.0
    for i, ch in enumerate("123456789\r"):
        t += 15 if i % 2 else 90  # key rollover: every other key comes quickly
        events += det.feed(ch, t)
    assert typed_text(events) == "123456789\r"
    assert not any(isinstance(e, Scan) for e in events)


def test_held_keys_are_handed_back_once_the_pause_is_too_long_for_a_scanner() -> None:
    det = WedgeDetector(max_interval_ms=30)
    assert det.feed("7", 100) == []
    assert det.release_at == 130
    assert det.tick(130) == []
    assert det.tick(131) == [Typed("7")]
    assert det.release_at is None
    assert det.tick(500) == []


def test_short_bursts_are_typing() -> None:
    det = WedgeDetector(min_length=6)
    events, _ = keys(det, "12345\r", 0, 5)
    assert events == [Typed("12345\r")]


def test_a_scan_right_after_typing_is_still_a_scan() -> None:
    det = WedgeDetector()
    typed, t = keys(det, "12", 0, 200)  # the cashier starts a quantity...
    scanned, _ = keys(det, EAN13 + "\n", t + 300, 3)  # ...and scans instead
    assert typed + scanned == [Typed("1"), Typed("2"), Scan(EAN13, "unknown")]


def test_a_pause_before_enter_makes_the_burst_typing() -> None:
    det = WedgeDetector()
    events, t = keys(det, EAN13, 0, 3)
    events += det.feed("\r", t + 200)
    assert events == [Typed(EAN13), Typed("\r")]


def test_a_fast_burst_with_a_bad_check_digit_is_dropped_not_typed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    det = WedgeDetector()
    with caplog.at_level(logging.WARNING, logger="devices.scanner"):
        events, _ = keys(det, "6901234567893\r", 0, 3)
    assert events == [Dropped(BAD_CHECK_DIGIT, b"6901234567893")]
    assert BAD_CHECK_DIGIT in caplog.text


def test_aim_prefix_from_a_wedge_scanner_is_stripped() -> None:
    events, _ = keys(WedgeDetector(), "]E0" + EAN13 + "\r", 0, 2)
    assert events == [Scan(EAN13, "EAN-13", "]E0")]


def test_auto_repeat_of_one_held_key_is_not_a_scan() -> None:
    events, _ = keys(WedgeDetector(), "00000000\r", 0, 20)
    assert events == [Typed("00000000\r")]


def test_other_keys_pass_through_in_order() -> None:
    det = WedgeDetector()
    events = det.feed("4", 0) + det.feed("\b", 5) + det.feed("5", 300) + det.tick(400)
    assert events == [Typed("4\b"), Typed("5")]


def test_flush_hands_back_held_keys() -> None:
    det = WedgeDetector()
    det.feed("9", 0)
    assert det.flush() == [Typed("9")]
    assert det.flush() == []


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        WedgeDetector(max_interval_ms=0)
    with pytest.raises(ValueError):
        WedgeDetector(min_length=0)


# ------------------------------------------------------------------ properties

typing_keys = st.text("0123456789abcXYZ-.\r\n\b", min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    text=typing_keys,
    intervals=st.lists(st.floats(31, 2000), min_size=40, max_size=40),
)
def test_keys_slower_than_a_scanner_are_never_a_scan_and_never_lost(
    text: str, intervals: list[float]
) -> None:
    det = WedgeDetector(max_interval_ms=30)
    events: list[WedgeEvent] = []
    t = 0.0
    for ch, gap in zip(text, intervals, strict=False):
        t += gap
        events += det.feed(ch, t)
    events += det.tick(t + 31)
    assert all(isinstance(e, Typed) for e in events)
    assert typed_text(events) == text


@settings(max_examples=200, deadline=None)
@given(
    text=typing_keys,
    intervals=st.lists(st.sampled_from([1.0, 5.0, 29.0, 30.0, 31.0, 150.0]), min_size=40),
    tick_every=st.sampled_from([None, 10.0, 50.0]),
)
def test_any_timing_keeps_every_key_in_order(
    text: str, intervals: list[float], tick_every: float | None
) -> None:
    """Whatever the timing, each key ends up in exactly one event, in order."""
    logging.getLogger("devices.scanner").disabled = True
    try:
        det = WedgeDetector(max_interval_ms=30, min_length=6)
        events: list[WedgeEvent] = []
        t = 0.0
        for ch, gap in zip(text, intervals, strict=False):
            if tick_every:
                for k in range(1, int(gap // tick_every) + 1):
                    events += det.tick(t + k * tick_every)
            t += gap
            events += det.feed(ch, t)
        events += det.tick(t + 31)
    finally:
        logging.getLogger("devices.scanner").disabled = False
    rebuilt = []
    for e in events:
        if isinstance(e, Typed):
            rebuilt.append(e.text)
        elif isinstance(e, Scan):
            assert len(e.code) >= 6
            rebuilt.append(e.code + "?")
        else:
            rebuilt.append(e.raw.decode() + "?")
    # Scans and drops end at an Enter key; put "?" for it and compare.
    expected = text
    joined = "".join(rebuilt)
    assert len(joined) == len(expected)
    assert all(a == b or (a == "?" and b in "\r\n") for a, b in zip(joined, expected, strict=True))


bursts = st.tuples(
    st.just("scan"),
    st.one_of(
        st.text("0123456789", min_size=7, max_size=12).map(with_check_digit),
        st.text("ABCDEFGH0123456789-.", min_size=6, max_size=40),
    ).filter(lambda code: len(set(code)) > 1),  # one repeated key is auto-repeat, not a scan
    st.floats(0.5, 29.9),  # inside the 30 ms limit, clear of float rounding at the edge
)
typing = st.tuples(
    st.just("type"), st.text("0123456789\r", min_size=1, max_size=15), st.floats(31, 400)
)


@settings(max_examples=200, deadline=None)
@given(segments=st.lists(st.one_of(bursts, typing), max_size=8), pause=st.floats(31, 1000))
def test_scanner_bursts_among_typing_are_exactly_the_scans(
    segments: list[tuple[str, str, float]], pause: float
) -> None:
    logging.getLogger("devices.scanner").disabled = True
    try:
        det = WedgeDetector(max_interval_ms=30, min_length=6)
        events: list[WedgeEvent] = []
        t = 0.0
        expected_scans: list[str] = []
        for kind, text, interval in segments:
            t += pause  # a person never presses the next key within 30 ms of a scan
            keys_ = text + "\r" if kind == "scan" else text
            for i, ch in enumerate(keys_):
                events += det.feed(ch, t + i * interval)
            t += (len(keys_) - 1) * interval
            if (
                kind == "scan"
                and len(set(text)) > 1
                and not (looks_like_gtin(text) and not is_gtin(text))
            ):
                expected_scans.append(text)
        events += det.tick(t + pause)
    finally:
        logging.getLogger("devices.scanner").disabled = False
    assert [e.code for e in events if isinstance(e, Scan)] == expected_scans
    typed = "".join(text for kind, text, _ in segments if kind == "type")
    assert typed_text(events) == typed


def test_the_wedge_gap_is_a_setting_and_a_40ms_bluetooth_scanner_reads_as_a_scan() -> None:
    from devices.scanner.wedge import Scan
    from ui.devices import wedge_detector

    slow = wedge_detector({"scanner_wedge_gap_ms": "60"})
    assert slow is not None and slow.max_interval_ms == 60
    default = wedge_detector({})
    assert default is not None and default.max_interval_ms == 30
    code, events, events_default = "6900000000014", [], []
    for i, ch in enumerate(code + "\r"):  # 40 ms a key
        events += slow.feed(ch, i * 40.0)
        events_default += default.feed(ch, i * 40.0)
    assert [e.code for e in events if isinstance(e, Scan)] == [code]
    assert not [e for e in events_default if isinstance(e, Scan)]
    bad_settings = (
        {"scanner_wedge_gap_ms": "fast"},
        {"scanner_wedge_gap_ms": "0"},
        {"scanner_wedge_min_length": "0"},
    )
    for bad in bad_settings:
        assert wedge_detector(bad) is None
