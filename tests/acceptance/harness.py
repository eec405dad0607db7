"""The acceptance harness: the real till (``pos-terminal run``, its own process) on an
Xvfb display, with or without a window manager (openbox), driven only by real X key
events (``xdotool key`` / ``xdotool type``: XTEST, as a keyboard makes them; never
``--window``, whose synthetic events Qt may ignore and a keyboard never sends).

What the till did is read from what it leaves behind, as a store would: the printed
bytes (``run --receipts DIR``) and the ledger (the SQLite file, opened read-only).
Every wait polls a condition with a timeout; nothing sleeps for a fixed long time.
Everything started here is stopped in ``close`` (and by the fixtures, always).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).parents[2]
TOOLS = ("Xvfb", "xdotool", "import")  # import: imagemagick's screenshot
WM_TOOLS = ("openbox",)
MAIN_TITLE = r"收银台"  # MainWindow: "{store} · 收银台 {till}"; the loading shell is "POS"
HUMAN_MS, SCANNER_MS = 90, 10  # ms between keys: a quick cashier; a keyboard-wedge scanner
SIGN_IN_TITLE = r"^(登录|签到|收银员登录|Sign in)"  # the sign-in dialog, once it lands
REFUSAL_PIXELS = 40  # red pixels of a refusal's text (a few glyphs' strokes)


class AcceptanceError(AssertionError):
    """The till did not do what the flow expected (with what it did instead)."""


def missing_tools(wm: bool) -> list[str]:
    return [t for t in TOOLS + (WM_TOOLS if wm else ()) if shutil.which(t) is None]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll ``probe`` until it returns something (not None/False), else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        got = probe()
        if got is not None and got is not False:
            return got
        if time.monotonic() > deadline:
            raise AcceptanceError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(delay)
        delay = min(0.2, delay * 1.5)


# ---------------------------------------------------------------------- the X display

OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy></placement>
  <margins><top>0</top><bottom>{bottom}</bottom><left>0</left><right>0</right></margins>
  <desktops><number>1</number></desktops>
</openbox_config>
"""


@dataclass
class Display:
    """An Xvfb screen of ``width`` x ``height`` (a free display number, picked by Xvfb
    itself), with openbox when ``wm``; ``taskbar`` px at the bottom are kept from windows
    (openbox's margins set the work area, as a panel's strut would)."""

    width: int
    height: int
    wm: bool
    taskbar: int = 0
    number: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="acceptance-x-")))

    @property
    def name(self) -> str:
        bar = f"-taskbar{self.taskbar}" if self.taskbar else ""
        return f"{self.width}x{self.height}-{'openbox' if self.wm else 'nowm'}{bar}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
        env.update(DISPLAY=f":{self.number}", QT_QPA_PLATFORM="xcb", XDG_SESSION_TYPE="x11")
        return env

    def start(self) -> Display:
        read, write = os.pipe()
        xvfb = subprocess.Popen(
            [
                *("Xvfb", "-screen", "0", f"{self.width}x{self.height}x24"),
                *("-nolisten", "tcp", "-noreset", "-displayfd", str(write)),
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=open(self.tmp / "xvfb.log", "wb"),  # noqa: SIM115 - the process keeps it
        )
        os.close(write)
        self.procs.append(xvfb)
        with os.fdopen(read) as f:
            self.number = f.readline().strip()  # written once the server takes clients
        if not self.number:
            raise AcceptanceError(f"Xvfb did not start: {(self.tmp / 'xvfb.log').read_text()}")
        if self.wm:
            rc = self.tmp / "rc.xml"
            rc.write_text(OPENBOX_RC.format(bottom=self.taskbar))
            log = open(self.tmp / "openbox.log", "wb")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(["openbox", "--config-file", str(rc)], env=self.env, stderr=log)
            )
            wait_for("openbox to manage the screen", self._wm_running, 15)
        return self

    def _wm_running(self) -> bool:
        out = self.x(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], check=False)
        return "window id" in out

    def x(self, cmd: list[str], check: bool = True) -> str:
        done = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=30)
        if check and done.returncode != 0:
            raise AcceptanceError(f"{' '.join(cmd)}: {done.stderr.strip()}")
        return done.stdout

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.x(["import", "-window", "root", str(path)])
        return path

    def grab(self) -> Any:
        """The whole screen as a PIL image."""
        from PIL import Image

        png = subprocess.run(
            ["import", "-window", "root", "png:-"], env=self.env, capture_output=True, timeout=30
        ).stdout
        return Image.open(io.BytesIO(png)).convert("RGB")

    def work_area(self) -> tuple[int, int, int, int]:
        """x, y, width, height windows may use (the whole screen without a manager)."""
        out = self.x(["xprop", "-root", "_NET_WORKAREA"], check=False)
        nums = [int(n) for n in re.findall(r"\d+", out.partition("=")[2])]
        return (
            (nums[0], nums[1], nums[2], nums[3])
            if len(nums) >= 4
            else (
                0,
                0,
                self.width,
                self.height,
            )
        )

    def close(self) -> None:
        for p in reversed(self.procs):
            stop(p)
        self.procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


def stop(p: subprocess.Popen[Any], grace: float = 5.0) -> None:
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(grace)


# ---------------------------------------------------------------------- the till


@dataclass
class Geometry:
    x: int
    y: int
    width: int
    height: int


class Till:
    """One ``pos-terminal run --demo --db DB --receipts DIR`` on ``display``."""

    def __init__(self, display: Display, db: Path, receipts: Path, shots: Path) -> None:
        self.display, self.db, self.receipts, self.shots = display, db, receipts, shots
        self.keystrokes = 0
        self.shot_no = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = db.with_suffix(".log")
        self.main = ""

    # -- process

    def cli(self) -> list[str]:
        exe = Path(sys.executable).with_name("pos-terminal")
        return [str(exe)] if exe.exists() else [sys.executable, "-m", "ui.cli"]

    def add_staff(self, code: str, name: str, role: str, pin: str) -> None:
        """The store's set-up, as a store manager does it before the till starts:
        ``pos-terminal staff add`` with the PIN on standard input (never an argument)."""
        args = ["staff", "add", code, "--name", name, "--role", role, "--db", str(self.db)]
        done = subprocess.run(
            [*self.cli(), *args],
            input=pin + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        if done.returncode != 0 or f"ok: add {code}" not in done.stdout:
            raise AcceptanceError(f"staff add {code}: {done.stdout}{done.stderr}")

    def start(self, timeout: float = 60.0) -> Till:
        env = {**self.display.env, "POS_TERMINAL_DATA": str(self.db.parent)}
        self.proc = subprocess.Popen(
            [*self.cli(), "run", "--demo", "--db", str(self.db), "--receipts", str(self.receipts)],
            env=env,
            cwd=ROOT,
            stdout=open(self.log, "wb"),  # noqa: SIM115 - the process keeps it
            stderr=subprocess.STDOUT,
        )
        self.main = wait_for("the till's window", lambda: self._alive_then(self.window), timeout)
        return self

    def _alive_then(self, probe: Callable[[], T | None]) -> T | None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AcceptanceError(f"the till exited ({self.proc.returncode}):\n{self.output()}")
        return probe()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def close(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None

    # -- windows and focus

    def windows(self, title: str) -> list[str]:
        out = self.display.x(["xdotool", "search", "--onlyvisible", "--name", title], check=False)
        return out.split()

    def dialogs(self, title: str) -> list[str]:
        return [w for w in self.windows(title) if w != self.main]

    def window(self) -> str | None:
        found = self.windows(MAIN_TITLE)
        return found[0] if found else None

    def focused(self) -> str | None:
        out = self.display.x(["xdotool", "getwindowfocus"], check=False).strip()
        return out if out.isdigit() and out not in ("0", "1") else None

    def title(self, win: str) -> str:
        return self.display.x(["xdotool", "getwindowname", win], check=False).strip()

    def geometry(self, win: str) -> Geometry:
        out = self.display.x(["xdotool", "getwindowgeometry", "--shell", win])
        v = dict(line.split("=", 1) for line in out.split() if "=" in line)
        return Geometry(int(v["X"]), int(v["Y"]), int(v["WIDTH"]), int(v["HEIGHT"]))

    def wait_focus(self, win: str, what: str, timeout: float = 15.0) -> str:
        """The keyboard is on ``win``: no mouse click ever gives it (issue 14, item 10)."""
        wait_for(
            f"the keyboard on {what} (focus is on {self.focused()!r}, "
            f"{self.title(self.focused() or '') or 'no window'})",
            lambda: self._alive_then(lambda: self.focused() == win),
            timeout,
        )
        return win

    def wait_main_focus(self, timeout: float = 15.0) -> None:
        self.wait_focus(self.main, "the till's window", timeout)

    # -- keys (the only way anything reaches the till)

    def key(self, *keys: str) -> None:
        for k in keys:
            self.display.x(["xdotool", "key", "--clearmodifiers", k])
            self.keystrokes += 1

    def type(self, text: str, delay_ms: int = HUMAN_MS) -> None:
        """Typed at a person's pace: faster than the wedge threshold, a burst and Enter
        is taken for a scan (and held while a dialog is open)."""
        self.display.x(["xdotool", "type", "--delay", str(delay_ms), text])
        self.keystrokes += len(text)

    # -- waiting on what the till shows, prints and records

    def screen_state(self) -> tuple[str, str]:
        """Hashes of the sale table and of the member/totals panel (not the input line,
        whose cursor blinks, nor the clock)."""
        img = self.display.grab()
        w, h = img.size
        table = img.crop((int(w * 0.01), int(h * 0.08), int(w * 0.55), int(h * 0.62)))
        right = img.crop((int(w * 0.62), int(h * 0.06), w - 2, int(h * 0.86)))
        return (
            hashlib.sha1(table.tobytes()).hexdigest(),
            hashlib.sha1(right.tobytes()).hexdigest(),
        )

    def wait_screen_change(self, before: tuple[str, str], what: str, timeout: float = 20.0) -> None:
        """The screen changed from ``before`` and then held still (the worker's answer is
        on screen, so the next key acts on it)."""
        last = [wait_for(what, lambda: self._changed(before), timeout)]

        def still() -> bool:
            state = self.screen_state()
            same, last[0] = state == last[0], state
            return same

        wait_for(f"{what} (to settle)", still, timeout)

    def _changed(self, before: tuple[str, str]) -> tuple[str, str] | None:
        state = self._alive_then(self.screen_state)
        return state if state != before else None

    def scan(self, code: str) -> None:
        """A code typed at the input line and Enter (as a wedge scanner types it)."""
        before = self.screen_state()
        self.type(code, SCANNER_MS)
        self.key("Return")
        self.wait_screen_change(before, f"the screen to show {code}")

    def dialog(self, title: str, timeout: float = 30.0) -> str:
        """The dialog titled ``title`` (a regular expression) is open and has the keyboard."""
        win = wait_for(
            f"a dialog titled {title!r}",
            lambda: self._alive_then(lambda: next(iter(self.dialogs(title)), None)),
            timeout,
        )
        return self.wait_focus(win, f"the dialog {title!r}")

    def wait_gone(self, win: str, what: str, timeout: float = 30.0) -> None:
        wait_for(
            f"{what} to close",
            lambda: self._alive_then(lambda: win not in self.windows(".")),
            timeout,
        )

    def wait_closed(self, win: str, what: str, timeout: float = 30.0) -> None:
        """``win`` is gone and the keyboard is back on one of the till's windows: its main
        window, or a dialog under ``win`` or opened next."""
        self.wait_gone(win, what, timeout)

        def ours() -> bool:
            focus = self.focused()
            return focus is not None and (focus == self.main or focus in self.dialogs("."))

        wait_for(
            f"the keyboard back on the till after {what} (on {self.focused()!r})",
            lambda: self._alive_then(ours),
            timeout,
        )

    def maybe_dialog(
        self, title: str, until: Callable[[], bool], timeout: float = 30.0
    ) -> str | None:
        """A dialog that may or may not come (a step another issue adds): whichever comes
        first, the dialog or ``until``."""
        got = wait_for(
            f"a dialog {title!r} or what follows it",
            lambda: self._alive_then(lambda: next(iter(self.dialogs(title)), None) or until()),
            timeout,
        )
        return self.wait_focus(got, f"the dialog {title!r}") if isinstance(got, str) else None

    def absolute(self, win: str) -> Geometry:
        """``win``'s client area on the root window (xwininfo's absolute corner: with a
        window manager the client sits inside its frame)."""
        out = self.display.x(["xwininfo", "-id", win])
        v = dict(re.findall(r"^\s*(Absolute upper-left [XY]|Width|Height):\s*(-?\d+)", out, re.M))
        return Geometry(
            int(v["Absolute upper-left X"]),
            int(v["Absolute upper-left Y"]),
            int(v["Width"]),
            int(v["Height"]),
        )

    def refusal_pixels(self, win: str) -> int:
        """How much of ``win`` is drawn in the refusal red (#b00020, every dialog's error
        line): none until the till says why it refused."""
        from PIL import ImageChops

        g = self.absolute(win)
        img = self.display.grab().crop((g.x, g.y, g.x + g.width, g.y + g.height))
        r, gr, b = (
            band.point(lambda v, lo=lo, hi=hi: 255 if lo <= v <= hi else 0)
            for band, (lo, hi) in zip(img.split(), ((0x98, 0xC8), (0, 40), (8, 64)), strict=True)
        )
        red = ImageChops.multiply(ImageChops.multiply(r, gr), b)
        return int(red.histogram()[255])

    def wait_refusal(self, win: str, what: str, timeout: float = 20.0) -> None:
        """The dialog ``win`` shows a refusal (red text) and still has the keyboard."""
        wait_for(
            f"{what}: a refusal shown in the dialog",
            lambda: self._alive_then(lambda: self.refusal_pixels(win) >= REFUSAL_PIXELS),
            timeout,
        )
        self.wait_focus(win, f"{what} (still open after the refusal)")

    def shoot(self, label: str) -> Path:
        self.shot_no += 1
        return self.display.screenshot(self.shots / f"{self.shot_no:02d}-{label}.png")

    def shoot_settled(self, label: str, timeout: float = 3.0) -> Path:
        """A screenshot once what was just typed is drawn: two grabs in a row alike (a
        blinking cursor may keep them apart: then whatever is on screen at ``timeout``)."""
        last: list[bytes] = [self.display.grab().tobytes()]

        def still() -> bool:
            now: bytes = self.display.grab().tobytes()
            same, last[0] = now == last[0], now
            return same

        with suppress(AcceptanceError):
            wait_for("the screen to settle", still, timeout)
        return self.shoot(label)

    # -- what the till left behind

    def printed(self) -> dict[str, bytes]:
        if not self.receipts.exists():
            return {}
        return {p.stem: p.read_bytes() for p in sorted(self.receipts.glob("*.bin"))}

    def wait_printed(self, pattern: str, what: str, timeout: float = 30.0) -> tuple[str, bytes]:
        rx = re.compile(pattern)

        def probe() -> tuple[str, bytes] | None:
            for job, data in self.printed().items():
                if rx.search(job) and data:
                    return job, data
            return None

        return wait_for(what, lambda: self._alive_then(probe), timeout)

    @contextmanager
    def ledger(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            yield con
        finally:
            con.close()

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.ledger() as con:
            return list(con.execute(sql, args))

    def wait_rows(
        self, sql: str, *args: Any, what: str, at_least: int = 1, timeout: float = 30.0
    ) -> list[sqlite3.Row]:
        def probe() -> list[sqlite3.Row] | None:
            try:
                rows = self.query(sql, *args)
            except sqlite3.OperationalError:  # the store is being migrated or locked
                return None
            return rows if len(rows) >= at_least else None

        return wait_for(what, lambda: self._alive_then(probe), timeout)


def decode_receipt(data: bytes) -> str:
    """The printed text of ESC/POS bytes (the project's decoder, GB18030)."""
    from devices.printer.render import decode_text

    return decode_text(data)


def dump(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2), encoding="utf-8")
