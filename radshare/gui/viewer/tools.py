"""Canvas tools: each turns left-button mouse gestures into one undoable edit (or a view change).

Points are in original image pixels. A tool pushes its command on release, so one gesture is
one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen

from radshare.gui.lazy import lazy
from radshare.gui.viewer import commands
from radshare.gui.viewer.canvas import region_at
from radshare.gui.viewer.overlay import handle_points, paint_annotation
from radshare.gui.viewer.geometry import annotation_distance, normalised_box, region_corners

model = lazy("radshare.core.model")
HIT_PX = 8.0  # how near (screen pixels) a click must be to pick something


@dataclass(frozen=True)
class ToolInfo:
    id: str
    label: str
    icon: str
    shortcut: str
    tip: str


TOOLS: tuple[ToolInfo, ...] = (
    ToolInfo("select", "Select", "select", "V", "Select, move and resize annotations and text regions"),
    ToolInfo("pan", "Pan", "pan", "H", "Drag to move the image (middle button works in every tool)"),
    ToolInfo("window", "Window/level", "window", "W", "Drag: left-right width, up-down level (right button works in every tool)"),
    ToolInfo("crop", "Crop", "crop", "C", "Drag a rectangle to crop the image"),
    ToolInfo("arrow", "Arrow", "arrow", "A", "Drag from tail to tip"),
    ToolInfo("line", "Line", "line", "L", "Drag a straight line"),
    ToolInfo("ellipse", "Ellipse", "ellipse", "E", "Drag an ellipse"),
    ToolInfo("rect", "Rectangle", "rect", "R", "Drag a rectangle"),
    ToolInfo("text", "Text label", "text", "T", "Click where the label starts"),
    ToolInfo("freehand", "Freehand", "freehand", "F", "Draw freely"),
    ToolInfo("marker", "Numbered marker", "marker", "M", "Click to place the next number"),
    ToolInfo("ruler", "Ruler", "ruler", "D", "Drag to measure a distance (mm when Pixel Spacing is known)"),
    ToolInfo("region", "Redaction box", "redact-box", "B", "Drag a box over text that must be painted out"),
)


REFERENCE_SIZE = 512  # the style's widths and font sizes are pixels of an image this large


def size_factor(image) -> float:
    """Annotation sizes are kept relative to the image: the style's width 3 is 3 pixels on a
    512-pixel CT, 1.5 on a 256-pixel one and 12 on a 2048-pixel radiograph, so an arrow looks
    the same on each (and in every export size)."""
    return max(image.rows, image.columns, 1) / REFERENCE_SIZE


class Tool:
    cursor = Qt.ArrowCursor

    def press(self, canvas, p, event) -> None: ...
    def move(self, canvas, p, event) -> None: ...
    def release(self, canvas, p, event) -> None: ...
    def double_click(self, canvas, p, event) -> None: ...
    def paint(self, canvas, painter) -> None: ...
    def cancel(self) -> None: ...


class PanTool(Tool):
    cursor = Qt.OpenHandCursor

    def press(self, canvas, p, event):
        self.start, self.pan = event.position(), QPointF(canvas.pan)

    def move(self, canvas, p, event):
        canvas.pan = self.pan + (event.position() - self.start)
        canvas.fitted = False


class WindowTool(Tool):
    cursor = Qt.SizeAllCursor

    def press(self, canvas, p, event):
        self.start, self.view = event.position(), canvas.state.view

    def move(self, canvas, p, event):
        canvas.drag_window(self.view, event.position() - self.start)


class _DragTool(Tool):
    """Press-drag-release gestures with a live preview."""

    cursor = Qt.CrossCursor

    def __init__(self):
        self.points: list[tuple[float, float]] = []

    def press(self, canvas, p, event):
        self.points = [p, p]

    def move(self, canvas, p, event):
        if self.points:
            self.points[-1] = p

    def cancel(self):
        self.points = []

    def _dragged(self, canvas) -> bool:
        if len(self.points) < 2:
            return False
        a, b = canvas.to_widget(self.points[0]), canvas.to_widget(self.points[-1])
        return (a - b).manhattanLength() >= 4


class CropTool(_DragTool):
    def release(self, canvas, p, event):
        if self._dragged(canvas):
            x, y, w, h = normalised_box(self.points[0], self.points[-1])
            state = canvas.state
            x0, y0 = max(0, x), max(0, y)
            x1, y1 = min(state.image.columns, x + w), min(state.image.rows, y + h)
            if x1 - x0 >= 4 and y1 - y0 >= 4:
                state.undo_stack.push(commands.SetView(state, replace(state.view, crop=(x0, y0, x1 - x0, y1 - y0)), "Crop"))
                canvas.fit()
        self.points = []

    def paint(self, canvas, painter):
        if len(self.points) == 2:
            painter.setPen(QPen(QColor("#4c8dff"), 1.5, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(QRectF(canvas.to_widget(self.points[0]), canvas.to_widget(self.points[1])).normalized())


class ShapeTool(_DragTool):
    """Arrow, line, ellipse, rectangle, ruler (two points) and freehand (a path)."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def move(self, canvas, p, event):
        if not self.points:
            return
        if self.kind == "freehand":
            last = canvas.to_widget(self.points[-1])
            if (canvas.to_widget(p) - last).manhattanLength() >= 2:
                self.points.append(p)
        else:
            self.points[-1] = p

    def release(self, canvas, p, event):
        if self._dragged(canvas):
            pts = self.points if self.kind == "freehand" else [self.points[0], self.points[-1]]
            ann = self._annotation(canvas, [(round(x, 2), round(y, 2)) for x, y in pts])
            state = canvas.state
            state.undo_stack.push(commands.AddItem(state, "annotations", ann, f"Add {self.kind}"))
            canvas.select("annotations", ann)
        self.points = []

    def _annotation(self, canvas, points, text: str = ""):
        style, factor = canvas.style, size_factor(canvas.state.image)
        return model.Annotation(kind=self.kind, points=points, color=style["color"],
                                width=round(float(style["width"]) * factor, 2),
                                font_size=round(float(style["font_size"]) * factor, 2), text=text)

    def paint(self, canvas, painter):
        if len(self.points) >= 2:
            paint_annotation(painter, self._annotation(canvas, list(self.points)), canvas.transform(),
                             canvas.zoom, canvas.state.image.pixel_spacing)


class ClickTool(ShapeTool):
    """Text labels and numbered markers: one click places them."""

    def press(self, canvas, p, event):
        self.points = [p]

    def move(self, canvas, p, event):
        pass

    def release(self, canvas, p, event):
        if not self.points:
            return
        text = ""
        if self.kind == "text":
            text = ask_label_text(canvas)
            if not text:
                self.points = []
                return
        ann = self._annotation(canvas, [self.points[0]], text)
        state = canvas.state
        state.undo_stack.push(commands.AddItem(state, "annotations", ann, f"Add {self.kind}"))
        canvas.select("annotations", ann)
        self.points = []

    def paint(self, canvas, painter):
        pass


def ask_label_text(canvas) -> str:
    """Asks for a label's text (tests replace this function to type without a dialog)."""
    from radshare.gui.dialogs.text_label_dialog import TextLabelDialog

    dialog = TextLabelDialog(canvas.window())
    return dialog.label() if dialog.exec() else ""


class RegionTool(_DragTool):
    def release(self, canvas, p, event):
        if self._dragged(canvas):
            x, y, w, h = normalised_box(self.points[0], self.points[-1])
            region = model.TextRegion(x=x, y=y, w=w, h=h, frame=None, source="user")
            state = canvas.state
            state.undo_stack.push(commands.AddItem(state, "regions", region, "Add redaction box"))
            canvas.select("regions", region)
        self.points = []

    def paint(self, canvas, painter):
        if len(self.points) == 2:
            painter.setPen(QPen(QColor("#ff9f1a"), 1.5, Qt.DashLine))
            fill = QColor("#ff9f1a")
            fill.setAlpha(60)
            painter.setBrush(fill)
            painter.drawRect(QRectF(canvas.to_widget(self.points[0]), canvas.to_widget(self.points[1])).normalized())


class SelectTool(Tool):
    """Pick the annotation or region under the cursor; drag its body to move, a handle to resize."""

    def __init__(self):
        self.drag = None  # (which, original item, handle index or None, start point)
        self.preview = None

    def press(self, canvas, p, event):
        state = canvas.state
        tolerance = HIT_PX / max(canvas.zoom, 1e-6)
        self.drag = None
        # a handle of the current selection first
        current = canvas.selection
        if current:
            which, item = current
            handles = handle_points(item) if which == "annotations" else region_corners(item)
            for i, h in enumerate(handles):
                if abs(h[0] - p[0]) <= tolerance and abs(h[1] - p[1]) <= tolerance:
                    self.drag = (which, item, i, p)
                    return
        visible = [a for a in state.image.annotations if a.frame is None or a.frame == state.frame]
        best = min(visible, key=lambda a: annotation_distance(a, p), default=None)
        if best is not None and annotation_distance(best, p) <= tolerance + best.width / 2:
            canvas.select("annotations", best)
            self.drag = ("annotations", best, None, p)
            return
        region = region_at(state, p, tolerance / 2)
        if region is not None:
            canvas.select("regions", region)
            self.drag = ("regions", region, None, p)
            return
        canvas.select(None, None)

    def move(self, canvas, p, event):
        if self.drag is None:
            return
        which, item, handle, start = self.drag
        self.preview = _moved(which, item, handle, start, p)
        # show the change live by swapping in place; the command records the real edit on release
        items = getattr(canvas.state.image, which)
        for i, candidate in enumerate(items):
            if candidate is item or candidate is getattr(self, "_shown", None):
                items[i] = self.preview
                self._shown = self.preview
                break
        canvas.selection = (which, self.preview)

    def release(self, canvas, p, event):
        if self.drag is None:
            return
        which, item, handle, start = self.drag
        shown = getattr(self, "_shown", None)
        if shown is not None:
            items = getattr(canvas.state.image, which)
            for i, candidate in enumerate(items):
                if candidate is shown:
                    items[i] = item  # put the original back; the command makes the real change
            moved = (abs(p[0] - start[0]) + abs(p[1] - start[1])) * canvas.zoom >= 2
            if moved:
                text = "Resize" if handle is not None else "Move"
                state = canvas.state
                state.undo_stack.push(commands.ReplaceItem(state, which, item, shown, f"{text} {_name(which, item)}"))
                canvas.select(which, shown)
            else:
                canvas.select(which, item)
        self.drag, self._shown, self.preview = None, None, None

    def double_click(self, canvas, p, event):
        item = canvas.selected("annotations")
        if item is not None and item.kind == "text":
            text = ask_label_text(canvas)
            if text:
                state = canvas.state
                state.undo_stack.push(commands.ReplaceItem(state, "annotations", item, replace(item, text=text), "Edit label"))

    def cancel(self):
        self.drag, self.preview = None, None


def _name(which: str, item) -> str:
    return "redaction box" if which == "regions" else item.kind


def _moved(which, item, handle, start, p):
    dx, dy = p[0] - start[0], p[1] - start[1]
    if which == "annotations":
        points = list(item.points)
        if handle is None:
            points = [(x + dx, y + dy) for x, y in points]
        elif item.kind in ("text", "marker"):
            points = [(points[0][0] + dx, points[0][1] + dy)]
        elif handle == 0:
            points[0] = (points[0][0] + dx, points[0][1] + dy)
        else:
            points[-1] = (points[-1][0] + dx, points[-1][1] + dy)
        return replace(item, points=[(round(x, 2), round(y, 2)) for x, y in points])
    x0, y0, x1, y1 = item.x, item.y, item.x + item.w, item.y + item.h
    if handle is None:
        x0, x1, y0, y1 = x0 + dx, x1 + dx, y0 + dy, y1 + dy
    else:
        if handle in (0, 3):
            x0 += dx
        else:
            x1 += dx
        if handle in (0, 1):
            y0 += dy
        else:
            y1 += dy
    x, y, w, h = normalised_box((x0, y0), (x1, y1))
    return replace(item, x=x, y=y, w=w, h=h)


def make_tool(tool_id: str) -> Tool:
    if tool_id == "select":
        return SelectTool()
    if tool_id == "pan":
        return PanTool()
    if tool_id == "window":
        return WindowTool()
    if tool_id == "crop":
        return CropTool()
    if tool_id == "region":
        return RegionTool()
    if tool_id in ("text", "marker"):
        return ClickTool(tool_id)
    return ShapeTool(tool_id)
