"""Sharing levels and the one rule that combines them.

Levels are ordered from least to most revealing. A channel rule is a *cap*: what may appear in a
channel is the lower of the member's own level and the channel's cap, so a rule can only narrow.
"""

from __future__ import annotations

from enum import IntEnum

from bot.vocabulary import i18n
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, p_


class Level(IntEnum):
    PRIVATE = 0     # nothing; not even inside group totals
    AGGREGATE = 1   # only anonymous group figures with at least k contributors
    TREND = 2       # attributed, relative facts only (change %, streaks, days logged, % of goal, rank)
    PUBLIC = 3      # raw values, attributed

    @property
    def word(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        """The level's word in the current language (bot.vocabulary.i18n); the English word is typed alike."""
        return p_("level", self.word)


LEVEL_WORDS = tuple(level.word for level in Level)
# Channel caps use the same scale; "off" hides a metric completely, which is the same as private.
CAP_WORDS = ("off", "aggregate", "trend", "public")

PLAIN_WORDS = {
    Level.PRIVATE: N_("only you see it"),
    Level.AGGREGATE: (N_("only inside anonymous group totals (shown when at least {k} people who "
                         "don't show their numbers by name contribute, and never precise enough to "
                         "work yours out)")),
    Level.TREND: (N_("your name with rough progress only (change in steps of 10%, days logged, "
                     "streaks, about how close to your goal), never a number")),
    Level.PUBLIC: N_("your name with the actual numbers"),
}

CAP_PLAIN_WORDS = {
    Level.PRIVATE: N_("hidden here"),
    Level.AGGREGATE: N_("anonymous group totals only"),
    Level.TREND: N_("relative progress at most, no raw numbers"),
    Level.PUBLIC: N_("numbers allowed (if the member chose public)"),
}


# Words people use for a level: refused, but the refusal (and `did you mean`) names the product's word.
LEVEL_SYNONYMS = {"everyone": Level.PUBLIC, "everybody": Level.PUBLIC, "open": Level.PUBLIC,
                  "me": Level.PRIVATE, "nobody": Level.PRIVATE, "hidden": Level.PRIVATE,
                  "anonymous": Level.AGGREGATE, "group": Level.AGGREGATE, "relative": Level.TREND}


def _english(word: str) -> str:
    """A level word typed in any language the bot speaks, as its English word (`offentlig` -> `public`)."""
    for lang in i18n.available()[1:]:
        for english in (*LEVEL_WORDS, *CAP_WORDS):
            if i18n.word("level", english, lang).lower() == word:
                return english
    return word


def parse_level(text: str) -> Level:
    word = _english(text.strip().lower())
    for level in Level:
        if level.word == word:
            return level
    same = _(" (for `{word}`, write `{word2}`)", word=word, word2=LEVEL_SYNONYMS[word].word) if word in LEVEL_SYNONYMS else ""
    raise UserError(_("Sharing level must be one of: {join}{same}.", join=', '.join(lv.label for lv in Level), same=same))


def parse_cap(text: str) -> Level:
    word = _english(text.strip().lower())
    if word in ("off", "private", "none"):
        return Level.PRIVATE
    if word in CAP_WORDS:
        return parse_level(word)
    words = ", ".join(p_("level", w) for w in CAP_WORDS)
    raise UserError(_("A channel rule must be one of: {join}.", join=words))


def cap_word(level: Level) -> str:
    """The cap's word in the current language."""
    return p_("level", "off") if level is Level.PRIVATE else level.label


def effective_level(member_level: Level, channel_cap: Level) -> Level:
    """What may appear in a channel: never more than either the member or the channel allows."""
    lower = member_level if member_level <= channel_cap else channel_cap
    return lower if type(lower) is Level else Level(lower)   # (no enum call when both are Levels: 10,000 a check-in)
