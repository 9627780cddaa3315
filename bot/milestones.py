"""Milestones: what counts as one, decided from one member's own days alone (pure: no I/O, no clock).

A milestone is looked for when a log is stored, about the day logged (``cogs/milestones.py`` calls
:func:`detect` with the member's days of that metric):

* ``best``: the day's value beats every other day the member logged for the metric (with at least
  :data:`MIN_HISTORY` other days, so a first week of logs isn't a string of "bests"), in the direction
  that is progress for them; at most one per day (a second log the same day adds nothing new);
* ``streak``: the run of days logged in a row that the day belongs to reaches 7, 30 or 100 days
  (:data:`STREAKS`) with this log; a later run may reach the same length again and is a new one;
* ``goal``: the member's goal is met for a week: each of the 7 days ending on the day (a day's goal),
  or the 7 days' total (a week's goal of a metric that adds up) or their average with every day
  logged (a week's goal of a state, like sleep); at most one per 7 days.

Direction (:func:`progress_direction`): a metric that fixes it (steps: higher is better) has it; for
every other metric (weight, sleep, resting heart rate, a community's own metric) only the member's
goal says what progress is, and without a goal direction there is no ``best`` and no ``goal``
milestone: never a milestone of loss for weight unless the member's goal says down is progress.
A metric with parts (a pair such as blood pressure) never has a ``best``: no one number is its
"highest". Streaks are about logging, not values, so they hold for every metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Literal

from bot.progress import summed
from bot.vocabulary.metrics import MetricDef

STREAKS = (7, 30, 100)
MIN_HISTORY = 7          # other logged days a day must beat before it is a personal best
WEEK = 7
Kind = Literal["best", "streak", "goal"]
Direction = Literal["up", "down"]


@dataclass(frozen=True)
class Goal:
    """A member's goal for one metric as storage keeps it (``storage.checkins.GoalRepository``)."""

    value: float                 # per ``period``, as the member set it
    period: str                  # "day" or "week"
    weekly: float                # its weekly equivalent (a day's goal x 7 for metrics that add up)
    direction: Direction | None  # what the member's goal says progress is; None: it says nothing


@dataclass(frozen=True)
class Milestone:
    kind: Kind
    day: date       # the day it is about
    value: float    # best: the day's value; streak: the run's days; goal: the week's total or average
    since: date     # streak: the run's first day (what tells one run from the next); else the day

    @property
    def slug(self) -> str:
        """What makes it the same milestone again (stored unique per member and metric)."""
        if self.kind == "streak":
            return f"streak{int(self.value)}:{self.since.isoformat()}"
        return f"{self.kind}:{self.day.isoformat()}"


def progress_direction(metric: MetricDef, goal_direction: str | None) -> Direction | None:
    """Which way is progress: the metric's own direction where it has one, else the member's goal's."""
    if metric.higher_is_better is True:
        return "up"
    if metric.higher_is_better is False:
        return "down"
    return "down" if goal_direction == "down" else "up" if goal_direction == "up" else None


def goal_direction(metric: MetricDef, goal: float, latest: float | None) -> Direction | None:
    """The direction a new goal says is progress: the metric's own, else which side of the member's
    latest value the goal is on (a weight goal below the last weight: down is progress). None when
    it says nothing (no recent value, or the goal is that value)."""
    own = progress_direction(metric, None)
    if own is not None:
        return own
    if latest is None or latest == goal:
        return None
    return "down" if goal < latest else "up"


def _beats(a: float, b: float, direction: Direction) -> bool:
    return a > b if direction == "up" else a < b


def _meets(a: float, goal: float, direction: Direction) -> bool:
    return a >= goal if direction == "up" else a <= goal


def detect(metric: MetricDef, day: date, days: Mapping[date, float], goal: Goal | None = None, *,
           new_day: bool = True, last_goal_day: date | None = None) -> list[Milestone]:
    """The milestones a log for ``day`` makes, given every day the member logged for the metric
    (``days``, the stored values including this log's). ``new_day``: the day had no value before
    this log (only then can a streak grow). ``last_goal_day``: the day of the latest goal milestone
    already recorded for the metric (one per 7 days)."""
    if day not in days:
        return []
    found: list[Milestone] = []
    direction = progress_direction(metric, goal.direction if goal else None)
    value = days[day]
    if direction is not None and not metric.parts:
        others = [v for d, v in days.items() if d != day]
        if len(others) >= MIN_HISTORY:
            best = max(others) if direction == "up" else min(others)
            if _beats(value, best, direction):
                found.append(Milestone("best", day, value, day))
    if new_day:
        streak = _streak(day, days)
        if streak is not None:
            found.append(streak)
    if goal is not None and direction is not None and (last_goal_day is None
                                                       or abs((day - last_goal_day).days) >= WEEK):
        week = _goal_week(metric, day, days, goal, direction)
        if week is not None:
            found.append(Milestone("goal", day, week, day))
    return found


def _streak(day: date, days: Mapping[date, float]) -> Milestone | None:
    """The longest of :data:`STREAKS` that the run through ``day`` reached by ``day`` being logged."""
    first = day
    while first - timedelta(days=1) in days:
        first -= timedelta(days=1)
    last = day
    while last + timedelta(days=1) in days:
        last += timedelta(days=1)
    run = (last - first).days + 1
    before = max((day - first).days, (last - day).days)   # the longer of the two runs the day joined
    crossed = [n for n in STREAKS if before < n <= run]
    if not crossed:
        return None
    return Milestone("streak", last, float(crossed[-1]), first)


def _goal_week(metric: MetricDef, day: date, days: Mapping[date, float], goal: Goal,
               direction: Direction) -> float | None:
    """The week's figure when the goal is met for the 7 days ending on ``day``, else None."""
    window = [days.get(day - timedelta(days=i)) for i in range(WEEK - 1, -1, -1)]
    logged = [v for v in window if v is not None]
    if goal.period == "day":
        if len(logged) < WEEK or not all(_meets(v, goal.value, direction) for v in logged):
            return None
        return sum(logged) if summed(metric) else fmean(logged)
    if summed(metric) and direction == "up":
        total = sum(logged)   # days not logged add nothing: a week's total is reached or not
        return total if _meets(total, goal.weekly, direction) else None
    if len(logged) < WEEK:   # "at most so much" or an average: only a fully logged week says so
        return None
    if summed(metric):
        total = sum(logged)
        return total if _meets(total, goal.weekly, direction) else None
        return None
    average = fmean(logged)
    return average if _meets(average, goal.weekly, direction) else None
