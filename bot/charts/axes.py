"""Axes that fit their numbers: ranges, tick positions and tick words.

Numbers read as people write them in the bot's text: thousands separators ("12,500"), durations as
h:mm ("7:30", never 7.5 or 7.2), change against one's usual as "+10%". The y label names the unit
in words. Everything here is locale-independent and works without drawing, so the layout can
measure the widest tick label before the figure is drawn once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from matplotlib.dates import MO, DayLocator, MonthLocator, WeekdayLocator, date2num, num2date
from matplotlib.ticker import Formatter, Locator, MaxNLocator, MultipleLocator

from bot.vocabulary import i18n
from bot.vocabulary.i18n import N_, _

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UTC = UTC

# Unit symbols (as metrics store them) -> the y label. Anything else is shown as given.
UNIT_WORDS = {"h": N_("hours (h:mm)"), "min": N_("minutes"), "L": N_("litres"), "/10": N_("score out of 10"),
              "bpm": N_("beats per minute")}
DURATION_UNITS = {"h"}            # stored in hours, shown as h:mm
_DURATION_STEPS_MIN = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720)


def x_of(d: date) -> float:
    return float(date2num(datetime(d.year, d.month, d.day)))


def unit_label(unit: str) -> str:
    return _(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit


def day_label(d: date) -> str:
    """ "Nov 20" / "20 nov." (bot.vocabulary.i18n's day, in the language the chart is drawn in)."""
    return i18n.day(d) if i18n.current() != i18n.SOURCE else f"{MONTHS[d.month - 1]} {d.day}"


def month_label(d: date) -> str:
    if i18n.current() == i18n.SOURCE:
        return MONTHS[d.month - 1]
    from babel.dates import format_date
    return format_date(d, "LLL", locale=i18n.current())


def period_label(first: date, last: date) -> str:
    """ "Nov 2 – Nov 8, 2026"; the year once, or on both ends when it changes."""
    if first.year != last.year:
        return f"{day_label(first)}, {first.year} – {day_label(last)}, {last.year}"
    return f"{day_label(first)} – {day_label(last)}, {last.year}"


class DayFormatter(Formatter):
    """Compact, locale-independent day labels: "Nov 20"; month ticks as "Nov"; the year only where it
    changes ("Jan 4\\n2027", "Jan 2027")."""

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        days = [num2date(v, tz=UTC).date() for v in values]
        if not days:
            return []
        monthly = len(days) > 1 and all(d.day == 1 for d in days) and (days[-1] - days[0]).days > 45
        labels, prev_year = [], None
        for i, d in enumerate(days):
            text = month_label(d) if monthly else day_label(d)
            if monthly and (i == 0 or d.year != prev_year):
                text += f" {d.year}"
            elif not monthly and prev_year is not None and d.year != prev_year:
                text += f"\n{d.year}"
            labels.append(text)
            prev_year = d.year
        return labels


class ValueFormatter(Formatter):
    """Plain numbers with thousands separators and only as many decimals as the tick step needs."""

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        decimals = _decimals(values)
        return [_number(v, decimals) for v in values]


class DurationFormatter(Formatter):
    """Hours as h:mm ("7:30", "10:00"), rounded to the minute."""

    def __call__(self, x, pos=None):
        return hours_minutes(x)

    def format_ticks(self, values):
        return [hours_minutes(v) for v in values]


def hours_minutes(hours: float) -> str:
    total = round(float(hours) * 60)
    sign, total = ("-" if total < 0 else ""), abs(total)
    return f"{sign}{total // 60}:{total % 60:02d}"


class ChangeFormatter(Formatter):
    """Ticks of a relative chart (100 = own usual) as change: "+10%", "0%", "-5%"."""

    def __call__(self, x, pos=None):
        return self.format_ticks([x])[0]

    def format_ticks(self, values):
        decimals = _decimals(values)
        out = []
        for v in values:
            change = round(v - 100.0, decimals)
            if change == 0:
                out.append("0%")
            else:
                digits = _number(abs(change), decimals)
                if "." in digits:
                    digits = digits.rstrip("0").rstrip(".")     # "-5%", "-2.5%" rather than "-5.0%"
                out.append(("+" if change > 0 else "-") + digits + "%")
        return out


def day_locator(span_days: float):
    """Few, regular, non-overlapping day ticks: every day or two for a week or two, Mondays for a few
    weeks, first of the month beyond that."""
    if span_days <= 8.5:
        return DayLocator(tz=UTC)
    if span_days <= 16:
        return DayLocator(interval=2, tz=UTC)
    if span_days <= 22:
        return DayLocator(interval=3, tz=UTC)
    if span_days <= 63:
        return WeekdayLocator(byweekday=MO, tz=UTC)
    if span_days <= 120:
        return WeekdayLocator(byweekday=MO, interval=2, tz=UTC)
    return MonthLocator(interval=1 if span_days <= 220 else 2, tz=UTC)


def y_locator(unit: str, relative: bool, lo: float, hi: float, nbins: int = 6) -> Locator:
    """Durations tick at whole minutes that read well (every 15 min, 30 min, hour...); everything
    else at 1-2-2.5-5 steps."""
    if not relative and unit in DURATION_UNITS:
        span_min = max(hi - lo, 1e-9) * 60
        step = next((s for s in _DURATION_STEPS_MIN if span_min / s <= nbins), _DURATION_STEPS_MIN[-1])
        return MultipleLocator(step / 60)
    return MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10])


def y_formatter(unit: str, relative: bool) -> Formatter:
    if relative:
        return ChangeFormatter()
    return DurationFormatter() if unit in DURATION_UNITS else ValueFormatter()


def tick_labels(locator: Locator, formatter: Formatter, lo: float, hi: float) -> list[str]:
    """The labels the axis will draw between ``lo`` and ``hi`` (for measuring before drawing)."""
    span = hi - lo
    ticks = locator() if getattr(locator, "axis", None) is not None else locator.tick_values(lo, hi)
    values = [v for v in ticks if lo - 1e-9 * span <= v <= hi + 1e-9 * span]
    return [t for t in formatter.format_ticks(values) if t]


def y_range(values: list[float], relative: bool, references: list[float]) -> tuple[float, float]:
    """The data, the goal and the usual in view, never exaggerating a tiny change; magnitudes like
    steps keep their zero."""
    y_lo, y_hi = min(values + references), max(values + references)
    if relative:
        min_span = 20.0                                   # +-10% around the data at least
    else:
        min_span = max(abs(y_hi), abs(y_lo)) * 0.1 or 1.0
        if 0 <= y_lo <= 0.5 * y_hi:
            y_lo = 0.0
    if y_hi - y_lo < min_span:
        mid = (y_hi + y_lo) / 2
        y_lo, y_hi = mid - min_span / 2, mid + min_span / 2
        if not relative and min(values + references) >= 0 and y_lo < 0:
            y_lo, y_hi = 0.0, y_hi - y_lo
    pad = (y_hi - y_lo) * 0.08
    return y_lo - (pad if y_lo != 0 else 0), y_hi + pad


def _decimals(values) -> int:
    vals = sorted(float(v) for v in values)
    steps = [b - a for a, b in zip(vals, vals[1:], strict=False) if b - a > 1e-12]
    step = min(steps) if steps else 1.0
    for decimals in range(0, 4):
        if abs(step * 10**decimals - round(step * 10**decimals)) < 1e-6 * max(1.0, step * 10**decimals):
            return decimals
    return 3


def _number(v: float, decimals: int) -> str:
    text = f"{v:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else i18n.marks(text)


def format_value(v: float, unit: str) -> str:
    """One value as the bot's text writes it: "8,412 steps", "7h 30m", "82.5 kg"."""
    if unit in DURATION_UNITS:
        total = round(v * 60)
        h, m = divmod(abs(total), 60)
        return ("-" if total < 0 else "") + (_("{h}h {m}m", h=h, m=m) if h and m else f"{h}h" if h else f"{m}m")
    digits = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}".rstrip("0").rstrip(".")
    digits = i18n.marks(digits)
    gap = " " if unit[:1].isalpha() else ""
    return f"{digits}{gap}{unit}" if unit else digits
