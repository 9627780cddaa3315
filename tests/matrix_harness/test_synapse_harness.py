"""Smoke tests for the real-Synapse harness, driven through matrix-nio.

Plain sync tests that call ``asyncio.run``: nio clients live inside one event
loop, so each test builds its own clients from the tokens stored in the
module-scoped ``world`` fixture (``restore_login``), exactly like a bot process
that restarts with a saved access token.
"""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from .synapse import SynapseHarnessError, SynapseServer, synapse_available

pytestmark = [pytest.mark.synapse, pytest.mark.skipif(not synapse_available(), reason="matrix-synapse not installed")]

nio = pytest.importorskip("nio")

PASSWORD = "correct horse battery staple"


def tiny_png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 90)) -> bytes:
    """A valid RGB PNG built by hand (no Pillow needed in the test env)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def hs(tmp_path_factory: pytest.TempPathFactory):
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    t0 = time.monotonic()
    server.start()
    print(f"\n[synapse] started in {time.monotonic() - t0:.2f}s at {server.url} (pid {server.pid})")
    yield server
    t0 = time.monotonic()
    server.stop()
    print(f"\n[synapse] stopped in {time.monotonic() - t0:.2f}s")


class World:
    """Users, tokens and the shared room; also B's sync position and every event id B saw."""

    def __init__(self, hs: SynapseServer) -> None:
        self.hs = hs
        self.logins: dict[str, tuple[str, str, str]] = {}  # name -> (user_id, device_id, token)
        self.room_id = ""
        self.b_since: str | None = None
        self.b_seen: list[str] = []  # event ids in arrival order, across the whole module

    @asynccontextmanager
    async def client(self, name: str) -> AsyncIterator[nio.AsyncClient]:
        user_id, device_id, token = self.logins[name]
        client = nio.AsyncClient(self.hs.url, user_id)
        client.restore_login(user_id, device_id, token)
        try:
            yield client
        finally:
            await client.close()

    async def b_wait_for(
        self, b: nio.AsyncClient, predicate: Callable[[Any], bool], timeout: float = 15.0
    ) -> Any:
        """Incremental-sync B from its last position until an event in the room matches."""
        found = None
        deadline = time.monotonic() + timeout
        while found is None:
            assert time.monotonic() < deadline, "event did not arrive via /sync"
            resp = await b.sync(timeout=2000, since=self.b_since)
            assert isinstance(resp, nio.SyncResponse), resp
            self.b_since = resp.next_batch
            room = resp.rooms.join.get(self.room_id)
            for event in room.timeline.events if room else []:
                assert event.event_id not in self.b_seen, f"duplicate event {event.event_id}"
                self.b_seen.append(event.event_id)
                if found is None and predicate(event):
                    found = event
        return found


def ok(resp: Any, kind: type) -> Any:
    assert isinstance(resp, kind), f"expected {kind.__name__}, got {resp!r}"
    return resp


@pytest.fixture(scope="module")
def world(hs: SynapseServer) -> World:
    w = World(hs)

    async def setup() -> None:
        for name, admin in (("alice", True), ("bob", False)):
            user_id, _ = await hs.register_user_async(name, PASSWORD, admin=admin)
            client = nio.AsyncClient(hs.url, user_id)
            login = ok(await client.login(PASSWORD, device_name=f"{name}-tests"), nio.LoginResponse)
            w.logins[name] = (login.user_id, login.device_id, login.access_token)
            await client.close()

        bob_id = w.logins["bob"][0]
        async with w.client("alice") as a, w.client("bob") as b:
            created = ok(await a.room_create(name="peerpulse e2e", invite=[bob_id]), nio.RoomCreateResponse)
            w.room_id = created.room_id
            # B sees the invite in /sync, then joins.
            deadline = time.monotonic() + 15
            while True:
                resp = ok(await b.sync(timeout=2000, since=w.b_since), nio.SyncResponse)
                w.b_since = resp.next_batch
                if w.room_id in resp.rooms.invite:
                    break
                assert time.monotonic() < deadline, "invite never reached B"
            ok(await b.join(w.room_id), nio.JoinResponse)
            members = ok(await a.joined_members(w.room_id), nio.JoinedMembersResponse)
            assert {m.user_id for m in members.members} == {w.logins["alice"][0], bob_id}

    asyncio.run(setup())
    return w


# --------------------------------------------------------------------------- tests


def test_register_user_shared_secret(hs: SynapseServer) -> None:
    user_id, token = hs.register_user("carol", PASSWORD)
    assert user_id == hs.user_id("carol") == "@carol:peerpulse.test"
    whoami = hs.request("GET", "/_matrix/client/v3/account/whoami", access_token=token)
    assert whoami["user_id"] == user_id
    with pytest.raises(SynapseHarnessError, match="M_USER_IN_USE"):
        hs.register_user("carol", PASSWORD)
    # Public registration is closed.
    with pytest.raises(SynapseHarnessError, match="HTTP 403"):
        hs.request("POST", "/_matrix/client/v3/register", {"username": "eve", "password": "x"})


def test_text_message_roundtrip(world: World) -> None:
    async def run() -> None:
        async with world.client("alice") as a, world.client("bob") as b:
            sent = ok(
                await a.room_send(world.room_id, "m.room.message", {"msgtype": "m.text", "body": "hello bob"}),
                nio.RoomSendResponse,
            )
            event = await world.b_wait_for(b, lambda e: e.event_id == sent.event_id)
            assert isinstance(event, nio.RoomMessageText)
            assert event.body == "hello bob"
            assert event.sender == world.logins["alice"][0]

    asyncio.run(run())


def test_image_upload_and_send(world: World) -> None:
    png = tiny_png()

    async def run() -> None:
        async with world.client("alice") as a, world.client("bob") as b:
            upload, keys = await a.upload(
                lambda *_: png, content_type="image/png", filename="dot.png", filesize=len(png)
            )
            upload = ok(upload, nio.UploadResponse)
            assert keys is None and upload.content_uri.startswith("mxc://peerpulse.test/")
            content = {
                "msgtype": "m.image",
                "body": "dot.png",
                "url": upload.content_uri,
                "info": {"mimetype": "image/png", "size": len(png), "w": 2, "h": 2},
            }
            sent = ok(await a.room_send(world.room_id, "m.room.message", content), nio.RoomSendResponse)
            event = await world.b_wait_for(b, lambda e: e.event_id == sent.event_id)
            assert isinstance(event, nio.RoomMessageImage)
            assert event.url == upload.content_uri
            # nio 0.26 downloads via the authenticated /_matrix/client/v1/media API.
            got = ok(await b.download(mxc=event.url), nio.MemoryDownloadResponse)
            assert got.body == png and got.content_type == "image/png"

    asyncio.run(run())


def test_edit_and_redact(world: World) -> None:
    async def run() -> None:
        async with world.client("alice") as a, world.client("bob") as b:
            send = lambda body: a.room_send(world.room_id, "m.room.message", {"msgtype": "m.text", "body": body})
            original = ok(await send("weight 80kg"), nio.RoomSendResponse)
            doomed = ok(await send("oops, private"), nio.RoomSendResponse)
            edit = ok(
                await a.room_send(
                    world.room_id,
                    "m.room.message",
                    {
                        "msgtype": "m.text",
                        "body": "* weight 79kg",
                        "m.new_content": {"msgtype": "m.text", "body": "weight 79kg"},
                        "m.relates_to": {"rel_type": "m.replace", "event_id": original.event_id},
                    },
                ),
                nio.RoomSendResponse,
            )
            redaction = ok(await a.room_redact(world.room_id, doomed.event_id, reason="privacy"), nio.RoomRedactResponse)

            seen: dict[str, Any] = {}

            def collect(e: Any) -> bool:
                seen[e.event_id] = e
                return redaction.event_id in seen and edit.event_id in seen

            await world.b_wait_for(b, collect)
            edit_ev = seen[edit.event_id]
            assert edit_ev.source["content"]["m.relates_to"] == {
                "rel_type": "m.replace",
                "event_id": original.event_id,
            }
            assert edit_ev.source["content"]["m.new_content"]["body"] == "weight 79kg"
            red_ev = seen[redaction.event_id]
            assert isinstance(red_ev, nio.RedactionEvent) and red_ev.redacts == doomed.event_id

            # Server side: the redacted event has lost its content, the original carries the edit.
            path = f"/_matrix/client/v3/rooms/{world.room_id}/event/"
            token = world.logins["bob"][2]
            gone = world.hs.request("GET", path + doomed.event_id, access_token=token)
            assert gone["content"] == {} and gone["unsigned"]["redacted_because"]["event_id"] == redaction.event_id
            orig = world.hs.request("GET", path + original.event_id, access_token=token)
            assert orig["unsigned"]["m.relations"]["m.replace"]["event_id"] == edit.event_id

    asyncio.run(run())


def test_power_levels_roundtrip(world: World) -> None:
    bob_id = world.logins["bob"][0]

    async def run() -> None:
        async with world.client("alice") as a, world.client("bob") as b:
            current = ok(
                await a.room_get_state_event(world.room_id, "m.room.power_levels"), nio.RoomGetStateEventResponse
            )
            content = dict(current.content)
            content["users"] = {**content.get("users", {}), bob_id: 50}
            ok(await a.room_put_state(world.room_id, "m.room.power_levels", content), nio.RoomPutStateResponse)
            back = ok(
                await b.room_get_state_event(world.room_id, "m.room.power_levels"), nio.RoomGetStateEventResponse
            )
            assert back.content["users"][bob_id] == 50
            # Synapse 1.163 defaults to room version 12 (bumped from 11 in element-hq/synapse#20130):
            # the creator has implicit, unlimited power and is NOT in power_levels.users.
            create = ok(await b.room_get_state_event(world.room_id, "m.room.create"), nio.RoomGetStateEventResponse)
            alice_id = world.logins["alice"][0]
            if create.content.get("room_version") == "12":
                assert alice_id not in back.content["users"]
            else:
                assert back.content["users"][alice_id] == 100
            await world.b_wait_for(b, lambda e: isinstance(e, nio.PowerLevelsEvent))

    asyncio.run(run())


def test_restart_keeps_state_and_sync_position(hs: SynapseServer, world: World) -> None:
    """Runs last: restart Synapse mid-module; tokens, room and B's sync token survive."""
    seen_before = len(world.b_seen)
    port_before = hs.port
    took = hs.restart()
    print(f"\n[synapse] restart (stop+start) took {took:.2f}s (start alone {hs.last_start_seconds:.2f}s)")
    assert hs.port == port_before and hs.running

    async def run() -> None:
        async with world.client("alice") as a, world.client("bob") as b:
            # Nothing new since B's last token: no replay of old events.
            resp = ok(await b.sync(timeout=0, since=world.b_since), nio.SyncResponse)
            room = resp.rooms.join.get(world.room_id)
            assert not (room and room.timeline.events), [e.event_id for e in room.timeline.events]
            world.b_since = resp.next_batch

            sent = ok(
                await a.room_send(world.room_id, "m.room.message", {"msgtype": "m.text", "body": "after restart"}),
                nio.RoomSendResponse,
            )
            event = await world.b_wait_for(b, lambda e: e.event_id == sent.event_id)
            assert event.body == "after restart"
            assert world.b_seen.count(sent.event_id) == 1
            assert len(world.b_seen) == seen_before + 1
            assert len(set(world.b_seen)) == len(world.b_seen)

            # The power level set before the restart is still there.
            pl = ok(await b.room_get_state_event(world.room_id, "m.room.power_levels"), nio.RoomGetStateEventResponse)
            assert pl.content["users"][world.logins["bob"][0]] == 50

    asyncio.run(run())


def test_server_never_reached_out(hs: SynapseServer) -> None:
    """No federation / key-server / phone-home attempts show up in Synapse's log."""
    log = hs.log_path.read_text(errors="replace")
    for needle in ("matrix.org", "Failed to send", "federation", "ERROR"):
        assert needle not in log, f"{needle!r} in homeserver.log:\n{hs.tail_logs()}"
