"""``pos-hq``: run HQ and administer it.

Admin commands act on the database directly (whoever runs them holds its URL); none
of them is reachable with a till's token. ``--db`` takes a SQLAlchemy URL
(``postgresql://user@host/db``) or a SQLite file path; default ``$POS_HQ_DB``, else a
SQLite file in the per-user data directory (a single shop's embedded HQ).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path

from sync.hq import db
from sync.hq import service as svc
from terminal.errors import PosError


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.hq.app import create_app

    engine = db.open_hq(args.db, migrate=not args.no_migrate)
    uvicorn.run(create_app(engine), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    db.open_hq(args.db).dispose()
    print("HQ database is at the latest schema")
    return 0


def _import(args: argparse.Namespace) -> int:
    from terminal.app.replay import ScenarioError, read_setup

    try:
        data = json.loads(Path(args.setup).read_text(encoding="utf-8"))
        setup = read_setup(data)
    except (OSError, ValueError) as e:
        print(f"{args.setup}: cannot read: {e}", file=sys.stderr)
        return 2
    except ScenarioError as e:
        print(f"{args.setup}: {e}", file=sys.stderr)
        return 2
    engine = db.open_hq(args.db)
    now = svc.utcnow()
    start = setup.start or datetime.now().replace(microsecond=0)
    toml = svc.shipped_program_toml(setup.program.id)
    rep = svc.run(
        db.sessions(engine),
        lambda s: svc.import_setup(
            s, setup.program, toml, setup.catalog, setup.members, start, now
        ),
    )
    engine.dispose()
    print(
        f"imported into HQ: program {rep.program}, {rep.products} products new or changed, "
        f"{rep.members} members"
        + (f" ({len(rep.skipped)} already at HQ, left as they are)" if rep.skipped else "")
    )
    return 0


def _enroll(args: argparse.Namespace) -> int:
    engine = db.open_hq(args.db)
    token = svc.run(
        db.sessions(engine), lambda s: svc.enroll(s, args.store, args.terminal, svc.utcnow())
    )
    engine.dispose()
    print(token)
    return 0


def _member(args: argparse.Namespace) -> int:
    from terminal.app.replay import member_json

    engine = db.open_hq(args.db)
    with db.sessions(engine)() as s:
        state = svc.member_state(s, args.code)
    engine.dispose()
    if state is None:
        print(f"no member {args.code} at HQ", file=sys.stderr)
        return 1
    today = date.fromisoformat(args.on) if args.on else date.today()
    out = member_json(state, today)
    out["debt"] = {"coins": state.coin_debt, "stored_value": state.sv_debt.plain()}
    out["blocked"] = state.blocked
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _block(args: argparse.Namespace) -> int:
    engine = db.open_hq(args.db)
    svc.run(
        db.sessions(engine),
        lambda s: svc.set_blocked(s, args.code, not args.unblock, args.reason, svc.utcnow()),
    )
    engine.dispose()
    print(
        f"member {args.code} {'unblocked' if args.unblock else 'blocked'}; tills learn it on pull"
    )
    return 0


def _verify(args: argparse.Namespace) -> int:
    engine = db.open_hq(args.db)
    with db.sessions(engine)() as s:
        problems = svc.verify(s)
        n = svc.counts(s)
    engine.dispose()
    for line in problems:
        print(line)
    print(
        f"{'FAILED' if problems else 'ok'}: {n['entries']} entries, {n['members']} members, "
        f"{n['products']} products"
    )
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pos-hq", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def cmd(name: str, help_: str, fn: object) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--db", default=db.default_url(), help="database URL or SQLite path")
        sp.set_defaults(fn=fn)
        return sp

    sv = cmd("serve", "serve the HQ API (OpenAPI at /docs)", _serve)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8400)
    sv.add_argument("--log-level", default="info")
    sv.add_argument("--no-migrate", action="store_true", help="do not migrate at start")
    cmd("migrate", "bring the database to the latest schema", _migrate)
    im = cmd("import", "load program, catalog and members (scenario setup keys)", _import)
    im.add_argument("setup", metavar="SETUP.json")
    en = cmd("enroll", "enroll a till and print its token (again: a new token)", _enroll)
    en.add_argument("--store", required=True)
    en.add_argument("--terminal", required=True)
    mb = cmd("member", "print a member as replay's `members` entries do", _member)
    mb.add_argument("code")
    mb.add_argument("--on", metavar="DATE", help="the day coins are counted on (today)")
    bl = cmd("block", "block a member's card (lost, closed); --unblock undoes it", _block)
    bl.add_argument("code")
    bl.add_argument("--unblock", action="store_true")
    bl.add_argument("--reason", default="lost")
    cmd("verify", "check every chain and that every member is the fold of its entries", _verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.fn(args)
    except PosError as e:
        print(f"pos-hq {args.command}: {e} ({e.code})", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
