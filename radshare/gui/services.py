"""The GUI's calls into radshare.core, as plain functions a worker can run.

Nothing here touches Qt: each function is what the CLI could do through the same core modules,
called with their real signatures. Core modules are imported when first used, so the window
opens quickly; none of them is optional, and a failure is reported, never papered over.
`detection_status()`, `redaction_status()` and `composer_status()` say whether a part can run
here, asking core itself (an import attempt and the detector's own `available()`), and if not,
why: the app disables that part and shows the reason.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import numpy as np

    from radshare.core.deid.header import PlannedAction
    from radshare.core.model import Identifiers, Image, TextRegion
    from radshare.core.redact.detect import DetectContext

Progress = Callable[..., None] | None
Cancel = Callable[[], bool] | None


class Unavailable(RuntimeError):
    """A part of RadShare that this installation does not have (kept for the canvas's preview)."""


# --- loading -------------------------------------------------------------------------------


def load_paths(paths: list[str], progress: Progress = None, cancel: Cancel = None):
    """Images and InputErrors, as sources.load_paths yields them."""
    from radshare.core.sources import load_paths as core_load_paths

    return core_load_paths([Path(p) for p in paths], progress=progress, cancel=cancel)


def group_series(images: list[Image]):
    from radshare.core.sources import group_series as core_group

    return core_group(images)


# --- settings ------------------------------------------------------------------------------


def pipeline_settings(profile: str, text_redaction: str = "auto"):
    from radshare.core import pipeline

    return pipeline.settings_for_installation(profile=profile, text_redaction=text_redaction)


# --- what-if -------------------------------------------------------------------------------


@dataclass
class WhatIfRow:
    group: str  # "Header", "Private tags", "Overlays and curves", "Photo metadata"
    tag: str
    name: str
    original: str
    action: str  # removed | emptied | replaced | kept | shifted | cleaned (header.PlannedAction's words)
    result: str
    reason: str = ""
    removed: tuple = ()  # cleaned text: (start, end, category) spans of `full` the cleaner changed
    full: str = ""  # the whole original value (`original` may be shortened for the table)

    def removed_words(self) -> list[str]:
        """The words the vocabulary did not know (category "word"), in order, once each."""
        words = [self.full[s:e] for s, e, c in self.removed if c == "word"]
        return list(dict.fromkeys(w for part in words for w in re.findall(r"[^\W_]+(?:['’][^\W_]+)*", part)))


def describe_image(image: Image, profile: str) -> list[WhatIfRow]:
    """What de-identification will do to this image, attribute by attribute."""
    if image.kind == "photo":
        metadata = image.photo_metadata
        if not metadata and image.origin:
            metadata = _photo_metadata(image.origin)
        return [WhatIfRow("Photo metadata", "", name, value, "removed", "") for name, value in metadata.items()]
    from radshare.core.deid.clean import describe_dataset as describe

    settings = pipeline_settings(profile)
    from radshare.core import pipeline

    planned = describe(image.dataset, pipeline.profile_for(settings), pipeline.pseudonymizer_for(settings))
    return [_row(p) for p in planned]


def _photo_metadata(origin: str) -> dict[str, str]:
    from radshare.core.deid.photo import describe_photo_metadata

    path = Path(origin.split("!", 1)[0])
    if "!" in origin or not path.is_file():
        return {}
    return describe_photo_metadata(path.read_bytes())


def _row(planned: PlannedAction) -> WhatIfRow:
    tags = re.findall(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", planned.path)
    tag = f"({tags[-1][0]},{tags[-1][1]})" if tags else ""
    name = re.sub(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)\s*", "", planned.path).strip() or planned.keyword or tag
    group = "File meta" if "file meta" in planned.reason else _group_for(tag, name)
    return WhatIfRow(group, tag, name, _short(planned.original), planned.action, _short(planned.new_value),
                     planned.reason, tuple(planned.removed), str(planned.original))


def _group_for(tag: str, name: str) -> str:
    text = tag.replace("(", "").replace(")", "").replace(",", "").replace(" ", "")
    try:
        group = int(text[:4], 16)
    except ValueError:
        return "Header"
    if group % 2 == 1:
        return "Private tags"
    if 0x5000 <= group <= 0x50FF or 0x6000 <= group <= 0x60FF:
        return "Overlays and curves"
    return "Header"


def _short(value: Any, limit: int = 120) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def add_to_vocabulary(word: str) -> tuple[str | None, str]:
    """Add one word to the user's personal vocabulary, only ever on their request (the
    de-identification panel, the composer's held-back words): (the word as stored, "") or
    (None, why it was not added)."""
    from radshare.core.deid.vocabulary import add_personal_word
    from radshare.core.errors import ConfigError

    if not word.strip():
        return None, ""
    try:
        return add_personal_word(word.strip()), ""
    except (ConfigError, OSError) as exc:
        return None, f"The word could not be added: {exc}"


# --- burned-in text ------------------------------------------------------------------------


def identifiers_of(image: Image) -> Identifiers:
    """The header's identifiers and those the input's file and folder names carry."""
    from radshare.core.shareable import identifiers_of as core_identifiers_of

    return core_identifiers_of(image)


def detect_text(image: Image, mode: str = "auto", progress: Progress = None, cancel: Cancel = None) -> list[TextRegion]:
    """Burned-in text candidates on every frame, in every view (core search.search_frames), read by
    OCR and matched to the identifiers."""
    from radshare.core.redact.ocr import read_regions
    from radshare.core.redact.search import search_frames

    identifiers = identifiers_of(image)
    regions = search_frames(image.frames, image.dataset, detection_context(image), mode, progress=progress, cancel=cancel)
    if cancel is not None and cancel():
        return []
    # read each region on the frame it belongs to (frame=None: the first), as redact_dicom does;
    # device templates, ultrasound rules and faces are not text to read
    by_frame: dict[int, list[TextRegion]] = {}
    for region in regions:
        if region.source in ("template", "ultrasound", "face"):
            continue
        by_frame.setdefault(region.frame or 0, []).append(region)
    for frame, group in by_frame.items():
        if cancel is not None and cancel():
            break
        read_regions(image.frames[frame], group, identifiers)
    return regions


def detection_context(image: Image) -> DetectContext | None:
    """What the header says about the device, for templates and ultrasound regions (None for photos)."""
    if image.dataset is None:
        return None
    from radshare.core.redact.detect import DetectContext

    return DetectContext.from_dataset(image.dataset)


def paint_regions(image: Image, regions: list[TextRegion], frames: np.ndarray | None = None) -> np.ndarray:
    """A copy of the frames with every region not kept painted out (the canvas's preview)."""
    from radshare.core.shareable import Review, painted_frames

    source = image if frames is None else dataclasses.replace(image, frames=frames)
    return painted_frames(source, Review(tuple(regions)))


# --- environment ---------------------------------------------------------------------------


def tesseract_version() -> str:
    try:
        import pytesseract

        return str(pytesseract.get_tesseract_version()).split()[0]
    except Exception:  # not installed or not on PATH: About says so
        return "not found"


# --- what this installation can do ----------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Whether a part of RadShare can run in this installation, and if not, why (product words)."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


_STATUS: dict[str, Availability] = {}
_STATUS_LOCK = threading.Lock()


def _cached(name: str, check: Callable[[], Availability]) -> Availability:
    """`check()` once per process: what is installed does not change while the app runs."""
    with _STATUS_LOCK:
        if name not in _STATUS:
            _STATUS[name] = check()
        return _STATUS[name]


def forget_availability() -> None:
    """Ask again next time (tests change what is installed)."""
    with _STATUS_LOCK:
        _STATUS.clear()


def _imports(*modules: str) -> str:
    """"" when every module imports, else why the first one cannot (an import is the honest check:
    a module file can be present while a library it needs is missing)."""
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any failure to load is the answer
            return f"{module.rsplit('.', 1)[-1]} cannot load ({type(exc).__name__}: {exc})"
    return ""


def _detection() -> Availability:
    failed = _imports("radshare.core.redact.detect", "radshare.core.redact.ocr")
    if failed:
        return Availability(False, f"Text detection is not available in this installation: {failed}.")
    from radshare.core.redact import dbnet

    if not dbnet.available():  # the learned detector: onnxruntime and its model file
        missing = _imports("onnxruntime") or "the text detector's model file is missing from resources/models"
        return Availability(False, f"Text detection is not available in this installation: {missing}.")
    from radshare.core.redact.ocr import engine_version

    try:
        engine_version()
    except Exception as exc:  # noqa: BLE001 - no OCR engine: found text could not be read
        return Availability(False, "Text detection is not available in this installation: the OCR engine "
                                   f"(tesseract) cannot start ({type(exc).__name__}).")
    return Availability(True)


def detection_status() -> Availability:
    """Whether Detect can run: the detector and OCR modules load, the learned detector (onnxruntime
    and its model file, `dbnet.available()`) and the OCR engine are present."""
    return _cached("detection", _detection)


def redaction_status() -> Availability:
    """Whether text regions can be painted out (the export preview): the painting modules load."""
    def check() -> Availability:
        failed = _imports("radshare.core.redact.apply", "radshare.core.shareable")
        return Availability(not failed, f"Painting out text is not available in this installation: {failed}." if failed else "")

    return _cached("redaction", check)


def composer_status() -> Availability:
    """Whether the Post dialog can open: it and the uploader modules it needs load."""
    def check() -> Availability:
        failed = _imports("radshare.gui.composer", "radshare.uploaders.accounts", "radshare.uploaders.registry",
                          "radshare.uploaders.gate")
        return Availability(not failed, f"Posting is not available in this installation: {failed}." if failed else "")

    return _cached("composer", check)


def detection_available() -> bool:
    return detection_status().ok


def redaction_available() -> bool:
    return redaction_status().ok


def composer_available() -> bool:
    return composer_status().ok
