"""Glyphs drawn in square pixels enlarged k times (bitmap fonts): read once smoothed at that scale.

Why: many devices burn text in a bitmap font enlarged by whole pixels (2x, 3x), drawn in one grey
without anti-aliasing. Every stroke then has staircase corners k px wide, which the learned
recogniser (trained on smooth type) reads as other characters, unsurely: a 3x pixel-font label
"DOB 05-OCT-1978" over MR gyri read as "D+E 05-0cT-1$7" with 2 characters at 0.9, so the rule for
a line nothing else found (3 sure characters, never smoothed) dropped it. Smoothed by half a
block, the same glyphs read "0OB05-00T-197" with 10 characters at 0.9 or more.

The smoothing is not for every box: on anatomy it makes noise look like strokes (a Doppler
region smoothed read as a word), so it is used only where the box's pixels show the bitmap's own
signature, which anatomy and rendered type do not: the runs of one exact grey along its rows and
columns are whole multiples of one block size k >= 2 (`block_factor`).
"""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def _interior_runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of equal values along each row of `mask`, less the first and last run
    of every row (cut by the box's edge, so of no length of their own)."""
    lengths = []
    for row in mask:
        edges = np.flatnonzero(np.diff(row.astype(np.int8))) + 1
        if edges.size >= 2:
            lengths.append(np.diff(edges))
    return np.concatenate(lengths) if lengths else np.zeros(0, int)


def block_factor(grey: np.ndarray, box: Box) -> int:
    """k >= 2 when the box's most common grey is laid out in k x k squares (a bitmap font enlarged
    k times), else 1: along both rows and columns, at least `pixel_font_min_runs` interior runs of
    that exact grey and of the rest, `pixel_font_share` of them whole multiples of k."""
    x, y, w, h = box[:4]
    crop = grey[y : y + h, x : x + w]
    if crop.dtype != np.uint8 or crop.ndim != 2 or min(crop.shape) < 4:
        return 1
    mask = crop == np.argmax(np.bincount(crop.ravel(), minlength=256))
    runs = (_interior_runs(mask), _interior_runs(mask.T))
    if min(r.size for r in runs) < settings().vertical_text.pixel_font_min_runs:
        return 1
    for k in range(settings().vertical_text.pixel_font_max_factor, 1, -1):
        if all(np.mean(r % k == 0) >= settings().vertical_text.pixel_font_share for r in runs):
            return k
    return 1


def smoothed_view(grey: np.ndarray, box: Box) -> np.ndarray | None:
    """The frame with the box and a margin around it smoothed by pixel_font_smooth blocks (the rest
    as it is), for the recogniser to read the box in; None when the box shows no bitmap blocks."""
    if not settings().vertical_text.pixel_font_reads:
        return None
    k = block_factor(grey, box)
    if k < 2:
        return None
    x, y, w, h = box[:4]
    m = max(w, h) // 2 + 2 * k
    rows, cols = grey.shape[:2]
    y0, y1, x0, x1 = max(0, y - m), min(rows, y + h + m), max(0, x - m), min(cols, x + w + m)
    view = grey.copy()
    part = cv2.GaussianBlur(grey[y0:y1, x0:x1].astype(np.float32), (0, 0), settings().vertical_text.pixel_font_smooth * k)
    view[y0:y1, x0:x1] = np.clip(np.rint(part), 0, 255).astype(grey.dtype)
    return view
