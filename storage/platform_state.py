"""Adapter state kept in the database: sync tokens, direct rooms, answered event ids."""

from __future__ import annotations

from datetime import datetime

from bot.vocabulary.clock import utc_iso
from storage.database import Database


class PlatformState:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.fetchval("SELECT value FROM platform_state WHERE key=?", (key,))

    async def set(self, key: str, value: str) -> None:
        await self.db.execute("INSERT INTO platform_state(key, value) VALUES (?,?) "
                              "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    async def delete(self, key: str) -> int:
        """Returns how many keys were removed (0 or 1)."""
        return await self.db.execute_rowcount("DELETE FROM platform_state WHERE key=?", (key,))

    async def items_with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall("SELECT key, value FROM platform_state WHERE key LIKE ? ESCAPE '\\' ORDER BY key",
                                      (pattern,))
        return [(r[0], r[1]) for r in rows]

    async def claim_event(self, event_id: str, now: datetime, in_flight: tuple[str, str] | None = None) -> bool:
        """True the first time an event is seen: a replayed sync never answers twice. ``in_flight``
        (key, value) is set in the same transaction, for the caller to delete once it has answered:
        a key left behind names a command that a kill interrupted."""
        async with self.db.transaction():
            inserted = await self.db.execute_rowcount(
                "INSERT INTO handled_events(event_id, handled_at) VALUES (?,?) ON CONFLICT (event_id) DO NOTHING", (event_id, utc_iso(now)))
            if inserted == 1 and in_flight is not None:
                await self.set(*in_flight)
        return inserted == 1   # atomic, so two processes can never both answer the same event
