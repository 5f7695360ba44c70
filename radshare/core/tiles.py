"""Text and face redaction of a large photo within a memory budget.

The detector works at about 80 bytes a pixel, so a 50 MP photo searched in one piece would need
4 GB. A photo over `budgets.DETECTION_TILE_PIXELS` is searched twice: once whole, scaled down to
the budget (large text and faces stay whole), and in overlapping tiles of the budget at full
resolution (small text keeps its size). Every region found is painted into the full image.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from radshare.core.budgets import DETECTION_TILE_PIXELS
from radshare.core.model import Identifiers, TextRegion

#: Tiles overlap by this share of their side, so a line of text cut by one tile's edge lies
#: whole inside the next.
OVERLAP = 0.125


def redact_photo_within_budget(rgb: np.ndarray, identifiers: Identifiers, mode: str,
                               budget: int = DETECTION_TILE_PIXELS):
    """`redact_photo`, searched in pieces of at most `budget` pixels; same return value."""
    from radshare.core.redact import RedactionOutcome, redact_photo
    from radshare.core.redact.apply import apply_regions

    rows, cols = rgb.shape[:2]
    if rows * cols <= budget or mode == "off":
        return redact_photo(rgb, identifiers, mode=mode)
    regions: list[TextRegion] = []
    hits = faces = 0
    detector = ""
    for regions_found, outcome in _passes(rgb, identifiers, mode, budget):
        regions += regions_found
        hits += outcome.identifier_hits
        faces += outcome.faces
        detector = outcome.detector
    painted = apply_regions(rgb[None], regions, "RGB")[0]
    return painted, RedactionOutcome(regions, f"{detector}+tiles", hits, faces)


def _passes(rgb: np.ndarray, identifiers: Identifiers, mode: str, budget: int):
    """(regions in full-image coordinates, outcome) for the scaled-down pass, then each tile."""
    import cv2

    from radshare.core.redact import redact_photo

    rows, cols = rgb.shape[:2]
    scale = math.sqrt(budget / (rows * cols))
    small = cv2.resize(rgb, (max(1, int(cols * scale)), max(1, int(rows * scale))), interpolation=cv2.INTER_AREA)
    _, outcome = redact_photo(small, identifiers, mode=mode)
    del small
    yield [_scaled(r, 1 / scale, rows, cols) for r in outcome.regions], outcome
    side = int(math.sqrt(budget))
    step = max(1, int(side * (1 - OVERLAP)))
    for y in _starts(rows, side, step):
        for x in _starts(cols, side, step):
            tile = np.ascontiguousarray(rgb[y : y + side, x : x + side])
            _, outcome = redact_photo(tile, identifiers, mode=mode)
            yield [replace(r, x=r.x + x, y=r.y + y) for r in outcome.regions], outcome


def _starts(length: int, side: int, step: int) -> list[int]:
    """Tile origins along one axis: every `step`, the last tile ending at the edge."""
    if length <= side:
        return [0]
    starts = list(range(0, length - side, step))
    return starts + [length - side]


def _scaled(region: TextRegion, factor: float, rows: int, cols: int) -> TextRegion:
    """A region found on the scaled-down image, covering at least as much of the full one."""
    x, y = int(math.floor(region.x * factor)), int(math.floor(region.y * factor))
    w = min(cols - x, int(math.ceil((region.x + region.w) * factor)) - x + 1)
    h = min(rows - y, int(math.ceil((region.y + region.h) * factor)) - y + 1)
    return replace(region, x=x, y=y, w=max(1, w), h=max(1, h))
