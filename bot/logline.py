"""Reading the rest of a `log` line: the value (with its units), then the day, then the note.

People type freely: `log sleep 7 hours 30 minutes`, `log weight 12 st 3 lb 2 days ago felt light`,
`log steps 9000 last tuesday`. The value is the longest run of words that reads as the metric's
value; the day is the longest run after it that reads as a day; only what follows is the note. A
note whose first words read as a unit, a number or a day is refused with a hint (the member meant
it as part of the value or day), unless it starts with ``note:``. Pure: the caller passes ``today``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from bot.commands import too_long
from bot.vocabulary.dates import close_date_word, parse_when, when_words_start
from bot.vocabulary.errors import Ambiguous, Unreadable, UserError
from bot.vocabulary.i18n import _
from bot.vocabulary.metrics import (
    MetricDef,
    PairReading,
    Quantity,
    any_unit_word,
    examples,
    measured_in_units,
    pair_examples,
    parse_pair,
    read_quantity,
    unit_words,
)
from bot.vocabulary.text import echo, printable

NOTE_MAX = 200          # characters; the same limit on every platform (Discord's option reads it)
NOTE_PREFIX = "note:"   # forces what follows to be the note, whatever it starts with
_MAX_VALUE_WORDS = 6    # `12 st 3 lb`, `7 hours 30 minutes`
_MAX_PAIR_WORDS = 8     # `128 over 82 mm hg pulse: 64 bpm`


@dataclass(frozen=True)
class LogLine:
    quantity: Quantity
    value_text: str
    day: date
    day_text: str | None      # None: no day was typed (today)
    note: str | None


def read_log_line(metric: MetricDef, text: str, today: date, system: str | None = None,
                  others: tuple[MetricDef, ...] = ()) -> LogLine:
    """Split and read one log line. Refusals are :class:`UserError`; two readings are :class:`Ambiguous`
    whose ``choices`` are whole rest-of-line spellings to type instead. ``others``: metrics to suggest
    when the value only fits one of them (`log exercise 5 km` -> distance)."""
    forced_note = None
    lowered = text.lower()
    if NOTE_PREFIX in lowered:
        at = lowered.index(NOTE_PREFIX)
        text, forced_note = text[:at], text[at + len(NOTE_PREFIX):].strip() or None
    words = text.split()
    if not words:
        raise UserError(_("Please give a value for {name}, e.g. `log {key} {example}`.", name=metric.label, key=metric.term, example=_example(metric)))
    try:
        return _read(metric, words, forced_note, today, system, others)
    except Ambiguous as exc:   # the lines offered keep the member's `note:` too
        kept = f" {NOTE_PREFIX} {forced_note}" if forced_note else ""
        raise Ambiguous(exc.message, tuple(c + kept for c in exc.choices)) from None


def _read(metric: MetricDef, words: list[str], forced_note: str | None, today: date, system: str | None,
          others) -> LogLine:
    n, quantity = _value(metric, words, system, others)
    value_text = " ".join(words[:n])
    rest = words[n:]
    day_words = when_words_start(rest)
    day_text = " ".join(rest[:day_words]) if day_words else None
    try:
        day = parse_when(day_text, today) if day_text else today
    except Ambiguous as exc:
        raise Ambiguous(exc.message, tuple(" ".join([value_text, c, *rest[day_words:]]) for c in exc.choices)) from None
    note_words = rest[day_words:]
    if note_words:
        _check_note_start(metric, note_words, day_text, value_text, others)
        _check_bare_value_then_word(metric, quantity, note_words, day_text)
    note = " ".join(note_words) or None
    if forced_note is not None:
        note = f"{note} {forced_note}" if note else forced_note
    if note is not None:
        note = printable(note)
        if len(note) > NOTE_MAX:
            raise too_long("note", NOTE_MAX, len(note))
    return LogLine(quantity, value_text, day, day_text, note)


def _value(metric: MetricDef, words: list[str], system: str | None, others) -> tuple[int, Quantity]:
    for n in range(min(_MAX_VALUE_WORDS, len(words)), 0, -1):
        try:
            return n, read_quantity(metric, " ".join(words[:n]), system)
        except Unreadable:
            continue
        except Ambiguous as exc:
            raise Ambiguous(exc.message, tuple(" ".join([c, *words[n:]]) for c in exc.choices)) from None
    # Nothing reads: perhaps a unit of another metric (`log exercise 5 km`).
    for n in range(min(_MAX_VALUE_WORDS, len(words)), 0, -1):
        hint = _other_metric(metric, " ".join(words[:n]), others)
        if hint:
            raise UserError(hint)
    read_quantity(metric, words[0], system)   # raises the friendly refusal for the first word
    raise AssertionError("unreachable: a value that reads alone was read above")


def _other_metric(metric: MetricDef, value: str, others) -> str | None:
    if not re.search(r"[a-z]", value.lower()):
        return None
    for other in others:
        if other.key == metric.key:
            continue
        try:
            q = read_quantity(other, value)
        except UserError:
            continue
        if q.unit:
            return (_("`{value}` isn't {name} ({value2}). For {name2}, type `log {key} {value}`. "
                      "Nothing was stored.", value=value, name=metric.label, value2=metric.about or metric.unit, name2=other.label, key=other.term))
    return None


def _check_note_start(metric: MetricDef, words: list[str], day_text: str | None, value_text: str, others) -> None:
    first = words[0].lower().strip(",;")
    keep = _(" To keep it as the note, write `{note_prefix}` before it. Nothing was stored.", note_prefix=NOTE_PREFIX)
    n = when_words_start(words)
    if n:
        said = _("the day is already `{day_text}`", day_text=day_text) if day_text else _("it is not a day I can log")
        raise UserError(_("`{echo}` reads as a day, but {said}.{keep}", echo=echo(' '.join(words[:n])), said=said, keep=keep))
    if first in unit_words(metric) or any_unit_word(first):
        for k in range(min(3, len(words)), 0, -1):
            hint = _other_metric(metric, " ".join([value_text, *words[:k]]), others)
            if hint:
                raise UserError(hint)
        raise UserError(_("`{echo}` after the value reads as a unit that {name} doesn't take: "
                          "write the value like {examples}.{keep}", echo=echo(words[0]), name=metric.label, examples=_examples(metric), keep=keep))
    if re.match(r"[+-]?\d", first):
        raise UserError(_("`{echo}` after the value: write the whole value in one piece, like "
                          "{examples}, and a day like `2 days ago` or `24 Nov`.{keep}", echo=echo(words[0]), examples=_examples(metric), keep=keep))
    close = close_date_word(first) or _close_unit(metric, first)
    if close:
        raise UserError(_("Did you mean `{close}` instead of `{echo}`?{keep}", close=close, echo=echo(words[0]), keep=keep))
    if first in ("last", "this", "past", "on") and len(words) > 1 and (close := close_date_word(words[1])):
        raise UserError(_("Did you mean `{first} {close}` instead of `{echo}`?{keep}", first=first, close=close, echo=echo(' '.join(words[:2])), keep=keep))
    # `7 and a half hours`: this metric's own unit a few words in means the value went on.
    near = next((w for w in words[1:3] if w.lower().strip(",;.") in unit_words(metric)), None)
    if near:
        raise UserError(_("`{echo}` after the value: write the value in one piece, like "
                          "{examples}.{keep}", echo=echo(' '.join(words[:words.index(near) + 1])), examples=_examples(metric), keep=keep))


def _check_bare_value_then_word(metric: MetricDef, quantity: Quantity, words: list[str], day_text: str | None) -> None:
    """`log water 3 glasses`: one word right after a bare number, on a metric that has several units,
    is most likely a unit I don't know, not a note."""
    if quantity.unit or day_text or len(words) != 1 or len(words[0]) > 15 or not measured_in_units(metric):
        return
    raise UserError(_("Is `{echo}` a unit? I don't know it for {name}: write the value like "
                      "{examples}. To keep it as the note, write `{note_prefix}` before it. "
                      "Nothing was stored.", echo=echo(words[0]), name=metric.label, examples=_examples(metric), note_prefix=NOTE_PREFIX))


def _close_unit(metric: MetricDef, word: str) -> str | None:
    if len(word) < 4:
        return None
    close = difflib.get_close_matches(word, sorted(w for w in unit_words(metric) if len(w) >= 4), n=1, cutoff=0.8)
    return close[0] if close else None


def _examples(metric: MetricDef) -> str:
    return ", ".join(f"`{e}`" for e in examples(metric)[:3])


def _example(metric: MetricDef) -> str:
    return examples(metric)[0]


# ---- a paired metric's line (blood pressure) -------------------------------------------------

@dataclass(frozen=True)
class PairLine:
    """A paired metric's log line: the pair (and a pulse named with it), then the day, then the note."""

    reading: PairReading
    value_text: str
    day: date
    day_text: str | None
    note: str | None


def read_pair_line(metric: MetricDef, text: str, today: date) -> PairLine:
    """`128/82 yesterday after the walk`, `128 over 82 pulse 64`: the longest run of words that reads as
    the pair, then a day, then the note. A pair never reads as a date or a fraction (:func:`parse_pair`);
    a bare third number is asked about, unless it starts the day (`128/82 2 days ago`)."""
    forced_note = None
    lowered = text.lower()
    if NOTE_PREFIX in lowered:
        at = lowered.index(NOTE_PREFIX)
        text, forced_note = text[:at], text[at + len(NOTE_PREFIX):].strip() or None
    words = text.split()
    try:
        n, reading = _pair_value(metric, words)
        value_text = " ".join(words[:n])
        rest = words[n:]
        day_words = when_words_start(rest)
        day_text = " ".join(rest[:day_words]) if day_words else None
        try:
            day = parse_when(day_text, today) if day_text else today
        except Ambiguous as exc:
            raise Ambiguous(exc.message, tuple(" ".join([value_text, c, *rest[day_words:]]) for c in exc.choices)) from None
    except Ambiguous as exc:   # the lines offered keep the member's `note:` too
        kept = f" {NOTE_PREFIX} {forced_note}" if forced_note else ""
        raise Ambiguous(exc.message, tuple(c + kept for c in exc.choices)) from None
    note_words = rest[day_words:]
    if note_words:
        _check_pair_note_start(metric, note_words, day_text)
    note = " ".join(note_words) or None
    if forced_note is not None:
        note = f"{note} {forced_note}" if note else forced_note
    if note is not None:
        note = printable(note)
        if len(note) > NOTE_MAX:
            raise too_long("note", NOTE_MAX, len(note))
    return PairLine(reading, value_text, day, day_text, note)


def _pair_value(metric: MetricDef, words: list[str]) -> tuple[int, PairReading]:
    for n in range(min(_MAX_PAIR_WORDS, len(words)), 0, -1):
        try:
            return n, parse_pair(metric, " ".join(words[:n]))
        except Unreadable:
            continue
        except Ambiguous as exc:
            if when_words_start(words[n - 1:]):   # `128/82 2 days ago`: the number starts the day
                continue
            raise Ambiguous(exc.message, tuple(" ".join([c, *words[n:]]) for c in exc.choices)) from None
    parse_pair(metric, words[0] if words else "")   # raises the friendly refusal for the first word
    raise AssertionError("unreachable: a pair that reads alone was read above")


def _check_pair_note_start(metric: MetricDef, words: list[str], day_text: str | None) -> None:
    """A note that starts like a number or a second day was most likely meant as part of the reading."""
    first = words[0].lower().strip(",;")
    keep = _(" To keep it as the note, write `{note_prefix}` before it. Nothing was stored.", note_prefix=NOTE_PREFIX)
    n = when_words_start(words)
    if n:
        said = _("the day is already `{day_text}`", day_text=day_text) if day_text else _("it is not a day I can log")
        raise UserError(_("`{echo}` reads as a day, but {said}.{keep}", echo=echo(' '.join(words[:n])), said=said, keep=keep))
    if re.match(r"[+-]?\d", first) or first in ("/", "over", "över", "mmhg", "mm", "pulse", "puls", "bpm"):
        shown = ", ".join(f"`{e}`" for e in pair_examples(metric))
        raise UserError(_("`{echo}` after the value: write the whole value in one piece, like "
                          "{examples}, and a day like `2 days ago` or `24 Nov`.{keep}", echo=echo(words[0]),
                          examples=shown, keep=keep))
    close = close_date_word(first)
    if close:
        raise UserError(_("Did you mean `{close}` instead of `{echo}`?{keep}", close=close, echo=echo(words[0]), keep=keep))
