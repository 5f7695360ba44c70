"""Free text RadShare keeps (known-safe attributes, K rows) never carries the patient's own name,
ID or dates: a technician can type them anywhere, e.g. into a window explanation or a code meaning.

The kept value stays, with those words masked; kept text that does not name the patient is
copied unchanged.
"""

from __future__ import annotations

import csv

import pytest
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from radshare.core.deid.header import describe
from radshare.core.pipeline import process_item, profile_for, pseudonymizer_for, settings_for_installation
from radshare.core.resources import resource_path
from radshare.core.sources import InputItem, read_dicom
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.leakscan import scan_bytes

NAME, ID, BIRTH = "ZEBRAKOV^QUILLA", "MRN99887766", "19610214"
TOKENS = ["ZEBRAKOV", "QUILLA", "MRN99887766", "99887766", "19610214", "14.02.1961"]
TEXT_VRS = {"LO", "LT", "SH", "ST", "UT", "UC"}


def _known_safe_text() -> list[str]:
    with open(resource_path("deid", "known-safe.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    keywords = []
    for row in rows:
        tag = row["tag"].strip("()").replace(",", "")
        if "x" in tag.lower():
            continue
        number = int(tag, 16)
        if number >> 16 not in (0x0002, 0x0012) and dictionary_VR(number) in TEXT_VRS:
            keywords.append(keyword_for_tag(number))
    return keywords


KNOWN_SAFE_TEXT = _known_safe_text()


def _dataset() -> Dataset:
    ds = make_image(rows=16, cols=16, bits=16)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = NAME, ID, BIRTH
    for index, keyword in enumerate(KNOWN_SAFE_TEXT):
        mention = [f"ZEBRAKOV {index}", "QUILLA", "MRN99887766", "no 99887766", "born 14.02.1961"][index % 5]
        setattr(ds, keyword, mention)
    ds.EthnicGroup = "QUILLA"  # K under Retain Patient Characteristics
    ds.ImageType = ["ORIGINAL", "PRIMARY", "ZEBRAKOV"]  # code strings: kept, known safe
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "T-D1100", "SRT", "Head of ZEBRAKOV, MRN99887766"
    ds.AnatomicRegionSequence = Sequence([code])
    return ds


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le"])
def test_kept_text_loses_the_patients_own_words(syntax, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    assert len(KNOWN_SAFE_TEXT) >= 20  # the data file lists them; a parsing slip would test nothing
    source = tmp_path / "in.dcm"
    source.write_bytes(to_bytes(_dataset(), syntax))
    report = process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out", settings_for_installation(text_redaction="off"))
    assert report.status == "ok", report.error
    data = open(report.outputs[0], "rb").read()
    assert scan_bytes(data, TOKENS) == []
    out = read_dicom(data, "out")
    assert out.WindowCenterWidthExplanation  # kept, masked: not removed
    # code meanings are free text wherever they sit: cleaned by the de-identifier
    assert str(out.AnatomicRegionSequence[0].CodeMeaning) == "Head of [NAME], [ID]"
    assert out.AnatomicRegionSequence[0].CodeValue == "T-D1100"
    assert list(out.ImageType) == ["ORIGINAL", "PRIMARY", "XXX"]  # still valid code strings


def test_kept_text_without_the_patients_words_is_copied_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    ds = make_image(rows=16, cols=16, bits=16)
    ds.PatientName, ds.PatientID = NAME, ID
    ds.Manufacturer, ds.ConvolutionKernel, ds.WindowCenterWidthExplanation = "ACME MEDICAL", "B30f", "BRAIN\\BONE"
    source = tmp_path / "in.dcm"
    source.write_bytes(to_bytes(ds, "explicit-le"))
    report = process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out", settings_for_installation(text_redaction="off"))
    out = read_dicom(open(report.outputs[0], "rb").read(), "out")
    assert (out.Manufacturer, out.ConvolutionKernel, list(out.WindowCenterWidthExplanation)) == ("ACME MEDICAL", "B30f", ["BRAIN", "BONE"])


def test_the_what_if_view_shows_the_masking(tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    settings = settings_for_installation(text_redaction="off")
    plan = describe(_dataset(), profile_for(settings), pseudonymizer_for(settings))
    lines = {p.keyword: p for p in plan}
    assert lines["Manufacturer"].action == "cleaned"
    assert "ZEBRAKOV" not in lines["Manufacturer"].new_value


def test_retained_safe_private_text_is_masked_too(tmp_path, monkeypatch):
    from radshare.core.deid.header import deidentify_dataset
    from radshare.core.deid.profile import Options, Profile

    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    ds = make_image(rows=16, cols=16, bits=16)
    ds.PatientName = NAME
    block = ds.private_block(0x0019, "SIEMENS MR HEADER", create=True)
    block.add_new(0x0C, "IS", "1000")
    block.add_new(0x0D, "CS", "ZEBRAKOV")
    settings = settings_for_installation(text_redaction="off")
    deidentify_dataset(ds, Profile("p", Options(retain_safe_private=True)), pseudonymizer_for(settings))
    kept = ds.private_block(0x0019, "SIEMENS MR HEADER")
    assert (kept[0x0C].value, kept[0x0D].value) == ("1000", "XXX")
