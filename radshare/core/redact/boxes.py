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
    items = []
    for x, y, w, h, source in boxes:
        x0, y0 = max(0, x - pad), max(0, y - pad)
        x1, y1 = min(cols, x + w + pad), min(rows, y + h + pad)
        if x1 > x0 and y1 > y0:
            items.append([x0, y0, x1, y1, source, (x1 - x0) * (y1 - y0)])
    changed = True
    while changed:
        changed = False
        items.sort(key=lambda b: b[0])
        out: list[list] = []
        for box in items:
            for other in out:
                if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                    if box[5] > other[5]:
                        other[4], other[5] = box[4], box[5]
                    other[0], other[1] = min(other[0], box[0]), min(other[1], box[1])
                    other[2], other[3] = max(other[2], box[2]), max(other[3], box[3])
                    changed = True
                    break
            else:
                out.append(box)
        items = out
    return [(b[0], b[1], b[2] - b[0], b[3] - b[1], b[4]) for b in items]


def union_box(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)
