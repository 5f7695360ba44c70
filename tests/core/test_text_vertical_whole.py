"""Vertical labels no pass proposed, or painted only up to a word gap, pinned: painted whole, and
tesseract reads none of their characters after painting.

Two causes (settings [vertical_text]): over MR gyri a label in one light grey is seen by no
detector, turned or upright (DB takes the texture for text and the label for nothing; the ink
maps break its strokes), though its grey lies beyond anything the gyri hold (beyond_ground.py);
and a read tall box stopped at a word gap, where wide boxes grow to the ends of their string
(string_ends.grow_read_tall_boxes). Each test below is seen failing with its pass switched off.
"""

from __future__ import annotations

import numpy as np
import pytest

from radshare.core.redact import beyond_ground, classical
from radshare.core.redact.detect import detect_text
from radshare.core.redact.pixels import to_grey_and_rgb, to_uint8
from radshare.core.redact.settings import overridden
from tests.core.test_text_recall_hard_kinds import _burn, _grey_ground, _mask, _painted
from tests.fixtures.anatomy import make_text_free_set
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask
from tests.fixtures.textimages2 import make_sample2

BEYOND_OFF = {"vertical_text": {"beyond_ground": False}}
TALL_ENDS_OFF = {"vertical_text": {"tall_string_ends": False}}
NOTO_MONO = "noto/NotoSansMono-Regular.ttf"  # a face neither benchmark generator draws with


def _label_over_gyri(seed: int, turn: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A 24 px "Se:12 Im:257" in one light grey (190, above the brightest gyrus) standing
    vertically over a brain MR, read bottom to top (turn 1) or top to bottom (turn -1)."""
    img = _grey_ground("mr-brain", seed, 512)
    mask = np.ascontiguousarray(np.rot90(_mask("Se:12 Im:257", NOTO_MONO, 24), turn))
    box = _burn(img, mask, 230, 130, 190.0)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), box


@pytest.mark.parametrize(("seed", "turn"), [(3, 1), (4, -1)])
def test_a_vertical_label_in_one_grey_over_gyri_is_painted_whole(seed, turn):
    """(Tesseract cannot read it over the gyri even unpainted, so coverage is the measure here.)"""
    image, box = _label_over_gyri(seed, turn)
    assert coverage(painted_mask(image.shape, detect_text(image)), box) >= 0.9


@pytest.mark.parametrize(("seed", "turn"), [(3, 1), (4, -1)])
def test_without_the_one_grey_pass_the_label_over_gyri_is_missed(seed, turn):
    """The guard: no other pass proposes it (painted 0% with the pass off)."""
    image, box = _label_over_gyri(seed, turn)
    with overridden(**BEYOND_OFF):
        regions = detect_text(image)
    assert coverage(painted_mask(image.shape, regions), box) < 0.9


def test_the_second_generators_label_over_gyri_is_painted():
    """Second generator seed 31 image 38: a 26 px sans label over a brain MR, no proposal on main."""
    sample = make_sample2(31 * 100019 + 38, (512, 512))
    label = next(t for t in sample.texts if t.vertical)
    assert coverage(painted_mask(sample.image.shape, detect_text(sample.image)), label.box) >= 0.9
    with overridden(**BEYOND_OFF):
        assert coverage(painted_mask(sample.image.shape, detect_text(sample.image)), label.box) < 0.9


def test_what_the_one_grey_pass_proposes_on_text_free_anatomy_is_not_painted():
    """Anatomy's values spread smoothly, so few values spike, and lines whose ground beside them
    holds their value (a texture's extremes) are not proposed; the few proposals left (an NM hot
    spot, a photo's highlight, a Doppler colour's speckle) are not confirmed by reading, so the
    frames where the pass proposes anything are painted exactly as without it."""
    proposing = []
    for _kind, image in make_text_free_set(per_kind=1, seed=7):
        image = to_uint8(image)
        grey, _ = to_grey_and_rgb(image)
        diff, sigma = classical.background_and_noise(grey)
        if beyond_ground.proposals(grey, diff, sigma, classical.flat_mask(grey)):
            proposing.append(image)
    assert 0 < len(proposing) <= 6
    for image in proposing:
        with overridden(**BEYOND_OFF):
            without = sorted(r.as_box() for r in detect_text(image))
        assert sorted(r.as_box() for r in detect_text(image)) == without


# (second-generator sample, size, start of the label): a 10 px narrow sans series label on an
# ultrasound sector and an 11 px monospace date over a brain MR, each read in one piece that stops
# at a word gap ("Im:299" of "Se:6 Im:299").
PIECES = [
    (13 * 100019 + 92, (512, 512), "Se:6"),
    (31 * 100019 + 10, (512, 512), "DOB 14"),
]


@pytest.mark.parametrize(("seed", "size", "start"), PIECES)
def test_a_vertical_label_read_in_a_piece_is_painted_to_both_ends(seed, size, start):
    sample = make_sample2(seed, size)
    label = next(t for t in sample.texts if t.vertical and t.text.startswith(start))
    regions = detect_text(sample.image)
    assert coverage(painted_mask(sample.image.shape, regions), label.box) >= 0.9
    assert still_legible(_painted(sample.image, regions), label.box, label.text, label.height) == 0


@pytest.mark.parametrize(("seed", "size", "start"), PIECES)
def test_without_tall_string_ends_the_label_stops_at_the_gap(seed, size, start):
    sample = make_sample2(seed, size)
    label = next(t for t in sample.texts if t.vertical and t.text.startswith(start))
    with overridden(**TALL_ENDS_OFF):
        regions = detect_text(sample.image)
    assert coverage(painted_mask(sample.image.shape, regions), label.box) < 0.9
