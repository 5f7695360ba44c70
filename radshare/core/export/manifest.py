"""The case set's manifest (`manifest.json`, `manifest.csv`) and its stable case numbering.

Case numbers are kept in `manifest.json` as a mapping from a keyed hash of each case's source
(HMAC under the installation key, so it names nothing) to its number. A re-export reuses the
numbers; a case added later gets the next free number, so no other case is renumbered.

Nothing here holds an identifier: titles, diagnoses and tags come from scrubbed notes, paths
are the pseudonymous output paths, and counts are counts.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from radshare import __version__
from radshare.core.fsutil import atomic_write_text

MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
CASE_JSON = "case.json"
CSV_COLUMNS = ("case_id", "title", "modalities", "images", "series", "cine_loops", "photos", "dicom_files", "diagnosis", "tags")


@dataclass
class CaseEntry:
    """One exported case, as listed in the manifest and the case book."""

    case_id: str
    number: int
    key: str  # keyed hash of the case's source folder: stable, names nothing
    title: str = ""
    modalities: list[str] = field(default_factory=list)
    images: int = 0  # key images (series key images and photos)
    series: int = 0
    cine_loops: int = 0
    photos: int = 0
    dicom_files: int = 0
    diagnosis: str = ""
    tags: list[str] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)  # images/cine/thumbs/notes: paths relative to OUT
    captions: dict[str, str] = field(default_factory=dict)  # relative image path -> short caption
    complete: bool = True  # False when a file of the case failed: a re-run redoes the case
    errors: int = 0
    notes: dict[str, Any] = field(default_factory=dict)  # scrubbed notes (case.json only)

    def to_json(self, include_notes: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not include_notes:
            data.pop("notes")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CaseEntry":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def csv_row(self) -> dict[str, str | int]:
        return {
            "case_id": self.case_id,
            "title": self.title,
            "modalities": " ".join(self.modalities),
            "images": self.images,
            "series": self.series,
            "cine_loops": self.cine_loops,
            "photos": self.photos,
            "dicom_files": self.dicom_files,
            "diagnosis": self.diagnosis,
            "tags": "; ".join(self.tags),
        }


def case_key(key: bytes, source_name: str) -> str:
    """A keyed, non-reversible name for a case source (its folder name)."""
    return hmac.new(key, b"radshare-case\x1f" + source_name.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def case_id(number: int) -> str:
    return f"Case-{number:02d}"


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of an earlier export into `out`, or an empty one (also when damaged)."""
    path = Path(out) / MANIFEST_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"case_keys": {}, "cases": []}
    if not isinstance(data, dict):
        return {"case_keys": {}, "cases": []}
    data.setdefault("case_keys", {})
    data.setdefault("cases", [])
    return data


def known_numbers(out: Path) -> dict[str, int]:
    """Case key -> number from the manifest, completed by the case folders' own case.json."""
    numbers = {str(k): int(v) for k, v in read_manifest(out).get("case_keys", {}).items()}
    for case_json in sorted(Path(out).glob(f"Case-*/{CASE_JSON}")):
        try:
            data = json.loads(case_json.read_text(encoding="utf-8"))
            numbers.setdefault(str(data["key"]), int(data["number"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return numbers


def assign_numbers(existing: dict[str, int], keys_in_order: list[str]) -> dict[str, int]:
    """Numbers for `keys_in_order`: known keys keep theirs, new ones get the next free numbers."""
    numbers = dict(existing)
    used = set(numbers.values())
    next_free = 1
    for key in keys_in_order:
        if key in numbers:
            continue
        while next_free in used:
            next_free += 1
        numbers[key] = next_free
        used.add(next_free)
    return numbers


def write_manifest(out: Path, entries: list[CaseEntry], numbers: dict[str, int]) -> None:
    """manifest.json (with the numbering) and manifest.csv, atomically."""
    entries = sorted(entries, key=lambda e: e.number)
    data = {
        "radshare": __version__,
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "case_keys": dict(sorted(numbers.items(), key=lambda kv: kv[1])),
        "cases": [e.to_json(include_notes=False) for e in entries],
    }
    atomic_write_text(Path(out) / MANIFEST_JSON, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(entry.csv_row())
    atomic_write_text(Path(out) / MANIFEST_CSV, buffer.getvalue())


def read_case_entry(case_dir: Path) -> CaseEntry | None:
    try:
        return CaseEntry.from_json(json.loads((Path(case_dir) / CASE_JSON).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_case_entry(case_dir: Path, entry: CaseEntry) -> None:
    atomic_write_text(Path(case_dir) / CASE_JSON, json.dumps(entry.to_json(), indent=2, ensure_ascii=False) + "\n")
