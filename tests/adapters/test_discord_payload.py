"""The slash-command payload generated from the specs, and interactions mapped back to specs."""

from __future__ import annotations

import re

from bot.adapters.discord_commands import MANAGE_CHANNELS, build_payload, parse_interaction
from bot.commands import ParamType


def _leaf_options(payload: list[dict], spec) -> dict[str, dict]:
    """The options Discord was given for one spec (its leaf: command, subcommand or grouped subcommand)."""
    path = list(spec.path)
    node = next(c for c in payload if c["name"] == path[0])
    for word in path[1:] or []:
        node = next(o for o in node["options"] if o["name"] == word and o["type"] in (1, 2))
    if len(path) == 1 and any(o["type"] == 1 for o in node.get("options", [])):
        node = next(o for o in node["options"] if o["name"] == "show")
    return {o["name"]: o for o in node.get("options", [])}


async def test_every_spec_becomes_a_slash_command(bot):
    registry = bot.app.registry
    payload = build_payload(registry)
    names = {c["name"] for c in payload}
    assert {"log", "undo", "history", "metrics", "timezone", "help", "privacy", "mod", "checkin", "goal", "remind",
            "chart", "mydata"} <= names
    reached = set()
    for cmd in payload:
        assert re.fullmatch(r"[-_a-z0-9]{1,32}", cmd["name"]) and 1 <= len(cmd["description"]) <= 100
        stack = [(cmd["name"], cmd)]
        while stack:
            path, node = stack.pop()
            subs = [o for o in node.get("options", []) if o["type"] in (1, 2)]
            if not subs:
                reached.add(path)
                required_seen_optional = False
                for opt in node.get("options", []):
                    assert re.fullmatch(r"[-_a-z0-9]{1,32}", opt["name"]) and len(opt["description"]) <= 100
                    if not opt["required"]:
                        required_seen_optional = True
                    assert not (opt["required"] and required_seen_optional), f"{path}: required after optional"
            for o in subs:
                stack.append((f"{path} {o['name']}", o))
    # Every command but those that answer a prompt (buttons on Discord: no /confirm, no /cancel).
    expected = {s.name if len(s.path) > 1 or s.path[0] not in {"privacy", "partner"} else f"{s.name} show"
                for s in registry.all() if not s.button}
    assert not names & {"confirm", "cancel"}
    assert expected == reached
    mod = next(c for c in payload if c["name"] == "mod")
    assert mod["default_member_permissions"] == str(MANAGE_CHANNELS)
    assert "default_member_permissions" not in next(c for c in payload if c["name"] == "log")
    log = next(c for c in payload if c["name"] == "log")
    opts = {o["name"]: o for o in log["options"]}
    assert opts["metric"]["autocomplete"] is True and opts["when"]["required"] is False
    privacy = next(c for c in payload if c["name"] == "privacy")
    set_cmd = next(o for o in privacy["options"] if o["name"] == "set")
    level = next(o for o in set_cmd["options"] if o["name"] == "level")
    assert [c["value"] for c in level["choices"]] == ["private", "aggregate", "trend", "public"]
    assert next(o for o in set_cmd["options"] if o["name"] == "channel")["type"] == 7
    # A file the member hands over is Discord's attachment picker (type 11), optional: `/import` alone says how.
    (file_opt,) = next(c for c in payload if c["name"] == "import")["options"]
    assert (file_opt["name"], file_opt["type"], file_opt["required"]) == ("file", 11, False)
    assert "max_length" not in file_opt and "autocomplete" not in file_opt
    # Every parameter type has its Discord option type: a new ParamType can't silently become a string.
    types = {p.type: o["type"] for s in registry.all() if not s.button for p in s.params
             for o in [_leaf_options(payload, s)[p.name]]}
    text_like = {ParamType.TEXT, ParamType.WORD, ParamType.QUANTITY, ParamType.METRIC, ParamType.LEVEL, ParamType.CAP,
                 ParamType.TIME, ParamType.WHEN, ParamType.TIMEZONE, ParamType.WEEKDAY, ParamType.CHOICE}
    expected = {ParamType.INT: 4, ParamType.NUMBER: 10, ParamType.CHANNEL: 7, ParamType.MEMBER: 6, ParamType.FILE: 11}
    assert set(ParamType) == text_like | set(expected)
    assert all(discord_type == expected.get(t, 3) for t, discord_type in types.items()), types
    assert ParamType.FILE in types


def test_interactions_map_back_to_command_names():
    assert parse_interaction({"name": "log", "options": [
        {"type": 3, "name": "metric", "value": "steps"}, {"type": 3, "name": "value", "value": "8000"}]}) == (
        "log", {"metric": "steps", "value": "8000"}, None)
    assert parse_interaction({"name": "privacy", "options": [{"type": 1, "name": "show"}]}) == ("privacy", {}, None)
    assert parse_interaction({"name": "mod", "options": [{"type": 2, "name": "metric", "options": [
        {"type": 1, "name": "add", "options": [{"type": 3, "name": "name", "value": "x", "focused": True}]}]}]}) == (
        "mod metric add", {"name": "x"}, "name")
    assert parse_interaction({"name": "mod", "options": [{"type": 1, "name": "rule", "options": [
        {"type": 7, "name": "channel", "value": "123"}]}]})[1] == {"channel": "<#123>"}


async def test_commands_differ_only_when_something_we_send_changed(bot):
    import copy

    from bot.adapters.discord_commands import commands_differ

    ours = build_payload(bot.app.registry)

    def as_discord_returns(cmds):
        """Discord adds ids and versions and leaves out defaults such as required: false."""
        out = copy.deepcopy(cmds)
        for c in out:
            c.update(id="1", application_id="2", version="3", guild_id="4")
            c.setdefault("description_localizations", None)   # Discord: null where none were sent
            stack = [c]
            while stack:
                node = stack.pop()
                for o in node.get("options", []):
                    if o.get("required") is False:
                        del o["required"]
                    stack.append(o)
        return out[::-1]

    registered = as_discord_returns(ours)
    assert not commands_differ(ours, registered)
    chart = next(c for c in registered if c["name"] == "chart")
    next(o for o in chart["options"] if o["name"] == "days")["max_value"] = 400
    assert commands_differ(ours, registered)
    assert commands_differ(ours, as_discord_returns(ours)[1:])
    assert commands_differ(ours, [])
