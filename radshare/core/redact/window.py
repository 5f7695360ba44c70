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
    the first frame's stored range, or the view is off."""
    if not settings().display_view.enabled or frames.ndim != 3 or frames.size == 0:
        return None
    bits = int(ds.get("BitsStored", 8) or 8)
    if frames.dtype == np.uint8 and bits < 8:  # 1-bit (a mask kept as an image): 0/1 would look black
        return (frames.astype(np.uint16) * 255 // (2**bits - 1)).astype(np.uint8)
    if not (("WindowCenter" in ds and "WindowWidth" in ds) or "VOILUTSequence" in ds):
        return None
    try:
        first = _shown(ds, frames[0])
        stored = _stored(ds, frames[0])
    except Exception:  # noqa: BLE001 - a damaged window or LUT: the stored-range search still runs
        return None
    span = float(stored.max() - stored.min())
    low, high = _window_span(stored, first)
    lo, hi = float(first.min()), float(first.max())  # the display's black and white
    if span <= 0 or high - low > settings().display_view.max_window_share * span or hi <= lo:
        return None
    out = np.empty(frames.shape, np.uint8)  # frame by frame: a long cine never sits in memory as floats
    for index, frame in enumerate(frames):
        shown = first if index == 0 else _shown(ds, frame)
        out[index] = np.clip((shown - lo) * (255.0 / (hi - lo)), 0, 255)
    return out


def _shown(ds, frame: np.ndarray) -> np.ndarray:
    """Displayed values of one frame: Modality LUT, then the first window or VOI LUT."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    return apply_voi_lut(apply_modality_lut(frame, ds), ds, index=0).astype(np.float32)


def _stored(ds, frame: np.ndarray) -> np.ndarray:
    """Modality values (Rescale Slope/Intercept or Modality LUT) of one frame."""
    from pydicom.pixels import apply_modality_lut

    return apply_modality_lut(frame, ds).astype(np.float32)


def _window_span(stored: np.ndarray, shown: np.ndarray) -> tuple[float, float]:
    """(low, high) modality values between which the display changes: the stored values whose
    displayed value lies strictly between the display's black and white."""
    inside = (shown > shown.min()) & (shown < shown.max())
    if not inside.any():
        return float(stored.min()), float(stored.min())  # a 1-level display: narrowest possible
    values = stored[inside]
    return float(values.min()), float(values.max())
