"""Box arithmetic shared by the detectors: pad, clip and merge overlapping rectangles."""

from __future__ import annotations

Box = tuple[int, int, int, int]  # x, y, w, h


def merge_boxes(
    boxes: list[tuple[int, int, int, int, str]], pad: int, rows: int, cols: int
) -> list[tuple[int, int, int, int, str]]:
    """Pad each (x, y, w, h, source) box, clip to the image, and merge boxes that overlap.

    Merging keeps the region list short for the reviewer and never shrinks what is painted
    (the merged box contains both). The merged box keeps the source of its largest part.
    """
    return _merged(_padded(boxes, pad, rows, cols), lambda a, b: _overlap(a, b) > 0, lambda b: b[0])


def union_box(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def merge_tight(
    boxes: list[tuple[int, int, int, int, str]], pad: int, rows: int, cols: int, max_added: float
) -> list[tuple[int, int, int, int, str]]:
    """Pad and clip each (x, y, w, h, source) box like merge_boxes, but merge two overlapping
    boxes only where their bounding rectangle adds at most `max_added` of the area the boxes
    themselves cover; otherwise both stay (overlapping regions paint no pixel twice over).

    Why: the bounding rectangle of an L (a vertical label touching a corner block, two lines of
    different length touching) paints the anatomy between its arms. Pieces of one line, or a
    box inside another, still merge, so the reviewer's list stays short. The covered area is
    tracked over every box a region took in (never the rectangle's own), so a chain of small
    additions cannot creep into a big one. Never paints more than merge_boxes would.
    """
    return _merged(_padded(boxes, pad, rows, cols), lambda a, b: _joins(a, b, max_added), lambda b: (b[0], b[1]))


def _padded(boxes: list[tuple[int, int, int, int, str]], pad: int, rows: int, cols: int) -> list[list]:
    """[x0, y0, x1, y1, source, largest part's area, area covered] of each box padded and clipped."""
    items = []
    for x, y, w, h, source in boxes:
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(cols, x + w + pad), min(rows, y + h + pad)
        if x1 > x0 and y1 > y0:
            area = (x1 - x0) * (y1 - y0)
            items.append([x0, y0, x1, y1, source, area, area])
    return items


def _merged(items: list[list], joins, order) -> list[tuple[int, int, int, int, str]]:
    """Regions `joins` pairs up merged into their rectangle until none joins (sorted by `order` on
    each round), each keeping the source of its largest part."""
    changed = True
    while changed:
        changed = False
        items.sort(key=order)
        out: list[list] = []
        for box in items:
            for other in out:
                if joins(box, other):
                    if box[5] > other[5]:
                        other[4], other[5] = box[4], box[5]
                    other[6] = _covered_together(box, other)
                    other[0], other[1] = min(other[0], box[0]), min(other[1], box[1])
                    other[2], other[3] = max(other[2], box[2]), max(other[3], box[3])
                    changed = True
                    break
            else:
                out.append(box)
        items = out
    return [(b[0], b[1], b[2] - b[0], b[3] - b[1], b[4]) for b in items]


def _overlap(a: list, b: list) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _covered_together(a: list, b: list) -> int:
    """Area the boxes of two regions cover together: at least this much (their rectangles' overlap
    is the most their covered parts can share)."""
    return max(a[6], b[6], a[6] + b[6] - _overlap(a, b))


def _joins(a: list, b: list, max_added: float) -> bool:
    """Two overlapping regions whose bounding rectangle adds little over what they cover."""
    if not _overlap(a, b):
        return False
    if (a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3]) or (
        b[0] >= a[0] and b[1] >= a[1] and b[2] <= a[2] and b[3] <= a[3]
    ):
        return True  # one inside the other: the outer one paints it already
    rect = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
    return rect <= (1 + max_added) * _covered_together(a, b)


def crossing_lines(box: Box, others: list[Box]) -> int:
    """How many wide boxes of `others` cross tall `box`: span half its width or more and reach
    out of it by its width on a side (a line going on, not a piece of the box's own glyphs), their
    rows' middle inside its rows."""
    x, y, w, h = box[:4]
    count = 0
    for ox, oy, ow, oh in (o[:4] for o in others):
        out = max(x - ox, ox + ow - x - w)
        if ow > oh and out >= w and min(x + w, ox + ow) - max(x, ox) >= 0.5 * w and y <= oy + oh / 2 < y + h:
            count += 1
    return count


def without_columns_of_lines(boxes: list[Box], lines: list[Box], most: int) -> list[Box]:
    """`boxes` without the tall ones more than `most` wide boxes of `lines` cross.

    Why: glyphs of left-aligned lines stack in a column (their first letters, in one grey), and
    the vertical line-of-glyphs tests and column growth take the column for a vertical label:
    painted, it is a tall bar down the block and over the anatomy below and above it (held-out
    brain_001: 37 x 192 px). Text does not cross text, so a tall box two lines cross is that
    column; the lines' own boxes paint its glyphs.
    """
    return [b for b in boxes if b[2] >= b[3] or crossing_lines(b, [o for o in lines if o is not b]) <= most]
