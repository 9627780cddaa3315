"""A synthetic Apple Health ``export.xml`` of any size, written as a stream, with the daily figures a
correct reader must find (for the slow streaming test and ``python -m bench --import``).

The structure is Apple's (HealthKit Export Version 14: the DOCTYPE with its element and attribute
declarations, ``ExportDate``, ``Me``, then ``Record`` elements with metadata entries, and blood
pressure ``Correlation`` elements). Each day, in the zone UTC+01:00:

* an Apple Watch counts steps every 10 minutes from 08:00 to 20:00 (72 samples, ``100 + day % 7``
  each) and distance with each sample (0.07 km);
* the iPhone counts the same hours in 30-minute samples (``250`` each: dropped, the watch wins those
  slices) and 20:00-22:00 alone (4 samples of ``300``: counted);
* sleep from 23:00 to 07:00 the next morning as core/deep/REM stages with a 15-minute awake gap
  (7.75 h asleep), plus the same night from the phone as ``InBed`` (not sleep);
* a weight at 07:30 (kg) and a resting heart rate; a blood pressure reading every seventh day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

ZONE = timezone(timedelta(hours=1))
START = date(2014, 1, 1)
WATCH_DEVICE = ("&lt;&lt;HKDevice: 0x283c1c0a0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
                "hardware:Watch6,2, software:9.1&gt;&gt;")
PHONE_DEVICE = ("&lt;&lt;HKDevice: 0x283c1c1e0&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
                "hardware:iPhone14,5, software:16.1&gt;&gt;")

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type CDATA #REQUIRED
  unit CDATA #IMPLIED
  value CDATA #IMPLIED
  sourceName CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device CDATA #IMPLIED
  creationDate CDATA #IMPLIED
  startDate CDATA #REQUIRED
  endDate CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type CDATA #REQUIRED
  sourceName CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device CDATA #IMPLIED
  creationDate CDATA #IMPLIED
  startDate CDATA #REQUIRED
  endDate CDATA #REQUIRED
>
]>
<HealthData locale="en_SE">
 <ExportDate value="2026-12-01 10:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1980-01-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""
FOOTER = "</HealthData>\n"


def stamp(day: date, minutes: int) -> str:
    """Apple's date form, ``2024-03-01 07:30:00 +0100``, ``minutes`` after the day's midnight (UTC+1)."""
    moment = datetime(day.year, day.month, day.day, tzinfo=ZONE) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


def record(kind: str, unit: str | None, value: str, source: str, device: str, start: str, end: str,
           meta: bool = False, indent: str = " ") -> str:
    unit_attr = f' unit="{unit}"' if unit is not None else ""
    head = (f'{indent}<Record type="{kind}" sourceName="{source}" sourceVersion="9.1" device="{device}"{unit_attr} '
            f'creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}"')
    if not meta:
        return head + "/>\n"
    return (head + ">\n" + f'{indent} <MetadataEntry key="HKTimeZone" value="Europe/Stockholm"/>\n'
            + f"{indent}</Record>\n")


def day_records(day: date, n: int) -> tuple[str, dict[str, float]]:
    """One day's records and what they add to that day's figures."""
    out: list[str] = []
    watch, phone = "Alice’s Apple Watch", "Alice’s iPhone"
    per = 100 + n % 7
    for k in range(72):
        a, b = stamp(day, 480 + 10 * k), stamp(day, 480 + 10 * k + 9)
        out.append(record("HKQuantityTypeIdentifierStepCount", "count", str(per), watch, WATCH_DEVICE, a, b, meta=k % 12 == 0))
        out.append(record("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", "0.07", watch, WATCH_DEVICE, a, b))
    for k in range(24):
        out.append(record("HKQuantityTypeIdentifierStepCount", "count", "250", phone, PHONE_DEVICE,
                          stamp(day, 480 + 30 * k), stamp(day, 480 + 30 * k + 30)))
    for k in range(4):
        out.append(record("HKQuantityTypeIdentifierStepCount", "count", "300", phone, PHONE_DEVICE,
                          stamp(day, 1200 + 30 * k), stamp(day, 1200 + 30 * k + 30)))
    # the night starting at 23:00 this day, ending 07:00 the next: 8 h with a 15-minute awake gap
    stages = [("AsleepCore", 0, 120), ("AsleepDeep", 120, 200), ("Awake", 200, 215), ("AsleepREM", 215, 300),
              ("AsleepCore", 300, 480)]
    for value, a, b in stages:
        out.append(record("HKCategoryTypeIdentifierSleepAnalysis", None, "HKCategoryValueSleepAnalysis" + value, watch,
                          WATCH_DEVICE, stamp(day, 1380 + a), stamp(day, 1380 + b)))
    out.append(record("HKCategoryTypeIdentifierSleepAnalysis", None, "HKCategoryValueSleepAnalysisInBed", phone,
                      PHONE_DEVICE, stamp(day, 1370), stamp(day, 1870)))
    weight = 70 + (n % 10) / 10
    out.append(record("HKQuantityTypeIdentifierBodyMass", "kg", f"{weight:.1f}", "Withings", "", stamp(day, 450),
                      stamp(day, 450)))
    out.append(record("HKQuantityTypeIdentifierRestingHeartRate", "count/min", str(55 + n % 5), watch, WATCH_DEVICE,
                      stamp(day, 0), stamp(day, 1439)))
    figures = {"steps": 72 * per + 4 * 300, "distance": 72 * 0.07, "weight": weight, "rhr": 55 + n % 5,
               "sleep_next_day": 7.75}
    if n % 7 == 0:
        a = stamp(day, 540)
        out.append(f' <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" '
                   f'creationDate="{a}" startDate="{a}" endDate="{a}">\n')
        out.append(record("HKQuantityTypeIdentifierBloodPressureDiastolic", "mmHg", "80", "Omron", "", a, a, indent="  "))
        out.append(record("HKQuantityTypeIdentifierBloodPressureSystolic", "mmHg", "121", "Omron", "", a, a, indent="  "))
        out.append(" </Correlation>\n")
        figures["bp"] = 121
    return "".join(out), figures


@dataclass
class Written:
    """What :func:`write_export` wrote: each day's expected figures (days in UTC+1), records, bytes."""

    expected: dict[date, dict[str, float]] = field(default_factory=dict)
    records: int = 0
    size: int = 0


def write_export(path, target_bytes: int) -> Written:
    """Write days until the file holds ``target_bytes``, a day at a time (never more than a day in memory)."""
    out = Written()
    with open(path, "w", encoding="utf-8") as f:
        out.size += f.write(HEADER)
        n = 0
        while out.size < target_bytes:
            day = START + timedelta(days=n)
            text, figures = day_records(day, n)
            out.size += len(text.encode("utf-8"))
            out.records += text.count("<Record ")
            f.write(text)
            out.expected.setdefault(day + timedelta(days=1), {})["sleep"] = figures.pop("sleep_next_day")
            out.expected.setdefault(day, {}).update(figures)
            n += 1
        out.size += f.write(FOOTER)
    return out
