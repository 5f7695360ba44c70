"""Odd values (empty, multi-valued, wrong for the VR, undecodable) never crash de-identification."""

from __future__ import annotations

import io
import warnings

import pydicom
from hypothesis import HealthCheck, given, settings, strategies as st
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian

from radshare.core.deid.header import deidentify_dataset, describe
from radshare.core.deid.profile import Options, Profile, load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer

PSEUDO = Pseudonymizer(b"hypothesis-test-key-32-bytes-ok!")
EVERY_OPTION = Profile("everything", Options(
    retain_safe_private=True, retain_device_identity=True, retain_institution_identity=True,
    retain_patient_characteristics=True, retain_longitudinal="modified", clean_descriptors=True,
    clean_structured_content=True, clean_graphics=True))
# (tag, VR) pairs covering every action: Z, D, X, U, C, K, combined codes, safe, unknown, private.
TAGS = [
    (0x00100010, "PN"), (0x00100020, "LO"), (0x00100030, "DA"), (0x00080021, "DA"), (0x0008002A, "DT"),
    (0x00080030, "TM"), (0x00080018, "UI"), (0x0020000D, "UI"), (0x00081030, "LO"), (0x00101010, "AS"),
    (0x00101020, "DS"), (0x00080080, "LO"), (0x00181000, "LO"), (0x00200010, "SH"), (0x00080008, "CS"),
    (0x00280030, "DS"), (0x00281050, "DS"), (0x00200013, "IS"), (0x00080016, "UI"), (0x00200242, "UI"),
    (0x00091001, "LO"), (0x00090010, "LO"), (0x60003000, "OW"), (0x60000022, "LO"), (0x50000022, "LO"),
    (0x00404000, "LT"), (0x00102160, "SH"), (0x00000000, "UL"), (0x7FE00010, "OB"), (0x00190010, "LO"),
    (0x0019100C, "IS"), (0x00080104, "LO"), (0x00400555, "SQ"),
]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
VALUES = st.one_of(
    st.none(), st.just(""), TEXT, st.lists(TEXT, max_size=4), st.binary(max_size=24),
    st.sampled_from(["19700101", "1970", "2021-03-12", "abc", "20210230", "99999999", "1.2.840.10008.1.2",
                     "1.2.3", "0.0", "-", "\\", "DOE^JANE^^^", "1\\2\\3", " " * 70]),
)


def _element(tag: int, vr: str, value) -> DataElement | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return DataElement(tag, vr, value)
    except Exception:  # noqa: BLE001 - pydicom refuses some values outright; nothing to test then
        return None


@st.composite
def datasets(draw, depth: int = 0):
    ds = Dataset()
    for tag, vr in draw(st.lists(st.sampled_from(TAGS), max_size=12, unique=True)):
        elem = _element(tag, vr, draw(VALUES))
        if elem is not None:
            ds[tag] = elem
    if depth < 3 and draw(st.booleans()):
        ds.ReferencedImageSequence = Sequence(draw(st.lists(datasets(depth=depth + 1), max_size=2)))
    return ds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(), st.sampled_from(["basic", "teaching", "research", "everything"]))
def test_odd_values_never_crash(ds, name):
    profile = EVERY_OPTION if name == "everything" else load_profile(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        describe(ds, profile, PSEUDO)
        deidentify_dataset(ds, profile, PSEUDO)
    assert ds.PatientIdentityRemoved == "YES"
    if name != "everything":
        assert not any(elem.tag.is_private for elem in ds)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TAGS), st.binary(max_size=20)), max_size=10))
def test_raw_undecodable_values_read_from_bytes_never_crash(elements):
    """Implicit VR bytes with arbitrary values: pydicom decodes them lazily, some fail to decode."""
    body = b""
    for (tag, _), value in sorted(dict((t, v) for t, v in elements).items()):
        if tag == 0x7FE00010:
            continue
        value += b"\x00" * (len(value) % 2)
        body += tag.to_bytes(4, "big")[:2][::-1] + tag.to_bytes(4, "big")[2:][::-1] + len(value).to_bytes(4, "little")
        body += value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(io.BytesIO(body), force=True)
        except Exception:  # noqa: BLE001 - not readable at all: the reader's concern, not ours
            return
        ds.file_meta = pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        describe(ds, load_profile("teaching"), PSEUDO)
        deidentify_dataset(ds, load_profile("teaching"), PSEUDO)


def test_absurdly_deep_nesting_is_cut_not_fatal():
    ds = Dataset()
    ds.PatientName = "DOE^JANE"
    inner = ds
    for _ in range(80):
        item = Dataset()
        item.ReferencedSOPInstanceUID = "1.2.3.4"
        inner.ReferencedSeriesSequence = Sequence([item])
        inner = item
    deidentify_dataset(ds, load_profile("teaching"), PSEUDO)
    depth, inner = 0, ds
    while "ReferencedSeriesSequence" in inner:
        inner, depth = inner.ReferencedSeriesSequence[0], depth + 1
    assert 0 < depth < 80
    assert inner.ReferencedSOPInstanceUID.startswith("2.25.")
