"""``pos-terminal``: the till and its admin subcommands, and the composition root that
wires the core (``terminal``) to the screen, the devices and HQ: the core knows none of
them. Each subcommand imports what it needs when it runs, so ``replay`` or ``verify``
never loads Qt."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from terminal.errors import InstallConfigError, ProgramFileError
from terminal.rules.program_ids import PROGRAM_IDS

if TYPE_CHECKING:
    from terminal.app.replay import PrintoutsFor

# Where a store is when no --db is given: terminal/datadir.py.
DATA_HELP = "$POS_TERMINAL_DATA, the install's pos-terminal.ini, else the per-user data dir"


def _programs(_: argparse.Namespace) -> int:
    from terminal.rules.program_loader import load_program

    for pid in PROGRAM_IDS:
        p = load_program(pid)
        tiers = " / ".join(f"{lv.name}({lv.id})" for lv in p.tiers.levels)
        print(f"{p.id:8} {p.name}  tiers: {tiers}  coupons: {p.stacking}")
    return 0


def _check_program(args: argparse.Namespace) -> int:
    """How a chain checks a new program file before rolling it out."""
    from terminal.rules.program_loader import load_program_file

    try:
        p = load_program_file(Path(args.file))
    except ProgramFileError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    print(f"ok: program {p.id} ({p.name}), {len(p.tiers.levels)} tiers, {len(p.earn)} earn rules")
    return 0


def _printouts(folder: str | None) -> PrintoutsFor | None:
    """``--receipts DIR``: the printer port that writes each document's ESC/POS bytes."""
    if not folder:
        return None
    from devices.printer.printouts import FolderPrintouts

    return partial(FolderPrintouts, Path(folder))


def _replay(args: argparse.Namespace) -> int:
    import json

    from terminal.app.replay import ScenarioError, replay

    try:
        data = json.loads(Path(args.scenario).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as e:  # RecursionError: nested too deep
        print(f"{args.scenario}: cannot read scenario: {e}", file=sys.stderr)
        return 2
    try:
        out = replay(data, Path(args.db) if args.db else None, _printouts(args.receipts))
    except ScenarioError as e:
        print(f"{args.scenario}: {e}", file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from terminal.app.verify import verify_path
    from terminal.datadir import till_db_path

    path = Path(args.db) if args.db else till_db_path()
    if not path.exists():
        print(f"no store at {path}", file=sys.stderr)
        return 2
    rep = verify_path(path)  # a damaged store is a report, not a traceback
    for p in rep.problems:
        print(p)
    print(f"{'ok' if rep.ok else 'FAILED'}: {rep.entries} ledger entries, {rep.members} members")
    return 0 if rep.ok else 1


def _demo_data(args: argparse.Namespace) -> int:
    import time

    from terminal.app.demo import BIG_MEMBERS, BIG_PRODUCTS, generate, is_demo_store
    from terminal.datadir import till_db_path
    from terminal.errors import PosError

    path = Path(args.db) if args.db else till_db_path()
    products = args.products if args.products is not None else 3000
    members = args.members if args.members is not None else 20000
    if args.big:
        products = args.products if args.products is not None else BIG_PRODUCTS
        members = args.members if args.members is not None else BIG_MEMBERS
    if args.replace and path.exists():
        try:
            demo = is_demo_store(path)
        except PosError as e:  # a damaged store is evidence, not a demo
            demo, why = False, f" ({e})"
        else:
            why = ""
        if not demo:
            print(
                f"refused: --replace deletes only a store demo-data made; {path} is a till's "
                f"store{why}: its staff, PINs and prices stay. Delete it yourself if you mean it",
                file=sys.stderr,
            )
            return 2
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
    started = time.perf_counter()
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase == "members" and done < total and now - last[0] < 5:
            return
        last[0] = now
        print(f"  {phase}: {done:,}/{total:,}  ({now - started:.0f} s)", flush=True)

    print(f"demo store {path}: {products:,} products, {members:,} members ({args.program})")
    try:
        rep = generate(
            path,
            program=args.program,
            products=products,
            members=members,
            seed=args.seed,
            progress=progress,
        )
    except PosError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    tiers = ", ".join(f"{k} {v:,}" for k, v in sorted(rep.tiers.items(), key=lambda x: -x[1]))
    t = rep.timings
    print(f"store: {rep.store} (terminal T01, program {rep.program}, as of {rep.start})")
    print("staff: c1 张丽 (cashier, PIN 1111), mgr 王店长 (manager, PIN 8888)")
    print(
        f"products: {rep.products:,} ({rep.weighed:,} by weight with PLUs, "
        f"{rep.member_priced:,} with member prices) in {t['products']:.1f} s"
    )
    print(f"members: {rep.members:,} ({tiers}) in {t['members']:.1f} s")
    print(
        f"  {rep.ledger_entries:,} opening ledger entries, {rep.coupons:,} coupons, "
        f"{rep.stored_value_members:,} with stored value, {rep.coin_members:,} with coins"
    )
    print(f"total {t['total']:.1f} s")
    return 0


def _scanner_sim(args: argparse.Namespace) -> int:
    """A pty or TCP scanner that sends --code values, then each line typed on stdin."""
    import time

    from devices.scanner.sim import PtyScanner, SocketScanner

    codes: list[str] = args.code or []
    sim: PtyScanner | SocketScanner
    if args.socket:
        host, _, port = args.socket.rpartition(":")
        try:
            sim = SocketScanner(host or "127.0.0.1", int(port), args.suffix, args.aim)
        except (OSError, ValueError) as e:
            print(f"cannot listen on {args.socket}: {e}", file=sys.stderr)
            return 2
        print(f"scanner listening: open {sim.url}", flush=True)
    else:
        try:
            sim = PtyScanner(args.suffix, args.aim, link=args.link)
        except OSError as e:
            print(f"cannot create the pty scanner: {e}", file=sys.stderr)
            return 2
        print(f"scanner on {sim.slave_path}: open {sim.port}", flush=True)

    def reader_ready(wait: float) -> bool:
        if isinstance(sim, SocketScanner):
            return sim.wait_for_client(wait)
        return sim.wait_for_reader(wait)

    try:
        if codes:
            if not reader_ready(args.wait):
                print(f"no reader opened the scanner within {args.wait:g} s", file=sys.stderr)
                return 1
            time.sleep(0.3)  # the reader discards input while it sets the port up
            for code in codes:
                sim.send(code)
                print(f"sent {code}", flush=True)
                time.sleep(args.interval)
        if sys.stdin.isatty():
            print("type a code and Enter to scan it; Ctrl-D to quit", flush=True)
        for line in sys.stdin:
            if line.strip():
                if not reader_ready(0):
                    print("no reader has the scanner open: code lost", file=sys.stderr)
                sim.send(line.strip())
        time.sleep(0.5)  # let the reader take the last code before the port goes away
    except KeyboardInterrupt:
        pass
    except OSError as e:
        print(f"scanner-sim: {e}", file=sys.stderr)
        return 1
    finally:
        sim.close()
    return 0


def _sync(args: argparse.Namespace) -> int:
    """One round. The token never comes from the command line (every local user sees
    it in the process list): ``--token-file``, ``--token-stdin``, ``$POS_HQ_TOKEN``, else
    the one the store keeps from its last successful sync (where the window reads it)."""
    from sync.client import sync_command
    from terminal.datadir import till_db_path
    from terminal.errors import PosError

    path = Path(args.db) if args.db else till_db_path()
    if args.token is not None:
        print(
            "sync: --token is refused: a token on the command line is visible to every "
            "user of this PC (ps, shell history). Give --token-file PATH (mode 0600), "
            "--token-stdin or $POS_HQ_TOKEN once; the store keeps it for later rounds",
            file=sys.stderr,
        )
        return 2
    try:
        token, given = _hq_token(args, path)
    except PosError as e:
        print(f"sync: {e}", file=sys.stderr)
        return 2
    if not token:
        print(
            "sync: no HQ token: give --token-file PATH, --token-stdin or $POS_HQ_TOKEN "
            "(the store keeps it after its first successful sync)",
            file=sys.stderr,
        )
        return 2
    return sync_command(path, args.hq, token, save_token=given)


def _hq_token(args: argparse.Namespace, store: Path) -> tuple[str, bool]:
    """The token and whether it was given now (then a successful round saves it)."""
    import os

    from terminal.secrets import read_secret_file, stored_token

    if args.token_file:
        return read_secret_file(Path(args.token_file)), True
    if args.token_stdin:
        return sys.stdin.readline().strip(), True
    if os.environ.get("POS_HQ_TOKEN", "").strip():
        return os.environ["POS_HQ_TOKEN"].strip(), True
    return stored_token(store), False


def _staff(args: argparse.Namespace) -> int:
    """The store's staff; a PIN is read from standard input (never an argument, which
    shows in ``ps`` and the shell's history)."""
    from terminal.app import staff as st
    from terminal.clock import SystemClock
    from terminal.datadir import till_db_path
    from terminal.errors import PosError
    from terminal.store.db import open_store

    sessions = open_store(Path(args.db) if args.db else till_db_path())
    try:
        with sessions() as s:
            if args.staff_command == "list":
                now = SystemClock().now()
                for row in st.list_staff(s):
                    print(f"{row.id}\t{row.name}\t{row.role}\t{st.state_of(row, now)}")
                return 0
            if args.staff_command == "add":
                st.add_staff(s, args.id, args.name, args.role, _read_pin())
            elif args.staff_command == "set-pin":
                st.set_pin(s, args.id, _read_pin())
            else:
                st.disable(s, args.id)
            s.commit()
    except PosError as e:
        print(f"staff: {e}", file=sys.stderr)
        return 2
    print(f"ok: {args.staff_command} {args.id}")
    return 0


def _read_pin() -> str:
    from terminal.errors import InvalidInput

    line = sys.stdin.readline().strip()
    if not line:
        raise InvalidInput("give the PIN on standard input", code="invalid_pin", min=4, max=8)
    return line


def _run(args: argparse.Namespace) -> int:
    from ui.app import run

    return run(args)


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
    rp.add_argument("--receipts", metavar="DIR", help="write each printed document's ESC/POS bytes")
    rp.set_defaults(fn=_replay)
    rn = sub.add_parser("run", help="start the till's window")
    rn.add_argument(
        "--demo",
        action="store_true",
        help="the demo store, simulated devices (with --script: the scenario's store is "
        "named as the demo store)",
    )
    rn.add_argument("--db", help=f"the till's SQLite file (default: {DATA_HELP})")
    rn.add_argument("--script", help="drive the window through a scenario's events")
    rn.add_argument("--screenshot", metavar="PNG", help="save the final screen")
    rn.add_argument("--exit", action="store_true", help="quit when done (offscreen)")
    rn.add_argument(
        "--receipts",
        metavar="DIR",
        help="also write each printed document's ESC/POS bytes to DIR/<job>.bin",
    )
    rn.add_argument(
        "--startup-timing",
        action="store_true",
        help="print FIRST_FRAME <time.monotonic()> once the first frame is painted "
        "(measuring cold start: packaging/coldstart.py)",
    )
    rn.add_argument(
        "--lang",
        default=None,
        help="zh_CN or en (default: the till's `language` setting, else zh_CN)",
    )
    rn.add_argument(
        "--customer-display",
        action="store_true",
        help="open the customer-facing window (on the second screen if present)",
    )
    rn.set_defaults(fn=_run)
    vf = sub.add_parser("verify", help="check the ledger chain and every cached balance")
    vf.add_argument("--db", help=f"the till's SQLite file (default: {DATA_HELP})")
    vf.set_defaults(fn=_verify)
    dd = sub.add_parser("demo-data", help="create a demo store: products, members, history")
    dd.add_argument("--db", help=f"the store's SQLite file (default: {DATA_HELP})")
    dd.add_argument("--program", default="tomato", choices=PROGRAM_IDS)
    dd.add_argument("--products", type=int, metavar="N", help="how many products (3000)")
    dd.add_argument("--members", type=int, metavar="N", help="how many members (20000)")
    dd.add_argument("--big", action="store_true", help="benchmark size: 100k products, 1M members")
    dd.add_argument("--seed", type=int, default=1, help="the same seed makes the same store")
    dd.add_argument(
        "--replace", action="store_true", help="delete an earlier demo store first (not a till's)"
    )
    dd.set_defaults(fn=_demo_data)
    ss = sub.add_parser("scanner-sim", help="a simulated serial scanner on a pty or a TCP socket")
    where = ss.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="a pseudo-terminal (the default)")
    where.add_argument("--socket", metavar="HOST:PORT", help="listen for socket:// readers")
    ss.add_argument("--suffix", default="CR", choices=["CR", "LF", "CRLF"])
    ss.add_argument("--aim", default="", metavar="PREFIX", help="AIM prefix, e.g. ]E0")
    ss.add_argument("--code", nargs="+", action="extend", metavar="CODE", help="codes to send")
    ss.add_argument("--link", help="pty: the symlink to create for the port (default: a temp)")
    ss.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a reader")
    ss.add_argument("--interval", type=float, default=0.2, help="seconds between --code values")
    ss.set_defaults(fn=_scanner_sim)
    sy = sub.add_parser("sync", help="one full sync round with HQ: push the outbox, pull")
    sy.add_argument("--db", help="the till's SQLite file (a missing file: a new till)")
    sy.add_argument("--hq", required=True, metavar="URL", help="HQ's base URL")
    token = sy.add_mutually_exclusive_group()
    token.add_argument(
        "--token-file",
        metavar="PATH",
        help="read this till's token from `pos-hq enroll` from PATH (refused if group or "
        "world can read it); else --token-stdin, $POS_HQ_TOKEN, or the store's saved one",
    )
    token.add_argument("--token-stdin", action="store_true", help="read the token from stdin")
    token.add_argument(
        "--token", metavar="TOKEN", help="refused: the process list shows it (--token-file)"
    )
    sy.set_defaults(fn=_sync)
    _staff_parser(sub)
    return parser


def _staff_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sf = sub.add_parser("staff", help="the store's cashiers and managers (PIN on stdin)")
    ops = sf.add_subparsers(dest="staff_command", required=True)
    add = ops.add_parser("add", help="add (or replace) a staff member; PIN from stdin")
    add.add_argument("id", help="staff code (typed or on the badge)")
    add.add_argument("--name", required=True, help="the name shown on screen and receipts")
    add.add_argument("--role", default="cashier", choices=["cashier", "manager"])
    ops.add_parser("list", help="id, name, role, state")
    ops.add_parser("set-pin", help="a new PIN from stdin (clears a lockout)").add_argument("id")
    ops.add_parser("disable", help="refuse sign-in and approvals").add_argument("id")
    for p in ops.choices.values():
        p.add_argument("--db", help=f"the till's SQLite file (default: {DATA_HELP})")
    sf.set_defaults(fn=_staff)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.fn(args)
    except InstallConfigError as e:  # the installation's pos-terminal.ini is unreadable
        print(f"pos-terminal: {e}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
