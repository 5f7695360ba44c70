"""Export from the window: the work a worker runs, made only of core calls (no Qt).

PNG/JPEG: regions painted (core.redact.apply), window/geometry/annotations rendered
(core.render), encoded metadata-free (core.export.images). DICOM: core.pipeline's
de-identified DICOM, annotations optionally burned into RGB frames. Cine: every frame rendered
the same way, written by core.export.cine when present, else by imageio here. Outputs are named
RadShare-0001.png and so on, never after an input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from radshare.core import render
from radshare.core.fsutil import atomic_write_bytes, atomic_write_text
from radshare.core.model import Annotation, Image, TextRegion
from radshare.gui import services

from radshare.gui.formats import CINE, FORMATS  # noqa: E402


@dataclass
class ExportItem:
    image: Image
    view: render.View
    frame: int
    annotations: list[Annotation] = field(default_factory=list)
    regions: list[TextRegion] = field(default_factory=list)
    alt_text: str = ""


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


def export_items(
    items: list[ExportItem],
    options: ExportOptions,
    progress: Callable[..., None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[Path]:
    """Write every item; returns the written paths. Stops between items when cancelled."""
    # Alt texts are cleaned before anything is written: when cleaning cannot run, nothing is exported.
    alts = [_scrubbed(item.alt_text, item.image) if item.alt_text.strip() else "" for item in items]
    out_dir = Path(options.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    alt_texts: dict[str, str] = {}
    settings = services.pipeline_settings(options.profile) if options.fmt == "dicom" else None
    number = _first_free_number(out_dir, options.prefix)
    if options.fmt in CINE and len(items) > 1 and all(i.image.frame_count == 1 for i in items):
        return [_series_cine(items, options, out_dir / f"{options.prefix}-{number:04d}{FORMATS[options.fmt][1]}",
                             progress, cancel)]
    for index, item in enumerate(items):
        if cancel is not None and cancel():
            break
        if progress is not None:
            progress(index, len(items), "Exporting")
        path = out_dir / f"{options.prefix}-{number:04d}{FORMATS[options.fmt][1]}"
        number += 1
        painted = services.paint_regions(item.image, item.regions)
        annotations = item.annotations if options.burn_annotations else []
        zoom = render.output_zoom(options.size, item.view, item.image.rows, item.image.columns)
        if options.fmt in ("png", "jpeg"):
            rgb = render.render_frame(item.image, item.frame, item.view, annotations, frames=painted, zoom=zoom)
            atomic_write_bytes(path, _encode(rgb, options))
        elif options.fmt == "dicom":
            burned = None
            if annotations or item.view.crop or item.view.rotation or item.view.flip_h or item.view.flip_v:
                burned = np.stack([
                    render.render_frame(item.image, f, item.view, annotations, frames=painted)
                    for f in range(item.image.frame_count)
                ])
            from radshare.core import pipeline

            data = pipeline.deidentified_image_dicom(item.image, settings, regions=list(item.regions), burned_frames=burned)
            atomic_write_bytes(path, data)
        elif options.fmt in CINE:
            frames = (render.render_frame(item.image, f, item.view, annotations, frames=painted, zoom=zoom)
                      for f in range(item.image.frame_count))
            write_cine(frames, path, options.fmt, options.fps)
        else:
            raise ValueError(f"unknown export format {options.fmt!r}")
        written.append(path)
        if alts[index]:
            alt_texts[path.name] = alts[index]
    if alt_texts:
        alt_path = out_dir / f"{options.prefix}-alt-text.json"
        existing = {}
        if alt_path.is_file():
            try:
                existing = json.loads(alt_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                existing = {}
        existing.update(alt_texts)
        atomic_write_text(alt_path, json.dumps(existing, indent=1, ensure_ascii=False))
    if progress is not None:
        progress(len(items), len(items), "Exported")
    return written


def _series_cine(items: list[ExportItem], options: ExportOptions, path: Path, progress, cancel) -> Path:
    """One scroll-through of a series of single-frame images, in instance order, each as set up."""
    ordered = sorted(items, key=lambda i: (i.image.instance_number, i.image.origin))

    def frames():
        for index, item in enumerate(ordered):
            if cancel is not None and cancel():
                raise InterruptedError("export cancelled")
            if progress is not None:
                progress(index, len(ordered), "Rendering cine")
            painted = services.paint_regions(item.image, item.regions)
            annotations = item.annotations if options.burn_annotations else []
            zoom = render.output_zoom(options.size, item.view, item.image.rows, item.image.columns)
            yield render.render_frame(item.image, item.frame, item.view, annotations, frames=painted, zoom=zoom)

    write_cine(frames(), path, options.fmt, options.fps)
    return path


def _encode(rgb: np.ndarray, options: ExportOptions) -> bytes:
    from radshare.core.export.images import encode_image

    return encode_image(rgb, "jpeg" if options.fmt == "jpeg" else "png", quality=options.quality)


def _scrubbed(text: str, image: Image) -> str:
    """Alt text through the core free-text de-identifier (the image's own identifiers, those of its
    input's name, patterns, and only known words). Its errors propagate: fail closed."""
    from radshare.core.deid.text import deidentify_text

    return deidentify_text(text, services.identifiers_of(image)).text


def write_cine(frames, path: Path, fmt: str, fps: float) -> None:
    """A GIF or MP4 of RGB frames, through core.export.cine when this installation has it."""
    try:
        from radshare.core.export import cine  # written alongside; preferred when present
    except ImportError:
        cine = None
    if cine is not None and hasattr(cine, "write_cine"):
        cine.write_cine(frames, Path(path), fmt=fmt, fps=fps)
        return
    frames = list(frames)
    tmp = Path(path).with_name(f".part-{Path(path).name}")
    try:
        if fmt == "gif":
            from PIL import Image as PILImage

            pictures = [PILImage.fromarray(f).quantize(colors=256, method=PILImage.Quantize.MEDIANCUT) for f in frames]
            pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:],
                             duration=int(round(1000.0 / fps)), loop=0)
        else:
            import imageio.v2 as imageio

            writer = imageio.get_writer(tmp, format="FFMPEG", fps=fps, codec="libx264", quality=8,
                                        macro_block_size=2, pixelformat="yuv420p")
            try:
                for f in frames:
                    writer.append_data(f[: f.shape[0] // 2 * 2, : f.shape[1] // 2 * 2])
            finally:
                writer.close()
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _first_free_number(out_dir: Path, prefix: str) -> int:
    taken = 0
    for existing in out_dir.glob(f"{prefix}-*"):
        stem = existing.stem.split("-")[-1]
        if stem.isdigit():
            taken = max(taken, int(stem))
    return taken + 1
