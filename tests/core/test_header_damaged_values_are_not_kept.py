"""A damaged header can make one element swallow the rest of the file: such values are never kept."""

from __future__ import annotations

import io
import warnings

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian

from radshare.core.deid.header import deidentify_dataset, describe
from radshare.core.deid.plausible import plausible, plausible_length
from radshare.core.deid.profile import load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer

PSEUDO = Pseudonymizer(b"damaged-header-key-of-32-bytes!!")


def _file() -> bytes:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = "1.2.3.4"
    ds.Modality = "CT"
    ds.StudyDescription = "HEAD"
    ds.PatientName = "DOE^JANE"
    ds.PatientID = "PID-314159"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("keyword, vr", [("SOPClassUID", b"UI"), ("Modality", b"CS")])
def test_an_element_that_swallowed_the_patients_name_is_removed(keyword, vr):
    data = bytearray(_file())
    tag = pydicom.datadict.tag_for_keyword(keyword)
    head = (tag >> 16).to_bytes(2, "little") + (tag & 0xFFFF).to_bytes(2, "little") + vr
    at = data.index(head)
    rest = len(data) - (at + 8)
    data[at + 6:at + 8] = min(rest, 0xFFFF).to_bytes(2, "little")  # its length now covers everything after it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(io.BytesIO(bytes(data)), force=True)
        assert b"DOE^JANE" in str(ds[tag].value).encode("latin-1")  # the damage under test
        plan = {a.keyword: a for a in describe(ds, load_profile("teaching"), PSEUDO)}
        deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert plan[keyword].action == "removed" and "VR" in plan[keyword].reason
    assert tag not in ds
    assert "DOE" not in repr(ds)


def test_plausibility_rules():
    good = pydicom.DataElement(0x00080060, "CS", "CT")
    assert plausible(good)
    assert not plausible(pydicom.DataElement(0x00080060, "CS", "CT\x10\x00\x10\x00PNDOE^JANE"))
    assert not plausible(pydicom.DataElement(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.2 DOE"))
    assert not plausible(pydicom.DataElement(0x00280010, "US", [16, 17]))  # Rows has VM 1
    assert plausible(pydicom.DataElement(0x00281050, "DS", ["40", "400"]))
    assert plausible_length(0x7FE00010, "OW", 10**8)  # pixel data: bulk
    assert plausible_length(0x00280010, "US", 2) and not plausible_length(0x00280010, "US", 4)
    assert not plausible_length(0x00080060, "CS", 2)  # strings are always decoded and checked


def test_a_value_declared_with_a_vr_its_tag_never_has_is_not_kept():
    """A flipped tag byte turned Patient ID (LO) into Patient Orientation (CS): not kept."""
    ds = Dataset()
    ds.add_new(0x00200020, "LO", "PID-314159")
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    assert 0x00200020 not in ds
    assert plausible(pydicom.DataElement(0x7FE00010, "UN", b"\x00\x01"))  # bulk may be declared UN
