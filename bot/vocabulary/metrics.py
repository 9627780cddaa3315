"""The metric catalogue and the units people type.

Values are stored in one canonical unit per metric (steps, hours, bpm, kg, /10, minutes, litres) so
that sums, averages and charts never mix units. Parsing accepts what people actually write (`7h30m`,
`7.5h`, `8,000`, `82.5kg`, `181 lb`, `62 bpm`), and every failure is a :class:`UserError` with one
friendly line saying what would be accepted: a typo must never crash a command or store a guess.

Numbers: digits 0-9 only (other scripts' digits are refused explicitly, because ``float()`` would
quietly accept some of them). A comma followed by exactly three digits is a thousands separator
(``8,000``, ``1,234.5``) unless the number starts with ``0`` (``0,500`` is half); any other comma
is a decimal comma (``82,5``). A space also separates thousands (``8 000``). A dot is always a
decimal point. Exponents, ``nan`` and ``inf`` are not numbers here.

Everything here is pure: no I/O, no clock. Days (`yesterday`, `24 Nov`) are read by :mod:`bot.vocabulary.dates`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.vocabulary import i18n

# Days used to live here: the names stay importable from this module.
from bot.vocabulary.dates import MAX_DAYS_BACK, close_date_word, looks_like_when, parse_when, when_words_start  # noqa: F401
from bot.vocabulary.errors import Ambiguous, Unreadable, UserError
from bot.vocabulary.i18n import N_, _, np_, p_
from bot.vocabulary.text import MAX_INPUT, cap, echo, or_list, quoted

_RESERVED = {"all"}     # `privacy set all ...` must keep meaning every metric


@dataclass(frozen=True)
class MetricPart:
    """One named part of a paired metric (blood pressure's systolic and diastolic): its own range in
    the metric's unit. Each part is kept as its own series, keyed ``<metric>.<part>`` (:func:`series_key`)."""

    key: str
    name: str
    minimum: float
    maximum: float


@dataclass(frozen=True)
class MetricDef:
    """One loggable metric; ``minimum``/``maximum`` are inclusive and in the canonical ``unit``."""

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
    adds: bool = False     # a second log the same day adds to it (water, exercise) instead of replacing it
    alternatives: tuple[tuple[str, float], ...] = ()   # a custom metric's other units: (unit, factor into `unit`)
    parts: tuple[MetricPart, ...] = ()   # a paired metric's parts, in the order they are typed
    ordered: bool = True    # a pair's first part is never below the next (blood pressure); a moderator's may not be

    @property
    def paired(self) -> bool:
        return bool(self.parts)

    def series_keys(self) -> tuple[str, ...]:
        """The keys its values are stored under: its own key, or one per part (``bp.systolic``, ``bp.diastolic``)."""
        return tuple(series_key(self, p) for p in self.parts) if self.parts else (self.key,)

    @property
    def label(self) -> str:
        """The name shown, in the current language (a community's own metric keeps its name)."""
        return self.name if self.custom else p_("metric", self.name)

    @property
    def term(self) -> str:
        """The word lists and hints show for it, typed as is: its key in English (`rhr`), its name in
        another language (`vilopuls`), which commands accept as well."""
        return self.key if self.custom or i18n.current() == i18n.SOURCE else self.label

    @property
    def about(self) -> str:
        """The help shown, in the current language."""
        if self.custom or not self.help:
            return self.help
        what = _(_BUILTIN_WHAT.get(self.key, ""))
        typed = pair_examples(self) if self.parts else _typed_examples(_READINGS[self.key].examples)
        return f"{what}: {or_list(typed)}" if what else self.help

    def local_aliases(self) -> tuple[str, ...]:
        """The other words for it to show a member: the current language's first (its key and English
        words among them, which work as well), then the English aliases."""
        if self.custom or i18n.current() == i18n.SOURCE:
            return self.aliases
        extra = p_("metric aliases", self.name)
        local = [w.strip() for w in extra.split(",") if w.strip()] if extra != self.name else []
        return tuple(dict.fromkeys([*local, self.key, *self.aliases]))

    def names(self) -> tuple[str, ...]:
        """Every word a member may name it by: key, name, aliases, and for a built-in metric its name
        and aliases in every language the bot speaks (`logga steg 8000` works for everyone)."""
        words = [self.key, self.name, *self.aliases]
        if not self.custom:
            for lang in i18n.available()[1:]:
                words.append(i18n.word("metric", self.name, lang))
                extra = i18n.word("metric aliases", self.name, lang)
                if extra != self.name:
                    words.extend(w.strip() for w in extra.split(",") if w.strip())
        return tuple(dict.fromkeys(w for w in words if w))


# ---- text hygiene ----------------------------------------------------------------------------

def _tidy(text: str, what: str, examples: tuple[str, ...]) -> str:
    """Collapse whitespace and refuse what can never be a value (empty, too long, control characters).

    Unicode spaces (no-break, thin) become plain spaces: phones and French keyboards type them in
    ``8 000``. Non-ASCII digits are checked later, once a custom unit such as ``°C`` is off.
    """
    try_ = _("try {examples}", examples=or_list(examples, quote=True))
    if not isinstance(text, str) or not text.strip():
        raise Unreadable(_("Please give a value for {what}: {try_}.", what=what, try_=try_))
    if len(text) > MAX_INPUT:
        raise Unreadable(_("That's too long to be a value for {what}: {try_}.", what=what, try_=try_))
    text = "".join(" " if unicodedata.category(c) == "Zs" else c for c in text)
    if any(not c.isprintable() for c in text):
        raise Unreadable(_("That value has a hidden or control character in it: {try_}.", try_=try_))
    return " ".join(text.split())


def _require_ascii(text: str, what: str, examples: tuple[str, ...]) -> None:
    if not text.isascii():
        digits = any(unicodedata.category(c) == "Nd" or unicodedata.numeric(c, None) is not None for c in text)
        why = _("I can only read the digits 0-9") if digits else _("I can only read plain letters and the digits 0-9")
        raise Unreadable(_("{why} for {what}: try {or_list}.", why=why, what=what, or_list=or_list(examples, quote=True)))


# ---- numbers and unit words ------------------------------------------------------------------

# One number: comma-grouped thousands (with an optional decimal point), space-grouped thousands
# (with an optional decimal point or comma), a plain number with a decimal point or comma, or ".5".
_NUM = (r"[+-]?(?:[1-9]\d{0,2}(?:(?:,\d{3})+(?!\d)(?:\.\d+)?|(?: \d{3})+(?!\d)(?:[.,]\d+)?)"
        r"|\d+(?:[.,]\d+)?|[.,]\d+)")
_UNIT_WORD = r"(?:/ ?\d+|[a-z]+ ?/ ?[a-z]+|[a-z][a-z.]*(?: [a-z][a-z.]*)?)"
_TERM = re.compile(rf"( ?)({_NUM}) ?({_UNIT_WORD})?")
_CLOCK = re.compile(r"(\d{1,3}):([0-5]\d)")


def _number(text: str) -> float:
    """Value of a string matched by ``_NUM`` (ASCII only, so ``float`` sees nothing surprising).
    ``8,500`` groups thousands for a member who writes 7.5, and is 8.5 for one who writes 7,5 (the
    language they read, bot.vocabulary.i18n); ``8 500`` groups thousands for everyone, ``1,234.5`` is English."""
    english_grouped = re.fullmatch(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", text)
    if english_grouped and (i18n.decimal_mark() == "." or "." in text):
        text = text.replace(",", "")
    else:
        text = text.replace(" ", "").replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def _spellings(symbol: str, *words: str) -> dict[str, str]:
    return dict.fromkeys((symbol.lower(), *words), symbol)


# What people type -> one unit symbol. Unit words are compared lowercased without spaces or dots,
# so "fl. oz", "fl oz" and "floz" are the same word, as are "8k steps" and "8ksteps".
_SPELLINGS: dict[str, str] = {
    "": "",
    **_spellings("steps", "step", "steg"),
    **_spellings("k", "ksteps", "kstep"),
    **_spellings("h", "hr", "hrs", "hour", "hours", "tim", "timme", "timmar"),
    **_spellings("min", "m", "mins", "minute", "minutes", "minut", "minuter"),
    **_spellings("bpm", "beats", "slag"),
    **_spellings("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"),
    **_spellings("lb", "lbs", "pound", "pounds", "pund"),
    **_spellings("st", "stone", "stones"),
    **_spellings("/10"),
    **_spellings("L", "litre", "litres", "liter", "liters"),
    **_spellings("ml", "millilitre", "millilitres", "milliliter", "milliliters"),
    **_spellings("cup", "cups", "glass", "glasses", "kopp", "koppar", "glas"),
    **_spellings("floz", "oz", "ounce", "ounces", "fluidounce", "fluidounces"),
    **_spellings("gal", "gallon", "gallons"),
    **_spellings("pint", "pints", "pt"),
    **_spellings("km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"),
    **_spellings("mi", "mile", "miles"),
    **_spellings("metre", "metres", "meter", "meters"),
    **_spellings("mmol/L", "mmol", "mmoll"),
    **_spellings("mg/dL", "mgdl", "mg"),
    **_spellings("cm", "cms", "centimetre", "centimetres", "centimeter", "centimeters"),
    **_spellings("in", "inch", "inches", "tum"),
}
del _SPELLINGS["in"]      # "log steps 8000 in the park": only waist reads `in` as inches (_WAIST_WORDS)
# Words a distance metric reads differently: there, `m` is metres, not minutes.
_DISTANCE_WORDS = {"m": "metre", "k": "km"}
_WAIST_WORDS = {"in": "in"}

LB = 0.45359237          # kg, exact by definition
STONE = 14 * LB
US_FL_OZ = 0.0295735     # L
CUP = 0.25               # L, a "metric cup": people who say cups mean a glass, not 236.6 ml
US_GALLON = 3.785411784  # L
US_PINT = 0.473176473    # L
MILE = 1.609344          # km, exact by definition
INCH = 2.54              # cm, exact by definition
# mg/dL per mmol/L depends on the substance (its molar mass / 10): the one place these factors live, for
# the built-in lab metrics and for a moderator's metric whose name says the substance (mg_per_mmol).
GLUCOSE_MG_PER_MMOL = 18.016        # glucose, 180.16 g/mol
CHOLESTEROL_MG_PER_MMOL = 38.67     # cholesterol (total, LDL, HDL), 386.7 g/mol


def _terms(text: str, words: dict[str, str] | None = None) -> list[tuple[float, str, str]]:
    """Split ``7h 30m`` into [(7, "h", "7"), (30, "min", "30")] (value, unit symbol, number as typed);
    raises ValueError on anything else. ``words`` overrides spellings for one metric."""
    terms: list[tuple[float, str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or (terms and not m.group(1) and text[pos - 1].isdigit()):
            raise ValueError("unreadable")
        if terms and m.group(2)[0] in "+-":
            raise ValueError("sign inside a value")
        word = re.sub(r"[ .]", "", m.group(3) or "")
        symbol = (words or {}).get(word, _SPELLINGS.get(word))
        if symbol is None:
            raise ValueError("unknown unit")
        terms.append((_number(m.group(2)), symbol, m.group(2)))
        pos = m.end()
    if not terms:
        raise ValueError("empty")
    return terms


# ---- how each kind of metric is read and shown -----------------------------------------------

def _decimal(value: float, places: int) -> str:
    """``1234.50`` -> ``1,234.5``: thousands separators, no trailing zeros, never ``-0``."""
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "+0") else text


def _shown(value: float, places: int) -> str:
    """:func:`_decimal` as the member's language writes it (``1 234,5``); it reads back in that language."""
    return i18n.marks(_decimal(value, places))


def _hours_minutes(total_minutes: float, minutes_word: str) -> str:
    """``450`` -> ``7h 30m``; under an hour -> ``45m`` / ``45 min`` (both read back)."""
    total = round(total_minutes)
    sign, total = ("-" if total < 0 else ""), abs(total)
    h, m = divmod(total, 60)
    if h == 0:
        return f"{sign}{m}{minutes_word}" if m else ("0h" if minutes_word == "m" else "0 min")  # i18n: unit symbols
    return f"{sign}{h}h {m}m" if m else f"{sign}{h}h"


@dataclass(frozen=True)
class Quantity:
    """A value as read: ``value`` in the canonical unit, ``unit`` the symbol typed ("" for a bare number)."""

    value: float
    unit: str


@dataclass(frozen=True)
class _Reading:
    """How one metric's values are typed and shown. ``units``: unit symbol -> factor into the
    canonical unit ("" is a bare number). ``pair``: a two-part value like ``7h 30m``/``13st 2lb``
    (big unit, small unit; a bare second number takes the small one). ``clock``: ``7:30`` means
    hours and minutes. ``also``: a second unit shown in range errors, for people who think in it.
    ``imperial``: (unit symbol, how to show) for members who chose imperial units. ``offsets``:
    units that also shift (°F -> °C). ``words``: spellings this metric reads its own way."""

    units: dict[str, float]
    show: Callable[[float], str]
    examples: tuple[str, ...]
    whole: bool = False
    pair: tuple[str, str] | None = None
    clock: bool = False
    also: tuple[str, float] | None = None
    imperial: tuple[str, Callable[[float], str]] | None = None
    offsets: dict[str, float] = dataclasses.field(default_factory=dict)
    words: dict[str, str] = dataclasses.field(default_factory=dict)
    mixups: tuple[str, ...] | None = None   # units of another system a bare number may have been meant in (None: all)

    def convert(self, value: float, unit: str) -> float:
        return value * self.units[unit] + self.offsets.get(unit, 0.0)

    def read(self, text: str, bare: str = "") -> Quantity:
        """The canonical value of ``text`` (no range check); raises ValueError when unreadable,
        UserError when readable but wrong (a component out of its range, ``7h99m``)."""
        m = _CLOCK.fullmatch(text) if self.clock else None
        if m:
            return Quantity((int(m.group(1)) + int(m.group(2)) / 60) * self.units["h"], "h")
        terms = _terms(text, self.words)
        if len(terms) == 1 and terms[0][1] in self.units:
            value, unit, _x = terms[0]
            unit = unit or bare
            return Quantity(self.convert(value, unit), unit if terms[0][1] else "")
        if len(terms) == 2 and self.pair:
            (big, big_unit, _x), (small, small_unit, typed) = terms
            if big_unit == self.pair[0] and small_unit in ("", self.pair[1]):
                ratio = self.units[self.pair[0]] / self.units[self.pair[1]]
                if small >= ratio:
                    whole, rest = divmod(big * ratio + small, ratio)
                    big_word, small_word = _PAIR_WORDS[self.pair]
                    raise UserError(_("`{echo}` {value} is more than {value2}: if you meant that, "
                                      "write `{decimal}{value3}{decimal2}{value4}`.", echo=echo(typed), value=_(small_word[0]), value2=_(big_word[0]), decimal=_decimal(whole, 0), value3=big_word[1], decimal2=_decimal(rest, 2), value4=small_word[1]))
                return Quantity(big * self.units[self.pair[0]] + small * self.units[self.pair[1]], self.pair[0])
        raise ValueError("unit not accepted")

    def unit_words(self) -> set[str]:
        """Every unit spelling this metric accepts (lowercase, no spaces or dots)."""
        return {w for w, sym in {**_SPELLINGS, **self.words}.items() if w and sym in self.units}


_PAIR_WORDS = {("h", "min"): ((N_("an hour"), "h"), (N_("minutes"), "m")),
               ("st", "lb"): ((N_("a stone"), "st"), (N_("pounds"), "lb"))}

_READINGS: dict[str, _Reading] = {
    "steps": _Reading({"": 1, "steps": 1, "step": 1, "k": 1000}, lambda v: np_("unit", "{n} step", "{n} steps", round(v)),
                      ("8000", "8,000", "8k"), whole=True, mixups=()),
    "sleep": _Reading({"": 1, "h": 1, "min": 1 / 60}, lambda v: _hours_minutes(v * 60, "m"),
                      ("7h30m", "7.5h", "7:30", "450m"), pair=("h", "min"), clock=True, mixups=()),
    "rhr": _Reading({"": 1, "bpm": 1}, lambda v: f"{_shown(v, 1)} bpm", ("62", "62 bpm"), mixups=()),
    "weight": _Reading({"": 1, "kg": 1, "lb": LB, "st": STONE}, lambda v: f"{_shown(v, 1)} kg",
                       ("82.5kg", "181 lb", "13st 2lb"), pair=("st", "lb"), also=("lb", LB),
                       imperial=("lb", lambda v: f"{_shown(v / LB, 1)} lb")),
    "mood": _Reading({"": 1, "/10": 1}, lambda v: f"{_shown(v, 1)}/10", ("7", "7/10"), whole=True, mixups=()),
    "exercise": _Reading({"": 1, "min": 1, "h": 60}, lambda v: _hours_minutes(v, " min"),
                         ("45", "45 min", "1h15m"), pair=("h", "min"), clock=True, mixups=()),
    "water": _Reading({"": 1, "L": 1, "ml": 0.001, "cup": CUP, "floz": US_FL_OZ, "gal": US_GALLON, "pint": US_PINT},
                      lambda v: f"{_shown(v, 2)} L", ("1.5L", "1500ml", "6 cups", "16 oz"),
                      imperial=("floz", lambda v: f"{_shown(v / US_FL_OZ, 1)} fl oz"), mixups=("floz", "L")),
    "distance": _Reading({"": 1, "km": 1, "mi": MILE, "metre": 0.001}, lambda v: f"{_shown(v, 2)} km",
                         ("5 km", "3.1 mi", "800 m"), words=_DISTANCE_WORDS,
                         imperial=("mi", lambda v: f"{_shown(v / MILE, 2)} mi"), mixups=("mi", "km")),
    # Lab values are kept in mmol/L (as Swedish labs report them); a member who chose imperial (US) units
    # reads and types mg/dL, converted with the substance's own factor.
    "glucose": _Reading({"": 1, "mmol/L": 1, "mg/dL": 1 / GLUCOSE_MG_PER_MMOL}, lambda v: f"{_shown(v, 2)} mmol/L",
                        ("5.5", "5.5 mmol/L", "99 mg/dL"), also=("mg/dL", 1 / GLUCOSE_MG_PER_MMOL),
                        imperial=("mg/dL", lambda v: f"{_shown(v * GLUCOSE_MG_PER_MMOL, 0)} mg/dL")),
    "cholesterol": _Reading({"": 1, "mmol/L": 1, "mg/dL": 1 / CHOLESTEROL_MG_PER_MMOL},
                            lambda v: f"{_shown(v, 2)} mmol/L", ("5.2", "5.2 mmol/L", "201 mg/dL"),
                            also=("mg/dL", 1 / CHOLESTEROL_MG_PER_MMOL),
                            imperial=("mg/dL", lambda v: f"{_shown(v * CHOLESTEROL_MG_PER_MMOL, 0)} mg/dL")),
    "waist": _Reading({"": 1, "cm": 1, "in": INCH}, lambda v: f"{_shown(v, 1)} cm", ("88", "88 cm", "34.5 in"),
                      words=_WAIST_WORDS, also=("in", INCH), imperial=("in", lambda v: f"{_shown(v / INCH, 1)} in")),
}


_BUILTIN_WHAT: dict[str, str] = {}   # key -> what a built-in metric is (translated when shown)


def _builtin(key: str, name: str, unit: str, low: float, high: float, what: str, aliases: tuple[str, ...] = (),
             sensitive: bool = False, better: bool | None = None, adds: bool = False) -> MetricDef:
    help_ = f"{what}: {or_list(_READINGS[key].examples)}"
    _BUILTIN_WHAT[key] = what
    return MetricDef(key, name, unit, low, high, aliases, sensitive, False, help_, better, adds)


#: Blood pressure, the first paired metric (issue 26): two parts, each stored as its own series
#: (``bp.systolic``, ``bp.diastolic``); its sharing levels, channel rules and ledger entries stay on ``bp``.
BLOOD_PRESSURE = MetricDef(
    "bp", N_("blood pressure"), "mmHg", 40, 260, ("blodtryck", "blood pressure", "bloodpressure"), sensitive=True,
    help=N_("blood pressure, systolic/diastolic in mmHg"),
    parts=(MetricPart("systolic", N_("systolic"), 60, 260), MetricPart("diastolic", N_("diastolic"), 30, 160)))
_BUILTIN_WHAT["bp"] = BLOOD_PRESSURE.help


BUILTIN_METRICS: tuple[MetricDef, ...] = (
    _builtin("steps", "steps", "steps", 0, 200_000, N_("steps walked"), ("step", "walk", "walking"), better=True),
    _builtin("sleep", "sleep", "h", 0, 24, N_("hours slept"), ("slept", "sleeping")),
    _builtin("rhr", N_("resting heart rate"), "bpm", 25, 250, N_("resting heart rate in bpm"),
             ("heart", "heart rate", "heartrate", "hr", "resting_hr", "pulse"), sensitive=True),
    _builtin("weight", "weight", "kg", 20, 400, N_("body weight"), ("weigh", "bodyweight"), sensitive=True),
    _builtin("mood", "mood", "/10", 1, 10, N_("mood from 1 to 10"), ("feeling",), sensitive=True, better=True),
    _builtin("exercise", "exercise", "min", 0, 1440, N_("minutes of exercise"), ("workout", "training", "active"),
             better=True, adds=True),
    _builtin("water", "water", "L", 0, 20, N_("water drunk"), ("drink", "hydration"), better=True, adds=True),
    _builtin("distance", "distance", "km", 0, 500, N_("distance walked, run or cycled"), ("dist", "run", "ride", "km"),
             better=True, adds=True),
    BLOOD_PRESSURE,
    # Ranges whose bounds read back in both units at the shown precision (a meter's 0.6-33.3 mmol/L is 11-600 mg/dL).
    _builtin("glucose", N_("glucose"), "mmol/L", 0.6, 33.3, N_("blood glucose in mmol/L or mg/dL"),
             ("blood glucose", "blood sugar", "bloodsugar"), sensitive=True),
    _builtin("cholesterol", N_("cholesterol"), "mmol/L", 1, 20, N_("total cholesterol in mmol/L or mg/dL"),
             ("total cholesterol", "chol"), sensitive=True),
    _builtin("waist", N_("waist"), "cm", 50, 250, N_("waist circumference in cm or inches"),
             ("waist circumference", "waistline"), sensitive=True),
)


# ---- custom metrics --------------------------------------------------------------------------

def _custom_places(value: float) -> int:
    """Two decimals for ordinary values, more for small ones, so that tiny ranges still read back."""
    size = abs(value)
    return 2 if size >= 1 or size == 0 else min(9, 2 - math.floor(math.log10(size)))


def _custom_show(unit: str) -> Callable[[float], str]:
    gap = " " if unit[:1].isalpha() else ""      # "3 cups", but "50%" and "20°C"

    def show(v: float) -> str:
        number = _decimal(v, _custom_places(v))
        return f"{i18n.marks(number)}{gap}{_counted(unit, number)}"

    return show


def _counted(unit: str, number: str) -> str:
    """``1 cup``, ``2 cups``: a plural unit word reads singular after exactly one (parsing accepts both)."""
    if number == "1" and len(unit) > 2 and unit.endswith("s") and not unit.endswith("ss") and unit.isalpha():
        return unit[:-1]
    return unit


# Families of units a moderator's metric may be typed in, whatever unit it is kept in. Each unit:
# spellings (lowercase, no spaces, dots or degree signs), factor and offset into the family's base.
# mg/dL <-> mmol/L depends on the substance: the factor here is glucose's; custom_units puts in the
# factor of the substance a metric's name says (mg_per_mmol).
_FAMILIES: tuple[dict[str, tuple[tuple[str, ...], float, float]], ...] = (  # i18n: unit words, typed
    {"°C": (("c", "degc", "celsius", "degreesc"), 1, 0),
     "°F": (("f", "degf", "fahrenheit", "degreesf"), 5 / 9, -32 * 5 / 9)},
    {"mg/dL": (("mg/dl", "mgdl", "mg/100ml"), 1, 0),
     "mmol/L": (("mmol/l", "mmol", "mmoll"), GLUCOSE_MG_PER_MMOL, 0)},
    {"km": (("km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"), 1, 0),
     "mi": (("mi", "mile", "miles"), MILE, 0), "m": (("m", "metre", "metres", "meter", "meters"), 0.001, 0)},
    {"kg": (("kg", "kgs", "kilo", "kilos"), 1, 0), "lb": (("lb", "lbs", "pound", "pounds"), LB, 0),
     "g": (("g", "gram", "grams"), 0.001, 0)},
    {"min": (("min", "mins", "minute", "minutes"), 1, 0), "h": (("h", "hr", "hrs", "hour", "hours"), 60, 0),
     "s": (("s", "sec", "secs", "second", "seconds"), 1 / 60, 0)},
    {"L": (("l", "litre", "litres", "liter", "liters"), 1, 0), "ml": (("ml",), 0.001, 0),
     "fl oz": (("floz", "oz"), US_FL_OZ, 0)},
)
_IMPERIAL = {"°C": "°F", "km": "mi", "kg": "lb", "L": "fl oz", "m": "mi"}  # i18n: unit symbols


def _unit_key(word: str) -> str:
    return re.sub(r"[\s.°]|degrees?", "", word.lower())


def _family(unit: str) -> dict[str, tuple[tuple[str, ...], float, float]] | None:
    key = _unit_key(unit)
    return next((f for f in _FAMILIES if any(key == _unit_key(sym) or key in words for sym, (words, _, _) in f.items())), None)


def _family_symbol(family: dict[str, tuple[tuple[str, ...], float, float]], unit: str) -> str:
    key = _unit_key(unit)
    return next(sym for sym, (words, _, _) in family.items() if key == _unit_key(sym) or key in words)


def custom_units(metric: MetricDef) -> dict[str, tuple[float, float]]:
    """Unit symbol -> (factor, offset) into a moderator's metric's own unit; its own unit first."""
    family = _family(metric.unit)
    given = {u: (f, 0.0) for u, f in metric.alternatives}
    if family is not None and _family_symbol(family, metric.unit) in ("mg/dL", "mmol/L"):
        per = mg_per_mmol(metric.key)
        if per is None:      # another substance: no factor to guess (the moderator may give one)
            return {metric.unit: (1.0, 0.0), **given}
        family = {sym: (words, per if sym == "mmol/L" else factor, offset) for sym, (words, factor, offset) in family.items()}
    if family is None:
        return {metric.unit: (1.0, 0.0), **given}
    own = _family_symbol(family, metric.unit)
    _x, base_factor, base_offset = family[own]
    out = {metric.unit: (1.0, 0.0)}
    for sym, (_x, factor, offset) in family.items():
        if sym != own:   # value_in_own = (value * factor + offset - base_offset) / base_factor
            out[sym] = (factor / base_factor, (offset - base_offset) / base_factor)
    return {**out, **given}      # a factor the moderator gave wins (another substance's mmol/L)


# Words in a metric's name that say its substance, with that substance's mg/dL per mmol/L.
_SUBSTANCES = ((("glucose", "glukos", "sugar", "socker", "bg"), GLUCOSE_MG_PER_MMOL),  # i18n: name words
               (("cholesterol", "kolesterol", "ldl", "hdl"), CHOLESTEROL_MG_PER_MMOL))


def mg_per_mmol(key: str) -> float | None:
    """mg/dL per mmol/L of the substance a metric's key names (`glucose`, `fasting-bg`: 18.016;
    `cholesterol`, `ldl`: 38.67), or None when it names none: the built-in lab metrics and moderators'
    metrics convert with the same factors."""
    return next((per for words, per in _SUBSTANCES if any(w in key.lower() for w in words)), None)


def _custom_reading(metric: MetricDef) -> _Reading:
    show = _custom_show(metric.unit)
    mid = (metric.minimum + metric.maximum) / 2
    rounded = float(f"{mid:.1g}")
    example = rounded if metric.minimum <= rounded <= metric.maximum else mid
    number = _decimal(example, _custom_places(example)).replace(",", "")
    units = custom_units(metric)
    family = _family(metric.unit)
    imperial = _IMPERIAL.get(_family_symbol(family, metric.unit)) if family and len(units) > 1 else None
    if imperial in units:
        factor, offset = units[imperial]
        imperial_show = _custom_show(imperial)
        shown_imperial = (imperial, lambda v: imperial_show((v - offset) / factor))
    else:
        shown_imperial = None
    return _Reading({"": 1, **{u: f for u, (f, _) in units.items()}}, show, (number, show(example)),
                    imperial=shown_imperial, offsets={u: o for u, (_, o) in units.items() if o})


def _read_custom(metric: MetricDef, reading: _Reading, text: str, bare: str) -> Quantity:
    """A moderator's metric takes one number and, optionally, a unit of its family (``40 F``, ``5.5 mmol/L``)."""
    m = re.fullmatch(rf"({_NUM}) ?(.*)", text)
    if m is None:
        raise ValueError("unreadable")
    number, word = _number(m.group(1)), m.group(2).strip()
    if not word:
        unit = bare if bare in reading.units else ""
        return Quantity(reading.convert(number, unit), "")
    for unit in reading.units:
        if unit and _unit_matches(word, unit, metric):
            return Quantity(reading.convert(number, unit), unit)
    raise ValueError("unit not accepted")


def _unit_matches(word: str, unit: str, metric: MetricDef) -> bool:
    given = unit == metric.unit or unit in (u for u, _ in metric.alternatives)
    if given and _strip_unit(f"1 {word}", unit) == "1":
        return True
    family = _family(unit)
    if family is None:
        return False
    key = _unit_key(word)
    words, _x, _y = family[_family_symbol(family, unit)]
    return key == _unit_key(unit) or key in words


def _strip_unit(text: str, unit: str) -> str:
    """``3 cups`` -> ``3`` for the unit ``cups`` (also ``1 cup``); case-insensitive."""
    forms = {unit, unit + "s"} | ({unit[:-1]} if len(unit) > 1 and unit.endswith("s") else set())
    for form in sorted(forms, key=len, reverse=True):
        if len(text) > len(form) and text[-len(form):].lower() == form.lower():
            return text[:-len(form)].rstrip()
    return text


_UNIT_FORBIDDEN = set("`*_~|<>[]()\\#@:")


def _check_unit(unit: str) -> str:
    unit = unit.strip() if isinstance(unit, str) else ""
    if (not 1 <= len(unit) <= 12 or any(not c.isprintable() or c.isspace() or c in _UNIT_FORBIDDEN for c in unit)
            or unit[0] in "+-.,0123456789" or unicodedata.category(unit[0]) == "Nd"):
        raise UserError(_("A unit is one short word (up to 12 characters, no spaces or symbols "
                          "like ` * @), e.g. `min`, `cups`, `pages` or `%`."))
    return unit


MAX_ALTERNATIVES = 4


def parse_alternatives(text: str | None, unit: str) -> tuple[tuple[str, float], ...]:
    """`chapters=20 books=300` (1 chapter is 20 pages): a custom metric's other units with their factors."""
    if not text or not text.strip():
        return ()
    out: list[tuple[str, float]] = []
    for part in re.split(r"[\s,;]+", text.strip()):
        m = re.fullmatch(r"([^=]+)=([0-9]+(?:\.[0-9]+)?)", part)
        if m is None:
            raise UserError(_("Other units are written like `mmol/L=18.016` (one of them is that "
                              "many {unit}).", unit=unit))
        other, factor = _check_unit(m.group(1)), float(m.group(2))
        if not (0 < factor <= 1e9) or other.lower() == unit.lower() or other.lower() in (u.lower() for u, _ in out):
            raise UserError(_("Each other unit needs its own name and a factor above 0, e.g. "
                              "`mmol/L=18.016`."))
        out.append((other, factor))
    if len(out) > MAX_ALTERNATIVES:
        raise UserError(_("A metric can have up to {max_alternatives} other units.", max_alternatives=MAX_ALTERNATIVES))
    return tuple(out)


def format_alternatives(alternatives: tuple[tuple[str, float], ...]) -> str:
    return " ".join(f"{u}={_decimal(f, 9).replace(',', '')}" for u, f in alternatives)


MAX_PART_NAME = 16
_PARTS_WORD = re.compile(r"(?:^|\s)parts=(\S*)", re.I)


def split_parts(text: str | None) -> tuple[str | None, str | None]:
    """`mmol/L=18.016` stays other units; `parts=left/right` (or `parts=upper>lower`) is the form of a
    paired metric: (the other units, the parts as written)."""
    if not text:
        return text, None
    m = _PARTS_WORD.search(text)
    if m is None:
        return text, None
    rest = (text[:m.start()] + " " + text[m.end():]).strip()
    return rest or None, m.group(1)


def parse_parts(text: str, minimum: float, maximum: float) -> tuple[tuple[MetricPart, ...], bool]:
    """`left/right` -> two parts in either order; `upper>lower` -> two parts, the first never below the
    second (checked on every reading). Each part takes the metric's range. Anything else: a UserError."""
    ordered = ">" in text
    names = [n.strip().lower() for n in re.split(r"[>/,]", text)]
    if (len(names) != 2 or len(set(names)) != 2 or text.count(">") > 1
            or not all(re.fullmatch(rf"[^\W\d_][\w-]{{0,{MAX_PART_NAME - 1}}}", n) for n in names)):
        raise UserError(_("A paired metric has two parts, each a short word: `parts=left/right`, or "
                          "`parts=upper>lower` when the first is never below the second."))
    return tuple(MetricPart(n, n, minimum, maximum) for n in names), ordered


def format_parts(metric: MetricDef) -> str:
    """How the parts are stored and shown to moderators: ``left/right`` or ``upper>lower``."""
    return (">" if metric.ordered else "/").join(p.key for p in metric.parts)


def custom_metric(name: str, unit: str, minimum: float, maximum: float, stored: bool = False,
                  alternatives: str | None = None, parts: str | None = None) -> MetricDef:
    """A moderator's metric (``mod metric add meditation min 0 240``), validated so that it can be
    typed, shown in chat without side effects, and stored safely. Also rebuilds stored rows
    (``stored``: a row from before a built-in of the same name was added is kept, not refused).
    ``alternatives``: other units with their factors (``mmol/L=18.016``)."""
    key = name.strip().lower() if isinstance(name, str) else ""
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,23}", key):
        raise UserError(_("A metric name is one word of 1-24 letters, digits, - or _, starting "
                          "with a letter, e.g. `meditation`."))
    if key in _RESERVED:
        raise UserError(_("`{key}` is a reserved word: pick another name, e.g. `meditation`.", key=key))
    squashed = _squash(key)
    for m in (() if stored else BUILTIN_METRICS):
        if squashed in set(map(_squash, m.names())):
            raise UserError(_("`{key}` is already a built-in metric ({builtin}): pick another name.", key=key, builtin=m.key))
    unit = _check_unit(unit)
    others = parse_alternatives(alternatives, unit)
    try:
        low, high = float(minimum), float(maximum)
    except (TypeError, ValueError, OverflowError):
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high)) or max(abs(low), abs(high)) > 1e9:
        raise UserError(_("The range must be two ordinary numbers between -1,000,000,000 and "
                          "1,000,000,000, e.g. 0 240."))
    if low >= high:
        raise UserError(_("The smallest value must be below the largest, e.g. `0 240`."))
    if parts:
        if others:
            raise UserError(_("A paired metric is typed in its own unit only: give `parts=...` without other units."))
        pair, ordered = parse_parts(parts, low + 0.0, high + 0.0)
        metric = MetricDef(key, key, unit, low + 0.0, high + 0.0, custom=True, parts=pair, ordered=ordered)
        return dataclasses.replace(metric, help=f"{'/'.join(p.key for p in pair)} in {unit}: "
                                                f"{or_list(pair_examples(metric))}")
    metric = MetricDef(key, key, unit, low + 0.0, high + 0.0, custom=True, alternatives=others)
    also = sorted(set(custom_units(metric)) - {unit})
    typed = _(" (or {join})", join=', '.join(also)) if also else ""
    return dataclasses.replace(metric, help=f"a number of {unit}{typed}: {or_list(_custom_reading(metric).examples)}")


# ---- parsing and showing values --------------------------------------------------------------

UNIT_SYSTEMS = ("metric", "imperial")


def _reading(metric: MetricDef) -> _Reading:
    if metric.parts:
        return _part_reading(metric)
    builtin = None if metric.custom else _READINGS.get(metric.key)
    return builtin or _custom_reading(metric)


def _part_reading(metric: MetricDef) -> _Reading:
    """How ONE part's value of a paired metric is shown (``128 mmHg``), for lists, charts and hints. A
    paired metric's values are read only as a whole, by :func:`parse_pair`: :func:`read_quantity` refuses."""
    return _Reading({"": 1}, lambda v: f"{_decimal(v, 0)} {metric.unit}", pair_examples(metric), whole=True, mixups=())


def _typed_examples(typed: tuple[str, ...]) -> tuple[str, ...]:
    """Examples of what to type, the way the member's language writes numbers (``7,5h``, ``8 000``)."""
    return tuple(i18n.marks(e) for e in typed)


def examples(metric: MetricDef) -> tuple[str, ...]:
    """Values of ``metric`` as people type them, for hints."""
    return _typed_examples(_reading(metric).examples)


def measured_in_units(metric: MetricDef) -> bool:
    """True if people measure this metric in units of different systems (kg or lb, L or fl oz, °C or °F),
    so that a bare number's unit matters."""
    reading = _reading(metric)
    return (reading.mixups is None and len([u for u in reading.units if u]) > 1) or bool(reading.mixups)


def bare_unit(metric: MetricDef, system: str | None) -> str:
    """The unit a bare number means for a member: the canonical one, or the imperial one if they chose it."""
    reading = _reading(metric)
    return reading.imperial[0] if system == "imperial" and reading.imperial else ""


def parse_quantity(metric: MetricDef, text: str, system: str | None = None) -> float:
    """The value in the metric's canonical unit, range-checked; anything else is one friendly UserError."""
    return read_quantity(metric, text, system).value


_THOUSANDS_DOT = re.compile(r"[+]?[1-9]\d{0,2}(?:\.\d{3})+")
_THOUSANDS_COMMA = re.compile(r"[+]?[1-9]\d{0,2}(?:,\d{3})+")   # 8,000 where a comma is the decimal mark


def read_quantity(metric: MetricDef, text: str, system: str | None = None) -> Quantity:
    """Like :func:`parse_quantity`, and says which unit was typed ("" for a bare number, which means the
    member's own unit). A whole-number metric typed as ``8.000`` raises :class:`Ambiguous`."""
    if metric.parts:   # one number can't be a pair (`goal bp 130` is refused, never stored as one part)
        raise Unreadable(_pair_accepted(metric) + ".")
    reading = _reading(metric)
    what, examples = metric.label, _typed_examples(reading.examples)
    cleaned = _tidy(text, what, examples)
    bare = bare_unit(metric, system)
    unreadable = Unreadable(_("I couldn't read {quoted} as {what}: try {or_list}.", quoted=quoted(text), what=what, or_list=or_list(examples, quote=True)))
    try:
        if metric.custom or metric.key not in _READINGS:
            match = re.match(r"\S*?(?=[^\d.,+-]|$)", cleaned)
            assert match is not None  # a lazy \S*? followed by a lookahead for $ always matches
            number = match.group(0)
            _require_ascii(number, what, examples)
            quantity = _read_custom(metric, reading, cleaned.lower(), bare)
        else:
            _require_ascii(cleaned, what, examples)
            quantity = reading.read(cleaned.lower(), bare)
    except (ValueError, ArithmeticError):
        raise unreadable from None
    if not math.isfinite(quantity.value):
        raise unreadable
    used = quantity.unit or bare
    converted = reading.units.get(used, 1) != 1 or used in reading.offsets
    # A value typed in another unit may land a rounding step past a bound (676.3 fl oz is 20.0002 L):
    # that is the bound, shown rounded, not a value outside the range.
    value = _snap(quantity.value, metric.minimum, metric.maximum, 2.5e-4 if converted else 1e-9)
    if value < metric.minimum or value > metric.maximum:
        raise UserError(_out_of_range(metric, reading, cleaned.lower(), value, bare))
    if reading.whole:
        number = cleaned.split(" ")[0].rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/")
        if _THOUSANDS_DOT.fullmatch(number):
            _ask_thousands(metric, reading, cleaned, number, value)
        elif i18n.decimal_mark() == "," and _THOUSANDS_COMMA.fullmatch(number):
            _ask_thousands(metric, reading, cleaned, number, value, ",")
        if abs(value - round(value)) > 1e-6:
            raise UserError(_("{cap} must be a whole number: try {or_list}.", cap=cap(what), or_list=or_list(examples, quote=True)))
        value = float(round(value))
    return Quantity(value + 0.0, quantity.unit)          # never -0.0


def other_readings(metric: MetricDef, text: str, system: str | None = None) -> list[tuple[str, float]]:
    """A bare number read in each of the metric's other units, where that fits the range:
    ``181`` as weight -> [("181 lb", 82.1...), ("181 st", ...)] (those in range). For asking."""
    reading = _reading(metric)
    try:
        number = _number(text.strip())
    except ValueError:
        return []
    out: list[tuple[str, float]] = []
    candidates = reading.units if reading.mixups is None else reading.mixups
    for unit in [u for u in candidates if u and u != bare_unit(metric, system)] + [metric.unit]:
        candidate = f"{_decimal(number, 6).replace(',', '')} {'fl oz' if unit == 'floz' else unit}"
        try:
            q = read_quantity(metric, candidate, system)
        except UserError:
            continue
        if q.unit and candidate not in (c for c, _ in out):
            out.append((candidate, q.value))
    return out


def _ask_thousands(metric: MetricDef, reading: _Reading, cleaned: str, number: str, value: float,
                   mark: str = ".") -> None:
    """``8.000`` steps: a decimal point (8) or a thousands dot (8,000)? Ask when both fit the range.
    The same for ``8,000`` from a member whose decimal mark is a comma (``mark``)."""
    grouped = value * 10 ** (3 * number.count(mark))
    if not (metric.minimum <= grouped <= metric.maximum):
        return
    if abs(value - round(value)) > 1e-6:       # 1.234 steps can only be 1,234 (a dot grouping thousands)
        raise Ambiguous(_("Did you mean {show}?", show=reading.show(grouped)), (f"{number.replace(mark, '')}{cleaned[len(number):]}",))
    rest = cleaned[len(number):]
    choices = (f"{number.replace(mark, '')}{rest}", f"{i18n.marks(_decimal(value, 3).replace(',', ''))}{rest}")
    raise Ambiguous(_("Did you mean {show} or {show2}?", show=reading.show(grouped), show2=reading.show(value)), choices)


def _snap(value: float, low: float, high: float, tolerance: float = 1e-9) -> float:
    """Undo float noise from unit conversion (``1440m`` of sleep is 24h, not 24.000000000000004h). The
    wider ``tolerance`` only pulls a value just *outside* the range back onto its bound: one just inside
    is a real value (112.98°F is 44.99°C, not the 45°C maximum) and stays as typed."""
    inside = low <= value <= high
    for bound in (low, high):
        gap = abs(value - bound)
        if gap <= 1e-9 * max(1.0, abs(bound)) or (not inside and gap <= tolerance * max(1.0, abs(bound))):
            return bound
    return value


_SMALL_WORDS = {"min": (N_("minutes"), "m"), "lb": (N_("pounds"), "lb")}


def _out_of_range(metric: MetricDef, reading: _Reading, text: str, value: float, bare: str = "") -> str:
    low, high = reading.show(metric.minimum), reading.show(metric.maximum)
    line = _("{cap} must be between {low} and {high}", cap=cap(metric.label), low=low, high=high)
    if reading.also:
        unit, factor = reading.also
        line += f" ({_decimal(metric.minimum / factor, 0)}-{_decimal(metric.maximum / factor, 0)} {unit})"
    if reading.pair and re.fullmatch(_NUM, text):
        # "450" as sleep is 450 hours; the member most likely meant minutes.
        small = value * reading.units[reading.pair[1]]
        if metric.minimum <= small <= metric.maximum:
            words, suffix = _SMALL_WORDS[reading.pair[1]]
            return _("{line}: for {words}, write `{echo}{suffix}`.", line=line, words=_(words), echo=echo(text), suffix=suffix)
    if re.fullmatch(_NUM, text):
        # "250" as water is 250 L; 250 ml fits. Name the first unit in which the number fits (for a
        # member whose bare number is mg/dL, `6.2 mmol/L`).
        number = _number(text)
        for unit in reading.units:
            if unit and unit != bare and (bare or reading.units[unit] != 1) and metric.minimum <= reading.convert(number, unit) <= metric.maximum:
                return _("{line}: for {unit}, write `{typed} {unit}`.", line=line, unit=_UNIT_LABELS.get(unit, unit), typed=echo(text))
    return line + "."


_UNIT_LABELS = {"floz": "fl oz", "metre": "m", "gal": "gallons", "pint": "pints", "in": "inches"}  # i18n: unit words, typed back


def format_quantity(metric: MetricDef, value: float, system: str | None = None) -> str:
    """A value in the words people use: ``8,000 steps``, ``7h 30m``, ``82.5 kg``, ``3 cups``; in
    imperial units (``181.9 lb``) for a member who chose them. Every shown value reads back through
    :func:`parse_quantity` (to the shown precision)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return "?"
    reading = _reading(metric)
    if system == "imperial" and reading.imperial:
        return reading.imperial[1](float(value))
    return reading.show(float(value))


def chart_unit(metric: MetricDef, system: str | None) -> tuple[str, Callable[[float], float]]:
    """(unit label, how to turn a stored value into it) for a member's own chart in their units."""
    reading = _reading(metric)
    if system == "imperial" and reading.imperial:
        symbol = reading.imperial[0]
        factor, offset = reading.units[symbol], reading.offsets.get(symbol, 0.0)
        return ("fl oz" if symbol == "floz" else symbol), (lambda v: (v - offset) / factor)  # i18n: a unit symbol
    return metric.unit, (lambda v: v)


def unit_words(metric: MetricDef) -> set[str]:
    """The unit spellings ``metric`` accepts, lowercase (to tell a unit from the first word of a note)."""
    reading = _reading(metric)
    if metric.custom or metric.key not in _READINGS:
        words = {_unit_key(metric.unit), metric.unit.lower()}
        for unit in reading.units:
            words |= {unit.lower(), _unit_key(unit)}
            family = _family(unit) if unit else None
            if family:
                words |= set(family[_family_symbol(family, unit)][0]) | {_unit_key(unit)}
        return words - {""}
    return reading.unit_words()


def any_unit_word(word: str) -> bool:
    """True if ``word`` is a unit of any metric (``km``, ``gallons``, ``°F``): not the start of a note."""
    key = _unit_key(word)
    return bool(key) and (key in _SPELLINGS or any(key in words or key == _unit_key(sym)
                                                   for f in _FAMILIES for sym, (words, _, _) in f.items()))


def format_change(before: float, after: float) -> str:
    """Relative change against the member's own earlier figure (a trend-level fact, no raw value)."""
    if before == after:
        return _("no change")
    if before == 0:
        return _("new")
    try:
        pct = round(100 * (after - before) / abs(before))
    except (ArithmeticError, ValueError):
        return _("no change") if before == after else "new"
    return _("no change") if pct == 0 else f"{pct:+,d}%"


# ---- names -----------------------------------------------------------------------------------

def _squash(text: str) -> str:
    """``Resting-HR``, ``resting hr`` and ``resting_hr`` are the same name."""
    return re.sub(r"[\s_-]+", "", text.lower())


ALL_WORD = "all"   # a metric parameter that allows it: every metric the community knows


def means_all(text: str) -> bool:
    """`all`, in any language the bot speaks (`alla`)."""
    word = " ".join(str(text).split()).lower()
    return word == ALL_WORD or any(i18n.word("choice", ALL_WORD, lang).lower() == word for lang in i18n.available()[1:])


def resolve_metric(text: str, available: Iterable[MetricDef]) -> MetricDef:
    """The metric a member named, by key, name or alias (case-insensitive): exact first, then ignoring
    spaces, - and _. Unknown -> UserError suggesting close names, or listing the known keys."""
    metrics = list(available)
    word = " ".join(str(text).split()).lower()[:MAX_INPUT]
    namings: tuple[Callable[[MetricDef], tuple[str, ...]], ...] = (
        lambda m: (m.key.lower(),), lambda m: (m.name.lower(),), lambda m: tuple(a.lower() for a in m.names()))
    for names in namings:
        for m in metrics:
            if word in names(m):
                return m
    squashed = _squash(word)
    for m in metrics:
        if squashed and squashed in set(map(_squash, m.names())):
            return m
    known = ", ".join(m.term for m in metrics)   # as the member would type them (`steg` in Swedish)
    if not word:
        raise UserError(_("Which metric? Try one of: {known}.", known=known))
    owner: dict[str, str] = {}
    for m in metrics:
        for n in m.names():
            owner.setdefault(n.lower(), m.term)
    close = list(dict.fromkeys(owner[c] for c in difflib.get_close_matches(word, owner, n=5, cutoff=0.6)))
    if close:
        raise UserError(_("I don't know the metric {quoted}: did you mean {or_list}?", quoted=quoted(text), or_list=or_list(close[:3], quote=True)))
    raise UserError(_("I don't know the metric {quoted}: try one of {known}.", quoted=quoted(text), known=known))



# ---- paired metrics (blood pressure) ---------------------------------------------------------

def series_key(metric: MetricDef, part: MetricPart) -> str:
    """The key one part's values are stored under: ``bp.systolic``."""
    return f"{metric.key}.{part.key}"


def split_series_key(key: str) -> tuple[str, str | None]:
    """``bp.systolic`` -> (``bp``, ``systolic``); ``steps`` -> (``steps``, None). Metric keys hold no dot."""
    metric, dot, part = key.partition(".")
    return (metric, part) if dot else (key, None)


@dataclass(frozen=True)
class PairReading:
    """A paired value as read: one number per part, in the parts' order, and a pulse only when the
    member named it (``128/82 pulse 64``), for `rhr`."""

    values: tuple[float, ...]
    pulse: float | None = None


_OVER = r"(?:/|over|över)"
_WHOLE = r"\d{1,3}"
_PAIR = re.compile(rf"({_WHOLE}) ?{_OVER} ?({_WHOLE})(?: ?mm ?hg)?")
_DECIMAL = r"\d{1,9}(?:[.,]\d{1,6})?"      # a moderator's pair: plain numbers, a decimal point or comma
_PULSE = re.compile(rf"(?:pulse|puls|hr) ?:? ?({_WHOLE})(?: ?bpm)?|({_WHOLE}) ?bpm")
PULSE_RANGE = (25, 250)   # bpm, as `rhr`


def parse_pair(metric: MetricDef, text: str) -> PairReading:
    """``128/82``, ``128 / 82``, ``128 over 82``, ``128 över 82``, optionally ``mmHg`` and a named pulse
    (``pulse 64``, ``puls 64``, ``64 bpm``). Never read as a date or a fraction: anything else, a part
    outside its range, or a first part below the second is one friendly :class:`UserError` naming what
    would be accepted, and nothing is stored. A bare third number is asked about, not guessed."""
    if not metric.parts or len(metric.parts) != 2:
        raise ValueError("parse_pair reads metrics of two parts")
    first, second = metric.parts
    accepted = _pair_accepted(metric)
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_INPUT:
        raise Unreadable(accepted + ".")
    cleaned = " ".join(text.lower().split())
    builtin = not metric.custom
    if builtin:
        m = _PAIR.match(cleaned)
    else:   # its own unit may follow (`42/40 kg`)
        unit = re.escape(metric.unit.lower())
        m = re.compile(rf"({_DECIMAL}) ?{_OVER} ?({_DECIMAL})(?: ?{unit})?").match(cleaned)
    if m is None:
        raise Unreadable(_("I couldn't read {quoted} as {name}: {accepted}.", quoted=quoted(text),
                           name=metric.label, accepted=accepted))
    rest = cleaned[m.end():].strip()
    pulse = None
    if rest and not builtin:   # only blood pressure takes a pulse with it
        raise Unreadable(_("I couldn't read {quoted} as {name}: {accepted}.", quoted=quoted(text),
                           name=metric.label, accepted=accepted))
    if rest:
        pm = _PULSE.fullmatch(rest)
        if pm is None:
            if re.fullmatch(_WHOLE, rest):
                raise Ambiguous(_("Is {echo} your pulse? Write `{example} pulse {echo}` to log it as your resting "
                                  "heart rate too, or leave it out.", echo=echo(rest), example=m.group(0)),
                                (f"{m.group(0)} pulse {rest}", m.group(0)))
            raise Unreadable(_("I couldn't read {quoted} as {name}: {accepted}.", quoted=quoted(text),
                               name=metric.label, accepted=accepted))
        pulse = float(pm.group(1) or pm.group(2))
        if not PULSE_RANGE[0] <= pulse <= PULSE_RANGE[1]:
            raise UserError(_("A pulse must be between {low} and {high} bpm.", low=PULSE_RANGE[0], high=PULSE_RANGE[1]))
    values = (_number(m.group(1)), _number(m.group(2))) if not builtin else (float(m.group(1)), float(m.group(2)))
    places = 0 if builtin else 2
    for part, value in zip(metric.parts, values, strict=True):
        if not part.minimum <= value <= part.maximum:
            raise UserError(_("{accepted}; {part} between {low} and {high}.", accepted=accepted,
                              part=part_label(part), low=_decimal(part.minimum, places),
                              high=_decimal(part.maximum, places)))
    if metric.ordered and values[0] < values[1]:
        raise UserError(_("{accepted}: the {first} comes first and is never below the {second} (did you mean "
                          "`{a}/{b}`?).", accepted=accepted, first=part_label(first),
                          second=part_label(second), a=_decimal(values[1], places), b=_decimal(values[0], places)))
    return PairReading(values, pulse)


def format_pair(metric: MetricDef, values: Iterable[float]) -> str:
    """``128/82 mmHg``: the parts in order, whole numbers, the unit once; reads back through :func:`parse_pair`."""
    numbers = [v for v in values]
    if len(numbers) != len(metric.parts) or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers):
        return "?"
    places = 2 if metric.custom else 0
    return "/".join(i18n.marks(_decimal(v, places)) if metric.custom else _decimal(v, 0) for v in numbers) + f" {metric.unit}"


def _pair_accepted(metric: MetricDef) -> str:
    """What a paired metric takes, in one phrase (no full stop): every refusal of a pair says it."""
    first, second = metric.parts[:2]
    example, example2 = pair_examples(metric)
    if metric.custom:
        return _("{name} is two numbers, {first} then {second}, like `{example}` or `{example2}`",
                 name=cap(metric.label), first=first.name, second=second.name, example=example, example2=example2)
    return _("{name} is two whole numbers, {first} then {second}, like `{example}` or `{example2}`",
             name=cap(metric.label), first=_(first.name), second=_(second.name), example=example, example2=example2)


def pair_examples(metric: MetricDef) -> tuple[str, str]:
    """How a pair is typed: ``128/82`` and ``128 over 82``."""
    example = _pair_example(metric)
    return example, example.replace("/", " over ")   # i18n: typed words (`över` reads too)


def part_label(part: MetricPart) -> str:
    """A part's name in the current language (`systolic` / `systoliskt`); a moderator's part keeps its name."""
    return _(part.name) if part.name in _BUILTIN_PART_NAMES else part.name


def _pair_example(metric: MetricDef) -> str:
    if metric.key == "bp" and not metric.custom:
        return "128/82"
    middle = [(p.minimum + p.maximum) / 2 for p in metric.parts]
    if metric.ordered:   # an example that keeps the order: the first a little above the second
        middle = [middle[0] + (metric.maximum - metric.minimum) / 10, middle[1]]
    return "/".join(_decimal(v, 0 if abs(v) >= 10 else 1).replace(",", "") for v in middle)


_BUILTIN_PART_NAMES = {p.name for p in BLOOD_PRESSURE.parts}
