"""Text drawn in one grey that the ground around it never reaches: proposed from that grey alone.

Why: over textured anatomy (MR gyri, trabecular bone) a label's strokes are no crisper than the
texture's own edges. After contrast normalisation DB sees the texture's blobs as text all around
and the label as nothing, turned or upright, at every scale; the ink maps (strokes several noise
sigmas off a median background) break the strokes into pieces, as the texture's sigma is high.
Yet a reader sees the label at once, because an overlay is drawn in one exact grey and that grey
lies beyond everything the ground holds beside the line (brighter than the brightest gyrus).

So the frame's grey values are searched for that signature: values held by many flat pixels off
the ground, far more than by the values just beside them (a spike in the histogram; a texture's
or a body's values spread smoothly over a range). The pixels of each such value make a mask in
which the usual line-of-glyphs tests (classical._line_proposals) find the lines, upright or
vertical; a line is kept only where the rows (or columns) beside it across the line hold the
value rarely and lie wholly on one side of it (texture extremes, a body's plateau and
a label patch's own grey fail this), and so is one thicker than a line of text (the speckle of a
Doppler region in one saturated colour grouped into a block). Pieces of one line are joined, and
a line is painted only where the recogniser reads three sure characters in it, the rule for any
line nothing else found (detect.py; at the painting rule, a hand's bones in one saturated grey
were read as text). Pixel fonts the recogniser cannot read stay unpainted here.
Lossless frames only, like the other one-grey tests: JPEG scatters the one value.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from radshare.core.redact import classical, verify
from radshare.core.redact.boxes import union_box
from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def ink_values(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, flat: np.ndarray) -> list[int]:
    """Grey values (at most beyond_values) held by at least beyond_min_pixels flat pixels off the
    ground (within +-1), beyond_spike times as many as the average value 4-8 levels away holds."""
    off = np.abs(diff) >= np.maximum(settings().vertical_text.beyond_off_ground, settings().vertical_text.beyond_off_z * sigma)
    hist = np.bincount(grey[flat & off], minlength=256).astype(np.float64)
    core = np.convolve(hist, np.ones(3), "same")  # v-1..v+1
    side = (np.convolve(hist, np.ones(17), "same") - np.convolve(hist, np.ones(7), "same")) * (3 / 10)  # 10 values 4-8 away, per 3
    spiky = (core >= settings().vertical_text.beyond_min_pixels) & (core >= settings().vertical_text.beyond_spike * side)
    values: list[int] = []
    most = settings().vertical_text.beyond_values
    for v in np.argsort(-core):
        if len(values) == most:
            break
        if spiky[v] and all(abs(int(v) - u) > 2 for u in values):
            values.append(int(v))
    return values


def _beside(grey: np.ndarray, box: Box) -> np.ndarray:
    """The pixels beside a line across its length: columns left and right of a tall box, rows
    above and below a wide one, as far as its short side (at least 4 px)."""
    x, y, w, h = box
    reach = max(4, min(w, h))
    if h > w:
        parts = (grey[y : y + h, max(0, x - reach) : x], grey[y : y + h, x + w : x + w + reach])
    else:
        parts = (grey[max(0, y - reach) : y, x : x + w], grey[y + h : y + h + reach, x : x + w])
    return np.concatenate([p.ravel() for p in parts])


def stands_beyond(grey: np.ndarray, box: Box, value: int) -> bool:
    """True when the ground beside the line holds `value` (+-2) in at most beyond_ring_share of
    its pixels and the value lies outside that ground's 2nd..98th percentile range."""
    ring = _beside(grey, box).astype(np.int16)
    if ring.size < 20:
        return False
    low, high = np.percentile(ring, (2, 98))
    share = float(np.mean(np.abs(ring - value) <= 2))
    return share <= settings().vertical_text.beyond_ring_share and (value > high or value < low)


def proposals(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, flat: np.ndarray) -> list[Box]:
    """Lines of glyphs drawn in one of the frame's ink values (see module doc), as (x, y, w, h)."""
    found: list[Box] = []
    rows, cols = grey.shape[:2]
    ground = grey.astype(np.int16) - diff
    kernel = np.ones((3, 3), np.uint8)
    for value in ink_values(grey, diff, sigma, flat):
        near = np.zeros(256, np.uint8)
        near[max(0, value - 1) : value + 2] = 1
        core = cv2.LUT(grey, near)  # the value +-1
        # grown by a pixel into the anti-aliased edges (pixels at least half way from the ground
        # to the value): a thin stroke holds the exact value only along its middle; tested on
        # the edge pixels alone (a whole-frame test per value was most of the pass's own time)
        edge = np.nonzero(cv2.dilate(core, kernel) > core)
        mask = core.copy()
        mask[edge] = diff[edge] * np.sign(value - ground[edge]) >= 0.5 * np.abs(value - ground[edge])
        lines = [b for b in classical._line_proposals(mask) if verify.within_line_size(b, rows, cols)]
        found += [b for b in _joined(lines) if stands_beyond(grey, b, value)]
    return found


def unread(lines: list[Box], read: list[Box]) -> list[Box]:
    """The `lines` not lying wholly inside one of the `read` boxes (read as text already, so painted
    whatever a reading of the line would say); all of them with economy.skip_read_inside off.
    Most lines this pass proposes are overlay text the other passes found and read: reading them
    again was two thirds of the pass's readings."""
    if not settings().economy.skip_read_inside:
        return list(lines)
    return [b for b in lines if not any(r[0] <= b[0] and r[1] <= b[1] and b[0] + b[2] <= r[0] + r[2] and b[1] + b[3] <= r[1] + r[3]
                                        for r in read)]


def _joined(boxes: list[Box]) -> list[Box]:
    """Pieces of one line joined: boxes sharing most of their extent across the line (columns of
    tall ones, rows of wide ones) and at most beyond_join_gap times its thickness apart along it.
    The glyph grouping stops at a colon or a word gap, and a piece of two glyphs is too short for
    the recogniser to confirm (it asks three sure characters of a line nothing else found)."""
    out = list(boxes)
    gap = settings().vertical_text.beyond_join_gap  # once, not per pair
    changed = True
    while changed:
        changed = False
        for i, j in itertools.combinations(range(len(out)), 2):
            if _same_line(out[i], out[j], gap):
                out[i] = union_box([out[i], out[j]])
                del out[j]
                changed = True
                break
    return out


def _same_line(a, b, gap_share: float) -> bool:
    """True when `a` and `b` lie on one line (see _joined: `gap_share` is beyond_join_gap), vertical or horizontal.
    A piece far longer across the line than along it is a line of the other way (two lines of a
    corner block stacked, with their lengths taken for a thickness), never a piece of this one."""
    longest = settings().vertical_text.beyond_join_max_across
    for across, along in ((0, 1), (1, 0)):  # (x, y) for vertical lines, (y, x) for horizontal ones
        if max(a[across + 2] / a[along + 2], b[across + 2] / b[along + 2]) > longest:
            continue
        a0, a1, b0, b1 = a[across], a[across] + a[across + 2], b[across], b[across] + b[across + 2]
        thick = min(a[across + 2], b[across + 2])
        shared = min(a1, b1) - max(a0, b0)
        gap = max(a[along], b[along]) - min(a[along] + a[along + 2], b[along] + b[along + 2])
        if shared >= 0.7 * max(a[across + 2], b[across + 2]) and gap <= gap_share * thick:
            return True
    return False
