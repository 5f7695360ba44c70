"""Teaching notes of a case: `case.md`, `case.yaml`/`case.yml` or `case.toml` in the case folder.

Fields: title, history, findings, diagnosis, tags, references; any other section or key is kept
in `sections` so nothing the educator wrote is silently dropped (and all of it is scrubbed).

* `case.md`: optional YAML front matter between `---` lines; a first-level heading is the title;
  second-level headings ("## History", "## Findings", ...) start sections. Tags may be a comma
  list or bullets; references are bullets (or lines).
* `case.yaml` / `case.toml`: the fields as keys; tags and references as lists or strings.

Notes are written by clinicians and may name the patient: they are only ever written out after
`scrub_notes`. Errors name the notes file by its file name and the reason, never its content.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from radshare.core.deid.text import Replacement, scrub_text
from radshare.core.errors import InputError
from radshare.core.model import Identifiers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

NOTE_FILES = ("case.md", "case.markdown", "case.yaml", "case.yml", "case.toml")
FIELDS = ("title", "history", "findings", "diagnosis", "tags", "references")


@dataclass(frozen=True)
class CaseNotes:
    title: str = ""
    history: str = ""
    findings: str = ""
    diagnosis: str = ""
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()  # other headings/keys, in file order

    def is_empty(self) -> bool:
        return not any((self.title, self.history, self.findings, self.diagnosis, self.tags, self.references, self.sections))

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "history": self.history,
            "findings": self.findings,
            "diagnosis": self.diagnosis,
            "tags": list(self.tags),
            "references": list(self.references),
            "sections": {k: v for k, v in self.sections},
        }

    def to_markdown(self, fallback_title: str = "") -> str:
        lines = [f"# {self.title or fallback_title}".rstrip(), ""]
        for heading, text in (("History", self.history), ("Findings", self.findings), ("Diagnosis", self.diagnosis)):
            if text:
                lines += [f"## {heading}", "", text.strip(), ""]
        for heading, text in self.sections:
            if text:
                lines += [f"## {heading}", "", text.strip(), ""]
        if self.tags:
            lines += ["## Tags", "", ", ".join(self.tags), ""]
        if self.references:
            lines += ["## References", "", *[f"- {r}" for r in self.references], ""]
        return "\n".join(lines).rstrip() + "\n"


def find_notes_file(folder: Path) -> Path | None:
    """The notes file of a case folder (first of NOTE_FILES present, case-insensitive)."""
    try:
        present = {p.name.lower(): p for p in Path(folder).iterdir() if p.is_file()}
    except OSError:
        return None
    for name in NOTE_FILES:
        if name in present:
            return present[name]
    return None


def load_notes(folder_or_file: Path) -> CaseNotes | None:
    """Read a case's notes; None when the folder has none. Raises InputError when unreadable."""
    path = Path(folder_or_file)
    if path.is_dir():
        found = find_notes_file(path)
        if found is None:
            return None
        path = found
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name}: notes are not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path.name}: cannot read the notes ({exc.strerror})") from None
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return parse_markdown(text, path.name)
    if suffix in (".yaml", ".yml"):
        return from_mapping(_load_yaml(text, path.name), path.name)
    if suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path.name}: not valid TOML ({_position(str(exc))})") from None
        return from_mapping(data, path.name)
    raise InputError(f"{path.name}: unknown notes format")


def _position(message: str) -> str:
    """Keep only where a parser failed, never the text it quotes."""
    found = re.search(r"line \d+(?:,? column \d+)?", message)
    return found.group() if found else "syntax error"


def _load_yaml(text: str, name: str) -> Any:
    try:
        import yaml
    except ImportError:
        raise InputError(f"{name}: reading YAML notes needs the PyYAML package") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "syntax error"
        raise InputError(f"{name}: not valid YAML ({where})") from None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_as_text(v)}" for k, v in value.items())
    return str(value).strip()


def _as_list(value: Any, comma: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        items = [_as_text(v) for v in value]
    else:
        text = str(value)
        lines = [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line).strip() for line in text.splitlines()]
        items = [x for line in lines for x in (line.split(",") if comma else [line])]
    return tuple(dict.fromkeys(x.strip().lstrip("#").strip() if comma else x.strip() for x in items if x and x.strip()))


def from_mapping(data: Any, name: str = "notes") -> CaseNotes:
    if data is None:
        return CaseNotes()
    if not isinstance(data, dict):
        raise InputError(f"{name}: expected keys such as title, history, findings, diagnosis, tags")
    lowered = {str(k).strip().lower(): v for k, v in data.items()}
    sections = tuple((str(k), _as_text(v)) for k, v in data.items() if str(k).strip().lower() not in FIELDS)
    return CaseNotes(
        title=_as_text(lowered.get("title")).replace("\n", " "),
        history=_as_text(lowered.get("history")),
        findings=_as_text(lowered.get("findings")),
        diagnosis=_as_text(lowered.get("diagnosis")),
        tags=_as_list(lowered.get("tags"), comma=True),
        references=_as_list(lowered.get("references"), comma=False),
        sections=tuple((k, v) for k, v in sections if v),
    )


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LABEL = re.compile(r"^\s*(?:\*\*|__)?(history|findings|diagnosis|tags|references)\s*:\s*(?:\*\*|__)?\s*(.*)$", re.IGNORECASE)


def parse_markdown(text: str, name: str = "case.md") -> CaseNotes:
    meta: dict[str, Any] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        loaded = _load_yaml(front.group(1), name)
        if isinstance(loaded, dict):
            meta = loaded
        text = text[front.end() :]
    title = ""
    current: str | None = None
    preamble: list[str] = []
    sections: dict[str, list[str]] = {}
    order: list[str] = []
    for line in text.splitlines():
        labelled = _LABEL.match(line)
        if labelled and _HEADING.match(line) is None:  # "History: ..." or "**Findings:** ..."
            current = labelled.group(1).strip().capitalize()
            if current not in sections:
                sections[current] = []
                order.append(current)
            sections[current].append(labelled.group(2))
            continue
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not title and current is None:
            title = heading.group(2)
            continue
        if heading and len(heading.group(1)) <= 2:
            current = heading.group(2).strip()
            if current not in sections:
                sections[current] = []
                order.append(current)
            continue
        (sections[current] if current is not None else preamble).append(line)
    mapping: dict[str, Any] = {k: "\n".join(sections[k]).strip() for k in order}
    merged: dict[str, Any] = {}
    for key, value in mapping.items():
        field_name = key.lower().rstrip(":")
        merged[field_name if field_name in FIELDS else key] = value
    body = "\n".join(preamble).strip()
    if body:
        # text before the first section: the history, unless a History section exists
        merged["Notes" if "history" in merged else "history"] = body
    for key, value in meta.items():
        merged[str(key).lower() if str(key).lower() in FIELDS else str(key)] = value
    if title and not merged.get("title"):
        merged["title"] = title
    return from_mapping(merged, name)


def scrub_notes(notes: CaseNotes, identifiers: Identifiers | None) -> tuple[CaseNotes, list[Replacement]]:
    """The notes with every field scrubbed, and what was replaced (categories and counts)."""
    counts: Counter[str] = Counter()

    def scrub(value: str) -> str:
        result = scrub_text(value, identifiers)
        for r in result.replacements:
            counts[r.category] += r.count
        return result.text

    cleaned = replace(
        notes,
        title=scrub(notes.title),
        history=scrub(notes.history),
        findings=scrub(notes.findings),
        diagnosis=scrub(notes.diagnosis),
        tags=tuple(scrub(t) for t in notes.tags),
        references=tuple(scrub(r) for r in notes.references),
        sections=tuple((scrub(k), scrub(v)) for k, v in notes.sections),
    )
    return cleaned, [Replacement(c, n) for c, n in sorted(counts.items())]
