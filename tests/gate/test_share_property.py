"""Property, through the console: for random logs, levels (everywhere or per channel), channel rules,
`share` posts and milestone offers answered yes or no (or left to lapse, or undone), no channel
message that `share` or a milestone put there ever carries a member's figure above that member's
level for that channel — when it is posted, and in its current text after every later edit — and a
milestone is posted only while its member answers yes.

Every figure is findable: member i's n-th value is 10,000 + 1,000·n + OFFSET[i], so any sum of up to
seven of one member's values ends in digits that only that member's sums end in."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.vocabulary import i18n
from bot.vocabulary.levels import Level
from tests.support.transcript import make_transcript

LEVELS = ["private", "aggregate", "trend", "public"]
CAPS = ["off", "aggregate", "trend", "public"]
CHANNELS = ["walkers", "sleepers"]
N = 3
OFFSET = (1, 10, 100)
HISTORY = 8          # days logged before the actions, so a new high is a personal best
START = date(2026, 11, 16)
SOURCES = ("share", "milestone")


class Model:
    """What the design says each member allows, and every figure of theirs a post could show."""

    def __init__(self):
        self.default = {i: Level.PRIVATE for i in range(N)}
        self.per_channel: dict[tuple[int, str], Level] = {}
        self.rules: dict[str, Level] = {}
        self.count = {i: 0 for i in range(N)}
        self.logs: dict[int, list[tuple[date, int]]] = {i: [] for i in range(N)}   # in order, for undo
        self.figures: dict[int, set[int]] = {i: set() for i in range(N)}          # values and 7-day sums, ever

    def effective(self, i: int, channel: str) -> Level:
        own = self.per_channel.get((i, channel), self.default[i])
        return Level(min(own, self.rules.get(channel, Level.PUBLIC)))

    def value(self, i: int) -> int:
        v = 10_000 + 1_000 * self.count[i] + OFFSET[i]
        self.count[i] += 1
        return v

    def logged(self, i: int, day: date, value: int) -> None:
        self.logs[i] = [(d, v) for d, v in self.logs[i] if d != day] + [(day, value)]
        self._remember(i)

    def undone(self, i: int) -> None:
        if self.logs[i]:
            self.logs[i].pop()
        self._remember(i)

    def _remember(self, i: int) -> None:
        days = dict(self.logs[i])
        self.figures[i].update(days.values())
        if days:
            first, last = min(days), max(days)
            for k in range((last - first).days + 7):
                end = first + timedelta(days=k)
                window = [v for d, v in days.items() if end - timedelta(days=6) <= d <= end]
                if window:
                    self.figures[i].add(sum(window))

    def strings(self, i: int) -> list[str]:
        out = []
        for v in self.figures[i]:
            out += [f"{v:,}", str(v), *(i18n.num(v, ",", lang) for lang in i18n.available()[1:])]
        return out


actions = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, N - 1), st.sampled_from(LEVELS), st.sampled_from([None, *CHANNELS])),
    st.tuples(st.just("rule"), st.sampled_from(CHANNELS), st.sampled_from(CAPS)),
    st.tuples(st.just("share"), st.integers(0, N - 1), st.sampled_from(CHANNELS)),
    st.tuples(st.just("milestones"), st.integers(0, N - 1), st.booleans()),
    st.tuples(st.just("log"), st.integers(0, N - 1), st.sampled_from([None, *CHANNELS])),
    st.tuples(st.just("log"), st.integers(0, N - 1), st.sampled_from(CHANNELS)),   # (logs in a channel: offers)
    st.tuples(st.just("answer"), st.integers(0, N - 1), st.booleans()),
    st.tuples(st.just("celebrate"), st.integers(0, N - 1), st.sampled_from(CHANNELS)),   # log there, answer yes
    st.tuples(st.just("undo"), st.integers(0, N - 1)),
    st.tuples(st.just("day"),),
    st.tuples(st.just("lapse"),),
), min_size=8, max_size=20)
# Where each member starts (so that most examples have something shared to look at).
starts = st.tuples(st.lists(st.sampled_from(LEVELS[1:]), min_size=N, max_size=N),
                   st.lists(st.booleans(), min_size=N, max_size=N))


async def play(start, steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))
        model = Model()
        sent: list[tuple[str, object, dict, tuple]] = []   # (channel, delivery, levels then, the step)
        current: dict[tuple[str, str], tuple[object, str]] = {}
        original_send, original_edit = bot.console.send, bot.console.edit
        step_now: list[tuple] = [("setup",)]

        async def send(target, delivery):
            mid = await original_send(target, delivery)
            if target.kind == "channel" and delivery.kind in SOURCES:
                sent.append((target.name, delivery, {i: model.effective(i, target.name) for i in range(N)}, step_now[0]))
                current[(target.name, mid)] = (delivery, delivery.kind)
            return mid

        async def edit(target, mid, delivery, keep_images=False):
            await original_edit(target, mid, delivery, keep_images=keep_images)
            if (target.name, mid) in current:
                current[(target.name, mid)] = (delivery, current[(target.name, mid)][1])

        async def delete(target, mid):
            current.pop((target.name, mid), None)

        bot.console.send, bot.console.edit, bot.console.delete = send, edit, delete
        try:
            await bot.run(":moderator mod")
            levels, milestones = start
            for i in range(N):
                await bot.run(f"m{i}@dm: privacy set steps {levels[i]}", f"m{i}@dm: milestones {'on' if milestones[i] else 'off'}")
                model.default[i] = Level[levels[i].upper()]
            today = START
            for i in range(N):
                for k in range(HISTORY, 0, -1):
                    day = START - timedelta(days=k)
                    v = model.value(i)
                    await bot.run(f"m{i}@dm: log steps {v} {day.isoformat()}")
                    model.logged(i, day, v)
            for step in steps:
                step_now[0] = step
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
                elif kind == "share":
                    await bot.run(f"m{step[1]}@#{step[2]}: share steps: a good week")
                elif kind == "milestones":
                    await bot.run(f"m{step[1]}@dm: milestones {'on' if step[2] else 'off'}")
                elif kind == "log":
                    _, i, channel = step
                    v = model.value(i)
                    await bot.run(f"m{i}@{'#' + channel if channel else 'dm'}: log steps {v}")
                    model.logged(i, today, v)
                elif kind == "celebrate":
                    _, i, channel = step
                    v = model.value(i)
                    await bot.run(f"m{i}@#{channel}: log steps {v}")
                    model.logged(i, today, v)
                    await bot.run(f"m{i}@#{channel}: share milestone")
                elif kind == "answer":
                    await bot.run(f"m{step[1]}@dm: share milestone" + ("" if step[2] else " no"))
                elif kind == "undo":
                    await bot.run(f"m{step[1]}@dm: undo")
                    model.undone(step[1])
                else:
                    hours = 24 if kind == "day" else 25
                    await bot.run(f":time +{hours}h")
                    today = bot.clock.now().date()
            for channel, delivery, levels, step in sent:
                for i in range(N):
                    if levels[i] < Level.PUBLIC:
                        assert not any(s in delivery.text for s in model.strings(i)), (channel, i, step, delivery.text)
                    if levels[i] < Level.TREND:
                        assert not re.search(rf"\bm{i}\b", delivery.text), (channel, i, step, delivery.text)
                if delivery.kind == "milestone":   # only while its member says yes
                    yes = step[0] == "celebrate" or (step[0] == "answer" and step[2])
                    assert yes and f"m{step[1]} " in delivery.text, (step, delivery.text)
            for (channel, mid), (delivery, _kind) in current.items():
                for i in range(N):
                    if model.effective(i, channel) < Level.PUBLIC:
                        assert not any(s in delivery.text for s in model.strings(i)), (channel, mid, i, delivery.text)
                    if model.effective(i, channel) < Level.TREND:
                        assert not re.search(rf"\bm{i}\b", delivery.text), (channel, mid, i, delivery.text)
        finally:
            await bot.app.stop()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(starts, actions)
def test_no_share_or_milestone_post_exceeds_the_members_level_there(start, steps):
    asyncio.run(play(start, steps))


def test_the_property_sees_a_figure_when_one_is_shown():
    """The check can fail: a public share and a shared milestone do show the figures it looks for."""
    async def run():
        with tempfile.TemporaryDirectory() as tmp:
            bot = await make_transcript(Path(tmp))
            try:
                for k in range(HISTORY, 0, -1):
                    await bot.run(f"m0@dm: log steps {10_000 + 1_000 * (HISTORY - k) + 1} "
                                  f"{(START - timedelta(days=k)).isoformat()}")
                await bot.run("m0@dm: privacy set steps public", "m0@dm: milestones on")
                await bot.run("m0@#walkers: log steps 18001")
                out = "\n".join(await bot.run("m0@#walkers: share steps: a good week", "m0@dm: share milestone"))
                assert "18,001" in out                       # the milestone's number
                assert f"{sum(range(12_001, 18_002, 1_000)):,}" in out   # the week's total (Nov 10-16)
            finally:
                await bot.app.stop()
    asyncio.run(run())
