"""De-identification profiles: a name plus the PS3.15 options it turns on (resources/profiles/*.toml).

A profile file looks like:

    name = "teaching"
    description = "..."
    [options]
    retain_patient_characteristics = true
    retain_longitudinal = "off"        # off | full | modified
    [pseudonyms]
    attributes = ["PatientName", "PatientID"]

`load_profile("teaching")` finds the bundled file; `load_profile("/path/my.toml")` reads any file
of that shape. Which action an attribute gets under a profile is `action_for(row, options)`: the
table's basic code, overridden by the code in the column of each option that is on.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

from radshare.core.errors import ConfigError
from radshare.core.resources import resource_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from radshare.core.deid.table import TableRow

DEFAULT_PROFILE = "teaching"
Longitudinal = Literal["off", "full", "modified"]

# A combined code lets the de-identifier choose. Without knowing the IOD we choose what keeps any
# file valid: a dummy wherever the standard allows one (it exists for Type 1 attributes), an empty
# value over removal (Type 2), and for X/Z/U* sequences: keep them, replacing the UIDs inside.
COMBINED_CHOICE = {"X/Z": "Z", "X/D": "D", "X/Z/D": "D", "Z/D": "D", "X/Z/U*": "U*"}


@dataclass(frozen=True)
class Options:
    """The PS3.15 Annex E options (E.3). False / "off" everywhere is the Basic Profile."""

    retain_safe_private: bool = False
    retain_uids: bool = False
    retain_device_identity: bool = False
    retain_institution_identity: bool = False
    retain_patient_characteristics: bool = False
    retain_longitudinal: Longitudinal = "off"
    clean_descriptors: bool = False
    clean_structured_content: bool = False
    clean_graphics: bool = False
    clean_pixel_data: bool = True  # burned-in text redaction (done by radshare.core.redact, not here)
    # RadShare's own: the free-narrative attributes of resources/deid/narrative.csv are removed whole
    # even where Clean Descriptors would clean them (histories belong in the educator's notes)
    remove_narrative: bool = False

    def __post_init__(self) -> None:
        if self.retain_longitudinal not in ("off", "full", "modified"):
            raise ConfigError(f"retain_longitudinal must be off, full or modified, not {self.retain_longitudinal!r}")

    def enabled_columns(self) -> list[str]:
        """The table's option columns that apply, in the table's column order."""
        columns = []
        for name in (
            "retain_safe_private",
            "retain_uids",
            "retain_device_identity",
            "retain_institution_identity",
            "retain_patient_characteristics",
        ):
            if getattr(self, name):
                columns.append(name)
        if self.retain_longitudinal == "full":
            columns.append("retain_longitudinal_full_dates")
        elif self.retain_longitudinal == "modified":
            columns.append("retain_longitudinal_modified_dates")
        for name in ("clean_descriptors", "clean_structured_content", "clean_graphics"):
            if getattr(self, name):
                columns.append(name)
        return columns

    def applied(self) -> list[str]:
        """Names of the options in force, as used in cid7050.csv and in HeaderResult."""
        names = [c for c in self.enabled_columns() if not c.startswith("retain_longitudinal")]
        if self.retain_longitudinal != "off":
            names.append(f"retain_longitudinal_{self.retain_longitudinal}")
        return names


@dataclass(frozen=True)
class Profile:
    name: str
    options: Options = field(default_factory=Options)
    description: str = ""
    pseudonym_attributes: tuple[str, ...] = ("PatientName", "PatientID")
    source: str = ""  # the file it came from (for messages; never holds patient data)


def action_for(row: TableRow, options: Options) -> str:
    """The one action code for `row` under `options` (combined codes already resolved)."""
    return action_with_source(row, options)[0]


@lru_cache(maxsize=8192)
def action_with_source(row: TableRow, options: Options) -> tuple[str, str]:
    """The action code for `row` under `options`, and which column decided it ("basic" or an option).

    When several enabled options name this attribute, keeping beats cleaning (a Retain option is an
    explicit request to keep), and cleaning beats the basic action. Combined codes are resolved by
    COMBINED_CHOICE.
    """
    named = [(row.options[c], c) for c in options.enabled_columns() if c in row.options]
    for wanted in ("K", "C"):
        for code, column in named:
            if code == wanted:
                return code, _column_label(column)
    if named:
        code, column = named[0]
        return COMBINED_CHOICE.get(code, code), _column_label(column)
    return COMBINED_CHOICE.get(row.basic, row.basic), "basic"


def _column_label(column: str) -> str:
    return column.replace("_", " ").title().replace("Uids", "UIDs")


def profiles_dir() -> Path:
    return resource_path("profiles")


def available_profiles() -> list[str]:
    """Names of the bundled profiles, sorted."""
    return sorted(p.stem for p in profiles_dir().glob("*.toml"))


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    """A bundled profile by name, or any profile file by path; ConfigError when neither works."""
    text = str(name_or_path).strip()
    candidate = Path(text).expanduser()
    if text.endswith(".toml") or candidate.is_file() or "/" in text or "\\" in text:
        path = candidate
        if not path.is_file():
            raise ConfigError(f"profile file not found: {path}")
    else:
        path = profiles_dir() / f"{text}.toml"
        if not path.is_file():
            known = ", ".join(available_profiles())
            raise ConfigError(f"unknown profile {text!r}; available profiles: {known}")
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"profile {path.name} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"cannot read profile {path.name}: {error.strerror}") from None
    return _profile_from(data, path)


def _profile_from(data: dict, path: Path) -> Profile:
    allowed = {f.name: f.type for f in fields(Options)}
    raw = data.get("options", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"profile {path.name}: [options] must be a table")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ConfigError(f"profile {path.name}: unknown option(s) {', '.join(unknown)}; known: {', '.join(allowed)}")
    for key, value in raw.items():
        if key == "retain_longitudinal":
            if value not in ("off", "full", "modified"):
                raise ConfigError(f"profile {path.name}: retain_longitudinal must be \"off\", \"full\" or \"modified\"")
        elif not isinstance(value, bool):
            raise ConfigError(f"profile {path.name}: option {key} must be true or false")
    pseudonyms = data.get("pseudonyms", {}).get("attributes", ["PatientName", "PatientID"])
    if not isinstance(pseudonyms, list) or not all(isinstance(p, str) for p in pseudonyms):
        raise ConfigError(f"profile {path.name}: [pseudonyms] attributes must be a list of keywords")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"profile {path.name}: name must be a non-empty string")
    return Profile(
        name=name,
        options=Options(**raw),
        description=str(data.get("description", "")),
        pseudonym_attributes=tuple(pseudonyms),
        source=str(path),
    )
