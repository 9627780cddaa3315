"""`peerpulse`: run the bot on Discord/Matrix, play a community in the console, or watch the demo."""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import logging
import sys
import tempfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from bot.app import build_app
from bot.clock import FakeClock
from bot.config import ConfigError, load_config

HELP = """\
peerpulse — track personal numbers together, sharing only what you choose.

commands:
  peerpulse demo                      play the shipped demo transcript in the console and show where charts went
  peerpulse console [FILE]            play a community yourself: type lines like `alice@#walkers: log steps 8000`
                                      (reads FILE, a pipe, or the terminal); `--db PATH` keeps the database
  peerpulse run --config config.toml  run the bot on Discord and/or Matrix as configured (tokens from env vars)
  peerpulse copy-db --from peerpulse.db --to postgresql://USER@HOST/DB
                                      copy a SQLite database into an empty PostgreSQL one (stop the bot first)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="peerpulse", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
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
    k = sub.add_parser("copy-db", help="copy a SQLite database into an empty PostgreSQL database")
    k.add_argument("--from", dest="source", required=True, help="the SQLite database file")
    k.add_argument("--to", dest="target", required=True, help="postgresql://user@host:port/database (empty)")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "console":
            return asyncio.run(_console(args.config, args.db, args.out, args.start, args.echo, args.file))
        if args.command == "demo":
            transcript = resources.files("bot").joinpath("demo/demo.txt").read_text(encoding="utf-8")
            return asyncio.run(_console(None, None, args.out, "2026-11-02T08:00:00+00:00", True, None, transcript))
        if args.command == "run":
            from bot.runner import run
            from storage.postgres import StorageUnavailable
            try:
                return asyncio.run(run(load_config(args.config)))
            except StorageUnavailable as exc:
                print(f"peerpulse: {exc}", file=sys.stderr)
                return 2
        if args.command == "copy-db":
            return asyncio.run(_copy_db(args.source, args.target))
    except ConfigError as exc:
        print(f"peerpulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
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
    from bot.adapters.console import ConsoleAdapter

    config = load_config(config_path)
    if config_path is None:
        config = dataclasses.replace(config, chart_processes=0)   # a console session renders few charts
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    clock = FakeClock(datetime.fromisoformat(start) if start else datetime.now(timezone.utc))
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
