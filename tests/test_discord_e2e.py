"""The Discord adapter end to end: the real discord.py client against a local stand-in for Discord's
gateway and REST API (tests/discord_fake). Command sync, interactions with ephemeral replies,
deferral, attachments, confirmation buttons, a check-in post and its later edit, a channel the bot
may not post in, and a dropped gateway connection that the client resumes."""

from __future__ import annotations

import asyncio
from datetime import datetime

import discord
import pytest

from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.discord_commands import build_payload
from bot.app import build_app
from bot.clock import FakeClock
from bot.config import Config, DiscordConfig, PrivacyConfig
from tests.discord_fake.server import APP_ID, GUILD_ID, DiscordStandIn

WALKERS, FORBIDDEN = "700000000000000001", "700000000000000002"


def opt(name, value, kind=3):
    return {"type": kind, "name": name, "value": value}


def callback_for(interaction_id):
    return lambda r: r.method == "POST" and r.path.startswith(f"/interactions/{interaction_id}/")


@pytest.fixture
async def discord_bot(tmp_path):
    standin = DiscordStandIn()
    await standin.start()
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    config = Config(privacy=PrivacyConfig(min_group_size=2), chart_processes=0,
                    discord=DiscordConfig(api_base=standin.api_base, gateway_url=standin.gateway_url, dev_guild_id=GUILD_ID))
    clock = FakeClock(datetime.fromisoformat("2026-11-16T09:00:00+00:00"))
    app = await build_app(config, clock, str(tmp_path / "bot.db"))
    adapter = DiscordAdapter(app, config.discord, guild_ready_timeout=0.2)
    await app.start()
    task = asyncio.create_task(adapter.start("not-a-real-token"))
    await asyncio.wait_for(adapter.synced.wait(), 20)
    try:
        yield standin, adapter, app, clock
    finally:
        await adapter.close()
        task.cancel()
        await app.stop()
        await standin.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


async def test_discord_end_to_end(discord_bot):
    standin, adapter, app, clock = discord_bot
    # The command tree was synced to the development guild, exactly as generated from the specs.
    sync = await standin.wait_for(lambda r: r.method == "PUT" and r.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    assert sync.json == build_payload(app.registry)
    mod = next(c for c in sync.json if c["name"] == "mod")
    assert mod["default_member_permissions"] == "16"

    # A private reply is an ephemeral interaction response.
    iid = await standin.interact({"name": "log", "type": 1, "options": [opt("metric", "steps"), opt("value", "8,000")]},
                                 "1001", "alice")
    cb = await standin.wait_for(callback_for(iid))
    assert cb.json["type"] == 4 and cb.json["data"]["flags"] & 64
    assert "Logged 8,000 steps" in cb.json["data"]["content"]
    assert cb.json["data"]["allowed_mentions"] == {"parse": []}

    # Bad input: a clear private line; a non-moderator is refused `mod`.
    iid = await standin.interact({"name": "log", "type": 1, "options": [opt("metric", "steps"), opt("value", "lots")]},
                                 "1001", "alice")
    assert "couldn't read" in (await standin.wait_for(callback_for(iid))).json["data"]["content"].lower()
    iid = await standin.interact({"name": "mod", "type": 1, "options": [{"type": 1, "name": "rules", "options": []}]},
                                 "1002", "bob")
    assert "Only moderators" in (await standin.wait_for(callback_for(iid))).json["data"]["content"]
    iid = await standin.interact({"name": "mod", "type": 1, "options": [{"type": 1, "name": "schedule", "options": [
        opt("channel", WALKERS, 7), opt("weekday", "sunday"), opt("time", "18:00"), opt("zone", "UTC")]}]},
        "1003", "mia", moderator=True)
    assert "weekly check-in on Sundays" in (await standin.wait_for(callback_for(iid))).json["data"]["content"]

    # Autocomplete offers metric names.
    iid = await standin.interact({"name": "log", "type": 1, "options": [{"type": 3, "name": "metric", "value": "st",
                                                                         "focused": True}]}, "1001", "alice", kind=4)
    auto = await standin.wait_for(callback_for(iid))
    assert auto.json["type"] == 8 and [c["value"] for c in auto.json["data"]["choices"]] == ["steps"]

    # A slow command defers first, then sends its chart as an attachment in an ephemeral followup.
    iid = await standin.interact({"name": "chart", "type": 1, "options": [opt("metric", "steps"), opt("days", 7, 4)]},
                                 "1001", "alice")
    deferred = await standin.wait_for(callback_for(iid))
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & 64
    followup = await standin.wait_for(lambda r: r.method == "POST" and r.path.startswith(f"/webhooks/{APP_ID}/token-{iid}"))
    assert followup.files == ["steps-chart.png"] and followup.json["flags"] & 64

    # The weekly check-in is posted in the channel, mentions disabled, and edited when a member narrows.
    for user, name, value in (("1001", "alice", "8000"), ("1002", "bob", "5000")):
        for data in ({"name": "privacy", "type": 1, "options": [{"type": 1, "name": "set", "options": [
                        opt("metric", "steps"), opt("level", "public")]}]},
                     {"name": "checkin", "type": 1, "options": [{"type": 1, "name": "join", "options": []}]},
                     {"name": "log", "type": 1, "options": [opt("metric", "steps"), opt("value", value)]}):
            await standin.wait_for(callback_for(await standin.interact(data, user, name)))
    await app.advance_clock(clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
    post = await standin.wait_for(lambda r: r.method == "POST" and r.path == f"/channels/{WALKERS}/messages"
                                  and "Weekly check-in" in (r.json or {}).get("content", ""))
    assert "alice: 8,000 steps this week" in post.json["content"] and post.json["allowed_mentions"] == {"parse": []}
    assert post.files == ["steps-chart.png"]
    message_id = next(mid for mid, m in standin.messages.items() if "Weekly check-in" in m["content"])
    iid = await standin.interact({"name": "privacy", "type": 1, "options": [{"type": 1, "name": "set", "options": [
        opt("metric", "steps"), opt("level", "trend")]}]}, "1001", "alice")
    edit = await standin.wait_for(lambda r: r.method == "PATCH" and r.path == f"/channels/{WALKERS}/messages/{message_id}")
    assert "alice: steps" in edit.json["content"] and "8,000" not in edit.json["content"]
    assert edit.files == ["steps-chart.png"]                     # alice's line in the chart became relative
    assert "updated 1 earlier post" in (await standin.wait_for(callback_for(iid))).json["data"]["content"]
    # bob narrows too: his words change, but the chart was relative already, so its image is kept
    iid = await standin.interact({"name": "privacy", "type": 1, "options": [{"type": 1, "name": "set", "options": [
        opt("metric", "steps"), opt("level", "trend")]}]}, "1002", "bob")
    second = await standin.wait_for(lambda r: r.method == "PATCH" and r.path == f"/channels/{WALKERS}/messages/{message_id}"
                                    and "bob: steps" in r.json["content"])
    assert "5,000" not in second.json["content"] and not second.files and "attachments" not in second.json
    await standin.wait_for(callback_for(iid))

    # A channel the bot may not post in: the member is told privately, nothing crashes or is lost.
    iid = await standin.interact({"name": "chart", "type": 1, "options": [opt("metric", "steps"), opt("days", 7, 4),
                                                                          opt("share", "share")]},
                                 "1002", "bob", channel_id=FORBIDDEN)
    told = await standin.wait_for(lambda r: r.method == "POST" and r.path.startswith(f"/webhooks/{APP_ID}/token-{iid}")
                                  and "couldn't post" in (r.json or {}).get("content", ""))
    assert told.json["flags"] & 64

    # Deleting data asks with buttons first.
    iid = await standin.interact({"name": "mydata", "type": 1, "options": [{"type": 1, "name": "forget", "options": []}]},
                                 "1002", "bob")
    ask = await standin.wait_for(callback_for(iid))
    buttons = [c["custom_id"] for row in ask.json["data"]["components"] for c in row["components"]]
    assert buttons == ["peerpulse:confirm", "peerpulse:cancel"] and ask.json["data"]["flags"] & 64
    assert await app.services.db.fetchval("SELECT COUNT(*) FROM members WHERE external_id='1002'") == 1
    click = await standin.interact({"custom_id": "peerpulse:confirm", "component_type": 2}, "1002", "bob", kind=3,
                                   message=standin.callback_messages[iid])
    done = await standin.wait_for(lambda r: r.method == "POST" and (r.path.startswith(f"/interactions/{click}/")
                                                                    or r.path.startswith(f"/webhooks/{APP_ID}/token-{click}"))
                                  and "deleted everything" in str(r.json))
    assert done is not None
    assert await app.services.db.fetchval("SELECT COUNT(*) FROM entries e JOIN members m ON m.id=e.member_id "
                                          "WHERE m.external_id='1002'") == 0

    # The gateway drops the connection: the client resumes and keeps answering.
    await standin.drop_connection()
    await asyncio.wait_for(standin.ready.wait(), 20)
    assert standin.resumed == 1 and standin.identified == 1
    iid = await standin.interact({"name": "undo", "type": 1, "options": []}, "1001", "alice")
    assert "Removed" in (await standin.wait_for(callback_for(iid), timeout=20)).json["data"]["content"]
