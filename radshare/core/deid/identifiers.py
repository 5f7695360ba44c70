"""Collects what identifies the patient from an original DICOM header, before it is removed.

The result (`radshare.core.model.Identifiers`) is used to recognise the patient's own name, IDs
and dates in burned-in text, free-text attributes and notes. It is never written anywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pydicom
from pydicom.dataelem import DataElement
from pydicom.datadict import DicomDictionary
from pydicom.tag import BaseTag

from radshare.core.deid.repeats import stored_value
from radshare.core.model import Identifiers

# Which attributes feed which list. Person names of staff go to `other` (they identify the
# encounter, and OCR should find them too), the patient's own names go to `names`.
PATIENT_NAME_KEYWORDS = frozenset(
    {"PatientName", "OtherPatientNames", "PatientBirthName", "PatientMotherBirthName", "ResponsiblePerson"}
)
ID_KEYWORDS = frozenset(
    {
        "PatientID", "OtherPatientIDs", "IssuerOfPatientID", "AccessionNumber", "StudyID", "AdmissionID",
        "MedicalRecordLocator", "RequestedProcedureID", "PerformedProcedureStepID", "ScheduledProcedureStepID",
        "PlacerOrderNumberImagingServiceRequest", "FillerOrderNumberImagingServiceRequest", "ServiceEpisodeID",
        "ClinicalTrialSubjectID", "ClinicalTrialSubjectReadingID", "SpecimenAccessionNumber", "SpecimenIdentifier",
        "ContainerIdentifier", "InsurancePlanIdentification", "ResultsID", "InterpretationID",
    }
)
INSTITUTION_KEYWORDS = frozenset(
    {"InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "StationName"}
)
OTHER_KEYWORDS = frozenset(
    {
        "PatientAddress", "PatientTelephoneNumbers", "PatientTelecomInformation", "ReferringPhysicianAddress",
        "ReferringPhysicianTelephoneNumbers", "PersonAddress", "PersonTelephoneNumbers", "PersonTelecomInformation",
        "RegionOfResidence", "CountryOfResidence", "MilitaryRank", "BranchOfService", "DeviceSerialNumber",
        "OrderCallbackPhoneNumber", "PatientInstitutionResidence", "CurrentPatientLocation",
    }
)
_NAME_SPLIT = re.compile(r"[\^=\s,]+")


def collect_identifiers(ds: pydicom.Dataset) -> Identifiers:
    """Every name part, ID, date, institution and contact detail in `ds`, at every depth.

    Does not modify `ds`. Values are de-duplicated and stripped; order follows the dataset.
    """
    found = Identifiers()
    _collect(ds, found, depth=0)
    for bucket in (found.names, found.ids, found.dates, found.institutions, found.other):
        bucket[:] = list(dict.fromkeys(v for v in bucket if v))
    return found


def _values(elem: DataElement) -> list[str]:
    value = elem.value
    if value is None or isinstance(value, (bytes, bytearray)):
        return []
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [str(v).strip(" \x00") for v in value if v is not None]
    return [str(value).strip(" \x00")]


def _name_parts(value: str) -> list[str]:
    """Name components and words; single letters (initials) are left out: they match everything."""
    return [part.strip(".") for part in _NAME_SPLIT.split(value) if len(part.strip(".")) > 1]


_WANTED_VRS = frozenset({"PN", "DA", "DT", "SQ"})
_WANTED_KEYWORDS = PATIENT_NAME_KEYWORDS | ID_KEYWORDS | INSTITUTION_KEYWORDS | OTHER_KEYWORDS


def _may_identify(tag: BaseTag, raw) -> bool:
    """Whether the element can hold an identifier we collect, judged without decoding its value."""
    return tag in _wanted_tags() or getattr(raw, "VR", None) in _WANTED_VRS


@lru_cache(maxsize=1)
def _wanted_tags() -> frozenset[int]:
    """Every dictionary tag whose VR or keyword may carry an identifier: one set lookup per element."""
    return frozenset(
        tag for tag, (vr, _vm, _name, _retired, keyword) in DicomDictionary.items()
        if vr in _WANTED_VRS or keyword in _WANTED_KEYWORDS
    )


def _collect(ds: pydicom.Dataset, found: Identifiers, depth: int) -> None:
    if depth > 32:  # malformed files can nest absurdly; identifiers that deep are not worth a crash
        return
    for tag, raw in list(ds.items()):
        if tag.is_private or not _may_identify(tag, raw):
            continue  # not decoded at all: most of a header (and all pixel data) is skipped here
        key = _repeat_key(ds, tag, raw, depth)
        if key is None:
            _collect_element(ds, tag, found, depth)
            continue
        own = _SEEN.get(key)
        if own is None:  # first time these bytes are met: decode them
            own = Identifiers()
            _collect_element(ds, tag, own, depth)
            if len(_SEEN) > MAX_SEEN:
                _SEEN.clear()
            _SEEN[key] = own
        for bucket, extra in zip(_buckets(found), _buckets(own)):
            bucket.extend(extra)


# What a stored value yields, by its bytes and how they are encoded: the slices of a series
# repeat their names, dates and sequences, which then are not decoded again in every file.
_SEEN: dict[tuple, Identifiers] = {}
MAX_SEEN = 5_000
MAX_SEEN_BYTES = 4_096


def _repeat_key(ds: pydicom.Dataset, tag: BaseTag, raw, depth: int) -> tuple | None:
    value = stored_value(ds, tag, raw, MAX_SEEN_BYTES)
    return None if value is None else (*value, depth)


def _buckets(ids: Identifiers) -> tuple[list[str], ...]:
    return ids.names, ids.ids, ids.dates, ids.institutions, ids.other


def _collect_element(ds: pydicom.Dataset, tag: BaseTag, found: Identifiers, depth: int) -> None:
    try:
        elem = ds[tag]  # decoded for good: such values are replaced, so never copied raw anyway
    except Exception:  # noqa: BLE001 - an undecodable value holds nothing we can match
        return
    if elem.VR == "SQ":
        for item in elem.value or []:
            if isinstance(item, pydicom.Dataset):
                _collect(item, found, depth + 1)
        return
    try:
        values = _values(elem)
    except Exception:  # noqa: BLE001 - an undecodable value is skipped, never fatal
        return
    keyword = elem.keyword
    if elem.VR == "PN":
        parts = [p for v in values for p in _name_parts(v)]
        if keyword in PATIENT_NAME_KEYWORDS:
            found.names.extend(parts)
        else:
            found.other.extend(parts)
        return
    if keyword in ID_KEYWORDS:
        found.ids.extend(values)
    elif keyword in INSTITUTION_KEYWORDS:
        found.institutions.extend(values)
    elif keyword in OTHER_KEYWORDS:
        found.other.extend(values)
    if elem.VR == "DA":
        found.dates.extend(v for v in values if len(v) == 8 and v.isdigit())
    elif elem.VR == "DT":
        found.dates.extend(v[:8] for v in values if len(v) >= 8 and v[:8].isdigit())


def image_identifiers(image) -> Identifiers:
    """Everything that identifies the patient of a loaded `model.Image`: its original header's
    identifiers (DICOM) and what its input's file and folder names say (`SMITH_JOHN_12345.jpg`).

    Used to clean the texts that leave with the image (labels, alt text, captions, notes).
    """
    from radshare.core.deid.text import identifiers_from_names

    found = Identifiers()
    if getattr(image, "dataset", None) is not None:
        found = collect_identifiers(image.dataset)
    origin = str(getattr(image, "origin", "") or "")
    return found.merge(identifiers_from_names(origin)) if origin else found
