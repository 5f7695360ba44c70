"""What the window holds for each open image: the core `Image`, its view and its undo history.

Edits go through QUndoCommands (viewer/commands.py) that change the `Image`'s annotation and
region lists, then call `ImageState.changed()`, which tells the window to repaint and save the
sidecar. Nothing here draws.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from typing import TYPE_CHECKING

from radshare.gui.lazy import lazy

if TYPE_CHECKING:
    from radshare.core.model import Image

render = lazy("radshare.core.render")


class ImageState(QObject):
    """One open image with its display state (`view`, `frame`) and its own undo stack."""

    edited = Signal()  # annotations, regions, review or alt text changed (save the sidecar)
    view_changed = Signal()

    def __init__(self, image: Image, parent: QObject | None = None):
        super().__init__(parent)
        self.image = image
        center, width = render.default_window(image)
        self.default_view = render.View(center=center, width=width)
        self.view = self.default_view
        self.frame = 0
        self.undo_stack = QUndoStack(self)
        self.accepted: set[int] = set()  # ids of regions the reviewer accepted this session
        self.detecting = False
        # A review stands only on an image whose text detection has finished in this session
        # (review means review): until then `image.review` stays "not reviewed", and a review
        # restored from an earlier session waits in `restored_review` for detection to confirm it.
        self.detected = False
        self.restored_review = image.review if image.review != "not reviewed" else None
        # `accepted` holds ids; every region ever shown is kept alive here so that an id can
        # never be reused by a new, unreviewed region (which would then look accepted).
        self._seen_regions: dict[int, object] = {id(r): r for r in image.regions}
        if image.review == "reviewed":
            self.accepted = {id(r) for r in image.regions}
        image.review = "not reviewed"

    # -- edits (called by undo commands) --
    def changed(self) -> None:
        if not self.detected and self.image.review != "not reviewed":
            self.image.review = "not reviewed"  # see `detected`: nothing is reviewed before detection ends
        for region in self.image.regions:
            self._seen_regions.setdefault(id(region), region)
        self.edited.emit()

    def set_view(self, view: "render.View") -> None:
        if view != self.view:
            self.view = view
            self.view_changed.emit()

    def set_window(self, center: float, width: float) -> None:
        self.set_view(replace(self.view, center=float(center), width=max(1.0, float(width))))

    def set_frame(self, frame: int) -> None:
        frame = max(0, min(self.image.frame_count - 1, int(frame)))
        if frame != self.frame:
            self.frame = frame
            self.view_changed.emit()

    @property
    def title(self) -> str:
        """A short on-screen label: modality and instance, never a patient value."""
        image = self.image
        if image.kind == "photo":
            return "Photo"
        number = f" #{image.instance_number}" if image.instance_number else ""
        frames = f" ({image.frame_count} frames)" if image.frame_count > 1 else ""
        return f"{image.modality or 'DICOM'}{number}{frames}"

    @property
    def review_done(self) -> bool:
        """Detected and reviewed: what the export and post gates ask of every image."""
        return self.detected and self.image.review in ("reviewed", "no text found")

    def finish_detection(self, regions: list) -> bool:
        """Record that detection finished with `regions`; True when they need the reviewer
        (the caller then applies them with SetDetected). A review restored from an
        earlier session stands again when every box found now was already there."""
        self.detecting = False
        self.detected = True
        restored, self.restored_review = self.restored_review, None
        known = {(r.x, r.y, r.w, r.h, r.frame) for r in self.image.regions}
        if restored is not None and all((r.x, r.y, r.w, r.h, r.frame) in known for r in regions):
            self.image.review = restored
            self.changed()
            return False
        return True

    def unaccepted_regions(self) -> int:
        return sum(1 for r in self.image.regions if id(r) not in self.accepted)
