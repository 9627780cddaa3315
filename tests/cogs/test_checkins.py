"""Weekly check-ins over simulated weeks: content per level and rule, exactly once across restarts."""

from __future__ import annotations

from datetime import datetime

from tests.support.transcript import group_figure, within_release_bound

SETUP = [
    ":moderator mia",
    "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
    "pub@#walkers: privacy set steps public",
    "tre@#walkers: privacy set steps trend",
    "agg1@#walkers: privacy set steps aggregate",
    "agg2@#walkers: privacy set steps aggregate",
    "agg3@#walkers: privacy set steps aggregate",
    "quiet@#walkers: privacy set steps public",   # joins but never logs
    "priv@#walkers: privacy set steps private",   # private member who logs
]
MEMBERS = ["pub", "tre", "agg1", "agg2", "agg3", "quiet", "priv"]


async def setup(bot):
    await bot.run(*SETUP)
    await bot.run(*[f"{m}@#walkers: checkin join" for m in MEMBERS])


async def log_week(bot, values: dict[str, int], days=("2026-11-17", "2026-11-18", "2026-11-19")):
    for day in days:
        for member, v in values.items():
            await bot.run(f"{member}@dm: log steps {v} {day}")


def channel_lines(out: list[str], channel: str = "#walkers") -> list[str]:
    return [line for line in out if line.startswith(f"[{channel} ")]


async def test_weekly_post_respects_each_level(bot):
    await setup(bot)
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await log_week(bot, {"pub": 10001, "tre": 20002, "agg1": 30003, "agg2": 40004, "agg3": 25005, "priv": 50005})
    out = await bot.run(":time 2026-11-22T19:00:00+00:00")
    post = channel_lines(out)
    text = "\n".join(post)
    assert "Weekly check-in for #walkers" in text
    assert "pub: 30,003 steps this week" in text                # public: raw weekly figure
    assert "tre: steps 3/7 days" in text and "60,006" not in text   # trend: relative only
    assert "agg1" not in text and "agg2" not in text and "agg3" not in text and "90,009" not in text
    assert "priv" not in text and "150,015" not in text and "50,005" not in text
    assert "quiet" not in text                                   # joined, logged nothing: never mentioned
    # the group total holds those who allow aggregate or more (pub, tre, agg1, agg2, agg3), released
    # within its bound (perturbed by at most p/2 % of the largest value the channel doesn't know)
    value, count = group_figure(text, "Together: steps about {value} in total")
    assert count == 5 and within_release_bound(value, 3 * (10001 + 20002 + 30003 + 40004 + 25005),
                                               [3 * 20002, 3 * 30003, 3 * 40004, 3 * 25005], 100)
    assert any("image:" in line for line in post)
    # everyone who logged gets a private summary with their own full numbers; quiet gets nothing
    assert "[@priv] steps: 150,015 steps this week (3/7 days)" in out
    assert not any(line.startswith("[@quiet]") for line in out)


async def test_channel_rule_narrows_and_k_hides_small_groups(bot):
    await setup(bot)
    await bot.run("mia@#walkers: mod rule #walkers steps trend", "agg2@#walkers: checkin leave")
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await log_week(bot, {"pub": 10001, "tre": 20002, "agg1": 30003})
    text = "\n".join(channel_lines(await bot.run(":time 2026-11-22T19:00:00+00:00")))
    assert "pub: steps 3/7 days" in text and "30,003" not in text   # the rule capped pub at trend
    # pub and tre are shown by name, so only agg1 is anonymous: fewer than k, no total (else the
    # channel would learn a sum of just the named two and agg1)
    assert "Together" not in text
    await bot.run("tre@#walkers: privacy set steps private")
    await log_week(bot, {"pub": 1, "tre": 2, "agg1": 3}, days=("2026-11-24",))
    text = "\n".join(channel_lines(await bot.run(":time 2026-11-29T19:00:00+00:00")))
    assert "Together" not in text                                  # only 2 contributors < k=3
    assert "tre" not in text


async def test_pause_and_leave_are_silent(bot):
    await setup(bot)
    await bot.run("tre@#walkers: checkin pause 1", "pub@#walkers: checkin leave")
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await log_week(bot, {"pub": 10001, "tre": 20002, "agg1": 30003, "agg2": 40004})
    text = "\n".join(channel_lines(await bot.run(":time 2026-11-22T19:00:00+00:00")))
    assert "pub" not in text and "tre" not in text
    assert "paused" not in text.lower() and "left" not in text.lower()
    assert "from 2 people" not in text   # k=3: two contributors are not enough; nothing else is said


async def test_exactly_one_post_per_week_across_restarts(bot):
    await setup(bot)
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await log_week(bot, {"pub": 10001, "tre": 20002, "agg1": 30003, "agg2": 40004})
    # The bot goes down before Sunday 18:00 and comes back 3 hours later (within the 12 h grace).
    bot.clock.set(datetime.fromisoformat("2026-11-22T21:00:00+00:00"))
    await bot.restart()
    await bot.run(":time 2026-11-22T21:00:01+00:00")
    start = bot.out.getvalue()
    assert start.count("Weekly check-in for #walkers — Nov 16–Nov 22") == 1
    # Restart again right away and move on: no second post for that week.
    await bot.restart()
    await bot.run(":time 2026-11-23T10:00:00+00:00")
    assert bot.out.getvalue().count("Weekly check-in for #walkers — Nov 16–Nov 22") == 1
    # Next week, down from Saturday until Monday evening (past the grace): skipped, never posted late.
    await log_week(bot, {"pub": 1, "tre": 2, "agg1": 3, "agg2": 4}, days=("2026-11-24",))
    bot.clock.set(datetime.fromisoformat("2026-11-30T20:00:00+00:00"))
    await bot.restart()
    await bot.run(":time 2026-12-01T00:00:00+00:00")
    assert "Nov 23–Nov 29" not in bot.out.getvalue()
    status = await bot.db.fetchval("SELECT status FROM job_runs WHERE period LIKE '2026-11-29%'")
    assert status == "skipped"
    # Running normally again: the following week posts once.
    await bot.run(":time 2026-12-02T12:00:00+00:00")
    await log_week(bot, {"pub": 1, "tre": 2, "agg1": 3, "agg2": 4}, days=("2026-12-02",))
    await bot.run(":time 2026-12-14T00:00:00+00:00")
    assert bot.out.getvalue().count("Weekly check-in for #walkers — Nov 30–Dec 6") == 1
    assert bot.out.getvalue().count("Weekly check-in for #walkers — Dec 7–Dec 13") == 0   # nobody logged that week: no post at all


async def test_goal_chart_and_reminders(bot):
    out = await bot.say("ann@dm: goal steps 70000")
    assert "70,000 steps" in out
    assert "more than zero" in await bot.say("ann@dm: goal steps 0")
    for day in range(10, 17):
        await bot.run(f"ann@dm: log steps {8000 + day} 2026-11-{day:02d}")
    out = await bot.run("ann@#walkers: chart steps 14")
    assert out[0].startswith("[@ann] Your steps") and out[1].startswith("[@ann] image:")
    out = await bot.run("ann@#walkers: chart steps 14 share")
    assert "didn't share" in out[0] and not channel_lines(out)
    assert "7 to 365" in await bot.say("ann@dm: chart steps 3")
    await bot.run("ann@#walkers: privacy set steps trend")
    out = await bot.run("ann@#walkers: chart steps 14 share")
    assert channel_lines(out) and "relative" in channel_lines(out)[0]
    # (the renderer got relative data only: checked in the property test)
    # Reminders: only on days without a log, privately, at the member's local time.
    assert "remind off" in await bot.say("ann@dm: remind on 20:00")
    assert "HH:MM" in await bot.say("ann@dm: remind on 25:00")
    out = await bot.run(":time 2026-11-16T20:30:00+00:00")   # ann logged on the 16th: no nudge
    assert not any("nudge" in line for line in out)
    out = await bot.run(":time 2026-11-17T20:30:00+00:00")
    assert [line for line in out if "nudge" in line] == [line for line in out if line.startswith("[@ann]") and "nudge" in line]
    assert len([line for line in out if "nudge" in line]) == 1
    await bot.run("ann@dm: remind off")
    assert not any("nudge" in line for line in await bot.run(":time 2026-11-19T20:30:00+00:00"))
