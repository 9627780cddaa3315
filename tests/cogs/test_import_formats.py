"""A transcript per format, as a member meets it on the console: the file (written here from the format's
structure, with the builders of tests/imports), the preview naming the format and what it holds, the
confirmed values stored as `log` would store them, in the member's own time zone; and a hostile file of
each kind refused through the same command with nothing stored."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.imports import opening
from tests.imports.test_apple_health import STEPS, WATCH, export
from tests.imports.test_fitbit import PROFILE, ROOT, minutes, sleep_log, weight_log
from tests.imports.test_garmin import write as garmin_file
from tests.imports.test_google_fit import summary_csv, summary_row
from tests.support.apple_export import PHONE_DEVICE, WATCH_DEVICE, record

PHONE = "Alice’s iPhone"


async def _stored(bot) -> dict[tuple[str, str], float]:
    rows = await bot.db.fetchall("SELECT metric, day, value FROM entries WHERE active=1")
    return {(r[0], r[1]): round(r[2], 4) for r in rows}


async def _import(bot, path: Path, who: str = "ann") -> str:
    preview = await bot.say(f"{who}@dm: import {path}")
    assert "Nothing is stored yet" in preview, preview
    assert await _stored(bot) == {}
    return preview


async def test_apple_health_zip_the_watch_wins_and_days_are_the_members(bot, tmp_path):
    await bot.run("ann@dm: timezone Europe/Stockholm")
    records = [
        record(STEPS, "count", "4000", WATCH, WATCH_DEVICE, "2026-11-10 09:00:00 +0100", "2026-11-10 10:00:00 +0100"),
        record(STEPS, "count", "3900", PHONE, PHONE_DEVICE, "2026-11-10 09:00:00 +0100", "2026-11-10 10:00:00 +0100"),
        record(STEPS, "count", "1000", PHONE, PHONE_DEVICE, "2026-11-10 18:00:00 +0100", "2026-11-10 18:30:00 +0100"),
        # 23:30 UTC on the 11th is already the 12th in Stockholm
        record(STEPS, "count", "500", WATCH, WATCH_DEVICE, "2026-11-11 23:30:00 +0000", "2026-11-11 23:40:00 +0000"),
        record("HKQuantityTypeIdentifierBodyMass", "lb", "181", PHONE, PHONE_DEVICE,
               "2026-11-11 07:00:00 +0100", "2026-11-11 07:00:00 +0100"),
        record("HKQuantityTypeIdentifierRestingHeartRate", "count/min", "900", WATCH, WATCH_DEVICE,
               "2026-11-11 07:00:00 +0100", "2026-11-11 07:00:00 +0100"),
    ]
    path = export(tmp_path, *records, zipped=True)
    preview = await _import(bot, path)
    assert "Your Apple Health file" in preview and "steps: 2 days (2026-11-10 to 2026-11-12)" in preview
    assert "weight: 1 day" in preview and "resting heart rate" in preview.split("couldn't read")[1].lower()
    await bot.run("ann@dm: confirm")
    assert await _stored(bot) == {("steps", "2026-11-10"): 5000.0, ("steps", "2026-11-12"): 500.0,
                                  ("weight", "2026-11-11"): round(181 * 0.45359237, 4)}


async def test_apple_health_blood_pressure_becomes_a_pair(bot, tmp_path):
    systolic, diastolic = "HKQuantityTypeIdentifierBloodPressureSystolic", "HKQuantityTypeIdentifierBloodPressureDiastolic"
    at = "2026-11-12 08:00:00 +0000"
    halves = (record(diastolic, "mmHg", "84", "Omron", "", at, at, indent="  ")
              + record(systolic, "mmHg", "131", "Omron", "", at, at, indent="  "))
    path = export(tmp_path, f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" '
                            f'creationDate="{at}" startDate="{at}" endDate="{at}">\n{halves} </Correlation>\n')
    assert "blood pressure: 1 day" in await _import(bot, path)
    await bot.run("ann@dm: confirm")
    assert await _stored(bot) == {("bp.systolic", "2026-11-12"): 131.0, ("bp.diastolic", "2026-11-12"): 84.0}
    assert "131/84" in await bot.say("ann@dm: history bp")


async def test_google_fit_takeout_zip(bot, tmp_path):
    path = tmp_path / "takeout-20261116.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Takeout/Fit/Daily activity metrics/Daily activity metrics.csv",
                   summary_csv(summary_row("2026-11-10", "8123", "6012.5", "47", "72.4"),
                               summary_row("2026-11-11", "", "", ""),
                               summary_row("2026-11-12", "10500", "7400", "61")))
        z.writestr("Takeout/archive_browser.html", "<html></html>")
    preview = await _import(bot, path)
    assert "Your Google Fit file" in preview and "distance: 2 days" in preview and "exercise: 2 days" in preview
    await bot.run("ann@dm: confirm")
    stored = await _stored(bot)
    assert stored[("steps", "2026-11-10")] == 8123 and stored[("distance", "2026-11-10")] == 6.0125
    assert stored[("exercise", "2026-11-12")] == 61 and stored[("weight", "2026-11-10")] == 72.4
    assert ("steps", "2026-11-11") not in stored


async def test_fitbit_account_export_with_its_weight_unit(bot, tmp_path):
    path = tmp_path / "MyFitbitData.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(ROOT + "Physical Activity/steps-2026-11-01.json",
                   json.dumps(minutes("11/10/26", 8, [10, 20, 0, 5]) + minutes("11/11/26", 9, [7, 7])))
        z.writestr(ROOT + "Sleep/sleep-2026-11-01.json", json.dumps([sleep_log(1, "2026-11-10", 410)]))
        z.writestr(ROOT + "Personal & Account/weight-2026-11-01.json",
                   json.dumps([weight_log(11, "11/10/26", "07:10:00", 160.5)]))
        z.writestr(ROOT + "Personal & Account/Profile.csv", PROFILE.format(weight_unit="POUND"))
    preview = await _import(bot, path)
    assert "Your Fitbit file" in preview and "sleep: 1 day" in preview
    await bot.run("ann@dm: confirm")
    assert await _stored(bot) == {("steps", "2026-11-10"): 35.0, ("steps", "2026-11-11"): 14.0,
                                  ("sleep", "2026-11-10"): round(410 / 60, 4),
                                  ("weight", "2026-11-10"): round(160.5 * 0.45359237, 4)}


async def test_garmin_daily_summary(bot, tmp_path):
    path = garmin_file(tmp_path, "Date,Steps,Resting Heart Rate,Sleep,Distance (mi),Weight,Intensity Minutes\n"
                                 '2026-11-10,"12,408",54,7h 32m,5.9,165.4 lb,45\n'
                                 "2026-11-11,9001,55,6:50,4.1,--,0\n")
    preview = await _import(bot, path)
    assert "Your Garmin Connect file" in preview and "resting heart rate: 2 days" in preview
    await bot.run("ann@dm: confirm")
    stored = await _stored(bot)
    assert stored[("steps", "2026-11-10")] == 12408 and stored[("rhr", "2026-11-11")] == 55
    assert stored[("distance", "2026-11-10")] == round(5.9 * 1.609344, 4)
    assert stored[("sleep", "2026-11-11")] == round(6 + 50 / 60, 4)


async def test_a_zip_bomb_is_refused_through_the_command(bot, tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "RATIO_CHECK_AFTER", 1 << 20)   # the real threshold is 64 MiB: the same check, sooner
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("apple_health_export/export.xml", '<?xml version="1.0"?>\n<HealthData>' + "\n" * (40 << 20))
    out = await bot.say(f"ann@dm: import {path}")
    assert "zip bomb" in out and "Nothing was stored." in out
    assert await _stored(bot) == {}


@pytest.mark.parametrize("doctype, refusal", [
    ('<!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', "declares entities"),
    ('<!DOCTYPE HealthData [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "declares entities"),
], ids=["billion-laughs", "external-entity"])
async def test_xml_entities_are_refused_through_the_command(bot, tmp_path, doctype, refusal):
    path = tmp_path / "export.xml"
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n<HealthData locale="en_SE">'
                    f'<Record type="{STEPS}" value="&b;" startDate="2026-11-10 09:00:00 +0100" '
                    f'endDate="2026-11-10 10:00:00 +0100"/></HealthData>\n', encoding="utf-8")
    out = await bot.say(f"ann@dm: import {path}")
    assert refusal in out and "Nothing was stored." in out
    assert await _stored(bot) == {}


async def test_a_long_read_says_how_far_it_has_got(bot, tmp_path, monkeypatch):
    from bot.imports import pipeline
    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 0.0)   # every piece read says so: the same path a long file takes
    one_day = "".join(record(STEPS, "count", "10", WATCH, WATCH_DEVICE, f"2026-11-10 {h:02d}:{m:02d}:00 +0000",
                             f"2026-11-10 {h:02d}:{m:02d}:30 +0000") for h in range(24) for m in range(60))
    out = await bot.run(f"ann@dm: import {export(tmp_path, one_day)}")
    told = [line for line in out if "MB so far" in line]
    assert told and all(line.startswith("[@ann] Reading your Apple Health file:") for line in told)
    assert out.index(told[-1]) < next(i for i, line in enumerate(out) if "Nothing is stored yet" in line)
    assert "steps: 1 day (2026-11-10 to 2026-11-10)" in "\n".join(out)
