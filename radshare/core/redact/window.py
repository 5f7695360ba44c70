"""The display the user sees: a DICOM frame in its own window or VOI LUT, for the detector.

The detectors map a frame's stored values min..max to 8 bits (pixels.to_uint8), which keeps
text written at the extreme value. But a device also burns text at the edge of the display
window (white in the window) or in a grey the window shows clearly, and on a 12-bit CT with a
400 HU window over a 4000 HU range such text stands a few grey levels off the ground in the
min..max view and was missed (identifiers planted into real text-free DICOM files,
benchmarks/text_redaction.py --held-out: 61-75% of window-edge lines found, 97-100% with this
view; all planted lines 71-78% -> 91-96%). So a frame whose window
spans a small part of its stored range is searched twice, as stored and as displayed, and the
regions of both are painted. The stored-range search stays: anyone can re-window the output.
Likewise a 1-bit image (a mask kept as an image) decodes to bytes of 0 and 1, which the
detectors took as an 8-bit frame, nearly black: it is searched stretched to 0..255.
"""

from __future__ import annotations

import numpy as np

from radshare.core.redact.settings import current as settings


def display_frames(ds, frames: np.ndarray) -> np.ndarray | None:
    """(n, rows, cols) uint8 frames as displayed (Modality LUT, then the first window or VOI LUT
    of the data set; fewer than 8 bits stored in bytes stretched to 0..255), or None when there is
    no window, the frames are colour, the window spans more than display_view.max_window_share of
    the stored range, or the view is off."""
    if not settings().display_view.enabled or frames.ndim != 3 or frames.size == 0:
        return None
    bits = int(ds.get("BitsStored", 8) or 8)
    if frames.dtype == np.uint8 and bits < 8:  # 1-bit (a mask kept as an image): 0/1 would look black
        return (frames.astype(np.uint16) * 255 // (2**bits - 1)).astype(np.uint8)
    if not (("WindowCenter" in ds and "WindowWidth" in ds) or "VOILUTSequence" in ds):
        return None
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        shown = np.stack([apply_voi_lut(apply_modality_lut(frame, ds), ds, index=0) for frame in frames]).astype(np.float32)
        stored = apply_modality_lut(frames, ds).astype(np.float32)
    except Exception:  # noqa: BLE001 - a damaged window or LUT: the stored-range search still runs
        return None
    span = float(stored.max() - stored.min())
    low, high = _window_span(ds, stored, shown)
    if span <= 0 or high - low > settings().display_view.max_window_share * span:
        return None
    lo, hi = float(shown.min()), float(shown.max())
    if hi <= lo:
        return None
    return np.clip((shown - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


def _window_span(ds, stored: np.ndarray, shown: np.ndarray) -> tuple[float, float]:
    """(low, high) modality values between which the display changes: the stored values whose
    displayed value lies strictly between the display's black and white."""
    inside = (shown > shown.min()) & (shown < shown.max())
    if not inside.any():
        return float(stored.min()), float(stored.min())  # a 1-level display: narrowest possible
    values = stored[inside]
    return float(values.min()), float(values.max())
