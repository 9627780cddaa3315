"""Visual regression: each gallery sample drawn now against its committed reference PNG.

The references are made by ``python -m bot.charts.gallery tests/chart_references`` (the README's
gallery, too). After a deliberate change of look, run that command, look at the images, commit them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images

from bot.charts import fonts
from bot.charts.alt import alt_text
from bot.charts.gallery import REFERENCE_FONTS, samples
from bot.charts.render import render_png

REFERENCES = Path(__file__).parents[1] / "chart_references"
TOLERANCE = 0.5        # RMS over 0-255 levels: one moved dot is ~1.8; anti-aliasing jitter stays far below 0.5

SAMPLES = samples()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_matches_its_reference_image(name, tmp_path):
    expected = REFERENCES / f"{name}.png"
    assert expected.exists(), f"no reference for {name}: run python -m bot.charts.gallery tests/chart_references"
    with fonts.only(REFERENCE_FONTS):
        actual = tmp_path / f"{name}.png"
        actual.write_bytes(render_png(SAMPLES[name]))
    result = compare_images(str(expected), str(actual), tol=TOLERANCE, in_decorator=True)
    assert result is None, result


def test_the_comparison_notices_a_changed_picture(tmp_path):
    """The visual tests can fail: a chart with one value changed is told apart from its reference."""
    import dataclasses
    spec = SAMPLES["six-digit"]
    series = spec.series[0]
    changed = dataclasses.replace(spec, series=(dataclasses.replace(series, points=series.points[:-1] + (
        (series.points[-1][0], 60000.0),)),))
    with fonts.only(REFERENCE_FONTS):
        actual = tmp_path / "changed.png"
        actual.write_bytes(render_png(changed))
    assert compare_images(str(REFERENCES / "six-digit.png"), str(actual), tol=TOLERANCE, in_decorator=True) is not None


def test_reference_images_stay_small():
    total = sum(p.stat().st_size for p in REFERENCES.glob("*.png"))
    assert total < 1_000_000, total


def test_gallery_alt_texts_are_current():
    with fonts.only(REFERENCE_FONTS):
        expected = [f"{name}: {alt_text(spec)}" for name, spec in SAMPLES.items()]
    assert (REFERENCES / "alt.txt").read_text(encoding="utf-8").splitlines() == expected
