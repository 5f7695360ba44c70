"""collect_identifiers finds the patient's names, IDs, dates, institutions and contacts at any depth."""

from __future__ import annotations

import copy

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from radshare.core.deid.identifiers import collect_identifiers
from tests.fixtures.planted import build_planted_dataset


def _header() -> Dataset:
    ds = Dataset()
    ds.PatientName = "DOE^JANE^M^^"
    ds.OtherPatientNames = ["SMITH^JANE", "ROE^J"]
    ds.PatientID = "PID-314159"
    ds.IssuerOfPatientID = "ST MARY"
    ds.AccessionNumber = "ACC7788"
    ds.StudyID = "S42"
    ds.PatientBirthDate = "19700314"
    ds.StudyDate = "20210312"
    ds.AcquisitionDateTime = "20210312101500"
    ds.InstitutionName = "St Mary's Hospital"
    ds.InstitutionAddress = "1 High Street, Springfield"
    ds.InstitutionalDepartmentName = "Radiology"
    ds.StationName = "CT01"
    ds.ReferringPhysicianName = "HOUSE^GREGORY"
    ds.PatientTelephoneNumbers = "555-123-4567"
    ds.PatientAddress = "22 Acacia Avenue"
    other = Dataset()
    other.PatientID = "MRN-0042"
    deeper = Dataset()
    deeper.PatientName = "DOE^JANE"
    deeper.AccessionNumber = "NESTED-9"
    other.OtherPatientIDsSequence = Sequence([deeper])
    ds.OtherPatientIDsSequence = Sequence([other])
    ds.add_new(0x00091001, "PN", "PRIVATE^NAME")  # private: not collected
    return ds


def test_every_kind_of_identifier_is_collected_and_the_data_set_is_unchanged():
    ds = _header()
    before = copy.deepcopy(ds)
    found = collect_identifiers(ds)
    assert ds == before
    assert found.names[:2] == ["DOE", "JANE"]
    assert {"SMITH", "ROE"} <= set(found.names)
    assert "M" not in found.names  # initials match everything in OCR text
    assert {"PID-314159", "ST MARY", "ACC7788", "S42", "MRN-0042", "NESTED-9"} <= set(found.ids)
    assert {"19700314", "20210312"} == set(found.dates)
    assert {"St Mary's Hospital", "1 High Street, Springfield", "Radiology", "CT01"} <= set(found.institutions)
    assert {"HOUSE", "GREGORY", "555-123-4567", "22 Acacia Avenue"} <= set(found.other)
    assert "PRIVATE" not in found.all_values()


def test_values_are_unique():
    found = collect_identifiers(_header())
    for bucket in (found.names, found.ids, found.dates, found.institutions, found.other):
        assert len(bucket) == len(set(bucket))


def test_planted_patient_name_and_id_are_found():
    ds, _ = build_planted_dataset()
    found = collect_identifiers(ds)
    family, given = str(ds.PatientName).split("^")
    assert family in found.names and given in found.names
    assert ds.PatientID in found.ids
    assert ds.PatientBirthDate in found.dates


def test_values_met_again_in_another_file_give_the_same_identifiers():
    from radshare.core.deid import identifiers
    from radshare.core.sources import read_dicom
    from tests.fixtures.dicom_factory import to_bytes

    planted, _ = build_planted_dataset(seed=3)
    data = to_bytes(planted)
    identifiers._SEEN.clear()
    fresh = collect_identifiers(read_dicom(data, "first"))
    assert identifiers._SEEN  # the repeats were remembered...
    again = collect_identifiers(read_dicom(data, "second"))  # ...and used: nothing decoded twice
    assert again == fresh and fresh.names and fresh.ids and fresh.dates


def test_the_same_bytes_in_another_character_set_give_other_names():
    from radshare.core.sources import read_dicom
    from tests.fixtures.dicom_factory import make_image, to_bytes

    found = []
    for charset, name in (("ISO_IR 100", "MÃ\x9cLLER^HANS"), ("ISO_IR 192", "MÜLLER^HANS")):
        ds = make_image(rows=4, cols=4)
        ds.SpecificCharacterSet = charset
        ds.PatientName = name  # the same bytes, b"M\xc3\x9cLLER^HANS", in both files
        found.append(collect_identifiers(read_dicom(to_bytes(ds), charset)).names)
    assert found == [["MÃ\x9cLLER", "HANS"], ["MÜLLER", "HANS"]]
