"""The image canvas: shows one frame as `render.py` computes it, with regions and annotations.

Left button: the active tool. Middle button: pan. Right button: window/level. Wheel: frames of
a multi-frame image, else the slices of the series (asked of the window through
`slice_requested`); Ctrl+wheel zooms. Annotations are drawn here
with QPainter for editing; exports draw them with render.draw_annotations from the same data.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from typing import TYPE_CHECKING

from radshare.gui import icons
from radshare.gui.lazy import lazy

if TYPE_CHECKING:
    from radshare.core.model import TextRegion
    from radshare.gui.document import ImageState

np = lazy("numpy")
render = lazy("radshare.core.render")
from radshare.gui.viewer.geometry import geometry_transform, qpoint
from radshare.gui.viewer.overlay import handle_points, paint_annotation, shadow_text

EMPTY_TITLE = "Drop DICOM files, folders or photos here"
EMPTY_HINT = "or choose File \u203a Open (Ctrl+O). Zip archives work too."
REGION_TODO = QColor("#ff9f1a")
REGION_OK = QColor("#3fb871")
REGION_KEEP = QColor("#4c8dff")
SELECTION = QColor("#4c8dff")


class Canvas(QWidget):
    selection_changed = Signal()
    cursor_moved = Signal(str)  # status text: position and value under the cursor
    frame_changed = Signal(int)
    slice_requested = Signal(int)  # the wheel asks for the slice this many steps away in the series
    rendered = Signal()  # a frame of an image reached the screen (drop-to-display measure)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(320, 240)
        self.state: ImageState | None = None
        self.zoom = 1.0
        self.pan = QPointF(0, 0)
        self.fitted = True
        self.tool = None
        self.selection: tuple[str, object] | None = None
        self.style = {"color": "#FFD400", "width": 3.0, "font_size": 18.0}
        self.background = QColor("#0b0c0e")
        self.show_regions = True
        self.drop_hint = False  # files are being dragged over the window
        self.position_text = ""  # e.g. "Slice 12 / 240", set by the window
        self.preview = False  # show the frame as exported: text regions painted out
        self._cache_key = None
        self._qimage: QImage | None = None
        self._buffer = None
        self._drag_button = None
        self._drag_start = QPointF()
        self._drag_view = None
        self._drag_pan = QPointF()

    # --- state ---------------------------------------------------------------------------
    def set_state(self, state: ImageState | None, keep_zoom: bool = False) -> None:
        """Show `state`; `keep_zoom` keeps zoom and pan (the next slice of a linked series)."""
        previous = self.state
        if self.state is not None:
            for signal in (self.state.view_changed, self.state.edited):
                try:
                    signal.disconnect(self._on_state_changed)
                except (RuntimeError, TypeError):
                    pass
        self.state = state
        self.selection = None
        if self.tool is not None:
            self.tool.cancel()
        if state is not None:
            state.view_changed.connect(self._on_state_changed)
            state.edited.connect(self._on_state_changed)
        same_size = (previous is not None and state is not None and not self.fitted
                     and (previous.image.rows, previous.image.columns) == (state.image.rows, state.image.columns))
        if keep_zoom and same_size:
            self.update()
        else:
            self.fit()
        self.selection_changed.emit()

    def _on_state_changed(self) -> None:
        if self.selection is not None and self.state is not None:
            which, item = self.selection
            if not any(i is item for i in getattr(self.state.image, which)):
                self.selection = None
                self.selection_changed.emit()
        self.update()

    def set_drop_hint(self, on: bool) -> None:
        if on != self.drop_hint:
            self.drop_hint = on
            self.update()

    def set_tool(self, tool) -> None:
        if self.tool is not None:
            self.tool.cancel()
        self.tool = tool
        self.setCursor(tool.cursor if tool is not None else Qt.ArrowCursor)
        self.update()

    def select(self, which: str | None, item: object | None) -> None:
        self.selection = (which, item) if which and item is not None else None
        self.selection_changed.emit()
        self.update()

    def selected(self, which: str):
        if self.selection and self.selection[0] == which:
            return self.selection[1]
        return None

    # --- transforms ----------------------------------------------------------------------
    def output_geometry(self) -> tuple[QTransform, float, float]:
        image = self.state.image
        return geometry_transform(self.state.view, image.rows, image.columns)

    def transform(self) -> QTransform:
        """Original image pixels to widget pixels."""
        geom, _, _ = self.output_geometry()
        return geom * QTransform(self.zoom, 0, 0, self.zoom, self.pan.x(), self.pan.y())

    def to_image(self, pos: QPointF) -> tuple[float, float]:
        inverse, _ = self.transform().inverted()
        p = inverse.map(QPointF(pos))
        return (p.x(), p.y())

    def to_widget(self, p: tuple[float, float]) -> QPointF:
        return self.transform().map(QPointF(p[0], p[1]))

    def fit(self) -> None:
        self.fitted = True
        if self.state is None:
            self.update()
            return
        _, w, h = self.output_geometry()
        margin = 16
        avail_w, avail_h = max(1, self.width() - 2 * margin), max(1, self.height() - 2 * margin)
        self.zoom = max(0.02, min(avail_w / w, avail_h / h))
        self.pan = QPointF((self.width() - w * self.zoom) / 2, (self.height() - h * self.zoom) / 2)
        self.update()

    def actual_size(self) -> None:
        self.set_zoom(1.0, QPointF(self.width() / 2, self.height() / 2))

    def set_zoom(self, zoom: float, anchor: QPointF) -> None:
        if self.state is None:
            return
        zoom = max(0.05, min(40.0, zoom))
        inverse, _ = QTransform(self.zoom, 0, 0, self.zoom, self.pan.x(), self.pan.y()).inverted()
        out = inverse.map(anchor)
        self.zoom = zoom
        self.pan = QPointF(anchor.x() - out.x() * zoom, anchor.y() - out.y() * zoom)
        self.fitted = False
        self.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor or QPointF(self.width() / 2, self.height() / 2))

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self.fitted:
            self.fit()
        super().resizeEvent(event)

    # --- pixels --------------------------------------------------------------------------
    def frame_image(self) -> QImage:
        state = self.state
        view = state.view
        regions = tuple(r.as_box() + (r.fill, r.keep, r.frame) for r in state.image.regions) if self.preview else ()
        key = (id(state.image), id(state.image.frames), state.frame, view.center, view.width, view.invert, regions)
        if key != self._cache_key or self._qimage is None:
            image = state.image
            frame = image.frames[state.frame]
            if self.preview:
                frame = self._painted_frame(frame)
            pixels = render.window_frame(
                frame, view.center, view.width, image.rescale, image.photometric, view.invert
            )
            pixels = np.ascontiguousarray(pixels)
            h, w = pixels.shape[:2]
            if pixels.ndim == 2:
                qimage = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_Grayscale8)
            else:
                qimage = QImage(pixels.data, w, h, pixels.strides[0], QImage.Format_RGB888)
            self._buffer, self._qimage, self._cache_key = pixels, qimage, key
        return self._qimage

    def _painted_frame(self, frame):
        """The current frame with its regions painted out, through the same core code as export."""
        from dataclasses import replace

        from radshare.gui import services

        state = self.state
        regions = [replace(r, frame=None) for r in state.image.regions if r.frame in (None, state.frame)]
        if not regions:
            return frame
        try:
            return services.paint_regions(state.image, regions, frames=frame[None])[0]
        except (ImportError, services.Unavailable):
            return frame

    def value_at(self, p: tuple[float, float]) -> str:
        image = self.state.image
        x, y = int(math.floor(p[0])), int(math.floor(p[1]))
        if not (0 <= x < image.columns and 0 <= y < image.rows):
            return ""
        value = image.frames[self.state.frame][y, x]
        if image.is_color:
            return "RGB " + ",".join(str(int(v)) for v in value)
        slope, intercept = image.rescale
        unit = " HU" if image.modality == "CT" else ""
        return f"{float(value) * slope + intercept:.0f}{unit}"

    # --- painting ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.background)
        if self.state is None:
            self._paint_empty(painter)
            painter.end()
            return
        painter.setRenderHint(QPainter.SmoothPixmapTransform, self.zoom < 2.0)
        transform = self.transform()
        image = self.state.image
        x, y, w, h = render.crop_box(self.state.view, image.rows, image.columns)
        painter.save()
        painter.setTransform(transform)
        painter.setClipRect(QRectF(x, y, w, h))
        painter.drawImage(0, 0, self.frame_image())
        painter.restore()
        painter.setRenderHint(QPainter.Antialiasing, True)
        if self.show_regions and not self.preview:
            self._paint_regions(painter, transform)
        self._paint_annotations(painter, transform)
        if self.tool is not None:
            self.tool.paint(self, painter)
        self._paint_info(painter)
        if self.drop_hint:
            painter.setPen(QPen(QColor("#4c8dff"), 3))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(self.rect().adjusted(2, 2, -3, -3))
        painter.end()
        self.rendered.emit()

    def _paint_empty(self, painter: QPainter) -> None:
        color = QColor("#9aa3ad")
        rect = self.rect().adjusted(40, 40, -40, -40)
        pen = QPen(QColor("#4c8dff") if self.drop_hint else QColor("#3a4049"), 2, Qt.DashLine)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(pen)
        painter.drawRoundedRect(rect, 16, 16)
        size = 64
        painter.drawPixmap(int(self.width() / 2 - size / 2), int(self.height() / 2 - 90),
                           icons.pixmap("drop", size, "#7f8a96"))
        font = QFont(self.font())
        font.setPointSizeF(15)
        font.setWeight(QFont.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor("#e6e8eb"))
        painter.drawText(QRectF(0, self.height() / 2 - 10, self.width(), 32), Qt.AlignCenter, EMPTY_TITLE)
        font.setPointSizeF(10.5)
        font.setWeight(QFont.Normal)
        painter.setFont(font)
        painter.setPen(color)
        painter.drawText(QRectF(0, self.height() / 2 + 24, self.width(), 24), Qt.AlignCenter, EMPTY_HINT)
        painter.drawText(QRectF(0, self.height() / 2 + 48, self.width(), 24), Qt.AlignCenter,
                         "Nothing leaves this computer until you export or post.")

    def _paint_regions(self, painter: QPainter, transform: QTransform) -> None:
        state = self.state
        selected = self.selected("regions")
        for region in state.image.regions:
            if region.frame is not None and region.frame != state.frame:
                continue
            rect = transform.mapRect(QRectF(region.x, region.y, region.w, region.h))
            if region.keep:
                color = REGION_KEEP
            elif id(region) in state.accepted:
                color = REGION_OK
            else:
                color = REGION_TODO
            fill = QColor(color)
            fill.setAlpha(60 if not region.keep else 25)
            painter.setBrush(QBrush(fill, Qt.SolidPattern if region.fill == "solid" else Qt.Dense5Pattern))
            painter.setPen(QPen(color, 2 if region is selected else 1.5, Qt.SolidLine if region is selected else Qt.DashLine))
            painter.drawRect(rect)
            if region is selected:
                self._paint_handles(painter, [rect.topLeft(), rect.topRight(), rect.bottomRight(), rect.bottomLeft()])
        painter.setBrush(Qt.NoBrush)

    def _paint_annotations(self, painter: QPainter, transform: QTransform) -> None:
        state = self.state
        spacing = state.image.pixel_spacing
        selected = self.selected("annotations")
        marker_number = 0
        for ann in state.image.annotations:
            if ann.kind == "marker":
                marker_number += 1
            if ann.frame is not None and ann.frame != state.frame:
                continue
            paint_annotation(painter, ann, transform, self.zoom, spacing, marker_number)
            if ann is selected:
                self._paint_handles(painter, [transform.map(qpoint(p)) for p in handle_points(ann)])

    def _paint_handles(self, painter: QPainter, points: list[QPointF]) -> None:
        painter.save()
        painter.setPen(QPen(QColor("white"), 1.2))
        painter.setBrush(SELECTION)
        for p in points:
            painter.drawRect(QRectF(p.x() - 4, p.y() - 4, 8, 8))
        painter.restore()

    def _paint_info(self, painter: QPainter) -> None:
        state = self.state
        view = state.view
        lines_left = [f"W {view.width:.0f}  L {view.center:.0f}"]
        if view.invert:
            lines_left.append("Inverted")
        lines_left.append(f"Zoom {self.zoom * 100:.0f}%")
        font = QFont(self.font())
        font.setPointSizeF(9)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        y = self.height() - 10 - metrics.height() * (len(lines_left) - 1)
        for line in lines_left:
            shadow_text(painter, QPointF(10, y), line)
            y += metrics.height()
        image = state.image
        top = f"{image.modality or image.kind.upper()}  {image.columns}\u00d7{image.rows}"
        if image.pixel_spacing:
            top += f"  {image.pixel_spacing[1]:.2f} mm/px"
        shadow_text(painter, QPointF(10, 10 + metrics.ascent()), top)
        text = f"Frame {state.frame + 1} / {state.image.frame_count}" if image.frame_count > 1 else self.position_text
        if text:
            shadow_text(painter, QPointF(self.width() - metrics.horizontalAdvance(text) - 10, self.height() - 10), text)

    # --- input ---------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.state is None:
            return
        self.setFocus()
        p = self.to_image(event.position())
        if event.button() == Qt.LeftButton and self.tool is not None:
            self.tool.press(self, p, event)
        elif event.button() in (Qt.MiddleButton, Qt.RightButton):
            self._drag_button = event.button()
            self._drag_start = event.position()
            self._drag_view = self.state.view
            self._drag_pan = QPointF(self.pan)
        self.update()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self.state is None:
            return
        p = self.to_image(event.position())
        if self._drag_button == Qt.MiddleButton:
            self.pan = self._drag_pan + (event.position() - self._drag_start)
            self.fitted = False
        elif self._drag_button == Qt.RightButton:
            self.drag_window(self._drag_view, event.position() - self._drag_start)
        elif self.tool is not None and event.buttons() & Qt.LeftButton:
            self.tool.move(self, p, event)
        value = self.value_at(p)
        self.cursor_moved.emit(f"x {p[0]:.0f}  y {p[1]:.0f}" + (f"   {value}" if value else ""))
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self.state is None:
            return
        if event.button() == self._drag_button:
            self._drag_button = None
        elif event.button() == Qt.LeftButton and self.tool is not None:
            self.tool.release(self, self.to_image(event.position()), event)
        self.update()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if self.state is not None and self.tool is not None and event.button() == Qt.LeftButton:
            self.tool.double_click(self, self.to_image(event.position()), event)

    def drag_window(self, start, delta: QPointF) -> None:
        """Horizontal drag widens the window, vertical drag raises the level (as on PACS)."""
        sensitivity = max(start.width, 1.0) / 256.0
        width = max(1.0, start.width + delta.x() * sensitivity)
        center = start.center + delta.y() * sensitivity
        self.state.set_window(center, width)

    def wheelEvent(self, event) -> None:  # noqa: N802
        if self.state is None:
            return
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        if event.modifiers() & Qt.ControlModifier:
            self.zoom_by(1.15 ** steps, event.position())
        else:  # as on every PACS: wheel down goes to the next slice or frame
            delta = -int(math.copysign(max(1, abs(round(steps))), steps))
            if self.state.image.frame_count > 1:
                self.step_frame(delta)
            else:
                self.slice_requested.emit(delta)
        event.accept()

    def step_frame(self, delta: int, wrap: bool = False) -> None:
        """The frame `delta` away: held at the first and last frame, or wrapped (cine)."""
        if self.state is None:
            return
        count = self.state.image.frame_count
        frame = self.state.frame + delta
        self.state.set_frame(frame % count if wrap else max(0, min(count - 1, frame)))
        self.frame_changed.emit(self.state.frame)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if self.state is not None and event.key() == Qt.Key_Escape and self.tool is not None:
            self.tool.cancel()
            self.select(None, None)
            return
        super().keyPressEvent(event)


def region_at(state: ImageState, p: tuple[float, float], margin: float) -> TextRegion | None:
    from radshare.gui.viewer.geometry import region_contains

    for region in reversed(state.image.regions):
        if (region.frame is None or region.frame == state.frame) and region_contains(region, p, margin):
            return region
    return None
