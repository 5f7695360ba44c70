"""Lines that cross a change of ground (an ultrasound sector edge, a vessel, bone) are found in
pieces, since their ink is brighter than one part of the ground and darker than, or lost in,
another; growth over the line's own flat ink value paints them whole. Speckle, rulers and
markings beside a line do not share that value in a bounded band, and are not taken in."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from radshare.core.redact import classical, detect_text, lines
from radshare.core.redact.settings import overridden
from tests.fixtures.textimages import detected_coverage, coverage, jpeg_copy, make_background, make_sample, painted_mask, plant_text


# benchmark frames (seeds 11, 13 and 21) whose faint line crosses the sector edge or a vessel,
# or runs vertically over ribs, and is found only in part without growth over the ink value
CROSSING_GROUND = [
    (21 * 100003 + 62, "KOWALSKI^DOE"),
    (13 * 100003 + 31, "GARCIA^KOWALSKI"),
    (11 * 100003 + 172, "MULLER^MULLER"),
    (13 * 100003 + 156, "16/02/2015"),
]


@pytest.mark.parametrize("seed,text", CROSSING_GROUND)
def test_line_over_changing_ground_is_grown_whole_over_its_ink_value(seed, text):
    sample = make_sample(seed)
    with overridden(passes={"ink_value_growth": False}):
        assert 0 < detected_coverage(sample, text) < 0.9  # found in part only
    assert detected_coverage(sample, text) >= 0.9


def _grown(grey: np.ndarray, boxes):
    diff, sigma = classical.background_and_noise(grey)
    return lines.grow_by_ink_value(grey, classical.flat_mask(grey), diff, sigma, boxes)


def test_half_a_line_across_a_sector_edge_grows_to_its_end():
    """A dark grey line starting on black and running onto speckle (as over a sector edge): its
    ink is brighter than the black and darker than the speckle. Given the left half, growth by
    polarity stops at the edge; growth over the ink value reaches the end."""
    rng = random.Random(3)
    image = make_background("us", (512, 512), rng)
    image[:, :240] = 0
    canvas = np.zeros((512, 512), np.uint8)
    cv2.putText(canvas, "NGUYEN^OKAFOR", (150, 300), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 2, cv2.LINE_AA)
    mask = canvas.astype(np.float32) / 255.0
    grey = np.clip(np.rint(image * (1 - mask) + 40.0 * mask), 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(canvas > 64)
    box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    x, y, w, h = box
    assert x < 240 < x + w
    half = (x, y, 240 - x, h)
    diff, sigma = classical.background_and_noise(grey)

    def covered(grown) -> float:
        gx, gy, gw, gh = grown
        painted = np.zeros(grey.shape, bool)
        painted[gy : gy + gh, gx : gx + gw] = True
        return coverage(painted, box)

    assert covered(lines.grow_along_lines(diff, sigma, [half])[0]) < 0.9
    assert covered(_grown(grey, [half])[0]) >= 0.9


def test_speckle_ruler_and_a_same_grey_ruler_beside_a_line_are_not_taken_in():
    rng = random.Random(4)
    image = make_background("us", (512, 512), rng)
    taken: list = []
    text = plant_text(image, rng, taken, text="KOWALSKI^DOE", height=14, low_contrast=True, vertical=False)
    x, y, w, h = text.box
    grey = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    ink = int(np.bincount(grey[y : y + h, x : x + w][classical.flat_mask(grey)[y : y + h, x : x + w]]).argmax())
    # a ruler 8 px after the line's end, in its rows and drawn in the line's own grey
    rx = min(x + w + 8, 400)
    cv2.line(grey, (rx, y + h - 1), (rx + 80, y + h - 1), ink, 1)
    for t in range(0, 81, 7):
        cv2.line(grey, (rx + t, y + h - 1), (rx + t, y + h - 7), ink, 1)
    cv2.line(grey, (60, 300), (170, 300), 220, 1)  # a lone ruler on speckle
    for t in range(0, 111, 8):
        cv2.line(grey, (60 + t, 300), (60 + t, 296), 220, 1)
    boxes = [(x, y, w, h), (200, 200, 30, 10), (250, 180, 12, 40), (60, 294, 12, 7)]
    grown = _grown(grey, boxes)
    assert grown[0][0] + grown[0][2] <= rx + 2, grown[0]  # the line stops before the ruler
    assert sum(g[2] * g[3] for g in grown[1:]) <= 1.3 * sum(b[2] * b[3] for b in boxes[1:]), grown


# benchmark frames (seed 7) after a JPEG round trip, with a ruler that a box found on part of its
# ticks used to be grown along: JPEG scatters the bar's one value, so the bar did not stop growth
JPEG_RULERS = [(2, (62, 186, 66, 9)), (18, (222, 33, 9, 110)), (33, (42, 22, 9, 96)), (51, (118, 97, 112, 9)),
               (67, (165, 97, 118, 9)), (70, (109, 14, 88, 9)), (98, (206, 310, 9, 97)), (106, (176, 85, 9, 96))]


def test_rulers_in_jpeg_frames_stop_growth_over_the_ink_value():
    painted = 0
    for index, ruler in JPEG_RULERS:
        sample = jpeg_copy(make_sample(7 * 100003 + index), 85)
        painted += coverage(painted_mask(sample.image.shape, detect_text(sample.image)), ruler) >= 0.5
    assert painted <= 1, painted
