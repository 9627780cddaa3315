"""The Matrix adapter: `!pp` text commands, HTML replies, images, private replies in a direct room,
power levels for moderators, and edits (m.replace) and redactions of its own posts.

A room is the channel; the room's parent space (``m.space.parent``), or else the room itself, is the
community. The sync token and the ids of answered events live in the database, so a restart neither
misses nor replays a command; a homeserver that is down or rate-limits is retried with backoff.
"""

from __future__ import annotations

import asyncio
import html
import io
import logging
import struct
import time
from typing import Any

from nio import (AsyncClient, AsyncClientConfig, ErrorResponse, InviteMemberEvent, JoinError, RoomCreateError,
                 RoomGetStateError, RoomMessageText, RoomSendError, SyncError, UploadError)
from nio.api import RoomPreset

from bot.adapters.base import DeliveryFailed, Inbound, Target, require_delivery
from bot.config import MatrixConfig
from bot.errors import UserError
from bot.gate import Delivery
from bot.command_refs import prefixed, render_refs
from storage.platform_state import PlatformState

log = logging.getLogger(__name__)
PLATFORM = "matrix"
SPACE_CACHE_SECONDS = 600


class MatrixAdapter:
    platform = PLATFORM

    def __init__(self, app, config: MatrixConfig, *, sync_timeout_ms: int = 30_000, max_backoff: float = 60.0):
        self.app = app
        self.config = config
        self.client = AsyncClient(config.homeserver, config.user_id, device_id=config.device_id,
                                  config=AsyncClientConfig(store_sync_tokens=False, encryption_enabled=False))
        self.state = PlatformState(app.services.db)
        self.sync_timeout_ms = sync_timeout_ms
        self.max_backoff = max_backoff
        self._spaces: dict[str, tuple[float, tuple[str, str | None]]] = {}
        self._dm_lock = asyncio.Lock()
        self.ready = asyncio.Event()
        app.attach(self)

    # -- lifecycle -----------------------------------------------------------------------------
    async def login(self) -> None:
        token = self.config.access_token()
        if token:
            self.client.access_token = token
            self.client.user_id = self.config.user_id
            return
        password = self.config.password()
        if not password:
            raise UserError(f"set {self.config.access_token_env} or {self.config.password_env} for the Matrix login")
        response = await self.client.login(password=password, device_name="peerpulse")
        if isinstance(response, ErrorResponse):
            raise RuntimeError(f"Matrix login failed: {response.status_code}")

    async def run(self) -> None:
        await self.login()
        try:
            await self.sync_loop()
        finally:
            await self.client.close()

    async def sync_loop(self, stop: asyncio.Event | None = None) -> None:
        since = await self.state.get("matrix:next_batch")
        backoff = 1.0
        while stop is None or not stop.is_set():
            try:
                response = await self.client.sync(timeout=self.sync_timeout_ms if since else 0, since=since,
                                                  full_state=since is None)
            except (OSError, asyncio.TimeoutError, Exception) as exc:   # the homeserver is down or unreachable
                log.warning("Matrix sync failed (%s); retrying in %.0fs", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if isinstance(response, SyncError):
                wait = (getattr(response, "retry_after_ms", None) or 0) / 1000 or backoff
                log.warning("Matrix sync error %s; retrying in %.0fs", response.status_code, wait)
                await asyncio.sleep(wait)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 1.0
            if since is None:
                # First start: everything before now is history, not commands.
                await self._accept_invites(response)
            else:
                await self._process(response)
            since = response.next_batch
            await self.state.set("matrix:next_batch", since)
            self.ready.set()

    async def _accept_invites(self, response) -> None:
        for room_id, info in response.rooms.invite.items():
            inviter = next((e.sender for e in info.invite_state if isinstance(e, InviteMemberEvent)
                            and e.state_key == self.client.user_id), None)
            if inviter and self._allowed(inviter):
                result = await self.client.join(room_id)
                if isinstance(result, JoinError):
                    log.warning("could not join a room: %s", result.status_code)
            else:
                log.info("ignored an invite from a user not on the allowed list")

    def _allowed(self, user_id: str) -> bool:
        allowed = self.config.allowed_inviters
        return not allowed or any(user_id == a or (a.startswith(":") and user_id.endswith(a)) for a in allowed)

    async def _process(self, response) -> None:
        await self._accept_invites(response)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, RoomMessageText) and event.sender != self.client.user_id:
                    await self._on_message(room_id, event)

    # -- inbound -------------------------------------------------------------------------------
    async def _on_message(self, room_id: str, event: RoomMessageText) -> None:
        body = (event.body or "").strip()
        prefix = self.config.prefix
        if not (body == prefix or body.startswith(prefix + " ")):
            return
        if (event.source.get("content", {}).get("m.relates_to") or {}).get("rel_type") == "m.replace":
            return   # an edit of an earlier command is not a new command
        if not await self.state.claim_event(event.event_id, self.app.services.clock.now()):
            return
        room = self.client.rooms.get(room_id)
        dm_owner = await self.state.get(f"matrix:dm-room:{room_id}")
        if dm_owner == event.sender:
            community = await self.state.get(f"matrix:dm-community:{room_id}") or room_id
            channel_id, channel_name = None, ""
        else:
            community = await self._community(room_id)
            channel_id, channel_name = room_id, (room.display_name if room else room_id)
        level = room.power_levels.get_user_level(event.sender) if room else 0
        if channel_id is not None and event.sender == (await self._room_info(room_id))[1]:
            level = max(level, 100)   # room version 12: the creator is all-powerful but not listed in power levels
        name = room.user_name(event.sender) if room else None
        inbound = Inbound(platform=PLATFORM, community_external_id=community, community_name="",
                          channel_external_id=channel_id, channel_name=channel_name,
                          member_external_id=event.sender, member_name=name or event.sender.split(":")[0].lstrip("@"),
                          is_moderator=channel_id is not None and level >= self.config.moderator_power_level,
                          text=body[len(prefix):].strip())
        try:
            await self.app.handle(inbound)
        except Exception:
            log.exception("a Matrix command failed")

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
        ref = ref.strip()
        room_id = ref
        if ref.startswith("#") and ":" in ref:
            response = await self.client.room_resolve_alias(ref)
            if isinstance(response, ErrorResponse):
                raise UserError("I can't find that room alias.")
            room_id = response.room_id
        elif ref.startswith("#") or ref in ("here", "this"):
            # `#walkers` without a server: a room of this community with that name.
            wanted = ref.lstrip("#").lower()
            for rid, room in self.client.rooms.items():
                if room.display_name.lower().lstrip("#") == wanted and await self._community(rid) == community_external_id:
                    return rid, room.display_name
            raise UserError(f"I'm not in a room called {ref} in this community.")
        if not room_id.startswith("!") or room_id not in self.client.rooms:
            raise UserError("Name a room I'm in, e.g. #walkers:example.org.")
        if await self._community(room_id) != community_external_id:
            raise UserError("That room belongs to another community.")
        return room_id, self.client.rooms[room_id].display_name

    async def _room_for(self, target: Target) -> str:
        if target.kind == "channel":
            return target.external_id
        return await self.direct_room(target.external_id, target.community_external_id)

    async def direct_room(self, user_id: str, community: str) -> str:
        """The member's direct room with the bot: created once, then reused."""
        async with self._dm_lock:
            existing = await self.state.get(f"matrix:dm:{user_id}")
            if existing:
                await self.state.set(f"matrix:dm-community:{existing}", community)
                return existing
            response = await self.client.room_create(is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat,
                                                     name="peerpulse (private)")
            if isinstance(response, RoomCreateError):
                raise DeliveryFailed("I couldn't open a private room with that member")
            await self.state.set(f"matrix:dm:{user_id}", response.room_id)
            await self.state.set(f"matrix:dm-room:{response.room_id}", user_id)
            await self.state.set(f"matrix:dm-community:{response.room_id}", community)
            return response.room_id

    async def send(self, target: Target, delivery: Delivery) -> str | None:
        require_delivery(delivery)
        room_id = await self._room_for(target)
        event_ids = []
        if delivery.text.strip():
            event_ids.append(await self._send(room_id, _text_content(render_refs(self.app.registry, delivery.text, prefixed(self.config.prefix)))))
        for attachment in delivery.attachments:
            event_ids.append(await self._send(room_id, await self._upload(attachment)))
        return ",".join(event_ids) if target.kind == "channel" else None

    async def edit(self, target: Target, message_id: str, delivery: Delivery, keep_images: bool = False) -> str | None:
        """Edits the text in place (m.replace); images cannot be replaced, so old ones are redacted
        and the new ones sent, unless they are unchanged (``keep_images``). Returns the post's new id list."""
        require_delivery(delivery)
        room_id = await self._room_for(target)
        old = message_id.split(",")
        first, rest = old[0], old[1:]
        content = _text_content(delivery.text or "(updated)")
        await self._send(room_id, {"msgtype": content["msgtype"], "body": "* " + content["body"], "m.new_content": content,
                                   "m.relates_to": {"rel_type": "m.replace", "event_id": first}})
        if keep_images:
            return message_id
        for event_id in rest:
            await self._redact(room_id, event_id)
        new_ids = [first]
        for attachment in delivery.attachments:
            new_ids.append(await self._send(room_id, await self._upload(attachment)))
        return ",".join(new_ids)

    async def delete(self, target: Target, message_id: str) -> None:
        room_id = await self._room_for(target)
        for event_id in message_id.split(","):
            await self._redact(room_id, event_id)

    async def _send(self, room_id: str, content: dict[str, Any]) -> str:
        for attempt in range(6):
            try:
                response = await self.client.room_send(room_id, "m.room.message", content)
            except Exception as exc:   # connection refused while the homeserver restarts
                log.warning("Matrix send failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(2 ** attempt, self.max_backoff))
                continue
            if isinstance(response, RoomSendError):
                if response.status_code == "M_LIMIT_EXCEEDED":
                    await asyncio.sleep((response.retry_after_ms or 1000) / 1000)
                    continue
                if response.status_code == "M_FORBIDDEN":
                    raise DeliveryFailed("I'm not allowed to post in that room")
                raise DeliveryFailed(f"the homeserver refused the message ({response.status_code})")
            return response.event_id
        raise DeliveryFailed("the homeserver did not accept the message after several tries")

    async def _redact(self, room_id: str, event_id: str) -> None:
        response = await self.client.room_redact(room_id, event_id, reason="peerpulse: member changed their sharing")
        if isinstance(response, ErrorResponse) and response.status_code not in ("M_NOT_FOUND",):
            raise DeliveryFailed(f"I couldn't remove a message ({response.status_code})")

    async def _upload(self, attachment) -> dict[str, Any]:
        response, _ = await self.client.upload(io.BytesIO(attachment.data), content_type=attachment.mime,
                                               filename=attachment.filename, filesize=len(attachment.data))
        if isinstance(response, UploadError):
            raise DeliveryFailed("the homeserver refused the upload")
        info: dict[str, Any] = {"mimetype": attachment.mime, "size": len(attachment.data)}
        if attachment.mime == "image/png" and len(attachment.data) > 24:
            info["w"], info["h"] = struct.unpack(">II", attachment.data[16:24])
        kind = "m.image" if attachment.mime.startswith("image/") else "m.file"
        return {"msgtype": kind, "body": attachment.filename, "url": response.content_uri, "info": info}


def _text_content(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    formatted = "<br>".join(_inline_code(html.escape(line)) for line in lines)
    return {"msgtype": "m.notice", "body": text, "format": "org.matrix.custom.html", "formatted_body": formatted}


def _inline_code(escaped: str) -> str:
    parts = escaped.split("`")
    if len(parts) % 2 == 0:
        return escaped
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
