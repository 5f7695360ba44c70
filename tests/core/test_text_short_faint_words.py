"""Short faint words of small text: a word of 3-5 glyphs of 8-9 px is found by the passes for
faint lines, but two rules meant for longer lines kept it out. A line in one grey shorter than
`value_bands.band_min_width` (an 8 px vertical "TRANS" is 27 px long) is now read instead of
dropped (`value_bands.short_lines`), and a faint line no pass proposed is kept when the
recogniser reads it as a clean short word, three sure characters and nothing unsure
(`faint_lines.clean_words`), where four sure characters were asked. Each rescue is shown
failing with its switch off, and each rule's precision on text-free anatomy failing with the
rule loosened."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import classical, detect_text, faint_lines, verify
from radshare.core.redact.pixels import to_grey_and_rgb
from radshare.core.redact.settings import overridden
from tests.fixtures.anatomy import make_text_free_set
from tests.fixtures.textimages import FONT_DIR, coverage, make_background, make_sample, painted_mask, planted_text


def _painted(image: np.ndarray, box) -> float:
    return coverage(painted_mask(image.shape, detect_text(image)), box)


def _word_on_speckle(text: str, font: str, seed: int, where: tuple[int, int]):
    """`text` in 9 px `font`, anti-aliased, 30 grey levels over the speckle's median under it,
    on a 256 px ultrasound frame; (image, ink box)."""
    img = make_background("us", (256, 256), random.Random(seed))
    face = ImageFont.truetype(str(FONT_DIR / font), size=9)
    left, top, right, bottom = face.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=face)
    mask = np.asarray(canvas, np.float32) / 255
    x, y = where
    patch = img[y : y + mask.shape[0], x : x + mask.shape[1]]
    img[y : y + mask.shape[0], x : x + mask.shape[1]] = patch * (1 - mask) + (float(np.median(patch)) + 30) * mask
    ys, xs = np.nonzero(mask > 0.25)
    box = (x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    return np.clip(img, 0, 255).astype(np.uint8), box


# --- a short line in one grey -------------------------------------------------------------------

def _short_vertical_word():
    """A benchmark frame (first generator, seed 31) with an 8 px serif "TRANS" turned upright, in
    one grey on speckle beside a ruler: 27 px of the grey, under the 30 px a line in one grey needs."""
    sample = make_sample(31 * 100003 + 59)
    planted = planted_text(sample, "TRANS")
    assert planted.vertical and planted.low_contrast and planted.height <= 9
    return sample.image, planted.box


def test_a_short_word_in_one_grey_is_painted():
    image, box = _short_vertical_word()
    assert _painted(image, box) >= 0.9


def test_without_short_lines_the_short_word_goes_out():
    """The test above can fail: with short lines in one grey dropped, nothing finds the word."""
    image, box = _short_vertical_word()
    with overridden(value_bands={"short_lines": False}):
        assert _painted(image, box) < 0.9


def _short_lines_read_on_text_free_anatomy() -> tuple[int, list]:
    """(short lines in one grey, those the recogniser confirms) on text-free anatomy of the
    kinds that hold the most of them (mammograms, ultrasound, CR; seed 31)."""
    found, read = 0, []
    for kind, image in make_text_free_set(per_kind=3, seed=31):
        if kind not in ("mg", "us-sector", "us-doppler", "cr-chest"):
            continue
        grey, _ = to_grey_and_rgb(image)
        diff, sigma = classical.background_and_noise(grey)
        short = classical.value_band_lines(grey, diff, sigma)[1]
        found += len(short)
        read += [(kind, b) for b in short if verify.reads_characters(grey, b)]
    return found, read


def test_short_lines_on_text_free_anatomy_are_not_read():
    found, read = _short_lines_read_on_text_free_anatomy()
    assert found >= 10  # speckle and a mammogram's strands make short lines in one grey: only the reading keeps them out
    assert read == []


def test_short_lines_on_text_free_anatomy_are_read_with_a_loose_rule():
    """The test above can fail: asked for one sure character (as a painted box's neighbour is),
    anatomy's short lines are kept (two characters even at 0.3 kept none: the margin is wide)."""
    with overridden(whole_lines={"confirm_min_chars": 1, "confirm_confidence": 0.8}):
        assert _short_lines_read_on_text_free_anatomy()[1] != []


# --- a clean short word among faint lines -------------------------------------------------------

THREE_LETTERS = [
    ("ECG, condensed, seed 1", lambda: _word_on_speckle("ECG", "DejaVuSansCondensed.ttf", 1, (110, 150))),
    ("ECG, condensed, seed 3", lambda: _word_on_speckle("ECG", "DejaVuSansCondensed.ttf", 3, (80, 120))),
]


@pytest.mark.parametrize("name, build", THREE_LETTERS, ids=[c[0] for c in THREE_LETTERS])
def test_a_faint_three_letter_word_is_painted(name, build):
    image, box = build()
    assert _painted(image, box) >= 0.9


@pytest.mark.parametrize("name, build", THREE_LETTERS, ids=[c[0] for c in THREE_LETTERS])
def test_without_clean_words_the_three_letter_word_goes_out(name, build):
    """The test above can fail: asked for four sure characters, the word's three are too few."""
    image, box = build()
    with overridden(faint_lines={"clean_words": False}):
        assert _painted(image, box) < 0.9


def _faint_lines_read_on_text_free_anatomy() -> tuple[int, list]:
    """(faint-line candidates, those kept by the faint-line rule) on the text-free anatomy of
    seed 13 (16 kinds, 3 images each), every candidate read (no cap, nothing taken)."""
    candidates, kept = 0, []
    with overridden(faint_lines={"max_looks": 40}):
        for kind, image in make_text_free_set(per_kind=3, seed=13):
            grey, _ = to_grey_and_rgb(image)
            diff, sigma = classical.background_and_noise(grey)
            found = faint_lines.candidates(grey, diff, sigma, [])
            candidates += len(found)
            kept += [(kind, b) for b in found if verify.reads_faint_line(grey, b)]
    return candidates, kept


def test_faint_lines_on_text_free_anatomy_are_not_read_as_clean_words():
    candidates, kept = _faint_lines_read_on_text_free_anatomy()
    assert candidates >= 100
    assert kept == []


def test_faint_lines_on_text_free_anatomy_are_kept_when_two_unsure_characters_are_a_word():
    """The test above can fail: with two characters at 0.5 a word, whatever its length, anatomy
    (MR gyri, NM) is kept; three at 0.5 kept none."""
    with overridden(faint_lines={"word_min_chars": 2, "word_advance": [0.0, 100.0]}, whole_lines={"confirm_confidence": 0.5}):
        assert _faint_lines_read_on_text_free_anatomy()[1] != []
