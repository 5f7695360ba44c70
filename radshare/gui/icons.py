"""The app's icon set: SVGs from resources/icons, tinted to the theme and drawn on demand.

A QIconEngine renders each icon at the exact size and device pixel ratio asked for, so icons are
crisp on hi-DPI screens and nothing is rasterised at start-up that is never shown.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from radshare.core.resources import resource_path

_tint = {"color": "#1f2328", "disabled": "#9aa0a6"}
ICON_SIZE = QSize(20, 20)


def set_tint(color: str, disabled: str) -> None:
    """Called by the theme: icons made after this use its colours."""
    _tint["color"], _tint["disabled"] = color, disabled
    _icon.cache_clear()


@lru_cache(maxsize=None)
def _svg(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _renderer(name: str, color: str) -> QSvgRenderer:
    return QSvgRenderer(QByteArray(_svg(name).replace("currentColor", color).encode("utf-8")))


def _render(name: str, color: str, width: int, height: int | None = None) -> QPixmap:
    height = height or width
    image = QImage(max(1, width), max(1, height), QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    _renderer(name, color).render(painter, QRectF(0, 0, width, height))
    painter.end()
    return QPixmap.fromImage(image)


class _TintedSvgEngine(QIconEngine):
    def __init__(self, name: str, color: str, disabled: str):
        super().__init__()
        self.name, self.color, self.disabled = name, color, disabled

    def _color(self, mode) -> str:
        return self.disabled if mode == QIcon.Disabled else self.color

    def paint(self, painter, rect, mode, state) -> None:  # noqa: N802
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        _renderer(self.name, self._color(mode)).render(painter, QRectF(rect))
        painter.restore()

    def pixmap(self, size, mode, state):  # noqa: N802
        return _render(self.name, self._color(mode), size.width(), size.height())

    def scaledPixmap(self, size, mode, state, scale):  # noqa: N802
        pixmap = _render(self.name, self._color(mode), int(size.width() * scale), int(size.height() * scale))
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self):
        return _TintedSvgEngine(self.name, self.color, self.disabled)


@lru_cache(maxsize=256)
def _icon(name: str, color: str, disabled: str) -> QIcon:
    return QIcon(_TintedSvgEngine(name, color, disabled))


def icon(name: str) -> QIcon:
    return _icon(name, _tint["color"], _tint["disabled"])


def pixmap(name: str, size: int, color: str | None = None) -> QPixmap:
    return _render(name, color or _tint["color"], size)
