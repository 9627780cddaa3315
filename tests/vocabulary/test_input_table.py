"""Lines as new members type them, through the console: each is stored as exactly what was meant (the
value and day that `history` then shows) or refused/asked about with nothing stored (issue 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.vocabulary.metrics import BUILTIN_METRICS, LB, MILE, US_FL_OZ, custom_metric, format_quantity, parse_quantity
from tests.support.transcript import make_transcript

# The clock starts on Monday 2026-11-16 09:00 UTC (tests.support.transcript.START).
SETUP = (":moderator mia", "mia@dm: mod metric add temp °C 30 45", "mia@dm: mod metric add bgl mg/dL 20 600",
         "mia@dm: mod metric add reading pages 0 2000 chapters=20", "mia@dm: mod metric add ketones mg/dL 0 100 mmol/L=10.4")
STORED, REFUSED = "stored", "refused"

# (lines typed by one fresh member, then what `history` must show: (day, "metric: shown") or a refusal's words)
TABLE = [
    # units, words and spaced compounds
    (["log steps 8000"], (STORED, "2026-11-16", "steps: 8,000 steps")),
    (["log steps 8,000"], (STORED, "2026-11-16", "steps: 8,000 steps")),
    (["log steps 8k"], (STORED, "2026-11-16", "steps: 8,000 steps")),
    (["log steps 8 000"], (STORED, "2026-11-16", "steps: 8,000 steps")),
    (["log steps 8000 steps"], (STORED, "2026-11-16", "steps: 8,000 steps")),
    (["log sleep 7 hours 30 minutes"], (STORED, "2026-11-16", "sleep: 7h 30m")),
    (["log sleep 7h30m"], (STORED, "2026-11-16", "sleep: 7h 30m")),
    (["log sleep 7.5h"], (STORED, "2026-11-16", "sleep: 7h 30m")),
    (["log sleep 7:30"], (STORED, "2026-11-16", "sleep: 7h 30m")),
    (["log sleep 1 h 5 min"], (STORED, "2026-11-16", "sleep: 1h 5m")),
    (["log sleep 7 hrs"], (STORED, "2026-11-16", "sleep: 7h")),
    (["log weight 12 st 3 lb"], (STORED, "2026-11-16", "weight: 77.6 kg")),
    (["log weight 181 lb"], (STORED, "2026-11-16", "weight: 82.1 kg")),
    (["log weight 82,5 kg"], (STORED, "2026-11-16", "weight: 82.5 kg")),
    (["log water 2 gallons"], (STORED, "2026-11-16", "water: 7.57 L")),
    (["log water 500 ml"], (STORED, "2026-11-16", "water: 0.5 L")),
    (["log water 16 fl oz"], (STORED, "2026-11-16", "water: 0.47 L")),
    (["log distance 5 km"], (STORED, "2026-11-16", "distance: 5 km")),
    (["log distance 3 miles"], (STORED, "2026-11-16", "distance: 4.83 km")),
    (["log distance 800 m"], (STORED, "2026-11-16", "distance: 0.8 km")),
    (["log exercise 1h 15m"], (STORED, "2026-11-16", "exercise: 1h 15m")),
    (["log exercise 45 minutes"], (STORED, "2026-11-16", "exercise: 45 min")),
    (["log mood 7/10"], (STORED, "2026-11-16", "mood: 7/10")),
    (["log heart 62 bpm"], (STORED, "2026-11-16", "resting heart rate: 62 bpm")),
    # units swallowed or wrong before: now read, or refused with a hint
    (["log exercise 5 km"], (REFUSED, "log distance 5 km")),
    (["log water 2 kg"], (REFUSED, "unit that water")),
    (["log sleep 7h99m"], (REFUSED, "8h39m")),
    (["log weight 12 st 20 lb"], (REFUSED, "more than a stone")),
    (["log sleep 7 30"], (REFUSED, "in one piece")),
    (["log exercise 30 minuts"], (REFUSED, "`minutes`")),
    (["log steps 8000 bpm"], (REFUSED, "unit that steps")),
    # custom metrics and their unit families
    (["log temp 37.5"], (STORED, "2026-11-16", "temp: 37.5°C")),
    (["log temp 99.5 F"], (STORED, "2026-11-16", "temp: 37.5°C")),
    (["log temp 99.5 °F"], (STORED, "2026-11-16", "temp: 37.5°C")),
    (["log temp 40 F"], (REFUSED, "between 30°C and 45°C")),
    (["log bgl 100"], (STORED, "2026-11-16", "bgl: 100 mg/dL")),        # a moderator's blood glucose metric:
    (["log bgl 5.5 mmol/L"], (STORED, "2026-11-16", "bgl: 99.09 mg/dL")),   # glucose's factor, as the built-in's
    (["log bgl 25 mmol/L"], (STORED, "2026-11-16", "bgl: 450.4 mg/dL")),
    (["log bgl 500 kg"], (REFUSED, "unit that bgl")),
    # the built-in lab metrics, kept in mmol/L and cm
    (["log glucose 5.5"], (STORED, "2026-11-16", "glucose: 5.5 mmol/L")),
    (["log glucose 99 mg/dL"], (STORED, "2026-11-16", "glucose: 5.5 mmol/L")),
    (["log blood sugar 6,1 mmol/l"], (STORED, "2026-11-16", "glucose: 6.1 mmol/L")),
    (["log glucose 100"], (REFUSED, "for mg/dL, write `100 mg/dL`")),
    (["log cholesterol 201 mg/dL"], (STORED, "2026-11-16", "cholesterol: 5.2 mmol/L")),
    (["log cholesterol 4.8"], (STORED, "2026-11-16", "cholesterol: 4.8 mmol/L")),
    (["log waist 88 cm"], (STORED, "2026-11-16", "waist: 88 cm")),
    (["log waist 34.5 in"], (STORED, "2026-11-16", "waist: 87.6 cm")),
    (["log waist 34.5 inches after dinner"], (STORED, "2026-11-16", "waist: 87.6 cm — after dinner")),
    (["log steps 8000 in the park"], (STORED, "2026-11-16", "steps: 8,000 steps — in the park")),
    (["log reading 2 chapters"], (STORED, "2026-11-16", "reading: 40 pages")),
    (["log reading 1 chapter yesterday"], (STORED, "2026-11-15", "reading: 20 pages")),
    (["log reading 30 pages"], (STORED, "2026-11-16", "reading: 30 pages")),
    (["log ketones 1.5 mmol/L"], (STORED, "2026-11-16", "ketones: 15.6 mg/dL")),    # the moderator's factor
    (["log reading 3 books"], (REFUSED, "Is `books` a unit?")),
    # dates: never silently today
    (["log steps 9000 yesterday"], (STORED, "2026-11-15", "steps: 9,000 steps")),
    (["log steps 9000 2 days ago"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 two days ago"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 1 week ago"], (STORED, "2026-11-09", "steps: 9,000 steps")),
    (["log steps 9000 last tuesday"], (STORED, "2026-11-10", "steps: 9,000 steps")),
    (["log steps 9000 last monday"], (STORED, "2026-11-09", "steps: 9,000 steps")),
    (["log steps 9000 monday"], (STORED, "2026-11-16", "steps: 9,000 steps")),
    (["log steps 9000 sat"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 24 Oct"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log steps 9000 Oct 24"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log steps 9000 24th October"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log steps 9000 2026-11-02"], (STORED, "2026-11-02", "steps: 9,000 steps")),
    (["log steps 9000 24/10"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log steps 9000 10/24"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log steps 9000 24.10.2026"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log steps 9000 11/10"], (REFUSED, "`log steps 9000 2026-10-11` or `log steps 9000 2026-11-10`")),
    (["log steps 9000 11/24"], (REFUSED, "2025-11-24")),       # Nov 24 is still to come: last year?
    (["log steps 9000 tomorrow"], (REFUSED, "future")),
    (["log steps 9000 24 Dec"], (REFUSED, "2025-12-24")),     # a guessed year far back: asked
    (["log steps 9000 yesterday 2 days ago"], (REFUSED, "the day is already")),
    (["log steps 9000 yesterdy"], (REFUSED, "`yesterday`")),
    (["log steps 9000 last tuesdya"], (REFUSED, "`last tuesday`")),
    (["log steps 9000 Novmber 12"], (REFUSED, "`november`")),
    (["log steps 9000 12 Novmber"], (REFUSED, "in one piece")),
    (["log steps 9000 2030-01-01"], (REFUSED, "future")),
    # numbers
    (["log steps 8.000"], (REFUSED, "`log steps 8000` or `log steps 8`")),
    (["log steps 8.5"], (REFUSED, "whole number")),
    (["log steps 8.000 yesterday note: rainy"], (REFUSED, "`log steps 8000 yesterday note: rainy`")),
    (["log mood 7.000"], (STORED, "2026-11-16", "mood: 7/10")),       # 7,000 can't be a mood: no question
    (["log weight 82 kg", "log weight 181"], (REFUSED, "`log weight 181 lb`")),
    (["log weight 82 kg", "log weight 181 lb"], (STORED, "2026-11-16", "weight: 82.1 kg")),
    (["log weight 82 kg", "log weight 81.5"], (STORED, "2026-11-16", "weight: 81.5 kg")),
    (["log weight 82 kg", "log weight 13"], (REFUSED, "write `13 st`")),                  # 13 stone?
    (["log temp 37", "log temp 99"], (REFUSED, "write `99 °F`")),
    (["log distance 5", "log distance 3"], (STORED, "2026-11-16", "distance: 8 km")),          # runs add up
    (["log steps 900000"], (REFUSED, "200,000")),
    (["log water 250"], (REFUSED, "for ml, write `250 ml`")),
    (["log distance 5000"], (REFUSED, "for m, write `5000 m`")),
    (["log 8000 steps"], (REFUSED, "`log steps 8000`")),
    # notes: after the value and the day, echoed, with one limit
    (["log steps 8000 walk with the dog"], (STORED, "2026-11-16", "steps: 8,000 steps — walk with the dog")),
    (["log steps 8000 yesterday walk with the dog"], (STORED, "2026-11-15", "steps: 8,000 steps — walk with the dog")),
    (["log sleep 7 hours 30 minutes 2 days ago slept well"], (STORED, "2026-11-14", "sleep: 7h 30m — slept well")),
    (["log steps 8000 note: 2 days of rain"], (STORED, "2026-11-16", "steps: 8,000 steps — 2 days of rain")),
    (["log steps 8000 " + "x" * 201], (REFUSED, "up to 200 characters")),
    (["log steps 8000 " + "x" * 200], (STORED, "2026-11-16", "steps: 8,000 steps — " + "x" * 200)),
    # a second log the same day: replaces (weight, sleep, steps) or adds (water, exercise, distance)
    (["log water 1 L", "log water 500 ml"], (STORED, "2026-11-16", "water: 1.5 L")),
    (["log exercise 30", "log exercise 15"], (STORED, "2026-11-16", "exercise: 45 min")),
    (["log steps 5000", "log steps 7000"], (STORED, "2026-11-16", "steps: 7,000 steps")),
    (["log water 1 L", "log water 500 ml", "undo"], (STORED, "2026-11-16", "water: 1 L")),
    # more of what people type
    (["log water 3 glasses"], (STORED, "2026-11-16", "water: 0.75 L")),
    (["log water 3 bottles"], (REFUSED, "Is `bottles` a unit?")),
    (["log sleep 7 and a half hours"], (REFUSED, "in one piece")),
    (["log distance 10k"], (STORED, "2026-11-16", "distance: 10 km")),
    (["log run 5 km"], (STORED, "2026-11-16", "distance: 5 km")),
    (["log steps 1.234"], (REFUSED, "`log steps 1234`")),
    (["log steps 9000 on saturday"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 3 days back"], (STORED, "2026-11-13", "steps: 9,000 steps")),
    (["log steps 9000 the day before yesterday"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 last week"], (REFUSED, "isn't one day")),
    (["log steps 9000 2026/11/02"], (STORED, "2026-11-02", "steps: 9,000 steps")),
    (["log steps 9000 24-10-2026"], (STORED, "2026-10-24", "steps: 9,000 steps")),
    (["log resting heart rate 62"], (STORED, "2026-11-16", "resting heart rate: 62 bpm")),
    (["log heart rate 62 bpm after the run"], (STORED, "2026-11-16", "resting heart rate: 62 bpm — after the run")),
    (["log weight 82.5kg this morning"], (STORED, "2026-11-16", "weight: 82.5 kg — this morning")),
    (["log exercise 30min run"], (STORED, "2026-11-16", "exercise: 30 min — run")),
    (["log steps about 8000"], (REFUSED, "couldn't read")),
    (["log steps eight thousand"], (REFUSED, "couldn't read")),
    # locales: decimal commas, spaces grouping thousands (also no-break ones), day-month order
    (["log weight 82,5"], (STORED, "2026-11-16", "weight: 82.5 kg")),
    (["log sleep 7,5h"], (STORED, "2026-11-16", "sleep: 7h 30m")),
    (["log water 1,5 L"], (STORED, "2026-11-16", "water: 1.5 L")),
    (["log steps 12\u00a0500"], (STORED, "2026-11-16", "steps: 12,500 steps")),
    (["log steps 9000 14.11."], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 14/11/26"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps 9000 Nov. 14"], (STORED, "2026-11-14", "steps: 9,000 steps")),
    (["log steps ٨٠٠٠"], (REFUSED, "digits 0-9")),
    # the member's own units
    (["units imperial", "log weight 181"], (STORED, "2026-11-16", "weight: 181 lb")),
    (["units imperial", "log distance 3"], (STORED, "2026-11-16", "distance: 3 mi")),
]


def _history_lines(out: list[str]) -> list[str]:
    return [o.split("] ", 1)[1] for o in out if o.startswith("[@")][1:]


@pytest.fixture
async def table_bot(tmp_path):
    t = await make_transcript(tmp_path)
    await t.run(*SETUP)
    yield t
    await t.app.stop()


async def test_the_input_table(table_bot):
    assert len(TABLE) >= 60
    for i, (lines, expected) in enumerate(TABLE):
        who = f"u{i}"
        out = await table_bot.run(*(f"{who}@dm: {line}" for line in lines))
        last = [o for o in out if o.startswith(f"[@{who}]")][-1]
        history = await table_bot.run(f"{who}@dm: history")
        if expected[0] == REFUSED:
            assert expected[1] in last, (lines, last)
            assert "Logged" not in last and "Added" not in last and "Updated" not in last, (lines, last)
            if len(lines) == 1:
                assert "No entries yet" in history[0], (lines, history)
            else:   # what the earlier lines stored is all there is
                earlier = await _fresh_history(table_bot, lines[:-1], f"v{i}")
                assert _history_lines(history) == earlier, (lines, history, earlier)
        else:
            _, day, shown = expected
            assert _history_lines(history) == [f"{day}  {shown}"], (lines, last, history)
            assert "`undo`" in last or lines[-1] == "undo", (lines, last)


async def _fresh_history(bot, lines, who) -> list[str]:
    await bot.run(*(f"{who}@dm: {line}" for line in lines))
    return _history_lines(await bot.run(f"{who}@dm: history"))


# ---- round trip: what `log` confirms is what `history` and `mydata export` hold ------------------

CUSTOM = (custom_metric("temp", "°C", 30, 45), custom_metric("bgl", "mg/dL", 20, 600))
# every metric with each unit it is typed in: (metric, unit word as typed, factor into canonical, offset)
UNITS = [
    ("steps", "", 1, 0), ("steps", "steps", 1, 0), ("steps", "k", 1000, 0),
    ("sleep", "h", 1, 0), ("sleep", "min", 1 / 60, 0), ("sleep", "", 1, 0),
    ("rhr", "bpm", 1, 0), ("rhr", "", 1, 0),
    ("weight", "kg", 1, 0), ("weight", "lb", LB, 0), ("weight", "st", 14 * LB, 0), ("weight", "", 1, 0),
    ("mood", "", 1, 0), ("mood", "/10", 1, 0),
    ("exercise", "min", 1, 0), ("exercise", "h", 60, 0), ("exercise", "", 1, 0),
    ("water", "L", 1, 0), ("water", "ml", 0.001, 0), ("water", "cups", 0.25, 0), ("water", "fl oz", US_FL_OZ, 0),
    ("water", "gallons", 3.785411784, 0),
    ("distance", "km", 1, 0), ("distance", "mi", MILE, 0), ("distance", "m", 0.001, 0),
    ("temp", "°C", 1, 0), ("temp", "F", 5 / 9, -32 * 5 / 9),
    ("bgl", "mg/dL", 1, 0), ("bgl", "mmol/L", 18.016, 0),
    ("glucose", "mmol/L", 1, 0), ("glucose", "mg/dL", 1 / 18.016, 0), ("glucose", "", 1, 0),
    ("cholesterol", "mmol/L", 1, 0), ("cholesterol", "mg/dL", 1 / 38.67, 0),
    ("waist", "cm", 1, 0), ("waist", "in", 2.54, 0), ("waist", "", 1, 0),
]
METRICS = {m.key: m for m in (*BUILTIN_METRICS, *CUSTOM)}
WHOLE = {"steps", "mood"}


@st.composite
def typed_values(draw):
    key, unit, factor, offset = draw(st.sampled_from(UNITS))
    m = METRICS[key]
    low, high = (m.minimum - offset) / factor, (m.maximum - offset) / factor
    if key in WHOLE:
        number = draw(st.integers(int(-(-m.minimum // factor)), int(m.maximum // factor)))
        text = str(number)
    else:
        number = draw(st.decimals(min_value=f"{low:.3f}", max_value=f"{high:.3f}", places=2, allow_nan=False))
        text = f"{number}"
    system = draw(st.sampled_from(["metric", "imperial"]))
    return key, f"{text} {unit}".strip(), system


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(typed_values(), min_size=1, max_size=6))
def test_log_confirms_what_history_and_export_hold(tmp_path_factory, cases):
    import asyncio
    asyncio.run(_round_trip(tmp_path_factory.mktemp("rt"), cases))


async def _round_trip(tmp: Path, cases) -> None:
    bot = await make_transcript(tmp)
    try:
        await bot.run(*SETUP)
        for i, (key, typed, system) in enumerate(cases):
            who = f"r{i}"
            m = METRICS[key]
            await bot.run(f"{who}@dm: units {system}")
            out = await bot.say(f"{who}@dm: log {key} {typed}")
            if "Logged" not in out:
                # only a question about a thousands dot or a refusal at the very edge of the range
                assert "stored nothing" in out or "between" in out, (typed, out)
                continue
            expected = parse_quantity(m, typed, system)
            shown = format_quantity(m, expected, system)
            assert f"Logged {shown}" in out, (typed, out)
            history = await bot.run(f"{who}@dm: history")
            assert history[1].endswith(f"{m.name}: {shown}"), (typed, history)
            export = await bot.run(f"{who}@dm: mydata export")
            path = next(re.search(r"file: (\S+peerpulse-export\.json)", o).group(1) for o in export if "export.json" in o)
            entries = json.loads(Path(path).read_text())["entries"]
            assert [e["value"] for e in entries] == [expected], (typed, entries)
            assert format_quantity(m, entries[0]["value"], system) == shown
            # and the shown figure reads back to the stored value, to the shown precision
            back = parse_quantity(m, shown, system)
            assert format_quantity(m, back, system) == shown
    finally:
        await bot.app.stop()
