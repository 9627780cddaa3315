"""Slash commands generated from the command specs, and interactions mapped back to them.

Pure data (no discord.py import): the payload is what Discord's bulk-overwrite endpoint takes, so the
exact shape (names, option types, choices, autocomplete, permissions) is visible and testable.
One group per area: `/privacy set`, `/mod metric add`; a bare group command becomes `show`
(`/privacy show`), because Discord does not let a group be invoked itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.commands import CommandSpec, Param, ParamType, Permission, Registry
from bot.vocabulary import i18n
from bot.vocabulary.dates import WEEKDAYS
from bot.vocabulary.i18n import _, p_
from bot.vocabulary.levels import CAP_WORDS, LEVEL_WORDS

STRING, INTEGER, SUBCOMMAND, SUBCOMMAND_GROUP, CHANNEL, NUMBER, USER, ATTACHMENT = 3, 4, 1, 2, 7, 10, 6, 11
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
BARE = "show"
MAX_DESCRIPTION = 100
MAX_INTEGER = 999_999          # what the text grammar reads as a whole number (six digits)

_CHOICES = {ParamType.LEVEL: LEVEL_WORDS, ParamType.CAP: CAP_WORDS, ParamType.WEEKDAY: WEEKDAYS}


# Discord's locales (https://discord.com/developers/docs/reference#locales) for each catalogue.
DISCORD_LOCALES = ("id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
                   "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN",
                   "ja", "zh-TW", "ko")


def localized(write) -> dict[str, str]:
    """``write()`` in every language the bot speaks, keyed by Discord's locales for it, where it differs
    from the English (Discord shows the English to everyone else)."""
    english = write()
    out: dict[str, str] = {}
    for lang in i18n.available()[1:]:
        with i18n.using(lang):
            text = write()
        if text != english:
            out.update({loc: text for loc in DISCORD_LOCALES if loc.split("-")[0] == lang})
    return out


def _with_names(payload: dict[str, Any], name, describe) -> dict[str, Any]:
    """A command, group or option with its name and description in every language (Discord shows each
    member their client's; interactions still arrive with the English names the specs use)."""
    names, descriptions = localized(name), localized(describe)
    if names:
        payload["name_localizations"] = names
    if descriptions:
        payload["description_localizations"] = descriptions
    return payload


def slash_name(word: str) -> str:
    """A command word as Discord allows it in a name (lowercase, no spaces)."""
    return "-".join(word.lower().split())[:32]


def description(text: str) -> str:
    """Discord shows descriptions as plain text of at most 100 characters: no markup, and a long help
    is shortened at a clause or word boundary rather than cut mid-word."""
    plain = " ".join(text.replace("`", "").replace("**", "").split())
    if len(plain) <= MAX_DESCRIPTION:
        return plain
    head = plain[:MAX_DESCRIPTION + 1]
    for mark in (". ", "; ", " (", ", ", ": ", " — "):
        cut = head.rfind(mark, 0, MAX_DESCRIPTION)
        if cut >= 40:
            return head[:cut].rstrip(" ,;:(—")
    return head[:MAX_DESCRIPTION].rsplit(" ", 1)[0].rstrip(" ,;:(—")


def option(param: Param) -> dict[str, Any]:
    """One slash option, typed and bounded exactly as the handler's spec accepts it."""
    opt: dict[str, Any] = _with_names({"name": param.name, "description": description(param.help), "required": param.required},
                                      lambda: slash_name(param.label), lambda: description(_(param.help)))
    if param.type is ParamType.CHANNEL:
        opt["type"] = CHANNEL
        opt["channel_types"] = [0, 5]       # text and announcement channels
        return opt
    if param.type is ParamType.MEMBER:
        opt["type"] = USER                   # Discord's member picker; the value is the user's id
        return opt
    if param.type is ParamType.FILE:
        opt["type"] = ATTACHMENT             # a file picker; the value is the attachment's id (resolved data)
        return opt
    if param.type in (ParamType.INT, ParamType.NUMBER):
        integer = param.type is ParamType.INT
        opt["type"] = INTEGER if integer else NUMBER
        low = param.minimum if param.minimum is not None else (0 if integer else None)
        high = param.maximum if param.maximum is not None else (MAX_INTEGER if integer else None)
        if low is not None:
            opt["min_value"] = int(low) if integer else low
        if high is not None:
            opt["max_value"] = int(high) if integer else high
        return opt
    opt["type"] = STRING
    choices = param.choices if param.type is ParamType.CHOICE else _CHOICES.get(param.type)
    if choices:
        context = "level" if param.type in (ParamType.LEVEL, ParamType.CAP) else "choice"
        opt["choices"] = [_choice(c, context) for c in choices]
    elif param.suggestions is not None:
        opt["autocomplete"] = True
    if param.type in (ParamType.TEXT, ParamType.WORD, ParamType.QUANTITY):
        opt["max_length"] = param.limit
    return opt


def _choice(value: str, context: str) -> dict[str, Any]:
    choice: dict[str, Any] = {"name": value, "value": value}
    names = localized(lambda: i18n.weekday_name(_WEEKDAYS.index(value)) if context == "choice" and value in _WEEKDAYS
                      else p_(context, value))
    if names:
        choice["name_localizations"] = names
    return choice


_WEEKDAYS = _CHOICES[ParamType.WEEKDAY]


def _sub(name: str, spec: CommandSpec) -> dict[str, Any]:
    local = (lambda: p_("command", BARE)) if name == BARE else (lambda: slash_name(p_("command", name)))
    return _with_names({"type": SUBCOMMAND, "name": name, "description": description(spec.help),
                        "options": [option(p) for p in spec.params]}, local, lambda: description(_(spec.help)))


def slash_specs(registry: Registry) -> dict[str, list[CommandSpec]]:
    """The specs that become slash commands, by top-level word. Commands that answer a prompt
    (`confirm`, `cancel`) are buttons on Discord, not commands."""
    out: dict[str, list[CommandSpec]] = {}
    for word, specs in registry.groups().items():
        kept = [s for s in specs if not s.button]
        if kept:
            out[word] = kept
    return out


def build_payload(registry: Registry) -> list[dict[str, Any]]:
    commands = []
    for word, specs in slash_specs(registry).items():
        moderators_only = all(s.permission is Permission.MODERATOR for s in specs)
        base: dict[str, Any] = {"type": 1, "name": word, "contexts": [0], "nsfw": False}
        if moderators_only:
            base["default_member_permissions"] = str(MANAGE_CHANNELS)
        # The lambdas run at once, in every language (_with_names); defaults bind this iteration's words.
        local_name = (lambda word=word: slash_name(p_("command", word)))
        if len(specs) == 1 and specs[0].path == (word,):
            spec = specs[0]
            commands.append(_with_names({**base, "description": description(spec.help),
                                         "options": [option(p) for p in spec.params]},
                                        local_name, lambda help=spec.help: description(_(help))))
            continue
        options: list[dict[str, Any]] = []
        groups: dict[str, dict[str, Any]] = {}
        for spec in specs:
            if len(spec.path) == 1:
                options.append(_sub(BARE, spec))
            elif len(spec.path) == 2:
                options.append(_sub(spec.path[1], spec))
            else:
                sub = spec.path[1]
                about_sub = registry.group_help[f"{word} {sub}"]
                group = groups.setdefault(sub, _with_names(
                    {"type": SUBCOMMAND_GROUP, "name": sub, "description": description(about_sub), "options": []},
                    lambda sub=sub: slash_name(p_("command", sub)), lambda about=about_sub: description(_(about))))
                group["options"].append(_sub(spec.path[2], spec))
        options.extend(groups.values())
        about = registry.group_help[word]
        commands.append(_with_names(
            {**base, "description": description(about), "options": options}, local_name,
            lambda about=about: description(_(about))))
    return commands


_OPTION_DEFAULTS: dict[str, Any] = {"required": False, "autocomplete": False, "options": [], "choices": [],
                                    "nsfw": False, "default_member_permissions": None, "channel_types": [],
                                    "name_localizations": None, "description_localizations": None}


def commands_differ(ours: list[dict[str, Any]], theirs: Sequence[Mapping[str, Any]]) -> bool:
    """Whether Discord's registered commands differ from the generated payload. Discord answers with
    more than we send (ids, versions) and leaves out defaults (``required: false``), so only what we
    send is compared, with Discord's defaults standing in for what it left out."""
    def same(mine: Any, registered: Any) -> bool:
        if isinstance(mine, dict):
            if not isinstance(registered, dict):
                return False
            return all(same(v, registered.get(k, _OPTION_DEFAULTS.get(k))) for k, v in mine.items())
        if isinstance(mine, list):
            return isinstance(registered, list) and len(mine) == len(registered) and all(map(same, mine, registered))
        if isinstance(mine, (int, float)) and isinstance(registered, (int, float)) and not isinstance(mine, bool):
            return float(mine) == float(registered)
        return mine == registered

    by_name = {(c.get("type", 1), c["name"]): c for c in theirs or []}
    if len(by_name) != len(ours):
        return True
    return not all(same(c, by_name.get((c.get("type", 1), c["name"]))) for c in ours)


def parse_interaction(data: Mapping[str, Any]) -> tuple[str, dict[str, Any], str | None]:
    """(command name as in the specs, arguments, focused option name for autocomplete)."""
    path = [data["name"]]
    options = data.get("options") or []
    while options and options[0].get("type") in (SUBCOMMAND, SUBCOMMAND_GROUP):
        if options[0]["name"] != BARE:
            path.append(options[0]["name"])
        options = options[0].get("options") or []
    args: dict[str, Any] = {}
    focused = None
    for opt in options:
        value = opt.get("value")
        if opt.get("type") == CHANNEL:
            value = f"<#{value}>"
        elif opt.get("type") == USER:
            value = f"<@{value}>"
        args[opt["name"]] = value
        if opt.get("focused"):
            focused = opt["name"]
    return " ".join(path), args, focused


def attachment_option(spec: CommandSpec, args: Mapping[str, Any], data: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(the FILE parameter's name, the attachment Discord resolved for it: id, filename, size, url) when
    the member attached a file to the command; None when the command was given none."""
    for param in spec.params:
        if param.type is ParamType.FILE and args.get(param.name) is not None:
            found = ((data.get("resolved") or {}).get("attachments") or {}).get(str(args[param.name]))
            return param.name, found or {}
    return None
