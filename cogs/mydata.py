"""Members' control over their data after the fact: what was shared where, export, forget; retention."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.commands import Invocation, command
from bot.reply import FilePiece, Reply
from bot.scheduler import Schedule
from bot.services import Services
from bot import i18n
from bot.i18n import N_, _, n_, p_
from bot.levels import Level


class MyData:
    def __init__(self, services: Services, app):
        self.s = services
        self.app = app
        services.scheduler.add_provider(self._schedules)

    @command("mydata shared", "Every channel post that holds your data: where, when, which metric, at what level.",
             lists=True)
    async def shared(self, inv: Invocation) -> Reply:
        rows = await self.s.posts.shared_by(inv.member_id)
        if not rows:
            return Reply.text(_("No channel post holds any of your data."), private=True)
        count = len({r['post'] for r in rows})
        lines = [n_("{n} post holds your data:", "{n} posts hold your data:", count)]
        for r in rows:
            where = await self.app.message_link(r["channel_id"], r["message"])
            metric = await self.s.catalogue.get(inv.community_id, r["metric"])
            lines.append(_("#{channel} {where} ({kind}, {created_at}): {metric} at {level}", channel=r["channel"], where=where,
                           kind=p_("post kind", r["kind"]), created_at=r["created_at"],
                           metric=metric.term if metric else r["metric"], level=Level[r["level"].upper()].label))
        lines.append(_("Lowering a level with `privacy set` edits or removes these posts; `mydata "
                       "forget` removes you from all of them."))
        return Reply.text(*lines, private=True)

    @command("mydata export", "All your data as files (a CSV per table and one JSON file), only to you.", slow=True)
    async def export(self, inv: Invocation) -> Reply:
        data = await self.collect(inv.member_id)
        files = [FilePiece(inv.member_id, "peerpulse-export.json",
                           json.dumps(data, indent=2, default=str).encode("utf-8"), "application/json")]
        for name, rows in data.items():
            files.append(FilePiece(inv.member_id, f"peerpulse-{name}.csv", _csv(rows), "text/csv"))
        counts = ", ".join(f"{len(rows)} {name}" for name, rows in data.items())
        return Reply(lines=Reply.text(_("Your data ({counts}); only you received these files:", counts=counts)).lines,
                     files=tuple(files), private=True, kind="export")

    @command("mydata forget", "Delete everything I hold about you and take your data out of every post.",
             confirm=N_("This deletes all your entries, settings, goals and memberships, and removes your data from "
                        "every post I made. It cannot be undone."))
    async def forget(self, inv: Invocation) -> Reply:
        edited, deleted = await self.app.take_back(inv.member_id, remove=True)
        removed = 0
        for repo in self.s.all_member_data():
            removed += await repo.delete_member(inv.member_id)
        records = n_("{n} record", "{n} records", removed)
        posts = n_("{n} post", "{n} posts", edited + deleted)
        return Reply.text(_("Done: I deleted everything I held about you ({records}) and changed {posts} ({deleted} "
                            "removed). If you log again, you start fresh and private.", records=records, posts=posts,
                            deleted=i18n.count(deleted)), private=True)

    async def collect(self, member_id: int) -> dict[str, list[dict]]:
        return {repo.export_name: await repo.export_member(member_id) for repo in self.s.all_member_data()}

    # -- retention -----------------------------------------------------------------------------
    async def _schedules(self) -> list[Schedule]:
        days = self.s.config.privacy.retention_days
        if days <= 0:
            return []

        async def run(period: datetime) -> None:
            await self.apply_retention(period)

        return [Schedule("retention", CronTrigger(hour=3, minute=0, timezone="UTC"), run,
                         datetime(2000, 1, 1).astimezone(), timedelta(hours=23))]

    async def apply_retention(self, now: datetime) -> int:
        cutoff = (now - timedelta(days=self.s.config.privacy.retention_days)).date()
        communities = [r[0] for r in await self.s.db.fetchall("SELECT id FROM communities")]
        return sum([await self.s.entries.delete_before(c, cutoff) for c in communities])


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue().encode("utf-8")
