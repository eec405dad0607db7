"""``pos-hq``: run HQ and administer it.

Admin commands act on the database directly (whoever runs them holds its URL); none
of them is reachable with a till's token. ``--db`` takes a SQLAlchemy URL
(``postgresql://user@host/db``) or a SQLite file path; default ``$POS_HQ_DB``, else a
SQLite file in the per-user data directory (a single shop's embedded HQ).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from sync.hq import db
from sync.hq import service as svc
from terminal.errors import InvalidInput, PosError
from terminal.rules.program import Program


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.hq.app import create_app, env_settings, tune_gc

    engine = db.open_hq(args.db, migrate=not args.no_migrate)
    if args.workers > 1:  # worker processes, each with its own engine (the service is stateless)
        engine.dispose()
        os.environ[db.ENV_DB] = args.db
        uvicorn.run(
            "sync.hq.app:app_from_env",
            factory=True,
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
        )
        return 0
    tune_gc()
    app = create_app(engine, **env_settings())
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
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
        today = date.fromisoformat(args.on) if args.on else date.today()
        state = svc.member_state(s, args.code)
        program = svc.hq_program(s, today)
    engine.dispose()
    if state is None:
        print(f"no member {args.code} at HQ", file=sys.stderr)
        return 1
    out = member_json(state, today, program)
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


def _review(args: argparse.Namespace) -> int:
    from sync.hq import derive

    engine = db.open_hq(args.db)
    sessions = db.sessions(engine)
    if args.clear:
        svc.run(sessions, lambda s: derive.clear_review(s, args.clear))
    with sessions() as s:
        rows = derive.flagged(s)
    engine.dispose()
    for store, since, why, n in rows:
        print(f"{store}\t{since.isoformat()}\t{n} refused entries\t{why}")
    print(f"{len(rows)} stores flagged for review")
    return 0


def _report(args: argparse.Namespace) -> int:
    from sync.hq import reports

    engine = db.open_hq(args.db)
    with db.sessions(engine)() as s:
        rows = reports.stored_value(s, _day(args.day), args.store)
    engine.dispose()
    for row in rows:  # one JSON object a line, keys as the README lists them
        print(json.dumps(row, ensure_ascii=False, sort_keys=True))
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--day {text!r}: a date as YYYY-MM-DD", code="bad_day") from None


def _month_after(month: str) -> date:
    """The 1st of the month after ``YYYY-MM``."""
    try:
        y, m = (int(x) for x in month.split("-"))
        return date(y + m // 12, m % 12 + 1, 1)
    except ValueError:
        raise InvalidInput(f"--month {month!r}: a month as YYYY-MM", code="bad_month") from None


def _program(args: argparse.Namespace) -> int:
    """``pos-hq program publish|list|show``: the chain's program versions."""
    from sync.hq import programs

    engine = db.open_hq(args.db)
    sessions = db.sessions(engine)
    try:
        if args.action == "list":
            with sessions() as s:
                for v in programs.versions(s):
                    print(json.dumps(_version_json(v), ensure_ascii=False))
        elif args.action == "show":
            with sessions() as s:
                sys.stdout.write(programs.text_of(s, args.version))
        else:
            try:
                text = Path(args.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                print(f"{args.file}: cannot read: {e}", file=sys.stderr)
                return 2
            now = svc.utcnow()
            today = svc.chain_today(now)
            effective = _day(args.effective) if args.effective else today
            v, new = svc.run(
                sessions,
                lambda s: svc.publish_program(s, text, effective, now, args.by, args.note),
            )
            out = _version_json(v) | {"new": new}
            print(json.dumps(out, ensure_ascii=False))
    finally:
        engine.dispose()
    return 0


def _version_json(v: object) -> dict[str, object]:
    from sync.hq.programs import Version

    assert isinstance(v, Version)
    return {
        "version": v.version,
        "program": v.program_id,
        "effective_from": v.effective_from.isoformat(),
        "sha256": v.sha256,
        "published_at": v.published_at.isoformat(),
        "published_by": v.published_by,
        "note": v.note,
    }


def _jobs(args: argparse.Namespace) -> int:
    from sync.hq import jobs

    engine = db.open_hq(args.db)
    sessions = db.sessions(engine)
    now = svc.utcnow()
    lines: list[str] = []

    def program(s: Session, day: date | None = None) -> Program:
        """The version in effect on the job's day (today by HQ's clock)."""
        return svc.require_program(s, day)

    def monthly_line(rep: jobs.MonthlyReport) -> str:
        return (
            f"month {rep.month}: {rep.members} members with sales; spend bonuses "
            f"{sum(rep.spend_coins.values())} coins to {len(rep.spend_coins)}, visit bonuses "
            f"{sum(rep.visit_coins.values())} coins to {len(rep.visit_coins)}"
        )

    def expire_line(day: date, done: dict[str, int]) -> str:
        return f"expiries as of {day}: {sum(done.values())} entries, {len(done)} members"

    def rfm_lines(rep: jobs.RfmReport) -> list[str]:
        return [
            f"RFM as of {rep.day}: {rep.active} active members; frequency >= {rep.frequency}, "
            f"monetary >= {rep.monetary.plain()} ({'changed' if rep.changed else 'unchanged'})",
            *(f"  {seg}: {n}" for seg, n in sorted(rep.counts.items())),
        ]

    def monthly(s: Session) -> None:
        prog = program(s, _month_after(args.month) - timedelta(days=1))
        s.rollback()  # the job commits in chunks of its own
        rep = jobs.monthly_in_chunks(sessions, prog, args.month, now)
        lines.append(monthly_line(rep))
        lines.extend(f"  {c}: +{n} spend" for c, n in sorted(rep.spend_coins.items()))
        lines.extend(f"  {c}: +{n} visits" for c, n in sorted(rep.visit_coins.items()))

    def expire(s: Session) -> None:
        day = _day(args.day)
        prog = program(s, day)
        s.rollback()
        lines.append(expire_line(day, jobs.expire_in_chunks(sessions, prog, day, now)))

    def rfm(s: Session) -> None:
        rep = jobs.rfm(s, program(s, _day(args.day)), _day(args.day), keep_segments=False)
        lines.extend(rfm_lines(rep))

    def month_end(s: Session) -> None:
        prog = program(s, _month_after(args.month))
        s.rollback()
        rep = jobs.month_end(sessions, prog, args.month, now, chunk=args.chunk)
        t = rep.seconds
        lines.extend(
            [
                f"month end {rep.day}: month {rep.month} settled, expiries and RFM as of {rep.day}",
                f"{monthly_line(rep.monthly)} ({t['monthly']:.1f} s)",
                f"{expire_line(rep.day, rep.expired)} ({t['expire']:.1f} s)",
                f"tiers reassessed as of {rep.day}: {len(rep.retiered)} members moved down "
                f"({t['retier']:.1f} s)",
                *rfm_lines(rep.rfm),
                f"month-end {rep.month} done in {sum(t.values()):.1f} s: monthly "
                f"{t['monthly']:.1f} s, expire {t['expire']:.1f} s, rfm {t['rfm']:.1f} s, "
                f"retier {t['retier']:.1f} s",
            ]
        )

    def profile(s: Session) -> None:
        n = jobs.profile_grant(s, program(s), args.code, args.field, now)
        lines.append(
            f"member {args.code}: +{n} coins for {args.field}"
            if n
            else f"member {args.code} already had the {args.field} grant"
        )

    def legacy(s: Session) -> None:
        rows = jobs.read_legacy_csv(Path(args.csv))
        rep = jobs.legacy_import(s, program(s), rows, args.dry_run, now)
        lines.extend(rep.lines())
        if args.dry_run:
            s.rollback()

    fns = {
        "monthly": monthly,
        "expire": expire,
        "rfm": rfm,
        "profile": profile,
        "legacy": legacy,
        "month-end": month_end,
    }
    try:
        if args.job in ("monthly", "expire", "month-end"):  # chunked: commit as they go
            with sessions() as s:
                fns[args.job](s)
        else:
            svc.run(sessions, fns[args.job])
    except OSError as e:
        print(f"pos-hq jobs: {e}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for line in lines:
        print(line)
    return 0


def _read_secret(what: str = "password", code: str = "password_mismatch") -> str:
    """A new password or PIN from standard input: never an argument (every user of
    the machine sees arguments in the process list). A terminal is asked twice."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass(f"{what}: ")
        if getpass.getpass("again: ") != first:
            raise InvalidInput(f"the two {what}s differ", code=code)
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _user(args: argparse.Namespace) -> int:
    from sync.hq.console import accounts
    from sync.hq.console.settings import ConsoleSettings

    settings = ConsoleSettings.from_env(os.environ)
    engine = db.open_hq(args.db)
    sessions = db.sessions(engine)
    try:
        if args.action == "add":
            password = _read_secret()
            accounts.check_password(password, settings)  # before any database work
            svc.run(
                sessions,
                lambda s: accounts.add_user(
                    s, args.name, password, args.role, args.store or [], svc.utcnow(), settings
                ),
            )
            print(f"console user {args.name} ({args.role}) added")
        elif args.action == "disable":
            svc.run(sessions, lambda s: accounts.disable_user(s, args.name, svc.utcnow()))
            print(f"console user {args.name} disabled; their sessions are revoked")
        else:
            with sessions() as s:
                for u in accounts.users(s):
                    stores = ",".join(sorted(accounts.stores_of(u))) or "-"
                    state = "disabled" if u.disabled else "active"
                    print(f"{u.name}\t{u.role}\t{stores}\t{state}")
    finally:
        engine.dispose()
    return 0


def _staff(args: argparse.Namespace) -> int:
    """``pos-hq staff``: a store's staff, sent to its tills with their pulls."""
    from sync.hq import staff

    engine = db.open_hq(args.db)
    sessions = db.sessions(engine)
    by = "pos-hq"
    try:
        if args.action == "list":
            with sessions() as s:
                for r in staff.listing(s, args.store):
                    state = "disabled" if r.disabled else "active"
                    print(f"{r.staff_id}\t{r.name}\t{r.role}\t{state}")
            return 0
        if args.action in ("add", "set-pin"):
            pin = _read_secret("PIN", "pin_mismatch").strip()
            if args.action == "add":
                svc.run(
                    sessions,
                    lambda s: staff.add(
                        s, args.store, args.id, args.name, args.role, pin, svc.utcnow(), by
                    ),
                )
            else:
                svc.run(
                    sessions,
                    lambda s: staff.set_pin(s, args.store, args.id, pin, svc.utcnow(), by),
                )
        else:
            off = args.action == "disable"
            svc.run(
                sessions,
                lambda s: staff.set_disabled(s, args.store, args.id, off, svc.utcnow(), by),
            )
    finally:
        engine.dispose()
    print(f"staff {args.store}/{args.id}: {args.action} done; the store's tills take it on pull")
    return 0


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
    sv.add_argument(
        "--workers", type=int, default=1, help="worker processes (one per core is a good start)"
    )
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
    jb = cmd("jobs", "HQ's jobs, each safe to run twice (rule book §1.5, §1.6)", _jobs)
    js = jb.add_subparsers(dest="job", required=True)
    js.add_parser("monthly", help="monthly spend and visit bonuses").add_argument(
        "--month", required=True, metavar="YYYY-MM"
    )
    js.add_parser("expire", help="every member's expiries").add_argument(
        "--day", default=date.today().isoformat(), metavar="DATE"
    )
    js.add_parser("rfm", help="RFM thresholds (settings tills pull) and segments").add_argument(
        "--day", default=date.today().isoformat(), metavar="DATE"
    )
    pf = js.add_parser("profile", help="coins for a completed profile field, once each")
    pf.add_argument("code")
    pf.add_argument("field")
    lg = js.add_parser("legacy", help="old points -> coins, once (CSV: code,phone,points)")
    lg.add_argument("csv", metavar="CSV")
    lg.add_argument("--dry-run", action="store_true", help="report only, change nothing")
    me = js.add_parser(
        "month-end",
        help="on the 1st: the month's bonuses, then every member's expiries, then RFM",
    )
    me.add_argument("--month", required=True, metavar="YYYY-MM", help="the month just closed")
    me.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
    me.add_argument(
        "--chunk", type=int, default=2000, metavar="N", help="members per transaction (2000)"
    )
    pg = cmd("program", "the chain's program versions: publish, list, show", _program)
    pa = pg.add_subparsers(dest="action", required=True)
    pp = pa.add_parser("publish", help="check a program file and publish it as the next version")
    pp.add_argument("file", metavar="PROGRAM.toml")
    pp.add_argument("--effective", metavar="DATE", help="the chain's day it takes effect (today)")
    pp.add_argument("--note", default="", help="what changed, for the version list")
    pp.add_argument("--by", default="hq", help="who publishes (the action log's name)")
    pp.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
    pa.add_parser("list", help="every version, oldest first (JSON lines)").add_argument(
        "--db", default=argparse.SUPPRESS, help="database URL or SQLite path"
    )
    ps = pa.add_parser("show", help="print a version's program file")
    ps.add_argument("version", type=int)
    ps.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
    cmd("verify", "check every chain and that every member is the fold of its entries", _verify)
    rv = cmd("review", "stores flagged for member entries HQ refused from their tills", _review)
    rv.add_argument("--clear", metavar="STORE", help="mark STORE reviewed (its evidence is kept)")
    us = cmd("user", "console users (the web console at /console/)", _user)
    ua = us.add_subparsers(dest="action", required=True)
    uad = ua.add_parser("add", help="add a console user; the password is read from standard input")
    uad.add_argument("name")
    uad.add_argument(
        "--role",
        required=True,
        choices=("admin", "marketing", "finance", "store_manager", "auditor"),
    )
    uad.add_argument(
        "--store", action="append", metavar="S", help="a store manager's store (repeatable)"
    )
    uad.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
    ua.add_parser("list", help="the console users").add_argument(
        "--db", default=argparse.SUPPRESS, help="database URL or SQLite path"
    )
    udi = ua.add_parser("disable", help="disable a console user and revoke their sessions")
    udi.add_argument("name")
    udi.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
    sf = cmd("staff", "a store's cashiers and managers, sent to its tills on pull", _staff)
    sa = sf.add_subparsers(dest="action", required=True)
    sad = sa.add_parser("add", help="add a staff member; the PIN is read from standard input")
    sad.add_argument("store")
    sad.add_argument("id")
    sad.add_argument("--name", required=True, help="the name the till shows")
    sad.add_argument("--role", default="cashier", choices=("cashier", "manager"))
    sa.add_parser("list", help="a store's staff: id, name, role, state").add_argument("store")
    for name, help_ in (
        ("set-pin", "a new PIN from standard input"),
        ("disable", "refuse sign-in and approvals at the store's tills"),
        ("enable", "undo disable"),
    ):
        sp = sa.add_parser(name, help=help_)
        sp.add_argument("store")
        sp.add_argument("id")
    for sp in sa.choices.values():
        sp.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
    rp = cmd("report", "finance's reports from the entries HQ holds", _report)
    rs = rp.add_subparsers(dest="report", required=True)
    rsv = rs.add_parser("stored-value", help="stored value created vs the shifts' counted cash")
    rsv.add_argument("--day", required=True, metavar="YYYY-MM-DD", help="the tills' date")
    rsv.add_argument("--store", metavar="S", help="one store (default: every store)")
    rsv.add_argument("--db", default=argparse.SUPPRESS, help="database URL or SQLite path")
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
