"""A local stand-in for Discord's REST API and gateway, for end-to-end tests of the real discord.py client.

``DiscordStandIn`` is an aiohttp.web server on 127.0.0.1 (a free port).  ``point_discord_py_here()``
(or ``async with DiscordStandIn() as s``) sets ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` to it and restores them afterwards; every REST
call discord.py makes (including interaction callbacks and webhook followups, which are built from
``Route.BASE`` as well) then lands here.  Nothing ever goes to discord.com.

Implemented
-----------
REST (JSON answered with the exact content type ``application/json``; discord.py ignores JSON with a
charset suffix, which is what ``aiohttp.web.json_response`` would send):

* ``GET /users/@me``, ``GET /users/{id}``, ``POST /users/@me/channels`` (DM channels),
  ``GET /oauth2/applications/@me`` and ``/applications/@me``, ``GET /gateway`` and ``/gateway/bot``.
* Application commands, global and per guild: ``GET/PUT/POST .../commands``,
  ``GET/PATCH/DELETE .../commands/{id}``.  Bulk overwrite keeps the id of a command whose name
  did not change, like Discord does.
* ``GET /channels/{id}``, ``GET/POST /channels/{id}/messages``,
  ``GET/PATCH/DELETE /channels/{id}/messages/{mid}``, ``POST /channels/{id}/typing``,
  ``PUT/DELETE .../reactions/{emoji}/@me``; JSON or multipart bodies (``payload_json`` plus
  ``files[n]``), attachments get ids and a URL served by the stand-in (``Attachment.read()`` works).
  A file a member attaches to a command (``add_upload``) is served on the same CDN-like route, and an
  ATTACHMENT option (type 11) carries it in ``data.resolved.attachments``; ``downloads`` lists fetches.
  Empty messages (50006), content over 2000 characters, embeds over Discord's limits and attachment
  descriptions over 1024 characters (50035) are refused like Discord does; so is a command tree
  Discord would refuse (names, descriptions, option order, min/max bounds: ``command_problems``).
* ``GET /guilds/{id}``, ``/guilds/{id}/channels``, ``/guilds/{id}/roles``, ``/guilds/{id}/members/{uid}``.
* ``POST /interactions/{id}/{token}/callback`` (types 4, 5, 6, 7, 8, 9; a second acknowledgement is
  refused with 40060), ``POST /webhooks/{app}/{token}`` (followups),
  ``GET/PATCH/DELETE /webhooks/{app}/{token}/messages/{@original|id}``.
* Discord-shaped errors: 404 10003 Unknown Channel (``delete_channel``), 403 50013 Missing
  Permissions (``forbid_channel``), 403 50007 for DMs to a user who blocks them (``block_dms``),
  10008 Unknown Message, 10062 Unknown Interaction, 10015 Unknown Webhook, 401 for a wrong token,
  and one-shot injected faults (``fail_next``, e.g. a 429 with ``retry_after``).
* Discord's rate limits when asked (``DiscordStandIn(rate_limits=RateLimits())``, see ``ratelimits.py``):
  the global 50 requests a second per token, per-route buckets with the ``X-RateLimit-*`` headers,
  message creation 5 per 5 s per channel, and 429s shaped like Discord's; refused requests are also
  kept in ``rate_limited``.
* Every request is recorded (``RecordedRequest``: method, path below ``/api/v10``, query, JSON body or
  ``payload_json``, uploaded files with their bytes, response status and body);
  ``wait_for_request(pred, timeout)`` waits for one.

Gateway (websocket at ``/``; ``resume_gateway_url`` from READY points to ``/resume``):

* HELLO -> IDENTIFY -> READY (session_id, resume_gateway_url, user, application {id, flags}, guilds
  unavailable) then GUILD_CREATE per guild; HEARTBEAT -> HEARTBEAT_ACK (can be switched off);
  RESUME -> replay of the events the client missed, then RESUMED; unknown or invalidated session ->
  INVALID_SESSION (false); REQUEST_GUILD_MEMBERS -> one GUILD_MEMBERS_CHUNK.  Closing with 1000/1001
  from the client ends its session, as on Discord.
* Outgoing frames honour ``compress=zlib-stream`` (what discord.py asks for unless zstandard is
  installed): one zlib compressor per connection, each frame flushed with Z_SYNC_FLUSH.  For
  ``zstd-stream`` frames are zstd-compressed if ``zstandard`` is importable, else sent as text (discord.py
  accepts text frames whatever it asked for).  ``compression="none"`` forces text frames.
* ``dispatch(event, data)``, ``inject_command`` / ``click`` / ``submit_modal`` / ``inject_interaction``
  (INTERACTION_CREATE types 2, 3 and 5 with member, permissions string, channel, resolved data for
  user/channel/role/attachment options), ``post_user_message`` (MESSAGE_CREATE from a person),
  ``drop_connection()`` (close code 4000, or a TCP abort), ``send_reconnect()`` (op 7),
  ``invalidate_sessions()``, ``hold_connections()`` / ``release_connections()`` (so events sent while
  the client is away are replayed on RESUME deterministically); every frame the client sent is kept in ``gateway_frames``, with
  ``wait_for_frame`` / ``wait_for_resume`` / ``wait_for_identify``.
* ``run_client(client, token)``: an async context manager that logs the client in, waits until it is
  ready, and closes it cleanly.

Gotchas (discord.py 2.7)
------------------------
* Pass ``guild_ready_timeout=0.05`` to the Client, or ``on_ready`` comes 2 s after the last GUILD_CREATE.
* discord.py sleeps 5 s in ``before_identify_hook`` before every IDENTIFY but the first;
  ``run_client`` replaces the hook unless ``fast_reidentify=False``.
* Interaction callbacks are POSTed with ``?with_response=1`` and need the
  ``{"interaction": {..., "response_message_id"}, "resource": {"message"}}`` body: the message id is
  what a View is stored under, and a component click must carry that message.
* A guild command is only found by the CommandTree if ``data.guild_id`` is set, so sync first (the
  stand-in fills it in from the synced commands) or the click lands on "command not found".
* ``app_commands.checks.has_permissions`` reads ``member.permissions`` literally: Discord (and this
  stand-in) send every bit for an administrator.
* A 429 is only retried by discord.py if the response has a ``Via`` header; 5xx retries sleep 1+2n s.

Not implemented
---------------
ETF encoding, voice, sharding beyond routing each guild (its GUILD_CREATE and events) to the session
whose shard carries it (``route_shards=True``), threads, forums, polls, stickers, emojis, audit logs, invites, bans, role or
member edits, permission overwrites (``forbid_channel`` is all or nothing), message history
pagination beyond ``limit``, application-command permissions, entitlements, and any check that an
interaction was answered within 3 seconds.  MESSAGE_CREATE/UPDATE/DELETE for the bot's own REST
messages are only sent when ``echo_message_events=True``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import re
import socket
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import yarl
from aiohttp import WSMsgType, web

from .ratelimits import RateLimits

try:  # optional: only used if discord.py asks for zstd-stream
    import zstandard as _zstd  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    _zstd = None

__all__ = [
    "DiscordStandIn",
    "RecordedRequest",
    "RecordedFile",
    "GatewayFrame",
    "InjectedInteraction",
    "snowflake",
]

DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
DEFAULT_PERMISSIONS = "2248473465835073"  # a typical @everyone set (view, send, read history, ...)
ADMIN = str(1 << 3)

_counter = itertools.count(1)
_last_ms = 0


def snowflake() -> str:
    """A fresh, increasing snowflake (as Discord sends them: a string)."""
    global _last_ms
    ms = max(int(time.time() * 1000), _last_ms)
    _last_ms = ms
    return str(((ms - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


# ------------------------------------------------------------------------------------------------
# records


@dataclasses.dataclass
class RecordedFile:
    field: str  # e.g. "files[0]"
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str  # below the API prefix, e.g. "/channels/1/messages" (webhook tokens included)
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None  # the JSON body, or the parsed payload_json part of a multipart body
    files: list[RecordedFile] = dataclasses.field(default_factory=list)
    form: dict[str, str] = dataclasses.field(default_factory=dict)  # other multipart text parts
    multipart: bool = False
    status: int = 0
    response: Any = None
    index: int = -1
    response_headers: dict[str, str] = dataclasses.field(default_factory=dict)
    at: float = 0.0  # time.monotonic() when the stand-in received it

    @property
    def payload(self) -> Any:
        return self.json

    @property
    def filenames(self) -> list[str]:
        return [f.filename for f in self.files]

    def matches(self, method: str | None = None, path: str | None = None) -> bool:
        """``path`` is a regular expression that must match the whole path."""
        if method is not None and self.method != method.upper():
            return False
        if path is not None and not re.fullmatch(path, self.path):
            return False
        return True


@dataclasses.dataclass
class GatewayFrame:
    connection: int  # 1 for the first websocket connection, 2 for the next, ...
    path: str  # "/" for a fresh connection, "/resume" when the client used resume_gateway_url
    op: int
    d: Any
    index: int = -1


@dataclasses.dataclass
class _Fault:
    method: str | None
    path: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int


class _Connection:
    def __init__(self, number: int, ws: web.WebSocketResponse, request: web.Request, compress: str | None, force_text: bool):
        self.number = number
        self.ws = ws
        self.path = request.path
        self.transport = request.transport
        self.session: _Session | None = None
        self.lock = asyncio.Lock()
        self.done = asyncio.Event()
        self.server_closed = False
        self.mode = "text"
        self._zlib = None
        self._zstd = None
        if not force_text and compress == "zlib-stream":
            self.mode = "zlib-stream"
            self._zlib = zlib.compressobj()
        elif not force_text and compress == "zstd-stream" and _zstd is not None:
            self.mode = "zstd-stream"
            self._zstd = _zstd.ZstdCompressor().compressobj()

    async def send(self, payload: dict[str, Any]) -> bool:
        data = _dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                if self._zlib is not None:
                    raw = self._zlib.compress(data.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(raw)
                elif self._zstd is not None:
                    raw = self._zstd.compress(data.encode()) + self._zstd.flush(_zstd.COMPRESSOBJ_FLUSH_BLOCK)
                    await self.ws.send_bytes(raw)
                else:
                    await self.ws.send_str(data)
            except (ConnectionError, RuntimeError, OSError):
                return False
        return True


class _Session:
    def __init__(self, session_id: str, identify: dict[str, Any]):
        self.id = session_id
        self.identify = identify
        self.seq = 0
        self.events: list[tuple[int, str, Any]] = []
        self.conn: _Connection | None = None
        self.valid = True

    def holds(self, guild_id: Any, route_shards: bool = True) -> bool:
        """Whether this session's shard carries the guild (Discord: ``(guild_id >> 22) % num_shards``)."""
        shard = self.identify.get("shard")
        if not route_shards or not shard or guild_id is None:
            return True
        shard_id, count = int(shard[0]), int(shard[1])
        return count <= 1 or (int(guild_id) >> 22) % count == shard_id


@dataclasses.dataclass
class _Interaction:
    id: str
    token: str
    payload: dict[str, Any]
    channel_id: str | None
    guild_id: str | None
    acked: bool = False
    response_type: int | None = None
    response: Any = None
    original_message_id: str | None = None
    followup_ids: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class InjectedInteraction:
    """What ``inject_*`` returns: the INTERACTION_CREATE payload and ways to read the bot's answer."""

    standin: DiscordStandIn
    payload: dict[str, Any]

    @property
    def id(self) -> str:
        return self.payload["id"]

    @property
    def token(self) -> str:
        return self.payload["token"]

    @property
    def callback_path(self) -> str:
        return f"/interactions/{self.id}/{self.token}/callback"

    async def wait_response(self, timeout: float = 5.0) -> RecordedRequest:
        """The recorded POST .../callback (its ``json`` holds ``type`` and ``data``)."""
        path = re.escape(self.callback_path)
        return await self.standin.wait_for_request(method="POST", path=path, timeout=timeout)

    async def wait_followup(self, timeout: float = 5.0, nth: int = 0) -> RecordedRequest:
        path = re.escape(f"/webhooks/{self.standin.app_id}/{self.token}")
        return await self.standin.wait_for_request(
            lambda r: r.status < 300, method="POST", path=path, timeout=timeout, nth=nth
        )

    @property
    def state(self) -> _Interaction:
        return self.standin.interactions[self.id]

    @property
    def response_type(self) -> int | None:
        return self.state.response_type

    @property
    def original_message(self) -> dict[str, Any] | None:
        mid = self.state.original_message_id
        return None if mid is None else self.standin.messages.get(mid)

    @property
    def followups(self) -> list[dict[str, Any]]:
        return [self.standin.messages[m] for m in self.state.followup_ids if m in self.standin.messages]


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> tuple[int, Any]:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


class _HTTPError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.body = _error(status, code, message, errors)


def _unknown_channel() -> _HTTPError:
    return _HTTPError(404, 10003, "Unknown Channel")


# ------------------------------------------------------------------------------------------------


class DiscordStandIn:
    """See the module docstring.  Ids are strings, as in Discord's JSON."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_name: str = "peerpulse",
        guild_name: str = "Test Guild",
        heartbeat_interval_ms: int = 41250,
        compression: str = "auto",
        echo_message_events: bool = False,
        default_guild: bool = True,
        rate_limits: RateLimits | None = None,
        route_shards: bool = False,
    ) -> None:
        self.token = token  # None: accept any token
        self.rate_limits = rate_limits  # None: no rate limits (see ratelimits.py)
        # True: each guild's GUILD_CREATE and events go only to the session whose shard carries it, as on
        # Discord (several bot processes, one shard each); False: every session sees every guild.
        self.route_shards = route_shards
        self.rate_limited: list[RecordedRequest] = []  # every request answered 429 by the rate limits
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compression = compression
        self.echo_message_events = echo_message_events
        self.ack_heartbeats = True
        self.port = 0
        self.app_id = snowflake()
        self.bot_user = self._user_dict(self.app_id, bot_name, bot=True)
        self.bot_user.update(verified=True, mfa_enabled=False, email=None, flags=0)
        self.application_flags = 0
        self.users: dict[str, dict[str, Any]] = {self.app_id: self.bot_user}
        self.guilds: dict[str, dict[str, Any]] = {}  # id -> {"guild": meta, "roles": {}, "members": {}, "channels": [ids]}
        self.channels: dict[str, dict[str, Any]] = {}
        self.forbidden_channels: set[str] = set()
        self.dm_blocked: set[str] = set()
        self.messages: dict[str, dict[str, Any]] = {}
        self.channel_messages: dict[str, list[str]] = {}
        self.attachment_blobs: dict[str, bytes] = {}
        self.uploads: dict[str, dict[str, Any]] = {}  # files a member attached to a command (add_upload)
        self.downloads: list[str] = []  # attachment ids fetched from the CDN route, in order
        self.chunked_uploads: set[str] = set()  # served without a Content-Length (add_upload(chunked=True))
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.interactions: dict[str, _Interaction] = {}
        self._interactions_by_token: dict[str, _Interaction] = {}
        self.reactions: list[tuple[str, str, str, str]] = []  # (method, channel, message, emoji)

        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        # Called with each message the bot creates in a channel, once it is stored and before Discord
        # answers: a test can kill the bot right there (the message is posted, the bot never hears so).
        self.on_message_created: Callable[[dict[str, Any]], None] | None = None
        self.gateway_frames: list[GatewayFrame] = []
        self.identify_count = 0
        self.resume_count = 0
        self.accepted_identifies: list[int] = []  # gateway_frames indices of IDENTIFYs answered with READY
        self.accepted_resumes: list[int] = []  # gateway_frames indices of RESUMEs answered with RESUMED
        self.connection_paths: list[str] = []  # "/" or "/resume", one per websocket connection
        self.connection_modes: list[str] = []  # "zlib-stream", "zstd-stream" or "text"
        self._faults: list[_Fault] = []
        self._sessions: dict[str, _Session] = {}
        self._connections: list[_Connection] = []
        self._conn_numbers = itertools.count(1)
        self._changed: asyncio.Condition | None = None  # created lazily, in the running loop
        self._gate: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._saved: tuple[str, yarl.URL] | None = None

        self.guild_id = ""
        self.channel_id = ""
        self.user_id = ""
        if default_guild:
            self.guild_id = self.add_guild(guild_name)
            self.channel_id = self.add_channel(self.guild_id, "general")
            self.user_id = self.add_member(self.guild_id, "alice")

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> DiscordStandIn:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._gateway_handler)
        app.router.add_get("/resume", self._gateway_handler)
        app.router.add_get("/attachments/{aid}/{filename}", self._attachment_handler)
        app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._rest_handler)
        try:  # aiohttp >= 3.9 takes the shutdown timeout on the runner
            self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
            site_kw: dict[str, Any] = {}
        except TypeError:  # pragma: no cover - older aiohttp
            self._runner = web.AppRunner(app, access_log=None)
            site_kw = {"shutdown_timeout": 1.0}
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock, **site_kw)
        await site.start()
        return self

    async def stop(self) -> None:
        for conn in list(self._connections):
            conn.server_closed = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 1.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.restore_discord_py()

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        self._point()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume"

    def _point(self) -> None:
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        if self._saved is None:
            self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def restore_discord_py(self) -> None:
        if self._saved is None:
            return
        from discord.gateway import DiscordWebSocket
        from discord.http import Route

        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
        self._saved = None

    @contextlib.contextmanager
    def point_discord_py_here(self) -> Iterator[DiscordStandIn]:
        """Point discord.py's REST base and gateway at this stand-in; restore them on exit."""
        if not self.port:
            raise RuntimeError("start() the stand-in first")
        self._point()
        try:
            yield self
        finally:
            self.restore_discord_py()

    @contextlib.asynccontextmanager
    async def run_client(self, client: Any, token: str = "fake-token", timeout: float = 10.0, *, fast_reidentify: bool = True) -> AsyncIterator[Any]:
        """Start ``client`` (login + connect) against the stand-in, wait until ready, close on exit.

        ``fast_reidentify`` replaces the client's ``before_identify_hook``, which sleeps 5 s before
        every IDENTIFY but the first (e.g. after INVALID_SESSION), with one that does not wait."""
        if fast_reidentify:

            async def _no_wait(shard_id: int | None, *, initial: bool = False) -> None:
                return None

            client.before_identify_hook = _no_wait
        task = asyncio.create_task(client.start(token))
        waiter = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, waiter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if waiter not in done:
                if task in done:
                    task.result()  # raises the client's error
                raise TimeoutError("discord client did not become ready")
            yield client
        finally:
            waiter.cancel()
            await client.close()
            try:
                await asyncio.wait_for(task, timeout=5)
            except (asyncio.CancelledError, Exception):  # the client's own exit error is not ours to report
                pass

    # -- state: guilds, channels, members, roles ----------------------------------------------

    @staticmethod
    def _user_dict(uid: str, name: str, bot: bool = False) -> dict[str, Any]:
        return {
            "id": uid,
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def add_guild(self, name: str = "Guild", *, everyone_permissions: str = DEFAULT_PERMISSIONS, owner_id: str | None = None,
                  announce: bool = False, guild_id: str | None = None) -> str:
        """A new guild; ``guild_id`` chooses its id (its shard is ``(id >> 22) % num_shards``)."""
        gid = guild_id or snowflake()
        everyone = self._role_dict(gid, "@everyone", everyone_permissions, 0)
        bot_role_id = snowflake()
        self.guilds[gid] = {
            "id": gid,
            "name": name,
            "owner_id": owner_id or snowflake(),
            "roles": {gid: everyone, bot_role_id: self._role_dict(bot_role_id, self.bot_user["username"], DEFAULT_PERMISSIONS, 1, managed=True)},
            "members": {},
            "channels": [],
            "joined_at": _now_iso(),
        }
        self.guilds[gid]["members"][self.app_id] = self._member_dict(self.bot_user, [bot_role_id])
        if announce:
            self._schedule(self.dispatch("GUILD_CREATE", self.guild_payload(gid)))
        return gid

    @staticmethod
    def _role_dict(rid: str, name: str, permissions: str, position: int, managed: bool = False) -> dict[str, Any]:
        return {
            "id": rid,
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }

    @staticmethod
    def _member_dict(user: dict[str, Any], roles: list[str], nick: str | None = None) -> dict[str, Any]:
        return {
            "user": user,
            "nick": nick,
            "avatar": None,
            "roles": list(roles),
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def add_role(self, guild_id: str, name: str, permissions: str = "0") -> str:
        rid = snowflake()
        roles = self.guilds[guild_id]["roles"]
        roles[rid] = self._role_dict(rid, name, permissions, len(roles))
        return rid

    def add_channel(self, guild_id: str, name: str, *, type: int = 0, topic: str | None = None, announce: bool = False) -> str:
        cid = snowflake()
        g = self.guilds[guild_id]
        self.channels[cid] = {
            "id": cid,
            "type": type,
            "guild_id": guild_id,
            "name": name,
            "position": len(g["channels"]),
            "permission_overwrites": [],
            "parent_id": None,
            "topic": topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if type == 2:
            self.channels[cid].update(bitrate=64000, user_limit=0, rtc_region=None)
        g["channels"].append(cid)
        self.channel_messages[cid] = []
        if announce:
            self._schedule(self.dispatch("CHANNEL_CREATE", self.channels[cid]))
        return cid

    def add_member(self, guild_id: str, username: str, *, roles: list[str] | None = None, bot: bool = False, user_id: str | None = None, nick: str | None = None) -> str:
        uid = user_id or snowflake()
        user = self.users.get(uid) or self._user_dict(uid, username, bot=bot)
        self.users[uid] = user
        self.guilds[guild_id]["members"][uid] = self._member_dict(user, roles or [], nick)
        return uid

    def add_user(self, username: str, *, bot: bool = False) -> str:
        """A user who shares no guild with the bot (e.g. for DMs)."""
        uid = snowflake()
        self.users[uid] = self._user_dict(uid, username, bot=bot)
        return uid

    def add_upload(self, filename: str, data: bytes, *, size: int | None = None, content_type: str | None = None,
                   chunked: bool = False) -> str:
        """A file a member attaches to a slash command: stored on the CDN route (``/attachments/{id}/{name}``)
        and returned as the attachment's id, the value of an ATTACHMENT option (type 11); the
        interaction then carries it in ``data.resolved.attachments`` with its URL, as Discord does.
        ``size`` is what Discord declares (default: the bytes' length); it may differ from what is served,
        and with ``chunked`` the file is served without a Content-Length."""
        aid = snowflake()
        self.attachment_blobs[aid] = data
        if chunked:
            self.chunked_uploads.add(aid)
        url = f"{self.base_url}/attachments/{aid}/{filename}"
        self.uploads[aid] = {"id": aid, "filename": filename, "size": len(data) if size is None else size, "url": url,
                             "proxy_url": url, "content_type": content_type or _guess_type(filename), "ephemeral": True}
        return aid

    def forbid_channel(self, channel_id: str, forbidden: bool = True) -> None:
        """REST calls on this channel answer 403 50013 Missing Permissions."""
        (self.forbidden_channels.add if forbidden else self.forbidden_channels.discard)(str(channel_id))

    def delete_channel(self, channel_id: str, *, announce: bool = False) -> None:
        """Forget the channel: REST calls on it answer 404 10003 Unknown Channel.

        With ``announce=False`` (default) the client is not told, as when its cache is stale."""
        channel_id = str(channel_id)
        ch = self.channels.pop(channel_id, None)
        if ch is None:
            return
        gid = ch.get("guild_id")
        if gid and channel_id in self.guilds.get(gid, {}).get("channels", []):
            self.guilds[gid]["channels"].remove(channel_id)
        if announce:
            self._schedule(self.dispatch("CHANNEL_DELETE", ch))

    def block_dms(self, user_id: str, blocked: bool = True) -> None:
        """Sending to this user's DM channel answers 403 50007 Cannot send messages to this user."""
        (self.dm_blocked.add if blocked else self.dm_blocked.discard)(str(user_id))

    def fail_next(self, method: str | None, path: str, status: int, body: Any = None, *, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` requests matching (method, path regex) get this answer instead.

        For 429 a Discord-like body (retry_after 0.05 s) and the ``Via`` header discord.py needs to
        retry are filled in.  Note discord.py sleeps 1 + 2n seconds before retrying a 5xx."""
        headers = dict(headers or {})
        if body is None:
            if status == 429:
                body = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False, "code": 0}
            else:
                body = {"message": f"{status}: injected", "code": 0}
        if status == 429:
            headers.setdefault("Via", "1.1 google")
        self._faults.append(_Fault(method.upper() if method else None, path, status, body, headers, times))

    def guild_payload(self, guild_id: str) -> dict[str, Any]:
        g = self.guilds[guild_id]
        return {
            "id": guild_id,
            "name": g["name"],
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": g["owner_id"],
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(g["roles"].values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": g["joined_at"],
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(g["members"]),
            "members": list(g["members"].values()),
            "channels": [self.channels[c] for c in g["channels"] if c in self.channels],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def member_payload(self, guild_id: str, user_id: str, permissions: str | None = None) -> dict[str, Any]:
        """A member object; with ``permissions`` as in an interaction (resolved: an administrator gets
        every permission bit, as Discord sends it)."""
        m = dict(self.guilds[guild_id]["members"][user_id])
        if permissions is not None:
            m["permissions"] = resolved_permissions(permissions)
        return m

    # -- gateway: public API ---------------------------------------------------------------------

    def _cond(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        cond = self._cond()
        async with cond:
            cond.notify_all()

    def _schedule(self, coro: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        asyncio.ensure_future(coro)

    @property
    def session_ids(self) -> list[str]:
        """Ids of the gateway sessions still valid (resumable), oldest first."""
        return [sid for sid, sess in self._sessions.items() if sess.valid]

    @property
    def connected(self) -> bool:
        return any(s.conn is not None for s in self._sessions.values() if s.valid)

    async def dispatch(self, event: str, data: Any) -> int:
        """Send a DISPATCH to every live session (buffered for replay while a session is disconnected);
        an event of a guild goes only to the sessions whose shard carries that guild.

        Returns the number of sessions that got it (sent or buffered)."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if event.startswith("GUILD_") and isinstance(data, dict) and guild_id is None:
            guild_id = data.get("id")
        sessions = [s for s in self._sessions.values() if s.valid and s.holds(guild_id, self.route_shards)]
        for s in sessions:
            await self._session_dispatch(s, event, data)
        return len(sessions)

    async def _session_dispatch(self, session: _Session, event: str, data: Any) -> None:
        session.seq += 1
        session.events.append((session.seq, event, data))
        if session.conn is not None:
            await session.conn.send({"op": 0, "s": session.seq, "t": event, "d": data})

    async def drop_connection(self, *, code: int = 4000, abort: bool = False, timeout: float = 3.0) -> int:
        """Drop every live websocket: a close frame with ``code`` (4000 = unknown error, resumable),
        or with ``abort=True`` a TCP abort without close frame.  Sessions stay resumable.
        Returns how many connections were dropped."""
        conns = [c for c in self._connections if not c.ws.closed]
        for c in conns:
            c.server_closed = True
            if abort:
                if c.transport is not None:
                    c.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(c.ws.close(code=code, message=b"dropped by stand-in"), timeout)
        for c in conns:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(c.done.wait(), timeout)
        return len(conns)

    async def send_reconnect(self) -> None:
        """Op 7 RECONNECT: the client closes and resumes."""
        for c in list(self._connections):
            if not c.ws.closed:
                await c.send({"op": 7, "d": None, "s": None, "t": None})

    def invalidate_sessions(self) -> None:
        """The next RESUME gets INVALID_SESSION (false), so the client IDENTIFYs again."""
        for s in self._sessions.values():
            s.valid = False

    async def wait_for_frame(self, pred: Callable[[GatewayFrame], bool] | None = None, *, op: int | None = None, since: int = 0, timeout: float = 5.0) -> GatewayFrame:
        def check() -> GatewayFrame | None:
            for f in self.gateway_frames[since:]:
                if (op is None or f.op == op) and (pred is None or pred(f)):
                    return f
            return None

        return await self._wait(check, timeout, f"gateway frame op={op}")

    async def wait_for_resume(self, since: int = 0, timeout: float = 5.0) -> GatewayFrame:
        """Waits for a RESUME (op 6) from the client and for the RESUMED dispatch to be sent."""
        return await self._wait(
            lambda: next((self.gateway_frames[i] for i in self.accepted_resumes if i >= since), None), timeout, "an accepted RESUME"
        )

    async def wait_for_identify(self, since: int = 0, timeout: float = 5.0) -> GatewayFrame:
        """Waits for an IDENTIFY that was answered with READY and the GUILD_CREATEs."""
        return await self._wait(
            lambda: next((self.gateway_frames[i] for i in self.accepted_identifies if i >= since), None), timeout, "an accepted IDENTIFY"
        )

    # -- interactions ----------------------------------------------------------------------------

    def _find_command(self, name: str, guild_id: str | None, type_: int = 1) -> tuple[dict[str, Any] | None, str | None]:
        if guild_id:
            for c in self.guild_commands.get(guild_id, []):
                if c["name"] == name and c.get("type", 1) == type_:
                    return c, guild_id
        for c in self.global_commands:
            if c["name"] == name and c.get("type", 1) == type_:
                return c, None
        return None, None

    @staticmethod
    def _infer_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        return 3

    def _convert_options(self, values: Any, defs: list[dict[str, Any]], resolved: dict[str, Any], guild_id: str | None) -> list[dict[str, Any]]:
        if isinstance(values, list):  # already in Discord's shape
            return values
        out = []
        by_name = {d["name"]: d for d in defs or []}
        for name, value in (values or {}).items():
            d = by_name.get(name, {})
            if isinstance(value, dict):  # a subcommand (or group)
                t = d.get("type", 1)
                out.append({"name": name, "type": t, "options": self._convert_options(value, d.get("options", []), resolved, guild_id)})
                continue
            t = d.get("type") or self._infer_type(value)
            opt = {"name": name, "type": t, "value": value}
            if t in (6, 7, 8, 9, 11):
                opt["value"] = str(value)
                self._resolve(t, str(value), resolved, guild_id)
            out.append(opt)
        return out

    def _resolve(self, t: int, sid: str, resolved: dict[str, Any], guild_id: str | None) -> None:
        if sid in self.users and t in (6, 9):
            resolved.setdefault("users", {})[sid] = self.users[sid]
            if guild_id and sid in self.guilds.get(guild_id, {}).get("members", {}):
                m = {k: v for k, v in self.guilds[guild_id]["members"][sid].items() if k != "user"}
                m["permissions"] = DEFAULT_PERMISSIONS
                resolved.setdefault("members", {})[sid] = m
        elif sid in self.channels and t == 7:
            ch = self.channels[sid]
            resolved.setdefault("channels", {})[sid] = {"id": sid, "name": ch.get("name"), "type": ch["type"], "permissions": DEFAULT_PERMISSIONS, "parent_id": ch.get("parent_id")}
        elif guild_id and t in (8, 9) and sid in self.guilds.get(guild_id, {}).get("roles", {}):
            resolved.setdefault("roles", {})[sid] = self.guilds[guild_id]["roles"][sid]
        elif t == 11 and sid in self.uploads:
            resolved.setdefault("attachments", {})[sid] = self.uploads[sid]

    def _base_interaction(self, type_: int, *, guild_id: str | None, channel_id: str | None, user_id: str | None, permissions: str, locale: str, dm: bool) -> dict[str, Any]:
        iid = snowflake()
        token = "itok." + uuid.uuid4().hex
        if dm:
            guild_id = None
        else:
            guild_id = guild_id or self.guild_id
        uid = str(user_id or self.user_id)
        if channel_id is None:
            if dm:
                channel_id = self._dm_channel(uid)["id"]
            else:
                channel_id = next((c for c in self.guilds[guild_id]["channels"] if c in self.channels), None)
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": self.app_id,
            "type": type_,
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": DEFAULT_PERMISSIONS,
        }
        if channel_id is not None:
            payload["channel_id"] = str(channel_id)
            ch = self.channels.get(str(channel_id)) or {"id": str(channel_id), "type": 1 if dm else 0}
            payload["channel"] = ch
        if guild_id:
            payload.update(
                guild_id=guild_id,
                guild={"id": guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=self.member_payload(guild_id, uid, permissions),
                authorizing_integration_owners={"0": guild_id},
                context=0,
            )
        else:
            payload.update(user=self.users[uid], authorizing_integration_owners={"0": "0"}, context=1)
        return payload

    async def inject_interaction(
        self,
        type: int = 2,
        *,
        name: str | None = None,
        options: Any = None,
        custom_id: str | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
        message_id: str | None = None,
        fields: dict[str, str] | None = None,
        guild_id: str | None = None,
        channel_id: str | None = None,
        user_id: str | None = None,
        permissions: str = DEFAULT_PERMISSIONS,
        command_type: int = 1,
        target_id: str | None = None,
        locale: str = "en-US",
        dm: bool = False,
        require_connection: bool = True,
    ) -> InjectedInteraction:
        """Send an INTERACTION_CREATE: type 2 (slash command ``name`` with ``options`` as a
        {name: value} dict, nested dicts for subcommands, or Discord's list), 3 (component
        ``custom_id`` on message ``message_id``) or 5 (modal ``custom_id`` with text ``fields``).
        ``permissions`` is the member's permission integer as a string (e.g. "8" for administrator)."""
        if require_connection and not self.session_ids:
            raise RuntimeError("no client has a gateway session with the stand-in")
        payload = self._base_interaction(type, guild_id=guild_id, channel_id=channel_id, user_id=user_id, permissions=permissions, locale=locale, dm=dm)
        gid = payload.get("guild_id")
        if type in (2, 4):
            if name is None:
                raise ValueError("name is required for a command interaction")
            cmd, cmd_gid = self._find_command(name, gid, command_type)
            resolved: dict[str, Any] = {}
            data: dict[str, Any] = {
                "id": cmd["id"] if cmd else snowflake(),
                "name": name,
                "type": command_type,
            }
            if cmd_gid:
                data["guild_id"] = cmd_gid
            if command_type == 1:
                data["options"] = self._convert_options(options, (cmd or {}).get("options", []), resolved, gid)
            else:
                data["target_id"] = str(target_id)
                self._resolve(6 if command_type == 2 else 0, str(target_id), resolved, gid)
                if command_type == 3 and str(target_id) in self.messages:
                    resolved.setdefault("messages", {})[str(target_id)] = self.messages[str(target_id)]
            if resolved:
                data["resolved"] = resolved
            payload["data"] = data
        elif type == 3:
            if custom_id is None:
                raise ValueError("custom_id is required for a component interaction")
            data = {"custom_id": custom_id, "component_type": component_type}
            if values is not None:
                data["values"] = list(values)
            payload["data"] = data
            if message_id is None:
                raise ValueError("message_id (the message holding the component) is required")
            msg = self.messages.get(str(message_id))
            if msg is None:
                raise KeyError(f"unknown message {message_id}")
            payload["message"] = msg
            if msg.get("channel_id"):
                payload["channel_id"] = msg["channel_id"]
                payload["channel"] = self.channels.get(msg["channel_id"], payload.get("channel"))
        elif type == 5:
            payload["data"] = {
                "custom_id": custom_id,
                "components": [
                    {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in (fields or {}).items()
                ],
            }
            if message_id is not None and str(message_id) in self.messages:
                payload["message"] = self.messages[str(message_id)]
        else:
            raise ValueError(f"unsupported interaction type {type}")
        state = _Interaction(payload["id"], payload["token"], payload, payload.get("channel_id"), gid)
        if type == 3:
            state.original_message_id = str(message_id)
        self.interactions[state.id] = state
        self._interactions_by_token[state.token] = state
        await self.dispatch("INTERACTION_CREATE", payload)
        return InjectedInteraction(self, payload)

    async def inject_command(self, name: str, options: Any = None, **kw: Any) -> InjectedInteraction:
        return await self.inject_interaction(2, name=name, options=options, **kw)

    async def click(self, custom_id: str, message_id: str, *, component_type: int = 2, values: list[str] | None = None, **kw: Any) -> InjectedInteraction:
        return await self.inject_interaction(3, custom_id=custom_id, message_id=message_id, component_type=component_type, values=values, **kw)

    async def submit_modal(self, custom_id: str, fields: dict[str, str], **kw: Any) -> InjectedInteraction:
        return await self.inject_interaction(5, custom_id=custom_id, fields=fields, **kw)

    async def post_user_message(self, content: str, *, channel_id: str | None = None, user_id: str | None = None) -> dict[str, Any]:
        """A person posts in a channel: stored and sent to the client as MESSAGE_CREATE."""
        cid = str(channel_id or self.channel_id)
        uid = str(user_id or self.user_id)
        msg = self._make_message(cid, {"content": content}, [], author=self.users[uid])
        self._store_message(msg, listed=True)
        event = dict(msg)
        gid = self.channels.get(cid, {}).get("guild_id")
        if gid and uid in self.guilds[gid]["members"]:
            event["member"] = {k: v for k, v in self.guilds[gid]["members"][uid].items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", event)
        return msg

    @staticmethod
    def custom_ids(message: dict[str, Any]) -> list[str]:
        """All component custom_ids in a message (or a callback's ``data``), depth first."""
        out: list[str] = []

        def walk(items: Any) -> None:
            for c in items or []:
                if "custom_id" in c:
                    out.append(c["custom_id"])
                walk(c.get("components"))
                if isinstance(c.get("accessory"), dict):
                    walk([c["accessory"]])
                if isinstance(c.get("component"), dict):
                    walk([c["component"]])

        walk(message.get("components"))
        return out

    # -- waiting on requests -----------------------------------------------------------------

    def find_requests(self, method: str | None = None, path: str | None = None, pred: Callable[[RecordedRequest], bool] | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(method, path) and (pred is None or pred(r))]

    async def wait_for_request(
        self,
        pred: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,
        *,
        method: str | None = None,
        path: str | None = None,
        since: int = 0,
        nth: int = 0,
    ) -> RecordedRequest:
        """The ``nth`` (0-based) recorded request from index ``since`` on that matches; waits for it.

        Requests are recorded once answered, so ``status`` and ``response`` are filled in."""

        def check() -> RecordedRequest | None:
            hits = [r for r in self.requests[since:] if r.matches(method, path) and (pred is None or pred(r))]
            return hits[nth] if len(hits) > nth else None

        return await self._wait(check, timeout, f"request {method or ''} {path or ''}".strip())

    def mark(self) -> int:
        """Current number of recorded requests, for ``since=``."""
        return len(self.requests)

    async def _wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        cond = self._cond()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with cond:
            while True:
                hit = check()
                if hit is not None:
                    return hit
                remaining = deadline - loop.time()
                if remaining <= 0:
                    recent = [f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:]]
                    raise TimeoutError(f"timed out after {timeout}s waiting for {what}; recent requests: {recent}")
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(cond.wait(), remaining)

    # -- gateway: server side --------------------------------------------------------------------

    def hold_connections(self) -> None:
        """New gateway connections wait (before the websocket upgrade) until ``release_connections()``:
        events dispatched meanwhile are buffered and replayed on RESUME, deterministically."""
        self._gateway_gate().clear()

    def release_connections(self) -> None:
        self._gateway_gate().set()

    def _gateway_gate(self) -> asyncio.Event:
        if self._gate is None:
            self._gate = asyncio.Event()
            self._gate.set()
        return self._gate

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        await self._gateway_gate().wait()
        ws = web.WebSocketResponse(max_msg_size=0, timeout=2.0)
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = _Connection(next(self._conn_numbers), ws, request, compress, self.compression == "none")
        self._connections.append(conn)
        self.connection_paths.append(request.path)
        self.connection_modes.append(conn.mode)
        try:
            if request.query.get("encoding", "json") != "json":
                conn.server_closed = True
                await ws.close(code=4002, message=b"only json encoding is supported")
                return ws
            await conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["discord-standin"]}})
            async for msg in ws:
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    try:
                        frame = json.loads(msg.data)
                    except ValueError:
                        conn.server_closed = True
                        await ws.close(code=4002, message=b"decode error")
                        break
                    await self._on_frame(conn, frame)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if not conn.server_closed and ws.close_code in (1000, 1001):
                    session.valid = False  # a clean close by the client ends the session
            if conn in self._connections:
                self._connections.remove(conn)
            conn.done.set()
            await self._notify()
        return ws

    async def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        d = frame.get("d")
        rec = GatewayFrame(conn.number, conn.path, op, d, len(self.gateway_frames))
        self.gateway_frames.append(rec)
        try:
            if op == 1:
                if self.ack_heartbeats:
                    await conn.send({"op": 11, "s": None, "t": None, "d": None})
            elif op == 2:
                await self._on_identify(conn, d or {}, rec.index)
            elif op == 6:
                await self._on_resume(conn, d or {}, rec.index)
            elif op == 8:
                await self._on_request_members(conn, d or {})
            elif conn.session is None and op not in (3, 4):
                conn.server_closed = True
                await conn.ws.close(code=4003, message=b"Not authenticated.")
        finally:
            await self._notify()

    def _token_ok(self, token: Any) -> bool:
        if not token:
            return False
        return self.token is None or token == self.token

    async def _on_identify(self, conn: _Connection, d: dict[str, Any], frame_index: int) -> None:
        if conn.session is not None:
            conn.server_closed = True
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if not self._token_ok(d.get("token")):
            conn.server_closed = True
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        session = _Session(uuid.uuid4().hex, d)
        self._sessions[session.id] = session
        session.conn = conn
        conn.session = session
        self.identify_count += 1
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": gid, "unavailable": True} for gid in self.guilds if session.holds(gid, self.route_shards)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": self.app_id, "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["discord-standin"],
        }
        if d.get("shard"):
            ready["shard"] = d["shard"]
        await self._session_dispatch(session, "READY", ready)
        for gid in [g for g in self.guilds if session.holds(g, self.route_shards)]:
            await self._session_dispatch(session, "GUILD_CREATE", self.guild_payload(gid))
        self.accepted_identifies.append(frame_index)

    async def _on_resume(self, conn: _Connection, d: dict[str, Any], frame_index: int) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or not session.valid or not self._token_ok(d.get("token")):
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return
        old = session.conn
        if old is not None and old is not conn:
            old.session = None
            old.server_closed = True
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        session.conn = conn
        conn.session = session
        last = d.get("seq") or 0
        for seq, event, data in list(session.events):
            if seq > last:
                await conn.send({"op": 0, "s": seq, "t": event, "d": data})
        await self._session_dispatch(session, "RESUMED", {"_trace": ["discord-standin"]})
        self.resume_count += 1
        self.accepted_resumes.append(frame_index)

    async def _on_request_members(self, conn: _Connection, d: dict[str, Any]) -> None:
        if conn.session is None:
            return
        gids = d.get("guild_id")
        gids = gids if isinstance(gids, list) else [gids]
        for gid in gids:
            g = self.guilds.get(str(gid))
            if g is None:
                continue
            members = list(g["members"].values())
            user_ids = d.get("user_ids")
            not_found: list[str] = []
            if user_ids:
                wanted = [str(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
                not_found = [u for u in wanted if u not in g["members"]]
                members = [m for m in members if m["user"]["id"] in wanted]
            elif d.get("query"):
                q = d["query"].lower()
                members = [m for m in members if m["user"]["username"].lower().startswith(q)]
            if d.get("limit"):
                members = members[: d["limit"]]
            chunk = {"guild_id": str(gid), "members": members, "chunk_index": 0, "chunk_count": 1, "not_found": not_found}
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            await self._session_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- REST --------------------------------------------------------------------------------------

    async def _attachment_handler(self, request: web.Request) -> web.StreamResponse:
        aid = request.match_info["aid"]
        self.downloads.append(aid)
        blob = self.attachment_blobs.get(aid)
        if blob is None:
            return web.Response(status=404, text="not found")
        if aid not in self.chunked_uploads:
            return web.Response(body=blob, content_type="application/octet-stream")
        stream = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        stream.enable_chunked_encoding()   # no Content-Length: only what arrives tells the size
        await stream.prepare(request)
        for start in range(0, len(blob), 16 * 1024):
            await stream.write(blob[start:start + 16 * 1024])
        await stream.write_eof()
        return stream

    @staticmethod
    def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
        if status == 204 or body is None:
            return web.Response(status=204 if body is None else status, headers=headers)
        # exactly "application/json": discord.py compares the content type with ==
        return web.Response(status=status, body=_dumps(body).encode(), content_type="application/json", headers=headers)

    async def _read_body(self, request: web.Request, rec: RecordedRequest) -> None:
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            rec.multipart = True
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                raw = await part.read(decode=True)
                if part.filename is not None:
                    rec.files.append(RecordedFile(part.name or "", part.filename, part.headers.get("Content-Type", ""), bytes(raw)))
                elif part.name == "payload_json":
                    rec.json = json.loads(raw.decode())
                else:
                    rec.form[part.name or ""] = raw.decode(errors="replace")
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    rec.json = json.loads(raw.decode())
                except ValueError:
                    rec.form["_raw"] = raw.decode(errors="replace")

    async def _rest_handler(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers={k: request.headers[k] for k in ("Authorization", "Content-Type", "X-Audit-Log-Reason", "User-Agent") if k in request.headers},
            at=time.monotonic(),
        )
        headers: dict[str, str] | None = None
        try:
            await self._read_body(request, rec)
            fault = self._take_fault(rec)
            verdict = None if fault is not None or self.rate_limits is None else self.rate_limits.check(
                rec.method, rec.path, rec.headers.get("Authorization", ""))
            if fault is not None:
                status, body, headers = fault.status, fault.body, fault.headers
            elif verdict is not None and verdict.status == 429:
                status, body, headers = 429, verdict.body, verdict.headers
                self.rate_limited.append(rec)
            else:
                status, body = await self._route(rec)
                if verdict is not None:
                    headers = verdict.headers
        except _HTTPError as exc:
            status, body = exc.status, exc.body
        except Exception as exc:  # a bug in the stand-in: answer like Discord would, keep the trace
            import traceback

            traceback.print_exc()
            status, body = 500, {"message": f"stand-in error: {exc!r}", "code": 0}
        rec.status, rec.response = status, body
        rec.response_headers = dict(headers or {})
        rec.index = len(self.requests)
        self.requests.append(rec)
        if status == 404 and isinstance(body, dict) and body.get("code") == 0:
            self.unhandled.append(rec)
        await self._notify()
        return self._json_response(status, body, headers)

    def _take_fault(self, rec: RecordedRequest) -> _Fault | None:
        for f in self._faults:
            if rec.matches(f.method, f.path):
                f.times -= 1
                if f.times <= 0:
                    self._faults.remove(f)
                return f
        return None

    def _check_auth(self, rec: RecordedRequest) -> None:
        auth = rec.headers.get("Authorization", "")
        if not auth.startswith("Bot ") or not self._token_ok(auth[4:]):
            raise _HTTPError(401, 0, "401: Unauthorized")

    async def _route(self, rec: RecordedRequest) -> tuple[int, Any]:
        m, p = rec.method, rec.path
        # token-authenticated (no bot token needed): interaction callbacks and webhooks
        if r := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p):
            if m == "POST":
                return await self._interaction_callback(rec, r[1], r[2])
        if r := re.fullmatch(r"/webhooks/(\d+)/([^/]+)", p):
            if m == "POST":
                return await self._webhook_execute(rec, r[1], r[2])
        if r := re.fullmatch(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", p):
            return await self._webhook_message(rec, r[1], r[2], r[3])

        self._check_auth(rec)
        if p == "/users/@me" and m == "GET":
            return 200, self.bot_user
        if (r := re.fullmatch(r"/users/(\d+)", p)) and m == "GET":
            if r[1] not in self.users:
                raise _HTTPError(404, 10013, "Unknown User")
            return 200, self.users[r[1]]
        if p == "/users/@me/channels" and m == "POST":
            uid = str((rec.json or {}).get("recipient_id"))
            if uid not in self.users:
                raise _HTTPError(400, 50035, "Invalid Form Body")
            return 200, self._dm_channel(uid)
        if p in ("/oauth2/applications/@me", "/applications/@me") and m == "GET":
            return 200, self._app_info()
        if p == "/gateway" and m == "GET":
            return 200, {"url": self.gateway_url.rstrip("/")}
        if p == "/gateway/bot" and m == "GET":
            return 200, {
                "url": self.gateway_url.rstrip("/"),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 16},
            }
        if r := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands(?:/(\d+))?", p):
            return self._commands(rec, r[1], r[2], r[3])
        if r := re.fullmatch(r"/channels/(\d+)(/.*)?", p):
            return await self._channel_route(rec, r[1], r[2] or "")
        if r := re.fullmatch(r"/guilds/(\d+)(/.*)?", p):
            return self._guild_route(rec, r[1], r[2] or "")
        return 404, {"message": "404: Not Found", "code": 0}

    def _app_info(self) -> dict[str, Any]:
        owner = self._user_dict(snowflake(), "owner")
        return {
            "id": self.app_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.application_flags,
            "owner": owner,
            "team": None,
            "bot": self.bot_user,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
            "integration_types_config": {"0": {}},
        }

    # commands ------------------------------------------------------------------------------

    def _commands(self, rec: RecordedRequest, app_id: str, guild_id: str | None, cmd_id: str | None) -> tuple[int, Any]:
        if app_id != self.app_id:
            raise _HTTPError(404, 10002, "Unknown Application")
        if guild_id is not None:
            if guild_id not in self.guilds:
                raise _HTTPError(403, 50001, "Missing Access")
            store = self.guild_commands.setdefault(guild_id, [])
        else:
            store = self.global_commands
        m = rec.method
        if cmd_id is None:
            if m == "GET":
                return 200, store
            if m == "PUT":
                problems = [p for c in (rec.json or []) for p in command_problems(c)]
                if problems:
                    raise _HTTPError(400, 50035, "Invalid Form Body", {"_errors": [{"code": "APPLICATION_COMMAND_INVALID", "message": "; ".join(problems)}]})
                new = [self._command_obj(c, guild_id, store) for c in (rec.json or [])]
                store[:] = new
                return 200, new
            if m == "POST":
                cmd = self._command_obj(rec.json or {}, guild_id, store)
                store[:] = [c for c in store if not (c["name"] == cmd["name"] and c["type"] == cmd["type"])] + [cmd]
                return 201, cmd
        else:
            cmd = next((c for c in store if c["id"] == cmd_id), None)
            if cmd is None:
                raise _HTTPError(404, 10063, "Unknown application command")
            if m == "GET":
                return 200, cmd
            if m == "PATCH":
                cmd.update({k: v for k, v in (rec.json or {}).items() if k != "id"})
                cmd["version"] = snowflake()
                return 200, cmd
            if m == "DELETE":
                store.remove(cmd)
                return 204, None
        return 405, {"message": "405: Method Not Allowed", "code": 0}

    def _command_obj(self, body: dict[str, Any], guild_id: str | None, existing: list[dict[str, Any]]) -> dict[str, Any]:
        t = body.get("type", 1)
        old = next((c for c in existing if c["name"] == body.get("name") and c.get("type", 1) == t), None)
        cmd = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            **body,
            "id": old["id"] if old else snowflake(),
            "application_id": self.app_id,
            "type": t,
            "version": snowflake(),
        }
        if guild_id is not None:
            cmd["guild_id"] = guild_id
        return cmd

    # channels & messages ---------------------------------------------------------------------

    def _dm_channel(self, uid: str) -> dict[str, Any]:
        for ch in self.channels.values():
            if ch["type"] == 1 and ch.get("recipients") and ch["recipients"][0]["id"] == uid:
                return ch
        cid = snowflake()
        ch = {"id": cid, "type": 1, "last_message_id": None, "flags": 0, "recipients": [self.users[uid]]}
        self.channels[cid] = ch
        self.channel_messages[cid] = []
        return ch

    def _channel_or_error(self, cid: str) -> dict[str, Any]:
        ch = self.channels.get(cid)
        if ch is None:
            raise _unknown_channel()
        if cid in self.forbidden_channels:
            raise _HTTPError(403, 50013, "Missing Permissions")
        return ch

    async def _channel_route(self, rec: RecordedRequest, cid: str, rest: str) -> tuple[int, Any]:
        ch = self._channel_or_error(cid)
        m = rec.method
        if rest == "":
            if m == "GET":
                return 200, ch
        elif rest == "/messages":
            if m == "GET":
                # As Discord: newest first; `after` gives the `limit` oldest messages after it, `before`
                # the newest ones before it (ids are snowflakes, ordered by time).
                limit = max(1, min(100, int(rec.query.get("limit", 50))))
                ids = [i for i in self.channel_messages.get(cid, []) if i in self.messages]
                if rec.query.get("after"):
                    newer = [i for i in ids if int(i) > int(rec.query["after"])][:limit]
                    return 200, [self.messages[i] for i in reversed(newer)]
                if rec.query.get("before"):
                    ids = [i for i in ids if int(i) < int(rec.query["before"])]
                return 200, [self.messages[i] for i in reversed(ids)][:limit]
            if m == "POST":
                if ch["type"] == 1 and ch["recipients"][0]["id"] in self.dm_blocked:
                    raise _HTTPError(403, 50007, "Cannot send messages to this user")
                msg = self._make_message(cid, rec.json or {}, rec.files, author=self.bot_user)
                self._store_message(msg, listed=True)
                if self.on_message_created is not None:
                    self.on_message_created(msg)
                await self._echo("MESSAGE_CREATE", msg)
                return 200, msg
        elif rest == "/typing":
            if m == "POST":
                return 204, None
        elif r := re.fullmatch(r"/messages/(\d+)", rest):
            msg = self.messages.get(r[1])
            if msg is None or msg["channel_id"] != cid:
                raise _HTTPError(404, 10008, "Unknown Message")
            if m == "GET":
                return 200, msg
            if m == "PATCH":
                if msg["author"]["id"] != self.app_id:
                    raise _HTTPError(403, 50005, "Cannot edit a message authored by another user")
                self._edit_message(msg, rec.json or {}, rec.files)
                await self._echo("MESSAGE_UPDATE", msg)
                return 200, msg
            if m == "DELETE":
                self._delete_message(msg["id"])
                await self._echo("MESSAGE_DELETE", {"id": msg["id"], "channel_id": cid, **({"guild_id": msg["guild_id"]} if msg.get("guild_id") else {})})
                return 204, None
        elif r := re.fullmatch(r"/messages/(\d+)/reactions/([^/]+)/@me", rest):
            if r[1] not in self.messages:
                raise _HTTPError(404, 10008, "Unknown Message")
            if m in ("PUT", "DELETE"):
                self.reactions.append((m, cid, r[1], r[2]))
                return 204, None
        elif rest == "/messages/bulk-delete" and m == "POST":
            for mid in (rec.json or {}).get("messages", []):
                self._delete_message(str(mid))
            return 204, None
        return 404, {"message": "404: Not Found", "code": 0}

    def _guild_route(self, rec: RecordedRequest, gid: str, rest: str) -> tuple[int, Any]:
        g = self.guilds.get(gid)
        if g is None:
            raise _HTTPError(404, 10004, "Unknown Guild")
        if rec.method != "GET":
            return 404, {"message": "404: Not Found", "code": 0}
        if rest == "":
            p = self.guild_payload(gid)
            return 200, {k: v for k, v in p.items() if k not in ("members", "channels", "threads", "voice_states", "presences")}
        if rest == "/channels":
            return 200, [self.channels[c] for c in g["channels"] if c in self.channels]
        if rest == "/roles":
            return 200, list(g["roles"].values())
        if rest == "/members":
            return 200, list(g["members"].values())
        if r := re.fullmatch(r"/members/(\d+)", rest):
            if r[1] not in g["members"]:
                raise _HTTPError(404, 10007, "Unknown Member")
            return 200, g["members"][r[1]]
        return 404, {"message": "404: Not Found", "code": 0}

    async def _echo(self, event: str, msg: dict[str, Any]) -> None:
        if self.echo_message_events and not (msg.get("flags", 0) & EPHEMERAL):
            await self.dispatch(event, msg)

    def _attachments_from(self, payload: dict[str, Any], files: list[RecordedFile], keep: list[dict[str, Any]]) -> list[dict[str, Any]]:
        by_field: dict[str, RecordedFile] = {f.field: f for f in files}
        out: list[dict[str, Any]] = []
        declared = payload.get("attachments")
        used: set[str] = set()
        if declared is not None:
            existing = {a["id"]: a for a in keep}
            for a in declared:
                aid = str(a.get("id"))
                if aid in existing:
                    out.append(existing[aid])
                    continue
                f = by_field.get(f"files[{aid}]")
                if f is not None:
                    used.add(f.field)
                    out.append(self._attachment(f, a))
        else:
            out.extend(keep)
        for f in files:
            if f.field not in used:
                out.append(self._attachment(f, {}))
        return out

    def _attachment(self, f: RecordedFile, meta: dict[str, Any]) -> dict[str, Any]:
        aid = snowflake()
        self.attachment_blobs[aid] = f.data
        url = f"{self.base_url}/attachments/{aid}/{meta.get('filename') or f.filename}"
        att = {
            "id": aid,
            "filename": meta.get("filename") or f.filename,
            "size": len(f.data),
            "url": url,
            "proxy_url": url,
            "content_type": _guess_type(f.filename),
        }
        if meta.get("description"):
            att["description"] = meta["description"]
        return att

    def _check_message_body(self, payload: dict[str, Any], files: list[RecordedFile], *, creating: bool) -> None:
        content = payload.get("content")
        if content is not None and len(str(content)) > 2000:
            raise _HTTPError(400, 50035, "Invalid Form Body", {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}})
        if creating and not (content or payload.get("embeds") or files or payload.get("components") or payload.get("sticker_ids") or payload.get("poll")):
            raise _HTTPError(400, 50006, "Cannot send an empty message")
        problem = embed_problem(payload.get("embeds") or [])
        if problem:
            raise _HTTPError(400, 50035, "Invalid Form Body", {"embeds": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": problem}]}})
        for a in payload.get("attachments") or []:
            if len(str(a.get("description") or "")) > 1024:
                raise _HTTPError(400, 50035, "Invalid Form Body", {"attachments": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "description: Must be 1024 or fewer in length."}]}})

    def _make_message(
        self,
        channel_id: str,
        payload: dict[str, Any],
        files: list[RecordedFile],
        *,
        author: dict[str, Any],
        webhook_id: str | None = None,
        interaction: _Interaction | None = None,
        flags: int | None = None,
        check: bool = True,
    ) -> dict[str, Any]:
        if check:
            self._check_message_body(payload, files, creating=True)
        ch = self.channels.get(channel_id, {})
        msg: dict[str, Any] = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": author,
            "content": payload.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments_from(payload, files, []),
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": payload.get("flags", 0) if flags is None else flags,
        }
        if ch.get("guild_id"):
            msg["guild_id"] = ch["guild_id"]
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        ref = payload.get("message_reference")
        if ref:
            msg["type"] = 19
            msg["message_reference"] = {"message_id": str(ref.get("message_id")), "channel_id": channel_id, **({"guild_id": ch["guild_id"]} if ch.get("guild_id") else {})}
        if webhook_id is not None:
            msg["webhook_id"] = webhook_id
            msg["application_id"] = self.app_id
        if interaction is not None:
            p = interaction.payload
            user = p.get("member", {}).get("user") or p.get("user")
            msg["type"] = 20 if p["type"] == 2 else 0
            msg["interaction_metadata"] = {
                "id": interaction.id,
                "type": p["type"],
                "user": user,
                "authorizing_integration_owners": p.get("authorizing_integration_owners", {}),
            }
            if p["type"] == 2:
                msg["interaction_metadata"]["name"] = p["data"]["name"]
                msg["interaction"] = {"id": interaction.id, "type": 2, "name": p["data"]["name"], "user": user}
        return msg

    def _store_message(self, msg: dict[str, Any], *, listed: bool) -> None:
        self.messages[msg["id"]] = msg
        cid = msg["channel_id"]
        if listed and not (msg.get("flags", 0) & EPHEMERAL):
            self.channel_messages.setdefault(cid, []).append(msg["id"])
            if cid in self.channels:
                self.channels[cid]["last_message_id"] = msg["id"]

    def _edit_message(self, msg: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]) -> None:
        self._check_message_body(payload, files, creating=False)
        for key in ("content", "embeds", "components"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ("" if key == "content" else [])
        if "flags" in payload and payload["flags"] is not None:
            keep = msg.get("flags", 0) & EPHEMERAL
            msg["flags"] = (int(payload["flags"]) & ~EPHEMERAL) | keep
        if "attachments" in payload or files:
            msg["attachments"] = self._attachments_from(payload, files, msg.get("attachments", []))
        msg["flags"] = msg.get("flags", 0) & ~LOADING
        msg["edited_timestamp"] = _now_iso()

    def _delete_message(self, mid: str) -> None:
        msg = self.messages.pop(mid, None)
        if msg is None:
            return
        ids = self.channel_messages.get(msg["channel_id"], [])
        if mid in ids:
            ids.remove(mid)

    # interactions & webhooks -------------------------------------------------------------------

    async def _interaction_callback(self, rec: RecordedRequest, iid: str, token: str) -> tuple[int, Any]:
        it = self.interactions.get(iid)
        if it is None or it.token != token:
            raise _HTTPError(404, 10062, "Unknown interaction")
        if it.acked:
            raise _HTTPError(400, 40060, "Interaction has already been acknowledged.")
        body = rec.json or {}
        rtype = body.get("type")
        data = body.get("data") or {}
        cb: dict[str, Any] = {"id": iid, "type": it.payload["type"]}
        resource: dict[str, Any] | None = None
        if rtype in (4, 5):
            flags = int(data.get("flags", 0) or 0)
            if rtype == 5:
                msg = self._make_message(it.channel_id or "0", {}, [], author=self.bot_user, webhook_id=self.app_id, interaction=it, flags=(flags & EPHEMERAL) | LOADING, check=False)
            else:
                msg = self._make_message(it.channel_id or "0", data, rec.files, author=self.bot_user, webhook_id=self.app_id, interaction=it, flags=flags)
            self._store_message(msg, listed=True)
            it.original_message_id = msg["id"]
            cb.update(response_message_id=msg["id"], response_message_loading=rtype == 5, response_message_ephemeral=bool(flags & EPHEMERAL))
            resource = {"type": rtype, "message": msg}
            await self._echo("MESSAGE_CREATE", msg)
        elif rtype in (6, 7):
            if it.payload["type"] not in (3, 5) or it.original_message_id not in self.messages:
                raise _HTTPError(400, 50035, "Invalid Form Body", {"type": {"_errors": [{"code": "INTERACTION_RESPONSE_TYPE_INVALID", "message": "Invalid interaction response type"}]}})
            msg = self.messages[it.original_message_id]
            if rtype == 7:
                self._edit_message(msg, data, rec.files)
                await self._echo("MESSAGE_UPDATE", msg)
            cb.update(response_message_id=msg["id"], response_message_loading=False, response_message_ephemeral=bool(msg.get("flags", 0) & EPHEMERAL))
            resource = {"type": rtype, "message": msg} if rtype == 7 else None
        elif rtype in (8, 9, 10, 12):
            resource = None
        else:
            raise _HTTPError(400, 50035, "Invalid Form Body", {"type": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": f"Value must be one of valid types; got {rtype!r}"}]}})
        it.acked = True
        it.response_type = rtype
        it.response = body
        out: dict[str, Any] = {"interaction": cb}
        if resource is not None:
            out["resource"] = resource
        if rec.query.get("with_response") in ("1", "true", "True"):
            return 200, out
        return 204, None

    def _interaction_for_webhook(self, app_id: str, token: str) -> _Interaction:
        it = self._interactions_by_token.get(token)
        if app_id != self.app_id or it is None:
            raise _HTTPError(404, 10015, "Unknown Webhook")
        if not it.acked:
            raise _HTTPError(404, 10015, "Unknown Webhook")
        return it

    async def _webhook_execute(self, rec: RecordedRequest, app_id: str, token: str) -> tuple[int, Any]:
        it = self._interaction_for_webhook(app_id, token)
        body = rec.json or {}
        msg = self._make_message(it.channel_id or "0", body, rec.files, author=self.bot_user, webhook_id=self.app_id, interaction=it, flags=int(body.get("flags", 0) or 0))
        self._store_message(msg, listed=True)
        it.followup_ids.append(msg["id"])
        await self._echo("MESSAGE_CREATE", msg)
        if rec.query.get("wait") in ("1", "true", "True"):
            return 200, msg
        return 204, None

    async def _webhook_message(self, rec: RecordedRequest, app_id: str, token: str, which: str) -> tuple[int, Any]:
        it = self._interaction_for_webhook(app_id, token)
        mid = it.original_message_id if which == "@original" else which
        if mid is None or mid not in self.messages or (which != "@original" and mid not in it.followup_ids and mid != it.original_message_id):
            raise _HTTPError(404, 10008, "Unknown Message")
        msg = self.messages[mid]
        if rec.method == "GET":
            return 200, msg
        if rec.method == "PATCH":
            self._edit_message(msg, rec.json or {}, rec.files)
            await self._echo("MESSAGE_UPDATE", msg)
            return 200, msg
        if rec.method == "DELETE":
            self._delete_message(mid)
            await self._echo("MESSAGE_DELETE", {"id": mid, "channel_id": msg["channel_id"]})
            return 204, None
        return 405, {"message": "405: Method Not Allowed", "code": 0}


def embed_problem(embeds: list[dict[str, Any]]) -> str | None:
    """Discord's embed limits: 10 embeds a message, 256/4096/2048 characters for title, description and
    footer, 25 fields of 256/1024 (neither empty), and 6000 characters for all embeds of a message."""
    if len(embeds) > 10:
        return "embeds: Must be 10 or fewer in length."
    total = 0
    for e in embeds:
        title, desc, footer = e.get("title") or "", e.get("description") or "", (e.get("footer") or {}).get("text") or ""
        fields = e.get("fields") or []
        if len(title) > 256 or len(desc) > 4096 or len(footer) > 2048 or len(fields) > 25:
            return "embed: a title, description, footer or field count is over its limit"
        for f in fields:
            if not str(f.get("name") or "").strip() or not str(f.get("value") or "").strip():
                return "embed field: name and value are required"
            if len(f["name"]) > 256 or len(f["value"]) > 1024:
                return "embed field: over its length limit"
        total += len(title) + len(desc) + len(footer) + len((e.get("author") or {}).get("name") or "") + sum(len(f["name"]) + len(f["value"]) for f in fields)
    return "embeds: Embed size exceeds maximum size of 6000" if total > 6000 else None


_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def command_problems(cmd: dict[str, Any], where: str = "") -> list[str]:
    """What Discord refuses in a chat-input command: names, 1-100 character descriptions, at most 25
    options or choices, required options before optional ones, and min/max only on numbers."""
    out: list[str] = []
    path = f"{where}{cmd.get('name')}"
    if not _COMMAND_NAME.match(str(cmd.get("name", ""))) or cmd.get("name") != str(cmd.get("name", "")).lower():
        out.append(f"{path}: invalid name")
    if not 1 <= len(str(cmd.get("description", ""))) <= 100:
        out.append(f"{path}: description must be 1-100 characters")
    options = cmd.get("options") or []
    if len(options) > 25:
        out.append(f"{path}: more than 25 options")
    seen_optional = False
    for o in options:
        t = o.get("type")
        if t in (1, 2):
            out.extend(command_problems(o, path + " "))
            continue
        if not o.get("required"):
            seen_optional = True
        elif seen_optional:
            out.append(f"{path} {o.get('name')}: required after optional")
        if not _COMMAND_NAME.match(str(o.get("name", ""))) or not 1 <= len(str(o.get("description", ""))) <= 100:
            out.append(f"{path} {o.get('name')}: invalid name or description")
        if len(o.get("choices") or []) > 25 or (o.get("choices") and o.get("autocomplete")):
            out.append(f"{path} {o.get('name')}: choices")
        for bound in ("min_value", "max_value"):
            if bound in o and (t not in (4, 10) or isinstance(o[bound], (str, bool)) or (t == 4 and not float(o[bound]).is_integer())):
                out.append(f"{path} {o.get('name')}: {bound} must be a number on an integer or number option")
        if "min_value" in o and "max_value" in o and not isinstance(o["min_value"], str) and o["min_value"] > o["max_value"]:
            out.append(f"{path} {o.get('name')}: min_value above max_value")
    return out


def resolved_permissions(permissions: Any) -> str:
    """Discord resolves ADMINISTRATOR to every permission in interaction payloads."""
    value = int(permissions)
    if value & (1 << 3):
        import discord

        value |= discord.Permissions.all().value
    return str(value)


def _guess_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
