"""Translation: the catalogues are complete and correct, and numbers, dates, plurals and parsing
follow the member's language without changing what English members see."""

from __future__ import annotations

from datetime import date

import pytest
from babel.messages.catalog import Catalog
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import COGS
from bot.commands import Registry
from bot.i18n_catalogue import problems, problems_in, template
from bot.vocabulary import i18n
from bot.vocabulary.dates import looks_like_when, parse_when
from bot.vocabulary.errors import Ambiguous
from bot.vocabulary.metrics import BUILTIN_METRICS, format_quantity, read_quantity, resolve_metric

NBSP = "\u00a0"
METRICS = {m.key: m for m in BUILTIN_METRICS}


def test_every_language_but_english_has_a_catalogue_and_swedish_is_one():
    assert i18n.available()[0] == "en" and "sv" in i18n.available()


@pytest.mark.parametrize("lang", i18n.available()[1:])
def test_every_catalogue_entry_is_translated_with_its_plural_forms_and_placeholders(lang):
    """Exactly the messages the code can show, none missing, fuzzy or empty, each with the language's
    number of plural forms and the same {placeholders} as the English."""
    assert problems(lang) == []


def test_the_catalogue_check_finds_what_is_wrong():
    fresh = Catalog(locale="sv")
    fresh.add("Logged {amount}.")
    fresh.add(("{n} post", "{n} posts"))
    fresh.add("Gone")
    bad = Catalog(locale="sv")
    bad.add("Logged {amount}.", "Loggade {mängd}.")          # a translated placeholder
    bad.add(("{n} post", "{n} posts"), ("{n} inlägg",))      # one plural form where Swedish has two
    bad.add("Old", "Gammal")                                # no longer used
    found = "\n".join(problems_in(bad, fresh))
    assert "placeholders differ" in found and "needs 2 plural forms" in found
    assert "missing: 'Gone'" in found and "no longer used: 'Old'" in found
    fuzzy = Catalog(locale="sv")
    fuzzy.add("Gone", "Borta", flags=("fuzzy",))
    assert any(p.startswith("fuzzy") for p in problems_in(fuzzy, _only(fresh, "Gone")))


def _only(catalog: Catalog, msgid: str) -> Catalog:
    out = Catalog(locale="sv")
    out.add(msgid)
    return out


def test_the_template_has_the_command_words_metric_names_and_levels():
    ids = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template()}
    assert ("command", "log") in ids and ("metric", "steps") in ids and ("level", "public") in ids
    assert (None, "Logged {amount} for {on}.") in ids


def test_numbers_and_days_are_written_the_way_each_language_writes_them():
    assert i18n.num(8123, ",", "en") == "8,123" and i18n.num(8123, ",", "sv") == f"8{NBSP}123"
    assert i18n.num(7.5, ".1f", "sv") == "7,5" and i18n.num(1234.5, ",.1f", "en") == "1,234.5"
    assert i18n.day(date(2026, 11, 2), lang="en") == "Nov 2" and i18n.day(date(2026, 11, 2), lang="sv") == "2 nov."
    with i18n.using("sv"):
        assert format_quantity(METRICS["steps"], 8123) == f"8{NBSP}123 steg"
        assert format_quantity(METRICS["weight"], 82.5) == "82,5 kg"
    assert format_quantity(METRICS["steps"], 8123) == "8,123 steps"


@pytest.mark.parametrize("n, en, sv", [(1, "1 day", "1 dag"), (2, "2 days", "2 dagar"), (0, "0 days", "0 dagar"),
                                       (1000, "1,000 days", f"1{NBSP}000 dagar")])
def test_plural_forms_are_real_ones(n, en, sv):
    assert i18n.n_("{n} day", "{n} days", n) == en
    with i18n.using("sv"):
        assert i18n.n_("{n} day", "{n} days", n) == sv
    with i18n.using("sv"):
        assert i18n.np_("unit", "{n} step", "{n} steps", 1) == "1 steg"


def test_a_swedish_member_writes_a_decimal_comma_and_an_english_one_a_thousands_comma():
    weight, steps, sleep = METRICS["weight"], METRICS["steps"], METRICS["sleep"]
    with i18n.using("sv"):
        assert read_quantity(weight, "82,5 kg").value == 82.5
        assert read_quantity(weight, "82,500").value == 82.5          # a decimal comma, not thousands
        assert read_quantity(sleep, "7,5 timmar").value == 7.5
        assert read_quantity(steps, "8 000").value == 8000
        assert read_quantity(steps, "8 000 steg").value == 8000
        assert read_quantity(steps, "8000 steps").value == 8000       # English words work too
        assert read_quantity(steps, "8,5k").value == 8500
        with pytest.raises(Ambiguous):
            read_quantity(steps, "8,000")                              # 8 or 8 000? asked, nothing stored
        with pytest.raises(Ambiguous):
            read_quantity(steps, "8.000")
    assert read_quantity(steps, "8,000").value == 8000                 # unchanged for English members
    assert read_quantity(weight, "82,5").value == 82.5
    with pytest.raises(Ambiguous):
        read_quantity(steps, "8.000")


@settings(max_examples=200, deadline=None)
@given(key=st.sampled_from(sorted(k for k, m in METRICS.items() if not m.paired)), fraction=st.floats(0, 1))
def test_every_value_shown_in_swedish_reads_back_for_a_swedish_member(key, fraction):
    m = METRICS[key]
    value = m.minimum + fraction * (m.maximum - m.minimum)
    if key in ("steps", "mood"):
        value = round(value)           # whole-number metrics
    with i18n.using("sv"):
        shown = format_quantity(m, value)
        again = read_quantity(m, shown).value
        assert format_quantity(m, again) == shown


@pytest.mark.parametrize("typed, day", [
    ("igår", date(2026, 11, 24)), ("i går", date(2026, 11, 24)), ("idag", date(2026, 11, 25)),
    ("i förrgår", date(2026, 11, 23)), ("i måndags", date(2026, 11, 23)), ("måndag", date(2026, 11, 23)),
    ("3 dagar sedan", date(2026, 11, 22)), ("för en vecka sedan", date(2026, 11, 18)), ("2 nov", date(2026, 11, 2)),
    ("2 november", date(2026, 11, 2)), ("den 24 okt", date(2026, 10, 24)), ("i söndags", date(2026, 11, 22)),
    ("yesterday", date(2026, 11, 24)), ("last monday", date(2026, 11, 23)), ("24 Nov", date(2026, 11, 24)),
])
def test_when_reads_swedish_and_english_day_words(typed, day):
    assert looks_like_when(typed)
    assert parse_when(typed, date(2026, 11, 25)) == day      # a Wednesday


def test_metric_names_and_command_words_of_every_language_are_aliases():
    assert resolve_metric("steg", BUILTIN_METRICS).key == "steps"
    assert resolve_metric("vilopuls", BUILTIN_METRICS).key == "rhr"
    assert resolve_metric("sömn", BUILTIN_METRICS).key == "sleep"
    registry = Registry()
    for cls in COGS:
        registry.add_cog(cls.__new__(cls))
    assert registry.match(["logga", "steg", "8000"])[0].name == "log"
    assert registry.match(["integritet", "ändra"])[0].name == "privacy set"
    assert registry.match(["mod", "mått", "ny"])[0].name == "mod metric add"
    # No translated command is also another command's path, and every language's words are distinct.
    paths = {spec.path for spec in registry.all()}
    for lang in i18n.available()[1:]:
        local = {}
        for spec in registry.all():
            words = tuple(w for word in spec.path for w in i18n.word("command", word, lang).split())
            assert words == spec.path or words not in paths, (lang, spec.name, words)
            assert words not in local, (lang, spec.name, local.get(words))
            local[words] = spec.name
