"""Growing text boxes along their line, so that a line found in pieces is painted whole.

Why: on faint or mixed ground the detectors often find only part of a line (the glyphs where
the ground is darkest, or the half that is not over a structure); the rest stands off its own
background just as well, it only failed the detectors' glyph and network tests. A box grows
along its line while the band it spans holds ink of the box's own polarity clearly denser than
the rows just above and below: a line of text is bounded across its length, speckle, texture
and the edges of structures are not. Growth stops at a rule line (a row inked along a whole
window: rulers, arrow shafts) and at a run of empty columns (a marking set apart from the line).

Polarity fails where the ground changes under a line: on an ultrasound sector edge or across a
vessel, one grey ink is brighter than the black part of the ground and darker than (or lost in)
the speckle. What the whole line still shares is its ink value: an overlay is drawn in one grey,
so its strokes are flat runs of that exact value, which speckle, noise and smooth ground rarely
repeat in a band bounded above and below. grow_by_ink_value grows boxes over that value instead
(lossless frames only: JPEG blurs the one value away, and the polarity growth remains).
"""

from __future__ import annotations

import cv2
import numpy as np

from radshare.core.redact.settings import current as settings

# Thresholds and switches: resources/detector_settings.toml, read through settings() at call time.

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


def _grow_one(
    ink_sum: np.ndarray,
    ink: np.ndarray,
    box: Box,
    min_density: float | None = None,
    contrast: float | None = None,
    gap_heights: float | None = None,
    empty_heights: float | None = None,
    rule: np.ndarray | None = None,
) -> Box:
    """Wide box (x, y, w, h) grown left and right along its rows; `ink_sum` = integral image of `ink`.

    Rule lines are looked for in `rule` (same shape as `ink`; `ink` itself when None). The
    thresholds left None are [line_growth]'s.
    """
    min_density = settings().line_growth.min_density if min_density is None else min_density
    contrast = settings().line_growth.contrast if contrast is None else contrast
    gap_heights = settings().line_growth.gap if gap_heights is None else gap_heights
    empty_heights = settings().line_growth.empty_gap if empty_heights is None else empty_heights
    rows, cols = ink.shape
    x, y, w, h = box
    win = max(3, h)
    reach = settings().line_growth.reach * h + win
    lo, hi = max(0, x - reach), min(cols, x + w + reach)
    if hi - lo < win + 1:
        return box

    def density(r0: int, r1: int) -> np.ndarray:
        r0, r1 = max(0, r0), min(rows, r1)
        counts = (ink_sum[r1, lo + 1 : hi + 1] - ink_sum[r0, lo + 1 : hi + 1]
                  - ink_sum[r1, lo:hi] + ink_sum[r0, lo:hi])
        return _window_sums(counts, win) / float(max(1, r1 - r0) * win)

    band = density(y, y + h)
    text = (band >= min_density) & (band >= contrast * np.maximum(density(y - h, y), density(y + h, y + 2 * h)))
    per_row = _window_sums((ink if rule is None else rule)[y : y + h, lo:hi].astype(np.int32), win)
    text &= per_row.max(axis=0) <= settings().line_growth.rule_share * win
    inked = ink[y : y + h, lo:hi].any(axis=0)
    gap, empty_gap = int(gap_heights * h), int(empty_heights * h)
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
    threshold = np.maximum(settings().line_growth.min_ink, settings().line_growth.ink_z * sigma)
    maps: dict[tuple[int, bool], tuple[np.ndarray, np.ndarray]] = {}
    grown = []
    for box in boxes:
        x, y, w, h = box
        if not settings().line_growth.min_side <= min(w, h) <= settings().line_growth.max_side:
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


def _ink_values(grey: np.ndarray, flat: np.ndarray, diff: np.ndarray, sigma: np.ndarray, box: Box) -> list[int]:
    """The most common grey values (+-VALUE_TOLERANCE) of flat pixels off the background in `box`,
    most common first, at most VALUE_CANDIDATES, each held by at least VALUE_MIN_PIXELS pixels."""
    x, y, w, h = box
    part = (slice(y, y + h), slice(x, x + w))
    off = np.abs(diff[part]) > np.maximum(settings().ink_value_growth.value_off_ground, settings().ink_value_growth.value_off_z * sigma[part])
    values = grey[part][flat[part] & off]
    if values.size < settings().ink_value_growth.value_min_pixels:
        return []
    counts = np.convolve(np.bincount(values, minlength=256), np.ones(2 * settings().ink_value_growth.value_tolerance + 1, np.int64), "same")
    found = []
    for _ in range(settings().ink_value_growth.value_candidates):
        value = int(np.argmax(counts))
        if counts[value] < settings().ink_value_growth.value_min_pixels:
            break
        found.append(value)
        counts[max(0, value - 2 * settings().ink_value_growth.value_tolerance) : value + 2 * settings().ink_value_growth.value_tolerance + 1] = 0
    return found


def _bounded_band(ink: np.ndarray, box: Box) -> bool:
    """True when the band of `box` holds the value densely and the rows above and below do not."""
    x, y, w, h = box
    band = float(ink[y : y + h, x : x + w].mean())
    above = float(ink[max(0, y - h) : y, x : x + w].mean()) if y > 0 else 0.0
    below = float(ink[y + h : y + 2 * h, x : x + w].mean()) if y + h < ink.shape[0] else 0.0
    return band >= settings().ink_value_growth.value_density and band >= settings().ink_value_growth.value_contrast * max(above, below)


def _grow_wide_by_value(grey: np.ndarray, flat: np.ndarray, diff: np.ndarray, sigma: np.ndarray, box: Box) -> Box:
    """Wide box grown along its rows over its own ink value: the longest growth of the candidate values.

    Works on the crop the growth can reach (the band and one glyph height above and below), so
    a frame's worth of boxes costs a few ms.
    """
    x, y, w, h = box
    rows, cols = grey.shape
    reach = settings().line_growth.reach * h + max(3, h)
    r0, r1 = max(0, y - h), min(rows, y + 2 * h)
    c0, c1 = max(0, x - reach), min(cols, x + w + reach)
    crop, crop_flat = grey[r0:r1, c0:c1].astype(np.int16), flat[r0:r1, c0:c1]
    inner = (x - c0, y - r0, w, h)
    # rule lines (a ruler's bar) by their contrast, not their value: JPEG scatters the bar's
    # one value, and a ruler's ticks alone hold the value like a line of glyphs
    rule = (np.abs(diff[r0:r1, c0:c1]) > np.maximum(settings().line_growth.min_ink, settings().line_growth.ink_z * sigma[r0:r1, c0:c1])).astype(np.uint8)
    best = box
    for value in _ink_values(grey, flat, diff, sigma, box):
        ink = (crop_flat & (np.abs(crop - value) <= settings().ink_value_growth.value_tolerance)).astype(np.uint8)
        if not _bounded_band(ink, inner):
            continue
        gx, gy, gw, gh = _grow_one(cv2.integral(ink), ink, inner, settings().ink_value_growth.value_density, settings().ink_value_growth.value_contrast, settings().ink_value_growth.value_gap,
                                   settings().ink_value_growth.value_empty_gap, rule)
        if gw > best[2]:
            best = (gx + c0, gy + r0, gw, gh)
    return best


def grow_by_ink_value(grey: np.ndarray, flat: np.ndarray, diff: np.ndarray, sigma: np.ndarray, boxes: list[Box]) -> list[Box]:
    """`boxes` (x, y, w, h), each grown along its line over the pixels of its own flat ink value.

    `flat` marks pixels inside a flat stroke (classical.flat_mask); `diff` and `sigma` are as in
    grow_along_lines. A box whose flat ink names no value, or whose value is not bounded to its
    band (the ground's own flat value, a rule line), is returned unchanged.
    """
    grown = []
    for box in boxes:
        x, y, w, h = box
        if not settings().line_growth.min_side <= min(w, h) <= settings().line_growth.max_side:
            grown.append(box)
        elif w >= h:
            grown.append(_grow_wide_by_value(grey, flat, diff, sigma, box))
        else:
            gy, gx, gh, gw = _grow_wide_by_value(grey.T, flat.T, diff.T, sigma.T, (y, x, h, w))
            grown.append((gx, gy, gw, gh))
    return grown
