"""Burned-in text: find it in the pixels and paint it out.

    detect.detect_text    where text is in one frame (learned DB detector + blob proposals + templates)
    series.detect_series  every frame of a series or cine, detected once per layout and verified
    search.search_frames  every view of one data set's frames (stored, displayed, in pieces): what every path calls
    ocr.read_regions      what it says, for the reviewer and to flag the patient's identifiers
    apply.redact_dataset  paint it out of every frame and rewrite the pixel data uncompressed
    faces.detect_faces    faces in photos, proposed for blurring

`redact_dicom` and `redact_photo` put those together for the pipeline.
Every threshold and switch of the detector is in resources/detector_settings.toml, read through
settings.current() (docs/detector.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from radshare.core.model import Identifiers, TextRegion
from radshare.core.redact.apply import apply_regions, decode_frames, redact_dataset
from radshare.core.redact.detect import DetectContext, detect_frames, detect_text, detector_name
from radshare.core.redact.ocr import read_regions  # noqa: F401 - part of the package's interface

__all__ = [
    "DetectContext", "RedactionOutcome", "apply_regions", "detect_frames", "detect_text",
    "detector_name", "frame_regions", "read_regions", "redact_dataset", "redact_dicom", "redact_photo",
]


@dataclass
class RedactionOutcome:
    """What redaction did to one image, for the report (counts, never text)."""

    regions: list[TextRegion] = field(default_factory=list)
    detector: str = ""
    identifier_hits: int = 0
    faces: int = 0


_READINGS: dict[tuple, tuple[str, float]] = {}  # (box, crop digest) -> what OCR read there
_READINGS_MAX = 4096


def _read(frames: np.ndarray, regions: list[TextRegion], identifiers: Identifiers | None) -> int:
    """OCR each region on the frame it belongs to (frame=None: the first); count identifier hits.

    The slices of a series and the frames of a cine repeat the same overlay: a box that stands on
    many frames of a cine is read once, on the first of them, and a reading is kept per box and
    exact crop, so the same pixels are never read twice in a process.
    """
    import hashlib

    from radshare.core.redact.ocr import matches_identifiers, read_text
    from radshare.core.redact.pixels import to_grey_and_rgb

    readable = [r for r in regions if r.source not in ("template", "ultrasound", "face")]
    first: dict[tuple, TextRegion] = {}
    for r in sorted(readable, key=lambda r: -1 if r.frame is None else r.frame):
        first.setdefault((r.x, r.y, r.w, r.h), r)
    by_frame: dict[int, list[TextRegion]] = {}
    for r in first.values():
        by_frame.setdefault(r.frame or 0, []).append(r)
    for index, group in by_frame.items():
        grey, _ = to_grey_and_rgb(frames[index])
        for region in group:
            crop = np.ascontiguousarray(grey[region.y : region.y + region.h, region.x : region.x + region.w])
            key = (region.x, region.y, region.w, region.h, hashlib.blake2b(crop.tobytes(), digest_size=16).digest())
            if key not in _READINGS:
                if len(_READINGS) >= _READINGS_MAX:
                    _READINGS.clear()
                _READINGS[key] = read_text(grey, region)
            text, confidence = _READINGS[key]
            region.text, region.confidence = text, confidence / 100.0
            if matches_identifiers(text, identifiers):
                region.is_identifier = True
                region.keep = False  # an identifier is always redacted
    for r in readable:
        source = first[(r.x, r.y, r.w, r.h)]
        if source is not r:
            r.text, r.confidence = source.text, source.confidence
            if source.is_identifier:
                r.is_identifier, r.keep = True, False
    return sum(r.is_identifier for r in regions)


def frame_regions(frames: np.ndarray, context: DetectContext | None, mode: str = "auto", series: bool = True) -> list[TextRegion]:
    """Regions for every frame of (n, rows, cols[, 3]) `frames` as given (one view, no display
    view: see search.search_frames for a data set's frames): through the series path (detect once
    per layout, verify every frame), or with `series=False` full detection on every frame."""
    from radshare.core.redact.search import search_frames

    return search_frames(frames, None, context, mode, series=series)


def redact_dicom(
    ds, identifiers: Identifiers | None, mode: str = "auto", series: bool = True, found: list[TextRegion] | None = None,
    budget: int | None = None,
) -> RedactionOutcome:
    """Detect text on every frame, read it, and paint it out of `ds` (mutated) when any was found.

    Every view of the frames is searched (search.search_frames: as stored, as displayed in the
    data set's window, frames over `budget` pixels in pieces); `series` picks how a multi-frame
    image is scanned; `found` gives regions already detected on these pixels (a series scanned
    across files, search.search_series), which are then read and painted without detecting
    again. Raises InputError when the pixels cannot be decoded or rewritten; the caller must then
    write no output for this file.
    """
    from radshare.core.budgets import DETECTION_TILE_PIXELS
    from radshare.core.pieces import over_budget
    from radshare.core.redact.search import search_frames

    name = detector_name(mode)
    if mode == "off":
        return RedactionOutcome([], name, 0)
    budget = DETECTION_TILE_PIXELS if budget is None else budget
    frames, _ = decode_frames(ds)
    if found is None:
        regions = search_frames(frames, ds, DetectContext.from_dataset(ds), mode, series=series, budget=budget)
        name += "+tiles" if mode != "templates-only" and over_budget(frames, budget) else ""
    else:
        regions = list(found)
    if regions and mode != "templates-only":
        # a found region already read (carried unchanged from an earlier slice) is not read again
        _read(frames, [r for r in regions if found is None or not (r.text or r.confidence)], identifiers)
    del frames
    hits = sum(r.is_identifier for r in regions)
    if regions:
        redact_dataset(ds, regions)
    else:
        ds.BurnedInAnnotation = "NO"
    return RedactionOutcome(regions, name, hits)


def redact_photo(rgb: np.ndarray, identifiers: Identifiers | None, mode: str = "auto") -> tuple[np.ndarray, RedactionOutcome]:
    """Text (wristbands, labels, screens) painted and faces blurred in an RGB photo; returns a new array."""
    from radshare.core.redact.faces import available as faces_available
    from radshare.core.redact.faces import detect_faces

    name = detector_name(mode)
    if mode == "off":
        return rgb.copy(), RedactionOutcome([], name, 0)
    regions = detect_text(rgb, None, mode)
    hits = _read(rgb[None], regions, identifiers) if regions and mode != "templates-only" else 0
    faces = detect_faces(rgb) if mode != "templates-only" and faces_available() else []
    regions += faces
    painted = apply_regions(rgb[None], regions, "RGB")[0]
    return painted, RedactionOutcome(regions, name + ("+haar-faces" if mode != "templates-only" and faces_available() else ""), hits, len(faces))
