"""No text ever classifies a member medically (issue 26): the bot tracks readings, it does not diagnose.
No "high blood pressure", "hypertension", "diabetic", "obese" or "normal range" wording in any message
the bot can send, in any language (the catalogues hold every member-facing string, see
tests/vocabulary/test_i18n_coverage.py), nor in what a community reads after readings far outside
anyone's usual. Private replies may compare a reading with a goal the member set themselves."""

from __future__ import annotations

import re

import pytest

from bot import i18n_catalogue
from bot.vocabulary import i18n

LABELS = re.compile(r"""\b(?:
    hyper-?tens\w* | hypo-?tens\w* | (?:high|low|raised|elevated)\ blood\ (?:pressure|sugar|glucose)
  | pre-?diabet\w* | diabet\w* | obes(?:e|ity) | overweight | underweight | hyper-?glyc\w* | hypo-?glyc\w*
  | hyper-?cholesterol\w* | high\ cholesterol | (?:normal|abnormal|healthy|unhealthy|dangerous)\ (?:range|level|reading|value)s?
  | abnormal | at\ risk | stage\ [12]
  | högt\ blodtryck | lågt\ blodtryck | hypertoni\w* | diabetiker\w* | fetma | övervikt\w* | undervikt\w*
  | förhöjt\w* | högt\ kolesterol | blodsockerfall | normalvärde\w* | riskzon\w*
)\b""", re.I | re.X)


def test_the_pattern_catches_the_wording_it_is_for():
    for text in ("You have high blood pressure", "hypertensive", "Stage 1", "diabetic range", "normal range",
                 "Du har högt blodtryck", "övervikt", "förhöjt värde"):
        assert LABELS.search(text), text
    for text in ("obesvarat förfaller", "blood pressure about 128/82 mmHg", "systolic ↑ 10–20%", "glucose"):
        assert not LABELS.search(text), text


def test_no_message_in_the_source_catalogue_classifies_a_reading():
    found = [m.id for m in i18n_catalogue.template() if m.id and any(
        LABELS.search(s) for s in (m.id if isinstance(m.id, tuple) else (m.id,)))]
    assert found == []


@pytest.mark.parametrize("lang", i18n.available()[1:])
def test_no_translation_classifies_a_reading(lang):
    found = [m.string for m in i18n_catalogue.read(lang) if m.string and any(
        LABELS.search(s) for s in (m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert found == []


async def test_readings_far_from_anyones_usual_are_told_without_a_label(bot):
    await bot.run(":moderator mia", "mia@#walkers: mod schedule #walkers sunday 18:00 UTC",
                  "mia@#walkers: mod rule #walkers all public", *[f"mia@#walkers: mod rule #walkers {m} public" for m in
                                                                  ("bp", "glucose", "cholesterol", "waist")],
                  "ann@#walkers: privacy set all public", "ann@#walkers: checkin join", "ann@dm: goal bp 120/80",
                  ":time 2026-11-20T12:00:00+00:00")
    said = await bot.run("ann@dm: log bp 118/76 2026-11-10", "ann@dm: log bp 190/120 2026-11-18",
                         "ann@dm: log bp 210/130 pulse 110 2026-11-19", "ann@dm: log glucose 22 2026-11-19",
                         "ann@dm: log glucose 2.1 2026-11-18", "ann@dm: log cholesterol 9.8", "ann@dm: log waist 140",
                         "ann@dm: history", "ann@dm: chart bp 14", "ann@#walkers: chart glucose 14 share",
                         "ann@#walkers: card share", ":time 2026-11-22T19:00:00+00:00", "ann@dm: mydata shared")
    text = "\n".join(said)
    assert "190/120 mmHg" in text and "[#walkers" in text     # the readings were taken and shown
    assert not LABELS.search(text), LABELS.search(text)
