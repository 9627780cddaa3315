"""The Matrix adapter: `!pp` text commands (no prefix needed in the bot's direct room), HTML replies,
images with alt text, private replies in a direct room, power levels for moderators.

A room is the channel; the room's parent space (``m.space.parent``), or else the room itself, is the
community. No command is lost or answered twice: the sync has a timeline limit and the gaps it leaves
are read back (``matrix_sync``); the sync token is saved only after a whole sync was handled, and each
event is claimed in the database before it is answered, so restarts, kills and homeserver restarts
replay without answering twice. A command interrupted by a kill is named to its member at the next start.

Matrix keeps an edited event's original readable, so posts are never edited: taking back redacts and
re-posts. A value typed in a room is redacted and the member told privately.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    InviteMemberEvent,
    JoinError,
    LoginError,
    MegolmEvent,
    RoomCreateError,
    RoomEncryptedFile,
    RoomGetStateError,
    RoomMessageFile,
    RoomMessagesError,
    RoomMessageText,
    SyncError,
    WhoamiError,
)
from nio.api import RoomPreset

from bot.adapters.base import DeliveryFailed, Inbound, Target, require_delivery
from bot.adapters.matrix_e2ee import Encryption, encryption_installed
from bot.adapters.matrix_files import declared_size, file_name, member_file
from bot.adapters.matrix_send import RoomSender, one_file, permalink, text_content
from bot.adapters.matrix_sync import new_room_events, sync_filter
from bot.adapters.uploads import kept_while, refuse_size
from bot.command_refs import prefixed, render_refs
from bot.commands import CommandSpec, ParamType, tokenize
from bot.config import ConfigError, MatrixConfig
from bot.gate import Delivery
from bot.imports.detect import MAX_FILE_BYTES, looks_like_export
from bot.imports.records import FileRefused
from bot.vocabulary import i18n
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.reply import Destination, Reply
from storage.platform_state import PlatformState

log = logging.getLogger(__name__)
PLATFORM = "matrix"
SPACE_CACHE_SECONDS = 600
INFLIGHT = "matrix:inflight:"
ANSWERS_KEY = "org.peerpulse.answers"
REFUSALS = {"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_FORBIDDEN", "M_USER_DEACTIVATED", "M_INVALID_USERNAME"}   # on a private answer: the command event it answers

_answering: contextvars.ContextVar[str | None] = contextvars.ContextVar("matrix_answering", default=None)


class MatrixStartupError(ConfigError):
    """The bot cannot start on Matrix: names the homeserver URL or the variable, and the cause."""


class MatrixAdapter:
    platform = PLATFORM

    def __init__(self, app, config: MatrixConfig, *, sync_timeout_ms: int = 30_000, max_backoff: float = 60.0):
        self.app = app
        self.config = config
        self.state = PlatformState(app.services.db)
        e2ee = config.encryption and encryption_installed()
        # max_timeouts=0: nio raises at once instead of retrying forever; the loops below retry and say why.
        self.client = AsyncClient(config.homeserver, config.user_id, device_id=config.device_id,
                                  store_path=config.store_dir if e2ee else "",
                                  config=AsyncClientConfig(store_sync_tokens=False, encryption_enabled=e2ee,
                                                           max_timeouts=0, request_timeout=sync_timeout_ms / 1000 + 30))
        self.e2ee = Encryption(self.client, self.state, e2ee, config.store_dir)
        self.sender = RoomSender(self.client, max_backoff)
        self.sync_timeout_ms = sync_timeout_ms
        self.max_backoff = max_backoff
        self._spaces: dict[str, tuple[float, tuple[str, str | None]]] = {}
        self._dm_lock = asyncio.Lock()
        self.ready = asyncio.Event()
        # A member's file (an import) waits in a private directory made here (default: the system's
        # temporary directory) only while its command runs; the most the bot fetches of one file.
        self.upload_dir: str | None = None
        self.max_upload_bytes = MAX_FILE_BYTES
        # The progress notice of each command being answered (its event id, by the command's event id):
        # edited in place while the command runs; a line that arrives after the answer is dropped.
        self._progress: dict[str, str | None] = {}
        app.attach(self)

    # -- lifecycle -----------------------------------------------------------------------------
    async def login(self) -> None:
        """Log in and prove the homeserver answers, with bounded retries; fails with one clear line."""
        token = self.config.access_token()
        password = None if token else self.config.password()
        if not token and not password:
            raise MatrixStartupError(f"set the environment variable {self.config.access_token_env} (an access token) "
                                     f"or {self.config.password_env} (the bot account's password) for the Matrix login")
        url = self.config.homeserver
        for attempt in range(max(1, self.config.startup_attempts)):
            try:
                if token:
                    response = await self._whoami(token)
                else:
                    response = await self.client.login(password=password, device_name="peerpulse")
            except MatrixStartupError:
                raise
            except Exception as exc:   # connection refused, DNS, TLS, timeout
                problem = f"cannot reach the Matrix homeserver {url}: {_cause(exc, token or password or '')}"  # i18n: operator
            else:
                if not isinstance(response, (WhoamiError, LoginError)):
                    await self.e2ee.after_login()
                    return
                if response.status_code in REFUSALS:
                    what = (f"the access token in {self.config.access_token_env}" if token  # i18n: operator
                            else f"the password in {self.config.password_env}")
                    raise MatrixStartupError(f"the Matrix homeserver {url} refused {what} "
                                             f"({response.status_code}: {response.message})")
                problem = f"the Matrix homeserver {url} answered with an error ({response.status_code}: {response.message})"  # i18n: operator
            if attempt + 1 >= self.config.startup_attempts:
                raise MatrixStartupError(f"{problem} (tried {self.config.startup_attempts} times)")
            wait = min(2 ** attempt, self.max_backoff)
            log.warning("%s; retrying in %.0fs", problem, wait)
            await asyncio.sleep(wait)

    async def _whoami(self, token: str):
        self.client.access_token = token
        self.client.user_id = self.config.user_id
        response = await self.client.whoami()
        if not isinstance(response, WhoamiError):
            if response.user_id != self.config.user_id:
                raise MatrixStartupError(f"the token in {self.config.access_token_env} belongs to {response.user_id}, "
                                         f"not to the configured user_id {self.config.user_id}")
            if self.e2ee.enabled and response.device_id:
                self.client.restore_login(response.user_id, response.device_id, token)
        return response

    async def run(self) -> None:
        try:
            await self.login()
            await self.sync_loop()
        finally:
            await self.client.close()

    async def sync_loop(self, stop: asyncio.Event | None = None) -> None:
        since = await self.state.get("matrix:next_batch")
        backoff = 1.0
        recovered = False
        sync_filter_ = sync_filter(self.config.sync_timeline_limit)
        while stop is None or not stop.is_set():
            try:
                # The first sync of a process carries the full room state (names, members, power levels):
                # a restarted client knows nothing of its rooms otherwise.
                response = await self.client.sync(timeout=self.sync_timeout_ms if since and recovered else 0,
                                                  since=since, full_state=not recovered, sync_filter=sync_filter_)
                if isinstance(response, SyncError) and response.status_code == "M_UNKNOWN_TOKEN":
                    raise MatrixStartupError(f"the Matrix homeserver {self.config.homeserver} no longer accepts the "
                                             f"access token in {self.config.access_token_env} (M_UNKNOWN_TOKEN)")
                if isinstance(response, SyncError):
                    wait = (getattr(response, "retry_after_ms", None) or 0) / 1000 or backoff
                    log.warning("Matrix sync error %s from %s; retrying in %.0fs", response.status_code,
                                self.config.homeserver, wait)
                    await asyncio.sleep(wait)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                await self.e2ee.after_sync()
                if not recovered:
                    await self._tell_interrupted()
                    recovered = True
                if since is None:
                    await self._accept_invites(response)   # first start: everything before now is history
                else:
                    await self._process(response, since)
            except (asyncio.CancelledError, MatrixStartupError):
                raise
            except Exception as exc:   # the homeserver is down, restarting or unreachable
                log.warning("Matrix sync with %s failed (%s); retrying in %.0fs", self.config.homeserver,
                            _cause(exc, self.client.access_token or ""), backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 1.0
            since = response.next_batch
            await self.state.set("matrix:next_batch", since)
            self.ready.set()

    async def _accept_invites(self, response) -> None:
        for room_id, info in response.rooms.invite.items():
            invite = next((e for e in info.invite_state if isinstance(e, InviteMemberEvent)
                           and e.state_key == self.client.user_id), None)
            if invite is None or not self._allowed(invite.sender):
                log.info("ignored an invite from a user not on the allowed list")
                continue
            result = await self.client.join(room_id)
            if isinstance(result, JoinError):
                log.warning("could not join a room: %s", result.status_code)
            elif invite.content.get("is_direct"):
                await self._adopt_direct_room(room_id, invite.sender)

    async def _adopt_direct_room(self, room_id: str, member: str) -> None:
        """A member who starts a direct chat with the bot (Element's "Start chat") gets the same private
        room as one the bot opens: commands without prefix, private answers there."""
        await self.state.set(f"matrix:dm-room:{room_id}", member)
        if not await self.state.get(f"matrix:dm:{member}"):
            await self.state.set(f"matrix:dm:{member}", room_id)

    def _allowed(self, user_id: str) -> bool:
        allowed = self.config.allowed_inviters
        return not allowed or any(user_id == a or (a.startswith(":") and user_id.endswith(a)) for a in allowed)

    async def _process(self, response, since: str) -> None:
        await self._accept_invites(response)
        for room_id, info in response.rooms.join.items():
            events = await new_room_events(self.client, room_id, info.timeline, since,
                                           page_size=self.config.gap_page_size, max_pages=self.config.gap_max_pages)
            for event in events:
                if getattr(event, "sender", None) == self.client.user_id:
                    continue
                if isinstance(event, RoomMessageText):
                    await self._on_message(room_id, event)
                elif isinstance(event, (RoomMessageFile, RoomEncryptedFile)):
                    await self._on_file(room_id, event)
                elif isinstance(event, MegolmEvent):
                    await self._on_unreadable(room_id, event)

    # -- inbound -------------------------------------------------------------------------------
    async def _on_message(self, room_id: str, event: RoomMessageText) -> None:
        if (event.source.get("content", {}).get("m.relates_to") or {}).get("rel_type") == "m.replace":
            return   # an edit of an earlier command is not a new command
        dm_owner = await self.state.get(f"matrix:dm-room:{room_id}")
        in_dm = dm_owner == event.sender
        text = _command_text(event.body or "", self.config.prefix, in_dm)
        if text is None:
            return
        if in_dm:
            community = await self.state.get(f"matrix:dm-community:{room_id}") or room_id
        else:
            community = await self._community(room_id)
        sent_at = datetime.fromtimestamp(event.server_timestamp / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        marker = json.dumps({"room": room_id, "sender": event.sender, "community": community,
                             "command": _command_name(self.app.registry, text), "sent_at": sent_at})
        if not await self.state.claim_event(event.event_id, self.app.services.clock.now(),
                                            in_flight=(INFLIGHT + event.event_id, marker)):
            return
        try:
            await self._answer(room_id, event, text, in_dm, community)
        finally:
            await self.state.delete(INFLIGHT + event.event_id)

    async def _answer(self, room_id: str, event: RoomMessageText, text: str, in_dm: bool, community: str) -> None:
        room = self.client.rooms.get(room_id)
        if in_dm:
            channel_id, channel_name = None, ""
        else:
            channel_id, channel_name = room_id, (room.display_name if room else room_id)
        level = room.power_levels.get_user_level(event.sender) if room else 0
        if channel_id is not None and event.sender == (await self._room_info(room_id))[1]:
            level = max(level, 100)   # room version 12: the creator is all-powerful but not listed in power levels
        name = room.user_name(event.sender) if room else None
        try:
            if channel_id is not None and _carries_value(self.app.registry, text):
                await self._take_value_out_of_room(room_id, event, community, channel_name)
            elif channel_id is not None and _carries_own_words(self.app.registry, text):
                await self._take_words_out_of_room(room_id, event, community, channel_name)
            inbound = Inbound(platform=PLATFORM, community_external_id=community, community_name="",
                              channel_external_id=channel_id, channel_name=channel_name,
                              member_external_id=event.sender,
                              member_name=name or event.sender.split(":")[0].lstrip("@"),
                              is_moderator=channel_id is not None and level >= self.config.moderator_power_level,
                              text=text)
            await self._handle(event.event_id, inbound)
        except Exception:
            log.exception("a Matrix command failed")

    async def _handle(self, event_id: str, inbound: Inbound) -> None:
        token = _answering.set(event_id)   # the command's own answers carry its event id
        self._progress[event_id] = None
        try:
            await self.app.handle(inbound)
        finally:
            self._progress.pop(event_id, None)
            _answering.reset(token)

    # -- files ---------------------------------------------------------------------------------
    async def _on_file(self, room_id: str, event: RoomMessageFile | RoomEncryptedFile) -> None:
        """A file sent in the member's private room is the command that takes a file (`import`) with
        that file. One sent in a shared room is never imported; when it is an export the bot reads (its
        first bytes say so: :func:`bot.imports.detect.looks_like_export`), it holds the member's health
        data, so it is redacted like a value typed there (DESIGN 2.2) and the member told to send it
        privately. Any other file (a flyer, a photo) is the room's business and left alone."""
        content = event.source.get("content") or {}
        spec = _file_command(self.app.registry)
        if spec is None or (content.get("m.relates_to") or {}).get("rel_type") == "m.replace":
            return
        if await self.state.get(f"matrix:dm-room:{room_id}") != event.sender:
            community = await self._community(room_id)
            if (await self.state.claim_event(event.event_id, self.app.services.clock.now())
                    and await self._is_an_export(event, content)):
                room = self.client.rooms.get(room_id)
                await self._take_file_out_of_room(room_id, event, community, room.display_name if room else room_id)
            return
        community = await self.state.get(f"matrix:dm-community:{room_id}") or room_id
        sent_at = datetime.fromtimestamp(event.server_timestamp / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        marker = json.dumps({"room": room_id, "sender": event.sender, "community": community, "command": spec.name,
                             "sent_at": sent_at})
        if not await self.state.claim_event(event.event_id, self.app.services.clock.now(),
                                            in_flight=(INFLIGHT + event.event_id, marker)):
            return
        try:
            await self._import_file(room_id, event, content, community, spec)
        except Exception:
            log.exception("a Matrix file could not be taken in")
        finally:
            await self.state.delete(INFLIGHT + event.event_id)

    async def _import_file(self, room_id: str, event, content: dict[str, Any], community: str,
                           spec: CommandSpec) -> None:
        """Refused by its declared size before anything is fetched; else fetched (and decrypted) into a
        private temporary file for the command, deleted once the command has answered."""
        room = self.client.rooms.get(room_id)
        name = room.user_name(event.sender) if room else None
        with i18n.using(await self._community_language(community)):   # a refusal before the member is known
            await self._import_file_as(event, content, community, spec, name)

    async def _import_file_as(self, event, content: dict[str, Any], community: str, spec: CommandSpec,
                              name: str | None) -> None:
        try:
            refuse_size(declared_size(content), self.max_upload_bytes)
            async with kept_while(member_file(self.client, event, self.max_upload_bytes), file_name(content),
                                  self.max_upload_bytes, self.upload_dir) as upload:
                inbound = Inbound(platform=PLATFORM, community_external_id=community, community_name="",
                                  channel_external_id=None, channel_name="", member_external_id=event.sender,
                                  member_name=name or event.sender.split(":")[0].lstrip("@"), is_moderator=False,
                                  text=spec.name, upload=upload)
                await self._handle(event.event_id, inbound)
        except FileRefused as exc:
            log.info("a member's file was refused")   # never its name or content
            await self._tell(event.sender, community, exc.reason)

    async def _is_an_export(self, event, content: dict[str, Any]) -> bool:
        """Fetched (within the size cap, into a private temporary file deleted at once) only to look at
        its first bytes; everyone in the room can already open it. Too big to fetch: left alone."""
        try:
            refuse_size(declared_size(content), self.max_upload_bytes)
            async with kept_while(member_file(self.client, event, self.max_upload_bytes), file_name(content),
                                  self.max_upload_bytes, self.upload_dir) as upload:
                return await asyncio.to_thread(looks_like_export, upload.path)
        except FileRefused:
            return False

    async def _take_file_out_of_room(self, room_id: str, event, community: str, room_name: str) -> None:
        with i18n.using(await self._community_language(community)):
            refused = await self.sender.redact(room_id, event.event_id, _("peerpulse: a member's file, which may "
                                                                          "hold their health data"))
            if refused is None:
                note = _("I removed your file from {room_name}: it may hold your health data, and everyone there "
                         "could open it. To import it, send it to me here in our private room.", room_name=room_name)
            else:
                room = self.client.rooms.get(room_id)
                needed = room.power_levels.defaults.redact if room else 50
                note = _("I couldn't remove your file from {room_name} (redacting needs power level {needed} there), "
                         "so people in the room can open it. You can delete it yourself. To import it, send it to me "
                         "here in our private room.", room_name=room_name, needed=needed)
            await self._tell(event.sender, community, note)

    async def progress(self, target: Target, delivery: Delivery) -> None:
        """How a long command is getting on (an import): one notice in the member's private room, then
        that notice edited (m.replace). Progress lines hold no member values, so their edit history
        says nothing more than the answer does."""
        require_delivery(delivery)
        command = _answering.get()
        if command is None or command not in self._progress:
            return   # not within a command being answered (or it has answered already)
        room_id = await self._room_for(target)
        shown = text_content(render_refs(self.app.registry, delivery.text, prefixed(self.config.prefix)))
        first = self._progress[command]
        if first is None:
            self._progress[command] = await self.sender.send(room_id, shown)
            return
        await self.sender.send(room_id, {**shown, "body": "* " + shown["body"], "m.new_content": {**shown, "m.mentions": {}},
                                         "m.relates_to": {"rel_type": "m.replace", "event_id": first}})

    async def _community_language(self, community: str) -> str:
        """Notices outside a command are in the community's language (bot.vocabulary.i18n)."""
        s = self.app.services
        return await s.languages.for_community(await s.community.community(PLATFORM, community))

    async def _take_value_out_of_room(self, room_id: str, event, community: str, room_name: str) -> None:
        """DESIGN 2.2: a member's value typed in a room is redacted, and the member told privately."""
        with i18n.using(await self._community_language(community)):
            await self._redact_and_tell(room_id, event, community, room_name)

    async def _take_words_out_of_room(self, room_id: str, event, community: str, room_name: str) -> None:
        """A member's own words for a post (`share`), typed in a room: the bot's post carries them, so
        the typed command is redacted (a take-back then removes the words from the room entirely).
        The member is told only when it can't be removed."""
        refused = await self.sender.redact(room_id, event.event_id, _("peerpulse: a member's words, "
                                                                      "posted by the bot"))
        if refused is None:
            return
        with i18n.using(await self._community_language(community)):
            room = self.client.rooms.get(room_id)
            needed = room.power_levels.defaults.redact if room else 50
            await self._tell(event.sender, community, _(
                "I couldn't remove your command from {room_name} (redacting needs power level {needed} there), so "
                "your words stay in it even when my post is taken back. You can delete it yourself.",
                room_name=room_name, needed=needed))

    async def _redact_and_tell(self, room_id: str, event, community: str, room_name: str) -> None:
        refused = await self.sender.redact(room_id, event.event_id, _("peerpulse: a member's "
                                                                      "value, answered privately"))
        if refused is None:
            note = (_("I removed your message from {room_name} so others don't see your value. "
                      "Next time, send it to me here in our private room; here no prefix is needed.", room_name=room_name))
        else:
            room = self.client.rooms.get(room_id)
            needed = room.power_levels.defaults.redact if room else 50
            note = (_("I couldn't remove your message from {room_name}: redacting others' messages "
                      "needs power level {needed} there and I don't have it, so people in the room "
                      "can read your value. You can delete it yourself. Send values to me here in "
                      "our private room instead; here no prefix is needed.", room_name=room_name, needed=needed))
        await self._tell(event.sender, community, note)

    async def _on_unreadable(self, room_id: str, event: MegolmEvent) -> None:
        line = await self.e2ee.unreadable(room_id)
        if line is not None:
            with i18n.using(await self._community_language(await self._community(room_id))):
                await self._send_plain(room_id, _(line))

    async def _tell_interrupted(self) -> None:
        """Commands a kill interrupted (claimed, not finished): if no answer reached the member, say so."""
        for key, value in await self.state.items_with_prefix(INFLIGHT):
            event_id = key[len(INFLIGHT):]
            info = json.loads(value)
            dm = await self.state.get(f"matrix:dm:{info['sender']}")
            if not (dm and await self._answered_in(dm, event_id)):
                with i18n.using(await self._community_language(info["community"])):
                    await self._tell(info["sender"], info["community"],
                                     _("I was restarted while working on your `{command}` command (sent {sent}), and it "
                                       "may not have been carried out. Please check (e.g. `history`) and send it again "
                                       "if needed.", command=info['command'], sent=info.get('sent_at', _('earlier'))))
            await self.state.delete(key)

    async def _answered_in(self, dm_room: str, event_id: str) -> bool:
        response = await self.client.room_messages(dm_room, limit=100)
        if isinstance(response, RoomMessagesError):
            return False
        return any((e.source.get("content") or {}).get(ANSWERS_KEY) == event_id for e in response.chunk)

    async def _tell(self, user_id: str, community: str, text: str) -> None:
        """A plain private line that holds no member data (released by the gate like every message)."""
        delivery = await self.app.services.gate.release(Reply.text(text, private=True), Destination.private_to(0, 0))
        try:
            await self.send(Target("member", user_id, user_id, community), delivery)
        except DeliveryFailed as exc:
            log.warning("could not tell a member privately: %s", exc.reason)

    async def _send_plain(self, room_id: str, text: str) -> None:
        try:
            await self.sender.send(room_id, text_content(text))
        except DeliveryFailed as exc:
            log.warning("could not post a notice: %s", exc.reason)

    async def _community(self, room_id: str) -> str:
        return (await self._room_info(room_id))[0]

    async def _room_info(self, room_id: str) -> tuple[str, str | None]:
        """(community, creator) of a room, from its state: the parent space if any, else the room."""
        cached = self._spaces.get(room_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        community, creator = room_id, None
        response = await self.client.room_get_state(room_id)
        if not isinstance(response, RoomGetStateError):
            parents = [e.get("state_key") for e in response.events
                       if e.get("type") == "m.space.parent" and e.get("content")]
            if parents:
                community = sorted(parents)[0]
            creator = next((e.get("sender") for e in response.events if e.get("type") == "m.room.create"), None)
        self._spaces[room_id] = (time.monotonic() + SPACE_CACHE_SECONDS, (community, creator))
        return community, creator

    # -- outbound (Transport) ------------------------------------------------------------------
    async def resolve_channel(self, community_external_id: str, ref: str) -> tuple[str, str]:
        """A room named by alias (#walkers:example.org), id (!abc:example.org) or plain name (#walkers);
        `here` is resolved by the runtime to the room the command was typed in."""
        ref = ref.strip()
        room_id = ref
        if ref.startswith("#") and ":" in ref:
            response = await self.client.room_resolve_alias(ref)
            if isinstance(response, ErrorResponse):
                raise UserError(_("I can't find that room alias."))
            room_id = response.room_id
        elif not ref.startswith("!"):
            wanted = ref.lstrip("#").lower()
            for rid, room in self.client.rooms.items():
                if room.display_name.lower().lstrip("#") == wanted and await self._community(rid) == community_external_id:
                    return rid, room.display_name
            raise UserError(_("I'm not in a room called {ref} in this community. Name it like "
                              "#walkers, or say `here`.", ref=ref))
        if room_id not in self.client.rooms:
            raise UserError(_("Name a room I'm in, e.g. #walkers:example.org, or say `here`."))
        if await self._community(room_id) != community_external_id:
            raise UserError(_("That room belongs to another community."))
        return room_id, self.client.rooms[room_id].display_name

    def resolve_member(self, ref: str) -> str | None:
        """A Matrix user id, @bob:example.org (a bare @bob is taken on the bot's own homeserver)."""
        ref = ref.strip()
        if re.fullmatch(r"@[a-z0-9._=/+-]+:[A-Za-z0-9.:-]+", ref):
            return ref
        if re.fullmatch(r"@?[a-z0-9._=/+-]{1,64}", ref) and ":" in (self.client.user_id or ""):
            return f"@{ref.lstrip('@')}:{self.client.user_id.split(':', 1)[1]}"
        return None

    def message_link(self, channel_external_id: str, message_id: str) -> str:
        """A matrix.to permalink to the post's first event (what `mydata shared` shows)."""
        return permalink(channel_external_id, message_id.split(",")[0])

    async def _room_for(self, target: Target) -> str:
        if target.kind == "channel":
            return target.external_id
        return await self.direct_room(target.external_id, target.community_external_id)

    async def direct_room(self, user_id: str, community: str) -> str:
        """The member's direct room with the bot: created once (encrypted when the bot can read it), then reused."""
        async with self._dm_lock:
            existing = await self.state.get(f"matrix:dm:{user_id}")
            if existing:
                await self.state.set(f"matrix:dm-community:{existing}", community)
                return existing
            response = await self.client.room_create(is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat,
                                                     name=_("peerpulse (private)"),
                                                     initial_state=self.e2ee.direct_room_state())
            if isinstance(response, RoomCreateError):
                raise DeliveryFailed(N_("I couldn't open a private room with that member"))
            self.e2ee.know_new_direct_room(response.room_id, user_id)
            await self.state.set(f"matrix:dm:{user_id}", response.room_id)
            await self.state.set(f"matrix:dm-room:{response.room_id}", user_id)
            await self.state.set(f"matrix:dm-community:{response.room_id}", community)
            return response.room_id

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        require_delivery(delivery)
        room_id = await self._room_for(target)
        event_ids = await self._post(room_id, delivery, private=target.kind == "member")
        # A private post kept in the ledger (a partner's summary) returns its event ids, for take-back.
        return ",".join(event_ids) if target.kind == "channel" or delivery.kept_private else None

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> str | None:
        """Matrix keeps an edited event's original readable (edit history), so a post is never edited:
        the old post's events are redacted first, then the narrowed post is sent as new events. With
        ``keep_images`` (the same images, byte for byte) the image events stay as they are: they say
        nothing more than before, and only the words are redacted and sent again. Returns the new
        event ids, which replace the old ones in the post ledger."""
        require_delivery(delivery)
        room_id = await self._room_for(target)
        old = message_id.split(",")
        had_text = len(old) > len(delivery.attachments)
        if keep_images and delivery.attachments and had_text:
            kept = old[1:]
            await self.sender.redact_or_fail(room_id, old[0])
            words = dataclasses.replace(delivery, attachments=())
            return ",".join([*await self._post(room_id, words, private=False), *kept])
        for event_id in old:
            await self.sender.redact_or_fail(room_id, event_id)
        return ",".join(await self._post(room_id, delivery, private=False))

    async def delete(self, target: Target, message_id: str) -> None:
        room_id = await self._room_for(target)
        for event_id in message_id.split(","):
            await self.sender.redact_or_fail(room_id, event_id)

    async def _post(self, room_id: str, delivery: Delivery, private: bool) -> list[str]:
        answers = _answering.get() if private else None
        extra: dict[str, Any] = {ANSWERS_KEY: answers} if answers else {}
        encrypt = self.e2ee.enabled and self.e2ee.room_encrypted(room_id)
        event_ids = []
        if delivery.text.strip():
            text = render_refs(self.app.registry, delivery.text, prefixed(self.config.prefix))   # `!pp …` in hints
            event_ids.append(await self.sender.send(room_id, {**text_content(text), **extra}))
        attachments = one_file(delivery.attachments) if private else delivery.attachments
        for attachment in attachments:
            content = await self.sender.attachment_content(attachment, encrypt)
            event_ids.append(await self.sender.send(room_id, {**content, **extra}))
        return event_ids


def _command_text(body: str, prefix: str, in_dm: bool) -> str | None:
    """The command in a message: after the prefix in a room; with or without it in the bot's direct room."""
    body = body.strip()
    if body == prefix or body.startswith(prefix + " "):
        return body[len(prefix):].strip()
    if in_dm and body:
        return body
    return None


def _file_command(registry) -> CommandSpec | None:
    """The command a file sent to the bot runs: the one that takes a file (`import`)."""
    return next((s for s in registry.all() if any(p.type is ParamType.FILE for p in s.params)), None)


def _command_name(registry, text: str) -> str:
    spec, _ = registry.match([t for t, _ in tokenize(text)])
    return spec.name if spec else "?"


def _carries_value(registry, text: str) -> bool:
    """A private command with a value parameter (log, goal), typed with something in that place."""
    words = [t for t, _ in tokenize(text)]
    spec, used = registry.match(words)
    if spec is None or not spec.private:
        return False
    places = [i for i, p in enumerate(spec.params) if p.type is ParamType.QUANTITY]
    return bool(places) and len(words) > used + places[0]


def _carries_own_words(registry, text: str) -> bool:
    """A command whose words the bot posts for the member (`share`)."""
    spec, _used = registry.match([t for t, _ in tokenize(text)])
    return spec is not None and spec.own_words


def _cause(exc: BaseException, secret: str) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        text = "timed out"   # i18n: operator
    if len(secret) >= 8:   # a real token or password; never echoed back
        text = text.replace(secret, "[secret]")
    return text
