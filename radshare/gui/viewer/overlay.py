"""On-screen drawing of annotations, matching render.draw_annotations' look (which exports use).

Points are mapped through the canvas transform and drawn upright, the way the export maps points
and then draws, so text never turns with the image.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from radshare.gui.lazy import lazy
from radshare.gui.viewer.geometry import qpoint

if TYPE_CHECKING:
    from radshare.core.model import Annotation

render = lazy("radshare.core.render")


def handle_points(ann: Annotation) -> list[tuple[float, float]]:
    if ann.kind == "freehand":
        return [ann.points[0], ann.points[-1]] if ann.points else []
    if ann.kind in ("text", "marker"):
        return ann.points[:1]
    return [ann.points[0], ann.points[-1]] if len(ann.points) >= 2 else list(ann.points)


def paint_annotation(
    painter: QPainter, ann: Annotation, transform: QTransform, zoom: float,
    spacing: tuple[float, float] | None, number: int = 0,
) -> None:
    """Draw one annotation on screen, matching render.draw_annotations' look."""
    color = QColor(ann.color)
    if not color.isValid():
        color = QColor("#FFD400")
    width = max(1.0, ann.width * zoom)
    pen = QPen(color, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    pts = [transform.map(qpoint(p)) for p in ann.points]
    if not pts:
        return
    kind = ann.kind
    if kind in ("arrow", "line", "ruler") and len(pts) >= 2:
        painter.drawLine(pts[0], pts[-1])
        if kind == "arrow":
            head = render.arrow_head((pts[0].x(), pts[0].y()), (pts[-1].x(), pts[-1].y()), ann.width * zoom)
            painter.setBrush(color)
            painter.setPen(Qt.NoPen)
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in head]))
        elif kind == "ruler":
            angle = math.atan2(pts[-1].y() - pts[0].y(), pts[-1].x() - pts[0].x()) + math.pi / 2
            half = 6.0 * zoom
            for p in (pts[0], pts[-1]):
                d = QPointF(half * math.cos(angle), half * math.sin(angle))
                painter.drawLine(p + d, p - d)
            label = render.ruler_length_text(ann.points[0], ann.points[-1], spacing)
            mid = (pts[0] + pts[-1]) / 2 + QPointF(6 * zoom, 6 * zoom)
            _label(painter, mid, label, ann.font_size * zoom, color)
    elif kind in ("rect", "ellipse") and len(pts) >= 2:
        rect = QRectF(pts[0], pts[-1]).normalized()
        painter.drawRect(rect) if kind == "rect" else painter.drawEllipse(rect)
    elif kind == "freehand" and len(pts) >= 2:
        path = QPainterPath(pts[0])
        for p in pts[1:]:
            path.lineTo(p)
        painter.drawPath(path)
    elif kind == "marker":
        radius = max(6.0, ann.font_size * 0.75) * zoom
        painter.setBrush(color)
        painter.setPen(QPen(QColor("black"), max(1.0, zoom)))
        painter.drawEllipse(pts[0], radius, radius)
        font = painter.font()
        font.setPixelSize(max(6, int(ann.font_size * 0.9 * zoom)))
        font.setBold(True)
        painter.setFont(font)
        light = color.lightness() > 140
        painter.setPen(QColor("black") if light else QColor("white"))
        painter.drawText(QRectF(pts[0].x() - radius, pts[0].y() - radius, 2 * radius, 2 * radius),
                         Qt.AlignCenter, ann.text or str(number))
    elif kind == "text" and ann.text:
        _label(painter, pts[0], ann.text, ann.font_size * zoom, color)


def _label(painter: QPainter, top_left: QPointF, text: str, pixel_size: float, color: QColor) -> None:
    font = QFont(painter.font())
    font.setPixelSize(max(6, int(round(pixel_size))))
    font.setBold(True)
    path = QPainterPath()
    ascent = QFontMetricsF(font).ascent()
    path.addText(top_left + QPointF(0, ascent), font, text)
    outline = QColor("black") if color.lightness() > 100 else QColor("white")
    painter.save()
    painter.setPen(QPen(outline, max(1.0, pixel_size / 9) * 2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    painter.setBrush(Qt.NoBrush)
    painter.drawPath(path)
    painter.setPen(Qt.NoPen)
    painter.setBrush(color)
    painter.drawPath(path)
    painter.restore()


def shadow_text(painter: QPainter, pos: QPointF, text: str) -> None:
    painter.setPen(QColor(0, 0, 0, 200))
    painter.drawText(pos + QPointF(1, 1), text)
    painter.setPen(QColor("#e6e8eb"))
    painter.drawText(pos, text)
