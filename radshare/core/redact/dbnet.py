"""The learned text detector: PP-OCRv4's DB model run by onnxruntime, with our own post-processing.

Why a learned detector: tesseract on a whole image finds only about a quarter of burned-in text
boxes; DB ("Differentiable Binarization") predicts a per-pixel text probability map that finds
small, faint and oddly placed text. The model file ships in resources/models (see PROVENANCE.md)
so nothing is downloaded at run time. The rapidocr package itself is not used: it pulls the
non-headless OpenCV, which clashes with PySide6.

Threads: one session per process, with one thread (onnxsession.py, which also keeps onnxruntime
from writing a device id under the user's home).
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from radshare.core.redact import onnxsession
from radshare.core.redact.settings import current as settings

MODEL_FILE = ("models", "ch_PP-OCRv4_det_infer.onnx")

_session = None
_session_lock = threading.Lock()


def available() -> bool:
    """True when onnxruntime imports and the model file is present."""
    return onnxsession.available(MODEL_FILE)


def _get_session():
    """The per-process onnxruntime session, created on first use (loading takes ~100 ms)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = onnxsession.one_thread_session(MODEL_FILE)
        return _session


def network_size(rows: int, cols: int, long_side: int) -> tuple[int, int]:
    """Input size for the network: long side about `long_side`, both sides multiples of 32."""
    scale = long_side / max(rows, cols)
    return (max(32, int(round(rows * scale / 32)) * 32), max(32, int(round(cols * scale / 32)) * 32))


def _blob(image: np.ndarray) -> np.ndarray:
    """The network input (1x3xHxW float32 in -1..1) for a uint8 HxWx3 image, or an HxW grey one
    (its value in all three channels: the same input as its RGB copy, made without the copy and
    the channel transpose, which cost about 2.5 ms per 512x512 frame)."""
    scaled = image.astype(np.float32) * (2.0 / 255.0) - 1.0
    if scaled.ndim == 2:
        return np.repeat(scaled[None, None], 3, axis=1)
    return np.ascontiguousarray(scaled.transpose(2, 0, 1)[None])


def probability_map(rgb: np.ndarray, long_side: int = 736) -> np.ndarray:
    """Per-pixel text probability (float32, same rows x cols as `rgb`, a uint8 HxWx3 or HxW grey image)."""
    rows, cols = rgb.shape[:2]
    net_rows, net_cols = network_size(rows, cols, long_side)
    resized = cv2.resize(rgb, (net_cols, net_rows), interpolation=cv2.INTER_LINEAR)
    blob = _blob(resized)
    session = _get_session()
    prob = session.run(None, {session.get_inputs()[0].name: blob})[0][0, 0]
    return prob


def boxes_from_probability(
    prob: np.ndarray, rows: int, cols: int, box_threshold: float | None = None
) -> list[tuple[int, int, int, int, float]]:
    """DB post-processing: threshold -> components -> score -> unclip -> boxes in image pixels.

    Returns axis-aligned (x, y, w, h, score). Axis-aligned is what we paint, and it is a
    superset of the rotated box, so nothing is lost for redaction. `box_threshold` None is [learned]'s.
    """
    if box_threshold is None:
        box_threshold = settings().learned.box_threshold
    mask = (prob > settings().learned.prob_threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    sy, sx = rows / prob.shape[0], cols / prob.shape[1]
    boxes = []
    for i in range(1, count):
        x, y, w, h, area = stats[i]
        if max(w, h) < 3:
            continue
        score = float(prob[y : y + h, x : x + w][labels[y : y + h, x : x + w] == i].mean())
        if score < box_threshold:
            continue
        # unclip: offset distance D = A * r / L for the component's bounding rectangle
        distance = (w * h) * settings().learned.unclip_ratio / (2.0 * (w + h))
        x0, y0 = (x - distance) * sx, (y - distance) * sy
        x1, y1 = (x + w + distance) * sx, (y + h + distance) * sy
        x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
        x1, y1 = min(cols, int(np.ceil(x1))), min(rows, int(np.ceil(y1)))
        if x1 > x0 and y1 > y0:
            boxes.append((x0, y0, x1 - x0, y1 - y0, score))
    return boxes


def detect(rgb: np.ndarray, long_side: int = 736) -> list[tuple[int, int, int, int, float]]:
    """Text boxes (x, y, w, h, score) in a uint8 RGB (or HxW grey) image."""
    rows, cols = rgb.shape[:2]
    return boxes_from_probability(probability_map(rgb, long_side), rows, cols)


def detect_native(rgb: np.ndarray, pad_value: int = 128) -> list[tuple[int, int, int, int, float]]:
    """Text boxes in a small uint8 RGB (or grey) crop run at its own scale, padded (not resized) to multiples of 32.

    For second looks at parts of a frame (e.g. turned strips where a vertical label may be):
    the network's cost grows with its input area, so a few crops cost far less than a full pass.
    """
    rows, cols = rgb.shape[:2]
    net_rows, net_cols = -(-rows // 32) * 32, -(-cols // 32) * 32
    padded = np.full((net_rows, net_cols) + rgb.shape[2:], pad_value, np.uint8)
    padded[:rows, :cols] = rgb
    blob = _blob(padded)
    session = _get_session()
    prob = session.run(None, {session.get_inputs()[0].name: blob})[0][0, 0]
    return boxes_from_probability(prob[:rows, :cols], rows, cols)
