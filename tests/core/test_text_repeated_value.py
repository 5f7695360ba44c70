"""Faint 8-14 px text on CT-like noise and speckle that no other pass proposes is found by the
one grey it is drawn in, repeated along its band; noise, speckle and faint markings (calipers,
dotted lines, rulers, arrows) are not proposed."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from radshare.core.redact import classical
from tests.fixtures.textimages import planted_text, coverage_without, detected_coverage, coverage, make_background, make_sample

# benchmark frames (seeds 7, 13 and 21) with a faint small line that nothing else proposes
NOTHING_ELSE_FINDS = [
    (7 * 100003 + 191, "18:32:53"),
    (13 * 100003 + 111, "ID: O39286"),
    (13 * 100003 + 190, "11:29:46"),
    (21 * 100003 + 139, "MI 1.1"),
]


@pytest.mark.parametrize("seed,text", NOTHING_ELSE_FINDS)
def test_faint_small_line_in_one_grey_is_found(seed, text, monkeypatch):
    sample = make_sample(seed)
    planted = planted_text(sample, text)
    assert planted.low_contrast and planted.height <= 14
    without = coverage_without(sample, text, monkeypatch, classical, REPEATED_VALUE=False, VALUE_BANDS=False)
    assert without < 0.9 <= detected_coverage(sample, text)  # the other one-grey pass (test_text_value_band.py); no other pass finds it


def _faint_markings(grey: np.ndarray, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """Calipers, dotted lines, rulers and arrows drawn 30 grey levels off the ground under them."""
    boxes = []
    for row in range(4):
        for col in range(4):
            canvas = np.zeros(grey.shape, np.uint8)
            x, y = 40 + 115 * col, 50 + 115 * row
            kind = ("caliper", "dotted", "ruler", "arrow")[(row + col) % 4]
            if kind == "caliper":
                s = rng.randint(4, 8)
                cv2.line(canvas, (x - s, y), (x + s, y), 255, 1)
                cv2.line(canvas, (x, y - s), (x, y + s), 255, 1)
                cv2.line(canvas, (x + 14 - s, y - s), (x + 14 + s, y + s), 255, 1)
                cv2.line(canvas, (x + 14 - s, y + s), (x + 14 + s, y - s), 255, 1)
            elif kind == "dotted":
                angle = rng.uniform(0, np.pi)
                for t in range(0, 80, rng.randint(5, 8)):
                    cv2.circle(canvas, (int(x + t * np.cos(angle)), int(y + t * np.sin(angle))), 1, 255, -1)
            elif kind == "ruler":
                cv2.line(canvas, (x, y), (x + 80, y), 255, 1)
                for i, t in enumerate(range(0, 81, rng.randint(5, 10))):
                    cv2.line(canvas, (x + t, y), (x + t, y - (8 if i % 5 == 0 else 4)), 255, 1)
            else:
                angle = rng.uniform(0, 2 * np.pi)
                end = (int(x + 40 * np.cos(angle)), int(y + 40 * np.sin(angle)))
                cv2.arrowedLine(canvas, (x, y), end, 255, rng.choice([1, 2]), cv2.LINE_AA, tipLength=0.3)
            ys, xs = np.nonzero(canvas)
            box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
            ground = float(np.median(grey[box[1] : box[1] + box[3], box[0] : box[0] + box[2]]))
            value = ground + 30 if ground < 128 else ground - 30
            mask = canvas.astype(np.float32) / 255.0
            grey[:] = np.clip(np.rint(grey * (1 - mask) + value * mask), 0, 255).astype(np.uint8)
            boxes.append(box)
    return boxes


@pytest.mark.parametrize("background", ["cr", "ct", "us"])
def test_noise_speckle_and_faint_markings_are_not_proposed(background):
    hits = total = 0
    painted = 0.0
    for seed in range(3):
        rng = random.Random(seed)
        grey = np.clip(np.rint(make_background(background, (512, 512), rng)), 0, 255).astype(np.uint8)
        marks = _faint_markings(grey, rng)
        diff, sigma = classical.background_and_noise(grey)
        found = classical.repeated_value_proposals(grey, diff, sigma)
        mask = np.zeros(grey.shape, bool)
        for x, y, w, h in found:
            mask[y : y + h, x : x + w] = True
        hits += sum(coverage(mask, box) > 0 for box in marks)
        total += len(marks)
        painted += mask.mean()
    assert hits <= 0.05 * total, (hits, total)
    assert painted / 3 < 0.005
