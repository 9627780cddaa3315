"""Discord's limits, checked on the pure layout: embeds, content chunks, pages, alt text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord_layout import (
    MAX_CONTENT,
    MAX_EMBED_TOTAL,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    alt_text,
    embed_size,
    embeds_for,
    pages,
    plan,
    text_chunks,
)
from bot.charts import ChartSeries, ChartSpec
from bot.gate import Attachment

names = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=40)
values = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=1500).filter(str.strip)


def _fits(embed: dict) -> bool:
    return (len(embed.get("fields", [])) <= MAX_FIELDS and embed_size(embed) <= MAX_EMBED_TOTAL
            and len(embed.get("title", "")) <= 256 and len(embed.get("description", "")) <= 4096
            and all(0 < len(f["name"]) <= MAX_FIELD_NAME and 0 < len(f["value"]) <= MAX_FIELD_VALUE
                    for f in embed.get("fields", [])))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, values), min_size=0, max_size=120))
def test_any_post_fits_discord_and_keeps_every_line(members):
    lines = ["Weekly check-in for #walkers — 16–22 Nov"] + [f"{n}: {v.strip()}" for n, v in members]
    embeds = embeds_for(lines)
    assert all(_fits(e) for e in embeds)
    shown = [(f["name"], f["value"]) for e in embeds for f in e.get("fields", [])]
    # One field per member line (a value longer than a field continues in unnamed fields).
    assert [n for n, _ in shown if n != "\u200b"] == [n for n, v in members if f"{n}: {v.strip()}".partition(": ")[2].strip()
                                                       and len(n) <= 80]


def test_forty_members_take_two_messages_and_the_image_rides_on_the_last():
    lines = ["Weekly check-in"] + [f"walker{i:02d}: steps {5000 + i:,} this week (↑ 10–20%, 5/7 days)" for i in range(40)]
    chart = Attachment("steps-chart.png", b"png", "image/png")
    messages = plan("\n".join(lines), (chart,), as_embeds=True)
    assert len(messages) == 2 and [m.attachments for m in messages] == [(), (chart,)]
    assert messages[-1].embeds[0]["image"] == {"url": "attachment://steps-chart.png"}
    assert [e["embeds"][0]["title"] for e in map(vars, messages)] == ["Weekly check-in (1/2)", "Weekly check-in (2/2)"]


@given(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=3000), max_size=20))
def test_plain_text_chunks_fit_and_lose_nothing(lines):
    text = "\n".join(lines)
    chunks = text_chunks(text)
    assert all(len(c) <= MAX_CONTENT for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_pages_cover_every_line_once_and_are_the_same_every_time():
    text = "\n".join(["Your recent entries:"] + [f"2026-11-{d:02d}  steps: {d} steps" for d in range(1, 31)])
    first, again = pages(text), pages(text)
    assert first == again and len(first) == 3 and first[-1].endswith("Page 3 of 3")
    items = [ln for p in first for ln in p.splitlines() if ln.startswith("2026-")]
    assert items == text.splitlines()[1:]
    assert all(p.startswith("Your recent entries:") and len(p) <= MAX_CONTENT for p in first)
    assert pages("Short list:\none") == ["Short list:\none"]


def test_alt_text_describes_the_chart_without_its_values():
    spec = ChartSpec("Steps — last 7 days", "steps", "UTC",
                     (ChartSeries("alice", (("2026-11-10", 8123.0), ("2026-11-16", 9456.0))),), goal=10000.0)
    text = alt_text(Attachment("steps-chart.png", b"", "image/png", spec))
    assert text.startswith("Line chart: Steps — last 7 days") and "alice" in text and "2026-11-10 to 2026-11-16" in text
    assert not any(v in text for v in ("8123", "8,123", "9456", "9,456", "10000", "10,000"))
    assert alt_text(Attachment("x.png", b"", "image/png", spec, alt_text="Given by the chart")) == "Given by the chart"
    assert alt_text(Attachment("export.json", b"", "application/json")) == "File export.json"
