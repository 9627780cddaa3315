"""Property, through the console as members use it: for random members, levels, per-channel levels,
channel rules and commands (check-ins, shared charts, settings changes with take-back), no channel
message or chart ever carries a member's value above their effective level in that channel — at the
moment it is posted, and in its current text after every later edit."""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.vocabulary import i18n
from bot.vocabulary.levels import Level
from tests.support.transcript import make_transcript

LEVELS = ["private", "aggregate", "trend", "public"]
CAPS = ["off", "aggregate", "trend", "public"]
CHANNELS = ["walkers", "sleepers"]
N = 4


def value_of(i: int, week: int) -> int:
    return 10_000 + 1_111 * i + 97 * week    # distinct, findable figures (e.g. "11,208")


class Model:
    """What the design says each member allows, written independently of the implementation."""

    def __init__(self):
        self.default = {i: Level.PRIVATE for i in range(N)}
        self.per_channel: dict[tuple[int, str], Level] = {}
        self.rules: dict[str, Level] = {}

    def effective(self, i: int, channel: str) -> Level:
        own = self.per_channel.get((i, channel), self.default[i])
        return Level(min(own, self.rules.get(channel, Level.PUBLIC)))


actions = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, N - 1), st.sampled_from(LEVELS), st.sampled_from([None, *CHANNELS])),
    st.tuples(st.just("rule"), st.sampled_from(CHANNELS), st.sampled_from(CAPS)),
    st.tuples(st.just("join"), st.integers(0, N - 1), st.sampled_from(CHANNELS)),
    st.tuples(st.just("share"), st.integers(0, N - 1), st.sampled_from(CHANNELS)),
    st.tuples(st.just("week"),),
), min_size=3, max_size=14)


def raw_strings(i: int, weeks: int) -> list[str]:
    values = [value_of(i, w) for w in range(weeks + 1)]
    # English "11,208", plain "11208", and every other language's own way ("11 208" in Swedish)
    return ([f"{v:,}" for v in values] + [str(v) for v in values]
            + [i18n.num(v, ",", lang) for v in values for lang in i18n.available()[1:]])


async def play(steps, language: str | None = None, by_import: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))

        async def enter(week: int) -> None:
            """Each member's value of the week: typed, or (``by_import``) in an imported file."""
            if not by_import:
                await bot.run(*[f"m{i}@dm: log steps {value_of(i, week)}" for i in range(N)])
                return
            day = bot.clock.now().date().isoformat()
            for i in range(N):
                path = Path(tmp) / f"m{i}-{week}.csv"
                path.write_text(f"date,metric,value\n{day},steps,{value_of(i, week)}\n", encoding="utf-8")
                await bot.run(f"m{i}@dm: import {path}", f"m{i}@dm: confirm")

        model = Model()
        sent: list[tuple[str, str, object, dict]] = []   # (channel, message id, delivery, levels at the time)
        original_send, original_edit = bot.console.send, bot.console.edit
        current: dict[tuple[str, str], object] = {}

        async def send(target, delivery):
            mid = await original_send(target, delivery)
            if target.kind == "channel":
                snapshot = {i: model.effective(i, target.name) for i in range(N)}
                sent.append((target.name, mid, delivery, snapshot))
                current[(target.name, mid)] = delivery
            return mid

        async def edit(target, mid, delivery, keep_images=False):
            await original_edit(target, mid, delivery, keep_images=keep_images)
            current[(target.name, mid)] = delivery

        async def delete(target, mid):
            current.pop((target.name, mid), None)

        bot.console.send, bot.console.edit, bot.console.delete = send, edit, delete
        try:
            if language:   # the community and its members in another language: the same rules hold
                await bot.run(":moderator mod", f"mod@dm: mod language {language}",
                              *[f"m{i}@dm: language {language}" for i in range(N)])
            await bot.run(":moderator mod")
            await enter(0)
            week = 0
            for step in steps:
                kind = step[0]
                if kind == "set":
                    _, i, level, channel = step
                    await bot.run(f"m{i}@dm: privacy set steps {level}" + (f" #{channel}" if channel else ""))
                    if channel:
                        model.per_channel[(i, channel)] = Level[level.upper()]
                    else:
                        model.default[i] = Level[level.upper()]
                elif kind == "rule":
                    _, channel, cap = step
                    await bot.run(f"mod@dm: mod rule #{channel} steps {cap}")
                    model.rules[channel] = Level.PRIVATE if cap == "off" else Level[cap.upper()]
                elif kind == "join":
                    await bot.run(f"m{step[1]}@#{step[2]}: checkin join")
                elif kind == "share":
                    await bot.run(f"m{step[1]}@#{step[2]}: chart steps 7 share")
                else:
                    week += 1
                    await bot.run(f":time 2026-11-{16 + 7 * week - 5:02d}T10:00:00+00:00")
                    await enter(week)
                    await bot.run(f":time 2026-11-{16 + 7 * week - 1:02d}T20:00:00+00:00")   # past Sunday 18:00
            # At the moment of posting: nothing above the effective level.
            for channel, _mid, delivery, levels in sent:
                for i in range(N):
                    if levels[i] < Level.PUBLIC:
                        assert not any(s in delivery.text for s in raw_strings(i, week)), (channel, i, delivery.text)
                    if levels[i] < Level.TREND:
                        assert not re.search(rf"\bm{i}\b", delivery.text), (channel, i, delivery.text)
                for a in delivery.attachments:
                    for series in a.chart.series:
                        i = int(series.label[1:])
                        assert levels[i] >= Level.TREND
                        assert a.chart.relative or levels[i] == Level.PUBLIC
            # Now, after every later change: each post's current text says no more than today's settings allow.
            for (channel, mid), delivery in current.items():
                for i in range(N):
                    if model.effective(i, channel) < Level.PUBLIC:
                        assert not any(s in delivery.text for s in raw_strings(i, week)), (channel, mid, i, delivery.text)
                        for a in delivery.attachments:
                            assert a.chart.relative or all(s.label != f"m{i}" for s in a.chart.series)
                    if model.effective(i, channel) < Level.TREND:
                        assert not re.search(rf"\bm{i}\b", delivery.text), (channel, mid, i, delivery.text)
        finally:
            await bot.app.stop()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_no_channel_output_exceeds_effective_levels(steps):
    asyncio.run(play(steps))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_no_channel_output_exceeds_effective_levels_in_swedish(steps):
    asyncio.run(play(steps, "sv"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_no_channel_output_exceeds_effective_levels_when_values_come_by_import(steps):
    """Imported values are entries like typed ones: the same bound holds for a value that came in a file."""
    asyncio.run(play(steps, by_import=True))
