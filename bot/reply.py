"""What cogs return: structured content that says whose data each piece holds.

Cogs never produce finished text with member numbers in it. They produce a :class:`Reply` made of
lines whose data parts are :class:`Fact` (one member's metric, rendered once per sharing level) and
:class:`GroupFigure` (anonymous contributions), plus :class:`ChartPiece`. Only the privacy gate decides
which rendering, if any, reaches a given audience. Everything here is plain data and JSON-serialisable,
so that a channel post can be re-rendered later when a member tightens their settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, Union

from bot.levels import Level


@dataclass(frozen=True)
class Text:
    """Words that hold no member data (headers, labels, explanations)."""

    text: str


@dataclass(frozen=True)
class Fact:
    """One member's figure for one metric, written once per level it may be shown at.

    ``variants`` maps a level (TREND or PUBLIC; attributed data is never shown at AGGREGATE) to the
    text for that level. The gate shows the most revealing variant the audience is allowed, or none.
    """

    member_id: int
    metric: str
    variants: tuple[tuple[int, str], ...]

    @staticmethod
    def of(member_id: int, metric: str, *, public: str | None = None, trend: str | None = None) -> "Fact":
        variants = []
        if public is not None:
            variants.append((int(Level.PUBLIC), public))
        if trend is not None:
            variants.append((int(Level.TREND), trend))
        return Fact(member_id, metric, tuple(variants))


Statistic = Literal["total", "average", "count"]


@dataclass(frozen=True)
class GroupFigure:
    """An anonymous group figure: shown only if at least k members allow it (level AGGREGATE+).

    ``template`` may use ``{value}`` (the statistic, formatted with ``value_spec``) and ``{count}``.
    The gate computes the statistic itself from the contributions it lets through, so a cog cannot
    accidentally print a figure that includes someone who kept their numbers private.
    """

    metric: str
    statistic: Statistic
    contributions: tuple[tuple[int, float], ...]
    template: str
    value_spec: str = ",.0f"


Part = Union[Text, Fact, GroupFigure]


@dataclass(frozen=True)
class Line:
    """A line of output. A line with data parts disappears when none of them may be shown, so a
    post never names a member with nothing next to their name (who did not share stays unsaid)."""

    parts: tuple[Part, ...]
    label: str | None = None
    separator: str = " · "

    @property
    def has_data(self) -> bool:
        return any(not isinstance(p, Text) for p in self.parts)


@dataclass(frozen=True)
class ChartLine:
    """One member's series on a chart, with the baseline a trend-level chart is relative to."""

    member_id: int
    label: str
    points: tuple[tuple[str, float], ...]
    baseline: float | None = None
    goal: float | None = None


@dataclass(frozen=True)
class ChartPiece:
    metric: str
    title: str
    unit: str
    timezone: str
    lines: tuple[ChartLine, ...]
    period: tuple[str, str] | None = None    # the exact days the chart covers (first, last ISO day)


@dataclass(frozen=True)
class CardPiece:
    """Several one-metric charts of one member drawn as one picture (the weekly card). Each panel is
    an ordinary ChartPiece, released by the gate exactly as it would release it alone; a panel the
    audience may not see is left out, and a card with no panel left is not shown at all."""

    title: str
    timezone: str
    period: tuple[str, str]
    panels: tuple[ChartPiece, ...]


@dataclass(frozen=True)
class FilePiece:
    """A file for its owner only (exports). The gate never releases it to anyone else."""

    owner_id: int
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    lines: tuple[Line, ...] = ()
    charts: tuple[ChartPiece, ...] = ()
    files: tuple[FilePiece, ...] = ()
    # Who it is for: None lets the command's spec decide (private or not); handlers may force.
    private: bool | None = None
    kind: str = "reply"   # e.g. "checkin", "chart", "board": recorded in the post ledger
    cards: tuple[CardPiece, ...] = ()

    @staticmethod
    def text(*lines: str, private: bool | None = None) -> "Reply":
        return Reply(lines=tuple(Line((Text(t),)) for t in lines), private=private)

    def with_lines(self, *lines: Line) -> "Reply":
        return replace(self, lines=self.lines + lines)


@dataclass(frozen=True)
class Destination:
    """Where output goes. A private destination is seen by ``viewer`` only; its ``channel_id`` is the
    context (where the member typed) used to judge other members' data in it."""

    community_id: int
    channel_id: int | None
    viewer_id: int | None = None

    @property
    def is_private(self) -> bool:
        return self.viewer_id is not None

    @staticmethod
    def channel(community_id: int, channel_id: int) -> "Destination":
        return Destination(community_id, channel_id, None)

    @staticmethod
    def private_to(community_id: int, member_id: int, context_channel_id: int | None = None) -> "Destination":
        return Destination(community_id, context_channel_id, member_id)


# ---- JSON round trip for the post ledger -------------------------------------------------------

def reply_to_json(reply: Reply) -> dict:
    def part(p: Part) -> dict:
        if isinstance(p, Text):
            return {"t": "text", "text": p.text}
        if isinstance(p, Fact):
            return {"t": "fact", "m": p.member_id, "metric": p.metric, "v": [list(v) for v in p.variants]}
        return {"t": "group", "metric": p.metric, "stat": p.statistic, "c": [list(c) for c in p.contributions],
                "template": p.template, "spec": p.value_spec}

    def chart(c: ChartPiece) -> dict:
        return {"metric": c.metric, "title": c.title, "unit": c.unit, "tz": c.timezone,
                "period": list(c.period) if c.period else None,
                "lines": [{"m": s.member_id, "label": s.label, "points": [list(pt) for pt in s.points],
                           "baseline": s.baseline, "goal": s.goal} for s in c.lines]}

    return {
        "kind": reply.kind,
        "lines": [{"label": ln.label, "sep": ln.separator, "parts": [part(p) for p in ln.parts]} for ln in reply.lines],
        "charts": [chart(c) for c in reply.charts],
        "cards": [{"title": k.title, "tz": k.timezone, "period": list(k.period), "panels": [chart(c) for c in k.panels]}
                  for k in reply.cards],
    }


def reply_from_json(data: dict) -> Reply:
    def part(d: dict) -> Part:
        if d["t"] == "text":
            return Text(d["text"])
        if d["t"] == "fact":
            return Fact(d["m"], d["metric"], tuple((int(a), str(b)) for a, b in d["v"]))
        return GroupFigure(d["metric"], d["stat"], tuple((int(a), float(b)) for a, b in d["c"]), d["template"], d["spec"])

    def chart(c: dict) -> ChartPiece:
        return ChartPiece(c["metric"], c["title"], c["unit"], c["tz"], tuple(
            ChartLine(s["m"], s["label"], tuple((str(a), float(b)) for a, b in s["points"]), s["baseline"], s["goal"])
            for s in c["lines"]), tuple(c["period"]) if c.get("period") else None)

    return Reply(
        lines=tuple(Line(tuple(part(p) for p in ln["parts"]), ln["label"], ln["sep"]) for ln in data["lines"]),
        charts=tuple(chart(c) for c in data["charts"]),
        private=False,
        kind=data.get("kind", "reply"),
        cards=tuple(CardPiece(k["title"], k["tz"], tuple(k["period"]), tuple(chart(c) for c in k["panels"]))
                    for k in data.get("cards", ())),
    )


def without_member(reply: Reply, member_id: int) -> Reply:
    """The same reply with every trace of one member removed (used when a member forgets their data).
    A group figure they counted in goes entirely: recomputed without them, the old and new totals
    would differ by exactly their value."""

    def keep(p: Part) -> Part | None:
        if isinstance(p, Fact):
            return None if p.member_id == member_id else p
        if isinstance(p, GroupFigure):
            return None if any(c[0] == member_id for c in p.contributions) else p
        return p

    lines = []
    for ln in reply.lines:
        parts = tuple(q for q in (keep(p) for p in ln.parts) if q is not None)
        if ln.has_data and not any(not isinstance(p, Text) for p in parts):
            continue
        lines.append(Line(parts, ln.label, ln.separator))
    def kept(c: ChartPiece) -> ChartPiece:
        return replace(c, lines=tuple(s for s in c.lines if s.member_id != member_id))

    return Reply(tuple(lines), _charts_kept(reply.charts, kept), (), reply.private, reply.kind,
                 _cards_kept(reply.cards, kept))


def _charts_kept(charts: tuple[ChartPiece, ...], kept) -> tuple[ChartPiece, ...]:
    return tuple(c for c in map(kept, charts) if c.lines)


def _cards_kept(cards: tuple[CardPiece, ...], kept) -> tuple[CardPiece, ...]:
    return tuple(k for k in (replace(k, panels=_charts_kept(k.panels, kept)) for k in cards) if k.panels)


def pruned_to(reply: Reply, shown: dict[tuple[int, str], Level]) -> Reply:
    """Only what a post actually showed, for the post ledger: the ledger never becomes a second copy of
    data that members kept from that channel (``shown`` maps (member, metric) to the level shown)."""

    def keep(p: Part) -> Part | None:
        if isinstance(p, Fact):
            level = shown.get((p.member_id, p.metric))
            if level is None:
                return None
            variants = tuple(v for v in p.variants if v[0] <= level)
            return Fact(p.member_id, p.metric, variants) if variants else None
        if isinstance(p, GroupFigure):
            return GroupFigure(p.metric, p.statistic, tuple(c for c in p.contributions
                                                            if shown.get((c[0], p.metric), Level.PRIVATE) >= Level.AGGREGATE),
                               p.template, p.value_spec)
        return p

    lines = []
    for ln in reply.lines:
        parts = tuple(q for q in (keep(p) for p in ln.parts) if q is not None)
        if ln.has_data and not any(isinstance(p, Fact) or (isinstance(p, GroupFigure) and p.contributions) for p in parts):
            continue
        lines.append(Line(parts, ln.label, ln.separator))
    def kept(c: ChartPiece) -> ChartPiece:
        return replace(c, lines=tuple(s for s in c.lines if shown.get((s.member_id, c.metric), Level.PRIVATE) >= Level.TREND))

    return Reply(tuple(lines), _charts_kept(reply.charts, kept), (), False, reply.kind, _cards_kept(reply.cards, kept))
