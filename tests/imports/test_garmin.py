"""The Garmin reader on Garmin Connect CSVs written here: the activities list and a daily summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.imports import opening
from bot.imports.formats.garmin import READER
from bot.imports.records import DailyValue, FileRefused
from tests.imports.reading import read_all

ZONE = ZoneInfo("Europe/Stockholm")
ACTIVITIES_HEADER = ("Activity Type,Date,Favorite,Title,Distance,Calories,Time,Avg HR,Max HR,Aerobic TE,"
                     "Avg Run Cadence,Max Run Cadence,Avg Pace,Best Pace,Total Ascent,Total Descent,Avg Stride Length,"
                     "Steps,Min Temp,Decompression,Best Lap Time,Number of Laps,Max Temp,Moving Time,Elapsed Time")


def activity(kind: str, when: str, distance: str, time: str, calories: str = "312") -> str:
    return (f'{kind},{when},false,"Stockholm {kind}",{distance},"{calories}",{time},142,171,3.1,162,180,5:41,4:50,'
            f'"1,024",98,1.05,"6,512",12.0,No,05:02.1,6,25.0,{time},{time}')


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "upload.csv"
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path):
    return read_all(READER, path, ZONE)


def test_activities_add_up_time_per_day_and_distance_only_with_a_unit(tmp_path):
    rows = [ACTIVITIES_HEADER.replace(",Distance,", ",Distance (km),"),
            activity("Running", "2024-03-01 07:12:34", "5.02", "00:28:15"),
            activity("Walking", "2024-03-01 18:00:00", "2.50", "00:31:45"),
            activity("Cycling", "2024-03-02 12:00:00", "20.1", "01:02:00"),
            activity("Strength Training", "2024-03-03 12:00:00", "--", "45:00")]
    path = write(tmp_path, "\n".join(rows) + "\n")
    assert READER.sniff(*opening.head(path))
    values, skipped = read(path)
    assert not skipped
    assert values == {
        ("exercise", date(2024, 3, 1)): DailyValue("exercise", date(2024, 3, 1), 60, "min"),
        ("distance", date(2024, 3, 1)): DailyValue("distance", date(2024, 3, 1), 7.52, "km"),
        ("exercise", date(2024, 3, 2)): DailyValue("exercise", date(2024, 3, 2), 62, "min"),
        ("distance", date(2024, 3, 2)): DailyValue("distance", date(2024, 3, 2), 20.1, "km"),
        ("exercise", date(2024, 3, 3)): DailyValue("exercise", date(2024, 3, 3), 45, "min"),
    }


def test_activities_without_a_distance_unit_skip_the_distance_not_the_time(tmp_path):
    path = write(tmp_path, "\n".join([ACTIVITIES_HEADER, activity("Running", "2024-03-01 07:12:34", "3.12", "00:28:15"),
                                      activity("Running", "bad date", "3.12", "00:28:15"),
                                      activity("Running", "2024-03-02 07:00:00", "5 mi", "about half an hour")]) + "\n")
    values, skipped = read(path)
    assert [(s.reason, s.where) for s in skipped] == [("a distance without its unit (km or mi)", "line 2"),
                                                      ("no date", "line 3"), ("not a duration", "line 4")]
    assert values == {("exercise", date(2024, 3, 1)): DailyValue("exercise", date(2024, 3, 1), 28.25, "min"),
                      ("distance", date(2024, 3, 2)): DailyValue("distance", date(2024, 3, 2), 5, "mi")}


def test_a_daily_summary(tmp_path):
    path = write(tmp_path, "Date,Steps,Resting Heart Rate,Sleep,Distance (mi),Weight,Intensity Minutes\n"
                           '2024-03-01,"12,408",54,7h 32m,5.9,165.4 lb,45\n'
                           "2024-03-02,9001,55,6:50,4.1,--,0\n"
                           "2024-03-03,--,--,--,--,--,--\n"
                           "2024-03-02,1,1,1h,1,,\n"
                           "2024-03-04,800,56,a long night,,75 stone,\n")
    assert READER.sniff(*opening.head(path))
    values, skipped = read(path)
    assert [(s.reason, s.where) for s in skipped] == [("a day given twice", "line 5"),
                                                      ("not a number or no unit", "line 6"),
                                                      ("not a number or no unit", "line 6")]
    got = {k: (v.value, v.unit) for k, v in values.items()}
    assert got == {
        ("steps", date(2024, 3, 1)): (12408, "steps"), ("rhr", date(2024, 3, 1)): (54, "bpm"),
        ("sleep", date(2024, 3, 1)): (pytest.approx(7 + 32 / 60), "h"), ("distance", date(2024, 3, 1)): (5.9, "mi"),
        ("weight", date(2024, 3, 1)): (165.4, "lb"), ("exercise", date(2024, 3, 1)): (45, "min"),
        ("steps", date(2024, 3, 2)): (9001, "steps"), ("rhr", date(2024, 3, 2)): (55, "bpm"),
        ("sleep", date(2024, 3, 2)): (pytest.approx(6 + 50 / 60), "h"), ("distance", date(2024, 3, 2)): (4.1, "mi"),
        ("exercise", date(2024, 3, 2)): (0, "min"),
        ("steps", date(2024, 3, 4)): (800, "steps"), ("rhr", date(2024, 3, 4)): (56, "bpm"),
    }


def test_sleep_as_a_number_needs_its_unit_in_the_header(tmp_path):
    values, skipped = read(write(tmp_path, "Date,Sleep (min)\n2024-03-01,450\n"))
    assert values["sleep", date(2024, 3, 1)].value == 7.5 and not skipped
    values, skipped = read(write(tmp_path, "Date,Sleep\n2024-03-01,450\n"))
    assert not values and len(skipped) == 1


def test_other_csv_is_not_garmins(tmp_path):
    assert not READER.sniff(b"date,metric,value,unit\n", ())
    assert not READER.sniff(b"Date,Move Minutes count,Step count\n", ())
    path = write(tmp_path, "name,colour\nsky,blue\n")
    with pytest.raises(FileRefused, match="not a Garmin Connect export"):
        list(READER.read(path, ZONE))
