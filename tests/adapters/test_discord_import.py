"""`/import` on Discord end to end: the real discord.py client against the stand-in, which serves the
member's attachment on a CDN-like route as Discord does. The attachment is fetched into a private
temporary file (gone once the command answered), the deferred ephemeral response shows the progress
and then becomes the preview with its buttons, and a press stores (or cancels) the import. A file
past the limit is refused by its declared size without being fetched, and one that turns out larger
while it arrives is cut off."""

from __future__ import annotations

import re
import stat
from datetime import date

import pytest

from bot.adapters.uploads import kept_while
from bot.imports.detect import MAX_FILE_BYTES
from bot.imports.records import FileRefused
from tests.adapters.test_discord_e2e import community  # noqa: F401  (the fixture: the stand-in and the bot)
from tests.discord_standin.server import EPHEMERAL

pytestmark = pytest.mark.discord

CSV = b"date,metric,value,unit\n2026-11-10,steps,8123,\n2026-11-11,steps,9001,\n2026-11-12,steps,7000,\n"


async def _steps(c) -> dict[date, float]:
    rows = await c.app.services.db.fetchall(
        "SELECT e.day, e.value FROM entries e JOIN members m ON m.id=e.member_id "
        "WHERE m.external_id=? AND e.metric='steps' AND e.active=1", (c.alice,))
    return {date.fromisoformat(str(r[0])): r[1] for r in rows}


def _buttons(message: dict) -> dict[str, dict]:
    return {b["label"]: b for row in message.get("components") or [] for b in row["components"]}


async def _preview(c, inj) -> dict:
    """The deferred response after its progress line: the edit of @original that carries the buttons."""
    standin = c.standin
    original = re.escape(f"/webhooks/{standin.app_id}/{inj.token}/messages/@original")
    deferred = await inj.wait_response()
    assert deferred.json["type"] == 5 and deferred.json["data"]["flags"] & EPHEMERAL
    progress = await standin.wait_for_request(lambda r: "Reading your file" in str(r.json), method="PATCH", path=original)
    assert "`steps.csv`" in progress.json["content"]
    edit = await standin.wait_for_request(lambda r: bool(standin.custom_ids(r.json or {})), method="PATCH",
                                          path=original, timeout=15)
    assert edit.index > progress.index
    message = inj.original_message
    assert message["flags"] & EPHEMERAL and message["content"] == edit.json["content"]
    return message


async def test_an_attached_export_is_previewed_then_stored_by_a_button_and_undone(community, tmp_path):  # noqa: F811
    c, standin = community, community.standin
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    c.adapter.upload_dir = str(uploads)
    sync = await standin.wait_for_request(method="PUT", path=rf"/applications/{standin.app_id}/guilds/{c.guild}/commands")
    (slash,) = [cmd for cmd in sync.json if cmd["name"] == "import"]
    assert [(o["name"], o["type"], o["required"]) for o in slash["options"]] == [("file", 11, False)]

    assert "Logged 5,000 steps" in await c.answer(await c.run("log", {"metric": "steps", "value": "5000",
                                                                      "when": "2026-11-11"}))
    aid = standin.add_upload("steps.csv", CSV)
    inj = await c.run("import", {"file": aid})
    message = await _preview(c, inj)
    assert standin.downloads == [aid]
    assert list(uploads.iterdir()) == [], "the temporary file is deleted once the command answered"
    assert "3 days from 2026-11-10 to 2026-11-12" in message["content"]
    assert "2 new, 1 would replace" in message["content"]
    buttons = _buttons(message)
    assert list(buttons) == ["Import", "Keep mine, add the rest", "Cancel"]
    assert await _steps(c) == {date(2026, 11, 11): 5000}, "nothing is stored before the member confirms"

    # Import, pressed on the ephemeral message in the guild channel: stored, the buttons disabled.
    click = await standin.click(buttons["Import"]["custom_id"], message["id"], user_id=c.alice, channel_id=c.walkers)
    pressed = await click.wait_response()
    assert pressed.json["type"] == 7 and all(b["disabled"] for row in pressed.json["data"]["components"]
                                             for b in row["components"])
    done = await click.wait_followup()
    assert done.json["flags"] & EPHEMERAL
    assert "Imported from CSV: 2 new and 1 replaced, 2026-11-10 to 2026-11-12" in done.json["content"]
    assert await _steps(c) == {date(2026, 11, 10): 8123, date(2026, 11, 11): 9001, date(2026, 11, 12): 7000}

    # `undo` takes back the whole import; the value typed before is back.
    undone = await c.answer(await c.run("undo", {}))
    assert "Took back your import from CSV: 3 values removed" in undone and "1 earlier value is back" in undone
    assert await _steps(c) == {date(2026, 11, 11): 5000}

    # The same file again, and "Keep mine, add the rest": the day already held keeps its value.
    inj = await c.run("import", {"file": standin.add_upload("steps.csv", CSV)})
    keep = _buttons(await _preview(c, inj))["Keep mine, add the rest"]
    click = await standin.click(keep["custom_id"], inj.state.original_message_id, user_id=c.alice, channel_id=c.walkers)
    assert "2 new and 0 replaced" in (await click.wait_followup()).json["content"]
    assert await _steps(c) == {date(2026, 11, 10): 8123, date(2026, 11, 11): 5000, date(2026, 11, 12): 7000}

    # Another member can't press alice's buttons; Cancel drops what waited.
    inj = await c.run("import", {"file": standin.add_upload("steps.csv", CSV.replace(b"7000", b"7500"))})
    buttons = _buttons(await _preview(c, inj))
    press = await standin.click(buttons["Import"]["custom_id"], inj.state.original_message_id, user_id=c.bob,
                                channel_id=c.walkers)
    assert "someone else's" in (await press.wait_response()).json["data"]["content"]
    press = await standin.click(buttons["Cancel"]["custom_id"], inj.state.original_message_id, user_id=c.alice,
                                channel_id=c.walkers)
    assert "Cancelled" in (await press.wait_followup()).json["content"]
    press = await standin.click(buttons["Import"]["custom_id"], inj.state.original_message_id, user_id=c.alice,
                                channel_id=c.walkers)
    assert "nothing waiting for your confirmation" in (await press.wait_followup()).json["content"]
    assert (await _steps(c))[date(2026, 11, 12)] == 7000
    assert list(uploads.iterdir()) == []


async def test_a_file_past_the_limit_is_refused_without_being_fetched(community, tmp_path):  # noqa: F811
    c, standin = community, community.standin
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    c.adapter.upload_dir = str(uploads)
    await standin.wait_for_request(method="PUT", path=rf"/applications/{standin.app_id}/guilds/{c.guild}/commands")

    # Declared larger than the bot reads: answered at once (no deferral), never downloaded.
    big = standin.add_upload("export.zip", b"PK\x03\x04 not really", size=MAX_FILE_BYTES + 1)
    inj = await c.run("import", {"file": big})
    answer = await inj.wait_response()
    assert answer.json["type"] == 4 and answer.json["data"]["flags"] & EPHEMERAL
    assert "I read files up to 512 MB. Nothing was stored." in answer.json["data"]["content"]
    assert big not in standin.downloads

    # Declared small, but more arrives than the limit (no Content-Length to go by): cut off, nothing kept.
    c.adapter.max_upload_bytes = 4096
    lying = standin.add_upload("steps.csv", CSV * 200, size=len(CSV), chunked=True)
    inj = await c.run("import", {"file": lying})
    assert (await inj.wait_response()).json["type"] == 5
    told = await inj.wait_followup()
    assert "larger than" in told.json["content"] and "Nothing was stored" in told.json["content"]
    assert standin.downloads == [lying]
    assert await _steps(c) == {}
    assert list(uploads.iterdir()) == []

    # No file attached: the cog's own answer says how.
    assert "Attach your export file to `/import`" in await c.answer(await c.run("import", {}))


async def test_the_temporary_file_is_private_and_deleted_whatever_happens(tmp_path):
    async def chunks(*parts: bytes):
        for part in parts:
            yield part

    async with kept_while(chunks(b"date,", b"metric"), "mine.csv", limit=100, base=tmp_path) as upload:
        assert upload.path.read_bytes() == b"date,metric" and upload.size == 11 and upload.name == "mine.csv"
        assert stat.S_IMODE(upload.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(upload.path.parent.stat().st_mode) == 0o700
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        async with kept_while(chunks(b"x"), "a.csv", limit=100, base=tmp_path):
            raise RuntimeError("the command failed")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileRefused):
        async with kept_while(chunks(b"x" * 60, b"y" * 60), "b.csv", limit=100, base=tmp_path):
            raise AssertionError("a file past the limit is never handed over")
    assert list(tmp_path.iterdir()) == []
