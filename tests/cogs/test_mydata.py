"""Members' control after the fact: shared, export, forget (with confirmation), take-back, retention."""

from __future__ import annotations

import json
from pathlib import Path

from bot.config import Config, PrivacyConfig
from tests.support.transcript import group_figure, make_transcript, within_release_bound

SETUP = [
    ":moderator mia",
    "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
    *[f"{m}@#walkers: privacy set steps public" for m in ("ann", "ben", "cat", "dov")],
    *[f"{m}@#walkers: checkin join" for m in ("ann", "ben", "cat", "dov")],
    ":time 2026-11-19T12:00:00+00:00",
    "ann@dm: log steps 11111", "ben@dm: log steps 22222", "cat@dm: log steps 33333", "dov@dm: log steps 44444",
    ":time 2026-11-22T19:00:00+00:00",
]


async def test_shared_lists_posts_and_lowering_edits_exactly_the_affected_posts(bot):
    out = await bot.run(*SETUP)
    assert "[#walkers #1] ann: 11,111 steps this week (1/7 days)" in out
    out = await bot.run("ann@#walkers: chart steps 7 share")      # post #2
    assert any(line.startswith("[#walkers #2]") for line in out)
    await bot.run("ben@#walkers: chart steps 7 share")             # post #3, ben only
    shared = await bot.say("ann@dm: mydata shared")
    assert "2 posts hold your data" in shared and "#walkers message 1 (checkin" in shared and "message 2 (chart" in shared
    assert "message 3" not in shared
    out = await bot.run("ann@dm: privacy set steps trend")
    edits = [line for line in out if line.startswith("[#")]
    assert "[#walkers #1 edited] ann: steps 1/7 days" in edits
    assert any(line.startswith("[#walkers #2 edited]") for line in edits)
    assert not any("#3" in line for line in edits)                # ben's post is untouched
    assert "ben: 22,222 steps this week" in "\n".join(edits)      # others' parts of the post stay intact
    assert not any("11,111" in line for line in edits)
    out = await bot.run("ann@dm: privacy set steps private")
    assert "[#walkers #2 deleted]" in out                          # nothing of hers left in her chart post
    assert not any(line.startswith("[#walkers #1 edited] ann") for line in out)
    assert "No channel post" in await bot.say("ann@dm: mydata shared")


async def test_export_holds_everything_and_only_for_the_member(bot):
    await bot.run(*SETUP, "ann@dm: goal steps 70000", "ann@dm: log sleep 7h yesterday note to self", "ann@dm: remind on 20:00")
    out = await bot.run("ann@#walkers: mydata export")
    assert all(line.startswith("[@ann]") for line in out)
    files = [Path(line.split("file: ")[1]) for line in out if "file: " in line]
    names = {f.name.split("-", 2)[-1] for f in files}
    assert {"peerpulse-export.json", "peerpulse-entries.csv", "peerpulse-goals.csv", "peerpulse-sharing.csv",
            "peerpulse-profile.csv", "peerpulse-shared_posts.csv", "peerpulse-checkins.csv", "peerpulse-reminders.csv"} <= names
    data = json.loads(next(f for f in files if f.name.endswith(".json")).read_text())
    assert {e["value"] for e in data["entries"]} == {11111, 7}
    assert data["entries"][1]["note"] == "note to self"
    assert "22222" not in json.dumps(data)                         # nobody else's data


async def test_forget_needs_confirmation_then_leaves_nothing(bot):
    await bot.run(*SETUP, "ann@#walkers: chart steps 7 share")
    out = await bot.run("ann@dm: mydata forget")
    assert "Type `confirm`" in out[0]
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entries e JOIN members m ON m.id=e.member_id WHERE m.external_id='ann'") == 1
    assert "Cancelled" in await bot.say("ann@dm: cancel")
    assert "nothing waiting" in await bot.say("ann@dm: confirm")
    await bot.run("ann@dm: mydata forget")
    out = await bot.run("ann@dm: confirm")
    assert "[#walkers #2 deleted]" in out
    edited = [line for line in out if line.startswith("[#walkers #1 edited]")]
    assert edited and not any("ann" in line or "11,111" in line for line in edited)
    assert any("Done: I deleted everything" in line for line in out)
    ann = await bot.db.fetchval("SELECT id FROM members WHERE external_id='ann'")
    assert ann is None
    contents = " ".join(r[0] for r in await bot.db.fetchall("SELECT content FROM posts"))
    assert "11,111" not in contents and "11111" not in contents
    # She can come back: she starts fresh and private, and her export is empty of the past.
    out = await bot.run("ann@dm: mydata export")
    files = [Path(line.split("file: ")[1]) for line in out if "file: " in line]
    data = json.loads(next(f for f in files if f.name.endswith(".json")).read_text())
    assert data["entries"] == [] and data["shared_posts"] == [] and data["sharing"] == []


async def test_group_figure_is_removed_not_recomputed(tmp_path):
    bot = await make_transcript(tmp_path, Config(privacy=PrivacyConfig(min_group_size=3)))
    try:
        await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                      *[f"{m}@#walkers: privacy set steps aggregate" for m in ("a", "b", "c", "d")],
                      *[f"{m}@#walkers: checkin join" for m in ("a", "b", "c", "d")],
                      ":time 2026-11-19T12:00:00+00:00",
                      "a@dm: log steps 1000", "b@dm: log steps 2000", "c@dm: log steps 3000", "d@dm: log steps 4000")
        out = await bot.run(":time 2026-11-22T19:00:00+00:00")
        value, count = group_figure("\n".join(out), "[#walkers #1] Together: steps about {value} in total")
        assert count == 4 and within_release_bound(value, 10_000, [1000, 2000, 3000, 4000], 100)
        out = await bot.run("a@dm: privacy set steps private")
        # 3 would remain (>= k), but a recomputed 9,000 would reveal a's 1,000: the figure goes.
        assert "[#walkers #1 deleted]" in out
        assert not any("9,000" in line for line in out)
    finally:
        await bot.app.stop()


async def test_retention_deletes_old_entries_on_schedule(tmp_path):
    bot = await make_transcript(tmp_path, Config(privacy=PrivacyConfig(min_group_size=3, retention_days=30)))
    try:
        await bot.run("ann@dm: log steps 1000 2026-10-01", "ann@dm: log steps 2000 2026-11-10")
        await bot.run(":time 2026-11-17T04:00:00+00:00")
        rows = await bot.db.fetchall("SELECT day FROM entries")
        assert [r[0] for r in rows] == ["2026-11-10"]
    finally:
        await bot.app.stop()
