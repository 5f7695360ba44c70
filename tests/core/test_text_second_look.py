"""The second look: faint lines that the first DB pass finds only in pieces are looked at again,
enlarged, and painted whole; text at full contrast and non-text markings are not looked at again."""

from __future__ import annotations

import random

import numpy as np
import pytest

from radshare.core.redact import detect as detect_module
from radshare.core.redact import lines
from radshare.core.redact import detect_text
from radshare.core.redact.settings import current, overridden
from tests.fixtures.textimages import planted_text, coverage, make_background, make_sample, painted_mask, plant_mark, plant_text



# benchmark frames (seed 11, not the seed the pass was tuned on) with a faint line found in pieces
FOUND_IN_PIECES = [(11 * 100003 + 164, "C5-1"), (11 * 100003 + 173, "11:14:24"), (11 * 100003 + 9, "15:20:35")]


@pytest.mark.parametrize("seed,text", FOUND_IN_PIECES)
def test_faint_line_found_in_pieces_is_painted_whole(seed, text, monkeypatch):
    sample = make_sample(seed)
    planted = planted_text(sample, text)
    assert planted.low_contrast
    # growth along the line (lines.py) also paints such lines whole: off here, to see the second look alone
    # (and growth to the string's ends, string_ends.py, below)
    monkeypatch.setattr(lines, "grow_along_lines", lambda diff, sigma, boxes: list(boxes))
    # the one-grey passes are tested in test_text_repeated_value.py and test_text_value_band.py (and
    # [vertical_text]'s in test_text_vertical_whole.py)
    with overridden(passes={"ink_value_growth": False, "repeated_value": False, "value_bands": False},
                    whole_lines={"string_ends": False, "join_pieces": False}, vertical_text={"beyond_ground": False, "tall_string_ends": False}):
        with overridden(second_look={"second_look_budget": 0.0}):
            first_pass = coverage(painted_mask(sample.image.shape, detect_text(sample.image)), planted.box)
        assert 0 < first_pass < 0.9  # the case needs the second look: only part of it is painted without
        assert coverage(painted_mask(sample.image.shape, detect_text(sample.image)), planted.box) >= 0.9


def _bright_frame(seed: int):
    """A CR-like frame with full-contrast text and calipers, rulers, arrows, dotted lines."""
    rng = random.Random(seed)
    image = make_background("cr", (512, 512), rng)
    taken: list = []
    texts = [plant_text(image, rng, taken, low_contrast=False, vertical=False) for _ in range(4)]
    marks = [plant_mark(image, rng, taken) for _ in range(6)]
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), [t for t in texts if t], [m for m in marks if m]


def test_full_contrast_text_gets_no_second_look_and_markings_stay_unpainted():
    grey, texts, marks = _bright_frame(21)
    assert texts and marks
    assert not any(detect_module._is_faint(grey, t.box) for t in texts)
    assert detect_module._second_look_regions(grey, [t.box for t in texts]) == []
    with_look = painted_mask(grey.shape, detect_text(grey))
    with overridden(second_look={"second_look_budget": 0.0}):
        without = painted_mask(grey.shape, detect_text(grey))
    assert [coverage(with_look, m) >= 0.5 for m in marks] == [coverage(without, m) >= 0.5 for m in marks]


def test_second_look_stays_within_its_budget():
    """However many faint boxes a frame has, the enlarged crops add at most the budgeted network area."""
    rng = random.Random(3)
    grey = np.clip(np.rint(make_background("ct", (512, 512), rng)), 0, 255).astype(np.uint8)
    boxes = [(x, y, 40, 10) for x in range(30, 450, 100) for y in range(20, 490, 40)]  # apart, not merged
    regions = detect_module._second_look_regions(grey, boxes)
    area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in regions) * current().second_look.second_look_scale**2
    assert 3 <= len(regions) < len(boxes)
    assert area <= current().second_look.second_look_budget * grey.size
