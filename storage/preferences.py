"""Members' own units: `units metric|imperial` (no row means the community's default)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import utc_iso
from storage.database import Database


class UnitPreferenceRepository:
    export_name = "units"

    def __init__(self, db: Database):
        self.db = db

    async def set(self, member_id: int, system: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO member_units(member_id, system, updated_at) VALUES (?,?,?) "
            "ON CONFLICT(member_id) DO UPDATE SET system=excluded.system, updated_at=excluded.updated_at",
            (member_id, system, utc_iso(now)))

    async def system(self, member_id: int) -> str | None:
        return await self.db.fetchval("SELECT system FROM member_units WHERE member_id=?", (member_id,))

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetchall("SELECT system, updated_at FROM member_units WHERE member_id=?",
                                                        (member_id,))]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM member_units WHERE member_id=?", (member_id,))
