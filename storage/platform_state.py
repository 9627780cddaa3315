"""Adapter state kept in the database: sync tokens, direct rooms, answered event ids."""

from __future__ import annotations

from datetime import datetime

from bot.clock import utc_iso
from storage.database import Database


class PlatformState:
    def __init__(self, db: Database):
        self.db = db

    async def get(self, key: str) -> str | None:
        return await self.db.fetchval("SELECT value FROM platform_state WHERE key=?", (key,))

    async def set(self, key: str, value: str) -> None:
        await self.db.execute("INSERT INTO platform_state(key, value) VALUES (?,?) "
                              "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    async def delete(self, key: str) -> None:
        await self.db.execute("DELETE FROM platform_state WHERE key=?", (key,))

    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """True the first time an event is seen: a replayed sync never answers twice."""
        inserted = await self.db.execute_rowcount(
            "INSERT OR IGNORE INTO handled_events(event_id, handled_at) VALUES (?,?)", (event_id, utc_iso(now)))
        return inserted == 1   # atomic, so two processes can never both answer the same event
