"""References across files stay consistent; a patient's dates move together, another's differently."""

from __future__ import annotations

import datetime

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, SecondaryCaptureImageStorage

from radshare.core.deid.header import IMPLEMENTATION_CLASS_UID, deidentify_dataset
from radshare.core.deid.profile import load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer

KEY = b"consistency-test-key-32-bytes-ok"


def _image(patient: str, study: str, series: str, instance: str, date: str, sop_class=CTImageStorage) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPInstanceUID = instance
    ds.file_meta.SourceApplicationEntityTitle = "CT_SCANNER_3"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = instance
    ds.StudyInstanceUID = study
    ds.SeriesInstanceUID = series
    ds.FrameOfReferenceUID = study + ".9"
    ds.PatientName = f"{patient}^TEST"
    ds.PatientID = patient
    ds.StudyDate = date
    ds.SeriesDate = date
    ds.AcquisitionDateTime = date + "101500.000000"
    ds.Modality = "CT"
    return ds


def _derived(referenced: Dataset) -> Dataset:
    ds = _image("P1", referenced.StudyInstanceUID, "1.2.3.99", "1.2.3.99.1", referenced.StudyDate,
                SecondaryCaptureImageStorage)
    ref = Dataset()
    ref.ReferencedSOPClassUID = referenced.SOPClassUID
    ref.ReferencedSOPInstanceUID = referenced.SOPInstanceUID
    ds.ReferencedImageSequence = Sequence([ref])
    source = Dataset()
    source.ReferencedSOPClassUID = referenced.SOPClassUID
    source.ReferencedSOPInstanceUID = referenced.SOPInstanceUID
    ds.SourceImageSequence = Sequence([source])
    # depth 3: Referenced Series > Referenced Instance > Referenced Image
    instance = Dataset()
    instance.ReferencedSOPClassUID = referenced.SOPClassUID
    instance.ReferencedSOPInstanceUID = referenced.SOPInstanceUID
    inner = Dataset()
    inner.ReferencedSOPInstanceUID = referenced.SOPInstanceUID
    instance.ReferencedImageSequence = Sequence([inner])
    series = Dataset()
    series.SeriesInstanceUID = referenced.SeriesInstanceUID
    series.ReferencedInstanceSequence = Sequence([instance])
    ds.ReferencedSeriesSequence = Sequence([series])
    ds.FrameOfReferenceUID = referenced.FrameOfReferenceUID
    return ds


def test_references_in_sequences_map_to_the_referenced_files_new_uids():
    pseudo = Pseudonymizer(KEY)
    profile = load_profile("teaching")
    original = _image("P1", "1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.1", "20200101")
    derived = _derived(original)
    deidentify_dataset(original, profile, pseudo)
    deidentify_dataset(derived, profile, Pseudonymizer(KEY))  # another instance, same key
    new_uid = original.SOPInstanceUID
    assert new_uid.startswith("2.25.") and new_uid != "1.2.3.1.1.1"
    assert derived.ReferencedImageSequence[0].ReferencedSOPInstanceUID == new_uid
    assert derived.SourceImageSequence[0].ReferencedSOPInstanceUID == new_uid
    series = derived.ReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == original.SeriesInstanceUID
    assert series.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == new_uid
    assert series.ReferencedInstanceSequence[0].ReferencedImageSequence[0].ReferencedSOPInstanceUID == new_uid
    assert derived.StudyInstanceUID == original.StudyInstanceUID
    assert derived.FrameOfReferenceUID == original.FrameOfReferenceUID
    assert derived.ReferencedImageSequence[0].ReferencedSOPClassUID == CTImageStorage  # class UIDs kept


def test_another_key_gives_other_uids():
    a = _image("P1", "1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.1", "20200101")
    b = _image("P1", "1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.1", "20200101")
    deidentify_dataset(a, load_profile("basic"), Pseudonymizer(KEY))
    deidentify_dataset(b, load_profile("basic"), Pseudonymizer(b"another-key-of-32-bytes-for-test"))
    assert a.SOPInstanceUID != b.SOPInstanceUID and a.StudyInstanceUID != b.StudyInstanceUID


def test_file_meta_is_rebuilt_around_the_new_instance_uid():
    ds = _image("P1", "1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.1", "20200101")
    deidentify_dataset(ds, load_profile("teaching"), Pseudonymizer(KEY))
    meta = ds.file_meta
    assert meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert meta.MediaStorageSOPClassUID == CTImageStorage
    assert meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert meta.ImplementationClassUID == IMPLEMENTATION_CLASS_UID
    assert meta.ImplementationVersionName == "RADSHARE_0_1"
    assert "SourceApplicationEntityTitle" not in meta


def _date(text: str) -> datetime.date:
    return datetime.datetime.strptime(text[:8], "%Y%m%d").date()


def test_one_patients_dates_shift_together_across_studies_and_another_patient_shifts_differently():
    profile = load_profile("research")
    first = _image("P1", "1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.1", "20200101")
    second = _image("P1", "1.2.3.2", "1.2.3.2.1", "1.2.3.2.1.1", "20200301")
    other = _image("P2", "1.2.3.3", "1.2.3.3.1", "1.2.3.3.1.1", "20200101")
    for ds in (first, second, other):
        deidentify_dataset(ds, profile, Pseudonymizer(KEY))
    shift_1 = _date(first.StudyDate) - datetime.date(2020, 1, 1)
    shift_2 = _date(second.StudyDate) - datetime.date(2020, 3, 1)
    shift_other = _date(other.StudyDate) - datetime.date(2020, 1, 1)
    assert shift_1 == shift_2 and shift_1.days != 0
    assert shift_other != shift_1
    assert (_date(second.StudyDate) - _date(first.StudyDate)).days == 60  # the interval survives
    assert first.AcquisitionDateTime[8:] == "100000"  # times of day kept to the hour only
    assert _date(first.AcquisitionDateTime) == _date(first.StudyDate)
    assert first.LongitudinalTemporalInformationModified == "MODIFIED"


def test_a_patients_files_share_one_pseudonym_and_another_patient_gets_another():
    profile = load_profile("teaching")
    a1 = _image("P1", "1.2.3.1", "1.2.3.1.1", "1.2.3.1.1.1", "20200101")
    a2 = _image("P1", "1.2.3.2", "1.2.3.2.1", "1.2.3.2.1.1", "20200301")
    b = _image("P2", "1.2.3.3", "1.2.3.3.1", "1.2.3.3.1.1", "20200101")
    for ds in (a1, a2, b):
        deidentify_dataset(ds, profile, Pseudonymizer(KEY))
    assert str(a1.PatientName) == str(a2.PatientName) == a1.PatientID == a2.PatientID
    assert a1.PatientID.startswith("RS-") and b.PatientID != a1.PatientID
