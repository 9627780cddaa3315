"""Reading an Apple Health export (part of `python -m bench`, or alone with `--import-only`).

A synthetic ``export.xml`` of ``size_mb`` (tests/support/apple_export.py: Apple's structure, a watch
and a phone counting the same hours, sleep stages, weights, blood pressure) is written to a scratch
directory, then read by the Apple reader in a process of its own, so its peak resident memory
(VmHWM) is the reader's alone. The figures: records per second, MB per second, peak RSS (target
< 150 MB: the export is streamed, never held), and whether every day's figures came out as written.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.support.apple_export import ZONE, write_export

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
from datetime import timedelta, timezone
from pathlib import Path
from bot.imports.formats.apple_health import READER
from bot.imports.records import Skipped
t0 = time.perf_counter()
values, skipped = {}, 0
for item in READER.read(Path(sys.argv[1]), timezone(timedelta(hours=1))):
    if isinstance(item, Skipped):
        skipped += 1
    else:
        values[item.metric + " " + item.day.isoformat()] = item.value
seconds = time.perf_counter() - t0
with open("/proc/self/status") as f:
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "skipped": skipped, "values": values}))
"""


def bench_apple_import(tmp: Path, size_mb: int) -> dict:
    path = tmp / "export.xml"
    t0 = time.perf_counter()
    written = write_export(path, size_mb * 1024 * 1024)
    write_s = time.perf_counter() - t0
    assert ZONE.utcoffset(None).total_seconds() == 3600   # the child reads in the zone the export was written in
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(done.stdout)
    wanted = {f"{m} {d.isoformat()}": v for d, figures in written.expected.items() for m, v in figures.items()}
    found = result["values"]
    correct = found.keys() == wanted.keys() and all(abs(found[k] - v) < 1e-6 for k, v in wanted.items())
    path.unlink()
    return {"size_mb": written.size / 1024 / 1024, "records": written.records, "days": len(written.expected),
            "write_s": write_s, "read_s": result["seconds"], "records_per_s": written.records / result["seconds"],
            "mb_per_s": written.size / 1024 / 1024 / result["seconds"], "peak_mb": result["peak_mb"],
            "skipped": result["skipped"], "correct": correct}


def import_rows(r: dict, row) -> list[str]:
    return [
        row(f"Apple Health export read ({r['size_mb']:.0f} MB, {r['records']:,} records, {r['days']:,} days)",
            f"{r['records_per_s']:,.0f} records/s ({r['mb_per_s']:.1f} MB/s, {r['read_s']:.1f} s)", "", None),
        row("peak resident memory reading it (a process of its own)", f"{r['peak_mb']:.0f} MB", "< 150 MB",
            r["peak_mb"] < 150),
        row("every day's figures as written (watch preferred over phone, sleep stages, pairs)",
            "yes" if r["correct"] else "NO", "yes", r["correct"]),
    ]
