"""A line drawn in one grey across grounds darker and brighter than itself, read as a mask of that grey.

Why: devices burn text in one grey. Where a label crosses a dark region and a bright one (a
vertical label over an MR's black ventricle and a bright fat ellipse), the crop the recogniser
reads is stretched to the ground's range, and the label's grey lies in the middle of it, faint:
a 2x pixel-font "Se:9 Im:1" in such a box read as "TE" and a CJK sign, nothing sure. A view that
holds only the box's commonest grey, black on white, shows its glyphs at full contrast
("S4:+lm:1", three characters sure). Only unread boxes whose commonest grey could be a label's
are read so: it covers a label's share of the box (`vertical_text.trim_ink_shares`), it is not
the ground (`one_grey_view.min_off` levels off the box's median) and the ground spans more than
the label stands off it (`one_grey_view.range_ratio`: the stretch is spent on the ground), by the
rule for a line nothing else found; at most `one_grey_view.max_looks` a frame (time).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from radshare.core.redact.column_pieces import label_grey
from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def mask_view(grey: np.ndarray, box: Box) -> np.ndarray | None:
    """A frame-sized view: white, but black where the pixels around `box` hold its commonest grey
    (within 1 level); None when that grey does not look like a label's across grounds (see module)."""
    x, y, w, h = box[:4]
    crop = grey[y : y + h, x : x + w]
    if crop.dtype != np.uint8 or crop.ndim != 2 or crop.size == 0:
        return None
    found = label_grey(crop)
    if found is None:
        return None
    value = found[0]
    lo, mid, hi = np.percentile(crop, (2, 50, 98))
    off = abs(value - float(mid))
    if off < settings().one_grey_view.min_off or hi - lo < settings().one_grey_view.range_ratio * off:
        return None
    rows, cols = grey.shape
    m = max(w, h) // 2 + 4  # the recogniser's crop takes a margin around the box
    y0, y1, x0, x1 = max(0, y - m), min(rows, y + h + m), max(0, x - m), min(cols, x + w + m)
    view = np.full_like(grey, 255)
    view[y0:y1, x0:x1] = np.where(np.abs(grey[y0:y1, x0:x1].astype(np.int16) - value) <= 1, 0, 255)
    return view


def read_masks(grey: np.ndarray, unread: list[Box], reads: Callable[[np.ndarray, Box], bool]) -> list[Box]:
    """The `unread` boxes whose mask view (see `mask_view`) `reads(view, box)` confirms; the
    `one_grey_view.max_looks` longest boxes with such a view only."""
    looks = sorted(unread, key=lambda b: -max(b[2], b[3]))
    confirmed, tried = [], 0
    for box in looks:
        if tried >= settings().one_grey_view.max_looks:
            break
        view = mask_view(grey, box)
        if view is None:
            continue
        tried += 1
        if reads(view, box):
            confirmed.append(box)
    return confirmed
