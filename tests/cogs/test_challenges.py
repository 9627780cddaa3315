"""Weekly challenges over simulated weeks: every kind and mode, members at every level under channel
rules, boards and results exactly once across restarts, leave takes a member off earlier boards, each
kind of bad input; and a property: a final board never says more of a member than their level allows."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import ChallengeConfig, Config, PrivacyConfig
from bot.disclosure import chart_cell
from bot.vocabulary.levels import Level
from tests.support.transcript import group_figure, make_transcript, within_release_bound

LEVELS = {
    "pub": "public", "tre": "trend", "agg1": "aggregate", "agg2": "aggregate", "priv": "private",
}
DAILY = {"pub": 10100, "tre": 20200, "agg1": 30400, "agg2": 40800, "priv": 51600, "loc": 63200}
DAYS = ("2026-11-16", "2026-11-17", "2026-11-18")
SETUP = [
    ":moderator mia",
    *[f"{m}@#walkers: privacy set steps {lv}" for m, lv in LEVELS.items()],
    # loc shares steps publicly elsewhere but only anonymously here (a per-channel level narrows it)
    "loc@dm: privacy set steps public", "loc@dm: privacy set steps aggregate #walkers",
]


def shows(text: str, figure: str) -> bool:
    """``figure`` appears as a number of its own (not inside a longer one, e.g. a total)."""
    return re.search(rf"(?<![\d,.]){re.escape(figure)}(?![\d,])", text) is not None


def raw(member: str) -> list[str]:
    """Every way a member's raw figures could be printed: a day's value and the 3-day total."""
    v = DAILY[member]
    return [f"{v:,}", str(v), f"{3 * v:,}", str(3 * v)]


def total_shown(text: str, members: list[str], hidden: list[str], pattern: str = "Together: about {value} steps in total"
                ) -> bool:
    """The group figure is there, from len(members) people, within the released bound of their 3-day
    total (``hidden``: the members whose values the channel doesn't know)."""
    found = group_figure(text, pattern)
    return (found is not None and found[1] == len(members)
            and within_release_bound(found[0], sum(3 * DAILY[m] for m in members), [3 * DAILY[m] for m in hidden], 100))


def channel_text(out: list[str], channel: str = "#walkers") -> str:
    return "\n".join(line for line in out if line.startswith(f"[{channel} "))


def named(member: str, text: str) -> bool:
    return re.search(rf"\b{member}\b", text) is not None


def capture(bot, snapshot=lambda: None) -> list:
    """Record every channel delivery, sent or edited (its text and the exact chart data handed to the
    renderer), with ``snapshot()`` taken at that moment (what the test's model allowed then)."""
    sent = []
    original_send, original_edit = bot.console.send, bot.console.edit

    async def send(target, delivery):
        message_id = await original_send(target, delivery)
        if target.kind == "channel":
            sent.append((delivery, snapshot()))
        return message_id

    async def edit(target, message_id, delivery, keep_images=False):
        await original_edit(target, message_id, delivery, keep_images=keep_images)
        sent.append((delivery, snapshot()))

    bot.console.send, bot.console.edit = send, edit
    return sent


async def join_and_log(bot, challenge: str, members=tuple(DAILY), loggers=None) -> None:
    """``members`` join; on Wednesday evening ``loggers`` (default: the same) log Monday to Wednesday."""
    await bot.run(*[f"{m}@#walkers: challenge join {challenge}" for m in members])
    await bot.run(":time 2026-11-18T20:00:00+00:00",
                  *[f"{m}@dm: log steps {DAILY[m]} {day}" for day in DAYS for m in (loggers or members)])


async def count_challenges(bot) -> int:
    return await bot.db.fetchval("SELECT COUNT(*) FROM challenges")


# ---- ranked ------------------------------------------------------------------------------------

async def test_ranked_total_shows_each_member_only_as_their_level_allows(bot):
    await bot.run(*SETUP)
    out = await bot.run("mia@#walkers: challenge create stride steps total 100000 1 midway today")
    assert "New challenge `stride`" in channel_text(out) and "Nov 16–Nov 22" in channel_text(out)
    out = await bot.run("priv@#walkers: challenge join stride")
    assert "won't show you" in out[0] and out[0].startswith("[@priv]")
    await join_and_log(bot, "stride", [m for m in DAILY if m != "priv"], loggers=list(DAILY))
    sent = capture(bot)
    mid = channel_text(await bot.run(":time 2026-11-19T13:00:00+00:00"))
    final = channel_text(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    assert "stride — half-way board" in mid and "stride — final results" in final
    for text in (mid, final):
        # public: raw value with its place among the members shown (nobody hidden takes a place)
        assert "pub: #2 · 30,300 steps (30% of target)" in text
        # trend: place and a broad band of the target, never a raw value or an exact % of the public target
        assert "tre: #1 · over half of the target" in text
        assert not any(shows(text, s) for s in raw("tre")) and "61%" not in text
        # aggregate members, the per-channel narrowing: only inside the total (released within its bound);
        # the private member not even there
        assert total_shown(text, ["pub", "tre", "agg1", "agg2", "loc"], ["tre", "agg1", "agg2", "loc"])
        for member in ("agg1", "agg2", "loc", "priv"):
            assert not named(member, text) and not any(shows(text, s) for s in raw(member))
        assert not re.search(r"\b(last|bottom|worst)\b", text, re.I)
    # the final post has a chart: one cumulative line per member it may show, relative (tre is trend-level)
    chart = sent[-1][0].attachments[0].chart
    assert {s.label for s in chart.series} == {"pub", "tre"} and chart.relative
    cells = [chart_cell(v) for _, v in next(s for s in chart.series if s.label == "tre").points][:3]
    assert all(low <= share <= high for (low, high), share in zip(cells, (1, 2, 3), strict=False))   # in steps, not exact
    assert final.count("final results") == 1


async def test_channel_rule_narrows_the_board_and_take_back_follows_a_new_rule(bot):
    await bot.run(*SETUP, "mia@#walkers: mod rule #walkers steps trend",
                  "mia@#walkers: challenge create stride steps total 100000 1 midway today")
    await join_and_log(bot, "stride")
    mid = channel_text(await bot.run(":time 2026-11-19T13:00:00+00:00"))
    assert "pub: #2 · 3 days logged" in mid and not any(shows(mid, s) for s in raw("pub"))   # capped at trend
    assert total_shown(mid, ["pub", "tre", "agg1", "agg2", "loc"], ["pub", "tre", "agg1", "agg2", "loc"])
    out = await bot.run("mia@#walkers: mod rule #walkers steps aggregate")
    edited = channel_text(out)
    assert "edited]" in edited and not named("pub", edited) and not named("tre", edited)
    final = channel_text(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    assert total_shown(final, ["pub", "tre", "agg1", "agg2", "loc"], ["pub", "tre", "agg1", "agg2", "loc"])
    assert not any(named(m, final) for m in DAILY)


@pytest.mark.parametrize("kind, args, logs, shown, hidden", [
    ("average", "", {"pub": [12000] * 3, "tre": [20000] * 3},
     ["pub: #2 · 12,000 steps a day", "tre: #1 · 3 days logged"], ["20,000"]),
    ("days", "15000", {"pub": [16000, 16000, 9000], "tre": [20000] * 3},
     ["tre: #1 · 3 of 7 days with 15,000 steps or more", "pub: #2 · 2 of 7 days with 15,000 steps or more"],
     ["20,000", "60,000"]),
    ("streak", "", {"pub": [16000] * 3, "tre": [20000, None, 20000]},
     ["pub: #1 · 3-day run", "tre: #2 · 1-day run"], ["20,000", "40,000"]),
    ("improvement", "", {"pub": [12000] * 3, "tre": [15000] * 3},
     ["pub: #1 · +20% vs own previous 1 week (12,000 steps a day)", "tre: #2 · ↓ 20–30% vs own previous 1 week"],
     ["15,000", "20,000", "45,000"]),
])
async def test_each_kind_ranks_and_words_its_result(bot, kind, args, logs, shown, hidden):
    await bot.run(*SETUP, f"mia@#walkers: challenge create c1 steps {kind} {args} today")
    await bot.run("pub@#walkers: challenge join c1", "tre@#walkers: challenge join c1",
                  "pub@dm: log steps 10000 2026-11-10", "tre@dm: log steps 20000 2026-11-10")   # the week before
    await bot.run(":time 2026-11-18T20:00:00+00:00")
    for member, values in logs.items():
        await bot.run(*[f"{member}@dm: log steps {v} {day}" for v, day in zip(values, DAYS, strict=False) if v is not None])
    final = channel_text(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    assert "c1 — final results" in final
    for line in shown:
        assert line in final
    assert not any(s in final for s in hidden)


# ---- group goal ------------------------------------------------------------------------------

async def test_group_goal_adds_up_without_ranking_and_private_members_are_asked_to_allow_aggregate(bot):
    await bot.run(*SETUP)
    out = await bot.run("mia@#walkers: challenge create together steps total 500k 1 group today")
    assert "together toward 500,000 steps" in channel_text(out)
    out = await bot.run("priv@#walkers: challenge join together")
    assert "privacy set steps aggregate #walkers" in out[0] and out[0].startswith("[@priv]")
    assert await bot.db.fetchval("SELECT COUNT(*) FROM challenge_members") == 0
    await join_and_log(bot, "together", [m for m in DAILY if m != "priv"])
    final = channel_text(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    assert total_shown(final, ["pub", "tre", "agg1", "agg2", "loc"], ["tre", "agg1", "agg2", "loc"],
                       "Together: about {value} of 500,000 steps")
    assert "pub: 30,300 steps on 3 days" in final
    assert "tre: contributed on 3 days" in final and not any(shows(final, s) for s in raw("tre"))
    assert not re.search(r"[:·] #\d", final)                             # no ranking in group mode
    for member in ("agg1", "agg2", "loc", "priv"):
        assert not named(member, final)


async def test_group_total_needs_k_members_who_allow_aggregate(bot):
    await bot.run(*SETUP, "mia@#walkers: challenge create together steps total 500k group today")
    await join_and_log(bot, "together", ["pub", "agg1"])
    final = channel_text(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    assert "Together:" not in final and "pub: 30,300 steps on 3 days" in final


# ---- exactly once, leave, end ------------------------------------------------------------------

async def test_final_results_posted_exactly_once_across_restarts(bot):
    await bot.run(*SETUP, "mia@#walkers: challenge create short steps total today",
                  "mia@#walkers: challenge create long steps total 2 today")
    await join_and_log(bot, "short", ["pub", "tre"])
    await bot.run(*[f"{m}@#walkers: challenge join long" for m in ("pub", "tre")])
    # down just before the short one ends, back up, through the end
    bot.clock.set(datetime.fromisoformat("2026-11-22T23:00:00+00:00"))
    await bot.restart()
    await bot.run(":time 2026-11-23T02:00:00+00:00")
    await bot.restart()                                                       # right after the end: no repeat
    # down across the long one's end; it is caught up on start (within the grace window), once
    bot.clock.set(datetime.fromisoformat("2026-11-30T05:00:00+00:00"))
    await bot.restart()
    await bot.restart()
    await bot.run(":time 2026-12-08T00:00:00+00:00")
    printed = bot.out.getvalue()
    assert printed.count("short — final results") == 1 and printed.count("long — final results") == 1
    assert await bot.db.fetchval("SELECT COUNT(*) FROM challenges WHERE ended=1") == 2
    assert "No challenge is running here" in await bot.say("pub@#walkers: challenge list")


async def test_results_missed_past_the_grace_window_can_still_be_posted_by_ending_it(bot):
    await bot.run(*SETUP, "mia@#walkers: challenge create stride steps total today")
    await join_and_log(bot, "stride", ["pub", "tre"])
    bot.clock.set(datetime.fromisoformat("2026-12-05T12:00:00+00:00"))      # down for two weeks
    await bot.restart()
    assert "final results" not in bot.out.getvalue() and "`stride`" in await bot.say("pub@#walkers: challenge list")
    out = await bot.run("mia@#walkers: challenge end stride", "mia@#walkers: confirm")
    assert "stride — final results" in channel_text(out) and "Nov 16–Nov 22" in channel_text(out)
    await bot.restart()
    await bot.run(":time 2026-12-20T00:00:00+00:00")
    assert bot.out.getvalue().count("stride — final results") == 1


async def test_leave_takes_the_member_off_earlier_boards_at_once(bot):
    await bot.run(*SETUP, "mia@#walkers: challenge create stride steps total 100000 1 midway today")
    await join_and_log(bot, "stride", ["pub", "tre", "agg1", "agg2"])
    await bot.run(":time 2026-11-23T01:00:00+00:00")                            # midway #2 and final #3 posted
    out = await bot.run("tre@#walkers: challenge leave stride")
    edited = channel_text(out)
    assert "[#walkers #2 edited]" in edited and "[#walkers #3 edited]" in edited
    assert not named("tre", edited) and "pub: #1 · 30,300 steps" in edited      # renumbered: no gap left
    assert "Together" not in edited          # a total that lost a contributor goes, never recomputed without them
    assert "took you off 2 earlier boards" in out[-1] and out[-1].startswith("[@tre]")
    assert "aren't in" in await bot.say("tre@#walkers: challenge leave stride")


async def test_moderator_ends_a_challenge_early_once(bot):
    await bot.run(*SETUP, "mia@#walkers: challenge create stride steps total today")
    await join_and_log(bot, "stride", ["pub", "tre"])
    assert "Only moderators" in await bot.say("pub@#walkers: challenge end stride")
    out = await bot.run("mia@#walkers: challenge end stride")
    assert "Type `confirm`" in out[0] and not channel_text(out)
    out = await bot.run("mia@#walkers: confirm")
    text = channel_text(out)
    assert "stride — final results" in text and "Nov 16–Nov 18" in text and "pub: #2 · 30,300 steps" in text
    assert "has ended" in out[-1]
    await bot.run("mia@#walkers: challenge end stride")
    assert "No running challenge" in await bot.say("mia@#walkers: confirm")
    await bot.run("mia@#walkers: challenge create later steps total", "mia@#walkers: challenge end later")
    assert "called it off" in await bot.say("mia@#walkers: confirm")            # it hadn't started
    await bot.run(":time 2026-12-01T00:00:00+00:00")
    printed = bot.out.getvalue()
    assert printed.count("stride — final results") == 1 and "later — final" not in printed
    board = await bot.run("tre@#walkers: challenge board stride")
    assert all(line.startswith("[@tre]") for line in board) and "stride — final results" in board[0]


# ---- private board, list, consent, data --------------------------------------------------------

async def test_board_and_list_are_private_and_judged_by_the_channel(bot):
    await bot.run(*SETUP, "mia@#walkers: challenge create stride steps total 100000 1 today")
    await join_and_log(bot, "stride")
    out = await bot.run("tre@#walkers: challenge board stride")
    text = "\n".join(out)
    assert all(line.startswith("[@tre]") for line in out)
    # Nothing has been posted yet: nobody else's standing is computed for whoever asks (released once)
    assert "no board has been posted here yet" in text and "Together" not in text
    assert "You so far: 60,600 steps (61% of target)" in text      # their own line in full, to them only
    assert not any(named(m, text) for m in ("pub", "agg1", "agg2", "loc", "priv"))
    text = "\n".join(await bot.run("priv@#walkers: challenge board stride"))
    assert "You so far: 154,800 steps (155% of target)" in text and "Together" not in text
    assert "You haven't joined" in await bot.say("zed@#walkers: challenge board stride")
    listing = await bot.say("pub@#walkers: challenge list")
    assert "`stride`" in listing and "you're in" in listing and "[#" not in listing
    exported = await bot.app.services.challenges.export_member(
        (await bot.app.services.community.member(1, "pub", "pub", bot.clock.now())).id)
    assert [(r["challenge"], r["role"]) for r in exported] == [("stride", "joined")]


async def test_members_can_create_when_the_community_allows_it(tmp_path):
    config = Config(privacy=PrivacyConfig(min_group_size=3), challenges=ChallengeConfig(members_can_create=True))
    bot = await make_transcript(tmp_path, config)
    try:
        assert "New challenge `mine`" in await bot.say("ann@#walkers: challenge create mine steps streak 2")
        assert "Nov 17–Nov 30 (coming up)" in await bot.say("ann@#walkers: challenge list")   # `streak 2`: 2 weeks
        # a name with spaces in quotes; the days are the channel's check-in time zone's
        await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 America/New_York")
        assert "(America/New_York)" in await bot.say('ann@#walkers: challenge create "step it up" steps total')
        assert "You joined `step it up`" in await bot.say("ann@#walkers: challenge join Step It Up")
        starts = await bot.db.fetchval("SELECT starts_at FROM challenges WHERE name='step it up'")
        assert starts == "2026-11-17T05:00:00+00:00"     # midnight in New York, the next local day
    finally:
        await bot.app.stop()


# ---- bad input ---------------------------------------------------------------------------------

BAD = [
    ("mia@#walkers: challenge create x steps sprint", "must be one of"),
    ("mia@#walkers: challenge create x steps total 100000 13", "1 to 12 weeks"),
    ("mia@#walkers: challenge create x steps total 100000 0", "1 to 12 weeks"),
    ("mia@#walkers: challenge create STRIDE steps total", "already a challenge called"),
    ("mia@#walkers: challenge create x steps days", "needs a target"),
    ("mia@#walkers: challenge create x steps total group", "needs a target"),
    ("mia@#walkers: challenge create x steps average 9000 1 group", "kind is `total`"),
    ("mia@#walkers: challenge create x steps streak 5000", "has no target"),
    ("mia@#walkers: challenge create x steps total lots", "couldn't read"),
    ("mia@#walkers: challenge create x weight total", "more isn't better"),
    ("mia@#walkers: challenge create x stepz total", "don't know the metric"),
    ("mia@#walkers: challenge create x sleep total", "hides sleep completely"),
    ("mia@#walkers: challenge create 'no*stars' steps total", "challenge name is"),
    ("mia@dm: challenge create x steps total", "not in a direct message"),
    ("bob@#walkers: challenge create x steps total", "Only moderators"),
    ("pub@#walkers: challenge join stride", "already in"),
    ("tre@#walkers: challenge leave stride", "aren't in"),
    ("pub@#walkers: challenge join nope", "no challenge called"),
    ("pub@#walkers: challenge board nope", "no challenge called"),
    ("pub@#runners: challenge join stride", "no challenge called"),
]


async def test_bad_input_gets_one_clear_line_and_changes_nothing(bot):
    await bot.run(*SETUP, "mia@#walkers: mod rule #walkers sleep off",
                  "mia@#walkers: challenge create stride steps total", "pub@#walkers: challenge join stride")
    before = (await count_challenges(bot), await bot.db.fetchval("SELECT COUNT(*) FROM challenge_members"))
    for line, expected in BAD:
        out = await bot.run(line)
        assert len(out) == 1 and out[0].startswith("[@") and expected in out[0], (line, out)
    after = (await count_challenges(bot), await bot.db.fetchval("SELECT COUNT(*) FROM challenge_members"))
    assert after == before


# ---- property: a final board never says more than a member allows ------------------------------

N = 4
LEVEL_WORDS = ["private", "aggregate", "trend", "public"]
CAPS = ["off", "aggregate", "trend", "public"]


def value_of(i: int, day: int) -> int:
    return 10_000 + 1_111 * i * i + 97 * day   # unevenly spaced: no group average equals one member's figure


def raw_of(i: int) -> list[str]:
    days = [value_of(i, d) for d in range(3)]
    figures = days + [days[1] + days[2], (days[1] + days[2]) / 2]
    return [f"{v:,.0f}" for v in figures] + [f"{v:.0f}" for v in figures]


scenarios = st.fixed_dictionaries({
    "default": st.lists(st.sampled_from(LEVEL_WORDS), min_size=N, max_size=N),
    "here": st.lists(st.sampled_from([None, *LEVEL_WORDS]), min_size=N, max_size=N),
    "cap": st.sampled_from([None, "aggregate", "trend", "public"]),
    "kind": st.sampled_from(["total 25000", "average", "days 10500", "improvement"]),
    "lower_later": st.sampled_from([None, *range(N)]),
})


async def play(sc: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))

        async def no_pixels(spec):   # the chart's data is what is checked here, not its drawing
            return b"\x89PNG"

        bot.app.services.gate._render_chart = no_pixels
        try:
            effective = {}
            lines = [":moderator mod"]
            for i in range(N):
                lines.append(f"m{i}@dm: privacy set steps {sc['default'][i]}")
                if sc["here"][i]:
                    lines.append(f"m{i}@dm: privacy set steps {sc['here'][i]} #walkers")
                own = Level[(sc["here"][i] or sc["default"][i]).upper()]
                effective[i] = Level(min(own, Level[sc["cap"].upper()] if sc["cap"] else Level.PUBLIC))
            if sc["cap"]:
                lines.append(f"mod@dm: mod rule #walkers steps {sc['cap']}")
            lines.append(f"mod@#walkers: challenge create p steps {sc['kind']} 1 midway")
            lines += [f"m{i}@#walkers: challenge join p" for i in range(N)]
            if sc["kind"] == "improvement":
                lines += [f"m{i}@dm: log steps {value_of(i, 0)} 2026-11-12" for i in range(N)]   # the week before
            await bot.run(*lines)
            sent = capture(bot, lambda: dict(effective))
            await bot.run(":time 2026-11-19T20:00:00+00:00",
                          *[f"m{i}@dm: log steps {value_of(i, d)} 2026-11-{16 + d}" for d in (1, 2) for i in range(N)])
            await bot.run(":time 2026-11-21T01:00:00+00:00")                   # the half-way board is out
            if sc["lower_later"] is not None:     # a member narrows their level: the board is edited at once
                i = sc["lower_later"]
                effective[i] = Level(min(effective[i], Level.AGGREGATE))
                await bot.run(f"m{i}@dm: privacy set steps aggregate #walkers")
            await bot.run(":time 2026-11-24T01:00:00+00:00")
            posted = any("p — final results" in d.text for d, _ in sent)
            # whether a post appears depends only on what the channel may see
            if any(lv >= Level.TREND for lv in effective.values()):
                assert posted
            if all(lv < Level.AGGREGATE for lv in effective.values()):
                assert not sent
            for delivery, allowed in sent:
                for i in range(N):
                    if allowed[i] < Level.PUBLIC:
                        shown = [s for s in raw_of(i) if re.search(rf"(?<![\d,]){re.escape(s)}(?![\d,])", delivery.text)]
                        assert not shown, (i, allowed[i], delivery.text)
                    if allowed[i] < Level.TREND:
                        assert not named(f"m{i}", delivery.text), (i, allowed[i], delivery.text)
                    for a in delivery.attachments:
                        labels = {s.label for s in a.chart.series}
                        assert allowed[i] >= Level.TREND or f"m{i}" not in labels
                        assert a.chart.relative or allowed[i] == Level.PUBLIC or f"m{i}" not in labels
        finally:
            await bot.app.stop()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios)
def test_final_board_never_shows_more_than_each_members_level(sc):
    asyncio.run(play(sc))
