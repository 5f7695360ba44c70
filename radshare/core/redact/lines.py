"""Growing faint text boxes along their line, so that a line found in pieces is painted whole.

Why: on faint or mixed ground the detectors often find only part of a line (the glyphs where
the ground is darkest, or the half that is not over a structure); the rest stands off its own
background just as well, it only failed the detectors' glyph and network tests. A box grows
along its line while the band it spans holds ink of the box's own polarity clearly denser than
the rows just above and below: a line of text is bounded across its length, speckle, texture
and the edges of structures are not. Growth stops at a rule line (a row inked along a whole
window: rulers, arrow shafts) and at a run of empty columns (a marking set apart from the line).
"""

from __future__ import annotations

import cv2
import numpy as np

INK_Z = 1.5  # a pixel is ink when it stands this many noise sigmas off the background...
MIN_INK = 6.0  # ...and at least this many grey levels
MIN_DENSITY = 0.12  # share of ink pixels a glyph-wide window of the band needs to count as text
CONTRAST = 2.0  # and that share must be this many times the share just above and below the band
REACH = 6  # glyph heights: the most a box grows at each end
GAP = 1.0  # glyph heights of windows without text crossed while growing (spaces, punctuation)
EMPTY_GAP = 0.4  # glyph heights of columns without any ink that end the line
RULE_SHARE = 0.8  # a window in which one row of the band is inked over this share holds a rule line
MIN_SIDE, MAX_SIDE = 5, 40  # px: boxes whose short side is outside this range are not grown

Box = tuple[int, int, int, int]


def _polarity(diff: np.ndarray, sigma: np.ndarray, box: Box) -> int:
    """+1 when the box holds bright ink, -1 for dark ink (the larger count of strong pixels)."""
    x, y, w, h = box
    d, s = diff[y : y + h, x : x + w], 2 * sigma[y : y + h, x : x + w]
    return 1 if np.count_nonzero(d > s) >= np.count_nonzero(d < -s) else -1


def _window_sums(counts: np.ndarray, win: int) -> np.ndarray:
    """Sums of `counts` (1-D, or per row of 2-D) over windows [c, c + win), one per start c."""
    c = np.cumsum(counts, axis=-1)
    pad = np.zeros(counts.shape[:-1] + (1,), c.dtype)
    c = np.concatenate((pad, c), axis=-1)
    return c[..., win:] - c[..., :-win]


def _reach(text: np.ndarray, inked: np.ndarray, start: int, stop: int, step: int, win: int, gap: int, empty_gap: int) -> int:
    """How far (in columns from `start`, walking by `step` towards `stop`) the line goes on.

    `text[i]` says whether the window of `win` columns starting at column i (step 1) or ending
    at column i (step -1) looks like text; the line goes on over at most `gap` columns whose
    window does not, and ends at the last inked column before a run of more than `empty_gap`
    empty ones.
    """
    last = None
    for i in range(start, stop, step):
        if text[i if step > 0 else i - win + 1]:
            last = i
        elif abs(i - (last if last is not None else start)) > gap:
            break
    if last is None:
        return 0
    end, empty, grown = last + step * win, 0, 0
    for i in range(start, end, step):
        if inked[i]:
            grown, empty = abs(i - start) + 1, 0
        else:
            empty += 1
            if empty > empty_gap:
                break
    return grown


def _grow_one(ink_sum: np.ndarray, ink: np.ndarray, box: Box) -> Box:
    """Wide box (x, y, w, h) grown left and right along its rows; `ink_sum` = integral image of `ink`."""
    rows, cols = ink.shape
    x, y, w, h = box
    win = max(3, h)
    reach = REACH * h + win
    lo, hi = max(0, x - reach), min(cols, x + w + reach)
    if hi - lo < win + 1:
        return box

    def density(r0: int, r1: int) -> np.ndarray:
        r0, r1 = max(0, r0), min(rows, r1)
        counts = (ink_sum[r1, lo + 1 : hi + 1] - ink_sum[r0, lo + 1 : hi + 1]
                  - ink_sum[r1, lo:hi] + ink_sum[r0, lo:hi])
        return _window_sums(counts, win) / float(max(1, r1 - r0) * win)

    band = density(y, y + h)
    text = (band >= MIN_DENSITY) & (band >= CONTRAST * np.maximum(density(y - h, y), density(y + h, y + 2 * h)))
    per_row = _window_sums(ink[y : y + h, lo:hi].astype(np.int32), win)
    text &= per_row.max(axis=0) <= RULE_SHARE * win
    inked = ink[y : y + h, lo:hi].any(axis=0)
    gap, empty_gap = int(GAP * h), int(EMPTY_GAP * h)
    right = _reach(text, inked, x + w - lo, hi - lo - win + 1, 1, win, gap, empty_gap)
    left = _reach(text, inked, x - 1 - lo, win - 2, -1, win, gap, empty_gap)
    return (x - left, y, w + left + right, h)


def grow_along_lines(diff: np.ndarray, sigma: np.ndarray, boxes: list[Box]) -> list[Box]:
    """`boxes` (x, y, w, h), each grown along its line (rows for wide boxes, columns for tall ones).

    `diff` is grey minus its median background and `sigma` the local noise, as
    classical.background_and_noise gives them.
    """
    if not boxes:
        return []
    threshold = np.maximum(MIN_INK, INK_Z * sigma)
    maps: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray]] = {}
    grown = []
    for box in boxes:
        x, y, w, h = box
        if not MIN_SIDE <= min(w, h) <= MAX_SIDE:
            grown.append(box)
            continue
        key = (_polarity(diff, sigma, box), w < h)
        if key not in maps:
            ink = (key[0] * diff > threshold).astype(np.uint8)
            if key[1]:
                ink = np.ascontiguousarray(ink.T)
            maps[key] = (cv2.integral(ink), ink)
        if w >= h:
            grown.append(_grow_one(*maps[key], box))
        else:
            gy, gx, gh, gw = _grow_one(*maps[key], (y, x, h, w))
            grown.append((gx, gy, gw, gh))
    return grown
