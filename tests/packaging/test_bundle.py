"""The store PC bundle: ``packaging/build`` once for this module (under a minute), its
tarball unpacked into a fresh folder and the frozen app started there as on a store PC:
no Python on the PATH, no checkout on any path, its own HOME, offscreen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from devices.printer.render import decode_text
from terminal.app.demo_words import STORE_NAMES
from terminal.app.replay import replay
from tests.packaging.test_upgrade import (
    NEW_SALE,
    newest_revision,
    recorded,
    release_store,
    revision,
)

ROOT = Path(__file__).parents[2]
SCENARIO = ROOT / "tests" / "scenarios" / "tomato_recharge_sv.json"
# Libraries a Linux desktop has and the bundle does not carry (packaging/README.md).
SYSTEM_LIBS = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libwayland-cursor.so.0"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="packaging/build makes the Linux bundle"),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [str(ROOT / "packaging" / "build"), "--out", str(out)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "bundle: " in built.stdout
    (tarball,) = out.glob("pos-terminal-*-linux-*.tar.gz")
    pc = tmp_path_factory.mktemp("store-pc")
    with tarfile.open(tarball) as tar:
        tar.extractall(pc, filter="tar")
    shutil.rmtree(out)  # nothing of the build is left to lean on
    return pc / "pos-terminal"


def frozen(app: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(app / "pos-terminal"), *args],
        env={**env, "QT_QPA_PLATFORM": "offscreen"},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_the_frozen_till_prints_its_receipts(bundle: Path, tmp_path: Path) -> None:
    db, receipts, shot = tmp_path / "till.sqlite", tmp_path / "receipts", tmp_path / "end.png"
    ran = frozen(
        bundle,
        *("run", "--demo", "--script", str(SCENARIO), "--db", str(db), "--exit"),
        *("--receipts", str(receipts), "--screenshot", str(shot)),
        home=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    assert "font could not be loaded" not in ran.stderr  # the bundled CJK font registered
    out = json.loads(ran.stdout)
    assert out["sales"] == replay(json.loads(SCENARIO.read_text("utf-8")))["sales"]

    first = decode_text((receipts / "T01-000001.bin").read_bytes())
    assert STORE_NAMES["tomato"] in first  # --demo: the demo store's name
    assert "葡萄 Grapes 500g" in first and "草莓 Strawberry box" in first
    assert f"应付合计 ￥{out['sales'][0]['total_due']}".replace(" ", "") in first.replace(" ", "")
    assert sorted(p.name for p in receipts.glob("recharge-*.bin"))  # the recharge slips too
    assert shot.read_bytes().startswith(b"\x89PNG")  # PNG without any imageformats plugin

    assert revision(db) == newest_revision()  # a new store, by the frozen Alembic migrations
    verified = frozen(bundle, "verify", "--db", str(db), home=tmp_path)
    assert verified.returncode == 0 and verified.stdout.startswith("ok: "), verified.stdout


def test_the_frozen_till_upgrades_the_release_store(bundle: Path, tmp_path: Path) -> None:
    """A per-machine install: pos-terminal.ini beside the executable names the data folder
    holding the previous release's store; the new build opens, verifies and sells on it."""
    data = tmp_path / "ProgramData" / "PosTerminal"
    data.mkdir(parents=True)
    store = release_store(data)
    ini = bundle / "pos-terminal.ini"
    ini.write_text(f"[paths]\ndata_dir = {data}\n", encoding="utf-8")
    try:
        verified = frozen(bundle, "verify", home=tmp_path)  # no --db: the ini's folder
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert revision(store) == newest_revision()  # migrated by the frozen app
        assert f"ok: {recorded()['ledger_entries']} ledger entries" in verified.stdout
        sale = tmp_path / "sale.json"
        sale.write_text(json.dumps(NEW_SALE), encoding="utf-8")
        sold = frozen(bundle, "replay", str(sale), "--db", str(store), home=tmp_path)
        assert sold.returncode == 0, sold.stderr
        assert [s["total_due"] for s in json.loads(sold.stdout)["sales"]] == ["55.00"]
        assert frozen(bundle, "verify", home=tmp_path).returncode == 0
    finally:
        ini.unlink()


def test_the_bundle_carries_what_the_till_uses_and_no_more(bundle: Path) -> None:
    lib = bundle / "_internal"
    for path in (
        "ui/fonts/wqy-microhei.ttc",
        "ui/fonts/wqy-microhei.COPYRIGHT",  # the font's licence travels with it
        "ui/i18n/pos_en.qm",
        "terminal/rules/programs/tomato.toml",
        "terminal/store/migrations/env.py",
        "terminal/store/migrations/versions/0001_initial_store.py",
        "escpos/capabilities.json",
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
    ):
        assert (lib / path).is_file(), path
    for path in ("share/pos-terminal.desktop", "share/pos-terminal.png", "install.sh"):
        assert (bundle / path).is_file(), path
    names = {p.name for p in lib.rglob("*")}
    for unused in ("libQt6Network.so.6", "libQt6Qml.so.6", "libQt6Quick.so.6", "libQt6Svg.so.6"):
        assert unused not in names
    assert not any(n.startswith(("libQt6WebEngine", "libQt6Pdf", "libqgtk3")) for n in names)
    assert not (lib / "sync" / "hq").exists() and "fastapi" not in names  # HQ is not the till
    assert [p for p in bundle.rglob("*") if p.is_symlink() and not p.exists()] == []

    # every library a bundled binary links is in the bundle, or one a desktop provides
    missing: set[str] = set()
    for f in lib.rglob("*.so*"):
        with f.open("rb") as head:
            if f.is_symlink() or head.read(4) != b"\x7fELF":
                continue
        ldd = subprocess.run(
            ["ldd", str(f)], env={"LD_LIBRARY_PATH": str(lib)}, capture_output=True, text=True
        )
        missing |= {ln.split()[0] for ln in ldd.stdout.splitlines() if "not found" in ln}
    assert missing <= SYSTEM_LIBS

    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 200 * 2**20, f"{size / 2**20:.0f} MB: did a Qt module or plugin come back?"
