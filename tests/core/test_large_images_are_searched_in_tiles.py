"""Images over the detection budget are searched in tiles and once scaled down, and lose no text.

Text is planted all over a radiograph-sized frame, some of it across the edges between tiles;
the tiled search (a budget of 0.4 MP on a 1.5 MP frame) must paint what the whole-frame search
paints, and every line cut by a tile edge.
"""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

from radshare.core import tiles
from radshare.core.model import Identifiers
from tests.fixtures.dicom_factory import make_image
from tests.fixtures.textimages import coverage, make_background, painted_mask, plant_text

BUDGET = 400_000
SIDE = int(BUDGET**0.5)


def _frame(seed: int = 3) -> tuple[np.ndarray, list]:
    rng = random.Random(seed)
    img = make_background("gradient", (1000, 1500), rng).astype(np.float32)
    taken: list = []
    planted = []
    step = int(SIDE * (1 - tiles.OVERLAP))
    for x in (step - 40, 2 * step - 30):  # across tile edges
        box = _plant_at(img, rng, taken, x, 200 + len(planted) * 300)
        planted.append(box)
    for _ in range(10):
        found = plant_text(img, rng, taken, height=rng.randint(12, 20), low_contrast=False, vertical=False)
        if found is not None:
            planted.append(found.box)
    return np.clip(img, 0, 255).astype(np.uint8), planted


def _plant_at(img, rng, taken, x, y):
    """A line of text starting at (x, y): placed by hand so it crosses a tile edge."""
    import cv2

    canvas = np.zeros(img.shape[:2], np.uint8)
    cv2.putText(canvas, "PATIENT 4471093", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 255, 2)
    img[canvas > 0] = 250.0
    ys, xs = np.nonzero(canvas)
    box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    taken.append(box)
    return box


def _found(regions, shape, planted) -> list[bool]:
    mask = painted_mask(shape, regions, frame=0)
    return [coverage(mask, box) >= 0.8 for box in planted]


def test_a_large_dicom_frame_is_searched_in_tiles_and_loses_no_text():
    from radshare.core.redact import redact_dicom

    pixels, planted = _frame()
    ds = make_image(rows=pixels.shape[0], cols=pixels.shape[1], bits=8, modality="OT")
    ds.PixelData = pixels.tobytes()
    whole = redact_dicom(copy.deepcopy(ds), Identifiers(), mode="auto")  # paints its copy's pixels
    tiled = redact_dicom(copy.deepcopy(ds), Identifiers(), "auto", budget=BUDGET)
    assert tiled.detector.endswith("+tiles")
    by_whole, by_tiles = _found(whole.regions, pixels.shape, planted), _found(tiled.regions, pixels.shape, planted)
    assert by_tiles[:2] == [True, True], "a line across a tile edge was not painted whole"
    assert sum(by_tiles) >= sum(by_whole), (by_tiles, by_whole)


def test_a_large_photo_is_searched_in_tiles_and_loses_no_text():
    from radshare.core.redact import redact_photo

    grey, planted = _frame(seed=5)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    _, whole = redact_photo(rgb, Identifiers(), mode="auto")
    painted, tiled = tiles.redact_photo_within_budget(rgb, Identifiers(), "auto", budget=BUDGET)
    by_whole, by_tiles = _found(whole.regions, grey.shape, planted), _found(tiled.regions, grey.shape, planted)
    assert by_tiles[:2] == [True, True]
    assert sum(by_tiles) >= sum(by_whole), (by_tiles, by_whole)
    assert painted.shape == rgb.shape and not np.array_equal(painted, rgb)


@pytest.mark.parametrize("length, side, step", [(100, 774, 677), (774, 774, 677), (2000, 774, 677)])
def test_tiles_cover_every_pixel_and_end_at_the_edge(length, side, step):
    starts = tiles._starts(length, side, step)
    covered = np.zeros(length, bool)
    for start in starts:
        covered[start : start + side] = True
    assert covered.all() and starts[-1] + min(side, length) == length
