"""Disclosure control: the parameters and arithmetic that bound what a reader can *work out*.

The gate decides which data parts an audience may see; this module decides how precise what it sees
may be, so that combining posts over weeks (subtracting totals, chaining relative facts, reading ranks
against public members) never pins a hidden value more tightly than PRIVACY.md promises:

* group figures: at least ``k`` anonymous contributors, the p% rule against an insider, a bounded
  perturbation of each hidden contribution against coalitions of accounts, rounding;
* relative facts: in bands (``↑ 10–20%``, "over half of your goal"); counts of days and streaks are
  about logging, not values, and stay exact;
* ranks: on banded scores when anyone on the board shares only progress;
* trend charts: the member's values as a share of their own usual, on a geometric grid of 10% steps.

Everything is pure and deterministic given its inputs (the perturbation from a keyed hash), so the
tests and PRIVACY.md read the same numbers from here.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.vocabulary.i18n import N_, _

# ---- parameters ------------------------------------------------------------------------------

MIN_K = 3                 # a group figure never has fewer anonymous contributors than this
P_PERCENT = 10            # the p% rule, and the relative precision no reader may get below
CHANGE_BAND = 10          # percentage points per band of a change against one's own earlier weeks
CHANGE_SAME = 10          # |change| under this reads "about the same"
CHANGE_TOP = 50           # changes beyond this read "more than 50%"
GOAL_BANDS = (100, 75, 50)  # % of goal shown as "goal reached", "over ¾", "over half" (below: nothing)
RANK_RATIO = 1 + P_PERCENT / 100   # ranks on geometric bands of scores 10% wide
CHART_STEP = 10           # trend charts: % of own usual on a geometric grid of 10% steps

# The step a group figure is rounded to, by metric and statistic ("total" over a period or the
# "average" of daily values). Unknown (custom) metrics round to 2 significant digits.
ROUNDING: dict[tuple[str, str], float] = {
    ("steps", "total"): 100, ("steps", "average"): 10,
    ("sleep", "total"): 0.5, ("sleep", "average"): 0.1,
    ("exercise", "total"): 10, ("exercise", "average"): 1,
    ("water", "total"): 0.5, ("water", "average"): 0.1,
    ("weight", "average"): 0.5, ("rhr", "average"): 1.0, ("mood", "average"): 0.1,
    ("glucose", "average"): 0.1, ("cholesterol", "average"): 0.1, ("waist", "average"): 1.0,
    ("bp.systolic", "average"): 1.0, ("bp.diastolic", "average"): 1.0,   # a pair: each part its own step
}


@dataclass(frozen=True)
class Parameters:
    """What the gate applies; ``k`` comes from the config (never below MIN_K)."""

    k: int = MIN_K
    p_percent: int = P_PERCENT

    def __post_init__(self) -> None:
        if self.k < MIN_K:
            raise ValueError(f"privacy.min_group_size must be at least {MIN_K}")


# ---- group figures ---------------------------------------------------------------------------

def withheld_reason(anonymous: int, hidden: Sequence[float], params: Parameters) -> str | None:
    """Why a group figure may not be shown, or None.

    ``anonymous`` is how many contributors this audience never sees attributed (raw or relative):
    only they count toward k. ``hidden`` are the values the audience does not know (anonymous and
    relative-only contributors; public values are known and subtracted by any reader).

    The p% rule (magnitude tables): the second-largest hidden contributor, subtracting their own
    value, must still be uncertain about the largest by at least p% of it: sum(hidden) - x1 - x2 >=
    p/100 * x1. Magnitudes are used, so figures of signed values (changes) are judged by size."""
    if anonymous < params.k:
        return "fewer than k"   # i18n: a reason code, for tests and audits
    mags = sorted((abs(v) for v in hidden), reverse=True)
    if mags and mags[0] > 0 and sum(mags[2:]) < params.p_percent / 100 * mags[0]:
        return "dominated"
    return None


def withheld_reason_parts(anonymous: int, hidden_by_part: Sequence[Sequence[float]], params: Parameters) -> str | None:
    """:func:`withheld_reason` for a figure over a paired metric (blood pressure): the same
    contributors, each part judged on its own values, and the figure withheld as a whole when any
    part is (a pair is never released with one part alone)."""
    if not hidden_by_part:
        return withheld_reason(anonymous, (), params)
    for hidden in hidden_by_part:
        reason = withheld_reason(anonymous, hidden, params)
        if reason is not None:
            return reason
    return None


def rounding_step(metric: str, statistic: str, value: float) -> float:
    step = ROUNDING.get((metric, statistic))
    if step is not None:
        return step
    if value == 0:
        return 1.0
    return 10 ** (math.floor(math.log10(abs(value))) - 1)   # two significant digits


def perturbation(secret: bytes, key: str, value: float, p_percent: int) -> float:
    """A bounded, deterministic offset in [-p/2, +p/2] % of one hidden contribution.

    Each hidden contribution gets its own offset, keyed by what it is (metric, statistic, period,
    member), so the same person's figure for the same days carries the same offset in every release
    (nothing averages out or intersects away), while a reader who knows all the other contributions,
    their own included, still cannot pin it closer than p% of its value: their own offsets are
    unknown to them too."""
    digest = hmac.new(secret, key.encode(), hashlib.sha256).digest()
    unit = int.from_bytes(digest[:8], "big") / 2 ** 64          # [0, 1)
    return (unit - 0.5) * (p_percent / 100) * abs(value)


def released_value(metric: str, statistic: str, period: str, contributions: Sequence[tuple[int, float, bool]],
                   secret: bytes, params: Parameters) -> float:
    """The number shown for a group figure that passed :func:`withheld_reason`: the statistic over
    all contributions ``(member, value, hidden)``, each hidden one perturbed, then rounded."""
    total = 0.0
    for member, value, hidden in contributions:
        total += value
        if hidden:
            total += perturbation(secret, f"{metric}|{statistic}|{period}|{member}", value, params.p_percent)
    value = total / len(contributions) if statistic == "average" else total
    step = rounding_step(metric, statistic, value)
    return round(value / step) * step


# ---- relative facts --------------------------------------------------------------------------

#: Periods cogs name in English for the gate to translate (the catalogue extracts them from here).
PERIOD_WORDS = (N_("last week"),)


def change_band(before: float | None, after: float | None, against: str) -> str | None:
    """``↑ 10–20% vs last week``: a change against one's own earlier figure, in bands. ``against``
    names the earlier period ("vs last week": the leading "vs " is dropped and the rest translated
    here, in the destination's language; a cog may pass a period it has already translated)."""
    if before is None or after is None or before <= 0:
        return None
    period = _(against.removeprefix("vs "))
    pct = 100.0 * (after - before) / before
    if abs(pct) < CHANGE_SAME:
        return _("about the same as {period}", period=period)
    arrow = "↑" if pct > 0 else "↓"
    size = abs(pct)
    if size >= CHANGE_TOP:
        return _("{arrow} more than {top}% vs {period}", arrow=arrow, top=CHANGE_TOP, period=period)
    low = int(size // CHANGE_BAND) * CHANGE_BAND
    return _("{arrow} {low}–{high}% vs {period}", arrow=arrow, low=low, high=low + CHANGE_BAND, period=period)


def part_change_band(part: str, before: float | None, after: float | None) -> str | None:
    """One part of a pair against its own earlier figure, in the same bands as :func:`change_band`,
    with no period: ``systolic about the same``, ``diastolic ↓ 10–20%``. ``part`` is the part's name
    (a msgid, translated here in the destination's language)."""
    if before is None or after is None or before <= 0:
        return None
    name = _(part)
    pct = 100.0 * (after - before) / before
    if abs(pct) < CHANGE_SAME:
        return _("{part} about the same", part=name)
    arrow = "↑" if pct > 0 else "↓"
    size = abs(pct)
    if size >= CHANGE_TOP:
        return _("{part} {arrow} more than {top}%", part=name, arrow=arrow, top=CHANGE_TOP)
    low = int(size // CHANGE_BAND) * CHANGE_BAND
    return _("{part} {arrow} {low}–{high}%", part=name, arrow=arrow, low=low, high=low + CHANGE_BAND)


def parts_change_band(parts: Iterable[tuple[str, float | None, float | None]], against: str = PERIOD_WORDS[0]) -> str | None:
    """A pair's change, each part in bands, the period said once: ``systolic about the same, diastolic
    ↓ 10–20% vs last week``; None when no part has an earlier figure."""
    words = [w for w in (part_change_band(p, a, b) for p, a, b in parts) if w]
    return _("{parts} vs {period}", parts=", ".join(words), period=_(against)) if words else None


def goal_band(percent: float | None, of: str = "goal") -> str | None:
    """A share of a goal or target in broad bands; below half says nothing (no pressure)."""
    if percent is None:
        return None
    if of in ("goal", "the target"):   # the two the cogs name (older callers pass the English word)
        of = _("goal") if of == "goal" else _("the target")
    if percent >= GOAL_BANDS[0]:
        return _("{of} reached", of=of)
    if percent >= GOAL_BANDS[1]:
        return _("over ¾ of {of}", of=of)
    if percent >= GOAL_BANDS[2]:
        return _("over half of {of}", of=of)
    return None


# ---- ranks -----------------------------------------------------------------------------------

def rank_key(score: float, scale: str, banded: bool) -> float:
    """What places are decided on. ``ratio`` scores (totals, averages) in geometric bands 10% wide,
    ``points`` scores (% changes) in bands of 10 points, ``exact`` scores (days, streaks: counts of
    logging, not values) as they are. Unbanded when everyone on the board is public."""
    if not banded or scale == "exact":
        return score
    if scale == "points":
        return math.floor(score / CHANGE_BAND)
    if score <= 0:
        return -math.inf
    return math.floor(math.log(score) / math.log(RANK_RATIO))


# ---- trend charts ----------------------------------------------------------------------------

def relative_steps(points: Iterable[Sequence], baseline: float | None) -> tuple[tuple[str, float], ...]:
    """Values as % of the member's own usual, on a geometric grid of CHART_STEP % steps (100, 110,
    121, ... and 90.9, 82.6, ...): each point says only which step the value is in, a cell about
    CHART_STEP % of the value itself wide however far from the usual it is, so no exact ratio (and,
    through one known day, no raw value) can be read back from a trend chart."""
    if not baseline or baseline <= 0 or not math.isfinite(baseline):
        return ()
    ratio = 1 + CHART_STEP / 100
    out = []
    for d, v in points:
        share = float(v) / baseline
        value = 0.0 if share <= 0 else round(100.0 * ratio ** round(math.log(share) / math.log(ratio)), 1)
        out.append((str(d), value))
    return tuple(out)


def chart_cell(shown: float) -> tuple[float, float]:
    """The range of a value's share of the usual (1.0 = usual) that a trend chart point ``shown`` allows."""
    ratio = 1 + CHART_STEP / 100
    if shown <= 0:
        return 0.0, ratio ** -0.5
    k = round(math.log(shown / 100) / math.log(ratio))   # the step it shows (the value is rounded for display)
    return ratio ** (k - 0.5), ratio ** (k + 0.5)


# ---- the parameters as PRIVACY.md states them ------------------------------------------------

def parameters_table(k: int = MIN_K) -> str:  # i18n: PRIVACY.md's table, in English
    """The Markdown table of parameters in PRIVACY.md (a test checks the file holds exactly this)."""
    rows = [
        ("k: anonymous contributors a group figure needs (config `privacy.min_group_size`, never below 3)", f"{k}"),
        ("p: the p% rule, and the perturbation of each hidden contribution to a group figure (at most ±p/2 % of it)",
         f"{P_PERCENT}%"),
        ("change against one's own earlier weeks: band width / \"about the same\" below / top band from",
         f"{CHANGE_BAND} points / {CHANGE_SAME}% / {CHANGE_TOP}%"),
        ("share of a goal or target: bands", " / ".join(f"{b}%" for b in GOAL_BANDS) + " (below: not shown)"),
        ("places on a board when someone shares only progress: score bands", f"×{RANK_RATIO:.2f} (10% wide)"),
        ("trend charts: % of own usual, on a geometric grid of steps of", f"{CHART_STEP}%"),
    ]
    rounding = ", ".join(f"{m} {stat} {step:g}" for (m, stat), step in sorted(ROUNDING.items()))
    rows.append(("group figures rounded to (metric, statistic, step); custom metrics: 2 significant digits", rounding))
    lines = ["| parameter | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)
