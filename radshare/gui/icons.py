"""The app's icon set: SVGs from resources/icons, tinted to the theme's text colour."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from radshare.core.resources import resource_path

_tint = {"color": "#1f2328", "disabled": "#9aa0a6"}


def set_tint(color: str, disabled: str) -> None:
    """Called by the theme: icons drawn after this use its colours."""
    _tint["color"], _tint["disabled"] = color, disabled
    _icon.cache_clear()


def _render(name: str, color: str, size: int) -> QPixmap:
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", color).encode("utf-8")))
    image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QPixmap.fromImage(image)


@lru_cache(maxsize=256)
def _icon(name: str, color: str, disabled: str) -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64):  # crisp on hi-DPI screens too
        icon.addPixmap(_render(name, color, size), QIcon.Normal)
        icon.addPixmap(_render(name, disabled, size), QIcon.Disabled)
    return icon


def icon(name: str) -> QIcon:
    return _icon(name, _tint["color"], _tint["disabled"])


def pixmap(name: str, size: int, color: str | None = None) -> QPixmap:
    return _render(name, color or _tint["color"], size)


ICON_SIZE = QSize(20, 20)
