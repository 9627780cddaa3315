"""A local stand-in for Discord's REST API and gateway, enough for the real discord.py client.

Serves on 127.0.0.1: the gateway (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME), the
REST routes the bot uses (users/@me, application, command sync, interaction callbacks and followups,
channel messages with attachments, edits and deletes) and records every request. Tests inject
INTERACTION_CREATE events and can drop the connection to see the client resume. Uncompressed text
frames are used (discord.py accepts them alongside zlib-stream). Not implemented: rate limits,
voice, anything the bot does not call.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web, WSMsgType

APP_ID = 900000000000000001
BOT_ID = APP_ID
GUILD_ID = 900000000000000100
_snowflakes = itertools.count(910000000000000000)


def snowflake() -> str:
    return str(next(_snowflakes))


@dataclass
class Recorded:
    method: str
    path: str
    json: Any
    files: list[str] = field(default_factory=list)


class DiscordStandIn:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.channels = {"700000000000000001": "walkers", "700000000000000002": "forbidden"}
        self.forbidden = {"700000000000000002"}
        self.messages: dict[str, dict[str, Any]] = {}
        self.callback_messages: dict[str, dict[str, Any]] = {}   # interaction id -> its response message
        self.ws: web.WebSocketResponse | None = None
        self.seq = 0
        self.session_id = "session-1"
        self.identified = 0
        self.resumed = 0
        self.ready = asyncio.Event()
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- gateway -----------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 30000}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identified += 1
                await self.dispatch("READY", {
                    "v": 10, "user": self._bot_user(), "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                    "session_id": self.session_id, "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(APP_ID), "flags": 0}})
                await self.dispatch("GUILD_CREATE", self._guild())
                self.ready.set()
            elif op == 6:
                self.resumed += 1
                await self.dispatch("RESUMED", {})
                self.ready.set()
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        assert self.ws is not None
        await self.ws.send_str(json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}))

    async def drop_connection(self) -> None:
        """Close the gateway abruptly with a resumable code: the client must reconnect and RESUME."""
        self.ready.clear()
        assert self.ws is not None
        await self.ws.close(code=4000, message=b"stand-in dropped the connection")

    def _bot_user(self) -> dict[str, Any]:
        return {"id": str(BOT_ID), "username": "peerpulse", "discriminator": "0", "global_name": None, "avatar": None,
                "bot": True}

    def _guild(self) -> dict[str, Any]:
        channels = [{"id": cid, "type": 0, "name": name, "position": i, "guild_id": str(GUILD_ID),
                     "permission_overwrites": []} for i, (cid, name) in enumerate(self.channels.items())]
        return {"id": str(GUILD_ID), "name": "Walkers Club", "unavailable": False, "member_count": 2, "large": False,
                "owner_id": "1", "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "2048", "position": 0,
                                            "color": 0, "hoist": False, "managed": False, "mentionable": False}],
                "channels": channels, "members": [{"user": self._bot_user(), "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "flags": 0, "deaf": False, "mute": False}],
                "threads": [], "emojis": [], "stickers": [], "features": [], "voice_states": [], "presences": [],
                "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": []}

    def member(self, user_id: str, name: str, moderator: bool = False) -> dict[str, Any]:
        perms = (1 << 4) | (1 << 11) if moderator else (1 << 11)   # manage channels | send messages
        return {"user": {"id": user_id, "username": name, "discriminator": "0", "global_name": name, "avatar": None},
                "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "permissions": str(perms), "deaf": False, "mute": False, "flags": 0}

    async def interact(self, data: dict[str, Any], user_id: str, name: str, *, moderator: bool = False,
                       channel_id: str = "700000000000000001", kind: int = 2, message: dict | None = None) -> str:
        """Send an INTERACTION_CREATE (2: slash command, 3: component, 4: autocomplete); returns its id."""
        interaction_id = snowflake()
        await self.dispatch("INTERACTION_CREATE", {
            "id": interaction_id, "application_id": str(APP_ID), "type": kind, "data": data, "guild_id": str(GUILD_ID),
            "channel_id": channel_id, "channel": {"id": channel_id, "type": 0, "name": self.channels.get(channel_id, "x"),
                                                  "guild_id": str(GUILD_ID)},
            "member": self.member(user_id, name, moderator), "token": f"token-{interaction_id}", "version": 1,
            "app_permissions": "2147483647", "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": {}, "context": 0, "attachment_size_limit": 10485760,
            **({"message": message} if message else {})})
        return interaction_id

    async def wait_for(self, predicate, timeout: float = 10.0) -> Recorded:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for r in self.requests:
                if predicate(r):
                    return r
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError("the stand-in never saw the expected request")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    # -- REST --------------------------------------------------------------------------------
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[str] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                elif part.filename:
                    await part.read()
                    files.append(part.filename)
        elif request.can_read_body:
            text = await request.text()
            body = json.loads(text) if text else None
        self.requests.append(Recorded(request.method, path, body, files))
        self._changed.set()
        return self._answer(request.method, path, body, files)

    def _json(self, data: Any, status: int = 200) -> web.Response:
        # discord.py compares the header to exactly "application/json" (no charset).
        return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})

    def _message(self, channel_id: str, body: dict | None, files: list[str], message_id: str | None = None) -> dict:
        body = body or {}
        return {"id": message_id or snowflake(), "channel_id": channel_id, "type": 0, "content": body.get("content") or "",
                "author": self._bot_user(), "attachments": [{"id": snowflake(), "filename": f, "size": 1, "url": "http://x/" + f,
                                                             "proxy_url": "http://x/" + f} for f in files],
                "embeds": [], "mentions": [], "mention_roles": [], "pinned": False, "mention_everyone": False, "tts": False,
                "timestamp": "2026-11-16T09:00:00+00:00", "edited_timestamp": None, "flags": body.get("flags", 0),
                "components": []}

    def _answer(self, method: str, path: str, body: Any, files: list[str]) -> web.Response:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return self._json(self._bot_user())
        if path == "/oauth2/applications/@me":
            return self._json({"id": str(APP_ID), "name": "peerpulse", "flags": 0, "bot_public": True,
                               "bot_require_code_grant": False, "description": "", "icon": None, "summary": "",
                               "verify_key": "0", "owner": self._bot_user()})
        if path == "/gateway" or path == "/gateway/bot":
            return self._json({"url": self.gateway_url, "shards": 1,
                               "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})
        if parts[0] == "applications" and parts[-1] == "commands" and method == "PUT":
            return self._json([{**c, "id": snowflake(), "application_id": str(APP_ID), "version": "1"} for c in body])
        if parts[0] == "interactions" and parts[-1] == "callback":
            kind = (body or {}).get("type", 4)
            data = (body or {}).get("data") or {}
            message = self._message("700000000000000001", data, files)
            self.callback_messages[parts[1]] = message
            return self._json({"interaction": {"id": parts[1], "type": 2, "response_message_id": message["id"],
                                               "response_message_loading": kind == 5,
                                               "response_message_ephemeral": bool(data.get("flags", 0) & 64)},
                               "resource": {"type": kind, "message": message} if kind in (4, 5, 7) else {"type": kind}})
        if parts[0] == "webhooks":
            channel_id = "700000000000000001"
            if method == "DELETE":
                return web.Response(status=204)
            return self._json(self._message(channel_id, body, files))
        if parts[0] == "channels":
            channel_id = parts[1]
            if channel_id not in self.channels:
                return self._json({"message": "Unknown Channel", "code": 10003}, 404)
            if channel_id in self.forbidden:
                return self._json({"message": "Missing Permissions", "code": 50013}, 403)
            if len(parts) == 2:
                return self._json({"id": channel_id, "type": 0, "name": self.channels[channel_id], "guild_id": str(GUILD_ID),
                                   "position": 0, "permission_overwrites": []})
            if parts[2] == "messages" and len(parts) == 3 and method == "POST":
                message = self._message(channel_id, body, files)
                self.messages[message["id"]] = message
                return self._json(message)
            if parts[2] == "messages" and len(parts) == 4:
                message_id = parts[3]
                if message_id not in self.messages:
                    return self._json({"message": "Unknown Message", "code": 10008}, 404)
                if method == "DELETE":
                    del self.messages[message_id]
                    return web.Response(status=204)
                message = self._message(channel_id, body, files, message_id)
                self.messages[message_id] = message
                return self._json(message)
        if path.startswith("/users/") and path.endswith("/channels"):
            return self._json({"id": "800000000000000001", "type": 1, "recipients": []})
        return self._json({"message": "404: Not Found", "code": 0}, 404)
