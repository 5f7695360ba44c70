"""Growing a box the recogniser read to the end of its string, so no glyph of it stays legible.

Why: the detectors often stop a line at a gap between words (a monospace space is nearly a glyph
height wide), at a glyph whose strokes are fainter, or where a found piece ends, and painting
most of a name still leaves the rest to read ("F" of "F 84Y 20171001", "MRN" of "MRN 20160399").
A box already read as text is the line's own evidence: glyphs standing in the same band (their
ink within the box's ink rows, of glyph height), each at most a word gap from the last, continue
it. Growth stops at ink that leaves the band (anatomy crossing the line, a marking), at a gap
wider than a word's, and after `whole_lines.end_reach` ink heights on each side.

Only boxes read by the recogniser are grown, and only wide ones: a text-free frame has next to
none, so growth cannot add boxes on anatomy, only lengthen a line that holds text; and each end's
growth only where the part added reads as a character (texture in the band is not a glyph).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from radshare.core.redact.settings import current as settings

Box = tuple[int, int, int, int]


def _ink_rows(ink: np.ndarray) -> tuple[int, int] | None:
    """First and last row (within `ink`, the box's own pixels) that hold a real share of its ink."""
    counts = ink.sum(axis=1)
    if counts.max() == 0:
        return None
    rows = np.flatnonzero(counts >= settings().whole_lines.end_row_share * counts.max())
    return int(rows[0]), int(rows[-1])


def _glyphs(ink: np.ndarray, top: int, bottom: int) -> list[tuple[int, int]]:
    """Column spans (x0, x1) of ink components lying in rows top..bottom of `ink` (with a tolerance)
    and at least end_min_height of that band tall: glyphs of the same line. Components reaching
    out of the band are not glyphs of the line (anatomy, a marking crossing it)."""
    height = bottom - top + 1
    slack = settings().whole_lines.end_band_slack * height
    low, wide = settings().whole_lines.end_min_height * height, settings().whole_lines.end_max_width * height  # once, not per component
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    spans = []
    for x, y, w, h, _area in stats[1:count]:
        if y >= top - slack and y + h - 1 <= bottom + slack and h >= low and w <= wide:
            spans.append((int(x), int(x + w)))
    return spans


def _walk(spans: list[tuple[int, int]], start: int, gap: float, limit: int, step: int) -> int:
    """From column `start`, walking by `step` (+1 right, -1 left): the far end of the run of spans
    each within `gap` columns of the last, never past `limit`."""
    end = start
    while True:
        if step > 0:
            nxt = [x1 for x0, x1 in spans if x0 <= end + gap and end < x1 <= limit]
        else:
            nxt = [x0 for x0, x1 in spans if x1 >= end - gap and limit <= x0 < end]
        if not nxt:
            return end
        end = max(nxt) if step > 0 else min(nxt)


def grow_to_string_end(diff: np.ndarray, sigma: np.ndarray, box: Box) -> Box:
    """Wide box (x, y, w, h) grown left and right over glyphs in its own ink band (see module doc).

    `diff` is grey minus its median background and `sigma` the local noise
    (classical.background_and_noise); ink is what grow_along_lines calls ink. The band is found
    in the box's own polarity; glyphs beyond it may stand either way off the ground.
    """
    x, y, w, h = box
    rows, cols = diff.shape[:2]
    if w < h or w <= 0 or h <= 0:
        return box
    threshold = np.maximum(settings().line_growth.min_ink, settings().line_growth.ink_z * sigma[y : y + h, x : x + w])
    inside = diff[y : y + h, x : x + w]
    polarity = 1 if np.count_nonzero(inside > threshold) >= np.count_nonzero(-inside > threshold) else -1
    band = _ink_rows(polarity * inside > threshold)
    if band is None:
        return box
    top, bottom = y + band[0], y + band[1]
    height = bottom - top + 1
    reach = int(settings().whole_lines.end_reach * height)
    margin = int(np.ceil(settings().whole_lines.end_band_slack * height)) + 1
    r0, r1 = max(0, top - margin), min(rows, bottom + margin + 1)
    c0, c1 = max(0, x - reach), min(cols, x + w + reach)
    part = (slice(r0, r1), slice(c0, c1))
    strong = np.maximum(settings().line_growth.min_ink, settings().line_growth.ink_z * sigma[part])
    # either polarity: a line drawn in one grey turns from bright to dark ink where it crosses onto
    # a structure brighter than itself (a rib, a bone edge)
    spans = _glyphs(diff[part] > strong, top - r0, bottom - r0) + _glyphs(-diff[part] > strong, top - r0, bottom - r0)
    gap = settings().whole_lines.end_gap * height
    right = _walk(spans, x + w - c0, gap, c1 - c0, 1) + c0
    left = _walk(spans, x - c0, gap, 0, -1) + c0
    return (left, y, right - left, h)


def _same_line(a: Box, b: Box) -> bool:
    """True when `b` is a wide box sharing half of the lower one's rows with `a`: a piece of the same line."""
    shared = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return b[2] >= b[3] and shared >= 0.5 * min(a[3], b[3])


def _clear_of(box: Box, others: list[Box], gap: int, left: int, right: int) -> tuple[int, int]:
    """`left` and `right` (the grown ends of `box`) pulled back so that the growth comes no nearer
    than `gap` to a found box of another line (a vertical label, the line above) it did not touch:
    painted regions that touch are merged into their bounding rectangle, and a line grown into a
    label beside it made one block over the anatomy between them."""
    x, y, w, h = box
    line = [o for o in others if _same_line(box, o) and o[0] < right + gap and o[0] + o[2] > left - gap]
    top, bottom = min([y] + [o[1] for o in line]), max([y + h] + [o[1] + o[3] for o in line])  # merged with it
    for ox, oy, ow, oh in others:
        if oy >= bottom + gap or oy + oh <= top - gap or _same_line(box, (ox, oy, ow, oh)):
            continue
        if ox + ow <= x - gap:
            left = max(left, ox + ow + gap)
        elif ox >= x + w + gap:
            right = min(right, ox - gap)
    return min(left, x), max(right, x + w)


def grow_read_boxes(diff: np.ndarray, sigma: np.ndarray, boxes: list[Box], reads: Callable[[Box], bool],
                    others: list[Box] = (), gap: int = 0) -> list[Box]:
    """`boxes` (read as text), each wide one grown to the ends of its string; tall ones unchanged.

    Each end's growth is kept only when `reads` says the part added holds a character (the
    recogniser reads one sure character in it, as for a box painted beside a read one): on
    textured ground (gyri, speckle) blobs in the band chained the growth along the texture. No
    growth comes within `gap` of one of the `others` (the frame's found boxes) on another line.
    A part mostly inside the `others` is painted anyway and is not read (a line is often found
    as several boxes: reading each one's growth over the others cost a fifth of the detector's time).
    """
    covered = np.zeros(diff.shape[:2], bool)
    for ox, oy, ow, oh in others:
        covered[oy : oy + oh, ox : ox + ow] = True
    answers: dict[Box, bool] = {}

    def holds_text(part: Box) -> bool:
        if part not in answers:
            px, py, pw, ph = part
            answers[part] = covered[py : py + ph, px : px + pw].mean() >= settings().whole_lines.end_covered or reads(part)
        return answers[part]

    grown = []
    for box in boxes:
        x, y, w, h = box
        if w < h:
            grown.append(box)
            continue
        gx, _, gw, _ = grow_to_string_end(diff, sigma, box)
        gx, end = _clear_of(box, [o for o in others if o != box], gap, gx, gx + gw)
        gw = end - gx
        left, right = x, x + w
        if x - gx >= settings().whole_lines.end_min_growth * h and holds_text((gx, y, x - gx, h)):
            left = gx
        if gx + gw - (x + w) >= settings().whole_lines.end_min_growth * h and holds_text((x + w, y, gx + gw - (x + w), h)):
            right = gx + gw
        grown.append((left, y, right - left, h))
    return grown


def _in_a_line(box: Box, others: list[Box]) -> bool:
    """True when a wide box among `others` covers half of `box`: a glyph of a found line, not a label."""
    x, y, w, h = box
    for ox, oy, ow, oh in others:
        if ow >= oh:
            ix = max(0, min(x + w, ox + ow) - max(x, ox))
            iy = max(0, min(y + h, oy + oh) - max(y, oy))
            if ix * iy >= 0.5 * w * h:
                return True
    return False


def grow_read_tall_boxes(diff: np.ndarray, sigma: np.ndarray, boxes: list[Box], reads: Callable[[Box], bool],
                         others: list[Box] = (), gap: int = 0) -> list[Box]:
    """`boxes` (read as text), each tall one (vertical_text.tall_ends_min_aspect times as tall as wide:
    a few glyphs of a vertical label, not one glyph of a line, nor inside a wide box of `others`) grown
    along its own ink columns to the ends of its string; the rest unchanged. grow_read_boxes on the transposed frame, with its tests.

    A vertical label stops at a word gap or a fainter glyph as a line does ("Se:9" of
    "Se:9 Im:8" found, "Im:8" left legible), and the turned looks find it in pieces as often as
    DB finds a line in pieces; a piece the recogniser read is the label's own evidence.
    """
    def turn(b: Box) -> Box:
        return (b[1], b[0], b[3], b[2])

    tall = [b for b in boxes if b[3] >= settings().vertical_text.tall_ends_min_aspect * b[2] and not _in_a_line(b, others)]
    if not tall:
        return list(boxes)
    grown = grow_read_boxes(diff.T, sigma.T, [turn(b) for b in tall], lambda part: reads(turn(part)),
                            [turn(o) for o in others], gap)
    by_box = {b: turn(g) for b, g in zip(tall, grown)}
    return [by_box.get(b, b) for b in boxes]


def _line_rows(a: Box, b: Box) -> bool:
    """True when `b` lies in `a`'s line: shares half of its rows with a wide `a`, or holds an end
    of a tall `a` in its rows (the end of a line found as one glyph, grown along its column)."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    if aw >= ah:
        return min(ay + ah, by + bh) - max(ay, by) >= 0.5 * bh
    return by <= ay < by + bh or by < ay + ah <= by + bh


def _bridge(a: Box, b: Box, height: int, gap_heights: float, height_ratio: float) -> Box | None:
    """The box from the end of `a` (read as text, or a piece joined to it) over `b` (a piece a
    pass found beside it); None when `b` is not a piece of that line:
    upright, in `a`'s line (_line_rows), within `height_ratio` of the line's `height` (for a
    tall `a`, `b`'s own, and `b` about as tall as `a` is thick and no taller than a glyph), and
    at most `gap_heights` line heights from it."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    if bw < bh or not _line_rows(a, b):
        return None
    wide = aw >= ah
    if not wide:  # nothing says which way a tall box's end goes on: `b` must be a piece of a line itself
        if (not settings().whole_lines.join_tall_ends or bh > settings().classical.max_char
                or bw < settings().whole_lines.join_tall_piece_aspect * bh or max(aw, bh) > height_ratio * min(aw, bh)):
            return None
        height = bh
    if max(height, bh) > height_ratio * min(height, bh):
        return None
    gap = bx - (ax + aw) if bx >= ax + aw else ax - (bx + bw)
    if gap <= 0 or gap > gap_heights * height:
        return None
    top, bottom = (min(by, ay), max(by + bh, ay + ah)) if wide else (by, by + bh)
    left, right = min(ax + aw, bx), max(ax, bx + bw)
    return (left, top, right - left, bottom - top)


def _overlap(a: Box, b: Box) -> bool:
    return min(a[0] + a[2], b[0] + b[2]) > max(a[0], b[0]) and min(a[1] + a[3], b[1] + b[3]) > max(a[1], b[1])


def ink_band(diff: np.ndarray, sigma: np.ndarray, box: Box) -> Box:
    """`box` narrowed to the rows holding its ink (_ink_rows, in the box's own polarity): the
    glyphs' band, not the box's (a DB box holds a margin of about half a glyph above and below)."""
    x, y, w, h = box
    inside = diff[y : y + h, x : x + w]
    threshold = np.maximum(settings().line_growth.min_ink, settings().line_growth.ink_z * sigma[y : y + h, x : x + w])
    polarity = 1 if np.count_nonzero(inside > threshold) >= np.count_nonzero(-inside > threshold) else -1
    band = _ink_rows(polarity * inside > threshold)
    return box if band is None else (x, y + band[0], w, band[1] - band[0] + 1)


def join_line_pieces(diff: np.ndarray, sigma: np.ndarray, read: list[Box], pieces: list[Box]) -> list[Box]:
    """Boxes bridging each box in `read` to the pieces of its line in `pieces` (boxes the passes
    found but did not read), and on from each piece joined to the next. `diff` and `sigma` as
    in grow_to_string_end.

    Why: a line over anatomy or crossed by a structure is often found in pieces and read only in
    one of them ("78KG" of a dim "M/79Y 78KG", half of a date over colour Doppler); the rest is
    a short piece too small to be read surely, or a glyph or two no pass found between two read
    pieces. Painting the pieces apart left what lies between them legible wherever their padded
    boxes did not touch (the old bounding-rectangle merge covered some by chance). A read box
    is the line's evidence: a piece of like height in its rows, a few glyph heights away at most
    (whole_lines.join_gap: a short word missed between them), continues it, and so does a piece
    beside that piece, nearer (whole_lines.join_chain_gap: a word gap; anatomy beside a line's
    end made a chain of blobs); the line's rows and
    height are the read box's ink rows (a box holds a margin, and a blob of anatomy just under
    a line shared half of the box's rows). The line's height is the read
    box's all along the chain (a piece's own would let a tall piece of anatomy reach further).
    Text-free frames have next to no read boxes, so nothing joins there.
    """
    gap_heights, ratio = settings().whole_lines.join_gap, settings().whole_lines.join_height_ratio
    lines = {b: ink_band(diff, sigma, b) if b[2] >= b[3] else b for b in read}  # the rows and height of each read line
    labels = [b for b in read if b[3] > b[2]]

    def across_a_label(bridge: Box | None, *ends: Box) -> bool:
        """A read tall box more than twice the bridge's height (a vertical label, not a glyph of the
        line) stands in the gap: two fields beside it, not one line."""
        return bridge is not None and any(_overlap(bridge, t) and t[3] > 2 * bridge[3] and t not in ends for t in labels)

    open_ = [p for p in dict.fromkeys(pieces) if p not in lines]
    frontier = [(line, line[3] if line[2] >= line[3] else 0, gap_heights) for line in lines.values()]  # 0: a tall box's, its piece's own
    joined = []
    while frontier and open_:
        box, height, gap = frontier.pop()
        for piece in list(open_):
            bridge = _bridge(box, piece, height or piece[3], gap, ratio)
            if bridge is not None and not across_a_label(bridge, box, piece):
                joined.append(bridge)
                open_.remove(piece)
                frontier.append((piece, height or piece[3], settings().whole_lines.join_chain_gap))
    for a in lines.values():  # read pieces of one line with a gap between them
        for b in lines.values():
            bridge = _bridge(a, b, a[3], gap_heights, ratio) if a[2] >= a[3] and b[0] > a[0] else None
            if bridge is not None and not across_a_label(bridge, a, b):
                joined.append(bridge)
    return joined
