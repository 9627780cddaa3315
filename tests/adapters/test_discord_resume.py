"""A kill mid-peak, through the real Discord adapter against the rate-limited stand-in: the process dies
right after Discord created a check-in message (or a member's summary) and before the bot heard back,
so neither the post ledger nor the run ledger knows; a new process on the same database retakes the
run after the lease. Every check-in is posted exactly once (counted in the stand-in's own records of
message creation), every summary sent once, none lost, and the ledger knows every post."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import datetime, timedelta

import discord
import pytest

from bot.adapters.discord_adapter import DiscordAdapter
from bot.app import build_app
from bot.config import Config, DiscordConfig, PrivacyConfig
from bot.scheduler import RUNS_AT_ONCE
from bot.vocabulary.clock import FakeClock
from tests.adapters.test_discord_e2e import START
from tests.adapters.test_discord_peak import LIMITS, PacedCommunity, _checkin_posts, _setup_peak
from tests.discord_standin.ratelimits import RateLimits
from tests.discord_standin.server import DiscordStandIn

pytestmark = pytest.mark.discord

LEASE = timedelta(seconds=0.5)
CHANNELS = 8
LATER = datetime.fromisoformat("2026-11-22T19:00:00+00:00")


class ResumableCommunity(PacedCommunity):
    """Started in the order bot.runner starts the bot: the platform's task first, then the runtime,
    whose scheduler catches up (retakes the dead process's runs) while the client is still logging in."""

    async def start_bot(self) -> None:
        self.app = await build_app(self.config, self.clock, str(self.tmp / "bot.db"))
        self.app.services.scheduler.lease = LEASE
        self.adapter = DiscordAdapter(self.app, self.config.discord, guild_ready_timeout=0.05, pacer=self.pacer_factory())
        login = self.adapter.client.login

        async def slow_login(token: str) -> None:   # as over a real network: the catch-up is quicker
            await asyncio.sleep(0.3)
            await login(token)

        self.adapter.client.login = slow_login   # type: ignore[method-assign]
        self.task = asyncio.create_task(self.adapter.start("not-a-real-token"))
        await self.app.start()
        await asyncio.wait_for(self.adapter.synced.wait(), 20)

    async def crash(self) -> None:
        """The process dies: connections drop, nothing is marked done or released."""
        await self.adapter.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.app.services.scheduler.stop()
        self.app.services.renderer.close()
        await self.app.services.db.close()


@pytest.fixture
async def peak(tmp_path):
    standin = DiscordStandIn(guild_name="Peak", rate_limits=RateLimits(**LIMITS))
    await standin.start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    c = ResumableCommunity(standin, tmp_path, Config(privacy=PrivacyConfig(min_group_size=3), chart_processes=0,
                                                     discord=DiscordConfig(api_base=standin.api_base,
                                                                           gateway_url=standin.gateway_url,
                                                                           dev_guild_id=int(standin.guild_id))),
                           FakeClock(datetime.fromisoformat(START)))
    c.alice = standin.user_id
    c.mod = standin.add_member(standin.guild_id, "mod")
    c.members = [standin.user_id] + [standin.add_member(standin.guild_id, f"walker{i}") for i in range(3)]
    await c.start_bot()
    try:
        yield c
    finally:
        await c.stop_bot()
        await standin.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        assert standin.unhandled == []


def _summaries(s: DiscordStandIn) -> Counter:
    """(channel name, DM channel) of every summary Discord created."""
    out: Counter = Counter()
    for r in s.find_requests("POST", r"/channels/\d+/messages", lambda r: r.status == 200):
        m = re.search(r"Your week in #(walkers\d+)", str(r.json))
        if m:
            out[(m.group(1), r.path)] += 1
    return out


async def _resume(c, s) -> None:
    await c.crash()
    await asyncio.sleep(LEASE.total_seconds() * 1.5)   # the dead process's claims go stale
    await c.start_bot()                                # a new process on the same database retakes them
    await c.app.advance_clock(c.clock, LATER)          # and the rest of the peak runs


async def _check_once_each(c, s, ids: list[str]) -> None:
    for cid in ids:                                    # each check-in created exactly once on Discord
        assert len(_checkin_posts(s, cid)) == 1, cid
    summaries = _summaries(s)                          # each member's summary of each channel, once
    assert len(summaries) == len(ids) * len(c.members) and set(summaries.values()) == {1}, summaries
    db = c.app.services.db
    # the ledger knows every post by its Discord message, and nothing is left on its way
    ledger = await db.fetchall("SELECT platform_message_id FROM posts WHERE kind='checkin' ORDER BY id")
    assert sorted(r[0] for r in ledger) == sorted(_checkin_posts(s, cid)[0].response["id"] for cid in ids)
    assert await db.fetchval("SELECT COUNT(*) FROM job_runs WHERE job LIKE 'checkin:%' AND status='done'") == len(ids)
    assert await db.fetchval("SELECT COUNT(*) FROM run_sends") == 0
    assert s.rate_limited == []


@pytest.mark.parametrize("killed_by", ["Weekly check-in", "Your week in"])
async def test_a_kill_right_after_discord_created_a_message_resumes_without_sending_it_twice(peak, killed_by):
    c, s = peak, peak.standin
    ids = await _setup_peak(c, CHANNELS)
    burst = asyncio.create_task(c.app.advance_clock(c.clock, LATER))
    seen: list[dict] = []

    def kill(message: dict) -> None:    # the 3rd such message is posted; the bot dies before it hears so
        if killed_by in str(message):
            seen.append(message)
            if len(seen) == 3:
                burst.cancel()

    s.on_message_created = kill
    with pytest.raises(asyncio.CancelledError):
        await burst
    s.on_message_created = None
    db = c.app.services.db
    # The crash window: the message is on Discord, its send is recorded as on its way, not as sent;
    # the runs beside it (a few run at once, bot.run_slots) die with theirs on its way too.
    in_flight = await db.fetchval("SELECT COUNT(*) FROM run_sends WHERE state='sending'")
    assert 1 <= in_flight <= RUNS_AT_ONCE
    if killed_by == "Weekly check-in":   # the post is in the ledger already, its message id still unknown
        assert 1 <= await db.fetchval("SELECT COUNT(*) FROM posts WHERE platform_message_id=''") <= in_flight
    # Runs beside the killed one may still have a request reach Discord while the process dies: the same
    # crash window, for them too (each is then found again on resume, not sent twice).
    assert 3 <= len(seen) <= 2 + RUNS_AT_ONCE
    assert 1 <= await db.fetchval("SELECT COUNT(*) FROM job_runs WHERE status='running'") <= RUNS_AT_ONCE

    await _resume(c, s)
    await _check_once_each(c, s, ids)
    # the killed message was found again on Discord, not posted anew
    if killed_by == "Weekly check-in":
        assert [r.response["id"] for r in _checkin_posts(s, seen[-1]["channel_id"])] == [seen[-1]["id"]]


async def test_a_kill_before_the_message_reached_discord_resumes_by_sending_it(peak):
    """The other half of the window: recorded as on its way, but Discord never saw it; not lost."""
    c, s = peak, peak.standin
    ids = await _setup_peak(c, CHANNELS)
    sends = c.app.services.sends
    begin, begun = sends.begin, []

    async def begin_then_die(*args, **kw):
        send = await begin(*args, **kw)
        begun.append(send)
        if len(begun) == 4:
            asyncio.current_task().cancel()   # dies at the next step: before the request leaves
        return send

    sends.begin = begin_then_die
    burst = asyncio.create_task(c.app.advance_clock(c.clock, LATER))
    with pytest.raises(asyncio.CancelledError):
        await burst
    assert 1 <= await c.app.services.db.fetchval("SELECT COUNT(*) FROM run_sends WHERE state='sending'") <= RUNS_AT_ONCE
    await _resume(c, s)
    await _check_once_each(c, s, ids)


async def test_a_run_left_past_its_grace_window_is_not_run_again_but_what_it_sent_enters_the_ledger(peak):
    """Too late to post the rest, but the message Discord did create must be known to the ledger, or
    no take-back could ever reach it."""
    c, s = peak, peak.standin
    ids = await _setup_peak(c, CHANNELS)
    burst = asyncio.create_task(c.app.advance_clock(c.clock, LATER))
    seen: list[dict] = []

    def kill(message: dict) -> None:
        if "Weekly check-in" in str(message):
            seen.append(message)
            burst.cancel()

    s.on_message_created = kill
    with pytest.raises(asyncio.CancelledError):
        await burst
    s.on_message_created = None
    await c.crash()
    await asyncio.sleep(LEASE.total_seconds() * 1.5)
    c.clock.set(c.clock.now() + timedelta(hours=c.config.checkins.grace_hours, minutes=5))   # down too long
    before = s.mark()
    await c.start_bot()
    await c.app.advance_clock(c.clock, c.clock.now() + timedelta(minutes=1))   # the stale claim is swept
    db = c.app.services.db
    assert [r.response["id"] for r in _checkin_posts(s, seen[0]["channel_id"])] == [seen[0]["id"]]
    assert await db.fetchval("SELECT platform_message_id FROM posts WHERE kind='checkin'") == seen[0]["id"]
    assert await db.fetchval("SELECT COUNT(*) FROM run_sends") == 0
    assert await db.fetchval("SELECT status FROM job_runs WHERE status <> 'done'") == "skipped"
    assert [r for r in s.requests[before:] if r.method == "POST" and "/messages" in r.path] == []
    assert len(ids) == CHANNELS
