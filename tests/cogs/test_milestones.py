"""Milestones through the console: opt in per metric, told privately, posted only on a yes, lapsing,
withdrawn by undo, refused below trend, taken back with the data (transcripts, both backends)."""

from __future__ import annotations

import pytest

from tests.cogs.test_checkins import channel_lines


def private(out: list[str], member: str = "ann") -> str:
    return "\n".join(line for line in out if line.startswith(f"[@{member}]"))


async def history(bot, member="ann", level="public", metric="steps", value="6000", days=range(10, 18)):
    """Eight earlier days of the same value, then the clock on 2026-11-20 noon."""
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await bot.run(f"{member}@#walkers: privacy set {metric} {level}")
    for d in days:
        await bot.run(f"{member}@dm: log {metric} {value} 2026-11-{d:02d}")


async def test_off_by_default_nobody_is_told_or_asked(bot):
    await history(bot)
    out = await bot.run("ann@#walkers: log steps 12000")
    assert "Logged" in private(out) and "ilestone" not in "\n".join(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert not channel_lines(out) and "No milestone is waiting" in private(out)


async def test_a_personal_best_is_offered_and_posted_on_yes_without_a_number_at_trend(bot):
    await history(bot, level="trend")
    await bot.run("ann@dm: milestones on steps")
    out = await bot.run("ann@#walkers: log steps 12000")
    told = private(out)
    assert "a new personal best in steps: 12,000 steps" in told      # the member sees their own number
    assert "#walkers" in told and "share milestone" in told and not channel_lines(out)
    out = await bot.run("ann@#walkers: share milestone")
    post = "\n".join(channel_lines(out))
    assert "ann reached a milestone: a new personal best in steps" in post
    assert "12,000" not in post and "12000" not in post
    assert "Shared" in private(out)
    out = await bot.run("ann@#walkers: share milestone")   # answered: nothing more
    assert not channel_lines(out)


async def test_at_public_it_names_the_number_and_narrowing_shrinks_then_removes_it(bot):
    await history(bot, level="public")
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 12000")
    out = await bot.run("ann@dm: share milestone")   # answered from a DM: posted where ann logged
    post = "\n".join(channel_lines(out))
    assert "a new personal best in steps: 12,000 steps" in post
    assert "walkers" in "\n".join(await bot.run("ann@dm: mydata shared"))
    out = await bot.run("ann@dm: privacy set steps trend")
    edited = "\n".join(line for line in out if line.startswith("[#walkers"))
    assert "edited" in edited and "personal best in steps" in edited and "12,000" not in edited
    out = await bot.run("ann@dm: privacy set steps private")
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out)


async def test_below_trend_in_that_channel_it_is_refused_and_nothing_is_posted(bot):
    await history(bot, level="public")
    await bot.run(":moderator mia", "mia@#walkers: mod rule #walkers steps aggregate", "ann@dm: milestones on")
    out = await bot.run("ann@#walkers: log steps 12000")
    assert "can't be shared there" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert not channel_lines(out) and "didn't post" in private(out)
    await bot.run("mia@#walkers: mod rule #walkers steps public")   # the offer stays open for the day
    out = await bot.run("ann@#walkers: share milestone")
    assert "personal best in steps" in "\n".join(channel_lines(out))


async def test_a_declined_offer_posts_nothing(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 12000")
    out = await bot.run("ann@#walkers: share milestone no")
    assert not channel_lines(out) and "Declined" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert not channel_lines(out) and "No milestone is waiting" in private(out)


async def test_an_ignored_offer_lapses_after_a_day(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    out = await bot.run("ann@#walkers: log steps 12000")
    assert "lapses in a day" in private(out)
    ids = await bot.db.fetchall("SELECT id FROM milestones")
    out = await bot.run(":time +25h", "ann@#walkers: share milestone")
    assert not channel_lines(out) and "No milestone is waiting" in private(out)
    out = await bot.run(f"ann@#walkers: share milestone {ids[0][0]}")   # the button's answer, a day late
    assert not channel_lines(out) and "lapsed" in private(out)


async def test_undo_of_the_log_withdraws_the_offer(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 90000")       # a typo ...
    out = await bot.run("ann@#walkers: undo")
    assert "withdrawn" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert not channel_lines(out)
    out = await bot.run("ann@#walkers: log steps 9000")   # ... and the real value is a best of its own
    assert "personal best in steps: 9,000 steps" in private(out)


async def test_replacing_the_days_value_withdraws_the_best_it_made(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 90000")
    out = await bot.run("ann@#walkers: log steps 5000")   # the same day: replaces the value, no longer a best
    assert "withdrawn" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert not channel_lines(out)


async def test_turning_milestones_off_withdraws_and_stops_telling(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 12000")
    out = await bot.run("ann@dm: milestones off steps")
    assert "withdrawn" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert not channel_lines(out)
    out = await bot.run("ann@#walkers: log steps 15000 yesterday")
    assert "ilestone" not in "\n".join(out)
    assert "on for every metric except steps" in private(await bot.run("ann@dm: milestones"))


async def test_a_log_in_a_direct_message_is_told_with_nothing_to_share(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    out = await bot.run("ann@dm: log steps 12000")
    assert "personal best" in private(out) and "direct message" in private(out)
    out = await bot.run("ann@dm: share milestone")
    assert not channel_lines(out)


async def test_a_streak_of_seven_days(bot):
    await bot.run(":time 2026-11-20T12:00:00+00:00", "ann@dm: milestones on sleep", "ann@#walkers: privacy set sleep trend")
    for d in range(14, 20):
        out = await bot.run(f"ann@#walkers: log sleep 7h 2026-11-{d:02d}")
    out = await bot.run("ann@#walkers: log sleep 7h")
    assert "a 7-day streak of logging sleep" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    assert "ann reached a milestone: a 7-day streak of logging sleep" in "\n".join(channel_lines(out))


async def test_weight_has_no_milestone_of_loss_unless_the_goal_says_down(bot):
    days = range(10, 18)
    await bot.run(":time 2026-11-20T12:00:00+00:00", "ann@dm: milestones on weight")
    for d, kg in zip(days, (90, 89.5, 89, 88.5, 88, 87.5, 87, 86.5), strict=True):
        await bot.run(f"ann@dm: log weight {kg}kg 2026-11-{d:02d}")
    out = await bot.run("ann@#walkers: log weight 85kg")   # a new low, but no goal says that is progress
    assert "ilestone" not in "\n".join(out)
    out = await bot.run("ann@#walkers: log weight 95kg 2026-11-19")   # nor is a new high
    assert "ilestone" not in "\n".join(out)
    out = await bot.run("ann@dm: goal weight 80kg")
    assert "lower weight as progress" in private(out)
    out = await bot.run("ann@#walkers: log weight 84kg")   # replaces today's 85: a new low the goal wants
    assert "a new personal best in weight: 84" in private(out)


async def test_a_goal_met_for_a_week(bot):
    await bot.run(":time 2026-11-20T12:00:00+00:00", "ann@dm: milestones on steps", "ann@dm: goal steps 8000",
                  "ann@#walkers: privacy set steps trend")
    for d in range(14, 20):
        await bot.run(f"ann@dm: log steps 8000 2026-11-{d:02d}")
    out = await bot.run("ann@#walkers: log steps 8000")
    assert "your steps goal met for a week (56,000 steps in the week)" in private(out)
    out = await bot.run("ann@#walkers: share milestone")
    post = "\n".join(channel_lines(out))
    assert "their steps goal met for a week" in post and "56,000" not in post


async def test_nobody_answers_anyone_elses_offer(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 12000")
    (mid,) = (await bot.db.fetchall("SELECT id FROM milestones"))[0]
    out = await bot.run(f"bob@#walkers: share milestone {mid}")
    assert not channel_lines(out) and "No milestone is waiting" in private(out, "bob")
    out = await bot.run(f"bob@#walkers: share milestone {mid} no")
    out = await bot.run("ann@#walkers: share milestone")
    assert "personal best" in "\n".join(channel_lines(out))   # bob's "no" did nothing to it


async def test_a_failing_detection_never_fails_the_log(bot, monkeypatch, caplog):
    import cogs.milestones
    await history(bot)
    await bot.run("ann@dm: milestones on")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cogs.milestones, "detect", broken)
    out = await bot.run("ann@#walkers: log steps 12000")
    assert "Logged 12,000 steps" in private(out) and "went wrong" not in "\n".join(out)
    assert "12000" not in caplog.text and "12,000" not in caplog.text
    assert (await bot.db.fetchall("SELECT value FROM entries WHERE value=12000"))


async def test_forget_removes_the_post_and_every_milestone(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 12000", "ann@#walkers: share milestone")
    exported = "\n".join(await bot.run("ann@dm: mydata export"))
    assert "milestones" in exported
    out = await bot.run("ann@dm: mydata forget", "ann@dm: confirm")
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out)
    assert await bot.db.fetchall("SELECT * FROM milestones") == []
    assert await bot.db.fetchall("SELECT * FROM milestone_settings") == []


@pytest.mark.parametrize("words", ["dela milstolpe", "share milstolpe"])
async def test_the_answer_in_swedish(bot, words):
    await history(bot)
    await bot.run("ann@dm: language sv", "ann@dm: milestones on")
    out = await bot.run("ann@#walkers: logga steg 12000")
    assert "dela milstolpe" in private(out)
    out = await bot.run(f"ann@#walkers: {words}")
    assert "personal best" in "\n".join(channel_lines(out))   # the channel reads English


async def test_undo_of_a_shared_milestones_log_takes_its_post_back(bot):
    await history(bot)
    await bot.run("ann@dm: milestones on")
    await bot.run("ann@#walkers: log steps 90000")         # a typo, shared before it was seen
    out = await bot.run("ann@#walkers: share milestone yes")
    assert "90,000" in "\n".join(channel_lines(out))
    out = await bot.run("ann@#walkers: undo")
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out), out
    assert "taken back" in private(out)
    assert "walkers" not in "\n".join(await bot.run("ann@dm: mydata shared"))


async def test_retention_takes_milestones_with_the_entries_they_were_about(tmp_path):
    from bot.config import Config, PrivacyConfig
    from tests.support.transcript import make_transcript
    bot = await make_transcript(tmp_path, Config(privacy=PrivacyConfig(min_group_size=3, retention_days=30)))
    try:
        await bot.run("ann@dm: milestones on", ":time 2026-11-16T09:00:00+00:00")
        for d in range(9, 16):
            await bot.run(f"ann@dm: log sleep 7h 2026-11-{d:02d}")
        await bot.run("ann@dm: log sleep 7h")   # a 7-day streak, told (a direct message)
        assert await bot.db.fetchval("SELECT COUNT(*) FROM milestones") >= 1
        await bot.run(":time 2026-12-20T04:00:00+00:00")
        assert await bot.db.fetchval("SELECT COUNT(*) FROM milestones") == 0
    finally:
        await bot.app.stop()
