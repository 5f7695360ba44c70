"""A small faint name on one frame only, over changing anatomy, is painted by the series path.

The kinds benchmarks/series_text.py found slipping through the cheap tests (issue 19): a thin
anti-aliased 10 px ID 30 grey levels over CT body noise (few of its pixels lie in one-value
runs), and a 9 px condensed ID on a chest film whose ribs move (their chance strokes set the
bar for the whole frame). Full detection on that frame finds both; so must the series path.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import series
from radshare.core.redact.detect import detect_text
from radshare.core.redact.settings import overridden
from tests.fixtures.textimages import FONT_DIR, coverage, make_background, painted_mask

MAIN = {"local_chance": False, "new_value": False, "beyond_ink": 0, "band_margin": 32}  # the series path before issue 19


def _hershey(text: str, height: int) -> np.ndarray:
    scale = height / cv2.getTextSize("H", cv2.FONT_HERSHEY_SIMPLEX, 1.0, 1)[0][1] * 0.75
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    canvas = np.zeros((h + base + 6, w + 6), np.uint8)
    cv2.putText(canvas, text, (3, h + 3), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1, cv2.LINE_AA)
    return canvas / 255.0


def _condensed(text: str, height: int) -> np.ndarray:
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSansCondensed.ttf"), size=height)
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=font)
    return np.asarray(canvas, np.float32) / 255.0


CASES = {  # name: (ground, its seed, ink mask, x, y)
    "ct-thin-id": ("ct", 1, lambda: _hershey("5911731", 10), 280, 221),
    "cr-small-id": ("cr", 3, lambda: _condensed("ID: A13951", 9), 363, 43),
}


def _series(case: str) -> tuple[list[np.ndarray], tuple[int, int, int, int]]:
    """Three frames of changing anatomy; the last holds the string, 30 grey levels off its ground."""
    kind, seed, ink, x, y = CASES[case]
    rng = random.Random(seed)
    frames = [make_background(kind, (512, 512), rng) for _ in range(3)]
    mask = ink()
    patch = frames[2][y : y + mask.shape[0], x : x + mask.shape[1]]
    local = float(np.median(patch))
    patch[:] = patch * (1 - mask) + (local + 30 if local < 128 else local - 30) * mask
    ys, xs = np.nonzero(mask > 0.25)
    box = (x + int(xs.min()), y + int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)
    return [np.clip(np.rint(f), 0, 255).astype(np.uint8) for f in frames], box


def _painted(frames: list[np.ndarray], box: tuple[int, int, int, int], regions) -> bool:
    return coverage(painted_mask(frames[2].shape, regions), box) >= 0.9


@pytest.mark.parametrize("case", sorted(CASES))
def test_faint_small_text_on_the_last_frame_only_is_painted(case):
    frames, box = _series(case)
    assert _painted(frames, box, detect_text(frames[2]))  # the yardstick: full detection finds it
    assert not _painted(frames, box, series.detect_series(frames)[0])  # nothing there before
    assert _painted(frames, box, series.detect_series(frames)[2])


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_series_path_before_issue_19_let_it_through(case):
    """The guard: with the three new tests switched off, the name goes out unpainted."""
    frames, box = _series(case)
    with overridden(series=MAIN):
        assert not _painted(frames, box, series.detect_series(frames)[2])
