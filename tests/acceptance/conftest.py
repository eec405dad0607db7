"""Fixtures of the real-keyboard acceptance suite (``pytest -m acceptance``).

Without Xvfb/xdotool/imagemagick (and openbox for the window-manager runs) the tests
are skipped with the reason; in CI (``CI=true``) a missing tool fails them instead.
Screenshots go to ``tests/acceptance/screenshots/`` (git-ignored), or to
``$ACCEPTANCE_SCREENSHOTS``; the keystroke count of each flow is printed at the end and
written beside them (``keystrokes.json``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.harness import Display, Till, dump, missing_tools

HERE = Path(__file__).parent
KEYSTROKES: dict[str, dict[str, int]] = {}  # flow -> display -> keystrokes
STORE_SIDECARS = (".key",)  # files a store keeps beside its SQLite file


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "acceptance: drives the real till under Xvfb with xdotool (tests/acceptance)"
    )


def screenshots_dir() -> Path:
    return Path(os.environ.get("ACCEPTANCE_SCREENSHOTS") or HERE / "screenshots")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not KEYSTROKES:
        return
    terminalreporter.section("keystrokes per flow (acceptance)")
    for flow, by_display in sorted(KEYSTROKES.items()):
        counts = ", ".join(f"{d}: {n}" for d, n in sorted(by_display.items()))
        terminalreporter.write_line(f"{flow:<28} {counts}")
    out = screenshots_dir()
    dump(out / "keystrokes.json", KEYSTROKES)
    terminalreporter.write_line(f"screenshots and keystrokes.json in {out}")


def require_tools(wm: bool) -> None:
    missing = missing_tools(wm)
    if not missing:
        return
    why = f"acceptance suite needs {', '.join(missing)} (apt-get install -y xvfb xdotool "
    why += "openbox imagemagick: .ci/run installs them)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(why)
    pytest.skip(why)


@dataclass(frozen=True)
class Screen:
    width: int
    height: int
    wm: bool
    taskbar: int = 0

    @property
    def id(self) -> str:
        bar = f"-taskbar{self.taskbar}" if self.taskbar else ""
        return f"{self.width}x{self.height}-{'openbox' if self.wm else 'nowm'}{bar}"


_DISPLAYS: dict[Screen, Display] = {}


@pytest.fixture(scope="session")
def displays() -> Iterator[dict[Screen, Display]]:
    """One X server per screen configuration, started when first asked for, all stopped
    at the end of the session."""
    try:
        yield _DISPLAYS
    finally:
        for d in _DISPLAYS.values():
            d.close()
        _DISPLAYS.clear()


def display_for(screen: Screen, displays: dict[Screen, Display]) -> Display:
    require_tools(screen.wm)
    if screen not in displays:
        displays[screen] = Display(screen.width, screen.height, screen.wm, screen.taskbar)
        displays[screen].start()
    return displays[screen]


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, generated once; every till gets its own copy."""
    require_tools(False)
    from terminal.app.demo import generate

    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite"
    generate(path)
    for extra in ("-wal", "-shm"):
        assert not Path(str(path) + extra).exists() or Path(str(path) + extra).stat().st_size == 0
    return path


def copy_store(src: Path, dst: Path) -> None:
    """The store file and what lives beside it (its ledger key, ``<store>.key``: the
    rows' MACs are checked with it)."""
    shutil.copyfile(src, dst)
    for extra in STORE_SIDECARS:
        side = Path(str(src) + extra)
        if side.exists():
            shutil.copyfile(side, str(dst) + extra)


@pytest.fixture
def new_till(
    demo_template: Path, tmp_path: Path, displays: dict[Screen, Display], request: Any
) -> Iterator[Any]:
    """``new_till(screen, name, staff=())``: the till on a fresh copy of the demo store
    (plus ``staff``: (code, name, role, PIN) added with ``pos-terminal staff add``),
    started; stopped after the test whatever happens (its output shown when it failed)."""
    started: list[Till] = []

    def make(screen: Screen, name: str, staff: Sequence[tuple[str, str, str, str]] = ()) -> Till:
        display = display_for(screen, displays)
        db = tmp_path / f"{name}.sqlite"
        copy_store(demo_template, db)
        shots = screenshots_dir() / screen.id / name
        shutil.rmtree(shots, ignore_errors=True)
        till = Till(display, db, tmp_path / f"{name}-receipts", shots)
        for person in staff:
            till.add_staff(*person)
        started.append(till)
        return till.start()

    yield make
    for till in started:
        till.close()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(f"--- the till's output ({till.log}):\n{till.output()[-4000:]}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
