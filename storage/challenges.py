"""Challenges and their participants. Joining is the member's consent to appear on that one board."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from bot.vocabulary.errors import UserError
from storage.database import Database


@dataclass(frozen=True)
class Challenge:
    id: int
    community_id: int
    channel_id: int
    name: str
    metric: str
    kind: str          # total | average | days | streak | improvement
    mode: str          # ranked | group
    target: float | None
    timezone: str
    starts_at: datetime
    ends_at: datetime
    midboard: bool
    created_by: int | None
    created_at: datetime
    ended: bool


class ChallengeRepository:
    export_name = "challenges"

    def __init__(self, db: Database):
        self.db = db

    async def create(self, community_id: int, channel_id: int, name: str, metric: str, kind: str, mode: str,
                     target: float | None, tz: str, starts_at: datetime, ends_at: datetime, midboard: bool,
                     created_by: int, now: datetime) -> Challenge:
        try:
            new_id = await self.db.insert(
                "INSERT INTO challenges(community_id, channel_id, name, metric, kind, mode, target, timezone, starts_at, "
                "ends_at, midboard, created_by, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (community_id, channel_id, name, metric, kind, mode, target, tz, utc_iso(starts_at), utc_iso(ends_at),
                 int(midboard), created_by, utc_iso(now)))
        except sqlite3.IntegrityError:
            # Two members created the same name at once: the unique index decided.
            raise UserError(f"There is already a challenge called `{name}` in this channel.") from None
        challenge = await self.get(new_id)
        assert challenge is not None  # inserted just above, in the same database
        return challenge

    async def get(self, challenge_id: int) -> Challenge | None:
        row = await self.db.fetchone("SELECT * FROM challenges WHERE id=?", (challenge_id,))
        return None if row is None else _challenge(row)

    async def by_name(self, channel_id: int, name: str) -> Challenge | None:
        """The running challenge of that name here, else the most recent ended one (to see or leave it)."""
        row = await self.db.fetchone(
            "SELECT * FROM challenges WHERE channel_id=? AND lower(name)=lower(?) ORDER BY ended, id DESC LIMIT 1",
            (channel_id, name))
        return None if row is None else _challenge(row)

    async def in_channel(self, channel_id: int) -> list[Challenge]:
        rows = await self.db.fetchall("SELECT * FROM challenges WHERE channel_id=? AND ended=0 ORDER BY starts_at, id",
                                      (channel_id,))
        return [_challenge(r) for r in rows]

    async def names_in_channel(self, community_id: int, channel_external_id: str) -> list[str]:
        """Challenge names for autocomplete, by the platform's channel id."""
        rows = await self.db.fetchall(
            "SELECT c.name FROM challenges c JOIN channels ch ON ch.id=c.channel_id "
            "WHERE ch.community_id=? AND ch.external_id=? ORDER BY c.name", (community_id, channel_external_id))
        return [r[0] for r in rows]

    async def running(self) -> list[Challenge]:
        return [_challenge(r) for r in await self.db.fetchall("SELECT * FROM challenges WHERE ended=0 ORDER BY id")]

    async def end_early(self, challenge_id: int, ends_at: datetime) -> None:
        """A moderator ends it now: the period is cut short, the results still go out once."""
        await self.db.execute("UPDATE challenges SET ends_at=? WHERE id=? AND ended=0 AND ends_at>?",
                              (utc_iso(ends_at), challenge_id, utc_iso(ends_at)))

    async def mark_ended(self, challenge_id: int) -> None:
        await self.db.execute("UPDATE challenges SET ended=1 WHERE id=?", (challenge_id,))

    async def join(self, challenge_id: int, member_id: int, now: datetime) -> bool:
        return await self.db.execute_rowcount(
            "INSERT INTO challenge_members(challenge_id, member_id, joined_at) VALUES (?,?,?) "
            "ON CONFLICT (challenge_id, member_id) DO NOTHING",
            (challenge_id, member_id, utc_iso(now))) > 0

    async def leave(self, challenge_id: int, member_id: int) -> bool:
        return await self.db.execute_rowcount("DELETE FROM challenge_members WHERE challenge_id=? AND member_id=?",
                                              (challenge_id, member_id)) > 0

    async def members(self, challenge_id: int) -> list[int]:
        rows = await self.db.fetchall("SELECT member_id FROM challenge_members WHERE challenge_id=? ORDER BY member_id",
                                      (challenge_id,))
        return [r[0] for r in rows]

    async def joined(self, member_id: int, challenge_ids: list[int]) -> set[int]:
        if not challenge_ids:
            return set()
        rows = await self.db.fetchall(
            f"SELECT challenge_id FROM challenge_members WHERE member_id=? AND challenge_id IN ({','.join('?' * len(challenge_ids))})",
            (member_id, *challenge_ids))
        return {r[0] for r in rows}

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT c.name AS challenge, ch.name AS channel, c.metric, 'joined' AS role, cm.joined_at AS at "
            "FROM challenge_members cm JOIN challenges c ON c.id=cm.challenge_id JOIN channels ch ON ch.id=c.channel_id "
            "WHERE cm.member_id=? "
            "UNION ALL SELECT c.name, ch.name, c.metric, 'created', c.created_at "
            "FROM challenges c JOIN channels ch ON ch.id=c.channel_id WHERE c.created_by=? ORDER BY at",
            (member_id, member_id))
        return [dict(r) for r in rows]

    async def delete_member(self, member_id: int) -> int:
        """Memberships go; challenges the member created stay for the others, without their creator."""
        async with self.db.transaction():
            left = await self.db.execute_rowcount("DELETE FROM challenge_members WHERE member_id=?", (member_id,))
            unlinked = await self.db.execute_rowcount("UPDATE challenges SET created_by=NULL WHERE created_by=?", (member_id,))
        return left + unlinked


def _challenge(row) -> Challenge:
    return Challenge(row["id"], row["community_id"], row["channel_id"], row["name"], row["metric"], row["kind"], row["mode"],
                     row["target"], row["timezone"], datetime.fromisoformat(row["starts_at"]),
                     datetime.fromisoformat(row["ends_at"]), bool(row["midboard"]), row["created_by"],
                     datetime.fromisoformat(row["created_at"]), bool(row["ended"]))
