"""The post ledger: which message holds which member's which metric, at which level.

A post is a channel message (``channel_id``) or a private message that shows someone's data to
another member (``viewer_id``: a summary sent to an accountability partner); both are taken back the
same way.

A post may be several platform messages (a long check-in split in two, a text and its image on
Matrix): ``platform_message_id`` keeps the ids of all of them, in order, joined by
:data:`bot.vocabulary.handles.MESSAGE_ID_SEPARATOR`, and take-back hands that whole list back to the transport, which acts on
each message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from bot.vocabulary.handles import split_message_ids
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import Reply, reply_from_json, reply_to_json
from storage.database import Database


@dataclass(frozen=True)
class Post:
    id: int
    channel_id: int | None
    platform_message_id: str
    kind: str
    created_at: str
    reply: Reply
    images: tuple[str, ...] = ()     # sha256 of each image the message carries, in order
    viewer_id: int | None = None     # a private post: the one member who sees it

    @property
    def message_ids(self) -> tuple[str, ...]:
        """Every platform message of this post."""
        return split_message_ids(self.platform_message_id)


PENDING = ""   # platform_message_id of a post written to the ledger before it is sent (storage.run_sends)
# A pending post is not taken back by itself: its messages are unknown until the run that sends it
# finds them (bot.runtime reconciles it, and then brings it in line with today's settings).
_LIVE = "deleted=0 AND platform_message_id <> ''"

_DISCLOSE = ("INSERT INTO post_disclosures(post_id, member_id, metric, level) VALUES (?,?,?,?) "
             "ON CONFLICT (post_id, member_id, metric) DO UPDATE SET level=excluded.level")


class PostLedger:
    export_name = "shared_posts"

    def __init__(self, db: Database):
        self.db = db

    async def record(self, channel_id: int | None, platform_message_id: str, reply: Reply,
                     disclosures: Iterable[tuple[int, str, Level]], now: datetime, images: Iterable[str] = (),
                     viewer_id: int | None = None) -> int:
        """A channel post (``channel_id``) or a private one (``viewer_id``, channel_id None)."""
        async with self.db.transaction():
            post_id = await self.db.insert(
                "INSERT INTO posts(channel_id, platform_message_id, kind, content, created_at, viewer_id) "
                "VALUES (?,?,?,?,?,?) RETURNING id",
                (None if viewer_id is not None else channel_id, platform_message_id, reply.kind, _content(reply, images),
                 utc_iso(now), viewer_id))
            await self.db.executemany(
                _DISCLOSE,
                [(post_id, m, metric, int(level)) for m, metric, level in disclosures])
        return post_id

    async def update(self, post_id: int, reply: Reply, disclosures: Iterable[tuple[int, str, Level]],
                     platform_message_id: str | None = None, images: Iterable[str] = ()) -> None:
        """A post was edited; some platforms (Matrix images) give it new message ids."""
        async with self.db.transaction():
            await self.db.execute("UPDATE posts SET content=?, kind=? WHERE id=?", (_content(reply, images), reply.kind, post_id))
            if platform_message_id:
                await self.db.execute("UPDATE posts SET platform_message_id=? WHERE id=?", (platform_message_id, post_id))
            await self.db.execute("DELETE FROM post_disclosures WHERE post_id=?", (post_id,))
            await self.db.executemany(
                _DISCLOSE,
                [(post_id, m, metric, int(level)) for m, metric, level in disclosures])

    async def set_handle(self, post_id: int, platform_message_id: str) -> None:
        """A pending post was sent (or found on the platform): its messages' ids."""
        await self.db.execute("UPDATE posts SET platform_message_id=? WHERE id=?", (platform_message_id, post_id))

    async def forget_pending(self, post_id: int) -> None:
        """A pending post that never reached the platform: nothing was shown, so no row stays."""
        await self.db.execute("DELETE FROM posts WHERE id=? AND platform_message_id=''", (post_id,))

    async def mark_deleted(self, post_id: int) -> None:
        async with self.db.transaction():
            await self.db.execute("UPDATE posts SET deleted=1, content='{\"lines\": [], \"charts\": []}' WHERE id=?", (post_id,))
            await self.db.execute("DELETE FROM post_disclosures WHERE post_id=?", (post_id,))

    async def live_posts_with(self, member_id: int, channel_id: int | None = None,
                              viewer_id: int | None = None) -> list[Post]:
        """Live posts holding the member's data: all, those in one channel, or those sent privately to one viewer."""
        sql = ("SELECT DISTINCT p.* FROM posts p JOIN post_disclosures d ON d.post_id=p.id "
               "WHERE d.member_id=? AND p.deleted=0 AND p.platform_message_id <> ''")
        params: list[Any] = [member_id]
        if channel_id is not None:
            sql += " AND p.channel_id=?"
            params.append(channel_id)
        if viewer_id is not None:
            sql += " AND p.viewer_id=?"
            params.append(viewer_id)
        rows = await self.db.fetchall(sql + " ORDER BY p.id", params)
        return [_post(r) for r in rows]

    async def get(self, post_id: int) -> Post | None:
        row = await self.db.fetchone("SELECT * FROM posts WHERE id=?", (post_id,))
        return _post(row) if row is not None else None

    async def live_posts_in(self, channel_id: int) -> list[Post]:
        rows = await self.db.fetchall(f"SELECT * FROM posts WHERE channel_id=? AND {_LIVE} ORDER BY id", (channel_id,))
        return [_post(r) for r in rows]

    async def live_posts_to(self, viewer_id: int) -> list[Post]:
        """Live private posts sent to one member (what a partner received)."""
        rows = await self.db.fetchall(f"SELECT * FROM posts WHERE viewer_id=? AND {_LIVE} ORDER BY id", (viewer_id,))
        return [_post(r) for r in rows]

    async def shared_by(self, member_id: int) -> list[dict[str, Any]]:
        """Every live post holding the member's data; ``channel`` is None and ``viewer`` names the
        member for a private post (a partner's summary)."""
        rows = await self.db.fetchall(
            "SELECT p.id AS post, p.channel_id, ch.name AS channel, p.viewer_id, v.display_name AS viewer, "
            "p.platform_message_id AS message, p.kind, p.created_at, d.metric, d.level "
            "FROM post_disclosures d JOIN posts p ON p.id=d.post_id LEFT JOIN channels ch ON ch.id=p.channel_id "
            "LEFT JOIN members v ON v.id=p.viewer_id "
            "WHERE d.member_id=? AND p.deleted=0 ORDER BY p.id, d.metric", (member_id,))
        return [{**dict(r), "level": Level(r["level"]).word} for r in rows]

    async def last_private_release(self, viewer_id: int, subject_prefix: str) -> Reply | None:
        """The newest live private post sent to one member whose subject starts with ``subject_prefix``
        (e.g. one partner's summaries, whatever their week), in its released form (as it shows now)."""
        rows = await self.db.fetchall(
            f"SELECT * FROM posts WHERE viewer_id=? AND {_LIVE} AND content LIKE ? ORDER BY id DESC",
            (viewer_id, f'%"subject": {json.dumps(subject_prefix)[:-1]}%'))
        for row in rows:
            post = _post(row)
            if post.reply.subject.startswith(subject_prefix):
                return post.reply
        return None

    async def last_release(self, channel_id: int, subject: str) -> Reply | None:
        """The newest live post about ``subject`` in a channel, in its released form (as it shows now)."""
        rows = await self.db.fetchall(
            f"SELECT * FROM posts WHERE channel_id=? AND {_LIVE} AND content LIKE ? ORDER BY id DESC",
            (channel_id, f'%"subject": {json.dumps(subject)}%'))
        for row in rows:
            post = _post(row)
            if post.reply.subject == subject:
                return post.reply
        return None

    async def post_by_message(self, channel_id: int, platform_message_id: str) -> Post | None:
        """The post that any one of its messages belongs to (LIKE only narrows; the ids decide)."""
        rows = await self.db.fetchall("SELECT * FROM posts WHERE channel_id=? AND platform_message_id LIKE ? ORDER BY id",
                                      (channel_id, f"%{platform_message_id}%"))
        return next((_post(r) for r in rows if platform_message_id in split_message_ids(r["platform_message_id"])), None)

    async def disclosures(self, post_id: int) -> list[tuple[int, str, Level]]:
        """Whose data a post showed, at which level: the ceiling a re-render may never exceed."""
        rows = await self.db.fetchall("SELECT member_id, metric, level FROM post_disclosures WHERE post_id=?", (post_id,))
        return [(r[0], r[1], Level(r[2])) for r in rows]

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        return await self.shared_by(member_id)

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM post_disclosures WHERE member_id=?", (member_id,))


def _content(reply: Reply, images: Iterable[str]) -> str:
    # The image hashes ride along in the content JSON: they identify pictures, they hold no data.
    return json.dumps({**reply_to_json(reply), "images": list(images)})


def _post(row) -> Post:
    content = json.loads(row["content"])
    return Post(row["id"], row["channel_id"], row["platform_message_id"], row["kind"], row["created_at"],
                reply_from_json(content), tuple(content.get("images", ())), row["viewer_id"])
