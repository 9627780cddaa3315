"""`import` on Matrix end to end against the real Synapse the suite starts: the member uploads a CSV to
the media repository and sends it as an m.file in the bot's private room; the bot fetches it through
nio's client into a private temporary file (gone once it answered), shows its progress as one notice
edited in place, then the preview; `confirm` stores it. A file sent in a shared room is redacted and
not imported; a file past the limit is refused by its declared size without being fetched."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import date, datetime, timedelta

import pytest
from nio import RoomMessageNotice, UploadResponse
from nio.api import RoomPreset
from nio.crypto.attachments import encrypt_attachment

import bot.imports.pipeline as pipeline
from bot.adapters.matrix_e2ee import encryption_installed
from bot.adapters.matrix_files import decrypted
from bot.config import Config, PrivacyConfig
from bot.imports.detect import MAX_FILE_BYTES
from bot.imports.records import FileRefused
from bot.vocabulary.clock import FakeClock
from tests.adapters.test_matrix_e2e import (
    EncryptedMember,
    Member,
    _bot_config,
    _start_bot,
    _stop_bot,
    _wait_joined,
    eventually_redacted,
    homeserver,  # noqa: F401  (the fixture: one Synapse for the module)
    is_redacted,
    notice_containing,
)
from tests.matrix_harness import synapse_available

pytestmark = [pytest.mark.synapse,
              pytest.mark.skipif(not synapse_available() and os.environ.get("CI") != "true",
                                 reason="matrix-synapse is not installed (pip install -e '.[test]')")]

START = datetime.fromisoformat("2026-11-16T09:00:00+00:00")


def _csv(days: int) -> bytes:
    """``days`` days of steps up to 2026-11-12, the bot's own export format."""
    last = date(2026, 11, 12)
    rows = [f"{last - timedelta(days=n)},steps,{7000 + n},\n" for n in range(days)]
    return ("date,metric,value,unit\n" + "".join(reversed(rows))).encode()


async def _send_file(member: Member, room_id: str, data: bytes, name: str = "steps.csv", size: int | None = None) -> str:
    uploaded, _keys = await member.client.upload(io.BytesIO(data), content_type="text/csv", filename=name,
                                                 filesize=len(data))
    assert isinstance(uploaded, UploadResponse), uploaded
    response = await member.client.room_send(room_id, "m.room.message", {
        "msgtype": "m.file", "body": name, "filename": name, "url": uploaded.content_uri,
        "info": {"mimetype": "text/csv", "size": len(data) if size is None else size}})
    return response.event_id


async def _steps(app, user_id: str) -> dict[date, float]:
    rows = await app.services.db.fetchall(
        "SELECT e.day, e.value FROM entries e JOIN members m ON m.id=e.member_id "
        "WHERE m.external_id=? AND e.metric='steps' AND e.active=1", (user_id,))
    return {date.fromisoformat(str(r[0])): r[1] for r in rows}


async def test_a_file_sent_privately_is_previewed_confirmed_and_a_file_in_a_room_is_redacted(
        homeserver, tmp_path, monkeypatch):  # noqa: F811
    hs = homeserver
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 0.0)   # a progress line every 256 rows, not every 3 s
    bot_id, _token, _env, matrix = _bot_config(hs, "pp-import", monkeypatch, encryption=False)
    app, adapter, stop, task = await _start_bot(Config(privacy=PrivacyConfig(min_group_size=3), matrix=matrix,
                                                       chart_processes=0), FakeClock(START), str(tmp_path / "bot.db"))
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    adapter.upload_dir = str(uploads)
    fetched: list[str] = []
    send = adapter.client.send

    async def recording_send(method, path, *args, **kwargs):
        if "/media/download/" in path:
            fetched.append(path)
        return await send(method, path, *args, **kwargs)

    monkeypatch.setattr(adapter.client, "send", recording_send)
    alice = Member(hs, "imp-alice")
    try:
        dm = (await alice.client.room_create(is_direct=True, invite=[bot_id], preset=RoomPreset.trusted_private_chat)).room_id
        room = (await alice.client.room_create(name="walkers", preset=RoomPreset.public_chat, invite=[bot_id],
                                               power_level_override={"users": {bot_id: 50}})).room_id
        await _wait_joined(adapter, [dm, room])
        await asyncio.sleep(0.5)
        await alice.say(dm, "log steps 5000 2026-11-11")
        await alice.wait_for(notice_containing(bot_id, "Logged 5,000 steps", dm))

        # Typed without a file: the friendly answer says how.
        await alice.say(dm, "import")
        await alice.wait_for(notice_containing(bot_id, "Send your export file to me in our private room", dm))

        # 300 days: progress as one notice, edited (m.replace) as reading goes on; then the preview.
        await _send_file(alice, dm, _csv(300))
        _r, preview = await alice.wait_for(notice_containing(bot_id, "holds 300 days", dm), timeout=60)
        assert "299 new, 1 would replace" in preview.body, preview.body
        assert "`!pp confirm keep`" in preview.body
        progress = [e for r, e in alice.seen if r == dm and getattr(e, "sender", "") == bot_id
                    and "Reading your" in (e.source.get("content") or {}).get("body", "")]
        first, *edits = progress
        assert "m.relates_to" not in first.source["content"] and "`steps.csv`" in first.body
        assert edits, "reading 300 rows told its progress at least once more"
        for edit in edits:
            content = edit.source["content"]
            assert content["m.relates_to"] == {"rel_type": "m.replace", "event_id": first.event_id}
            assert content["m.new_content"]["body"].startswith("Reading your CSV file:")
            assert alice.seen.index((dm, edit)) < alice.seen.index((dm, preview))
        assert len(fetched) == 1 and list(uploads.iterdir()) == [], "fetched once, and the file is gone"
        assert await _steps(app, alice.user_id) == {date(2026, 11, 11): 5000}, "nothing stored before confirm"

        await alice.say(dm, "!pp confirm")
        await alice.wait_for(notice_containing(bot_id, "Imported from CSV: 299 new and 1 replaced", dm))
        stored = await _steps(app, alice.user_id)
        assert len(stored) == 300 and stored[date(2026, 11, 11)] == 7001 and stored[date(2026, 11, 12)] == 7000

        # A file in the shared room that is no export (a flyer): the room's business, left alone.
        flyer = await _send_file(alice, room, b"Walk on Saturday at 10, meet at the park gate.\n")
        # An export in the shared room: redacted (it holds health data), the member told privately, not imported.
        in_room = await _send_file(alice, room, _csv(3).replace(b"7000", b"1"))
        await alice.wait_for(notice_containing(bot_id, "I removed your file from walkers", dm))
        assert await eventually_redacted(alice, room, in_room)
        assert not is_redacted(await alice.event(room, flyer)), "the flyer stays"
        assert len(fetched) == 3 and (await _steps(app, alice.user_id))[date(2026, 11, 12)] == 7000

        # Declared past the limit: refused without being fetched.
        await _send_file(alice, dm, _csv(2), size=MAX_FILE_BYTES + 1)
        await alice.wait_for(notice_containing(bot_id, "I read files up to 512 MB. Nothing was stored.", dm))
        # Declared small, but the homeserver serves more than the limit: refused before it is read.
        adapter.max_upload_bytes = 2**20
        await _send_file(alice, dm, _csv(2) + b"2026-11-12,steps,1,\n" * 60_000, size=100)
        await alice.wait_for(notice_containing(bot_id, "I read files up to 1 MB. Nothing was stored.", dm))
        assert len(fetched) == 4 and list(uploads.iterdir()) == []
        assert len(await _steps(app, alice.user_id)) == 300
        assert not [e for r, e in alice.seen if r == room and isinstance(e, RoomMessageNotice) and e.sender == bot_id]
    finally:
        await _stop_bot(app, adapter, stop, task)
        await alice.client.close()


@pytest.mark.skipif(not encryption_installed(), reason="end-to-end encryption needs matrix-nio's e2e extra")
async def test_a_file_in_an_encrypted_private_room_is_decrypted_and_imported(homeserver, tmp_path, monkeypatch):  # noqa: F811
    hs = homeserver
    bot_id, _token, _env, matrix = _bot_config(hs, "pp-import-e2ee", monkeypatch, store_dir=str(tmp_path / "bot-store"))
    app, adapter, stop, task = await _start_bot(Config(matrix=matrix, chart_processes=0), FakeClock(START),
                                                str(tmp_path / "bot.db"))
    assert adapter.e2ee.enabled
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    adapter.upload_dir = str(uploads)
    member = EncryptedMember(hs, "imp-cipher", tmp_path / "member-store")
    await member.login()
    try:
        dm = (await member.client.room_create(is_direct=True, invite=[bot_id], preset=RoomPreset.trusted_private_chat,
                                              initial_state=[{"type": "m.room.encryption", "state_key": "",
                                                              "content": {"algorithm": "m.megolm.v1.aes-sha2"}}])).room_id
        await _wait_joined(adapter, [dm])
        await asyncio.sleep(0.5)
        await member.sync()
        data = _csv(5)
        uploaded, keys = await member.client.upload(io.BytesIO(data), content_type="text/csv", filename="steps.csv",
                                                    filesize=len(data), encrypt=True)
        assert isinstance(uploaded, UploadResponse), uploaded
        sent = await member.client.room_send(dm, "m.room.message", {
            "msgtype": "m.file", "body": "steps.csv", "filename": "steps.csv", "info": {"mimetype": "text/csv", "size": len(data)},
            "file": {**keys, "url": uploaded.content_uri}}, ignore_unverified_devices=True)
        assert hasattr(sent, "event_id"), sent
        await member.wait_for(notice_containing(bot_id, "holds 5 days from 2026-11-08 to 2026-11-12", dm), timeout=40)
        assert list(uploads.iterdir()) == []
        await member.say(dm, "confirm")
        await member.wait_for(notice_containing(bot_id, "Imported from CSV: 5 new", dm))
        assert len(await _steps(app, member.user_id)) == 5
    finally:
        await _stop_bot(app, adapter, stop, task)
        await member.client.close()


async def test_an_encrypted_file_is_decrypted_as_it_arrives_and_refused_when_its_hash_is_wrong():
    plain = _csv(400)
    ciphertext, keys = encrypt_attachment(plain)

    async def arriving(data: bytes):
        for start in range(0, len(data), 1000):
            yield data[start:start + 1000]

    out = [c async for c in decrypted(arriving(ciphertext), keys["key"], keys["hashes"], keys["iv"])]
    assert b"".join(out) == plain and len(out) > 1
    with pytest.raises(FileRefused):
        [c async for c in decrypted(arriving(ciphertext[:-1] + b"\x00"), keys["key"], keys["hashes"], keys["iv"])]
    with pytest.raises(FileRefused):
        [c async for c in decrypted(arriving(ciphertext), {"alg": "A128CBC", "k": "x"}, keys["hashes"], keys["iv"])]
