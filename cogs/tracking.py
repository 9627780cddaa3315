"""Logging numbers: log (with units, days and notes), undo, history, metrics, timezone, units."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from bot.cog import Cog
from bot.commands import Invocation, Param, ParamType, command
from bot.logline import NOTE_MAX, NOTE_PREFIX, LogLine, read_log_line, read_pair_line
from bot.vocabulary import i18n
from bot.vocabulary.clock import local_date, parse_timezone
from bot.vocabulary.errors import Ambiguous, UserError
from bot.vocabulary.i18n import N_, _, n_
from bot.vocabulary.metrics import (
    UNIT_SYSTEMS,
    MetricDef,
    bare_unit,
    format_pair,
    format_quantity,
    other_readings,
    pair_examples,
    part_label,
    resolve_metric,
    split_series_key,
)
from bot.vocabulary.reply import Reply
from bot.vocabulary.text import either
from storage.entries import Entry
from storage.imports import ImportRecord

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
        if m.paired:
            return [await self._log_pair(inv, m, rest, today, known)]   # no milestones for a pair (no one direction)
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

    async def _against_pair_goal(self, member_id: int, m: MetricDef, values: tuple[float, ...]) -> str:
        """Where each part of a reading sits against the goal the member set themselves (`goal bp 130/85`),
        in numbers only, for their own reply: never a label, never in a post."""
        goals = await self.s.goals.for_members([member_id])
        wanted = [goals.get((member_id, key)) for key in m.series_keys()]
        if any(g is None for g in wanted):
            return ""
        words = []
        for part, value, goal in zip(m.parts, values, wanted, strict=True):
            assert goal is not None
            gap = round(value - goal)
            name = part_label(part)
            words.append(_("{part} at your goal", part=name) if gap == 0 else
                         _("{part} {gap} over your goal", part=name, gap=gap) if gap > 0 else
                         _("{part} {gap} under your goal", part=name, gap=-gap))
        return _(" Against your goal of {pair}: {parts}.", pair=format_pair(m, [g for g in wanted if g is not None]),
                 parts=", ".join(words))

    async def _log_pair(self, inv: Invocation, m: MetricDef, rest: str, today: date, known: list[MetricDef]) -> Reply:
        """`log bp 128/82 yesterday after the walk`: both parts as one log (each its own series, undone
        together), and a pulse named with them (`pulse 64`) into `rhr` in the same log."""
        try:
            line = read_pair_line(m, rest, today)
        except Ambiguous as exc:
            options = either(_("`log {key} {c}`", key=m.term, c=c) for c in exc.choices)
            raise UserError(f"{exc.message} {_(ASK_TAIL)}: {options}.") from None
        values = list(zip(m.series_keys(), line.reading.values, strict=True))
        rhr = next((k for k in known if k.key == PULSE_METRIC and not k.custom), None)
        if line.reading.pulse is not None:
            if rhr is None:
                raise UserError(_("A pulse goes into resting heart rate, which this community's metrics don't have: "
                                  "log {name} without it. Nothing was stored.", name=m.label))
            values.append((rhr.key, line.reading.pulse))
        results = await self.s.entries.log_together(inv.member_id, values, line.day, line.note, inv.now)
        parts, pulse = results[:len(m.parts)], results[len(m.parts):]
        on = _day_words(line.day, today)
        shown = format_pair(m, line.reading.values)
        before = [r.previous for r in parts]
        if all(b is not None for b in before):
            text = _("Updated {name} for {on}: {before} → {after} (the new reading replaces that day's).",
                     name=m.label, on=on, before=format_pair(m, [b for b in before if b is not None]), after=shown)
        else:
            text = _("Logged {name} {pair} for {on}.", name=m.label, pair=shown, on=on)
        if pulse and rhr is not None:
            p = pulse[0]
            if p.previous is not None:
                text += _(" Your {name} that day: {before} → {after}.", name=rhr.label,
                          before=format_quantity(rhr, p.previous), after=format_quantity(rhr, p.entry.value))
            else:
                text += _(" Your pulse went into {name}: {amount}.", name=rhr.label,
                          amount=format_quantity(rhr, p.entry.value))
        text += await self._against_pair_goal(inv.member_id, m, line.reading.values)
        text += _day_aside(line.day, today)
        if line.note:
            text += _(" Note: “{note}”.", note=line.note)
        undo = _(" (`undo` takes it back, pulse included.)") if pulse else _(" (`undo` takes it back.)")
        return Reply.text(text + undo, private=True)

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
        imported = await self.s.imports.of_group(inv.member_id, await self.s.entries.newest_log_group(inv.member_id))
        if imported is not None:
            return await self._undo_import(inv, imported)
        undone = await self.s.entries.undo_last_log(inv.member_id)
        if not undone:
            return Reply.text(_("There is nothing to undo."), private=True)
        # One log may be several rows: a pair's parts (and a pulse given with them) go back together.
        groups: dict[str, list[tuple[Entry, float | None]]] = {}
        for entry, restored in undone:
            groups.setdefault(split_series_key(entry.metric)[0], []).append((entry, restored))
        texts = []
        for key, rows in groups.items():
            m = await self.s.catalogue.get(inv.community_id, key)
            if m is not None and m.paired:
                texts.append(_undone_pair(m, rows))
            else:
                for entry, restored in rows:
                    texts.append(await self._undone_one(inv, m, entry, restored))
        for cog in self.app.cogs:   # what other features take back with it (a milestone offer it made)
            try:
                texts.extend(await cog.after_undo(inv, [entry for entry, _restored in undone]))
            except Exception:
                logger.exception("after-undo step of %s failed; the undo itself is done", type(cog).__name__)
        return Reply.text(" ".join(texts), private=True)

    async def _undo_import(self, inv: Invocation, record: ImportRecord) -> Reply:
        """The newest log is an import: it goes back whole, in one answer (not a line per day)."""
        result = await self.s.imports.undo(inv.member_id, record)
        text = n_("Took back your import from {source}: {n} value removed ({first} to {last}).",
                  "Took back your import from {source}: {n} values removed ({first} to {last}).", len(result.removed),
                  source=record.source, first=record.first_day.isoformat(), last=record.last_day.isoformat())
        if result.restored:
            text += " " + n_("{n} earlier value is back.", "{n} earlier values are back.", result.restored)
        texts = [text]
        for cog in self.app.cogs:
            try:
                texts.extend(await cog.after_undo(inv, result.removed))
            except Exception:
                logger.exception("after-undo step of %s failed; the undo itself is done", type(cog).__name__)
        return Reply.text(" ".join(texts), private=True)

    async def _undone_one(self, inv: Invocation, m: MetricDef | None, entry: Entry, restored: float | None) -> str:
        system = await self.s.units.system(inv.member_id, entry.metric)
        name = m.label if m else entry.metric
        fmt = (lambda v: format_quantity(m, v, system)) if m else (lambda v: f"{v:g}")
        if m is not None and m.adds and restored is not None:
            return _("Took back {fmt} of {name} for {isoformat}: back to {fmt2}.", fmt=fmt(entry.value - restored), name=name, isoformat=entry.day.isoformat(), fmt2=fmt(restored))
        text = _("Removed {fmt} of {name} for {isoformat}.", fmt=fmt(entry.value), name=name, isoformat=entry.day.isoformat())
        if restored is not None:
            text += _(" Back to {fmt}.", fmt=fmt(restored))
        return text

    @command("history", "Your recent entries, a day's total per line (only you see them).",
             Param("metric", P.METRIC, "only this metric", required=False, pairs=True), lists=True)
    async def history(self, inv: Invocation, metric: MetricDef | None = None) -> Reply:
        rows = 2 * HISTORY_LIMIT + 1     # a pair is two rows: enough for HISTORY_LIMIT lines
        if metric is not None and metric.paired:
            entries = [e for k in metric.series_keys() for e in await self.s.entries.history(inv.member_id, k, limit=rows)]
            entries.sort(key=lambda e: e.day, reverse=True)
        else:
            entries = await self.s.entries.history(inv.member_id, metric.key if metric else None, limit=rows)
        if not entries:
            if metric is not None and metric.paired:
                return Reply.text(_("No entries yet. Try `log {key} {example}`.", key=metric.term,
                                    example=pair_examples(metric)[0]), private=True)
            return Reply.text(_("No entries yet. Try `log steps 8000`."), private=True)
        metrics = {m.key: m for m in await self.s.catalogue.metrics(inv.community_id)}
        chosen = await self.s.units.systems(inv.member_id)
        groups = _history_groups(entries, metrics)
        if len(entries) >= rows:
            groups = groups[:-1]          # the oldest may have lost a part to the limit
        lines = [_("Your recent entries:")]
        for key, group in groups[:HISTORY_LIMIT]:
            m = metrics.get(key)
            e = group[0]
            if m is not None and m.paired:
                by_part = {split_series_key(x.metric)[1]: x.value for x in group}
                shown = format_pair(m, [by_part.get(p.key, float("nan")) for p in m.parts])
            else:
                shown = format_quantity(m, e.value, chosen.get(e.metric, chosen.get(""))) if m else f"{e.value:g}"
            note = f" — {e.note}" if e.note else ""
            lines.append(f"{e.day.isoformat()}  {m.label if m else e.metric}: {shown}{note}")
        return Reply.text(*lines, private=True)

    @command("metrics", "The metrics you can log here, with their units and ranges.", lists=True)
    async def metrics(self, inv: Invocation) -> Reply:
        lines = [_("You can log:")]
        for m in await self.s.catalogue.metrics(inv.community_id):
            extra = _(" (sensitive: channels show at most trends unless a moderator allows more)") if m.sensitive else ""
            if m.paired:
                ranges = ", ".join(f"{part_label(p)} {p.minimum:.0f}–{p.maximum:.0f}" for p in m.parts) + f" {m.unit}"
                words = m.local_aliases()
                aliases = _(" [also: {join}]", join=", ".join(words)) if words else ""
                lines.append(f"{m.term}: {m.about}; {ranges}"
                             f"{_('; a second log the same day replaces the first')}{aliases}{extra}")
                continue
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


PULSE_METRIC = "rhr"   # where a pulse typed with a reading goes (`log bp 128/82 pulse 64`)


def _undone_pair(m: MetricDef, rows: list[tuple[Entry, float | None]]) -> str:
    """`undo` of a pair's log: both parts named as the pair, and what they replaced, if anything."""
    by_part = {split_series_key(e.metric)[1]: (e, r) for e, r in rows}
    removed = format_pair(m, [by_part[p.key][0].value if p.key in by_part else float("nan") for p in m.parts])
    day = rows[0][0].day.isoformat()
    text = _("Removed {name} {pair} for {isoformat}.", name=m.label, pair=removed, isoformat=day)
    restored = [by_part[p.key][1] if p.key in by_part else None for p in m.parts]
    if all(r is not None for r in restored):
        text += _(" Back to {fmt}.", fmt=format_pair(m, [r for r in restored if r is not None]))
    return text


def _history_groups(entries: list[Entry], metrics: dict[str, MetricDef]) -> list[tuple[str, list[Entry]]]:
    """History rows as lines: a pair's parts of one day make one line (keyed by the metric's key)."""
    out: list[tuple[str, list[Entry]]] = []
    where: dict[tuple[str, date], int] = {}
    for e in entries:
        key, part = split_series_key(e.metric)
        m = metrics.get(key)
        if part is not None and m is not None and m.paired:
            at = where.get((key, e.day))
            if at is not None:
                out[at][1].append(e)
                continue
            where[(key, e.day)] = len(out)
            out.append((key, [e]))
        else:
            out.append((e.metric, [e]))
    return out


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
