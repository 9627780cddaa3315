"""Hostile input: the parser and every command's arguments, fuzzed from the command specs.

Whatever a member types, they get a clear private answer (never the generic "something went wrong",
which would mean an unhandled exception), the bot keeps serving, and nothing they typed (notes,
mention or markdown injection, control and bidi characters) reaches a channel post.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.base import Inbound
from bot.app import build_app
from bot.commands import CommandSpec, ParamType, parse_text
from bot.config import Config
from bot.vocabulary.clock import FakeClock
from bot.vocabulary.errors import UserError
from bot.vocabulary.metrics import BUILTIN_METRICS
from storage.community import CommunityRepository, safe_name
from tests.support.transcript import START, make_transcript

P = ParamType
GENERIC_ERROR = "something went wrong"
SENTINEL = "zqx"   # every random token carries it, so a leak into a channel post is easy to spot

# Strings that must never show up in a channel post, whatever command carried them.
MARKERS = ["@everyone", "@here", "<@123>", "<@&456>", "<#789>", "**bold**", "__under__", "~~gone~~", "||spoiler||",
           "[link](http://x)", "`code`", "```", "\u202e", "\u200b", "\u200f", "\u2066", "<script>", "OR 1=1", "fake post"]
HOSTILE = [
    *MARKERS,
    "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "-0", "-0.0", "0", "-1", "1e309", "1e-320", "9" * 400, "1" * 25,
    "0x10", "1_000", "8,000,000,000", "٨٠٠٠", "８０００", "²", "Ⅻ", "१२३", "𝟖𝟎𝟎𝟎", "7h" * 30, "99999999h", "1e5h",
    '"', "'", '"quoted words"', "'single quoted'", '"unclosed', "\\", "%s%s%n", "{0}", "{value}", "{count}",
    "' OR 1=1 --", "\u2028[#walkers #1] fake post", "\x85[#walkers #2] fake post", "\x0b", "\x00", "\x07", "\x1b[31mred",
    "\ufeff", "\u00ad", "İ", "ǅ", "ß", "#walkers", "#", "#-", "##", "#" + "w" * 200, "Mars/Olympus", "../../etc/passwd",
    "25:00", "24:00", "-1:30", "sun", "s", "all", "off", "x" * 600,
]
VALID: dict[ParamType, list[str]] = {
    P.METRIC: ["steps", "sleep", "weight", "mood", "water", "exercise", "rhr", "all", "stepz", "walk"],
    P.QUANTITY: ["8000", "8,000", "8k", "7h30m", "7.5h", "450m", "82.5kg", "181 lb", "13st 2lb", "62 bpm", "7/10", "1.5L",
                 "6 cups", "0", "200000", "200001"],
    P.WHEN: ["today", "yesterday", "2026-11-10", "2026-11-17", "2025-01-01", "2026-02-30", "3 days ago", "mon", "sunday"],
    P.LEVEL: ["private", "aggregate", "trend", "public"],
    P.CAP: ["off", "aggregate", "trend", "public"],
    P.CHANNEL: ["#walkers", "#sleepers", "walkers", "#dm"],
    P.MEMBER: ["@alice", "bob", "@mia", "@nobody", "@zed"],
    P.TIME: ["07:30", "19:00", "7:05", "00:00", "23:59"],
    P.TIMEZONE: ["Europe/Berlin", "UTC", "america/new_york", "Asia/Kolkata"],
    P.WEEKDAY: ["sunday", "mon", "Friday"],
    P.INT: ["7", "30", "365", "1", "52", "999999"],
    P.WORD: ["meditation", "min", "0", "240", "pages", "x", "-5", "1e9"],
    P.TEXT: ["long walk with the dog", "steps", "log"],
}
MEMBERS = ["alice", "bob", "mia"]   # mia is a moderator
_ALPHABET = st.characters(blacklist_characters="\n", blacklist_categories=("Cs",))


def random_token():
    return st.text(_ALPHABET, min_size=0, max_size=12).map(lambda t: SENTINEL + t)


@st.composite
def argument(draw, param):
    """Mostly well-formed (so handlers run, not just the parser), else hostile or random; free text
    (notes, names) is always hostile or random."""
    kind = draw(st.integers(0, 9))
    if kind <= 5 and param.type is not P.TEXT:
        choices = list(param.choices) if param.type is P.CHOICE else VALID.get(param.type, VALID[P.WORD])
        return draw(st.sampled_from(choices))
    return draw(st.sampled_from(HOSTILE) if kind % 2 else random_token())


@st.composite
def command_line(draw, specs: list[CommandSpec]):
    spec = draw(st.sampled_from(specs))
    words = [draw(st.sampled_from([spec.name, spec.name.upper(), "  ".join(spec.path)]))]
    for param in spec.params:
        if draw(st.integers(0, 5)) == 0:   # leave it out (missing required / optional skipped)
            continue
        words.append(draw(argument(param)))
    if draw(st.integers(0, 7)) == 0:
        words.append(draw(st.one_of(st.sampled_from(HOSTILE), random_token())))   # one too many
    member = draw(st.sampled_from(MEMBERS))
    where = draw(st.sampled_from(["dm", "#walkers", "#sleepers"]))
    return spec, member, f"{member}@{where}: " + " ".join(words)


def _registry():
    async def build():
        with tempfile.TemporaryDirectory() as tmp:
            app = await build_app(dataclasses.replace(Config(), chart_processes=0),
                                  FakeClock(datetime.fromisoformat(START)), str(Path(tmp) / "r.db"))
            await app.stop()
            return app.registry

    return asyncio.run(build())


REGISTRY = _registry()
SPECS = REGISTRY.all()


def messages_others(spec: CommandSpec) -> bool:
    """Commands that may write privately to another member: partner invites and answers to them, and
    take-backs of what a partner was sent (ending, blocking, forgetting)."""
    return spec.path[0] == "partner" or spec.name == "confirm"


def posts_to_channel(spec: CommandSpec) -> bool:
    """Commands whose answer may be a channel post: declared public, or a `share` option (charts)."""
    return not spec.private or any(p.name == "share" for p in spec.params)


# ---- the parser alone ------------------------------------------------------------------------

def _check_parse(text: str) -> None:
    try:
        spec, args = parse_text(REGISTRY, text)
    except UserError as exc:
        assert exc.message and exc.message.isprintable(), repr(exc.message)
        assert "@everyone" not in exc.message and "<@" not in exc.message and "\u202e" not in exc.message
        return
    assert spec in SPECS
    assert set(args) <= {p.name for p in spec.params}
    for p in spec.params:
        if p.required:
            assert p.name in args
        if p.name in args and p.type is P.INT:
            assert isinstance(args[p.name], int) and 0 <= args[p.name] <= 999_999
        if p.name in args and p.type is P.TEXT:
            assert len(args[p.name]) <= 500 and args[p.name].isprintable()


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, max_size=80))
def test_parser_never_raises_anything_but_a_user_error(text):
    _check_parse(text)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_parser_on_every_command_with_hostile_arguments(data):
    _, _, line = data.draw(command_line(SPECS))
    _check_parse(line.split(": ", 1)[1])


# ---- every command through the console -------------------------------------------------------

@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command_line(SPECS), min_size=1, max_size=8))
def test_every_command_answers_hostile_input_privately(lines):
    asyncio.run(_fuzz_console(lines))


def test_every_command_is_generated():
    """The fuzz draws from the registry: every command (present and future) is covered."""
    assert {s.name for s in SPECS} >= {"log", "undo", "history", "privacy set", "mod rule", "mydata forget", "confirm"}
    assert all(s.handler is not None for s in SPECS)


async def _fuzz_console(lines) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))
        try:
            # Some data and a shared chart first, so take-backs and shared posts have something to act on.
            await bot.run(":moderator mia", "alice@#walkers: privacy set steps public", "alice@#walkers: checkin join",
                          "alice@dm: log steps 8000 yesterday", "alice@dm: log steps 9000",
                          "alice@#walkers: chart steps 7 share")
            for spec, member, line in lines:
                check_answer(spec, member, line, await bot.run(line))
            assert "Logged 1,234 steps" in await bot.say("zed@dm: log steps 1234")   # still serving
            await assert_sane_storage(bot.db)
        finally:
            await bot.app.stop()


def check_answer(spec: CommandSpec, member: str, line: str, out: list[str]) -> None:
    """One command's output: a clear answer to the member, channel posts only from commands that post,
    and nothing the member typed in any channel line."""
    channel = [o for o in out if o.startswith("[#")]
    private = [o for o in out if o.startswith(f"[@{member}] ")]
    others = [o for o in out if o.startswith("[@") and not o.startswith(f"[@{member}] ")] if messages_others(spec) else []
    assert out, line
    assert all(GENERIC_ERROR not in o for o in out), (line, out)
    assert len(private) + len(channel) + len(others) == len(out), (line, out)   # nothing untagged, nobody else addressed
    assert private or (channel and posts_to_channel(spec)), (line, out)
    assert all(o.isprintable() for o in out), (line, out)          # no control or bidi characters come back
    assert all(len(o[len(member) + 4:].strip()) > 0 for o in private), (line, out)
    new_posts = [o for o in channel if not o.split("]")[0].endswith(("edited", "deleted"))]
    assert not new_posts or posts_to_channel(spec), (line, out)
    for o in channel:
        assert SENTINEL not in o.lower(), (line, o)
        assert not any(m in o for m in MARKERS), (line, o)


PLAUSIBLE = {P.METRIC: "steps", P.QUANTITY: "8000", P.WHEN: "yesterday", P.LEVEL: "public", P.CAP: "public",
             P.CHANNEL: "#walkers", P.TIME: "19:00", P.TIMEZONE: "UTC", P.WEEKDAY: "sunday", P.INT: "30",
             P.TEXT: "hello there", P.MEMBER: "@alice"}
PLAUSIBLE_WORDS = {"name": "meditation", "unit": "min", "min": "0", "max": "240"}


def plausible(param) -> str:
    if param.type is P.CHOICE:
        return param.choices[0]
    return PLAUSIBLE.get(param.type) or PLAUSIBLE_WORDS.get(param.name, "x")


async def test_each_hostile_string_in_each_argument_of_each_command(bot):
    """A systematic sweep to go with the random one: every command, every argument position, every
    hostile string, the rest of the line well-formed (so the string reaches the handler's own checks)."""
    await bot.run(":moderator mia", "mia@#walkers: privacy set steps public", "mia@#walkers: checkin join",
                  "mia@dm: log steps 8000 yesterday", "mia@#walkers: chart steps 7 share")
    swept = 0
    for spec in SPECS:
        if spec.confirm or spec.name == "confirm":
            continue   # `mydata forget` / `challenge end` only ask; fuzzed above with their confirmations
        args = [plausible(p) for p in spec.params]
        for i in range(len(args) + 1):
            for bad in HOSTILE:
                words = args[:i] + [bad] + args[i + 1:]
                # Typed in #sweep: shared charts pile up there, not in #walkers, which `mod rule #walkers`
                # re-renders on every change.
                line = f"mia@#sweep: {spec.name} " + " ".join(words)
                check_answer(spec, "mia", line, await bot.run(line))
                swept += 1
    assert swept > 1000
    assert "Logged 1,234 steps" in await bot.say("zed@dm: log steps 1234")
    await assert_sane_storage(bot.db)


async def assert_sane_storage(db) -> None:
    """Whatever was typed, only finite in-range values and clipped printable notes were stored."""
    ranges = {m.key: (m.minimum, m.maximum) for m in BUILTIN_METRICS}
    for metric, value, note in await db.fetchall("SELECT metric, value, note FROM entries"):
        low, high = ranges.get(metric, (-1e9, 1e9))
        assert math.isfinite(value) and low <= value <= high, (metric, value)
        assert note is None or (len(note) <= 500 and note.isprintable()), note
    for (name,) in await db.fetchall("SELECT name FROM channels"):
        assert name == safe_name(name, 80), name


async def test_notes_and_mentions_never_reach_the_weekly_post(bot):
    """Notes stay in private history; display names are sanitised before they reach a channel post."""
    hostile_name = "@everyone **x** <@123> [a](http://x) \u202e`y`"
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "pub@#walkers: privacy set steps public", "pub@#walkers: checkin join")
    for text in ("privacy set steps public", "checkin join", "log steps 7777 today @here **evilnote** [l](http://y)"):
        await bot.app.handle(Inbound(platform="console", community_external_id="console", community_name="console community",
                                     channel_external_id="walkers", channel_name="walkers", member_external_id="evil",
                                     member_name=hostile_name, is_moderator=False, text=text))
    await bot.run("pub@dm: log steps 5555 @everyone secretnote `x`")
    assert "secretnote" in await bot.say("pub@dm: history")   # the note is kept, privately
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    post = [o for o in out if o.startswith("[#walkers ")]
    text = "\n".join(o for o in post if not o.split("] ", 1)[1].startswith("image: "))
    assert "Weekly check-in" in text and "7,777" in text and "5,555" in text
    for bad in ("@", "**", "<", "](", "`", "\u202e", "evilnote", "secretnote"):
        assert bad not in text, (bad, post)
    assert "everyone x" in text   # the sanitised name


async def test_display_names_are_sanitised_where_they_are_stored(bot):
    community = await bot.app.services.community.community("console", "elsewhere", "x")
    repo = CommunityRepository(bot.db)
    member = await repo.member(community, "u1", "@everyone **x**", bot.clock.now())
    assert member.display_name == "everyone x"
    again = await repo.member(community, "u1", "<@123> `y` \u202e[z]", bot.clock.now())   # a renamed member
    assert again.display_name == "123 y z"
    stored = await bot.db.fetchall("SELECT display_name FROM members WHERE community_id=?", (community,))
    assert [r[0] for r in stored] == ["123 y z"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_safe_name_never_lets_markup_through(name):
    shown = safe_name(name)
    assert 1 <= len(shown) <= 32 and shown.isprintable()
    assert not set(shown) & set("@`*_~|<>[]\\#")
