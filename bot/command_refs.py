"""Command references in member-facing text, written once and shown in each platform's own form.

Cogs and the runtime write references in the console grammar inside backticks ("`privacy set steps
trend`", "`undo` takes it back", "`help <command>`"). Each adapter renders its outgoing text through
:func:`render_refs` with its style, so a member reads the form they can type where they are:

    console   `privacy set steps trend`                     (unchanged)
    Matrix    `!pp privacy set steps trend`                  (the configured prefix)
    Discord   `/privacy set metric:steps level:trend`        (the slash form, from the same spec)

A span is rewritten only when it parses as a command of the registry (a concrete command, or a usage
line with <placeholders>); anything else in backticks (a metric name, a level word) stays as it is.
Commands that answer a prompt (`confirm`, `cancel`) become a reference to their button where buttons
exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands import CommandSpec, Registry, bind_tokens, tokenize
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _, p_

_SPAN = re.compile(r"`([^`\n]{1,200})`")


@dataclass(frozen=True)
class RefStyle:
    kind: str            # "console", "prefix" or "slash"
    prefix: str = ""


CONSOLE = RefStyle("console")
SLASH = RefStyle("slash")


def prefixed(prefix: str) -> RefStyle:
    return RefStyle("prefix", prefix.strip())


def render_refs(registry: Registry, text: str, style: RefStyle) -> str:
    """``text`` with every backticked command reference in ``style``."""
    if style.kind == "console" or "`" not in (text or ""):
        return text
    return _SPAN.sub(lambda m: _render(registry, m.group(1), style) or m.group(0), text)


def _render(registry: Registry, span: str, style: RefStyle) -> str | None:
    tokens = tokenize(span)
    if not tokens:
        return None
    spec, used = registry.match([t for t, _ in tokens])
    if spec is None:
        return None
    rest = tokens[used:]
    if style.kind == "prefix":
        return f"`{style.prefix} {span.strip()}`" if _parses(spec, span, rest) else None
    if spec.button:
        # `confirm [choice]` (its usage line) is still the button; `confirm keep` names no button.
        return (_("the **{button}** button", button=_(spec.button))
                if all(_placeholder(t) and not t.startswith("<") for t, _ in rest) else None)
    path = " ".join(_slash_word(p_("command", w)) for w in slash_path(registry, spec))   # as the member's client shows it
    if any(_placeholder(t) for t, _ in rest):
        return f"`/{' '.join([path, *_usage_options(spec, rest)])}`"
    try:
        args = bind_tokens(spec, span, rest)
    except UserError:
        return None
    options = [f"{_slash_word(p.label)}:{_value_text(args[p.name])}" for p in spec.params if p.name in args]
    return f"`/{' '.join([path, *options])}`"


def slash_path(registry: Registry, spec: CommandSpec) -> tuple[str, ...]:
    """A spec's Discord path: a group's bare command is its `show` subcommand (Discord cannot invoke
    a group itself)."""
    siblings = registry.groups().get(spec.path[0], [])
    if len(spec.path) == 1 and (len(siblings) > 1 or siblings[0].path != spec.path):
        return spec.path + ("show",)
    return spec.path


def _parses(spec: CommandSpec, span: str, rest) -> bool:
    if any(_placeholder(t) for t, _ in rest):
        return True
    try:
        bind_tokens(spec, span, rest)
    except UserError:
        return False
    return True


def _placeholder(token: str) -> bool:
    return (token.startswith("<") and token.endswith(">")) or (token.startswith("[") and token.endswith("]"))


def _usage_options(spec: CommandSpec, rest) -> list[str]:
    """`privacy set <metric|all> <level> [#channel]` → `metric:metric|all level:… [channel:#channel]`."""
    out = []
    for param, (token, _at) in zip(spec.params, rest, strict=False):
        inner = token[1:-1] if _placeholder(token) else token
        value = "…" if inner in (param.name, param.label) else inner
        option = f"{_slash_word(param.label)}:{value}"
        out.append(f"[{option}]" if token.startswith("[") else option)
    return out


def _slash_word(word: str) -> str:
    """A command or option word as Discord names it (bot.adapters.discord_commands.slash_name)."""
    return "-".join(word.lower().split())[:32]


def _value_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
