"""Classical text proposals: character-sized blobs that line up, found on a contrast-normalised image.

Why beside the learned detector: DB misses faint text (20-40 grey levels above a dark or smooth
background) and some small or vertical labels; those are still crisp blobs after local
contrast normalisation. Blobs alone would paint every speckle and caliper, so a blob becomes a
proposal only when it looks like part of a line of characters: two or more character-sized
blobs of similar size in a row (horizontal or vertical), or one long blob (letters that touch)
whose profile crosses ink often enough to be several glyphs. Calipers, dotted lines, rulers
and arrows fail those tests (see tests/core/test_text_detect_false_alarms.py).
"""

from __future__ import annotations

import cv2
import numpy as np

BACKGROUND_KERNEL = 15  # median window (px): wider than any glyph stroke, so strokes are not background
NOISE_WINDOW = 9  # on the 4x smaller image, i.e. about 36 px
MIN_INK = 12.0  # grey levels: never call a smaller step ink
Z_THRESHOLD = 3.0  # ink stands this many local noise sigmas above (or below) the local background
MIN_CHAR, MAX_CHAR = 4, 40  # glyph height range in px (8-28 px fonts, plus anti-aliasing)


def ink_maps(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bright-ink and dark-ink masks: pixels that stand out from a median background by > 3 sigma.

    The background is a 15 px median (strokes are thinner, so they do not pull it); the noise
    sigma is a local median of |pixel - background| measured on a 4x smaller image, which text
    (a minority of any 36 px window) does not inflate. Faint text on a quiet background passes;
    speckle of the same strength does not.
    """
    background = cv2.medianBlur(grey, BACKGROUND_KERNEL)
    diff = grey.astype(np.int16) - background.astype(np.int16)
    absdiff = np.minimum(np.abs(diff), 255).astype(np.uint8)
    rows, cols = grey.shape
    small = cv2.resize(absdiff, (max(1, cols // 4), max(1, rows // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.medianBlur(small, NOISE_WINDOW)
    sigma = cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR).astype(np.float32) * 1.48
    threshold = np.maximum(MIN_INK, Z_THRESHOLD * sigma)
    return diff > threshold, diff < -threshold


def _components(binary: np.ndarray) -> tuple[list[tuple[int, int, int, int, int, int]], np.ndarray]:
    """Candidate connected components as (x, y, w, h, area, label), plus the label image."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        short, long_ = min(w, h), max(w, h)
        if long_ < MIN_CHAR or short > MAX_CHAR or area < 6:
            continue
        if long_ > 12 * max(short, 1):
            continue  # lines and ruler bars
        keep.append((x, y, w, h, area, i))
    return keep, labels


def _is_glyph(w: int, h: int) -> bool:
    """One character (or two touching): not much longer than a large glyph, not a long bar."""
    return max(w, h) <= 1.2 * MAX_CHAR and max(w, h) <= 4 * min(w, h) + 2


def _is_word_blob(x: int, y: int, w: int, h: int, area: int, labels: np.ndarray, label: int) -> bool:
    """A single blob that is several touching glyphs: elongated, moderately filled, many strokes.

    Rulers look similar (a bar with ticks) but one line along their length is almost all ink;
    in text no line across the word is.
    """
    short, long_ = min(w, h), max(w, h)
    if short < 5 or long_ < 2.2 * short:
        return False
    fill = area / float(w * h)
    if not 0.2 <= fill <= 0.75:
        return False
    mask = labels[y : y + h, x : x + w] == label
    if mask.shape[0] > mask.shape[1]:
        mask = mask.T
    if mask.mean(axis=1).max() > 0.7:
        return False
    crossings = max(int(np.count_nonzero(np.diff(mask[r].astype(np.int8)))) for r in
                    (mask.shape[0] // 3, mask.shape[0] // 2, (2 * mask.shape[0]) // 3))
    return crossings >= max(8, int(1.5 * long_ / short))


def _group(boxes: np.ndarray) -> list[list[int]]:
    """Union blobs of similar size that sit side by side in a row or a column, close together."""
    n = len(boxes)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    x, y, w, h = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    size = np.maximum(w, h)
    for i in range(n):
        gap_x = np.maximum(np.maximum(x - (x[i] + w[i]), x[i] - (x + w)), 0)
        gap_y = np.maximum(np.maximum(y - (y[i] + h[i]), y[i] - (y + h)), 0)
        near = np.minimum(size, size[i]) * 0.9
        similar = (size <= 2.2 * size[i]) & (size[i] <= 2.2 * size)
        linked = similar & (((gap_y == 0) & (gap_x <= near)) | ((gap_x == 0) & (gap_y <= near)))
        linked[: i + 1] = False
        for j in np.nonzero(linked)[0]:
            parent[find(i)] = find(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _is_line_of_glyphs(members: np.ndarray, fills: np.ndarray) -> bool:
    """Two or more glyph blobs in a row, not calipers, dotted lines or tick marks.

    Calipers ("+", "x"), arrow pieces and outline arcs are thin strokes in a mostly empty box;
    glyphs fill more of theirs. A pair must look clearly like glyphs; three or more in a row
    are rarely anything but text.
    """
    count = len(members)
    if count < 2:
        return False
    sizes = np.maximum(members[:, 2], members[:, 3])
    smalls = np.minimum(members[:, 2], members[:, 3])
    if np.median(smalls) <= 2 and np.median(sizes) <= 9:
        return False  # dashes and tick marks
    fill = float(np.mean(fills))
    if count == 2:
        return fill >= 0.28 and sizes.max() >= 6
    return fill >= 0.2


def propose(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Text-like boxes (x, y, w, h) in a uint8 grey image, bright and dark text alike."""
    found: list[tuple[int, int, int, int]] = []
    for binary in ink_maps(grey):
        comps, labels = _components(binary.astype(np.uint8))
        if not comps or len(comps) > 6000:
            continue  # a texture, not text: leave it to the learned detector
        glyphs = [c for c in comps if _is_glyph(c[2], c[3])]
        for x, y, w, h, area, label in comps:
            if not _is_glyph(w, h) and _is_word_blob(x, y, w, h, area, labels, label):
                found.append((x, y, w, h))
        if not glyphs:
            continue
        boxes = np.array([c[:4] for c in glyphs], np.int32)
        fills = np.array([c[4] / float(c[2] * c[3]) for c in glyphs], np.float32)
        for group in _group(boxes):
            if len(group) == 1:
                x, y, w, h, area, label = glyphs[group[0]]
                if _is_word_blob(x, y, w, h, area, labels, label):
                    found.append((x, y, w, h))
                continue
            members = boxes[group]
            if not _is_line_of_glyphs(members, fills[group]):
                continue
            x0, y0 = members[:, 0].min(), members[:, 1].min()
            x1, y1 = (members[:, 0] + members[:, 2]).max(), (members[:, 1] + members[:, 3]).max()
            found.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    return found
