"""Faces in clinical photos, proposed for blurring: OpenCV's Haar cascades, offline.

Frontal and profile cascades both run, the profile one on the mirrored image as well, since it
only finds faces turned one way. OpenCV 5 removed CascadeClassifier from the main module; with
it, `available()` is False and no faces are proposed (the caller reports it), rather than crash.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from radshare.core.model import TextRegion
from radshare.core.redact.settings import current as settings

CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
_cascades: list | None = None
_lock = threading.Lock()


def _cascade_file(name: str) -> str | None:
    import os

    from radshare.core.resources import resource_path

    folders = [
        str(resource_path("models")),
        getattr(getattr(cv2, "data", None), "haarcascades", ""),
        "/usr/share/opencv4/haarcascades/",
    ]
    for folder in folders:
        if folder and os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def available() -> bool:
    """True when this OpenCV can run Haar cascades and the cascade data is present."""
    return hasattr(cv2, "CascadeClassifier") and bool(_load())


def _load() -> list:
    global _cascades
    with _lock:
        if _cascades is None:
            _cascades = []
            if hasattr(cv2, "CascadeClassifier"):
                for name in CASCADES:
                    path = _cascade_file(name)
                    cascade = cv2.CascadeClassifier(path) if path else None
                    if cascade is not None and not cascade.empty():
                        _cascades.append(cascade)
        return _cascades


def detect_faces(rgb: np.ndarray) -> list[TextRegion]:
    """Face regions (fill="blur", source="face"), padded by a fifth of their size."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    rows, cols = grey.shape
    scale = min(1.0, settings().faces.max_side / max(rows, cols))
    small = cv2.resize(grey, (int(cols * scale), int(rows * scale))) if scale < 1 else grey
    small = cv2.equalizeHist(small)
    found = []
    for index, cascade in enumerate(_load()):
        images = [(small, False)] + ([(cv2.flip(small, 1), True)] if index == 1 else [])
        for img, mirrored in images:
            for x, y, w, h in cascade.detectMultiScale(img, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24)):
                if mirrored:
                    x = img.shape[1] - x - w
                found.append((x / scale, y / scale, w / scale, h / scale))
    regions = []
    for x, y, w, h in found:
        pad_x, pad_y = 0.2 * w, 0.2 * h
        x0, y0 = max(0, int(x - pad_x)), max(0, int(y - pad_y))
        x1, y1 = min(cols, int(x + w + pad_x)), min(rows, int(y + h + pad_y))
        regions.append(TextRegion(x0, y0, x1 - x0, y1 - y0, source="face", fill="blur"))
    return regions
