"""Geometry shared by the canvas and the tools: the image-to-screen transform and hit tests.

The image-to-output mapping comes from `render.map_points`, so what the screen shows is what
an export writes.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform

from typing import TYPE_CHECKING

from radshare.gui.lazy import lazy

if TYPE_CHECKING:
    from radshare.core.model import Annotation, TextRegion

render = lazy("radshare.core.render")

Point = tuple[float, float]


def geometry_transform(view: "render.View", rows: int, cols: int) -> tuple[QTransform, float, float]:
    """The affine map from original image pixels to the view's output, and the output size."""
    (ox, oy), (ax, ay), (bx, by) = render.map_points([(0, 0), (1, 0), (0, 1)], view, rows, cols)
    transform = QTransform(ax - ox, ay - oy, bx - ox, by - oy, ox, oy)
    x, y, w, h = render.crop_box(view, rows, cols)
    out_w, out_h = (h, w) if (view.rotation // 90) % 2 else (w, h)
    return transform, float(out_w), float(out_h)


def distance_to_segment(p: Point, a: Point, b: Point) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(p[0] - ax, p[1] - ay)
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - (ax + t * dx), p[1] - (ay + t * dy))


def annotation_distance(ann: Annotation, p: Point) -> float:
    """How far `p` (image pixels) is from the annotation's ink; 0 inside text and markers."""
    pts = ann.points
    if not pts:
        return math.inf
    if ann.kind in ("arrow", "line", "ruler") and len(pts) >= 2:
        return distance_to_segment(p, pts[0], pts[-1])
    if ann.kind == "freehand" and len(pts) >= 2:
        return min(distance_to_segment(p, a, b) for a, b in zip(pts, pts[1:]))
    if ann.kind in ("rect", "ellipse") and len(pts) >= 2:
        x0, y0, x1, y1 = render.ellipse_box(pts[0], pts[-1])
        if ann.kind == "rect":
            edges = [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))]
            return min(distance_to_segment(p, a, b) for a, b in edges)
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, max((x1 - x0) / 2, 1), max((y1 - y0) / 2, 1)
        r = math.hypot((p[0] - cx) / rx, (p[1] - cy) / ry)
        return abs(r - 1) * min(rx, ry)
    if ann.kind == "marker":
        radius = max(6.0, ann.font_size * 0.75)
        return max(0.0, math.hypot(p[0] - pts[0][0], p[1] - pts[0][1]) - radius)
    if ann.kind == "text":
        w = max(1, len(ann.text)) * ann.font_size * 0.62
        h = ann.font_size * 1.2
        x, y = pts[0]
        dx = max(x - p[0], 0, p[0] - (x + w))
        dy = max(y - p[1], 0, p[1] - (y + h))
        return math.hypot(dx, dy)
    return math.hypot(p[0] - pts[0][0], p[1] - pts[0][1])


def region_contains(region: TextRegion, p: Point, margin: float = 0.0) -> bool:
    return (region.x - margin <= p[0] <= region.x + region.w + margin
            and region.y - margin <= p[1] <= region.y + region.h + margin)


def region_corners(region: TextRegion) -> list[Point]:
    x, y, w, h = region.x, region.y, region.w, region.h
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def normalised_box(a: Point, b: Point) -> tuple[int, int, int, int]:
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return int(round(x0)), int(round(y0)), max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0)))


def qpoint(p: Point) -> QPointF:
    return QPointF(p[0], p[1])
