"""Kinds of burned-in text the detector used to miss, each pinned: painted, and tesseract reads none
of its characters after painting.

Found on the unseen-data probe (benchmarks/unseen_leaks.py) and the two benchmark generators, and
built here with their own grounds and strings: an 8 px serif ID whose glyphs touch (one blob the
line tests reject, found whole by DB only at 3x), small dense text the ruler veto took for a ruler
(its merged middle row looked like a bar; test_text_rulers.py keeps real rulers vetoed), a neutral grey date on a colour photo (faint in the
brightest channel, clear in luminance) through the single-frame and the series path, and a
vertical label whose first turned look found only its first piece.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import apply_regions, classical, frame_regions
from radshare.core.redact.detect import detect_text
from tests.fixtures.anatomy import make_anatomy
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask
from tests.fixtures.textimages2 import make_sample2

FONTS = "/usr/share/fonts/truetype"


def _mask(text: str, font: str, px: int) -> np.ndarray:
    """0..1 mask of `text` in a TrueType font, tightly cropped with a 2 px margin."""
    f = ImageFont.truetype(f"{FONTS}/{font}", px)
    left, top, right, bottom = f.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4))
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=f)
    return np.asarray(canvas, np.float32) / 255


def _hershey(text: str, px: int) -> np.ndarray:
    """0..1 mask of `text` in OpenCV's simplex face, one pixel thick."""
    scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, px, 1)
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    canvas = np.zeros((h + base + 4, w + 4), np.uint8)
    cv2.putText(canvas, text, (2, h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255


def _burn(img: np.ndarray, mask: np.ndarray, x: int, y: int, ink) -> tuple[int, int, int, int]:
    """Blend `ink` through `mask` at (x, y) in place; the ink's tight box."""
    h, w = mask.shape
    m = mask[..., None] if img.ndim == 3 else mask
    img[y : y + h, x : x + w] = img[y : y + h, x : x + w] * (1 - m) + np.asarray(ink, np.float32) * m
    ys, xs = np.nonzero(mask > 0.25)
    return x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _grey_ground(kind: str, seed: int, size: int) -> np.ndarray:
    from radshare.core.redact.pixels import to_uint8

    return to_uint8(make_anatomy(kind, seed, (size, size))).astype(np.float32)


def _painted(image: np.ndarray, regions) -> np.ndarray:
    return apply_regions(image[None], regions, "RGB" if image.ndim == 3 else "MONOCHROME2")[0]


def test_an_8px_serif_id_whose_glyphs_touch_is_painted():
    img = _grey_ground("ct-body", 5, 512)
    box = _burn(img, _mask("ID: E50949", "dejavu/DejaVuSerif.ttf", 8), 250, 440, 255)
    image = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    assert still_legible(image, box, "ID: E50949", 8) >= 3  # the test can fail: legible unpainted
    regions = detect_text(image)
    assert coverage(painted_mask(image.shape, regions), box) >= 0.9
    assert still_legible(_painted(image, regions), box, "ID: E50949", 8) == 0


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_small_dense_text_is_not_a_ruler(pad):
    """8 px text whose strokes merge into a solid middle row: the ruler veto took that row for a
    ruler's bar and the glyph parts above and below it for ticks, and dropped the box (the
    probe's 8 px names on NM frames)."""
    grey = np.full((60, 200), 20, np.float32)
    x, y, w, h = _burn(grey, _hershey("Brandvolden", 8), 10, 10, 255)
    diff, sigma = classical.background_and_noise(grey.astype(np.uint8))
    assert not classical.is_ruler(diff, sigma, (x - pad, y - pad, w + 2 * pad, h + 2 * pad))


@pytest.mark.parametrize("seed", [30, 31, 32])
def test_a_faint_neutral_date_on_a_colour_photo_is_painted(seed):
    img = make_anatomy("photo", seed, (320, 320)).astype(np.float32)
    mask = _mask("26.08.1993", "dejavu/DejaVuSans.ttf", 10)
    ground = float(np.median(img[6 : 6 + mask.shape[0], 6 : 6 + mask.shape[1]]))
    ink = ground + 46 if ground < 200 else ground - 46  # the same grey in every channel
    box = _burn(img, mask, 6, 6, (ink, ink, ink))
    image = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    luminance = lambda rgb: cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)  # noqa: E731 - where the date shows
    for regions in (detect_text(image), frame_regions(image[None], None)):  # one frame, and the series path deid takes
        assert coverage(painted_mask(image.shape, regions), box) >= 0.9
        assert still_legible(luminance(_painted(image, regions)), box, "26.08.1993", 10) == 0


def test_a_vertical_label_found_in_pieces_is_painted_whole():
    """A 13 px monospaced vertical date on a textured photo: the turned strip found only its first
    glyphs; looked at again enlarged, the whole label (second generator, seed 13, image 26)."""
    sample = make_sample2(13 * 100019 + 26, (512, 512))
    label = next(t for t in sample.texts if t.vertical and t.text.startswith("DOB"))
    regions = detect_text(sample.image)
    assert coverage(painted_mask(sample.image.shape, regions), label.box) >= 0.9
    assert still_legible(_painted(sample.image, regions), label.box, label.text, label.height) == 0
