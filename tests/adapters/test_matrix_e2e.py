"""The Matrix adapter end to end against a real Synapse on 127.0.0.1, with matrix-nio clients
playing the members: invite, log, privacy, a check-in over a forced clock, a shared chart, edits and
redactions of earlier posts, private replies in a direct room, Synapse restarted mid-run, and `share`
in a room (the typed command redacted, nobody pinged)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    RedactionEvent,
    RoomEncryptedImage,
    RoomGetEventResponse,
    RoomMessageFile,
    RoomMessageImage,
    RoomMessageNotice,
    RoomMessagesResponse,
)
from nio.api import RoomPreset
from nio.crypto.attachments import decrypt_attachment

from bot.adapters.matrix_adapter import MatrixAdapter
from bot.adapters.matrix_e2ee import encryption_installed
from bot.adapters.matrix_send import RoomSender
from bot.app import build_app
from bot.config import Config, MatrixConfig, PrivacyConfig
from bot.gate import Attachment
from bot.vocabulary.clock import FakeClock
from tests.matrix_harness import SynapseServer, synapse_available

pytestmark = [pytest.mark.synapse,
              pytest.mark.skipif(not synapse_available() and os.environ.get("CI") != "true",
                                 reason="matrix-synapse is not installed (pip install -e '.[test]')")]


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory):
    with SynapseServer(tmp_path_factory.mktemp("synapse")) as hs:
        yield hs


class Member:
    """A member's own Matrix client: syncs, joins the rooms it is invited to, remembers what it saw."""

    def __init__(self, hs: SynapseServer, name: str):
        self.user_id, token = hs.register_user(name, "pw-" + name)
        self.client = AsyncClient(hs.url, self.user_id)
        self.client.access_token = token
        self.client.user_id = self.user_id
        self.seen: list[tuple[str, object]] = []
        self.since: str | None = None

    async def sync(self) -> None:
        for _attempt in range(20):
            response = await self.client.sync(timeout=300, since=self.since)
            if hasattr(response, "next_batch"):
                break
            await asyncio.sleep(0.5)   # the homeserver is restarting
        else:
            raise AssertionError("member could not sync")
        self.since = response.next_batch
        for room_id in response.rooms.invite:
            await self.client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                self.seen.append((room_id, event))

    async def say(self, room_id: str, text: str) -> str:
        for _attempt in range(20):
            response = await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})
            if hasattr(response, "event_id"):
                return response.event_id
            await asyncio.sleep(0.5)   # the homeserver is restarting
        raise AssertionError("member could not send")

    async def history(self, room_id: str) -> list:
        """Every event of a room as the member can read it now, oldest first (an outsider's full view)."""
        events, token = [], None
        for _ in range(200):
            response = await self.client.room_messages(room_id, start=token, limit=100)
            assert isinstance(response, RoomMessagesResponse), response
            events.extend(response.chunk)
            if not response.chunk or not response.end:
                break
            token = response.end
        return list(reversed(events))

    async def event(self, room_id: str, event_id: str) -> dict:
        response = await self.client.room_get_event(room_id, event_id)
        assert isinstance(response, RoomGetEventResponse), response
        return response.event.source

    async def wait_for(self, predicate, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for room_id, event in self.seen:
                if predicate(room_id, event):
                    return room_id, event
            await self.sync()
        raise AssertionError(f"{self.user_id} did not see the expected event")

    def from_bot(self, bot_id: str, kind=RoomMessageNotice):
        return [(r, e) for r, e in self.seen if isinstance(e, kind) and e.sender == bot_id]


def is_redacted(source: dict) -> bool:
    return not source.get("content") and "redacted_because" in source.get("unsigned", {})


async def eventually_redacted(member: Member, room_id: str, event_id: str, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_redacted(await member.event(room_id, event_id)):
            return True
        await asyncio.sleep(0.2)
    return False


def notice_containing(bot_id: str, text: str, room: str | None = None):
    return lambda r, e: isinstance(e, RoomMessageNotice) and e.sender == bot_id and text in e.body and (room is None or r == room)


async def test_matrix_end_to_end(homeserver, tmp_path, monkeypatch):
    hs = homeserver
    bot_id, bot_token = hs.register_user("peerpulse", "pw-bot")
    monkeypatch.setenv("PP_TEST_MATRIX_TOKEN", bot_token)
    matrix = MatrixConfig(homeserver=hs.url, user_id=bot_id, access_token_env="PP_TEST_MATRIX_TOKEN", encryption=False)
    clock = FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00"))
    config = Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix, chart_processes=0)
    db_path = str(tmp_path / "bot.db")

    async def start_bot():
        """The bot as `peerpulse run` starts it, on the same database file each time."""
        app = await build_app(config, clock, db_path)
        adapter = MatrixAdapter(app, matrix, sync_timeout_ms=300, max_backoff=2)
        await adapter.login()
        await app.start()
        stop = asyncio.Event()
        return app, adapter, stop, asyncio.create_task(adapter.sync_loop(stop))

    app, adapter, stop, loop_task = await start_bot()
    alice, bob, mia = Member(hs, "alice"), Member(hs, "bob"), Member(hs, "mia")
    try:
        await asyncio.wait_for(adapter.ready.wait(), 20)
        created = await alice.client.room_create(name="walkers", preset=RoomPreset.public_chat,
                                                 invite=[bot_id, bob.user_id, mia.user_id],
                                                 power_level_override={"users": {mia.user_id: 50, bot_id: 50}})
        assert hasattr(created, "room_id"), created
        room = created.room_id
        await bob.sync()
        await mia.sync()
        deadline = time.monotonic() + 20
        while room not in adapter.client.rooms and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert room in adapter.client.rooms, "the bot joins rooms it is invited to"
        await asyncio.sleep(0.5)   # let the bot's sync see the members' joins and power levels

        # A command answers privately in a direct room, never in the public room.
        typed = await alice.say(room, "!pp log steps 8000")
        dm, reply = await alice.wait_for(notice_containing(bot_id, "Logged 8,000 steps"))
        assert dm != room
        # The value typed in the room is redacted (the bot has power level 50 there), alice told privately.
        await alice.wait_for(notice_containing(bot_id, "I removed your message from walkers", dm))
        assert is_redacted(await alice.event(room, typed))
        # In the bot's direct room no prefix is needed.
        await alice.say(dm, "history steps")
        await alice.wait_for(lambda r, e: r == dm and isinstance(e, RoomMessageNotice) and e.sender == bot_id
                             and "Logged" not in e.body and "8,000" in e.body)
        assert "<br>" in reply.source["content"].get("formatted_body", "") or reply.source["content"]["format"] == "org.matrix.custom.html"
        await alice.say(room, "!pp log steps 9000 yesterday")
        await alice.wait_for(notice_containing(bot_id, "9,000 steps", dm))   # the same direct room, reused

        # Non-moderators are refused; moderators (power level >= 50) are not.
        await bob.say(room, "!pp mod schedule #walkers sunday 18:00 UTC")
        await bob.wait_for(notice_containing(bot_id, "Only moderators"))
        await mia.say(room, "!pp mod schedule #walkers sunday 18:00 UTC")
        await mia.wait_for(notice_containing(bot_id, "weekly check-in on Sundays at 18:00"))
        await alice.say(room, "!pp mod rules here")     # the room's creator (room version 12: not listed in power levels)
        await alice.wait_for(notice_containing(bot_id, "Rules in #walkers"))

        for member, _value in ((alice, 8000), (bob, 5000)):
            await member.say(room, "!pp privacy set steps public")
            await member.wait_for(notice_containing(bot_id, "steps: public"))
            await member.say(room, "!pp checkin join")
            await member.wait_for(notice_containing(bot_id, "joined this channel's weekly check-in"))
        await bob.say(room, "!pp log steps 5,500")
        await bob.wait_for(notice_containing(bot_id, "Logged 5,500"))

        # The check-in, over a forced clock: posted in the room, with a chart image.
        await app.advance_clock(clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
        _, post = await alice.wait_for(notice_containing(bot_id, "Weekly check-in", room))
        assert "alice: 8,000 steps this week (↓11% vs last week" in post.body and "bob: 5,500 steps this week" in post.body
        await alice.wait_for(lambda r, e: r == room and isinstance(e, RoomMessageImage) and e.sender == bot_id)
        await bob.wait_for(notice_containing(bot_id, "Your week in #walkers"))   # private summary in bob's DM
        assert not [e for r, e in bob.seen if r == room and isinstance(e, RoomMessageNotice) and "Your week" in e.body]

        # A shared chart.
        await alice.say(room, "!pp chart steps 7 share")
        await alice.wait_for(notice_containing(bot_id, "alice's steps, last 7 days", room))

        # mydata shared links each post with a matrix.to permalink.
        await alice.say(dm, "mydata shared")
        _, shared = await alice.wait_for(notice_containing(bot_id, "your data:", dm))
        assert f"https://matrix.to/#/{room}/{post.event_id}" in shared.body and "message $" not in shared.body

        # Lowering a level: Matrix keeps an edited event's original, so the post is redacted and re-sent.
        images = [e for r, e in alice.seen if r == room and isinstance(e, RoomMessageImage) and e.sender == bot_id]
        await alice.say(room, "!pp privacy set steps trend")
        _, narrowed = await alice.wait_for(lambda r, e: r == room and isinstance(e, RoomMessageNotice) and e.sender == bot_id
                                           and "Weekly check-in" in e.body and e.event_id != post.event_id)
        assert "alice: steps" in narrowed.body and "8,000" not in narrowed.body and "bob: 5,500 steps" in narrowed.body
        assert not (narrowed.source["content"].get("m.relates_to") or {}), "a new post, not an edit"
        assert await eventually_redacted(alice, room, post.event_id), "fetching the original check-in gives a redaction"
        assert images
        for image in images:   # the check-in's chart and the shared chart were drawn before the change
            assert await eventually_redacted(alice, room, image.event_id)
        # ... and making it private removes what only held her data (redaction).
        await alice.say(room, "!pp privacy set steps private")
        await alice.wait_for(lambda r, e: r == room and isinstance(e, RedactionEvent) and e.sender == bot_id)
        await alice.wait_for(notice_containing(bot_id, "steps: private", dm))
        # No readable event in the room holds the withdrawn value.
        readable = [e for e in await bob.history(room) if e.source.get("content")]
        assert not [e for e in readable if e.sender == bot_id and "8,000" in str(e.source["content"])]

        # Export arrives as one file in the direct room.
        await alice.say(dm, "mydata export")
        _, export = await alice.wait_for(lambda r, e: r == dm and isinstance(e, RoomMessageFile) and e.sender == bot_id)
        assert export.body == "peerpulse-export.zip"
        downloaded = await alice.client.download(export.url)
        names = zipfile.ZipFile(io.BytesIO(downloaded.body)).namelist()
        assert "peerpulse-export.json" in names and "peerpulse-entries.csv" in names
        assert len([e for r, e in alice.seen if r == dm and isinstance(e, RoomMessageFile)]) == 1

        # Synapse restarts mid-run: a command sent right after is answered exactly once.
        hs.restart()
        await alice.say(room, "!pp log water 1.5L")
        await alice.wait_for(notice_containing(bot_id, "1.5 L"), timeout=60)
        await asyncio.sleep(2)
        await alice.sync()
        assert len([e for r, e in alice.seen if isinstance(e, RoomMessageNotice) and "Logged 1.5 L" in e.body]) == 1

        # The bot restarts: its sync token is in the database, so old commands are not replayed.
        stop.set()
        await asyncio.wait_for(loop_task, 30)
        await adapter.client.close()
        await app.stop()
        app, adapter, stop, loop_task = await start_bot()
        await alice.say(room, "!pp log water 2L")
        await alice.wait_for(notice_containing(bot_id, "2 L"))
        await asyncio.sleep(2)
        await alice.sync()
        bodies = [e.body for r, e in alice.seen if isinstance(e, RoomMessageNotice) and e.sender == bot_id]
        assert sum("Logged 8,000 steps" in b for b in bodies) == 1
        assert sum("Logged 1.5 L" in b for b in bodies) == 1
    finally:
        stop.set()
        loop_task.cancel()
        for m in (alice, bob, mia):
            await m.client.close()
        await adapter.client.close()
        await app.stop()


def _bot_config(hs: SynapseServer, name: str, monkeypatch, **matrix_keys):
    bot_id, bot_token = hs.register_user(name, "pw-" + name)
    env = "PP_TEST_TOKEN_" + name.upper().replace("-", "_")
    monkeypatch.setenv(env, bot_token)
    return bot_id, bot_token, env, MatrixConfig(homeserver=hs.url, user_id=bot_id, access_token_env=env, **matrix_keys)


async def _start_bot(config: Config, clock, db_path: str):
    app = await build_app(config, clock, db_path)
    adapter = MatrixAdapter(app, config.matrix, sync_timeout_ms=300, max_backoff=2)
    await adapter.login()
    await app.start()
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.sync_loop(stop))
    await asyncio.wait_for(adapter.ready.wait(), 20)
    return app, adapter, stop, task


async def _stop_bot(app, adapter, stop, task) -> None:
    stop.set()
    await asyncio.wait_for(task, 30)
    await adapter.client.close()
    await app.stop()


async def _wait_joined(adapter, rooms, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not all(r in adapter.client.rooms for r in rooms):
        assert time.monotonic() < deadline, "the bot did not join its rooms"
        await asyncio.sleep(0.2)


async def _dm_of(member: Member, bot_id: str) -> str:
    """The member's direct room with the bot (created by the bot on its first private answer)."""
    room_id, _ = await member.wait_for(lambda r, e: isinstance(e, RoomMessageNotice) and e.sender == bot_id
                                       and r.startswith("!") and "Logged" in e.body)
    return room_id


@pytest.mark.slow
async def test_commands_sent_while_the_bot_is_down_are_each_answered_once(homeserver, tmp_path, monkeypatch):
    """5 members, 3 rooms, COMMANDS commands typed while the bot is down (far more than a sync's timeline
    limit per room), then a start: every one answered exactly once, from the gap read back."""
    hs = homeserver
    commands = int(os.environ.get("PP_MATRIX_GAP_COMMANDS", "120"))
    bot_id, _, _, matrix = _bot_config(hs, "pp-gap", monkeypatch, sync_timeline_limit=10, gap_page_size=25,
                                       encryption=False)
    config = Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix, chart_processes=0)
    clock = FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00"))
    db_path = str(tmp_path / "gap.db")
    members = [Member(hs, f"gap{i}") for i in range(5)]
    bot = await _start_bot(config, clock, db_path)
    try:
        rooms = []
        for name in ("walkers", "sleepers", "runners"):
            created = await members[0].client.room_create(name=name, preset=RoomPreset.public_chat,
                                                          invite=[bot_id] + [m.user_id for m in members[1:]])
            rooms.append(created.room_id)
        for m in members[1:]:
            await m.sync()
        await _wait_joined(bot[1], rooms)
        await asyncio.sleep(0.5)
        # Each member's first command opens their direct room, which they join.
        for i, m in enumerate(members):
            await m.say(rooms[0], f"!pp log water {i + 1}L")
        dms = [await _dm_of(m, bot_id) for m in members]
        await _stop_bot(*bot)

        sent: dict[int, list[str]] = {i: [] for i in range(len(members))}
        for n in range(commands):
            who = n % len(members)
            day = (clock.now() - timedelta(days=n // len(members) + 1)).date().isoformat()   # one day per command
            await members[who].say(rooms[n % len(rooms)], f"!pp log steps {1000 + n} {day}")
            sent[who].append(f"Logged {1000 + n:,} steps for ")

        bot = await _start_bot(config, clock, db_path)
        deadline = time.monotonic() + 60
        for i, m in enumerate(members):
            while True:
                bodies = [e.body for e in await m.history(dms[i])
                          if isinstance(e, RoomMessageNotice) and e.sender == bot_id and "steps" in e.body]
                answered = [a for a in sent[i] if any(a in b for b in bodies)]
                if len(answered) == len(sent[i]) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            assert len(answered) == len(sent[i]), f"{m.user_id}: {len(sent[i]) - len(answered)} commands unanswered"
            for a in sent[i]:
                assert sum(a in b for b in bodies) == 1, f"answered more than once: {a}"
        # The bot has no power to redact in these rooms: it says so privately, names the level and the DM.
        notes = [e.body for e in await members[0].history(dms[0]) if isinstance(e, RoomMessageNotice)]
        assert any("I couldn't remove your message from walkers" in b and "power level 50" in b
                   and "our private room" in b for b in notes)
    finally:
        await _stop_bot(*bot)
        for m in members:
            await m.client.close()


class BotProcess:
    """`peerpulse run` in its own process (the worktree's code: python -m bot.cli), to be killed for real."""

    def __init__(self, tmp_path, hs: SynapseServer, user_id: str, token_env: str, token: str, **matrix_keys):
        self.db = tmp_path / "bot.db"
        self.config = tmp_path / "config.toml"
        keys = "".join(f"{k} = {json.dumps(v)}\n" for k, v in matrix_keys.items())   # JSON scalars are TOML scalars
        self.config.write_text(f'[bot]\nchart_processes = 0\nlog_level = "WARNING"\n[storage]\npath = "{self.db}"\n'
                               f'[matrix]\nhomeserver = "{hs.url}"\nuser_id = "{user_id}"\naccess_token_env = "{token_env}"\n'
                               + keys, encoding="utf-8")
        self.env = {**os.environ, token_env: token}
        self.log = tmp_path / "bot.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                                     env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def query(self, sql: str, params=()) -> list:
        if not self.db.exists():
            return []
        with sqlite3.connect(self.db, timeout=10) as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError:   # not migrated yet
                return []

    async def until(self, predicate, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert self.proc.poll() is None, f"the bot exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.1)


async def test_sigkill_during_a_burst_loses_nothing(homeserver, tmp_path):
    """The bot is SIGKILLed while answering a burst of logs, then started again: every command gets one
    answer (its confirmation, or, for the one a kill interrupted, a note saying so), and every
    acknowledged log is stored."""
    hs = homeserver
    burst = int(os.environ.get("PP_MATRIX_BURST", "40"))
    bot_id, bot_token = hs.register_user("pp-kill", "pw-pp-kill")
    members = [Member(hs, "kill0"), Member(hs, "kill1")]
    bot = BotProcess(tmp_path, hs, bot_id, "PP_TEST_KILL_TOKEN", bot_token, sync_timeline_limit=10, gap_page_size=20,
                     encryption=False)
    created = await members[0].client.room_create(name="burst", preset=RoomPreset.public_chat,
                                                  invite=[bot_id, members[1].user_id])
    room = created.room_id
    await members[1].sync()
    bot.start()
    try:
        await bot.until(lambda: bot.query("SELECT 1 FROM platform_state WHERE key='matrix:next_batch'"), "the first sync")
        deadline = time.monotonic() + 20
        while bot_id not in (getattr(await members[0].client.joined_members(room), "members", None) and
                             [m.user_id for m in (await members[0].client.joined_members(room)).members] or []):
            assert time.monotonic() < deadline, "the bot did not join"
            await asyncio.sleep(0.2)
        for i, m in enumerate(members):
            await m.say(room, f"!pp log water {i + 1}L")
        dms = [await _dm_of(m, bot_id) for m in members]

        handled = lambda: bot.query("SELECT count(*) FROM handled_events")[0][0]   # noqa: E731
        before = handled()
        today = datetime.now().date()

        async def send_burst(index: int, m: Member) -> list[str]:
            values = []
            for n in range(burst // 2):
                value = 2000 + index * 1000 + n
                day = (today - timedelta(days=n + 2)).isoformat()
                await m.say(room, f"!pp log steps {value} {day}")
                values.append(value)
            return values

        sender = asyncio.gather(*(send_burst(i, m) for i, m in enumerate(members)))
        await bot.until(lambda: handled() >= before + burst // 4, "part of the burst answered")
        bot.kill()
        sent = await sender
        bot.start()
        await bot.until(lambda: handled() == before + burst and
                        not bot.query("SELECT 1 FROM platform_state WHERE key LIKE 'matrix:inflight:%'"),
                        "every command claimed and finished", timeout=45)
        stored = {row[0] for row in bot.query("SELECT value FROM entries WHERE metric='steps'")}
        unanswered_total = interrupted_total = 0
        for i, m in enumerate(members):
            deadline = time.monotonic() + 20
            while True:
                bodies = [e.body for e in await m.history(dms[i]) if isinstance(e, RoomMessageNotice) and e.sender == bot_id]
                counts = {v: sum(f"Logged {v:,} steps" in b for b in bodies) for v in sent[i]}
                interrupted = sum("restarted while working on your `log` command" in b for b in bodies)
                if sum(counts.values()) + interrupted >= len(sent[i]) or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            assert all(c <= 1 for c in counts.values()), "a command was answered twice"
            for value, count in counts.items():
                if count:
                    assert value in stored, f"acknowledged log {value} was not stored"
            unanswered_total += sum(1 for c in counts.values() if c == 0)
            interrupted_total += interrupted
        assert unanswered_total == interrupted_total <= 1, (unanswered_total, interrupted_total)
    finally:
        bot.kill()
        for m in members:
            await m.client.close()


def _run_cli(tmp_path, homeserver_url: str, env: dict[str, str], user_id: str = "@pp:peerpulse.test") -> subprocess.CompletedProcess:
    config = tmp_path / "startup.toml"
    config.write_text(f'[bot]\nchart_processes = 0\n[storage]\npath = "{tmp_path / "startup.db"}"\n'
                      f'[matrix]\nhomeserver = "{homeserver_url}"\nuser_id = "{user_id}"\n'
                      'access_token_env = "PP_STARTUP_TOKEN"\npassword_env = "PP_STARTUP_PASSWORD"\nstartup_attempts = 2\n',
                      encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in ("PP_STARTUP_TOKEN", "PP_STARTUP_PASSWORD")}
    return subprocess.run([sys.executable, "-m", "bot.cli", "run", "--config", str(config)], env={**clean, **env},
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_startup_errors_name_the_url_or_variable_and_exit_non_zero(homeserver, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]   # nothing listens there once the socket is closed
    unreachable = f"http://127.0.0.1:{free_port}"
    result = _run_cli(tmp_path, unreachable, {"PP_STARTUP_TOKEN": "syt_not_a_real_token"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("peerpulse: cannot reach the Matrix homeserver " + unreachable), last
    assert "tried 2 times" in last and "syt_not_a_real_token" not in result.stderr

    result = _run_cli(tmp_path, homeserver.url, {"PP_STARTUP_TOKEN": "syt_wrong_token"})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"peerpulse: the Matrix homeserver {homeserver.url} refused the access token in PP_STARTUP_TOKEN"), last
    assert "M_UNKNOWN_TOKEN" in last and "syt_wrong_token" not in result.stderr

    _, other_token = homeserver.register_user("not-the-bot", "pw-not-the-bot")
    result = _run_cli(tmp_path, homeserver.url, {"PP_STARTUP_TOKEN": other_token})
    assert result.returncode != 0
    assert "belongs to @not-the-bot:peerpulse.test, not to the configured user_id" in result.stderr.strip().splitlines()[-1]

    result = _run_cli(tmp_path, homeserver.url, {})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "PP_STARTUP_TOKEN" in last and "PP_STARTUP_PASSWORD" in last and "UserError" not in result.stderr, last


async def test_an_encrypted_room_it_cannot_read_is_told_once(homeserver, tmp_path, monkeypatch):
    """Without E2EE support the bot can't read an encrypted room: it says so once instead of staying silent."""
    hs = homeserver
    bot_id, _, _, matrix = _bot_config(hs, "pp-e2ee", monkeypatch, encryption=False)
    config = Config(matrix=matrix, chart_processes=0)
    bot = await _start_bot(config, FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00")), str(tmp_path / "e.db"))
    member = Member(hs, "secretive")
    try:
        created = await member.client.room_create(name="private circle", invite=[bot_id], initial_state=[
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        room = created.room_id
        await _wait_joined(bot[1], [room])
        await asyncio.sleep(0.5)
        for n in range(3):   # what an E2EE client sends: only ciphertext reaches the homeserver
            await member.client.room_send(room, "m.room.encrypted", {
                "algorithm": "m.megolm.v1.aes-sha2", "ciphertext": f"AwgAEnAC{n}", "sender_key": "c2VuZGVy",
                "session_id": "c2Vzc2lvbg", "device_id": "MEMBERDEVICE"})
        await member.wait_for(notice_containing(bot_id, "I can't read this room", room))
        await asyncio.sleep(1.5)
        await member.sync()
        assert len([e for r, e in member.from_bot(bot_id) if r == room and "can't read" in e.body]) == 1
    finally:
        await _stop_bot(*bot)
        await member.client.close()


class EncryptedMember(Member):
    """A member on an E2EE client (matrix-nio with its e2e extra): a device, keys, decryption."""

    def __init__(self, hs: SynapseServer, name: str, store: Path):
        store.mkdir(parents=True, exist_ok=True)
        self.user_id, _ = hs.register_user(name, "pw-" + name)
        self.password = "pw-" + name
        self.client = AsyncClient(hs.url, self.user_id, store_path=str(store),
                                  config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
        self.seen = []
        self.since = None

    async def login(self) -> None:
        await self.client.login(password=self.password, device_name="member phone")
        if self.client.should_upload_keys:
            await self.client.keys_upload()

    async def sync(self) -> None:
        await super().sync()
        c = self.client
        if c.should_upload_keys:
            await c.keys_upload()
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())
        await c.send_to_device_messages()

    async def say(self, room_id: str, text: str) -> str:
        response = await self.client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text},
                                               ignore_unverified_devices=True)
        assert hasattr(response, "event_id"), response
        return response.event_id


@pytest.mark.skipif(not encryption_installed(), reason="end-to-end encryption needs matrix-nio's e2e extra")
async def test_encrypted_room_and_direct_room(homeserver, tmp_path, monkeypatch):
    """An encrypted room and an encrypted DM with an E2EE member: log, check-in (text and image) and
    take-back work, and no plaintext event from the bot appears in either room."""
    hs = homeserver
    bot_id, bot_token, _, matrix = _bot_config(hs, "pp-crypt", monkeypatch, store_dir=str(tmp_path / "bot-store"))
    config = Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix, chart_processes=0)
    clock = FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00"))
    bot = await _start_bot(config, clock, str(tmp_path / "crypt.db"))
    assert bot[1].e2ee.enabled
    member = EncryptedMember(hs, "cipher", tmp_path / "member-store")
    await member.login()
    try:
        created = await member.client.room_create(name="circle", invite=[bot_id], initial_state=[
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])
        room = created.room_id
        await _wait_joined(bot[1], [room])
        await asyncio.sleep(0.5)
        await member.sync()

        await member.say(room, "!pp log steps 8000")
        dm, _ = await member.wait_for(notice_containing(bot_id, "Logged 8,000 steps"))
        assert member.client.rooms[dm].encrypted, "the direct room is created encrypted"
        for command in ("privacy set steps public", "checkin join"):
            await member.say(room, "!pp " + command)
        await member.say(room, "!pp mod schedule here sunday 18:00 UTC")
        await member.wait_for(notice_containing(bot_id, "weekly check-in on Sundays at 18:00"))
        await member.wait_for(notice_containing(bot_id, "joined this channel's weekly check-in"))

        await bot[0].advance_clock(clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
        _, post = await member.wait_for(notice_containing(bot_id, "Weekly check-in", room))
        assert "cipher: 8,000 steps" in post.body
        _, image = await member.wait_for(lambda r, e: r == room and isinstance(e, RoomEncryptedImage) and e.sender == bot_id)
        downloaded = await member.client.download(image.url)
        png = decrypt_attachment(downloaded.body, image.key["k"], image.hashes["sha256"], image.iv)
        assert png.startswith(b"\x89PNG") and image.body

        await member.say(room, "!pp privacy set steps private")
        await member.wait_for(notice_containing(bot_id, "steps: private", dm))
        assert await eventually_redacted(member, room, post.event_id)
        assert await eventually_redacted(member, room, image.event_id)

        # The bot restarts: its keys and sessions are in store_dir, so it still reads the room.
        await _stop_bot(*bot)
        bot = await _start_bot(config, clock, str(tmp_path / "crypt.db"))
        await member.say(room, "!pp log steps 9000 yesterday")
        await member.wait_for(notice_containing(bot_id, "9,000 steps", dm))

        # What the homeserver holds: a client without keys sees only ciphertext (or redactions) from the bot.
        plain = AsyncClient(hs.url, member.user_id)
        plain.access_token, plain.user_id = member.client.access_token, member.user_id
        try:
            for room_id in (room, dm):
                response = await plain.room_messages(room_id, limit=200)
                from_bot = [e.source for e in response.chunk if e.sender == bot_id and e.source.get("type") != "m.room.member"]
                assert from_bot
                leaked = [s for s in from_bot if s["type"] == "m.room.message" and s.get("content")]
                assert not leaked, f"plaintext from the bot in {room_id}: {leaked[:1]}"
        finally:
            await plain.close()
    finally:
        await _stop_bot(*bot)
        await member.client.close()


async def test_a_direct_chat_a_member_starts_takes_commands_without_prefix(homeserver, tmp_path, monkeypatch):
    bot_id, _, _, matrix = _bot_config(homeserver, "pp-direct", monkeypatch, encryption=False)
    bot = await _start_bot(Config(matrix=matrix, chart_processes=0),
                           FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00")), str(tmp_path / "d.db"))
    member = Member(homeserver, "starter")
    try:
        created = await member.client.room_create(is_direct=True, invite=[bot_id], preset=RoomPreset.trusted_private_chat)
        dm = created.room_id
        await _wait_joined(bot[1], [dm])
        await asyncio.sleep(0.5)
        await member.say(dm, "log steps 4321")
        await member.wait_for(notice_containing(bot_id, "Logged 4,321 steps", dm))
        await member.say(dm, "!pp history steps")   # the prefix is still welcome
        await member.wait_for(lambda r, e: r == dm and isinstance(e, RoomMessageNotice) and e.sender == bot_id
                              and "Logged" not in e.body and "4,321" in e.body)
    finally:
        await _stop_bot(*bot)
        await member.client.close()


async def test_an_image_carries_its_alt_text_as_body(homeserver):
    """Matrix clients read an image's `body` as its text alternative; the file name goes in `filename`."""
    member = Member(homeserver, "viewer")
    try:
        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"\x08\x02\x00\x00\x00"
        chart = Attachment("steps-chart.png", png, "image/png", alt_text="Bar chart: steps per day this week")
        content = await RoomSender(member.client, 1).attachment_content(chart, encrypt=False)
        assert content["msgtype"] == "m.image" and content["body"] == "Bar chart: steps per day this week"
        assert content["filename"] == "steps-chart.png" and content["info"]["w"] == 640
        plain = await RoomSender(member.client, 1).attachment_content(
            Attachment("export.json", b"{}", "application/json"), encrypt=False)
        assert plain["msgtype"] == "m.file" and plain["body"] == "export.json"
    finally:
        await member.client.close()


async def test_partner_summary_in_a_direct_room_is_redacted_when_the_partnership_ends(homeserver, tmp_path, monkeypatch):
    """An accountability partner's weekly summary goes to their direct room (encrypted where it is),
    is kept in the ledger by its event id, and is redacted when the partnership ends."""
    bot_id, _, _, matrix = _bot_config(homeserver, "pp-partner", monkeypatch, encryption=False)
    clock = FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00"))
    bot = await _start_bot(Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix, chart_processes=0), clock,
                           str(tmp_path / "p.db"))
    alice, bob = Member(homeserver, "palice"), Member(homeserver, "pbob")
    try:
        created = await alice.client.room_create(name="pals", invite=[bot_id, bob.user_id])
        room = created.room_id
        await bob.sync()
        await _wait_joined(bot[1], [room])
        await asyncio.sleep(0.5)
        await bob.say(room, "!pp help log")                                  # bob has used the bot here
        await alice.say(room, "!pp log steps 8000 2026-11-10")
        alice_dm, _ = await alice.wait_for(notice_containing(bot_id, "Logged 8,000 steps"))
        await alice.say(alice_dm, f"partner invite {bob.user_id} steps public")
        await alice.wait_for(notice_containing(bot_id, "I asked pbob privately", alice_dm))
        bob_dm, _ = await bob.wait_for(notice_containing(bot_id, "would like to be accountability partners"))
        assert bob_dm != room
        await bob.say(bob_dm, "partner accept")
        _, summary = await bob.wait_for(notice_containing(bot_id, "palice's week", bob_dm))
        assert "steps: 8,000 steps this week" in summary.body
        assert not [e for r, e in bob.seen if r == room and "palice's week" in str(getattr(e, "body", ""))]
        stored = await bot[0].services.db.fetchval("SELECT platform_message_id FROM posts WHERE kind='partner'")
        assert stored == summary.event_id
        await bob.say(bob_dm, f"partner end {alice.user_id}")
        await bob.wait_for(notice_containing(bot_id, "no longer partners", bob_dm))
        assert await eventually_redacted(bob, bob_dm, summary.event_id)
    finally:
        await _stop_bot(*bot)
        await alice.client.close()
        await bob.client.close()


async def _notified(hs, member: Member) -> list[dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{hs.url}/_matrix/client/v3/notifications",
                            headers={"Authorization": f"Bearer {member.client.access_token}"}) as response:
            assert response.status == 200, await response.text()
            return (await response.json())["notifications"]


async def test_share_in_a_room_posts_the_words_redacts_the_command_and_pings_nobody(homeserver, tmp_path, monkeypatch):
    hs = homeserver
    bot_id, _token, _env, matrix = _bot_config(hs, "pp-share", monkeypatch, encryption=False)
    clock = FakeClock(datetime.fromisoformat("2026-11-20T12:00:00+00:00"))
    config = Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix, chart_processes=0)
    app, adapter, stop, task = await _start_bot(config, clock, str(tmp_path / "bot.db"))
    alice, bob = Member(hs, "share-alice"), Member(hs, "share-bob")
    try:
        created = await alice.client.room_create(name="walkers", preset=RoomPreset.public_chat,
                                                 invite=[bot_id, bob.user_id],
                                                 power_level_override={"users": {bot_id: 50}})
        room = created.room_id
        await bob.sync()
        await _wait_joined(adapter, [room])
        await asyncio.sleep(0.5)
        await alice.say(room, "!pp privacy set steps public")
        await alice.wait_for(notice_containing(bot_id, "steps: public"))
        await alice.say(room, "!pp log steps 9100")
        await alice.wait_for(notice_containing(bot_id, "Logged 9,100 steps"))

        typed = await alice.say(room, "!pp share steps: thanks share-bob for the walk @room")
        _r, post = await bob.wait_for(notice_containing(bot_id, "thanks share-bob for the walk room", room))
        assert "9,100" in post.body and "@" not in post.body.split("\n", 1)[1]
        assert post.source["content"].get("m.mentions") == {}
        assert await eventually_redacted(alice, room, typed), "the typed share leaves the room"
        assert not any(n["event"]["event_id"] == post.event_id for n in await _notified(hs, bob))

        # Narrowed to private: the bot's post goes, so the words are nowhere in the room any more.
        await alice.say(room, "!pp privacy set steps private")
        await alice.wait_for(notice_containing(bot_id, "steps: private"))
        assert await eventually_redacted(bob, room, post.event_id)
        texts = [getattr(e, "body", "") for e in await bob.history(room)]
        assert not any("for the walk" in t for t in texts)
    finally:
        await _stop_bot(app, adapter, stop, task)
        for m in (alice, bob):
            await m.client.close()


async def test_a_milestone_offer_in_the_direct_room_and_the_typed_yes_posts_it_in_the_room(homeserver, tmp_path, monkeypatch):
    hs = homeserver
    bot_id, _token, _env, matrix = _bot_config(hs, "pp-milestone", monkeypatch, encryption=False)
    clock = FakeClock(datetime.fromisoformat("2026-11-20T12:00:00+00:00"))
    config = Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix, chart_processes=0)
    app, adapter, stop, task = await _start_bot(config, clock, str(tmp_path / "bot.db"))
    alice, bob = Member(hs, "ms-alice"), Member(hs, "ms-bob")
    try:
        created = await alice.client.room_create(name="walkers", preset=RoomPreset.public_chat,
                                                 invite=[bot_id, bob.user_id], power_level_override={"users": {bot_id: 50}})
        room = created.room_id
        await bob.sync()
        await _wait_joined(adapter, [room])
        await asyncio.sleep(0.5)
        await alice.say(room, "!pp milestones on")
        dm, _e = await alice.wait_for(notice_containing(bot_id, "Milestones are on"))
        await alice.say(dm, "privacy set steps trend #walkers")
        await alice.wait_for(notice_containing(bot_id, "steps", dm))
        for day in range(12, 20):
            await alice.say(dm, f"log steps 6000 2026-11-{day}")
        await alice.wait_for(notice_containing(bot_id, "6,000 steps for yesterday", dm))
        await alice.say(room, "!pp log steps 12000")
        _r, offer = await alice.wait_for(notice_containing(bot_id, "Share it in #walkers", dm))
        assert "!pp share milestone" in offer.body and "12,000" in offer.body
        assert not any("reached a milestone" in getattr(e, "body", "") for e in await bob.history(room))
        await alice.say(dm, "share milestone")
        _r, post = await bob.wait_for(notice_containing(bot_id, "reached a milestone", room))
        assert "a new personal best in steps" in post.body and "12,000" not in post.body
    finally:
        await _stop_bot(app, adapter, stop, task)
        for m in (alice, bob):
            await m.client.close()
