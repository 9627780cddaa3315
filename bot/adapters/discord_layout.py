"""How one Delivery becomes Discord messages that fit Discord's limits.

Pure data (no discord.py import), so the limits are testable without a client. Check-ins, boards and
results become embeds with one field per line of the gated text ("alice: 8,000 steps …" becomes the
field *alice*); the embeds are built from the Delivery's text lines only, never from the gate's
internals, so whatever the gate released is exactly what the embeds hold. A post too large for one
message is split into several; the adapter records every message id, so taking a post back reaches
each of them (DESIGN 2.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.charts import CardSpec
from bot.gate import Attachment
from bot.vocabulary.i18n import _, n_

MAX_CONTENT = 2000          # characters of a message's content
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000      # all text of all embeds of one message together
MAX_ALT_TEXT = 1024         # an attachment's description
EMBED_BUDGET = 5500         # stay clear of the total, leaving room for the "(2/3)" title suffixes
EMBED_KINDS = frozenset({"checkin", "challenge"})   # posts about several members: one field per member
PAGE_ITEMS = 10             # lines of a long private list per page
PAGE_CHARS = 1900
COLOUR = 0x2E8B57
BLANK = "\u200b"            # Discord refuses an empty field name or value


@dataclass
class MessagePlan:
    """One Discord message: text content or embeds (as Discord's JSON), and the attachments it carries."""

    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    attachments: tuple[Attachment, ...] = ()


def plan(text: str, attachments: tuple[Attachment, ...], *, as_embeds: bool) -> list[MessagePlan]:
    """The messages for a delivery's (rendered) text and attachments, in order; attachments travel
    on the last one."""
    if as_embeds and text.strip():
        messages = [MessagePlan(embeds=[e]) for e in embeds_for(text.splitlines(), attachments)]
    else:
        messages = [MessagePlan(content=c) for c in text_chunks(text)]
    messages[-1].attachments = tuple(attachments)
    return messages


def pages(text: str, *, max_items: int = PAGE_ITEMS, max_chars: int = PAGE_CHARS) -> list[str]:
    """A long list as pages: the first line (its heading) on every page, then at most ``max_items``
    lines and ``max_chars`` characters, and "Page 2 of 3" at the end. The same text always gives the
    same pages, so a page can be rebuilt from the command alone after a restart."""
    lines = (text or "").splitlines()
    if len(lines) <= max_items + 1 and len(text) <= max_chars:
        return [text]
    head, items = lines[0][:200], lines[1:]
    groups: list[list[str]] = [[]]
    size = 0
    for item in items:
        item = item[:max_chars - 300]
        if groups[-1] and (len(groups[-1]) >= max_items or size + len(item) + 1 > max_chars - 300):
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += len(item) + 1
    return ["\n".join([head, *group, _("Page {page} of {pages}", page=i + 1, pages=len(groups))]) for i, group in enumerate(groups)]


def text_chunks(text: str) -> list[str]:
    """Plain text split at line ends into messages of at most MAX_CONTENT characters."""
    out: list[str] = []
    current = ""
    for line in (text or "").splitlines():
        while len(line) > MAX_CONTENT:                      # one enormous line: hard split
            if current:
                out.append(current.rstrip("\n"))
                current = ""
            out.append(line[:MAX_CONTENT])
            line = line[MAX_CONTENT:]
        if len(current) + len(line) + 1 > MAX_CONTENT:
            out.append(current.rstrip("\n"))
            current = ""
        current += line + "\n"
    if current.strip() or not out:
        out.append(current.rstrip("\n"))
    return out


def embeds_for(lines: list[str], attachments: tuple[Attachment, ...] = ()) -> list[dict[str, Any]]:
    """Embeds for a post: the first line is the title, "name: text" lines are fields, other lines
    before the first field describe the post and those after it make the footer. Each embed holds at
    most MAX_FIELDS fields and EMBED_BUDGET characters; the image of the first chart is shown in the
    last embed."""
    lines = [ln for ln in lines if ln.strip()]
    title, rest = (lines[0], lines[1:]) if lines else ("", [])
    description: list[str] = []
    fields: list[dict[str, Any]] = []
    footer: list[str] = []
    for line in rest:
        name, value = _field_of(line)
        if name is not None:
            fields.extend(_fields(name, value))
        elif fields:
            footer.append(line)
        else:
            description.append(line)
    if len(title) > MAX_TITLE:
        description.insert(0, title)
        title = title[:MAX_TITLE - 1].rsplit(" ", 1)[0]
    desc = _clip("\n".join(description), MAX_DESCRIPTION)
    foot = _clip("\n".join(footer), MAX_FOOTER)

    pages: list[list[dict[str, Any]]] = [[]]
    fixed = len(title) + 12 + len(foot) + len(desc)
    used = fixed
    for f in fields:
        size = len(f["name"]) + len(f["value"])
        if pages[-1] and (len(pages[-1]) >= MAX_FIELDS or used + size > EMBED_BUDGET):
            pages.append([])
            used = len(title) + 12 + len(foot)
        pages[-1].append(f)
        used += size
    out = []
    for i, page in enumerate(pages):
        embed: dict[str, Any] = {"type": "rich", "color": COLOUR}
        suffix = f" ({i + 1}/{len(pages)})" if len(pages) > 1 else ""
        if title:
            embed["title"] = _clip(title, MAX_TITLE - len(suffix)) + suffix
        if i == 0 and desc:
            embed["description"] = desc
        if page:
            embed["fields"] = page
        if i == len(pages) - 1:
            if foot:
                embed["footer"] = {"text": foot}
            image = next((a for a in attachments if a.mime.startswith("image/")), None)
            if image is not None:
                embed["image"] = {"url": f"attachment://{image.filename}"}
        out.append(embed)
    return out


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward an embed's 6000."""
    return (len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed.get("footer", {}).get("text", ""))
            + len(embed.get("author", {}).get("name", ""))
            + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", [])))


def alt_text(attachment: Attachment) -> str:
    """What a screen reader says for an attachment: the alt text the chart came with, or one written
    from the chart's released data (its title, whose lines, how many days), never from values."""
    if attachment.alt_text.strip():
        return _clip(attachment.alt_text.strip(), MAX_ALT_TEXT)
    spec = attachment.chart
    if spec is None or isinstance(spec, CardSpec):   # a card always comes with its alt text from the gate
        return _clip(f"File {attachment.filename}", MAX_ALT_TEXT)
    days = sorted({d for s in spec.series for d, _ in s.points})
    who = ", ".join(s.label for s in spec.series)
    span = _(", {first} to {last}", first=days[0], last=days[-1]) if days else ""
    scale = _("relative to each person's own usual (100% = usual)") if spec.relative else (spec.unit or _("values"))
    goal = _(", with a dashed goal line") if spec.goal is not None else ""
    lines = n_("{n} line", "{n} lines", len(spec.series))
    return _clip(_("Line chart: {title}. {lines} ({who}){span}, {scale}{goal}.", title=spec.title, lines=lines, who=who,
                   span=span, scale=scale, goal=goal), MAX_ALT_TEXT)


def _field_of(line: str) -> tuple[str | None, str]:
    name, sep, value = line.partition(": ")
    if not sep or not name.strip() or not value.strip() or len(name) > 80:
        return None, line
    return name.strip(), value.strip()


def _fields(name: str, value: str) -> list[dict[str, Any]]:
    """One field, or several when the value is longer than a field may hold (split at " · ")."""
    parts, current = [], ""
    for piece in value.split(" · "):
        joined = f"{current} · {piece}" if current else piece
        if len(joined) <= MAX_FIELD_VALUE:
            current = joined
            continue
        if current:
            parts.append(current)
        while len(piece) > MAX_FIELD_VALUE:
            parts.append(piece[:MAX_FIELD_VALUE])
            piece = piece[MAX_FIELD_VALUE:]
        current = piece
    parts.append(current)
    return [{"name": _clip(name, MAX_FIELD_NAME) if i == 0 else BLANK, "value": p or BLANK, "inline": False}
            for i, p in enumerate(parts)]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
