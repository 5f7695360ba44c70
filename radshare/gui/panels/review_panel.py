"""Burned-in text review for the current image: detected regions, their fill, and the status.

Each region can be accepted, deleted, kept (teaching text such as "L") or switched between solid
fill and blur; moving and resizing happen on the canvas with the Select tool, and the Redaction
box tool (B) draws extra regions. What OCR read is shown on this screen only.

Detection runs by itself when an image is opened; **Mark reviewed** waits until it has finished
on the image. Below, a strip of the series' images shows each one's review state, and **Accept
all boxes in this series** marks every detected image of the series reviewed at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
    QVBoxLayout, QWidget,
)

from radshare.gui import icons
from radshare.gui.document import ImageState
from radshare.gui.panels.series_strip import SeriesStrip

STATUS_TEXT = {
    "not reviewed": ("Not reviewed", "warning"),
    "reviewed": ("Reviewed", "ok"),
    "no text found": ("No text found", "ok"),
}


class ReviewPanel(QWidget):
    detect_requested = Signal()
    cancel_requested = Signal()
    region_selected = Signal(object)
    accept_requested = Signal(object)  # a region
    delete_requested = Signal(object)
    fill_requested = Signal(object, str)
    keep_requested = Signal(object, bool)
    accept_all_requested = Signal()
    no_text_requested = Signal()
    next_requested = Signal()
    accept_series_requested = Signal()
    series_image_selected = Signal(object)  # ImageState

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.status = QLabel("Open an image to review its burned-in text.")
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        top.addWidget(self.status, 1)
        layout.addLayout(top)
        row = QHBoxLayout()
        self.detect = QPushButton(icons.icon("detect"), "Detect text")
        self.detect.setToolTip("Find burned-in text on every frame (runs in the background)")
        self.detect.clicked.connect(self.detect_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self.cancel.hide()
        row.addWidget(self.detect)
        row.addWidget(self.cancel)
        row.addStretch(1)
        layout.addLayout(row)
        self.unavailable = QLabel("")  # why Detect is off in this installation (services.detection_status)
        self.unavailable.setObjectName("warning")
        self.unavailable.setWordWrap(True)
        self.unavailable.hide()
        layout.addWidget(self.unavailable)
        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._on_current)
        layout.addWidget(self.list, 1)
        grid = QGridLayout()
        self.accept = QPushButton(icons.icon("accept"), "Accept")
        self.accept.setToolTip("This box covers text that must be painted out (Enter)")
        self.accept.clicked.connect(lambda: self._emit(self.accept_requested))
        self.delete = QPushButton(icons.icon("delete"), "Delete")
        self.delete.setToolTip("Not text: remove this box (Delete)")
        self.delete.clicked.connect(lambda: self._emit(self.delete_requested))
        self.fill = QComboBox()
        self.fill.addItem("Solid fill", "solid")
        self.fill.addItem("Blur", "blur")
        self.fill.setToolTip("How this box is painted out on export")
        self.fill.activated.connect(self._on_fill)
        self.keep = QPushButton("Keep as teaching text")
        self.keep.setCheckable(True)
        self.keep.setToolTip("Text that identifies no one (e.g. 'L', 'AP'): left in the image")
        self.keep.clicked.connect(self._on_keep)
        grid.addWidget(self.accept, 0, 0)
        grid.addWidget(self.delete, 0, 1)
        grid.addWidget(self.fill, 1, 0)
        grid.addWidget(self.keep, 1, 1)
        layout.addLayout(grid)
        bottom = QHBoxLayout()
        self.accept_all = QPushButton(icons.icon("shield"), "Mark reviewed")
        self.accept_all.setObjectName("primary")
        self.accept_all.setToolTip("Every box is right: accept them all and mark this image reviewed")
        self.accept_all.clicked.connect(self.accept_all_requested)
        self.next = QPushButton(icons.icon("next"), "Next unreviewed")
        self.next.setToolTip("Go to the next image whose text is not reviewed (N)")
        self.next.clicked.connect(self.next_requested)
        bottom.addWidget(self.accept_all, 1)
        bottom.addWidget(self.next, 1)
        layout.addLayout(bottom)
        self.series_label = QLabel("")
        self.series_label.setObjectName("hint")
        layout.addWidget(self.series_label)
        self.strip = SeriesStrip()
        self.strip.image_selected.connect(self.series_image_selected)
        layout.addWidget(self.strip)
        self.accept_series = QPushButton(icons.icon("accept"), "Accept all boxes in this series")
        self.accept_series.setToolTip("Every detected image of this series: accept its boxes and mark it reviewed")
        self.accept_series.clicked.connect(self.accept_series_requested)
        layout.addWidget(self.accept_series)
        self.state: ImageState | None = None
        self.set_state(None)

    def set_state(self, state: ImageState | None, remaining: int = 0) -> None:
        self.state = state
        self.refresh(remaining)

    def set_busy(self, busy: bool) -> None:
        from radshare.gui import services

        status = services.detection_status()
        self.detect.setEnabled(not busy and self.state is not None and status.ok)
        self.detect.setToolTip("Find burned-in text on every frame (runs in the background)" if status.ok
                               else f"{status.reason} Draw boxes with B.")
        self.unavailable.setText("" if status.ok else f"{status.reason} Draw boxes over text with B; "
                                 "images stay not reviewed until you mark them.")
        self.unavailable.setVisible(not status.ok)
        self.cancel.setVisible(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def refresh(self, remaining: int = 0, selected=None) -> None:
        state = self.state
        self.list.blockSignals(True)
        self.list.clear()
        enabled = state is not None
        for widget in (self.detect, self.next):
            widget.setEnabled(enabled)
        # review means review: nothing can be marked reviewed before detection has finished on it
        self.accept_all.setEnabled(enabled and state.detected)
        self.accept_all.setToolTip("Every box is right: accept them all and mark this image reviewed"
                                   if enabled and state.detected else "Waits until text detection has finished on this image")
        if state is None:
            self.status.setText("Open an image to review its burned-in text.")
            self.status.setObjectName("hint")
            self._restyle()
            self.list.blockSignals(False)
            self._update_buttons()
            return
        image = state.image
        text, style = STATUS_TEXT.get(image.review, (image.review, "hint"))
        todo = state.unaccepted_regions()
        detail = f" \u00b7 {todo} box{'es' if todo != 1 else ''} to check" if todo else ""
        if not state.detected:
            detail = " \u00b7 looking for burned-in text\u2026" if state.detecting else " \u00b7 text detection not run yet"
        elif not image.regions and image.review == "not reviewed":
            detail = " \u00b7 detection found no text: look, then mark reviewed"
        self.status.setText(f"Text review: {text}{detail}")
        self.status.setObjectName(style)
        self._restyle()
        for number, region in enumerate(image.regions, start=1):
            accepted = id(region) in state.accepted
            where = "all frames" if region.frame is None else f"frame {region.frame + 1}"
            flags = []
            if region.is_identifier:
                flags.append("matches patient data")
            if region.keep:
                flags.append("kept")
            elif region.fill == "blur":
                flags.append("blur")
            label = f"{number}. {region.w}\u00d7{region.h} px, {where}, {region.source}"
            read = " ".join(region.text.split())
            if read:
                read = read if len(read) <= 40 else read[:39] + "\u2026"
                label += f"\n    reads \u201c{read}\u201d"
            if flags:
                label += "  \u00b7 " + ", ".join(flags)
            item = QListWidgetItem(icons.icon("status-ok" if accepted or region.keep else "status-todo"), label)
            item.setData(Qt.UserRole, region)
            if region.is_identifier:
                item.setForeground(QColor("#e5534b"))
            self.list.addItem(item)
            if region is selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.next.setText(f"Next unreviewed ({remaining})" if remaining else "Next unreviewed")
        self.next.setEnabled(remaining > 0)
        self._update_buttons()

    def show_series(self, states: list[ImageState], current: ImageState | None) -> None:
        """The strip of `current`'s series; the accept button counts what it would accept."""
        self.strip.show_states(states, current)
        marks = self.strip.marks()
        waiting = marks.count("to review")
        self.series_label.setText(
            f"This series: {marks.count('reviewed')} of {len(marks)} reviewed"
            + (f", {marks.count('detecting')} still being checked" if marks.count("detecting") else ""))
        self.accept_series.setEnabled(waiting > 0)
        self.accept_series.setText(f"Accept all boxes in this series ({waiting})" if waiting else "Accept all boxes in this series")

    def current_region(self):
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def select_region(self, region) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.UserRole) is region:
                self.list.blockSignals(True)
                self.list.setCurrentItem(item)
                self.list.blockSignals(False)
                break
        self._update_buttons()

    def _update_buttons(self) -> None:
        region = self.current_region()
        for widget in (self.accept, self.delete, self.fill, self.keep):
            widget.setEnabled(region is not None)
        if region is not None:
            self.fill.setCurrentIndex(1 if region.fill == "blur" else 0)
            self.keep.setChecked(bool(region.keep))

    def _restyle(self) -> None:
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _emit(self, signal) -> None:
        region = self.current_region()
        if region is not None:
            signal.emit(region)

    def _on_current(self, current, _previous) -> None:
        self._update_buttons()
        if current is not None:
            self.region_selected.emit(current.data(Qt.UserRole))

    def _on_fill(self, index: int) -> None:
        region = self.current_region()
        if region is not None:
            self.fill_requested.emit(region, self.fill.itemData(index))

    def _on_keep(self, checked: bool) -> None:
        region = self.current_region()
        if region is not None:
            self.keep_requested.emit(region, checked)
