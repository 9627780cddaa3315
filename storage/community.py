"""Communities, their channels and their members (the member row is the member's profile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.vocabulary import text
from bot.vocabulary.clock import utc_iso
from storage.database import Database


@dataclass(frozen=True)
class Member:
    id: int
    community_id: int
    external_id: str
    display_name: str
    timezone: str


@dataclass(frozen=True)
class Channel:
    id: int
    community_id: int
    external_id: str
    name: str


def safe_name(name: str, limit: int = 32) -> str:
    """Display names appear in channel posts: no mentions, markdown or control characters."""
    return text.name(name, limit) or "member"


class CommunityRepository:
    export_name = "profile"

    def __init__(self, db: Database, default_timezone: str = "UTC"):
        self.db = db
        self.default_timezone = default_timezone   # a new member's zone until they run `timezone`
        # Every command starts with these lookups; they rarely change, so they are kept in memory
        # (and updated here, the only place that writes them).
        self._communities: dict[tuple[str, str], int] = {}
        self._community_rows: dict[int, tuple[str, str]] = {}
        self._channels: dict[int, Channel] = {}
        self._members: dict[int, Member] = {}
        self._member_ids: dict[tuple[int, str], int] = {}

    async def community(self, platform: str, external_id: str, name: str = "") -> int:
        cached = self._communities.get((platform, external_id))
        if cached is not None:
            return cached
        row = await self.db.fetchone("SELECT id FROM communities WHERE platform=? AND external_id=?", (platform, external_id))
        if row is None:
            async with self.db.transaction():
                await self.db.execute("INSERT INTO communities(platform, external_id, name) VALUES (?,?,?) "
                                      "ON CONFLICT (platform, external_id) DO NOTHING",
                                      (platform, external_id, name))
                row = await self.db.fetchone("SELECT id FROM communities WHERE platform=? AND external_id=?", (platform, external_id))
        self._communities[(platform, external_id)] = row[0]
        self._community_rows[row[0]] = (platform, external_id)
        return row[0]

    async def community_ids(self) -> list[int]:
        return [r[0] for r in await self.db.fetchall("SELECT id FROM communities ORDER BY id")]

    async def find_community(self, platform: str, external_id: str) -> int | None:
        """A community by its platform id, without creating it (operator tools look things up)."""
        return await self.db.fetchval("SELECT id FROM communities WHERE platform=? AND external_id=?",
                                      (platform, external_id))

    async def find_member(self, platform: str, community_external_id: str, member_external_id: str) -> int | None:
        return await self.db.fetchval(
            "SELECT m.id FROM members m JOIN communities c ON c.id=m.community_id "
            "WHERE c.platform=? AND c.external_id=? AND m.external_id=?",
            (platform, community_external_id, member_external_id))

    async def member_external_ids(self, community_id: int) -> list[str]:
        return [r[0] for r in await self.db.fetchall("SELECT external_id FROM members WHERE community_id=?", (community_id,))]

    async def delete_community(self, community_id: int) -> None:
        """Channels, members and everything of theirs cascade from the community row."""
        await self.db.execute("DELETE FROM communities WHERE id=?", (community_id,))

    async def community_address(self, community_id: int) -> tuple[str, str] | None:
        """(platform, external id) of a community."""
        if community_id not in self._community_rows:
            row = await self.db.fetchone("SELECT platform, external_id FROM communities WHERE id=?", (community_id,))
            if row is None:
                return None
            self._community_rows[community_id] = (row[0], row[1])
        return self._community_rows[community_id]

    async def channel(self, community_id: int, external_id: str, name: str) -> Channel:
        row = await self.db.fetchone("SELECT * FROM channels WHERE community_id=? AND external_id=?", (community_id, external_id))
        if row is None:
            async with self.db.transaction():
                await self.db.execute("INSERT INTO channels(community_id, external_id, name) VALUES (?,?,?) "
                                      "ON CONFLICT (community_id, external_id) DO NOTHING",
                                      (community_id, external_id, safe_name(name, 80)))
                row = await self.db.fetchone("SELECT * FROM channels WHERE community_id=? AND external_id=?", (community_id, external_id))
        return Channel(row["id"], row["community_id"], row["external_id"], row["name"])

    async def channels_by_ids(self, channel_ids: list[int]) -> dict[int, Channel]:
        """Many channels (and their communities' addresses) in a few queries, for a peak's thousands of
        runs: looked up one by one, they queue in front of members' commands."""
        wanted = sorted({c for c in channel_ids if c not in self._channels})
        for at in range(0, len(wanted), 500):
            chunk = wanted[at:at + 500]
            rows = await self.db.fetchall(
                "SELECT c.id, c.community_id, c.external_id, c.name, co.platform, co.external_id AS community_external "
                f"FROM channels c JOIN communities co ON co.id = c.community_id WHERE c.id IN ({','.join('?' * len(chunk))})",
                tuple(chunk))
            for row in rows:
                self._channels[row["id"]] = Channel(row["id"], row["community_id"], row["external_id"], row["name"])
                self._community_rows.setdefault(row["community_id"], (row["platform"], row["community_external"]))
        return {c: self._channels[c] for c in channel_ids if c in self._channels}

    async def channel_by_id(self, channel_id: int) -> Channel | None:
        if channel_id in self._channels:
            return self._channels[channel_id]
        row = await self.db.fetchone("SELECT * FROM channels WHERE id=?", (channel_id,))
        if row is None:
            return None
        self._channels[channel_id] = Channel(row["id"], row["community_id"], row["external_id"], row["name"])
        return self._channels[channel_id]

    async def channel_by_name(self, community_id: int, name: str) -> Channel | None:
        row = await self.db.fetchone("SELECT * FROM channels WHERE community_id=? AND lower(name)=lower(?)", (community_id, name))
        return None if row is None else Channel(row["id"], row["community_id"], row["external_id"], row["name"])

    async def member(self, community_id: int, external_id: str, display_name: str, now: datetime) -> Member:
        cached = self._members.get(self._member_ids.get((community_id, external_id), -1))
        if cached is not None and cached.display_name == safe_name(display_name):
            return cached
        member = await self._load_member(community_id, external_id, display_name, now)
        self._members[member.id] = member
        self._member_ids[(community_id, external_id)] = member.id
        return member

    async def _load_member(self, community_id: int, external_id: str, display_name: str, now: datetime) -> Member:
        row = await self.db.fetchone("SELECT * FROM members WHERE community_id=? AND external_id=?", (community_id, external_id))
        if row is None:
            async with self.db.transaction():
                await self.db.execute(
                    "INSERT INTO members(community_id, external_id, display_name, timezone, created_at) "
                    "VALUES (?,?,?,?,?) ON CONFLICT (community_id, external_id) DO NOTHING", (community_id, external_id, safe_name(display_name), self.default_timezone,
                                          utc_iso(now)))
                row = await self.db.fetchone("SELECT * FROM members WHERE community_id=? AND external_id=?", (community_id, external_id))
        elif row["display_name"] != safe_name(display_name):
            await self.db.execute("UPDATE members SET display_name=? WHERE id=?", (safe_name(display_name), row["id"]))
            return Member(row["id"], row["community_id"], row["external_id"], safe_name(display_name), row["timezone"])
        return _member(row)

    async def member_id_by_external(self, community_id: int, external_id: str) -> int | None:
        """A member the bot already knows, by platform id (case-insensitive on the console's names)."""
        row = await self.db.fetchone("SELECT id FROM members WHERE community_id=? AND external_id=?", (community_id, external_id))
        return None if row is None else row[0]

    async def member_by_id(self, member_id: int) -> Member | None:
        if member_id in self._members:
            return self._members[member_id]
        row = await self.db.fetchone("SELECT * FROM members WHERE id=?", (member_id,))
        return None if row is None else _member(row)

    async def members_by_ids(self, ids: list[int]) -> dict[int, Member]:
        out: dict[int, Member] = {}
        for chunk in _chunks(ids, 500):
            rows = await self.db.fetchall(f"SELECT * FROM members WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            out.update({r["id"]: _member(r) for r in rows})
        return out

    async def names_in_checkin(self, channel_id: int) -> dict[int, str]:
        """Display names of everyone in a channel's check-in: all a check-in post needs of their profiles
        (a whole Member each cost a tenth of a second for 10,000 members)."""
        rows = await self.db.fetch_tuples(
            "SELECT m.id, m.display_name FROM members m JOIN checkin_members cm ON cm.member_id=m.id WHERE cm.channel_id=?",
            (channel_id,))
        return dict(rows)

    async def set_timezone(self, member_id: int, tz: str) -> None:
        await self.db.execute("UPDATE members SET timezone=? WHERE id=?", (tz, member_id))
        self._members.pop(member_id, None)

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT m.id, m.external_id, m.display_name, m.timezone, m.created_at, c.platform, c.external_id AS community "
            "FROM members m JOIN communities c ON c.id=m.community_id WHERE m.id=?", (member_id,))
        return [dict(r) for r in rows]

    async def delete_member(self, member_id: int) -> int:
        """Removes the profile row last; every other table cascades from it."""
        member = self._members.pop(member_id, None)
        if member is not None:
            self._member_ids.pop((member.community_id, member.external_id), None)
        return await self.db.execute_rowcount("DELETE FROM members WHERE id=?", (member_id,))


def _member(row) -> Member:
    return Member(row["id"], row["community_id"], row["external_id"], row["display_name"], row["timezone"])


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
