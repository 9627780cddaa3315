"""The check-in's reduced read (EntryRepository.checkin_week), on both backends, against the days themselves.

A check-in of thousands of members no longer reads every day of the five weeks it looks at: the
database hands it this week's days and the earlier weeks as sums, counts and a streak mask. These
tests seed a community whose members log with gaps, corrections, pauses and old history, and check
that the reduced read says exactly what the days say (the reference is worked out here, day by day,
with the date-based helpers), and that the released post shows, for each member, the same text the
day-by-day computation gives.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import build_app
from bot.config import Config, PrivacyConfig
from bot.progress import change_text, goal_percent, streak, streak_in, summed, weekly_figure
from bot.vocabulary.clock import FakeClock
from bot.vocabulary.levels import Level
from bot.vocabulary.metrics import format_quantity
from bot.vocabulary.reply import Destination
from cogs.checkins import STREAK_LOOKBACK, Checkins
from storage.postgres import scratch_database

NOW = datetime(2026, 11, 22, 19, tzinfo=UTC)   # a Sunday evening: the week is Nov 16-22
LAST = NOW.date()
FIRST = LAST - timedelta(days=6)
LEVELS = [Level.PUBLIC, Level.TREND, Level.AGGREGATE, Level.PRIVATE]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def app(request, tmp_path):
    config = Config(privacy=PrivacyConfig(min_group_size=3), chart_processes=0)
    if request.param == "sqlite":
        app = await build_app(config, FakeClock(NOW), str(tmp_path / "scale.db"))
        yield app
        await app.stop()
        return
    async with scratch_database(request.getfixturevalue("pg_server"), "peerpulse_test") as url:
        app = await build_app(config, FakeClock(NOW), url)
        try:
            yield app
        finally:
            await app.stop()


async def seed(app, members: int = 14, seed: int = 19):
    """Members with random gaps over 50 days (some older than the check-in looks), some values
    corrected (the replaced row stays, inactive), fractional sleep, one member paused, one who left,
    one who logged nothing this week, and goals for some. Returns (community, channel, days) where
    days maps (member_id, metric) to {day: the value now active}."""
    s = app.services
    rng = random.Random(seed)
    community = await s.community.community("console", "c")
    channel = (await s.community.channel(community, "walkers", "walkers")).id
    days: dict[tuple[int, str], dict[date, float]] = {}
    for i in range(members):
        member = await s.community.member(community, f"m{i}", f"member {i:02d}", NOW)
        await app.services.checkins.join(member.id, channel, NOW)
        for metric in ("steps", "sleep"):
            await s.sharing.set_level(member.id, metric, LEVELS[i % 4], None, NOW)
        logged = days.setdefault((member.id, "steps"), {})
        slept = days.setdefault((member.id, "sleep"), {})
        keep = rng.choice([1.0, 0.9, 0.6, 0.3])   # how regularly this member logs
        for back in range(50):
            day = LAST - timedelta(days=back)
            if i == 5 and day >= FIRST:
                continue   # nothing this week: no line
            if back < 30 - i or rng.random() < keep:   # long unbroken runs for some, to reach the streak cap
                value = float(rng.randrange(2000, 15000))
                await s.entries.log(member.id, "steps", day, value, None, NOW)
                if rng.random() < 0.2:   # corrected later the same day: the first value is retired
                    value = float(rng.randrange(2000, 15000))
                    await s.entries.log(member.id, "steps", day, value, None, NOW)
                logged[day] = value
            if rng.random() < keep:
                hours = rng.choice([6.25, 7.1, 7.5, 8.3, 5.9])
                await s.entries.log(member.id, "sleep", day, hours, None, NOW)
                slept[day] = hours
        if i % 3 == 0:
            await app.services.goals.set(member.id, "steps", 70000.0, NOW, goal_value=10000.0, goal_period="day")
    paused, left = 3, 4   # member ids are 1-based in insertion order
    await app.services.checkins.pause(paused, channel, NOW + timedelta(weeks=1))
    await app.services.checkins.leave(left, channel)
    return community, channel, days, {paused, left}


def in_window(values: dict[date, float], first: date, last: date) -> list[tuple[date, float]]:
    return sorted((d, v) for d, v in values.items() if first <= d <= last)


async def test_reduced_read_says_what_the_days_say(app):
    community, channel, days, away = await seed(app)
    metrics = [m.key for m in await app.services.catalogue.metrics(community)]
    figures = await app.services.entries.checkin_week(channel, NOW, metrics, LAST, STREAK_LOOKBACK)
    expected_keys = {key for key, values in days.items()
                     if key[0] not in away and in_window(values, FIRST, LAST)}
    assert set(figures) == expected_keys and len(expected_keys) > 10
    for key in expected_keys:
        values, f = days[key], figures[key]
        assert f.week == [(d.isoformat(), v) for d, v in in_window(values, FIRST, LAST)]
        prev = [v for _, v in in_window(values, FIRST - timedelta(days=7), FIRST - timedelta(days=1))]
        earlier = [v for _, v in in_window(values, FIRST - timedelta(days=STREAK_LOOKBACK), FIRST - timedelta(days=1))]
        assert f.prev_days == len(prev) and f.earlier_days == len(earlier)
        assert f.prev_sum == (pytest.approx(sum(prev)) if prev else None)
        assert f.earlier_sum == (pytest.approx(sum(earlier)) if earlier else None)
        window = {d for d in values if LAST - timedelta(days=STREAK_LOOKBACK) <= d <= LAST}
        assert streak_in(f.logged, STREAK_LOOKBACK) == streak(window, LAST, STREAK_LOOKBACK)
    assert any(streak_in(f.logged, STREAK_LOOKBACK) == STREAK_LOOKBACK for f in figures.values())   # the cap is reached
    assert any(0 < streak_in(f.logged, STREAK_LOOKBACK) < STREAK_LOOKBACK for f in figures.values())
    with pytest.raises(ValueError):
        await app.services.entries.checkin_week(channel, NOW, metrics, LAST, 31)
    with pytest.raises(ValueError):
        await app.services.entries.checkin_week(channel, NOW, metrics, LAST, 12)


async def test_released_post_shows_what_the_days_give(app):
    """Each public member's line is the text worked out from their days (the computation the
    check-in did before it read sums), trend members show no raw figure, the others no line."""
    community, channel, days, away = await seed(app)
    s = app.services
    post, summaries = await app.cog(Checkins).build_checkin(community, channel, "UTC", NOW)
    delivery = await s.gate.release(post, Destination.channel(community, channel))
    lines = delivery.text.splitlines()
    by_key = {m.key: m for m in await s.catalogue.metrics(community)}
    goals = await app.services.goals.for_checkin(channel)
    names = await s.community.names_in_checkin(channel)
    for member_id, name in names.items():
        mine = [line for line in lines if line.startswith(f"{name}: ")]
        level = LEVELS[(member_id - 1) % 4]
        texts = [expected_text(by_key[metric], days[member_id, metric], goals.get((member_id, metric)))
                 for metric in by_key if (member_id, metric) in days and in_window(days[member_id, metric], FIRST, LAST)]
        if member_id in away or not texts or level < Level.TREND:
            assert mine == [], (name, mine)
        elif level == Level.PUBLIC:
            assert mine == [f"{name}: " + " · ".join(texts)]
        else:
            assert len(mine) == 1 and not any(format_quantity(by_key["steps"], v) in mine[0]
                                              for _, v in in_window(days[member_id, "steps"], FIRST, LAST))
    # every member who logged this week has their private summary, with their own full figures
    summary = {member_id: "\n".join(r.lines[i].parts[0].text for i in range(len(r.lines))) for member_id, r in summaries}
    for (member_id, metric), values in days.items():
        if member_id not in away and in_window(values, FIRST, LAST):
            assert expected_text(by_key[metric], values, goals.get((member_id, metric)), private=True) in summary[member_id]


def expected_text(metric, values: dict[date, float], goal: float | None, private: bool = False) -> str:
    """A member's figure for the week, worked out from the days one by one."""
    this = [v for _, v in in_window(values, FIRST, LAST)]
    prev = [v for _, v in in_window(values, FIRST - timedelta(days=7), FIRST - timedelta(days=1))]
    figure, before = weekly_figure(metric, this), weekly_figure(metric, prev)
    window = {d for d in values if LAST - timedelta(days=STREAK_LOOKBACK) <= d <= LAST}
    run = streak(window, LAST, STREAK_LOOKBACK)
    pct = goal_percent(metric, figure, goal)
    parts = [change_text(before, figure), f"{len(this)}/7 days",
             f"{run}{'+' if run >= STREAK_LOOKBACK else ''}-day streak" if run >= 3 else None,
             f"{pct}% of goal" if pct is not None else None]
    raw = format_quantity(metric, figure) + (" this week" if summed(metric) else " average")
    exact = ", ".join(p for p in parts if p)
    if private:
        return f"{metric.name}: {raw} ({exact})"
    shown = raw if raw.startswith(metric.key) or raw.split(" ")[1:2] == [metric.key] else f"{metric.key} {raw}"
    return f"{shown} ({exact})"



@given(st.integers(min_value=0, max_value=(1 << (STREAK_LOOKBACK + 1)) - 1))
def test_a_streak_from_the_mask_is_the_streak_from_the_days(mask):
    days = {LAST - timedelta(days=i) for i in range(STREAK_LOOKBACK + 1) if mask >> i & 1}
    assert streak_in(mask, STREAK_LOOKBACK) == streak(days, LAST, STREAK_LOOKBACK)
