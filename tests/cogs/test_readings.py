"""Blood pressure through the console (issue 26): every written form, the refusals, the pulse, history,
undo of the whole pair, export, and the commands that read one number per metric refusing it in one line.
Every test runs on SQLite and PostgreSQL (the ``bot`` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Monday 2026-11-16 09:00 UTC (tests/support/transcript.START).


async def _active(bot, member: str = "ann") -> list[tuple[str, str, float, str | None]]:
    rows = await bot.db.fetchall(
        "SELECT e.metric, e.day, e.value, e.note FROM entries e JOIN members m ON m.id=e.member_id "
        "WHERE m.external_id=? AND e.active=1 ORDER BY e.day, e.metric", (member,))
    return [(r[0], r[1], float(r[2]), r[3]) for r in rows]


@pytest.mark.parametrize("line", ["log bp 128/82", "log bp 128 over 82", "logga blodtryck 128/82",
                                  "log blood pressure 128/82", "log bp 128 / 82 mmHg", "logga bt 128 över 82"])
async def test_every_written_form_logs_both_parts(bot, line):
    out = await bot.say(f"ann@dm: {line}")
    assert out.startswith("[@ann]")
    assert "128/82 mmHg" in out
    assert await _active(bot) == [("bp.diastolic", "2026-11-16", 82.0, None), ("bp.systolic", "2026-11-16", 128.0, None)]


async def test_day_and_note_as_for_other_metrics(bot):
    out = await bot.say("ann@dm: log bp 128/82 yesterday after the walk")
    assert "Logged blood pressure 128/82 mmHg for yesterday." in out and "“after the walk”" in out
    await bot.run("ann@dm: log bp 131/84 2 days ago")        # `2` starts the day: not asked about as a pulse
    assert await _active(bot) == [
        ("bp.diastolic", "2026-11-14", 84.0, None), ("bp.systolic", "2026-11-14", 131.0, None),
        ("bp.diastolic", "2026-11-15", 82.0, "after the walk"), ("bp.systolic", "2026-11-15", 128.0, "after the walk")]


@pytest.mark.parametrize("typed, said", [
    ("8/12", "systolic between 60 and 260"),          # a date or a fraction: never stored as either
    ("128/", "two whole numbers"),
    ("82/128", "did you mean `128/82`?"),
    ("128", "two whole numbers"),
    ("128/82 yesterday 64", "write the whole value in one piece"),
    ("128/82 pulse 400", "between 25 and 250 bpm"),
])
async def test_refusals_say_what_would_be_accepted_and_store_nothing(bot, typed, said):
    out = await bot.run(f"ann@dm: log bp {typed}")
    assert len(out) == 1 and out[0].startswith("[@ann]") and said in out[0]
    assert "`128/82`" in out[0] or "did you mean" in out[0] or "bpm" in out[0]
    assert await _active(bot) == []


async def test_a_named_pulse_goes_into_resting_heart_rate_a_bare_one_is_asked_about(bot):
    asked = await bot.say("ann@dm: log bp 128/82 64")
    assert "Is 64 your pulse?" in asked and "`log bp 128/82 pulse 64`" in asked and "`log bp 128/82`" in asked
    assert await _active(bot) == []
    out = await bot.say("ann@dm: log bp 128/82 pulse 64")
    assert "resting heart rate: 64 bpm" in out
    assert await _active(bot) == [("bp.diastolic", "2026-11-16", 82.0, None), ("bp.systolic", "2026-11-16", 128.0, None),
                                  ("rhr", "2026-11-16", 64.0, None)]
    assert "resting heart rate: 64 bpm" in await bot.say("ann@dm: history rhr")


async def test_history_shows_pairs(bot):
    await bot.run("ann@dm: log bp 128/82 yesterday after the walk", "ann@dm: log bp 125/80 pulse 61",
                  "ann@dm: log steps 8000")
    out = await bot.run("ann@dm: history bp")
    assert out == ["[@ann] Your recent entries:", "[@ann] 2026-11-16  blood pressure: 125/80 mmHg",
                   "[@ann] 2026-11-15  blood pressure: 128/82 mmHg — after the walk"]
    everything = "\n".join(await bot.run("ann@dm: history"))
    assert "2026-11-16  blood pressure: 125/80 mmHg" in everything and "resting heart rate: 61 bpm" in everything
    assert "bp.systolic" not in everything and "bp.diastolic" not in everything
    assert "No entries yet. Try `log bp 128/82`." in await bot.say("bob@dm: history bp")


async def test_undo_takes_back_the_pair_and_its_pulse_as_one(bot):
    await bot.run("ann@dm: log bp 120/80", "ann@dm: log bp 128/82 pulse 64")
    out = await bot.say("ann@dm: undo")
    assert "Removed blood pressure 128/82 mmHg for 2026-11-16. Back to 120/80 mmHg." in out
    assert "Removed 64 bpm of resting heart rate" in out
    assert await _active(bot) == [("bp.diastolic", "2026-11-16", 80.0, None), ("bp.systolic", "2026-11-16", 120.0, None)]
    assert "Removed blood pressure 120/80 mmHg" in await bot.say("ann@dm: undo")
    assert await _active(bot) == []
    assert "nothing to undo" in await bot.say("ann@dm: undo")


async def test_export_holds_both_parts(bot):
    await bot.run("ann@dm: log bp 128/82 pulse 64 note: after coffee")
    out = await bot.run("ann@dm: mydata export")
    files = [Path(line.split("file: ")[1]) for line in out if "file: " in line]
    data = json.loads(next(f for f in files if f.name.endswith(".json")).read_text())
    rows = {e["metric"]: e for e in data["entries"]}
    assert (rows["bp.systolic"]["value"], rows["bp.diastolic"]["value"], rows["rhr"]["value"]) == (128, 82, 64)
    assert rows["bp.systolic"]["log_group"] == rows["bp.diastolic"]["log_group"] == rows["rhr"]["log_group"]
    assert rows["bp.systolic"]["note"] == "after coffee"
    csv = next(f for f in files if f.name.endswith("entries.csv")).read_text()
    assert "bp.systolic" in csv and "bp.diastolic" in csv


@pytest.mark.parametrize("line", ["chart bp", "chart bp 14 share", "goal bp 130/85", "units bp imperial",
                                  "challenge create squeeze bp total 1000", "partner invite @bob bp trend",
                                  "share bp: a good week"])
async def test_commands_that_read_one_number_refuse_a_pair_in_one_line(bot, line):
    await bot.run(":moderator ann", "bob@dm: help", "ann@dm: log bp 128/82", "ann@dm: privacy set bp public")
    out = await bot.run(f"ann@#walkers: {line}")
    assert len(out) == 1 and out[0].startswith("[@ann]"), out
    assert "doesn't work with blood pressure, which is two numbers (systolic/diastolic)" in out[0]
    assert not any(line.startswith("[#") for line in out)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM goals") == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM challenges") == 0


async def test_lists_name_blood_pressure_sensibly(bot):
    listed = "\n".join(await bot.run("ann@dm: metrics"))
    assert ("bp: blood pressure, systolic/diastolic in mmHg: 128/82 or 128 over 82; systolic 60–260, diastolic 30–160 "
            "mmHg; a second log the same day replaces the first") in listed
    assert "(sensitive" in listed.split("bp: ")[1]
    assert "bp: private" in await bot.say("ann@dm: privacy")
    out = await bot.say("ann@dm: privacy set bp public")
    assert "bp: public" in out and "blood pressure show at most trends" in out
    await bot.run(":moderator mia")
    assert "bp: trend (default)" in await bot.say("mia@#walkers: mod rules")
    assert "#walkers: bp — " in await bot.say("mia@dm: mod rule #walkers bp public")
    swedish = "\n".join(await bot.run("ann@dm: language sv", "ann@dm: metrics"))
    assert "blodtryck: blodtryck, systoliskt/diastoliskt i mmHg" in swedish


async def test_sensitive_by_default_capped_at_trend_in_every_channel(bot):
    from bot.catalogue import is_sensitive
    assert is_sensitive("bp")
    await bot.run("ann@dm: privacy set bp public", "ann@#walkers: help")
    assert "bp: trend (this channel allows at most trend)" in await bot.say("ann@#walkers: privacy")


async def test_all_leaves_a_pair_out_where_a_command_cannot_take_it(bot):
    await bot.run("bob@dm: help")
    out = await bot.say("alice@dm: partner invite @bob all trend")
    assert "distance" in out and "bp" not in out
    assert "all your metrics" in await bot.say("alice@dm: privacy set all trend")
    assert "bp: trend" in await bot.say("alice@dm: privacy")
