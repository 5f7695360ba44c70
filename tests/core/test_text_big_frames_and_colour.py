"""Text on big frames and text that differs from its ground in colour, each pinned: painted, and
tesseract reads none of its characters after painting.

Found on the held-out set (identifiers planted into real public images, tests/fixtures/textimages3.py)
and built here with their own grounds: one-pixel strokes on a big frame, which the main DB pass
shrinks to 512 px and loses (finescale.py), and green text on a dithered pale blue ground that
matches it in the brightest channel and in luminance (chroma.py). Text-free colour ultrasound
stays unpainted with the chroma view on (it is read there only by the sure rule).
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact.detect import detect_text
from tests.fixtures.anatomy import make_anatomy
from tests.fixtures.legibility import still_legible
from tests.fixtures.textimages import coverage, painted_mask

LINES = ["HOSPITAL DA LUZ", "ID 7351885", "2015/05/16 23:29"]


def _thin_line(image: np.ndarray, text: str, x: int, y: int, px: int, ink: float) -> tuple[int, int, int, int]:
    """`text` in OpenCV's simplex face, one pixel thick, not anti-aliased, at (x, y); its ink box."""
    scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_SIMPLEX, px, 1)
    (_, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.putText(mask, text, (x, y + h), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1, cv2.LINE_8)
    image[mask > 0] = ink
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_thin_text_on_a_big_frame_is_found_at_a_finer_scale():
    # a 1280 px frame with a fine grain (a camera's dough, a detector's noise) and 28 px lines of
    # one-pixel strokes at the largest value: at 512 px they thin out between the pixels sampled
    rng = np.random.default_rng(1)
    grain = cv2.GaussianBlur(rng.normal(0, 12, (960, 1280)).astype(np.float32), (0, 0), 1.5)
    frame = np.clip(228 + grain, 0, 255)
    boxes = [_thin_line(frame, text, 1280 - 20 - int(28 * 0.62 * len(text)), 12 + i * 44, 28, 255) for i, text in enumerate(LINES)]
    frame = frame.astype(np.uint8)
    regions = detect_text(frame)
    painted = painted_mask(frame.shape, regions)
    assert min(coverage(painted, b) for b in boxes) >= 0.9
    shown = frame.copy()
    shown[painted] = 0
    for box, text in zip(boxes, LINES):
        assert still_legible(shown, box, text, 28) == 0


def _dithered(rows: int, cols: int) -> np.ndarray:
    """A palette image's dither: two pale blues in a checkerboard, shaded slowly."""
    rng = np.random.default_rng(0)
    checker = (np.add.outer(np.arange(rows), np.arange(cols)) % 2 == 0)[..., None]
    image = np.where(checker, np.float32([150, 160, 235]), np.float32([170, 180, 225]))
    shade = cv2.resize(cv2.GaussianBlur(rng.normal(0, 1, (rows // 16, cols // 16)).astype(np.float32), (0, 0), 2), (cols, rows))
    return np.clip(image + 10 * shade[..., None], 0, 255)


def _ttf_mask(text: str, px: int) -> np.ndarray:
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf", px)
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4))
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "1"  # no anti-aliasing, as an overlay draws it
    draw.text((2 - left, 2 - top), text, fill=255, font=font)
    return np.asarray(canvas, np.float32) / 255


def test_text_that_differs_from_its_ground_only_in_hue_is_found_in_the_chroma():
    # green ink as bright as the ground in its brightest channel (230) and within a few levels of
    # it in luminance: only its colour tells it from the dithered blue
    image = _dithered(200, 320)
    boxes = []
    for i, text in enumerate(["KOWALCZYK RAFAEL", "CENTRE HOSP. NORD", "ID 4006353"]):
        mask = _ttf_mask(text, 12)
        h, w = mask.shape
        x, y = 10, 200 - 12 - (i + 1) * (h + 5)
        image[y : y + h, x : x + w] = image[y : y + h, x : x + w] * (1 - mask[..., None]) + np.float32([100, 230, 120]) * mask[..., None]
        ys, xs = np.nonzero(mask > 0.25)
        boxes.append((x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)))
    image = image.astype(np.uint8)
    painted = painted_mask(image.shape, detect_text(image))
    assert min(coverage(painted, b) for b in boxes) >= 0.9
    shown = image.copy()
    shown[painted] = 0
    for channel in range(3):  # the hue shows in single channels: read each
        for box, text in zip(boxes, ["KOWALCZYK RAFAEL", "CENTRE HOSP. NORD", "ID 4006353"]):
            assert still_legible(np.ascontiguousarray(shown[..., channel]), box, text, 12) == 0


def test_colour_doppler_is_not_read_as_text_in_the_chroma():
    # two text-free colour Doppler frames on which reading in the chroma with the painting rule
    # (2 characters at 0.8, smoothed) painted a box (one over 3% of the frame)
    for seed in (13 * 1009 + 3, 31 * 1009 + 5):
        assert detect_text(make_anatomy("us-doppler", seed, (512, 512))) == []
