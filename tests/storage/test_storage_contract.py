"""Every repository holding member data exports and deletes it; after delete, no row names the member."""

from __future__ import annotations

import pytest

from storage.contract import MemberData


async def _tables_with_member_column(db) -> dict[str, str]:
    out = {}
    for table in await db.table_names():
        cols = await db.column_names(table)
        for col in ("member_id", "created_by"):
            if col in cols:
                out[table] = col
    return out


@pytest.mark.sqlite_file
async def test_migrations_apply_once(bot):
    from storage.database import migrations
    applied = await bot.db.fetchall("SELECT number FROM schema_migrations ORDER BY number")
    assert [r[0] for r in applied] == [n for n, _, _ in migrations()]
    assert await bot.db.migrate() == []
    assert (await bot.db.fetchval("PRAGMA journal_mode")).lower() == "wal"
    assert await bot.db.fetchval("PRAGMA foreign_keys") == 1


async def test_every_member_data_repository_exports_and_deletes(bot):
    await bot.run(":moderator mia",
                  "alice@#walkers: log steps 8000 nice walk", "alice@#walkers: log sleep 7h",
                  "alice@#walkers: privacy set steps public", "alice@dm: privacy set sleep trend #walkers",
                  "bob@#walkers: log steps 5000", "alice@dm: timezone Europe/Berlin", "alice@dm: milestones on",
                  *(f"alice@dm: log water 2L 2026-11-{d}" for d in range(10, 16)), "alice@#walkers: log water 2L")
    s = bot.app.services
    alice = await s.community.member(1, "alice", "alice", bot.clock.now())
    repos = s.all_member_data()
    assert all(isinstance(r, MemberData) for r in repos)
    exported = {r.export_name: await r.export_member(alice.id) for r in repos}
    assert len(exported["entries"]) == 9 and exported["profile"][0]["timezone"] == "Europe/Berlin"
    assert [r["record"] for r in exported["milestones"]] == ["setting", "milestone"]   # a 7-day streak of water
    assert len(exported["sharing"]) == 2
    for repo in repos:
        await repo.delete_member(alice.id)
    for table, col in (await _tables_with_member_column(bot.db)).items():
        left = await bot.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE {col}=?", (alice.id,))
        assert left == 0, table
    assert await bot.db.fetchval("SELECT COUNT(*) FROM members WHERE id=?", (alice.id,)) == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM entries") == 1   # bob's entry is untouched
