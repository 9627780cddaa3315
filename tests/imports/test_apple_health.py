"""The Apple Health reader on exports written here from Apple's structure (tests/support/apple_export.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.imports import opening
from bot.imports.formats.apple_health import READER
from bot.imports.records import DailyValue, FileRefused
from tests.imports.reading import read_all
from tests.support.apple_export import FOOTER, HEADER, PHONE_DEVICE, WATCH_DEVICE, ZONE, record, write_export

ROOT = Path(__file__).resolve().parents[2]
STEPS = "HKQuantityTypeIdentifierStepCount"
WATCH, PHONE = "Alice’s Apple Watch", "Alice’s iPhone"


def export(tmp_path: Path, *records: str, zipped: bool = False) -> Path:
    xml = HEADER + "".join(records) + FOOTER
    if not zipped:
        path = tmp_path / "export.xml"
        path.write_text(xml, encoding="utf-8")
        return path
    path = tmp_path / "upload.bin"   # the name says nothing: the bytes do
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        z.writestr("apple_health_export/export.xml", xml)
        z.writestr("apple_health_export/workout-routes/route_2024-03-01_7.30am.gpx", "<gpx/>")
    return path


def read(path: Path, zone=ZONE):
    return read_all(READER, path, zone)


def steps(value: int, start: str, end: str, source: str = WATCH, device: str = WATCH_DEVICE) -> str:
    return record(STEPS, "count", str(value), source, device, start, end)


def test_sniff_by_content_and_member_names(tmp_path):
    plain = export(tmp_path)
    assert READER.sniff(*opening.head(plain))
    zipped = export(tmp_path, zipped=True)
    assert READER.sniff(*opening.head(zipped))
    assert not READER.sniff(b"Date,Steps\n2024-01-01,5\n", ())
    assert not READER.sniff(b"", ("Takeout/Fit/Daily activity metrics/Daily activity metrics.csv",))


def test_the_watch_wins_where_both_count_and_the_phone_counts_alone_elsewhere(tmp_path):
    path = export(tmp_path,
                  steps(500, "2024-03-01 09:00:00 +0100", "2024-03-01 09:10:00 +0100"),
                  steps(300, "2024-03-01 09:05:00 +0100", "2024-03-01 09:14:00 +0100"),
                  # the phone over the same quarter hour: dropped
                  steps(900, "2024-03-01 09:00:00 +0100", "2024-03-01 09:15:00 +0100", PHONE, PHONE_DEVICE),
                  # the phone alone, 18:00-18:30
                  steps(600, "2024-03-01 18:00:00 +0100", "2024-03-01 18:30:00 +0100", PHONE, PHONE_DEVICE),
                  # an app in the afternoon, the phone overlapping half of it: the phone's half only there
                  steps(1000, "2024-03-01 14:00:00 +0100", "2024-03-01 14:30:00 +0100", "Pedometer++", ""),
                  steps(400, "2024-03-01 14:15:00 +0100", "2024-03-01 14:30:00 +0100", PHONE, PHONE_DEVICE))
    values, skipped = read(path)
    assert not skipped
    assert values["steps", date(2024, 3, 1)] == DailyValue("steps", date(2024, 3, 1), 500 + 300 + 600 + 500 + 400, "steps")


def test_a_sample_across_midnight_is_split_by_time_and_days_are_the_members(tmp_path):
    path = export(tmp_path, steps(1200, "2024-03-01 23:30:00 +0100", "2024-03-02 00:30:00 +0100"),
                  steps(100, "2024-03-02 05:50:00 +0100", "2024-03-02 05:55:00 +0100"))
    values, _ = read(path)
    assert values["steps", date(2024, 3, 1)].value == 600
    assert values["steps", date(2024, 3, 2)].value == 700
    # in New York (UTC-5) all of it is still on March 1: 23:30 +01:00 is 17:30 there, 05:50 is 23:50
    values, _ = read(path, ZoneInfo("America/New_York"))
    assert {k: v.value for k, v in values.items()} == {("steps", date(2024, 3, 1)): 1300}


def test_distance_sums_in_the_unit_most_records_carry(tmp_path):
    distance = "HKQuantityTypeIdentifierDistanceWalkingRunning"
    path = export(tmp_path, record(distance, "mi", "1.5", WATCH, WATCH_DEVICE, "2024-03-01 08:00:00 +0100",
                                   "2024-03-01 08:30:00 +0100"),
                  record(distance, "mi", "1", WATCH, WATCH_DEVICE, "2024-03-02 08:00:00 +0100", "2024-03-02 08:10:00 +0100"),
                  record(distance, "km", "1.609344", WATCH, WATCH_DEVICE, "2024-03-02 09:00:00 +0100",
                         "2024-03-02 09:10:00 +0100"))
    values, _ = read(path)
    assert values["distance", date(2024, 3, 1)] == DailyValue("distance", date(2024, 3, 1), 1.5, "mi")
    assert values["distance", date(2024, 3, 2)].value == pytest.approx(2)


def test_sleep_counts_asleep_only_once_per_minute_on_the_day_the_night_ends(tmp_path):
    sleep = "HKCategoryTypeIdentifierSleepAnalysis"

    def stage(value: str, start: str, end: str, source: str = WATCH) -> str:
        return record(sleep, None, "HKCategoryValueSleepAnalysis" + value, source, "", start, end)

    path = export(tmp_path,
                  stage("InBed", "2024-03-01 22:30:00 +0100", "2024-03-02 07:30:00 +0100", PHONE),
                  stage("AsleepCore", "2024-03-01 23:00:00 +0100", "2024-03-02 01:00:00 +0100"),
                  stage("Awake", "2024-03-02 01:00:00 +0100", "2024-03-02 01:30:00 +0100"),
                  stage("AsleepDeep", "2024-03-02 01:30:00 +0100", "2024-03-02 03:00:00 +0100"),
                  stage("AsleepREM", "2024-03-02 03:00:00 +0100", "2024-03-02 06:30:00 +0100"),
                  # a sleep app saying the same early hours again: counted once
                  stage("Asleep", "2024-03-01 23:30:00 +0100", "2024-03-02 02:00:00 +0100", "AutoSleep"),
                  # an afternoon nap: its own sleep, on the same day as the night that ended that morning
                  stage("AsleepUnspecified", "2024-03-02 14:00:00 +0100", "2024-03-02 14:30:00 +0100"))
    values, skipped = read(path)
    assert not skipped
    assert values["sleep", date(2024, 3, 2)] == DailyValue("sleep", date(2024, 3, 2), 7.5 + 0.5, "h")
    assert ("sleep", date(2024, 3, 1)) not in values


def test_weight_is_the_days_last_in_its_own_unit_and_rhr_prefers_the_watch(tmp_path):
    weight, rhr = "HKQuantityTypeIdentifierBodyMass", "HKQuantityTypeIdentifierRestingHeartRate"
    path = export(tmp_path,
                  record(weight, "lb", "160.2", "Withings", "", "2024-03-01 21:00:00 +0100", "2024-03-01 21:00:00 +0100"),
                  record(weight, "lb", "161.0", "Withings", "", "2024-03-01 07:00:00 +0100", "2024-03-01 07:00:00 +0100"),
                  record(weight, "kg", "72.5", "Health", "", "2024-03-02 07:00:00 +0100", "2024-03-02 07:00:00 +0100"),
                  record(rhr, "count/min", "58", WATCH, WATCH_DEVICE, "2024-03-01 00:00:00 +0100", "2024-03-01 23:59:00 +0100"),
                  record(rhr, "count/min", "60", WATCH, WATCH_DEVICE, "2024-03-01 12:00:00 +0100", "2024-03-01 23:59:00 +0100"),
                  record(rhr, "count/min", "70", "Polar Flow", "", "2024-03-01 00:00:00 +0100", "2024-03-01 23:59:00 +0100"))
    values, _ = read(path)
    assert values["weight", date(2024, 3, 1)] == DailyValue("weight", date(2024, 3, 1), 160.2, "lb")
    assert values["weight", date(2024, 3, 2)] == DailyValue("weight", date(2024, 3, 2), 72.5, "kg")
    assert values["rhr", date(2024, 3, 1)] == DailyValue("rhr", date(2024, 3, 1), 59, "bpm")


def test_blood_pressure_pairs_by_correlation_and_takes_the_days_last(tmp_path):
    systolic, diastolic = "HKQuantityTypeIdentifierBloodPressureSystolic", "HKQuantityTypeIdentifierBloodPressureDiastolic"

    def reading(sys_: int, dia: int, at: str, top_level_too: bool = False) -> str:
        halves = (record(diastolic, "mmHg", str(dia), "Omron", "", at, at, indent="  ")
                  + record(systolic, "mmHg", str(sys_), "Omron", "", at, at, indent="  "))
        correlation = (f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" '
                       f'creationDate="{at}" startDate="{at}" endDate="{at}">\n{halves} </Correlation>\n')
        return (halves if top_level_too else "") + correlation

    path = export(tmp_path, reading(118, 76, "2024-03-01 20:00:00 +0100", top_level_too=True),
                  reading(131, 84, "2024-03-01 08:00:00 +0100"),
                  record(systolic, "mmHg", "125", "Omron", "", "2024-03-02 08:00:00 +0100", "2024-03-02 08:00:00 +0100"))
    values, skipped = read(path)
    assert values["bp", date(2024, 3, 1)] == DailyValue("bp", date(2024, 3, 1), 118, "mmHg", (118, 76))
    assert ("bp", date(2024, 3, 2)) not in values
    assert [s.reason for s in skipped] == ["a blood pressure reading without its other number"]


def test_malformed_records_are_skipped_by_number_and_other_types_ignored(tmp_path):
    at, later = "2024-03-01 09:00:00 +0100", "2024-03-01 09:05:00 +0100"
    path = export(tmp_path,
                  record("HKQuantityTypeIdentifierHeartRate", "count/min", "70", WATCH, WATCH_DEVICE, at, later),
                  record(STEPS, "count", "12", WATCH, WATCH_DEVICE, "yesterday", later),
                  record(STEPS, "count", "lots", WATCH, WATCH_DEVICE, at, later),
                  record(STEPS, "count", "nan", WATCH, WATCH_DEVICE, at, later),
                  record("HKQuantityTypeIdentifierBodyMass", "stone-ish", "11", "Health", "", at, at),
                  record(STEPS, "count", "70000", PHONE, PHONE_DEVICE, "2024-01-01 09:00:00 +0100", later),
                  record(STEPS, "count", "40", WATCH, WATCH_DEVICE, at, later))
    values, skipped = read(path)
    assert [(s.reason, s.where) for s in skipped] == [
        ("no date", "record 2"), ("not a number", "record 3"), ("not a number", "record 4"),
        ("unknown unit 'stone-ish'", "record 5"), ("a sample longer than a week", "record 6")]
    assert {k: v.value for k, v in values.items()} == {("steps", date(2024, 3, 1)): 40}


def test_exercise_minutes_come_from_the_daily_activity_summary(tmp_path):
    summary = (' <ActivitySummary dateComponents="{day}" activeEnergyBurned="512.3" activeEnergyBurnedGoal="600" '
               'activeEnergyBurnedUnit="kcal" appleMoveTime="0" appleMoveTimeGoal="0" appleExerciseTime="{minutes}" '
               'appleExerciseTimeGoal="30" appleStandHours="11" appleStandHoursGoal="12"/>\n')
    path = export(tmp_path, summary.format(day="2024-03-01", minutes="34"), summary.format(day="2024-03-02", minutes="0"),
                  summary.format(day="someday", minutes="5"),
                  ' <ActivitySummary dateComponents="2024-03-04" activeEnergyBurned="0"/>\n')
    values, skipped = read(path)
    assert {k: v.value for k, v in values.items()} == {("exercise", date(2024, 3, 1)): 34, ("exercise", date(2024, 3, 2)): 0}
    assert [(s.reason, s.where) for s in skipped] == [("no date", "activity summary 3")]


def test_a_utf16_export_is_decoded(tmp_path):
    xml = (HEADER + steps(250, "2024-03-01 09:00:00 +0100", "2024-03-01 09:10:00 +0100") + FOOTER)
    path = tmp_path / "export.xml"
    path.write_bytes(b"\xff\xfe" + xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"))
    values, _ = read(path)
    assert {k: v.value for k, v in values.items()} == {("steps", date(2024, 3, 1)): 250}


def test_memory_is_bounded_by_what_a_real_export_holds_not_by_the_file(tmp_path, monkeypatch):
    from bot.imports.formats import apple_health
    monkeypatch.setattr(apple_health, "MAX_SOURCE_DAYS", 10)
    day_after_day = [steps(5, f"2024-03-{d:02d} 09:00:00 +0100", f"2024-03-{d:02d} 09:05:00 +0100") for d in range(1, 12)]
    assert len(read(export(tmp_path, *day_after_day[:10]))[0]) == 10
    with pytest.raises(FileRefused, match="export a shorter period"):
        read(export(tmp_path, *day_after_day))
    far = steps(5, "0001-01-01 00:00:00 +0100", "0001-01-01 00:05:00 +0100")
    assert [s.reason for s in read(export(tmp_path, far))[1]] == ["no date"]


def test_a_zipped_export_reads_as_the_xml_does(tmp_path):
    sample = steps(250, "2024-03-01 09:00:00 +0100", "2024-03-01 09:10:00 +0100")
    assert read(export(tmp_path, sample, zipped=True)) == read(export(tmp_path, sample))


def test_a_synthetic_year_matches_what_was_written(tmp_path):
    path = tmp_path / "export.xml"
    expected = write_export(path, 2_000_000).expected
    values, skipped = read(path)
    assert not skipped
    found = {(m, d): v.value for (m, d), v in values.items()}
    wanted = {(m, d): v for d, figures in expected.items() for m, v in figures.items()}
    assert found.keys() == wanted.keys()
    for key, value in wanted.items():
        assert found[key] == pytest.approx(value), key


CHILD = """
import json, sys
from datetime import timezone, timedelta
from pathlib import Path
from bot.imports.formats.apple_health import READER
from bot.imports.records import Skipped
zone = timezone(timedelta(hours=1))
out = {"values": {}, "skipped": 0}
for item in READER.read(Path(sys.argv[1]), zone):
    if isinstance(item, Skipped):
        out["skipped"] += 1
    else:
        out["values"][item.metric + " " + item.day.isoformat()] = item.value
with open("/proc/self/status") as f:
    out["peak_mb"] = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_200_mb_export_streams_in_little_memory(tmp_path):
    path = tmp_path / "export.xml"
    expected = write_export(path, 200 * 1024 * 1024).expected
    assert path.stat().st_size >= 200 * 1024 * 1024
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, cwd=ROOT,
                          check=True, timeout=600)
    result = json.loads(done.stdout)
    assert result["peak_mb"] < 150, result["peak_mb"]
    assert result["skipped"] == 0
    found = result["values"]
    wanted = {f"{m} {d.isoformat()}": v for d, figures in expected.items() for m, v in figures.items()}
    assert found.keys() == wanted.keys()
    assert all(found[k] == pytest.approx(v) for k, v in wanted.items())
    assert len([k for k in found if k.startswith("steps ")]) == len(expected) - 1 > 2500   # eight years of days
    first = min(expected)
    assert found[f"steps {(first + timedelta(days=1)).isoformat()}"] == 72 * 101 + 1200
