"""Reads the de-identification data in `resources/deid/` (see its README) into lookup tables.

The rules are data so that a reviewer can check them against the standard line by line; this
module only parses them and answers "which row governs this tag?" and "is this tag known safe?".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from radshare.core.errors import ConfigError
from radshare.core.resources import resource_path

TABLE_FILE = "ps3.15-e1-1.csv"
ADDITIONS_FILE = "radshare-additions.csv"
KNOWN_SAFE_FILE = "known-safe.csv"
SAFE_PRIVATE_FILE = "safe-private.csv"
CID7050_FILE = "cid7050.csv"
NARRATIVE_FILE = "narrative.csv"

# Column names of the option actions, in the table's order.
OPTION_COLUMNS = (
    "retain_safe_private",
    "retain_uids",
    "retain_device_identity",
    "retain_institution_identity",
    "retain_patient_characteristics",
    "retain_longitudinal_full_dates",
    "retain_longitudinal_modified_dates",
    "clean_descriptors",
    "clean_structured_content",
    "clean_graphics",
)
_TEXT_VRS = frozenset({"LO", "LT", "SH", "ST", "UT", "UC"})
ACTION_CODES = frozenset({"X", "Z", "D", "K", "C", "U", "X/Z", "X/D", "X/Z/D", "Z/D", "X/Z/U*"})


@dataclass(frozen=True)
class TagPattern:
    """A tag, possibly group-masked: "(60xx,3000)" matches (6000,3000), (6002,3000), ..."""

    text: str
    value: int
    mask: int  # bits that must equal `value`

    @classmethod
    def parse(cls, text: str) -> "TagPattern":
        digits = text.strip().strip("()").replace(",", "")
        if len(digits) != 8:
            raise ValueError(f"bad tag {text!r}")
        if digits.lower() == "ggggeeee":  # the standard's "private attributes" row
            return cls(text.strip(), 0, 0)
        value = mask = 0
        for char in digits:
            value <<= 4
            mask <<= 4
            if char.lower() == "x":
                continue
            value |= int(char, 16)
            mask |= 0xF
        return cls(text.strip(), value, mask)

    @property
    def is_masked(self) -> bool:
        return self.mask != 0xFFFFFFFF

    def matches(self, tag: int) -> bool:
        return (int(tag) & self.mask) == self.value


@dataclass(frozen=True)
class TableRow:
    """One attribute of Table E.1-1 (or of RadShare's additions)."""

    tag: TagPattern
    keyword: str
    name: str
    basic: str
    options: dict[str, str] = field(default_factory=dict)  # option column -> action code
    source: str = "PS3.15"

    def __hash__(self) -> int:  # dict field: hash by identity of the tag
        return hash(self.tag)


@dataclass(frozen=True)
class DeidTables:
    rows: dict[int, TableRow]  # exact tags
    masked_rows: list[TableRow]  # 50xx / 60xx rows, most specific first
    private_row: TableRow
    known_safe: frozenset[int]
    known_safe_values: frozenset[int]  # known safe and neither a sequence nor a UID: kept as they are
    known_safe_text: frozenset[int]  # known safe free text (scrubbed inside cleaned content)
    known_safe_masked: tuple[TagPattern, ...]
    safe_private: frozenset[tuple[str, int, int]]  # (creator, group, element byte)
    safe_private_creators: frozenset[tuple[str, int]]
    method_codes: dict[str, tuple[str, str]]  # option -> (code value, code meaning)
    narrative: frozenset[int] = frozenset()  # free-narrative attributes a profile may remove whole

    def row_for(self, tag: int) -> TableRow | None:
        """The row governing `tag`: its exact row, else the first masked row that matches."""
        tag = int(tag)
        row = self.rows.get(tag)
        if row is not None or not self._maybe_masked(tag):
            return row
        for masked in self.masked_rows:
            if masked.tag.matches(tag):
                return masked
        return None

    def is_known_safe(self, tag: int) -> bool:
        tag = int(tag)
        if tag in self.known_safe:
            return True
        return self._maybe_masked(tag) and any(p.matches(tag) for p in self.known_safe_masked)

    @staticmethod
    def _maybe_masked(tag: int) -> bool:
        """Only curve (50xx) and overlay (60xx) groups have masked rows: skip the scan for others."""
        return (tag >> 24) in (0x50, 0x60)

    def all_rows(self) -> list[TableRow]:
        return [*self.rows.values(), *self.masked_rows, self.private_row]


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as error:
        raise ConfigError(f"cannot read de-identification data {path.name}: {error.strerror}") from error


def _rows(path: Path, source: str) -> list[TableRow]:
    rows = []
    for number, record in enumerate(_read_csv(path), start=2):
        basic = record["basic"].strip()
        options = {c: record[c].strip() for c in OPTION_COLUMNS if record.get(c, "").strip()}
        for code in (basic, *options.values()):
            if code not in ACTION_CODES:
                raise ConfigError(f"{path.name} line {number}: unknown action code {code!r}")
        try:
            tag = TagPattern.parse(record["tag"])
        except ValueError as error:
            raise ConfigError(f"{path.name} line {number}: {error}") from None
        rows.append(TableRow(tag, record["keyword"].strip(), record["name"].strip(), basic, options, source))
    return rows


@lru_cache(maxsize=4)
def load_tables(folder: str | None = None) -> DeidTables:
    """Parse the data files once per process (they are read-only while RadShare runs)."""
    base = Path(folder) if folder else resource_path("deid")
    exact: dict[int, TableRow] = {}
    masked: list[TableRow] = []
    private_row = None
    for row in [*_rows(base / TABLE_FILE, "PS3.15"), *_rows(base / ADDITIONS_FILE, "RadShare")]:
        if row.tag.text.lower() == "(gggg,eeee)":
            private_row = row
        elif row.tag.is_masked:
            masked.append(row)
        else:
            exact[row.tag.value] = row
    if private_row is None:
        raise ConfigError(f"{TABLE_FILE} has no private attributes row (gggg,eeee)")
    masked.sort(key=lambda r: -bin(r.tag.mask).count("1"))  # (60xx,3000) before (50xx,xxxx)
    safe_exact: set[int] = set()
    safe_values: set[int] = set()
    safe_text: set[int] = set()
    safe_masked: list[TagPattern] = []
    for record in _read_csv(base / KNOWN_SAFE_FILE):
        pattern = TagPattern.parse(record["tag"])
        if pattern.is_masked:
            safe_masked.append(pattern)
        else:
            safe_exact.add(pattern.value)
            vrs = set(record.get("vr", "SQ").split(" or "))
            if not {"SQ", "UI"} & vrs:
                safe_values.add(pattern.value)
            if vrs & _TEXT_VRS:
                safe_text.add(pattern.value)
    safe_private = set()
    for record in _read_csv(base / SAFE_PRIVATE_FILE):
        safe_private.add((record["creator"].strip(), int(record["group"], 16), int(record["element"], 16)))
    codes = {r["option"]: (r["code"].strip(), r["meaning"].strip()) for r in _read_csv(base / CID7050_FILE)}
    return DeidTables(
        rows=exact,
        masked_rows=masked,
        private_row=private_row,
        known_safe=frozenset(safe_exact),
        known_safe_values=frozenset(safe_values),
        known_safe_text=frozenset(safe_text),
        known_safe_masked=tuple(safe_masked),
        safe_private=frozenset(safe_private),
        safe_private_creators=frozenset((c, g) for c, g, _ in safe_private),
        method_codes=codes,
        narrative=_narrative(base / NARRATIVE_FILE),
    )


def _narrative(path: Path) -> frozenset[int]:
    from pydicom.datadict import tag_for_keyword

    tags = set()
    for number, record in enumerate(_read_csv(path), start=2):
        tag = tag_for_keyword(record["keyword"].strip())
        if tag is None:
            raise ConfigError(f"{path.name} line {number}: unknown keyword {record['keyword']!r}")
        tags.add(tag)
    return frozenset(tags)
