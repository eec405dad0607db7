"""HQ's container image (packaging/hq/Containerfile) installs the project's wheel without
the till's screen and devices (packaging/hq/requirements.py): HQ must migrate, start
and answer its health check with those packages absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

# What the left-out distributions would provide (with what they pull in: Pillow, pyusb).
ABSENT = ["PySide6", "shiboken6", "serial", "escpos", "barcode", "qrcode", "PIL", "usb"]
HQ_WITHOUT_THE_TILL = f"""
import sys
from importlib.abc import MetaPathFinder

class NotInTheImage(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {ABSENT!r}:
            raise ModuleNotFoundError(f"{{name}} is not in HQ's image")

sys.meta_path.insert(0, NotInTheImage())
from fastapi.testclient import TestClient

from sync.hq import db
from sync.hq.app import create_app
from sync.hq.cli import main

assert main(["migrate", "--db", sys.argv[1]]) == 0
health = TestClient(create_app(db.open_hq(sys.argv[1], migrate=False))).get("/v1/health")
print(health.status_code, health.json()["status"])
"""


def test_the_image_requirements_leave_out_only_the_till() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "hq" / "requirements.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    names = {r.split("<")[0].split(">")[0].split("[")[0].lower() for r in out}
    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic", "psycopg", "pydantic"} <= names
    assert "psycopg[binary]<4,>=3.2" in out  # extras kept as declared
    assert not names & {"pyside6-essentials", "pyserial", "python-escpos", "qrcode"}
    assert not any(n in names for n in ("pytest", "ruff", "pyinstaller"))  # no dev extra


def test_hq_serves_without_the_tills_packages(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", HQ_WITHOUT_THE_TILL, str(tmp_path / "hq.sqlite")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines()[-1] == "200 ok"
