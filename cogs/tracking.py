"""Logging numbers: log (with units, backdating and notes), undo, history, metrics, timezone."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import local_date, parse_timezone
from bot.commands import Invocation, Param, ParamType, command
from bot.errors import UserError
from bot.metrics import format_quantity, looks_like_when, parse_quantity, parse_when
from bot.reply import Reply
from bot.services import Services

P = ParamType
HISTORY_LIMIT = 60     # entries in one `history` answer (Discord pages through them)


class Tracking:
    def __init__(self, services: Services, app):
        self.s = services

    async def _timezone(self, inv: Invocation) -> str:
        member = await self.s.community.member_by_id(inv.member_id)
        return member.timezone if member else "UTC"

    @command("log", "Log a number for yourself (only you see it unless you choose to share).",
             Param("metric", P.METRIC, "what you measured, e.g. steps, sleep, weight, mood"),
             Param("value", P.QUANTITY, "the number, with a unit if you like: 8000, 7h30m, 82.5kg, 181 lb"),
             Param("when", P.WHEN, "today (default), yesterday, or a date like 2026-11-20", required=False),
             Param("note", P.TEXT, "a private note", required=False))
    async def log(self, inv: Invocation, metric: str, value: str, when: str | None = None, note: str | None = None) -> Reply:
        m = await self.s.catalogue.resolve(inv.community_id, metric)
        amount, when, note = _quantity_with_spaced_unit(m, value, when, note)
        tz = await self._timezone(inv)
        today = local_date(inv.now, tz)
        day = parse_when(when, today) if when else today
        result = await self.s.entries.log(inv.member_id, m.key, day, amount, note, inv.now)
        on = "today" if day == today else ("yesterday" if day == today - timedelta(days=1) else day.isoformat())
        if result.previous is not None:
            text = f"Updated {m.name} for {on}: {format_quantity(m, result.previous)} → {format_quantity(m, amount)}."
        else:
            text = f"Logged {_amount_of(m, amount)} for {on}."
        return Reply.text(text + " (`undo` takes it back.)", private=True)

    @command("undo", "Take back your most recent log.")
    async def undo(self, inv: Invocation) -> Reply:
        undone = await self.s.entries.undo_last(inv.member_id)
        if undone is None:
            return Reply.text("There is nothing to undo.", private=True)
        entry, restored = undone
        m = await self.s.catalogue.get(inv.community_id, entry.metric)
        name = m.name if m else entry.metric
        fmt = (lambda v: format_quantity(m, v)) if m else (lambda v: f"{v:g}")
        text = f"Removed {fmt(entry.value)} of {name} for {entry.day.isoformat()}."
        if restored is not None:
            text += f" Back to {fmt(restored)}."
        return Reply.text(text, private=True)

    @command("history", "Your recent entries (only you see them).",
             Param("metric", P.METRIC, "only this metric", required=False), lists=True)
    async def history(self, inv: Invocation, metric: str | None = None) -> Reply:
        key = (await self.s.catalogue.resolve(inv.community_id, metric)).key if metric else None
        entries = await self.s.entries.history(inv.member_id, key, limit=HISTORY_LIMIT)
        if not entries:
            return Reply.text("No entries yet. Try `log steps 8000`.", private=True)
        metrics = {m.key: m for m in await self.s.catalogue.metrics(inv.community_id)}
        lines = ["Your recent entries:"]
        for e in entries:
            m = metrics.get(e.metric)
            shown = format_quantity(m, e.value) if m else f"{e.value:g}"
            note = f" — {e.note}" if e.note else ""
            lines.append(f"{e.day.isoformat()}  {m.name if m else e.metric}: {shown}{note}")
        return Reply.text(*lines, private=True)

    @command("metrics", "The metrics you can log here, with their units and ranges.", lists=True)
    async def metrics(self, inv: Invocation) -> Reply:
        lines = ["You can log:"]
        for m in await self.s.catalogue.metrics(inv.community_id):
            extra = " (sensitive: channels show at most trends unless a moderator allows more)" if m.sensitive else ""
            custom = " (custom)" if m.custom else ""
            aliases = f" [also: {', '.join(m.aliases)}]" if m.aliases else ""
            lines.append(f"{m.key}{custom}: {m.help or m.unit}, {format_quantity(m, m.minimum)}–{format_quantity(m, m.maximum)}{aliases}{extra}")
        return Reply.text(*lines, private=True)

    @command("timezone", "Set your time zone, so your days and weeks are your own.",
             Param("zone", P.TIMEZONE, "an Area/City name, e.g. Europe/Berlin", required=False))
    async def timezone(self, inv: Invocation, zone: str | None = None) -> Reply:
        if zone is None:
            return Reply.text(f"Your time zone is {await self._timezone(inv)}. Change it with `timezone Area/City`.", private=True)
        tz = parse_timezone(zone)
        await self.s.community.set_timezone(inv.member_id, tz)
        return Reply.text(f"Your time zone is now {tz}. Entries you already logged keep their days.", private=True)


def _quantity_with_spaced_unit(m, value: str, when: str | None, note: str | None) -> tuple[float, str | None, str | None]:
    """`log weight 181 lb` arrives as value "181" and note "lb": when the next word completes the value
    (a unit, or the "30m" of "7h 30m"), it belongs to the value, and a `when` may follow it."""
    rest = (note or "").split(" ", 1) if when is None and note else None
    if rest and rest[0]:
        try:
            amount = parse_quantity(m, f"{value} {rest[0]}")
        except UserError:
            pass
        else:
            remainder = rest[1].strip() if len(rest) > 1 else ""
            words = remainder.split(" ", 1)
            if words[0] and looks_like_when(words[0]):
                return amount, words[0], (words[1].strip() if len(words) > 1 else None) or None
            return amount, None, remainder or None
    return parse_quantity(m, value), when, note


def _amount_of(m, amount: float) -> str:
    shown = format_quantity(m, amount)
    unit_word = shown.rsplit(" ", 1)[-1]
    return shown if m.name.startswith(unit_word) and len(unit_word) >= len(m.name) - 1 else f"{shown} of {m.name}"
