"""Property, through the console as members use it: for random invites, answers, level changes and
endings between two members, a partner never receives a value above the level the member granted and
the partner accepted, nor anything about a metric not shared — in the summary or view as sent, and
in what is left of it after every later change (take-back)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.vocabulary.levels import Level
from tests.support.transcript import make_transcript

METRICS = ["steps", "sleep"]
MONDAY = datetime.fromisoformat("2026-11-16T10:00:00+00:00")   # the harness starts on this Monday
LEVELS = ["private", "aggregate", "trend", "public"]


def steps_of(week: int) -> int:
    return 10_000 + 1_237 * week          # distinct, findable weekly figures ("11,237")


def sleep_of(week: int) -> str:
    return f"{5 + week % 4}h{11 + week}m"  # e.g. 5h11m, shown as "5h 11m"


class Model:
    """The spec, written independently of the implementation: a partner may see at most the lower of
    what the member last offered and what the partner last accepted (an upper bound: an accept that
    the implementation refuses only makes this model more permissive)."""

    def __init__(self):
        self.offered = {m: Level.PRIVATE for m in METRICS}
        self.accepted = {m: Level.PRIVATE for m in METRICS}

    def allowed(self, metric: str) -> Level:
        return Level(min(self.offered[metric], self.accepted[metric]))

    def end(self):
        self.offered = {m: Level.PRIVATE for m in METRICS}
        self.accepted = {m: Level.PRIVATE for m in METRICS}


actions = st.lists(st.one_of(
    st.tuples(st.just("invite"), st.sampled_from(METRICS + ["all"]), st.sampled_from(LEVELS)),
    st.tuples(st.just("accept"),),
    st.tuples(st.just("decline"),),
    st.tuples(st.just("end"), st.sampled_from(["ann", "vic"])),
    st.tuples(st.just("block"),),
    st.tuples(st.just("unblock"),),
    st.tuples(st.just("view"),),
    st.tuples(st.just("week"),),
), min_size=3, max_size=12)


def raw_strings(metric: str, weeks: int) -> list[str]:
    if metric == "steps":
        return [f"{steps_of(w):,}" for w in range(weeks + 1)] + [str(steps_of(w)) for w in range(weeks + 1)]
    return [re.sub(r"(\d+)h(\d+)m", r"\1h \2m", sleep_of(w)) for w in range(weeks + 1)]


def check(text: str, allowed: dict[str, Level], weeks: int, where: str) -> None:
    for metric in METRICS:
        if allowed[metric] < Level.PUBLIC:
            assert not any(s in text for s in raw_strings(metric, weeks)), (where, metric, text)
            if metric == "sleep":
                assert not re.search(r"\d+h \d+m", text), (where, text)
        if allowed[metric] < Level.TREND:
            assert not re.search(rf"\b{metric}\b", text), (where, metric, text)


async def play(steps) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))
        model = Model()
        sent: list[tuple[object, dict]] = []          # (delivery, what the model allowed then)
        current: dict[str, object] = {}               # message id -> its delivery as it shows now
        original_send, original_edit = bot.console.send, bot.console.edit

        async def send(target, delivery):
            mid = await original_send(target, delivery)
            if target.kind == "member" and target.name == "vic" and delivery.disclosures:
                sent.append((delivery, {m: model.allowed(m) for m in METRICS}))
                if mid is not None:
                    current[mid] = delivery
            return mid

        async def edit(target, mid, delivery, keep_images=False):
            await original_edit(target, mid, delivery, keep_images=keep_images)
            if target.kind == "member":
                current[mid] = delivery

        async def delete(target, mid):
            current.pop(mid, None)

        bot.console.send, bot.console.edit, bot.console.delete = send, edit, delete
        try:
            await bot.run("vic@dm: help", "tom@dm: help", "ann@dm: privacy set all public")
            week = 0
            # One log per metric a week, so each week's figure is one findable value.
            await bot.run(f"ann@dm: log steps {steps_of(0)} 2026-11-10", f"ann@dm: log sleep {sleep_of(0)} 2026-11-10")
            for step in steps:
                kind = step[0]
                # The model moves first: what a command sends is judged by the state it brings about.
                if kind == "invite":
                    _, metric, level = step
                    lv = Level[level.upper()]
                    if lv is not Level.AGGREGATE:          # refused: nothing changes
                        for m in (METRICS if metric == "all" else [metric]):
                            model.offered[m] = lv
                            if lv is Level.PRIVATE:
                                model.accepted[m] = Level.PRIVATE
                    await bot.run(f"ann@dm: partner invite @vic {metric} {level}")
                elif kind == "accept":
                    model.accepted = {m: Level(max(model.accepted[m], model.offered[m])) for m in METRICS}
                    await bot.run("vic@dm: partner accept @ann")
                elif kind == "decline":
                    await bot.run("vic@dm: partner decline @ann")
                elif kind == "end":
                    other = "vic" if step[1] == "ann" else "ann"
                    model.end()
                    await bot.run(f"{step[1]}@dm: partner end @{other}")
                elif kind == "block":
                    model.end()
                    await bot.run("vic@dm: partner block @ann")
                elif kind == "unblock":
                    await bot.run("vic@dm: partner unblock @ann")
                elif kind == "view":
                    await bot.run("vic@dm: partner view @ann")
                else:
                    week += 1
                    wednesday = MONDAY + timedelta(days=7 * (week - 1) + 2)
                    await bot.run(f":time {wednesday.isoformat()}",
                                  f"ann@dm: log steps {steps_of(week)}", f"ann@dm: log sleep {sleep_of(week)}",
                                  f"tom@dm: log steps {steps_of(week) + 1}")
                    await bot.run(f":time {(wednesday + timedelta(days=4, hours=10)).isoformat()}")   # past Sunday 18:00
                # After every change, what vic still has says no more than allowed now.
                now = {m: model.allowed(m) for m in METRICS}
                for mid, delivery in current.items():
                    check(delivery.text, now, week, f"message {mid} after {step}")
            # As sent: nothing above what was allowed at that moment, nothing of tom's, no other metric.
            for delivery, allowed in sent:
                check(delivery.text, allowed, week, "as sent")
                for d in delivery.disclosures:
                    assert d.metric in METRICS and d.level <= allowed[d.metric], (d, allowed, delivery.text)
                assert "tom" not in delivery.text
        finally:
            await bot.app.stop()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions)
def test_a_partner_never_receives_more_than_granted(steps):
    asyncio.run(play(steps))


def test_the_property_sees_a_summary_when_one_is_allowed():
    """The control: the same harness does see the values when they are granted (so the property
    above can fail)."""
    seen = []

    async def run():
        with tempfile.TemporaryDirectory() as tmp:
            bot = await make_transcript(Path(tmp))
            try:
                await bot.run("vic@dm: help", f"ann@dm: log steps {steps_of(0)} 2026-11-10",
                              "ann@dm: partner invite @vic steps public", "vic@dm: partner accept")
                await bot.run(":time 2026-11-18T10:00:00+00:00", f"ann@dm: log steps {steps_of(1)}")
                seen.extend(await bot.run(":time 2026-11-22T20:00:00+00:00"))
            finally:
                await bot.app.stop()

    asyncio.run(run())
    text = "\n".join(seen)
    assert f"{steps_of(1):,}" in text
    try:
        check(text, {"steps": Level.TREND, "sleep": Level.PRIVATE}, 1, "control")
    except AssertionError:
        return
    raise AssertionError("the check would not have caught a raw value")
