"""The privacy gate: the only way a Reply becomes something an adapter can send.

For every data part of a reply the gate asks what level the audience may see (the lower of the
member's level and the channel's cap, or everything when the member is looking at their own data)
and keeps only that. Everything computed *across* members is computed here, from only what that
audience may see: group figures (under disclosure control, :mod:`bot.disclosure`), places on a board,
how many people a figure is from, which charts appear and whether a post appears at all. So a private
member leaves no trace, and what a reader can work out stays within PRIVACY.md.

The gate also returns the *released form* of what it showed (``Delivery.shown``): Facts reduced to
the variants shown, group figures frozen as the text shown with contributor ids only, boards with
banded keys, charts with the points drawn. The post ledger keeps that and nothing else, and later
take-backs re-release it, so an edited post can only shrink and never recomputes anything.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import importlib
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot import disclosure
from bot.cards import release_card
from bot.charts import CardSpec, ChartSeries, ChartSpec
from bot.collector import collector_paused
from bot.disclosure import Parameters
from bot.vocabulary import i18n
from bot.vocabulary.i18n import N_, _
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import (
    Board,
    BoardEntry,
    ChartLine,
    ChartPiece,
    Destination,
    Fact,
    GroupFigure,
    Line,
    Part,
    Relative,
    Reply,
    Text,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Disclosure:
    member_id: int
    metric: str
    level: Level


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str
    chart: ChartSpec | CardSpec | None = None   # the exact data the renderer was given (kept for tests and audits)
    alt_text: str = ""               # what the image shows, for screen readers (Matrix `body`, Discord description)


@dataclass(frozen=True)
class Delivery:
    """A finished message for one destination. Built only by :class:`PrivacyGate`."""

    destination: Destination
    text: str
    attachments: tuple[Attachment, ...]
    disclosures: tuple[Disclosure, ...]
    shown: Reply    # the released form: exactly what this delivery showed, for the ledger and re-renders
    kind: str = "reply"

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.attachments

    @property
    def kept_private(self) -> bool:
        """A private post for the ledger: it shows its viewer someone else's data outside any channel
        (a partner's summary), so it is recorded and can be taken back like a channel post."""
        viewer = self.destination.viewer_id
        return (viewer is not None and self.shown.keep
                and any(d.member_id != viewer for d in self.disclosures))


class LevelResolver(Protocol):
    async def effective_levels(self, destination: Destination,
                               pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]: ...

    async def attributed_anywhere(self, community_id: int,
                                  pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]: ...


ChartRenderer = Callable[[ChartSpec | CardSpec], Awaitable[bytes]]
LevelOf = Callable[[int, str], Level]

BANDED_NOTE = N_("Places go by steps of {p}% when someone here shares only their progress; "
                 "within a step, by name.")


class PrivacyGate:
    def __init__(self, resolver: LevelResolver, min_group_size: int, render_chart: ChartRenderer,
                 secret: bytes | None = None):
        self._resolver = resolver
        self.params = Parameters(k=min_group_size)
        self._render_chart = render_chart
        # Keys the perturbation of group figures; persisted by the services so a figure is the same
        # number after a restart. A random one is still safe (released figures are frozen).
        self._secret = secret or os.urandom(32)

    @property
    def min_group_size(self) -> int:
        return self.params.k

    async def release(self, reply: Reply, destination: Destination,
                      ceiling: dict[tuple[int, str], Level] | None = None, render: bool = True,
                      locale: str | None = None) -> Delivery:
        """Turn a reply (a cog's, or the released form of an earlier post) into what ``destination``
        may see. ``ceiling`` holds what an earlier post showed: a re-render never shows more.
        What the gate writes itself is in ``locale`` (the destination's language; the current one
        when None), or in the language an earlier post was written in (``reply.locale``), which the
        released form records: a take-back never changes a post's language."""
        with i18n.using(reply.locale or locale) as lang, collector_paused():   # a check-in's 10,000 lines at once
            return await self._release(reply, destination, ceiling, render, lang)

    async def _release(self, reply: Reply, destination: Destination, ceiling: dict[tuple[int, str], Level] | None,
                       render: bool, lang: str) -> Delivery:
        if render and (reply.charts or reply.cards):
            await _load_describer()
        pairs = set(_data_pairs(reply))
        levels: dict[tuple[int, str], Level] = {}
        viewer = destination.viewer_id
        others = {p for p in pairs if p[0] != viewer}
        if others:
            levels.update(await self._resolver.effective_levels(destination, others))
        for p in pairs - others:
            levels[p] = Level.PUBLIC   # a member always sees their own data in full, privately
        if ceiling is not None:
            levels = {p: Level(min(lv, ceiling.get(p, Level.PRIVATE))) for p, lv in levels.items()}
        group_pairs = {p for p in _group_pairs(reply) if levels.get(p, Level.PRIVATE) >= Level.AGGREGATE}
        attributed = (await self._resolver.attributed_anywhere(destination.community_id, group_pairs)
                      if group_pairs else {})

        def level_of(member_id: int, metric: str) -> Level:
            return levels.get((member_id, metric), Level.PRIVATE)

        out = _Output()
        for line in reply.lines:
            if isinstance(line, Board):
                self._board(line, level_of, out)
            else:
                self._line(line, level_of, attributed, out)

        charts = []
        for piece in reply.charts:
            made = self._chart(piece, level_of, destination)
            if made is not None:
                charts.append(made)
        if reply.max_charts is not None:
            charts = sorted(charts, key=lambda c: -len(c[0].series))[:reply.max_charts]
            order = {id(p): i for i, p in enumerate(reply.charts)}
            charts.sort(key=lambda c: order.get(id(c[3]), 0))
        attachments, shown_charts = [], []
        for spec, released, shown, _piece in charts:
            out.disclosures.extend(shown)
            png = await self._render_chart(spec) if render else b""   # render=False: only what would show
            attachments.append(Attachment(f"{released.metric}-chart.png", png, "image/png", spec,
                                          _alt_text(spec) if render else ""))
            shown_charts.append(released)
        shown_cards = []
        for card in reply.cards:
            panels: list[ChartPiece] = []

            def release_panel(piece: ChartPiece) -> tuple[ChartSpec | None, list[Disclosure]]:
                made = self._chart(piece, level_of, destination)
                if made is None:
                    return None, []
                panels.append(made[1])   # noqa: B023  (release_card calls this at once, in this iteration)
                return made[0], made[2]

            card_spec, card_shown = release_card(card, release_panel)
            if card_spec is None:
                continue
            out.disclosures.extend(card_shown)
            png = await self._render_chart(card_spec) if render else b""
            attachments.append(Attachment("week-card.png", png, "image/png", card_spec,
                                          _alt_text(card_spec) if render else ""))
            shown_cards.append(dataclasses.replace(card, panels=tuple(panels)))
        for f in reply.files:
            if viewer == f.owner_id:
                attachments.append(Attachment(f.filename, f.data, f.mime))
            else:
                log.error("gate refused a file addressed to someone other than its owner")

        if reply.requires_data and not out.disclosures:
            out.text, out.shown, attachments, shown_charts, shown_cards = [], [], [], [], []   # nothing of anyone's
        shown_reply = Reply(tuple(out.shown), tuple(shown_charts), (), reply.private, reply.kind, reply.subject,
                            reply.requires_data, reply.max_charts, tuple(shown_cards), lang, keep=reply.keep,
                            buttons=reply.buttons)
        return Delivery(destination, "\n".join(out.text), tuple(attachments), tuple(_dedupe(out.disclosures)),
                        shown_reply, reply.kind)

    # -- lines ---------------------------------------------------------------------------------
    def _line(self, line: Line, level_of: LevelOf, attributed: dict[tuple[int, str], Level], out: _Output) -> None:
        shown_text: list[str] = []
        kept: list[Part] = []
        any_data = False
        for part in line.parts:
            if isinstance(part, Text):
                shown_text.append(part.text)
                kept.append(part)
            elif isinstance(part, Fact):
                chosen = _fact_variant(part, level_of(part.member_id, part.metric))
                if chosen is not None:
                    level, text, released = chosen
                    shown_text.append(text)
                    kept.append(released)
                    out.disclosures.append(Disclosure(part.member_id, part.metric, level))
                    any_data = True
            elif isinstance(part, GroupFigure):
                figure = self._group_figure(part, level_of, attributed)
                if figure is not None:
                    assert figure.frozen is not None  # _group_figure only returns figures with their text frozen
                    shown_text.append(figure.frozen)
                    kept.append(figure)
                    out.disclosures.extend(Disclosure(m, part.metric, Level.AGGREGATE) for m, _ in figure.contributions)
                    any_data = True
        if line.has_data and not any_data:
            return
        body = line.separator.join(s for s in shown_text if s)
        out.text.append(f"{line.label}{body}" if line.label else body)
        out.shown.append(Line(tuple(kept), line.label, line.separator))

    def _group_figure(self, fig: GroupFigure, level_of: LevelOf, attributed: dict[tuple[int, str], Level]) -> GroupFigure | None:
        """A group figure under disclosure control, or None when it may not be shown.

        Fresh: everyone who allows at least `aggregate` here is in it, but only contributors this
        audience never sees attributed (anywhere in the community) count toward k; the p% rule over
        the values the audience doesn't know; each of those perturbed by at most p/2 % of itself;
        rounding. Frozen (an earlier release): shown as it was while every contributor still allows
        it, else dropped as a whole (never recomputed: old and new would differ by someone's value)."""
        if fig.frozen is not None:
            if all(level_of(m, fig.metric) >= Level.AGGREGATE for m, _ in fig.contributions):
                return fig
            return None
        if fig.parts:
            return self._pair_figure(fig, level_of, attributed)
        kept, anonymous, hidden = [], 0, []
        for m, v in fig.contributions:
            here = level_of(m, fig.metric)
            if here < Level.AGGREGATE:
                continue   # private here: not in the figure, not counted, no trace
            shown = max(here if here >= Level.TREND else Level.PRIVATE, attributed.get((m, fig.metric), Level.PRIVATE))
            kept.append((m, v, shown < Level.PUBLIC))   # hidden: the audience doesn't know this value
            if shown < Level.PUBLIC:
                hidden.append(v)
            if shown < Level.TREND:
                anonymous += 1        # ... and never sees it attributed: only these count toward k
        if disclosure.withheld_reason(anonymous, hidden, self.params) is not None:
            return None
        values = [v for _, v, _ in kept]
        ids = sorted(m for m, _, _ in kept)
        if fig.statistic == "count":
            value = float(len(values))
        else:
            value = disclosure.released_value(fig.metric, fig.statistic, fig.period or fig.template, kept,
                                              self._secret, self.params)
        text = fig.template.format(value=i18n.num(value, fig.value_spec), count=i18n.count(len(values)))
        return dataclasses.replace(fig, contributions=tuple((m, 0.0) for m in ids), frozen=text)

    def _pair_figure(self, fig: GroupFigure, level_of: LevelOf, attributed: dict[tuple[int, str], Level]
                     ) -> GroupFigure | None:
        """A group figure over a paired metric, part by part: the same contributors in every part (a
        member's level is the pair's), each part judged on its own values (k, the p% rule) and perturbed
        with offsets keyed by the part, so a reader who knows one part (its figure, or a contributor's
        value of it) learns nothing of the other's offsets; released whole, or not at all."""
        if len(fig.part_values) != len(fig.contributions) or any(len(v) != len(fig.parts) for v in fig.part_values):
            log.error("gate refused a pair figure whose values do not match its parts")
            return None
        kept, anonymous = [], 0
        for (m, _v), values in zip(fig.contributions, fig.part_values, strict=True):
            here = level_of(m, fig.metric)
            if here < Level.AGGREGATE:
                continue
            shown = max(here if here >= Level.TREND else Level.PRIVATE, attributed.get((m, fig.metric), Level.PRIVATE))
            kept.append((m, values, shown < Level.PUBLIC))
            if shown < Level.TREND:
                anonymous += 1
        hidden_by_part = [[values[i] for _m, values, hidden in kept if hidden] for i in range(len(fig.parts))]
        if not kept or disclosure.withheld_reason_parts(anonymous, hidden_by_part, self.params) is not None:
            return None
        figures = [disclosure.released_value(f"{fig.metric}.{part}", fig.statistic, fig.period or fig.template,
                                             [(m, values[i], hidden) for m, values, hidden in kept],
                                             self._secret, self.params)
                   for i, part in enumerate(fig.parts)]
        value = "/".join(i18n.num(v, fig.value_spec) for v in figures)
        text = fig.template.format(value=value, count=i18n.count(len(kept)))
        return dataclasses.replace(fig, contributions=tuple((m, 0.0) for m in sorted(m for m, _, _ in kept)),
                                   part_values=(), frozen=text)

    def _board(self, board: Board, level_of: LevelOf, out: _Output) -> None:
        """Places among the entries this audience may see, and only them (a private participant takes
        no place); on banded scores when anyone shown shares only progress; never shared places."""
        visible = []
        for entry in board.entries:
            chosen = _fact_variant(entry.fact, level_of(entry.member_id, board.metric))
            if chosen is not None:
                visible.append((entry, chosen))
        if not visible:
            return
        banded = board.banded or any(level < Level.PUBLIC for _, (level, _, _) in visible)
        keyed = [(disclosure.rank_key(e.score, board.scale, banded), e, chosen) for e, chosen in visible]
        keyed.sort(key=lambda t: (-t[0], t[1].label.lower(), t[1].member_id))
        entries = []
        for place, (key, entry, (level, text, released)) in enumerate(keyed, start=1):
            out.text.append(f"{entry.label}#{place} · {text}")
            out.disclosures.append(Disclosure(entry.member_id, board.metric, level))
            entries.append(BoardEntry(entry.member_id, entry.label, key, released))
        if banded:
            out.text.append(_(BANDED_NOTE, p=self.params.p_percent))
        out.shown.append(Board(board.metric, tuple(entries), "exact", banded))

    # -- charts --------------------------------------------------------------------------------
    def _chart(self, piece: ChartPiece, level_of: LevelOf, destination: Destination
               ) -> tuple[ChartSpec, ChartPiece, list[Disclosure], ChartPiece] | None:
        """(spec to draw, released piece, disclosures, source piece), or None when the chart is left out."""
        own_view = destination.is_private and all(s.member_id == destination.viewer_id for s in piece.lines)
        if piece.shown is None:
            visible = [(s, level_of(s.member_id, piece.metric)) for s in piece.lines]
            visible = [(s, lv) for s, lv in visible if lv >= Level.TREND and s.points]
            relative = any(lv < Level.PUBLIC for _, lv in visible)
            lines = []
            for s, _lv in visible:
                points = disclosure.relative_steps(s.points, s.baseline) if relative else tuple(s.points)
                if points:
                    lines.append(ChartLine(s.member_id, s.label, tuple(points)))
                    if len(lines) > piece.max_series:
                        return None   # left out below anyway: a big check-in's 5,000 lines aren't all stepped
            kind = "relative" if relative else "raw"
        else:
            kind = piece.shown
            visible = [(s, level_of(s.member_id, piece.metric)) for s in piece.lines]
            lines = [s for s, lv in visible if lv >= Level.TREND and s.points]
            if kind == "raw" and any(lv < Level.PUBLIC for s, lv in visible if s in lines):
                # Someone shown raw now shares only progress: the chart becomes relative, each line to
                # the mean of its own points as drawn (derived from what was shown, so it adds nothing).
                kind = "relative"
                lines = [ChartLine(s.member_id, s.label, disclosure.relative_steps(s.points, _mean(s.points)))
                         for s in lines]
                lines = [s for s in lines if s.points]
        if not lines or len(lines) > piece.max_series:
            return None
        relative = kind == "relative"
        # A goal is the member's own business: drawn only on their own private chart.
        goal = piece.lines[0].goal if own_view and len(piece.lines) == 1 and not relative else None
        title = _("{title} (relative to own usual)", title=piece.title) if relative else piece.title
        # A raw chart of one member may show their usual (their values are shown anyway).
        usual = piece.lines[0].baseline if piece.shown is None and len(lines) == 1 and not relative else None
        spec = ChartSpec(title=title, unit="%" if relative else piece.unit, timezone=piece.timezone, locale=i18n.current(),
                         series=tuple(ChartSeries(s.label, tuple(s.points)) for s in lines), goal=goal,
                         relative=relative, period=piece.period, usual=usual)
        level = Level.TREND if relative else Level.PUBLIC
        shown = [Disclosure(s.member_id, piece.metric, level) for s in lines]
        released = dataclasses.replace(piece, lines=tuple(lines), shown=kind)
        return spec, released, shown, piece


def _mean(points: tuple[tuple[str, float], ...]) -> float:
    return sum(v for _, v in points) / len(points) if points else 0.0


@dataclass
class _Output:
    text: list[str] = dataclasses.field(default_factory=list)
    shown: list[Line | Board] = dataclasses.field(default_factory=list)
    disclosures: list[Disclosure] = dataclasses.field(default_factory=list)


def _fact_variant(fact: Fact, allowed: Level) -> tuple[Level, str, Fact] | None:
    """(level shown, text, released fact) for the most revealing variant ``allowed`` permits.
    Attributed data needs at least TREND; a trend text built from relative facts is banded here."""
    if allowed < Level.TREND:
        return None   # (before the banded text is built: most members of a big check-in share less)
    texts = fact.texts()
    if Level.TREND not in texts and fact.relative:
        trend = _relative_text(fact.prefix, fact.relative)
        if trend:
            texts[Level.TREND] = trend
    for level in (Level.PUBLIC, Level.TREND):
        if level <= allowed and level in texts:
            kept = tuple((int(lv), t) for lv, t in sorted(texts.items(), reverse=True) if lv <= level)
            return level, texts[level], Fact(fact.member_id, fact.metric, kept)   # no raw inputs kept
    return None


def _relative_text(prefix: str, facts: Iterable[Relative]) -> str:
    words: list[str | None] = []
    parts: list[Relative] = []   # a pair's parts in a row: banded each, the period said once
    for r in facts:
        if r.kind == "part":
            parts.append(r)
            continue
        if parts:
            words.append(disclosure.parts_change_band((p.label, p.a, p.b) for p in parts))
            parts = []
        words.append(_relative_words(r))
    if parts:
        words.append(disclosure.parts_change_band((p.label, p.a, p.b) for p in parts))
    return (prefix + ", ".join(w for w in words if w)).strip()


def _relative_words(r: Relative) -> str | None:
    if r.kind == "change":
        return disclosure.change_band(r.a, r.b, r.label)
    if r.kind == "share":
        return disclosure.goal_band(r.a, r.label)
    return r.label   # "count": a fact about logging, shown as it is


async def _load_describer() -> None:
    """The chart describer measures text with matplotlib: its first import takes half a second, which,
    on the event loop, would stall every member's command at the start of a peak. So it is imported
    once, in a thread of its own, when the first chart is released (never in a process that draws
    nothing), and every release waits for that one import (a module being imported is in sys.modules
    already: importing it again from the loop would block on its lock)."""
    global _describer
    with _describer_lock:
        if _describer is None:
            _describer = concurrent.futures.Future()
            threading.Thread(target=_import_describer, args=(_describer,), name="peerpulse-describer", daemon=True).start()
    await asyncio.wrap_future(_describer)


def _import_describer(done: concurrent.futures.Future[None]) -> None:
    try:
        importlib.import_module("bot.charts.alt")
    except BaseException as exc:   # handed to every waiting release
        done.set_exception(exc)
    else:
        done.set_result(None)


_describer: concurrent.futures.Future[None] | None = None
_describer_lock = threading.Lock()


def _alt_text(spec: ChartSpec | CardSpec) -> str:
    """A description of the chart from the data it shows, at the level it shows (for screen readers)."""
    from bot.charts import alt_text  # loads the renderer's measuring code: only when a chart is released
    return alt_text(spec)


def _data_pairs(reply: Reply) -> Iterable[tuple[int, str]]:
    for line in reply.lines:
        if isinstance(line, Board):
            for e in line.entries:
                yield (e.member_id, line.metric)
            continue
        for part in line.parts:
            if isinstance(part, Fact):
                yield (part.member_id, part.metric)
            elif isinstance(part, GroupFigure):
                for m, _v in part.contributions:
                    yield (m, part.metric)
    for chart in [*reply.charts, *(p for card in reply.cards for p in card.panels)]:
        for s in chart.lines:
            yield (s.member_id, chart.metric)


def _group_pairs(reply: Reply) -> Iterable[tuple[int, str]]:
    for line in reply.lines:
        if isinstance(line, Line):
            for part in line.parts:
                if isinstance(part, GroupFigure) and part.frozen is None:
                    for m, _v in part.contributions:
                        yield (m, part.metric)


def _dedupe(items: list[Disclosure]) -> list[Disclosure]:
    best: dict[tuple[int, str], Disclosure] = {}
    for d in items:
        key = (d.member_id, d.metric)
        if key not in best or d.level > best[key].level:
            best[key] = d
    return list(best.values())
