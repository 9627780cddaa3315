"""Translation: the one way member-facing words, numbers and dates are written.

Every string a member reads goes through :func:`_` (or :func:`n_` for counts, :func:`p_` for a word
whose meaning needs a context, :func:`N_` to mark a constant translated later, e.g. a command's help
in its spec). The catalogues are stdlib gettext ``.po`` files under ``bot/vocabulary/locale/<lang>/LC_MESSAGES/
peerpulse.po`` (English is the source language and needs none), compiled in memory by Babel when first
used, so a ``.po`` edit needs no build step. See docs/translating.md for adding a language.

Which language text is written in is a context variable, :data:`LOCALE`, set around the work that
writes it (DESIGN: one clear mechanism):

* the runtime sets it to the **member's** language around a command handler (their choice, else the
  community's, else the config default; on Discord the interaction's locale when they chose none), so
  private replies and errors are in their language;
* anything a cog writes for a **channel** (a shared chart, a check-in, a board) is written inside
  ``with using(inv.channel_locale)`` (or the community's language for scheduled posts);
* the privacy gate renders what it writes itself (banded trends, board notes, group figures) in the
  **destination's** language and records that language in the released form, so a take-back
  re-renders a post in the language it was first written in.

Placeholders are ``{name}`` (``str.format``); numbers given to :func:`_` as keyword arguments are
written as they are, so callers format them with :func:`num` first (``n_`` does it for ``{n}``).
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path

DOMAIN = "peerpulse"
SOURCE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")

#: The language text is written in right now (see the module docstring for who sets it).
LOCALE: ContextVar[str] = ContextVar("peerpulse_locale", default=SOURCE)


@functools.cache
def available() -> tuple[str, ...]:
    """The source language and every language with a catalogue, e.g. ("en", "sv") (read once)."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE, *(code for code in found if code != SOURCE))


# What people type or platforms send for a language, folded to a catalogue's code.
_NAMES = {"english": "en", "engelska": "en", "swedish": "sv", "svenska": "sv", "svensk": "sv"}


def normalize(code: str | None) -> str | None:
    """``sv``, ``sv-SE``, ``sv_SE``, ``svenska`` -> ``sv``; ``en-US`` -> ``en``; None when no catalogue fits."""
    if not code:
        return None
    word = code.strip().lower().replace("_", "-")
    word = _NAMES.get(word, word)
    base = word.split("-")[0]
    return base if base in available() else None


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language (the source language translates to itself)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == SOURCE or not path.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def current() -> str:
    return LOCALE.get()


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Write in ``lang`` (a catalogue code) inside the block; None keeps the current language."""
    token = LOCALE.set(lang or current())
    try:
        yield LOCALE.get()
    finally:
        LOCALE.reset(token)


def _fill(text: str, kwargs: dict[str, object]) -> str:
    return text.format(**kwargs) if kwargs else text


def _(message: str, /, **kwargs: object) -> str:
    """``message`` in the current language, placeholders filled."""
    return _fill(translations(current()).gettext(message), kwargs)


def n_(singular: str, plural: str, n: int | float, /, **kwargs: object) -> str:
    """The plural form the current language uses for ``n``; ``{n}`` is ``n`` written in that language."""
    which = int(n) if float(n).is_integer() else 2
    text = translations(current()).ngettext(singular, plural, which)
    return _fill(text, {"n": count(n), **kwargs})


def p_(context: str, message: str, /, **kwargs: object) -> str:
    """A short word whose translation depends on what it is (``p_("level", "public")``)."""
    return _fill(translations(current()).pgettext(context, message), kwargs)


def np_(context: str, singular: str, plural: str, n: int | float, /, **kwargs: object) -> str:
    which = int(n) if float(n).is_integer() else 2
    text = translations(current()).npgettext(context, singular, plural, which)
    return _fill(text, {"n": count(n), **kwargs})


def N_(message: str) -> str:
    """Marks a constant for the catalogue; it is translated where it is shown (``_(spec.help)``)."""
    return message


def word(context: str, message: str, lang: str) -> str:
    """One context word in a given language (command words, metric names: for aliases)."""
    return translations(lang).pgettext(context, message)


# -- numbers and dates ---------------------------------------------------------------------------

def num(value: float | int, spec: str = "", lang: str | None = None) -> str:
    """A number written the way the language writes it: ``8,123`` / ``8 123``, ``7.5`` / ``7,5``.
    ``spec`` is a Python format spec (``,``, ``,.1f``, ``.0f``, ``g``...): Python formats, then the
    language's own group and decimal marks (Babel's CLDR symbols) replace Python's."""
    return marks(format(value, spec), lang)


def marks(text: str, lang: str | None = None) -> str:
    """A number Python wrote (``8,123.5``) with the language's group and decimal marks (``8 123,5``)."""
    lang = lang or current()
    if lang == SOURCE:
        return text
    from babel.numbers import get_decimal_symbol, get_group_symbol
    group, decimal = get_group_symbol(lang), get_decimal_symbol(lang)
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def decimal_mark(lang: str | None = None) -> str:
    """"." or "," (Swedish): how the language writes 7.5, which is also how its members type it."""
    lang = lang or current()
    if lang == SOURCE:
        return "."
    from babel.numbers import get_decimal_symbol
    return get_decimal_symbol(lang)


def count(n: int | float) -> str:
    """A count as words show it: whole numbers grouped (``1,234`` / ``1 234``)."""
    return num(int(n), ",") if float(n).is_integer() else num(n, ",")


def day(value: date | datetime, style: str = "short", lang: str | None = None) -> str:
    """A day as the language writes it: ``short`` "Nov 2" / "2 nov."; ``long`` "Mon Nov 2" / "mån 2 nov."."""
    lang = lang or current()
    if lang == SOURCE:
        pattern = {"short": "%b %-d", "long": "%a %b %-d", "year": "%b %-d, %Y", "weekday": "%a %-d %b",
                   "weekday year": "%a %-d %b %Y", "weekday name": "%A"}[style]
        return value.strftime(pattern)
    from babel.dates import format_date
    pattern = {"short": "d MMM", "long": "EEE d MMM", "year": "d MMM y", "weekday": "EEE d MMM",
               "weekday year": "EEE d MMM y", "weekday name": "EEEE"}[style]
    return format_date(value, pattern, locale=lang)


def weekday_name(index: int, lang: str | None = None) -> str:
    """Monday is 0: "monday" / "måndag" (lower case, as in commands)."""
    lang = lang or current()
    if lang == SOURCE:
        from bot.vocabulary.dates import WEEKDAYS  # the one list (dates reads this module's words)
        return WEEKDAYS[index]
    from babel.dates import get_day_names
    return str(get_day_names("wide", locale=lang)[index]).lower()


def weekday_abbr(index: int, lang: str | None = None) -> str:
    """Monday is 0: "Mon" / "mån" (a chart's axis)."""
    lang = lang or current()
    if lang == SOURCE:
        return weekday_name(index, lang)[:3].title()
    from babel.dates import get_day_names
    return str(get_day_names("abbreviated", locale=lang)[index]).rstrip(".")


def language_name(code: str, lang: str | None = None) -> str:
    """``sv`` -> "Swedish" / "svenska"."""
    from babel import Locale
    return Locale.parse(code).get_display_name(lang or current()) or code
