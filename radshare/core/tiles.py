"""Text and face redaction of large photos within a memory budget.

The detector works at about 80 bytes a pixel, so a 50 MP photo searched in one piece would need
4 GB. A photo over `budgets.DETECTION_TILE_PIXELS` is searched twice: once whole, scaled down to
the budget (large text and faces stay whole), and in overlapping tiles of the budget at full
resolution (small text keeps its size). Every region found is painted into the full image.
Photos within the budget go to `redact_photo` unchanged. (DICOM frames over the budget are
searched in pieces by redact.search, in every view: pieces.py.)
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from radshare.core.budgets import DETECTION_TILE_PIXELS
from radshare.core.model import Identifiers, TextRegion
from radshare.core.pieces import OVERLAP
from radshare.core.pieces import scaled as _scaled
from radshare.core.pieces import starts as _starts


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
