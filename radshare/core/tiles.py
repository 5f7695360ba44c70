"""Text and face redaction of large images within a memory budget.

The detector works at about 80 bytes a pixel, so a 50 MP photo searched in one piece would need
4 GB. A photo or DICOM frame over `budgets.DETECTION_TILE_PIXELS` is searched twice: once whole,
scaled down to the budget (large text and faces stay whole), and in overlapping tiles of the
budget at full resolution (small text keeps its size). Every region found is painted into the
full image. Images within the budget go to the redaction functions unchanged.
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


def redact_dicom_within_budget(ds, identifiers: Identifiers | None, mode: str, budget: int = DETECTION_TILE_PIXELS,
                               series: bool = True, found: list[TextRegion] | None = None):
    """`redact_dicom`, with frames over `budget` pixels searched in pieces; same return value.
    `series` and `found` go to `redact_dicom` (what a series scan already found is used as it is).

    A 4000×4000 radiograph searched whole peaked at 1.5 GB; its frames are searched scaled down
    to the budget and in overlapping full-resolution tiles, the device templates laid on the
    whole frame, and what was found is read (OCR) and painted as `redact_dicom` does.
    """
    from radshare.core.redact import (
        DetectContext,
        RedactionOutcome,
        detect_frames,
        detector_name,
        read_regions,
        redact_dataset,
        redact_dicom,
    )
    from radshare.core.redact.apply import decode_frames

    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    if rows * cols <= budget or mode in ("off", "templates-only") or found is not None:
        return redact_dicom(ds, identifiers, mode=mode, series=series, found=found)
    frames, _ = decode_frames(ds)
    regions = detect_frames(frames, DetectContext.from_dataset(ds), "templates-only")
    from radshare.core.redact.window import display_frames

    shown = display_frames(ds, frames) if mode == "auto" else None
    for view in (frames,) if shown is None else (frames, shown):  # as stored, and as displayed in its window
        for found in _frame_passes(view, mode, budget, detect_frames):
            regions += found
    del shown
    by_frame: dict[int, list[TextRegion]] = {}
    for region in regions:
        if region.source not in ("template", "ultrasound", "face"):
            by_frame.setdefault(region.frame or 0, []).append(region)
    for index, group in by_frame.items():
        read_regions(frames[index], group, identifiers)
    del frames
    if regions:
        redact_dataset(ds, regions)
    else:
        ds.BurnedInAnnotation = "NO"
    return RedactionOutcome(regions, f"{detector_name(mode)}+tiles", sum(r.is_identifier for r in regions))


def _frame_passes(frames: np.ndarray, mode: str, budget: int, detect_frames):
    """Regions (full-frame coordinates) from the scaled-down frames, then from each tile."""
    import cv2

    rows, cols = frames.shape[1:3]
    scale = math.sqrt(budget / (rows * cols))
    size = (max(1, int(cols * scale)), max(1, int(rows * scale)))
    small = np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in frames])
    found = detect_frames(small, None, mode)
    del small
    yield [_scaled(r, 1 / scale, rows, cols) for r in found]
    side = int(math.sqrt(budget))
    step = max(1, int(side * (1 - OVERLAP)))
    for y in _starts(rows, side, step):
        for x in _starts(cols, side, step):
            tile = np.ascontiguousarray(frames[:, y : y + side, x : x + side])
            yield [replace(r, x=r.x + x, y=r.y + y) for r in detect_frames(tile, None, mode)]
