"""The day a member means: `yesterday`, `3 days ago`, `last tuesday`, `24 Nov`, `2026-11-20`, `24/11`.

Never silently today and never a guess: a day/month numeral is read only when one reading is a real,
past day within a year (``11/12`` raises :class:`Ambiguous` naming both), a date without a year that
lands far back is asked about, and a vague span (`last week`) is refused. Pure: ``today`` is given.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, timedelta

from bot.vocabulary import i18n
from bot.vocabulary.errors import Ambiguous, UserError
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.text import MAX_INPUT
from bot.vocabulary.text import cap as _cap
from bot.vocabulary.text import quoted as _quoted

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")   # the one list, Monday first as date.weekday()
_WEEKDAY_WORDS = {
    **{d: i for i, d in enumerate(WEEKDAYS)},
    **{d[:3]: i for i, d in enumerate(WEEKDAYS)},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_WORDS = {**{m: i + 1 for i, m in enumerate(_MONTHS)}, **{m[:3]: i + 1 for i, m in enumerate(_MONTHS)}, "sept": 9}
_RELATIVE = {"today": 0, "yesterday": 1, "yday": 1, "tomorrow": -1}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_AGO = re.compile(r"(\d{1,6}|a|an|one|two|three|four|five|six|seven) ?(d|days?|w|wks?|weeks?)(?: ago| back| earlier)?")
_ISO = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_VAGUE = re.compile(r"(?:last|this|past|previous) (?:week|month|year|weekend)|(?:the )?other day|recently")
_SYNONYMS = {  # i18n: input words
    "the day before yesterday": "2 days ago", "day before yesterday": "2 days ago",
             "the day before": "2 days ago"}
_LAST = re.compile(r"(?:last|past|this) ([a-z]+)")
_MONTH_NAME = "|".join(sorted(_MONTH_WORDS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH_NAME})\.?(?:,? (\d{{4}}))?")
_MONTH_DAY = re.compile(rf"({_MONTH_NAME})\.? (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?")
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?\.?")
_WHEN_HELP = (N_("try today, yesterday, a weekday (mon, last tuesday), 3 days ago, 24 Nov or a date "
                 "like 2026-11-20"))
MAX_DAYS_BACK = 366
ASK_BEYOND_DAYS = 183    # a date without a year further back than this is asked about, not assumed


# Day words in the other languages the bot speaks, read for everyone (a Swedish member may write
# `yesterday`, an English one `igår`): whole phrases first, then single words, into the English
# phrase the rules below read. A new language adds its words here (docs/translating.md).
_LOCAL_PHRASES = {  # i18n: input words
    "sv": (
        (re.compile(r"^(?:i ?dag)$"), "today"),
        (re.compile(r"^(?:i ?går|igar)$"), "yesterday"),
        (re.compile(r"^(?:i ?förrgår)$"), "2 days ago"),
        (re.compile(r"^(?:i ?morgon)$"), "tomorrow"),
        (re.compile(r"^i (mån|tis|ons|tors|fre|lör|sön)dags$"), r"last \1dag"),
        (re.compile(r"^(?:förra|senaste|i) (\w+dag)(?:en)?$"), r"last \1"),
        (re.compile(r"^(?:för )?(\d{1,6}|en|ett|två|tre|fyra|fem|sex|sju) (dag|dagar|vecka|veckor) (?:sedan|sen)$"),
         r"\1 \2 ago"),
        (re.compile(r"^(?:förra|den här|denna) (?:veckan|månaden|året|helgen)$|^häromdagen$|^nyligen$"), "last week"),
        (re.compile(r"^den (\d)"), r"\1"),
        (re.compile(r"^(\d{1,2}):?[ae] "), r"\1 "),
    ),
}
_LOCAL_WORDS = {  # i18n: input words
    "sv": {"måndag": "monday", "tisdag": "tuesday", "onsdag": "wednesday", "torsdag": "thursday", "fredag": "friday",
           "lördag": "saturday", "söndag": "sunday", "mån": "mon", "tis": "tue", "ons": "wed", "tor": "thu",
           "tors": "thu", "fre": "fri", "lör": "sat", "sön": "sun",
           "januari": "january", "februari": "february", "mars": "march", "maj": "may", "juni": "june",
           "juli": "july", "augusti": "august", "oktober": "october", "okt": "oct",
           "en": "one", "ett": "one", "två": "two", "tre": "three", "fyra": "four", "fem": "five", "sex": "six",
           "sju": "seven", "dag": "day", "dagar": "days", "vecka": "week", "veckor": "weeks"},
}


def local_day_word(word: str) -> str:
    """One weekday or month word of another language in English (`söndag` -> `sunday`), else as is."""
    for words in _LOCAL_WORDS.values():
        if word.rstrip(".") in words:
            return words[word.rstrip(".")]
    return word


def _from_local(t: str) -> str:
    for lang, phrases in _LOCAL_PHRASES.items():
        for pattern, english in phrases:
            t = pattern.sub(english, t)
        words = _LOCAL_WORDS[lang]
        t = " ".join(words.get(w.rstrip("."), w) if w.rstrip(".") in words else w for w in t.split(" "))
    return t


def _day_phrase(text: str) -> str:
    """Lowercase, single spaces, without a leading `on` (`on monday`), with synonyms spelled out and
    another language's day words in English (`igår` -> `yesterday`, `2 nov` stays)."""
    t = " ".join(text.split()).lower()
    t = t[3:] if t.startswith("on ") else t
    return _SYNONYMS.get(t, _from_local(t) if not t.isascii() or " " in t or t.isalpha() else t)


def looks_like_when(text: str) -> bool:
    """True if ``text`` is meant as a day (even an impossible one such as a future date or
    2027-02-30), so `log steps 8000 tomorrow` is refused instead of storing "tomorrow" as a note."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return False
    t = _day_phrase(text)
    if not t.isascii():
        return False
    if t in _RELATIVE or t in _WEEKDAY_WORDS or _VAGUE.fullmatch(t):
        return True
    if (m := _LAST.fullmatch(t)) and m.group(1) in _WEEKDAY_WORDS:
        return True
    return any(p.fullmatch(t) for p in (_AGO, _ISO, _DAY_MONTH, _MONTH_DAY, _NUMERIC))


def _nearest_past(month: int, day: int, today: date) -> date:
    """A day and month without a year: this year's, or last year's if this year's is still to come."""
    try:
        this = date(today.year, month, day)
    except ValueError:
        if (month, day) != (2, 29):
            raise
        this = date(today.year + 1, 3, 1)   # no 29 February this year: the last one was earlier
    if this <= today:
        return this
    for year in range(today.year - 1, today.year - 5, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError("no such day")


def _dated(year: str | None, month: int, day: int, today: date) -> tuple[date, bool]:
    """(the day, whether its year was guessed)."""
    if year:
        y = int(year)
        return date(y + 2000 if y < 100 else y, month, day), False
    return _nearest_past(month, day, today), True


def _say(day: date, today: date) -> str:
    """ "Mon 2 Nov" / "mån 2 nov." (with the year when it isn't this year's)."""
    return i18n.day(day, "weekday" if day.year == today.year else "weekday year")


def parse_when(text: str, today: date) -> date:
    """The day a `when` names, never after ``today`` and at most a year back. Two possible days
    (``11/12``) or a year that had to be guessed far back raise :class:`Ambiguous` naming them."""
    if isinstance(today, datetime):
        today = today.date()
    if not isinstance(text, str) or not text.strip():
        raise UserError(_("Which day? {cap}.", cap=_cap(_(_WHEN_HELP))))
    if len(text) > MAX_INPUT or not _day_phrase(text).isascii() or any(not c.isprintable() for c in text):
        raise UserError(_("I couldn't read that as a day: {when_help}.", when_help=_(_WHEN_HELP)))
    t = _day_phrase(text)
    not_real = _("{quoted} isn't a real date: write dates like 2026-11-20.", quoted=_quoted(text))
    guessed = False
    if t in _RELATIVE:
        day = today - timedelta(days=_RELATIVE[t])
    elif t in _WEEKDAY_WORDS:
        day = today - timedelta(days=(today.weekday() - _WEEKDAY_WORDS[t]) % 7)   # the most recent, or today
    elif (m := _LAST.fullmatch(t)) and m.group(1) in _WEEKDAY_WORDS:
        back = (today.weekday() - _WEEKDAY_WORDS[m.group(1)]) % 7
        day = today - timedelta(days=back or (0 if t.startswith("this") else 7))   # "last" is before today
    elif m := _AGO.fullmatch(t):
        n = int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1)]
        n *= 7 if m.group(2).startswith("w") else 1
        if n > MAX_DAYS_BACK:
            raise UserError(_("That's more than a year ago: I can log up to {max_days_back} days "
                              "back.", max_days_back=MAX_DAYS_BACK))
        day = today - timedelta(days=n)
    elif _VAGUE.fullmatch(t):
        raise UserError(_("{quoted} isn't one day: name the day, e.g. `last tuesday`, `5 days ago` "
                          "or `24 Nov`.", quoted=_quoted(text)))
    elif m := _ISO.fullmatch(t):
        try:
            day = date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            raise UserError(not_real) from None
    elif (m := _DAY_MONTH.fullmatch(t)) or (m := _MONTH_DAY.fullmatch(t)):
        day_text, month_text = (m.group(1), m.group(2)) if m.re is _DAY_MONTH else (m.group(2), m.group(1))
        try:
            day, guessed = _dated(m.group(3), _MONTH_WORDS[month_text], int(day_text), today)
        except ValueError:
            raise UserError(not_real) from None
    elif m := _NUMERIC.fullmatch(t):
        day, guessed = _numeric_day(text, m, today)
    else:
        raise UserError(_("I couldn't read {quoted} as a day: {when_help}.", quoted=_quoted(text), when_help=_(_WHEN_HELP)))
    back = (today - day).days
    if back < 0:
        raise UserError(_("That date is in the future: I can only log today or earlier."))
    if back > MAX_DAYS_BACK:
        raise UserError(_("That's more than a year ago: I can log up to {max_days_back} days back.", max_days_back=MAX_DAYS_BACK))
    if guessed and back > ASK_BEYOND_DAYS:
        raise Ambiguous(_("Did you mean {say}? That's {back} days ago.", say=_say(day, today), back=back), (day.isoformat(),))
    return day


def _numeric_day(text: str, m: re.Match[str], today: date) -> tuple[date, bool]:
    """``24/11`` or ``11/24``: whichever reading is a real, past day within a year; if both are, ask."""
    a, b, year = int(m.group(1)), int(m.group(3)), m.group(4)
    readings: list[tuple[date, bool]] = []
    for month, day in ((b, a), (a, b)):          # day/month first (most of the world), then month/day
        try:
            when, guessed = _dated(year, month, day, today)
        except ValueError:
            continue
        if 0 <= (today - when).days <= MAX_DAYS_BACK and when not in (r[0] for r in readings):
            readings.append((when, guessed))
    if len(readings) == 2:
        first, second = (r[0] for r in readings)
        raise Ambiguous(_("{quoted} could be {first} or {second}.", quoted=_quoted(text), first=_say(first, today), second=_say(second, today)),
                        (first.isoformat(), second.isoformat()))
    if not readings:
        raise UserError(_("{quoted} isn't a day I can log (a real date, not in the future, within "
                          "a year): write dates like 2026-11-20.", quoted=_quoted(text)))
    return readings[0]


def when_words_start(words: list[str]) -> int:
    """How many of the leading ``words`` read as a day (0 if none): `2 days ago felt good` -> 3."""
    for n in range(min(5, len(words)), 0, -1):
        if looks_like_when(" ".join(words[:n])):
            return n
    return 0


def close_date_word(word: str) -> str | None:
    """A day word ``word`` was probably meant to be (``yesterdy`` -> ``yesterday``), or None."""
    w = word.lower()
    if len(w) < 4 or w in _WEEKDAY_WORDS or w in _RELATIVE:
        return None
    if w in _MONTH_WORDS:
        return None
    close = difflib.get_close_matches(w, [*_RELATIVE, *WEEKDAYS, *_MONTHS], n=1, cutoff=0.8)
    return close[0] if close else None
