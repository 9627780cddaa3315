"""Each format's file is claimed by its own reader only (the pipeline picks a reader by sniffing)."""

from __future__ import annotations

import json
import zipfile

import pytest

from bot.imports import opening
from bot.imports.formats import apple_health, fitbit, garmin, google_fit
from tests.imports.test_fitbit import account, minutes
from tests.imports.test_garmin import ACTIVITIES_HEADER, activity
from tests.imports.test_google_fit import FOLDER, day_csv, day_row, summary_csv, summary_row
from tests.support.apple_export import FOOTER, HEADER

READERS = {"apple": apple_health.READER, "google": google_fit.READER, "fitbit": fitbit.READER, "garmin": garmin.READER}


def samples(tmp_path):
    def text(name: str, content: str):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return path

    takeout = tmp_path / "takeout.zip"
    with zipfile.ZipFile(takeout, "w") as z:
        z.writestr(FOLDER + "2024-03-01.csv", day_csv(day_row("08:00:00.000+01:00", "08:15:00.000+01:00", "1", "1", "1")))
    apple_zip = tmp_path / "apple.zip"
    with zipfile.ZipFile(apple_zip, "w") as z:
        z.writestr("apple_health_export/export.xml", HEADER + FOOTER)
    return {
        "apple": [text("a.xml", HEADER + FOOTER), apple_zip],
        "google": [text("g.csv", summary_csv(summary_row("2024-03-01", "1", "1", "1"))), takeout],
        "fitbit": [account(tmp_path), text("f.json", json.dumps(minutes("03/01/24", 8, [1]), indent=2))],
        "garmin": [text("activities.csv", ACTIVITIES_HEADER + "\n" + activity("Running", "2024-03-01 07:00:00", "1", "1:00") + "\n"),
                   text("daily.csv", "Date,Steps,Resting Heart Rate,Sleep\n2024-03-01,1,50,7:00\n")],
        None: [text("plain.csv", "date,metric,value,unit\n2024-03-01,steps,8000,\n"),
               text("route.gpx", '<?xml version="1.0"?>\n<gpx version="1.1" creator="Apple Health Export"></gpx>\n')],
    }


@pytest.mark.parametrize("owner", ["apple", "google", "fitbit", "garmin", None])
def test_only_the_owner_claims_its_files(tmp_path, owner):
    for path in samples(tmp_path)[owner]:
        claimed = {name for name, reader in READERS.items() if reader.sniff(*opening.head(path))}
        assert claimed == ({owner} if owner else set()), (path.name, claimed)
