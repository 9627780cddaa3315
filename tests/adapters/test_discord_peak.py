"""A check-in peak through the real Discord adapter against the stand-in with Discord's rate limits:
the adapter paces itself (bot.adapters.discord_pacing), so Discord refuses nothing, and every post goes
out exactly once, in due order."""

from __future__ import annotations

import asyncio
from datetime import datetime

import discord
import pytest

from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.discord_pacing import Pacer
from bot.app import build_app
from bot.config import Config, DiscordConfig, PrivacyConfig
from bot.scheduler import RUNS_AT_ONCE
from bot.vocabulary.clock import FakeClock
from cogs.checkins import Checkins
from tests.adapters.test_discord_e2e import MODERATOR, START, Community
from tests.discord_standin.ratelimits import RateLimits
from tests.discord_standin.server import DiscordStandIn

pytestmark = pytest.mark.discord

# Discord's limits with a shorter clock (the test is about counts and order, not speed): 10 requests per
# 0.5 s globally, message creation 5 per 0.5 s per channel; the pacer is told the same.
LIMITS = dict(global_limit=10, global_per=0.5, message_per=0.5)


def _pacer() -> Pacer:
    return Pacer(rate=10, per=0.5, channel_per=0.5, margin=0.05)


class PacedCommunity(Community):
    pacer_factory = staticmethod(_pacer)

    async def start_bot(self) -> None:
        self.app = await build_app(self.config, self.clock, str(self.tmp / "bot.db"))
        self.adapter = DiscordAdapter(self.app, self.config.discord, guild_ready_timeout=0.05, pacer=self.pacer_factory())
        await self.app.start()
        self.task = asyncio.create_task(self.adapter.start("not-a-real-token"))
        await asyncio.wait_for(self.adapter.synced.wait(), 20)


@pytest.fixture
async def peak(tmp_path):
    standin = DiscordStandIn(guild_name="Peak", rate_limits=RateLimits(**LIMITS))
    await standin.start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    c = PacedCommunity(standin, tmp_path, Config(privacy=PrivacyConfig(min_group_size=3), chart_processes=0,
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


async def _setup_peak(c, channels: int, all_at: str | None = None) -> list[str]:
    """``channels`` channels with a check-in each, the first half due at 17:59, the others at 18:00 (or
    all at ``all_at``), all with the same four members, who share steps publicly and logged this week."""
    s = c.standin
    ids = [s.add_channel(s.guild_id, f"walkers{i}", announce=True) for i in range(channels)]
    for _ in range(200):   # the bot learns of the channels from the gateway's CHANNEL_CREATE
        if all(c.adapter.client.get_channel(int(cid)) is not None for cid in ids):
            break
        await asyncio.sleep(0.02)
    for i, cid in enumerate(ids):
        time = all_at or ("17:59" if i < channels // 2 else "18:00")
        answer = await (await c.standin.inject_command(
            "mod", {"schedule": {"channel": cid, "weekday": "sunday", "time": time, "zone": "UTC"}},
            user_id=c.mod, channel_id=cid, permissions=MODERATOR)).wait_response()
        assert f"at {time}" in str(answer.json), answer.json
    for n, uid in enumerate(c.members):
        for name, options in (("privacy", {"set": {"metric": "steps", "level": "public"}}),
                              ("log", {"metric": "steps", "value": str(6000 + 100 * n)})):
            await (await s.inject_command(name, options, user_id=uid, channel_id=ids[0])).wait_response()
        for cid in ids:
            await (await s.inject_command("checkin", {"join": {}}, user_id=uid, channel_id=cid)).wait_response()
    return ids


def _checkin_posts(s: DiscordStandIn, cid: str) -> list:
    return [r for r in s.find_requests("POST", rf"/channels/{cid}/messages")
            if r.status == 200 and "Weekly check-in" in str(r.json)]


async def test_a_burst_of_check_ins_is_paced_so_discord_refuses_nothing_and_each_posts_once_in_due_order(peak):
    c, s = peak, peak.standin
    ids = await _setup_peak(c, 12)
    before = s.mark()
    await c.app.advance_clock(c.clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))

    assert s.rate_limited == []                          # paced: not one request refused
    burst = s.requests[before:]
    assert len(burst) > 4 * LIMITS["global_limit"]       # more than the global window allows at once
    for cid in ids:                                      # each check-in exactly once (one message each)
        assert len(_checkin_posts(s, cid)) == 1, cid
    # each member's private summary of each channel, once
    summaries = [r for r in burst if r.method == "POST" and r.status == 200 and "Your week in" in str(r.json)]
    assert len(summaries) == len(ids) * len(c.members)
    # due order: every 17:59 check-in went out before any 18:00 one
    first = {cid: _checkin_posts(s, cid)[0].index for cid in ids}
    half = len(ids) // 2
    assert max(first[cid] for cid in ids[:half]) < min(first[cid] for cid in ids[half:])
    # the ledger knows every post, once
    assert await c.app.services.db.fetchval("SELECT COUNT(*) FROM posts WHERE kind='checkin'") == len(ids)
    assert c.adapter.pacer.paced >= len(burst)


async def test_without_the_pacer_the_same_burst_meets_global_429s(peak):
    """The control: discord.py alone does not pace to the global limit (so the test above can fail)."""
    c, s = peak, peak.standin
    c.pacer_factory = staticmethod(lambda: Pacer(rate=10_000, per=0.001, channel_per=0.001, margin=0))
    await c.restart()
    ids = await _setup_peak(c, 12)
    await c.app.advance_clock(c.clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
    assert any(r.response["global"] for r in s.rate_limited)
    for cid in ids:   # discord.py retries after the 429: still once each
        assert len(_checkin_posts(s, cid)) == 1


async def test_check_ins_due_the_same_minute_are_handed_over_in_a_stable_due_order_a_few_built_at_a_time(peak):
    """Twelve check-ins due at 18:00: built a few at a time (never all twelve held at once, but more
    than one, so drawing overlaps sending), and their posts handed to Discord in the scheduler's order
    (due time, then key), whatever each took to build; Discord sees them in that order, give or take
    the requests one pacing window releases together."""
    c, s = peak, peak.standin
    ids = await _setup_peak(c, 12, all_at="18:00")
    checkins = c.app.cog(Checkins)
    post_checkin, build_checkin = checkins.post_checkin, checkins.build_checkin
    in_flight, most, handed = 0, 0, []

    async def counted(channel_id, period):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await post_checkin(channel_id, period)
        finally:
            in_flight -= 1

    async def slow_for_some(community_id, channel_id, *args, **kw):
        if channel_id % 3 == 0:   # some check-ins take longer to build: they must not be overtaken
            await asyncio.sleep(0.2)
        return await build_checkin(community_id, channel_id, *args, **kw)

    send = c.adapter.send

    async def recorded(target, delivery):
        if target.kind == "channel":
            handed.append(target.external_id)
        return await send(target, delivery)

    checkins.post_checkin, checkins.build_checkin, c.adapter.send = counted, slow_for_some, recorded
    await c.app.advance_clock(c.clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))

    assert s.rate_limited == []
    assert 1 < most <= RUNS_AT_ONCE                       # overlapped, and bounded
    db = c.app.services.db
    key = {r[0]: f"checkin:{r[1]}" for r in await db.fetchall("SELECT external_id, id FROM channels")}
    due_order = sorted(ids, key=lambda cid: key[cid])
    assert handed == due_order                            # handed over exactly in due order
    at = {cid: _checkin_posts(s, cid)[0].at for cid in ids}
    window = LIMITS["global_per"]
    for i, earlier in enumerate(due_order):               # and Discord saw none due later a window ahead
        for later in due_order[i + 1:]:
            assert at[later] >= at[earlier] - window, (earlier, later)
    for cid in ids:
        assert len(_checkin_posts(s, cid)) == 1


async def test_one_run_at_a_time_builds_no_post_ahead(peak):
    """The bound is the scheduler's: told one run at a time, a peak holds one built post at once."""
    c = peak
    c.app.services.scheduler.slots.limit = 1
    ids = await _setup_peak(c, 6, all_at="18:00")
    await c.app.advance_clock(c.clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
    assert c.app.services.scheduler.slots.most == 1
    for cid in ids:
        assert len(_checkin_posts(c.standin, cid)) == 1
