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
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="peerpulse", description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("console", help="play a community in the console")
    c.add_argument("file", nargs="?", help="a transcript to play (default: standard input)")
    c.add_argument("--config", help="config file (optional)")
    c.add_argument("--db", help="SQLite database file (default: a fresh temporary one)")
    c.add_argument("--out", default="peerpulse-out", help="folder for charts and exports (default: peerpulse-out)")
    c.add_argument("--start", help="the fake clock's start, ISO time (default: now)")
    c.add_argument("--echo", action="store_true", help="print each input line before the bot's answer")
    d = sub.add_parser("demo", help="play the shipped demo transcript")
    d.add_argument("--out", default="peerpulse-out", help="folder for charts (default: peerpulse-out)")
    r = sub.add_parser("run", help="run the bot on Discord and/or Matrix")
    r.add_argument("--config", required=True, help="config file (see config.example.toml)")
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
            return asyncio.run(run(load_config(args.config)))
    except ConfigError as exc:
        print(f"peerpulse: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
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
