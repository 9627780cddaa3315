"""The Discord adapter end to end: the real discord.py client against the suite's local stand-in for
Discord's gateway and REST API (tests/discord_standin). Command sync, interactions with ephemeral
replies, deferral, attachments, confirmation buttons, a check-in post and its later edit, a channel
the bot may not post in, and a dropped gateway connection that the client resumes."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.adapters.discord_adapter import DiscordAdapter
from bot.adapters.discord_commands import build_payload
from bot.adapters.discord_layout import embed_size
from bot.app import build_app
from bot.commands import ParamType, convert
from bot.config import Config, DiscordConfig, PrivacyConfig
from bot.vocabulary.clock import FakeClock
from bot.vocabulary.errors import UserError
from tests.discord_standin.server import DEFAULT_PERMISSIONS, EPHEMERAL, DiscordStandIn

pytestmark = pytest.mark.discord

MODERATOR = str(int(DEFAULT_PERMISSIONS) | (1 << 4))    # + manage channels
START = "2026-11-16T09:00:00+00:00"


@dataclass
class Community:
    """The stand-in, the bot on it, and the people and channels of one test guild."""

    standin: DiscordStandIn
    tmp: Path
    config: Config
    clock: FakeClock
    app: object = None
    adapter: DiscordAdapter | None = None
    task: asyncio.Task | None = None

    @property
    def guild(self) -> str:
        return self.standin.guild_id

    async def start_bot(self) -> None:
        self.app = await build_app(self.config, self.clock, str(self.tmp / "bot.db"))
        self.adapter = DiscordAdapter(self.app, self.config.discord, guild_ready_timeout=0.05)
        await self.app.start()
        self.task = asyncio.create_task(self.adapter.start("not-a-real-token"))
        await asyncio.wait_for(self.adapter.synced.wait(), 20)

    async def stop_bot(self) -> None:
        await self.adapter.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.app.stop()

    async def restart(self) -> None:
        """As after a deploy: a new process on the same database, a new gateway session."""
        await self.stop_bot()
        await self.start_bot()

    async def run(self, name: str, options=None, user: str | None = None, **kw):
        """A member runs a slash command; returns the injected interaction."""
        return await self.standin.inject_command(name, options or {}, user_id=user or self.alice,
                                                 channel_id=kw.pop("channel_id", self.walkers), **kw)

    async def autocomplete(self, name: str, options, user: str | None = None):
        return await self.standin.inject_interaction(4, name=name, options=options, user_id=user or self.alice,
                                                     channel_id=self.walkers)

    async def answer(self, inj, timeout: float = 10.0) -> str:
        """The text of the first answer to an interaction: its response, or (after a deferral) its first followup."""
        response = await inj.wait_response(timeout)
        if response.json["type"] == 5:
            return (await inj.wait_followup(timeout)).json.get("content") or ""
        return (response.json.get("data") or {}).get("content") or ""


@pytest.fixture
async def community(tmp_path):
    standin = DiscordStandIn(guild_name="Walkers Club")
    await standin.start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY   # the adapter points them here
    c = Community(standin, tmp_path, Config(privacy=PrivacyConfig(min_group_size=3), chart_processes=0,
                                            discord=DiscordConfig(api_base=standin.api_base, gateway_url=standin.gateway_url,
                                                                  dev_guild_id=int(standin.guild_id))),
                  FakeClock(datetime.fromisoformat(START)))
    c.walkers = standin.add_channel(standin.guild_id, "walkers")
    c.forbidden = standin.add_channel(standin.guild_id, "announcements")
    standin.forbid_channel(c.forbidden)
    c.alice = standin.user_id
    c.bob = standin.add_member(standin.guild_id, "bob")
    c.mia = standin.add_member(standin.guild_id, "mia")
    await c.start_bot()
    try:
        yield c
    finally:
        await c.stop_bot()
        await standin.stop()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        assert standin.unhandled == [], "the bot called a Discord route the stand-in does not know"


def channel_posts(standin: DiscordStandIn, channel_id: str) -> list[dict]:
    return [standin.messages[m] for m in standin.channel_messages.get(channel_id, []) if m in standin.messages
            and not standin.messages[m].get("webhook_id")]


async def test_discord_end_to_end(community):
    c, standin = community, community.standin
    # The command tree was synced to the development guild, exactly as generated from the specs.
    sync = await standin.wait_for_request(method="PUT", path=rf"/applications/{standin.app_id}/guilds/{c.guild}/commands")
    assert sync.json == build_payload(c.app.registry)
    mod = next(cmd for cmd in sync.json if cmd["name"] == "mod")
    assert mod["default_member_permissions"] == "16"

    # A private reply is an ephemeral interaction response, mentions disabled.
    inj = await c.run("log", {"metric": "steps", "value": "8,000"})
    cb = await inj.wait_response()
    assert cb.json["type"] == 4 and cb.json["data"]["flags"] & EPHEMERAL
    assert "Logged 8,000 steps" in cb.json["data"]["content"]
    assert cb.json["data"]["allowed_mentions"] == {"parse": []}

    # Bad input: a clear private line; a non-moderator is refused `mod`.
    assert "couldn't read" in (await c.answer(await c.run("log", {"metric": "steps", "value": "lots"}))).lower()
    assert "Only moderators" in await c.answer(await c.run("mod", {"rules": {}}, c.bob))
    assert "weekly check-in on Sundays" in await c.answer(await c.run(
        "mod", {"schedule": {"channel": c.walkers, "weekday": "sunday", "time": "18:00", "zone": "UTC"}}, c.mia,
        permissions=MODERATOR))

    # Autocomplete offers metric names.
    auto = await (await c.autocomplete("log", [{"type": 3, "name": "metric", "value": "st", "focused": True}])).wait_response()
    assert auto.json["type"] == 8 and [ch["value"] for ch in auto.json["data"]["choices"]] == ["steps"]

    # A slow command defers first, then sends its chart as an attachment in an ephemeral followup.
    inj = await c.run("chart", {"metric": "steps", "days": 7})
    deferred = await inj.wait_response()
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
    followup = await inj.wait_followup()
    assert followup.filenames == ["steps-chart.png"] and followup.json["flags"] & EPHEMERAL

    # The weekly check-in is posted in the channel, mentions disabled, and edited when a member narrows.
    carol = standin.add_member(c.guild, "carol")      # shares only progress: the check-in's chart is relative
    for user, value, level in ((c.alice, "8000", "public"), (c.bob, "5000", "public"), (carol, "6000", "trend")):
        for name, options in (("privacy", {"set": {"metric": "steps", "level": level}}),
                              ("checkin", {"join": {}}), ("log", {"metric": "steps", "value": value})):
            await (await c.run(name, options, user)).wait_response()
    await c.app.advance_clock(c.clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))
    post = await standin.wait_for_request(lambda r: "Weekly check-in" in str(r.json), method="POST",
                                          path=rf"/channels/{c.walkers}/messages")
    assert "8,000" in str(post.json) and post.json["allowed_mentions"] == {"parse": []}
    assert post.filenames == ["steps-chart.png"]
    assert post.json["embeds"][-1]["image"] == {"url": "attachment://steps-chart.png"}   # the chart inside the embed
    (message,) = channel_posts(standin, c.walkers)
    # alice narrows to trend: her words change, but her line on the (relative) chart is the same, so the
    # edit carries no attachments and Discord keeps the image it shows
    inj = await c.run("privacy", {"set": {"metric": "steps", "level": "trend"}})
    edit = await standin.wait_for_request(method="PATCH", path=rf"/channels/{c.walkers}/messages/{message['id']}")
    assert "alice" in str(edit.json) and "8,000" not in str(edit.json)
    assert not edit.filenames and "attachments" not in edit.json
    assert "updated 1 earlier post" in await c.answer(inj)
    # carol goes private: her line leaves the chart too, so the changed image is uploaded again
    inj = await c.run("privacy", {"set": {"metric": "steps", "level": "private"}}, carol)
    second = await standin.wait_for_request(lambda r: "carol" not in str(r.json), method="PATCH",
                                            path=rf"/channels/{c.walkers}/messages/{message['id']}")
    assert "bob" in str(second.json) and second.filenames == ["steps-chart.png"]
    await c.answer(inj)

    # A channel the bot may not post in: the member is told privately, nothing crashes or is lost.
    inj = await c.run("chart", {"metric": "steps", "days": 7, "share": "share"}, c.bob, channel_id=c.forbidden)
    told = await inj.wait_followup()
    assert "couldn't post" in told.json["content"] and told.json["flags"] & EPHEMERAL

    # Deleting data asks with buttons first; the click does it.
    inj = await c.run("mydata", {"forget": {}}, c.bob)
    ask = await inj.wait_response()
    assert ask.json["data"]["flags"] & EPHEMERAL and len(standin.custom_ids(ask.json["data"])) == 2
    assert await c.app.services.db.fetchval("SELECT COUNT(*) FROM members WHERE external_id=?", (c.bob,)) == 1
    confirm = standin.custom_ids(ask.json["data"])[0]
    click = await standin.click(confirm, inj.state.original_message_id, user_id=c.bob, channel_id=c.walkers)
    pressed = await click.wait_response()
    assert pressed.json["type"] == 7 and all(b["disabled"] for row in pressed.json["data"]["components"]
                                             for b in row["components"])
    assert "deleted everything" in (await click.wait_followup()).json["content"]
    assert await c.app.services.db.fetchval("SELECT COUNT(*) FROM entries e JOIN members m ON m.id=e.member_id "
                                            "WHERE m.external_id=?", (c.bob,)) == 0

    # Every attachment the bot sent (private charts, the check-in's chart) has a description: alt text
    # written from the chart's released data.
    uploads = [r for r in standin.requests if r.files]
    described = [a for r in uploads for a in r.json.get("attachments", [])]
    assert len(uploads) >= 2 and len(described) == sum(len(r.files) for r in uploads)
    assert all(a.get("description", "").startswith("Chart") for a in described)

    # The gateway drops the connection: the client resumes and keeps answering.
    mark = len(standin.gateway_frames)
    await standin.drop_connection()
    await standin.wait_for_resume(since=mark, timeout=20)
    assert standin.identify_count == 1
    assert "Removed" in await c.answer(await c.run("undo"), timeout=20)


# ---- posts that fit, and take-back of every message -----------------------------------------------

def post_messages(standin: DiscordStandIn, channel_id: str, title: str) -> list[dict]:
    return [m for m in channel_posts(standin, channel_id) if any(title in e.get("title", "") for e in m["embeds"])]


async def test_a_large_check_in_is_several_recorded_embed_messages_and_take_back_reaches_each(community):
    c, standin = community, community.standin
    await (await c.run("mod", {"schedule": {"channel": c.walkers, "weekday": "sunday", "time": "18:00", "zone": "UTC"}},
                       c.mia, permissions=MODERATOR)).wait_response()
    members = [standin.add_member(c.guild, f"walker{i:02d}") for i in range(40)]
    value = {uid: 5000 + 37 * i for i, uid in enumerate(members)}
    for uid in members:
        for name, options in (("privacy", {"set": {"metric": "steps", "level": "public"}}), ("checkin", {"join": {}}),
                              ("log", {"metric": "steps", "value": str(value[uid])})):
            await (await c.run(name, options, uid)).wait_response()
    await c.app.advance_clock(c.clock, datetime.fromisoformat("2026-11-22T19:00:00+00:00"))

    posted = post_messages(standin, c.walkers, "Weekly check-in")
    assert len(posted) >= 2, "40 members do not fit one message's embed"
    for message in posted:
        assert message["content"] == "" and len(message["embeds"]) == 1
        embed = message["embeds"][0]
        assert len(embed.get("fields", [])) <= 25 and embed_size(embed) <= 6000
        assert all(len(f["value"]) <= 1024 and len(f["name"]) <= 256 for f in embed["fields"])
    fields = {f["name"]: f["value"] for m in posted for f in m["embeds"][0].get("fields", [])}
    assert all(f"{value[uid]:,}" in fields[f"walker{i:02d}"] for i, uid in enumerate(members))   # a field per member
    # The ledger holds every message of the post, in order.
    (handle,) = [r[0] for r in await c.app.services.db.fetchall("SELECT platform_message_id FROM posts WHERE kind='checkin'")]
    assert handle.split(",") == [m["id"] for m in posted]

    # walker07 goes private: every message of the post is re-rendered, and none of them holds her value.
    her, hers = members[7], f"{value[members[7]]:,}"
    assert any(hers in str(m["embeds"]) for m in posted)
    answer = await c.answer(await c.run("privacy", {"set": {"metric": "steps", "level": "private"}}, her))
    assert "updated 1 earlier post" in answer
    now = [standin.messages[m["id"]] for m in posted if m["id"] in standin.messages]
    assert now and all(hers not in str(m["embeds"]) and "walker07" not in str(m["embeds"]) for m in now)
    assert sum(len(m["embeds"][0].get("fields", [])) for m in now) >= 39
    # The group figure she counted in is dropped, not recomputed (she could be subtracted out).
    assert not any("from 40 people" in str(m["embeds"]) or "from 39 people" in str(m["embeds"]) for m in now)

    # Everyone leaves: every message of the post goes, and the ledger forgets it.
    for uid in members:
        await (await c.run("checkin", {"leave": {}}, uid)).wait_response()
    assert [m for m in posted if m["id"] in standin.messages] == []
    assert await c.app.services.db.fetchval("SELECT deleted FROM posts WHERE kind='checkin'") == 1


# ---- components that survive ------------------------------------------------------------------

def button_ids(data: dict) -> list[str]:
    return DiscordStandIn.custom_ids(data)


def all_disabled(data: dict) -> bool:
    buttons = [b for row in data.get("components", []) for b in row["components"]]
    return bool(buttons) and all(b.get("disabled") for b in buttons)


async def test_a_prompt_made_before_a_restart_still_answers_its_click(community):
    c, standin = community, community.standin
    await (await c.run("log", {"metric": "steps", "value": "4000"}, c.bob)).wait_response()
    ask = await c.run("mydata", {"forget": {}}, c.bob)
    question = (await ask.wait_response()).json["data"]
    confirm, cancel = button_ids(question)
    prompt = ask.state.original_message_id
    assert "`/mydata forget`" not in question["content"] and "Yes, go ahead" in question["content"]

    await c.restart()
    # Someone else's press does nothing to bob's data.
    other = await standin.click(confirm, prompt, user_id=c.alice, channel_id=c.walkers)
    assert "someone else" in (await other.wait_response()).json["data"]["content"]
    assert await c.app.services.db.fetchval("SELECT COUNT(*) FROM members WHERE external_id=?", (c.bob,)) == 1

    press = await standin.click(confirm, prompt, user_id=c.bob, channel_id=c.walkers)
    updated = (await press.wait_response()).json
    assert updated["type"] == 7 and all_disabled(updated["data"])        # used: its buttons are disabled
    assert "deleted everything" in (await press.wait_followup()).json["content"]
    assert await c.app.services.db.fetchval("SELECT COUNT(*) FROM entries e JOIN members m ON m.id=e.member_id "
                                            "WHERE m.external_id=?", (c.bob,)) == 0
    # A second press (a client that still showed the buttons) gets a clear answer and changes nothing.
    again = await standin.click(cancel, prompt, user_id=c.bob, channel_id=c.walkers)
    assert (await again.wait_response()).json["type"] == 7
    assert "already answered" in (await again.wait_followup()).json["content"]

    # A prompt pressed after it expired says so, disables its buttons, and does nothing.
    await (await c.run("log", {"metric": "steps", "value": "6000"})).wait_response()
    ask = await c.run("mydata", {"forget": {}})
    confirm = button_ids((await ask.wait_response()).json["data"])[0]
    c.clock.set(c.clock.now() + timedelta(minutes=6))
    late = await standin.click(confirm, ask.state.original_message_id, user_id=c.alice, channel_id=c.walkers)
    expired = (await late.wait_response()).json["data"]
    assert "expired" in expired["content"] and "`/mydata forget`" in expired["content"] and all_disabled(expired)
    assert await c.app.services.db.fetchval("SELECT COUNT(*) FROM entries e JOIN members m ON m.id=e.member_id "
                                            "WHERE m.external_id=?", (c.alice,)) == 1

    # Cancel says what happened.
    ask = await c.run("mydata", {"forget": {}})
    cancel = button_ids((await ask.wait_response()).json["data"])[1]
    done = await standin.click(cancel, ask.state.original_message_id, user_id=c.alice, channel_id=c.walkers)
    data = (await done.wait_response()).json["data"]
    assert data["content"] == "Cancelled; nothing changed." and all_disabled(data)


async def test_history_pages_with_previous_and_next_even_after_a_restart(community):
    c, standin = community, community.standin
    for day in range(1, 21):
        await (await c.run("log", {"metric": "steps", "value": str(1000 + day), "when": f"2026-11-{day:02d}"
                                   if day <= 16 else "today"})).wait_response()
    first = await c.run("history", {"metric": "steps"})
    page = (await first.wait_response()).json["data"]
    assert "Page 1 of 2" in page["content"] and "2026-11-16" in page["content"]
    previous, following = button_ids(page)
    assert [b["disabled"] for row in page["components"] for b in row["components"]] == [True, False]
    entries = [line for line in page["content"].splitlines() if line.startswith("2026-")]

    await c.restart()
    press = await standin.click(following, first.state.original_message_id, user_id=c.alice, channel_id=c.walkers)
    second = (await press.wait_response()).json
    assert second["type"] == 7 and "Page 2 of 2" in second["data"]["content"]
    entries += [line for line in second["data"]["content"].splitlines() if line.startswith("2026-")]
    assert len(entries) == 16 and len(set(entries)) == 16      # every entry, each once (16 days logged)
    assert [b["disabled"] for row in second["data"]["components"] for b in row["components"]] == [False, True]
    back_id = button_ids(second["data"])[0]
    back = await standin.click(back_id, first.state.original_message_id, user_id=c.alice, channel_id=c.walkers)
    assert "Page 1 of 2" in (await back.wait_response()).json["data"]["content"]


# ---- options derived from what the handler accepts ---------------------------------------------

def synced_leaves(payload: list[dict]) -> dict[str, list[dict]]:
    """Command name as in the specs -> the options Discord was given for it."""
    out = {}

    def walk(path: list[str], node: dict) -> None:
        subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
        if not subs:
            out[" ".join(p for p in path if p != "show")] = node.get("options", [])
        for o in subs:
            walk(path + [o["name"]], o)

    for cmd in payload:
        walk([cmd["name"]], cmd)
    return out


async def test_every_synced_option_has_the_type_and_range_the_handler_accepts(community):
    c, standin = community, community.standin
    sync = await standin.wait_for_request(method="PUT", path=rf"/applications/{standin.app_id}/guilds/{c.guild}/commands")
    leaves = synced_leaves(sync.json)
    expected_type = {ParamType.INT: 4, ParamType.NUMBER: 10, ParamType.CHANNEL: 7, ParamType.MEMBER: 6, ParamType.FILE: 11}
    checked = 0
    for spec in c.app.registry.all():
        if spec.button:
            assert spec.name not in leaves
            continue
        options = {o["name"]: o for o in leaves[spec.name]}
        assert list(options) == [p.name for p in spec.params]
        for p in spec.params:
            o = options[p.name]
            assert o["type"] == expected_type.get(p.type, 3), (spec.name, p.name)
            assert o["required"] == p.required
            assert o.get("autocomplete", False) == (p.suggestions is not None and not o.get("choices"))
            assert "`" not in o["description"] and not o["description"].endswith("…") and len(o["description"]) <= 100
            if p.type in (ParamType.INT, ParamType.NUMBER):
                checked += 1
                if p.minimum is not None:
                    assert o["min_value"] == p.minimum
                    # ... and the handler, through the same conversion for every platform, agrees.
                    assert convert(p, _number(p.minimum)) == p.minimum
                    with pytest.raises(UserError):
                        convert(p, _number(p.minimum - 1))
                if p.maximum is not None:
                    assert o["max_value"] == p.maximum
                    assert convert(p, _number(p.maximum)) == p.maximum
                    with pytest.raises(UserError):
                        convert(p, _number(p.maximum + 1))
    assert checked >= 4
    ranges = {(s.name, p.name): (p.minimum, p.maximum) for s in c.app.registry.all() for p in s.params if p.type is ParamType.INT}
    assert ranges[("chart", "days")] == (7, 365) and ranges[("checkin pause", "weeks")] == (1, 52)
    metric_add = {o["name"]: o for o in leaves["mod metric add"]}
    assert metric_add["min"]["type"] == metric_add["max"]["type"] == 10     # numbers, not strings

    # A value Discord would not offer still gets a clear answer if it arrives.
    assert "Choose 7 to 365 days." == await c.answer(await c.run("chart", {"metric": "steps", "days": 400}))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


async def test_autocomplete_offers_what_each_parameter_means(community):
    c = community
    await (await c.run("mod", {"schedule": {"channel": c.walkers, "weekday": "sunday", "time": "18:00", "zone": "UTC"}},
                       c.mia, permissions=MODERATOR)).wait_response()
    created = await c.answer(await c.run("challenge", {"create": {"name": "stride", "metric": "steps", "kind": "total"}},
                                         c.mia, permissions=MODERATOR))
    assert "stride" in created and created != "Done."

    async def offered(name, options, focused, typed):
        opts = [{"type": 3, "name": k, "value": v} for k, v in options.items()] + \
               [{"type": 3, "name": focused, "value": typed, "focused": True}]
        inj = await c.autocomplete(name, opts)
        return [(ch["name"], ch["value"]) for ch in (await inj.wait_response()).json["data"]["choices"]]

    async def offered_sub(group, sub, focused, typed):
        inj = await c.autocomplete(group, [{"type": 1, "name": sub, "options": [
            {"type": 3, "name": focused, "value": typed, "focused": True}]}])
        return [ch["value"] for ch in (await inj.wait_response()).json["data"]["choices"]]

    assert ("steps", "steps") in [(n.split(" ")[0], v) for n, v in await offered("log", {}, "metric", "walk")]  # an alias
    assert await offered_sub("challenge", "join", "name", "st") == ["stride"]          # an existing challenge
    assert await offered_sub("challenge", "create", "name", "st") == []                  # a new name: nothing to offer
    assert "all" in await offered_sub("privacy", "set", "metric", "")
    assert "Europe/Berlin" in await offered_sub("timezone", "show", "zone", "berl") or \
        "Europe/Berlin" in [v for _, v in await offered("timezone", {}, "zone", "berl")]


# ---- wording, failures, start-up -----------------------------------------------------------------

async def test_hints_on_discord_are_slash_commands(community):
    c = community
    logged = await c.answer(await c.run("log", {"metric": "steps", "value": "1"}))
    assert "Logged 1 step " in logged and "`/undo`" in logged and "`undo`" not in logged
    helped = await c.answer(await c.run("help", {"command": "privacy"}))
    assert "`/privacy set metric:" in helped and "`privacy set" not in helped
    everything = await c.answer(await c.run("help"))
    assert "/confirm" not in everything and "/cancel" not in everything and "`/chart metric:" in everything
    assert "`/log metric:steps value:8000`" in await c.answer(await c.run("history", user=c.bob))


async def test_a_failed_post_is_reported_once_and_never_also_as_done(community):
    c = community
    for options in ({"set": {"metric": "steps", "level": "public"}},):
        await (await c.run("privacy", options, c.bob)).wait_response()
    await (await c.run("log", {"metric": "steps", "value": "5000"}, c.bob)).wait_response()
    inj = await c.run("chart", {"metric": "steps", "days": 7, "share": "share"}, c.bob, channel_id=c.forbidden)
    told = await inj.wait_followup()
    assert "couldn't post in #announcements" in told.json["content"]
    await asyncio.sleep(0.3)
    answers = [m.get("content", "") for m in inj.followups]
    assert len(answers) == 1 and not any("Shared" in a for a in answers)


async def test_commands_are_synced_only_when_they_differ_and_by_one_shard(community, caplog):
    c, standin = community, community.standin
    path = rf"/applications/{standin.app_id}/guilds/{c.guild}/commands"
    assert len(standin.find_requests("PUT", path)) == 1
    mark = standin.mark()
    await c.restart()
    assert standin.find_requests("GET", path)[-1].index >= mark and not [r for r in standin.find_requests("PUT", path)
                                                                         if r.index >= mark]
    # A process that does not run shard 0 never touches the command tree.
    await c.stop_bot()
    mark = standin.mark()
    c.config = dataclasses.replace(c.config, discord=dataclasses.replace(c.config.discord, shard_count=2, shard_ids=(1,)))
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = True
    with caplog.at_level(logging.INFO):
        await c.start_bot()
    assert not [r for r in standin.requests[mark:] if "/commands" in r.path]
    assert not [r for r in caplog.records if "voice" in r.getMessage().lower()]
    assert "Logged" in await c.answer(await c.run("log", {"metric": "steps", "value": "3000"}))


async def test_challenge_results_are_an_embed_and_ending_one_is_confirmed_by_its_button(community):
    c, standin = community, community.standin
    created = await c.answer(await c.run("challenge", {"create": {"name": "stride", "metric": "steps", "kind": "total",
                                                                  "start": "today"}}, c.mia, permissions=MODERATOR))
    assert created.startswith("Posted in #walkers: New challenge `stride`")
    assert "`/challenge join name:stride`" in channel_posts(standin, c.walkers)[-1]["content"]
    for user, value in ((c.alice, "9000"), (c.bob, "7000")):
        for name, options in (("privacy", {"set": {"metric": "steps", "level": "public"}}),
                              ("challenge", {"join": {"name": "stride"}}), ("log", {"metric": "steps", "value": value})):
            await (await c.run(name, options, user)).wait_response()
    c.clock.set(c.clock.now() + timedelta(hours=2))
    ask = await c.run("challenge", {"end": {"name": "stride"}}, c.mia, permissions=MODERATOR)
    confirm = button_ids((await ask.wait_response()).json["data"])[0]
    assert "name=stride" in confirm                                   # the button carries what it acts on
    press = await standin.click(confirm, ask.state.original_message_id, user_id=c.mia, channel_id=c.walkers,
                                permissions=MODERATOR)
    assert "has ended" in (await press.wait_followup()).json["content"]
    (results,) = post_messages(standin, c.walkers, "stride")
    fields = {f["name"]: f["value"] for f in results["embeds"][0]["fields"]}
    assert "9,000" in fields["alice"] and "7,000" in fields["bob"] and fields["alice"].startswith("#1")


# ---- accountability partners: invites with buttons in DMs, summaries as DMs taken back ----------

def dm_messages(standin: DiscordStandIn, user_id: str) -> list[dict]:
    channel = standin._dm_channel(user_id)["id"]
    return [standin.messages[m] for m in standin.channel_messages.get(channel, []) if m in standin.messages]


async def test_partner_invite_accept_button_summary_dm_and_take_back(community):
    c, standin = community, community.standin
    # bob has used the bot here (so alice can invite him); the member picker sends his user id
    await (await c.run("log", {"metric": "steps", "value": "100"}, c.bob)).wait_response()
    for day in ("2026-11-09", "2026-11-10"):
        await (await c.run("log", {"metric": "steps", "value": "8000", "when": day})).wait_response()
    inj = await c.run("partner", {"invite": {"member": c.bob, "metric": "steps", "level": "public"}})
    assert "I asked bob privately" in await c.answer(inj)
    (invite,) = dm_messages(standin, c.bob)
    assert "alice would like to be accountability partners" in invite["content"]
    accept, decline = button_ids(invite)
    assert accept.startswith("pp1:do:") and "partner.accept" in accept and "partner.decline" in decline
    # only bob can press bob's buttons
    other = await standin.click(accept, invite["id"], user_id=c.mia, dm=True)
    assert "someone else" in (await other.wait_response()).json["data"]["content"]
    # bob accepts with the button in his DM: the buttons are disabled, alice is told by DM, and
    # last week's summary arrives as a DM whose id the ledger keeps
    click = await standin.click(accept, invite["id"], user_id=c.bob, dm=True)
    pressed = await click.wait_response()
    assert pressed.json["type"] == 7 and all(b["disabled"] for row in pressed.json["data"]["components"]
                                             for b in row["components"])
    assert "You now see alice's steps" in (await click.wait_followup()).json["content"]
    assert any("bob accepted" in m["content"] for m in dm_messages(standin, c.alice))
    summary = next(m for m in dm_messages(standin, c.bob) if "alice's week" in m["content"])
    assert "steps: 16,000 steps this week" in summary["content"]
    rows = await c.app.services.db.fetchall("SELECT platform_message_id, viewer_id, channel_id FROM posts WHERE kind='partner'")
    assert [r[0] for r in rows] == [summary["id"]] and rows[0][2] is None and rows[0][1] is not None
    # alice lowers to trend: the DM is edited in place, no number left
    inj = await c.run("partner", {"invite": {"member": c.bob, "metric": "steps", "level": "trend"}})
    edit = await standin.wait_for_request(method="PATCH", path=rf"/channels/{standin._dm_channel(c.bob)['id']}"
                                                                rf"/messages/{summary['id']}")
    assert "16,000" not in str(edit.json) and "steps:" in str(edit.json)
    assert "I changed 1 summary" in await c.answer(inj)
    # bob ends it: the DM is deleted
    await c.answer(await c.run("partner", {"end": {"member": c.alice}}, c.bob))
    assert summary["id"] not in standin.messages
    assert await c.app.services.db.fetchval("SELECT deleted FROM posts WHERE kind='partner'") == 1


async def test_a_milestone_is_offered_with_buttons_and_shared_only_by_its_press(community):
    c, standin = community, community.standin
    for name, options in (("milestones", {"switch": "on", "metric": "steps"}),
                          ("privacy", {"set": {"metric": "steps", "level": "trend"}})):
        await c.answer(await c.run(name, options))
    for day in range(6, 14):
        await c.answer(await c.run("log", {"metric": "steps", "value": "6000", "when": f"2026-11-{day:02d}"}))
    inj = await c.run("log", {"metric": "steps", "value": "12000"})
    assert "Logged 12,000 steps" in await c.answer(inj)
    offer = await inj.wait_followup()
    assert offer.json["flags"] & EPHEMERAL and "a new personal best in steps: 12,000 steps" in offer.json["content"]
    share, decline = button_ids(offer.json)
    assert share.startswith("pp1:do:") and "share" in share and "no" in decline.rsplit(":", 1)[1]
    assert channel_posts(standin, c.walkers) == []          # nothing is posted without the yes
    # someone else's press does nothing
    other = await standin.click(share, inj.state.followup_ids[0], user_id=c.bob, channel_id=c.walkers)
    assert "someone else" in (await other.wait_response()).json["data"]["content"]
    assert channel_posts(standin, c.walkers) == []
    # alice presses Share it: the buttons are disabled and the milestone is posted where she logged, no number
    click = await standin.click(share, inj.state.followup_ids[0], user_id=c.alice, channel_id=c.walkers)
    pressed = await click.wait_response()
    assert pressed.json["type"] == 7 and all_disabled(pressed.json["data"])
    assert "Shared your milestone in #walkers" in (await click.wait_followup()).json["content"]
    (post,) = channel_posts(standin, c.walkers)
    assert "alice reached a milestone: a new personal best in steps" in post["content"]
    assert "12,000" not in post["content"]
    assert await c.app.services.db.fetchval("SELECT platform_message_id FROM posts WHERE kind='milestone'") == post["id"]
    # pressed again (a client that still shows it): answered, nothing more posted
    again = await standin.click(share, inj.state.followup_ids[0], user_id=c.alice, channel_id=c.walkers)
    await again.wait_response()
    assert "already shared" in (await again.wait_followup()).json["content"]
    assert len(channel_posts(standin, c.walkers)) == 1
    # the member narrows to private: the post is deleted on Discord
    await c.answer(await c.run("privacy", {"set": {"metric": "steps", "level": "private"}}))
    assert channel_posts(standin, c.walkers) == []


async def test_a_milestone_declined_by_its_button_posts_nothing(community):
    c, standin = community, community.standin
    await c.answer(await c.run("milestones", {"switch": "on"}))
    await c.answer(await c.run("privacy", {"set": {"metric": "steps", "level": "public"}}))
    for day in range(6, 14):
        await c.answer(await c.run("log", {"metric": "steps", "value": "6000", "when": f"2026-11-{day:02d}"}))
    inj = await c.run("log", {"metric": "steps", "value": "12000"})
    await c.answer(inj)
    offer = await inj.wait_followup()
    _share, decline = button_ids(offer.json)
    click = await standin.click(decline, inj.state.followup_ids[0], user_id=c.alice, channel_id=c.walkers)
    await click.wait_response()
    assert "Declined" in (await click.wait_followup()).json["content"]
    assert channel_posts(standin, c.walkers) == []


async def test_share_posts_the_words_without_pings_or_link_previews_and_is_taken_back(community):
    c, standin = community, community.standin
    await c.answer(await c.run("privacy", {"set": {"metric": "steps", "level": "public"}}))
    await c.answer(await c.run("log", {"metric": "steps", "value": "9100"}))
    inj = await c.run("share", {"text": "steps: hi @everyone <@&1> [free](https://evil.example) https://example.org/x.png"})
    assert "Posted your words here" in await c.answer(inj)
    request = await standin.wait_for_request(method="POST", path=rf"/channels/{c.walkers}/messages")
    assert request.json["allowed_mentions"] == {"parse": []} and request.json.get("flags", 0) & 4   # no link previews
    (post,) = channel_posts(standin, c.walkers)
    body = post["content"]
    assert "alice shares" in body and "9,100" in body and "https://example.org/x.png" in body
    assert "@" not in body and "<" not in body and "[" not in body
    await c.answer(await c.run("privacy", {"set": {"metric": "steps", "level": "private"}}))
    assert channel_posts(standin, c.walkers) == []
