"""`share`: a member's own words with what their settings allow, refused whole, taken back with the data."""

from __future__ import annotations

import re

from tests.cogs.test_checkins import channel_lines


async def _logged(bot, member="ann", level="public"):
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await bot.run(f"{member}@#walkers: privacy set steps {level}")
    for day, v in (("2026-11-11", 6000), ("2026-11-12", 6000), ("2026-11-18", 9100), ("2026-11-19", 9100),
                   ("2026-11-20", 9100)):
        await bot.run(f"{member}@dm: log steps {v} {day}")


async def test_share_at_public_shows_the_words_and_the_numbers(bot):
    await _logged(bot)
    out = await bot.run("ann@#walkers: share steps: walked a lot, feels good")
    text = "\n".join(channel_lines(out))
    assert "walked a lot, feels good" in text and "ann shares" in text
    assert "27,300" in text and "3-day streak" in text
    assert any(line.startswith("[@ann]") and "Posted" in line for line in out)


async def test_share_at_trend_shows_bands_and_no_number(bot):
    await _logged(bot, level="trend")
    out = await bot.run("ann@#walkers: share steps: walked a lot")
    text = "\n".join(channel_lines(out))
    assert "walked a lot" in text and "3-day streak" in text
    assert "27,300" not in text and "9,100" not in text and "12,000" not in text
    assert "↑" in text and "%" in text


async def test_private_or_aggregate_or_channel_off_refuses_whole(bot):
    for level in ("private", "aggregate"):
        await _logged(bot, member=f"m{level}", level=level)
        out = await bot.run(f"m{level}@#walkers: share steps: walked a lot")
        assert not channel_lines(out)
        assert any(line.startswith(f"[@m{level}]") and "didn't post" in line for line in out)
    await _logged(bot, member="pub")
    await bot.run(":moderator mia", "mia@#walkers: mod rule #walkers sleep off")
    await bot.run("pub@#walkers: privacy set sleep public", "pub@dm: log sleep 7h")
    out = await bot.run("pub@#walkers: share steps sleep: both")   # one refused metric: nothing posted
    assert not channel_lines(out) and any("didn't post" in line and "sleep" in line for line in out)


async def test_words_after_the_colon_are_never_read_as_metrics(bot):
    await _logged(bot)
    await bot.run("ann@#walkers: privacy set weight public", "ann@dm: log weight 83.4kg")
    out = await bot.run("ann@#walkers: share steps: my weight and sleep feel fine")
    text = "\n".join(channel_lines(out))
    assert "my weight and sleep feel fine" in text and "83" not in text
    out = await bot.run("ann@#walkers: share walked a lot, steps feel good")   # no colon: no metric, no post
    assert not channel_lines(out)


async def test_words_are_cleaned_of_mentions_and_markup(bot):
    await _logged(bot)
    out = await bot.run("ann@#walkers: share steps: hi @everyone <@123> **bold** `code`")
    text = "\n".join(channel_lines(out))
    assert "hi" in text
    for bad in ("@everyone", "<@123>", "**", "`"):
        assert bad not in text
    out = await bot.run("ann@#walkers: share steps: " + "x" * 400)
    assert not channel_lines(out)


async def test_narrowing_takes_back_and_forget_removes_the_words(bot):
    await _logged(bot)
    await bot.run("ann@#walkers: share steps: my own words here")
    out = await bot.run("ann@#walkers: privacy set steps trend")
    edited = "\n".join(line for line in out if line.startswith("[#walkers"))
    assert "27,300" not in edited and "my own words here" in edited   # shrinks to trend
    shared = "\n".join(await bot.run("ann@dm: mydata shared"))
    assert "#walkers" in shared
    out = await bot.run("ann@#walkers: privacy set steps private")
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out), out


# ---- attacks and edges ------------------------------------------------------------------------

async def test_words_cannot_ping_link_or_format_on_any_platform(bot):
    await _logged(bot)
    attacks = ["@everyone hi", "@here hi", "<@123> hi", "<@&456> hi", "<#789> hi", "@room hi",
               '<a href="https://matrix.to/#/@bob:example.org">bob</a> hi', "[free money](https://evil.example) hi",
               "# HUGE hi", "-# tiny hi", "> quoted hi", "||spoiler|| hi", "~~gone~~ __under__ hi",
               "line\u202eevil hi", "zero\u200bwidth hi", "back\\slash hi"]
    for words in attacks:
        out = await bot.run(f"ann@#walkers: share steps: {words}")
        text = "\n".join(channel_lines(out))
        assert "hi" in text, (words, out)
        body = next(line for line in channel_lines(out) if line.endswith(" hi"))
        said = body.split("] ", 1)[1]
        for bad in ("@", "<", ">", "[", "]", "*", "_", "~", "|", "`", "\\", "\u202e", "\u200b"):
            assert bad not in said, (words, said)
        assert not said.startswith(("#", "-#")), said

def test_the_words_are_one_line_so_a_newline_cannot_start_a_heading_or_a_fake_fact():
    from cogs.sharing import clean_words
    assert clean_words("fine\n# steps: 99,999 this week\r\n-# x") == "fine # steps: 99,999 this week -# x"
    assert "\n" not in clean_words("a\u2028b\u2029c\x85d")
    assert clean_words("  # ## -# ") == ""


async def test_a_share_in_a_direct_message_posts_nothing(bot):
    await _logged(bot)
    out = await bot.run("ann@dm: share steps: hello")
    assert out and all(line.startswith("[@ann]") for line in out)
    assert "channel" in "\n".join(out)


async def test_a_member_who_never_logged_is_told_privately(bot):
    await bot.run("new@#walkers: privacy set steps public")
    out = await bot.run("new@#walkers: share steps: my first day")
    assert not channel_lines(out)
    assert any(line.startswith("[@new]") and "Nothing logged" in line for line in out)
    out = await bot.run("never@#walkers: share steps: my first day")   # never set anything: private
    assert not channel_lines(out) and any("didn't post" in line for line in out)


async def test_an_unknown_metric_before_the_colon_is_refused_without_echoing_markup(bot):
    await _logged(bot)
    out = await bot.run("ann@#walkers: share @everyone: hi")
    assert not channel_lines(out)
    assert "@everyone" not in "\n".join(out)
    out = await bot.run("ann@#walkers: share steps weight sleep mood rhr: too many")
    assert not channel_lines(out) and any("at most" in line for line in out)


async def test_a_channel_rule_aggregate_refuses_and_a_narrowed_rule_takes_back(bot):
    await _logged(bot)
    await bot.run(":moderator mia")
    out = await bot.run("ann@#walkers: share steps: before the rule")
    assert channel_lines(out)
    out = await bot.run("mia@#walkers: mod rule #walkers steps aggregate")   # narrowing takes the post back
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out), out
    out = await bot.run("ann@#walkers: share steps: after the rule")
    assert not channel_lines(out) and any("didn't post" in line for line in out)


async def test_forget_deletes_the_post_and_the_words_leave_the_ledger(bot):
    await _logged(bot)
    await bot.run("ann@#walkers: share steps: words only ann may keep")
    shared = "\n".join(await bot.run("ann@dm: mydata shared"))
    assert "#walkers" in shared and "share" in shared
    out = await bot.run("ann@dm: mydata forget", "ann@dm: confirm")
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out), out
    rows = await bot.db.fetchall("SELECT content FROM posts")
    assert rows and not any("words only ann may keep" in r[0] for r in rows)
    assert not any("ann shares" in r[0] for r in rows)


async def test_a_share_in_swedish_is_cleaned_the_same(bot):
    await _logged(bot)
    out = await bot.run("ann@#walkers: dela steg: @everyone hej")
    text = "\n".join(channel_lines(out))
    assert "hej" in text and "@everyone" not in text


async def test_share_with_a_chart_draws_it_as_the_level_allows_with_alt_text(bot):
    await _logged(bot, level="trend")
    sent = []
    original = bot.console.send

    async def send(target, delivery):
        if target.kind == "channel":
            sent.append(delivery)
        return await original(target, delivery)

    bot.console.send = send
    out = await bot.run("ann@#walkers: share steps chart: my month")
    assert any("image:" in line for line in channel_lines(out))
    (delivery,) = sent
    (chart,) = delivery.attachments
    assert chart.chart.relative and "9100" not in repr(chart.chart.series) and chart.alt_text
    out = await bot.run("ann@#walkers: privacy set steps private")   # the chart goes with the post
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out)
    await bot.run("ann@#walkers: privacy set steps public")
    out = await bot.run("ann@#walkers: dela steg diagram: min månad")   # the Swedish word for chart
    assert any("image:" in line for line in channel_lines(out))
    assert not sent[-1].attachments[0].chart.relative


async def test_chart_alone_names_no_metric(bot):
    await _logged(bot)
    out = await bot.run("ann@#walkers: share chart: words")
    assert not channel_lines(out) and any("Name the metrics" in line for line in out)


async def _blood_pressure(bot, level: str):
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await bot.run(":moderator mia")
    await bot.run("mia@#walkers: mod rule #walkers bp public")
    await bot.run(f"ann@#walkers: privacy set bp {level}")
    for day, pair in (("2026-11-13", "128/82"), ("2026-11-19", "131/80"), ("2026-11-20", "135/85")):
        await bot.run(f"ann@dm: log bp {pair} {day}")


async def test_a_pair_at_public_shows_both_parts_and_at_trend_only_bands(bot):
    await _blood_pressure(bot, "public")
    text = "\n".join(channel_lines(await bot.run("ann@#walkers: share bp: the nurse was happy")))
    assert "133/82 mmHg average this week" in text and "systolic ↑4%" in text and "2-day streak" in text
    out = await bot.run("ann@#walkers: privacy set bp trend")
    edited = "\n".join(line for line in out if line.startswith("[#walkers"))
    assert "edited" in edited and "systolic about the same" in edited and "diastolic about the same" in edited
    assert re.findall(r"\d+", re.sub(r"\[#walkers #\d+ edited\]|\d+-day streak", "", edited)) == []   # no number
    assert "133" not in edited and "82" not in edited and "↑4%" not in edited
    out = await bot.run("ann@#walkers: privacy set bp aggregate")   # below trend: the post goes, words and all
    assert any(line.startswith("[#walkers") and "deleted" in line for line in out)


async def test_a_pair_under_the_default_cap_is_shared_at_trend_and_private_refused(bot):
    await bot.run(":time 2026-11-20T12:00:00+00:00")
    await bot.run("ann@#walkers: privacy set bp public")   # the channel keeps its sensitive cap: trend
    await bot.run("ann@dm: log bp 128/82")
    text = "\n".join(channel_lines(await bot.run("ann@#walkers: share bp: checked today")))
    assert "checked today" in text and "128" not in text and "82" not in text
    await bot.run("bo@dm: log bp 120/80")
    out = await bot.run("bo@#walkers: share bp: mine")
    assert not channel_lines(out) and any("I didn't post it" in line for line in out)


async def test_a_pair_shared_with_a_chart_is_two_lines_and_at_trend_no_number(bot):
    await _blood_pressure(bot, "trend")
    sent = []
    original = bot.console.send

    async def send(target, delivery):
        if target.kind == "channel":
            sent.append(delivery)
        return await original(target, delivery)

    bot.console.send = send
    out = await bot.run("ann@#walkers: share bp chart: my readings")
    assert any("image:" in line for line in channel_lines(out))
    (chart,) = sent[-1].attachments
    assert chart.chart.relative and len(chart.chart.series) == 2 and chart.alt_text
    assert not re.search(r"\b(128|131|135|82|80|85)\b", repr(chart.chart.series) + chart.alt_text)
