"""The per-file work of a case-set export: a pure function of its task, for any executor.

`export_file(task)` de-identifies and text-redacts one file, renders its key image and cine
frame(s) through `core.shareable` (as every other export does), and returns the bytes to write. It never raises and never writes into OUT, so it runs
the same in this process, a process pool or a dask.distributed cluster.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from radshare.core.audit import FileReport, error_report
from radshare.core.errors import InputError
from radshare.core.export.caseplan import FileResult, FileTask, as_number
from radshare.core.model import Annotation, Identifiers, Image


def export_file(task: FileTask) -> FileResult:
    """De-identify, redact and render one input file. Never raises: failures are reported."""
    result = FileResult(case_id=task.case_id, report=FileReport(input=task.item.display, kind=task.kind))
    try:
        if task.kind == "photo":
            _export_photo(task, result)
        else:
            _export_dicom(task, result)
    except InputError as exc:
        text = str(exc)
        reason = text[len(task.item.display) + 2 :] if text.startswith(task.item.display + ": ") else text
        return FileResult(case_id=task.case_id, report=error_report(task.item.display, reason, kind=task.kind))
    except MemoryError:
        return FileResult(case_id=task.case_id, report=error_report(task.item.display, "too large to process in memory", kind=task.kind))
    except OSError as exc:
        return FileResult(case_id=task.case_id, report=error_report(task.item.display, f"cannot be read ({exc.strerror or exc.__class__.__name__})", kind=task.kind))
    except Exception as exc:  # a bug must not stop the set nor leak a value into the report
        return FileResult(case_id=task.case_id, report=error_report(task.item.display, f"internal error while exporting ({exc.__class__.__name__}); nothing was written", kind=task.kind))
    return result


def _render(frame: np.ndarray, window: tuple[float, float], rescale: tuple[float, float], photometric: str,
            annotations: list[Annotation], index: int, spacing: tuple[float, float] | None,
            identifiers: Identifiers) -> np.ndarray:
    """Frame `index` of a file as shared, by `core.shareable` (its text is already painted out of `ds`).

    One frame at a time, so a long cine never holds more than one decoded frame.
    """
    from radshare.core.render import View
    from radshare.core.shareable import Review, make_shareable

    image = Image(origin="", kind="dicom", frames=frame[None], photometric=photometric, pixel_spacing=spacing,
                  rescale=rescale)
    visible = [replace(a, frame=None) for a in annotations if a.frame is None or a.frame == index]
    return make_shareable(image, Review(), View(center=window[0], width=window[1]), visible, identifiers=identifiers).rgb


def _auto_window(frame: np.ndarray, rescale) -> tuple[float, float]:
    if frame.ndim == 3:
        return 127.5, 256.0
    values = frame[:: max(1, frame.shape[0] // 256), :: max(1, frame.shape[1] // 256)].astype(np.float32) * rescale[0] + rescale[1]
    lo, hi = np.percentile(values, [0.5, 99.5])
    if hi <= lo:
        lo, hi = float(values.min()), float(values.max()) + 1.0
    return float((lo + hi) / 2), float(max(hi - lo, 1.0))


def _thumb(rgb: np.ndarray, side: int) -> bytes:
    from radshare.core.export.images import encode_image

    h, w = rgb.shape[:2]
    scale = min(1.0, side / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    return encode_image(small, "jpeg", quality=85)


def _add_key_image(task: FileTask, result: FileResult, rgb: np.ndarray, stem: str, fmt: str, caption: str) -> None:
    from radshare.core.export.images import encode_image

    ext = ".jpg" if fmt == "jpeg" else ".png"
    image_rel = f"images/{stem}{ext}"
    thumb_rel = f"thumbs/{stem}.jpg"
    result.files[image_rel] = encode_image(rgb, fmt, quality=92)
    result.files[thumb_rel] = _thumb(rgb, task.options.thumb_side)
    result.images.append(image_rel)
    result.thumbs.append(thumb_rel)
    result.captions[image_rel] = caption


def _cine_frame(rgb: np.ndarray, fmt: str) -> bytes:
    """The frame at its cine size, as raw .npy bytes (one channel when grey): encoding PNG took
    as long as the de-identification, and the frame is staged on disk for seconds only."""
    from radshare.core.export import cine

    max_side = cine.MP4_MAX_SIDE if fmt == "mp4" else cine.GIF_MAX_SIDE
    h, w = rgb.shape[:2]
    width, height = cine.fitted_size(w, h, max_side, even=fmt == "mp4")
    if (width, height) != (w, h):
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2]):
        rgb = rgb[..., 0]
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(rgb), allow_pickle=False)
    return buffer.getvalue()


def _export_dicom(task: FileTask, result: FileResult) -> None:
    from radshare.core.pipeline import deidentify_dicom, dicom_bytes
    from radshare.core.sources import decode_frames, read_dicom

    display = task.item.display
    ds = read_dicom(task.item.read_bytes(), display)
    outcome = deidentify_dicom(ds, task.settings, regions=list(task.regions) if task.regions is not None else None)
    report = result.report
    report.actions = dict(outcome.actions)
    report.text_regions = len(outcome.regions)
    report.text_redaction = outcome.detector
    report.needs_text_review = outcome.needs_text_review
    report.identifier_hits = getattr(outcome.redaction, "identifier_hits", 0) if outcome.redaction else 0
    result.modality = task.name.split("-", 1)[1]
    if task.options.dicom:
        result.files[f"dicom/{task.name}/{task.position + 1:04d}.dcm"] = dicom_bytes(ds)
    rescale = (as_number(ds.get("RescaleSlope", 1), 1) or 1.0, as_number(ds.get("RescaleIntercept", 0)))
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    spacing_value = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    spacing = (float(spacing_value[0]), float(spacing_value[1])) if spacing_value else None
    annotations = list(task.annotations)
    if not task.multiframe:
        frame = decode_frames(ds, display)[0]
        photometric = "RGB" if frame.ndim == 3 else photometric
        rgb = _render(frame, task.window or _auto_window(frame, rescale), rescale, photometric, annotations, 0, spacing,
                      outcome.identifiers)
        if task.key_frames:
            caption = f"{task.name.replace('-', ' ')}, image {task.position + 1} of {task.group_size}"
            _add_key_image(task, result, rgb, f"{task.name}-{task.position + 1:04d}", "png", caption)
        if task.options.cine and task.group_size > 1:
            result.frame = (task.group, task.position, _cine_frame(rgb, task.options.cine))
        return
    _export_multiframe(task, result, ds, rescale, photometric, annotations, spacing, outcome.identifiers)


def _export_multiframe(task: FileTask, result: FileResult, ds, rescale, photometric, annotations, spacing,
                       identifiers) -> None:
    """Frames one at a time: key frames to images, every frame to the cine (bounded memory)."""
    from pydicom.pixels import iter_pixels

    from radshare.core.export import cine

    window: list[tuple[float, float] | None] = [task.window]
    keys = set(task.key_frames)

    def frames():
        for index, frame in enumerate(iter_pixels(ds)):
            mode = "RGB" if frame.ndim == 3 else photometric
            if window[0] is None:
                window[0] = _auto_window(frame, rescale)
            rgb = _render(frame, window[0], rescale, mode, annotations, index, spacing, identifiers)
            if index in keys:
                caption = f"{task.name.replace('-', ' ')}, frame {index + 1} of {task.group_size}"
                _add_key_image(task, result, rgb, f"{task.name}-{index + 1:04d}", "png", caption)
            yield rgb

    if not task.options.cine:
        for _ in frames():
            pass
        return
    with tempfile.TemporaryDirectory(prefix="radshare-cine-") as tmp:
        target = Path(tmp) / f"{task.name}{cine.extension(task.options.cine)}"
        cine.write_cine(frames(), target, task.options.cine, fps=task.fps)
        relative = f"cine/{target.name}"
        result.files[relative] = target.read_bytes()
        result.cine.append(relative)


def _export_photo(task: FileTask, result: FileResult) -> None:
    from radshare.core.pipeline import clean_photo_pixels, record_photo_cleaning
    from radshare.core.shareable import Review, make_shareable

    rgb, outcome = clean_photo_pixels(task.item.read_bytes(), task.item.display, task.settings)
    report = result.report
    record_photo_cleaning(report, outcome)
    photo = Image(origin="", kind="photo", frames=np.ascontiguousarray(rgb)[None], photometric="RGB")
    reviewed = Review(tuple(task.regions or ()))  # reviewed in the GUI: painted as well
    made = make_shareable(photo, reviewed, annotations=list(task.annotations), identifiers=Identifiers())
    report.text_regions += made.text_regions
    rgb = made.rgb
    result.modality = "photo"
    fmt = "png" if task.settings.photo_format == "png" else "jpeg"
    _add_key_image(task, result, rgb, task.name, fmt, f"Photo {task.position}")


