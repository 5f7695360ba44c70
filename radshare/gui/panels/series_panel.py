"""Open images grouped by series, with thumbnails and each image's text-review status."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from radshare.gui import icons
from radshare.gui.document import ImageState
from radshare.gui.lazy import lazy

np = lazy("numpy")
render = lazy("radshare.core.render")

THUMB = 56
STATUS_ICON = {"not reviewed": "status-todo", "reviewed": "status-ok", "no text found": "status-clear"}
STATUS_TIP = {
    "not reviewed": "Burned-in text not reviewed yet",
    "reviewed": "Burned-in text reviewed",
    "no text found": "No burned-in text found",
}


def thumbnail(state: ImageState, size: int = THUMB) -> QIcon:
    image = state.image
    frame = image.frames[min(state.frame, image.frame_count - 1)]
    step = max(1, max(frame.shape[0], frame.shape[1]) // (size * 2))
    small = frame[::step, ::step]
    grey = render.window_frame(small, state.view.center, state.view.width, image.rescale, image.photometric)
    rgb = np.ascontiguousarray(render.to_rgb(grey))
    h, w = rgb.shape[:2]
    qimage = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format_RGB888).copy()
    pixmap = QPixmap.fromImage(qimage).scaled(size, size, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    canvas = QPixmap(size, size)
    canvas.fill(Qt.black)
    from PySide6.QtGui import QPainter

    painter = QPainter(canvas)
    painter.drawPixmap((size - pixmap.width()) // 2, (size - pixmap.height()) // 2, pixmap)
    painter.end()
    return QIcon(canvas)


class SeriesPanel(QWidget):
    image_selected = Signal(object)  # ImageState

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setIndentation(12)
        self.tree.setUniformRowHeights(False)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.empty = QLabel("Open images appear here, grouped by series.")
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        layout.addWidget(self.tree)
        self.tree.hide()
        self.items: dict[int, QTreeWidgetItem] = {}
        self.series_items: dict[str, QTreeWidgetItem] = {}

    def add(self, state: ImageState, series_label: str, index: int | None = None) -> None:
        """Add `state` under its series, at `index` (its slice position) or last."""
        key = state.image.series_key or state.image.origin
        parent = self.series_items.get(key)
        if parent is None:
            parent = QTreeWidgetItem([series_label])
            parent.setFlags(Qt.ItemIsEnabled)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            self.tree.addTopLevelItem(parent)
            parent.setExpanded(True)
            self.series_items[key] = parent
        item = QTreeWidgetItem()
        item.setData(0, Qt.UserRole, state)
        item.setIcon(0, thumbnail(state))
        if index is None or index >= parent.childCount():
            parent.addChild(item)
        else:
            parent.insertChild(index, item)
        self.items[id(state)] = item
        self.refresh(state)
        parent.setText(0, f"{series_label}  \u00b7  {parent.childCount()}")
        self.tree.show()
        self.empty.hide()

    def refresh(self, state: ImageState) -> None:
        item = self.items.get(id(state))
        if item is None:
            return
        review = state.image.review
        item.setText(0, f"{state.title}\n{review.capitalize()}")
        item.setToolTip(0, STATUS_TIP.get(review, review))
        item.setData(0, Qt.UserRole + 1, review)
        # a small status mark beside the thumbnail, drawn into the icon
        item.setIcon(0, _with_status(thumbnail(state), review))

    def restyle(self) -> None:
        """After a theme change: redraw the status marks in the new theme's icon colours."""
        for item in self.items.values():
            state = item.data(0, Qt.UserRole)
            if state is not None:
                self.refresh(state)

    def select(self, state: ImageState) -> None:
        item = self.items.get(id(state))
        if item is not None and self.tree.currentItem() is not item:
            self.tree.setCurrentItem(item)
            self.tree.scrollToItem(item)

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is None:
            return
        state = current.data(0, Qt.UserRole)
        if state is not None:
            self.image_selected.emit(state)


def _with_status(base: QIcon, review: str) -> QIcon:
    from PySide6.QtGui import QPainter

    pixmap = base.pixmap(THUMB, THUMB)
    painter = QPainter(pixmap)
    mark = icons.pixmap(STATUS_ICON.get(review, "status-none"), 18)
    painter.drawPixmap(THUMB - 19, THUMB - 19, mark)
    painter.end()
    return QIcon(pixmap)
