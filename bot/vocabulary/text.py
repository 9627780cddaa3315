"""Cleaning text that came from members: the one place that says which characters are unsafe where.

Every reply that quotes what someone typed goes through :func:`echo`, so that a line such as
``@everyone **x**`` can never ping or format anything, and at most ``ECHO`` characters come back.
Names that appear in posts (display names, channel and challenge names) go through :func:`name`;
notes and free text keep every printable character (:func:`printable`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.vocabulary.i18n import _

MAX_INPUT = 40          # longer values or days are typos or abuse, never a quantity or a date
ECHO = 20               # at most this much of the member's text goes back into a reply
MARKUP = frozenset("`@<>*_~|\\")           # formats or mentions in Discord and Matrix markdown
NAME_UNSAFE = MARKUP | frozenset("[]#")     # names shown in posts: also link text and channel references
ECHO_UNSAFE = NAME_UNSAFE | frozenset("():")   # quoting a member back: also link targets and emoji codes
WORDS_UNSAFE = MARKUP | frozenset("[]")       # a member's own words in a post: also masked links [text](url)
_LINE_START = re.compile(r"^(?:-?#+|\s)+")  # Discord headings (# big, -# small) where a line starts


def printable(text: str) -> str:
    """The text without control characters (newlines, bidi overrides, NULs)."""
    return "".join(c for c in str(text) if c.isprintable())


def without(text: str, unsafe: frozenset[str]) -> str:
    """Printable characters only, and none of ``unsafe``."""
    return "".join(c for c in str(text) if c.isprintable() and c not in unsafe)


def is_plain(word: str) -> bool:
    """Safe to show back as it is: printable and free of markup and mentions."""
    return word.isprintable() and not any(c in MARKUP for c in word)


def clipped(text: str, limit: int) -> str:
    return text[:limit] + ("…" if len(text) > limit else "")


def name(text: str, limit: int) -> str:
    """A name for posts: no mentions, markup, links or control characters; at most ``limit`` long."""
    return without(text, NAME_UNSAFE).strip()[:limit]


def own_words(text: str) -> str:
    """A member's own words for a post (`share`): one line of printable text with no mentions, markup,
    masked links or heading marks, so the bot's post can never ping, format or disguise anything."""
    one_line = " ".join(without(" ".join(str(text).split()), WORDS_UNSAFE).split())   # line breaks become spaces
    return _LINE_START.sub("", one_line).strip()


def echo(text: str) -> str:
    """A short, inert copy of what the member typed, safe to show back in chat."""
    return clipped(without(text, ECHO_UNSAFE).strip(), ECHO)


def quoted(text: str) -> str:
    shown = echo(text)
    return f"`{shown}`" if shown else "that"


def or_list(items: Iterable[str], quote: bool = False) -> str:
    """ "a, b or c" in the current language."""
    items = [f"`{i}`" if quote else i for i in items]
    return items[0] if len(items) == 1 else _("{items} or {last}", items=", ".join(items[:-1]), last=items[-1])


def and_list(items: Iterable[str]) -> str:
    """ "a, b and c" in the current language."""
    items = list(items)
    return items[0] if len(items) == 1 else _("{items} and {last}", items=", ".join(items[:-1]), last=items[-1])


def either(items: Iterable[str]) -> str:
    """ "a or b or c": alternatives to type, in the current language."""
    return _(" or ").join(items)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
