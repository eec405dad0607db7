"""Serial scanners end to end: loop://, a pty, a TCP socket, unplug/replug, several at once.

Everything waits on conditions with timeouts; nothing sleeps for a fixed long time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from devices.scanner.serial_reader import (
    CONNECTED,
    DISCONNECTED,
    ScannerHub,
    ScanReceived,
    SerialScanner,
    StatusChanged,
)
from devices.scanner.sim import PtyScanner, SocketScanner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="ptys are POSIX")

EAN13 = "6901234567892"
EAN8 = "96385074"
WAIT = 3.0  # the promise: back within 3 s of the port coming back


class Recorder:
    """Callbacks for a SerialScanner that tests can wait on."""

    def __init__(self) -> None:
        self.scans: list[str] = []
        self.statuses: list[str] = []
        self.times: dict[str, list[float]] = {}
        self._cond = threading.Condition()

    def on_scan(self, name: str, code: str) -> None:
        with self._cond:
            self.scans.append(code)
            self.times.setdefault(code, []).append(time.monotonic())
            self._cond.notify_all()

    def on_status(self, name: str, status: str) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    def wait(self, pred: Callable[[], bool], timeout: float = WAIT) -> bool:
        with self._cond:
            return self._cond.wait_for(pred, timeout)

    def wait_status(self, status: str, count: int = 1, timeout: float = WAIT) -> bool:
        return self.wait(lambda: self.statuses.count(status) >= count, timeout)

    def wait_scans(self, n: int, timeout: float = WAIT) -> list[str]:
        self.wait(lambda: len(self.scans) >= n, timeout)
        return list(self.scans)


@pytest.fixture
def pty_sim() -> Iterator[PtyScanner]:
    with PtyScanner() as sim:
        yield sim


def reader(port: str, rec: Recorder, **config: object) -> SerialScanner:
    return SerialScanner(port, "hand", rec.on_scan, rec.on_status, **config)  # type: ignore[arg-type]


# ------------------------------------------------------------------ loop://


def test_loop_round_trip() -> None:
    rec = Recorder()
    with reader("loop://", rec) as sc:
        assert rec.wait_status(CONNECTED)
        assert sc.connected
        assert sc.write(EAN13.encode() + b"\r")
        assert sc.write(b"]E4" + EAN8.encode() + b"\rnoise\x00\r6901234567893\r")
        assert rec.wait_scans(2) == [EAN13, EAN8]
        assert sc.write(b"ABC-123\r")
        assert rec.wait_scans(3) == [EAN13, EAN8, "ABC-123"]  # the noise never arrived
    assert not sc.connected
    assert rec.statuses == [CONNECTED]


@pytest.mark.parametrize(
    "port", ["/nonexistent/ttyACM9", "COM3", "hwgrep://ffff:fff0", "socket://127.0.0.1:1"]
)
def test_a_port_that_cannot_open_reports_disconnected_and_keeps_trying(port: str) -> None:
    rec = Recorder()
    with reader(port, rec, retry_s=0.05) as sc:
        assert rec.wait_status(DISCONNECTED)
        assert not sc.connected
        assert not sc.write(b"x")
    assert rec.statuses == [DISCONNECTED]  # reported once, not on every retry


def test_a_bad_framer_configuration_fails_in_the_caller() -> None:
    with pytest.raises(ValueError):
        reader("loop://", Recorder(), suffix="TAB")


def test_a_failing_callback_does_not_kill_the_reader() -> None:
    rec = Recorder()
    calls: list[str] = []

    def bad(name: str, code: str) -> None:
        calls.append(code)
        if len(calls) == 1:
            raise RuntimeError("UI blew up")
        rec.on_scan(name, code)

    with SerialScanner("loop://", "hand", bad, rec.on_status) as sc:
        assert rec.wait_status(CONNECTED)
        sc.write(f"{EAN13}\r{EAN8}\r".encode())
        assert rec.wait_scans(1) == [EAN8]


# ------------------------------------------------------------------ pty


def test_codes_typed_into_a_pty_arrive(pty_sim: PtyScanner) -> None:
    rec = Recorder()
    with reader(pty_sim.port, rec):
        assert rec.wait_status(CONNECTED)
        pty_sim.send(EAN13)
        pty_sim.send(EAN8, aim="]E4")
        pty_sim.send_raw(b"\x00\x01garbage\xff\r")  # line noise: dropped
        pty_sim.send_raw(b"690123")  # a partial frame: dropped at the timeout
        time.sleep(0.1)
        pty_sim.send("MC1.M0001.1700000000.sig", aim="]Q1")
        assert rec.wait_scans(3) == [EAN13, EAN8, "MC1.M0001.1700000000.sig"]


@pytest.mark.parametrize("suffix", ["LF", "CRLF"])
def test_other_suffixes_over_a_pty(suffix: str) -> None:
    rec = Recorder()
    with PtyScanner(suffix=suffix) as sim, reader(sim.port, rec, suffix=suffix):
        assert rec.wait_status(CONNECTED)
        for code in (EAN13, EAN8, "ABC-123"):
            sim.send(code)
        assert rec.wait_scans(3) == [EAN13, EAN8, "ABC-123"]


def test_unplug_and_replug(pty_sim: PtyScanner) -> None:
    rec = Recorder()
    with reader(pty_sim.port, rec, retry_s=0.5):
        assert rec.wait_status(CONNECTED)
        pty_sim.send(EAN13)
        assert rec.wait_scans(1) == [EAN13]

        pty_sim.close_master()  # unplugged: reads fail, the port path is gone
        assert rec.wait_status(DISCONNECTED, timeout=1.0)
        # Stay unplugged over a few retries (they must fail quietly, not flap).
        assert not rec.wait_status(CONNECTED, count=2, timeout=0.7)

        pty_sim.reopen()  # plugged back in
        back = time.monotonic()
        assert rec.wait_status(CONNECTED, count=2, timeout=WAIT)
        pty_sim.send(EAN8)
        assert rec.wait_scans(2) == [EAN13, EAN8]
        took = rec.times[EAN8][0] - back
        assert took < WAIT, f"resumed {took:.2f} s after the port came back"
    assert rec.statuses == [CONNECTED, DISCONNECTED, CONNECTED]


def test_unplug_mid_frame_loses_only_that_frame(pty_sim: PtyScanner) -> None:
    rec = Recorder()
    with reader(pty_sim.port, rec, retry_s=0.05):
        assert rec.wait_status(CONNECTED)
        pty_sim.send_raw(b"690123")
        pty_sim.close_master()
        assert rec.wait_status(DISCONNECTED)
        pty_sim.reopen()
        assert rec.wait_status(CONNECTED, count=2)
        pty_sim.send("4567892")  # the rest of the old frame is not glued to the start
        pty_sim.send(EAN13)
        assert rec.wait_scans(2) == ["4567892", EAN13]


# ------------------------------------------------------------------ socket://, hub


def test_socket_scanner_and_reconnect() -> None:
    rec = Recorder()
    with SocketScanner() as sim, reader(sim.url, rec, retry_s=0.1):
        assert rec.wait_status(CONNECTED)
        assert sim.wait_for_client()
        sim.send(EAN13)
        assert rec.wait_scans(1) == [EAN13]
        sim.drop_clients()
        assert rec.wait_status(DISCONNECTED)
        assert rec.wait_status(CONNECTED, count=2)
        assert sim.wait_for_client()
        sim.send(EAN8)
        assert rec.wait_scans(2) == [EAN13, EAN8]


def test_two_scanners_feed_one_hub(pty_sim: PtyScanner) -> None:
    woken = threading.Event()
    hub = ScannerHub(notify=woken.set)
    with SocketScanner(suffix="CRLF") as counter_top:
        hub.add(pty_sim.port, "hand")
        hub.add(counter_top.url, "counter", suffix="CRLF")
        with pytest.raises(ValueError):
            hub.add("loop://", "hand")
        with hub:
            statuses: set[str] = set()
            deadline = time.monotonic() + WAIT
            while len(statuses) < 2 and time.monotonic() < deadline:
                ev = hub.get(timeout=0.1)
                if isinstance(ev, StatusChanged) and ev.status == CONNECTED:
                    statuses.add(ev.scanner)
            assert statuses == {"hand", "counter"}
            assert woken.is_set()
            assert counter_top.wait_for_client()

            pty_sim.send(EAN13)
            counter_top.send(EAN8)
            pty_sim.send("ABC-123")
            hub.submit_scan("keyboard", "4006381333931")  # a wedge scanner joins the stream
            got: list[ScanReceived] = []
            deadline = time.monotonic() + WAIT
            while len(got) < 4 and time.monotonic() < deadline:
                ev = hub.get(timeout=0.1)
                if isinstance(ev, ScanReceived):
                    got.append(ev)
            assert hub.poll() == []
    by_scanner = {(e.scanner, e.code) for e in got}
    assert by_scanner == {
        ("hand", EAN13),
        ("hand", "ABC-123"),
        ("counter", EAN8),
        ("keyboard", "4006381333931"),
    }
    hand = [e.code for e in got if e.scanner == "hand"]
    assert hand == [EAN13, "ABC-123"]  # each scanner's codes keep their order


# ------------------------------------------------------------------ the CLI


def test_scanner_sim_cli_over_a_pty() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.cli",
            "scanner-sim",
            "--pty",
            "--aim",
            "]E0",
            "--interval",
            "0.01",
            "--code",
            EAN13,
            "036000291452",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        m = re.search(r"open (\S+)", first)
        assert m, first
        rec = Recorder()
        with reader(m.group(1), rec):
            assert rec.wait_scans(2) == [EAN13, "036000291452"]
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
