"""`import`: a member's own export file (Apple Health, Google Fit, Fitbit, Garmin, a CSV), privately.

The member hands the file over privately (a Discord attachment, a file in the bot's private Matrix
room, a path on the console). The bot reads it (bot.imports.pipeline) and shows a preview: metrics,
days, first and last day, what is new, what would replace a value already here, and what it could not
read and why. Nothing is stored until the member confirms (`confirm`, or `confirm keep` to leave every
day that already has a value as it is; buttons on Discord). Then the values are stored as one log
(storage.imports): `undo` takes back the whole import, and a re-import of the same file changes
nothing. The file itself is never kept: the adapter deletes it when the preview is shown, and only the
read values wait (in memory, for the confirmation) until confirmed, cancelled or expired.

Imported values are entries like typed ones: private until the member chooses otherwise, and nothing
of them reaches anyone else except through the gate. No milestone or other post follows an import.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.imports.detect import MAX_FILE_BYTES
from bot.imports.pipeline import Plan, compare, convert, describe, gather, window
from bot.imports.records import FileRefused, Upload
from bot.vocabulary.clock import local_date, zone
from bot.vocabulary.errors import UserError
from bot.vocabulary.i18n import _, count, n_, num, p_
from bot.vocabulary.metrics import MetricDef, resolve_metric
from bot.vocabulary.reply import Button, Reply
from bot.vocabulary.text import echo

log = logging.getLogger(__name__)

WAIT = timedelta(minutes=15)    # how long a preview waits for `confirm`
SHOWN_REASONS = 5               # the most common reasons a row was skipped, in the preview
PROGRESS_WAIT = 30              # seconds the reading waits for a progress line to be shown


@dataclass
class _Waiting:
    plan: Plan
    expires: datetime


class Imports(Cog):
    def __init__(self, services, app):
        super().__init__(services, app)
        self._waiting: dict[int, _Waiting] = {}

    @command("import", "Bring in your own export file (Apple Health, Google Fit, Fitbit, Garmin, or a CSV): "
             "I show what it holds, and store it only when you confirm.",
             Param("file", ParamType.FILE, "your export file (on the console: its path)", required=False),
             slow=True)
    async def import_file(self, inv: Invocation, file: Upload | None = None, apply: str | None = None) -> Reply:
        if inv.confirmed and apply is not None:
            return await self._store(inv, keep_mine=apply == "keep")
        if file is None:
            raise UserError(_where_to_send(inv.platform))
        for who in [m for m, w in self._waiting.items() if w.expires < inv.now]:
            del self._waiting[who]   # read values wait no longer than their preview
        member = await self.s.community.member_by_id(inv.member_id)
        tz = member.timezone if member else "UTC"
        today = local_date(inv.now, tz)
        loop = asyncio.get_running_loop()

        def told(text: str) -> None:
            """From the reading thread: the line goes out on the event loop, and reading waits until it is
            shown, so no progress line can land after the answer (it would hide the preview on Discord)."""
            try:
                asyncio.run_coroutine_threadsafe(inv.progress(text), loop).result(timeout=PROGRESS_WAIT)
            except Exception:   # progress is a courtesy: reading goes on without it
                log.info("a progress line could not be shown")

        await inv.progress(_("Reading your file ({name}, {size} MB)…", name=_shown_name(file.name),
                             size=num(file.size / 2**20, ".1f")))
        try:
            gathered = await asyncio.to_thread(gather, file, zone(tz), today, told,
                                               window(today, self.s.config.privacy.retention_days))
        except FileRefused as exc:
            log.info("an import file was refused")   # never its name or content
            raise UserError(exc.reason + " " + _("Nothing was stored.")) from None
        except (OSError, MemoryError) as exc:
            log.warning("an import file could not be read: %s", type(exc).__name__)   # not its name: it may say whose
            raise UserError(_("I couldn't read that file. Nothing was stored.")) from None
        metrics = await self.s.catalogue.metrics(inv.community_id)
        plan = convert(gathered, metrics, lambda name: _exact(name, metrics))
        rows = plan.rows
        held = (await self.s.imports.held(inv.member_id, {k for k, _d, _v in rows}, min(d for _k, d, _v in rows),
                                          max(d for _k, d, _v in rows)) if rows else {})
        compare(plan, held)
        lines = await self._preview(inv, plan, file)
        if not plan.changes:
            self._waiting.pop(inv.member_id, None)
            lines.append(_("Nothing to import: every day I could read already holds exactly this here.")
                         if rows else _("Nothing in it that I can store. Nothing was stored."))
            return Reply.text(*lines, private=True)
        self._waiting[inv.member_id] = _Waiting(plan, inv.now + WAIT)
        self.app.ask(inv, "import", {"apply": "all"}, {"keep": {"apply": "keep"}}, WAIT)
        replaced = sum(plan.replaced.values())
        lines.append(_("Nothing is stored yet. Only you see this, and imported values are private like "
                       "everything you log (`privacy` decides who sees what)."))
        minutes = int(WAIT.total_seconds() // 60)
        import_, keep, cancel = p_("button", "Import"), p_("button", "Keep mine, add the rest"), p_("button", "Cancel")
        buttons: tuple[Button, ...] = (Button(import_, "confirm", (), "primary"),)
        if replaced:
            buttons += (Button(keep, "confirm", (("choice", "keep"),)),)
        buttons += (Button(cancel, "cancel"),)
        if inv.platform == "discord":   # the buttons say how
            lines.append(_("Press **{import_}** within {minutes} minutes to store it, or **{cancel}**.",
                           import_=import_, minutes=minutes, cancel=cancel) if not replaced else
                         _("Press **{import_}** within {minutes} minutes to store it (replacing {n} of your values "
                           "here), **{keep}** to add only the days you have nothing for, or **{cancel}**.",
                           import_=import_, minutes=minutes, n=count(replaced), keep=keep, cancel=cancel))
        elif replaced:
            lines.append(_("Type `confirm` within {minutes} minutes to store it (replacing {n} of your values here), "
                           "`confirm {keep}` to keep yours and add only the days you have nothing for, or `cancel`.",
                           minutes=minutes, n=count(replaced), keep=p_("choice", "keep")))
        else:
            lines.append(_("Type `confirm` within {minutes} minutes to store it, or `cancel`.", minutes=minutes))
        preview = Reply.text(*lines, private=True)
        return Reply(lines=preview.lines, private=True, buttons=buttons)

    async def _preview(self, inv: Invocation, plan: Plan, file: Upload) -> list[str]:
        days = plan.days
        if days:
            lines = [_("Your {source} file {name} holds {days} days from {first} to {last}:", source=plan.source,
                       name=_shown_name(file.name), days=count(len(days)), first=days[0].isoformat(),
                       last=days[-1].isoformat())]
        else:
            lines = [_("Your {source} file {name}:", source=plan.source, name=_shown_name(file.name))]
        for c in plan.metrics:
            system = await self.s.units.system(inv.member_id, c.metric.key)
            lines.append("• " + describe(plan, c.metric, c.rows, system))
        skipped = sum(plan.skipped.values())
        if skipped:
            reasons = "; ".join(f"{reason} ({count(n)})" for reason, n in plan.skipped.most_common(SHOWN_REASONS))
            lines.append(n_("{n} row I couldn't read, left out: {reasons}.",
                            "{n} rows I couldn't read, left out: {reasons}.", skipped, reasons=reasons))
        if plan.too_old and plan.first is not None:
            lines.append(n_("{n} value from before {day} left out: I keep no more of your past than you could log.",
                            "{n} values from before {day} left out: I keep no more of your past than you could log.",
                            plan.too_old, day=plan.first.isoformat()))
        if plan.future:
            lines.append(n_("{n} value dated in the future left out.", "{n} values dated in the future left out.",
                            plan.future))
        if plan.repeated:
            lines.append(n_("{n} day appeared twice for a metric: the later row counts.",
                            "{n} days appeared twice for a metric: the later row counts.", plan.repeated))
        return lines

    async def _store(self, inv: Invocation, keep_mine: bool) -> Reply:
        waiting = self._waiting.pop(inv.member_id, None)
        if waiting is None or waiting.expires < inv.now:
            raise UserError(_("There is no import waiting for you; send the file again."))
        plan = waiting.plan
        rows = plan.rows
        held = await self.s.imports.held(inv.member_id, {k for k, _d, _v in rows}, min(d for _k, d, _v in rows),
                                         max(d for _k, d, _v in rows))
        record = await self.s.imports.store(inv.member_id, plan.source, plan.rows_for(keep_mine, held), inv.now)
        if record is None:
            return Reply.text(_("Nothing new to store: those days already hold these values. Nothing changed."),
                              private=True)
        log.info("an import stored %d values", record.added + record.replaced)   # counts only
        text = _("Imported from {source}: {added} new and {replaced} replaced, {first} to {last}. "
                 "`undo` takes back the whole import.", source=record.source, added=count(record.added),
                 replaced=count(record.replaced), first=record.first_day.isoformat(), last=record.last_day.isoformat())
        return Reply.text(text, private=True)

    def cancelled(self, member_id: int) -> None:
        self._waiting.pop(member_id, None)

    async def before_forget(self, member_id: int) -> tuple[int, int]:
        self._waiting.pop(member_id, None)   # the read values of a preview go with everything else
        return 0, 0


def _exact(name: str, metrics: list[MetricDef]) -> MetricDef | None:
    """A metric named in a file, by key, name or alias: never a guess at a close name."""
    try:
        return resolve_metric(name, metrics)
    except UserError:
        return None


def _shown_name(name: str) -> str:
    shown = echo(name)
    return f"`{shown}`" if shown else _("(no name)")


def _where_to_send(platform: str) -> str:
    limit = num(MAX_FILE_BYTES / 2**20, ".0f")
    if platform == "discord":
        return _("Attach your export file to `/import` (up to {limit} MB, and what Discord lets you upload).", limit=limit)
    if platform == "matrix":
        return _("Send your export file to me in our private room (up to {limit} MB); I'll show what it holds "
                 "before anything is stored.", limit=limit)
    return _("Give the file's path: `import /path/to/export.zip`.")
