"""What a scheduled run has sent, per destination, recorded before the platform is asked.

A run (one check-in, one reminder, ...) is retaken after a crash (bot.scheduler); this ledger lets the
retaken run skip what already went out, and search the platform for what was on its way when the
process died (``sending``), instead of sending it twice. A channel post's row in the post ledger is
written in the same transaction as its ``sending`` row, with no platform message id yet
(:data:`storage.posts.PENDING`), so the post ledger knows of a post before the channel shows it.
Rows live only while their run does (:meth:`storage.job_runs.JobRunRepository.mark_done` deletes them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.vocabulary.clock import utc_iso
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import Reply
from storage.database import Database
from storage.posts import PENDING, PostLedger

SENDING, SENT, REFUSED = "sending", "sent", "refused"


@dataclass(frozen=True)
class RunSend:
    id: int
    job: str
    period: str
    destination: str
    state: str
    fingerprint: str
    disclosures: tuple[tuple[int, str, Level], ...]
    post_id: int | None
    started_at: datetime


@dataclass(frozen=True)
class PendingPost:
    """The ledger row of a channel (or kept private) post, written before it is sent."""

    channel_id: int | None
    reply: Reply
    now: datetime
    images: tuple[str, ...] = ()
    viewer_id: int | None = None


class RunSendRepository:
    export_name = "messages_on_their_way"

    def __init__(self, db: Database, posts: PostLedger):
        self.db = db
        self.posts = posts

    async def get(self, job: str, period: datetime, destination: str) -> RunSend | None:
        row = await self.db.fetchone("SELECT * FROM run_sends WHERE job=? AND period=? AND destination=?",
                                     (job, utc_iso(period), destination))
        return _send(row) if row is not None else None

    async def in_flight(self, job: str, period: datetime) -> list[RunSend]:
        """The sends of a run whose outcome is unknown (the process died while the platform was asked)."""
        rows = await self.db.fetchall("SELECT * FROM run_sends WHERE job=? AND period=? AND state=? ORDER BY id",
                                      (job, utc_iso(period), SENDING))
        return [_send(r) for r in rows]

    async def begin(self, job: str, period: datetime, destination: str, fingerprint: str,
                    disclosures: Iterable[tuple[int, str, Level]], started_at: datetime,
                    post: PendingPost | None = None, member_id: int | None = None) -> RunSend:
        """Record that the platform is about to be asked (and the post's pending ledger row), at once."""
        disclosures = list(disclosures)
        shown = [(m, metric, int(level)) for m, metric, level in disclosures]
        async with self.db.transaction():
            post_id = None
            if post is not None:
                post_id = await self.posts.record(post.channel_id, PENDING, post.reply, disclosures, post.now,
                                                  images=post.images, viewer_id=post.viewer_id)
            send_id = await self.db.insert(
                "INSERT INTO run_sends(job, period, destination, state, fingerprint, disclosures, post_id, member_id, "
                "started_at) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                (job, utc_iso(period), destination, SENDING, fingerprint, json.dumps(shown), post_id, member_id,
                 utc_iso(started_at)))
        return RunSend(send_id, job, utc_iso(period), destination, SENDING, fingerprint,
                       tuple((m, metric, Level(level)) for m, metric, level in shown), post_id, started_at)

    async def sent(self, send: RunSend, handle: str | None) -> None:
        """The platform took it: the post gets its message ids (none: it is not a ledger post after all)."""
        async with self.db.transaction():
            await self.db.execute("UPDATE run_sends SET state=? WHERE id=?", (SENT, send.id))
            if send.post_id is not None:
                if handle:
                    await self.posts.set_handle(send.post_id, handle)
                else:
                    await self.posts.forget_pending(send.post_id)

    async def refused(self, send: RunSend) -> None:
        """The platform refused it: nothing was shown, so the pending post goes; the run won't ask again."""
        async with self.db.transaction():
            await self.db.execute("UPDATE run_sends SET state=? WHERE id=?", (REFUSED, send.id))
            if send.post_id is not None:
                await self.posts.forget_pending(send.post_id)

    async def abandon(self, send: RunSend) -> None:
        """It never arrived (the platform has no trace of it): forget it, so it may be sent afresh."""
        async with self.db.transaction():
            if send.post_id is not None:
                await self.posts.forget_pending(send.post_id)
            await self.db.execute("DELETE FROM run_sends WHERE id=?", (send.id,))

    async def export_member(self, member_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT job, period, state, started_at FROM run_sends WHERE member_id=? ORDER BY id",
                                      (member_id,))
        return [dict(r) for r in rows]

    async def delete_member(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM run_sends WHERE member_id=?", (member_id,))


def _send(row: Any) -> RunSend:
    return RunSend(row["id"], row["job"], row["period"], row["destination"], row["state"], row["fingerprint"],
                   tuple((m, metric, Level(level)) for m, metric, level in json.loads(row["disclosures"])),
                   row["post_id"], datetime.fromisoformat(row["started_at"]))
