"""Several processes run every schedule and the ledger lets one run each period; at a peak each process
first runs the runs whose channel it serves itself (its shard is here: no request to find the channel),
and only then the others', which it runs if they are still unclaimed (the other process is behind or down)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.scheduler import Schedule, Scheduler
from bot.vocabulary.clock import FakeClock
from storage.sqlite import SqliteDatabase

PERIOD = datetime(2026, 11, 22, 18, tzinfo=UTC)


def _schedules(channels: range, ran: list[int], hold: float = 0.0) -> list[Schedule]:
    out = []
    for ch in channels:
        async def run(_period: datetime, ch: int = ch) -> None:
            ran.append(ch)
            await asyncio.sleep(hold)
        out.append(Schedule(f"checkin:{ch}", None, run, PERIOD - timedelta(days=7), timedelta(hours=12), ch))
    return out


async def _scheduler(path, served: set[int]) -> tuple[Scheduler, SqliteDatabase]:
    db = await SqliteDatabase.open(path)
    await db.migrate()
    scheduler = Scheduler(db, FakeClock(PERIOD), runs_at_once=1)

    async def serves(channel_ids: list[int]) -> set[int]:
        return served & set(channel_ids)

    scheduler.serves = serves
    return scheduler, db


async def test_runs_this_process_serves_go_first_and_the_others_still_run_when_no_one_else_does(tmp_path):
    """Keys interleave the two kinds; one process alone runs its own first (in key order), then the
    others' (nobody else claimed them), each once."""
    ran: list[int] = []
    scheduler, db = await _scheduler(tmp_path / "one.db", served={1, 3, 5, 7})
    try:
        runs = [(s, PERIOD) for s in _schedules(range(1, 9), ran)]
        assert await scheduler.run_together(runs) == [True] * 8
        assert ran == [1, 3, 5, 7, 2, 4, 6, 8]
    finally:
        await db.close()


async def test_two_processes_each_run_their_own_shards_channels_and_every_run_happens_once(tmp_path):
    """Both race for every run; each takes its own first, so when one reaches the other's they are
    claimed already (each run takes a while, as a post does)."""
    path = tmp_path / "shared.db"
    ran_a: list[int] = []
    ran_b: list[int] = []
    a, db_a = await _scheduler(path, served={1, 2, 3, 4})
    b, db_b = await _scheduler(path, served={5, 6, 7, 8})
    try:
        done = await asyncio.gather(a.run_together([(s, PERIOD) for s in _schedules(range(1, 9), ran_a, 0.05)]),
                                    b.run_together([(s, PERIOD) for s in _schedules(range(1, 9), ran_b, 0.05)]))
        assert sorted(ran_a + ran_b) == list(range(1, 9))          # each once
        assert sum(done[0]) + sum(done[1]) == 8
        assert set(ran_a) == {1, 2, 3, 4} and set(ran_b) == {5, 6, 7, 8}
    finally:
        await db_a.close()
        await db_b.close()


async def test_without_a_channel_or_a_platform_that_knows_runs_keep_key_order(tmp_path):
    ran: list[int] = []
    scheduler, db = await _scheduler(tmp_path / "plain.db", served=set())
    try:
        plain = [Schedule(s.key, s.trigger, s.run, s.since, s.grace) for s in _schedules(range(1, 5), ran)]
        await scheduler.run_together([(s, PERIOD) for s in reversed(plain)])
        assert ran == [1, 2, 3, 4]
    finally:
        await db.close()


async def test_the_runtime_tells_its_own_channels_from_those_another_process_serves(bot):
    """Through the console: the check-in schedules carry their channel; a platform that knows which
    channels are on its shards (Discord's ``serves``) decides; one that does not serves them all."""
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "mia@#runners: mod schedule #runners sunday 18:00 UTC")
    scheduler = bot.app.services.scheduler
    checkins = {s.key: s.channel_id for s in scheduler._schedules.values() if s.key.startswith("checkin:")}
    assert len(checkins) == 2 and all(checkins.values())
    walkers, runners = (await bot.app.services.community.channels_by_ids(list(checkins.values()))).values()
    assert await bot.app.serves(list(checkins.values())) == set(checkins.values())      # the console: all here
    console = bot.app.transports["console"]
    console.serves = lambda external: external == walkers.external_id                   # a shard split
    try:
        assert await bot.app.serves([walkers.id, runners.id, 999_999]) == {walkers.id, 999_999}
        assert await scheduler._away(list(scheduler._schedules.values())) == [
            s.channel_id == runners.id for s in scheduler._schedules.values()]
    finally:
        del console.serves
