"""The commands against a real ``pos-hq serve`` (uvicorn) on 127.0.0.1 and a random port:
import, enroll, a new till provisioned by ``pos-terminal sync``, a replay on it, a sync,
and ``pos-hq member`` printing what the replay printed. Then the background loop: a
sale never waits for HQ, and the loop catches up once HQ answers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync import till as sync_till
from sync.client import Backoff, HqClient, SyncLoop
from sync.hq import cli as hq_cli
from terminal.store.db import open_store
from tests.hq.helpers import SETUP, SOY, Hq, Till, as_sent, cash
from tests.hq.test_scenarios import split
from ui import cli as till_cli

SCENARIO = Path(__file__).parents[1] / "scenarios" / "tomato_expiry_lots.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(hq_url: str, engine: object) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "sync.hq.cli", "serve", "--db", hq_url, "--port", str(port)]
    # the scenario's till clock runs to 2028: HQ takes its dates (a wide window)
    env = {**os.environ, "POS_HQ_MAX_AHEAD_S": str(10**9), "POS_HQ_MAX_AGE_DAYS": "36500"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pos-hq serve did not start: {proc.stderr.read()!r}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stderr is not None
        proc.stderr.close()


def run(main: object, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)  # type: ignore[operator]
    return code, capsys.readouterr().out


def test_commands_end_to_end_over_http(
    server: str, hq_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(SCENARIO.read_text(encoding="utf-8"))
    setup, events = split(data)
    (tmp_path / "setup.json").write_text(json.dumps(setup), encoding="utf-8")
    (tmp_path / "events.json").write_text(json.dumps(events), encoding="utf-8")
    db = tmp_path / "till" / "new.sqlite"
    code, out = run(hq_cli.main, ["import", "--db", hq_url, str(tmp_path / "setup.json")], capsys)
    assert code == 0 and "2 members" in out
    code, token = run(
        hq_cli.main, ["enroll", "--db", hq_url, "--store", "S1", "--terminal", "S1-T03"], capsys
    )
    assert code == 0
    token_file = tmp_path / "token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    sync = ["sync", "--db", str(db), "--hq", server]
    assert not db.exists()
    code, out = run(till_cli.main, [*sync, "--token-file", str(token_file)], capsys)
    assert code == 0 and "synced S1-T03 (store S1)" in out and "pulled 2 members" in out
    token_file.unlink()  # the store keeps the token: later rounds need no file
    code, out = run(
        till_cli.main, ["replay", str(tmp_path / "events.json"), "--db", str(db)], capsys
    )
    assert code == 0
    played = json.loads(out)
    assert [m["code"] for m in played["members"]] == ["M000001", "M000002"]
    code, out = run(till_cli.main, sync, capsys)
    assert code == 0 and "checkpoint" in out
    day = "2028-10-02"  # the scenario's last clock: coins are counted on it
    for member in played["members"]:
        code, out = run(
            hq_cli.main, ["member", member["code"], "--db", hq_url, "--on", day], capsys
        )
        at_hq = json.loads(out)
        assert code == 0
        assert {k: at_hq[k] for k in member} == member
        assert at_hq["debt"] == {"coins": 0, "stored_value": "0.00"}
    assert run(till_cli.main, ["verify", "--db", str(db)], capsys)[0] == 0
    code, out = run(hq_cli.main, ["verify", "--db", hq_url], capsys)
    assert code == 0 and out.startswith("ok")
    bad = tmp_path / "bad-token"
    bad.write_text("hqt_not-a-token\n")
    bad.chmod(0o600)
    assert till_cli.main([*sync, "--token-file", str(bad)]) == 1
    assert "401 unknown or revoked token" in capsys.readouterr().err


def test_the_background_loop_never_holds_up_a_sale(server: str, hq: Hq, tmp_path: Path) -> None:
    hq.import_setup(SETUP)
    token = hq.enroll("S1", "S1-T04")
    path = tmp_path / "loop.sqlite"
    sessions = open_store(path)
    fast = Backoff(base=0.05, cap=0.2, attempts=1)
    live = HqClient.connect(server, token, backoff=fast)
    first = SyncLoop(sessions, live, interval=0.1, backoff=fast)
    assert first.run_once() is not None and first.online  # provisioned
    till = Till(hq, "S1-T04", token, path, sessions, live)

    # HQ unreachable (nothing listens there): sales commit at once, the loop backs off
    dead = HqClient.connect(f"http://127.0.0.1:{free_port()}", token, backoff=fast)
    loop = SyncLoop(sessions, dead, interval=0.05, backoff=fast)
    loop.start()
    try:
        for _ in range(5):
            started = time.perf_counter()
            till.sell("M1", SOY, cash(20))
            assert time.perf_counter() - started < 1.0
        time.sleep(0.3)
        assert not loop.online and loop.failures >= 1
    finally:
        loop.stop()
        dead.close()

    # HQ back: the loop pushes what the sales left in the outbox
    back = SyncLoop(sessions, live, interval=0.05, backoff=fast)
    back.start()
    try:
        till.sell("M1", SOY, cash(20))
        head = sync_till.head(sessions)[0]
        back.wake()
        deadline = time.monotonic() + 10
        while not (back.last and back.last.checkpoint >= head):
            assert time.monotonic() < deadline, back.error
            time.sleep(0.05)
    finally:
        back.stop()
        live.close()
    assert as_sent(hq.member("M1")) == till.state("M1")
    assert till.state("M1").purchases == 6
    assert till.verify().ok and hq.verify() == []
