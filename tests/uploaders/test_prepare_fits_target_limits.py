"""Core's preparation fits de-identified pixels to a target's limits, from pixels only."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from radshare.core.prepare import PrepareError, fit_image, fit_to_limits, initial_size
from radshare.uploaders.base import Limits
from tests.uploaders.uploader_samples import grey_radiograph, smooth_rgb


def _decode(data: bytes) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


def test_large_photo_fits_a_byte_cap_and_a_dimension_cap():
    rgb = smooth_rgb(1500, 2000)
    fitted = fit_to_limits(rgb, Limits(max_bytes=250_000, max_dimension=1200, formats=("jpeg", "png")))
    assert fitted.size <= 250_000
    image = _decode(fitted.data)
    assert image.format == "JPEG"
    assert max(image.size) <= 1200
    assert (fitted.width, fitted.height) == image.size


def test_tight_cap_forces_quality_and_downscale_loop():
    rgb = smooth_rgb(1000, 1000, seed=3)
    fitted = fit_image(rgb, max_bytes=40_000, formats=("jpeg",))
    assert fitted.size <= 40_000
    assert fitted.width < 1000  # had to downscale, not only lower the quality
    assert fitted.quality is not None


def test_grey_image_stays_lossless_png_when_it_fits():
    grey = grey_radiograph(512)
    fitted = fit_image(grey, max_bytes=5_000_000, formats=("jpeg", "png"))
    assert fitted.format == "png"
    decoded = np.asarray(_decode(fitted.data))
    assert decoded.shape == grey.shape
    assert np.array_equal(decoded, grey)


def test_max_pixels_and_dimension_are_both_respected():
    w, h = initial_size(4000, 3000, max_pixels=1_000_000, max_dimension=900)
    assert max(w, h) <= 900 and w * h <= 1_000_000
    w, h = initial_size(4000, 3000, max_pixels=1_000_000, max_dimension=None)
    assert w * h <= 1_000_000 and w > 1100


def test_encoded_bytes_carry_no_metadata():
    fitted = fit_image(smooth_rgb(300, 400), max_bytes=200_000, formats=("jpeg",))
    image = _decode(fitted.data)
    assert not image.getexif()
    assert "exif" not in image.info and "comment" not in image.info


def test_png_only_target_downscales_until_it_fits():
    rgb = smooth_rgb(800, 800, seed=5)
    fitted = fit_image(rgb, max_bytes=100_000, formats=("png",))
    assert fitted.format == "png" and fitted.size <= 150_000


def test_impossible_cap_is_reported_not_looped_forever():
    with pytest.raises(PrepareError):
        fit_image(smooth_rgb(400, 400), max_bytes=200, formats=("jpeg",))


def test_non_uint8_pixels_are_refused():
    with pytest.raises(PrepareError):
        fit_image(np.zeros((10, 10), dtype=np.uint16))
