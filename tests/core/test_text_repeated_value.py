"""Faint 8-14 px text on CT-like noise and speckle that no other pass proposes is found by the
one grey it is drawn in, repeated along its band; noise, speckle and faint markings (calipers,
dotted lines, rulers, arrows) are not proposed."""

from __future__ import annotations

import random

import numpy as np
import pytest

from radshare.core.redact import classical
from tests.fixtures.textimages import markings_grid, planted_text, coverage_without, detected_coverage, coverage, make_background, make_sample

# benchmark frames (seeds 7, 13 and 21) with a faint small line that nothing else proposes
NOTHING_ELSE_FINDS = [
    (7 * 100003 + 191, "18:32:53"),
    (13 * 100003 + 111, "ID: O39286"),
    (13 * 100003 + 190, "11:29:46"),
    (21 * 100003 + 139, "MI 1.1"),
]


@pytest.mark.parametrize("seed,text", NOTHING_ELSE_FINDS)
def test_faint_small_line_in_one_grey_is_found(seed, text):
    sample = make_sample(seed)
    planted = planted_text(sample, text)
    assert planted.low_contrast and planted.height <= 14
    # the other one-grey pass (test_text_value_band.py) off too; and the faint-line look
    # (faint_lines.py), which reads some of these lines in the smoothed map without their one grey
    without = coverage_without(sample, text, passes={"repeated_value": False, "value_bands": False}, faint_lines={"enabled": False})
    assert without < 0.9 <= detected_coverage(sample, text)  # no other pass finds it


@pytest.mark.parametrize("background", ["cr", "ct", "us"])
def test_noise_speckle_and_faint_markings_are_not_proposed(background):
    hits = total = 0
    painted = 0.0
    for seed in range(3):
        rng = random.Random(seed)
        grey = np.clip(np.rint(make_background(background, (512, 512), rng)), 0, 255).astype(np.uint8)
        marks = markings_grid(grey, rng, faint=True)
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
