"""The HQ service's runtime requirements: the project's, less the till's screen and
devices (Qt, serial, ESC/POS, barcodes), which ``pos-hq`` never imports.

    python packaging/hq/requirements.py > hq-requirements.txt

Reads the installed ``pos-terminal`` distribution's metadata (the Containerfile installs
the wheel with ``--no-deps`` first); tests/packaging/test_hq_image.py checks that HQ
starts and answers its health check without the ones left out.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

TILL_ONLY = {"pyside6-essentials", "pyserial", "python-escpos", "python-barcode", "qrcode"}


def hq_requirements(dist: str = "pos-terminal") -> list[str]:
    out = []
    for req in metadata.requires(dist) or []:
        if "extra ==" in req:  # dev tools
            continue
        match = re.match(r"[A-Za-z0-9._-]+", req)
        assert match is not None, req
        if match.group(0).lower().replace("_", "-") not in TILL_ONLY:
            out.append(req)
    return out


if __name__ == "__main__":
    sys.stdout.write("".join(f"{r}\n" for r in hq_requirements()))
