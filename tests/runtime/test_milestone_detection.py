"""Milestone detection (bot/milestones.py): pure rules on one member's own days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.milestones import MIN_HISTORY, Goal, detect, goal_direction, progress_direction
from bot.vocabulary.metrics import BLOOD_PRESSURE, BUILTIN_METRICS

M = {m.key: m for m in BUILTIN_METRICS}
D = date(2026, 11, 20)


def days_of(values, last=D):
    """values oldest first, ending on `last`; None leaves a day out."""
    n = len(values)
    return {last - timedelta(days=n - 1 - i): v for i, v in enumerate(values) if v is not None}


def kinds(found):
    return [(f.kind, f.value) for f in found]


def test_a_personal_best_needs_history_and_beats_every_other_day():
    assert kinds(detect(M["steps"], D, days_of([5000] * MIN_HISTORY + [9000]), new_day=False)) == [("best", 9000)]
    assert detect(M["steps"], D, days_of([5000] * (MIN_HISTORY - 1) + [9000]), new_day=False) == []
    assert detect(M["steps"], D, days_of([5000, 9000] + [5000] * 6 + [9000]), new_day=False) == []   # a tie is no best
    # an older day beating it (logged later as a back-fill) means this day is no best
    assert detect(M["steps"], D - timedelta(days=1), days_of([5000] * 8 + [6000, 7000]), new_day=False) == []


def test_no_best_or_goal_for_a_metric_whose_direction_is_the_members_without_a_goal_direction():
    falling = days_of([90, 89, 88, 87, 86, 85, 84, 83])
    for key in ("weight", "sleep", "rhr"):
        assert progress_direction(M[key], None) is None
        assert [f for f in detect(M[key], D, falling, new_day=False) if f.kind != "streak"] == []
    rising = days_of([80, 81, 82, 83, 84, 85, 86, 87])
    assert [f.kind for f in detect(M["weight"], D, rising, new_day=False)] == []   # a new high weight: nothing
    down = Goal(75, "day", 75, "down")
    assert kinds(detect(M["weight"], D, falling, down, new_day=False)) == [("best", 83)]   # a new low, as the goal says
    assert detect(M["weight"], D, rising, down, new_day=False) == []
    up = Goal(90, "day", 90, "up")   # gaining is this member's goal
    assert kinds(detect(M["weight"], D, rising, up, new_day=False)) == [("best", 87)]
    assert detect(M["weight"], D, falling, up, new_day=False) == []


def test_a_metric_with_parts_never_has_a_best():
    pair = replace(BLOOD_PRESSURE)
    many = days_of([140, 138, 136, 134, 132, 130, 128, 120])
    for goal in (None, Goal(120, "day", 120, "down"), Goal(150, "day", 150, "up")):
        assert [f for f in detect(pair, D, many, goal, new_day=False) if f.kind == "best"] == []
    assert progress_direction(pair, None) is None


def test_a_goal_direction_never_turns_a_fixed_direction_around():
    assert progress_direction(M["steps"], "down") == "up"
    assert goal_direction(M["steps"], 5000, 12000) == "up"
    assert goal_direction(M["weight"], 75, 83) == "down"
    assert goal_direction(M["weight"], 90, 83) == "up"
    assert goal_direction(M["weight"], 83, 83) is None and goal_direction(M["weight"], 75, None) is None


def test_streaks_of_7_30_100_fire_once_when_reached():
    assert kinds(detect(M["weight"], D, days_of([80] * 7))) == [("streak", 7)]
    assert detect(M["weight"], D, days_of([80] * 6)) == []
    assert detect(M["weight"], D, days_of([80] * 8)) == []
    assert detect(M["weight"], D, days_of([80] * 7), new_day=False) == []   # a second log that day
    assert kinds(detect(M["sleep"], D, days_of([7] * 30))) == [("streak", 30)]
    assert kinds(detect(M["sleep"], D, days_of([7] * 100))) == [("streak", 100)]
    # a gap filled joins two runs: 4 + 1 + 5 = 10 crosses 7 once
    joined = days_of([7] * 4 + [7] + [7] * 5)
    middle = D - timedelta(days=5)
    found = detect(M["sleep"], middle, joined)
    assert kinds(found) == [("streak", 7)] and found[0].since == D - timedelta(days=9)
    # a later run of 7 is a new milestone (another key)
    later = days_of([7] * 7 + [None] + [7] * 7)
    earlier = detect(M["sleep"], D - timedelta(days=8), days_of([7] * 7, D - timedelta(days=8)))
    assert detect(M["sleep"], D, later)[0].slug != earlier[0].slug


def test_a_goal_met_for_a_week():
    steps = M["steps"]
    daily = Goal(8000, "day", 56000, "up")
    assert kinds(detect(steps, D, days_of([8000] * 7), daily, new_day=False)) == [("goal", 56000)]
    assert detect(steps, D, days_of([8000] * 6 + [7999]), daily, new_day=False) == []
    assert detect(steps, D, days_of([8000] * 3 + [None] + [8000] * 3), daily, new_day=False) == []
    weekly = Goal(50000, "week", 50000, "up")   # a week's total: days not logged add nothing
    assert kinds(detect(steps, D, days_of([20000, None, None, 15000, None, None, 15000]), weekly, new_day=False)) == [("goal", 50000)]
    assert detect(steps, D, days_of([20000, None, None, 15000, None, None, 14999]), weekly, new_day=False) == []
    # one per 7 days
    assert detect(steps, D, days_of([8000] * 7), daily, new_day=False, last_goal_day=D - timedelta(days=6)) == []
    assert detect(steps, D, days_of([8000] * 7), daily, new_day=False, last_goal_day=D - timedelta(days=7))
    sleep = Goal(8, "week", 8, "up")   # an average: only a fully logged week
    assert kinds(detect(M["sleep"], D, days_of([8, 9, 7, 8, 8, 8, 8]), sleep, new_day=False)) == [("goal", 8)]
    assert detect(M["sleep"], D, days_of([8, 9, None, 8, 8, 8, 8]), sleep, new_day=False) == []
    weight = Goal(80, "week", 80, "down")
    assert kinds(detect(M["weight"], D, days_of([80, 79, 80, 80, 79, 80, 80]), weight, new_day=False)) == \
        [("goal", (80 * 5 + 79 * 2) / 7)]
    assert detect(M["weight"], D, days_of([80, 79, 80, 80, 79, 80, 80]), None, new_day=False) == []   # no goal


def test_a_summed_goal_of_at_most_needs_every_day_logged():
    from bot.vocabulary.metrics import MetricDef
    smokes = MetricDef("smokes", "smokes", "", 0, 100, custom=True)
    at_most = Goal(20, "week", 20, "down")
    assert detect(smokes, D, days_of([None] * 6 + [2]), at_most, new_day=False) == []
    assert kinds(detect(smokes, D, days_of([2] * 7), at_most, new_day=False)) == [("goal", 14)]
