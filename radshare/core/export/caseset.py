"""Case sets: many case folders in, `Case-01/`, `Case-02/`… plus manifest and case book out.

One input folder is one case (DICOM in any structure, photos, optional notes, GUI sidecars).
The export runs in three steps:

1. plan (this process): find the cases, give each its stable number, read every header once
   (decoding no pixels) to group series, order slices, collect the case's identifiers for the
   notes, and make one `FileTask` per input file;
2. work (any executor): `export_file(task)` is a pure, top-level function of its task: it
   de-identifies and text-redacts one file, renders its key image and cine frame(s), and
   returns the bytes to write. It never raises and never writes into OUT, so it runs the same
   in this process, a process pool or a dask.distributed cluster;
3. assemble (this process): results are written atomically into a hidden `.Case-NN.partial/`
   folder; when a case's last file is in, its cine loops are encoded from the staged frames one
   frame at a time, its notes are scrubbed and written, and the folder is renamed to
   `Case-NN/`. A case folder therefore exists only complete; cancelling removes the partial
   folders; a re-run skips the finished cases.

Nothing written into OUT carries an identifier: outputs are named by case number, series
order and modality; notes are scrubbed with the case's own identifiers plus patterns.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from radshare.core import batch
from radshare.core.audit import FileReport, Report, empty_actions, error_report, skipped_report
from radshare.core.errors import InputError
from radshare.core.export import manifest as mf
from radshare.core.export.casebook import write_casebook
from radshare.core.fsutil import atomic_write_bytes, atomic_write_text
from radshare.core.model import Annotation, Identifiers, Image, TextRegion
from radshare.core.pipeline import DICOM_SUFFIXES, Settings
from radshare.core.sources import InputItem

__all__ = ["ExportOptions", "ExportProgress", "CaseOutcome", "CaseSetResult", "discover_cases", "export_caseset", "export_file"]

PARTIAL_PREFIX = "."
PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True)
class ExportOptions:
    """What a case set contains besides key images and notes."""

    cine: Literal["mp4", "gif"] | None = None
    dicom: bool = False
    zip_archive: bool = False
    thumb_side: int = 320


# --- planning: headers only, in this process -------------------------------------------------


@dataclass(frozen=True)
class FileTask:
    """Everything one worker needs for one input file; picklable, holds no open resources."""

    case_id: str
    item: InputItem
    kind: Literal["dicom", "photo"]
    name: str  # output stem: "S01-CT" (series group) or "P01" (photo)
    group: int  # series group number (1-based); 0 for photos
    position: int  # place in the group's cine; photo index
    group_size: int  # frames of the group's cine (1: no cine from this group)
    multiframe: bool
    key_frames: tuple[int, ...]  # frames of this file to export as key images
    window: tuple[float, float] | None
    fps: float | None
    annotations: tuple[Annotation, ...]
    regions: tuple[TextRegion, ...] | None  # reviewed in the GUI; None: detect
    settings: Settings
    options: ExportOptions


@dataclass
class FileResult:
    """What `export_file` made: bytes to write (paths relative to the case folder)."""

    case_id: str
    report: FileReport
    files: dict[str, bytes] = field(default_factory=dict)
    frame: tuple[int, int, bytes] | None = None  # (group, position, .npy) for a series cine
    images: list[str] = field(default_factory=list)
    thumbs: list[str] = field(default_factory=list)
    cine: list[str] = field(default_factory=list)
    captions: dict[str, str] = field(default_factory=dict)
    modality: str = ""


@dataclass
class _Group:
    number: int
    name: str
    modality: str
    frames: int
    multiframe: bool
    fps: float | None


@dataclass
class CasePlan:
    case_id: str
    number: int
    key: str
    folder: Path
    tasks: list[FileTask] = field(default_factory=list)
    problems: list[FileReport] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    identifiers: Identifiers = field(default_factory=Identifiers)  # in memory only, for the notes
    notes: object = None  # notes.CaseNotes | None


@dataclass
class _Header:
    item: InputItem
    series: str
    series_number: int
    instance: int
    z: float
    frames: int
    modality: str
    window: tuple[float, float] | None
    fps: float | None
    sidecar_names: tuple[str, ...]


def _number(value, default: float = 0) -> float:
    try:
        if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            value = value[0]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return default


def _header_fps(ds) -> float | None:
    for keyword in ("RecommendedDisplayFrameRate", "CineRate"):
        if keyword in ds and _number(ds.get(keyword)) > 0:
            return _number(ds.get(keyword))
    if "FrameTime" in ds and _number(ds.get("FrameTime")) > 0:
        return 1000.0 / _number(ds.get("FrameTime"))
    return None


def _header_window(ds) -> tuple[float, float] | None:
    if "WindowCenter" in ds and "WindowWidth" in ds:
        centre, width = _number(ds.WindowCenter, None), _number(ds.WindowWidth, None)  # type: ignore[arg-type]
        if centre is not None and width and width > 0:
            return centre, width
    return None


def _sidecars(folder: Path, problems: list[FileReport]) -> dict[str, object]:
    """GUI sidecars in the case folder, by name stem (`<key>.json`, `<name>.radshare.json`).

    Also accepts a bare {"annotations": [...], "regions": [...]} without the format marker; a
    `*.radshare.json` that cannot be read is reported (skipped), other JSON files are ignored.
    """
    import json

    from radshare.core import annotations_io

    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*.json")):
        if path.name in (mf.CASE_JSON, mf.MANIFEST_JSON):
            continue
        ours = path.name.endswith(".radshare.json")
        try:
            sidecar = annotations_io.read_sidecar(path)
        except ValueError:
            sidecar = None
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("annotations"), list):
                    sidecar = annotations_io.from_json({**data, "format": annotations_io.FORMAT})
            except (OSError, ValueError, KeyError, TypeError):
                sidecar = None
            if sidecar is None:
                if ours:
                    problems.append(skipped_report(str(path), "annotation sidecar cannot be read: the image is exported without its annotations"))
                continue
        if sidecar is None:
            continue
        stem = path.name[: -len(".radshare.json")] if ours else path.name[: -len(".json")]
        found[stem] = sidecar
    return found


def _sidecar_for(sidecars: dict[str, object], names: Iterable[str]):
    for name in names:
        if name in sidecars:
            return sidecars[name]
    return None


def _image_key(display: str, kind: str, ds=None) -> str:
    from radshare.core.annotations_io import image_key

    return image_key(Image(origin=display, kind=kind, frames=np.zeros((1, 1, 1), np.uint8), dataset=ds))  # type: ignore[arg-type]


def _ignored(path: Path, folder: Path) -> bool:
    from radshare.core.notes import NOTE_FILES

    relative = path.relative_to(folder)
    if any(part.startswith(".") for part in relative.parts):
        return True
    name = path.name.lower()
    return name in NOTE_FILES or name.endswith(".json") or name in ("thumbs.db", "desktop.ini")


_BIG_FILE = 32 * 2**20  # larger files (long multi-frames) are planned from their header alone
_HEAD_BYTES = 8192


def _head_or_all(entry: InputItem) -> bytes:
    """The whole file, or only its first bytes when it is a big file on disk."""
    if entry.member is None and entry.path.stat().st_size > _BIG_FILE:
        with open(entry.path, "rb") as handle:
            return handle.read(_HEAD_BYTES)
    return entry.read_bytes()


def _deferred_dicom(entry: InputItem):
    """A big DICOM file's header, its large values left on disk (the worker reads the rest)."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        return pydicom.dcmread(entry.path, defer_size="256 KB")
    except InvalidDicomError:
        raise InputError(f"{entry.display}: not a DICOM file") from None
    except Exception as exc:
        raise InputError(f"{entry.display}: unreadable DICOM header ({exc.__class__.__name__})") from None


def plan_case(folder: Path, cid: str, number: int, key: str, settings: Settings, options: ExportOptions) -> CasePlan:
    """Read the case's headers and notes and make its file tasks. InputError: the whole case fails."""
    from radshare.core.deid.identifiers import collect_identifiers
    from radshare.core.notes import load_notes
    from radshare.core.sources import iter_inputs, read_dicom, sniff

    folder = Path(folder)
    plan = CasePlan(case_id=cid, number=number, key=key, folder=folder)
    try:
        plan.notes = load_notes(folder)
    except InputError as exc:
        raise InputError(f"notes cannot be read: {exc}") from None
    sidecars = _sidecars(folder, plan.problems)
    headers: list[_Header] = []
    photos: list[InputItem] = []
    identifiers = Identifiers()
    for entry in iter_inputs([folder]):
        if isinstance(entry, InputError):
            display, _, reason = str(entry).partition(": ")
            plan.problems.append(error_report(display, reason or str(entry)))
            continue
        if entry.member is None and _ignored(entry.path, folder):
            continue
        try:
            data = _head_or_all(entry)
        except OSError as exc:
            plan.problems.append(error_report(entry.display, f"cannot be read ({exc.strerror or exc.__class__.__name__})"))
            continue
        kind = sniff(data)
        if kind == "photo":
            photos.append(entry)
            continue
        if kind == "dicomdir":
            plan.problems.append(skipped_report(entry.display, "DICOMDIR index: the files it lists are exported themselves"))
            continue
        if kind != "dicom":
            if not data:
                plan.problems.append(error_report(entry.display, "empty file (0 bytes)"))
            elif entry.suffix in DICOM_SUFFIXES:  # named like DICOM: a broken file, not a stray one
                plan.problems.append(error_report(entry.display, "not a DICOM file (no DICOM header found)", kind="dicom"))
            else:
                plan.problems.append(skipped_report(entry.display, "neither a DICOM file nor a supported image"))
            continue
        try:
            ds = read_dicom(data, entry.display) if len(data) != _HEAD_BYTES else _deferred_dicom(entry)
        except InputError as exc:
            text = str(exc)
            plan.problems.append(error_report(entry.display, text.split(": ", 1)[1] if text.startswith(entry.display) else text, kind="dicom"))
            continue
        identifiers = identifiers.merge(collect_identifiers(ds))
        if "PixelData" not in ds:
            plan.problems.append(skipped_report(entry.display, "no pixel data (not an image): not part of a teaching set", kind="dicom"))
            continue
        position = ds.get("ImagePositionPatient")
        headers.append(
            _Header(
                item=entry,
                series=str(ds.get("SeriesInstanceUID", "")) or str(entry.path.parent),
                series_number=int(_number(ds.get("SeriesNumber"))),
                instance=int(_number(ds.get("InstanceNumber"))),
                z=_number(position[2]) if position is not None and len(position) == 3 else 0.0,
                frames=int(_number(ds.get("NumberOfFrames"), 1) or 1),
                modality="".join(ch for ch in str(ds.get("Modality", "OT")) if ch.isalnum())[:4] or "OT",
                window=_header_window(ds),
                fps=_header_fps(ds),
                sidecar_names=(_image_key(entry.display, "dicom", ds), entry.path.name, entry.path.stem),
            )
        )
        del ds, data
    plan.identifiers = identifiers
    _plan_dicom(plan, headers, sidecars, settings, options)
    _plan_photos(plan, photos, sidecars, settings, options)
    if not plan.tasks and plan.notes is None and not any(p.status == "error" for p in plan.problems):
        raise InputError("no DICOM image, photo or notes found in this folder")
    return plan


def _key_frames(annotations: list[Annotation], frames: int) -> tuple[int, ...]:
    marked = sorted({a.frame for a in annotations if a.frame is not None and 0 <= a.frame < frames})
    return tuple(marked) or (frames // 2,)


def _plan_dicom(plan: CasePlan, headers: list[_Header], sidecars: dict, settings: Settings, options: ExportOptions) -> None:
    singles: dict[str, list[_Header]] = {}
    groups: list[tuple[tuple, list[_Header]]] = []
    for header in headers:
        if header.frames > 1:
            groups.append(((header.series_number, header.series, header.instance, header.item.display), [header]))
        else:
            singles.setdefault(header.series, []).append(header)
    for series, members in singles.items():
        members.sort(key=lambda h: (h.instance, h.z, h.item.display))
        groups.append(((members[0].series_number, series, members[0].instance, members[0].item.display), members))
    groups.sort(key=lambda g: g[0])
    for number, (_, members) in enumerate(groups, start=1):
        first = members[0]
        name = f"S{number:02d}-{first.modality}"
        multiframe = first.frames > 1
        size = first.frames if multiframe else len(members)
        middle = members[len(members) // 2]
        window = middle.window or ((40.0, 400.0) if first.modality == "CT" else None)
        plan.groups.append(_Group(number, name, first.modality, size, multiframe, first.fps))
        annotated = []
        for position, header in enumerate(members):
            sidecar = _sidecar_for(sidecars, header.sidecar_names)
            annotations = tuple(sidecar.annotations) if sidecar is not None else ()
            regions = tuple(sidecar.regions) if sidecar is not None and sidecar.review == "reviewed" else None
            annotated.append(bool(annotations))
            if multiframe:
                keys = _key_frames(list(annotations), header.frames)
            else:
                keys = ()
            plan.tasks.append(
                FileTask(
                    case_id=plan.case_id, item=header.item, kind="dicom", name=name, group=number, position=position,
                    group_size=size, multiframe=multiframe, key_frames=keys, window=window, fps=first.fps,
                    annotations=annotations, regions=regions, settings=settings, options=options,
                )
            )
        if not multiframe:  # key images: the annotated slices, else the middle one
            chosen = [i for i, marked in enumerate(annotated) if marked] or [len(members) // 2]
            start = len(plan.tasks) - len(members)
            for i in chosen:
                task = plan.tasks[start + i]
                plan.tasks[start + i] = _with_keys(task, (0,))


def _with_keys(task: FileTask, keys: tuple[int, ...]) -> FileTask:
    from dataclasses import replace

    return replace(task, key_frames=keys)


def _plan_photos(plan: CasePlan, photos: list[InputItem], sidecars: dict, settings: Settings, options: ExportOptions) -> None:
    for index, item in enumerate(sorted(photos, key=lambda i: i.display), start=1):
        names = (_image_key(item.display, "photo"), _image_key(str(item.path.resolve()), "photo"), item.path.name, item.path.stem)
        sidecar = _sidecar_for(sidecars, names)
        plan.tasks.append(
            FileTask(
                case_id=plan.case_id, item=item, kind="photo", name=f"P{index:02d}", group=0, position=index,
                group_size=1, multiframe=False, key_frames=(0,), window=None, fps=None,
                annotations=tuple(sidecar.annotations) if sidecar is not None else (),
                regions=tuple(sidecar.regions) if sidecar is not None and sidecar.review == "reviewed" else None,
                settings=settings, options=options,
            )
        )


@dataclass(frozen=True)
class _PlanJob:
    folder: Path
    case_id: str
    number: int
    key: str
    settings: Settings
    options: ExportOptions


def _plan_job(job: _PlanJob) -> tuple[str, "CasePlan | str"]:
    """Plan one case on any executor: (case id, plan), or (case id, reason) when it fails."""
    try:
        return job.case_id, plan_case(job.folder, job.case_id, job.number, job.key, job.settings, job.options)
    except InputError as exc:
        return job.case_id, str(exc)
    except Exception as exc:  # a bug must not stop the set nor leak a value
        return job.case_id, f"the case could not be read ({exc.__class__.__name__})"


# --- the per-file work: a pure function of its task -------------------------------------------


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


def _render(frame: np.ndarray, window: tuple[float, float], rescale, photometric: str, annotations, index: int, spacing) -> np.ndarray:
    from radshare.core import render

    grey = render.window_frame(frame, window[0], window[1], rescale, photometric)
    rgb = render.to_rgb(grey)
    visible = [a for a in annotations if a.frame is None or a.frame == index]
    return render.draw_annotations(rgb, visible, spacing) if visible else rgb


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
    rescale = (_number(ds.get("RescaleSlope", 1), 1) or 1.0, _number(ds.get("RescaleIntercept", 0)))
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    spacing_value = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    spacing = (float(spacing_value[0]), float(spacing_value[1])) if spacing_value else None
    annotations = list(task.annotations)
    if not task.multiframe:
        frame = decode_frames(ds, display)[0]
        photometric = "RGB" if frame.ndim == 3 else photometric
        rgb = _render(frame, task.window or _auto_window(frame, rescale), rescale, photometric, annotations, 0, spacing)
        if task.key_frames:
            caption = f"{task.name.replace('-', ' ')}, image {task.position + 1} of {task.group_size}"
            _add_key_image(task, result, rgb, f"{task.name}-{task.position + 1:04d}", "png", caption)
        if task.options.cine and task.group_size > 1:
            result.frame = (task.group, task.position, _cine_frame(rgb, task.options.cine))
        return
    _export_multiframe(task, result, ds, rescale, photometric, annotations, spacing)


def _export_multiframe(task: FileTask, result: FileResult, ds, rescale, photometric, annotations, spacing) -> None:
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
            rgb = _render(frame, window[0], rescale, mode, annotations, index, spacing)
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
    from radshare.core import render
    from radshare.core.pipeline import clean_photo_pixels, record_photo_cleaning

    rgb, outcome = clean_photo_pixels(task.item.read_bytes(), task.item.display, task.settings)
    rgb = np.ascontiguousarray(rgb)
    report = result.report
    record_photo_cleaning(report, outcome)
    for region in task.regions or ():  # reviewed in the GUI: painted as well
        if not region.keep:
            rgb[max(0, region.y) : region.y + region.h, max(0, region.x) : region.x + region.w] = 0
            report.text_regions += 1
    if task.annotations:
        rgb = render.draw_annotations(rgb, list(task.annotations))
    result.modality = "photo"
    fmt = "png" if task.settings.photo_format == "png" else "jpeg"
    _add_key_image(task, result, rgb, task.name, fmt, f"Photo {task.position}")


# --- assembling a case: cine loops from staged frames, notes, case.json ---------------------


def _staged_frames(paths: list[Path]):
    for path in paths:
        yield np.load(path, allow_pickle=False)


def assemble_case(plan: CasePlan, partial: Path, results: list[FileResult], frames: dict[int, list[tuple[int, Path]]], options: ExportOptions):
    """Finish a case in its partial folder. Returns (entry, notes replacements, failure reports)."""
    from radshare.core.export import cine
    from radshare.core.notes import CaseNotes, scrub_notes

    failures: list[FileReport] = []
    cine_files: list[str] = [c for r in results for c in r.cine]
    if options.cine:
        for group in plan.groups:
            staged = sorted(frames.get(group.number, []))
            if group.multiframe or len(staged) < 2:
                continue
            relative = f"cine/{group.name}{cine.extension(options.cine)}"
            try:
                cine.write_cine(_staged_frames([p for _, p in staged]), partial / relative, options.cine, fps=group.fps)
                cine_files.append(relative)
            except Exception as exc:
                failures.append(error_report(f"{plan.folder} (series {group.name})", f"the cine loop could not be written ({exc.__class__.__name__})"))
    shutil.rmtree(partial / ".frames", ignore_errors=True)
    notes = plan.notes if plan.notes is not None else CaseNotes()
    cleaned, replaced = scrub_notes(notes, plan.identifiers)
    fallback = plan.case_id.replace("-", " ")
    atomic_write_text(partial / "case.md", cleaned.to_markdown(fallback_title=fallback))
    ok = [r for r in results if r.report.status == "ok"]
    images = sorted(img for r in ok for img in r.images)
    thumbs = {img: thumb for r in ok for img, thumb in zip(r.images, r.thumbs)}
    captions = {img: cap for r in ok for img, cap in r.captions.items()}
    prefix = plan.case_id
    modalities = sorted({g.modality for g in plan.groups} | ({"photo"} if any(t.kind == "photo" for t in plan.tasks) else set()))
    entry = mf.CaseEntry(
        case_id=plan.case_id,
        number=plan.number,
        key=plan.key,
        title=cleaned.title,
        modalities=modalities,
        images=len(images),
        series=len(plan.groups),
        cine_loops=len(cine_files),
        photos=sum(1 for r in ok if r.report.kind == "photo"),
        dicom_files=sum(1 for r in ok for f in r.files if f.startswith("dicom/")),
        diagnosis=cleaned.diagnosis,
        tags=list(cleaned.tags),
        files={
            "images": [f"{prefix}/{i}" for i in images],
            "thumbs": [f"{prefix}/{thumbs[i]}" for i in images],
            "cine": [f"{prefix}/{c}" for c in sorted(cine_files)],
            "notes": [f"{prefix}/case.md"],
        },
        captions={f"{prefix}/{i}": captions.get(i, "") for i in images},
        notes=cleaned.to_json(),
    )
    return entry, {r.category: r.count for r in replaced}, failures


@dataclass(frozen=True)
class ExportProgress:
    """Where the export is, for a progress bar or dialog (no patient data)."""

    cases_done: int
    cases_total: int
    files_done: int
    files_total: int
    case_id: str = ""
    case_files_done: int = 0
    case_files_total: int = 0
    message: str = ""


@dataclass
class CaseOutcome:
    """What happened to one case (for the report; `source` is an input path)."""

    case_id: str
    source: str
    status: Literal["ok", "error", "skipped", "partial"] = "ok"
    error: str | None = None
    entry: mf.CaseEntry | None = None
    files: Counter = field(default_factory=Counter)
    text_regions: int = 0
    needs_text_review: int = 0  # files whose pixels may show text that no redaction checked
    actions: dict[str, int] = field(default_factory=empty_actions)
    notes_replaced: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        entry = self.entry
        return {
            "case": self.case_id,
            "input": self.source,
            "status": self.status,
            "error": self.error,
            "files": {k: self.files.get(k, 0) for k in ("ok", "error", "skipped")},
            "images": entry.images if entry else 0,
            "series": entry.series if entry else 0,
            "cine_loops": entry.cine_loops if entry else 0,
            "photos": entry.photos if entry else 0,
            "dicom_files": entry.dicom_files if entry else 0,
            "text_regions": self.text_regions,
            "needs_text_review": self.needs_text_review,
            "actions": self.actions,
            "notes_scrubbed": dict(sorted(self.notes_replaced.items())),
        }


@dataclass
class CaseSetResult:
    report: Report
    cases: list[CaseOutcome]
    cancelled: bool = False
    zip_path: Path | None = None

    @property
    def failed(self) -> bool:
        return any(c.status in ("error", "partial") for c in self.cases) or self.report.counts()["error"] > 0


# --- finding cases ---------------------------------------------------------------------------


def _looks_like_case(folder: Path) -> bool:
    """A folder holding notes, a DICOM file, a DICOMDIR or a photo directly is a case."""
    from radshare.core.notes import find_notes_file
    from radshare.core.sources import sniff

    if find_notes_file(folder) is not None:
        return True
    for child in folder.iterdir():
        if child.name.startswith(".") or not child.is_file():
            continue
        try:
            with open(child, "rb") as handle:
                head = handle.read(4096)
        except OSError:
            continue
        if sniff(head) is not None or child.name.upper() == "DICOMDIR":
            return True
    return False


def discover_cases(paths: Iterable[Path]) -> list[Path]:
    """Case folders from the arguments: a case folder itself, or a parent of case folders.

    A folder is a case when it directly holds notes, a DICOM file, a DICOMDIR or a photo;
    otherwise each of its (non-hidden) sub-folders is a case. Raises InputError for an argument
    that is not a folder.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            raise InputError(f"{raw}: not a folder (one folder per case, or a folder of case folders)")
        if _looks_like_case(path):
            found.append(path)
            continue
        found.extend(sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")))
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(path.resolve()), path)
    return list(unique.values())


def _source_names(cases: list[Path]) -> list[str]:
    """The name each case is keyed by: its folder name, or parent/name when two share a name."""
    counts = Counter(p.resolve().name for p in cases)
    return [f"{p.resolve().parent.name}/{p.resolve().name}" if counts[p.resolve().name] > 1 else p.resolve().name for p in cases]


# --- the export --------------------------------------------------------------------------------


def export_caseset(
    case_dirs: Iterable[Path],
    out: Path,
    settings: Settings,
    options: ExportOptions = ExportOptions(),
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[ExportProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> CaseSetResult:
    """Export every case folder into `out` (see the module doc). Never raises for a bad input.

    `on_error` receives one line per failed file or case (input name and reason), for stderr.
    With the dask executor, an unreachable scheduler raises OSError before OUT is touched.
    """
    with _default_dask_client(executor, scheduler):
        return _export(case_dirs, out, settings, options, workers, executor, scheduler, progress, cancel, on_error)


def _export(case_dirs, out, settings, options, workers, executor, scheduler, progress, cancel, on_error) -> CaseSetResult:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _remove_partials(out)
    report = Report(profile=settings.profile)
    cases = list(case_dirs)
    names = _source_names(cases)
    keys = [mf.case_key(settings.key, name) for name in names]
    numbers = mf.assign_numbers(mf.known_numbers(out), keys)
    outcomes: list[CaseOutcome] = []
    pending: list[_CaseRun] = []
    finished_entries: list[mf.CaseEntry] = []
    say = on_error or (lambda message: None)

    jobs: list[_PlanJob] = []
    for folder, key in zip(cases, keys):
        number = numbers[key]
        cid = mf.case_id(number)
        outcome = CaseOutcome(case_id=cid, source=str(folder))
        outcomes.append(outcome)
        earlier = mf.read_case_entry(out / cid)
        if earlier is not None and earlier.key == key and earlier.complete:
            outcome.status = "skipped"
            outcome.error = "finished in an earlier run"
            outcome.entry = earlier
            finished_entries.append(earlier)
            continue
        jobs.append(_PlanJob(folder, cid, number, key, settings, options))

    # Reading the headers is itself spread over the workers (it is a tenth of the work).
    plans: dict[str, CasePlan | str] = {}
    read = len(outcomes) - len(jobs)
    for cid, plan in batch.run_batch(jobs, _plan_job, workers=workers, executor=executor, scheduler=scheduler, cancel=cancel):
        plans[cid] = plan
        read += 1
        if progress is not None:
            progress(ExportProgress(read - 1, len(cases), 0, 0, message=f"reading headers: {read} of {len(cases)} cases read"))
    reading_cancelled = len(plans) < len(jobs)
    for job in jobs:
        outcome = next(o for o in outcomes if o.case_id == job.case_id)
        plan = plans.get(job.case_id)
        if plan is None:  # cancelled before this case was read
            outcomes.remove(outcome)
            continue
        if isinstance(plan, str):
            outcome.status = "error"
            outcome.error = plan
            say(f"{job.folder}: {plan}")
            continue
        for problem in plan.problems:
            report.add(problem)
            outcome.files[problem.status] += 1
            if problem.status == "error":
                say(f"{problem.input}: {problem.error}")
        pending.append(_CaseRun(outcome=outcome, plan=plan, partial=out / f"{PARTIAL_PREFIX}{job.case_id}{PARTIAL_SUFFIX}"))

    tasks = [task for run in pending for task in run.plan.tasks]
    by_case = {run.outcome.case_id: run for run in pending}
    state = {"files_done": 0, "cases_done": len(outcomes) - len(pending)}
    total_cases = len(outcomes)

    def tell(run: _CaseRun | None, message: str = "") -> None:
        if progress is None:
            return
        progress(
            ExportProgress(
                cases_done=state["cases_done"],
                cases_total=total_cases,
                files_done=state["files_done"],
                files_total=len(tasks),
                case_id=run.outcome.case_id if run else "",
                case_files_done=run.done if run else 0,
                case_files_total=len(run.plan.tasks) if run else 0,
                message=message,
            )
        )

    tell(None, "planned")
    cancelled = reading_cancelled
    results: Iterable[FileResult] = []
    finisher = _Finisher(out, options, report, say)
    try:
        for run in pending:
            run.partial.mkdir(parents=True, exist_ok=True)
            if not run.plan.tasks:
                finisher.submit(run)
        results = list() if not tasks or cancelled else batch.run_batch(
            tasks, export_file, workers=workers, executor=executor, scheduler=scheduler, cancel=cancel
        )
        for result in results:
            run = by_case[result.case_id]
            _store(run, result, report, say)
            state["files_done"] += 1
            if run.done == len(run.plan.tasks):
                finisher.submit(run)
            state["cases_done"] += finisher.collect(finished_entries)
            tell(run)
        state["cases_done"] += finisher.collect(finished_entries, wait=True)
        tell(None, "done")
        if cancelled or (cancel is not None and cancel()):
            cancelled = True
    except BaseException:  # Ctrl-C, or an executor that failed as a whole: no partial case stays
        cancelled = True
        stop = getattr(results, "close", None)  # stops the pool's workers now, not at exit
        if stop is not None:
            stop()
        raise
    finally:
        finisher.close(finished_entries)  # a case being assembled is completed first
        if cancelled:
            _remove_partials(out)
        # The manifest and the book list what is complete, also after a cancel.
        _write_index(out, finished_entries, numbers)

    zip_path = None
    if options.zip_archive and not cancelled:
        zip_path = write_zip(out)
    report.files.sort(key=lambda e: e.input)
    report.extra["cases"] = [o.to_json() for o in sorted(outcomes, key=lambda o: o.case_id)]
    report.extra["case_summary"] = dict(Counter(o.status for o in outcomes))
    return CaseSetResult(report=report, cases=outcomes, cancelled=cancelled, zip_path=zip_path)


class _Finisher:
    """Assembles finished cases on one background thread (encoding a cine takes a second or
    more), so the workers are fed new files meanwhile. Cases are assembled one at a time, from
    frames staged on disk, so memory stays bounded."""

    def __init__(self, out: Path, options: ExportOptions, report: Report, say: Callable[[str], None]):
        from concurrent.futures import ThreadPoolExecutor

        self.args = (out, options, report, say)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="radshare-case")
        self.futures: list = []

    def submit(self, run: "_CaseRun") -> None:
        self.futures.append(self.pool.submit(_finish, run, *self.args))

    def collect(self, entries: list[mf.CaseEntry], wait: bool = False) -> int:
        """Add the entries of the cases assembled so far; returns how many were assembled."""
        done = [f for f in self.futures if wait or f.done()]
        self.futures = [f for f in self.futures if f not in done]
        for future in done:
            entries.extend(future.result())
        return len(done)

    def close(self, entries: list[mf.CaseEntry]) -> None:
        self.pool.shutdown(wait=True)
        for future in self.futures:
            if future.exception() is None:
                entries.extend(future.result())
        self.futures = []


@contextmanager
def _default_dask_client(executor: str, scheduler: str | None):
    """A default dask client for the run (distributed's `as_completed` looks one up)."""
    if executor != "dask":
        yield
        return
    if not scheduler:
        raise ValueError("the dask executor needs --scheduler ADDRESS")
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("the dask executor needs the 'distributed' package installed") from None
    with Client(scheduler, set_as_default=True, timeout="10s"):
        yield


@dataclass
class _CaseRun:
    outcome: CaseOutcome
    plan: "CasePlan"
    partial: Path
    done: int = 0
    results: list[FileResult] = field(default_factory=list)  # light: bytes are dropped once written
    frames: dict[int, list[tuple[int, Path]]] = field(default_factory=dict)
    contributors: dict[int, list[FileReport]] = field(default_factory=dict)  # files in a series cine


def _store(run: _CaseRun, result: FileResult, report: Report, say: Callable[[str], None]) -> None:
    """Write one file's outputs into the case's partial folder (atomically, file by file)."""
    run.done += 1
    entry = result.report
    try:
        for relative, data in result.files.items():
            atomic_write_bytes(run.partial / relative, data)
        if result.frame is not None:
            group, position, frame = result.frame
            staged = run.partial / ".frames" / f"{group:03d}" / f"{position:06d}.npy"
            _write_staged(staged, frame)
            run.frames.setdefault(group, []).append((position, staged))
            run.contributors.setdefault(group, []).append(entry)
    except OSError as exc:
        entry = error_report(entry.input, f"cannot write the outputs ({exc.strerror or exc.__class__.__name__})", kind=entry.kind)
    final = Path(run.partial.parent) / run.outcome.case_id
    entry.outputs = [str(final / rel) for rel in result.files if not rel.startswith("thumbs/")]
    report.add(entry)
    run.outcome.files[entry.status] += 1
    run.outcome.text_regions += entry.text_regions
    run.outcome.needs_text_review += int(entry.needs_text_review)
    for k, v in entry.actions.items():
        run.outcome.actions[k] = run.outcome.actions.get(k, 0) + v
    if entry.status == "error":
        say(f"{entry.input}: {entry.error}")
    result.files = {rel: b"" for rel in result.files}  # keep the names, drop the bytes
    result.frame = None
    run.results.append(result)


def _write_staged(path: Path, data: bytes) -> None:
    """A staged cine frame: renamed into place whole, but not fsynced (it lives for seconds,
    inside the case's partial folder, which a stopped run removes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".part-" + path.name)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _finish(run: _CaseRun, out: Path, options: ExportOptions, report: Report, say) -> list[mf.CaseEntry]:
    """Encode the case's cine loops, write notes and case.json, and move the case into place."""
    outcome = run.outcome
    try:
        entry, notes_replaced, failures = assemble_case(run.plan, run.partial, run.results, run.frames, options)
    except Exception as exc:  # a case that cannot be assembled must not stop the others
        outcome.status = "error"
        outcome.error = f"the case could not be assembled ({exc.__class__.__name__})"
        say(f"{outcome.source}: {outcome.error}")
        shutil.rmtree(run.partial, ignore_errors=True)
        return []
    for failure in failures:
        report.add(failure)
        outcome.files[failure.status] += 1
        say(f"{failure.input}: {failure.error}")
    final_dir = out / outcome.case_id
    for group in run.plan.groups:  # the report maps each slice to the loop it is in
        loop = next((c for c in entry.files.get("cine", []) if Path(c).stem == group.name), None)
        for file_report in run.contributors.get(group.number, []) if loop else []:
            file_report.outputs.append(str(final_dir / Path(loop).relative_to(outcome.case_id)))
    errors = outcome.files.get("error", 0)
    entry.errors = errors
    entry.complete = errors == 0
    mf.write_case_entry(run.partial, entry)
    final = out / outcome.case_id
    _replace_dir(run.partial, final)
    outcome.entry = entry
    outcome.notes_replaced = notes_replaced
    outcome.status = "ok" if errors == 0 else "partial"
    if errors:
        outcome.error = f"{errors} file(s) failed; the case will be redone on the next run"
    return [entry]


def _replace_dir(partial: Path, final: Path) -> None:
    """Move a finished case into place; an older copy (from an incomplete run) is replaced."""
    if final.exists():
        trash = final.with_name(f"{PARTIAL_PREFIX}{final.name}.old{PARTIAL_SUFFIX}")
        shutil.rmtree(trash, ignore_errors=True)
        os.replace(final, trash)
        os.replace(partial, final)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(partial, final)


def _remove_partials(out: Path) -> None:
    for leftover in Path(out).glob(f"{PARTIAL_PREFIX}*{PARTIAL_SUFFIX}"):
        shutil.rmtree(leftover, ignore_errors=True)
    batch.remove_partial_files(out)


def _write_index(out: Path, entries: list[mf.CaseEntry], numbers: dict[str, int]) -> None:
    """manifest.json/.csv and index.html for every case folder in OUT: this run's, and those an
    earlier run exported from folders not named this time (their numbers stay reserved)."""
    by_number = {e.number: e for e in entries}
    for case_dir in sorted(Path(out).glob("Case-*")):
        earlier = mf.read_case_entry(case_dir)
        if earlier is not None and earlier.number not in by_number and case_dir.name == earlier.case_id:
            by_number[earlier.number] = earlier
            numbers.setdefault(earlier.key, earlier.number)
    ordered = [by_number[n] for n in sorted(by_number)]
    mf.write_manifest(out, ordered, numbers)
    write_casebook(out, ordered)


def write_zip(out: Path) -> Path:
    """`<OUT>.zip` beside OUT with the cases, manifest and case book (written atomically)."""
    out = Path(out).resolve()
    target = out.with_name(out.name + ".zip")
    fd, tmp = tempfile.mkstemp(prefix=".part-", suffix=".zip", dir=target.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for path in sorted(out.rglob("*")):
                relative = path.relative_to(out)
                if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                    continue
                stored = zipfile.ZIP_STORED if path.suffix.lower() in (".mp4", ".gif", ".jpg", ".png", ".zip") else zipfile.ZIP_DEFLATED
                archive.write(path, arcname=str(Path(out.name) / relative), compress_type=stored)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

