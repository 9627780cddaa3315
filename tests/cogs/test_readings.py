"""Blood pressure through the console (issue 26): every written form, the refusals, the pulse, history,
undo of the whole pair, export, and the commands that read one number per metric refusing it in one line.
Every test runs on SQLite and PostgreSQL (the ``bot`` fixture)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
                                  "challenge create squeeze bp total 1000", "partner invite @bob bp trend"])
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


# ---- check-ins ---------------------------------------------------------------------------------

CHECKIN = [
    ":moderator mia",
    "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
    *[f"{m}@#walkers: checkin join" for m in ("ann", "bob")],
    ":time 2026-11-20T12:00:00+00:00",
    # last week: ann 130/90 and 132/92; this week 128/80, 126/79, 128/78 (systolic -3%, diastolic -13%)
    "ann@dm: log bp 130/90 2026-11-10", "ann@dm: log bp 132/92 2026-11-12",
    "ann@dm: log bp 128/80 2026-11-17", "ann@dm: log bp 126/79 2026-11-18", "ann@dm: log bp 128/78 2026-11-19",
    "bob@dm: log bp 141/95 2026-11-18", "bob@dm: log bp 139/93 2026-11-19",
]
ANN_VALUES = ("130", "90", "132", "92", "128", "80", "126", "79", "78", "127", "131", "91")


def channel(out: list[str]) -> list[str]:
    return [line for line in out if line.startswith("[#walkers")]


async def test_checkin_at_trend_speaks_of_each_part_in_bands_and_shows_no_value(bot):
    await bot.run("ann@#walkers: privacy set bp public", "bob@#walkers: privacy set bp trend", *CHECKIN)
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    post = channel(out)
    # ann chose public, but blood pressure is capped at trend in every channel by default
    assert "[#walkers #1] ann: blood pressure systolic about the same, diastolic ↓ 10–20% vs last week, 3/7 days" in post
    assert "[#walkers #1] bob: blood pressure 2/7 days" in post          # no earlier week: no change to speak of
    text = "\n".join(post)
    for value in (*ANN_VALUES, "141", "95", "139", "93", "140", "94"):
        assert value not in text
    assert "mmHg" not in text and "Together" not in text                # no group figure over a pair
    # each member's own summary holds their numbers, privately
    assert "[@ann] blood pressure: 127/79 mmHg average (systolic ↓3%, diastolic ↓13% vs last week, 3/7 days)" in out


async def test_checkin_at_public_shows_the_numbers_and_lowering_takes_them_back(bot):
    await bot.run(*CHECKIN, "ann@#walkers: privacy set bp public", "mia@#walkers: mod rule #walkers bp public")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    assert ("[#walkers #1] ann: blood pressure 127/79 mmHg average (systolic ↓3%, diastolic ↓13% vs last week, "
            "3/7 days)") in out
    assert not any("bob" in line for line in channel(out))             # bob keeps bp private
    shared = await bot.say("ann@dm: mydata shared")
    assert "bp at public" in shared
    out = await bot.run("ann@dm: privacy set bp trend")
    edited = [line for line in out if line.startswith("[#walkers #1 edited]")]
    assert edited[1:] == ["[#walkers #1 edited] ann: blood pressure systolic about the same, diastolic ↓ 10–20% vs last "
                      "week, 3/7 days"]
    out = await bot.run("ann@dm: privacy set bp aggregate")
    assert "[#walkers #1 deleted]" in out
    contents = " ".join(r[0] for r in await bot.db.fetchall("SELECT content FROM posts"))
    assert "127/79" not in contents and "mmHg" not in contents


async def test_a_pair_at_aggregate_shows_nothing_however_many_share_it(bot):
    """No group figure over a pair (PRIVACY.md): at `aggregate` a member's blood pressure appears nowhere, so
    no part can be worked out from a released figure and the other part."""
    members = ("ann", "bob", "cat", "dov", "eve")
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "mia@#walkers: mod rule #walkers bp public",
                  *[f"{m}@#walkers: privacy set bp aggregate" for m in members],
                  *[f"{m}@#walkers: checkin join" for m in members], ":time 2026-11-20T12:00:00+00:00",
                  *[f"{m}@dm: log bp {120 + i}/{80 + i} 2026-11-18" for i, m in enumerate(members)],
                  "ann@dm: log steps 8000 2026-11-18", "ann@#walkers: privacy set steps trend")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    text = "\n".join(channel(out))
    assert "blood pressure" not in text and "mmHg" not in text
    assert not any(str(120 + i) in text or str(80 + i) in text for i in range(5))
    ledger = await bot.db.fetchall("SELECT metric FROM post_disclosures")
    assert all(r[0] != "bp" for r in ledger)


async def test_checkin_in_swedish_names_the_parts(bot):
    await bot.run(*CHECKIN, "mia@#walkers: mod language sv", "ann@#walkers: privacy set bp trend")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    assert ("[#walkers #1] ann: blodtryck systoliskt ungefär som förut, diastoliskt ↓ 10–20 % jämfört med förra "
            "veckan, 3/7 dagar") in out


_BAND = r"(?:about the same|[↑↓] (?:[0-4]0–[1-5]0%|more than 50%))"
_TREND_LINE = re.compile(rf"blood pressure (?:(?:systolic {_BAND}, diastolic {_BAND}|systolic {_BAND}|diastolic {_BAND}) "
                         rf"vs last week, )?[1-7]/7 days(?:, (?:[3-9]|1\d|2[0-8])\+?-day streak)?")
readings = st.tuples(st.integers(60, 260), st.integers(30, 160)).filter(lambda p: p[0] >= p[1])


@settings(max_examples=300, deadline=None)
@given(before=st.lists(readings, max_size=7), week=st.lists(readings, min_size=1, max_size=7),
       streak=st.integers(0, 28))
def test_no_trend_line_of_a_pair_holds_a_value(before, week, streak):
    """Whatever the readings, the trend line of a pair is bands, days logged and a streak (facts about
    logging), and what the ledger keeps of it holds no raw input."""
    from bot.gate import _fact_variant
    from bot.vocabulary.levels import Level
    from bot.vocabulary.metrics import BLOOD_PRESSURE
    from cogs.checkins import _pair_fact
    from storage.entries import CheckinFigures

    days = [f"2026-11-{16 + i:02d}" for i in range(len(week))]
    mask = (1 << max(streak, len(week))) - 1
    figures = {}
    for part in (0, 1):
        points = [(d, float(r[part])) for d, r in zip(days, week, strict=True)]
        prev = [float(r[part]) for r in before]
        figures[(1, BLOOD_PRESSURE.series_keys()[part])] = CheckinFigures(
            points, mask, sum(prev) if prev else None, len(prev), None, 0)
    made = _pair_fact(1, BLOOD_PRESSURE, figures, "{days_logged}/7 days", "{run}{plus}-day streak", " average")
    assert made is not None
    level, text, released = _fact_variant(made[0], Level.TREND)
    assert level is Level.TREND and _TREND_LINE.fullmatch(text), text
    assert released.relative == () and [lv for lv, _t in released.variants] == [int(Level.TREND)]
    assert "mmHg" not in text
