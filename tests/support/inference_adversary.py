"""An adversary that reads one channel for weeks and solves for members' hidden numbers.

It holds everything the channel saw (every post and edit, in the gate's released form, plus the chart
data drawn), the daily values of public members and of the accounts it controls, which days everyone
logged, who contributed to each group figure and the exact bound of each figure's perturbation
(more than a real reader has). From that it writes linear constraints:

* a group figure R over contributors S and days D:  |sum_S,D v - R| <= step/2 + bound;
* a banded change "↑ 10–20% vs last week":         1.1 * before <= after <= 1.2 * before;
* a trend chart point s (% of own usual b, a geometric step): s/1.1^0.5 * b <= 100 v <= s*1.1^0.5 * b, b linear;
* a banded share of a challenge target, and places on a board (relaxed to linear inequalities);

and, by linear programming, the tightest interval of every hidden weekly total. The scenario test
fails when an interval is narrower than PRIVACY.md allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from scipy.optimize import linprog

from bot import disclosure
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import Board, Fact, GroupFigure, Line, Reply

UPPER = 100_000.0   # the steps metric's daily maximum


@dataclass
class World:
    """The ground truth the test knows (values) and what the adversary is granted (``known``)."""

    values: dict[tuple[int, date], float]            # (member id, day) -> value logged
    known: set[tuple[int, date]]                      # the (member, day) values the adversary knows
    target: float | None = None                       # the challenge target
    constraints: list[tuple[dict, float, float]] = field(default_factory=list)   # (coefficients, low, high)

    def days_of(self, member: int, first: date, last: date) -> list[date]:
        return sorted(d for (m, d) in self.values if m == member and first <= d <= last)

    def var(self, member: int, day: date):
        """A term: a known number, or an unknown variable."""
        return (member, day)

    # -- constraint builders ---------------------------------------------------------------------
    def add(self, coeffs: dict[tuple[int, date], float], low: float, high: float) -> None:
        """low <= sum(c * v) <= high, with known values moved to the bounds."""
        unknown, shift = {}, 0.0
        for key, c in coeffs.items():
            if key in self.known:
                shift += c * self.values[key]
            else:
                unknown[key] = unknown.get(key, 0.0) + c
        if unknown:
            self.constraints.append((unknown, low - shift, high - shift))

    def total(self, members, first: date, last: date, scale: float = 1.0) -> dict:
        coeffs: dict = {}
        for m in members:
            for d in self.days_of(m, first, last):
                coeffs[(m, d)] = coeffs.get((m, d), 0.0) + scale
        return coeffs

    # -- solving ---------------------------------------------------------------------------------
    def interval(self, member: int, first: date, last: date) -> tuple[float, float]:
        """The tightest [min, max] of the member's total over the days, from all constraints."""
        keys = sorted({k for coeffs, _, _ in self.constraints for k in coeffs}
                      | {(member, d) for d in self.days_of(member, first, last)})
        index = {k: i for i, k in enumerate(keys)}
        rows, bounds = [], []
        for coeffs, low, high in self.constraints:
            row = np.zeros(len(keys))
            for k, c in coeffs.items():
                row[index[k]] = c
            if high != float("inf"):
                rows.append(row)
                bounds.append(high)
            if low != float("-inf"):
                rows.append(-row)
                bounds.append(-low)
        objective = np.zeros(len(keys))
        for d in self.days_of(member, first, last):
            objective[index[(member, d)]] = 1.0
        a = np.array(rows) if rows else None
        b = np.array(bounds) if rows else None
        box = [(0.0, UPPER)] * len(keys)
        lo = linprog(objective, A_ub=a, b_ub=b, bounds=box, method="highs")
        hi = linprog(-objective, A_ub=a, b_ub=b, bounds=box, method="highs")
        assert lo.status == 0 and hi.status == 0, "the constraints must hold for the true values"
        return lo.fun, -hi.fun

    def check_truth(self) -> None:
        """The equations are right: the true values satisfy every constraint (else the test is wrong)."""
        for coeffs, low, high in self.constraints:
            value = sum(c * self.values[k] for k, c in coeffs.items())
            assert low - 1e-6 <= value <= high + 1e-6, (coeffs, low, high, value)


# ---- reading what the channel saw -------------------------------------------------------------

_BAND = re.compile(r"(?P<arrow>[↑↓]) (?:(?P<low>\d+)–(?P<high>\d+)%|more than (?P<top>\d+)%) vs last week")
_EXACT = re.compile(r"(?P<arrow>[↑↓]) ?(?P<pct>\d+)% vs last week")   # how an unbanded change would read
_SAME = "about the same as last week"
_VALUE = re.compile(r"about ([\d,.]+)")


def change_bounds(text: str) -> tuple[float, float] | None:
    """The ratio after/before a banded change text allows (closed, a little wider than the band)."""
    if _SAME in text:
        return 1 - disclosure.CHANGE_SAME / 100, 1 + disclosure.CHANGE_SAME / 100
    m = _BAND.search(text)
    if m is None:
        exact = _EXACT.search(text)
        if exact is None:
            return None
        sign = 1 if exact.group("arrow") == "↑" else -1
        pct = int(exact.group("pct")) / 100
        return 1 + sign * pct - 0.005, 1 + sign * pct + 0.005
    sign = 1 if m.group("arrow") == "↑" else -1
    if m.group("top"):
        top = int(m.group("top")) / 100
        return (1 + top, float("inf")) if sign > 0 else (0.0, 1 - top)
    low, high = int(m.group("low")) / 100, int(m.group("high")) / 100
    return (1 + low, 1 + high) if sign > 0 else (1 - high, 1 - low)


def share_bounds(text: str) -> tuple[float, float]:
    """The share of the target a trend board line allows (no share text: under the lowest band)."""
    top, mid, low = (b / 100 for b in disclosure.GOAL_BANDS)
    if "target reached" in text:
        return top, float("inf")
    if "over ¾ of the target" in text:
        return mid, top
    if "over half of the target" in text:
        return low, mid
    return 0.0, low


def read_figure(world: World, fig: GroupFigure, hidden_bound: float) -> None:
    value = float(_VALUE.search(fig.frozen).group(1).replace(",", ""))
    first, last = (date.fromisoformat(x) for x in fig.period.split(".."))
    step = disclosure.rounding_step(fig.metric, fig.statistic, value)
    slack = step / 2 + hidden_bound + 1e-6
    world.add(world.total([m for m, _ in fig.contributions], first, last), value - slack, value + slack)


def perturbation_bound(world: World, fig: GroupFigure, level_at) -> float:
    """The exact bound of a figure's perturbation (granted to the adversary): p/2 % of each hidden
    contribution."""
    first, last = (date.fromisoformat(x) for x in fig.period.split(".."))
    bound = 0.0
    for m, _ in fig.contributions:
        if level_at(m) < Level.PUBLIC:
            bound += disclosure.P_PERCENT / 200 * sum(world.values[(m, d)] for d in world.days_of(m, first, last))
    return bound


def read_checkin(world: World, shown: Reply, charts, week_first: date, level_at, name_to_id) -> None:
    week_last = week_first + timedelta(days=6)
    prev_first, prev_last = week_first - timedelta(days=7), week_first - timedelta(days=1)
    for line in shown.lines:
        if not isinstance(line, Line):
            continue
        for part in line.parts:
            if isinstance(part, GroupFigure):
                read_figure(world, part, perturbation_bound(world, part, level_at))
            elif isinstance(part, Fact):
                text = dict(part.variants).get(int(Level.TREND))
                shown_level = max(lv for lv, _ in part.variants)
                if shown_level != Level.TREND or text is None:
                    continue
                ratio = change_bounds(text)
                if ratio is not None and world.days_of(part.member_id, prev_first, prev_last):
                    low, high = ratio
                    after = world.total([part.member_id], week_first, week_last)
                    # after - low * before >= 0  and  after - high * before <= 0
                    world.add({**after, **world.total([part.member_id], prev_first, prev_last, -low)}, 0.0, float("inf"))
                    if high != float("inf"):
                        world.add({**after, **world.total([part.member_id], prev_first, prev_last, -high)},
                                  float("-inf"), 0.0)
    for spec in charts:
        if not spec.relative:
            continue
        for series in spec.series:
            member = name_to_id[series.label]
            earlier = [d for d in world.days_of(member, week_first - timedelta(days=28), prev_last)][-28:]
            base_days = earlier or world.days_of(member, week_first, week_last)
            for day, s in series.points:
                d = date.fromisoformat(day)
                # v - share * mean(base) within bounds for the cell's edges, mean(base) = sum(base) / n
                lo_share, hi_share = disclosure.chart_cell(s)
                for edge, low, high in ((hi_share, float("-inf"), 0.0), (lo_share, 0.0, float("inf"))):
                    coeffs = {(member, bd): -edge / len(base_days) for bd in base_days}
                    coeffs[(member, d)] = coeffs.get((member, d), 0.0) + 1.0
                    world.add(coeffs, low, high)


def read_board(world: World, shown: Reply, charts, first: date, last: date, level_at, name_to_id) -> None:
    for line in shown.lines:
        if isinstance(line, Line):
            for part in line.parts:
                if isinstance(part, GroupFigure):
                    read_figure(world, part, perturbation_bound(world, part, level_at))
        elif isinstance(line, Board):
            entries = line.entries
            for e in entries:
                text = dict(e.fact.variants).get(int(Level.TREND))
                if max(lv for lv, _ in e.fact.variants) == Level.TREND and text is not None and world.target:
                    low, high = share_bounds(text)
                    t = world.total([e.member_id], first, last)
                    world.add(t, low * world.target, high * world.target if high != float("inf") else float("inf"))
            for upper, lower in zip(entries, entries[1:], strict=False):
                above = world.total([upper.member_id], first, last)
                below = world.total([lower.member_id], first, last, -1.0)
                strict = not line.banded or upper.label.lower() > lower.label.lower()
                factor = 1.0 if strict else disclosure.RANK_RATIO
                scaled = {k: v * factor for k, v in above.items()}
                world.add({**scaled, **below}, 0.0, float("inf"))
    for spec in charts:
        if not spec.relative:
            continue
        for series in spec.series:
            member = name_to_id[series.label]
            logged = world.days_of(member, first, last)
            n = len(logged)
            if not n:
                continue
            for day, s in series.points:
                d = date.fromisoformat(day)
                # n * cumulative(d) - share * total within bounds for the cell's edges
                lo_share, hi_share = disclosure.chart_cell(s)
                for edge, low, high in ((hi_share, float("-inf"), 0.0), (lo_share, 0.0, float("inf"))):
                    coeffs = {(member, x): -edge for x in logged}
                    for x in logged:
                        if x <= d:
                            coeffs[(member, x)] += float(n)
                    world.add(coeffs, low, high)
