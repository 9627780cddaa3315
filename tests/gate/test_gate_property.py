"""Property: the gate never releases into a channel more than the lower of the member's level and
the channel's cap, never names a raw value below `public`, and shows group figures only with k
anonymous contributors (never shown by name anywhere), within the released bound."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.audience import EffectiveLevels
from bot.catalogue import is_sensitive
from bot.charts import ChartSpec
from bot.disclosure import rounding_step
from bot.gate import PrivacyGate
from bot.vocabulary.levels import Level
from bot.vocabulary.reply import ChartLine, ChartPiece, Destination, Fact, GroupFigure, Line, Reply, Text
from storage.community import CommunityRepository
from storage.sharing import ALL_METRICS, ChannelRuleRepository, SharingRepository
from storage.sqlite import SqliteDatabase
from tests.support.transcript import group_figure, within_release_bound

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)
METRICS = ["steps", "sleep", "weight", "mood"]
levels = st.sampled_from(list(Level))

member_settings = st.fixed_dictionaries({
    "default": st.dictionaries(st.sampled_from(METRICS), levels),
    "channel": st.dictionaries(st.sampled_from(METRICS), levels),   # overrides in the channel under test
    "elsewhere": st.dictionaries(st.sampled_from(METRICS), levels),  # overrides in another channel (must not matter)
})
scenario = st.fixed_dictionaries({
    "members": st.lists(member_settings, min_size=1, max_size=7),
    "rules": st.dictionaries(st.sampled_from(METRICS + [ALL_METRICS]), levels),
    "k": st.integers(min_value=3, max_value=4),
})


def shown_anywhere(member: dict, metric: str, rules: dict) -> Level:
    """The most this member's metric is shown with their name in any channel (here, or "there",
    which has no rules): TREND or PUBLIC, else PRIVATE."""
    here = expected_level(member, metric, rules)
    there_cap = Level.TREND if metric in ("weight", "mood", "rhr") else Level.PUBLIC
    there = Level(min(member["elsewhere"].get(metric, member["default"].get(metric, Level.PRIVATE)), there_cap))
    best = max(here, there)
    return best if best >= Level.TREND else Level.PRIVATE


def expected_level(member: dict, metric: str, rules: dict) -> Level:
    """The rule from DESIGN.md section 2, written out independently of the implementation."""
    own = member["channel"].get(metric, member["default"].get(metric, Level.PRIVATE))
    default_cap = Level.TREND if metric in ("weight", "mood", "rhr") else Level.PUBLIC
    if metric in rules:
        cap = rules[metric]
    elif ALL_METRICS in rules:
        cap = min(rules[ALL_METRICS], default_cap)
    else:
        cap = default_cap
    return Level(min(own, cap))


async def _check(sc: dict) -> None:
    db = await SqliteDatabase.open(":memory:")
    try:
        community = CommunityRepository(db)
        sharing = SharingRepository(db)
        rules = ChannelRuleRepository(db, is_sensitive)
        cid = await community.community("test", "c")
        here = (await community.channel(cid, "here", "here")).id
        there = (await community.channel(cid, "there", "there")).id
        rendered: list[dict] = []

        async def capture(spec: ChartSpec) -> bytes:
            rendered.append(spec)
            return b"\x89PNG"

        gate = PrivacyGate(EffectiveLevels(sharing, rules), sc["k"], capture)
        ids = []
        for i, m in enumerate(sc["members"]):
            member = await community.member(cid, f"m{i}", f"m{i}", NOW)
            ids.append(member.id)
            for metric, lv in m["default"].items():
                await sharing.set_level(member.id, metric, lv, None, NOW)
            for metric, lv in m["channel"].items():
                await sharing.set_level(member.id, metric, lv, here, NOW)
            for metric, lv in m["elsewhere"].items():
                await sharing.set_level(member.id, metric, lv, there, NOW)
        for metric, cap in sc["rules"].items():
            await rules.set_rule(here, metric, cap, NOW)

        # Distinct raw values we can look for in the output: 7100000 + 1000*member + 10*metric index.
        def raw(i: int, j: int) -> int:
            return 7100000 + 1000 * i + 10 * j

        lines, charts = [Line((Text("Weekly check-in"),))], []
        for j, metric in enumerate(METRICS):
            lines.append(Line((GroupFigure(metric, "total", tuple((ids[i], float(raw(i, j))) for i in range(len(ids))),
                                           f"{metric} together: {{value}} from {{count}} people", ".0f"),)))
            charts.append(ChartPiece(metric, metric, "u", "UTC", tuple(
                ChartLine(ids[i], f"m{i}", (("2026-11-15", float(raw(i, j))), ("2026-11-16", float(raw(i, j) + 1))),
                          baseline=float(raw(i, j)), goal=float(raw(i, j) + 5)) for i in range(len(ids)))))
        for i in range(len(ids)):
            lines.append(Line(tuple(Fact.of(ids[i], metric, public=f"{metric} RAW{raw(i, j)}", trend=f"{metric} TRENDm{i}")
                                    for j, metric in enumerate(METRICS)), label=f"m{i}: "))
        reply = Reply(tuple(lines), tuple(charts))
        delivery = await gate.release(reply, Destination.channel(cid, here))

        for i, m in enumerate(sc["members"]):
            for j, metric in enumerate(METRICS):
                eff = expected_level(m, metric, sc["rules"])
                shown = [d for d in delivery.disclosures if d.member_id == ids[i] and d.metric == metric]
                assert all(d.level <= eff for d in shown)
                assert (f"RAW{raw(i, j)}" in delivery.text) == (eff == Level.PUBLIC)
                assert (f"TRENDm{i}" in delivery.text and f"{metric} TRENDm{i}" in delivery.text) == (eff == Level.TREND)
            if all(expected_level(m, metric, sc["rules"]) < Level.TREND for metric in METRICS):
                assert f"m{i}:" not in delivery.text   # nobody is named with nothing to show
        # Group figures: everyone allowing aggregate here is in it, but only those never shown by name
        # anywhere count toward k; released within the perturbation bound (values are all alike, so
        # the p% rule never withholds here).
        for j, metric in enumerate(METRICS):
            members = sc["members"]
            allowed = [i for i, m in enumerate(members) if expected_level(m, metric, sc["rules"]) >= Level.AGGREGATE]
            anonymous = [i for i in allowed if shown_anywhere(members[i], metric, sc["rules"]) < Level.TREND]
            hidden = [raw(i, j) for i in allowed if shown_anywhere(members[i], metric, sc["rules"]) < Level.PUBLIC]
            found = group_figure(delivery.text, f"{metric} together: {{value}}")
            if len(anonymous) >= sc["k"]:
                assert found is not None and found[1] == len(allowed)
                step = rounding_step(metric, "total", found[0])
                assert within_release_bound(found[0], sum(raw(i, j) for i in allowed), hidden, step)
            else:
                assert found is None
        # Charts: the renderer only ever received public series raw, trend series relative, nothing else.
        for spec in rendered:
            metric = next(mt for mt in METRICS if spec.title.startswith(mt))
            j = METRICS.index(metric)
            for series in spec.series:
                i = int(series.label[1:])
                eff = expected_level(sc["members"][i], metric, sc["rules"])
                assert eff >= Level.TREND
                values = [v for _, v in series.points]
                if spec.relative:
                    assert all(abs(v - 100.0) < 1 for v in values)   # relative to own baseline, no raw figure
                    assert spec.goal is None or spec.goal < 1000
                else:
                    assert eff == Level.PUBLIC and values[0] == raw(i, j)
        # A member looking privately sees all of their own numbers, and nobody else's in a DM.
        own = await gate.release(reply, Destination.private_to(cid, ids[0], None))
        assert all(f"RAW{raw(0, j)}" in own.text for j in range(len(METRICS)))
        assert not any(f"RAW{raw(i, 0)}" in own.text for i in range(1, len(ids)))
    finally:
        await db.close()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario)
def test_gate_never_releases_more_than_allowed(sc):
    asyncio.run(_check(sc))
