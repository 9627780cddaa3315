"""The Fitbit reader on an account export written here from Fitbit's file structure."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.imports import opening
from bot.imports.formats.fitbit import READER
from bot.imports.records import DailyValue, FileRefused
from tests.imports.reading import read_all

ROOT = "MyFitbitData/AliceA/"
PROFILE = ("id,full_name,first_name,last_name,display_name_setting,display_name,username,email_address,date_of_birth,"
           "child,country,state,city,about_me,start_of_week,sleep_tracking,time_display_format,gender,height,weight,"
           "stride_length_walk,stride_length_run,weight_unit,distance_unit,height_unit,water_unit,glucose_unit,swim_unit\n"
           "7ABCDE,Alice A,Alice,A,name,Alice A.,null,null,1980-01-01,false,SE,null,null,null,MONDAY,Normal,24hour,FEMALE,"
           "170.0,72.0,70.0,90.0,{weight_unit},METRIC,METRIC,ML,MMOL_L,METRIC\n")
ZONE = ZoneInfo("Europe/Stockholm")


def minutes(day: str, hour: int, values: list[int]) -> list[dict]:
    return [{"dateTime": f"{day} {hour:02d}:{m:02d}:00", "value": str(v)} for m, v in enumerate(values)]


def sleep_log(log: int, day: str, asleep: int, main: bool = True) -> dict:
    return {"logId": log, "dateOfSleep": day, "startTime": f"{day}T00:10:00.000", "endTime": f"{day}T07:40:00.000",
            "duration": 27_000_000, "minutesToFallAsleep": 0, "minutesAsleep": asleep, "minutesAwake": 40,
            "minutesAfterWakeup": 0, "timeInBed": 450, "efficiency": 92, "type": "stages", "infoCode": 0,
            "levels": {"summary": {"deep": {"count": 4, "minutes": 80}}, "data": [], "shortData": []},
            "mainSleep": main}


def weight_log(log: int, day: str, time: str, weight: float) -> dict:
    return {"logId": log, "weight": weight, "bmi": 24.9, "date": day, "time": time, "source": "Aria"}


def account(tmp_path: Path, weight_unit: str | None = "METRIC", extra: dict | None = None) -> Path:
    files = {
        "Physical Activity/steps-2024-03-01.json": minutes("03/01/24", 8, [10, 20, 0, 5]) + minutes("03/02/24", 9, [7, 7]),
        "Physical Activity/resting_heart_rate-2024-03-01.json": [
            {"dateTime": "03/01/24 00:00:00", "value": {"date": "03/01/24", "value": 57.43, "error": 6.8}},
            {"dateTime": "03/02/24 00:00:00", "value": {"date": "03/02/24", "value": 0.0, "error": 0.0}}],
        "Sleep/sleep-2024-02-25.json": [sleep_log(1, "2024-03-01", 410), sleep_log(2, "2024-03-01", 30, main=False)],
        # the next month's file holds log 2 again (exports overlap at month ends): counted once
        "Sleep/sleep-2024-03-26.json": [sleep_log(2, "2024-03-01", 30, main=False), sleep_log(3, "2024-03-02", 400)],
        "Personal & Account/weight-2024-03-01.json": [weight_log(11, "03/01/24", "07:10:00", 160.5),
                                                      weight_log(12, "03/01/24", "21:40:00", 161.2)],
        **(extra or {}),
    }
    path = tmp_path / "MyFitbitData.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(ROOT + name, content if isinstance(content, str) else json.dumps(content, indent=2))
        if weight_unit is not None:
            z.writestr(ROOT + "Personal & Account/Profile.csv", PROFILE.format(weight_unit=weight_unit))
        z.writestr(ROOT + "Personal & Account/Devices.csv", "battery,lastSyncTime\n")
    return path


def read(path: Path):
    return read_all(READER, path, ZONE)


def test_an_account_export(tmp_path):
    path = account(tmp_path, "POUND")
    assert READER.sniff(*opening.head(path))
    values, skipped = read(path)
    assert not skipped
    assert values == {
        ("steps", date(2024, 3, 1)): DailyValue("steps", date(2024, 3, 1), 35, "steps"),
        ("steps", date(2024, 3, 2)): DailyValue("steps", date(2024, 3, 2), 14, "steps"),
        ("sleep", date(2024, 3, 1)): DailyValue("sleep", date(2024, 3, 1), pytest.approx(440 / 60), "h"),
        ("sleep", date(2024, 3, 2)): DailyValue("sleep", date(2024, 3, 2), pytest.approx(400 / 60), "h"),
        ("rhr", date(2024, 3, 1)): DailyValue("rhr", date(2024, 3, 1), 57.43, "bpm"),
        ("weight", date(2024, 3, 1)): DailyValue("weight", date(2024, 3, 1), 161.2, "lb"),
    }


def test_the_weight_unit_comes_from_the_profile_or_weights_are_skipped(tmp_path):
    metric, _ = read(account(tmp_path, "METRIC"))
    assert metric["weight", date(2024, 3, 1)].unit == "kg"
    values, skipped = read(account(tmp_path, None))
    assert ("weight", date(2024, 3, 1)) not in values
    assert [s.where for s in skipped] == ["weight-2024-03-01.json, entry 1", "weight-2024-03-01.json, entry 2"]
    assert all("unit" in s.reason for s in skipped)
    stone, skipped = read(account(tmp_path, "STONE"))
    assert ("weight", date(2024, 3, 1)) not in stone and len(skipped) == 2


def test_a_day_in_two_steps_files_is_counted_once(tmp_path):
    values, _ = read(account(tmp_path, extra={
        "Physical Activity/steps-2024-03-02.json": minutes("03/02/24", 9, [7, 7]) + minutes("03/03/24", 6, [3])}))
    assert values["steps", date(2024, 3, 2)].value == 14
    assert values["steps", date(2024, 3, 3)].value == 3


def test_bad_entries_and_files_are_skipped_not_guessed(tmp_path):
    values, skipped = read(account(tmp_path, extra={
        "Physical Activity/steps-2024-04-01.json": [{"dateTime": "yesterday", "value": "5"},
                                                    {"dateTime": "04/01/24 10:00:00", "value": "many"},
                                                    {"dateTime": "04/01/24 10:01:00", "value": "9"}],
        "Sleep/sleep-2024-04-01.json": "[{\"dateOfSleep\": ",
        # cut off after a whole entry: half a file is not a day's steps, so none of it counts
        "Physical Activity/steps-2024-04-02.json": '[{"dateTime": "04/02/24 10:00:00", "value": "5"}, {"dateTi',
    }))
    assert [(s.reason, s.where) for s in skipped] == [
        ("a file that is not a JSON list", "sleep-2024-04-01.json"),
        ("no date", "steps-2024-04-01.json, entry 1"), ("not a number", "steps-2024-04-01.json, entry 2"),
        ("a file that is not a JSON list", "steps-2024-04-02.json")]
    assert values["steps", date(2024, 4, 1)].value == 9 and ("steps", date(2024, 4, 2)) not in values


@pytest.mark.parametrize("content, metric, value", [
    (minutes("03/01/24", 8, [10, 20]), "steps", 30),
    ([sleep_log(1, "2024-03-01", 420)], "sleep", 7.0),
    ([{"dateTime": "03/01/24 00:00:00", "value": {"date": "03/01/24", "value": 61, "error": 5}}], "rhr", 61),
])
def test_one_file_alone(tmp_path, content, metric, value):
    path = tmp_path / "upload"
    path.write_text(json.dumps(content, indent=2))
    assert READER.sniff(*opening.head(path))
    values, skipped = read(path)
    assert not skipped and {k: v.value for k, v in values.items()} == {(metric, date(2024, 3, 1)): value}


def test_json_that_is_not_fitbits_is_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_text(json.dumps({"dateTime": "03/01/24"}))
    with pytest.raises(FileRefused, match="not one I read"):
        list(READER.read(path, ZONE))
    deep = tmp_path / "deep"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FileRefused, match="not one I read"):
        list(READER.read(deep, ZONE))
