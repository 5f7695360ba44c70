"""Sidecar JSON for one image's editable work: annotations, reviewed text regions, alt text.

Annotations stay data until export (render.py burns them in), so a session can be closed and
re-opened. The sidecar never holds what OCR read (`TextRegion.text` is for the screen only) nor
the input's path: the file is named by a hash of the image's identity, and written atomically,
so a crash leaves the previous sidecar whole.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radshare.core.fsutil import atomic_write_text
from radshare.core.model import Annotation, Image, TextRegion

FORMAT = "radshare-sidecar"
VERSION = 1
REVIEW_STATES = ("not reviewed", "reviewed", "no text found")


@dataclass
class Sidecar:
    annotations: list[Annotation] = field(default_factory=list)
    regions: list[TextRegion] = field(default_factory=list)
    review: str = "not reviewed"
    alt_text: str = ""

    @classmethod
    def of(cls, image: Image) -> "Sidecar":
        return cls(list(image.annotations), list(image.regions), image.review, image.alt_text)

    def apply_to(self, image: Image) -> None:
        image.annotations = list(self.annotations)
        image.regions = list(self.regions)
        image.review = self.review  # type: ignore[assignment]
        image.alt_text = self.alt_text


def image_key(image: Image) -> str:
    """A stable, non-identifying name for an image's sidecar (SHA-256 of its identity)."""
    identity = image.origin
    ds = image.dataset
    uid = getattr(ds, "SOPInstanceUID", None) if ds is not None else None
    if uid:
        identity = f"uid:{uid}"
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def sidecar_path(folder: Path, image: Image) -> Path:
    return Path(folder) / f"{image_key(image)}.json"


def region_to_json(region: TextRegion) -> dict[str, Any]:
    return {
        "x": int(region.x), "y": int(region.y), "w": int(region.w), "h": int(region.h),
        "frame": region.frame, "source": region.source, "confidence": float(region.confidence),
        "is_identifier": bool(region.is_identifier), "keep": bool(region.keep), "fill": region.fill,
    }


def region_from_json(data: dict[str, Any]) -> TextRegion:
    fill = data.get("fill", "solid")
    return TextRegion(
        x=int(data["x"]), y=int(data["y"]), w=int(data["w"]), h=int(data["h"]),
        frame=data.get("frame"), source=str(data.get("source", "user")),
        confidence=float(data.get("confidence", 0.0)),
        is_identifier=bool(data.get("is_identifier", False)), keep=bool(data.get("keep", False)),
        fill=fill if fill in ("solid", "blur") else "solid",
    )


def to_json(sidecar: Sidecar) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "annotations": [a.to_json() for a in sidecar.annotations],
        "regions": [region_to_json(r) for r in sidecar.regions],
        "review": sidecar.review,
        "alt_text": sidecar.alt_text,
    }


def from_json(data: dict[str, Any]) -> Sidecar:
    if data.get("format") != FORMAT:
        raise ValueError("not a RadShare sidecar")
    if int(data.get("version", 0)) > VERSION:
        raise ValueError("sidecar written by a newer RadShare")
    review = data.get("review", "not reviewed")
    return Sidecar(
        annotations=[Annotation.from_json(a) for a in data.get("annotations", [])],
        regions=[region_from_json(r) for r in data.get("regions", [])],
        review=review if review in REVIEW_STATES else "not reviewed",
        alt_text=str(data.get("alt_text", "")),
    )


def write_sidecar(path: Path, sidecar: Sidecar) -> None:
    """Write atomically: the old sidecar stays whole until the new one is complete."""
    atomic_write_text(Path(path), json.dumps(to_json(sidecar), indent=1, ensure_ascii=False))


def read_sidecar(path: Path) -> Sidecar | None:
    """The sidecar at `path`, or None when there is none. A damaged file raises ValueError."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("the sidecar file is damaged") from exc
    try:
        return from_json(data)
    except (KeyError, TypeError) as exc:
        raise ValueError("the sidecar file is damaged") from exc
