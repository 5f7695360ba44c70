"""Values a series repeats are decided once per patient context (radshare.core.deid.repeats), and
that shortcut never changes an output: not across patients, character sets or byte orders."""

from __future__ import annotations

import io

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file

from radshare.core.deid import repeats
from radshare.core.pipeline import process_item, settings_for_installation
from radshare.core.sources import InputItem, read_dicom
from tests.fixtures.dicom_factory import dcmtk_available, make_image, to_bytes
from tests.fixtures.leakscan import scan_bytes


def _run(tmp_path, name: str, data: bytes) -> bytes:
    source = tmp_path / "in" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    report = process_item(InputItem(path=source, display=name), tmp_path / "out", settings_for_installation(text_redaction="off"))
    assert report.status == "ok", report.error
    return open(report.outputs[0], "rb").read()


def _patient(name: str, patient_id: str, note: str, seed: int, charset: str | None = None):
    ds = make_image(rows=8, cols=8, seed=seed)
    if charset:
        ds.SpecificCharacterSet = charset
    ds.PatientName, ds.PatientID = name, patient_id
    ds.WindowCenterWidthExplanation = note  # known-safe text: kept, the patient's own words masked
    ds.ImageType = ["ORIGINAL", "PRIMARY", note.split()[0].upper()]
    return ds


@pytest.fixture(autouse=True)
def _fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    repeats._CONTEXTS.clear()
    yield
    repeats._CONTEXTS.clear()


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le"])  # implicit: the VR comes from the dictionary
def test_a_value_kept_for_one_patient_is_masked_for_the_patient_it_names(tmp_path, syntax):
    # Same stored bytes in both files: harmless for Jane Doe, the own name of the second patient.
    first = _run(tmp_path, "a.dcm", to_bytes(_patient("DOE^JANE", "ID-1", "ZEBRAKOV view", seed=1), syntax))
    second = _run(tmp_path, "b.dcm", to_bytes(_patient("ZEBRAKOV^QUILLA", "ID-2", "ZEBRAKOV view", seed=2), syntax))
    assert read_dicom(first, "a").WindowCenterWidthExplanation == "ZEBRAKOV view"
    assert list(read_dicom(first, "a").ImageType)[-1] == "ZEBRAKOV"
    assert scan_bytes(second, ["ZEBRAKOV", "QUILLA"]) == []
    assert read_dicom(second, "b").WindowCenterWidthExplanation == "*** view"


def test_the_same_bytes_in_another_character_set_are_decided_again(tmp_path):
    # b"M\xc3\x9cLLER": "MÃ\x9cLLER" in Latin-1 (kept), the patient's own "MÜLLER" in UTF-8 (masked).
    latin = _patient("MÜLLER^HANS", "ID-7", "MÃ\x9cLLER scout", seed=1, charset="ISO_IR 100")
    utf8 = _patient("MÜLLER^HANS", "ID-7", "MÜLLER scout", seed=2, charset="ISO_IR 192")
    assert latin.WindowCenterWidthExplanation.encode("latin-1") == utf8.WindowCenterWidthExplanation.encode("utf-8")
    kept = read_dicom(_run(tmp_path, "latin.dcm", to_bytes(latin)), "latin")
    masked = read_dicom(_run(tmp_path, "utf8.dcm", to_bytes(utf8)), "utf8")
    assert kept.WindowCenterWidthExplanation == "MÃ\x9cLLER scout"
    assert masked.WindowCenterWidthExplanation == "*** scout"


def _series() -> list[tuple[str, bytes]]:
    """A scanner's header (GE CT from pydicom's examples) over slices in several byte orders."""
    donor = dcmread(get_testdata_file("CT_small.dcm"), stop_before_pixels=True)
    syntaxes = ["explicit-le", "implicit-le", "deflate"] + (["explicit-be"] if dcmtk_available() else [])
    files = []
    for index in range(8):
        ds = make_image(rows=8, cols=8, seed=index)
        for elem in donor:
            if elem.tag.group != 0x0028:
                ds[elem.tag] = elem
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.10.1001.5.{index}"
        ds.InstanceNumber = index + 1
        ds.SliceLocation = float(index)
        ds.WindowCenterWidthExplanation = "WINDOW1" if index % 2 else "WINDOW2"
        files.append((f"{index}.dcm", to_bytes(ds, syntaxes[index % len(syntaxes)])))
    return files


def test_a_series_gives_the_same_bytes_as_files_decided_one_by_one(tmp_path):
    together = [_run(tmp_path / "together", name, data) for name, data in _series()]
    alone = []
    for name, data in _series():
        repeats._CONTEXTS.clear()
        alone.append(_run(tmp_path / "alone", name, data))
    assert together == alone
    assert sum(len(values) for values in repeats._CONTEXTS.values()) > 0  # the shortcut was taken
    assert len({dcmread(io.BytesIO(data)).SOPInstanceUID for data in together}) == 8
