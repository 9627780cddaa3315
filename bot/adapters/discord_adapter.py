"""The Discord adapter: slash commands generated from the specs, ephemeral private replies, posts as
embeds split across as many messages as they need, buttons that survive restarts, and take-back that
edits or deletes every message of a post.

Interactions are read from discord.py's ``on_interaction`` and mapped to the same command names and
arguments the console uses; every answer comes back through the runtime (and so the privacy gate).
Outgoing text goes through :func:`bot.command_refs.render_refs`, so hints show the slash form.
Mentions are disabled for everything the bot sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import re
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import aiohttp
import discord
import yarl
from discord.utils import MISSING  # what send() makes of None (the annotations only allow the sequences)

from bot.adapters.base import DeliveryFailed, Inbound, Target, require_delivery
from bot.adapters.discord_commands import attachment_option, build_payload, commands_differ, parse_interaction
from bot.adapters.discord_components import PAGE, ButtonRef, Prompts, buttons, encode, offered
from bot.adapters.discord_layout import EMBED_KINDS, MessagePlan, alt_text, pages, plan, text_chunks
from bot.adapters.discord_pacing import Pacer
from bot.adapters.uploads import kept_while, refuse_size
from bot.command_refs import SLASH, render_refs
from bot.commands import CommandSpec
from bot.config import DiscordConfig
from bot.gate import Attachment, Delivery
from bot.imports.detect import MAX_FILE_BYTES
from bot.imports.records import FileRefused, Upload
from bot.suggestions import suggestions
from bot.vocabulary import i18n
from bot.vocabulary.errors import UserError
from bot.vocabulary.handles import join_message_ids, split_message_ids
from bot.vocabulary.i18n import N_, _
from storage.platform_state import PlatformState

log = logging.getLogger(__name__)
PLATFORM = "discord"
NO_MENTIONS = discord.AllowedMentions.none()
# Looking for a post a crashed process may have sent (find_sent): from this long before it was asked
# (the platform's clock may differ from ours), through at most this many messages of the channel.
FIND_SLACK = timedelta(seconds=60)
FIND_LIMIT = 500
# A member's attachment (`/import`) is fetched from Discord's CDN in pieces of this size, within this time.
DOWNLOAD_CHUNK = 64 * 1024
DOWNLOAD_SECONDS = 600


#: Posts that carry a member's own words (`share`): a link in them is not previewed, so the bot's post
#: never unfurls a picture or page a member linked (the link itself stays, as words).
OWN_WORDS_KINDS = frozenset({"share"})


def _quiet_links(delivery: Delivery) -> bool:
    return delivery.kind in OWN_WORDS_KINDS


def _declared_size(attachment: Mapping[str, Any]) -> int | None:
    size = attachment.get("size")
    return int(size) if isinstance(size, (int, float)) or (isinstance(size, str) and size.isdigit()) else None


def _files(attachments: tuple[Attachment, ...]) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.data), filename=a.filename, description=alt_text(a)) for a in attachments]


def _embeds(message: MessagePlan) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e) for e in message.embeds]


def _words_hash(content: str, embeds: list[dict[str, Any]]) -> str:
    """What identifies one message the bot sent: a hash of its words (content and every embed's text,
    not its images, whose URLs Discord rewrites). It holds no data, only a digest."""
    parts = [content.strip()]
    for e in embeds:
        parts += [str(e.get("title") or "").strip(), str(e.get("description") or "").strip(),
                  str((e.get("footer") or {}).get("text") or "").strip(), str((e.get("author") or {}).get("name") or "").strip()]
        parts += [f"{f.get('name', '')}\x1f{f.get('value', '')}".strip() for f in e.get("fields") or []]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:24]


@runtime_checkable
class _HoldsMessages(Protocol):
    """A channel whose messages can be addressed by id (text channels, threads, DMs)."""

    def get_partial_message(self, message_id: int, /) -> discord.PartialMessage: ...


class _InteractionReplies:
    """The transport for one interaction: private deliveries become ephemeral responses or followups
    (a long list from a re-runnable command becomes pages with Previous/Next), channel deliveries
    are posted to the channel by the adapter."""

    platform = PLATFORM

    def __init__(self, adapter: DiscordAdapter, interaction: discord.Interaction, inbound: Inbound,
                 spec: CommandSpec | None, page: int | None = None):
        self.adapter = adapter
        self.interaction = interaction
        self.inbound = inbound
        self.spec = spec
        self.page = page            # set when a Previous/Next press asks for one page of the answer
        self.answered = False
        self.posted_in: list[str] = []
        # A long command's progress is the response itself, edited in place; the answer then replaces
        # it. The lock keeps a late progress line (sent from a reading thread) from landing after it.
        self.progressed = False
        self._private = asyncio.Lock()

    async def progress(self, target: Target, delivery: Delivery) -> None:
        """How the command is getting on (an import): the deferred ephemeral response, edited."""
        require_delivery(delivery)
        async with self._private:
            if self.answered:
                return   # the answer is out: a progress line now would only hide it
            try:
                if not self.interaction.response.is_done():
                    await self.interaction.response.defer(ephemeral=True, thinking=True)
                await self.interaction.edit_original_response(content=text_chunks(self.adapter.render(delivery.text))[0],
                                                              allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as exc:
                raise DeliveryFailed(N_("Discord refused the message ({code})"), code=exc.status) from exc
            self.progressed = True

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        require_delivery(delivery)
        if target.kind == "channel":
            handle = await self.adapter.send(target, delivery)
            first_line = self.adapter.render(delivery.text).strip().split("\n", 1)[0]
            self.posted_in.append(f"#{target.name}" + (f": {first_line[:300]}" if first_line else ""))
            return handle
        async with self._private:
            return await self._send_private(target, delivery)

    async def _send_private(self, target: Target, delivery: Delivery) -> str | None:
        text = self.adapter.render(delivery.text)
        if not self.answered and self.spec is not None and self.spec.lists and not delivery.attachments:
            if await self._send_pages(text):
                return None
        chunks = text_chunks(text)
        # Buttons a private answer offers (a milestone's Share it / No, thanks) go on its last message;
        # each carries the command it runs and what it acts on (bot.adapters.discord_components).
        view = (offered(delivery.shown.buttons, self.interaction.user.id, target.community_external_id)
                if delivery.shown.buttons and target.community_external_id else None)
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await self._respond(chunk, files=_files(delivery.attachments) if last else [], view=view if last else None)
        self.answered = True
        return None

    async def _send_pages(self, text: str) -> bool:
        all_pages = pages(text)
        if len(all_pages) == 1 and self.page is None:
            return False
        number = min(max(self.page or 1, 1), len(all_pages))
        spec = self.spec
        assert spec is not None  # only a listing command's reply is paged (see send)
        ref = lambda n: encode(ButtonRef(PAGE, self.interaction.user.id, n, spec.name,
                                         {k: str(v) for k, v in (self.inbound.arguments or {}).items() if v is not None}))
        previous, following = ref(number - 1), ref(number + 1)
        if previous is None or following is None:
            return False   # arguments too long for a button: fall back to several messages
        view = buttons(("Previous", previous, discord.ButtonStyle.secondary, number == 1),
                       ("Next", following, discord.ButtonStyle.secondary, number == len(all_pages)))
        if self.page is not None:
            await self.interaction.response.edit_message(content=all_pages[number - 1], view=view)
        else:
            await self._respond(all_pages[number - 1], view=view)
        self.answered = True
        return True

    async def _respond(self, content: str, files: list[discord.File] | None = None, view: discord.ui.View | None = None) -> None:
        kwargs: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NO_MENTIONS}
        if files:
            kwargs["files"] = files
        if view is not None:
            kwargs["view"] = view
        if self.progressed:   # the progress message becomes the answer's first message
            self.progressed = False
            await self.interaction.edit_original_response(content=content or "\u200b", attachments=files or [],
                                                          view=view, allowed_mentions=NO_MENTIONS)
        elif not self.interaction.response.is_done():
            await self.interaction.response.send_message(content or None, **kwargs)
        else:
            await self.interaction.followup.send(content or "\u200b", **kwargs)

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> str | None:
        return await self.adapter.edit(target, message_id, delivery, keep_images=keep_images)

    async def delete(self, target: Target, message_id: str) -> None:
        await self.adapter.delete(target, message_id)


class DiscordAdapter:
    platform = PLATFORM

    def __init__(self, app, config: DiscordConfig, *, guild_ready_timeout: float = 2.0, pacer: Pacer | None = None,
                 upload_dir: str | None = None):
        self.app = app
        self.config = config
        # A member's file (`/import`) waits in a private directory made here (default: the system's
        # temporary directory) only while its command runs; the most the bot fetches of one file.
        self.upload_dir = upload_dir
        self.max_upload_bytes = MAX_FILE_BYTES
        self.prompts = Prompts(self, PlatformState(app.services.db))
        if config.api_base:
            discord.http.Route.BASE = config.api_base.rstrip("/")
        if config.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
        # The bot never joins voice: don't let discord.py warn at every start that voice is unsupported.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        # Every REST request is paced to the global limit (this process's share of it) and to the
        # per-channel message creation limit, so Discord has nothing to refuse (bot.adapters.discord_pacing).
        self.pacer = pacer or Pacer(config.global_rate, config.processes())
        options: dict[str, Any] = {"intents": discord.Intents.default(), "allowed_mentions": NO_MENTIONS,
                                   "guild_ready_timeout": guild_ready_timeout, "http_trace": self.pacer.trace_config()}
        if config.shard_count:
            options["shard_count"] = config.shard_count
            if config.shard_ids:
                options["shard_ids"] = list(config.shard_ids)
            self.client: discord.Client = discord.AutoShardedClient(**options)
        else:
            self.client = discord.Client(**options)
        self.synced = asyncio.Event()
        self._started = False
        self.client.event(self.on_ready)
        self.client.event(self.on_interaction)
        app.attach(self)

    async def start(self, token: str) -> None:
        self._started = True
        await self.client.start(token)

    async def _connected(self) -> None:
        """Output waits until the client is logged in and ready: at start, the scheduler's catch-up
        (a check-in retaken after a crash) runs while the client is still logging in."""
        if self._started and not self.synced.is_set():
            await self.synced.wait()

    async def close(self) -> None:
        await self.client.close()

    def render(self, text: str) -> str:
        return render_refs(self.app.registry, text, SLASH)

    # -- command sync ----------------------------------------------------------------------------
    @property
    def syncs_commands(self) -> bool:
        """One process syncs the command tree: the one running shard 0 (or the only one)."""
        return not self.config.shard_ids or 0 in self.config.shard_ids

    async def on_ready(self) -> None:
        if self.synced.is_set():
            return
        try:
            if self.syncs_commands:
                await self.sync_commands()
        finally:
            self.synced.set()

    async def sync_commands(self) -> bool:
        """Overwrite Discord's commands only when they differ from the specs; True when it did."""
        payload = build_payload(self.app.registry)
        app_id = self.client.application_id
        assert app_id is not None  # known once logged in; commands are synced from on_ready
        http, guild = self.client.http, self.config.dev_guild_id
        where = "guild" if guild else "global"
        try:
            # With their localisations (Discord leaves them out unless asked), to compare with ours.
            route = (discord.http.Route("GET", "/applications/{application_id}/guilds/{guild_id}/commands",
                                        application_id=app_id, guild_id=guild) if guild else
                     discord.http.Route("GET", "/applications/{application_id}/commands", application_id=app_id))
            current = await http.request(route, params={"with_localizations": "true"})
            if not commands_differ(payload, current):
                log.info("slash commands (%s) are up to date", where)
                return False
            if guild:
                await http.bulk_upsert_guild_commands(app_id, guild, payload)
            else:
                await http.bulk_upsert_global_commands(app_id, payload)
            log.info("synced %d slash commands (%s)", len(payload), where)
            return True
        except discord.HTTPException as exc:
            log.error("could not sync slash commands: %s", exc.status)
            return False

    # -- inbound -------------------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # What the adapter says itself (prompts, "posted in") is in the member's client language; the
        # runtime answers commands in the member's chosen language, which comes first (bot.vocabulary.i18n).
        locale = i18n.normalize(str(getattr(interaction.locale, "value", interaction.locale) or ""))
        with i18n.using(locale or await self._community_language(interaction)):
            await self._on_interaction(interaction)

    async def _community_language(self, interaction: discord.Interaction) -> str:
        s = self.app.services
        if interaction.guild_id is None:
            return i18n.normalize(s.config.language) or i18n.SOURCE
        return await s.languages.for_community(await s.community.community(PLATFORM, str(interaction.guild_id)))

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction)
            elif interaction.type is discord.InteractionType.component:
                await self.prompts.press(interaction)
        except Exception:
            log.exception("interaction failed")

    def inbound(self, interaction: discord.Interaction, name: str, args: dict[str, Any]) -> Inbound | None:
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
                       is_moderator=moderator, command=name, arguments=args,
                       locale=str(getattr(interaction.locale, "value", interaction.locale) or "") or None)

    async def _command(self, interaction: discord.Interaction) -> None:
        name, args, _focused = parse_interaction(interaction.data or {})   # (`_` is the translation function)
        inbound = self.inbound(interaction, name, args)
        if inbound is None:
            await interaction.response.send_message(_("Use me in a server channel; replies there "
                                                      "are private to you."),
                                                    ephemeral=True)
            return
        spec = self.app.registry.get(name)
        if spec is not None and spec.confirm and spec.permission.allows(inbound.is_moderator, self.app.services.config):
            await self.prompts.ask(interaction, spec, args)
            return
        given = attachment_option(spec, args, interaction.data or {}) if spec is not None else None
        if spec is not None and given is not None:
            await self._run_with_file(interaction, inbound, spec, *given)
            return
        await self.run_command(interaction, inbound, spec)

    async def _run_with_file(self, interaction: discord.Interaction, inbound: Inbound, spec: CommandSpec,
                             param: str, attachment: Mapping[str, Any]) -> None:
        """A command given a file (`/import`): refused by its declared size before anything is fetched,
        else fetched into a private temporary file for the command, and deleted once it has answered."""
        inbound.arguments = {k: v for k, v in (inbound.arguments or {}).items() if k != param}
        url = str(attachment.get("url") or "")
        try:
            refuse_size(_declared_size(attachment), self.max_upload_bytes)
            if not url.startswith(("https://", "http://")):
                raise FileRefused(_("I couldn't fetch that attachment from Discord; please attach it again. "
                                    "Nothing was stored."))
        except FileRefused as exc:
            log.info("an attachment was refused before download")   # never its name
            await interaction.response.send_message(exc.reason, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with contextlib.AsyncExitStack() as kept:
            try:
                inbound.upload = await kept.enter_async_context(self._downloaded(url, str(attachment.get("filename") or "")))
            except FileRefused as exc:
                log.info("an attachment was refused while it was fetched")
                await interaction.followup.send(exc.reason, ephemeral=True, allowed_mentions=NO_MENTIONS)
                return
            await self.run_command(interaction, inbound, spec)

    @contextlib.asynccontextmanager
    async def _downloaded(self, url: str, name: str) -> AsyncIterator[Upload]:
        """The attachment's bytes from Discord's CDN into a temporary file (bot.adapters.uploads), at
        most ``max_upload_bytes`` of them whatever Discord declared; the file is gone after the block."""
        async with contextlib.AsyncExitStack() as files:
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)) as session, \
                        session.get(url) as response:
                    if response.status != 200:
                        raise FileRefused(_("I couldn't fetch that attachment from Discord; please attach it again. "
                                            "Nothing was stored."))
                    refuse_size(response.content_length, self.max_upload_bytes)
                    upload = await files.enter_async_context(kept_while(
                        response.content.iter_chunked(DOWNLOAD_CHUNK), name, self.max_upload_bytes, self.upload_dir))
            except (TimeoutError, aiohttp.ClientError):
                raise FileRefused(_("I couldn't fetch that attachment from Discord; please attach it again. "
                                    "Nothing was stored.")) from None
            yield upload

    async def run_command(self, interaction: discord.Interaction, inbound: Inbound, spec: CommandSpec | None,
                          page: int | None = None) -> None:
        if spec is not None and spec.slow and not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)
        replies = _InteractionReplies(self, interaction, inbound, spec, page)
        await self.app.handle(inbound, reply_via=replies)
        if not replies.answered:
            # Every interaction needs an answer; say what happened and where.
            text = ("\n".join(_("Posted in {where}", where=where) for where in dict.fromkeys(replies.posted_in))
                    if replies.posted_in else _("Done; there was nothing to show."))
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    # -- autocomplete ----------------------------------------------------------------------------
    async def _autocomplete(self, interaction: discord.Interaction) -> None:
        name, args, focused = parse_interaction(interaction.data or {})
        spec = self.app.registry.get(name)
        param = next((p for p in spec.params if p.name == focused), None) if spec else None
        choices = []
        if param is not None:
            community = await self.app.services.community.community(PLATFORM, str(interaction.guild_id))
            choices = await suggestions(self.app.services, param, community, str(interaction.channel_id),
                                        str(args.get(param.name) or ""))   # param.name is the focused option
        await interaction.response.autocomplete([discord.app_commands.Choice(name=label[:100], value=value)
                                                 for label, value in choices[:25]])

    # -- outbound (Transport) ------------------------------------------------------------------
    async def resolve_channel(self, community_external_id: str, ref: str) -> tuple[str, str]:
        m = re.fullmatch(r"<#(\d+)>|(\d+)|#?([\w-]{1,100})", ref.strip())
        if m is None:
            raise UserError(_("Pick a channel, e.g. #walkers."))
        guild = self.client.get_guild(int(community_external_id))
        if m.group(1) or m.group(2):
            channel_id = int(m.group(1) or m.group(2))
            channel = guild.get_channel(channel_id) if guild else None
            if guild is not None and channel is None:
                raise UserError(_("I can't see that channel."))
            return str(channel_id), getattr(channel, "name", str(channel_id))
        channel = discord.utils.get(guild.text_channels, name=m.group(3).lower()) if guild else None
        if channel is None:
            raise UserError(_("There's no channel called #{channel} here.", channel=m.group(3)))
        return str(channel.id), channel.name

    def resolve_member(self, ref: str) -> str | None:
        """A member picked in the user option (<@id>), a mention, or a user id."""
        m = re.fullmatch(r"<@!?(\d{1,20})>|(\d{1,20})", ref.strip())
        return (m.group(1) or m.group(2)) if m else None

    def serves(self, channel_external_id: str) -> bool:
        """Whether the channel is in this process's gateway cache (its guild is on one of our shards),
        so a post there needs no request to find it first (bot.scheduler runs those first)."""
        return channel_external_id.isdigit() and self.client.get_channel(int(channel_external_id)) is not None

    async def _channel(self, target: Target) -> discord.abc.Messageable:
        if target.kind == "member":
            try:
                # The DM channel itself (not the user): its messages can be edited and deleted later. Opened
                # from the id alone (one request, none once known): fetching the user first would cost a
                # request a member at a peak, where every request counts against the global limit.
                return await self.client.create_dm(discord.Object(int(target.external_id)))
            except discord.NotFound as exc:
                raise DeliveryFailed(N_("that member is no longer on Discord")) from exc
            except discord.Forbidden as exc:
                raise DeliveryFailed(N_("that member doesn't take direct messages from me")) from exc
        channel = self.client.get_channel(int(target.external_id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(target.external_id))
            except discord.NotFound as exc:
                raise DeliveryFailed(N_("the channel was deleted")) from exc
            except discord.Forbidden as exc:
                raise DeliveryFailed(N_("I'm not allowed to see that channel")) from exc
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryFailed(N_("that channel can't hold messages"))
        return channel

    def _plan(self, target: Target, delivery: Delivery) -> list[MessagePlan]:
        return plan(self.render(delivery.text), delivery.attachments,
                    as_embeds=target.kind == "channel" and delivery.kind in EMBED_KINDS)

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        """Posts every message of the delivery; returns the handle with all their ids. If a later
        message is refused, the ones already posted are deleted again: a post is all or nothing, so
        nothing the ledger does not know about stays in the channel."""
        require_delivery(delivery)
        await self._connected()
        channel = await self._channel(target)
        sent: list[discord.Message] = []
        plans = self._plan(target, delivery)
        # Buttons a direct message offers (an invite's Accept / Decline) go on its last message.
        view = (offered(delivery.shown.buttons, int(target.external_id), target.community_external_id)
                if target.kind == "member" and delivery.shown.buttons else None)
        try:
            for i, message in enumerate(plans):
                last_view = view if view is not None and i == len(plans) - 1 else MISSING
                sent.append(await channel.send(message.content or None, embeds=_embeds(message) or MISSING,
                                               files=_files(message.attachments) or MISSING, allowed_mentions=NO_MENTIONS,
                                               view=last_view, suppress_embeds=_quiet_links(delivery)))
        except (discord.Forbidden, discord.NotFound) as exc:
            for posted in sent:
                try:
                    await posted.delete()
                except discord.HTTPException:
                    log.warning("could not remove part of a post that failed")
            if isinstance(exc, discord.NotFound):
                raise DeliveryFailed(N_("the channel was deleted")) from exc
            raise DeliveryFailed(N_("I'm missing the permission to send messages or attach files "
                                   "there")) from exc
        # A direct message kept in the ledger (a partner's summary) returns its ids too, for take-back.
        return join_message_ids(m.id for m in sent) if target.kind == "channel" or delivery.kept_private else None

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> str | None:
        """Re-lays the post out and edits each of its messages; messages it no longer needs are
        deleted, and one that is already gone is skipped. Returns the post's new handle. With
        ``keep_images`` the attachments are left out of the edit, so Discord keeps what it shows."""
        require_delivery(delivery)
        await self._connected()
        channel = await self._channel(target)
        if not isinstance(channel, _HoldsMessages):
            raise DeliveryFailed(N_("I can't edit messages there"))
        old = list(split_message_ids(message_id))
        kept: list[str] = []
        plans = self._plan(target, delivery)
        try:
            for i, message in enumerate(plans):
                if i < len(old):
                    try:
                        # MISSING (keep_images): the edit leaves the attachments as they are
                        files = MISSING if keep_images else _files(message.attachments)
                        await channel.get_partial_message(int(old[i])).edit(
                            content=message.content or None, embeds=_embeds(message), allowed_mentions=NO_MENTIONS, attachments=files)
                        kept.append(old[i])
                    except discord.NotFound:
                        continue   # removed by someone else: nothing of it is shown any more
                else:
                    sent = await channel.send(message.content or None, embeds=_embeds(message) or MISSING,
                                              files=_files(message.attachments) or MISSING, allowed_mentions=NO_MENTIONS,
                                              suppress_embeds=_quiet_links(delivery))
                    kept.append(str(sent.id))
            for surplus in old[len(plans):]:
                await self._delete_one(channel, surplus)
        except discord.Forbidden as exc:
            raise DeliveryFailed(N_("I'm not allowed to edit there any more")) from exc
        if not kept:
            raise DeliveryFailed(N_("the messages are gone"))
        return join_message_ids(kept)

    def fingerprint(self, target: Target, delivery: Delivery) -> str:
        """How :meth:`find_sent` recognises this delivery's messages later: one hash per message, in order."""
        return ",".join(_words_hash(m.content, m.embeds) for m in self._plan(target, delivery))

    async def find_sent(self, target: Target, fingerprint: str, since: datetime) -> str | None:
        """The handle of a post a crashed process sent (asked for at ``since``), read back from the
        channel's history: the bot's own messages (not interaction answers) whose words match, in order.
        A post found only in part is deleted (a post is all or nothing) and None returned, as when there
        is no trace of it; then it is sent afresh. The messages' nonce can't serve: Discord keeps it only
        for a few minutes, and never returns it when messages are read."""
        await self._connected()
        channel = await self._channel(target)
        wanted = fingerprint.split(",")
        me = self.client.user.id if self.client.user else self.client.application_id
        after = discord.Object(id=discord.utils.time_snowflake(since - FIND_SLACK))
        found: list[discord.Message] = []
        try:
            async for m in channel.history(limit=FIND_LIMIT, after=after, oldest_first=True):
                if m.author.id != me or m.webhook_id is not None or m.interaction_metadata is not None:
                    continue
                embeds: list[dict[str, Any]] = [dict(e.to_dict()) for e in m.embeds]
                if _words_hash(m.content, embeds) == wanted[len(found)]:
                    found.append(m)
                    if len(found) == len(wanted):
                        return join_message_ids(str(f.id) for f in found)
        except discord.HTTPException as exc:
            log.warning("could not read the channel's history to look for a post (%s)", exc.status)
            return None
        for part in found:
            await self._delete_one(channel, str(part.id))
        return None

    async def delete(self, target: Target, message_id: str) -> None:
        await self._connected()
        channel = await self._channel(target)
        refused = 0
        for one in split_message_ids(message_id):
            try:
                await self._delete_one(channel, one)
            except discord.Forbidden:
                refused += 1   # keep going: every other message of the post must still go
        if refused:
            raise DeliveryFailed(N_("I'm not allowed to delete there any more"))

    @staticmethod
    async def _delete_one(channel, message_id: str) -> None:
        try:
            await channel.get_partial_message(int(message_id)).delete()
        except discord.NotFound:
            pass   # already gone: that is what we wanted
