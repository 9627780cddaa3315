"""The console transcript harness: the console adapter on a temporary database and a fake clock.

Imported as ``from tests.support.transcript import make_transcript, START`` by tests that need more than
the ``bot`` fixture (two bots, a custom config, a start time, a database URL)."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.app import build_app
from bot.config import Config, PrivacyConfig
from bot.vocabulary.clock import FakeClock

START = "2026-11-16T09:00:00+00:00"   # a Monday


class Transcript:
    """Feed console lines, read back what the bot printed for each."""

    def __init__(self, app, console: ConsoleAdapter, out: io.StringIO, clock: FakeClock, tmp: Path):
        self.app, self.console, self.out, self.clock, self.tmp = app, console, out, clock, tmp

    async def run(self, *lines: str) -> list[str]:
        start = self.out.tell()
        for line in lines:
            await self.console.run_line(line)
        self.out.seek(start)
        printed = self.out.read().splitlines()
        self.out.seek(0, io.SEEK_END)
        return printed

    async def say(self, line: str) -> str:
        """One command, joined output (for simple assertions)."""
        return "\n".join(await self.run(line))

    @property
    def db(self):
        return self.app.services.db

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database file (as after a crash or deploy)."""
        path = self.app.services.db.path
        config = self.app.services.config
        moderators = self.console.moderators
        await self.app.stop()
        self.app = await build_app(config, self.clock, path)
        self.console = ConsoleAdapter(self.app, self.clock, self.out, self.tmp / "out")
        self.console.moderators = moderators
        await self.app.start()


async def make_transcript(tmp_path: Path, config: Config | None = None, start: str = START,
                          database: str | None = None) -> Transcript:
    """``database``: a postgresql:// URL to play on PostgreSQL (default: a SQLite file in tmp_path)."""
    clock = FakeClock(datetime.fromisoformat(start))
    config = dataclasses.replace(config or Config(privacy=PrivacyConfig(min_group_size=3)), chart_processes=0)
    app = await build_app(config, clock, database or str(tmp_path / "test.db"))
    out = io.StringIO()
    console = ConsoleAdapter(app, clock, out, tmp_path / "out")
    await app.start()
    return Transcript(app, console, out, clock, tmp_path)


def group_figure(text: str, pattern: str) -> tuple[float, int] | None:
    """The value and the "from N people" count of a released group figure matching ``pattern``
    (a regex with one ``{value}`` slot, e.g. r"Together: about {value} steps in total"), or None."""
    rx = re.escape(pattern).replace(re.escape("{value}"), r"(?P<value>[\d,.]+)") + r".*?from (?P<count>\d+) people"
    m = re.search(rx, text)
    if m is None:
        return None
    return float(m.group("value").replace(",", "")), int(m.group("count"))


def within_release_bound(shown: float, true_value: float, hidden: list[float], step: float) -> bool:
    """A released group figure is the true one with each hidden contribution moved by at most p/2 %
    of itself (bot.disclosure's perturbation), rounded to ``step``: the bound PRIVACY.md states."""
    from bot.disclosure import P_PERCENT
    return abs(shown - true_value) <= P_PERCENT / 200 * sum(abs(h) for h in hidden) + step / 2 + 1e-9
