"""The console adapter: a whole community on one machine, read from a terminal or a pipe.

    alice@#walkers: log steps 8000      alice types in channel #walkers
    alice@dm: privacy                   alice writes to the bot directly
    :moderator alice                    alice becomes a moderator
    :time +7d   (+2h, +30m, or an ISO time)  the clock moves; scheduled jobs due on the way run in order
    # a comment

Every line the bot prints starts with where it goes: ``[#walkers #3]`` for channel post number 3,
``[@alice]`` for what only alice sees. Edits and deletions name the post they change. Images and files
are written to the output folder and their paths printed.
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.adapters.base import Inbound, Target, require_delivery
from bot.command_refs import CONSOLE, render_refs
from bot.commands import help_lines
from bot.gate import Delivery
from bot.vocabulary.clock import FakeClock
from bot.vocabulary.errors import UserError

_LINE = re.compile(r"^(?P<member>[A-Za-z0-9_.-]{1,32})@(?P<where>#[A-Za-z0-9_-]{1,80}|dm)\s*:\s?(?P<text>.*)$")
_CHANNEL = re.compile(r"^#?([A-Za-z0-9_-]{1,80})$")
COMMUNITY = "console"
_RELATIVE_TIME = re.compile(r"\+(\d{1,4})([dhm])")
_STEP = {"d": "days", "h": "hours", "m": "minutes"}
CONSOLE_HELP = ("[console] Type `member@#channel: command` (alice@#walkers: log steps 8000) or `member@dm: command`; "
                "`:moderator NAME` makes a moderator; `:time +7d` / `:time +2h` moves the clock (scheduled posts due "
                "on the way run). The commands:")


class ConsoleAdapter:
    platform = "console"

    def __init__(self, app, clock: FakeClock, out: TextIO = sys.stdout, output_dir: str | Path = "peerpulse-out",
                 echo: bool = False):
        self.app = app
        self.clock = clock
        self.out = out
        self.output_dir = Path(output_dir)
        self.echo = echo
        self.moderators: set[str] = set()
        self._next_message = 1
        app.attach(self)

    # -- input ---------------------------------------------------------------------------------
    async def run(self, stream: TextIO) -> None:
        interactive = stream.isatty()
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self._print("peerpulse> ", end="")
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                break
            await self.run_line(line.rstrip("\n"))

    async def run_lines(self, lines) -> None:
        for line in lines:
            await self.run_line(line)

    async def run_line(self, line: str) -> None:
        stripped = line.strip()
        if not stripped:
            return
        if self.echo:
            self._print(f"> {stripped}")
        if stripped.startswith("#"):
            return
        if stripped.startswith(":"):
            await self._directive(stripped[1:].split())
            return
        if stripped.lower() in ("help", "?", "help console"):
            # No member typed it: the console's own usage, then the commands (from the specs, as `help` shows).
            self._print(CONSOLE_HELP)
            for line in help_lines(self.app.registry, None):
                self._print(f"[console] {line}")
            return
        m = _LINE.match(stripped)
        if m is None:
            self._print("[console] I couldn't read that line. Write `member@#channel: command` or `member@dm: command`"
                        " (e.g. `alice@#walkers: log steps 8000`), `:moderator alice`, `:time 2026-11-30T18:00:00+00:00`.")
            return
        member, where, text = m.group("member"), m.group("where"), m.group("text")
        channel = None if where == "dm" else where[1:].lower()   # channel names compare case-insensitively
        await self.app.handle(Inbound(
            platform=self.platform, community_external_id=COMMUNITY, community_name="console community",
            channel_external_id=channel, channel_name=channel or "", member_external_id=member, member_name=member,
            is_moderator=member in self.moderators, text=text))

    async def _directive(self, words: list[str]) -> None:
        if len(words) == 2 and words[0] == "moderator":
            self.moderators.add(words[1])
            self._print(f"[console] {words[1]} is now a moderator.")
        elif len(words) == 2 and words[0] == "time":
            before = self.clock.now()
            relative = _RELATIVE_TIME.fullmatch(words[1])
            try:
                when = (before + timedelta(**{_STEP[relative.group(2)]: int(relative.group(1))}) if relative
                        else datetime.fromisoformat(words[1]))
            except (ValueError, OverflowError):
                self._print("[console] `:time` takes +7d, +2h, +30m or an ISO time, e.g. 2026-11-30T18:00:00+00:00")
                return
            if when.tzinfo is None:
                self._print("[console] Please give the time with its offset, e.g. +00:00.")
                return
            if when < before:
                self._print("[console] The clock only moves forward.")
                return
            await self.app.advance_clock(self.clock, when)
        else:
            self._print("[console] Directives: `:moderator NAME`, `:time +7d` (or +2h, +30m, an ISO time).")

    # -- output (the Transport) ----------------------------------------------------------------
    async def resolve_channel(self, community_external_id: str, ref: str) -> tuple[str, str]:
        m = _CHANNEL.match(ref.strip())
        if m is None:
            raise UserError("Channels are written like #walkers.")
        return m.group(1).lower(), m.group(1).lower()

    def resolve_member(self, ref: str) -> str | None:
        """`@bob` or `bob`: console members are their names."""
        m = re.fullmatch(r"@?([A-Za-z0-9_.-]{1,32})", ref.strip())
        return m.group(1) if m else None

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        require_delivery(delivery)
        if target.kind == "member" and not delivery.kept_private:
            tag, message_id = f"[@{target.name}]", None
        elif target.kind == "member":
            # A private post kept in the ledger (a partner's summary) is numbered, so that its take-back can name it.
            message_id = str(self._next_message)
            self._next_message += 1
            tag = f"[@{target.name} #{message_id}]"
        else:
            message_id = str(self._next_message)
            self._next_message += 1
            tag = f"[#{target.name} #{message_id}]"
        await self._emit(tag, delivery, message_id or f"{target.name}-{self._next_message}")
        return message_id

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> None:
        require_delivery(delivery)
        await self._emit(f"[{_where(target)} #{message_id} edited]", delivery, f"{message_id}-edited",
                         with_attachments=not keep_images)

    async def progress(self, target: Target, delivery: Delivery) -> None:
        """How a long command is getting on (an import): a line, as a terminal shows it."""
        require_delivery(delivery)
        await self._emit(f"[@{target.name}]", delivery, "progress", with_attachments=False)

    async def delete(self, target: Target, message_id: str) -> None:
        self._print(f"[{_where(target)} #{message_id} deleted]")

    async def _emit(self, tag: str, delivery: Delivery, stem: str, with_attachments: bool = True) -> None:
        for line in render_refs(self.app.registry, delivery.text, CONSOLE).splitlines():   # the console grammar as written
            self._print(f"{tag} {line}")
        for attachment in delivery.attachments if with_attachments else ():
            path = self.output_dir / f"{self._safe(stem)}-{attachment.filename}"
            await asyncio.to_thread(_write, path, attachment.data)
            kind = "image" if attachment.mime.startswith("image/") else "file"
            self._print(f"{tag} {kind}: {path}")

    @staticmethod
    def _safe(stem: str) -> str:
        return re.sub(r"[^A-Za-z0-9_-]", "_", stem)

    def _print(self, text: str, end: str = "\n") -> None:
        self.out.write(text + end)
        self.out.flush()


def _where(target: Target) -> str:
    return f"@{target.name}" if target.kind == "member" else f"#{target.name}"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
