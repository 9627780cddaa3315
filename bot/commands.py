"""Commands declared once, platform-neutral.

A cog decorates its handler methods with :func:`command`; the :class:`Registry` collects them. Every
front end is generated from the same :class:`CommandSpec`: the console and Matrix parse text with
:func:`parse_text`, the Discord adapter builds slash commands from the typed parameters. Permission is
declared on the spec and checked in one place (the runtime), never inside handlers.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from bot.imports.records import Upload
from bot.vocabulary import i18n
from bot.vocabulary.dates import WEEKDAYS
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import N_, _, num, p_
from bot.vocabulary.metrics import MetricDef, pair_examples, part_label
from bot.vocabulary.text import MARKUP, clipped, is_plain, printable, without


@dataclass(frozen=True)
class Permission:
    """Who may run a command, declared on its spec and checked in one place (the runtime).
    ``allows(is_moderator, config)`` decides (the adapters ask it too, e.g. before showing confirm
    buttons); ``refusal`` is what the member is told otherwise (``{command}``: the command's name)."""

    name: str
    allows: Callable[[bool, Any], bool]
    refusal: str = N_("Only moderators can use `{command}`.")   # a msgid: translated when refused

    MEMBER: ClassVar[Permission]
    MODERATOR: ClassVar[Permission]


Permission.MEMBER = Permission("member", lambda is_moderator, config: True)
Permission.MODERATOR = Permission("moderator", lambda is_moderator, config: is_moderator)


class ParamType(Enum):
    WORD = "word"            # one token
    TEXT = "text"            # the rest of the line (notes, names with spaces)
    INT = "int"              # a whole number (within the param's minimum/maximum, if it has them)
    NUMBER = "number"        # a number, decimals allowed (within minimum/maximum)
    METRIC = "metric"        # a metric name or alias (autocompleted)
    QUANTITY = "quantity"    # a value with an optional unit; parsed by the handler against the metric
    WHEN = "when"            # today, yesterday, a date
    LEVEL = "level"          # private|aggregate|trend|public
    CAP = "cap"              # off|aggregate|trend|public
    CHANNEL = "channel"      # #channel (console), a room (Matrix), a channel option (Discord)
    MEMBER = "member"        # @name (console), @user:server (Matrix), a user option (Discord)
    TIME = "time"            # HH:MM
    TIMEZONE = "timezone"    # Area/City
    WEEKDAY = "weekday"
    CHOICE = "choice"        # one of `choices`
    FILE = "file"            # a file the member hands over: a Discord attachment, a file sent in the bot's
                             # private Matrix room; on the console (the operator's own machine) a path


class Suggest(Enum):
    """Where the values a member may pick from come from (Discord autocompletes them)."""

    METRICS = "metrics"          # the community's metric names and their aliases
    METRICS_OR_ALL = "metrics-or-all"   # the same, and the word `all`
    TIMEZONES = "timezones"      # Area/City names
    CHALLENGES = "challenges"    # challenges that exist in this channel (not for naming a new one)


_DEFAULT_SUGGEST = {ParamType.METRIC: Suggest.METRICS, ParamType.TIMEZONE: Suggest.TIMEZONES}


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    help: str
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: float | None = None          # INT and NUMBER: the range the handler accepts, checked by convert()
    maximum: float | None = None
    suggest: Suggest | None = None        # None: the type's usual source (metrics, time zones) or nothing
    max_length: int | None = None         # the longest value accepted (Discord's option says the same)
    # The runtime converts METRIC and CHANNEL values before the handler runs (a MetricDef, a
    # MetricChoice where `all` is allowed, a channel id); ``raw`` keeps the words for a handler that
    # reads them itself (`log`: metric names of several words, then the value and the day).
    raw: bool = False
    # A METRIC parameter takes a paired metric (blood pressure) only where its command handles the
    # parts (``pairs=True``); elsewhere the runtime refuses it in one line, and `all` leaves it out.
    pairs: bool = False

    @property
    def suggestions(self) -> Suggest | None:
        return self.suggest or _DEFAULT_SUGGEST.get(self.type)

    @property
    def limit(self) -> int:
        return self.max_length or (TEXT_MAX if self.type is ParamType.TEXT else WORD_MAX)

    @property
    def label(self) -> str:
        """The parameter's name in the current language (bot.vocabulary.i18n): help and usage lines show it."""
        return p_("option", self.name)

    def usage(self) -> str:
        shown = ("|".join(p_("choice", c) for c in self.choices) if self.type is ParamType.CHOICE and len(self.choices) <= 4
                 else self.label)
        return f"<{shown}>" if self.required else f"[{shown}]"


def refuse_pair(command: str, metric: MetricDef) -> None:
    """The one-line refusal of a paired metric (blood pressure) by a command that reads one number per
    metric (a chart, a goal, a challenge): it says what does work with it, and nothing is stored."""
    if not metric.paired:
        return
    raise UserError(_("`{command}` doesn't work with {name}, which is two numbers ({parts}): `log {key} {example}` "
                      "and `history {key}` do. Nothing was changed.", command=command, name=metric.label,
                      parts="/".join(part_label(p) for p in metric.parts), key=metric.term,
                      example=pair_examples(metric)[0]))


@dataclass(frozen=True)
class MetricChoice:
    """A metric parameter that also takes `all`: every metric the community knows, or the one named."""

    everything: bool
    metrics: tuple[MetricDef, ...]


Handler = Callable[..., Awaitable[Any]]
TEXT_MAX = 500     # free text (names, topics) unless a parameter says otherwise
WORD_MAX = 100     # one word or value
LINE_MAX = 2000    # a whole typed line; longer is refused before anything is read


@dataclass(frozen=True)
class CommandSpec:
    path: tuple[str, ...]
    help: str
    params: tuple[Param, ...] = ()
    permission: Permission = Permission.MEMBER
    private: bool = True                  # is the reply seen by the member only?
    needs_channel: bool = False           # must be typed in a channel (not a DM)
    confirm: str | None = None            # destructive: ask before doing it (text says what happens)
    slow: bool = False                    # adapters defer/acknowledge first
    lists: bool = False                   # answers with a list that may run long; re-running it changes nothing
    button: str | None = None             # answers a prompt: platforms with buttons show this button instead
    # Carries the member's own words that the bot posts for them (`share`): where a typed command stays
    # readable in a room (Matrix), it is removed once read, so taking the post back removes the words.
    own_words: bool = False
    handler: Handler | None = None

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def label(self) -> str:
        """The command's words in the current language (`logga` for `log`); both are typed alike."""
        return " ".join(p_("command", w) for w in self.path)

    def usage(self) -> str:
        """How to type it, in the current language's command words (the English ones work too)."""
        return " ".join([self.label, *(p.usage() for p in self.params)])


_SPEC_ATTR = "__peerpulse_command__"


def command(name: str, help: str, *params: Param, permission: Permission = Permission.MEMBER,
            private: bool = True, needs_channel: bool = False, confirm: str | None = None,
            slow: bool = False, lists: bool = False, button: str | None = None, own_words: bool = False):
    """Mark a cog method as a command. ``name`` may have several words (``"privacy set"``)."""

    def mark(fn):
        setattr(fn, _SPEC_ATTR, CommandSpec(tuple(name.split()), help, tuple(params), permission, private,
                                            needs_channel, confirm, slow, lists, button, own_words))
        return fn

    return mark


@dataclass
class Invocation:
    """One member running one command somewhere; handed to every handler."""

    community_id: int
    channel_id: int | None            # None: a direct message to the bot
    member_id: int
    member_name: str
    is_moderator: bool
    now: datetime
    platform: str = "console"
    confirmed: bool = False            # set when the member confirmed a destructive command
    resolve_channel: Callable[[str], Awaitable[int]] | None = None
    resolve_member: Callable[[str], Awaitable[int | None]] | None = None
    locale: str = "en"                 # what the member reads (private replies): see bot.vocabulary.i18n
    channel_locale: str = "en"         # what the channel (community) reads: posts a handler makes there
    # The file the member handed over with this command (a FILE parameter), saved by the adapter.
    upload: Upload | None = None
    # Tells the member privately how a long command is getting on (an edited private message on Discord
    # and Matrix, a line on the console); words only, no member data. None: the platform can't show it.
    progress_to: Callable[[str], Awaitable[None]] | None = None

    async def progress(self, text: str) -> None:
        if self.progress_to is not None:
            await self.progress_to(text)

    async def channel_from(self, ref: str) -> int:
        if self.resolve_channel is None:
            raise UserError(_("Channels can't be named here."))
        return await self.resolve_channel(ref)

    async def member_from(self, ref: str) -> int | None:
        """The id of a member of this community the bot knows, or None (never creates one: naming
        someone must not make a record of them)."""
        if self.resolve_member is None:
            raise UserError(_("Members can't be named here."))
        return await self.resolve_member(ref)


class Registry:
    """The declared commands. A command's words in every language the bot speaks are aliases of its
    English words (`logga steg 8000` is `log steps 8000`), so a command works whoever types it."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, ...], CommandSpec] = {}
        self.group_help: dict[str, str] = {}   # "privacy", "mod metric": what the group is for (msgids)
        self._aliases: dict[tuple[str, ...], tuple[str, ...]] | None = None

    def add_cog(self, cog: object) -> None:
        for group, text in getattr(type(cog), "command_groups", {}).items():
            if self.group_help.get(group, text) != text:
                raise ValueError(f"command group {group!r} described twice")
            self.group_help[group] = text
        for _name, member in inspect.getmembers(cog, inspect.ismethod):
            spec = getattr(member, _SPEC_ATTR, None)
            if spec is not None:
                self.add(CommandSpec(**{**spec.__dict__, "handler": member}))

    def add(self, spec: CommandSpec) -> None:
        if spec.path in self._specs:
            raise ValueError(f"command {spec.name!r} declared twice")
        self._specs[spec.path] = spec
        self._aliases = None

    def aliases(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        """Translated command paths -> the English path (every catalogue under bot/locale)."""
        if self._aliases is None:
            out: dict[tuple[str, ...], tuple[str, ...]] = {}
            for lang in i18n.available()[1:]:
                for path in self._specs:
                    local = tuple(w for word in path for w in i18n.word("command", word, lang).lower().split())
                    if local != path and local not in self._specs:
                        out.setdefault(local, path)
            self._aliases = out
        return self._aliases

    def english(self, words: list[str]) -> list[str]:
        """``words`` with a translated command at their start replaced by its English words."""
        lowered = [w.lower() for w in words]
        aliases = self.aliases()
        for n in range(min(len(lowered), 4), 0, -1):
            path = aliases.get(tuple(lowered[:n]))
            if path is not None:
                return [*path, *words[n:]]
        if lowered and (lowered[0],) not in self._specs:
            first = next((p[0] for a, p in aliases.items() if a[:1] == (lowered[0],) and len(a) > 1), None)
            if first is not None and len(first.split()) == 1:
                return [first, *words[1:]]
        return list(words)

    def all(self) -> list[CommandSpec]:
        return sorted(self._specs.values(), key=lambda s: s.path)

    def get(self, name: str) -> CommandSpec | None:
        return self._specs.get(tuple(name.split()))

    def groups(self) -> dict[str, list[CommandSpec]]:
        out: dict[str, list[CommandSpec]] = {}
        for spec in self.all():
            out.setdefault(spec.path[0], []).append(spec)
        return out

    def match(self, words: list[str]) -> tuple[CommandSpec | None, int]:
        """The longest declared path (or a translation of one) that prefixes ``words``; returns (spec,
        words used)."""
        lowered = [w.lower() for w in words]
        aliases = self.aliases()
        for n in range(min(len(lowered), 4), 0, -1):
            key = tuple(lowered[:n])
            spec = self._specs.get(key) or self._specs.get(aliases.get(key, ()))
            if spec is not None:
                return spec, n
        return None, 0


# ---- text grammar (console, Matrix) ------------------------------------------------------------

_TOKEN = re.compile(r'"([^"]*)"|\'([^\']*)\'|(\S+)')
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def tokenize(text: str) -> list[tuple[str, int]]:
    """Words with their start offsets; quotes group words. Never raises on odd input."""
    out = []
    for m in _TOKEN.finditer(text):
        value = next(g for g in m.groups() if g is not None)
        out.append((value, m.start()))
    return out


def parse_text(registry: Registry, text: str) -> tuple[CommandSpec, dict[str, Any]]:
    """Match a command line to its spec and bind arguments by position."""
    tokens = tokenize(text)
    if not tokens:
        raise UserError(_("Type `help` to see what I can do."))
    spec, used = registry.match([t for t, _ in tokens])
    if spec is None:
        group = registry.groups().get(registry.english([tokens[0][0]])[0].lower())
        if group:
            close = _close([t for t, _ in tokens[:2]], _names(group))
            hint = _("Did you mean `{close}`? ", close=close) if close else ""
            raise UserError(_("{hint}`{word}` needs one of: ", hint=hint, word=tokens[0][0].lower()) + ", ".join(f"`{s.usage()}`" for s in group))
        close = _close([t for t, _ in tokens[:2]], _names(registry.all()))
        if close:
            raise UserError(_("I don't know `{short}`: did you mean `{close}`? Type `help` to see "
                              "the commands.", short=_short(tokens[0][0]), close=close))
        raise UserError(_("I don't know `{short}`. Type `help` to see the commands.", short=_short(tokens[0][0])))
    rest = tokens[used:]
    try:
        return spec, bind_tokens(spec, text, rest)
    except UserError as exc:
        swapped = _swapped(spec, rest)
        if swapped:
            raise UserError(_("Did you mean `{name} {swapped}`? ({message})", name=spec.name, swapped=swapped, message=exc.message)) from None
        suggestion = _longer_command(registry, spec, tokens) if rest else None
        if suggestion:
            raise UserError(_("Did you mean `{suggestion}`? {message}", suggestion=suggestion, message=exc.message)) from None
        raise


def _names(specs: Iterable[CommandSpec]) -> list[str]:
    """Command names to suggest from: in the current language first, then the English ones."""
    specs = list(specs)
    return list(dict.fromkeys([*(s.label for s in specs), *(s.name for s in specs)]))


def _longer_command(registry: Registry, spec: CommandSpec, tokens: list[tuple[str, int]]) -> str | None:
    """`privacy sett steps public` or `privacy steps public`: the sub-command meant, with the rest of the line
    when it then reads (a mistyped word replaced, or a left-out one put in)."""
    longer = [s for s in registry.groups().get(spec.path[0], []) if len(s.path) == len(spec.path) + 1]
    words = [t for t, _ in tokens]
    for candidate in longer:
        for rest in (words[len(spec.path) + 1:], words[len(spec.path):]):   # replace a word, or insert one
            if rest is words[len(spec.path) + 1:] and not _close(words[:2], [candidate.name]):
                continue
            line = _binds(candidate, rest)
            if line is not None and _echoable(rest):
                return f"{candidate.name} {line}".strip()
    close = _close(words[:2], [s.name for s in longer])
    return close


def _close(words: list[str], names: list[str]) -> str | None:
    """The command name closest to what was typed (`hlep` -> `help`, `privacy sett` -> `privacy set`)."""
    import difflib
    typed = [w.lower() for w in words]
    for n in (2, 1):
        if len(typed) >= n:
            close = difflib.get_close_matches(" ".join(typed[:n]), [x for x in names if len(x.split()) == n], n=1,
                                              cutoff=0.75)
            if close:
                return close[0]
    return None


def _swapped(spec: CommandSpec, tokens: list[tuple[str, int]]) -> str | None:
    """Arguments typed in the wrong order (`log 8000 steps`, `mod rule steps #walkers off`): the
    line with two neighbouring arguments swapped, if that one binds."""
    from bot.vocabulary.levels import LEVEL_SYNONYMS
    words = [LEVEL_SYNONYMS[t.lower()].word if t.lower() in LEVEL_SYNONYMS else t for t, _ in tokens]
    if not _echoable(words) or any(len(w) > 40 for w in words) or len(words) > 8:
        return None   # only ordinary words are echoed back
    for i in range(min(len(words) - 1, len(spec.params))):
        line = _binds(spec, [*words[:i], words[i + 1], words[i], *words[i + 2:]])
        if line is not None:
            return line
    return None


def _binds(spec: CommandSpec, words: list[str]) -> str | None:
    """The line these words make, if it binds to the spec's parameters (a suggestion worth making)."""
    line = " ".join(words)
    offsets, at = [], 0
    for w in words:
        offsets.append((w, at))
        at += len(w) + 1
    try:
        bind_tokens(spec, line, offsets)
    except UserError:
        return None
    return line


def _echoable(words: list[str]) -> bool:
    """Only ordinary words are echoed back in a suggestion (no markup, mentions or control characters)."""
    return all(is_plain(w) for w in words)


def bind_tokens(spec: CommandSpec, text: str, tokens: list[tuple[str, int]]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    i = 0
    params = list(spec.params)
    for index, param in enumerate(params):
        if param.type in (ParamType.TEXT, ParamType.FILE):
            if i < len(tokens):
                # The rest of the line; a handler that re-reads it (log: the day, then the note) checks its
                # own parts' limits, and nothing longer than free text is ever bound.
                rest = _printable(text[tokens[i][1]:].strip().strip('"\''))
                if len(rest) > max(param.limit, TEXT_MAX):
                    raise too_long(param.name, param.limit, len(rest))
                args[param.name] = rest
                i = len(tokens)
            elif param.required:
                raise UserError(_("Missing `{name}`. Usage: `{usage}`", name=param.label, usage=spec.usage()))
            continue
        if i >= len(tokens):
            if param.required:
                raise UserError(_("Missing `{name}` ({help}). Usage: `{usage}`", name=param.label, help=_(param.help),
                                  usage=spec.usage()))
            continue
        token = tokens[i][0]
        if not param.required and _belongs_later(param, params[index + 1:], token):
            continue   # an optional parameter left out: the word is for a later one
        args[param.name] = convert(param, token)
        i += 1
    if i < len(tokens):
        raise UserError(_("I didn't expect `{short}`. Usage: `{usage}`", short=_short(tokens[i][0]), usage=spec.usage()))
    return args


def _belongs_later(param: Param, later: list[Param], token: str) -> bool:
    """Optional parameters may be left out: a word skips ahead when it is a keyword of a later choice
    (`challenge create walk steps total group`), or doesn't fit here but fits later (free text)."""
    if param.type is ParamType.CHOICE and choice_word(param, token) in param.choices:
        return False
    if any(p.type is ParamType.CHOICE and choice_word(p, token) in p.choices for p in later):
        return True
    return not accepts(param, token) and any(accepts(p, token) for p in later)


def choice_word(param: Param, token: str) -> str:
    """A choice typed in any language the bot speaks, as the English choice (`dela` -> `share`)."""
    word = token.lower()
    if word in param.choices:
        return word
    for lang in i18n.available()[1:]:
        for choice in param.choices:
            if i18n.word("choice", choice, lang).lower() == word:
                return choice
    return word


def accepts(param: Param, token: str) -> bool:
    if param.type is ParamType.TEXT:
        return True   # free text takes the rest of the line (clipped), whatever it is
    try:
        convert(param, token)
        return True
    except UserError:
        return False


def convert(param: Param, token: str) -> Any:
    """Light, context-free checks; handlers do the ones that need the database (metrics, channels)."""
    t = param.type
    if t is ParamType.INT:
        if not re.fullmatch(r"[0-9]{1,6}", token):
            raise UserError(_("`{name}` must be a whole number{range_hint}.", name=param.label, range_hint=_range_hint(param) or _(", e.g. 30")))
        return _in_range(param, int(token))
    if t is ParamType.NUMBER:
        if not re.fullmatch(r"-?[0-9]{1,9}(\.[0-9]{1,6})?", token.strip()):
            raise UserError(_("`{name}` must be a number, e.g. 0 or 7.5{range_hint}.", name=param.label, range_hint=_range_hint(param)))
        return _in_range(param, float(token))
    if t is ParamType.CHOICE:
        word = choice_word(param, token)
        if word not in param.choices:
            shown = ", ".join(p_("choice", c) for c in param.choices)
            raise UserError(_("`{name}` must be one of: {join}.", name=param.label, join=shown))
        return word
    if t is ParamType.TIME:
        m = _TIME.match(token)
        if not m:
            raise UserError(_("Times are written HH:MM, e.g. 07:30 or 19:00."))
        return f"{int(m.group(1)):02d}:{m.group(2)}"
    if t is ParamType.WEEKDAY:
        from bot.vocabulary.dates import local_day_word
        word = local_day_word(token.lower())
        for day in WEEKDAYS:
            if len(word) >= 3 and day.startswith(word):
                return day
        raise UserError(_("Weekdays are monday … sunday (mon, tue, … also work)."))
    if t is ParamType.WHEN:
        from bot.vocabulary.dates import looks_like_when
        if not looks_like_when(token):
            raise UserError(_("`when` can be today, yesterday, 3 days ago, last tuesday, 24 Nov or "
                              "a date like 2026-11-20."))
        return token
    if t is ParamType.CHANNEL:
        if len(token) > 100 or any(ord(c) < 32 for c in token) or not (token[:1] in "#!" or token.startswith("<#")
                                                                         or token.lower() in ("here", "this")):
            raise UserError(_("Channels are written like #walkers."))
        return token
    if t is ParamType.MEMBER:
        if len(token) > 100 or not token.isprintable() or " " in token or token.lower() in ("here", "this", "all"):
            raise UserError(_("Name a member like @bob."))
        return token
    if t is ParamType.METRIC:
        if token[:1].isdigit() or token[:1] in "#<+-.":
            raise UserError(_("`{short}` isn't a metric: metrics are names like steps, sleep or "
                              "weight.", short=_short(token)))
    if t is ParamType.LEVEL:
        from bot.vocabulary.levels import parse_level
        parse_level(token)
    if t is ParamType.CAP:
        from bot.vocabulary.levels import parse_cap
        parse_cap(token)
    if len(token) > param.limit:
        raise too_long(param.name, param.limit, len(token))
    return token


def _in_range(param: Param, value: int | float) -> int | float:
    low, high = param.minimum, param.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            raise UserError(_("Choose {low} to {high} {name}.", low=num(low, 'g'), high=num(high, 'g'), name=param.label))   # "Choose 7 to 365 days."
        raise UserError(_("`{name}` must be{range_hint}.", name=param.label, range_hint=_range_hint(param, lead='')))
    return value


def _range_hint(param: Param, lead: str = ", ") -> str:
    low, high = param.minimum, param.maximum
    if low is not None and high is not None:
        return _("{lead} from {low} to {high}", lead=lead, low=num(low, 'g'), high=num(high, 'g'))
    if low is not None:
        return _("{lead} at least {low}", lead=lead, low=num(low, 'g'))
    if high is not None:
        return _("{lead} at most {high}", lead=lead, high=num(high, 'g'))
    return ""


def _short(token: str) -> str:
    return clipped(without(token, MARKUP), 20)


def _printable(text: str) -> str:
    text = printable(text)
    if len(text) > LINE_MAX:
        raise UserError(_("That line is too long: I read up to {line_max} characters.", line_max=num(LINE_MAX, ',')))
    return text


def too_long(name: str, limit: int, length: int) -> UserError:
    """The one refusal for an over-long value, with the limit stated (the same on every platform)."""
    what = _("Notes") if name == "note" else f"`{p_('option', name)}`"
    return UserError(_("{what} can be up to {limit} characters; yours has {length}. Nothing was "
                       "stored.", what=what, limit=limit, length=num(length, ',')))


# ---- help, generated from the specs ------------------------------------------------------------

def help_lines(registry: Registry, topic: str | None, *, prefix: str = "") -> list[str]:
    if topic:
        wanted = " ".join(registry.english(topic.split())).lower()
        specs = [s for s in registry.all() if s.name == wanted or s.path[0] == wanted]
        if not specs:
            raise UserError(_("No command `{short}`. Type `{prefix}help` for the list.", short=_short(topic), prefix=prefix))
        lines = []
        for s in specs:
            who = _(" (moderators)") if s.permission is Permission.MODERATOR else ""
            lines.append(f"`{prefix}{s.usage()}` — {_(s.help)}{who}")
            lines.extend(f"    {p.label}: {_(p.help)}" + ("" if p.required else _(" (optional)")) for p in s.params)
        return lines
    lines = [_("Commands (type `help <command>` for details):")]
    for spec in registry.all():
        who = _(" (moderators)") if spec.permission is Permission.MODERATOR else ""
        lines.append(f"`{prefix}{spec.usage()}` — {_(spec.help)}{who}")
    return lines


def specs_for(registry: Registry, names: Iterable[str]) -> list[CommandSpec]:
    return [s for s in registry.all() if s.path[0] in set(names)]
