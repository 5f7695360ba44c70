"""Is a value what its VR and VM promise? A guard before anything is kept as it is.

Why: in a damaged header one wrong length or VR byte can make an element swallow the rest of the
file. pydicom then reads, say, SOP Class UID or Modality as a 1.7 MB value holding the patient's
name and ID, and "keep this known-safe attribute" would copy them into the output. So a value is
only kept when it looks like its VR (length per value, number of values, allowed characters);
otherwise it is removed and the file usually ends as a clear error downstream.

`plausible_length()` answers from the raw length alone (no decoding), for the fast path;
`plausible()` looks at the decoded value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pydicom
from pydicom.datadict import get_entry
from pydicom.dataelem import DataElement

BULK_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "SQ"})
# Maximum bytes of one value (PS3.5 Table 6.2-1); ranges allowed for DA/DT/TM.
MAX_VALUE_BYTES = {
    "AE": 16, "AS": 4, "CS": 16, "DA": 18, "DS": 16, "DT": 54, "IS": 12, "LO": 64, "LT": 10240,
    "PN": 324, "SH": 16, "ST": 1024, "TM": 28, "UI": 64,
}
FIXED_BYTES = {"AT": 4, "FL": 4, "FD": 8, "SL": 4, "SS": 2, "SV": 8, "UL": 4, "US": 2, "UV": 8}
UNBOUNDED_VALUES = 256  # for VM "1-n" numbers: far more than any real header attribute needs
_CHARSETS = {
    "CS": re.compile(r"[A-Z0-9 _]*"),
    "DS": re.compile(r"[0-9+\-.eE ]*"),
    "IS": re.compile(r"[0-9+\- ]*"),
    "DA": re.compile(r"[0-9\-. ]*"),
    "TM": re.compile(r"[0-9.:\- ]*"),
    "DT": re.compile(r"[0-9.+\- ]*"),
    "UI": re.compile(r"[0-9.]*"),
    "AS": re.compile(r"(\d{3}[DWMY])?"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")  # tab, LF, FF, CR and ESC are allowed


@lru_cache(maxsize=4096)
def _max_values(tag: int) -> int | None:
    """The largest VM the dictionary allows for `tag`, or None when unbounded or unknown."""
    try:
        vm = get_entry(tag)[1]
    except KeyError:
        return None
    top = vm.split("-")[-1]
    return int(top) if top.isdigit() else None


@lru_cache(maxsize=4096)
def _dictionary_vrs(tag: int) -> frozenset[str] | None:
    try:
        return frozenset(get_entry(tag)[0].split(" or "))
    except KeyError:
        return None


def _vr_matches(vr: str | None, tag: int) -> bool:
    """False when the file declares a VR the dictionary does not allow for this tag.

    A damaged tag number turns, say, Patient ID (LO "PID-314159") into Patient Orientation (CS):
    the mismatch is the tell. Bulk data may be declared UN, OB or OW interchangeably.
    """
    expected = _dictionary_vrs(tag)
    if not vr or expected is None:
        return True
    declared = set(vr.split(" or "))  # pydicom keeps "OB or OW" until it writes
    if declared & expected:
        return True
    return bool(expected & BULK_VRS) and declared <= BULK_VRS


def _vr_of(vr: str | None, tag: int) -> str:
    """One VR: the element's own, else the dictionary's; of "OB or OW" style pairs, bulk wins."""
    if not vr:
        try:
            vr = get_entry(tag)[0]
        except KeyError:
            return "UN"
    choices = vr.split(" or ")
    return next((c for c in choices if c in BULK_VRS), choices[0])


def plausible_length(tag: int, vr: str | None, length: int | None) -> bool:
    """True when a raw value certainly fits: bulk data, or binary numbers within the VM's bound.

    Strings are never settled here (False: decode and call `plausible`), because a short string
    can still hold a swallowed name; binary numbers of a bounded count cannot.
    """
    if not _vr_matches(vr, tag):
        return False
    vr = _vr_of(vr, tag)
    if vr in BULK_VRS:
        return True
    size = FIXED_BYTES.get(vr)
    count = _max_values(tag)
    if size is None or count is None or length is None:
        return False
    return length <= size * count


def plausible(elem: DataElement) -> bool:
    """True when the decoded value of `elem` looks like its VR: lengths, count and characters."""
    if not _vr_matches(elem.VR, int(elem.tag)):
        return False
    vr = _vr_of(elem.VR, int(elem.tag))
    if vr in BULK_VRS:
        return True
    value = elem.value
    values = list(value) if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else [value]
    values = [v for v in values if v is not None and v != ""]
    limit = _max_values(int(elem.tag))
    if len(values) > (limit if limit is not None else UNBOUNDED_VALUES):
        return False
    if vr in FIXED_BYTES:
        return True
    per_value = MAX_VALUE_BYTES.get(vr)
    charset = _CHARSETS.get(vr)
    for item in values:
        text = _text(item)
        if per_value is not None and len(text.encode("utf-8", "surrogatepass")) > per_value:
            return False
        if charset is not None and not charset.fullmatch(text.strip(" \x00")):
            return False
        if _CONTROL.search(text.rstrip("\x00")):
            return False
    return True


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1")
    return str(value)
