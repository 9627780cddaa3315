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


@pytest.mark.parametrize("line", ["units bp imperial", "challenge create squeeze bp total 1000"])
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
    assert "bp: public" in out and "blood pressure, glucose, cholesterol and waist show at most trends" in out
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


async def test_all_takes_the_pair_in_where_a_command_can_take_it(bot):
    await bot.run("bob@dm: help")
    out = await bot.say("alice@dm: partner invite @bob all trend")
    assert "distance" in out and "bp" in out
    assert "all your metrics" in await bot.say("alice@dm: privacy set all trend")
    assert "bp: trend" in await bot.say("alice@dm: privacy")


# ---- goals and partners ------------------------------------------------------------------------

async def test_a_goal_per_part_is_private_and_each_reading_is_told_against_it(bot):
    out = await bot.say("ann@dm: goal bp 130/85")
    assert "Your blood pressure goal: 130/85 mmHg, each part on its own. Only you see it" in out
    rows = await bot.db.fetchall("SELECT metric, goal_value FROM goals ORDER BY metric")
    assert [(r[0], float(r[1])) for r in rows] == [("bp.diastolic", 85.0), ("bp.systolic", 130.0)]
    out = await bot.say("ann@dm: log bp 128/88")
    assert "Against your goal of 130/85 mmHg: systolic 2 under your goal, diastolic 3 over your goal." in out
    assert "systolic at your goal, diastolic at your goal" in await bot.say("ann@dm: log bp 130/85")
    assert "Against your goal" not in await bot.say("bob@dm: log bp 128/88")        # bob has none
    for typed, said in (("130", "two whole numbers"), ("85/130", "never below"), ("130/85 pulse 60", "two parts only"),
                        ("30/20", "systolic between 60 and 260")):
        refused = await bot.say(f"ann@dm: goal bp {typed}")
        assert refused.startswith("[@ann]") and said in refused, refused
    assert [float(r[0]) for r in await bot.db.fetchall("SELECT goal_value FROM goals ORDER BY metric")] == [85.0, 130.0]
    out = await bot.run("ann@dm: mydata export")
    data = json.loads(next(Path(line.split("file: ")[1]) for line in out if line.endswith(".json")).read_text())
    assert {g["metric"]: g["goal_value"] for g in data["goals"]} == {"bp.systolic": 130, "bp.diastolic": 85}


async def test_a_goal_on_a_pair_is_never_in_a_post(bot):
    await bot.run("ann@#walkers: privacy set bp public", "ann@dm: goal bp 120/80", *CHECKIN,
                  "mia@#walkers: mod rule #walkers bp public")
    post = channel(await bot.run(":time 2026-11-22T19:00:00+00:00"))
    text = "\n".join(post)
    assert "ann: blood pressure 127/79 mmHg average" in text and "goal" not in text and "120/80" not in text


PARTNERED = ["bob@dm: help", "ann@dm: partner invite @bob bp {level}", "bob@dm: partner accept",
             ":time 2026-11-20T12:00:00+00:00", "ann@dm: log bp 130/90 2026-11-10", "ann@dm: log bp 132/92 2026-11-12",
             "ann@dm: log bp 128/80 2026-11-17", "ann@dm: log bp 126/79 2026-11-18", "ann@dm: log bp 128/78 2026-11-19"]


@pytest.mark.parametrize("level", ["trend", "public"])
async def test_a_partner_summary_speaks_of_each_part(bot, level):
    await bot.run(*[line.format(level=level) for line in PARTNERED])
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    summary = "\n".join(line for line in out if line.startswith("[@bob #"))
    assert "ann's week (Nov 16–Nov 22), as they share it with you:" in summary
    if level == "trend":
        assert "bp: systolic about the same, diastolic ↓ 10–20% vs last week" in summary
        assert not any(v in summary for v in ANN_VALUES) and "mmHg" not in summary
    else:
        assert "bp: 127/79 mmHg average (systolic ↓3%, diastolic ↓13% vs last week)" in summary
    out = await bot.run("ann@dm: partner invite @bob bp private")
    assert any(line.startswith("[@bob #") and "deleted" in line for line in out)


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


async def test_a_pair_at_aggregate_is_one_group_figure_of_both_parts(bot):
    """Five members share blood pressure at `aggregate`: one figure holds both parts ("about S/D mmHg
    average from 5 people"), each part within its disclosure bound; no member's value appears."""
    from tests.support.transcript import within_release_bound
    members = ("ann", "bob", "cat", "dov", "eve")
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  *[f"{m}@#walkers: privacy set bp aggregate" for m in members],
                  *[f"{m}@#walkers: checkin join" for m in members], ":time 2026-11-20T12:00:00+00:00",
                  *[f"{m}@dm: log bp {121 + 3 * i}/{79 + 2 * i} 2026-11-18" for i, m in enumerate(members)])
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    text = "\n".join(channel(out))
    m = re.search(r"Together: blood pressure about (\d+)/(\d+) mmHg average from 5 people", text)
    assert m, text
    systolic, diastolic = [121 + 3 * i for i in range(5)], [79 + 2 * i for i in range(5)]
    for shown, part in ((m.group(1), systolic), (m.group(2), diastolic)):   # an average: each moved by p/2 % / 5
        assert within_release_bound(float(shown), sum(part) / 5, [v / 5 for v in part], 1.0)
    # the one line holding blood pressure is the figure: at aggregate nobody is named with it
    assert [line for line in channel(out) if "blood pressure" in line or "mmHg" in line] == [
        f"[#walkers #1] Together: blood pressure about {m.group(1)}/{m.group(2)} mmHg average from 5 people"]
    ledger = {r[0] for r in await bot.db.fetchall("SELECT metric FROM post_disclosures")}
    assert ledger == {"bp"}


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


# ---- charts and cards ------------------------------------------------------------------------

BP_WEEKS = [f"ann@dm: log bp {s}/{d} 2026-11-{day:02d}" for day, s, d in
            [(6, 134, 88), (8, 131, 86), (10, 133, 87), (12, 130, 85), (14, 128, 84), (15, 127, 83), (16, 124, 80)]]
BP_VALUES = {str(v) for line in BP_WEEKS for v in line.split()[3].split("/")}


def _specs(bot):
    from tests.cogs.test_chart_posts import _capture_specs
    return _capture_specs(bot)


def _numbers_on(fig) -> list[str]:
    """Every number drawn on a figure outside its title, day ticks and footer."""
    from tests.charts.test_charts import _drawn_texts, _tick_texts, _title_of
    ax = fig.axes[0]
    skip = {_title_of(fig), ax.get_xlabel(), *_tick_texts(ax.xaxis)}
    return [n for t in _drawn_texts(fig) if t.get_text() not in skip
            for n in re.findall(r"[+-]?\d[\d,.]*%?", t.get_text())]


async def test_a_private_chart_of_a_pair_draws_both_parts_labelled_in_one_chart(bot):
    from bot.charts import _build_figure, alt_text
    specs = _specs(bot)
    await bot.run(*BP_WEEKS)
    out = await bot.run("ann@dm: chart bp 14")
    assert out[0] == "[@ann] Your blood pressure, last 14 days (only you see this):" and "image:" in out[1]
    (spec,) = specs
    assert not spec.relative and spec.unit == "mmHg" and spec.goal is None
    assert [s.label for s in spec.series] == ["systolic", "diastolic"]
    assert [v for _d, v in spec.series[0].points] == [134, 131, 133, 130, 128, 127, 124]
    assert [v for _d, v in spec.series[1].points] == [88, 86, 87, 85, 84, 83, 80]
    texts = [t.get_text() for t in _build_figure(spec).findobj(lambda a: hasattr(a, "get_text"))]
    assert "systolic" in texts and "diastolic" in texts              # the legend names both parts
    alt = alt_text(spec)
    assert "systolic: 7 days logged, from 124 mmHg to 134 mmHg" in alt and "diastolic: 7 days logged" in alt


async def test_a_shared_chart_of_a_pair_at_trend_shows_no_number(bot):
    """Blood pressure is capped at trend: shared, each part is relative to its own usual, nothing raw drawn."""
    from bot.charts import _build_figure, alt_text
    specs = _specs(bot)
    await bot.run(*BP_WEEKS, "ann@#walkers: privacy set bp public")
    out = await bot.run("ann@#walkers: chart bp 14 share")
    post = channel(out)
    assert post[0] == "[#walkers #1] ann's blood pressure, last 14 days (relative to their own usual)"
    (spec,) = specs
    assert spec.relative and spec.unit == "%" and [s.label for s in spec.series] == ["systolic", "diastolic"]
    assert spec.title == "Blood pressure — last 14 days (relative to own usual)"
    # each part against its own usual (here the mean of its own 14 days), in the trend grid's steps
    from bot.disclosure import relative_steps
    for series, part in zip(spec.series, (0, 1), strict=True):
        raw = [(f"2026-11-{day:02d}", float(line.split()[3].split("/")[part]))
               for line, day in zip(BP_WEEKS, (6, 8, 10, 12, 14, 15, 16), strict=True)]
        assert series.points == relative_steps(raw, sum(v for _d, v in raw) / len(raw))
    fig = _build_figure(spec)
    numbers = _numbers_on(fig)
    assert numbers and all(n.endswith("%") for n in numbers), numbers
    drawn = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
    assert "mmHg" not in drawn and "systolic" in drawn and "diastolic" in drawn
    alt = alt_text(spec)
    assert "systolic:" in alt and "diastolic:" in alt and "mmHg" not in alt
    assert not BP_VALUES & set(re.findall(r"\d+", alt.split(spec.timezone + ".", 1)[1]))
    assert not any(v in " ".join(post) for v in BP_VALUES)


async def test_a_pair_chart_is_shared_with_numbers_only_where_the_channel_allows_public(bot):
    specs = _specs(bot)
    await bot.run(":moderator mia", *BP_WEEKS, "ann@#walkers: privacy set bp public",
                  "mia@#walkers: mod rule #walkers bp public")
    await bot.run("ann@#walkers: chart bp 14 share")
    (spec,) = specs
    assert not spec.relative and [s.label for s in spec.series] == ["systolic", "diastolic"]
    assert spec.series[0].points[-1] == ("2026-11-16", 124.0) and spec.series[1].points[-1] == ("2026-11-16", 80.0)
    specs.clear()
    out = await bot.run("ann@#walkers: privacy set bp aggregate")
    assert any("deleted]" in line for line in out)                    # the chart is taken back


@pytest.mark.parametrize("cap", ["trend", "public"])
async def test_a_card_with_blood_pressure_at_trend_and_at_public(bot, cap):
    from bot.charts import CardSpec, alt_text
    from bot.charts.card import build_card
    specs = _specs(bot)
    await bot.run(":moderator mia", *BP_WEEKS, "ann@dm: log steps 8000", "ann@#walkers: privacy set bp public",
                  "ann@#walkers: privacy set steps public", f"mia@#walkers: mod rule #walkers bp {cap}")
    out = await bot.run("ann@#walkers: card share")
    assert "[#walkers #1] ann's week: Steps, Blood pressure" in out
    (card,) = [s for s in specs if isinstance(s, CardSpec)]
    bp = next(p for p in card.panels if p.title.startswith("Blood pressure"))
    assert [s.label for s in bp.series] == ["systolic", "diastolic"]
    texts = [t.get_text() for t in build_card(card).findobj(lambda a: hasattr(a, "get_text"))]
    alt = alt_text(card)
    if cap == "trend":
        assert bp.relative and bp.title == "Blood pressure (relative to own usual)"
        summary = next(t for t in texts if t.startswith("systolic "))
        assert summary == "systolic about · diastolic about own usual"   # 2 earlier days: the week is its own usual
        panel_text = [t for t in texts if "mmHg" in t or any(v in t for v in BP_VALUES)]
        assert panel_text == [], panel_text
        assert "mmHg" not in alt and "systolic" in alt
    else:
        assert not bp.relative
        assert "systolic avg 128 · diastolic avg 83.8 mmHg" in texts       # Nov 10-16: 133 ... 124 / 87 ... 80
        assert "Blood pressure: systolic avg 128 · diastolic avg 83.8 mmHg, 5 of 7 days logged." in alt


# ---- a moderator's paired metric ---------------------------------------------------------------

GRIP = [":moderator mia", "mia@dm: mod metric add grip kg 0 100 parts=left/right"]


async def test_a_moderator_adds_a_paired_metric_and_members_log_it_like_blood_pressure(bot):
    added = (await bot.run(*GRIP))[-1]
    assert "Members can now `log grip 50/50`: two numbers, left then right, each 0–100 kg." in added
    assert "Logged grip 42/40.5 kg for yesterday." in await bot.say("ann@dm: log grip 42/40.5 kg yesterday after gym")
    assert "Logged grip 38/41 kg" in await bot.say("ann@dm: log grip 38 over 41")      # either part may be higher
    assert await _active(bot) == [("grip.left", "2026-11-15", 42.0, "after gym"), ("grip.right", "2026-11-15", 40.5, "after gym"),
                                  ("grip.left", "2026-11-16", 38.0, None), ("grip.right", "2026-11-16", 41.0, None)]
    assert await bot.run("ann@dm: history grip") == [
        "[@ann] Your recent entries:", "[@ann] 2026-11-16  grip: 38/41 kg", "[@ann] 2026-11-15  grip: 42/40.5 kg — after gym"]
    for typed, said in (("42", "two numbers, left then right"), ("420/4", "left between 0 and 100"),
                        ("42/40 pulse 60", "write the whole value in one piece")):
        assert said in await bot.say(f"ann@dm: log grip {typed}")
    assert "Removed grip 38/41 kg" in await bot.say("ann@dm: undo")
    assert [k for k, *_rest in await _active(bot)] == ["grip.left", "grip.right"]
    # the parts are kept with the metric: after a restart it is still a pair
    await bot.restart()
    assert "grip: left/right in kg" in "\n".join(await bot.run("ann@dm: metrics"))
    out = await bot.run("ann@dm: mydata export")
    data = json.loads(next(Path(line.split("file: ")[1]) for line in out if line.endswith(".json")).read_text())
    assert {e["metric"] for e in data["entries"] if e["active"]} == {"grip.left", "grip.right"}


async def test_an_ordered_pair_keeps_its_order_and_the_form_is_checked(bot):
    await bot.run(":moderator mia")
    assert "(am is never below pm)" in await bot.say("mia@dm: mod metric add flow L/min 50 900 parts=am>pm")
    assert "did you mean `450/400`?" in await bot.say("ann@dm: log flow 400/450")
    assert "Logged flow 450/400 L/min" in await bot.say("ann@dm: log flow 450/400")
    for form, said in (("parts=a/b/c", "two parts, each a short word"), ("parts=a/a", "two parts"),
                       ("parts=left/right mmol/L=18", "its own unit only")):
        assert said in await bot.say(f"mia@dm: mod metric add odd kg 0 10 {form}")
    assert "odd" not in "\n".join(await bot.run("ann@dm: metrics"))
    assert "two numbers, vänster then höger" in await bot.say("mia@dm: mod metric add hand kg 0 100 parts=vänster/höger")


async def test_a_moderators_pair_at_trend_in_a_checkin_and_a_chart(bot):
    from bot.charts import _build_figure
    specs = _specs(bot)
    await bot.run(*GRIP, "mia@#walkers: mod schedule #walkers sunday 18:00 UTC", "ann@#walkers: privacy set grip trend",
                  "ann@#walkers: checkin join", ":time 2026-11-20T12:00:00+00:00",
                  "ann@dm: log grip 40/40 2026-11-10", "ann@dm: log grip 40/40 2026-11-12",
                  "ann@dm: log grip 41/46 2026-11-17", "ann@dm: log grip 40/47 2026-11-19")
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    assert "[#walkers #1] ann: grip left about the same, right ↑ 10–20% vs last week, 2/7 days" in out
    await bot.run("ann@#walkers: chart grip 14 share")
    (spec,) = [s for s in specs if getattr(s, "series", None) and s.title.startswith("Grip")]
    assert spec.relative and [s.label for s in spec.series] == ["left", "right"]
    assert all(t.get_text().endswith("%") or not re.search(r"\d", t.get_text())
               for t in _build_figure(spec).axes[0].get_yticklabels() if t.get_text())
