"""The health-check lab readings through the console (issue 26): glucose and cholesterol (kept in mmol/L,
typed and read in mg/dL by a member who chose imperial units, each with its own exact factor) and waist
(cm or inches): log, units both ways, history, export, Swedish names, sensitive by default.
Every test runs on SQLite and PostgreSQL (the ``bot`` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Monday 2026-11-16 09:00 UTC (tests/support/transcript.START).


async def _stored(bot, member: str = "ann") -> list[tuple[str, str, float, str | None]]:
    rows = await bot.db.fetchall(
        "SELECT e.metric, e.day, e.value, e.note FROM entries e JOIN members m ON m.id=e.member_id "
        "WHERE m.external_id=? AND e.active=1 ORDER BY e.day, e.metric", (member,))
    return [(r[0], r[1], float(r[2]), r[3]) for r in rows]


async def _export(bot, member: str = "ann") -> dict:
    out = await bot.run(f"{member}@dm: mydata export")
    path = next(Path(line.split("file: ")[1]) for line in out if line.endswith(".json"))
    return json.loads(path.read_text())


# (metric, typed by a member in metric units, stored in the canonical unit, what they are shown)
METRIC_UNITS = [
    ("glucose", "5.8", 5.8, "5.8 mmol/L"),
    ("glucose", "5,8 mmol/L", 5.8, "5.8 mmol/L"),
    ("glucose", "104 mg/dL", 104 / 18.016, "5.77 mmol/L"),
    ("cholesterol", "5.2", 5.2, "5.2 mmol/L"),
    ("cholesterol", "201 mg/dl", 201 / 38.67, "5.2 mmol/L"),
    ("waist", "88", 88.0, "88 cm"),
    ("waist", "88.5 cm", 88.5, "88.5 cm"),
    ("waist", "34.5 in", 34.5 * 2.54, "87.6 cm"),
    ("waist", "34 inches", 34 * 2.54, "86.4 cm"),
]


@pytest.mark.parametrize("metric, typed, stored, shown", METRIC_UNITS)
async def test_log_in_either_unit_stores_the_canonical_value_exactly(bot, metric, typed, stored, shown):
    out = await bot.say(f"ann@dm: log {metric} {typed}")
    assert out.startswith("[@ann] Logged ") and shown in out
    ((key, day, value, note),) = await _stored(bot)
    assert (key, day, note) == (metric, "2026-11-16", None) and value == pytest.approx(stored, abs=1e-12)
    assert f"2026-11-16  {metric}: {shown}" in await bot.say(f"ann@dm: history {metric}")


# (metric, bare number typed by a member who chose imperial units, stored, what they are shown)
IMPERIAL = [
    ("glucose", "104", 104 / 18.016, "104 mg/dL"),
    ("glucose", "5.8 mmol/L", 5.8, "104 mg/dL"),
    ("cholesterol", "190", 190 / 38.67, "190 mg/dL"),
    ("waist", "34.5", 34.5 * 2.54, "34.5 in"),
    ("waist", "88 cm", 88.0, "34.6 in"),
]


@pytest.mark.parametrize("metric, typed, stored, shown", IMPERIAL)
async def test_a_member_in_imperial_units_types_and_reads_mg_per_dl_and_inches(bot, metric, typed, stored, shown):
    assert "mg/dL" in await bot.say("ann@dm: units glucose imperial")
    await bot.run("ann@dm: units cholesterol imperial", "ann@dm: units waist imperial")
    out = await bot.say(f"ann@dm: log {metric} {typed} yesterday after the check")
    assert f"Logged {shown} of {metric} for yesterday." in out and "“after the check”" in out
    ((_key, day, value, note),) = await _stored(bot)
    assert (day, note) == ("2026-11-15", "after the check") and value == pytest.approx(stored, abs=1e-12)
    assert await bot.run(f"ann@dm: history {metric}") == [
        "[@ann] Your recent entries:", f"[@ann] 2026-11-15  {metric}: {shown} — after the check"]
    # back to metric units: the same entry, read in mmol/L or cm
    await bot.run("ann@dm: units metric")
    assert "mg/dL" not in await bot.say(f"ann@dm: history {metric}")


async def test_units_for_every_metric_include_the_lab_readings(bot):
    await bot.run("ann@dm: units imperial", "ann@dm: log glucose 99", "ann@dm: log cholesterol 200",
                  "ann@dm: log waist 34")
    history = await bot.run("ann@dm: history")
    assert {"[@ann] 2026-11-16  glucose: 99 mg/dL", "[@ann] 2026-11-16  cholesterol: 200 mg/dL",
            "[@ann] 2026-11-16  waist: 34 in"} <= set(history)
    assert [(m, round(v, 6)) for m, _d, v, _n in await _stored(bot)] == [
        ("cholesterol", round(200 / 38.67, 6)), ("glucose", round(99 / 18.016, 6)), ("waist", 86.36)]


@pytest.mark.parametrize("metric, typed, said", [
    ("glucose", "100", "Glucose must be between 0.6 mmol/L and 33.3 mmol/L (11-600 mg/dL): for mg/dL, write `100 mg/dL`."),
    ("glucose", "5.5 kg", "unit that glucose doesn't take"),
    ("cholesterol", "900 mg/dL", "Cholesterol must be between 1 mmol/L and 20 mmol/L (39-773 mg/dL)."),
    ("waist", "34", "for inches, write `34 inches`."),
    ("waist", "300 cm", "Waist must be between 50 cm and 250 cm (20-98 in)."),
])
async def test_refusals_say_what_would_be_accepted_and_store_nothing(bot, metric, typed, said):
    out = await bot.run(f"ann@dm: log {metric} {typed}")
    assert len(out) == 1 and out[0].startswith("[@ann]") and said in out[0], out
    assert await _stored(bot) == []


async def test_an_imperial_member_typing_mmol_without_its_unit_is_told_how(bot):
    await bot.run("ann@dm: units glucose imperial")
    out = await bot.say("ann@dm: log glucose 6.2")
    assert "for mmol/L, write `6.2 mmol/L`." in out and await _stored(bot) == []


async def test_export_holds_the_canonical_values_with_their_notes(bot):
    await bot.run("ann@dm: units glucose imperial", "ann@dm: log glucose 104 note: fasting",
                  "ann@dm: log cholesterol 201 mg/dL", "ann@dm: log waist 34.5 in yesterday")
    rows = {e["metric"]: e for e in (await _export(bot))["entries"]}
    assert rows["glucose"]["value"] == pytest.approx(104 / 18.016, abs=1e-12) and rows["glucose"]["note"] == "fasting"
    assert rows["cholesterol"]["value"] == pytest.approx(201 / 38.67, abs=1e-12)
    assert (rows["waist"]["value"], rows["waist"]["day"]) == (pytest.approx(87.63), "2026-11-15")
    assert {"metric": "glucose", "system": "imperial"}.items() <= next(
        u for u in (await _export(bot))["units"] if u["metric"] == "glucose").items()


async def test_undo_takes_a_lab_reading_back(bot):
    await bot.run("ann@dm: log glucose 5.5", "ann@dm: log glucose 6.1")
    assert "Back to 5.5 mmol/L" in await bot.say("ann@dm: undo")
    assert [v for _m, _d, v, _n in await _stored(bot)] == [5.5]


@pytest.mark.parametrize("line, metric, stored", [
    ("logga glukos 6,2", "glucose", 6.2), ("logga blodsocker 6,2 mmol/L igår", "glucose", 6.2),
    ("logga kolesterol 5,2", "cholesterol", 5.2), ("logga totalkolesterol 190 mg/dL", "cholesterol", 190 / 38.67),
    ("logga midja 88", "waist", 88.0), ("logga midjemått 34 tum", "waist", 34 * 2.54),
    ("log blood sugar 5.5", "glucose", 5.5), ("log waist circumference 90 cm", "waist", 90.0),
])
async def test_swedish_and_english_names_and_aliases(bot, line, metric, stored):
    out = await bot.say(f"ann@dm: {line}")
    assert "Logged" in out or "Loggade" in out, out
    ((key, _day, value, _note),) = await _stored(bot)
    assert key == metric and value == pytest.approx(stored, abs=1e-12)


async def test_in_swedish_the_lab_readings_have_swedish_names(bot):
    await bot.run("ann@dm: language sv", "ann@dm: logga glukos 6,2", "ann@dm: logga midja 88,5")
    history = await bot.run("ann@dm: historik")
    assert "[@ann] 2026-11-16  glukos: 6,2 mmol/L" in history and "[@ann] 2026-11-16  midja: 88,5 cm" in history
    listed = "\n".join(await bot.run("ann@dm: mått"))
    assert "glukos: blodsocker i mmol/L eller mg/dL" in listed and "kolesterol: totalkolesterol i mmol/L" in listed
    assert "midja: midjemått i cm eller tum" in listed


@pytest.mark.parametrize("metric", ["glucose", "cholesterol", "waist"])
async def test_sensitive_capped_at_trend_in_every_channel_by_default(bot, metric):
    from bot.catalogue import is_sensitive
    assert is_sensitive(metric)
    out = await bot.say(f"ann@dm: privacy set {metric} public")
    assert "glucose, cholesterol and waist show at most trends" in out
    await bot.run("ann@#walkers: help", ":moderator mia")
    assert f"{metric}: trend (this channel allows at most trend)" in await bot.say("ann@#walkers: privacy")
    assert f"{metric}: trend (default)" in await bot.say("mia@#walkers: mod rules")


async def test_a_shared_lab_chart_at_trend_shows_no_value(bot):
    await bot.run("ann@dm: units glucose imperial", *[f"ann@dm: log glucose {v} 2026-11-{d}" for d, v in
                                                       ((10, 104), (12, 110), (14, 98), (16, 101))],
                  "ann@#walkers: privacy set glucose public")
    out = await bot.run("ann@#walkers: chart glucose 14 share")
    post = [line for line in out if line.startswith("[#walkers")]
    assert post[0] == "[#walkers #1] ann's glucose, last 14 days (relative to their own usual)"
    assert not any(v in " ".join(post) for v in ("104", "110", "98", "101", "mg/dL", "mmol"))
