"""Rulers are not painted as text: DB and the line-of-glyphs tests take a ruler's ticks for glyphs,
so found boxes that hold a ruler and nothing else (one bar along the box, thin ticks standing on
it) are dropped; text beside a ruler, and text lines themselves, are kept."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from radshare.core.redact import classical, detect_text
from radshare.core.redact.settings import overridden
from tests.fixtures.textimages import coverage, draw_ruler, make_background, make_sample, painted_mask, plant_text

# benchmark frames (seeds 7 and 13) with a ruler that the detectors painted as text
PAINTED_RULERS = [
    (7 * 100003 + 0, (175, 66, 111, 9)),
    (7 * 100003 + 3, (29, 270, 67, 9)),
    (7 * 100003 + 13, (372, 206, 102, 9)),
    (13 * 100003 + 2, (280, 338, 90, 9)),
    (13 * 100003 + 12, (372, 146, 105, 9)),
    (13 * 100003 + 39, (353, 106, 76, 9)),
]


@pytest.mark.parametrize("seed,ruler", PAINTED_RULERS)
def test_ruler_is_not_painted(seed, ruler):
    sample = make_sample(seed)
    assert ruler in sample.marks
    with overridden(passes={"ruler_veto": False, "verify": False}):  # the anatomy checks now drop some rulers as well
        before = painted_mask(sample.image.shape, detect_text(sample.image))
    assert coverage(before, ruler) >= 0.5
    after = painted_mask(sample.image.shape, detect_text(sample.image))
    assert coverage(after, ruler) < 0.5
    # and every planted string of the frame painted before is painted still
    assert all(coverage(after, t.box) >= 0.9 for t in sample.texts if coverage(before, t.box) >= 0.9)


def _ruler(grey: np.ndarray, x: int, y: int, length: int, step: int, upright: bool, value: int = 255) -> tuple:
    canvas = np.zeros(grey.shape, np.uint8)
    draw_ruler(canvas, x, y, length, step, upright)
    grey[canvas > 0] = value
    ys, xs = np.nonzero(canvas)
    return (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))


@pytest.mark.parametrize("background", ["us", "cr", "ct"])
@pytest.mark.parametrize("upright", [False, True])
def test_a_ruler_alone_is_a_ruler(background, upright):
    rng = random.Random(3)
    grey = np.clip(np.rint(make_background(background, (512, 512), rng)), 0, 255).astype(np.uint8)
    x, y, w, h = _ruler(grey, 150, 200, 100, 7, upright)
    diff, sigma = classical.background_and_noise(grey)
    assert classical.is_ruler(diff, sigma, (x - 3, y - 3, w + 6, h + 6))


@pytest.mark.parametrize("background", ["us", "cr", "ct"])
def test_text_and_text_beside_a_ruler_are_not_rulers(background):
    rng = random.Random(5)
    img = make_background(background, (512, 512), rng)
    taken: list = []
    texts = [plant_text(img, rng, taken, text=s, height=h, low_contrast=False, vertical=False)
             for s, h in (("WL 40 WW 400", 12), ("DOE^JANE", 20), ("16/04/1961", 9))]
    grey = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    diff, sigma = classical.background_and_noise(grey)
    for t in texts:
        x, y, w, h = t.box
        assert not classical.is_ruler(diff, sigma, (x - 3, y - 3, w + 6, h + 6)), t.text
    # a label written just above a ruler, one box holding both: not a ruler alone
    x, y, w, h = texts[0].box
    rx, ry, rw, rh = _ruler(grey, x, y + h + 12, w, 6, False)
    diff, sigma = classical.background_and_noise(grey)
    both = (min(x, rx) - 3, y - 3, max(x + w, rx + rw) - min(x, rx) + 6, ry + rh - y + 6)
    assert not classical.is_ruler(diff, sigma, both)
    # and the label is painted
    assert coverage(painted_mask(grey.shape, detect_text(grey)), texts[0].box) >= 0.9


def test_a_bare_line_is_not_a_ruler():
    grey = np.full((200, 300), 40, np.uint8)
    cv2.line(grey, (20, 100), (250, 100), 255, 1)
    diff, sigma = classical.background_and_noise(grey)
    assert not classical.is_ruler(diff, sigma, (17, 97, 236, 7))
