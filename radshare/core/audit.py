"""The report: what happened to each input, as actions and counts, never patient values.

The report maps inputs to outputs, so it holds input paths (which may carry names): it is
written only where the user asks, never inside the output folder.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from radshare import __version__
from radshare.core.fsutil import atomic_write_text

Status = Literal["ok", "error", "skipped"]


def empty_actions() -> dict[str, int]:
    return {"removed": 0, "replaced": 0, "emptied": 0, "uids": 0}


@dataclass
class FileReport:
    input: str
    outputs: list[str] = field(default_factory=list)
    status: Status = "ok"
    error: str | None = None
    kind: str | None = None  # dicom | photo | None when unknown
    text_regions: int = 0
    actions: dict[str, int] = field(default_factory=empty_actions)
    text_redaction: str = "off"  # the detector that ran, or why none did
    needs_text_review: bool = False  # pixels may carry text and no redaction ran
    identifier_hits: int = 0  # regions whose OCR text matched the image's own identifiers
    resumed: bool = False  # output existed from an earlier run and was verified
    merged: list[str] = field(default_factory=list)  # other inputs that were the same instance

    def to_json(self) -> dict[str, Any]:
        entry = asdict(self)
        for key in ("input", "error"):
            if entry[key] is not None:
                entry[key] = printable(entry[key])
        entry["outputs"] = [printable(o) for o in entry["outputs"]]
        entry["merged"] = [printable(m) for m in entry["merged"]]
        return entry


def printable(text: str) -> str:
    """`text` safe for one line of a terminal or a JSON report: bytes of a file name that are not
    UTF-8 (which Python keeps as surrogates) become \\xNN, and control characters become escapes,
    so a newline in a file name cannot forge a line of output."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def error_report(display: str, reason: str, kind: str | None = None) -> FileReport:
    return FileReport(input=display, status="error", error=reason, kind=kind)


def skipped_report(display: str, reason: str, kind: str | None = None) -> FileReport:
    return FileReport(input=display, status="skipped", error=reason, kind=kind)


@dataclass
class Report:
    profile: str
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    files: list[FileReport] = field(default_factory=list)
    _t0: float = field(default_factory=time.monotonic, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, entry: FileReport) -> None:
        self.files.append(entry)

    def counts(self) -> dict[str, int]:
        counts = {"ok": 0, "error": 0, "skipped": 0}
        for entry in self.files:
            counts[entry.status] += 1
        return counts

    def totals(self) -> dict[str, int]:
        totals = empty_actions() | {"text_regions": 0, "needs_text_review": 0}
        for entry in self.files:
            for key, value in entry.actions.items():
                totals[key] = totals.get(key, 0) + value
            totals["text_regions"] += entry.text_regions
            totals["needs_text_review"] += int(entry.needs_text_review)
        return totals

    def to_json(self) -> dict[str, Any]:
        summary: dict[str, Any] = self.counts()
        summary["seconds"] = round(time.monotonic() - self._t0, 3)
        return {
            "radshare": __version__,
            "profile": self.profile,
            "started": self.started,
            "files": [entry.to_json() for entry in self.files],
            "summary": summary,
            **self.extra,
        }

    def write(self, path: Path) -> None:
        atomic_write_text(Path(path), json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")
