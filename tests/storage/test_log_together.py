"""One log of several rows (a blood pressure's parts, issue 26): stored together, undone together, exported."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.vocabulary.metrics import BLOOD_PRESSURE, format_pair, parse_pair

DAY = date(2026, 11, 30)


async def _member(bot, name="alice"):
    await bot.run(f"{name}@#walkers: log steps 1000")
    return await bot.app.services.community.member(1, name, name, bot.clock.now())


async def test_a_pair_is_one_log_for_undo_and_export(bot):
    s = bot.app.services
    alice = await _member(bot)
    now = bot.clock.now()
    first = await s.entries.log_together(alice.id, [("bp.systolic", 130), ("bp.diastolic", 85)], DAY, None, now)
    second = await s.entries.log_together(alice.id, [("bp.systolic", 128), ("bp.diastolic", 82), ("rhr", 64)],
                                          DAY, "after a walk", now)
    assert [r.previous for r in second] == [130, 85, None]
    assert len({r.entry.log_group for r in second}) == 1 and second[0].entry.log_group == second[0].entry.id
    assert first[0].entry.log_group != second[0].entry.log_group
    assert await s.entries.series(alice.id, "bp.systolic", DAY, DAY) == [(DAY, 128)]

    exported = await s.entries.export_member(alice.id)
    parts = [(r["metric"], r["value"], r["active"]) for r in exported if r["metric"].startswith("bp.")]
    assert sorted(parts) == [("bp.diastolic", 82, 1), ("bp.diastolic", 85, 0), ("bp.systolic", 128, 1),
                             ("bp.systolic", 130, 0)]
    assert all(r["log_group"] is not None for r in exported if r["metric"].startswith("bp."))

    undone = await s.entries.undo_last_log(alice.id)   # the whole second log: both parts and the pulse
    assert [(e.metric, e.value, restored) for e, restored in undone] == [
        ("bp.systolic", 128, 130), ("bp.diastolic", 82, 85), ("rhr", 64, None)]
    assert await s.entries.series(alice.id, "bp.diastolic", DAY, DAY) == [(DAY, 85)]
    assert await s.entries.series(alice.id, "rhr", DAY, DAY) == []
    entry, restored = await s.entries.undo_last(alice.id)   # the first log, as a whole
    assert restored is None
    assert await s.entries.series(alice.id, "bp.systolic", DAY, DAY) == []
    assert await s.entries.series(alice.id, "bp.diastolic", DAY, DAY) == []
    entry, _restored = await s.entries.undo_last(alice.id)  # then the steps logged alone, as before
    assert entry.metric == "steps" and entry.log_group is None


async def test_one_log_may_not_name_a_series_twice(bot):
    alice = await _member(bot)
    with pytest.raises(ValueError):
        await bot.app.services.entries.log_together(alice.id, [("bp.systolic", 1), ("bp.systolic", 2)], DAY, None,
                                                   bot.clock.now())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(60, 260), st.integers(30, 160)).filter(lambda p: p[0] >= p[1]),
                min_size=1, max_size=4))
async def test_pairs_round_trip_through_storage_and_export(bot, pairs):
    s = bot.app.services
    alice = await _member(bot, f"m{abs(hash(tuple(pairs))) % 10**9}")
    for i, (systolic, diastolic) in enumerate(pairs):
        reading = parse_pair(BLOOD_PRESSURE, format_pair(BLOOD_PRESSURE, (systolic, diastolic)))
        keys = BLOOD_PRESSURE.series_keys()
        await s.entries.log_together(alice.id, list(zip(keys, reading.values, strict=True)),
                                     date(2026, 11, 1 + i), None, bot.clock.now())
    stored = {}
    for r in await s.entries.export_member(alice.id):
        if r["active"] and r["metric"] in BLOOD_PRESSURE.series_keys():
            stored.setdefault(r["day"], {})[r["metric"]] = r["value"]
    assert [(v["bp.systolic"], v["bp.diastolic"]) for _d, v in sorted(stored.items())] == pairs
