"""The encoder every writer uses: pixels only, any content, both formats."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from radshare.core.export.images import encode_image


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
@pytest.mark.parametrize("quality", [60, 92, 100])
def test_pure_noise_encodes_at_any_quality(fmt, quality):
    noise = np.random.default_rng(3).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    data = encode_image(noise, fmt, quality=quality)
    decoded = PILImage.open(io.BytesIO(data))
    assert decoded.size == (400, 300)
    assert not decoded.info.get("exif") and not getattr(decoded, "text", {})


def test_png_round_trips_exactly_and_grey_stays_grey():
    grey = np.arange(256, dtype=np.uint8).reshape(16, 16)
    decoded = np.asarray(PILImage.open(io.BytesIO(encode_image(grey, "png"))))
    assert decoded.shape == (16, 16) and np.array_equal(decoded, grey)


def test_only_8_bit_pixels_are_accepted():
    with pytest.raises(ValueError, match="8-bit"):
        encode_image(np.zeros((4, 4), dtype=np.uint16), "png")
