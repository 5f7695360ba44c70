"""Planning a case set: read each case's headers once (no pixels) and make one task per file.

Runs in the exporting process (see caseset.py for the three steps). Groups series, orders
slices, collects the case's identifiers for its notes, and gives every output its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from radshare.core.audit import FileReport, error_report, skipped_report
from radshare.core.errors import InputError
from radshare.core.export import manifest as mf
from radshare.core.model import Annotation, Identifiers, Image, TextRegion
from radshare.core.pipeline import DICOM_SUFFIXES, Settings
from radshare.core.sources import InputItem

PARTIAL_PREFIX = "."
PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True)
class ExportOptions:
    """What a case set contains besides key images and notes."""

    cine: Literal["mp4", "gif"] | None = None
    dicom: bool = False
    zip_archive: bool = False
    thumb_side: int = 320


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


def as_number(value, default: float = 0) -> float:
    try:
        if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
            value = value[0]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return default


def _header_fps(ds) -> float | None:
    for keyword in ("RecommendedDisplayFrameRate", "CineRate"):
        if keyword in ds and as_number(ds.get(keyword)) > 0:
            return as_number(ds.get(keyword))
    if "FrameTime" in ds and as_number(ds.get("FrameTime")) > 0:
        return 1000.0 / as_number(ds.get("FrameTime"))
    return None


def _header_window(ds) -> tuple[float, float] | None:
    if "WindowCenter" in ds and "WindowWidth" in ds:
        centre, width = as_number(ds.WindowCenter, None), as_number(ds.WindowWidth, None)  # type: ignore[arg-type]
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


def _name_identifiers(entry: InputItem, folder: Path) -> Identifiers:
    """What the file and folder names inside the case say about the patient (`SMITH_JOHN_1.jpg`)."""
    from radshare.core.deid.text import identifiers_from_names

    try:
        inner = entry.path.relative_to(folder)
    except ValueError:
        inner = Path(entry.path.name)
    return identifiers_from_names(Path(folder.name) / inner, *([entry.member] if entry.member else []))


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
        identifiers = identifiers.merge(_name_identifiers(entry, folder))
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
                series_number=int(as_number(ds.get("SeriesNumber"))),
                instance=int(as_number(ds.get("InstanceNumber"))),
                z=as_number(position[2]) if position is not None and len(position) == 3 else 0.0,
                frames=int(as_number(ds.get("NumberOfFrames"), 1) or 1),
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
class PlanJob:
    folder: Path
    case_id: str
    number: int
    key: str
    settings: Settings
    options: ExportOptions


def plan_job(job: PlanJob) -> tuple[str, "CasePlan | str"]:
    """Plan one case on any executor: (case id, plan), or (case id, reason) when it fails."""
    try:
        return job.case_id, plan_case(job.folder, job.case_id, job.number, job.key, job.settings, job.options)
    except InputError as exc:
        return job.case_id, str(exc)
    except Exception as exc:  # a bug must not stop the set nor leak a value
        return job.case_id, f"the case could not be read ({exc.__class__.__name__})"


