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


def _replay(args: argparse.Namespace) -> int:
    import json

    from terminal.app.replay import ScenarioError, replay

    try:
        data = json.loads(Path(args.scenario).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"{args.scenario}: cannot read scenario: {e}", file=sys.stderr)
        return 2
    try:
        out = replay(data, Path(args.db) if args.db else None)
    except ScenarioError as e:
        print(f"{args.scenario}: {e}", file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from terminal.app.verify import verify
    from terminal.store.db import default_db_path, open_store

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        print(f"no store at {path}", file=sys.stderr)
        return 2
    rep = verify(open_store(path))
    for p in rep.problems:
        print(p)
    print(f"{'ok' if rep.ok else 'FAILED'}: {rep.entries} ledger entries, {rep.members} members")
    return 0 if rep.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-terminal", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("programs", help="list the shipped membership programs").set_defaults(
        fn=_programs
    )
    check = sub.add_parser("check-program", help="validate a program file (TOML)")
    check.add_argument("file")
    check.set_defaults(fn=_check_program)
    rp = sub.add_parser("replay", help="run a scenario file through the counter services")
    rp.add_argument("scenario")
    rp.add_argument("--db", help="keep the store in this SQLite file")
    rp.set_defaults(fn=_replay)
    vf = sub.add_parser("verify", help="check the ledger chain and every cached balance")
    vf.add_argument("--db", help="the till's SQLite file (default: the per-user data dir)")
    vf.set_defaults(fn=_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.fn(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
