"""The one decision function of header de-identification: what happens to one data element.

`decide()` is pure: it reads the element (and its parent data set, for private creators) and
returns a `Decision` with the new value already computed. `header.py` walks a data set and either
applies the decisions (`deidentify_dataset`) or lists them (`describe`), so the what-if view can
never disagree with what is done.

Order of precedence, for every element at every depth:
1. file-meta elements inside the data set, group lengths: removed (writers recompute lengths);
2. private elements: removed, unless Retain Safe Private and listed in safe-private.csv;
3. the de-identification record (Patient Identity Removed, ...): written by RadShare; pixel
   data inside a sequence (icons, thumbnails): removed;
4. a row of Table E.1-1 (or RadShare's additions): its action under the profile's options;
5. other overlay (60xx) elements: removed unless Clean Graphics keeps overlays;
6. known safe (known-safe.csv): kept;
7. other UIDs: kept when registered in the standard (class UIDs, transfer syntaxes), else replaced;
8. free text inside content being cleaned (Clean Structured Content, ...) and code meanings
   everywhere: cleaned by the free-text de-identifier (text.py, allow-list first);
9. anything else: removed. An unknown tag is a possible leak.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import pydicom
from pydicom.dataelem import DataElement
from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.tag import BaseTag
from pydicom.uid import UID

from radshare.core.deid.plausible import plausible, plausible_length
from radshare.core.deid.profile import Options, Profile, action_with_source
from radshare.core.deid.pseudonyms import PATIENT_PSEUDONYM_LENGTH, Pseudonymizer
from radshare.core.deid.codes import is_known_code
from radshare.core.deid.table import DeidTables, TableRow
from radshare.core.deid.text import deidentify_text, mask_own
from radshare.core.deid.textpatterns import freeze
from radshare.core.deid.vocabulary import load_vocabulary
from radshare.core.model import Identifiers

ActionName = Literal["removed", "emptied", "replaced", "kept", "cleaned", "shifted"]

TEXT_VRS = frozenset({"LO", "LT", "SH", "ST", "UT", "UC"})
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "AT"})
STRING_VRS = TEXT_VRS | frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "PN", "TM", "UI", "UR"})
# Dummy values for D, valid for each VR (PS3.5 6.2). Binary VRs get an empty value instead.
DUMMY_BY_VR: dict[str, Any] = {
    "AE": "ANONYMOUS", "AS": "000Y", "CS": "ANONYMIZED", "DA": "19000101", "DS": "0",
    "DT": "19000101000000.000000", "IS": "0", "LO": "ANONYMIZED", "LT": "ANONYMIZED", "PN": "ANONYMOUS",
    "SH": "ANONYMIZED", "ST": "ANONYMIZED", "TM": "000000.000000", "UC": "ANONYMIZED", "UT": "ANONYMIZED",
    "FL": 0.0, "FD": 0.0, "SL": 0, "SS": 0, "UL": 0, "US": 0, "SV": 0, "UV": 0,
}
CS_MASK = "XXX"  # a code string may hold only capitals, digits, space and underscore
MAX_LENGTH_BY_VR = {"SH": 16, "LO": 64, "ST": 1024, "LT": 10240}  # a scrubbed value may not grow past these
# Written by header.py after the walk; whatever the input held there is replaced.
RECORD_KEYWORDS = frozenset(
    {"PatientIdentityRemoved", "DeidentificationMethod", "DeidentificationMethodCodeSequence",
     "LongitudinalTemporalInformationModified"}
)
_RECORD_TAGS = {tag_for_keyword(keyword): keyword for keyword in RECORD_KEYWORDS}
RECORD_REASON = "de-identification record"
_PIXEL_DATA_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})  # Float, Double Float and Pixel Data
MAX_DEPTH = 48  # deeper nesting only happens in malformed or hostile files: removed
PSEUDONYM_LENGTH = PATIENT_PSEUDONYM_LENGTH


@dataclass(frozen=True)
class Decision:
    action: ActionName
    reason: str
    value: Any = None  # the new value for emptied / replaced / cleaned / shifted
    recurse: bool = False  # a kept sequence: walk its items
    clean: bool = False  # walk the items in "clean" mode (free text scrubbed, not removed)
    uid: bool = False  # a UID replacement (counted apart from other replacements)
    vr: str | None = None  # set when decided without decoding: the VR of the element to write


class TextCleaner:
    """The free-text de-identifier (text.py) bound to one record's identifiers.

    `clean` is what C does to text: allow-list, patterns and the record's identifiers;
    `mask_patient` what kept text gets: only the patient's own names, IDs and dates masked.
    `signature` identifies the decisions it makes (identifiers and personal words), for caches.
    """

    MASK = "***"

    def __init__(self, identifiers: Identifiers):
        self.identifiers = identifiers
        self.vocabulary = load_vocabulary()
        self.signature = (freeze(identifiers), self.vocabulary.personal)

    def clean(self, value: str, vr: str = "LO") -> str:
        if vr == "CS":  # a code string holds capitals, digits, space and underscore only
            cleaned = deidentify_text(value, self.identifiers, self.vocabulary, placeholder=CS_REMOVED).text
            return _PLACEHOLDER.sub(CS_REMOVED, cleaned)
        return deidentify_text(value, self.identifiers, self.vocabulary).text

    def mask_patient(self, text: str, mask: str = MASK) -> str:
        return mask_own(text, self.identifiers, mask)

    def spans(self, text: str) -> tuple[tuple[int, int, str], ...]:
        """Where `clean` changes `text`: (start, end, category), for the what-if view."""
        return deidentify_text(text, self.identifiers, self.vocabulary).spans


_PLACEHOLDER = re.compile(r"\[[A-Za-z]+\]")
CS_REMOVED = "REMOVED"


@dataclass
class Context:
    """What every decision in one data set needs; built once per data set by header.py."""

    profile: Profile
    pseudo: Pseudonymizer
    tables: DeidTables
    text: TextCleaner
    patient_key: str
    date_offset: int | None  # days, when dates are shifted
    record: dict[str, Any]  # keyword -> value of the de-identification record
    repeats: dict = field(default_factory=dict)  # kept values of files sharing this context (repeats.py)

    @property
    def record_tags(self) -> dict[int, str]:
        return _RECORD_TAGS

    @property
    def options(self) -> Options:
        return self.profile.options


def decide_by_tag(tag: BaseTag, ctx: Context, depth: int, clean: bool = False,
                  raw: Any = None) -> Decision | None:
    """The decision when the tag alone settles it, else None (the value is needed).

    Lets the walk drop private tags, X rows and overlays, and keep known-safe values such as Pixel
    Data, without decoding them; `decide` starts with this same function, so both paths agree.
    `raw` (the undecoded element, when the caller has it) lets a known-safe value be kept only
    when its length alone proves it fits its VR; anything else is decoded and checked by `decide`.
    """
    number = int(tag)  # plain int: set and dict lookups with pydicom's Tag objects are slow
    key = (number, depth == 0, ctx.options, id(ctx.tables))
    settled = _BY_NUMBER.get(key)
    if settled is None:
        if len(_BY_NUMBER) > 50_000:  # files with endless distinct tags: bounded memory
            _BY_NUMBER.clear()
        settled = _BY_NUMBER[key] = _by_number(number, depth, ctx)
    kind, found = settled
    if kind == "decided":
        return found
    if kind == "record":
        return Decision("replaced", RECORD_REASON, value=ctx.record[found])
    if kind == "row":
        return _settle_by_vr(found[0], found[1], number, raw, ctx)
    if kind == "known safe" and raw is not None:
        if plausible_length(number, getattr(raw, "VR", None), getattr(raw, "length", None)):
            return _KEPT_KNOWN_SAFE
    return None


_KEPT_KNOWN_SAFE = Decision("kept", "known safe")
# What the tag number alone says, per (tag, top level?, options, tables): the same few hundred
# tags recur in every file of a batch, and the table lookups behind them cost more than the walk.
_BY_NUMBER: dict[tuple, tuple[str, Any]] = {}


def _by_number(number: int, depth: int, ctx: Context) -> tuple[str, Any]:
    """("decided", a Decision or None), or what is left to ask of the element: ("record",
    keyword), ("row", (code, reason)) for Z/D/C/K/U rows, ("known safe", None)."""
    group = number >> 16
    if group == 0x0002:
        return "decided", Decision("removed", "file meta attribute inside the data set")
    if number & 0xFFFF == 0x0000:
        return "decided", Decision("removed", "group length (recomputed when written)")
    if group & 1:
        return "decided", None if ctx.options.retain_safe_private else Decision("removed", "private tag")
    if depth == 0 and number in _RECORD_TAGS:
        return "record", _RECORD_TAGS[number]
    if ctx.options.remove_narrative and number in ctx.tables.narrative:
        return "decided", Decision("removed", "RadShare: free narrative removed (the history belongs in the notes)")
    if depth and number in _PIXEL_DATA_TAGS:
        return "decided", Decision("removed", "pixel data inside a sequence (an icon or thumbnail, never reviewed for burned-in text)")
    row = ctx.tables.row_for(number)
    if row is not None:
        code, source = action_with_source(row, ctx.options)
        reason = f"{row.source} {source}: {code}"
        return ("decided", Decision("removed", reason)) if code == "X" else ("row", (code, reason))
    if group & 0xFF01 == 0x6000:
        return "decided", None if ctx.options.clean_graphics else Decision("removed", "overlay")
    if number in ctx.tables.known_safe_values and number not in ctx.tables.known_safe_text and number not in _CODE_TAGS:
        return "known safe", None
    return "decided", None


def _settle_by_vr(code: str, reason: str, tag: int, elem: Any, ctx: Context) -> Decision | None:
    """Z and D decided from the (raw) element's VR, before any decoding; None when the value is needed."""
    if code not in ("Z", "D") or elem is None:
        return None
    vr = getattr(elem, "VR", None) or _dictionary_vr(tag)
    if vr in (None, "SQ", "UN") or vr not in DUMMY_BY_VR and vr not in BINARY_VRS:
        return None  # unknown, ambiguous or sequence VRs: decoded, then decided by _apply_code
    decision = _empty_or_dummy(code, reason, vr, keyword_for_tag(tag), ctx)
    return None if decision is None else replace(decision, vr=vr)


def _empty_or_dummy(code: str, reason: str, vr: str, keyword: str, ctx: Context) -> Decision | None:
    """Z and D where the value itself is not needed, the one place both paths ask; None for the
    cases computed from the value (a replacement UID, a keyed token of another attribute)."""
    if keyword in ctx.profile.pseudonym_attributes and vr != "SQ":
        if keyword not in ("PatientName", "PatientID"):
            return None
        return Decision("replaced", f"{reason} (keyed pseudonym)", value=ctx.pseudo.patient(ctx.patient_key))
    if code == "Z" or vr == "SQ":
        return Decision("emptied", reason, value=_empty(vr))
    if vr == "UI":
        return None
    dummy = DUMMY_BY_VR.get(vr)
    if dummy is None:
        return Decision("emptied", reason, value=_empty(vr))
    return Decision("replaced", reason, value=dummy)


def _dictionary_vr(tag: int) -> str | None:
    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


def decide(elem: DataElement, parent: pydicom.Dataset, ctx: Context, clean: bool, depth: int,
           tag_checked: bool = False) -> Decision:
    """What happens to `elem` (a child of `parent`); see the module docstring for the order.

    Whatever would be kept or cleaned must first look like its VR (plausible.py): a damaged
    header can make one element swallow the rest of the file, identifiers included.
    """
    decision = _decide(elem, parent, ctx, clean, depth, tag_checked)
    if decision.action in ("kept", "cleaned") and not decision.recurse and not plausible(elem):
        return Decision("removed", "value does not fit its VR (damaged header?)")
    return decision


def _decide(elem: DataElement, parent: pydicom.Dataset, ctx: Context, clean: bool, depth: int,
            tag_checked: bool) -> Decision:
    """`tag_checked`: the caller already asked `decide_by_tag` (with the raw element) and got None."""
    tag = elem.tag
    early = None if tag_checked else decide_by_tag(tag, ctx, depth, clean, elem)
    if early is not None:
        return early
    if tag.is_private:
        return _decide_private(elem, parent, ctx)
    if elem.VR == "SQ" and depth >= MAX_DEPTH:
        return Decision("removed", "sequence nested too deep")
    row = ctx.tables.row_for(tag)
    if row is not None:
        code, source = action_with_source(row, ctx.options)
        return _apply_code(code, f"{row.source} {source}: {code}", elem, row, ctx, clean)
    is_overlay = tag.group & 0xFF01 == 0x6000
    if is_overlay:
        if ctx.options.clean_graphics and ctx.tables.is_known_safe(tag):
            return Decision("kept", "overlay geometry (Clean Graphics keeps overlays)")
        return Decision("removed", "overlay")
    if int(tag) == _CODE_MEANING:  # free text wherever it sits (PS3.15 E.1.1 note 7)
        return _clean_text(elem, ctx, "code meaning: free text, cleaned")
    if int(tag) == _BODY_PART:  # a short descriptor written by hand at the scanner
        return _clean_text(elem, ctx, "body part: short descriptor, cleaned")
    if int(tag) == _CODE_VALUE and not _known_code(elem, parent):
        return _clean_text(elem, ctx, "code value of no known coding scheme: cleaned")
    if ctx.tables.is_known_safe(tag):
        if clean and elem.VR in TEXT_VRS:  # PS3.15 E.1.1 note 7: code meanings can leak identity too
            return _clean_text(elem, ctx, "known safe text in cleaned content")
        if elem.VR in TEXT_VRS or elem.VR == "CS":
            return _mask_patient(elem, ctx, "known safe")
        return Decision("kept", "known safe", recurse=elem.VR == "SQ", clean=clean)
    if elem.VR == "UI":
        return _decide_other_uid(elem, ctx)
    if clean and elem.VR in TEXT_VRS:
        return _clean_text(elem, ctx, "free text in cleaned content")
    return Decision("removed", "not in profile and not known safe")


_GRAPHICS_DATA = frozenset({"OverlayData", "CurveData"})
_CODE_VALUE, _CODE_MEANING = 0x00080100, 0x00080104
_BODY_PART = 0x00180015
_CODE_TAGS = frozenset({_CODE_VALUE, _CODE_MEANING, _BODY_PART})  # decided by their value, never by tag alone


def _known_code(elem: DataElement, parent: pydicom.Dataset) -> bool:
    scheme = parent.get(0x00080102)
    return is_known_code(_text(scheme.value) if scheme is not None else "", _text(elem.value))


def _decide_private(elem: DataElement, parent: pydicom.Dataset, ctx: Context) -> Decision:
    group, element = elem.tag.group, elem.tag.element
    if not ctx.options.retain_safe_private:
        return Decision("removed", "private tag")
    if 0x0010 <= element <= 0x00FF:
        creator = _text(elem.value)
        if (creator, group) in ctx.tables.safe_private_creators:
            return Decision("kept", "private creator of safe private attributes (Retain Safe Private)")
        return Decision("removed", "private tag")
    creator_elem = parent.get((group, element >> 8))
    creator = _text(creator_elem.value) if creator_elem is not None else ""
    if element >= 0x1000 and (creator, group, element & 0xFF) in ctx.tables.safe_private:
        if elem.VR in TEXT_VRS or elem.VR == "CS":
            return _mask_patient(elem, ctx, "safe private attribute (Retain Safe Private)")
        return Decision("kept", "safe private attribute (Retain Safe Private)")
    return Decision("removed", "private tag")


def _decide_other_uid(elem: DataElement, ctx: Context) -> Decision:
    values = _as_list(elem.value)
    if ctx.options.retain_uids:
        return Decision("kept", "Retain UIDs")
    if not values or all(UID(v).is_valid and UID(v).name != str(UID(v)) for v in values):
        return Decision("kept", "well-known UID registered in the DICOM standard")
    return _replace_uids(elem, ctx, "UID not in the table: keyed replacement")


def _apply_code(code: str, reason: str, elem: DataElement, row: TableRow, ctx: Context, clean: bool) -> Decision:
    vr = elem.VR
    if code == "X":
        return Decision("removed", reason)
    if code in ("K", "U*", "C") and vr == "SQ":
        return Decision("kept", reason, recurse=True, clean=clean or code == "C")
    if code == "K":
        return _mask_patient(elem, ctx, reason) if vr in TEXT_VRS else Decision("kept", reason)
    if code in ("Z", "D"):
        settled = _empty_or_dummy(code, reason, vr, elem.keyword, ctx)
        if settled is not None:
            return settled
        if elem.keyword in ctx.profile.pseudonym_attributes:
            return Decision("replaced", f"{reason} (keyed pseudonym)", value=_pseudonym(elem, ctx))
        return _replace_uids(elem, ctx, reason)  # D on a UI
    if code in ("U", "U*"):
        if vr == "UI":
            return _replace_uids(elem, ctx, reason)
        return Decision("removed", f"{reason} (value is not a UID)")
    # code == "C"
    if vr in ("DA", "DT"):
        if ctx.date_offset is None:
            return Decision("emptied", reason, value=_empty(vr))
        return _shift_dates(elem, ctx.date_offset, reason)
    if vr == "TM":
        return _coarsen_times(elem, reason)
    if vr in TEXT_VRS or vr == "CS":
        return _clean_text(elem, ctx, reason)
    if vr in ("PN", "UN", "UR", "AE"):
        return Decision("removed", f"{reason} (cannot be cleaned)")
    if vr in ("OB", "OW"):
        if row.keyword in _GRAPHICS_DATA:
            return Decision("kept", f"{reason} (graphics kept: review them for burned-in text)")
        return Decision("removed", f"{reason} (binary: cannot be cleaned)")  # maker notes, time stamps
    return Decision("kept", f"{reason} (no free text to clean)")


def _replace_uids(elem: DataElement, ctx: Context, reason: str) -> Decision:
    values = _as_list(elem.value)
    if not values:
        return Decision("kept", f"{reason} (empty)")
    new = [ctx.pseudo.uid(v) for v in values]
    return Decision("replaced", reason, value=new[0] if len(new) == 1 else new, uid=True)


def _clean_text(elem: DataElement, ctx: Context, reason: str) -> Decision:
    values = _as_list(elem.value)
    limit = MAX_LENGTH_BY_VR.get(elem.VR)
    cleaned = [ctx.text.clean(v, elem.VR)[:limit] for v in values]
    if cleaned == values:
        return Decision("kept", f"{reason} (nothing identifying found)")
    return Decision("cleaned", reason, value=cleaned[0] if len(cleaned) == 1 else cleaned)


def _mask_patient(elem: DataElement, ctx: Context, reason: str) -> Decision:
    """Kept text, unless it names the patient: then kept with those words masked."""
    values = _as_list(elem.value)
    limit = MAX_LENGTH_BY_VR.get(elem.VR)
    mask = CS_MASK if elem.VR == "CS" else TextCleaner.MASK
    masked = [ctx.text.mask_patient(v, mask)[:limit] for v in values]
    if masked == values:
        return Decision("kept", reason)
    return Decision("cleaned", f"{reason} (the patient's own name, ID or date masked)",
                    value=masked[0] if len(masked) == 1 else masked)


def _shift_dates(elem: DataElement, days: int, reason: str) -> Decision:
    values = _as_list(elem.value)
    if not values:
        return Decision("kept", f"{reason} (empty)")
    shifted = []
    for value in values:
        moved = shift_date_text(value, days, elem.VR)
        if moved is None:
            return Decision("emptied", f"{reason} (date could not be shifted)", value="")
        shifted.append(moved)
    return Decision("shifted", f"{reason} (shifted)", value=shifted[0] if len(shifted) == 1 else shifted)


def _coarsen_times(elem: DataElement, reason: str) -> Decision:
    """Times of day under Modified Dates: kept to the hour only (dates move by whole days, so a
    time shifted on its own could cross midnight and disagree with its date)."""
    values = _as_list(elem.value)
    coarse = [coarsen_time(v) for v in values]
    return Decision("shifted", f"{reason} (time kept to the hour)", value=coarse[0] if len(coarse) == 1 else coarse)


def coarsen_time(value: str) -> str:
    """A TM value ("HHMMSS.FFFFFF") to the hour ("HH0000"); empty when it is not a time."""
    value = value.strip()
    hour = value[:2]
    return f"{hour}0000" if len(hour) == 2 and hour.isdigit() and int(hour) < 24 else ""


def shift_date_text(value: str, days: int, vr: str = "DA") -> str | None:
    """A DA or DT value moved by `days`; None when it is not a date that can be moved safely."""
    value = value.strip()
    if len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        date = datetime.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        moved = date + datetime.timedelta(days=days)
    except (ValueError, OverflowError):
        return None
    if vr == "DA" and len(value) != 8:
        return None
    time = value[8:].split("+")[0].split("-")[0]  # DT: the time of day to the hour, no UTC offset
    return f"{moved.year:04d}{moved.month:02d}{moved.day:02d}" + (coarsen_time(time) if time else "")


def _pseudonym(elem: DataElement, ctx: Context) -> str:
    """A keyed token of the value, for pseudonym attributes other than the patient's name and ID."""
    return ctx.pseudo.token(f"{elem.keyword}\x1f{_text(elem.value)}", prefix="RS-", length=PSEUDONYM_LENGTH)


def _empty(vr: str) -> Any:
    if vr == "SQ":
        return []
    return "" if vr in STRING_VRS else None


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [str(v) for v in value if v is not None and str(v) != ""]
    if isinstance(value, (bytes, bytearray)):
        return [value.decode("latin-1")]
    return [str(value)]


def _text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("latin-1")
    return str(value or "").strip(" \x00")
