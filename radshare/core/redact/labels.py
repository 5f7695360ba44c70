"""Text on a flat label patch: a line DB misses because of the clutter around the label.

Why: devices and viewers burn text on a solid patch (white on a grey box, black on a white one),
and such a label over a busy ground (colour Doppler, a textured MR) was missed by every pass: DB
judged it with its surroundings (shown the label alone, or with less clutter, it found it at
0.98), and the classical pass saw the patch's edges, not glyphs. Nothing read it although the
recogniser reads it surely. A label is cheap to find without any network: a line-shaped
region of exactly one grey value (flat in every 2x2 window; the glyphs punch holes in it), as a
patch drawn by a device is. Each such region is read by the recogniser with the rule that
confirms a classical proposal (verify.reads_characters), and painted whole when it reads.

Lossless frames only: JPEG scatters the patch's one value, and the other passes remain.
"""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def label_patches(grey: np.ndarray) -> list[Box]:
    """Line-shaped regions (x, y, w, h) of one flat grey value, within whole_lines' label_* bounds,
    not touching the frame's edge (a flat border or background is not a label), smallest first."""
    rows, cols = grey.shape[:2]
    kernel = np.ones((2, 2), np.uint8)
    flat = (cv2.dilate(grey, kernel) == cv2.erode(grey, kernel)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=8)
    found = []
    for x, y, w, h, area in stats[1:count]:
        if (settings().whole_lines.label_min_height <= h <= settings().whole_lines.label_max_height
                and w >= settings().whole_lines.label_min_aspect * h
                and w * h <= settings().whole_lines.label_max_share * rows * cols
                and area >= settings().whole_lines.label_min_fill * w * h
                and x > 0 and y > 0 and x + w < cols and y + h < rows):
            found.append((int(x), int(y), int(w), int(h)))
    return sorted(found, key=lambda b: b[2] * b[3])[: settings().whole_lines.label_max_looks]


def uncovered(boxes: list[Box], found: list[Box], share: float) -> list[Box]:
    """The `boxes` that `found` boxes cover less than `share` of."""
    rows = max([b[1] + b[3] for b in boxes + found], default=0)
    cols = max([b[0] + b[2] for b in boxes + found], default=0)
    covered = np.zeros((rows, cols), bool)
    for x, y, w, h in found:
        covered[y : y + h, x : x + w] = True
    return [b for b in boxes if covered[b[1] : b[1] + b[3], b[0] : b[0] + b[2]].mean() < share]
