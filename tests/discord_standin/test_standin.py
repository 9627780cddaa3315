"""The real discord.py client against the local Discord stand-in (no network).

Sync tests that wrap ``asyncio.run`` so they do not depend on pytest-asyncio's configuration.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from .ratelimits import RateLimits
from .server import ADMIN, EPHEMERAL, LOADING, DiscordStandIn

pytestmark = pytest.mark.discord

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
TOKEN = "fake-token"


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.voters: list[int] = []

    @discord.ui.button(label="Yes", custom_id="vote:yes", style=discord.ButtonStyle.green)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.voters.append(interaction.user.id)
        await interaction.response.edit_message(content=f"{interaction.user.name} voted yes", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text = discord.ui.TextInput(label="What's up?", custom_id="feedback:text")

    def __init__(self, sink: list[str]) -> None:
        super().__init__(custom_id="feedback")
        self.sink = sink

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.sink.append(self.text.value)
        await interaction.response.send_message("thanks", ephemeral=True)


class Bot:
    """A small discord.py bot: a client, a command tree with guild commands, and what it saw."""

    def __init__(self, standin: DiscordStandIn) -> None:
        self.client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self.client)
        self.guild = discord.Object(id=int(standin.guild_id))
        self.view = VoteView()
        self.resumed = asyncio.Event()
        self.feedback: list[str] = []
        self.seen: list[discord.Message] = []
        self.client.event(self.on_resumed)
        self.client.event(self.on_message)
        g = self.guild

        @self.tree.command(name="ping", description="Are you there?", guild=g)
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @self.tree.command(name="log", description="Log a value", guild=g)
        @app_commands.describe(value="the value", note="a note")
        async def log(interaction: discord.Interaction, value: int, note: str = "") -> None:
            await interaction.response.send_message(f"logged {value} ({note}) in #{interaction.channel.name}", ephemeral=True)

        @self.tree.command(name="slow", description="Takes a while", guild=g)
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.01)
            await interaction.followup.send("done", ephemeral=True)

        @self.tree.command(name="chart", description="A chart", guild=g)
        async def chart(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("your chart", file=discord.File(io.BytesIO(PNG), filename="chart.png"), ephemeral=True)

        @self.tree.command(name="vote", description="Vote", guild=g)
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Vote?", view=self.view)

        @self.tree.command(name="admin", description="Moderators only", guild=g)
        @app_commands.checks.has_permissions(manage_guild=True)
        async def admin(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

        @self.tree.command(name="feedback", description="Tell us", guild=g)
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal(self.feedback))

        @self.tree.command(name="work", description="Defer, then edit the original", guild=g)
        async def work(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="worked")

        @self.tree.command(name="dm", description="DM me", guild=g)
        async def dm(interaction: discord.Interaction) -> None:
            try:
                await interaction.user.send("psst")
            except discord.Forbidden as exc:
                await interaction.response.send_message(f"cannot DM you ({exc.code})", ephemeral=True)
            else:
                await interaction.response.send_message("sent you a DM", ephemeral=True)

        @self.tree.error
        async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            await interaction.response.send_message(f"denied: {type(error).__name__}", ephemeral=True)

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def run(scenario: Callable[[DiscordStandIn, Bot], Awaitable[Any]], *, sync: bool = True, timeout: float = 15.0, **standin_kw: Any) -> None:
    """A stand-in, a connected bot whose guild commands are synced, then ``scenario``; afterwards
    neither discord.py nor the stand-in may have logged an error or met a request it does not know."""
    errors = _Errors()
    logging.getLogger("discord").addHandler(errors)

    async def main() -> None:
        async with DiscordStandIn(**standin_kw) as standin:
            bot = Bot(standin)
            async with standin.run_client(bot.client, TOKEN):
                if sync:
                    await bot.tree.sync(guild=bot.guild)
                await asyncio.wait_for(scenario(standin, bot), timeout)
            assert standin.unhandled == []
            assert [r for r in standin.requests if r.status >= 500] == []

    try:
        asyncio.run(main())
    finally:
        logging.getLogger("discord").removeHandler(errors)
    assert [r.getMessage() for r in errors.records] == []


async def eventually(cond: Callable[[], Any], timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def data_of(rec) -> dict:
    return rec.json.get("data") or {}


# ------------------------------------------------------------------------------------------------


def test_login_connect_ready_and_sync_payload() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        c = bot.client
        assert c.is_ready()
        assert c.user.id == int(s.app_id) and c.application_id == int(s.app_id)
        guild = c.get_guild(int(s.guild_id))
        assert guild is not None and guild.get_channel(int(s.channel_id)).name == "general"
        assert guild.me is not None
        assert s.identify_count == 1
        identify = s.gateway_frames[[f.op for f in s.gateway_frames].index(2)]
        assert identify.d["token"] == TOKEN and identify.d["intents"] == discord.Intents.default().value
        assert s.connection_modes == ["zlib-stream"]  # discord.py asked for it and could inflate it
        assert [r.path for r in s.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
        assert all(r.headers["Authorization"] == f"Bot {TOKEN}" for r in s.requests)

        put = s.find_requests("PUT", rf"/applications/{s.app_id}/guilds/{s.guild_id}/commands")
        assert len(put) == 1
        sent = {c["name"]: c for c in put[0].json}
        assert set(sent) == {"ping", "log", "slow", "chart", "vote", "admin", "feedback", "work", "dm"}
        assert [(o["name"], o["type"], o.get("required", False)) for o in sent["log"]["options"]] == [
            ("value", 4, True),
            ("note", 3, False),
        ]
        # a second sync keeps the ids (bulk overwrite by name), and discord.py gets AppCommands back
        first_ids = {c["name"]: c["id"] for c in s.guild_commands[s.guild_id]}
        synced = await bot.tree.sync(guild=bot.guild)
        assert {c.name: str(c.id) for c in synced} == first_ids
        assert all(c.guild_id == int(s.guild_id) for c in synced)

    run(scenario)


def test_slash_command_ephemeral_reply_with_options_and_permissions() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        inj = await s.inject_command("ping")
        rec = await inj.wait_response()
        assert rec.json["type"] == 4 and data_of(rec)["content"] == "pong"
        assert data_of(rec)["flags"] & EPHEMERAL
        assert rec.query.get("with_response") == "1" and rec.status == 200
        assert inj.original_message["flags"] & EPHEMERAL

        inj = await s.inject_command("log", {"value": 7, "note": "walk"})
        rec = await inj.wait_response()
        assert data_of(rec)["content"] == "logged 7 (walk) in #general"

        inj = await s.inject_command("admin", permissions="0")
        assert data_of(await inj.wait_response())["content"] == "denied: MissingPermissions"
        inj = await s.inject_command("admin", permissions=ADMIN)
        assert data_of(await inj.wait_response())["content"] == "ok"

    run(scenario)


def test_defer_then_followup() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        inj = await s.inject_command("slow")
        rec = await inj.wait_response()
        assert rec.json["type"] == 5 and data_of(rec)["flags"] & EPHEMERAL
        follow = await inj.wait_followup()
        assert follow.json["content"] == "done" and follow.json["flags"] & EPHEMERAL
        assert follow.query.get("wait") == "1" and follow.response["content"] == "done"
        assert inj.original_message["flags"] & LOADING  # a deferral stays "thinking" until edited
        assert [m["content"] for m in inj.followups] == ["done"]

    run(scenario)


def test_response_with_file_attachment_is_multipart() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        inj = await s.inject_command("chart")
        rec = await inj.wait_response()
        assert rec.multipart and rec.filenames == ["chart.png"]
        assert rec.files[0].field == "files[0]" and rec.files[0].data == PNG
        assert rec.json["type"] == 4 and data_of(rec)["content"] == "your chart"
        assert data_of(rec)["attachments"][0]["filename"] == "chart.png"
        (att,) = inj.original_message["attachments"]
        assert att["filename"] == "chart.png" and att["size"] == len(PNG)

    run(scenario)


def test_button_view_and_component_click() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        inj = await s.inject_command("vote")
        rec = await inj.wait_response()
        assert not (data_of(rec).get("flags", 0) & EPHEMERAL)
        msg = inj.original_message
        assert DiscordStandIn.custom_ids(msg) == ["vote:yes"]
        assert msg["id"] in s.channel_messages[s.channel_id]  # a public reply is in the channel

        click = await s.click("vote:yes", msg["id"])
        rec = await click.wait_response()
        assert rec.json["type"] == 7
        assert bot.view.voters == [int(s.user_id)]
        assert s.messages[msg["id"]]["content"] == "alice voted yes"
        assert s.messages[msg["id"]]["components"] == []

    run(scenario)


def test_channel_message_send_edit_delete_and_file() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        channel = bot.client.get_channel(int(s.channel_id))
        msg = await channel.send("hello")
        assert str(msg.id) in s.messages and msg.content == "hello"
        post = s.find_requests("POST", rf"/channels/{s.channel_id}/messages")[-1]
        assert post.json["content"] == "hello"

        edited = await msg.edit(content="hello again")
        assert edited.content == "hello again" and edited.edited_at is not None
        assert s.messages[str(msg.id)]["content"] == "hello again"

        await msg.delete()
        assert str(msg.id) not in s.messages
        assert s.find_requests("DELETE", rf"/channels/{s.channel_id}/messages/{msg.id}")[0].status == 204

        with_file = await channel.send("chart", file=discord.File(io.BytesIO(PNG), filename="c.png"))
        assert with_file.attachments[0].filename == "c.png"
        assert await with_file.attachments[0].read() == PNG

        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.code == 50035

    run(scenario)


def test_forbidden_and_deleted_channels() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        channel = bot.client.get_channel(int(s.channel_id))
        s.forbid_channel(s.channel_id)
        with pytest.raises(discord.Forbidden) as forbidden:
            await channel.send("hi")
        assert forbidden.value.status == 403 and forbidden.value.code == 50013
        s.forbid_channel(s.channel_id, False)
        await channel.send("allowed again")

        s.delete_channel(s.channel_id)  # the client's cache still has it
        with pytest.raises(discord.NotFound) as gone:
            await channel.send("hi")
        assert gone.value.code == 10003

    run(scenario)


def test_drop_connection_resumes_and_still_answers() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        (session_id,) = s.session_ids
        mark = len(s.gateway_frames)
        assert await s.drop_connection() == 1
        frame = await s.wait_for_resume(since=mark)
        assert frame.op == 6 and frame.d["session_id"] == session_id and frame.path == "/resume"
        await asyncio.wait_for(bot.resumed.wait(), 5)
        assert s.identify_count == 1

        inj = await s.inject_command("ping")
        assert data_of(await inj.wait_response())["content"] == "pong"

        # an abrupt TCP abort, with an interaction sent while the client is away: replayed on RESUME
        bot.resumed.clear()
        s.hold_connections()
        mark = len(s.gateway_frames)
        await s.drop_connection(abort=True)
        inj = await s.inject_command("log", {"value": 3})
        s.release_connections()
        await s.wait_for_resume(since=mark)
        assert data_of(await inj.wait_response())["content"].startswith("logged 3")
        assert s.resume_count == 2 and s.identify_count == 1
        assert s.connection_paths == ["/", "/resume", "/resume"]

    run(scenario)


def test_invalid_session_makes_client_identify_again() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        s.invalidate_sessions()
        mark = len(s.gateway_frames)
        await s.drop_connection()
        await s.wait_for_identify(since=mark)
        inj = await s.inject_command("ping")
        assert data_of(await inj.wait_response())["content"] == "pong"
        assert s.identify_count == 2

    run(scenario)


def test_wrong_token_is_a_login_failure() -> None:
    async def main() -> None:
        async with DiscordStandIn(token="right") as s:
            client = discord.Client(intents=discord.Intents.default())
            with pytest.raises(discord.LoginFailure):
                await client.login("wrong")
            await client.close()
            assert s.requests[0].status == 401

    asyncio.run(main())


def test_discord_py_is_restored_after_the_stand_in() -> None:
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)

    async def main() -> None:
        s = DiscordStandIn()
        await s.start()
        try:
            with s.point_discord_py_here():
                assert Route.BASE.startswith("http://127.0.0.1:")
                assert str(DiscordWebSocket.DEFAULT_GATEWAY).startswith("ws://127.0.0.1:")
            assert (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY) == before
        finally:
            await s.stop()

    asyncio.run(main())
    assert (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY) == before
    assert "discord.com" in Route.BASE


def test_modal_edit_original_and_dm() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        inj = await s.inject_command("feedback")
        rec = await inj.wait_response()
        assert rec.json["type"] == 9 and rec.json["data"]["custom_id"] == "feedback"
        sub = await s.submit_modal("feedback", {"feedback:text": "all good"})
        assert data_of(await sub.wait_response())["content"] == "thanks"
        assert bot.feedback == ["all good"]

        inj = await s.inject_command("work")
        assert (await inj.wait_response()).json["type"] == 5
        patch = await s.wait_for_request(method="PATCH", path=rf"/webhooks/{s.app_id}/{inj.token}/messages/@original")
        assert patch.json["content"] == "worked"
        assert inj.original_message["content"] == "worked" and not inj.original_message["flags"] & LOADING

        inj = await s.inject_command("dm")
        assert data_of(await inj.wait_response())["content"] == "sent you a DM"
        dm = next(c for c in s.channels.values() if c["type"] == 1)
        assert dm["recipients"][0]["id"] == s.user_id
        assert [s.messages[m]["content"] for m in s.channel_messages[dm["id"]]] == ["psst"]
        s.block_dms(s.user_id)
        inj = await s.inject_command("dm")
        assert data_of(await inj.wait_response())["content"] == "cannot DM you (50007)"

    run(scenario)


def test_user_messages_echoes_rate_limit_and_text_frames() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        assert s.connection_modes == ["text"]
        sent = await s.post_user_message("hi bot")
        await eventually(lambda: bot.seen)
        assert [m.id for m in bot.seen] == [int(sent["id"])]
        assert bot.seen[0].author.id == int(s.user_id) and bot.seen[0].channel.id == int(s.channel_id)

        # the bot's own message comes back as MESSAGE_CREATE (echo_message_events=True)
        channel = bot.client.get_channel(int(s.channel_id))
        s.fail_next("POST", rf"/channels/{s.channel_id}/messages", 429)
        mine = await channel.send("from the bot")  # discord.py waits retry_after and retries
        statuses = [r.status for r in s.find_requests("POST", rf"/channels/{s.channel_id}/messages")]
        assert statuses == [429, 200]
        await eventually(lambda: len(bot.seen) == 2)
        assert bot.seen[-1].id == mine.id and bot.seen[-1].author == bot.client.user

    run(scenario, compression="none", echo_message_events=True)


def test_the_stand_in_refuses_embeds_and_commands_discord_refuses() -> None:
    from .server import command_problems, embed_problem

    field = {"name": "alice", "value": "x" * 200}
    assert embed_problem([{"title": "ok", "fields": [field] * 25}]) is None
    assert embed_problem([{"title": "too many", "fields": [field] * 26}])
    assert embed_problem([{"fields": [field] * 20}, {"fields": [field] * 20}]).endswith("6000")
    assert embed_problem([{"fields": [{"name": "", "value": "v"}]}])
    assert embed_problem([{}] * 11)
    good = {"name": "chart", "description": "A chart", "options": [
        {"type": 3, "name": "metric", "description": "e.g. steps", "required": True},
        {"type": 4, "name": "days", "description": "days back", "required": False, "min_value": 7, "max_value": 365}]}
    assert command_problems(good) == []
    assert command_problems({**good, "description": "x" * 101})
    assert command_problems({**good, "options": [{**good["options"][1], "min_value": "7"}]})      # a string bound
    assert command_problems({**good, "options": [{"type": 3, "name": "w", "description": "d", "min_value": 1}]})
    assert command_problems({**good, "options": good["options"][::-1]})                            # required after optional


# -- rate limits (RateLimits) ----------------------------------------------------------------------


def _creates(s: DiscordStandIn, channel_id: str) -> list:
    return s.find_requests("POST", rf"/channels/{channel_id}/messages")


def test_rate_limited_stand_in_refuses_a_client_that_ignores_the_headers() -> None:
    async def main() -> None:
        async with DiscordStandIn(rate_limits=RateLimits(global_limit=8, global_per=30.0)) as s:
            auth = {"Authorization": f"Bot {TOKEN}"}
            async with aiohttp.ClientSession() as http:
                statuses, answers = [], []
                for i in range(7):   # one channel: message creation is 5 per 5 s
                    async with http.post(f"{s.api_base}/channels/{s.channel_id}/messages", json={"content": f"m{i}"},
                                         headers=auth) as r:
                        statuses.append(r.status)
                        answers.append((dict(r.headers), await r.json()))
                assert statuses == [200] * 5 + [429] * 2
                ok_headers = [h for h, _b in answers[:5]]
                assert [h["X-RateLimit-Remaining"] for h in ok_headers] == ["4", "3", "2", "1", "0"]
                assert {h["X-RateLimit-Limit"] for h in ok_headers} == {"5"}
                assert len({h["X-RateLimit-Bucket"] for h in ok_headers}) == 1
                assert all(0 < float(h["X-RateLimit-Reset-After"]) <= 5 for h in ok_headers)
                headers, body = answers[5]
                assert body["global"] is False and body["message"] and 0 < body["retry_after"] <= 5.0
                assert isinstance(body["retry_after"], float)
                assert headers["X-RateLimit-Scope"] == "user" and "X-RateLimit-Global" not in headers
                assert int(headers["Retry-After"]) >= 1
                assert len(s.channel_messages[s.channel_id]) == 5   # refused requests post nothing

                # the global limit: 8 in the window for this token (5 spent above), then 429 global
                statuses, answers = [], []
                for _ in range(5):
                    async with http.get(f"{s.api_base}/channels/{s.channel_id}", headers=auth) as r:
                        statuses.append(r.status)
                        answers.append((dict(r.headers), await r.json()))
                assert statuses == [200] * 3 + [429] * 2
                headers, body = answers[3]
                assert body["global"] is True and body["retry_after"] > 0
                assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
                # interaction callbacks and webhooks are not bound by the global limit
                async with http.post(f"{s.api_base}/webhooks/{s.app_id}/nope", json={"content": "x"}) as r:
                    assert r.status != 429
            assert len(s.rate_limited) == 4

    asyncio.run(main())


def test_discord_py_paces_itself_to_the_per_channel_buckets() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        channel = bot.client.get_partial_messageable(int(s.channel_id))
        await asyncio.gather(*(channel.send(f"n{i}") for i in range(12)))
        creates = _creates(s, s.channel_id)
        assert [r.status for r in creates] == [200] * 12     # throttled by the headers, never refused
        assert sorted(s.messages[m]["content"] for m in s.channel_messages[s.channel_id]) == sorted(f"n{i}" for i in range(12))
        remaining = [r.response_headers["X-RateLimit-Remaining"] for r in creates]
        assert remaining.count("0") == 2 and remaining.count("4") == 3   # windows of 5, 5 and 2
        assert s.rate_limited == []

    run(scenario, rate_limits=RateLimits(message_per=0.3))


def test_discord_py_does_not_pace_the_global_limit_but_retries_after_a_global_429() -> None:
    async def scenario(s: DiscordStandIn, bot: Bot) -> None:
        ids = [s.add_channel(s.guild_id, f"c{i}") for i in range(12)]
        await asyncio.sleep(0.35)   # a fresh global window
        await asyncio.gather(*(bot.client.get_partial_messageable(int(c)).send(f"to {c}") for c in ids))
        for c in ids:   # every message exactly once, though some were refused and sent again
            assert [s.messages[m]["content"] for m in s.channel_messages[c]] == [f"to {c}"]
        refused = s.rate_limited
        assert refused and all(r.response["global"] and r.response_headers["X-RateLimit-Global"] == "true" for r in refused)
        # each refused request was sent again later and then accepted
        for r in refused:
            assert any(o.path == r.path and o.status == 200 and o.index > r.index for o in s.requests)

    run(scenario, rate_limits=RateLimits(global_limit=5, global_per=0.3))
