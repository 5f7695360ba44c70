"""Paint regions out of pixel arrays and rewrite a DICOM dataset's pixel data, redacted.

The promise: either the dataset comes back with every region painted on every frame it names,
pixel data uncompressed (Explicit VR Little Endian) and Burned In Annotation = NO, or
InputError is raised and the caller writes nothing. There is no half-redacted outcome.
"""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.errors import InputError
from radshare.core.model import TextRegion


def _black_value(frames: np.ndarray, photometric: str):
    """The stored value that displays as black for this photometric interpretation."""
    if frames.ndim == 4:
        return 0
    if np.issubdtype(frames.dtype, np.integer):
        info = np.iinfo(frames.dtype)
        lo, hi = (int(frames.min()), int(frames.max())) if frames.size else (info.min, info.max)
    else:
        lo, hi = float(frames.min()), float(frames.max())
    return hi if photometric.upper() == "MONOCHROME1" else lo


def _blur(patch: np.ndarray) -> np.ndarray:
    """Pixelate to blocks half the box's short side, then smooth: no strokes survive to be read."""
    h, w = patch.shape[:2]
    block = max(6, min(h, w) // 2)
    small = cv2.resize(patch.astype(np.float32), (max(1, w // block), max(1, h // block)), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    k = (block | 1) * 2 + 1
    big = cv2.GaussianBlur(big, (k, k), 0)
    if big.ndim == 2 and patch.ndim == 3:
        big = big[..., None]
    return np.rint(big).astype(patch.dtype) if np.issubdtype(patch.dtype, np.integer) else big.astype(patch.dtype)


def apply_regions(frames: np.ndarray, regions: list[TextRegion], photometric: str = "MONOCHROME2") -> np.ndarray:
    """A new array with every region painted (solid black-on-display, or blurred); keep=True left.

    `frames` is (n, rows, cols) or (n, rows, cols, 3). A region with frame=None applies to every
    frame. Raises InputError for a region naming a frame that does not exist or lying wholly
    outside the image (it would silently paint nothing).
    """
    out = frames.copy()
    n, rows, cols = frames.shape[:3]
    black = _black_value(frames, photometric)
    for region in regions:
        if region.keep:
            continue
        if region.frame is not None and not 0 <= region.frame < n:
            raise InputError("a redaction region names a frame the image does not have")
        x0, y0 = max(0, int(region.x)), max(0, int(region.y))
        x1, y1 = min(cols, int(region.x + region.w)), min(rows, int(region.y + region.h))
        if x1 <= x0 or y1 <= y0:
            raise InputError("a redaction region lies outside the image")
        targets = range(n) if region.frame is None else [region.frame]
        for i in targets:
            if region.fill == "blur":
                out[i, y0:y1, x0:x1] = _blur(out[i, y0:y1, x0:x1])
            else:
                out[i, y0:y1, x0:x1] = black
    return out


def decode_frames(ds) -> tuple[np.ndarray, str]:
    """(frames with a frame axis, photometric after decoding). YBR is converted to RGB."""
    if "PixelData" not in ds:
        raise InputError("the image has no pixel data to redact")
    try:
        arr = ds.pixel_array  # pydicom 3 converts YBR_* to RGB by default
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "cannot redact"
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "unknown")
        raise InputError(f"pixel data could not be decoded for redaction (transfer syntax {syntax})") from exc
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    samples = int(ds.get("SamplesPerPixel", 1))
    frames_count = int(ds.get("NumberOfFrames", 1) or 1)
    if samples == 3:
        photometric = "RGB"
        if arr.ndim == 3:
            arr = arr[None]
    elif samples == 1:
        if arr.ndim == 2:
            arr = arr[None]
    else:
        raise InputError(f"cannot redact images with {samples} samples per pixel")
    if arr.shape[0] != frames_count:
        raise InputError("the number of decoded frames does not match Number of Frames")
    if photometric not in ("MONOCHROME1", "MONOCHROME2", "RGB"):
        raise InputError(f"cannot redact {photometric} images")
    return arr, photometric


def redact_dataset(ds, regions: list[TextRegion]) -> None:
    """Paint `regions` into `ds`'s pixels and store them uncompressed; BurnedInAnnotation = NO.

    Raises InputError (the dataset is then left as it was) when the pixels cannot be decoded,
    a region cannot be painted, or the result cannot be stored.
    """
    frames, photometric = decode_frames(ds)
    painted = apply_regions(frames, regions, photometric)
    if painted.shape[0] == 1:
        painted = painted[0]
    bits_stored = int(ds.get("BitsStored", 8 * painted.dtype.itemsize))
    if photometric == "RGB":
        painted = painted.astype(np.uint8, copy=False)
        bits_stored = 8
    try:
        ds.set_pixel_data(painted, photometric, bits_stored, generate_instance_uid=False)  # keyed UIDs stay stable
    except Exception as exc:  # noqa: BLE001
        raise InputError("redacted pixel data could not be stored") from exc
    if photometric == "RGB":
        ds.PlanarConfiguration = 0
    ds.BurnedInAnnotation = "NO"
