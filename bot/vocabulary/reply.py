"""What cogs return: structured content that says whose data each piece holds.

Cogs never produce finished text with member numbers in it. They produce a :class:`Reply` made of
lines whose data parts are :class:`Fact` (one member's metric, rendered once per sharing level) and
:class:`GroupFigure` (anonymous contributions), plus :class:`ChartPiece`. Only the privacy gate decides
which rendering, if any, reaches a given audience. Everything here is plain data and JSON-serialisable,
so that a channel post can be re-rendered later when a member tightens their settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.vocabulary.levels import Level

_LEVELS = {int(level): level for level in Level}   # Level(n) is an enum lookup: slow across 10,000 facts


@dataclass(frozen=True)
class Text:
    """Words that hold no member data (headers, labels, explanations)."""

    text: str


@dataclass(frozen=True)
class Relative:
    """A relative fact about one member against themselves, for the ``trend`` level.

    Cogs hand over the inputs, the gate writes the words in bands (see :mod:`bot.disclosure`), so no
    exact ratio can slip into a trend line:

    * ``change``: ``a`` the earlier figure, ``b`` the new one, ``label`` e.g. "vs last week";
    * ``share``: ``a`` a percentage of a goal or target, ``label`` "goal" or "target";
    * ``count``: ``label`` a fact about logging, not values ("5/7 days", "4-day streak"): shown as is;
    * ``part``: one part of a paired metric against last week, ``label`` the part's name ("systolic"),
      ``a`` and ``b`` as for ``change``; consecutive parts read as one phrase (the period said once).
    """

    kind: Literal["change", "share", "count", "part"]
    label: str
    a: float | None = None
    b: float | None = None


@dataclass(frozen=True)
class Fact:
    """One member's figure for one metric, written once per level it may be shown at.

    ``variants`` maps a level (TREND or PUBLIC; attributed data is never shown at AGGREGATE) to the
    text for that level. A trend text may instead be built by the gate from ``relative`` facts after
    ``prefix`` (the gate bands them). The gate shows the most revealing variant allowed, or none.
    """

    member_id: int
    metric: str
    variants: tuple[tuple[int, str], ...]
    relative: tuple[Relative, ...] = ()
    prefix: str = ""

    @staticmethod
    def of(member_id: int, metric: str, *, public: str | None = None, trend: str | None = None,
           relative: tuple[Relative, ...] = (), prefix: str = "") -> Fact:
        variants = []
        if public is not None:
            variants.append((int(Level.PUBLIC), public))
        if trend is not None:
            variants.append((int(Level.TREND), trend))
        return Fact(member_id, metric, tuple(variants), tuple(relative), prefix)

    def texts(self) -> dict[Level, str]:
        return {_LEVELS[lv] if lv in _LEVELS else Level(lv): text for lv, text in self.variants}


Statistic = Literal["total", "average", "count"]
#: What a post is (``Reply.kind``), as `mydata shared` names it (translated with context "post kind").
POST_KINDS = ("reply", "checkin", "challenge", "chart", "card", "share", "milestone")


@dataclass(frozen=True)
class GroupFigure:
    """An anonymous group figure, computed and released by the gate under disclosure control.

    ``template`` may use ``{value}`` (the statistic, formatted with ``value_spec``) and ``{count}``.
    Only contributors the audience never sees attributed count (and are counted); see PRIVACY.md.
    ``period`` names what the figure is about (e.g. the week), so the same figure released twice is
    the same number. ``frozen`` is the released text once shown (the ledger keeps that and the
    contributors' ids, never their values).
    """

    metric: str
    statistic: Statistic
    contributions: tuple[tuple[int, float], ...]
    template: str
    value_spec: str = ",.0f"
    period: str = ""
    frozen: str | None = None
    # A paired metric's figure (blood pressure): the parts' keys, and each contributor's value per part
    # (aligned with ``contributions``). The gate judges every part on its own and releases all or none;
    # ``{value}`` is then the parts' figures joined ("128/82"). The released form keeps no values.
    parts: tuple[str, ...] = ()
    part_values: tuple[tuple[float, ...], ...] = ()


@dataclass(frozen=True)
class BoardEntry:
    member_id: int
    label: str          # the member's name as shown, e.g. "alice: "
    score: float        # what places are decided on (higher is better)
    fact: Fact          # what the line says of them, per level


@dataclass(frozen=True)
class Board:
    """A ranked list. The gate keeps the entries the audience may see and numbers the places among
    them alone, on banded scores when anyone shown shares only progress (``scale``: ``ratio``,
    ``points`` or ``exact``, see :func:`bot.disclosure.rank_key`). Places are never shared (no visible
    ties); within a band they go by name."""

    metric: str
    entries: tuple[BoardEntry, ...]
    scale: Literal["ratio", "points", "exact"] = "ratio"
    banded: bool = False    # set by the gate in the released form


Part = Text | Fact | GroupFigure


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
    """A chart of one metric. ``shown`` is None for a cog's raw data; in the released form it says
    what the points already are (``raw`` or ``relative``), so a re-render never recomputes them."""

    metric: str
    title: str
    unit: str
    timezone: str
    lines: tuple[ChartLine, ...]
    period: tuple[str, str] | None = None    # the exact days the chart covers (first, last ISO day)
    max_series: int = 12      # more visible lines than this is unreadable: the chart is left out
    shown: str | None = None


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
class Button:
    """An answer offered with a message (an invite's accept and decline). Platforms with buttons show
    it (Discord); elsewhere the message's words name the same command to type. A press runs the
    command through the runtime like a typed one, so it holds no member data itself."""

    label: str
    command: str
    arguments: tuple[tuple[str, str], ...] = ()
    style: Literal["primary", "secondary", "danger"] = "secondary"


@dataclass(frozen=True)
class Reply:
    lines: tuple[Line | Board, ...] = ()
    charts: tuple[ChartPiece, ...] = ()
    files: tuple[FilePiece, ...] = ()
    # Who it is for: None lets the command's spec decide (private or not); handlers may force.
    private: bool | None = None
    kind: str = "reply"   # e.g. "checkin", "chart", "board": recorded in the post ledger
    subject: str = ""     # what it is about, e.g. "challenge:12" (to find the last release of a board)
    requires_data: bool = False   # a post with nothing of anyone's to show is not sent at all
    max_charts: int | None = None  # the gate keeps this many charts, those with most visible lines
    cards: tuple[CardPiece, ...] = ()
    # The language the gate wrote it in (set in the released form): a take-back re-renders in it.
    locale: str = ""
    # A private post kept in the post ledger: it shows a member's data to another member outside any
    # channel (a partner's summary or view), so it is taken back like a channel post.
    keep: bool = False
    buttons: tuple[Button, ...] = ()   # only on text that holds no member data (see Button)

    @staticmethod
    def text(*lines: str, private: bool | None = None) -> Reply:
        return Reply(lines=tuple(Line((Text(t),)) for t in lines), private=private)

    def with_lines(self, *lines: Line) -> Reply:
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
    def channel(community_id: int, channel_id: int) -> Destination:
        return Destination(community_id, channel_id, None)

    @staticmethod
    def private_to(community_id: int, member_id: int, context_channel_id: int | None = None) -> Destination:
        return Destination(community_id, context_channel_id, member_id)


# ---- JSON round trip for the post ledger -------------------------------------------------------
# The ledger holds the gate's released form (what was shown): Facts with the variants shown, frozen
# group figures with contributor ids only, boards with banded keys, charts with the points drawn.

def reply_to_json(reply: Reply) -> dict[str, Any]:
    def fact(p: Fact) -> dict[str, Any]:
        return {"t": "fact", "m": p.member_id, "metric": p.metric, "v": [list(v) for v in p.variants],
                "prefix": p.prefix, "rel": [[r.kind, r.label, r.a, r.b] for r in p.relative]}

    def part(p: Part) -> dict[str, Any]:
        if isinstance(p, Text):
            return {"t": "text", "text": p.text}
        if isinstance(p, Fact):
            return fact(p)
        return {"t": "group", "metric": p.metric, "stat": p.statistic, "c": [list(c) for c in p.contributions],
                "template": p.template, "spec": p.value_spec, "period": p.period, "frozen": p.frozen,
                **({"parts": list(p.parts), "pv": [list(v) for v in p.part_values]} if p.parts else {})}

    def line(ln: Line | Board) -> dict[str, Any]:
        if isinstance(ln, Board):
            return {"board": ln.metric, "scale": ln.scale, "banded": ln.banded,
                    "entries": [{"m": e.member_id, "label": e.label, "score": e.score, "fact": fact(e.fact)}
                                for e in ln.entries]}
        return {"label": ln.label, "sep": ln.separator, "parts": [part(p) for p in ln.parts]}

    def chart(c: ChartPiece) -> dict[str, Any]:
        return {"metric": c.metric, "title": c.title, "unit": c.unit, "tz": c.timezone,
                "period": list(c.period) if c.period else None, "max": c.max_series, "shown": c.shown,
                "lines": [{"m": s.member_id, "label": s.label, "points": [list(pt) for pt in s.points],
                           "baseline": s.baseline, "goal": s.goal} for s in c.lines]}

    return {
        "kind": reply.kind, "subject": reply.subject, "requires_data": reply.requires_data,
        "max_charts": reply.max_charts, "keep": reply.keep, "locale": reply.locale,
        "lines": [line(ln) for ln in reply.lines],
        "charts": [chart(c) for c in reply.charts],
        "cards": [{"title": k.title, "tz": k.timezone, "period": list(k.period), "panels": [chart(c) for c in k.panels]}
                  for k in reply.cards],
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    def fact(d: dict[str, Any]) -> Fact:
        return Fact(d["m"], d["metric"], tuple((int(a), str(b)) for a, b in d["v"]),
                    tuple(Relative(*r) for r in d.get("rel", [])), d.get("prefix", ""))

    def part(d: dict[str, Any]) -> Part:
        if d["t"] == "text":
            return Text(d["text"])
        if d["t"] == "fact":
            return fact(d)
        return GroupFigure(d["metric"], d["stat"], tuple((int(a), float(b)) for a, b in d["c"]), d["template"],
                           d["spec"], d.get("period", ""), d.get("frozen"), tuple(d.get("parts", ())),
                           tuple(tuple(float(x) for x in v) for v in d.get("pv", ())))

    def line(d: dict[str, Any]) -> Line | Board:
        if "board" in d:
            return Board(d["board"], tuple(BoardEntry(e["m"], e["label"], float(e["score"]), fact(e["fact"]))
                                           for e in d["entries"]), d["scale"], d.get("banded", False))
        return Line(tuple(part(p) for p in d["parts"]), d["label"], d["sep"])

    def chart(c: dict[str, Any]) -> ChartPiece:
        return ChartPiece(c["metric"], c["title"], c["unit"], c["tz"], tuple(
            ChartLine(s["m"], s["label"], tuple((str(a), float(b)) for a, b in s["points"]), s["baseline"], s["goal"])
            for s in c["lines"]), tuple(c["period"]) if c.get("period") else None, c.get("max", 12), c.get("shown"))

    return Reply(
        lines=tuple(line(ln) for ln in data["lines"]),
        charts=tuple(chart(c) for c in data["charts"]),
        private=False,
        kind=data.get("kind", "reply"),
        subject=data.get("subject", ""),
        requires_data=data.get("requires_data", False),
        max_charts=data.get("max_charts"),
        cards=tuple(CardPiece(k["title"], k["tz"], tuple(k["period"]), tuple(chart(c) for c in k["panels"]))
                    for k in data.get("cards", ())),
        keep=data.get("keep", False), locale=data.get("locale", ""),
    )


def without_member(reply: Reply, member_id: int) -> Reply:
    """The same reply with every trace of one member removed (they left, or forgot their data). A
    group figure they counted in goes entirely: recomputed without them, the old and new totals would
    differ by exactly their value. Board places are renumbered by the gate, so no gap is left."""

    def keep(p: Part) -> Part | None:
        if isinstance(p, Fact):
            return None if p.member_id == member_id else p
        if isinstance(p, GroupFigure):
            return None if any(c[0] == member_id for c in p.contributions) else p
        return p

    lines: list[Line | Board] = []
    for ln in reply.lines:
        if isinstance(ln, Board):
            lines.append(dataclasses.replace(ln, entries=tuple(e for e in ln.entries if e.member_id != member_id)))
            continue
        parts = tuple(q for q in (keep(p) for p in ln.parts) if q is not None)
        if ln.has_data and not any(not isinstance(p, Text) for p in parts):
            continue
        lines.append(Line(parts, ln.label, ln.separator))
    def kept(c: ChartPiece) -> ChartPiece:
        return replace(c, lines=tuple(s for s in c.lines if s.member_id != member_id))

    return replace(reply, lines=tuple(lines), charts=_charts_kept(reply.charts, kept),
                   cards=_cards_kept(reply.cards, kept), files=())


def _charts_kept(charts: tuple[ChartPiece, ...], kept: Callable[[ChartPiece], ChartPiece]) -> tuple[ChartPiece, ...]:
    return tuple(c for c in map(kept, charts) if c.lines)


def _cards_kept(cards: tuple[CardPiece, ...], kept: Callable[[ChartPiece], ChartPiece]) -> tuple[CardPiece, ...]:
    return tuple(k for k in (replace(k, panels=_charts_kept(k.panels, kept)) for k in cards) if k.panels)
