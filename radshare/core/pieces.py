"""Frames over the memory budget, searched in pieces: once scaled down, then in overlapping tiles.

The detector works at about 80 bytes a pixel, so a 4000x4000 radiograph searched whole peaked at
1.5 GB. A frame over the budget (budgets.DETECTION_TILE_PIXELS) is searched once whole, scaled
down to the budget (large text stays whole), and in overlapping tiles of the budget at full
resolution (small text keeps its size); every region is given in full-frame coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from radshare.core.model import TextRegion

#: Tiles overlap by this share of their side, so a line of text cut by one tile's edge lies
#: whole inside the next.
OVERLAP = 0.125


def over_budget(frames: np.ndarray, budget: int) -> bool:
    """True when one frame of (n, rows, cols[, 3]) `frames` holds more pixels than `budget`."""
    return frames.shape[1] * frames.shape[2] > budget


def frame_passes(frames: np.ndarray, mode: str, budget: int,
                 detect_frames: Callable[[np.ndarray, object, str], list[TextRegion]]) -> Iterator[list[TextRegion]]:
    """Regions (full-frame coordinates) from the scaled-down frames, then from each tile."""
    import cv2

    rows, cols = frames.shape[1:3]
    scale = math.sqrt(budget / (rows * cols))
    size = (max(1, int(cols * scale)), max(1, int(rows * scale)))
    small = np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in frames])
    found = detect_frames(small, None, mode)
    del small
    yield [scaled(r, 1 / scale, rows, cols) for r in found]
    side = int(math.sqrt(budget))
    step = max(1, int(side * (1 - OVERLAP)))
    for y in starts(rows, side, step):
        for x in starts(cols, side, step):
            tile = np.ascontiguousarray(frames[:, y : y + side, x : x + side])
            yield [replace(r, x=r.x + x, y=r.y + y) for r in detect_frames(tile, None, mode)]


def starts(length: int, side: int, step: int) -> list[int]:
    """Tile origins along one axis: every `step`, the last tile ending at the edge."""
    if length <= side:
        return [0]
    found = list(range(0, length - side, step))
    return found + [length - side]


def scaled(region: TextRegion, factor: float, rows: int, cols: int) -> TextRegion:
    """A region found on the scaled-down image, covering at least as much of the full one."""
    x, y = int(math.floor(region.x * factor)), int(math.floor(region.y * factor))
    w = min(cols - x, int(math.ceil((region.x + region.w) * factor)) - x + 1)
    h = min(rows - y, int(math.ceil((region.y + region.h) * factor)) - y + 1)
    return replace(region, x=x, y=y, w=max(1, w), h=max(1, h))
