"""Paired metrics (issue 26): blood pressure is read as systolic/diastolic, never as a date or a fraction."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.vocabulary.errors import Ambiguous, UserError
from bot.vocabulary.metrics import (
    BLOOD_PRESSURE,
    BUILTIN_METRICS,
    format_pair,
    parse_pair,
    series_key,
    split_series_key,
)

BP = BLOOD_PRESSURE


@pytest.mark.parametrize("text", ["128/82", "128 / 82", "128 over 82", "128 över 82", "128/82 mmHg",
                                  "128 OVER 82", "128/82 mm hg"])
def test_every_written_form_reads_as_the_pair(text):
    reading = parse_pair(BP, text)
    assert reading.values == (128.0, 82.0)
    assert reading.pulse is None


@pytest.mark.parametrize("text", ["128/82 pulse 64", "128/82 puls 64", "128/82 64 bpm", "128 over 82 pulse: 64"])
def test_a_pulse_is_kept_only_when_named(text):
    assert parse_pair(BP, text).pulse == 64.0


def test_a_bare_third_number_is_asked_about_not_guessed():
    with pytest.raises(Ambiguous) as exc:
        parse_pair(BP, "128/82 64")
    assert exc.value.choices == ("128/82 pulse 64", "128/82")


@pytest.mark.parametrize("text, said", [
    ("8/12", "systolic between 60 and 260"),       # a date or a fraction, never stored as either
    ("11/12", "systolic between 60 and 260"),
    ("128/", "two whole numbers"),
    ("/82", "two whole numbers"),
    ("128", "two whole numbers"),
    ("82/128", "did you mean `128/82`"),            # diastolic above systolic
    ("300/82", "systolic between 60 and 260"),
    ("128/200", "diastolic between 30 and 160"),
    ("128.5/82", "two whole numbers"),
    ("128/82 pulse 400", "between 25 and 250 bpm"),
    ("128/82 felt fine", "two whole numbers"),
    ("", "two whole numbers"),
])
def test_refusals_say_what_would_be_accepted(text, said):
    with pytest.raises(UserError) as exc:
        parse_pair(BP, text)
    assert said in exc.value.message
    assert "\n" not in exc.value.message


def test_the_metric_knows_its_parts_and_their_series():
    assert BP.paired and [p.key for p in BP.parts] == ["systolic", "diastolic"]
    assert BP.series_keys() == ("bp.systolic", "bp.diastolic")
    assert series_key(BP, BP.parts[1]) == "bp.diastolic"
    assert split_series_key("bp.systolic") == ("bp", "systolic")
    assert split_series_key("steps") == ("steps", None)
    assert BP.sensitive
    assert all(m.series_keys() == (m.key,) for m in BUILTIN_METRICS if not m.paired)
    assert BP in BUILTIN_METRICS


@pytest.mark.parametrize("text", ["128", "130 mmHg", "128/82"])
def test_one_number_is_never_read_as_a_pair(text):
    """Commands that read one value (a goal, a target) refuse a pair's metric with what it takes."""
    from bot.vocabulary.metrics import read_quantity
    with pytest.raises(UserError) as exc:
        read_quantity(BP, text)
    assert "two whole numbers" in exc.value.message and "`128/82`" in exc.value.message


def test_the_help_shows_how_a_pair_is_typed():
    from bot.vocabulary.metrics import examples
    assert BP.about == "blood pressure, systolic/diastolic in mmHg: 128/82 or 128 over 82"
    for typed in examples(BP):
        assert parse_pair(BP, typed).values == (128.0, 82.0)


@given(st.integers(60, 260), st.integers(30, 160))
def test_a_shown_pair_reads_back(systolic, diastolic):
    shown = format_pair(BP, (systolic, diastolic))
    if systolic < diastolic:
        with pytest.raises(UserError):
            parse_pair(BP, shown)
    else:
        assert parse_pair(BP, shown).values == (systolic, diastolic)


def test_format_pair_refuses_what_is_not_a_pair():
    assert format_pair(BP, (128.0,)) == "?"
    assert format_pair(BP, (128.0, float("nan"))) == "?"


def test_a_pair_is_withheld_when_either_part_would_be():
    from bot.disclosure import Parameters, withheld_reason, withheld_reason_parts
    params = Parameters()
    even = [120.0, 125.0, 130.0, 128.0]
    dominated = [80.0, 1.0, 1.0, 1.0]        # one contributor's part is almost the whole total
    assert withheld_reason(4, even, params) is None and withheld_reason(4, dominated, params) == "dominated"
    assert withheld_reason_parts(4, [even, even], params) is None
    assert withheld_reason_parts(4, [even, dominated], params) == "dominated"
    assert withheld_reason_parts(4, [dominated, even], params) == "dominated"
    assert withheld_reason_parts(2, [even, even], params) == "fewer than k"
