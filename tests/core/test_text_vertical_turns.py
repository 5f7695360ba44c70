"""Vertical labels the turned pass found only in part, pinned: painted whole, and tesseract reads
none of their characters after painting.

The turned pass (detect._learned_boxes) turns strips around tall candidates and, where a
candidate's label is not yet found, looks at the strip again enlarged, within a budget of network
input area spent smallest strip first. On the second generator the labels it missed were not hard
to see: their strips were never looked at enlarged, because the strips of the frame's other tall
candidates (ribs, vessels, an endoscope's texture) used the budget up first, and a label's strip,
long and merged from several pieces, is often the largest of the frame.
"""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core.redact import apply_regions
from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import overridden
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask
from tests.fixtures.textimages2 import make_sample2

# the enlarged turned look's budget before (and [vertical_text]'s growth of read tall boxes, which
# paints a label found in part whole on its own: tests/core/test_text_vertical_whole.py)
MAIN_BUDGET = {"second_look": {"turned_look_budget": 0.25}, "vertical_text": {"beyond_ground": False, "tall_string_ends": False}}


def _painted(image: np.ndarray, regions) -> np.ndarray:
    return apply_regions(image[None], regions, "RGB" if image.ndim == 3 else "MONOCHROME2")[0]


# (second-generator sample seed, size, start of the label): a 14 px Hershey accession number on an
# endoscopy photo, a 12 px low-contrast date on a mammogram, a 25 px low-contrast narrow sans
# accession number on a contrast CT.
LABELS = [
    (7 * 100019 + 28, (512, 512), "ACC#"),
    (7 * 100019 + 40, (512, 512), "DOB"),
    (13 * 100019 + 88, (512, 512), "ACC#"),
]


@pytest.mark.parametrize(("seed", "size", "start"), LABELS)
def test_a_vertical_label_beside_other_tall_candidates_is_painted_whole(seed, size, start):
    sample = make_sample2(seed, size)
    label = next(t for t in sample.texts if t.vertical and t.text.startswith(start))
    regions = detect_text(sample.image)
    assert coverage(painted_mask(sample.image.shape, regions), label.box) >= 0.9
    assert still_legible(_painted(sample.image, regions), label.box, label.text, label.height) == 0


@pytest.mark.parametrize(("seed", "size", "start"), LABELS)
def test_with_the_old_budget_the_label_is_painted_only_in_part(seed, size, start):
    """The guard: with the budget as it was, the same label is not painted whole."""
    sample = make_sample2(seed, size)
    label = next(t for t in sample.texts if t.vertical and t.text.startswith(start))
    with overridden(**MAIN_BUDGET):
        regions = detect_text(sample.image)
    assert coverage(painted_mask(sample.image.shape, regions), label.box) < 0.9
