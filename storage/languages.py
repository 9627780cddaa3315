"""Which language a member and a community read: the member's choice, else the community's, else
the config default (see :mod:`bot.vocabulary.i18n` for where each is used)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from bot.vocabulary import i18n
from bot.vocabulary.clock import utc_iso
from storage.database import Database

#: How long a language choice read from the database is trusted. Every command needs the member's and
#: the community's language, which change rarely: remembering them saves two round trips a command on
#: PostgreSQL. This process forgets its copy at once when a choice changes here; another process
#: sharing the database sees the change within this many seconds.
CACHE_SECONDS = 30.0


class LanguageRepository:
    export_name = "language"

    def __init__(self, db: Database, default: str = i18n.SOURCE):
        self.db = db
        self.default = default
        self._members: dict[int, tuple[float, str | None]] = {}
        self._communities: dict[int, tuple[float, str | None]] = {}

    async def set_member(self, member_id: int, language: str | None, now: datetime) -> None:
        """None clears the choice (the member then reads the community's language)."""
        async with self.db.transaction():
            await self.db.execute("DELETE FROM member_language WHERE member_id=?", (member_id,))
            if language:
                await self.db.execute("INSERT INTO member_language(member_id, language, updated_at) VALUES (?,?,?)",
                                      (member_id, language, utc_iso(now)))
        self._members.pop(member_id, None)   # after the commit: a read meanwhile can't keep the old choice

    async def set_community(self, community_id: int, language: str | None, now: datetime) -> None:
        async with self.db.transaction():
            await self.db.execute("DELETE FROM community_language WHERE community_id=?", (community_id,))
            if language:
                await self.db.execute("INSERT INTO community_language(community_id, language, updated_at) VALUES (?,?,?)",
                                      (community_id, language, utc_iso(now)))
        self._communities.pop(community_id, None)

    async def member_choice(self, member_id: int) -> str | None:
        return await self._choice(self._members, member_id, "SELECT language FROM member_language WHERE member_id=?")

    async def community_choice(self, community_id: int) -> str | None:
        return await self._choice(self._communities, community_id,
                                  "SELECT language FROM community_language WHERE community_id=?")

    async def _choice(self, cache: dict[int, tuple[float, str | None]], key: int, sql: str) -> str | None:
        cached = cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        row = await self.db.fetchone(sql, (key,))
        choice = i18n.normalize(row[0]) if row else None
        cache[key] = (time.monotonic(), choice)
        return choice

    async def for_community(self, community_id: int) -> str:
        """What the community's channels are written in."""
        return await self.community_choice(community_id) or i18n.normalize(self.default) or i18n.SOURCE

    async def for_member(self, member_id: int | None, community_id: int, platform_hint: str | None = None) -> str:
        """What a member's private replies are written in: their choice, else the platform's locale
        for them (Discord's interaction locale), else the community's language."""
        chosen = await self.member_choice(member_id) if member_id else None
        return chosen or i18n.normalize(platform_hint) or await self.for_community(community_id)

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.db.fetchall(
            "SELECT language, updated_at FROM member_language WHERE member_id=?", (member_id,))]

    async def delete_member(self, member_id: int) -> int:
        removed = await self.db.execute_rowcount("DELETE FROM member_language WHERE member_id=?", (member_id,))
        self._members.pop(member_id, None)
        return removed
