"""The metric catalogue: units people type, friendly refusals, dates, and round trips."""

from __future__ import annotations

import ast
import dataclasses
import math
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.vocabulary.errors import UserError
from bot.vocabulary.metrics import (
    BUILTIN_METRICS,
    MetricDef,
    custom_metric,
    custom_units,
    format_change,
    format_quantity,
    looks_like_when,
    parse_quantity,
    parse_when,
    resolve_metric,
)

M = {m.key: m for m in BUILTIN_METRICS}
TODAY = date(2026, 11, 25)   # a Wednesday
MEDITATION = custom_metric("meditation", "min", 0, 240)
TEMPERATURE = custom_metric("temp", "°C", -40, 60)
PAGES = custom_metric("Reading", "pages", 0, 2000)
ALL_METRICS = (*BUILTIN_METRICS, MEDITATION, TEMPERATURE, PAGES)


def refused(metric: MetricDef, text: str) -> str:
    with pytest.raises(UserError) as info:
        parse_quantity(metric, text)
    return info.value.message


# ---- the catalogue ---------------------------------------------------------------------------

def test_builtin_catalogue():
    assert [m.key for m in BUILTIN_METRICS] == ["steps", "sleep", "rhr", "weight", "mood", "exercise", "water", "distance",
                                                "bp", "glucose", "cholesterol", "waist"]
    assert {m.key: m.unit for m in BUILTIN_METRICS} == {
        "steps": "steps", "sleep": "h", "rhr": "bpm", "weight": "kg", "mood": "/10", "exercise": "min", "water": "L",
        "distance": "km", "bp": "mmHg", "glucose": "mmol/L", "cholesterol": "mmol/L", "waist": "cm"}
    assert {m.key for m in BUILTIN_METRICS if m.sensitive} == {"weight", "mood", "rhr", "bp", "glucose", "cholesterol",
                                                               "waist"}
    assert {m.key: m.higher_is_better for m in BUILTIN_METRICS} == {
        "steps": True, "sleep": None, "rhr": None, "weight": None, "mood": True, "exercise": True, "water": True,
        "distance": True, "bp": None, "glucose": None, "cholesterol": None, "waist": None}
    assert [m.key for m in BUILTIN_METRICS if m.paired] == ["bp"]
    assert (M["mood"].minimum, M["mood"].maximum) == (1, 10)
    assert {"heart", "heartrate", "hr", "resting_hr"} <= set(M["rhr"].aliases)
    assert "walk" in M["steps"].aliases
    assert not any(m.custom for m in BUILTIN_METRICS)
    names = [n for m in BUILTIN_METRICS for n in (m.key, *m.aliases)]
    assert len(names) == len(set(names)), "a name or alias must point at one metric"
    for m in BUILTIN_METRICS:
        assert m.key == m.key.lower() and m.help and "\n" not in m.help
        assert m.minimum < m.maximum


def test_metricdef_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        M["steps"].maximum = 1   # type: ignore[misc]


SINGLE = tuple(m for m in BUILTIN_METRICS if not m.paired)   # a pair is read whole (tests/vocabulary/test_pairs.py)


@pytest.mark.parametrize("metric", SINGLE, ids=lambda m: m.key)
def test_every_example_in_the_help_is_accepted(metric):
    examples = re.split(r", | or ", metric.help.split(": ", 1)[1])
    assert len(examples) >= 2
    for example in examples:
        parse_quantity(metric, example)


def test_module_is_pure_standard_library():
    tree = ast.parse(Path(__file__).parents[2].joinpath("bot", "vocabulary", "metrics.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"__future__", "collections", "difflib", "math", "re", "unicodedata", "dataclasses", "datetime", "typing",
                        "bot"}
    assert not any(isinstance(n, ast.Name) and n.id in ("open", "print", "input") for n in ast.walk(tree))


# ---- parsing what people type ----------------------------------------------------------------

ACCEPTED = [
    ("steps", "8000", 8000), ("steps", "8k", 8000), ("steps", "8K", 8000), ("steps", "8,000", 8000),
    ("steps", "8 000", 8000), ("steps", "8000 steps", 8000), ("steps", "8,000 Steps", 8000), ("steps", "8k steps", 8000),
    ("steps", "8.5k", 8500), ("steps", "123,456", 123456), ("steps", "0", 0), ("steps", "200000", 200_000),
    ("steps", "  8000  ", 8000), ("steps", "8\u00a0000", 8000), ("steps", "+8000", 8000), ("steps", "8000.0", 8000),
    ("sleep", "7h30m", 7.5), ("sleep", "7h 30m", 7.5), ("sleep", "7.5h", 7.5), ("sleep", "7.5", 7.5),
    ("sleep", "450m", 7.5), ("sleep", "450 min", 7.5), ("sleep", "7:30", 7.5), ("sleep", "07:30", 7.5),
    ("sleep", "7 hours 30 minutes", 7.5), ("sleep", "7H30M", 7.5), ("sleep", "7h30", 7.5), ("sleep", "7,5h", 7.5),
    ("sleep", "8 hrs", 8), ("sleep", ".5h", 0.5), ("sleep", "24h", 24), ("sleep", "1440m", 24), ("sleep", "0", 0),
    ("rhr", "62", 62), ("rhr", "62 bpm", 62), ("rhr", "62BPM", 62), ("rhr", "25", 25), ("rhr", "250", 250),
    ("weight", "82.5", 82.5), ("weight", "82.5kg", 82.5), ("weight", "82.5 kg", 82.5), ("weight", "82,5kg", 82.5),
    ("weight", "181 lb", 181 * 0.45359237), ("weight", "181lbs", 181 * 0.45359237),
    ("weight", "181 pounds", 181 * 0.45359237), ("weight", "13st 2lb", 184 * 0.45359237),
    ("weight", "13 st 2 lb", 184 * 0.45359237), ("weight", "13st 2", 184 * 0.45359237), ("weight", "13st", 182 * 0.45359237),
    ("mood", "7", 7), ("mood", "7/10", 7), ("mood", "7 / 10", 7), ("mood", "10", 10), ("mood", "1", 1), ("mood", "7.0", 7),
    ("exercise", "45", 45), ("exercise", "45m", 45), ("exercise", "45 min", 45), ("exercise", "45 minutes", 45),
    ("exercise", "1h15m", 75), ("exercise", "1h 15m", 75), ("exercise", "1.5h", 90), ("exercise", "1:15", 75),
    ("exercise", "2h", 120), ("exercise", "1440", 1440),
    ("water", "1.5", 1.5), ("water", "1.5L", 1.5), ("water", "1.5 l", 1.5), ("water", "1500ml", 1.5),
    ("water", "1,500 ml", 1.5), ("water", "2 cups", 0.5), ("water", "1 cup", 0.25), ("water", "16 oz", 16 * 0.0295735),
    ("water", "16 fl oz", 16 * 0.0295735), ("water", "16 fl. oz", 16 * 0.0295735), ("water", "0,5 L", 0.5),
    ("water", "0,500 L", 0.5), ("water", "20", 20),
]


@pytest.mark.parametrize("key,text,expected", ACCEPTED)
def test_accepted_values(key, text, expected):
    value = parse_quantity(M[key], text)
    if expected is None:
        assert math.isfinite(value)
        return
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert type(value) is float


def test_steps_over_range_with_thousands():
    assert "200,000" in refused(M["steps"], "1,234,567")


def test_comma_rules():
    """A comma followed by exactly three digits groups thousands; any other comma is a decimal comma."""
    assert parse_quantity(PAGES, "1,234") == 1234
    assert parse_quantity(PAGES, "1,234.5") == 1234.5
    assert parse_quantity(PAGES, "1,5") == 1.5
    assert parse_quantity(PAGES, "1,2345") == pytest.approx(1.2345)
    assert parse_quantity(PAGES, "0,500") == 0.5            # a leading zero never starts a thousands group
    assert parse_quantity(PAGES, "1.000") == 1.0            # a dot is always a decimal point
    for bad in ("1,000,5", "1.234,5", "1,2,3", "1.2.3", "1,,000", ",", "."):
        refused(PAGES, bad)


def test_minus_zero_is_zero():
    for metric, text in ((M["steps"], "-0"), (M["water"], "-0.0"), (MEDITATION, "-0"), (TEMPERATURE, "-0")):
        value = parse_quantity(metric, text)
        assert value == 0 and math.copysign(1, value) == 1


def test_custom_values():
    assert parse_quantity(MEDITATION, "30") == 30
    assert parse_quantity(MEDITATION, "30 min") == 30
    assert parse_quantity(MEDITATION, "30MIN") == 30
    assert parse_quantity(PAGES, "12 pages") == 12
    assert parse_quantity(PAGES, "1 page") == 1
    assert parse_quantity(TEMPERATURE, "-5°C") == -5
    assert parse_quantity(TEMPERATURE, "20.5 °c") == 20.5
    assert "between -40°C and 60°C" in refused(TEMPERATURE, "-41")
    assert "meditation" in refused(MEDITATION, "30 cups")
    assert "meditation" in refused(MEDITATION, "min")


REFUSED = [
    ("steps", "8.5"), ("steps", "1,5"), ("steps", "-5"), ("steps", "900000"), ("steps", "NaN"), ("steps", "nan"),
    ("steps", "inf"), ("steps", "-inf"), ("steps", "Infinity"), ("steps", "1e999"), ("steps", "1e3"),
    ("steps", "0x10"), ("steps", "8000 bpm"), ("steps", "eight"), ("steps", "8000 8000"), ("steps", "8_000"),
    ("steps", "٨٠٠٠"), ("steps", "８０００"), ("steps", "८०००"), ("steps", "8000\x00"), ("steps", "80\n00"),
    ("steps", "8000\u200b"), ("steps", ""), ("steps", "   "), ("steps", "9" * 41), ("steps", "1" * 40),
    ("sleep", "7x"), ("sleep", "25h"), ("sleep", "-1h"), ("sleep", "7h -30m"), ("sleep", "30m 7h"), ("sleep", "7:75"),
    ("sleep", "7h30h"), ("sleep", "7 lb"), ("sleep", "7.5.h"), ("sleep", "7."), ("sleep", "h"), ("sleep", "7h30m20s"),
    ("rhr", "20"), ("rhr", "251"), ("rhr", "62 kg"), ("rhr", "62/10"),
    ("weight", "19"), ("weight", "401"), ("weight", "900 lb"), ("weight", "82.5 st 2"), ("weight", "2lb 13st"),
    ("weight", "82.5 g"), ("weight", "1.234,5"),
    ("mood", "0"), ("mood", "11"), ("mood", "7.5"), ("mood", "8/7"), ("mood", "7/10/10"), ("mood", "-1"),
    ("exercise", "1441"), ("exercise", "25h"), ("exercise", "45 kg"), ("exercise", "-5"),
    ("water", "21"), ("water", "1.5 kg"), ("water", "100 cups"), ("water", "-1 L"), ("water", "1L 500ml"),
]


@pytest.mark.parametrize("key,text", REFUSED)
def test_refused_values(key, text):
    message = refused(M[key], text)
    assert message and "\n" not in message
    assert len(message) < 200


def test_refusals_say_what_would_be_accepted():
    assert refused(M["sleep"], "7x") == "I couldn't read `7x` as sleep: try `7h30m`, `7.5h`, `7:30` or `450m`."
    assert "200,000" in refused(M["steps"], "900000")
    assert refused(M["steps"], "8.5").startswith("Steps must be a whole number")
    assert "digits 0-9" in refused(M["steps"], "٨٠٠٠")
    assert "digits 0-9" in refused(M["steps"], "８０００")
    assert "between 20 kg and 400 kg" in refused(M["weight"], "900 lb")
    assert "lb" in refused(M["weight"], "900 lb")       # the range in the unit the member thinks in, too
    assert "between 0h and 24h" in refused(M["sleep"], "25h")
    assert "`450m`" in refused(M["sleep"], "450")         # 450 hours is surely 450 minutes
    assert "between 25 bpm and 250 bpm" in refused(M["rhr"], "300")
    assert "too long" in refused(M["steps"], "1" * 41)
    assert "control" in refused(M["steps"], "8\x00")
    assert "Please give" in refused(M["steps"], "")


def test_refusals_echo_little_and_nothing_dangerous():
    message = refused(M["steps"], "@everyone `rm` **x** <@123> [a](b)")
    assert "@" not in message and "**" not in message and "<" not in message and "](" not in message
    assert message.count("`") % 2 == 0
    message = refused(M["sleep"], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ")
    assert "abcdefghijklmnopqrstu" not in message        # at most 20 characters come back
    assert "abcdefghijklmnopqrst" in message


def test_weekly_totals_reuse_a_replaced_metric():
    """Check-ins parse weekly goals against 7 days' worth of range (dataclasses.replace)."""
    weekly = dataclasses.replace(M["steps"], maximum=M["steps"].maximum * 7)
    assert parse_quantity(weekly, "70k") == 70_000
    weekly_pages = dataclasses.replace(PAGES, maximum=PAGES.maximum * 7)
    assert parse_quantity(weekly_pages, "10,000 pages") == 10_000


# ---- showing values --------------------------------------------------------------------------

@pytest.mark.parametrize("key,value,shown", [
    ("steps", 8000, "8,000 steps"), ("steps", 0, "0 steps"), ("steps", 200_000, "200,000 steps"),
    ("sleep", 7.5, "7h 30m"), ("sleep", 8, "8h"), ("sleep", 0.75, "45m"), ("sleep", 0, "0h"), ("sleep", 7 + 5 / 60, "7h 5m"),
    ("rhr", 62, "62 bpm"), ("rhr", 62.25, "62.2 bpm"),
    ("weight", 82.5, "82.5 kg"), ("weight", 82, "82 kg"), ("weight", 82.04, "82 kg"),
    ("mood", 7, "7/10"), ("mood", 7.25, "7.2/10"),
    ("exercise", 45, "45 min"), ("exercise", 75, "1h 15m"), ("exercise", 120, "2h"), ("exercise", 0, "0 min"),
    ("water", 1.5, "1.5 L"), ("water", 0.25, "0.25 L"), ("water", 2, "2 L"),
])
def test_format_quantity(key, value, shown):
    assert format_quantity(M[key], value) == shown


def test_format_custom_and_odd_values():
    assert format_quantity(PAGES, 3) == "3 pages"
    assert format_quantity(PAGES, 1234.5) == "1,234.5 pages"
    assert format_quantity(TEMPERATURE, -5) == "-5°C"
    assert format_quantity(TEMPERATURE, -0.0) == "0°C"
    assert format_quantity(TEMPERATURE, -0.004) == "-0.004°C"        # small values keep their digits
    assert format_quantity(custom_metric("focus", "%", 0, 100), 50) == "50%"
    assert format_quantity(M["steps"], math.nan) == "?"
    assert format_quantity(M["steps"], math.inf) == "?"


def test_format_change():
    assert format_change(100, 112) == "+12%"
    assert format_change(100, 97) == "-3%"
    assert format_change(100, 100) == "no change"
    assert format_change(100, 100.2) == "no change"
    assert format_change(0, 5) == "new"
    assert format_change(0, 0) == "no change"
    assert format_change(100, 0) == "-100%"
    assert format_change(1, 200) == "+19,900%"
    assert format_change(-10, -5) == "+50%"          # custom metrics may be negative: direction stays right
    assert format_change(math.inf, 1) in ("new", "no change")


@given(st.floats(allow_nan=True), st.floats(allow_nan=True))
def test_format_change_never_raises(before, after):
    assert isinstance(format_change(before, after), str)


# ---- round trips -----------------------------------------------------------------------------

TOLERANCE = {"steps": 0.5, "sleep": 1 / 120 + 1e-9, "rhr": 0.05 + 1e-9, "weight": 0.05 + 1e-9, "mood": 0.05 + 1e-9,
             "exercise": 0.5 + 1e-9, "water": 0.005 + 1e-9, "distance": 0.005 + 1e-9, "glucose": 0.005 + 1e-9,
             "cholesterol": 0.005 + 1e-9, "waist": 0.05 + 1e-9}
WHOLE = {"steps", "mood"}


@pytest.mark.parametrize("metric", SINGLE, ids=lambda m: m.key)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_builtin_round_trip(metric, data):
    if metric.key in WHOLE:
        value = float(data.draw(st.integers(int(metric.minimum), int(metric.maximum))))
    else:
        value = data.draw(st.floats(metric.minimum, metric.maximum))
    shown = format_quantity(metric, value)
    back = parse_quantity(metric, shown)
    assert abs(back - value) <= TOLERANCE[metric.key], (value, shown, back)
    assert metric.minimum <= back <= metric.maximum
    assert format_quantity(metric, back) == shown


# the lab metrics in mg/dL and the waist in inches, for a member who chose imperial units: half a shown step
IMPERIAL_STEP = {"glucose": 0.5 / 18.016, "cholesterol": 0.5 / 38.67, "waist": 0.05 * 2.54, "weight": 0.05 * 0.45359237}


@pytest.mark.parametrize("key", sorted(IMPERIAL_STEP))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_imperial_round_trip_of_the_body_and_lab_metrics(key, data):
    metric = M[key]
    value = data.draw(st.floats(metric.minimum, metric.maximum))
    shown = format_quantity(metric, value, "imperial")
    back = parse_quantity(metric, shown, "imperial")
    assert abs(back - value) <= IMPERIAL_STEP[key] + 1e-9, (value, shown, back)
    assert metric.minimum <= back <= metric.maximum
    assert format_quantity(metric, back, "imperial") == shown


def test_lab_values_convert_with_their_substances_own_exact_factor():
    assert parse_quantity(M["glucose"], "180.16 mg/dL") == pytest.approx(10, abs=1e-12)    # 18.016 mg/dL per mmol/L
    assert parse_quantity(M["cholesterol"], "386.7 mg/dL") == pytest.approx(10, abs=1e-12)  # 38.67
    assert parse_quantity(M["waist"], "30 in") == pytest.approx(76.2, abs=1e-12)                 # 2.54 cm per inch
    assert format_quantity(M["glucose"], 10, "imperial") == "180 mg/dL"
    assert format_quantity(M["cholesterol"], 5, "imperial") == "193 mg/dL"
    from bot.vocabulary.metrics import mg_per_mmol
    # a moderator's metric whose name says the substance converts with the same factor, one truth
    assert custom_units(custom_metric("bgl", "mg/dL", 20, 600))["mmol/L"] == (18.016, 0.0)
    assert custom_units(custom_metric("ldl", "mmol/L", 0, 10))["mg/dL"] == pytest.approx((1 / 38.67, 0.0))
    assert set(custom_units(custom_metric("ketones", "mg/dL", 0, 100))) == {"mg/dL"}   # another substance: no guess
    assert (mg_per_mmol("glucose"), mg_per_mmol("fasting-bg"), mg_per_mmol("ldl"), mg_per_mmol("urea")) == (
        18.016, 18.016, 38.67, None)


@st.composite
def custom_metrics(draw):
    name = draw(st.from_regex(r"[a-z][a-z0-9_-]{0,23}", fullmatch=True))
    unit = draw(st.sampled_from(["min", "cups", "pages", "%", "°C", "km", "reps", "/5", "x"]))
    low = draw(st.integers(-10**6, 10**6))
    high = low + draw(st.integers(1, 10**6))
    try:
        return custom_metric(name, unit, low, high)
    except UserError:
        assume(False)


@settings(max_examples=300, deadline=None)
@given(metric=custom_metrics(), data=st.data())
def test_custom_round_trip(metric, data):
    value = data.draw(st.floats(metric.minimum, metric.maximum))
    shown = format_quantity(metric, value)
    back = parse_quantity(metric, shown)
    assert abs(back - value) <= 0.005 + 1e-9 * abs(value), (value, shown, back)
    assert parse_quantity(metric, shown.replace(metric.unit, "").strip()) == back


# ---- nothing but UserError escapes -----------------------------------------------------------

UNIT_ALPHABET = "0123456789.,:/ +-hmkgstlbozcupLpe%°xn٠８\u00a0\t\x00"


@settings(max_examples=500, deadline=None)
@given(metric=st.sampled_from(ALL_METRICS), text=st.one_of(st.text(max_size=60), st.text(UNIT_ALPHABET, max_size=45)))
def test_arbitrary_text_only_ever_raises_user_error(metric, text):
    try:
        value = parse_quantity(metric, text)
    except UserError as e:
        assert e.message and "\n" not in e.message and "@" not in e.message
        return
    assert math.isfinite(value) and metric.minimum <= value <= metric.maximum
    assert math.copysign(1, value) == 1 or value != 0


@settings(max_examples=200, deadline=None)
@given(metric=st.sampled_from(ALL_METRICS), text=st.text("abcdefghijklmnopqrstuvwxyz", min_size=25, max_size=40))
def test_refusals_never_echo_more_than_twenty_characters(metric, text):
    try:
        parse_quantity(metric, text)
    except UserError as e:
        assert not any(text[i:i + 21] in e.message for i in range(len(text) - 20))


@settings(max_examples=300, deadline=None)
@given(metric=st.sampled_from(ALL_METRICS), data=st.data())
def test_out_of_range_is_always_refused(metric, data):
    span = metric.maximum - metric.minimum
    below = st.floats(metric.minimum - 10 * span - 1e6, metric.minimum, exclude_max=True)
    above = st.floats(metric.maximum, metric.maximum + 10 * span + 1e6, exclude_min=True)
    value = data.draw(st.one_of(below, above))
    text = f"{value:.6f}"
    assume(float(text) < metric.minimum or float(text) > metric.maximum)
    with pytest.raises(UserError):
        parse_quantity(metric, text)


def test_non_string_input_is_refused():
    for odd in (None, 8000, b"8000"):
        with pytest.raises(UserError):
            parse_quantity(M["steps"], odd)   # type: ignore[arg-type]


# ---- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed,key", [
    ("steps", "steps"), ("STEPS", "steps"), (" Steps ", "steps"), ("walk", "steps"), ("rhr", "rhr"),
    ("resting heart rate", "rhr"), ("Resting Heart Rate", "rhr"), ("heart", "rhr"), ("HR", "rhr"),
    ("resting_hr", "rhr"), ("resting-hr", "rhr"), ("heart rate", "rhr"), ("water", "water"), ("meditation", "meditation"),
])
def test_resolve_metric(typed, key):
    assert resolve_metric(typed, ALL_METRICS).key == key


def test_resolve_metric_prefers_an_exact_key_and_accepts_any_iterable():
    first = custom_metric("my-thing", "x", 0, 1)
    second = custom_metric("my_thing", "x", 0, 1)
    assert resolve_metric("my_thing", [first, second]) is second
    assert resolve_metric("sleep", (m for m in BUILTIN_METRICS)).key == "sleep"


def test_unknown_metric_suggests_or_lists():
    with pytest.raises(UserError) as info:
        resolve_metric("stepz", BUILTIN_METRICS)
    assert "`steps`" in info.value.message and "did you mean" in info.value.message
    with pytest.raises(UserError) as info:
        resolve_metric("qqqqqq", BUILTIN_METRICS)
    assert all(m.key in info.value.message for m in BUILTIN_METRICS)
    with pytest.raises(UserError) as info:
        resolve_metric("@everyone `boom`", BUILTIN_METRICS)
    assert "@" not in info.value.message
    with pytest.raises(UserError):
        resolve_metric("", BUILTIN_METRICS)
    with pytest.raises(UserError):
        resolve_metric("steps", [])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_resolve_metric_only_raises_user_error(text):
    try:
        assert resolve_metric(text, ALL_METRICS) in ALL_METRICS
    except UserError as e:
        assert "@" not in e.message and "\n" not in e.message


# ---- custom metrics --------------------------------------------------------------------------

def test_custom_metric_fields():
    m = custom_metric("Meditation", "min", 0, 240)
    assert (m.key, m.name, m.unit, m.minimum, m.maximum, m.custom, m.sensitive) == ("meditation", "meditation", "min",
                                                                                     0, 240, True, False)
    assert m.help and "min" in m.help
    for example in re.split(r", | or ", m.help.split(": ", 1)[1]):
        parse_quantity(m, example)
    assert custom_metric("x", "u", -0.0, 1).minimum == 0 and math.copysign(1, custom_metric("x", "u", -0.0, 1).minimum) == 1


@pytest.mark.parametrize("name,unit,low,high,needle", [
    ("all", "x", 0, 1, "reserved"), ("ALL", "x", 0, 1, "reserved"), ("steps", "n", 0, 5, "already"),
    ("walk", "n", 0, 5, "already"), ("resting-hr", "n", 0, 5, "already"), ("heartrate", "n", 0, 5, "already"),
    ("", "x", 0, 1, "name"), ("a" * 25, "x", 0, 1, "name"), ("two words", "x", 0, 1, "name"), ("9lives", "x", 0, 1, "name"),
    ("médit", "x", 0, 1, "name"), ("a`b", "x", 0, 1, "name"), ("@here", "x", 0, 1, "name"),
    ("ok", "", 0, 1, "unit"), ("ok", "a b", 0, 1, "unit"), ("ok", "x" * 13, 0, 1, "unit"), ("ok", "`x`", 0, 1, "unit"),
    ("ok", "@x", 0, 1, "unit"), ("ok", "**", 0, 1, "unit"), ("ok", "<x>", 0, 1, "unit"), ("ok", "x\x00", 0, 1, "unit"),
    ("ok", "x\u200b", 0, 1, "unit"), ("ok", "5x", 0, 1, "unit"), ("ok", "-x", 0, 1, "unit"), ("ok", "||x||", 0, 1, "unit"),
    ("ok", "x", 5, 5, "below"), ("ok", "x", 6, 5, "below"), ("ok", "x", 0, math.inf, "range"),
    ("ok", "x", math.nan, 1, "range"), ("ok", "x", -2e9, 0, "range"), ("ok", "x", 0, 1e10, "range"),
])
def test_custom_metric_refusals(name, unit, low, high, needle):
    with pytest.raises(UserError) as info:
        custom_metric(name, unit, low, high)
    assert needle in info.value.message


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=30), unit=st.text(max_size=15),
       low=st.one_of(st.floats(), st.integers(-10**12, 10**12)), high=st.one_of(st.floats(), st.integers(-10**12, 10**12)))
def test_custom_metric_only_raises_user_error(name, unit, low, high):
    try:
        m = custom_metric(name, unit, low, high)
    except UserError:
        return
    assert m.custom and m.minimum < m.maximum and max(abs(m.minimum), abs(m.maximum)) <= 1e9
    assert re.fullmatch(r"[a-z][a-z0-9_-]{0,23}", m.key) and m.key != "all"
    assert not any(c in m.unit for c in "`@*_~|<> ")
    assert custom_metric(m.key, m.unit, m.minimum, m.maximum) == m   # stored rows rebuild identically
    format_quantity(m, m.minimum), format_quantity(m, m.maximum)


# ---- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("today", TODAY), ("Today", TODAY), ("yesterday", TODAY - timedelta(1)), ("yday", TODAY - timedelta(1)),
    ("0d", TODAY), ("2d", TODAY - timedelta(2)), ("2 d", TODAY - timedelta(2)), ("2 days ago", TODAY - timedelta(2)),
    ("1 day ago", TODAY - timedelta(1)), ("2days", TODAY - timedelta(2)), ("366d", TODAY - timedelta(366)),
    ("wed", TODAY), ("wednesday", TODAY), ("WEDNESDAY", TODAY), ("tue", TODAY - timedelta(1)),
    ("tues", TODAY - timedelta(1)), ("mon", TODAY - timedelta(2)), ("monday", TODAY - timedelta(2)),
    ("thu", TODAY - timedelta(6)), ("thurs", TODAY - timedelta(6)), ("sun", TODAY - timedelta(3)),
    ("2026-11-20", date(2026, 11, 20)), ("2026-11-25", TODAY), ("2026-1-5", date(2026, 1, 5)),
    ("2025-11-24", TODAY - timedelta(366)),
    # day/month numerals only where one reading is a real past day; month names; `last`; `N weeks ago`
    ("20/11", date(2026, 11, 20)), ("11/20", date(2026, 11, 20)), ("20.11.", date(2026, 11, 20)),
    ("20/11/2026", date(2026, 11, 20)), ("24 Nov", date(2026, 11, 24)), ("Nov 24", date(2026, 11, 24)),
    ("24th November", date(2026, 11, 24)), ("last tuesday", TODAY - timedelta(1)),
    ("last wednesday", TODAY - timedelta(7)), ("1 week ago", TODAY - timedelta(7)), ("two days ago", TODAY - timedelta(2)),
])
def test_parse_when(text, expected):
    assert parse_when(text, TODAY) == expected
    assert looks_like_when(text)


@pytest.mark.parametrize("text,needle", [
    ("tomorrow", "future"), ("2026-11-26", "future"), ("2030-01-01", "future"), ("9999-12-31", "future"),
    ("2027-02-30", "real date"), ("2026-13-01", "real date"), ("0000-01-01", "real date"),
    ("367d", "year"), ("2025-11-23", "year"), ("0001-01-01", "year"), ("999999d", "year"),
    ("32/11", "2026-11-20"), ("next week", "2026-11-20"), ("", "2026-11-20"), ("x" * 50, "2026-11-20"),
    ("2026-11-2O", "2026-11-20"), ("２０２６-11-20", "2026-11-20"), ("today\x00", "2026-11-20"), ("-2d", "2026-11-20"),
])
def test_parse_when_refusals(text, needle):
    with pytest.raises(UserError) as info:
        parse_when(text, TODAY)
    assert needle in info.value.message


def test_future_message_wording():
    with pytest.raises(UserError) as info:
        parse_when("2026-12-01", TODAY)
    assert info.value.message.startswith("That date is in the future")


def test_parse_when_accepts_a_datetime_as_today():
    assert parse_when("yesterday", datetime(2026, 11, 25, 23, 30)) == date(2026, 11, 24)


@pytest.mark.parametrize("word", ["8000", "long", "walk", "with", "lb", "30m", "sat on", "wedding", "2", "", "note:",
                                  "x" * 100, "٢d"])
def test_words_that_are_not_when(word):
    assert not looks_like_when(word)


def test_impossible_days_still_look_like_when():
    """So `log steps 8000 tomorrow` is refused instead of filing "tomorrow" as the note."""
    for word in ("tomorrow", "2027-02-30", "2030-01-01", "400d"):
        assert looks_like_when(word)


WHEN_WORDS = ["today", "yesterday", "tomorrow", "mon", "sunday", "thurs", "3d", "12 days ago", "400d"]


@settings(max_examples=500, deadline=None)
@given(today=st.dates(date(1900, 1, 1), date(2200, 12, 31)),
       text=st.one_of(st.text(max_size=50), st.sampled_from(WHEN_WORDS), st.dates().map(date.isoformat),
                      st.integers(0, 10**7).map(lambda n: f"{n}d"),
                      st.from_regex(r"\d{4}-\d{1,2}-\d{1,2}", fullmatch=True)))
def test_parse_when_never_returns_a_future_or_ancient_date(today, text):
    try:
        day = parse_when(text, today)
    except UserError as e:
        assert e.message and "\n" not in e.message
        return
    assert today - timedelta(days=366) <= day <= today
    assert looks_like_when(text)


@given(st.text(max_size=60))
def test_looks_like_when_never_raises(text):
    assert looks_like_when(text) in (True, False)


def test_a_converted_value_inside_the_range_is_not_pulled_to_a_bound():
    """112.98°F is 44.99°C, inside a 30–45°C range: it stays, and shows back as typed (it was
    snapped to the 45°C bound and shown as 113°F). A value a rounding step past the bound is the bound."""
    temp = custom_metric("temp", "°C", 30, 45)
    assert format_quantity(temp, parse_quantity(temp, "112.98 °F", "imperial"), "imperial") == "112.98°F"
    assert parse_quantity(temp, "113.001 °F", "imperial") == 45.0
