"""Binary values RadShare keeps (lookup tables, ICC profile, offset tables, Float Pixel Data) leave
holding exactly their data: bytes past a table's last entry, an ICC profile naming the patient
and an offset table that is not the frames' own never leave. Clean values keep their bytes."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from PIL import ImageCms
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate_extended
from pydicom.sequence import Sequence

from radshare.core.deid.codestream import strip_frame
from tests.fixtures.pipeline import deidentify_bytes
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.leakscan import scan_bytes

TOKEN = "ZEBRAKOV-MRN-4711"


def _run(tmp_path, monkeypatch, ds: Dataset, syntax: str = "explicit-le"):
    """De-identify `ds` (written in `syntax`, or as it is when empty) into a fresh folder."""
    report = deidentify_bytes(tmp_path, monkeypatch, to_bytes(ds, syntax) if syntax else _saved(ds))
    assert report.status == "ok", report.error
    data = open(report.outputs[0], "rb").read()
    return data, pydicom.dcmread(io.BytesIO(data))


def _saved(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le"])
def test_palette_tables_are_cut_to_their_entries(syntax, tmp_path, monkeypatch):
    ds = make_image(rows=16, cols=16, bits=8)
    ds.PhotometricInterpretation = "PALETTE COLOR"
    table = np.arange(256, dtype="<u2").tobytes()
    for colour in ("Red", "Green", "Blue"):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", table + f"report of {TOKEN}".encode())
    data, out = _run(tmp_path, monkeypatch, ds, syntax)
    assert scan_bytes(data, [TOKEN]) == []
    assert out.RedPaletteColorLookupTableData == table


def test_lut_data_in_a_sequence_is_cut_and_a_full_table_kept(tmp_path, monkeypatch):
    ds = make_image(rows=16, cols=16, bits=16)
    modality, voi = Dataset(), Dataset()
    modality.LUTDescriptor, modality.ModalityLUTType = [4, 0, 16], "HU"
    modality.LUTData = np.arange(4, dtype="<u2").tobytes() + TOKEN.encode()
    modality["LUTData"].VR = "OW"
    voi.LUTDescriptor = [4, 0, 16]
    voi.LUTData = np.array([7, 8, 9, 10], dtype="<u2").tobytes()
    voi["LUTData"].VR = "OW"
    ds.ModalityLUTSequence, ds.VOILUTSequence = Sequence([modality]), Sequence([voi])
    data, out = _run(tmp_path, monkeypatch, ds)
    assert scan_bytes(data, [TOKEN]) == []
    assert out.ModalityLUTSequence[0].LUTData == np.arange(4, dtype="<u2").tobytes()
    assert out.VOILUTSequence[0].LUTData == voi.LUTData


def test_an_icc_profile_naming_the_patient_goes_and_a_plain_one_stays(tmp_path, monkeypatch):
    ds = make_image(rows=16, cols=16, bits=8, photometric="RGB")
    ds.ICCProfile = _srgb() + "desc: ".encode() + "DOE JANE".encode("utf-16-be")
    data, out = _run(tmp_path, monkeypatch, ds)
    assert "ICCProfile" not in out
    ds.ICCProfile = _srgb()
    _, out = _run(tmp_path, monkeypatch, ds)
    assert out.ICCProfile == _srgb()


def test_float_pixel_data_is_cut_to_its_frames(tmp_path, monkeypatch):
    ds = make_image(rows=8, cols=8, bits=16)
    for keyword in ("PixelData", "BitsStored", "HighBit", "PixelRepresentation"):
        delattr(ds, keyword)
    ds.BitsAllocated = 32
    values = np.linspace(0, 1, 64, dtype="<f4").tobytes()
    ds.FloatPixelData = values + f"after the frames: {TOKEN}".encode()
    data, out = _run(tmp_path, monkeypatch, ds)
    assert scan_bytes(data, [TOKEN]) == []
    assert out.FloatPixelData == values


def test_an_offset_table_beside_native_pixels_goes(tmp_path, monkeypatch):
    ds = make_image(rows=16, cols=16, bits=16)
    ds.ExtendedOffsetTable = TOKEN.encode() + b"\x00" * 7
    data, out = _run(tmp_path, monkeypatch, ds)
    assert "ExtendedOffsetTable" not in out and scan_bytes(data, [TOKEN]) == []


def test_the_frames_own_offset_table_stays_and_a_forged_one_goes(tmp_path, monkeypatch):
    image = make_image(rows=32, cols=32, frames=3, bits=16)
    encoded = pydicom.dcmread(io.BytesIO(to_bytes(image, "jpeg2000-lossless")))
    # frames without the encoder's comment, so nothing in them changes on the way
    frames = [strip_frame(f)[0] for f in pydicom.encaps.generate_frames(encoded.PixelData, number_of_frames=3)]
    encoded.PixelData, offsets, lengths = encapsulate_extended(frames)
    encoded["PixelData"].is_undefined_length = True
    encoded.ExtendedOffsetTable, encoded.ExtendedOffsetTableLengths = offsets, lengths
    _, out = _run(tmp_path, monkeypatch, encoded, syntax="")
    assert out.PixelData == encoded.PixelData
    assert (out.ExtendedOffsetTable, out.ExtendedOffsetTableLengths) == (offsets, lengths)
    encoded.ExtendedOffsetTable = offsets[:-8] + TOKEN.encode()[:8]
    data, out = _run(tmp_path, monkeypatch, encoded, syntax="")
    assert "ExtendedOffsetTable" not in out and "ExtendedOffsetTableLengths" not in out
    assert scan_bytes(data, [TOKEN[:8]]) == []
    assert np.array_equal(out.pixel_array, image.pixel_array)


def test_segmented_palette_tables_end_with_their_last_segment(tmp_path, monkeypatch):
    ds = make_image(rows=16, cols=16, bits=8)
    ds.PhotometricInterpretation = "PALETTE COLOR"
    # 256 entries: a discrete segment of 2, a linear ramp of 126, then the two repeated (indirect).
    segments = np.array([0, 2, 0, 10, 1, 126, 65535, 2, 2, 0, 0], dtype="<u2").tobytes()
    for colour in ("Red", "Green", "Blue"):
        setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
        setattr(ds, f"{colour}PaletteColorLookupTableData", np.zeros(256, dtype="<u2").tobytes())
        setattr(ds, f"Segmented{colour}PaletteColorLookupTableData", segments + f"note {TOKEN}".encode())
    data, out = _run(tmp_path, monkeypatch, ds)
    assert scan_bytes(data, [TOKEN]) == []
    assert out.SegmentedRedPaletteColorLookupTableData == segments
