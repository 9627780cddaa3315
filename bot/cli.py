"""`peerpulse`: run the bot on Discord/Matrix, play a community in the console, or watch the demo;
and the operator's tools (check the config, back up, export or forget a member, forget a community).

Imports are deferred to the command that needs them, so `peerpulse --help` and `check-config` stay
fast: matplotlib, discord.py and matrix-nio are loaded only where they are used.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC

from bot import version

HELP = """\
peerpulse — track personal numbers together, sharing only what you choose.

commands:
  peerpulse demo                      play the shipped demo transcript in the console and show where charts went
  peerpulse console [FILE]            play a community yourself: type lines like `alice@#walkers: log steps 8000`
                                      (reads FILE, a pipe, or the terminal); `--db PATH` keeps the database
  peerpulse run --config config.toml  run the bot on Discord and/or Matrix as configured (tokens from env vars)
  peerpulse check-config --config config.toml
                                      check a config and print it as it will run (secrets only as set/missing)
  peerpulse backup --config config.toml --to FILE
                                      a consistent copy of the SQLite database, safe while the bot runs
  peerpulse member export|forget --config config.toml --platform discord --community ID --member ID
                                      an operator's export or deletion of one member's data (by platform ids)
  peerpulse community forget --config config.toml --platform discord --community ID
                                      delete everything about a community the bot was removed from
  peerpulse health --config config.toml
                                      exit 0 if the running bot's heartbeat is fresh (container healthchecks)
  peerpulse copy-db --from peerpulse.db --to postgresql://USER@HOST/DB
                                      copy a SQLite database into an empty PostgreSQL one (stop the bot first)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="peerpulse", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("console", help="play a community in the console")
    c.add_argument("file", nargs="?", help="a transcript to play (default: standard input)")
    c.add_argument("--config", help="config file (optional)")
    c.add_argument("--db", help="SQLite database file or postgresql:// URL (default: a fresh temporary SQLite file)")
    c.add_argument("--out", default="peerpulse-out", help="folder for charts and exports (default: peerpulse-out)")
    c.add_argument("--start", help="the fake clock's start, ISO time (default: now)")
    c.add_argument("--echo", action="store_true", help="print each input line before the bot's answer")
    d = sub.add_parser("demo", help="play the shipped demo transcript")
    d.add_argument("--out", default="peerpulse-out", help="folder for charts (default: peerpulse-out)")
    r = sub.add_parser("run", help="run the bot on Discord and/or Matrix")
    r.add_argument("--config", required=True, help="config file (see config.example.toml)")
    v = sub.add_parser("check-config", help="check a config file and print the effective config")
    v.add_argument("--config", required=True, help="config file")
    b = sub.add_parser("backup", help="back up the SQLite database (safe while the bot runs)")
    b.add_argument("--config", required=True, help="config file (its [storage] names the database)")
    b.add_argument("--to", dest="target", required=True, help="the backup file to write (must not exist)")
    m = sub.add_parser("member", help="export or forget one member's data (operator)")
    m.add_argument("action", choices=("export", "forget"))
    m.add_argument("--config", required=True, help="config file")
    m.add_argument("--platform", required=True, choices=("discord", "matrix", "console"))
    m.add_argument("--community", required=True, help="the guild id (Discord) or space/room id (Matrix)")
    m.add_argument("--member", required=True, help="the member's user id on the platform")
    m.add_argument("--to", dest="target", help="export: the JSON file to write (default: standard output)")
    m.add_argument("--offline", action="store_true",
                   help="forget: don't connect to the platform (list the posts to delete by hand instead)")
    g = sub.add_parser("community", help="forget a whole community (operator)")
    g.add_argument("action", choices=("forget",))
    g.add_argument("--config", required=True, help="config file")
    g.add_argument("--platform", required=True, choices=("discord", "matrix", "console"))
    g.add_argument("--community", required=True, help="the guild id (Discord) or space/room id (Matrix)")
    h = sub.add_parser("health", help="exit 0 if the bot on this host wrote its heartbeat lately (for healthchecks)")
    h.add_argument("--config", required=True, help="config file")
    h.add_argument("--max-age", type=int, default=120, help="seconds a heartbeat stays fresh (default: 120)")
    k = sub.add_parser("copy-db", help="copy a SQLite database into an empty PostgreSQL database")
    k.add_argument("--from", dest="source", required=True, help="the SQLite database file")
    k.add_argument("--to", dest="target", required=True, help="postgresql://user@host:port/database (empty)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        print(f"peerpulse {version()}")
        return 0
    if args.command is None:
        parser.print_help()
        return 0
    from bot.config import ConfigError
    try:
        return _dispatch(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"peerpulse: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args) -> int:
    from bot.config import load_config

    if args.command == "console":
        return asyncio.run(_console(args.config, args.db, args.out, args.start, args.echo, args.file))
    if args.command == "demo":
        from importlib import resources
        transcript = resources.files("bot").joinpath("demo/demo.txt").read_text(encoding="utf-8")
        return asyncio.run(_console(None, None, args.out, "2026-11-02T08:00:00+00:00", True, None, transcript))
    if args.command == "check-config":
        return _check_config(args.config)
    if args.command == "run":
        from bot.config import check_secrets
        config = load_config(args.config)
        secrets = check_secrets(config)        # both before anything is opened
        from bot.runner import run
        from storage.postgres import StorageUnavailable
        try:
            return asyncio.run(run(config, secrets))
        except StorageUnavailable as exc:
            print(f"peerpulse: {exc}", file=sys.stderr)
            return 2
    if args.command == "backup":
        from bot.operator_tools import backup
        return backup(load_config(args.config), args.target)
    if args.command == "member":
        from bot import operator_tools as operator
        config = load_config(args.config)
        if args.action == "export":
            return asyncio.run(operator.export_member(config, args.platform, args.community, args.member, args.target))
        return asyncio.run(operator.forget_member(config, args.platform, args.community, args.member, args.offline))
    if args.command == "community":
        from bot import operator_tools as operator
        return asyncio.run(operator.forget_community(load_config(args.config), args.platform, args.community))
    if args.command == "health":
        from bot.operator_tools import health
        return asyncio.run(health(load_config(args.config), args.max_age))
    if args.command == "copy-db":
        return asyncio.run(_copy_db(args.source, args.target))
    return 0


def _check_config(path: str) -> int:
    from bot.config import ConfigError, check_secrets, effective_config, load_config
    config = load_config(path)
    print(f"# {path}: the config is valid; as it will run:")
    print("\n".join(effective_config(config)).rstrip())
    try:
        check_secrets(config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"peerpulse: {problem}", file=sys.stderr)
        return 2
    return 0


async def _copy_db(source: str, target: str) -> int:
    from storage.copy import CopyError, copy_sqlite_to_postgres
    from storage.database import is_postgres_url
    from storage.postgres import StorageUnavailable, redact

    if not is_postgres_url(target):
        print("peerpulse: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    try:
        counts = await copy_sqlite_to_postgres(source, target, progress=lambda table, n: print(f"  {table}: {n} rows"))
    except (CopyError, StorageUnavailable) as exc:
        print(f"peerpulse: {exc}", file=sys.stderr)
        return 2
    print(f"Copied {sum(counts.values())} rows in {len(counts)} tables from {source} to {redact(target)}; "
          "id sequences continue after the copied ids.")
    return 0


async def _console(config_path, db, out, start, echo, file, transcript: str | None = None) -> int:
    import dataclasses
    import tempfile
    from datetime import datetime
    from pathlib import Path

    from bot.adapters.console import ConsoleAdapter
    from bot.app import build_app
    from bot.config import load_config
    from bot.logs import setup_logging
    from bot.vocabulary.clock import FakeClock

    config = load_config(config_path)
    if config_path is None:
        config = dataclasses.replace(config, chart_processes=0)   # a console session renders few charts
    setup_logging("WARNING", config.log_format)
    clock = FakeClock(datetime.fromisoformat(start) if start else datetime.now(UTC))
    with tempfile.TemporaryDirectory(prefix="peerpulse-") as tmp:
        app = await build_app(config, clock, db or str(Path(tmp) / "console.db"))
        console = ConsoleAdapter(app, clock, sys.stdout, out, echo=echo)
        try:
            await app.start()
            if transcript is not None:
                await console.run_lines(transcript.splitlines())
                print(f"\nCharts and files were written to {Path(out).resolve()}")
            elif file:
                await console.run_lines(Path(file).read_text(encoding="utf-8").splitlines())
            else:
                await console.run(sys.stdin)
        finally:
            await app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
