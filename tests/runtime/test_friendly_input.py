"""Help that helps (issue 15): did-you-mean for commands, swapped arguments and time zones, a help line
per command, a bare `help` and relative `:time` in the console, goals per day, each member's units,
and one note limit on every platform."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.adapters.base import Inbound
from bot.adapters.discord_commands import build_payload
from bot.logline import NOTE_MAX
from cogs.charts import Charts


async def test_did_you_mean_a_command(bot):
    assert "did you mean `help`" in await bot.say("alice@dm: hlep")
    assert "Did you mean `privacy set steps public`?" in await bot.say("alice@dm: privacy sett steps public")
    assert "Did you mean `privacy set steps public`?" in await bot.say("alice@dm: privacy steps public")
    assert "Did you mean `mod rule`?" in await bot.say("alice@dm: mod rul #walkers steps off")
    assert "did you mean `history`" in await bot.say("alice@dm: histroy")


async def test_swapped_arguments_are_answered_with_the_line_meant(bot):
    await bot.run(":moderator mia")
    assert "Did you mean `log steps 8000`?" in await bot.say("alice@dm: log 8000 steps")
    assert "Did you mean `privacy set steps public`?" in await bot.say("alice@dm: privacy set everyone steps")
    assert "Did you mean `mod rule #walkers steps off`?" in await bot.say("mia@#walkers: mod rule steps #walkers off")
    out = await bot.say("alice@dm: history")
    assert "No entries yet" in out                                  # nothing was stored on the way
    assert "steps: private" in await bot.say("alice@dm: privacy")


async def test_time_zones_by_city_abbreviation_or_close_name(bot):
    assert "Europe/Berlin" in await bot.say("alice@dm: timezone berlin")
    assert "is now America/New_York" in await bot.say("alice@dm: timezone new_york")
    out = await bot.say("alice@dm: timezone CET")
    assert "`timezone Europe/Berlin`" in out and "is now" not in out
    assert "`timezone America/New_York`" in await bot.say("alice@dm: timezone EST")
    assert "`timezone Europe/Berlin`" in await bot.say("alice@dm: timezone Europe/Berln")
    assert "America/New_York" in await bot.say("alice@dm: timezone")   # the last accepted one stays


async def test_help_has_a_line_of_description_per_command_and_works_bare_in_the_console(bot):
    out = await bot.run("alice@dm: help")
    specs = bot.app.registry.all()
    for spec in specs:
        line = next(o for o in out if f"`{spec.usage()}`" in o)
        assert re.search(r"` — \w", line), line
    bare = await bot.run("help")
    assert bare[0].startswith("[console]") and ":time +7d" in bare[0]
    assert any("`log <metric> <value> [when] [note]` — Log a number" in o for o in bare)
    assert await bot.app.services.db.fetchval("SELECT COUNT(*) FROM members WHERE display_name='alice'") == 1
    assert "type the line again" in "\n".join(await bot.run("alice@dm: help log"))   # how to answer a question


async def test_relative_time_in_the_console(bot):
    start = bot.clock.now()
    await bot.run(":time +7d")
    assert (bot.clock.now() - start).days == 7
    await bot.run(":time +2h")
    assert (bot.clock.now() - start).total_seconds() == 7 * 86400 + 7200
    assert "+7d" in await bot.say(":time soon")
    assert "Logged" in await bot.say("alice@dm: log steps 8000")


async def test_goals_are_per_day_unless_per_week(bot, tmp_path):
    out = await bot.say("ann@dm: goal steps 10000")
    assert "10,000 steps a day" in out and "70,000 steps a week" in out
    out = await bot.say("ann@dm: goal water 14 L week")
    assert "14 L a week in total" in out
    assert "35 km a week in check-ins" in await bot.say("ann@dm: goal distance 5 km")   # distance adds up
    out = await bot.say("ann@dm: goal sleep 8h")
    assert "8h a day (check-ins compare your week's average with it)" in out
    rows = {r["metric"]: r for r in await _export(bot, "ann", "goals")}
    assert (rows["steps"]["goal_value"], rows["steps"]["goal_period"], rows["steps"]["weekly_value"]) == (10000, "day", 70000)
    assert (rows["water"]["goal_value"], rows["water"]["goal_period"], rows["water"]["weekly_value"]) == (14, "week", 14)
    assert (rows["sleep"]["goal_value"], rows["sleep"]["goal_period"], rows["sleep"]["weekly_value"]) == (8, "day", 8)


async def test_units_are_each_members_own(bot):
    assert "now imperial" in await bot.say("bob@dm: units imperial")
    out = await bot.say("bob@dm: log weight 181")
    assert "Logged 181 lb" in out
    assert "`log weight 82 kg` or `log weight 82 lb`" in await bot.say("bob@dm: log weight 82")   # 82 lb after 181 lb?
    assert "weight: 181 lb" in "\n".join(await bot.run("bob@dm: history"))
    assert "Logged 82.1 kg" in await bot.say("alice@dm: log weight 181 lb")    # alice keeps metric
    assert "Logged 16 fl oz" in await bot.say("bob@dm: log water 16")
    assert "82.1 kg" in "\n".join(await bot.run("alice@dm: history"))
    entries = await _export(bot, "bob", "entries")
    assert round(entries[0]["value"], 6) == round(181 * 0.45359237, 6)        # stored in kg, whoever typed it
    assert (await _export(bot, "bob", "units"))[0]["system"] == "imperial"
    assert "furlongs" in await bot.say("bob@dm: units furlongs")        # refused: not a metric nor a system
    # one metric in other units than the rest
    assert "weight is now in metric units" in await bot.say("bob@dm: units weight metric")
    assert "Logged 82 kg" in await bot.say("bob@dm: log weight 82 2026-11-15")
    assert "Added 16 fl oz" in await bot.say("bob@dm: log water 16")                 # water stays imperial
    assert "imperial (weight metric)" in await bot.say("bob@dm: units")
    assert "now metric" in await bot.say("bob@dm: units metric")                     # every metric again
    assert "Your units are metric." in await bot.say("bob@dm: units")


async def _chart(bot, member: str, metric: str):
    charts = bot.app.cog(Charts)
    inv = await bot.app._invocation(Inbound(platform="console", community_external_id="console", community_name="",
                                            channel_external_id=None, channel_name="", member_external_id=member,
                                            member_name=member, is_moderator=False, text=""))
    m = await bot.app.services.catalogue.resolve(inv.community_id, metric)   # the spec's converter, as the runtime runs it
    return (await charts.chart(inv, m, 30)).charts[0]


async def test_a_chart_is_in_the_members_units(bot):
    await bot.run("bob@dm: units imperial", *(f"bob@dm: log weight {180 + d} lb 2026-11-{d:02d}" for d in range(8, 16)))
    await bot.run("bob@dm: goal weight 170")
    piece = await _chart(bot, "bob", "weight")
    assert piece.unit == "lb" and [round(v) for _, v in piece.lines[0].points] == list(range(188, 196))
    assert round(piece.lines[0].goal, 6) == 170


async def test_a_daily_goal_is_the_charts_goal_line(bot):
    """`goal steps 10000` is a day's goal: the chart's line sits at 10,000, not at 10,000 / 7."""
    await bot.run("ann@dm: goal steps 10000", *(f"ann@dm: log steps {9000 + d} 2026-11-{d:02d}" for d in range(8, 16)))
    assert (await _chart(bot, "ann", "steps")).lines[0].goal == 10000


async def test_one_note_limit_everywhere(bot):
    payload = build_payload(bot.app.registry)
    log = next(c for c in payload if c["name"] == "log")
    note = next(o for o in log["options"] if o["name"] == "note")
    assert note["max_length"] == NOTE_MAX
    typed = await bot.say("alice@dm: log steps 8000 " + "n" * (NOTE_MAX + 1))
    # Discord's pre-parsed options (and any adapter that passes named arguments) go the same way.
    inbound = Inbound(platform="console", community_external_id="console", community_name="", channel_external_id=None,
                      channel_name="", member_external_id="alice", member_name="alice", is_moderator=False, text="",
                      command="log", arguments={"metric": "steps", "value": "8000", "note": "n" * (NOTE_MAX + 1)})
    named = [d.text for d in await bot.app.handle(inbound)]
    expected = f"Notes can be up to {NOTE_MAX} characters; yours has {NOTE_MAX + 1}. Nothing was stored."
    assert expected in typed and named == [expected]
    assert "No entries yet" in await bot.say("alice@dm: history")
    assert "Logged" in await bot.say("alice@dm: log steps 8000 " + "n" * NOTE_MAX)


async def test_a_custom_metric_named_like_a_new_builtin_keeps_its_meaning(bot):
    await bot.db.execute("INSERT INTO communities(platform, external_id, name) VALUES ('console', 'console', 'c')")
    await bot.db.execute("INSERT INTO custom_metrics(community_id, key, unit, minimum, maximum, created_at) "
                         "VALUES (1, 'distance', 'laps', 0, 100, '2026-01-01T00:00:00+00:00')")
    assert "Logged 12 laps" in await bot.say("alice@dm: log distance 12")


async def _export(bot, member: str, table: str) -> list[dict]:
    out = await bot.run(f"{member}@dm: mydata export")
    path = next(re.search(r"file: (\S+peerpulse-export\.json)", o).group(1) for o in out if "export.json" in o)
    return json.loads(Path(path).read_text())[table]
