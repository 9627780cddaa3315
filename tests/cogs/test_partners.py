"""Accountability partners through the console, as members use them: invite, accept, decline, block,
end, level changes with take-back, forget; what each side learns; and the partner's view counting as
an attribution for group figures elsewhere (the subtraction attack)."""

from __future__ import annotations

import re

from tests.support.transcript import group_figure

SUNDAY = "2026-11-22T19:00:00+00:00"        # the default weekly summary: Sundays 18:00 UTC
NEXT_SUNDAY = "2026-11-29T19:00:00+00:00"


def to(out: list[str], member: str) -> list[str]:
    return [line for line in out if line.startswith(f"[@{member}")]


def kept(out: list[str], member: str) -> list[str]:
    """Lines of private posts kept in the ledger (numbered: `[@bob #3]`)."""
    return [line for line in out if re.match(rf"^\[@{member} #\d+", line)]


async def two_weeks(bot, steps_before=8000, steps_now=9000, sleep="7h30m"):
    """alice logs steps on three days of last week and of this week, and sleep this week."""
    await bot.run(":time 2026-11-19T12:00:00+00:00")
    for day in ("2026-11-10", "2026-11-11", "2026-11-12"):
        await bot.run(f"alice@dm: log steps {steps_before} {day}")
    for day in ("2026-11-16", "2026-11-17", "2026-11-18"):
        await bot.run(f"alice@dm: log steps {steps_now} {day}")
    await bot.run(f"alice@dm: log sleep {sleep} 2026-11-16")


async def partners(bot, level="trend", metric="steps"):
    await bot.run("bob@dm: help log")          # bob has used the bot here
    await bot.run(f"alice@dm: partner invite @bob {metric} {level}")
    return await bot.run("bob@dm: partner accept")


async def test_invite_is_private_and_nothing_is_shared_until_accepted(bot):
    await two_weeks(bot)
    await bot.run("bob@#walkers: log steps 100")
    out = await bot.run("alice@#walkers: partner invite @bob steps trend")
    assert not any(line.startswith("[#") for line in out)                  # nothing in the channel
    invite = " ".join(to(out, "bob"))
    assert "alice would like to be accountability partners" in invite and "partner accept @alice" in invite
    assert "I asked bob privately" in " ".join(to(out, "alice"))
    out = await bot.run(":time " + SUNDAY, "bob@dm: partner view @alice")
    assert not kept(out, "bob")                                             # not accepted: no summary
    assert "alice doesn't share anything with you" in " ".join(out)
    assert "27,000" not in " ".join(out) and "9,000" not in " ".join(out)


async def test_trend_partner_sees_banded_progress_only_and_only_the_granted_metric(bot):
    await two_weeks(bot)
    out = await partners(bot, "trend")
    assert "bob accepted: they now see your steps (trend)" in " ".join(to(out, "alice"))
    out = await bot.run(":time " + SUNDAY)
    summary = kept(out, "bob")
    text = "\n".join(summary)
    assert "alice's week (Nov 16–Nov 22), as they share it with you:" in text
    assert "steps: ↑ 10–20% vs last week" in text
    assert not re.search(r"\d,\d{3}|\b\d{4,}\b", text)                       # never a number of steps
    assert "sleep" not in text and "7h" not in text                         # not granted: not mentioned
    assert "days" not in text.replace("-day streak", "")                    # nothing about days not logged
    # on demand: the last summary again, released once (a back-logged value changes nothing)
    await bot.run("alice@dm: log steps 20000 2026-11-19")
    view = kept(await bot.run("bob@dm: partner view @alice"), "bob")
    assert [line.split("] ", 1)[1] for line in view] == [line.split("] ", 1)[1] for line in summary]


async def test_public_partner_sees_values_with_the_normal_formatting(bot):
    await two_weeks(bot)
    await partners(bot, "public")
    out = await bot.run(":time " + SUNDAY)
    text = "\n".join(kept(out, "bob"))
    assert "steps: 27,000 steps this week (↑12% vs last week)" in text
    assert "sleep" not in text


async def test_summary_with_nothing_to_show_is_not_sent_and_says_nothing_about_not_logging(bot):
    await bot.run("alice@dm: log steps 8000 2026-11-03")                   # two weeks before: nothing to show
    await partners(bot, "public")
    out = await bot.run(":time " + SUNDAY)
    assert not to(out, "bob")                                               # alice logged nothing this week
    view = " ".join(await bot.run("bob@dm: partner view @alice"))
    assert "no summary from alice to show yet" in view and "log" not in view.replace("logged", "")


async def test_a_wider_level_needs_a_new_yes(bot):
    await two_weeks(bot)
    await partners(bot, "trend")
    out = await bot.run("alice@dm: partner invite @bob steps public")
    assert "instead of trend" in " ".join(to(out, "bob"))
    out = await bot.run(":time " + SUNDAY)
    text = "\n".join(kept(out, "bob"))
    assert "↑ 10–20%" in text and "27,000" not in text                      # still trend until bob accepts
    await bot.run("bob@dm: partner accept @alice")
    await bot.run(":time 2026-11-24T10:00:00+00:00", "alice@dm: log steps 9000 2026-11-23")
    out = await bot.run(":time " + NEXT_SUNDAY)
    assert "steps: 9,000 steps this week" in "\n".join(kept(out, "bob"))


async def test_lowering_the_level_edits_what_was_sent_and_private_removes_it(bot):
    await two_weeks(bot)
    await partners(bot, "public")
    out = await bot.run(":time " + SUNDAY)
    number = re.match(r"^\[@bob #(\d+)\]", kept(out, "bob")[0]).group(1)
    out = await bot.run("alice@dm: partner invite @bob steps trend")
    edited = [line for line in out if line.startswith(f"[@bob #{number} edited]")]
    assert edited and "steps: ↑ 10–20% vs last week" in "\n".join(edited)
    assert "27,000" not in "\n".join(edited)
    # both summaries (last week's, sent at accepting, and this week's) now show trend only
    assert "I changed 2 summaries I had sent them (0 removed)." in " ".join(to(out, "alice"))
    out = await bot.run("alice@dm: partner invite @bob steps private")
    assert f"[@bob #{number} deleted]" in out
    assert "bob no longer sees your steps." in " ".join(out)


async def test_either_side_can_end_and_what_was_sent_goes(bot):
    await two_weeks(bot)
    await partners(bot, "public")
    out = await bot.run(":time " + SUNDAY)
    number = re.match(r"^\[@bob #(\d+)\]", kept(out, "bob")[0]).group(1)
    out = await bot.run("bob@dm: partner end @alice")
    assert f"[@bob #{number} deleted]" in out
    assert not to(out, "alice")                                             # alice isn't messaged
    assert "no accountability partners" in await bot.say("alice@dm: partner list")
    out = await bot.run(":time 2026-11-24T10:00:00+00:00", "alice@dm: log steps 9000 2026-11-23", ":time " + NEXT_SUNDAY)
    assert not to(out, "bob")


async def test_decline_reads_as_unanswered_and_the_inviter_cant_ask_again(bot):
    await bot.run("bob@dm: help")
    await bot.run("alice@dm: partner invite @bob steps trend")
    out = await bot.run("bob@dm: partner decline")
    assert not to(out, "alice")                                             # alice isn't told
    # on alice's side the declined invite looks like one not answered yet
    assert "you invited bob to see your steps at trend (waiting for an answer until 2026-11-30)" in \
        await bot.say("alice@dm: partner list")
    assert "You already invited bob" in await bot.say("alice@dm: partner invite @bob steps trend")
    await bot.run(":time 2026-12-01T10:00:00+00:00")                         # the invite lapses
    refused = await bot.say("alice@dm: partner invite @bob steps trend")
    unknown = await bot.say("alice@dm: partner invite @zed steps trend")
    assert refused == unknown.replace("zed", "bob")                       # the same words as for anyone
    assert "couldn't send an invite" in refused
    assert "no invite waiting" in await bot.say("bob@dm: partner accept")


async def test_block_ends_everything_and_stops_invites(bot):
    await two_weeks(bot)
    await partners(bot, "public")
    out = await bot.run(":time " + SUNDAY)
    number = re.match(r"^\[@bob #(\d+)\]", kept(out, "bob")[0]).group(1)
    out = await bot.run("bob@dm: partner block @alice")
    assert f"[@bob #{number} deleted]" in out and not to(out, "alice")
    refused = await bot.say("alice@dm: partner invite @bob sleep public")
    assert refused == (await bot.say("alice@dm: partner invite @zed sleep public")).replace("zed", "bob")
    assert "you don't take invites from alice" in await bot.say("bob@dm: partner list")
    await bot.run("bob@dm: partner unblock @alice")
    assert "I asked bob privately" in await bot.say("alice@dm: partner invite @bob sleep public")


async def test_list_shows_both_directions(bot):
    await two_weeks(bot)
    await partners(bot, "trend")
    await bot.run("bob@dm: partner invite @alice sleep public", "alice@dm: partner accept")
    alice = await bot.say("alice@dm: partner")
    assert "bob sees your steps: trend" in alice and "you see bob's sleep: public" in alice
    bob = await bot.say("bob@dm: partner list")
    assert "alice sees your sleep: public" in bob and "you see alice's steps: trend" in bob


async def test_refusals_and_bad_input_are_friendly(bot):
    await bot.run("bob@dm: help")
    assert "make no sense for one person" in await bot.say("alice@dm: partner invite @bob steps aggregate")
    assert "can't be your own partner" in await bot.say("alice@dm: partner invite @alice steps trend")
    assert "isn't a metric" in await bot.say("alice@dm: partner invite @bob 123 trend") or \
        "metric" in await bot.say("alice@dm: partner invite @bob 123 trend")
    assert "Sharing level must be one of" in await bot.say("alice@dm: partner invite @bob steps loud")
    assert "aren't partners" in await bot.say("alice@dm: partner end @bob")
    assert "no accountability partners" in await bot.say("alice@dm: partner end")


async def test_mydata_shared_export_and_forget(bot):
    await two_weeks(bot)
    await partners(bot, "public")
    out = await bot.run(":time " + SUNDAY)
    number = re.match(r"^\[@bob #(\d+)\]", kept(out, "bob")[0]).group(1)
    shared = await bot.say("alice@dm: mydata shared")
    assert "sent privately to bob (partner" in shared and "steps at public" in shared
    assert "bob sees your steps: public" in shared
    data = await bot.app.cogs[[type(c).__name__ for c in bot.app.cogs].index("MyData")].collect(
        (await bot.app.services.community.member(1, "alice", "alice", bot.clock.now())).id)
    assert data["partners"][0]["partner"] == "bob" and data["partners"][0]["direction"] == "you share"
    out = await bot.run("alice@dm: mydata forget", "alice@dm: confirm")
    assert f"[@bob #{number} deleted]" in out
    assert "no accountability partners" in await bot.say("bob@dm: partner list")


async def test_a_partners_view_counts_as_attribution_for_group_figures(bot):
    """The subtraction attack: bob sees alice's exact steps as her partner and reads #walkers'
    group total. With alice counted as anonymous the total would reach k with her, and bob would
    subtract her known value from it; so she no longer counts toward k there."""
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC")
    for m in ("alice", "carl", "dora"):
        await bot.run(f"{m}@#walkers: privacy set steps aggregate", f"{m}@#walkers: checkin join")
    for day in ("2026-11-16", "2026-11-17"):
        for m, v in (("alice", 9000), ("carl", 7000), ("dora", 8000)):
            await bot.run(f"{m}@dm: log steps {v} {day}")
    out = await bot.run(":time " + SUNDAY)
    assert group_figure("\n".join(out), "Together: steps about {value} in total") is not None   # 3 anonymous
    await partners(bot, "public")
    await bot.run(":time 2026-11-25T10:00:00+00:00")
    for day in ("2026-11-23", "2026-11-24"):
        for m, v in (("alice", 9000), ("carl", 7000), ("dora", 8000)):
            await bot.run(f"{m}@dm: log steps {v} {day}")
    out = await bot.run(":time " + NEXT_SUNDAY)
    channel = "\n".join(line for line in out if line.startswith("[#walkers"))
    assert "Together" not in channel                                        # only 2 anonymous now: withheld
    assert "steps: 18,000 steps this week" in "\n".join(kept(out, "bob"))   # bob still gets alice's summary


async def test_upgrading_keeps_every_channel_post_and_its_disclosures(tmp_path, monkeypatch):
    """0007 rebuilds `posts` (channel_id may now be NULL for a private post): a database made before
    it keeps its posts, their disclosures and the foreign keys between them."""
    import storage.sqlite as sqlite
    from storage.sqlite import SqliteDatabase
    every = sqlite.migrations()
    monkeypatch.setattr(sqlite, "migrations", lambda dialect="sqlite": [m for m in every if m[0] < 7])
    db = await SqliteDatabase.open(tmp_path / "old.db")
    await db.execute("INSERT INTO communities(id, platform, external_id, name) VALUES (1, 'console', 'c', 'c')")
    await db.execute("INSERT INTO channels(id, community_id, external_id, name) VALUES (1, 1, 'walkers', 'walkers')")
    await db.execute("INSERT INTO members(id, community_id, external_id, display_name, created_at) "
                     "VALUES (1, 1, 'alice', 'alice', '2026-11-01T00:00:00+00:00')")
    await db.execute("INSERT INTO posts(id, channel_id, platform_message_id, kind, content, created_at) "
                     "VALUES (7, 1, '42', 'checkin', '{\"lines\": [], \"charts\": []}', '2026-11-01T00:00:00+00:00')")
    await db.execute("INSERT INTO post_disclosures(post_id, member_id, metric, level) VALUES (7, 1, 'steps', 3)")
    await db.close()
    monkeypatch.setattr(sqlite, "migrations", lambda dialect="sqlite": every)
    db = await SqliteDatabase.open(tmp_path / "old.db")
    try:
        assert [tuple(r) for r in await db.fetchall("SELECT id, channel_id, platform_message_id, viewer_id FROM posts")] \
            == [(7, 1, "42", None)]
        assert [tuple(r) for r in await db.fetchall("SELECT * FROM post_disclosures")] == [(7, 1, "steps", 3)]
        assert await db.fetchall("PRAGMA foreign_key_check") == []
        await db.execute("DELETE FROM posts WHERE id=7")                    # the cascade still holds
        assert await db.fetchval("SELECT COUNT(*) FROM post_disclosures") == 0
    finally:
        await db.close()


async def test_all_offers_every_metric_one_by_one(bot):
    await bot.run("bob@dm: help")
    out = await bot.say("alice@dm: partner invite @bob all trend")
    assert "your steps, sleep, rhr, weight, mood" in out
    await bot.run("bob@dm: partner accept")
    listed = await bot.say("alice@dm: partner list")
    assert "bob sees your steps: trend" in listed and "bob sees your mood: trend" in listed
    await bot.run("alice@dm: partner invite @bob mood private")
    listed = await bot.say("alice@dm: partner list")
    assert "bob sees your mood" not in listed and "bob sees your sleep: trend" in listed


async def test_grant_states_in_the_repository(bot):
    """The grant rules below the commands: pending shows nothing; a wider level waits for a yes while
    the old level holds; a decline hides nothing from the inviter's own view until the lapse; a
    partner's view counts as attribution only once active."""
    from datetime import timedelta

    from bot.vocabulary.levels import Level
    await bot.run("alice@dm: help", "bob@dm: help")
    s = bot.app.services
    repo = s.partners
    alice = (await s.community.member(1, "alice", "alice", bot.clock.now())).id
    bob = (await s.community.member(1, "bob", "bob", bot.clock.now())).id
    now = bot.clock.now()
    pair = {(alice, "steps")}
    await repo.invite(alice, bob, "steps", Level.TREND, now)
    assert await repo.levels_to(bob, pair) == {} and await repo.attributed(pair) == {}
    await repo.accept(alice, bob, now)
    assert await repo.levels_to(bob, pair) == {(alice, "steps"): Level.TREND}
    assert await repo.attributed(pair) == {(alice, "steps"): Level.TREND}
    await repo.invite(alice, bob, "steps", Level.PUBLIC, now)                 # wider: waits
    assert await repo.levels_to(bob, pair) == {(alice, "steps"): Level.TREND}
    await repo.decline(alice, bob, now)
    assert await repo.invites_to(bob, now) == []
    assert [g.asked_level for g in await repo.asked_by(alice, now)] == [Level.PUBLIC]   # reads as unanswered
    assert await repo.asked_by(alice, now + timedelta(days=15)) == []         # until it lapses
    assert await repo.levels_to(bob, pair) == {(alice, "steps"): Level.TREND}   # the old level holds
    await repo.end(bob, alice, now)
    assert await repo.levels_to(bob, pair) == {} and await repo.grants_involving(alice) == []


async def test_after_unblock_a_new_invite_can_be_accepted(bot):
    await two_weeks(bot)
    await partners(bot, "trend")
    await bot.run("alice@dm: partner invite @bob steps public", "bob@dm: partner decline")
    assert "couldn't send an invite" in await bot.say("alice@dm: partner invite @bob sleep trend")
    await bot.run("bob@dm: partner unblock @alice")
    out = await bot.run("alice@dm: partner invite @bob steps public")
    assert "instead of trend" in " ".join(to(out, "bob"))
    assert "You now see alice's steps" in await bot.say("bob@dm: partner accept")
    assert "bob sees your steps: public" in await bot.say("alice@dm: partner list")
