"""The series path (redact.series): text detected once per layout, every later frame verified.

What it must never do is let a frame go unchecked: text that appears on one slice only, moves
from slice to slice, or changes (a cine's timer) is painted on exactly the frames it is on, as
full detection on every frame would.
"""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core.redact import series
from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import current
from tests.fixtures.seriesimages import ct_series, us_cine
from tests.fixtures.textimages import coverage, painted_mask

ONE_SLICE = {  # (text, glyph height, x, y): over the body, and on the padding outside the field of view
    9: [("SMITH JOHN", 12, 200, 250)],
    11: [("ACC 99", 10, 60, 470)],
}


def _misses(images, per_frame) -> list[tuple[str, int]]:
    """(text, frame) of every planted string less than 90% painted on a frame it is on."""
    misses = []
    for planted in images.planted:
        for index in planted.frames:
            mask = painted_mask(images.frames.shape[1:], per_frame[index])
            if coverage(mask, planted.box) < 0.9:
                misses.append((planted.text, index))
    return misses


def test_text_on_one_slice_only_is_caught_on_that_slice():
    images = ct_series(14, seed=3, extra=ONE_SLICE)
    stats = series.Stats()
    found = series.detect_series(images.frames, stats=stats)
    assert _misses(images, found) == []
    assert stats.full == current().series.layout_frames  # verified, not detected in full, on every other slice


def test_text_that_moves_is_caught_on_every_slice():
    moving = {i: [("MOVING 42", 11, 150 + 8 * i, 300 - 5 * i)] for i in range(4, 12)}
    images = ct_series(12, seed=5, extra=moving)
    assert _misses(images, series.detect_series(images.frames)) == []


def test_a_cine_timer_is_caught_on_every_frame():
    images = us_cine(60, seed=2)  # the timer changes at frames 25 and 50
    stats = series.Stats()
    assert _misses(images, series.detect_series(images.frames, stats=stats)) == []
    assert stats.bands >= 2 and stats.full == current().series.layout_frames


def test_the_series_path_finds_what_detection_on_every_frame_finds():
    images = ct_series(10, seed=11, extra=ONE_SLICE | {4: [("NEW LABEL", 14, 300, 180)]})
    every = [detect_text(frame) for frame in images.frames]
    assert _misses(images, every) == []  # the yardstick itself
    assert _misses(images, series.detect_series(images.frames)) == []


def test_verification_switched_off_misses_the_new_text(monkeypatch):
    """The guard: without the stroke check, text over the anatomy on one slice goes unpainted."""
    monkeypatch.setattr(series, "_spread", np.zeros_like)
    images = ct_series(12, seed=3, extra=ONE_SLICE)
    assert ("SMITH JOHN", 9) in _misses(images, series.detect_series(images.frames))


def test_a_frame_of_another_size_starts_a_new_layout():
    big = ct_series(3, seed=1).frames
    small = big[:, 128:384, 128:384].copy()
    stats = series.Stats()
    found = series.detect_series([big[0], big[1], small[0], small[1], big[2]], stats=stats)
    assert len(found) == 5 and stats.full == 5


@pytest.mark.parametrize("mode", ["off", "templates-only"])
def test_modes_without_detection_detect_nothing(mode):
    frames = ct_series(2, seed=1).frames
    assert all(r.source == "template" for regions in series.detect_series(frames, mode=mode) for r in regions)


def test_regions_on_every_frame_become_one_region():
    from radshare.core.model import TextRegion

    a, b = TextRegion(1, 2, 3, 4, source="detector"), TextRegion(9, 9, 5, 5, source="detector")
    merged = series.per_frame_regions([[a], [a, b], [a]])
    assert [(r.x, r.frame) for r in merged] == [(1, None), (9, 1)]


def test_colour_text_on_one_frame_of_a_colour_cine_is_caught():
    from tests.fixtures.seriesimages import draw

    images = us_cine(8, seed=4, timer=False)
    rgb = np.repeat(images.frames[..., None], 3, axis=3)
    red = rgb[5, :, :, 0].copy()
    box = draw(red, "DOE JANE", 14, 250, 300, 255)  # in red, over the sector
    rgb[5, :, :, 0] = red
    found = series.detect_series(rgb)
    assert coverage(painted_mask(rgb.shape[1:3], found[5]), box) >= 0.9


def test_text_found_beside_the_flagged_cells_is_painted_and_looked_for_again_while_it_stays(monkeypatch):
    """A band can find text where no check failed: it is painted on that frame, and the reference
    keeps the old pixels there, so on the next frames the text shows as new again."""
    monkeypatch.setattr(series, "_touches", lambda box, cells: False)  # every band box counts as found beside
    stays = {i: [("NEW LABEL", 14, 300, 180)] for i in range(4, 9)}
    images = ct_series(9, seed=6, extra=stays)
    assert _misses(images, series.detect_series(images.frames)) == []
