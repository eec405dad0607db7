"""``pos-terminal``: the till and its admin subcommands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from terminal.errors import ProgramFileError
from terminal.rules.program_loader import PROGRAM_IDS, load_program, load_program_file


def _programs(_: argparse.Namespace) -> int:
    for pid in PROGRAM_IDS:
        p = load_program(pid)
        tiers = " / ".join(f"{lv.name}({lv.id})" for lv in p.tiers.levels)
        print(f"{p.id:8} {p.name}  tiers: {tiers}  coupons: {p.stacking}")
    return 0


def _check_program(args: argparse.Namespace) -> int:
    """How a chain checks a new program file before rolling it out."""
    try:
        p = load_program_file(Path(args.file))
    except ProgramFileError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    print(f"ok: program {p.id} ({p.name}), {len(p.tiers.levels)} tiers, {len(p.earn)} earn rules")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-terminal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("programs", help="list the shipped membership programs").set_defaults(
        fn=_programs
    )
    check = sub.add_parser("check-program", help="validate a program file (TOML)")
    check.add_argument("file")
    check.set_defaults(fn=_check_program)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.fn(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
