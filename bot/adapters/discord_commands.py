"""Slash commands generated from the command specs, and interactions mapped back to them.

Pure data (no discord.py import): the payload is what Discord's bulk-overwrite endpoint takes, so the
exact shape (names, option types, choices, autocomplete, permissions) is visible and testable.
One group per area: `/privacy set`, `/mod metric add`; a bare group command becomes `show`
(`/privacy show`), because Discord does not let a group be invoked itself.
"""

from __future__ import annotations

from typing import Any

from bot.commands import CommandSpec, Param, ParamType, Permission, Registry

STRING, INTEGER, SUBCOMMAND, SUBCOMMAND_GROUP, CHANNEL = 3, 4, 1, 2, 7
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
BARE = "show"
AUTOCOMPLETE = {ParamType.METRIC, ParamType.TIMEZONE}
AUTOCOMPLETE_NAMES = {"name"}            # e.g. a challenge's name: the member's challenges

_CHOICES = {
    ParamType.LEVEL: ("private", "aggregate", "trend", "public"),
    ParamType.CAP: ("off", "aggregate", "trend", "public"),
    ParamType.WEEKDAY: ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
}


def _desc(text: str) -> str:
    return text if len(text) <= 100 else text[:99] + "…"


def option(param: Param) -> dict[str, Any]:
    opt: dict[str, Any] = {"name": param.name, "description": _desc(param.help), "required": param.required}
    if param.type is ParamType.CHANNEL:
        opt["type"] = CHANNEL
        opt["channel_types"] = [0, 5]       # text and announcement channels
        return opt
    if param.type is ParamType.INT:
        opt["type"] = INTEGER
        opt["min_value"] = 0
        return opt
    opt["type"] = STRING
    choices = param.choices if param.type is ParamType.CHOICE else _CHOICES.get(param.type)
    if choices:
        opt["choices"] = [{"name": c, "value": c} for c in choices]
    elif param.type in AUTOCOMPLETE or param.name in AUTOCOMPLETE_NAMES:
        opt["autocomplete"] = True
    if param.type in (ParamType.TEXT, ParamType.WORD, ParamType.QUANTITY):
        opt["max_length"] = param.limit
    return opt


def _sub(name: str, spec: CommandSpec) -> dict[str, Any]:
    return {"type": SUBCOMMAND, "name": name, "description": _desc(spec.help), "options": [option(p) for p in spec.params]}


def build_payload(registry: Registry) -> list[dict[str, Any]]:
    commands = []
    for word, specs in registry.groups().items():
        moderators_only = all(s.permission is Permission.MODERATOR for s in specs)
        base: dict[str, Any] = {"type": 1, "name": word, "contexts": [0], "nsfw": False}
        if moderators_only:
            base["default_member_permissions"] = str(MANAGE_CHANNELS)
        if len(specs) == 1 and specs[0].path == (word,):
            spec = specs[0]
            commands.append({**base, "description": _desc(spec.help), "options": [option(p) for p in spec.params]})
            continue
        options: list[dict[str, Any]] = []
        groups: dict[str, dict[str, Any]] = {}
        for spec in specs:
            if len(spec.path) == 1:
                options.append(_sub(BARE, spec))
            elif len(spec.path) == 2:
                options.append(_sub(spec.path[1], spec))
            else:
                group = groups.setdefault(spec.path[1], {"type": SUBCOMMAND_GROUP, "name": spec.path[1],
                                                         "description": f"{word} {spec.path[1]}", "options": []})
                group["options"].append(_sub(spec.path[2], spec))
        options.extend(groups.values())
        descriptions = {"mod": "Moderator tools: channel sharing rules, custom metrics, check-in schedules",
                        "privacy": "See and choose who may see each of your numbers",
                        "checkin": "Weekly accountability check-ins in this channel",
                        "mydata": "What was shared where; export or delete all your data",
                        "challenge": "Weekly group challenges"}
        commands.append({**base, "description": descriptions.get(word, f"{word} commands"), "options": options})
    return commands


def parse_interaction(data: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
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
        args[opt["name"]] = value
        if opt.get("focused"):
            focused = opt["name"]
    return " ".join(path), args, focused
