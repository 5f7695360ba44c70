"""Encode pixels as PNG or JPEG with nothing but the pixels.

Every image RadShare writes or sends is encoded here from a numpy array, so no metadata from an
input (EXIF, XMP, IPTC, comments, PNG text chunks, thumbnails) can ride along: Pillow is given a
fresh image built from the array, and no `exif`, `pnginfo` or `comment` is passed.
"""

from __future__ import annotations

import io
from typing import Literal

import numpy as np
from PIL import Image as PILImage
from PIL import ImageFile

Format = Literal["png", "jpeg"]


def to_pil(rgb: np.ndarray) -> PILImage.Image:
    """A fresh Pillow image from an (h, w, 3) or (h, w) uint8 array."""
    array = np.ascontiguousarray(rgb)
    if array.dtype != np.uint8:
        raise ValueError("encode expects 8-bit pixels; render or window the image first")
    if array.ndim == 2:
        return PILImage.fromarray(array, mode="L")
    if array.ndim == 3 and array.shape[2] == 3:
        return PILImage.fromarray(array, mode="RGB")
    if array.ndim == 3 and array.shape[2] == 4:
        return PILImage.fromarray(array[:, :, :3], mode="RGB")
    raise ValueError(f"cannot encode an array of shape {array.shape}")


def encode_image(
    rgb: np.ndarray, fmt: Format = "png", quality: int = 92, icc_profile: bytes | None = None
) -> bytes:
    """PNG (lossless) or JPEG bytes of `rgb`, carrying no metadata but an optional ICC profile."""
    image = to_pil(rgb)
    out = io.BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "png":
        image.save(out, format="PNG", optimize=False, compress_level=6, **extra)
    elif fmt == "jpeg":
        # Optimised JPEG writes in one block; noisy pixels at high quality outgrow Pillow's default.
        ImageFile.MAXBLOCK = max(ImageFile.MAXBLOCK, image.width * image.height * 4 + 65536)
        image.save(out, format="JPEG", quality=int(quality), optimize=True, subsampling=0 if quality >= 90 else 2, **extra)
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return out.getvalue()


def extension(fmt: Format) -> str:
    return {"png": ".png", "jpeg": ".jpg"}[fmt]
