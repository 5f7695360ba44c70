"""Clean (C) scrubs the data set's own identifiers and ID-like text; the de-identification is recorded."""

from __future__ import annotations

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

from radshare.core.deid.header import HeaderResult, deidentify_dataset, describe, mark_pixels_cleaned
from radshare.core.deid.profile import Options, Profile, load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer

PSEUDO = Pseudonymizer(b"clean-and-record-key-32-bytes-ok")


def _ct() -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = "1.2.3.4.5"
    ds.PatientName = "DOE^JANE"
    ds.PatientID = "7654321"
    ds.PatientBirthDate = "19700314"
    ds.StudyDate = "20210312"
    ds.InstitutionName = "Springfield General"
    ds.StudyDescription = "CT HEAD DOE JANE 12/03/2021 MRN 7654321"
    ds.SeriesDescription = "AX 5mm 555-123-4567 jdoe@example.org 2021-03-12"
    ds.ImageComments = "Jane Doe, DOB 14.03.1970, Springfield General"
    ds.ProtocolName = "HEAD ROUTINE"
    ds.PatientAge = "051Y"
    ds.PatientSex = "F"
    ds.Modality = "CT"
    return ds


def test_descriptors_keep_their_teaching_words_and_lose_the_patients_identifiers():
    ds = _ct()
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert "ImageComments" not in ds  # free narrative: removed whole under teaching
    text = " ".join([ds.StudyDescription, ds.SeriesDescription, ds.ProtocolName]).upper()
    for leaked in ("DOE", "JANE", "7654321", "12/03/2021", "555-123-4567", "JDOE@", "2021-03-12", "SPRINGFIELD",
                   "14.03.1970"):
        assert leaked not in text, leaked
    assert ds.StudyDescription.startswith("CT HEAD")
    assert "AX 5mm" in ds.SeriesDescription
    assert ds.ProtocolName == "HEAD ROUTINE"
    assert ds.PatientAge == "051Y" and ds.PatientSex == "F"  # Retain Patient Characteristics


def test_basic_profile_removes_descriptors_entirely():
    ds = _ct()
    deidentify_dataset(ds, load_profile("basic"), PSEUDO)
    for keyword in ("StudyDescription", "SeriesDescription", "ImageComments", "PatientAge"):
        assert keyword not in ds
    assert ds.ProtocolName == "ANONYMIZED"  # X/D: a dummy, as the attribute is Type 1 in some IODs


def test_structured_content_text_is_scrubbed_not_kept_verbatim():
    ds = _ct()
    item = Dataset()
    item.ValueType = "TEXT"
    item.RelationshipType = "CONTAINS"
    item.TextValue = "Findings for Jane DOE (7654321): 2 cm nodule"
    nested = Dataset()
    nested.ValueType = "TEXT"
    nested.TextValue = "compared with 2020-01-02 study, DOE stable"
    item.ContentSequence = Sequence([nested])
    ds.ContentSequence = Sequence([item])
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    first = ds.ContentSequence[0]
    assert first.TextValue == "Findings for [NAME] ([ID]): 2 cm nodule"
    assert first.ContentSequence[0].TextValue == "compared with [DATE] study, [NAME] stable"
    ds = _ct()
    ds.ContentSequence = Sequence([item])
    deidentify_dataset(ds, load_profile("basic"), PSEUDO)
    assert len(ds.ContentSequence) == 0  # D on a sequence: emptied


def test_the_record_names_the_profile_and_one_cid7050_code_per_option():
    ds = _ct()
    result = deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert isinstance(result, HeaderResult)
    assert set(result.actions) == {"removed", "replaced", "emptied", "uids"}
    assert result.options_applied == ["retain_patient_characteristics", "clean_descriptors", "clean_structured_content"]
    assert ds.PatientIdentityRemoved == "YES"
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113108", "113105", "113104"]
    assert all(item.CodingSchemeDesignator == "DCM" for item in ds.DeidentificationMethodCodeSequence)
    assert ds.DeidentificationMethod[0] == "RadShare 0.1.0 profile teaching"
    assert ds.LongitudinalTemporalInformationModified == "REMOVED"
    mark_pixels_cleaned(ds)
    mark_pixels_cleaned(ds)  # idempotent
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert codes.count("113101") == 1
    assert "Clean Pixel Data Option" in ds.DeidentificationMethod


def test_an_input_claiming_to_be_deidentified_is_overwritten_with_the_truth():
    ds = _ct()
    ds.PatientIdentityRemoved = "NO"
    ds.DeidentificationMethod = "someone else"
    deidentify_dataset(ds, load_profile("basic"), PSEUDO)
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.DeidentificationMethod[0].startswith("RadShare")


def test_unknown_attributes_are_removed_and_unregistered_uids_replaced():
    ds = _ct()
    ds.ScheduledProcedureStepSequence = Sequence([Dataset()])  # public, not in the table, not known safe
    ds.add_new(0x00200242, "UI", "1.2.3.4.99")  # SOP Instance UID of Concatenation Source
    ds.add_new(0x00041512, "UI", "1.2.840.10008.1.2.1")  # Referenced Transfer Syntax UID in File
    ds.add_new(0x00000000, "UL", 4)  # command group length has no place in a file
    ds.add_new(0x00231001, "LO", "private")
    plan = {a.keyword: a for a in describe(ds, load_profile("teaching"), PSEUDO)}
    assert plan["ScheduledProcedureStepSequence"].reason == "not in profile and not known safe"
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert "ScheduledProcedureStepSequence" not in ds
    assert ds[0x00200242].value == PSEUDO.uid("1.2.3.4.99")
    assert ds[0x00041512].value == "1.2.840.10008.1.2.1"  # a registered UID is no identifier
    assert 0x00000000 not in ds and 0x00231001 not in ds


def test_retain_uids_keeps_instance_uids_and_the_meta_follows():
    ds = _ct()
    deidentify_dataset(ds, Profile("uids", Options(retain_uids=True)), PSEUDO)
    assert ds.SOPInstanceUID == "1.2.3.4.5" == ds.file_meta.MediaStorageSOPInstanceUID


def test_full_dates_are_kept_and_marked_unmodified():
    ds = _ct()
    deidentify_dataset(ds, Profile("full", Options(retain_longitudinal="full")), PSEUDO)
    assert ds.StudyDate == "20210312"
    assert ds.PatientBirthDate == ""  # Z: not a longitudinal date
    assert ds.LongitudinalTemporalInformationModified == "UNMODIFIED"


def test_retain_institution_and_device_identity_keep_what_they_name():
    ds = _ct()
    ds.StationName = "CT01"
    ds.DeviceSerialNumber = "SN-998877"
    deidentify_dataset(ds, Profile("p", Options(retain_institution_identity=True, retain_device_identity=True)), PSEUDO)
    assert ds.InstitutionName == "Springfield General"
    assert ds.StationName == "CT01" and ds.DeviceSerialNumber == "SN-998877"
    codes = [item.CodeValue for item in ds.DeidentificationMethodCodeSequence]
    assert "113112" in codes and "113109" in codes


def _annotated() -> Dataset:
    ds = _ct()
    text = Dataset()
    text.UnformattedTextValue = "Jane DOE 7654321 lesion"
    text.BoundingBoxAnnotationUnits = "PIXEL"
    graphic = Dataset()
    graphic.GraphicAnnotationUnits = "PIXEL"
    graphic.GraphicType = "POLYLINE"
    graphic.GraphicData = [1.0, 1.0, 5.0, 5.0]
    annotation = Dataset()
    annotation.GraphicLayer = "LAYER1"
    annotation.TextObjectSequence = Sequence([text])
    annotation.GraphicObjectSequence = Sequence([graphic])
    ds.GraphicAnnotationSequence = Sequence([annotation])
    return ds


def test_clean_graphics_keeps_annotations_with_their_text_scrubbed():
    ds = _annotated()
    deidentify_dataset(ds, Profile("g", Options(clean_graphics=True)), PSEUDO)
    annotation = ds.GraphicAnnotationSequence[0]
    assert annotation.TextObjectSequence[0].UnformattedTextValue == "[NAME] [ID] lesion"
    assert annotation.GraphicObjectSequence[0].GraphicData == [1.0, 1.0, 5.0, 5.0]
    ds = _annotated()
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert len(ds.GraphicAnnotationSequence) == 0  # D on a sequence: emptied


def test_scrubbed_text_never_outgrows_its_vr():
    ds = _ct()
    ds.PatientName = "LI^WU"
    ds.StudyDescription = "LI WU LI WU LI WU LI WU LI WU LI WU LI WU LI WU LI WU LI WU LI W"
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert len(ds.StudyDescription) <= 64 and "LI" not in ds.StudyDescription.replace("*", "")


def test_a_profile_can_pseudonymise_more_attributes(tmp_path):
    path = tmp_path / "accession.toml"
    path.write_text('name = "acc"\n[pseudonyms]\nattributes = ["PatientName", "PatientID", "AccessionNumber"]\n')
    first, second = _ct(), _ct()
    first.AccessionNumber = second.AccessionNumber = "ACC12345"
    for ds in (first, second):
        deidentify_dataset(ds, load_profile(str(path)), PSEUDO)
    assert first.AccessionNumber.startswith("RS-") and len(first.AccessionNumber) <= 16
    assert first.AccessionNumber == second.AccessionNumber != first.PatientID


def test_code_meanings_inside_cleaned_content_are_scrubbed_too():
    ds = _ct()
    concept = Dataset()
    concept.CodeValue = "L-1"
    concept.CodingSchemeDesignator = "99LOCAL"
    concept.CodeMeaning = "Finding for DOE 7654321"
    item = Dataset()
    item.ValueType = "CODE"
    item.ConceptCodeSequence = Sequence([concept])
    ds.ContentSequence = Sequence([item])
    plan = [a for a in describe(ds, load_profile("teaching"), PSEUDO) if a.keyword == "CodeMeaning"]
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert ds.ContentSequence[0].ConceptCodeSequence[0].CodeMeaning == "Finding for [NAME] [ID]"
    assert plan[0].action == "cleaned" and plan[0].new_value == "Finding for [NAME] [ID]"


def test_extra_pseudonym_attribute_gets_a_keyed_token_on_every_path():
    """A profile may pseudonymise more than the patient's name and ID (here the accession number):
    decided from the raw element, from the decoded one and in the what-if view, the value is the same."""
    import dataclasses
    import io

    import pydicom

    from radshare.core.deid.header import deidentify_dataset, describe
    from radshare.core.deid.profile import load_profile
    from radshare.core.deid.pseudonyms import Pseudonymizer
    from tests.fixtures.dicom_factory import make_image, to_bytes

    profile = load_profile("teaching")
    profile = dataclasses.replace(profile, pseudonym_attributes=(*profile.pseudonym_attributes, "AccessionNumber"))
    pseudo = Pseudonymizer(b"extra-pseudonym-key-32-bytes-ok!")
    data = to_bytes(make_image(), "explicit-le")
    raw_read = pydicom.dcmread(io.BytesIO(data))
    decoded_read = pydicom.dcmread(io.BytesIO(data))
    decoded_read.AccessionNumber  # decoded before the walk
    planned = {a.keyword: a for a in describe(pydicom.dcmread(io.BytesIO(data)), profile, pseudo)}
    deidentify_dataset(raw_read, profile, pseudo)
    deidentify_dataset(decoded_read, profile, pseudo)
    token = raw_read.AccessionNumber
    assert token.startswith("RS-") and "ACC-2718" not in token
    assert decoded_read.AccessionNumber == token == planned["AccessionNumber"].new_value
    assert raw_read.PatientID == decoded_read.PatientID == planned["PatientID"].new_value
