"""The GUI's calls into radshare.core, as plain functions a worker can run.

Nothing here touches Qt: each function is what the CLI could do through the same core modules.
Core modules still being written by others are imported when first used, so the window opens
(and says what is unavailable) in an installation that lacks one.
"""

from __future__ import annotations

import copy
import re
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from typing import TYPE_CHECKING

from radshare.gui.lazy import lazy

if TYPE_CHECKING:
    import numpy as np

    from radshare.core.model import Identifiers, Image, TextRegion

model = lazy("radshare.core.model")

Progress = Callable[..., None] | None
Cancel = Callable[[], bool] | None


class Unavailable(RuntimeError):
    """A part of RadShare that this installation does not have."""


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
    action: str  # removed | emptied | replaced | kept | shifted | cleaned
    result: str
    reason: str = ""
    removed: tuple = ()  # cleaned text: (start, end, category) spans of `full` the cleaner changed
    full: str = ""  # the whole original value (`original` may be shortened for the table)

    def removed_words(self) -> list[str]:
        """The words the vocabulary did not know (category "word"), in order, once each."""
        words = [self.full[s:e] for s, e, c in self.removed if c == "word"]
        return list(dict.fromkeys(w for part in words for w in re.findall(r"[^\W_]+(?:['’][^\W_]+)*", part)))


ACTION_WORDS = {
    "X": "removed", "D": "replaced", "Z": "emptied", "K": "kept", "C": "cleaned", "U": "replaced",
    "remove": "removed", "removed": "removed", "delete": "removed", "replace": "replaced",
    "replaced": "replaced", "empty": "emptied", "emptied": "emptied", "keep": "kept", "kept": "kept",
    "clean": "cleaned", "cleaned": "cleaned", "uid": "replaced", "shift": "shifted", "shifted": "shifted",
}


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


def _first_attr(obj: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _row(planned: Any) -> WhatIfRow:
    path = str(_first_attr(planned, "path", default=""))
    tags = re.findall(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", path)
    tag = f"({tags[-1][0]},{tags[-1][1]})" if tags else str(_first_attr(planned, "tag", default=""))
    keyword = str(_first_attr(planned, "keyword", "name", default=""))
    name = re.sub(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)\s*", "", path).strip() or keyword or tag
    original = _first_attr(planned, "original", "original_value", "value", default="")
    action = str(_first_attr(planned, "action", "verb", default=""))
    result = _first_attr(planned, "new_value", "new", "result", default="")
    word = ACTION_WORDS.get(action, ACTION_WORDS.get(action.lower(), action.lower() or "kept"))
    group = _group_for(tag, name)
    if "file meta" in str(_first_attr(planned, "reason", default="")):
        group = "File meta"
    return WhatIfRow(group, tag, name, _short(original), word, _short(result),
                     str(_first_attr(planned, "reason", default="")),
                     tuple(_first_attr(planned, "removed", default=()) or ()), str(original))


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


# --- burned-in text ------------------------------------------------------------------------


def identifiers_of(image: Image) -> Identifiers:
    """The header's identifiers and those the input's file and folder names carry."""
    from radshare.core.deid.identifiers import image_identifiers

    return image_identifiers(image)


def detect_text(image: Image, mode: str = "auto", progress: Progress = None, cancel: Cancel = None) -> list[TextRegion]:
    """Burned-in text candidates on every frame, read by OCR and matched to the identifiers.

    Uses redact.detect.detect_frames (+ redact.ocr.read_regions) when present; otherwise the
    whole-image entry points the pipeline uses (redact_dicom / redact_photo) on a copy, keeping
    only the regions they report.
    """
    identifiers = identifiers_of(image)
    try:
        from radshare.core.redact.detect import detect_frames
    except ImportError:
        return _detect_through_redact(image, identifiers, mode)
    kwargs: dict[str, Any] = {}
    params = inspect.signature(detect_frames).parameters
    for name, value in (("progress", progress), ("cancel", cancel), ("mode", mode),
                        ("context", detection_context(image)), ("identifiers", identifiers)):
        if name in params:
            kwargs[name] = value
    regions = list(detect_frames(image.frames, **kwargs))
    if cancel is not None and cancel():
        return []
    try:
        from radshare.core.redact.ocr import read_regions
    except ImportError:
        return regions
    # read each region on the frame it belongs to (frame=None: the first), as redact_dicom does;
    # device templates, ultrasound rules and faces are not text to read
    by_frame: dict[int, list[TextRegion]] = {}
    for region in regions:
        if region.source in ("template", "ultrasound", "face"):
            continue
        by_frame.setdefault(region.frame or 0, []).append(region)
    for index, (frame, group) in enumerate(by_frame.items()):
        if cancel is not None and cancel():
            break
        read_regions(image.frames[frame], group, identifiers)
    return regions


def _detect_through_redact(image: Image, identifiers, mode: str) -> list[TextRegion]:
    try:
        from radshare.core import redact
    except ImportError as exc:
        raise Unavailable("burned-in text detection is not available in this installation") from exc
    if image.kind == "dicom" and hasattr(redact, "redact_dicom"):
        outcome = redact.redact_dicom(copy.deepcopy(image.dataset), identifiers, mode=mode)
    elif image.kind == "photo" and hasattr(redact, "redact_photo"):
        _pixels, outcome = redact.redact_photo(image.frames[0].copy(), identifiers, mode=mode)
    else:
        raise Unavailable("burned-in text detection is not available in this installation")
    return list(getattr(outcome, "regions", []) or [])


def detection_context(image: Image) -> Any:
    """What the header says about the device, for templates and ultrasound regions (None for photos)."""
    if image.dataset is None:
        return None
    try:
        from radshare.core.redact.detect import DetectContext
    except ImportError:
        return image.dataset
    return DetectContext.from_dataset(image.dataset)


def paint_regions(image: Image, regions: list[TextRegion], frames: np.ndarray | None = None) -> np.ndarray:
    """A copy of the frames with every region not kept painted out (fill or blur per region)."""
    source = image.frames if frames is None else frames
    painted = [r for r in regions if not r.keep]
    if not painted:
        return source
    try:
        from radshare.core.redact.apply import apply_regions
    except ImportError as exc:  # never export the unpainted pixels instead
        raise Unavailable("painting text boxes out needs the redaction module, which this installation "
                          "lacks; nothing was exported") from exc
    import numpy as np

    return apply_regions(np.array(source, copy=True), painted, image.photometric)


def copy_image_without_pixels(image: Image) -> Image:
    clone = copy.copy(image)
    clone.dataset = copy.deepcopy(image.dataset) if image.dataset is not None else None
    return clone


# --- environment ---------------------------------------------------------------------------


def tesseract_version() -> str:
    try:
        import pytesseract

        return str(pytesseract.get_tesseract_version()).split()[0]
    except Exception:  # not installed or not on PATH: About says so
        return "not found"


def redaction_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("radshare.core.redact.apply") is not None
    except (ImportError, ValueError):
        return False


def detection_available() -> bool:
    import importlib.util

    try:
        if importlib.util.find_spec("radshare.core.redact.detect") is not None:
            return True
        from radshare.core import redact

        return hasattr(redact, "redact_dicom")
    except (ImportError, ValueError):
        return False


def composer_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("radshare.gui.composer") is not None
    except (ImportError, ValueError):
        return False
