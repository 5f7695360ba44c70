"""Small text on frames between the network's size and the fine scale's (a 640x480 ultrasound,
photo or screenshot): the main DB pass shrinks them to 512 px, where 10 px text has 6-7 px of
ink, and no finer pass looked at them (that starts at 1024 px). They are now also searched at
their own size in every view (`finescale.native_boxes`, `fine_scale.native`). Shown on a real
640x480 ultrasound installed with pydicom (so the test runs offline), with text planted over its
speckle; the rescue fails with the pass off, and the frame's own text is found as before."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from radshare.core.redact import detect_text
from radshare.core.redact.settings import overridden
from tests.fixtures.textimages import FONT_DIR, coverage, painted_mask


@pytest.fixture(scope="module")
def ultrasound() -> np.ndarray:
    """The first frame of pydicom's examples_jpeg2k.dcm: a 640x480 colour Doppler ultrasound."""
    from pydicom.data import get_testdata_file

    from radshare.core.redact.apply import decode_frames
    from radshare.core.sources import read_dicom

    with open(get_testdata_file("examples_jpeg2k.dcm"), "rb") as handle:
        frames, _ = decode_frames(read_dicom(handle.read(), "examples_jpeg2k.dcm"))
    assert frames[0].shape == (480, 640, 3)
    return frames[0]


def _planted(frame: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """`frame` with a 10 px condensed date in light grey over the speckle; (frame, ink box)."""
    face = ImageFont.truetype(str(FONT_DIR / "DejaVuSansCondensed.ttf"), size=10)
    text = "2017/09/03 12:26"
    left, top, right, bottom = face.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=face)
    mask = np.asarray(canvas, np.float32)[..., None] / 255
    image = frame.astype(np.float32)
    x, y = 120, 250
    image[y : y + mask.shape[0], x : x + mask.shape[1]] = image[y : y + mask.shape[0], x : x + mask.shape[1]] * (1 - mask) + 200 * mask
    ys, xs = np.nonzero(mask[..., 0] > 0.25)
    box = (x + int(xs.min()), y + int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    return np.clip(image, 0, 255).astype(np.uint8), box


def test_small_text_on_a_640_px_frame_is_painted(ultrasound):
    image, box = _planted(ultrasound)
    assert coverage(painted_mask(image.shape, detect_text(image)), box) >= 0.9


def test_without_the_native_pass_the_small_text_goes_out(ultrasound):
    """The test above can fail: shrunk to 512 px, the date is found only in part."""
    image, box = _planted(ultrasound)
    with overridden(fine_scale={"native": False}):
        assert coverage(painted_mask(image.shape, detect_text(image)), box) < 0.9


def test_the_frame_s_own_text_is_found_as_before(ultrasound):
    """The pass adds no region of its own to the ultrasound as it is (its device text and colour
    bars): every box overlaps one found without the pass (the tight merge may split one region
    into overlapping ones, so regions are not counted)."""
    on = [r.as_box() for r in detect_text(ultrasound)]
    with overridden(fine_scale={"native": False}):
        off = [r.as_box() for r in detect_text(ultrasound)]

    def overlaps(a, b) -> bool:
        return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]

    assert on and off
    assert all(any(overlaps(a, b) for b in off) for a in on)
