"""The composer's left side: which open images to post, and a preview of exactly the bytes sent.

The preview decodes the prepared bytes themselves (`PreparedImage.data`), not the rendered
pixels, so what the sharer sees is what the target receives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from radshare.core.model import Image
from radshare.uploaders.base import Limits, PreparedImage

if TYPE_CHECKING:
    from radshare.core.render import View

#: At most this many open images are offered, and the first few given are checked at first
#: (social targets take 4 per post; the sharer can check more for a blog or a folder).
MAX_OFFERED = 40
INITIALLY_CHECKED = 4


def offered(images: list[Image], parent: QWidget | None) -> tuple[list[Image], set[int]]:
    """The images to offer: those given (the first `INITIALLY_CHECKED` checked) plus the other open
    ones (unchecked) when the parent window holds them, up to `MAX_OFFERED` in all."""
    states = getattr(parent, "states", None) or []
    others = [s.image for s in states if all(s.image is not im for im in images)]
    return (images + others)[:MAX_OFFERED], set(range(min(len(images), INITIALLY_CHECKED)))


def views_of(parent: QWidget | None, images: list[Image]) -> dict[int, tuple[View | None, int]]:
    """Each offered image's view (window, geometry) and frame as the reader left them in the window."""
    states = getattr(parent, "states", None) or []
    by_id = {id(s.image): s for s in states}
    out: dict[int, tuple[View | None, int]] = {}
    for row, image in enumerate(images):
        state = by_id.get(id(image))
        out[row] = (state.view, state.frame) if state is not None else (None, 0)
    return out


class ImagePicker(QWidget):
    """The offered images (checkable), the preview and what is sent."""

    def __init__(self, images: list[Image], checked: set[int], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Images to post (from what is open):"))
        self.image_list = QListWidget()
        for number, image in enumerate(images, 1):
            item = QListWidgetItem(f"Image {number}  ({image.modality or image.kind}, {image.columns}×{image.rows})")
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if number - 1 in checked else Qt.Unchecked)
            self.image_list.addItem(item)
        layout.addWidget(self.image_list, 1)
        self.preview = QLabel("Preparing the preview…")
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumSize(360, 300)
        self.preview.setStyleSheet("QLabel { background: #111; color: #bbb; }")
        layout.addWidget(self.preview, 2)
        self.preview_info = QLabel("")
        self.preview_info.setWordWrap(True)
        layout.addWidget(self.preview_info)

    def chosen(self) -> list[int]:
        """The rows checked for this post, in list order."""
        return [i for i in range(self.image_list.count()) if self.image_list.item(i).checkState() == Qt.Checked]

    def show_preview(self, prepared: dict[int, PreparedImage], limits: Limits | None) -> None:
        """The current row's prepared bytes, decoded, with their format, size and the target's cap."""
        row = self.image_list.currentRow()
        if row < 0 or row not in prepared:
            self.preview.setText("Not chosen for this post." if row >= 0 and row not in self.chosen() else "Preparing…")
            self.preview_info.setText("")
            return
        image = prepared[row]
        qimage = QImage.fromData(image.data)  # decode exactly the bytes that will be sent
        pixmap = QPixmap.fromImage(qimage).scaled(self.preview.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.preview.setPixmap(pixmap)
        cap = f" of {limits.max_bytes:,} allowed" if limits and limits.max_bytes else ""
        self.preview_info.setText(
            f"Sent as {image.format.upper()}, {image.width}×{image.height} pixels, {image.size:,} bytes{cap}. "
            "Re-encoded from the de-identified pixels: no metadata.")
