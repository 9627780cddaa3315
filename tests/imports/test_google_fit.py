"""The Google Fit reader on Takeout files written here from Takeout's structure (English column names)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.imports import opening
from bot.imports.formats.google_fit import READER
from bot.imports.records import DailyValue, FileRefused
from tests.imports.reading import read_all

FOLDER = "Takeout/Fit/Daily activity metrics/"
SUMMARY_HEADER = ("Date,Move Minutes count,Calories (kcal),Distance (m),Heart Points,Heart Minutes,"
                  "Average heart rate (bpm),Max heart rate (bpm),Min heart rate (bpm),Low latitude (deg),"
                  "Low longitude (deg),High latitude (deg),High longitude (deg),Average speed (m/s),Max speed (m/s),"
                  "Min speed (m/s),Step count,Average weight (kg),Max weight (kg),Min weight (kg),"
                  "Biking duration (ms),Walking duration (ms),Running duration (ms)")
DAY_HEADER = ("Start time,End time,Move Minutes count,Calories (kcal),Distance (m),Heart Points,Heart Minutes,"
              "Average heart rate (bpm),Max heart rate (bpm),Min heart rate (bpm),Average speed (m/s),"
              "Max speed (m/s),Min speed (m/s),Step count,Average weight (kg),Max weight (kg),Min weight (kg),"
              "Walking duration (ms)")


def summary_row(day: str, steps: str, metres: str, move: str, weight: str = "") -> str:
    return f"{day},{move},1834.2,{metres},12,10,,,,,,,,,,,{steps},{weight},{weight},{weight},,3600000,"


def day_row(start: str, end: str, steps: str, metres: str, move: str, weight: str = "") -> str:
    return f"{start},{end},{move},45.1,{metres},1,1,,,,,,,{steps},{weight},{weight},{weight},900000"


def summary_csv(*rows: str) -> str:
    return "\n".join([SUMMARY_HEADER, *rows]) + "\n"


def day_csv(*rows: str) -> str:
    return "\n".join([DAY_HEADER, *rows]) + "\n"


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def read(path: Path, zone=STOCKHOLM):
    return read_all(READER, path, zone)


def test_the_daily_summary_alone(tmp_path):
    path = tmp_path / "upload"
    path.write_text(summary_csv(summary_row("2024-03-01", "8123", "6012.5", "47", "72.4"),
                                summary_row("2024-03-02", "", "", ""),   # a day without data: nothing
                                summary_row("2024-03-03", "10500", "7400", "61")), encoding="utf-8-sig")
    assert READER.sniff(*opening.head(path))
    values, skipped = read(path)
    assert not skipped
    assert values == {
        ("steps", date(2024, 3, 1)): DailyValue("steps", date(2024, 3, 1), 8123, "steps"),
        ("distance", date(2024, 3, 1)): DailyValue("distance", date(2024, 3, 1), 6.0125, "km"),
        ("exercise", date(2024, 3, 1)): DailyValue("exercise", date(2024, 3, 1), 47, "min"),
        ("weight", date(2024, 3, 1)): DailyValue("weight", date(2024, 3, 1), 72.4, "kg"),
        ("steps", date(2024, 3, 3)): DailyValue("steps", date(2024, 3, 3), 10500, "steps"),
        ("distance", date(2024, 3, 3)): DailyValue("distance", date(2024, 3, 3), 7.4, "km"),
        ("exercise", date(2024, 3, 3)): DailyValue("exercise", date(2024, 3, 3), 61, "min"),
    }


def test_bad_rows_are_skipped_by_line_and_never_guessed(tmp_path):
    path = tmp_path / "Daily activity metrics.csv"
    path.write_text(summary_csv(summary_row("03/01/2024", "8000", "1", "1"),
                                summary_row("2024-03-02", "lots", "1000", "5"),
                                summary_row("2024-03-03", "900", "100", "2"),
                                summary_row("2024-03-03", "901", "100", "2")))
    values, skipped = read(path)
    assert [(s.reason, s.where) for s in skipped] == [("no date", "line 2"), ("not a number", "line 3"),
                                                      ("a day given twice", "line 5")]
    assert values["distance", date(2024, 3, 2)].value == 1.0 and ("steps", date(2024, 3, 2)) not in values
    assert values["steps", date(2024, 3, 3)].value == 900


def test_the_takeout_zip_reads_the_summary_not_the_day_files_again(tmp_path):
    path = tmp_path / "takeout-20241201T101010Z-001.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Takeout/archive_browser.html", "<html></html>")
        z.writestr(FOLDER + "Daily activity metrics.csv", summary_csv(summary_row("2024-03-01", "8123", "6000", "47")))
        z.writestr(FOLDER + "2024-03-01.csv", day_csv(day_row("08:00:00.000+01:00", "08:15:00.000+01:00", "8123", "6000", "47")))
        z.writestr("Takeout/Fit/All Sessions/2024-03-01T08_00_00+01_00_WALKING.json", "{}")
    assert READER.sniff(*opening.head(path))
    values, _ = read(path)
    assert {k: v.value for k, v in values.items()} == {("steps", date(2024, 3, 1)): 8123,
                                                        ("distance", date(2024, 3, 1)): 6.0,
                                                        ("exercise", date(2024, 3, 1)): 47}


def test_day_files_are_summed_in_the_members_zone(tmp_path):
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(FOLDER + "2024-03-01.csv", day_csv(
            day_row("08:00:00.000+01:00", "08:15:00.000+01:00", "1000", "700", "10", "72.0"),
            day_row("08:15:00.000+01:00", "08:30:00.000+01:00", "500", "350.5", "5"),
            day_row("19:00:00.000+01:00", "19:15:00.000+01:00", "200", "", "", "71.5"),
            day_row("23:45:00.000+01:00", "00:00:00.000+01:00", "40", "", "")))
        z.writestr(FOLDER + "2024-03-02.csv", day_csv(
            day_row("00:00:00.000+01:00", "00:15:00.000+01:00", "60", "", "")))
    values, _ = read(path)
    assert values["steps", date(2024, 3, 1)].value == 1740
    assert values["distance", date(2024, 3, 1)].value == pytest.approx(1.0505)
    assert values["exercise", date(2024, 3, 1)].value == 15
    assert values["weight", date(2024, 3, 1)] == DailyValue("weight", date(2024, 3, 1), 71.5, "kg")
    assert values["steps", date(2024, 3, 2)].value == 60
    # in London (UTC+0 in March) 23:45+01:00 and 00:00+01:00 are 22:45 and 23:00 on March 1
    london, _ = read(path, ZoneInfo("Europe/London"))
    assert london["steps", date(2024, 3, 1)].value == 1800 and ("steps", date(2024, 3, 2)) not in london


def test_one_day_file_alone_is_refused_with_what_to_send(tmp_path):
    path = tmp_path / "2024-03-01.csv"
    path.write_text(day_csv(day_row("08:00:00.000+01:00", "08:15:00.000+01:00", "1000", "700", "10")))
    assert READER.sniff(*opening.head(path))
    with pytest.raises(FileRefused, match="Daily activity metrics.csv"):
        list(READER.read(path, ZoneInfo("UTC")))


def test_sniff_leaves_other_files(tmp_path):
    assert not READER.sniff(b"date,metric,value,unit\n2024-03-01,steps,5,\n", ())
    assert not READER.sniff(b'<?xml version="1.0"?><HealthData>', ())
    assert not READER.sniff(b"", ("apple_health_export/export.xml",))
