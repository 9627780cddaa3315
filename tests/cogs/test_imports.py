"""`import` as a member uses it on the console: a preview first, nothing stored until `confirm`, the
whole import taken back by one `undo`, a re-import that changes nothing, values read as `log` reads
them, what it could not read counted and never guessed, hostile files refused with nothing stored, and
imported values as private as typed ones."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.support.transcript import make_transcript

CSV = ("date,metric,value,unit\n"
       "2026-11-10,steps,8123,\n"
       "2026-11-11,steps,9000,\n"
       "2026-11-11,weight,181,lb\n"
       "2026-11-12,sleep,7.5,h\n"
       "2026-11-13,steps,lots,\n"           # not a number
       "2026-11-13,juggling,3,\n"           # not a metric here
       "2026-11-14,rhr,900,bpm\n"           # outside resting heart rate's range
       "2026-11-30,steps,1000,\n"           # the future (the clock is at 2026-11-16)
       "2020-01-01,steps,5000,\n")          # beyond what `log` reaches back


def _file(tmp_path: Path, text: str | bytes, name: str = "export.csv") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return str(path)


async def _entries(bot, metric: str | None = None) -> list[tuple[str, str, float]]:
    rows = await bot.db.fetchall("SELECT metric, day, value FROM entries WHERE active=1 ORDER BY metric, day")
    return [(r[0], r[1], r[2]) for r in rows if metric is None or r[0] == metric]


async def test_the_preview_says_what_is_in_the_file_and_stores_nothing_until_confirmed(bot, tmp_path):
    await bot.run("ann@dm: log steps 5000 2026-11-11")
    preview = await bot.say(f"ann@dm: import {_file(tmp_path, CSV)}")
    assert "Your CSV file `export.csv` holds 3 days from 2026-11-10 to 2026-11-12" in preview
    assert "steps: 2 days (2026-11-10 to 2026-11-11): 1 new, 1 would replace a value you have here" in preview
    assert "weight: 1 day (2026-11-11 to 2026-11-11): 1 new, latest 82.1 kg" in preview   # 181 lb, as `log` reads it
    assert "a value that isn't a number (1)" in preview and "`juggling`: not a metric this community has (1)" in preview
    assert "resting heart rate" in preview.split("couldn't read")[1].lower()                     # 900 bpm: skipped, not clamped
    assert "1 value from before 2025-11-15 left out" in preview and "1 value dated in the future left out" in preview
    assert "Nothing is stored yet" in preview and "`confirm keep`" in preview
    assert await _entries(bot) == [("steps", "2026-11-11", 5000.0)]
    stored = await bot.say("ann@dm: confirm")
    assert "Imported from CSV: 3 new and 1 replaced, 2026-11-10 to 2026-11-12" in stored
    assert await _entries(bot) == [("sleep", "2026-11-12", 7.5), ("steps", "2026-11-10", 8123.0),
                                   ("steps", "2026-11-11", 9000.0), ("weight", "2026-11-11", pytest.approx(181 * 0.45359237, abs=1e-6))]


async def test_a_community_that_keeps_less_gets_no_older_values_by_import(tmp_path):
    from bot.config import Config, PrivacyConfig
    short = await make_transcript(tmp_path / "short", config=Config(privacy=PrivacyConfig(min_group_size=3, retention_days=5)))
    try:
        preview = await short.say(f"ann@dm: import {_file(tmp_path, CSV)}")
        assert "2 values from before 2026-11-11 left out" in preview   # 2026-11-10 and 2020-01-01
        await short.run("ann@dm: confirm")
        assert min(d for _m, d, _v in await _entries(short)) == "2026-11-11"
    finally:
        await short.app.stop()


async def test_confirm_keep_leaves_every_day_that_already_has_a_value(bot, tmp_path):
    await bot.run("ann@dm: log steps 5000 2026-11-11")
    await bot.run(f"ann@dm: import {_file(tmp_path, CSV)}")
    assert "3 new and 0 replaced" in await bot.say("ann@dm: confirm keep")
    assert ("steps", "2026-11-11", 5000.0) in await _entries(bot, "steps")


async def test_one_undo_takes_back_the_whole_import_and_brings_back_what_it_replaced(bot, tmp_path):
    await bot.run("ann@dm: log steps 5000 2026-11-11", f"ann@dm: import {_file(tmp_path, CSV)}", "ann@dm: confirm")
    undone = await bot.say("ann@dm: undo")
    assert "Took back your import from CSV: 4 values removed (2026-11-10 to 2026-11-12). 1 earlier value is back." in undone
    assert await _entries(bot) == [("steps", "2026-11-11", 5000.0)]
    assert "Removed 5,000 steps" in await bot.say("ann@dm: undo")     # the next undo is the typed log
    assert await _entries(bot) == []


async def test_a_later_log_over_an_imported_day_survives_the_imports_undo(bot, tmp_path):
    await bot.run(f"ann@dm: import {_file(tmp_path, CSV)}", "ann@dm: confirm", "ann@dm: log steps 7777 2026-11-10")
    assert "Removed 7,777 steps" in await bot.say("ann@dm: undo")
    assert "Took back your import" in await bot.say("ann@dm: undo")
    assert await _entries(bot) == []
    await bot.run(f"ann@dm: import {_file(tmp_path, CSV)}", "ann@dm: confirm", "ann@dm: log steps 7777 2026-11-10")
    # Undo only goes back through the newest log; an import under a later log stays until that log is undone.
    await bot.run("ann@dm: undo", "ann@dm: undo")
    assert await _entries(bot) == []


async def test_a_re_import_of_the_same_file_changes_nothing(bot, tmp_path):
    path = _file(tmp_path, CSV)
    await bot.run(f"ann@dm: import {path}", "ann@dm: confirm")
    before = await bot.db.fetchall("SELECT * FROM entries ORDER BY id")
    again = await bot.say(f"ann@dm: import {path}")
    assert "Nothing to import: every day I could read already holds exactly this here." in again
    assert "nothing waiting" in (await bot.say("ann@dm: confirm")).lower()
    assert [tuple(r) for r in await bot.db.fetchall("SELECT * FROM entries ORDER BY id")] == [tuple(r) for r in before]


async def test_cancel_or_waiting_too_long_stores_nothing(bot, tmp_path):
    path = _file(tmp_path, CSV)
    await bot.run(f"ann@dm: import {path}")
    assert "Cancelled; nothing changed." in await bot.say("ann@dm: cancel")
    assert "nothing waiting" in (await bot.say("ann@dm: confirm")).lower()
    await bot.run(f"ann@dm: import {path}", ":time +16m")
    assert "nothing waiting" in (await bot.say("ann@dm: confirm")).lower()
    assert await _entries(bot) == []


@pytest.mark.parametrize("content, refusal", [
    (b"", "That file is empty."),
    ("date;metric;value\n2026-11-10;steps;" + "9" * 70_000 + "\n", "longer than 64 KiB"),
    ("date,metric,value\n2026-11-10,steps,5000\n".encode("utf-16"), "I don't recognise that file"),
    (b"date,metric,value\n2026-11-10,st\xe9ps,5000\n", "not UTF-8 text"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "I don't recognise that file"),
    (b"PK\x03\x04 this is not really a zip", "damaged or incomplete"),
], ids=["empty", "long-line", "utf-16", "latin-1", "binary", "broken-zip"])
async def test_hostile_or_broken_files_are_refused_and_store_nothing(bot, tmp_path, content, refusal):
    out = await bot.say(f"ann@dm: import {_file(tmp_path, content, 'thing.csv')}")
    assert refusal in out and "Nothing was stored." in out
    assert "nothing waiting" in (await bot.say("ann@dm: confirm")).lower()
    assert await _entries(bot) == []


async def test_a_zip_is_read_by_content_not_by_name_and_unknown_ones_are_refused(bot, tmp_path):
    archive = tmp_path / "export.csv"                   # a zip, whatever its name says
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("notes.txt", "0" * 100_000)
    out = await bot.say(f"ann@dm: import {archive}")
    assert "I don't recognise that file" in out and "Nothing was stored." in out


async def test_a_path_that_is_no_file_and_a_chat_platform_path_are_refused(bot, tmp_path):
    assert "There is no file at" in await bot.say(f"ann@dm: import {tmp_path / 'missing.csv'}")
    assert "Give the file's path" in await bot.say("ann@dm: import")


async def test_a_pair_is_read_as_log_reads_it_and_a_broken_one_is_skipped(bot, tmp_path):
    text = "date,metric,value,unit\n2026-11-10,bp,128/82,mmHg\n2026-11-11,bp,82/128,\n2026-11-12,bp,128,\n"
    preview = await bot.say(f"ann@dm: import {_file(tmp_path, text)}")
    assert "blood pressure: 1 day (2026-11-10 to 2026-11-10): 1 new" in preview
    assert "2 rows I couldn't read" in preview
    await bot.run("ann@dm: confirm")
    assert await _entries(bot) == [("bp.diastolic", "2026-11-10", 82.0), ("bp.systolic", "2026-11-10", 128.0)]


async def test_the_bots_own_export_re_imports_into_another_bot(bot, tmp_path):
    await bot.run("ann@dm: log steps 8000 yesterday", "ann@dm: log bp 128/82", "ann@dm: log weight 80.5kg 3 days ago",
                  "ann@dm: log steps 9000 yesterday")   # replaces 8000: the export keeps both rows, one inactive
    out = await bot.run("ann@dm: mydata export")
    entries_csv = next(Path(line.split("file: ")[1]) for line in out if line.endswith("peerpulse-entries.csv"))
    other = await make_transcript(tmp_path / "other")
    try:
        preview = await other.say(f"zoe@dm: import {entries_csv}")
        assert "Your CSV file" in preview and "couldn't read" not in preview
        assert "blood pressure: 1 day" in preview
        await other.run("zoe@dm: confirm")
        mine = sorted((m, d, v) for m, d, v in await _entries(bot))
        assert sorted(await _entries(other)) == mine
    finally:
        await other.app.stop()


async def test_imported_values_are_private_like_typed_ones(bot, tmp_path):
    path = _file(tmp_path, "date,metric,value\n2026-11-17,steps,12345\n2026-11-18,steps,23456\n")
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  *[f"{m}@#walkers: checkin join" for m in ("ann", "ben", "cat")],
                  ":time 2026-11-19T12:00:00+00:00", f"ann@dm: import {path}")
    assert "Imported" in await bot.say("ann@dm: confirm")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    channel = "\n".join(line for line in out if line.startswith("[#"))
    assert "12,345" not in channel and "23,456" not in channel and "35,801" not in channel
    assert "ann" not in channel                          # private: not even whether she logged
    privacy = await bot.say("ann@dm: privacy")
    assert "steps" in privacy and "private" in privacy


async def test_export_and_forget_cover_imports(bot, tmp_path):
    await bot.run(f"ann@dm: import {_file(tmp_path, CSV)}", "ann@dm: confirm")
    out = await bot.run("ann@dm: mydata export")
    data = json.loads(Path(next(line.split("file: ")[1] for line in out if line.endswith(".json"))).read_text())
    assert [(i["source"], i["added"], i["replaced"]) for i in data["imports"]] == [("CSV", 4, 0)]
    await bot.run("ann@dm: mydata forget", "ann@dm: confirm")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM imports") == 0
