"""Fit de-identified pixels to a sharing target's limits: resize, re-encode, compress.

Every image RadShare sends is encoded here, from an RGB (or grey) uint8 numpy array of
de-identified, text-redacted pixels, never from an input file: services such as WordPress and
Bluesky store and serve exactly the bytes they are given, so a file's own bytes would carry its
metadata along. Encoding goes through `radshare.core.export.images.encode_image`, which writes
nothing but the pixels.

The fit: scale down to `max_dimension` (longest side) and `max_pixels` (width x height); try the
preferred lossless PNG where accepted; otherwise JPEG with a falling quality ladder; when even the
lowest quality is over `max_bytes`, downscale (by the square root of cap/size, as bytes grow with
pixel count, clamped to 50-90 %) and try again, until it fits or the image would be smaller than
`MIN_SIDE` pixels (then `PrepareError`).

`limits` is any object with the attributes `max_bytes`, `max_pixels`, `max_dimension`, `formats`
(None meaning no limit), e.g. `radshare.uploaders.base.Limits`; core does not import uploaders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Sequence

import numpy as np
from PIL import Image as PILImage

from radshare.core.errors import RadShareError
from radshare.core.export.images import encode_image

Format = Literal["png", "jpeg"]
QUALITY_LADDER: tuple[int, ...] = (90, 82, 74)  # below ~74, a smaller image looks better than more artefacts
DOWNSCALE_MIN, DOWNSCALE_MAX = 0.5, 0.9
MIN_SIDE = 64


class PrepareError(RadShareError):
    """The image cannot be made to fit the target's limits."""


@dataclass(frozen=True)
class FittedImage:
    """Encoded bytes plus what was done to get them (for the composer's "what is sent" line)."""

    data: bytes
    format: Format
    width: int
    height: int
    quality: int | None  # JPEG quality; None for PNG
    scale: float  # final width / source width

    @property
    def size(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"FittedImage({self.format}, {self.width}x{self.height}, {self.size} bytes, q={self.quality})"


def _as_uint8_pixels(rgb: np.ndarray) -> np.ndarray:
    array = np.asarray(rgb)
    if array.dtype != np.uint8:
        raise PrepareError("prepare expects 8-bit rendered pixels (window the image first)")
    if array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise PrepareError(f"cannot prepare an array of shape {array.shape}")
    if min(array.shape[:2]) < 1:
        raise PrepareError("the image is empty")
    return np.ascontiguousarray(array)


def _is_grey(array: np.ndarray) -> bool:
    if array.ndim == 2:
        return True
    return bool(np.array_equal(array[:, :, 0], array[:, :, 1]) and np.array_equal(array[:, :, 1], array[:, :, 2]))


def _resize(array: np.ndarray, width: int, height: int) -> np.ndarray:
    if (height, width) == array.shape[:2]:
        return array
    mode = "L" if array.ndim == 2 else "RGB"
    image = PILImage.fromarray(array, mode=mode).resize((width, height), PILImage.Resampling.LANCZOS)
    return np.asarray(image)


def initial_size(width: int, height: int, max_pixels: int | None, max_dimension: int | None) -> tuple[int, int]:
    """The largest (w, h) with the same aspect ratio inside the pixel and dimension limits."""
    scale = 1.0
    if max_dimension:
        scale = min(scale, max_dimension / max(width, height))
    if max_pixels:
        scale = min(scale, math.sqrt(max_pixels / (width * height)))
    if scale >= 1.0:
        return width, height
    w = max(1, int(math.floor(width * scale)))
    h = max(1, int(math.floor(height * scale)))
    # floor can still leave w*h one row over the cap through rounding: shrink until inside
    while max_pixels and w * h > max_pixels:
        w, h = max(1, w - 1), max(1, int(math.floor((w - 1) * height / width)))
    return w, h


def fit_image(
    rgb: np.ndarray,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_dimension: int | None = None,
    formats: Sequence[str] = ("jpeg", "png"),
    prefer: Format | None = None,
    icc_profile: bytes | None = None,
) -> FittedImage:
    """Encode `rgb` to fit the limits (see module docstring). Grey images stay single-channel.

    `prefer="png"` keeps the image lossless when PNG is accepted and fits; by default PNG is
    preferred for grey images (radiographs, CT) and JPEG for colour photos.
    """
    array = _as_uint8_pixels(rgb)
    accepted = [f for f in ("png", "jpeg") if f in set(formats)]
    if not accepted:
        raise PrepareError("the target accepts neither PNG nor JPEG")
    if _is_grey(array) and array.ndim == 3:
        array = np.ascontiguousarray(array[:, :, 0])
    source_h, source_w = array.shape[:2]
    if prefer is None:
        prefer = "png" if array.ndim == 2 else "jpeg"
    if prefer not in accepted:
        prefer = accepted[-1]
    # PNG is tried only when preferred or when it is all the target takes: a colour photo as
    # PNG is rarely smaller than JPEG, and encoding it costs time.
    order: list[Format] = [prefer] + ([f for f in accepted if f != prefer] if prefer == "png" else [])

    width, height = initial_size(source_w, source_h, max_pixels, max_dimension)
    first = True
    smallest = 0
    while True:
        if min(width, height) < MIN_SIDE and not (first and min(source_w, source_h) < MIN_SIDE):
            raise PrepareError(f"the image cannot be made smaller than {max_bytes} bytes at a useful size")
        pixels = _resize(array, width, height)
        for fmt in order:
            qualities: Iterable[int | None] = (None,) if fmt == "png" else QUALITY_LADDER
            for quality in qualities:
                data = encode_image(pixels, fmt, quality=quality or 92, icc_profile=icc_profile)
                smallest = len(data) if fmt == "jpeg" or len(order) == 1 else smallest
                if max_bytes is None or len(data) <= max_bytes:
                    return FittedImage(data, fmt, width, height, quality, width / source_w)
                if fmt == "png" and len(order) > 1 and len(data) > 2 * max_bytes:
                    order = [f for f in order if f != "png"]  # far over: stop paying for PNG
        if max_bytes is None:  # unreachable: every encoding fits when there is no cap
            raise PrepareError("encoding failed")
        first = False
        step = math.sqrt(max_bytes / smallest) * 0.95 if smallest else DOWNSCALE_MAX
        step = min(DOWNSCALE_MAX, max(DOWNSCALE_MIN, step))
        width = max(1, int(width * step))
        height = max(1, int(height * step))


def fit_to_limits(rgb: np.ndarray, limits: Any, prefer: Format | None = None, icc_profile: bytes | None = None) -> FittedImage:
    """`fit_image` with the limits read from an object such as `uploaders.base.Limits`."""
    return fit_image(
        rgb,
        max_bytes=getattr(limits, "max_bytes", None),
        max_pixels=getattr(limits, "max_pixels", None),
        max_dimension=getattr(limits, "max_dimension", None),
        formats=tuple(getattr(limits, "formats", ("jpeg", "png"))),
        prefer=prefer,
        icc_profile=icc_profile,
    )
