"""DICOM header de-identification (PS3.15 Annex E) and its what-if view.

`deidentify_dataset()` changes a data set in place; `describe()` lists what it would do without
changing anything. Both walk the data set the same way and ask the same function,
`rules.decide()`, about every element at every depth, so they cannot disagree.

Pixel Data is never decoded or changed here: burned-in text is radshare.core.redact's job, which
calls `mark_pixels_cleaned()` when it has cleaned the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pydicom
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import data_element_generator
from pydicom.filewriter import write_dataset
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from radshare import __version__
from radshare.core.deid.identifiers import collect_identifiers
from radshare.core.deid.profile import Profile
from radshare.core.deid.repeats import kept_values, remember, repeat_key
from radshare.core.deid.pseudonyms import Pseudonymizer
from radshare.core.deid.rules import RECORD_REASON, Context, Decision, TextCleaner, decide, decide_by_tag
from radshare.core.deid.table import load_tables
from radshare.core.model import Identifiers
from radshare.core.peek import peek, peek_element

# RadShare's Implementation Class UID (a fixed 2.25 UUID UID) and version name (PS3.7 D.3.3.2).
IMPLEMENTATION_CLASS_UID = "2.25.186387353652003765283742963478703258346"
IMPLEMENTATION_VERSION_NAME = "RADSHARE_0_1"
_SYNTAX_BY_ENCODING = {(True, True): ImplicitVRLittleEndian, (False, True): ExplicitVRLittleEndian,
                       (False, False): ExplicitVRBigEndian}
# File meta attributes that survive; everything else there (AE titles, private information) goes.
# Tags a rebuilt meta has whatever the input held: not counted as removed.
_META_KEPT_TAGS = frozenset({0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013})
PREAMBLE = b"\x00" * 128


@dataclass
class HeaderResult:
    """What de-identification did, as counts only (safe for reports and logs)."""

    actions: dict[str, int]  # exactly "removed", "replaced", "emptied", "uids"
    identifiers: Identifiers  # read from the original header: never write these anywhere
    options_applied: list[str] = field(default_factory=list)


@dataclass
class PlannedAction:
    """One line of the what-if view. `original` and `new_value` hold patient data: show, never log."""

    path: str  # "(0010,0010) PatientName" or "ReferencedImageSequence[0] > (0008,1155) ReferencedSOPInstanceUID"
    keyword: str
    original: str
    action: Literal["removed", "emptied", "replaced", "kept", "cleaned", "shifted"]
    new_value: str
    reason: str
    # cleaned text: where the free-text de-identifier changed `original` ((start, end, category);
    # category "word" is a word its vocabulary does not know), so the view can mark the words
    removed: tuple[tuple[int, int, str], ...] = ()


def deidentify_dataset(ds: pydicom.Dataset, profile: Profile, pseudo: Pseudonymizer) -> HeaderResult:
    """De-identify `ds` in place under `profile`; UIDs, pseudonyms and date shifts keyed by `pseudo`.

    Callers pass a freshly read data set. Afterwards it carries Patient Identity Removed = YES, the
    De-identification Method (Code Sequence), and rebuilt file meta whose Media Storage SOP Instance
    UID equals the new SOP Instance UID; the transfer syntax is preserved.
    """
    identifiers = collect_identifiers(ds)
    ctx = context_for(ds, profile, pseudo, identifiers)
    counts = {"removed": 0, "replaced": 0, "emptied": 0, "uids": 0}
    _walk(ds, ctx, "", clean=False, depth=0, counts=counts, plan=None)
    _write_record(ds, ctx)
    counts["removed"] += _rebuild_file_meta(ds, ctx)
    return HeaderResult(actions=counts, identifiers=identifiers, options_applied=profile.options.applied())


def describe(ds: pydicom.Dataset, profile: Profile, pseudo: Pseudonymizer) -> list[PlannedAction]:
    """What `deidentify_dataset` would do to each element, in data set order; `ds` is not changed."""
    ctx = context_for(ds, profile, pseudo, collect_identifiers(ds))
    plan: list[PlannedAction] = []
    _walk(ds, ctx, "", clean=False, depth=0, counts=None, plan=plan)
    for keyword, value in ctx.record.items():
        if keyword not in ds:
            plan.append(PlannedAction(_label(keyword), keyword, "", "replaced", show_value(value), RECORD_REASON))
    plan.extend(_describe_file_meta(ds, ctx))
    return plan


def mark_pixels_cleaned(ds: pydicom.Dataset, recognizable_features: bool = False) -> None:
    """Record that burned-in text was removed from the pixels (CID 7050 113101, optionally 113102).

    Called by the pixel redaction step after `deidentify_dataset`; idempotent.
    """
    tables = load_tables()
    wanted = ["clean_pixel_data"] + (["clean_recognizable_visual_features"] if recognizable_features else [])
    codes = ds.get("DeidentificationMethodCodeSequence") or Sequence()
    present = {str(item.get("CodeValue", "")) for item in codes}
    methods = [str(v) for v in _as_values(ds.get("DeidentificationMethod"))]
    for option in wanted:
        value, meaning = tables.method_codes[option]
        if value not in present:
            codes.append(_code_item(value, meaning))
            methods.append(meaning)
    ds.DeidentificationMethodCodeSequence = codes
    ds.DeidentificationMethod = methods


# ---------------------------------------------------------------------------------------------
# The walk: one traversal, applying or describing.


def _walk(ds: Dataset, ctx: Context, prefix: str, clean: bool, depth: int,
          counts: dict[str, int] | None, plan: list[PlannedAction] | None) -> None:
    """Decide every element of `ds`, recursing into kept sequences; apply (counts) or list (plan)."""
    doomed = []
    for tag, raw in list(ds.items()):  # items(): the stored (often raw) elements, without a lookup each
        elem, decision = decide_element(ds, tag, ctx, clean, depth, fast=plan is None, raw=raw)
        keyword = _keyword(elem, tag) if plan is not None or decision.recurse else ""
        if plan is not None:
            plan.append(_planned(prefix, tag, keyword, elem, decision, ctx))
        if decision.recurse and elem is not None:
            for index, item in enumerate(elem.value or []):
                if isinstance(item, Dataset):
                    _walk(item, ctx, f"{prefix}{keyword}[{index}] > ", decision.clean, depth + 1, counts, plan)
        if counts is not None and _apply(ds, tag, raw, elem, decision, counts):
            doomed.append(tag)
    for tag in doomed:
        del ds[tag]


def decide_element(ds: Dataset, tag: BaseTag, ctx: Context, clean: bool, depth: int,
                    fast: bool, raw=None) -> tuple[DataElement | None, Decision]:
    """The element (None when not decoded) and its decision; undecodable elements are removed.

    `fast`: when applying, a decision the tag settles (private tags, X rows, bulk data) needs no
    decoding. Describing always decodes, to show the original value.
    """
    try:
        raw = ds.get_item(tag) if raw is None else raw
        decision = decide_by_tag(tag, ctx, depth, clean, raw) if fast else None
        if decision is not None:
            return None, decision
        repeat = repeat_key(ds, tag, raw, clean, depth) if fast else None
        decision = ctx.repeats.get(repeat) if repeat is not None else None
        if decision is not None:
            return None, decision  # the same value was kept in an earlier file of this context
        elem = peek_element(ds, tag, raw) if fast else ds[tag]  # a kept element stays raw: copied, not re-encoded
        decision = decide(elem, ds, ctx, clean, depth, tag_checked=fast)
        remember(ctx.repeats, repeat, decision)
        return elem, decision
    except Exception as error:  # noqa: BLE001 - a value pydicom cannot decode is removed, not fatal
        return None, Decision("removed", f"unreadable element ({type(error).__name__})")


def _apply(ds: Dataset, tag: BaseTag, stored, elem: DataElement | None, decision: Decision,
           counts: dict[str, int]) -> bool:
    """Carry out `decision` on `elem`, a child of `ds` stored there as `stored` (raw, or `elem`
    itself); True when the element is to be deleted."""
    if decision.action == "removed":
        counts["removed"] += 1
        return True
    if decision.action == "kept" or decision.reason == RECORD_REASON:
        return False  # the record is written by _write_record after the walk
    if elem is None:
        if decision.vr is None:
            return False  # decided by tag alone: kept or removed
        ds[tag] = DataElement(tag, decision.vr, decision.value)  # decided by VR: never decoded
    else:
        if stored is not elem:
            ds[tag] = elem  # decoded by peek_element without being stored
        elem.value = Sequence(decision.value) if elem.VR == "SQ" else decision.value
    key = "emptied" if decision.action == "emptied" else "uids" if decision.uid else "replaced"
    counts[key] += 1
    return False


def _keyword(elem: DataElement | None, tag: BaseTag) -> str:
    if elem is not None and elem.keyword:
        return elem.keyword
    return "private" if tag.is_private else "unknown"


def _planned(prefix: str, tag: BaseTag, keyword: str, elem: DataElement | None, decision: Decision,
             ctx: Context) -> PlannedAction:
    original = show_value(elem.value) if elem is not None else ""
    if decision.action == "removed":
        new_value = ""
    elif decision.action == "kept":
        new_value = original
    else:
        new_value = show_value(decision.value)
    label = f"{prefix}({tag.group:04X},{tag.element:04X}) {keyword}"
    removed = ctx.text.spans(original) if decision.action == "cleaned" and original else ()
    return PlannedAction(label, keyword, original, decision.action, new_value, decision.reason, removed)


def patient_key(ds: Dataset) -> str:
    """What identifies the patient for keying: Patient ID, else the name, else the study."""
    for keyword in ("PatientID", "PatientName", "StudyInstanceUID"):
        value = str(_first(ds, keyword, decode=True)).strip(" \x00")
        if value:
            return f"{keyword}={value}"
    return ""


def patient_pseudonym(ds: Dataset, pseudo: Pseudonymizer) -> str:
    """The keyed pseudonym that replaces Patient Name and ID (also names the output folder)."""
    return pseudo.patient(patient_key(ds))


def context_for(ds: Dataset, profile: Profile, pseudo: Pseudonymizer, identifiers: Identifiers) -> Context:
    patient_key_value = patient_key(ds)
    options = profile.options
    offset = pseudo.date_offset_days(patient_key_value) if options.retain_longitudinal == "modified" else None
    tables = load_tables()
    applied = ["basic", *options.applied()]
    codes = [tables.method_codes[name] for name in applied]
    record = {
        "PatientIdentityRemoved": "YES",
        "DeidentificationMethod": [method_name(profile.name), *(m for _, m in codes)],
        "DeidentificationMethodCodeSequence": tuple(codes),  # (code value, meaning); items built when written
        "LongitudinalTemporalInformationModified": {"off": "REMOVED", "full": "UNMODIFIED", "modified": "MODIFIED"}[
            options.retain_longitudinal],
    }
    ctx = Context(profile, pseudo, tables, TextCleaner(identifiers), patient_key_value, offset, record)
    ctx.repeats = kept_values(ctx)
    return ctx


def method_name(profile_name: str) -> str:
    """The first De-identification Method value: which RadShare and which profile made a file."""
    return f"RadShare {__version__} profile {profile_name}"[:64]


def _write_record(ds: Dataset, ctx: Context) -> None:
    """Put the de-identification record into `ds`, as raw elements encoded once per run.

    The record is the same for every file of a run: encoding it once and sharing the (immutable)
    raw elements saves building and writing a code sequence per file. pydicom decodes them into
    fresh elements whenever they are read.
    """
    for raw in record_elements(tuple(ctx.record.items()), tuple(ds.original_encoding)):
        ds[raw.tag] = raw


_RECORDS: dict[tuple, tuple[RawDataElement, ...]] = {}


def record_elements(record: tuple, encoding: tuple) -> tuple[RawDataElement, ...]:
    key = (repr(record), encoding)
    if key not in _RECORDS:
        implicit, little = encoding if None not in encoding else (False, True)
        source = Dataset()
        for keyword, value in record:
            if keyword == "DeidentificationMethodCodeSequence":
                value = Sequence([_code_item(code, meaning) for code, meaning in value])
            setattr(source, keyword, value)
        buffer = DicomBytesIO()
        buffer.is_implicit_VR, buffer.is_little_endian = implicit, little
        write_dataset(buffer, source)
        buffer.seek(0)
        _RECORDS[key] = tuple(data_element_generator(buffer, implicit, little))
    return _RECORDS[key]


def _code_item(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = "DCM"
    item.CodeMeaning = meaning
    return item


# ---------------------------------------------------------------------------------------------
# File meta


def new_file_meta(ds: Dataset, ctx: Context, walked: bool) -> tuple[FileMetaDataset, int]:
    """The rebuilt file meta for `ds`, and how many old meta elements it drops.

    `walked` says whether `ds` has been de-identified already (its SOP Instance UID is then the new
    one) or is still the original (describe): either way the meta gets the same new UID.
    """
    old = getattr(ds, "file_meta", None) or FileMetaDataset()
    meta = FileMetaDataset()
    meta.add_new(0x00020001, "OB", b"\x00\x01")  # add_new: setattr by keyword costs ten times as much
    sop_class = _first(ds, "SOPClassUID") or _first(old, "MediaStorageSOPClassUID")
    if sop_class:
        meta.add_new(0x00020002, "UI", sop_class)
    instance = str(_first(ds, "SOPInstanceUID") or "").strip(" \x00")
    if not (walked and instance):
        original = instance or str(_first(old, "MediaStorageSOPInstanceUID") or "").strip(" \x00")
        instance = original if ctx.options.retain_uids or not original else ctx.pseudo.uid(original)
    if instance:
        meta.add_new(0x00020003, "UI", instance)
    syntax = _first(old, "TransferSyntaxUID")
    if not syntax:  # a file without one (no meta, or a broken meta): name the encoding it was read in
        syntax = _SYNTAX_BY_ENCODING.get(tuple(getattr(ds, "original_encoding", (None, None))))
    if syntax:
        meta.add_new(0x00020010, "UI", syntax)
    meta.add_new(0x00020012, "UI", IMPLEMENTATION_CLASS_UID)
    meta.add_new(0x00020013, "SH", IMPLEMENTATION_VERSION_NAME)
    dropped = sum(1 for tag in old.keys() if tag not in _META_KEPT_TAGS)
    return meta, dropped


def _rebuild_file_meta(ds: Dataset, ctx: Context) -> int:
    """New file meta, and a zeroed preamble: its 128 bytes are free for any application
    (PS3.10 7.1) and a writer copies them from the input unless told otherwise."""
    meta, dropped = new_file_meta(ds, ctx, walked=True)
    ds.file_meta = meta
    if any(getattr(ds, "preamble", None) or b""):
        dropped += 1
    ds.preamble = PREAMBLE
    return dropped


def _describe_file_meta(ds: Dataset, ctx: Context) -> list[PlannedAction]:
    plan = []
    if any(getattr(ds, "preamble", None) or b""):
        plan.append(PlannedAction("file preamble", "preamble", show_value(ds.preamble), "removed", "",
                                  "the preamble may hold anything (PS3.10 7.1): zeroed"))
    old = getattr(ds, "file_meta", None)
    if old is None:
        return plan
    meta, _ = new_file_meta(ds, ctx, walked=False)
    for elem in old:
        label = f"file meta > ({elem.tag.group:04X},{elem.tag.element:04X}) {elem.keyword}"
        if elem.tag not in meta:
            plan.append(PlannedAction(label, elem.keyword, show_value(elem.value), "removed", "", "file meta rebuilt"))
        elif meta[elem.tag].value != elem.value:
            plan.append(PlannedAction(label, elem.keyword, show_value(elem.value), "replaced", show_value(meta[elem.tag].value),
                                      "file meta rebuilt"))
        else:
            plan.append(PlannedAction(label, elem.keyword, show_value(elem.value), "kept", show_value(elem.value), "file meta"))
    return plan


# ---------------------------------------------------------------------------------------------
# Small helpers


def _first(ds: Dataset, keyword: str, decode: bool = False) -> Any:
    """The first value of `keyword`, or "" when absent or undecodable (never raises).

    `decode`: keep the decoded element in `ds` (for values de-identification replaces anyway);
    otherwise the value is only peeked at, so a kept element can still be copied raw.
    """
    try:
        value = (ds.get(keyword, "") if decode else peek(ds, keyword, "")) if ds is not None else ""
    except Exception:  # noqa: BLE001 - the walk removes undecodable elements; here they are absent
        return ""
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return value[0] if value else ""
    return value if value is not None else ""


def _as_values(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return list(value)
    return [value]


def _label(keyword: str) -> str:
    tag = pydicom.datadict.tag_for_keyword(keyword)
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {keyword}"


def show_value(value: Any) -> str:
    """A value as the what-if panel shows it (binary and sequences summarised)."""
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (Sequence, list, tuple)) and (not value or isinstance(value[0], (Dataset, tuple))):
        return f"<{len(value)} items>"
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return "\\".join(str(v) for v in value)
    return str(value)
