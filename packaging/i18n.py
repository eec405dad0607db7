"""The English translation of the till's screen: bring it up to date, compile it, check it.

    .venv/bin/python packaging/i18n.py            # update ui/i18n/pos_en.ts, compile pos_en.qm
    .venv/bin/python packaging/i18n.py --check    # exit 1 if the .ts or .qm is stale

The texts are written in Simplified Chinese in ui/*.py (the source language) and marked
for Qt's tools (``self.tr``, ``QCoreApplication.translate``, ``QT_TRANSLATE_NOOP``).
Updating runs the two commands below; new or changed texts come into the .ts as
unfinished, to be translated in it (by hand or with ``pyside6-linguist``) in the
glossary's English (shared/spec/counter-glossary.md), then this script is run again:

    .venv/bin/pyside6-lupdate ui/*.py -source-language zh_CN -target-language en \\
        -locations relative -no-obsolete -ts ui/i18n/pos_en.ts
    .venv/bin/pyside6-lrelease ui/i18n/pos_en.ts -qm ui/i18n/pos_en.qm

Both files are committed: the .qm is what the till loads (``--lang en``), the .ts its
source. ``--check`` (and tests/ui/test_i18n.py) fail when a text is not in the .ts yet,
is unfinished or obsolete there, or when the .qm is not the compiled .ts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "ui"
TS = UI / "i18n" / "pos_en.ts"
QM = TS.with_suffix(".qm")
Key = tuple[str, str, str]  # context, source, disambiguation


def tool(name: str) -> str:
    """``pyside6-lupdate`` / ``pyside6-lrelease``: beside this Python (the venv), or on PATH."""
    here = Path(sys.executable).with_name(f"pyside6-{name}")
    found = str(here) if here.exists() else shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"pyside6-{name} not found: install PySide6 (pip install -e '.[dev]')")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in UI.rglob("*.py"))


def lupdate(ts: Path) -> None:
    cmd = [tool("lupdate"), *sources(), "-source-language", "zh_CN", "-target-language", "en"]
    cmd += ["-locations", "relative", "-no-obsolete", "-silent", "-ts", str(ts)]
    subprocess.run(cmd, cwd=ROOT, check=True)


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run([tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def messages(ts: Path) -> dict[Key, ET.Element]:
    """Every message of a .ts by (context, source, disambiguation)."""
    out = {}
    for ctx in ET.parse(ts).getroot().iter("context"):
        name = ctx.findtext("name", "")
        for m in ctx.iter("message"):
            out[(name, m.findtext("source", ""), m.findtext("comment", ""))] = m
    return out


def problems(ts: Path) -> list[str]:
    """What keeps a .ts from being complete: unfinished, obsolete or empty translations."""
    out = []
    for (ctx, src, _), m in messages(ts).items():
        tr = m.find("translation")
        kind = tr.get("type") if tr is not None else "missing"
        forms = [] if tr is None else ([f.text for f in tr.iter("numerusform")] or [tr.text])
        if kind in ("unfinished", "obsolete", "vanished", "missing"):
            out.append(f"{ctx}: {src!r} is {kind}")
        elif not all(f and f.strip() for f in forms):
            out.append(f"{ctx}: {src!r} has an empty translation")
    return out


def check() -> list[str]:
    """Why the committed .ts and .qm are not up to date (nothing when they are)."""
    out = problems(TS)
    with tempfile.TemporaryDirectory(prefix="i18n-") as tmp:
        fresh = Path(tmp) / TS.name
        shutil.copy(TS, fresh)
        lupdate(fresh)
        have, now = set(messages(TS)), set(messages(fresh))
        out += [f"{c}: {s!r} is new in the code, not in {TS.name}" for c, s, _ in now - have]
        out += [f"{c}: {s!r} is gone from the code" for c, s, _ in have - now]
        qm = Path(tmp) / QM.name
        lrelease(TS, qm)
        if not QM.exists() or qm.read_bytes() != QM.read_bytes():
            out.append(f"{QM.name} is not {TS.name} compiled: run packaging/i18n.py")
    return out


def memory(ts: Path) -> dict[str, ET.Element]:
    """Each source text's finished translation, whatever its context: a text moved to
    another class (a window's flow moved to its desk) keeps its English."""
    out = {}
    for (_, src, _), m in messages(ts).items():
        tr = m.find("translation")
        if tr is not None and tr.get("type") is None and (tr.text or len(tr)):
            out.setdefault(src, tr)
    return out


def read_tsv(paths: list[Path]) -> dict[tuple[str, str], str]:
    """``context<TAB>source<TAB>English`` lines (a numerus text's forms split by ``|``,
    a newline written ``\\n``)."""
    out = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = [p.replace("\\n", "\n") for p in line.split("\t")]  # "\n": a newline
            if len(parts) == 3 and parts[1]:
                out[(parts[0], parts[1])] = parts[2]
    return out


def fill(ts: Path, known: dict[str, ET.Element], given: dict[tuple[str, str], str]) -> int:
    """Fill the unfinished translations of ``ts`` from ``given`` (by context and source),
    else from ``known`` (by source); returns how many were filled."""
    tree = ET.parse(ts)
    filled = 0
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name", "")
        for m in ctx.iter("message"):
            tr = m.find("translation")
            if tr is None or tr.get("type") != "unfinished":
                continue
            src = m.findtext("source", "")
            if (name, src) in given:
                forms = given[(name, src)].split("|")
                nums = list(tr.iter("numerusform"))
                for i, f in enumerate(nums):
                    f.text = forms[min(i, len(forms) - 1)]
                if not nums:
                    tr.text = forms[0]
            elif src in known:
                tr.text, tr[:] = known[src].text, list(known[src])
            else:
                continue
            del tr.attrib["type"]
            filled += 1
    body = ET.tostring(tree.getroot(), encoding="unicode")
    ts.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n{body}\n', "utf-8")
    return filled


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    ap.add_argument(
        "--fill",
        nargs="*",
        type=Path,
        default=None,
        help="fill new texts from these context<TAB>source<TAB>English files (and from the "
        "same text's English in another context)",
    )
    args = ap.parse_args()
    if args.check:
        found = check()
        for p in found:
            print(p, file=sys.stderr)
        return 1 if found else 0
    TS.parent.mkdir(parents=True, exist_ok=True)
    known = memory(TS) if TS.exists() else {}
    lupdate(TS)
    if args.fill is not None:
        print(f"filled {fill(TS, known, read_tsv(args.fill))} translations", file=sys.stderr)
        lupdate(TS)  # back in lupdate's own layout
    lrelease(TS, QM)
    left = problems(TS)
    for p in left:
        print(p, file=sys.stderr)
    print(f"{TS.relative_to(ROOT)}: {len(messages(TS))} messages, {len(left)} to translate")
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
