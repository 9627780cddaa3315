"""Command references in member-facing text, rendered in each platform's own form from the specs."""

from __future__ import annotations

import re

from bot.adapters.discord_commands import build_payload
from bot.command_refs import CONSOLE, SLASH, prefixed, render_refs, slash_path

MATRIX = prefixed("!pp")


async def test_each_platform_reads_the_form_it_can_type(bot):
    r = bot.app.registry
    text = "Try `privacy set steps trend`; (`undo` takes it back.) Levels: `trend`, `public`."
    assert render_refs(r, text, CONSOLE) == text
    assert render_refs(r, text, MATRIX) == ("Try `!pp privacy set steps trend`; (`!pp undo` takes it back.) "
                                            "Levels: `trend`, `public`.")
    assert render_refs(r, text, SLASH) == ("Try `/privacy set metric:steps level:trend`; (`/undo` takes it back.) "
                                           "Levels: `trend`, `public`.")
    cases = {
        "`log steps 8000`": "`/log metric:steps value:8000`",
        "`log sleep 7h30m yesterday`": "`/log metric:sleep value:7h30m when:yesterday`",
        "`privacy`": "`/privacy show`",
        "`mod rule #walkers weight off`": "`/mod rule channel:#walkers metric:weight cap:off`",
        "`mod metric add meditation min 0 240`": "`/mod metric add name:meditation unit:min min:0 max:240`",
        "`challenge join stride`": "`/challenge join name:stride`",
        "`help <command>`": "`/help command:…`",
        "`privacy set <metric|all> <private|aggregate|trend|public> [#channel]`":
            "`/privacy set metric:metric|all level:private|aggregate|trend|public [channel:#channel]`",
        "Type `confirm` or `cancel`.": "Type the **Yes, go ahead** button or the **Cancel** button.",
        "`log steps lots`": "`/log metric:steps value:lots`",          # the grammar binds it; the handler judges it
        "`chart steps 3`": "`chart steps 3`",                          # not a command the spec accepts: as written
        "`walk`": "`walk`",
        "`mod`": "`mod`",
    }
    for written, slash in cases.items():
        assert render_refs(r, written, SLASH) == slash, written
    assert render_refs(r, "`help <command>`", MATRIX) == "`!pp help <command>`"
    assert render_refs(r, "`chart steps 3`", MATRIX) == "`chart steps 3`"


async def test_every_usage_line_renders_to_options_discord_really_has(bot):
    """The slash form of every spec's usage names exactly the options synced for it."""
    r = bot.app.registry
    payload = {c["name"]: c for c in build_payload(r)}
    for spec in r.all():
        rendered = render_refs(r, f"`{spec.usage()}`", SLASH)
        if spec.button:
            assert "button" in rendered and "`" not in rendered
            continue
        path = slash_path(r, spec)
        assert rendered.startswith(f"`/{' '.join(path)}"), rendered
        node = payload[path[0]]
        for word in path[1:]:
            node = next(o for o in node["options"] if o["name"] == word)
        synced = [o["name"] for o in node.get("options", [])]
        named = re.findall(r"\[?([a-z_]+):", rendered[len(' '.join(path)) + 2:])
        assert named == synced == [p.name for p in spec.params], spec.name


async def test_console_transcripts_are_unchanged_and_help_is_generated(bot):
    out = await bot.say("alice@dm: help")
    assert "`privacy set <metric> <level> [channel]`" in out and "/privacy" not in out and "!pp" not in out
