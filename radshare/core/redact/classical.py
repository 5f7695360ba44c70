"""Classical text proposals: character-sized blobs that line up, found on a contrast-normalised image.

Why beside the learned detector: DB misses faint text (20-40 grey levels above a dark or smooth
background) and some small or vertical labels; those are still crisp blobs after local
contrast normalisation. Blobs alone would paint every speckle and caliper, so a blob becomes a
proposal only when it looks like part of a line of characters: two or more character-sized
blobs of similar size in a row (horizontal or vertical), or one long blob (letters that touch)
whose profile crosses ink often enough to be several glyphs. Calipers, dotted lines, rulers
and arrows fail those tests (see tests/core/test_text_detect_false_alarms.py).

Faint 8-14 px text on CT-like noise and speckle is below the ink maps' threshold pixel by pixel;
repeated_value_proposals finds it on a smoothed map, and proposes only lines drawn in one grey
repeated along their band (see there). On ultrasound speckle even the smoothed map gives no
candidate; value_band_proposals counts each grey value per row band (histograms, no map) and
proposes the bands where one value repeats far more often than in the rows beside them.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from radshare.core.redact.settings import current as settings

# Thresholds and switches: resources/detector_settings.toml, read through settings() at call time.


def background_and_noise(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grey - median background) as int16, and the local noise sigma (float32), both full size.

    The background is a 15 px median (strokes are thinner, so they do not pull it); the noise
    sigma is a local median of |pixel - background| measured on a 4x smaller image, which text
    (a minority of any 36 px window) does not inflate.
    """
    background = cv2.medianBlur(grey, settings().classical.background_kernel)
    diff = grey.astype(np.int16) - background.astype(np.int16)
    return diff, local_noise(np.minimum(np.abs(diff), 255).astype(np.uint8))


def local_noise(deviation: np.ndarray) -> np.ndarray:
    """Local noise sigma (float32, full size) of a uint8 map of deviations from a background: their
    local median measured on a 4x smaller image, which text (a minority of any 36 px window) does
    not inflate, times 1.48 (median absolute deviation to sigma)."""
    rows, cols = deviation.shape
    small = cv2.resize(deviation, (max(1, cols // 4), max(1, rows // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.medianBlur(small, settings().classical.noise_window)
    return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR).astype(np.float32) * 1.48


def ink_maps(grey: np.ndarray, diff=None, sigma=None) -> tuple[np.ndarray, np.ndarray]:
    """Bright-ink and dark-ink masks: pixels that stand out from a median background by > 3 sigma.

    Faint text on a quiet background passes; speckle of the same strength does not.
    """
    if diff is None or sigma is None:
        diff, sigma = background_and_noise(grey)
    threshold = np.maximum(settings().classical.min_ink, settings().classical.z_threshold * sigma)
    return diff > threshold, diff < -threshold


def ink_components(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray) -> list:
    """Components (see _components) of the bright and of the dark ink map, labelled once.

    propose and small_word_blobs both need them; labelling a speckle frame's ink maps was about
    a tenth of the classical pass, done twice before.
    """
    return [_components(binary.astype(np.uint8)) for binary in ink_maps(grey, diff, sigma)]


def _components(binary: np.ndarray) -> tuple[list[tuple[int, int, int, int, int, int]], np.ndarray]:
    """Candidate connected components as (x, y, w, h, area, label), plus the label image."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    x, y, w, h, area = (stats[1:, k].astype(np.int64) for k in range(5))
    short, long_ = np.minimum(w, h), np.maximum(w, h)
    # not glyph-sized, too small, or lines and ruler bars (long and thin)
    ok = (long_ >= settings().classical.min_char) & (short <= settings().classical.max_char) & (area >= 6) & (long_ <= 12 * np.maximum(short, 1))
    keep = [(int(x[i]), int(y[i]), int(w[i]), int(h[i]), int(area[i]), int(i) + 1) for i in np.nonzero(ok)[0]]
    return keep, labels


def _is_glyph(w: int, h: int, max_char: int | None = None) -> bool:
    """One character (or two touching): not much longer than a large glyph, not a long bar.
    `max_char`: classical.max_char, when the caller has it (asked per component, the settings
    lookup cost more than the test)."""
    return max(w, h) <= 1.2 * (max_char or settings().classical.max_char) and max(w, h) <= 4 * min(w, h) + 2


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
    return _joined(len(boxes), _linked_pairs(boxes))


def _joined(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The connected groups of 0..n-1 under `pairs` (union-find), each in ascending order."""
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    for i, j in pairs:
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _linked_pairs(boxes: np.ndarray, block: int = 256) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, of blobs of similar size side by side in a row or column, close together.

    Compared a block of blobs against all at once (not one blob at a time): speckle frames have
    thousands of blobs, and a Python loop over them cost more than the rest of the pass.
    """
    x, y, w, h = (boxes[:, k].astype(np.int32) for k in range(4))
    size = np.maximum(w, h)
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(boxes), block):
        b = slice(start, start + block)
        gap_x = np.maximum(np.maximum(x[None] - (x[b] + w[b])[:, None], x[b][:, None] - (x + w)[None]), 0)
        gap_y = np.maximum(np.maximum(y[None] - (y[b] + h[b])[:, None], y[b][:, None] - (y + h)[None]), 0)
        near = np.minimum(size[None], size[b][:, None]) * 0.9
        similar = (size[None] <= 2.2 * size[b][:, None]) & (size[b][:, None] <= 2.2 * size[None])
        linked = similar & (((gap_y == 0) & (gap_x <= near)) | ((gap_x == 0) & (gap_y <= near)))
        rows, cols = np.nonzero(linked)
        rows = rows + start
        keep = cols > rows
        pairs += zip(rows[keep].tolist(), cols[keep].tolist())
    return pairs


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


def _line_proposals(binary: np.ndarray, components=None) -> list[tuple[int, int, int, int]]:
    """Boxes of text lines (or word blobs) among the connected components of one ink mask
    (`components` = _components(binary) when already labelled)."""
    found: list[tuple[int, int, int, int]] = []
    comps, labels = components if components is not None else _components(binary.astype(np.uint8))
    if not comps or len(comps) > 6000:
        return found  # a texture, not text: leave it to the learned detector
    max_char = settings().classical.max_char
    glyphs = [c for c in comps if _is_glyph(c[2], c[3], max_char)]
    for x, y, w, h, area, label in comps:
        if not _is_glyph(w, h, max_char) and _is_word_blob(x, y, w, h, area, labels, label):
            found.append((x, y, w, h))
    if not glyphs:
        return found
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


def _flatness(grey: np.ndarray) -> np.ndarray:
    """Per pixel, the smaller of the grey-level spreads (std) along a 3 px row and a 3 px column.

    Inside a stroke of burned-in text the ink is one value, so a run along the stroke is flat;
    speckle and film noise vary from pixel to pixel in both directions.
    """
    f = grey.astype(np.float32)

    def spread(kx: int, ky: int) -> np.ndarray:
        mean = cv2.blur(f, (kx, ky))
        return np.sqrt(np.maximum(cv2.blur(f * f, (kx, ky)) - mean * mean, 0))

    return np.minimum(spread(3, 1), spread(1, 3))


def flat_mask(grey: np.ndarray) -> np.ndarray:
    """Pixels inside a flat stroke: a 3 px run along a row or a column varies by at most FLAT_SPREAD."""
    return _flatness(grey) <= settings().classical.flat_spread


def _one_ink_value(grey: np.ndarray, core: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """True when the flat ink pixels in `box` share one grey value, as an overlay's glyphs do.

    Flat patches that noise makes by chance have values scattered over the noise range.
    """
    x, y, w, h = box
    values = grey[y : y + h, x : x + w][core[y : y + h, x : x + w]].astype(np.int16)
    if values.size < settings().classical.flat_min_pixels:
        return False
    return float(np.mean(np.abs(values - np.median(values)) <= settings().classical.flat_value_tolerance)) >= settings().classical.flat_value_share


def flat_ink_proposals(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, flat=None) -> list[tuple[int, int, int, int]]:
    """Faint text on speckle: lines of glyphs drawn in one flat grey value, 0.5 sigma off the background.

    The 3-sigma ink maps miss text 20-40 grey levels above ultrasound speckle, because speckle
    reaches as high. What still sets such text apart (and lets a reader see it) is that its
    strokes are flat: one value along the stroke. Pixels that are both flat and a little off
    the background seed the glyphs, grown by one pixel into their anti-aliased edges; the usual
    line-of-glyphs tests apply, and the line's flat pixels must share one value.
    Relies on overlay pixels being stored losslessly (the DICOM norm for burned-in overlays);
    heavy lossy compression blurs the flatness and then only the other detectors remain.
    `flat` is flat_mask(grey), computed here when not given.
    """
    if flat is None:
        flat = flat_mask(grey)
    threshold = np.maximum(settings().classical.min_ink * 2 / 3, settings().classical.flat_z * sigma)
    found: list[tuple[int, int, int, int]] = []
    kernel = np.ones((3, 3), np.uint8)
    for sign in (1, -1):
        core = flat & (sign * diff > threshold)
        grown = cv2.dilate(core.astype(np.uint8), kernel) & (sign * diff > 0.5 * threshold)
        found += [box for box in _line_proposals(grown) if _one_ink_value(grey, core, box)]
    return found


def propose(grey: np.ndarray, diff=None, sigma=None, flat=None, components=None) -> list[tuple[int, int, int, int]]:
    """Text-like boxes (x, y, w, h) in a uint8 grey image, bright and dark text alike, faint text too.

    `diff` and `sigma` are background_and_noise(grey), `flat` is flat_mask(grey), `components`
    is ink_components(grey, diff, sigma), each computed here when not given.
    """
    by_kind = propose_by_kind(grey, diff, sigma, flat, components)
    return [box for kind, boxes in by_kind.items() if kind != "short_bands" for box in boxes]


def propose_by_kind(grey: np.ndarray, diff=None, sigma=None, flat=None, components=None) -> dict[str, list]:
    """propose's boxes under the name of the test that found them: "lines" (rows of ink
    components), "flat" (flat ink strokes), "repeated" and "bands" (faint lines in one grey);
    and, when there are any, "short_bands" (value_band_lines: not proposals, `propose` leaves them out)."""
    if diff is None or sigma is None:
        diff, sigma = background_and_noise(grey)
    if components is None:
        components = ink_components(grey, diff, sigma)
    found: dict[str, list] = {"lines": [], "flat": [], "repeated": [], "bands": []}
    for labelled in components:
        found["lines"] += _line_proposals(None, labelled)
    found["flat"] = flat_ink_proposals(grey, diff, sigma, flat)
    if settings().passes.repeated_value:
        found["repeated"] = repeated_value_proposals(grey, diff, sigma)
    if settings().passes.value_bands:
        found["bands"], short = value_band_lines(grey, diff, sigma)
        if short:
            found["short_bands"] = short
    return found


def small_word_blobs(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, components=None) -> list[tuple[int, int, int, int]]:
    """Single blobs shaped like a short word of 8-10 px text whose glyphs touch: 4-8 px across,
    1.8 to small_word_long times as long, a third filled or more.

    The line tests reject them (one blob, too short for a word blob), and so do calipers,
    dots and ruler bars: they are not proposals, only places worth a closer look.
    `components` is ink_components(grey, diff, sigma), computed here when not given.
    """
    if components is None:
        components = ink_components(grey, diff, sigma)
    found: list[tuple[int, int, int, int]] = []
    for comps, _labels in components:
        for x, y, w, h, area, _label in comps:
            short, long_ = min(w, h), max(w, h)
            if settings().classical.small_word_side[0] <= short <= settings().classical.small_word_side[1] \
                    and 1.8 * short <= long_ <= settings().classical.small_word_long * short \
                    and area >= settings().classical.small_word_fill * w * h:
                found.append((x, y, w, h))
    return found


def _smoothed_z(grey: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """The ink difference smoothed over about a stroke width, in units of its own local noise.

    Pixel noise of CT-like ground and speckle hides strokes 20-40 grey levels off the ground;
    smoothed, the noise drops to a fraction and thin strokes keep most of their height. The
    noise is measured on the smoothed difference itself, as in background_and_noise.
    """
    smooth = cv2.GaussianBlur(diff.astype(np.float32), (0, 0), settings().repeated_value.smooth_sigma)
    rows, cols = grey.shape
    absolute = np.minimum(np.abs(smooth), 255).astype(np.uint8)
    small = cv2.resize(absolute, (max(1, cols // 4), max(1, rows // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.medianBlur(small, settings().classical.noise_window)
    noise = cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR).astype(np.float32) * 1.48
    return smooth / np.maximum(noise, 1.0)


def _value_shares(grey: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, float, float]:
    """(v, share of the band at v, larger share of the rows above or below at v) for the grey v
    (+-VALUE_TOLERANCE) most over-represented in the wide box's band against the rows beside it."""
    x, y, w, h = box
    rows = grey.shape[0]
    kernel = np.ones(2 * settings().repeated_value.value_tolerance + 1)

    def shares(r0: int, r1: int) -> np.ndarray:
        part = grey[max(0, r0) : min(rows, r1), x : x + w]
        if part.size == 0:
            return np.zeros(256)
        return np.convolve(np.bincount(part.ravel(), minlength=256), kernel, "same") / part.size

    band = shares(y, y + h)
    side = np.maximum(shares(y - h, y), shares(y + h, y + 2 * h))
    value = int(np.argmax(band - settings().repeated_value.value_ratio * side))
    return value, float(band[value]), float(side[value])


def _raw_line(diff: np.ndarray, sigma: np.ndarray, box: tuple[int, int, int, int], sign: int) -> bool:
    """True when the raw (unsmoothed) ink map around `box` holds a line of glyphs overlapping it.

    Smoothing turns a caliper's thin cross, the dots of a measurement line and an arrow into
    glyph-like blobs; unsmoothed they fail the line tests (thin strokes in an empty box, dots
    too far apart), while faint text still groups into a line at this low threshold.
    """
    x, y, w, h = box
    rows, cols = diff.shape
    m = max(4, h)
    x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(cols, x + w + m), min(rows, y + h + m)
    ink = sign * diff[y0:y1, x0:x1] > np.maximum(settings().repeated_value.raw_min, settings().repeated_value.raw_z * sigma[y0:y1, x0:x1])
    for bx, by, bw, bh in _line_proposals(ink):
        across_x = min(bx + x0 + bw, x + w) - max(bx + x0, x)
        across_y = min(by + y0 + bh, y + h) - max(by + y0, y)
        if across_x > 0 and across_y > 0 and across_x * across_y >= 0.3 * w * h:
            return True
    return False


def _one_repeated_value(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """True when the candidate line is drawn in one grey off the ground, repeated in its band and
    not beside it, and is a line of glyphs in the raw ink map too."""
    x, y, w, h = box
    if w >= h:
        value, band, side = _value_shares(grey, box)
    else:
        value, band, side = _value_shares(grey.T, (y, x, h, w))
    if band < settings().repeated_value.value_density or band < settings().repeated_value.value_ratio * side:
        return False
    part = (slice(y, y + h), slice(x, x + w))
    ground = float(np.mean(grey[part].astype(np.int16) - diff[part]))
    if abs(value - ground) < max(settings().repeated_value.value_off_ground, settings().repeated_value.value_off_z * float(np.mean(sigma[part]))):
        return False
    return _raw_line(diff, sigma, box, 1 if value > ground else -1)


def repeated_value_proposals(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Faint 8-14 px lines on CT-like noise and speckle that no other pass proposes.

    Per pixel such text stands 1-3 noise sigmas off the ground, below the ink maps' threshold;
    smoothed over a stroke width it stands clear, but so do many noise blobs. What sets a line
    of text apart is that an overlay is drawn in one grey: the band of the line repeats that
    exact value far more often than the rows just above and below it, which smooth ground, noise
    and speckle do not (and which JPEG blurs away: lossless frames only). Candidates are lines of
    glyphs in the smoothed map, faint (nothing strong in them), then checked for the repeated
    grey off the ground and for a line of glyphs in the raw map (see _raw_line).
    """
    z = _smoothed_z(grey, diff)
    strong = np.abs(diff) > settings().repeated_value.smooth_strong
    found: list[tuple[int, int, int, int]] = []
    for sign in (1, -1):
        for box in _line_proposals(sign * z > settings().repeated_value.smooth_z):
            x, y, w, h = box
            if strong[y : y + h, x : x + w].mean() > settings().repeated_value.smooth_strong_share:
                continue
            if _one_repeated_value(grey, diff, sigma, box):
                found.append(box)
    return found


def _band_cells(grey: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """(chunk, first row, last row + 1, value, bands) of chunk bands where one grey value is dense
    and rare in the bands above and below, off the ground by BAND_OFF; bands of one height whose
    first rows follow each other are one cell (`bands` of them).

    Counted as histograms of (column chunk, row, value bin) in one bincount, summed over rows
    by cumulative sums, so that every band height, row and value is tested at once.
    """
    rows, cols = grey.shape
    step, quant = settings().value_bands.band_step, settings().value_bands.band_quant
    chunks, bins = -(-cols // step), 256 // quant
    chunk = (np.arange(cols) // step).astype(np.int32)
    index = (chunk[None, :] * rows + np.arange(rows, dtype=np.int32)[:, None]) * bins + (grey // quant)
    hist = np.bincount(index.ravel(), minlength=chunks * rows * bins).reshape(chunks, rows, bins).astype(np.int16)
    hist[..., 1:] += hist[..., :-1].copy()  # bin v holds grey in [quant * (v - 1), quant * (v + 1))
    counts = np.zeros((chunks, rows + 1, bins), np.int16)  # int16: a band holds at most 16 * 32 pixels
    np.cumsum(hist, axis=1, out=counts[:, 1:])
    ground = (grey.astype(np.int16) - diff).astype(np.float32)
    ground = np.add.reduceat(ground, np.arange(0, cols, step), axis=1).T
    ground_sum = np.zeros((chunks, rows + 1), np.float32)
    np.cumsum(ground, axis=1, out=ground_sum[:, 1:])
    widths = np.minimum(step, cols - np.arange(chunks) * step).astype(np.float32)
    found = []
    for h in settings().value_bands.band_heights:
        if rows < 3 * h + 1:
            continue
        band = counts[:, h:] - counts[:, :-h]  # band starting at row r
        inner, side = band[:, h:-h], np.maximum(band[:, : -2 * h], band[:, 2 * h :])
        # thresholds for a full chunk (a narrower last chunk is held to a little more)
        hit = inner >= int(np.ceil(settings().value_bands.band_density * h * step))
        hit &= inner <= int(settings().value_bands.band_max_density * h * step)
        hit &= inner >= int(settings().value_bands.band_ratio) * side
        c, r, v = np.nonzero(hit)
        r = r + h
        level = (ground_sum[c, r + h] - ground_sum[c, r]) / (h * widths[c])
        off = np.abs(v * quant - level)
        keep = (off >= settings().value_bands.band_off[0]) & (off <= settings().value_bands.band_off[1])
        c, r, v = c[keep], r[keep], v[keep]
        if len(c) == 0:
            continue
        # one cell per run of consecutive first rows of the same chunk and value
        order = np.lexsort((r, v, c))
        c, r, v = c[order], r[order], v[order]
        start = np.ones(len(c), bool)
        start[1:] = (c[1:] != c[:-1]) | (v[1:] != v[:-1]) | (r[1:] != r[:-1] + 1)
        first = np.nonzero(start)[0]
        last = np.append(first[1:], len(c)) - 1
        found.append(np.stack([c[first], r[first], r[last] + h, v[first] * quant, last - first + 1], axis=1))
    return np.concatenate(found) if found else np.zeros((0, 5), np.int64)


def _linked_cells(cells: np.ndarray) -> list[np.ndarray]:
    """Groups of cells in the same or neighbouring chunks whose rows overlap and whose values agree."""
    by_chunk: dict[int, np.ndarray] = {}
    for c in np.unique(cells[:, 0]):
        by_chunk[int(c)] = np.nonzero(cells[:, 0] == c)[0]
    pairs: list[tuple[int, int]] = []
    for c, mine in by_chunk.items():
        a = cells[mine]
        for other in (c, c + 1):
            if other not in by_chunk:
                continue
            theirs = by_chunk[other]
            b = cells[theirs]
            linked = ((a[:, None, 1] < b[None, :, 2]) & (b[None, :, 1] < a[:, None, 2])
                      & (np.abs(a[:, None, 3] - b[None, :, 3]) <= 2 * settings().value_bands.band_quant))
            pairs.extend((int(mine[i]), int(theirs[j])) for i, j in zip(*np.nonzero(linked)))
    return [cells[g] for g in _joined(len(cells), pairs)]


def _band_box(grey: np.ndarray, group: np.ndarray, share: float = 0.2) -> tuple[tuple[int, int, int, int], int] | None:
    """(box, value) of the line a group of cells marks: the rows where its value is dense, the
    columns it spans there, and the exact grey (+-VALUE_TOLERANCE) of the bins the cells counted."""
    rows, cols = grey.shape
    value = int(np.median(np.repeat(group[:, 3], group[:, 4])))  # as if every band were a cell
    x0, x1 = int(group[:, 0].min()) * settings().value_bands.band_step, min(cols, (int(group[:, 0].max()) + 1) * settings().value_bands.band_step)
    y0, y1 = max(0, int(group[:, 1].min()) - 4), min(rows, int(group[:, 2].max()) + 4)
    profile = (np.abs(grey[y0:y1, x0:x1].astype(np.int16) - value) <= settings().value_bands.band_quant).mean(axis=1)
    if profile.max() < 0.03:
        return None
    dense = np.nonzero(profile >= max(0.03, share * profile.max()))[0]
    runs = np.split(dense, np.nonzero(np.diff(dense) > 3)[0] + 1)  # rows, gaps of up to 2 rows bridged
    run = max(runs, key=lambda r: r[-1] - r[0])
    r0, r1 = y0 + int(run[0]), y0 + int(run[-1]) + 1
    # a chunk the line only enters is too thinly inked to count: columns are looked for one chunk further each way
    x0, x1 = max(0, x0 - settings().value_bands.band_step), min(cols, x1 + settings().value_bands.band_step)
    span = _line_span((np.abs(grey[r0:r1, x0:x1].astype(np.int16) - value) <= settings().value_bands.band_quant).sum(axis=0), r1 - r0)
    if span is None:
        return None
    return (x0 + span[0], r0, span[1] - span[0], r1 - r0), value


def _line_span(per_column: np.ndarray, height: int) -> tuple[int, int] | None:
    """(first, last + 1) column of the line whose pixels of one value per column are `per_column`.

    The pixels are split where the value is missing for more than BAND_END_GAP glyph heights,
    and the line is the piece holding most of them (the rest is the ground's chance pixels); its
    ends are trimmed to where a glyph-wide window holds two pixels of the value or more (a stray
    pixel of the ground's is alone in its window; a glyph holds several).
    """
    inked = np.nonzero(per_column)[0]
    if len(inked) == 0:
        return None
    pieces = np.split(inked, np.nonzero(np.diff(inked) > settings().value_bands.band_end_gap * height)[0] + 1)
    piece = max(pieces, key=lambda p: int(per_column[p].sum()))
    counts = np.convolve(per_column[piece[0] : piece[-1] + 1], np.ones(height, np.int64), "full")[height - 1 :]
    solid = np.nonzero(counts >= 2)[0]
    if len(solid) == 0:
        return None
    left = int(piece[0]) + int(solid[0])
    right = int(piece[0]) + int(solid[-1]) + height - 1
    inked = np.nonzero(per_column[left : right + 1])[0]
    return left + int(inked[0]), left + int(inked[-1]) + 1


def _band_line(
    grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray, box: tuple[int, int, int, int], value: int, min_width: int
) -> tuple[int, int, int, int] | None:
    """The box of a faint line of glyphs in one grey, or None: glyph-high, several glyphs long, the
    value dense in the band and rare in the rows beside it (BAND_Z Poisson sigmas over them), off
    the ground but faint, no rule line; on quiet ground a line of glyphs in the raw ink map as well.
    (Strong pixels in the box are allowed: a line crossing a sector edge has them at the edge.)
    The box's ends are found again from the line's exact grey."""
    x, y, w, h = box
    rows = grey.shape[0]
    if not 4 <= h <= 16:
        return None
    # the cells' bins counted grey within 2 * BAND_QUANT of `value` (linked cells' values differ
    # by up to that): the line's own grey (+-VALUE_TOLERANCE, as anti-aliasing rounds to its
    # neighbours) is the one there that stands furthest (in Poisson sigmas) over its count in the
    # rows beside the line
    best = None
    for candidate in range(max(0, value - 2 * settings().value_bands.band_quant), min(256, value + 2 * settings().value_bands.band_quant + 1)):
        at = np.abs(grey[max(0, y - 3 * h) : min(rows, y + 4 * h), x : x + w].astype(np.int16) - candidate) <= settings().repeated_value.value_tolerance
        inside = at[y - max(0, y - 3 * h) :][:h]
        count = int(inside.sum())
        expected = max((int(at.sum()) - count) / max(at.size - inside.size, 1), 1e-3) * inside.size
        z = (count - expected) / np.sqrt(expected)
        if best is None or z > best[0]:
            best = (z, candidate)
    value = best[1]
    span = _line_span((np.abs(grey[y : y + h, x : x + w].astype(np.int16) - value) <= settings().value_bands.band_quant).sum(axis=0), h)
    if span is None or span[1] - span[0] < max(2 * h, min_width):
        return None
    x, w = x + span[0], span[1] - span[0]
    box = (x, y, w, h)
    at = np.abs(grey[max(0, y - 3 * h) : min(rows, y + 4 * h), x : x + w].astype(np.int16) - value) <= settings().repeated_value.value_tolerance
    inside = at[y - max(0, y - 3 * h) :][:h]
    count = int(inside.sum())
    expected = max((int(at.sum()) - count) / max(at.size - inside.size, 1), 1e-3) * inside.size
    if (count - expected) / np.sqrt(expected) < settings().value_bands.band_z:
        return None
    above, below = at[: y - max(0, y - 3 * h)][-h:], at[y - max(0, y - 3 * h) + h :][:h]
    band = float(inside.mean())
    side = max(float(above.mean()) if above.size else 0.0, float(below.mean()) if below.size else 0.0)
    if band < settings().value_bands.band_density or band < settings().value_bands.band_ratio * side:
        return None
    # off the ground under the line's pixels of the value: mostly by BAND_OFF[0] or more, and
    # faint (within BAND_OFF[1]) over a good part of the line; a line crossing a sector edge is
    # faint on the speckle and strong on the black
    part = (slice(y, y + h), slice(x, x + w))
    off = np.abs(value - (grey[part].astype(np.int16) - diff[part])[inside]).astype(np.float32)
    if float(np.median(off)) < settings().value_bands.band_off[0] or float(np.mean(off <= settings().value_bands.band_off[1])) < 0.3:
        return None
    level = float(np.median(grey[part].astype(np.int16) - diff[part]))
    if inside.mean(axis=1).max() > settings().value_bands.band_rule:
        return None
    # nor a rule line by its contrast (an arrow's shaft, a ruler's bar, drawn in another grey than
    # the one found): a row of the box or beside it inked along most of the box
    r0, r1 = max(0, y - 1), min(rows, y + h + 1)
    strong = np.abs(diff[r0:r1, x : x + w]) > np.maximum(settings().classical.min_ink, settings().classical.z_threshold * sigma[r0:r1, x : x + w])
    if strong.mean(axis=1).max() > settings().value_bands.band_rule:
        return None
    if float(np.mean(sigma[part])) < settings().value_bands.band_quiet and not _raw_line(diff, sigma, box, 1 if value > level else -1):
        return None
    return box


def value_band_proposals(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Faint 8-14 px lines drawn in one grey (see _value_band_lines), horizontal and, looked for in
    the turned frame, vertical (+1, +3 vertical labels of 1000 boxes on seeds 13 and 31)."""
    return value_band_lines(grey, diff, sigma)[0]


def value_band_lines(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray) -> tuple[list, list]:
    """(lines, short lines) in one grey, horizontal and vertical: `value_band_proposals`'s lines,
    and those shorter than `value_bands.band_min_width` but at least `value_bands.short_min_width`
    long (none with `value_bands.short_lines` off). A short word of small text (8 px "TRANS", 27 px)
    is as short as a caliper pair, so short lines are not proposals: detect.py keeps them only
    where the recogniser reads them surely."""
    found, short = _value_band_lines(grey, diff, sigma)
    if settings().passes.value_bands_vertical:
        turned = [np.ascontiguousarray(a.T) for a in (grey, diff, sigma)]
        long_, short_ = _value_band_lines(*turned)
        found += [(y, x, h, w) for x, y, w, h in long_]
        short += [(y, x, h, w) for x, y, w, h in short_]
    return found, short


def _value_band_lines(grey: np.ndarray, diff: np.ndarray, sigma: np.ndarray) -> tuple[list, list]:
    """Faint 8-14 px lines drawn in one grey, found by that grey's histogram per row band.

    On speckle, faint text is 1-3 noise sigmas off the ground per pixel and even smoothed it
    rarely stands out (the smoothed map of repeated_value_proposals gives no candidate); yet an
    overlay draws every glyph in one exact grey, which the band of the line repeats far more
    often than the rows above and below. Every band (column chunk, rows, value) is tested at
    once from histograms; bands in neighbouring chunks with the same value are one line (a short
    line in one chunk needs BAND_MIN_BANDS bands), which is then checked as a whole (see
    _band_line). Lossless frames only, like the other one-grey tests.
    """
    cells = _band_cells(grey, diff)
    if len(cells) == 0:
        return [], []
    min_width = settings().value_bands.band_min_width
    if settings().value_bands.short_lines:
        min_width = min(min_width, settings().value_bands.short_min_width)
    found, short = [], []
    for group in _linked_cells(cells):
        if len(np.unique(group[:, 0])) < settings().value_bands.band_min_chunks and int(group[:, 4].sum()) < settings().value_bands.band_min_bands:
            continue
        # the rows of the line: where the value is at least BAND_ROW_SHARES of its densest row's
        # share, the loosest that makes a line (cells of the ground's chance pixels can join a
        # group and widen its rows); a short line only when no share makes a long one
        first_short = None
        for share in settings().value_bands.band_row_shares:
            line = _band_box(grey, group, share)
            box = _band_line(grey, diff, sigma, *line, min_width) if line is not None else None
            if box is not None and box[2] >= settings().value_bands.band_min_width:
                found.append(box)
                break
            first_short = first_short or box
        else:
            if first_short is not None:
                short.append(first_short)
    return found, short


def is_ruler(diff: np.ndarray, sigma: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """True when the ink in `box` is a ruler and nothing else: one straight bar along the box's
    length, and only thin ticks standing on it.

    DB and the line-of-glyphs tests take a ruler's ticks for a line of glyphs; what no line of text
    has is a bar along its whole length that every other stroke touches.
    """
    x, y, w, h = box
    rows, cols = diff.shape
    x0, y0, x1, y1 = max(0, x - 1), max(0, y - 1), min(cols, x + w + 1), min(rows, y + h + 1)
    d, threshold = diff[y0:y1, x0:x1], np.maximum(settings().classical.min_ink, settings().classical.z_threshold * sigma[y0:y1, x0:x1])
    if d.shape[0] > d.shape[1]:
        d, threshold = d.T, threshold.T
    length = d.shape[1]
    if length < 20 or length < 3 * d.shape[0] // 2:
        return False
    best = None
    for ink in (d > threshold, d < -threshold):  # the bar's polarity: the ground's other structures are left out
        per_row = ink.mean(axis=1)
        bar = int(np.argmax(per_row))
        if best is None or per_row[bar] > best[0]:
            best = (per_row[bar], bar, ink)
    share, bar, ink = best
    if share < settings().rulers.ruler_bar:
        return False
    rest = ink.copy()
    rest[max(0, bar - 1) : bar + 2] = False
    if not rest.any():
        return False  # a bare line: an arrow's shaft or an edge, not a ruler
    count, labels, stats, _ = cv2.connectedComponentsWithStats(rest.astype(np.uint8), connectivity=8)
    ticks = tick_ink = body_ink = 0
    for i in range(1, count):
        cx, cy, cw, ch, area = stats[i]
        on_bar = cy + ch >= bar - 1 and cy <= bar + 2
        if not on_bar and area > settings().rulers.ruler_stray:
            return False  # a stroke apart from the bar: a glyph beside the ruler
        if on_bar and cw <= settings().rulers.ruler_tick_width:
            ticks, tick_ink = ticks + 1, tick_ink + area
        elif on_bar and area > settings().rulers.ruler_stray:
            body_ink += area
    # the rest is specks of noise, and speckle touching the bar or a tick; but wide blobs standing
    # on the "bar" with more ink than the ticks are glyph bodies: the bar was the dense middle row
    # of small text whose strokes merge (8 px labels), or the edge of a label patch the text is on
    return ticks >= settings().rulers.ruler_min_ticks and body_ink <= tick_ink
