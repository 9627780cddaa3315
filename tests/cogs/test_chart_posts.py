"""Charts in posts, as members meet them: exact periods, unchanged images kept on edits, the weekly card."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from bot.cards import release_card
from bot.charts import CardSpec, render_png
from bot.commands import Invocation
from bot.gate import PrivacyGate
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import Destination, reply_from_json, reply_to_json, without_member
from cogs.charts import Charts
from tests.cogs.test_checkins import channel_lines, log_week, setup


def _edited(out: list[str]) -> list[str]:
    return [line for line in out if line.startswith("[#walkers #") and " edited]" in line]


async def _checkin_post(bot) -> list[str]:
    await setup(bot)
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await log_week(bot, {"pub": 10001, "tre": 20002, "agg1": 30003, "agg2": 40004, "agg3": 25005, "priv": 50005})
    post = channel_lines(await bot.run(":time 2026-11-22T19:00:00+00:00"))
    assert any("image:" in line for line in post) and "from 5 people" in "\n".join(post)
    return post


async def test_an_edit_whose_chart_did_not_change_uploads_no_new_image(bot):
    await _checkin_post(bot)
    # agg1 was only inside the group total: the words change, the chart (pub and tre) does not
    out = await bot.run("agg1@#walkers: privacy set steps private")
    edited = _edited(out)
    assert edited and not any("Together" in line for line in edited)
    assert not any("image:" in line for line in edited), edited
    (hashes,) = [p.images for p in await bot.app.services.posts.live_posts_in(1)] or [()]
    assert len(hashes) == 1                                # the ledger still knows the image the post shows


async def test_an_edit_whose_chart_changed_uploads_the_new_image(bot):
    await _checkin_post(bot)
    out = await bot.run("tre@#walkers: privacy set steps private")   # tre's line leaves the chart
    edited = _edited(out)
    assert edited and not any("tre" in line for line in edited)
    images = [line for line in edited if "image:" in line]
    assert len(images) == 1
    assert images[0].split("image: ")[1].endswith("-chart.png")


@pytest.mark.sqlite_file
async def test_posts_recorded_before_image_hashes_are_redrawn_on_edit(bot):
    await _checkin_post(bot)
    await bot.db.execute("UPDATE posts SET content=json_remove(content, '$.images')")
    edited = _edited(await bot.run("agg1@#walkers: privacy set steps private"))
    assert any("image:" in line for line in edited)       # unknown before: upload rather than guess


# -- the chart command's period ------------------------------------------------------------------------

def _capture_specs(bot):
    specs = []
    gate = bot.app.services.gate
    original = gate._render_chart

    async def render(spec):
        specs.append(spec)
        return await original(spec)

    gate._render_chart = render
    return specs


@pytest.mark.parametrize("days", [7, 14, 30])
async def test_chart_covers_the_last_n_days_ending_today_in_the_members_zone(bot, days):
    cog = bot.app.cog(Charts)
    await bot.run("ann@dm: timezone Pacific/Auckland", ":time 2026-11-20T12:00:00+00:00")   # Nov 21 in Auckland
    for day in ("2026-11-15", "2026-11-19", "2026-11-21"):
        await bot.run(f"ann@dm: log steps 8000 {day}")
    member = await bot.app.services.community.member_by_id(1)
    inv = Invocation(1, None, member.id, member.display_name, False, bot.clock.now(), "console", False, None)
    reply = await cog.chart(inv, await bot.app.services.catalogue.resolve(1, "steps"), days)
    (piece,) = reply.charts
    today = date(2026, 11, 21)
    assert piece.period == ((today - timedelta(days=days - 1)).isoformat(), today.isoformat())
    assert reply_from_json(reply_to_json(reply)).charts[0].period == piece.period     # kept in the post ledger
    assert without_member(reply, 999).charts[0].period == piece.period


# -- the weekly card ----------------------------------------------------------------------------------

async def _week_of_logs(bot):
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    for day in range(1, 21):
        await bot.run(f"ann@dm: log steps {7000 + 100 * day} 2026-11-{day:02d}")
    for day in (14, 16, 18, 20):
        await bot.run(f"ann@dm: log sleep 7h{day}m 2026-11-{day:02d}")
    await bot.run("ann@dm: log weight 81.5 2026-11-19", "ann@dm: log mood 7 2026-10-01", "ann@dm: goal steps 63000 week")


def _invocation(bot, member_id=1, channel_id=None):
    return Invocation(1, channel_id, member_id, "ann", False, bot.clock.now(), "console", False, None)


async def test_card_holds_one_panel_per_metric_logged_this_week_against_usual_and_goal(bot):
    await _week_of_logs(bot)
    cog = bot.app.cog(Charts)
    reply = await cog.card(_invocation(bot))
    assert reply.private and reply.kind == "card" and not reply.charts
    (card,) = reply.cards
    assert card.period == ("2026-11-14", "2026-11-20") and card.title == "Your week"
    by_metric = {p.metric: p for p in card.panels}
    assert set(by_metric) == {"steps", "sleep", "weight"}          # mood was logged weeks ago: not this week
    steps = by_metric["steps"].lines[0]
    assert [d for d, _ in steps.points] == [f"2026-11-{d}" for d in range(14, 21)]
    assert steps.baseline == pytest.approx(7000 + 100 * sum(range(1, 14)) / 13)   # the four weeks before
    assert steps.goal == pytest.approx(9000)                        # a weekly goal as a daily line
    sleep = [v for _, v in by_metric["sleep"].lines[0].points]
    assert by_metric["sleep"].lines[0].baseline == pytest.approx(sum(sleep) / 4)   # no history: the week itself
    assert all(p.period == card.period for p in card.panels)
    again = reply_from_json(reply_to_json(dataclasses.replace(reply, private=False)))
    assert again.cards == reply.cards


async def test_card_with_nothing_logged_says_so_and_shares_nothing(bot):
    await bot.run("ann@#walkers: log steps 1000 2026-10-01")
    out = await bot.run("ann@#walkers: card share")
    assert not channel_lines(out) and "Nothing logged in the last 7 days" in out[0]


class _Levels:
    def __init__(self, levels):
        self.levels = levels

    async def effective_levels(self, destination, pairs):
        return {p: self.levels.get(p, Level.PRIVATE) for p in pairs}

    async def attributed_anywhere(self, community_id, pairs):
        return {p: self.levels[p] for p in pairs if self.levels.get(p, Level.PRIVATE) >= Level.TREND}


async def _no_pixels(spec):
    return b""


async def test_the_gate_decides_each_panel_of_a_shared_card(bot):
    await _week_of_logs(bot)
    cog = bot.app.cog(Charts)
    # the real gate class, with chosen levels
    levels = {(1, "steps"): Level.PUBLIC, (1, "sleep"): Level.TREND, (1, "weight"): Level.AGGREGATE}
    gate = PrivacyGate(_Levels(levels), 3, _no_pixels)
    (reply, note) = await cog.card(_invocation(bot, channel_id=1), share="share")
    (card,) = reply.cards
    assert card.title == "ann's week"
    delivery = await gate.release(reply, _channel())
    (spec,) = [a.chart for a in delivery.attachments if a.filename == "week-card.png"]
    shown = delivery.disclosures
    assert isinstance(spec, CardSpec) and [p.title for p in spec.panels] == ["Steps", "Sleep (relative to own usual)"]
    raw, relative = spec.panels
    assert not raw.relative and raw.series[0].points[0] == ("2026-11-14", 8400.0)
    assert relative.relative and all(v != 7 + 14 / 60 for _, v in relative.series[0].points)
    assert {(d.metric, d.level) for d in shown if d.metric != "weight"} == {("steps", Level.PUBLIC), ("sleep", Level.TREND)}
    assert all(p.period == card.period for p in spec.panels)
    assert render_png(spec).startswith(b"\x89PNG")
    # nothing the audience may see: no card at all
    assert release_card(card, lambda piece: (None, [])) == (None, [])
    # the post ledger keeps only the panels shown, and forgetting a member removes their card
    assert [p.metric for p in delivery.shown.cards[0].panels] == ["steps", "sleep"]
    assert without_member(reply, 1).cards == ()
    # the caption names the metrics shown, as facts the gate releases
    caption = (await gate.release(dataclasses.replace(reply, cards=()), _channel())).text
    assert caption == "ann's week: Steps, Sleep"


def _channel():
    return Destination.channel(1, 1)


async def test_card_command_privately_shows_one_card_image(bot):
    await _week_of_logs(bot)
    out = await bot.run("ann@dm: card")
    assert out[0] == "[@ann] Your week at a glance (only you see this):"
    assert len([line for line in out if "image:" in line]) == 1


async def test_a_chart_of_the_last_7_days_draws_exactly_those_7_days(bot):
    from matplotlib.dates import num2date

    from bot.charts import _build_figure
    specs = _capture_specs(bot)
    await bot.run(":time 2026-11-20T12:00:00+00:00", "ann@dm: log steps 8000 2026-11-15", "ann@dm: log steps 9000 2026-11-19")
    await bot.run("ann@dm: chart steps 7")
    (spec,) = specs
    assert spec.period == ("2026-11-14", "2026-11-20")
    lo, hi = _build_figure(spec).axes[0].get_xlim()
    assert (num2date(lo + 0.5).date(), num2date(hi - 0.5).date()) == (date(2026, 11, 14), date(2026, 11, 20))


async def test_a_checkin_chart_draws_exactly_its_week(bot):
    specs = _capture_specs(bot)
    await _checkin_post(bot)
    assert [s.period for s in specs] == [("2026-11-16", "2026-11-22")]
