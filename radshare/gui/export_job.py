"""Export from the window: the work a worker runs, made only of core calls (no Qt).

Every image is made shareable by `core.shareable` (regions painted, view and annotations
rendered) and then encoded: PNG/JPEG metadata-free (`core.export.images`), DICOM de-identified
by the pipeline (`shareable.shareable_dicom`), cine loops by `core.export.cine`. Alt texts are
scrubbed by the same core scrubber. Outputs are named RadShare-0001.png and so on, never after
an input. Every step fails closed: an image whose cleaning cannot run is not written, and an
image whose burned-in text was not reviewed is refused unless the user confirmed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from radshare.core import render, shareable
from radshare.core.export import cine
from radshare.core.fsutil import atomic_write_bytes, atomic_write_text
from radshare.core.model import Annotation, Image, TextRegion
from radshare.core.shareable import Review
from radshare.gui.formats import CINE, FORMATS

if TYPE_CHECKING:
    from radshare.core.pipeline import Settings

Progress = Callable[[int, int, str], None] | None
Cancel = Callable[[], bool] | None


@dataclass
class ExportItem:
    image: Image
    view: render.View
    frame: int
    annotations: list[Annotation] = field(default_factory=list)
    regions: list[TextRegion] = field(default_factory=list)
    alt_text: str = ""
    review: str = "not reviewed"  # the image's review state when the export started

    def zoom(self, size: str) -> float:
        """The factor from the view's native output to the chosen export size (`render.output_zoom`)."""
        return render.output_zoom(size, self.view, self.image.rows, self.image.columns)

    def to_review(self, unreviewed_confirmed: bool) -> Review:
        return Review(tuple(self.regions), self.review, unreviewed_confirmed)  # type: ignore[arg-type]


@dataclass
class ExportOptions:
    fmt: str
    out_dir: Path
    profile: str = "teaching"
    burn_annotations: bool = True
    quality: int = 92
    size: str = "1x"  # a key of render.EXPORT_SIZES (pictures and cine; DICOM keeps its own size)
    fps: float = 10.0
    prefix: str = "RadShare"
    unreviewed_confirmed: bool = False  # the dialog's explicit confirmation for unreviewed images


def export_items(items: list[ExportItem], options: ExportOptions, progress: Progress = None,
                 cancel: Cancel = None) -> list[Path]:
    """Write every item; returns the written paths. Stops between items when cancelled.

    Raises before writing anything when an item's review is neither done nor confirmed.
    """
    for number, item in enumerate(items, 1):
        item.to_review(options.unreviewed_confirmed).require(f"image {number}")
    alts = _scrubbed_alt_texts(items)  # before any file is written: a text that cannot be cleaned stops it all
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    number = _first_free_number(out_dir, options.prefix)
    if options.fmt in CINE and len(items) > 1 and all(i.image.frame_count == 1 for i in items):
        path = _path(out_dir, options, number)
        cine.write_cine(_series_frames(items, options, progress, cancel), path, options.fmt, fps=options.fps)
        return [path]
    settings = None
    if options.fmt == "dicom":
        from radshare.core import pipeline

        settings = pipeline.settings_for_installation(profile=options.profile)
    written: list[Path] = []
    alt_texts: dict[str, str] = {}
    for index, item in enumerate(items):
        if cancel is not None and cancel():
            break
        if progress is not None:
            progress(index, len(items), "Exporting")
        path = _path(out_dir, options, number + index)
        _write_item(item, options, path, settings)
        written.append(path)
        if alts[index]:
            alt_texts[path.name] = alts[index]
    if alt_texts:
        _write_alt_texts(out_dir / f"{options.prefix}-alt-text.json", alt_texts)
    if progress is not None:
        progress(len(items), len(items), "Exported")
    return written


def _scrubbed_alt_texts(items: list[ExportItem]) -> list[str]:
    """Each item's alt text with its image's identifiers (and ID/date patterns) replaced by tokens."""
    return [shareable.scrub_caption(item.alt_text, shareable.identifiers_of(item.image)) if item.alt_text.strip() else ""
            for item in items]


def _write_item(item: ExportItem, options: ExportOptions, path: Path, settings: Settings | None) -> None:
    """One image in the chosen format, from the pixels core made shareable."""
    review = item.to_review(options.unreviewed_confirmed)
    annotations = item.annotations if options.burn_annotations else []
    zoom = item.zoom(options.size)
    if options.fmt in ("png", "jpeg"):
        made = shareable.make_shareable(item.image, review, item.view, annotations, frame=item.frame, zoom=zoom)
        atomic_write_bytes(path, _encode(made.rgb, options))
    elif options.fmt == "dicom" and settings is not None:
        atomic_write_bytes(path, shareable.shareable_dicom(item.image, review, settings, item.view, annotations))
    elif options.fmt in CINE:
        frames = shareable.shareable_frames(item.image, review, item.view, annotations, zoom=zoom)
        cine.write_cine(frames, path, options.fmt, fps=options.fps)
    else:
        raise ValueError(f"unknown export format {options.fmt!r}")


def _series_frames(items: list[ExportItem], options: ExportOptions, progress: Progress,
                   cancel: Cancel) -> Iterator[np.ndarray]:
    """One scroll-through of a series of single-frame images, in instance order, each as set up."""
    ordered = sorted(items, key=lambda i: (i.image.instance_number, i.image.origin))
    for index, item in enumerate(ordered):
        if cancel is not None and cancel():
            raise InterruptedError("export cancelled")
        if progress is not None:
            progress(index, len(ordered), "Rendering cine")
        annotations = item.annotations if options.burn_annotations else []
        review = item.to_review(options.unreviewed_confirmed)
        yield shareable.make_shareable(item.image, review, item.view, annotations, frame=item.frame,
                                       zoom=item.zoom(options.size)).rgb


def _encode(rgb: np.ndarray, options: ExportOptions) -> bytes:
    from radshare.core.export.images import encode_image

    return encode_image(rgb, "jpeg" if options.fmt == "jpeg" else "png", quality=options.quality)


def _write_alt_texts(path: Path, alt_texts: dict[str, str]) -> None:
    """Add this export's (scrubbed) alt texts to the folder's alt-text file."""
    existing: dict[str, str] = {}
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            existing = {}
    existing.update(alt_texts)
    atomic_write_text(path, json.dumps(existing, indent=1, ensure_ascii=False))


def _path(out_dir: Path, options: ExportOptions, number: int) -> Path:
    return out_dir / f"{options.prefix}-{number:04d}{FORMATS[options.fmt][1]}"


def _first_free_number(out_dir: Path, prefix: str) -> int:
    taken = 0
    for existing in out_dir.glob(f"{prefix}-*"):
        stem = existing.stem.split("-")[-1]
        if stem.isdigit():
            taken = max(taken, int(stem))
    return taken + 1
