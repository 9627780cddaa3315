"""Sample charts: the README's gallery and the visual regression tests' reference images.

    python -m bot.charts.gallery tests/chart_references

writes one PNG per sample (and ``alt.txt``, each sample's alt text). The samples are drawn with the
font that ships with matplotlib only, so the images are the same on every machine; a name in a
script that font lacks shows the fallback glyph.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from bot.charts import fonts
from bot.charts.alt import alt_text
from bot.charts.render import render_png
from bot.charts.spec import CardSpec, ChartSeries, ChartSpec

REFERENCE_FONTS = ("DejaVu Sans",)
WEEK = ("2026-11-02", "2026-11-08")


def _days(values, last: date, skip=()) -> tuple[tuple[str, float], ...]:
    first = last - timedelta(days=len(values) - 1)
    return tuple(((first + timedelta(days=i)).isoformat(), float(v)) for i, v in enumerate(values) if i not in skip)


STEPS_30 = [8123, 9457, 6789, 10234, 7345, 8876, 5432, 9999, 11111, 7777, 8642, 9753, 6420, 8081, 7311,
            9187, 10422, 6903, 8555, 7204, 9648, 8317, 7766, 10090, 6151, 8888, 9321, 7432, 8010, 9120]
NOV_8, NOV_30 = date(2026, 11, 8), date(2026, 11, 30)


def samples() -> dict[str, ChartSpec | CardSpec]:
    week = lambda values, skip=(): _days(values, NOV_8, skip)   # noqa: E731
    relative_30 = tuple((d, 100 * v / 8300) for d, v in _days(STEPS_30, NOV_30, {4, 12}))
    return {
        "checkin": ChartSpec("Steps — week of Nov 2–Nov 8", "steps", "Europe/Berlin",
                             (ChartSeries("alice", week([8123, 9457, 6789, 10234, 7345, 8876, 5432])),
                              ChartSeries("bob", week([4012, 5230, 6120, 3980, 7002, 5521, 6010], {2})),
                              ChartSeries("cara", week([12010, 11020, 9870, 13200, 12500, 10100, 9980], {0, 6}))),
                             period=WEEK),
        "trend": ChartSpec("Steps — last 30 days (relative to own usual)", "%", "America/New_York",
                           (ChartSeries("alice", relative_30),), goal=100 * 9000 / 8300, relative=True,
                           period=(_days(STEPS_30, NOV_30)[0][0], NOV_30.isoformat())),
        "sleep": ChartSpec("Sleep — last 14 days", "h", "Europe/Berlin",
                           (ChartSeries("you", _days([7.25, 6.5, 7.75, 8.0, 6.0, 7.5, 7.0, 8.25, 6.75, 7.5, 7.0, 9.0,
                                                       7.25, 6.5], NOV_30, {3})),),
                           goal=8.0, usual=7.3, period=((NOV_30 - timedelta(days=13)).isoformat(), NOV_30.isoformat())),
        "six-digit": ChartSpec("Steps for the whole walking club's very long November charity challenge, "
                               "all members who joined, last 7 days", "steps", "Asia/Tokyo",
                               (ChartSeries("you", _days([98000, 120500, 187654, 154321, 110000, 199999, 143210],
                                                         NOV_30)),), goal=150000,
                               period=((NOV_30 - timedelta(days=6)).isoformat(), NOV_30.isoformat())),
        "names": ChartSpec("Mood — week of Nov 2 · 李小龍的跑步小組 🏃", "/10", "Asia/Shanghai",
                           (ChartSeries("张伟 Zhang Wei", week([6, 7, 7, 8, 6, 7, 8])),
                            ChartSeries("María José 🙂", week([5, 6, 6, 5, 7, 6, 6])),
                            ChartSeries("Bartholomew Featherstonehaugh-Smythe", week([8, 8, 7, 9, 8, 8, 9])),
                            ChartSeries("さくら🌸", week([4, 5, 5, 6, 5, 6, 7]))),
                           period=WEEK),
        "card": CardSpec("alice's week", "Europe/Berlin", WEEK, (
            ChartSpec("Steps", "steps", "Europe/Berlin", (ChartSeries("alice", week([8123, 9457, 6789, 10234, 7345,
                                                                                      8876, 5432])),),
                      goal=9000, usual=8250, period=WEEK),
            ChartSpec("Sleep", "h", "Europe/Berlin", (ChartSeries("alice", week([7.25, 6.5, 7.75, 8, 6, 7.5, 7], {4})),),
                      goal=8, usual=7.4, period=WEEK),
            ChartSpec("Weight (relative to own usual)", "%", "Europe/Berlin",
                      (ChartSeries("alice", week([100.5, 100, 99.5, 99.5, 99, 99, 98.5], {1, 3, 5})),),
                      relative=True, period=WEEK),
            ChartSpec("Mood", "/10", "Europe/Berlin", (ChartSeries("alice", week([6, 7, 7, 8, 6, 7, 8])),), usual=6.5,
                      period=WEEK),
        )),
    }


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written, alts = [], []
    with fonts.only(REFERENCE_FONTS):
        for name, spec in samples().items():
            path = folder / f"{name}.png"
            path.write_bytes(render_png(spec))
            written.append(path)
            alts.append(f"{name}: {alt_text(spec)}")
    (folder / "alt.txt").write_text("\n".join(alts) + "\n", encoding="utf-8")
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "tests/chart_references")
    for path in write(folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
