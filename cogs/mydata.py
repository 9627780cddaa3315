"""Members' control over their data after the fact: what was shared where, export, forget; retention."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.commands import Invocation, command
from bot.vocabulary.reply import FilePiece, Reply
from bot.scheduler import Schedule
from bot.cog import Cog, Publisher
from bot.services import Services
from bot.vocabulary.words import counted


class MyData(Cog):
    command_groups = {"mydata": "What was shared where; export or delete all your data"}

    @command("mydata shared", "Every post that holds your data (channels, and summaries sent to partners), and your partners.",
             lists=True)
    async def shared(self, inv: Invocation) -> Reply:
        rows = await self.s.posts.shared_by(inv.member_id)
        partner_lines = [line for cog in self.app.cogs for line in await cog.sharing_lines(inv.member_id, inv.now)]
        if not rows and not partner_lines:
            return Reply.text("No channel post holds any of your data, nor any summary sent to a partner; you have no "
                              "accountability partners.", private=True)
        lines = []
        if rows:
            count = len({r['post'] for r in rows})
            lines.append(f"{counted(count, 'post')} {'holds' if count == 1 else 'hold'} your data:")
        else:
            lines.append("No channel post holds any of your data, nor any summary sent to a partner.")
        for r in rows:
            if r["viewer_id"] is not None:
                lines.append(f"sent privately to {r['viewer']} ({r['kind']}, {r['created_at']}): {r['metric']} at {r['level']}")
                continue
            where = await self.app.message_link(r["channel_id"], r["message"])
            lines.append(f"#{r['channel']} {where} ({r['kind']}, {r['created_at']}): {r['metric']} at {r['level']}")
        if rows:
            lines.append("Lowering a level with `privacy set` or `partner invite` edits or removes these posts; "
                         "`mydata forget` removes you from all of them.")
        if partner_lines:
            lines.append("Your accountability partners:")
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
        return Reply(lines=Reply.text(f"Your data ({counts}); only you received these files:").lines,
                     files=tuple(files), private=True, kind="export")

    @command("mydata forget", "Delete everything I hold about you and take your data out of every post.",
             confirm="This deletes all your entries, settings, goals and memberships, ends every partnership, and "
                     "removes your data from every post I made (summaries sent to partners too). It cannot be undone.")
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
        return Reply.text(f"Done: I deleted everything I held about you ({counted(removed, 'record')}) and changed "
                          f"{counted(edited + deleted, 'post')} ({deleted} removed). If you log again, you start fresh and "
                          "private.", private=True)

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
        return sum([await self.s.entries.delete_before(c, cutoff) for c in communities])


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue().encode("utf-8")
