"""The privacy gate: the only way a Reply becomes something an adapter can send.

For every data part of a reply the gate asks what level the audience may see (the lower of the
member's level and the channel's cap, or everything when the member is looking at their own data)
and keeps only that: the most revealing allowed rendering of a Fact, the contributions to a
GroupFigure that allow AGGREGATE (and then only with at least k of them), chart series as raw values
(PUBLIC) or relative to the member's own baseline (TREND). What it lets through is listed as
disclosures, which the runtime writes to the post ledger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Iterable, Protocol

from bot.charts import ChartSeries, ChartSpec, to_relative
from bot.levels import Level
from bot.reply import ChartPiece, Destination, Fact, GroupFigure, Line, Reply, Text

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
    chart: ChartSpec | None = None   # the exact data the renderer was given (kept for tests and audits)
    alt_text: str = ""               # what the image shows, for screen readers (Matrix `body`, Discord description)


@dataclass(frozen=True)
class Delivery:
    """A finished message for one destination. Built only by :class:`PrivacyGate`."""

    destination: Destination
    text: str
    attachments: tuple[Attachment, ...]
    disclosures: tuple[Disclosure, ...]
    source: Reply   # the reply it came from, so the post can be re-rendered when settings change
    kind: str = "reply"

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.attachments


class LevelResolver(Protocol):
    async def effective_levels(self, destination: Destination,
                               pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Level]: ...


ChartRenderer = Callable[[ChartSpec], Awaitable[bytes]]


class PrivacyGate:
    def __init__(self, resolver: LevelResolver, min_group_size: int, render_chart: ChartRenderer):
        if min_group_size < 2:
            raise ValueError("privacy.min_group_size must be at least 2")
        self._resolver = resolver
        self._k = min_group_size
        self._render_chart = render_chart

    @property
    def min_group_size(self) -> int:
        return self._k

    async def release(self, reply: Reply, destination: Destination,
                      ceiling: dict[tuple[int, str], Level] | None = None, render: bool = True) -> Delivery:
        """Turn a reply into what ``destination`` may see.

        ``ceiling`` is used when an earlier post is re-rendered: it holds what the post showed
        originally, so a post can only ever shrink (a member who raised a level since does not
        appear in old posts), and a group figure that lost a contributor is removed rather than
        recomputed (which would let readers subtract and recover that member's value).
        """
        pairs = set(_data_pairs(reply))
        levels: dict[tuple[int, str], Level] = {}
        if pairs:
            viewer = destination.viewer_id
            others = {p for p in pairs if p[0] != viewer}
            if others:
                levels.update(await self._resolver.effective_levels(destination, others))
            for p in pairs - others:
                levels[p] = Level.PUBLIC   # a member always sees their own data in full, privately
        if ceiling is not None:
            levels = {p: Level(min(lv, ceiling.get(p, Level.PRIVATE))) for p, lv in levels.items()}
        disclosures: list[Disclosure] = []

        def level_of(member_id: int, metric: str) -> Level:
            return levels.get((member_id, metric), Level.PRIVATE)

        text_lines = []
        for line in reply.lines:
            rendered = self._render_line(line, level_of, disclosures, ceiling)
            if rendered is not None:
                text_lines.append(rendered)

        attachments = []
        for piece in reply.charts:
            spec, shown = self._release_chart(piece, level_of)
            if spec is None:
                continue
            disclosures.extend(shown)
            png = await self._render_chart(spec) if render else b""   # render=False: only what would show
            attachments.append(Attachment(f"{piece.metric}-chart.png", png, "image/png", spec))
        for f in reply.files:
            if destination.viewer_id == f.owner_id:
                attachments.append(Attachment(f.filename, f.data, f.mime))
            else:
                log.error("gate refused a file addressed to someone other than its owner")
        return Delivery(destination, "\n".join(text_lines), tuple(attachments), tuple(_dedupe(disclosures)),
                        reply, reply.kind)

    # -- lines ---------------------------------------------------------------------------------
    def _render_line(self, line: Line, level_of, disclosures: list[Disclosure], ceiling) -> str | None:
        shown: list[str] = []
        any_data = False
        for part in line.parts:
            if isinstance(part, Text):
                shown.append(part.text)
            elif isinstance(part, Fact):
                allowed = level_of(part.member_id, part.metric)
                best = _best_variant(part, allowed)
                if best is not None:
                    level, text = best
                    shown.append(text)
                    disclosures.append(Disclosure(part.member_id, part.metric, level))
                    any_data = True
            elif isinstance(part, GroupFigure):
                text, contributors = self._group_figure(part, level_of, ceiling)
                if text is not None:
                    shown.append(text)
                    disclosures.extend(Disclosure(m, part.metric, Level.AGGREGATE) for m in contributors)
                    any_data = True
        if line.has_data and not any_data:
            return None
        body = line.separator.join(s for s in shown if s)
        return f"{line.label}{body}" if line.label else body

    def _group_figure(self, fig: GroupFigure, level_of, ceiling) -> tuple[str | None, list[int]]:
        kept = [(m, v) for m, v in fig.contributions if level_of(m, fig.metric) >= Level.AGGREGATE]
        if ceiling is not None:
            counted_before = {m for m, _ in fig.contributions if ceiling.get((m, fig.metric), Level.PRIVATE) >= Level.AGGREGATE}
            if counted_before != {m for m, _ in kept}:
                return None, []   # someone withdrew: drop the figure, never show a recomputed one
        if len(kept) < self._k:
            return None, []
        values = [v for _, v in kept]
        if fig.statistic == "total":
            value = sum(values)
        elif fig.statistic == "average":
            value = sum(values) / len(values)
        else:
            value = float(len(values))
        return fig.template.format(value=format(value, fig.value_spec), count=len(values)), [m for m, _ in kept]

    # -- charts --------------------------------------------------------------------------------
    def _release_chart(self, piece: ChartPiece, level_of) -> tuple[ChartSpec | None, list[Disclosure]]:
        allowed = [(s, level_of(s.member_id, piece.metric)) for s in piece.lines]
        allowed = [(s, lv) for s, lv in allowed if lv >= Level.TREND and s.points]
        if not allowed:
            return None, []
        relative = any(lv < Level.PUBLIC for _, lv in allowed)
        series, shown = [], []
        for s, lv in allowed:
            if relative:
                if not s.baseline or s.baseline <= 0:
                    continue
                points = to_relative(s.points, s.baseline)
                shown.append(Disclosure(s.member_id, piece.metric, Level.TREND))
            else:
                points = s.points
                shown.append(Disclosure(s.member_id, piece.metric, Level.PUBLIC))
            series.append(ChartSeries(s.label, tuple(points)))
        if not series:
            return None, []
        goal = None
        if len(allowed) == 1:
            only = allowed[0][0]
            if only.goal is not None:
                goal = 100.0 * only.goal / only.baseline if relative and only.baseline else (None if relative else only.goal)
        title = piece.title + (" (relative to own usual)" if relative else "")
        return ChartSpec(title=title, unit="%" if relative else piece.unit, timezone=piece.timezone,
                         series=tuple(series), goal=goal, relative=relative), shown


def _best_variant(fact: Fact, allowed: Level) -> tuple[Level, str] | None:
    best = None
    for level, text in fact.variants:
        lv = Level(level)
        if lv < Level.TREND:      # attributed data needs at least TREND
            continue
        if lv <= allowed and (best is None or lv > best[0]):
            best = (lv, text)
    return best


def _data_pairs(reply: Reply) -> Iterable[tuple[int, str]]:
    for line in reply.lines:
        for part in line.parts:
            if isinstance(part, Fact):
                yield (part.member_id, part.metric)
            elif isinstance(part, GroupFigure):
                for m, _ in part.contributions:
                    yield (m, part.metric)
    for chart in reply.charts:
        for s in chart.lines:
            yield (s.member_id, chart.metric)


def _dedupe(items: list[Disclosure]) -> list[Disclosure]:
    best: dict[tuple[int, str], Disclosure] = {}
    for d in items:
        key = (d.member_id, d.metric)
        if key not in best or d.level > best[key].level:
            best[key] = d
    return list(best.values())
