"""The Discord adapter: slash commands generated from the specs, ephemeral private replies, files
as attachments, confirmation buttons, and posts it can edit and delete later.

Interactions are read from discord.py's ``on_interaction`` and mapped to the same command names and
arguments the console uses; every answer comes back through the runtime (and so the privacy gate).
Mentions are disabled for everything the bot sends.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from typing import Any

import discord
import yarl

from bot.adapters.base import DeliveryFailed, Inbound, Target, require_delivery
from bot.adapters.discord_commands import build_payload, parse_interaction
from bot.clock import timezone_names
from bot.config import DiscordConfig
from bot.errors import UserError
from bot.gate import Delivery

log = logging.getLogger(__name__)
PLATFORM = "discord"
MAX_CONTENT = 2000


def _files(delivery: Delivery) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.data), filename=a.filename) for a in delivery.attachments]


def _chunks(text: str) -> list[str]:
    text = text or ""
    if len(text) <= MAX_CONTENT:
        return [text]
    out, current = [], ""
    for line in text.splitlines():
        if len(current) + len(line) + 1 > MAX_CONTENT:
            out.append(current)
            current = ""
        current += line[:MAX_CONTENT] + "\n"
    return out + ([current] if current else [])


class _ConfirmView(discord.ui.View):
    """Confirm/Cancel buttons for destructive commands (deleting data, ending a challenge)."""

    def __init__(self, adapter: "DiscordAdapter", inbound: Inbound, user_id: int):
        super().__init__(timeout=300)
        self.adapter, self.inbound, self.user_id = adapter, inbound, user_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id

    @discord.ui.button(label="Yes, go ahead", style=discord.ButtonStyle.danger, custom_id="peerpulse:confirm")
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        self.inbound.confirmed = True
        await self.adapter.run_command(interaction, self.inbound, slow=True)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary, custom_id="peerpulse:cancel")
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled; nothing changed.", view=None)


class _InteractionReplies:
    """The transport for one interaction: private deliveries become ephemeral responses/followups,
    channel deliveries are posted to the channel by the adapter."""

    platform = PLATFORM

    def __init__(self, adapter: "DiscordAdapter", interaction: discord.Interaction):
        self.adapter = adapter
        self.interaction = interaction
        self.answered = False

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        require_delivery(delivery)
        if target.kind == "channel":
            return await self.adapter.send(target, delivery)
        files = _files(delivery)
        chunks = _chunks(delivery.text)
        for i, chunk in enumerate(chunks):
            kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": discord.AllowedMentions.none()}
            if i == len(chunks) - 1 and files:
                kwargs["files"] = files
            if not self.interaction.response.is_done():
                await self.interaction.response.send_message(chunk or None, **kwargs)
            else:
                await self.interaction.followup.send(chunk or "\u200b", **kwargs)
        self.answered = True
        return None

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> None:
        await self.adapter.edit(target, message_id, delivery, keep_images=keep_images)

    async def delete(self, target: Target, message_id: str) -> None:
        await self.adapter.delete(target, message_id)


class DiscordAdapter:
    platform = PLATFORM

    def __init__(self, app, config: DiscordConfig, *, guild_ready_timeout: float = 2.0):
        self.app = app
        self.config = config
        if config.api_base:
            discord.http.Route.BASE = config.api_base.rstrip("/")
        if config.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
        options: dict[str, Any] = {"intents": discord.Intents.default(),
                                   "allowed_mentions": discord.AllowedMentions.none(),
                                   "guild_ready_timeout": guild_ready_timeout}
        if config.shard_count:
            options["shard_count"] = config.shard_count
            if config.shard_ids:
                options["shard_ids"] = list(config.shard_ids)
            self.client: discord.Client = discord.AutoShardedClient(**options)
        else:
            self.client = discord.Client(**options)
        self.synced = asyncio.Event()
        self.client.event(self.on_ready)
        self.client.event(self.on_interaction)
        app.attach(self)

    async def start(self, token: str) -> None:
        await self.client.start(token)

    async def close(self) -> None:
        await self.client.close()

    async def on_ready(self) -> None:
        if self.synced.is_set():
            return
        payload = build_payload(self.app.registry)
        app_id = self.client.application_id
        try:
            if self.config.dev_guild_id:
                await self.client.http.bulk_upsert_guild_commands(app_id, self.config.dev_guild_id, payload)
            else:
                await self.client.http.bulk_upsert_global_commands(app_id, payload)
            log.info("synced %d slash commands (%s)", len(payload), "guild" if self.config.dev_guild_id else "global")
        except discord.HTTPException as exc:
            log.error("could not sync slash commands: %s", exc.status)
        self.synced.set()

    # -- inbound -------------------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
        except Exception:
            log.exception("interaction failed")

    def _inbound(self, interaction: discord.Interaction, name: str, args: dict[str, Any]) -> Inbound | None:
        if interaction.guild_id is None:
            return None
        user = interaction.user
        perms = interaction.permissions   # resolved in this channel by Discord, sent with the interaction
        moderator = bool(perms and (perms.manage_guild or perms.manage_channels or perms.administrator))
        channel = interaction.channel
        return Inbound(platform=PLATFORM, community_external_id=str(interaction.guild_id),
                       community_name=getattr(interaction.guild, "name", "") or "",
                       channel_external_id=str(interaction.channel_id),
                       channel_name=getattr(channel, "name", None) or str(interaction.channel_id),
                       member_external_id=str(user.id), member_name=getattr(user, "display_name", user.name),
                       is_moderator=moderator, command=name, arguments=args)

    async def _command(self, interaction: discord.Interaction) -> None:
        name, args, _ = parse_interaction(interaction.data or {})
        inbound = self._inbound(interaction, name, args)
        if inbound is None:
            await interaction.response.send_message("Use me in a server channel; replies there are private to you.",
                                                    ephemeral=True)
            return
        spec = self.app.registry.get(name)
        if spec is not None and spec.confirm and (inbound.is_moderator or spec.permission.value == "member"):
            view = _ConfirmView(self, inbound, interaction.user.id)
            await interaction.response.send_message(spec.confirm, view=view, ephemeral=True,
                                                    allowed_mentions=discord.AllowedMentions.none())
            return
        await self.run_command(interaction, inbound, slow=bool(spec and spec.slow))

    async def run_command(self, interaction: discord.Interaction, inbound: Inbound, slow: bool) -> None:
        if slow and not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        replies = _InteractionReplies(self, interaction)
        await self.app.handle(inbound, reply_via=replies)
        if not replies.answered:
            done = "Done." if interaction.response.is_done() else None
            if interaction.response.is_done():
                await interaction.followup.send(done or "Done.", ephemeral=True)
            else:
                await interaction.response.send_message("Done.", ephemeral=True)

    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        name, args, focused = parse_interaction(interaction.data or {})
        typed = str(args.get(focused) or "").lower()
        spec = self.app.registry.get(name)
        param = next((p for p in spec.params if p.name == focused), None) if spec else None
        suggestions: list[str] = []
        if param is not None and param.type.value == "metric":
            s = self.app.services
            community = await s.community.community(PLATFORM, str(interaction.guild_id))
            suggestions = [m.key for m in await s.catalogue.metrics(community) if m.key.startswith(typed)]
            if name in ("privacy set", "mod rule") and "all".startswith(typed):
                suggestions.insert(0, "all")
        elif param is not None and param.type.value == "timezone":
            suggestions = [z for z in timezone_names() if typed in z.lower()]
        elif focused == "name":
            suggestions = await self._challenge_names(interaction, typed)
        await interaction.response.autocomplete([discord.app_commands.Choice(name=s, value=s) for s in suggestions[:25]])

    async def _challenge_names(self, interaction: discord.Interaction, typed: str) -> list[str]:
        db = self.app.services.db
        if "challenges" not in await db.table_names():
            return []
        rows = await db.fetchall(
            "SELECT c.name FROM challenges c JOIN channels ch ON ch.id=c.channel_id WHERE ch.external_id=? ORDER BY c.name",
            (str(interaction.channel_id),))
        return [r[0] for r in rows if typed in r[0].lower()]

    # -- outbound (Transport) ------------------------------------------------------------------
    async def resolve_channel(self, community_external_id: str, ref: str) -> tuple[str, str]:
        m = re.fullmatch(r"<#(\d+)>|(\d+)|#?([\w-]{1,100})", ref.strip())
        if m is None:
            raise UserError("Pick a channel, e.g. #walkers.")
        guild = self.client.get_guild(int(community_external_id))
        if m.group(1) or m.group(2):
            channel_id = int(m.group(1) or m.group(2))
            channel = guild.get_channel(channel_id) if guild else None
            if guild is not None and channel is None:
                raise UserError("I can't see that channel.")
            return str(channel_id), getattr(channel, "name", str(channel_id))
        channel = discord.utils.get(guild.text_channels, name=m.group(3).lower()) if guild else None
        if channel is None:
            raise UserError(f"There's no channel called #{m.group(3)} here.")
        return str(channel.id), channel.name

    async def _channel(self, target: Target) -> discord.abc.Messageable:
        if target.kind == "member":
            try:
                user = self.client.get_user(int(target.external_id)) or await self.client.fetch_user(int(target.external_id))
            except discord.NotFound as exc:
                raise DeliveryFailed("that member is no longer on Discord") from exc
            return user
        channel = self.client.get_channel(int(target.external_id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(target.external_id))
            except discord.NotFound as exc:
                raise DeliveryFailed("the channel was deleted") from exc
            except discord.Forbidden as exc:
                raise DeliveryFailed("I'm not allowed to see that channel") from exc
        return channel

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        require_delivery(delivery)
        channel = await self._channel(target)
        try:
            message = None
            chunks = _chunks(delivery.text)
            for i, chunk in enumerate(chunks):
                files = _files(delivery) if i == len(chunks) - 1 else []
                message = await channel.send(chunk or None, files=files or None, allowed_mentions=discord.AllowedMentions.none())
        except discord.Forbidden as exc:
            raise DeliveryFailed("I'm missing the permission to send messages or attach files there") from exc
        except discord.NotFound as exc:
            raise DeliveryFailed("the channel was deleted") from exc
        return str(message.id) if message is not None and target.kind == "channel" else None

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> None:
        require_delivery(delivery)
        channel = await self._channel(target)
        files = {} if keep_images else {"attachments": _files(delivery)}   # left out: Discord keeps what it has
        try:
            await channel.get_partial_message(int(message_id)).edit(
                content=_chunks(delivery.text)[0] or None, allowed_mentions=discord.AllowedMentions.none(), **files)
        except discord.NotFound as exc:
            raise DeliveryFailed("the message is gone") from exc
        except discord.Forbidden as exc:
            raise DeliveryFailed("I'm not allowed to edit there any more") from exc

    async def delete(self, target: Target, message_id: str) -> None:
        channel = await self._channel(target)
        try:
            await channel.get_partial_message(int(message_id)).delete()
        except discord.NotFound:
            pass   # already gone: that is what we wanted
        except discord.Forbidden as exc:
            raise DeliveryFailed("I'm not allowed to delete there any more") from exc
