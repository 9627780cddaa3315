"""Logging numbers: log (with units, days and notes), undo, history, metrics, timezone, units."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.logline import NOTE_MAX, NOTE_PREFIX, LogLine, read_log_line
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date, parse_timezone
from bot.vocabulary.errors import Ambiguous, UserError
from bot.vocabulary.i18n import N_, _, n_
from bot.vocabulary.metrics import UNIT_SYSTEMS, MetricDef, bare_unit, format_quantity, other_readings, resolve_metric
from bot.vocabulary.reply import Reply
from bot.vocabulary.text import either

logger = logging.getLogger(__name__)
P = ParamType
HISTORY_LIMIT = 60     # entries in one `history` answer (Discord pages through them)
RECENT_DAYS = 60          # a bare number far from the member's entries of this many days is asked about
UNLIKE, LIKE = 1.5, 1.2   # "far": off by more than x1.5; "fits another unit": within x1.2 of the last value
ASK_TAIL = N_("I stored nothing: type the line you meant")


class Tracking(Cog):
    def member_data(self):
        return (self.s.units,)

    async def _timezone(self, inv: Invocation) -> str:
        member = await self.s.community.member_by_id(inv.member_id)
        return member.timezone if member else "UTC"

    @command("log", "Log a number for yourself (only you see it unless you choose to share). If I ask which "
                    "you meant, type the line again with the unit or date written out.",
             Param("metric", P.METRIC, "what you measured, e.g. steps, sleep, weight, mood", raw=True),
             Param("value", P.QUANTITY, "the number, with a unit if you like: 8000, 7h30m, 82.5kg, 181 lb"),
             Param("when", P.WHEN, "today (default), yesterday, 3 days ago, last tuesday, 24 Nov, 2026-11-20", raw=True,
                   required=False),
             Param("note", P.TEXT, "a private note (up to 200 characters)", required=False,
                   max_length=NOTE_MAX))
    async def log(self, inv: Invocation, metric: str, value: str, when: str | None = None,
                  note: str | None = None) -> list[Reply]:
        known = await self.s.catalogue.metrics(inv.community_id)
        m, value, when, note = _metric_of_several_words(metric, value, when, note, known)
        system = await self.s.units.system(inv.member_id, m.key)
        tz = await self._timezone(inv)
        today = local_date(inv.now, tz)
        rest = " ".join(x for x in (value, when, note) if x)
        try:
            line = read_log_line(m, rest, today, system, tuple(known))
            await self._ask_if_unlike(inv, m, line, system, today)
        except Ambiguous as exc:
            options = either(_("`log {key} {c}`", key=m.term, c=c) for c in exc.choices)
            raise UserError(f"{exc.message} {_(ASK_TAIL)}: {options}.") from None
        result = await self.s.entries.log(inv.member_id, m.key, line.day, line.quantity.value, line.note, inv.now,
                                          add=m.adds)
        on = _day_words(line.day, today)
        amount = _amount_of(m, line.quantity.value, system)
        if result.previous is not None and m.adds:
            text = _("Added {amount} for {on}: {format_quantity} in total that day.", amount=amount, on=on, format_quantity=format_quantity(m, result.entry.value, system))
        elif result.previous is not None:
            text = (_("Updated {name} for {on}: {format_quantity} → {format_quantity2} (the new "
                      "value replaces that day's).", name=m.label, on=on, format_quantity=format_quantity(m, result.previous, system), format_quantity2=format_quantity(m, line.quantity.value, system)))
        else:
            text = _("Logged {amount} for {on}.", amount=amount, on=on)
        text += _day_aside(line.day, today)
        if line.note:
            text += _(" Note: “{note}”.", note=line.note)
        answer = Reply.text(text + _(" (`undo` takes it back.)"), private=True)
        return [answer, *await self._after_log(inv, m, result.entry, result.previous is None)]

    async def _after_log(self, inv: Invocation, m: MetricDef, entry, new_day: bool) -> list[Reply]:
        """What other features add to a stored log (a milestone found). The value is committed
        already: whatever goes wrong here is logged (the feature's name, never a value) and the log
        stands as answered."""
        extra: list[Reply] = []
        for cog in self.app.cogs:
            try:
                extra.extend(await cog.after_log(inv, m, entry, new_day))
            except Exception:
                logger.exception("after-log step of %s failed; the log itself is stored", type(cog).__name__)
        return extra

    async def _ask_if_unlike(self, inv: Invocation, m: MetricDef, line: LogLine, system, today: date) -> None:
        """`log weight 181` right after `82 kg`: a bare number far from the member's recent entries that
        fits another unit of the metric is asked about, not stored. Not for metrics whose logs add up
        (two runs of 5 km and 3 km are both ordinary), nor when a unit was typed."""
        if line.quantity.unit or m.adds:
            return
        value = line.quantity.value
        others = [(c, v) for c, v in other_readings(m, line.value_text, system) if v != value]
        if not others:   # no other unit reads this number into the range (8,123 steps): nothing to ask, no read
            return
        recent = await self.s.entries.latest(inv.member_id, m.key, today - timedelta(days=RECENT_DAYS))
        if not recent or recent <= 0 or value <= 0 or 1 / UNLIKE <= value / recent <= UNLIKE:
            return
        fits = [c for c, v in others if 1 / LIKE <= v / recent <= LIKE]
        if fits:
            tail = " ".join(x for x in (line.day_text, line.note and f"{NOTE_PREFIX} {line.note}") if x)
            unit = bare_unit(m, system) or m.unit
            own = f"{line.value_text} {'fl oz' if unit == 'floz' else unit}"
            choices = [fits[0], own]
            raise Ambiguous(_("{format_quantity} is far from your last {name} "
                              "({format_quantity2}): did you mean {value}?", format_quantity=format_quantity(m, value, system), name=m.label, format_quantity2=format_quantity(m, recent, system), value=fits[0]),
                            tuple(f"{c} {tail}".strip() for c in choices))

    @command("undo", "Take back your most recent log (exactly that log: an added amount, or a replaced value).")
    async def undo(self, inv: Invocation) -> Reply:
        undone = await self.s.entries.undo_last(inv.member_id)
        if undone is None:
            return Reply.text(_("There is nothing to undo."), private=True)
        entry, restored = undone
        m = await self.s.catalogue.get(inv.community_id, entry.metric)
        system = await self.s.units.system(inv.member_id, entry.metric)
        name = m.label if m else entry.metric
        fmt = (lambda v: format_quantity(m, v, system)) if m else (lambda v: f"{v:g}")
        if m is not None and m.adds and restored is not None:
            text = _("Took back {fmt} of {name} for {isoformat}: back to {fmt2}.", fmt=fmt(entry.value - restored), name=name, isoformat=entry.day.isoformat(), fmt2=fmt(restored))
        else:
            text = _("Removed {fmt} of {name} for {isoformat}.", fmt=fmt(entry.value), name=name, isoformat=entry.day.isoformat())
            if restored is not None:
                text += _(" Back to {fmt}.", fmt=fmt(restored))
        for cog in self.app.cogs:
            try:
                text += "".join(f" {sentence}" for sentence in await cog.after_undo(inv, [entry]))
            except Exception:
                logger.exception("after-undo step of %s failed; the undo itself is done", type(cog).__name__)
        return Reply.text(text, private=True)

    @command("history", "Your recent entries, a day's total per line (only you see them).",
             Param("metric", P.METRIC, "only this metric", required=False), lists=True)
    async def history(self, inv: Invocation, metric: MetricDef | None = None) -> Reply:
        key = metric.key if metric else None
        entries = await self.s.entries.history(inv.member_id, key, limit=HISTORY_LIMIT)
        if not entries:
            return Reply.text(_("No entries yet. Try `log steps 8000`."), private=True)
        metrics = {m.key: m for m in await self.s.catalogue.metrics(inv.community_id)}
        chosen = await self.s.units.systems(inv.member_id)
        lines = [_("Your recent entries:")]
        for e in entries:
            m = metrics.get(e.metric)
            shown = format_quantity(m, e.value, chosen.get(e.metric, chosen.get(""))) if m else f"{e.value:g}"
            note = f" — {e.note}" if e.note else ""
            lines.append(f"{e.day.isoformat()}  {m.label if m else e.metric}: {shown}{note}")
        return Reply.text(*lines, private=True)

    @command("metrics", "The metrics you can log here, with their units and ranges.", lists=True)
    async def metrics(self, inv: Invocation) -> Reply:
        lines = [_("You can log:")]
        for m in await self.s.catalogue.metrics(inv.community_id):
            extra = _(" (sensitive: channels show at most trends unless a moderator allows more)") if m.sensitive else ""
            custom = _(" (custom)") if m.custom else ""
            adds = _("; logs the same day add up") if m.adds else _("; a second log the same day replaces the first")
            words = m.local_aliases()
            aliases = _(" [also: {join}]", join=", ".join(words)) if words else ""
            lines.append(f"{m.term}{custom}: {m.about or m.unit}, {format_quantity(m, m.minimum)}–"
                         f"{format_quantity(m, m.maximum)}{adds}{aliases}{extra}")
        return Reply.text(*lines, private=True)

    @command("timezone", "Set your time zone, so your days and weeks are your own.",
             Param("zone", P.TIMEZONE, "an Area/City name (Europe/Berlin) or a city (berlin)", required=False))
    async def timezone(self, inv: Invocation, zone: str | None = None) -> Reply:
        if zone is None:
            return Reply.text(_("Your time zone is {zone}. Change it with `timezone Area/City`.", zone=await self._timezone(inv)), private=True)
        tz = parse_timezone(zone)
        await self.s.community.set_timezone(inv.member_id, tz)
        return Reply.text(_("Your time zone is now {tz}. Entries you already logged keep their "
                            "days.", tz=tz), private=True)

    @command("units", "Choose the units of your replies and own charts (metric or imperial), for every metric or "
                      "one (`units weight imperial`); a bare number you log is read in them too. Channel posts keep "
                      "the community's units.",
             Param("metric", P.METRIC, "only this metric (default: every metric)", required=False),
             Param("system", P.CHOICE, "metric or imperial", required=False, choices=UNIT_SYSTEMS))
    async def units_(self, inv: Invocation, metric: MetricDef | None = None, system: str | None = None) -> Reply:
        m = metric
        if system is None:
            chosen = await self.s.units.systems(inv.member_id)
            own = ", ".join(f"{k} {v}" for k, v in sorted(chosen.items()) if k)
            line = _("Your units are {system}", system=chosen.get('', 'metric')) + (f" ({own})" if own else "") + "."
            return Reply.text(_("{line} Change them with `units metric`, `units imperial` or "
                                "`units weight imperial`.", line=line),
                              private=True)
        await self.s.units.set(inv.member_id, system, inv.now, m.key if m else "")
        if m is not None:
            shown = format_quantity(m, m.maximum / 4, system)
            return Reply.text(_("Your {name} is now in {system} units (e.g. {shown}); a bare "
                                "number you log for it is read in them. Channel posts keep the "
                                "community's units.", name=m.label, system=system, shown=shown), private=True)
        example = _("weight in lb, water in fl oz, distance in miles") if system == "imperial" else \
            _("weight in kg, water in litres, distance in km")
        return Reply.text(_("Your units are now {system} ({example}); a bare number you log is "
                            "read in them. Channel posts keep the community's units.", system=system, example=example), private=True)


def _metric_of_several_words(metric: str, value: str, when, note, known: list[MetricDef]):
    """`log resting heart rate 62` arrives as metric "resting", value "heart": a metric name of two or
    three words takes the words it needs from the line."""
    words = " ".join(x for x in (value, when, note) if x).split()
    names = {n.lower(): m for m in known for n in (m.label, *m.aliases) if " " in n}
    for k in (2, 1):
        name = " ".join([metric, *words[:k]]).lower()
        if len(words) > k and name in names:
            return names[name], words[k], None, " ".join(words[k + 1:]) or None
    return resolve_metric(metric, known), value, when, note


def _day_words(day: date, today: date) -> str:
    """The day an entry went to: today, yesterday, or the date itself."""
    if day == today:
        return _("today")
    if day == today - timedelta(days=1):
        return _("yesterday")
    return day.isoformat()


def _day_aside(day: date, today: date) -> str:
    """For an older day, its weekday and distance, so a misread day is seen at once."""
    back = (today - day).days
    return "" if back < 2 else n_(" ({weekday}, {n} day ago)", " ({weekday}, {n} days ago)", back,
                                  weekday=i18n.day(day, "weekday name"))


def _amount_of(m: MetricDef, amount: float, system) -> str:
    shown = format_quantity(m, amount, system)
    unit_word = shown.rsplit(" ", 1)[-1]   # "1 step" and "8,000 steps" both name the metric already
    return shown if m.label.startswith(unit_word) and len(unit_word) >= len(m.label) - 1 else _("{amount} of {metric}", amount=shown, metric=m.label)
