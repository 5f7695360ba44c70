"""The data RadShare works on, shared by the CLI, the batch runner, the GUI and the uploaders.

Pixels are numpy arrays (never Qt images); headers are pydicom Datasets. Anything here may hold
patient data while the program runs, so none of it is ever logged or written as is: outputs go
through de-identification, reports through `audit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

Kind = Literal["dicom", "photo"]


@dataclass
class Identifiers:
    """What identifies the patient of one image, read from the original header before removal.

    Used to match OCR text in the pixels, to scrub notes and captions, and by the leak checks.
    Never written anywhere.
    """

    names: list[str] = field(default_factory=list)  # every name part, e.g. ["DOE", "JANE"]
    ids: list[str] = field(default_factory=list)  # patient ID, other IDs, accession numbers, MRNs
    dates: list[str] = field(default_factory=list)  # DICOM DA values "YYYYMMDD" (birth, study...)
    institutions: list[str] = field(default_factory=list)  # institution, department, station names
    other: list[str] = field(default_factory=list)  # addresses, phone numbers, physicians...

    def all_values(self) -> list[str]:
        return [v for v in (*self.names, *self.ids, *self.dates, *self.institutions, *self.other) if v]

    def merge(self, other: "Identifiers") -> "Identifiers":
        def union(a: list[str], b: list[str]) -> list[str]:
            return list(dict.fromkeys([*a, *b]))

        return Identifiers(
            names=union(self.names, other.names),
            ids=union(self.ids, other.ids),
            dates=union(self.dates, other.dates),
            institutions=union(self.institutions, other.institutions),
            other=union(self.other, other.other),
        )


@dataclass
class TextRegion:
    """A rectangle of burned-in text (or a face) to paint out, in image pixel coordinates.

    `frame` is None when the region applies to every frame (device templates, static overlays).
    `text` is what OCR read, for the reviewer's screen only: never put it in a report or log.
    """

    x: int
    y: int
    w: int
    h: int
    frame: int | None = None
    source: str = "detector"  # detector | mser | template | ultrasound | face | user | ocr
    text: str = ""
    confidence: float = 0.0
    is_identifier: bool = False  # OCR read one of the image's own identifiers
    keep: bool = False  # reviewer marked it as teaching content (e.g. "L", "AP")
    fill: Literal["solid", "blur"] = "solid"

    def as_box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


AnnotationKind = Literal["arrow", "line", "ellipse", "rect", "text", "freehand", "marker", "ruler"]


@dataclass
class Annotation:
    """A teaching annotation, kept as data and drawn into pixels only on export (render.py)."""

    kind: AnnotationKind
    points: list[tuple[float, float]]  # image pixel coordinates
    color: str = "#FFD400"
    width: float = 3.0
    font_size: float = 18.0
    text: str = ""
    frame: int | None = None  # None: every frame

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "points": [list(p) for p in self.points],
            "color": self.color,
            "width": self.width,
            "font_size": self.font_size,
            "text": self.text,
            "frame": self.frame,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Annotation":
        return cls(
            kind=data["kind"],
            points=[(float(x), float(y)) for x, y in data["points"]],
            color=data.get("color", "#FFD400"),
            width=float(data.get("width", 3.0)),
            font_size=float(data.get("font_size", 18.0)),
            text=data.get("text", ""),
            frame=data.get("frame"),
        )


@dataclass
class Image:
    """One loaded input image: decoded pixels plus what is needed to show and export it.

    `frames` always has a frame axis: (n, rows, cols) for grey, (n, rows, cols, 3) for colour
    (YBR is converted to RGB on load). Grey values are the stored values; `rescale` and `window`
    say how to display them. `dataset` is the original DICOM header (pixel data may be absent)
    and is for on-screen use and for de-identification only.
    """

    origin: str  # input path as the user named it (zip members as "archive.zip!member")
    kind: Kind
    frames: np.ndarray
    photometric: str = "MONOCHROME2"  # MONOCHROME1 | MONOCHROME2 | RGB
    dataset: Any = None  # pydicom.Dataset for DICOM, None for photos
    modality: str = ""
    pixel_spacing: tuple[float, float] | None = None  # (row, column) mm
    rescale: tuple[float, float] = (1.0, 0.0)  # slope, intercept
    window: tuple[float, float] | None = None  # centre, width (from the file's VOI)
    series_key: str = ""  # groups images of one series (original Series Instance UID or folder)
    instance_number: int = 0
    photo_metadata: dict[str, str] = field(default_factory=dict)  # what a photo carried, for review
    regions: list[TextRegion] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    review: Literal["not reviewed", "reviewed", "no text found"] = "not reviewed"
    alt_text: str = ""

    @property
    def frame_count(self) -> int:
        return int(self.frames.shape[0])

    @property
    def rows(self) -> int:
        return int(self.frames.shape[1])

    @property
    def columns(self) -> int:
        return int(self.frames.shape[2])

    @property
    def is_color(self) -> bool:
        return self.frames.ndim == 4


@dataclass
class Series:
    key: str
    description: str
    modality: str
    images: list[Image] = field(default_factory=list)


@dataclass
class Case:
    """A folder of inputs that belong together (one patient, one teaching case)."""

    source: Path
    series: list[Series] = field(default_factory=list)
    notes: str = ""
