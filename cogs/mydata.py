"""Members' control over their data after the fact: what was shared where, export, forget; retention."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.cog import Cog
from bot.commands import Invocation, command
from bot.scheduler import Schedule
from bot.vocabulary import i18n
from bot.vocabulary.i18n import N_, _, n_, p_
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import FilePiece, Reply


class MyData(Cog):
    command_groups = {"mydata": N_("What was shared where; export or delete all your data")}

    @command("mydata shared", "Every post that holds your data (channels, and summaries sent to partners), and your partners.",
             lists=True)
    async def shared(self, inv: Invocation) -> Reply:
        rows = await self.s.posts.shared_by(inv.member_id)
        partner_lines = [line for cog in self.app.cogs for line in await cog.sharing_lines(inv.member_id, inv.now)]
        if not rows and not partner_lines:
            return Reply.text(_("No channel post holds any of your data, nor any summary sent to a partner; you have no "
                                "accountability partners."), private=True)
        lines = []
        if rows:
            count = len({r['post'] for r in rows})
            lines.append(n_("{n} post holds your data:", "{n} posts hold your data:", count))
        else:
            lines.append(_("No channel post holds any of your data, nor any summary sent to a partner."))
        for r in rows:
            metric = await self.s.catalogue.get(inv.community_id, r["metric"])
            if r["viewer_id"] is not None:
                lines.append(_("sent privately to {viewer} ({kind}, {created_at}): {metric} at {level}", viewer=r["viewer"],
                               kind=p_("post kind", r["kind"]), created_at=r["created_at"],
                               metric=metric.term if metric else r["metric"], level=Level[r["level"].upper()].label))
                continue
            where = await self.app.message_link(r["channel_id"], r["message"])
            lines.append(_("#{channel} {where} ({kind}, {created_at}): {metric} at {level}", channel=r["channel"], where=where,
                           kind=p_("post kind", r["kind"]), created_at=r["created_at"],
                           metric=metric.term if metric else r["metric"], level=Level[r["level"].upper()].label))
        if rows:
            lines.append(_("Lowering a level with `privacy set` or `partner invite` edits or removes these posts; "
                           "`mydata forget` removes you from all of them."))
        if partner_lines:
            lines.append(_("Your accountability partners:"))
            lines.extend(partner_lines)
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
             confirm=N_("This deletes all your entries, settings, goals and memberships, ends every partnership, and "
                        "removes your data from every post I made (summaries sent to partners too). It cannot be undone."))
    async def forget(self, inv: Invocation) -> Reply:
        # What features sent outside channel posts goes first (every partnership ends; what either
        # side was sent of the other is taken back).
        pe = pd = 0
        for cog in self.app.cogs:
            e, d = await cog.before_forget(inv.member_id)
            pe, pd = pe + e, pd + d
        edited, deleted = await self.app.take_back(inv.member_id, remove=True)
        edited, deleted = edited + pe, deleted + pd
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
    async def schedules(self) -> list[Schedule]:
        days = self.s.config.privacy.retention_days
        if days <= 0:
            return []

        async def run(period: datetime) -> None:
            await self.apply_retention(period)

        return [Schedule("retention", CronTrigger(hour=3, minute=0, timezone="UTC"), run,
                         datetime(2000, 1, 1).astimezone(), timedelta(hours=23))]

    async def apply_retention(self, now: datetime) -> int:
        cutoff = (now - timedelta(days=self.s.config.privacy.retention_days)).date()
        communities = await self.s.community.community_ids()
        removed = 0
        for c in communities:
            removed += await self.s.entries.delete_before(c, cutoff)
            await self.s.milestones.delete_before(c, cutoff)   # what they were about goes with them
        return removed


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue().encode("utf-8")
