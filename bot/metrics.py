"""The metric catalogue and the units people type.

Values are stored in one canonical unit per metric (steps, hours, bpm, kg, /10, minutes, litres);
parsing accepts what people actually write (`7h30m`, `7.5h`, `8,000`, `82.5kg`, `181 lb`, `62 bpm`)
and every failure is a :class:`UserError` that says what would be accepted.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterable

from bot.errors import UserError


@dataclass(frozen=True)
class MetricDef:
    key: str
    name: str
    unit: str
    minimum: float
    maximum: float
    aliases: tuple[str, ...] = ()
    sensitive: bool = False
    custom: bool = False
    help: str = ""
    higher_is_better: bool | None = None


BUILTIN_METRICS: tuple[MetricDef, ...] = (
    MetricDef("steps", "steps", "steps", 0, 200_000, ("step", "walk", "walking"), help="steps walked: 8000, 8,000 or 8k",
              higher_is_better=True),
    MetricDef("sleep", "sleep", "h", 0, 24, ("slept", "sleeping"), help="hours slept: 7h30m, 7.5h, 7:30 or 450m"),
    MetricDef("rhr", "resting heart rate", "bpm", 25, 250, ("heart", "heartrate", "hr", "resting_hr", "pulse"),
              sensitive=True, help="resting heart rate in bpm: 62 or 62 bpm"),
    MetricDef("weight", "weight", "kg", 20, 400, ("weigh", "bodyweight"), sensitive=True,
              help="body weight: 82.5kg, 181 lb or 13st 2lb"),
    MetricDef("mood", "mood", "/10", 1, 10, ("feeling",), sensitive=True, help="mood from 1 to 10: 7 or 7/10",
              higher_is_better=True),
    MetricDef("exercise", "exercise", "min", 0, 1440, ("workout", "training", "active"),
              help="minutes of exercise: 45, 45m or 1h15m", higher_is_better=True),
    MetricDef("water", "water", "L", 0, 20, ("drink", "hydration"), help="water drunk: 1.5L, 1500ml, 6 cups or 16 oz",
              higher_is_better=True),
)

MAX_INPUT = 40
_RESERVED = {"all", "help", "none", "off"}
_NUMBER = r"(?:\d+(?:[.,]\d+)*|\.\d+)"


# ---- numbers ---------------------------------------------------------------------------------

def _echo(text: str) -> str:
    """A safe, short echo of what the member typed, for error messages shown in chat."""
    cleaned = "".join(c for c in text if c.isprintable() and c not in "`@<>*_~|[]\\#")
    return cleaned[:20] + ("…" if len(cleaned) > 20 else "")


def _number(text: str) -> float:
    """An ASCII number with optional thousands separators ("8,000") or a decimal comma ("82,5")."""
    if "," in text:
        parts = text.split(",")
        if len(parts) > 1 and all(len(p) == 3 and p.isdigit() for p in parts[1:]) and "." not in parts[0]:
            text = "".join(parts)
        elif len(parts) == 2 and "." not in text:
            text = parts[0] + "." + parts[1]
        else:
            raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value + 0.0   # turns -0.0 into 0.0


def _clean(text: str, metric: "MetricDef") -> str:
    raw = text
    text = unicodedata.normalize("NFKC", text).strip().lower() if text.isascii() else text
    if not text or len(text) > MAX_INPUT or not text.isascii() or any(not c.isprintable() for c in text):
        raise UserError(_bad(metric, raw))
    return re.sub(r"\s+", " ", text)


def _bad(metric: "MetricDef", text: str) -> str:
    shown = _echo(text)
    what = f"`{shown}` as {metric.name}" if shown else f"that as {metric.name}"
    return f"I couldn't read {what}. Try {metric.help or 'a number'}."


# ---- per-kind unit parsers (each returns the value in the canonical unit, or raises ValueError) --

def _plain_or(units: dict[str, float]) -> Callable[[str], float]:
    pattern = re.compile(rf"^({_NUMBER}) ?([a-z /.]*)$")

    def parse(text: str) -> float:
        m = pattern.match(text)
        if not m:
            raise ValueError(text)
        unit = m.group(2).strip()
        if unit not in units:
            raise ValueError(text)
        return _number(m.group(1)) * units[unit]

    return parse


def _duration(default_unit: str) -> Callable[[str], float]:
    """Durations in hours or minutes: 7h30m, 7h 30m, 7.5h, 450m, 7:30, or a bare number in the default unit."""
    hm = re.compile(rf"^(?:({_NUMBER}) ?h(?:ours?|rs?)?)? ?(?:({_NUMBER}) ?m(?:in(?:ute)?s?)?)?$")
    clock = re.compile(r"^(\d{1,2}):([0-5]\d)$")
    to_unit = 1.0 if default_unit == "h" else 60.0     # hours -> unit

    def parse(text: str) -> float:
        m = clock.match(text)
        if m:
            return (int(m.group(1)) + int(m.group(2)) / 60) * to_unit
        if re.fullmatch(_NUMBER, text):
            return _number(text)
        m = hm.match(text)
        if not m or not (m.group(1) or m.group(2)):
            raise ValueError(text)
        hours = _number(m.group(1)) if m.group(1) else 0.0
        minutes = _number(m.group(2)) if m.group(2) else 0.0
        return (hours + minutes / 60) * to_unit

    return parse


def _steps(text: str) -> float:
    m = re.match(rf"^({_NUMBER}) ?(k)? ?(steps?)?$", text)
    if not m:
        raise ValueError(text)
    value = _number(m.group(1)) * (1000 if m.group(2) else 1)
    if value != int(value):
        raise ValueError(text)
    return value


def _weight(text: str) -> float:
    stone = re.match(rf"^({_NUMBER}) ?st(?:one)?s? ?(?:({_NUMBER}) ?(?:lbs?|pounds?))?$", text)
    if stone:
        return (_number(stone.group(1)) * 14 + (_number(stone.group(2)) if stone.group(2) else 0)) * 0.45359237
    return _plain_or({"": 1.0, "kg": 1.0, "kgs": 1.0, "kilo": 1.0, "kilos": 1.0, "lb": 0.45359237, "lbs": 0.45359237,
                      "pound": 0.45359237, "pounds": 0.45359237})(text)


def _mood(text: str) -> float:
    m = re.match(r"^(\d{1,2})(?: ?/ ?10)?$", text)
    if not m:
        raise ValueError(text)
    return float(int(m.group(1)))


_PARSERS: dict[str, Callable[[str], float]] = {
    "steps": _steps,
    "sleep": _duration("h"),
    "rhr": _plain_or({"": 1.0, "bpm": 1.0}),
    "weight": _weight,
    "mood": _mood,
    "exercise": _duration("min"),
    "water": _plain_or({"": 1.0, "l": 1.0, "litre": 1.0, "litres": 1.0, "liter": 1.0, "liters": 1.0, "ml": 0.001,
                        "cup": 0.25, "cups": 0.25, "oz": 0.0295735, "fl oz": 0.0295735, "floz": 0.0295735}),
}


def parse_quantity(metric: MetricDef, text: str) -> float:
    """The value in the metric's canonical unit, range-checked; anything else is a friendly UserError."""
    cleaned = _clean(text, metric)
    parser = _PARSERS.get(metric.key) if not metric.custom else _plain_or({"": 1.0, metric.unit.lower(): 1.0})
    if parser is None:
        parser = _plain_or({"": 1.0, metric.unit.lower(): 1.0})
    try:
        value = parser(cleaned)
    except (ValueError, OverflowError, ArithmeticError):
        raise UserError(_bad(metric, text)) from None
    if not math.isfinite(value) or value < metric.minimum or value > metric.maximum:
        raise UserError(f"{metric.name.capitalize()} must be between {format_quantity(metric, metric.minimum)} and "
                        f"{format_quantity(metric, metric.maximum)}; nothing was stored.")
    return value + 0.0


def format_quantity(metric: MetricDef, value: float) -> str:
    k = metric.key if not metric.custom else None
    if k == "steps":
        return f"{value:,.0f} steps"
    if k in ("sleep", "exercise"):
        minutes = round(value * 60) if k == "sleep" else round(value)
        h, m = divmod(int(minutes), 60)
        if k == "exercise" and h == 0:
            return f"{m} min"
        return f"{h}h {m:02d}m" if m else f"{h}h"
    if k == "rhr":
        return f"{value:.0f} bpm"
    if k == "weight":
        return f"{value:.1f} kg"
    if k == "mood":
        return f"{value:.0f}/10"
    if k == "water":
        return f"{value:.2f}".rstrip("0").rstrip(".") + " L"
    shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{shown} {metric.unit}"


def format_change(before: float, after: float) -> str:
    if before == 0:
        return "new"
    pct = round(100 * (after - before) / before)
    return "no change" if pct == 0 else f"{pct:+d}%"


# ---- names -------------------------------------------------------------------------------------

def resolve_metric(text: str, available: Iterable[MetricDef]) -> MetricDef:
    word = text.strip().lower()
    metrics = list(available)
    for m in metrics:
        if word in (m.key, m.name.lower()) or word in m.aliases:
            return m
    names = [m.key for m in metrics] + [a for m in metrics for a in m.aliases]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if close:
        best = next(m for m in metrics if close[0] == m.key or close[0] in m.aliases)
        return_hint = f" Did you mean `{best.key}`?"
    else:
        return_hint = ""
    raise UserError(f"I don't know the metric `{_echo(text)}`.{return_hint} Known: {', '.join(m.key for m in metrics)}.")


def custom_metric(name: str, unit: str, minimum: float, maximum: float) -> MetricDef:
    key = name.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,23}", key) or key in _RESERVED:
        raise UserError("A metric name is one word of up to 24 letters, digits, - or _, starting with a letter.")
    if not re.fullmatch(r"[A-Za-z%/°][A-Za-z0-9%/°.]{0,11}", unit):
        raise UserError("A unit is one short word like min, cups, pages or %.")
    for v in (minimum, maximum):
        if not math.isfinite(v) or abs(v) > 1e9:
            raise UserError("The range must be ordinary numbers, e.g. 0 240.")
    if minimum >= maximum:
        raise UserError("The smallest value must be below the largest, e.g. 0 240.")
    return MetricDef(key, key, unit, float(minimum) + 0.0, float(maximum), (), False, True,
                     help=f"a number in {unit}, e.g. {maximum / 4:g}")


# ---- dates -------------------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_AGO = re.compile(r"^(\d{1,3}) ?(?:d|days?)(?: ?ago)?$")


def looks_like_when(text: str) -> bool:
    t = text.strip().lower()
    return (t in ("today", "yesterday") or bool(_AGO.match(t)) or bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t))
            or any(len(t) >= 3 and d.startswith(t) for d in _WEEKDAYS))


def parse_when(text: str, today: date) -> date:
    t = text.strip().lower()
    if t == "today":
        day = today
    elif t == "yesterday":
        day = today - timedelta(days=1)
    elif _AGO.match(t):
        day = today - timedelta(days=int(_AGO.match(t).group(1)))
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        try:
            day = date.fromisoformat(t)
        except ValueError:
            raise UserError(f"`{_echo(text)}` isn't a real date. Write dates like 2026-11-20.") from None
    else:
        names = [d for d in _WEEKDAYS if len(t) >= 3 and d.startswith(t)]
        if not names:
            raise UserError("`when` can be today, yesterday, a weekday, `3 days ago` or a date like 2026-11-20.")
        back = (today.weekday() - _WEEKDAYS.index(names[0])) % 7
        day = today - timedelta(days=back)
    if day > today:
        raise UserError("That date is in the future; I can only log today or earlier.")
    if (today - day).days > 366:
        raise UserError("That's more than a year ago; I can log up to 366 days back.")
    return day
