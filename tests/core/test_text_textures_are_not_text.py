"""A texture is not a block of text: brain gyri (a periodic ripple) gave DB a stack of line-sized
boxes, each passing the line-size check, and merged for painting they covered 35-47% of a
text-free MR phantom. A block of text lines aligned at one end, on the same texture, stays found."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from radshare.core.redact.detect import detect_text
from tests.fixtures.textimages import coverage, painted_mask


def gyri_head(size: int, seed: int, fx: float = 60.0, fy: float = 40.0) -> np.ndarray:
    """A 12-bit MR-like head: a brain ellipse filled with a sin x cos ripple (gyri), a bright
    ventricle, noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.where(((xx - .5) / .38) ** 2 + ((yy - .5) / .45) ** 2 < 1, 0.55, 0.0)
    brain = ((xx - .5) / .3) ** 2 + ((yy - .5) / .37) ** 2 < 1
    img = np.where(brain, 0.4 + .2 * np.sin(xx * fx) * np.cos(yy * fy), img)
    img = np.where(((xx - .5) / .06) ** 2 + ((yy - .45) / .12) ** 2 < 1, 0.9, img)
    return (np.clip(img + rng.normal(0, .03, img.shape), 0, 1) * 4095).astype(np.uint16)


@pytest.mark.parametrize(
    "seed, size, fx, fy, most",
    [(0, 256, 60, 40, 0.03), (1, 256, 60, 40, 0.03), (2, 256, 70, 45, 0.03), (3, 384, 90, 60, 0.07)],
)
def test_gyri_texture_is_not_painted(seed, size, fx, fy, most):
    """Before the stack check: one box of about 156x172 over the brain, 40-47% painted (14.4% on
    the 384 px head, where a stack of three rows the check leaves alone still paints 6.1%)."""
    image = gyri_head(size, seed, fx, fy)
    regions = detect_text(image)
    share = float(painted_mask(image.shape, regions).mean())
    assert share <= most, f"{share:.1%} of a text-free head painted: {[r.as_box() for r in regions]}"
    assert all(r.w * r.h <= 0.10 * size * size for r in regions)


def test_a_block_of_text_lines_on_the_texture_stays_found():
    """Five left-aligned lines, touching as a corner block's do, over the gyri: all painted."""
    image = gyri_head(384, 5, 90, 60)
    lines = ["OPKALAR^BRENDA", "NP5554039", "2014.09.21", "ST MARY HOSP", "DOB 1961-03-02"]
    boxes = []
    for i, text in enumerate(lines):
        x, y = 90, 110 + 22 * i
        cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.55, 4095, 1, cv2.LINE_AA)
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
        boxes.append((x, y - h, w, h + base))
    mask = painted_mask(image.shape, detect_text(image))
    for text, box in zip(lines, boxes):
        assert coverage(mask, box) >= 0.9, text


def test_scattered_spots_merged_into_a_block_are_not_text():
    """pydicom's text-free CT_small: blob-shaped classical proposals no DB box shares (bright
    spots in the body) merged into a block larger than a line; 9.7% painted before the check."""
    from pydicom.data import get_testdata_file

    from radshare.core.redact.apply import decode_frames
    from radshare.core.sources import read_dicom

    with open(get_testdata_file("CT_small.dcm"), "rb") as handle:
        frames, _ = decode_frames(read_dicom(handle.read(), "CT_small.dcm"))
    share = float(painted_mask(frames[0].shape, detect_text(frames[0])).mean())
    assert share <= 0.08, f"{share:.1%} of a text-free CT painted"
