"""Property, through the console: a pair (blood pressure) shared with `share bp [chart]: words` never
carries a part's figure (a day's reading, or a week's average of a part) into the channel above the
member's level there, when posted and in its text after every later level change; and a chart at
`trend` is drawn relative (its series hold no reading).

Readings are findable: systolic 230-259 and diastolic 140-159, so any figure of theirs (a reading, a
part's average over some days) is at least 140, while the relative words and percentages a trend post
or chart may show (about 88-114 % of the member's usual, streaks, "last 30 days") stay below it."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path
from statistics import fmean

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.vocabulary.levels import Level
from tests.support.transcript import make_transcript

LEVELS = ["private", "aggregate", "trend", "public"]
CAPS = ["aggregate", "trend", "public"]
TODAY = date(2026, 11, 20)


def _figures(readings: dict[date, tuple[int, int]]) -> set[int]:
    """Every number a post about these readings could show: each reading's parts and the rounded
    averages of each part over any run of days (a week's average is one of them)."""
    days = sorted(readings)
    out: set[int] = set()
    for part in (0, 1):
        for i in range(len(days)):
            for j in range(i + 1, len(days) + 1):
                out.add(round(fmean(readings[d][part] for d in days[i:j])))
    return out


async def play(level: str, cap: str, readings: dict[date, tuple[int, int]], chart: bool, later: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))
        posted: list[tuple[object, Level]] = []
        effective = [Level(min(Level[level.upper()], Level[cap.upper()]))]
        original_send, original_edit = bot.console.send, bot.console.edit

        async def send(target, delivery):
            if target.kind == "channel":
                posted.append((delivery, effective[0]))
            return await original_send(target, delivery)

        async def edit(target, mid, delivery, keep_images=False):
            posted.append((delivery, effective[0]))
            await original_edit(target, mid, delivery, keep_images=keep_images)

        bot.console.send, bot.console.edit = send, edit
        try:
            await bot.run(f":time {TODAY.isoformat()}T12:00:00+00:00", ":moderator mia",
                          f"mia@#walkers: mod rule #walkers bp {cap}", f"ann@#walkers: privacy set bp {level}")
            for day, (sys_, dia) in sorted(readings.items()):
                await bot.run(f"ann@dm: log bp {sys_}/{dia} {day.isoformat()}")
            await bot.run(f"ann@#walkers: share bp{' chart' if chart else ''}: feeling fine")
            for lv in later:
                effective[0] = Level(min(Level[lv.upper()], Level[cap.upper()]))
                await bot.run(f"ann@#walkers: privacy set bp {lv}")
        finally:
            await bot.app.stop()
        figures = _figures(readings)
        for delivery, allowed in posted:
            text = delivery.text
            numbers = {int(n) for n in re.findall(r"\d+", text)}
            assert allowed >= Level.TREND, f"posted or edited at {allowed.name}: {text!r}"
            if allowed < Level.PUBLIC:
                assert not numbers & figures, (allowed, text)
                for attachment in delivery.attachments:
                    assert attachment.chart.relative
                    alt = {int(n) for n in re.findall(r"\d+", attachment.alt_text)}
                    assert not alt & figures, (allowed, attachment.alt_text)


day_offsets = st.lists(st.integers(0, 13), min_size=1, max_size=6, unique=True)


@st.composite
def scenario(draw):
    offsets = draw(day_offsets)
    readings = {TODAY - timedelta(days=o): (draw(st.integers(230, 259)), draw(st.integers(140, 159))) for o in offsets}
    return (draw(st.sampled_from(LEVELS)), draw(st.sampled_from(CAPS)), readings, draw(st.booleans()),
            draw(st.lists(st.sampled_from(LEVELS), max_size=2)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_a_shared_pair_never_shows_a_part_above_the_members_level(sc):
    asyncio.run(play(*sc))
