"""What a reader can work out: PRIVACY.md's parameters, the disclosure arithmetic, one transcript per
attack reproduced against the earlier version, and an adversary that solves for hidden values."""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import disclosure
from bot.config import Config
from bot.vocabulary.levels import Level
from tests.support.inference_adversary import World, read_board, read_checkin
from tests.support.transcript import group_figure, make_transcript

ROOT = Path(__file__).resolve().parents[2]


# ---- PRIVACY.md states the parameters the code uses -------------------------------------------

def test_privacy_md_states_exactly_the_parameters_in_use():
    text = (ROOT / "PRIVACY.md").read_text()
    block = re.search(r"<!-- parameters:.*?-->\n(.*?)\n<!-- end parameters -->", text, re.S)
    assert block is not None
    assert block.group(1).strip() == disclosure.parameters_table(Config().privacy.min_group_size)


# ---- the arithmetic ---------------------------------------------------------------------------

def test_k_below_three_is_refused():
    import pytest
    with pytest.raises(ValueError):
        disclosure.Parameters(k=2)


def test_p_percent_rule_withholds_a_dominated_figure():
    params = disclosure.Parameters()
    assert disclosure.withheld_reason(3, [10_000, 500, 500], params) == "dominated"   # 2nd subtracts: ~exact
    assert disclosure.withheld_reason(3, [10_000, 5_000, 1_000], params) is None
    assert disclosure.withheld_reason(2, [10_000, 9_000], params) == "fewer than k"


def test_perturbation_is_bounded_spread_and_stable():
    secret = b"s" * 32
    offsets = [disclosure.perturbation(secret, f"steps|total|w|{i}", 10_000, 10) for i in range(400)]
    assert all(abs(o) <= 500 for o in offsets)                 # at most p/2 % of the value
    assert sum(1 for o in offsets if abs(o) > 250) > 120       # spread over the whole range
    assert offsets[7] == disclosure.perturbation(secret, "steps|total|w|7", 10_000, 10)   # released twice: same


def test_bands_never_carry_an_exact_ratio():
    assert disclosure.change_band(8000, 10000, "vs last week") == "↑ 20–30% vs last week"
    assert disclosure.change_band(8000, 8100, "vs last week") == "about the same as last week"
    assert disclosure.change_band(8000, 20000, "vs last week") == "↑ more than 50% vs last week"
    assert disclosure.change_band(10000, 8500, "vs last week") == "↓ 10–20% vs last week"
    assert disclosure.goal_band(61, "the target") == "over half of the target" and disclosure.goal_band(20) is None
    steps = disclosure.relative_steps([("d1", 8123), ("d2", 9001), ("d3", 80000)], 8000)
    assert [v for _, v in steps] == [100.0, 110.0, 985.0]           # 10x the usual: still a 10% cell
    assert all(on_the_grid(v) for _, v in steps)
    low, high = disclosure.chart_cell(985.0)
    assert high / low >= 1 + disclosure.CHART_STEP / 100 - 1e-9


def on_the_grid(value: float) -> bool:
    """A trend chart value is a whole number of geometric steps from the usual (100)."""
    import math
    steps = math.log(value / 100) / math.log(1 + disclosure.CHART_STEP / 100)
    return abs(steps - round(steps)) < 1e-3 or value == 0


# ---- one transcript per attack that was reproduced ---------------------------------------------

SCHEDULE = [":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC"]
WEEK = ("2026-11-17", "2026-11-18", "2026-11-19")


def posts(out: list[str], channel: str = "#walkers") -> str:
    return "\n".join(line for line in out if line.startswith(f"[{channel} "))


async def week_of(bot, values: dict[str, int], days=WEEK, post_at="2026-11-22T19:00:00+00:00") -> str:
    await bot.run(":time " + (date.fromisoformat(days[-1]) + timedelta(days=1)).isoformat() + "T08:00:00+00:00")
    await bot.run(*[f"{m}@dm: log steps {v} {d}" for d in days for m, v in values.items()])
    return posts(await bot.run(":time " + post_at))


async def test_public_members_never_make_up_k(bot):
    """Two public members and one aggregate member: a total "from 3 people" would give the hidden one."""
    await bot.run(*SCHEDULE, "a@#walkers: privacy set steps public", "b@#walkers: privacy set steps public",
                  "h@#walkers: privacy set steps aggregate", *[f"{m}@#walkers: checkin join" for m in "abh"])
    text = await week_of(bot, {"a": 8000, "b": 9000, "h": 7777})
    assert "a: 24,000 steps" in text and "Together" not in text and "23,331" not in text


async def test_a_moderator_with_a_second_account_cannot_subtract_their_way_to_a_value(bot):
    """mia and her second account mia2 push a group to k; the figure still hides the third within p%."""
    await bot.run(*SCHEDULE, *[f"{m}@#walkers: privacy set steps aggregate" for m in ("mia", "mia2", "vic")],
                  *[f"{m}@#walkers: checkin join" for m in ("mia", "mia2", "vic")])
    text = await week_of(bot, {"mia": 8000, "mia2": 8000, "vic": 8000})
    value, count = group_figure(text, "Together: steps about {value} in total")
    assert count == 3
    guess = value - 2 * 3 * 8000            # what the two accounts conclude about vic's 24,000
    slack = disclosure.P_PERCENT / 200 * 3 * 24_000 + 50
    assert abs(guess - 24_000) <= slack     # the figure is honest within its bound ...
    # ... and the accounts can't tell more: the bound they must allow is p% of vic's value or more
    assert 2 * slack >= disclosure.P_PERCENT / 100 * 24_000


async def test_challenge_board_on_demand_shows_only_the_last_release(bot):
    """Asking before and after someone joins must not give two different figures to subtract."""
    await bot.run(":moderator mia", *[f"{m}@#walkers: privacy set steps aggregate" for m in ("a", "b", "c", "d")],
                  "mia@#walkers: challenge create stride steps total 1 midway today",
                  *[f"{m}@#walkers: challenge join stride" for m in "abc"],
                  *[f"{m}@dm: log steps {v} 2026-11-16" for m, v in zip("abcd", (7000, 8000, 9000, 6000), strict=False)])
    before = await bot.run("zed@#walkers: challenge board stride")
    await bot.run("d@#walkers: challenge join stride")
    after = await bot.run("zed@#walkers: challenge board stride")
    assert before == after and "Together" not in "\n".join(after)
    await bot.run(":time 2026-11-19T13:00:00+00:00")                    # the half-way board is released
    first = await bot.run("zed@#walkers: challenge board stride")
    await bot.run("c@#walkers: challenge leave stride")
    second = await bot.run("zed@#walkers: challenge board stride")
    assert "Together" in "\n".join(first) and "Together" not in "\n".join(second)   # dropped, never recomputed


async def test_a_public_week_then_a_trend_week_gives_a_band_not_the_value(bot):
    await bot.run(*SCHEDULE, "t@#walkers: privacy set steps public", "t@#walkers: checkin join")
    first = await week_of(bot, {"t": 8000})
    assert "t: 24,000 steps" in first
    await bot.run("t@#walkers: privacy set steps trend")
    second = await week_of(bot, {"t": 10000}, days=("2026-11-24", "2026-11-25", "2026-11-26"),
                           post_at="2026-11-29T19:00:00+00:00")
    assert "t: steps ↑ 20–30% vs last week" in second and "25%" not in second and "30,000" not in second


async def test_trend_chart_data_holds_only_steps_of_the_members_own_usual(bot):
    await bot.run(*SCHEDULE, "t@#walkers: privacy set steps trend", "t@#walkers: checkin join",
                  "p@#walkers: privacy set steps public", "p@#walkers: checkin join", "p@dm: goal steps 70000",
                  "t@dm: goal steps 70000")
    specs = []
    render = bot.app.services.gate._render_chart

    async def keep(spec):
        specs.append(spec)
        return await render(spec)

    bot.app.services.gate._render_chart = keep
    await week_of(bot, {"t": 8123, "p": 9456})
    assert specs and all(s.relative for s in specs)
    assert all(on_the_grid(v) for s in specs for series in s.series for _, v in series.points)
    assert all(s.goal is None for s in specs)      # goals are never drawn on a channel's chart


async def test_no_visible_tie_with_a_public_member_and_hidden_members_take_no_place(bot):
    await bot.run(":moderator mia", "pub@#walkers: privacy set steps public", "tre@#walkers: privacy set steps trend",
                  "priv@#walkers: privacy set steps private",
                  "mia@#walkers: challenge create c steps total 1 today",
                  *[f"{m}@#walkers: challenge join c" for m in ("pub", "tre", "priv")],
                  *[f"{m}@dm: log steps 9000 2026-11-16" for m in ("pub", "tre")], "priv@dm: log steps 20000 2026-11-16")
    final = posts(await bot.run(":time 2026-11-23T01:00:00+00:00"))
    places = re.findall(r"(\w+): #(\d+)", final)
    assert sorted(p for _, p in places) == ["1", "2"]            # distinct places, and priv takes none
    assert "priv" not in final
    out = await bot.run("pub@#walkers: challenge leave c")
    assert "tre: #1" in posts(out)                                # renumbered: no gap where pub was


async def test_threshold_counts_are_refused_on_sensitive_metrics(bot):
    out = await bot.say("mia@#walkers: challenge create m mood days 2")
    assert "Only moderators" in out
    await bot.run(":moderator mia")
    assert "counts days at a bar" in await bot.say("mia@#walkers: challenge create m mood days 2")


async def test_a_post_appears_only_for_what_the_channel_may_see(bot):
    await bot.run(*SCHEDULE, "priv@#walkers: checkin join")
    assert await week_of(bot, {"priv": 12345}) == ""              # only a private member logged: no post at all


async def test_whether_a_chart_appears_does_not_depend_on_private_members(bot):
    visible = [f"v{i}" for i in range(12)]
    hidden = [f"h{i}" for i in range(5)]
    await bot.run(*SCHEDULE, *[f"{m}@#walkers: privacy set steps public" for m in visible],
                  *[f"{m}@#walkers: checkin join" for m in visible + hidden])
    text = await week_of(bot, {m: 5000 + i for i, m in enumerate(visible + hidden)})
    assert "image:" in text                                       # 12 visible lines: drawn, whatever the 5 did


async def test_all_off_replaces_every_per_metric_rule_and_says_which(bot):
    await bot.run(*SCHEDULE, "mia@#walkers: mod rule #walkers steps public", "p@#walkers: privacy set steps public",
                  "p@#walkers: checkin join")
    out = await bot.say("mia@#walkers: mod rule #walkers all off")
    assert "every metric — off" in out and "replaces the earlier rules there for steps (public)" in out
    assert "steps: off (channel-wide rule)" in await bot.say("mia@#walkers: mod rules")
    assert await week_of(bot, {"p": 8000}) == ""


async def test_channel_names_compare_case_insensitively(bot):
    await bot.run(*SCHEDULE, "mia@#walkers: mod rule #Walkers steps off", "p@#WALKERS: privacy set steps public",
                  "p@#Walkers: checkin join")
    assert await week_of(bot, {"p": 8000}) == ""                  # one channel, one rule, whatever the case


async def test_the_ledger_keeps_what_was_shown_never_raw_contributions(bot):
    await bot.run(*SCHEDULE, *[f"{m}@#walkers: privacy set steps aggregate" for m in ("a", "b", "c")],
                  "t@#walkers: privacy set steps trend", *[f"{m}@#walkers: checkin join" for m in "abct"])
    await week_of(bot, {"a": 7001, "b": 8002, "c": 9003, "t": 6004})
    stored = " ".join(r[0] for r in await bot.db.fetchall("SELECT content FROM posts"))
    for v in (7001, 8002, 9003, 6004):
        for form in (str(v), f"{v:,}", str(3 * v), f"{3 * v:,}", f"{3 * v}.0", f"{v}.0"):
            assert form not in stored, form


# ---- the adversary ------------------------------------------------------------------------------

NAMES = ["m0", "m1", "m2", "m3", "m4", "m5"]
WEEKS = [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]      # Mondays; check-ins on Sundays
CHALLENGE = (date(2026, 11, 23), date(2026, 11, 29))
MIDWAY_LAST = date(2026, 11, 26)
TARGET = 50_000

scenario = st.fixed_dictionaries({
    "n": st.integers(min_value=4, max_value=6),
    "levels": st.lists(st.sampled_from(["private", "aggregate", "trend", "public"]), min_size=6, max_size=6),
    "controlled": st.sets(st.integers(min_value=0, max_value=5), max_size=2),
    "values": st.lists(st.lists(st.one_of(st.none(), st.integers(min_value=2000, max_value=20000)),
                                min_size=7, max_size=7), min_size=18, max_size=18),
    "in_challenge": st.sets(st.integers(min_value=0, max_value=5), min_size=2),
    "lower": st.one_of(st.none(), st.tuples(st.integers(min_value=0, max_value=5), st.integers(min_value=1, max_value=2),
                                            st.sampled_from(["trend", "aggregate", "private"]))),
})


async def play(sc: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bot = await make_transcript(Path(tmp))

        async def no_pixels(spec):
            return b"\x89PNG"

        bot.app.services.gate._render_chart = no_pixels
        try:
            names = NAMES[:sc["n"]]
            level = {m: Level[sc["levels"][i].upper()] for i, m in enumerate(names)}
            history = {m: [level[m]] * 3 for m in names}            # level per week
            if sc["lower"] and sc["lower"][0] < len(names):
                i, week, to = sc["lower"]
                for w in range(week, 3):
                    history[names[i]][w] = min(history[names[i]][w], Level[to.upper()])
            await bot.run(*SCHEDULE, *[f"{m}@#walkers: privacy set steps {level[m].word}" for m in names],
                          *[f"{m}@#walkers: checkin join" for m in names])
            sent = []
            current = {"week": 0}
            original_send, original_edit = bot.console.send, bot.console.edit

            async def send(target, delivery):
                message_id = await original_send(target, delivery)
                if target.kind == "channel":
                    sent.append((delivery, current["week"]))
                return message_id

            async def edit(target, message_id, delivery, keep_images=False):
                await original_edit(target, message_id, delivery, keep_images=keep_images)
                sent.append((delivery, current["week"]))

            bot.console.send, bot.console.edit = send, edit
            values: dict[tuple[str, date], float] = {}
            for w, monday in enumerate(WEEKS):
                current["week"] = w
                for _i, m in enumerate(names):
                    if history[m][w] != history[m][w - 1] and w > 0:
                        await bot.run(f"{m}@#walkers: privacy set steps {history[m][w].word}")
                if w == 1:
                    await bot.run("mia@#walkers: challenge create c steps total 50000 1 midway",
                                  *[f"{names[i]}@#walkers: challenge join c" for i in sorted(sc["in_challenge"])
                                    if i < len(names)])
                for half in ((0, 4), (4, 7)):
                    await bot.run(":time " + (monday + timedelta(days=half[1] - 1)).isoformat() + "T10:00:00+00:00")
                    for i, m in enumerate(names):
                        for d in range(*half):
                            v = sc["values"][w * 6 + i][d]
                            if v is not None:
                                day = monday + timedelta(days=d)
                                values[(m, day)] = float(v)
                                await bot.run(f"{m}@dm: log steps {v} {day.isoformat()}")
                    if half == (0, 4) and w == 1:
                        await bot.run(":time 2026-11-26T13:00:00+00:00")       # the half-way board
                await bot.run(":time " + (monday + timedelta(days=6)).isoformat() + "T19:00:00+00:00")
            await bot.run(":time 2026-12-07T01:00:00+00:00")

            ids = {r[1]: r[0] for r in await bot.db.fetchall("SELECT id, external_id FROM members")}
            by_id = {ids[m]: m for m in names}
            controlled = {names[i] for i in sc["controlled"] if i < len(names)}

            def known(m: str, day: date) -> bool:   # its own accounts, and public members' weeks while public
                week = next(w for w, monday in enumerate(WEEKS) if monday <= day < monday + timedelta(days=7))
                return m in controlled or history[m][week] == Level.PUBLIC

            world = World({(ids[m], d): v for (m, d), v in values.items()},
                          {(ids[m], d) for (m, d) in values if known(m, d)}, TARGET)
            name_to_id = {m: ids[m] for m in names}
            for delivery, week in sent:
                def level_at(member_id, week=week):
                    return history[by_id[member_id]][week] if member_id in by_id else Level.PRIVATE
                charts = [a.chart for a in delivery.attachments if a.chart is not None]
                if delivery.kind == "checkin":   # an edit of an earlier week's post says which week it is about
                    first = date.fromisoformat(delivery.shown.subject.split(":")[2].split("..")[0])
                    read_checkin(world, delivery.shown, charts, first, level_at, name_to_id)
                elif delivery.kind == "challenge":
                    last = MIDWAY_LAST if "half-way" in delivery.text else CHALLENGE[1]
                    read_board(world, delivery.shown, charts, CHALLENGE[0], last, level_at, name_to_id)
            world.check_truth()
            for m in names:
                member = ids[m]
                for w, monday in enumerate(WEEKS):
                    days = world.days_of(member, monday, monday + timedelta(days=6))
                    if not days or any((member, d) in world.known for d in days):
                        continue
                    true = sum(world.values[(member, d)] for d in days)
                    low, high = world.interval(member, monday, monday + timedelta(days=6))
                    assert low - 1e-3 <= true <= high + 1e-3
                    allowed = allowed_width(history[m], w, true)
                    assert high - low >= allowed, (m, w, history[m], true, low, high, sc)
        finally:
            await bot.app.stop()


def allowed_width(levels: list[Level], week: int, true: float) -> float:
    """PRIVACY.md: an aggregate contribution is never pinned closer than p% of itself; a trend member's
    week closer than p/4 % (bands intersecting, the honest limit); a private one, not at all."""
    most = max(levels[:week + 1])   # the most the member had shown here up to then bounds what was learnt
    if most <= Level.AGGREGATE:
        return disclosure.P_PERCENT / 100 * true * 0.999
    return disclosure.P_PERCENT / 400 * true * 0.999


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenario)
def test_an_adversary_reading_the_channel_for_weeks_cannot_pin_hidden_values(sc):
    asyncio.run(play(sc))


def test_the_adversary_catches_an_unbanded_change(monkeypatch):
    """The adversary is not a test that cannot fail: with the change shown exactly (as before the
    fix), a member public one week and trend the next is pinned far closer than PRIVACY.md allows."""
    import pytest

    def exact(before, after, against):
        if before is None or after is None or before <= 0:
            return None
        pct = round(100.0 * (after - before) / before)
        return f"{'↑' if pct >= 0 else '↓'}{abs(pct)}% {against}"

    monkeypatch.setattr(disclosure, "change_band", exact)
    sc = {"n": 4, "levels": ["public", "aggregate", "aggregate", "aggregate", "private", "private"],
          "controlled": set(), "values": [[9000 + 100 * d + 1000 * (i % 6) for d in range(7)] for i in range(18)],
          "in_challenge": {1, 2}, "lower": (0, 1, "trend")}
    with pytest.raises(AssertionError, match=r"\('m0', 1, "):   # m0's trend week, pinned
        asyncio.run(play(sc))


async def test_a_member_shown_by_name_in_another_channel_is_not_anonymous_here(bot):
    """Readers of #runners read #walkers too: x's public steps there must not make up k here."""
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "mia@#runners: mod schedule #runners sunday 18:00 UTC",
                  "x@#walkers: privacy set steps public", "x@#walkers: privacy set steps aggregate #runners",
                  *[f"{m}@#runners: privacy set steps aggregate" for m in ("a", "b")],
                  "x@#walkers: checkin join", *[f"{m}@#runners: checkin join" for m in ("x", "a", "b")])
    await bot.run(":time 2026-11-20T08:00:00+00:00",
                  *[f"{m}@dm: log steps {v} 2026-11-18" for m, v in (("x", 8000), ("a", 9000), ("b", 7000))])
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    assert "x: 8,000 steps" in posts(out, "#walkers")
    assert "Together" not in posts(out, "#runners")        # only a and b are anonymous: fewer than k
    await bot.run("c@#runners: privacy set steps aggregate", "c@#runners: checkin join", ":time 2026-11-25T08:00:00+00:00",
                  "c@dm: log steps 6000 2026-11-24", *[f"{m}@dm: log steps 1000 2026-11-24" for m in ("x", "a", "b")])
    out = await bot.run(":time 2026-11-29T19:00:00+00:00")
    value, count = group_figure(posts(out, "#runners"), "Together: steps about {value} in total")
    assert count == 4                                       # x is in it, as a value readers know, not as k


# ---- a pair at aggregate (blood pressure): part by part, whole or not at all --------------------

BP_SCHEDULE = [*SCHEDULE, "mia@#walkers: mod rule #walkers bp public"]


async def bp_week(bot, readings: dict[str, tuple[int, int]], post_at="2026-11-22T19:00:00+00:00") -> str:
    await bot.run(":time 2026-11-20T08:00:00+00:00",
                  *[f"{m}@dm: log bp {s}/{d} {day}" for day in WEEK for m, (s, d) in readings.items()])
    return posts(await bot.run(":time " + post_at))


async def test_knowing_one_part_of_a_hidden_member_does_not_pin_the_other(bot):
    """mia and her second account mia2 push a blood-pressure figure to k, and they even know vic's
    systolic (vic said it aloud). vic's diastolic is still only known within p% of itself: the parts are
    perturbed with offsets keyed apart, so the systolic figure tells nothing about the diastolic's."""
    members = ("mia", "mia2", "vic")
    await bot.run(*BP_SCHEDULE, *[f"{m}@#walkers: privacy set bp aggregate" for m in members],
                  *[f"{m}@#walkers: checkin join" for m in members])
    readings = {"mia": (120, 80), "mia2": (124, 82), "vic": (142, 96)}
    text = await bp_week(bot, readings)
    m = re.search(r"Together: blood pressure about (\d+)/(\d+) mmHg average from 3 people", text)
    assert m, text
    released = {"systolic": float(m.group(1)), "diastolic": float(m.group(2))}
    p = disclosure.P_PERCENT / 100
    for i, part in enumerate(("systolic", "diastolic")):
        own = [readings["mia"][i], readings["mia2"][i]]
        true = readings["vic"][i]
        # every value of vic's part consistent with the figure, for offsets of at most p/2 % of each value
        # (the accounts don't know their own offsets) and rounding to 1 mmHg
        low = (3 * (released[part] - 0.5) - sum(own) * (1 + p / 2)) / (1 + p / 2)
        high = (3 * (released[part] + 0.5) - sum(own) * (1 - p / 2)) / (1 - p / 2)
        assert low <= true <= high                    # honest within its bound ...
        assert high - low >= p * true                 # ... and never pinned closer than p% of vic's value
    # the systolic offset tells nothing about the diastolic one: they are not in step (keyed by part)
    secret = bot.app.services.gate._secret
    ratios = [(disclosure.perturbation(secret, f"bp.systolic|average|{w}|{m}", 100.0, 10),
               disclosure.perturbation(secret, f"bp.diastolic|average|{w}|{m}", 100.0, 10))
              for w in range(10) for m in range(10)]
    assert sum(1 for a, b in ratios if abs(a - b) > 0.5) > 50


async def test_a_pair_is_never_released_with_one_part_alone(bot):
    """Below k, no blood pressure at all in the figure line (neither part); with k, both parts as one."""
    await bot.run(*BP_SCHEDULE, *[f"{m}@#walkers: privacy set bp aggregate" for m in ("a", "b")],
                  "t@#walkers: privacy set bp trend", *[f"{m}@#walkers: checkin join" for m in "abt"])
    text = await bp_week(bot, {"a": (120, 80), "b": (130, 85), "t": (125, 82)})
    assert "Together" not in text and "mmHg" not in text          # t is shown by name: not anonymous
    assert not re.search(r"blood pressure about \d+ mmHg", text)


def test_the_gate_withholds_a_pair_whole_when_one_part_would_be_withheld():
    """One part dominated (p% rule), the other fine: nothing of either part is released."""
    from bot.gate import PrivacyGate
    from bot.vocabulary.reply import Destination, GroupFigure, Line, Reply

    class Everyone:
        async def effective_levels(self, destination, pairs):
            return {p: Level.AGGREGATE for p in pairs}

        async def attributed_anywhere(self, community_id, pairs):
            return {}

    async def release(values):
        fig = GroupFigure("pair", "average", tuple((i, 0.0) for i in range(len(values))), "pair {value} from {count}",
                          ",.0f", "w", parts=("a", "b"), part_values=tuple(values))
        gate = PrivacyGate(Everyone(), 3, lambda spec: b"")
        return await gate.release(Reply(lines=(Line((fig,), label="Together: "),)), Destination.channel(1, 1))

    fine = await_(release([(100, 80), (110, 82), (120, 85)]))
    assert re.fullmatch(r"Together: pair \d+/\d+ from 3", fine.text)
    assert fine.shown.lines[0].parts[0].part_values == ()           # the ledger keeps no values
    assert disclosure.withheld_reason_parts(3, [[100, 110, 120], [400, 3, 3]], disclosure.Parameters()) == "dominated"
    dominated = await_(release([(100, 400), (110, 3), (120, 3)]))   # b: the largest is known within p%
    assert dominated.text == "" and dominated.disclosures == ()
    assert await_(release([(100, 80), (110, 82)])).text == ""       # fewer than k


def await_(coroutine):
    return asyncio.run(coroutine)
