"""Three causes of text left unpainted on benchmark seeds nobody had traced (101, 202).

A short word of 9-10 px text whose glyphs touch is one blob as wide as the text is high; the
enlarged look at small word-shaped blobs stopped at 8 px across, and nothing else proposed a
9 x 20 px vertical "GEN", which stayed legible (`classical.small_word_side`). A box proposed or
grown past the end of its line holds ground the recogniser reads as unsure characters, so the
box is not read and nothing is painted; read again at its ink's extent it is
(`line_extent.py`). A label in one grey across a darker and a brighter ground is faint in the
recogniser's crop, stretched to the ground's range; read as a mask of its grey it is read
(`one_grey_view.py`). Each rescue fails with its change switched off through the settings.
"""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.redact import detect_text, line_extent, one_grey_view
from radshare.core.redact.settings import overridden
from tests.fixtures.anatomy import make_text_free_set
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, make_sample, painted_mask, planted_text
from tests.fixtures.textimages2 import make_sample2


def _painted(image: np.ndarray, box) -> float:
    return coverage(painted_mask(image.shape, detect_text(image)), box)


# --- a short word whose glyphs touch ------------------------------------------------------------

def _touching_vertical_word():
    """A benchmark frame (first generator, seed 101) with a 9 px Hershey "GEN" turned upright,
    dark on grey: its three glyphs touch into one 9 x 20 px blob."""
    sample = make_sample(101 * 100003 + 51)
    planted = planted_text(sample, "GEN")
    assert planted.vertical and planted.height == 9
    return sample.image, planted


def test_a_short_word_whose_glyphs_touch_is_painted_and_not_legible():
    image, planted = _touching_vertical_word()
    mask = painted_mask(image.shape, detect_text(image))
    assert coverage(mask, planted.box) >= 0.9
    painted = image.copy()
    painted[mask] = 0
    assert still_legible(painted, planted.box, planted.text, planted.height) == 0


def test_the_word_was_lost_with_the_small_word_look_stopping_at_8_px():
    image, planted = _touching_vertical_word()
    with overridden(classical={"small_word_side": [4, 8]}):
        assert _painted(image, planted.box) < 0.9


# --- a box longer than its line -------------------------------------------------------------------

def _date_in_a_long_band():
    """A benchmark frame (first generator, seed 202) with a faint 10 px serif date on speckle,
    proposed as a line in one grey 18 px longer than the date at its left end."""
    sample = make_sample(202 * 100003 + 7)
    planted = planted_text(sample, "15/09/1984")
    assert planted.low_contrast and planted.height <= 12
    return sample.image, planted.box


def test_a_line_in_a_box_longer_than_it_is_painted():
    image, box = _date_in_a_long_band()
    assert _painted(image, box) >= 0.9


def test_the_line_was_lost_without_the_reading_at_its_ink():
    image, box = _date_in_a_long_band()
    with overridden(line_extent={"enabled": False}):
        assert _painted(image, box) < 0.9


def _line_on_noise(pad_left: int, seed: int = 3):
    """A 10 px dark line of digits on noisy grey, and its box (x, y, w, h) padded `pad_left` px of
    ground at its left end."""
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(140, 5, (64, 200)), 0, 255).astype(np.uint8)
    cv2.putText(img, "0123456", (60, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 90, 1, cv2.LINE_AA)
    ys, xs = np.nonzero(img < 110)
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    return img, (x0, y0, x1 - x0, y1 - y0), (x0 - pad_left, y0, x1 - x0 + pad_left, y1 - y0)


def test_the_cut_falls_at_the_lines_end_in_either_orientation():
    img, line, long_box = _line_on_noise(pad_left=30)
    cut = line_extent.trimmed(img, long_box)
    assert cut is not None and abs(cut[0] - line[0]) <= 2 and abs(cut[0] + cut[2] - line[0] - line[2]) <= 2
    turned = line_extent.trimmed(img.T.copy(), (long_box[1], long_box[0], long_box[3], long_box[2]))
    assert turned == (cut[1], cut[0], cut[3], cut[2])


def test_a_box_that_holds_its_line_and_no_more_is_not_cut():
    img, line, _ = _line_on_noise(pad_left=0)
    assert line_extent.trimmed(img, line) is None
    assert line_extent.trimmed(img, (line[0], line[1], line[3] + 2, line[3])) is None  # not a line's shape


def test_text_free_anatomy_gains_no_box_from_the_cut_readings():
    """Frames of text-free seeds nobody tuned on whose unread line boxes, cut at their ink, read as two
    sure characters (the painting rule) on NM blobs and one as a chest's rib ends: the same boxes with
    the readings at the ink's extent on and off, since the cut must pass the rule for a line nothing
    else found."""
    images = [make_text_free_set(per_kind=1, seed=seed)[index] for seed, index in ((1003, 8), (1004, 8), (1003, 5))]
    for kind, image in images:
        with overridden(line_extent={"enabled": False}):
            before = detect_text(image)
        assert detect_text(image) == before, kind


# --- a label in one grey across dark and bright ground ------------------------------------------

def _label_across_grounds():
    """A benchmark frame (second generator, seed 101) with a 2x pixel-font "Se:9 Im:1" turned
    upright in one grey (190) over an MR's grey, a black region and a bright ellipse."""
    sample = make_sample2(101 * 100019 + 58, (512, 512))
    planted = planted_text(sample, "Se:9 Im:1")
    assert planted.vertical
    return sample.image, planted.box


def test_a_label_in_one_grey_across_dark_and_bright_ground_is_painted():
    image, box = _label_across_grounds()
    assert _painted(image, box) >= 0.9


def test_the_label_was_lost_without_the_mask_of_its_grey():
    image, box = _label_across_grounds()
    with overridden(one_grey_view={"enabled": False}):
        assert _painted(image, box) < 0.9


def test_only_a_grey_off_the_ground_across_a_wider_ground_gets_a_mask():
    rng = np.random.default_rng(5)
    ground = np.clip(rng.normal(140, 3, (60, 60)), 0, 255).astype(np.uint8)
    label = ground.copy()
    label[20:40, 24:27] = 190  # strokes of one grey
    label[20:40, 33:36] = 190
    assert one_grey_view.mask_view(label, (22, 18, 16, 24)) is None  # even ground: the stretch is the label's own
    dark, bright = (np.clip(rng.normal(mean, 3, (6, 40)), 0, 255).astype(np.uint8) for mean in (30, 235))
    label[18:24, 10:50] = np.where(label[18:24, 10:50] == 190, 190, dark)  # its top over a dark region
    label[36:42, 10:50] = np.where(label[36:42, 10:50] == 190, 190, bright)  # its foot over a bright one
    view = one_grey_view.mask_view(label, (22, 18, 16, 24))
    assert view is not None and (view[20:40, 24:27] == 0).all() and (view[20:40, 28:32] == 255).all()
    assert one_grey_view.mask_view(ground, (22, 18, 16, 24)) is None  # its commonest grey is the ground's
