"""A strip of the current series' images, each framed by its text-review state, for clearing a long series.

Green: detected and reviewed. Amber: detected, boxes waiting for the reviewer. Grey: detection
still running or not run. Clicking a thumbnail shows that image.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

from radshare.gui.document import ImageState

THUMB = 56
COLOURS = {"reviewed": "#3fb950", "to review": "#d29922", "detecting": "#6e7681"}
TIPS = {
    "reviewed": "Text detected and reviewed",
    "to review": "Text detected: boxes to review",
    "detecting": "Looking for burned-in text\u2026",
}


def review_mark(state: ImageState) -> str:
    """"reviewed", "to review" or "detecting": what the strip shows for one image."""
    if state.review_done:
        return "reviewed"
    return "to review" if state.detected else "detecting"


class SeriesStrip(QListWidget):
    image_selected = Signal(object)  # ImageState

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.IconMode)
        self.setFlow(QListView.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Static)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setFixedHeight(THUMB + 34)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.itemClicked.connect(lambda item: self.image_selected.emit(item.data(Qt.UserRole)))
        self._icons: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # state -> {mark: framed icon}, made once

    def show_states(self, states: list[ImageState], current: ImageState | None) -> None:
        """Show `states` (one series, in order), each framed by its review mark; select `current`."""
        self.blockSignals(True)
        self.clear()
        for number, state in enumerate(states, start=1):
            mark = review_mark(state)
            item = QListWidgetItem(self._framed(state, mark), str(state.image.instance_number or number))
            item.setData(Qt.UserRole, state)
            item.setData(Qt.UserRole + 1, mark)
            item.setToolTip(TIPS[mark])
            self.addItem(item)
            if state is current:
                self.setCurrentItem(item)
                self.scrollToItem(item)
        self.blockSignals(False)

    def marks(self) -> list[str]:
        return [self.item(i).data(Qt.UserRole + 1) for i in range(self.count())]

    def _framed(self, state: ImageState, mark: str) -> QIcon:
        from radshare.gui.panels.series_panel import thumbnail

        icons = self._icons.setdefault(state, {})
        if mark in icons:
            return icons[mark]
        plain = icons.setdefault("plain", thumbnail(state, THUMB))
        pixmap = plain.pixmap(THUMB, THUMB)
        painter = QPainter(pixmap)
        pen = QPen(QColor(COLOURS[mark]))
        pen.setWidth(4)
        painter.setPen(pen)
        painter.drawRect(2, 2, THUMB - 4, THUMB - 4)
        painter.end()
        icons[mark] = QIcon(pixmap)
        return icons[mark]
