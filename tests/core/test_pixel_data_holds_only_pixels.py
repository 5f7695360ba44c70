"""Pixel Data leaves holding its frames and nothing else: no bytes after the last frame, no images in sequences.

Readers ignore bytes after the last frame, and an icon or thumbnail inside a sequence item is an
image nobody reviewed for burned-in text: both could carry a name out unseen.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests.fixtures.pipeline import deidentify_bytes
from tests.fixtures.dicom_factory import make_image, to_bytes

TOKEN = b"DOE^JANE-MRN-4711"


def _run(tmp_path, monkeypatch, data: bytes):
    report = deidentify_bytes(tmp_path, monkeypatch, data)
    assert report.status == "ok", report.error
    return report, open(report.outputs[0], "rb").read()


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le", "explicit-be", "deflate"])
@pytest.mark.parametrize("bits, rows, cols", [(16, 16, 16), (8, 3, 3)])
def test_bytes_after_the_last_frame_are_cut(syntax, bits, rows, cols, tmp_path, monkeypatch):
    image = make_image(rows=rows, cols=cols, frames=2, bits=bits)
    pixels = image.pixel_array.copy()
    expected = rows * cols * 2 * bits // 8
    image.PixelData = image.PixelData[:expected] + b" after the frames: " + TOKEN + b"\x00"
    data = to_bytes(image, syntax)
    report, output = _run(tmp_path, monkeypatch, data)
    assert TOKEN not in output and TOKEN[:8] not in output
    out = pydicom.dcmread(io.BytesIO(output))
    assert len(out.PixelData) == expected + expected % 2
    np.testing.assert_array_equal(out.pixel_array, pixels)
    assert report.actions["removed"] >= 1


def test_exact_and_padded_pixel_data_is_kept_byte_for_byte(tmp_path, monkeypatch):
    image = make_image(rows=3, cols=3, bits=8)  # 9 bytes, written with one padding byte
    data = to_bytes(image, "explicit-le")
    _, output = _run(tmp_path, monkeypatch, data)
    assert pydicom.dcmread(io.BytesIO(output)).PixelData == pydicom.dcmread(io.BytesIO(data)).PixelData


def test_images_inside_sequence_items_are_removed(tmp_path, monkeypatch):
    image = make_image(rows=16, cols=16, bits=16)
    item = Dataset()
    item.ReferencedSOPClassUID = image.SOPClassUID
    item.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.10.1001.77"
    item.Rows, item.Columns, item.BitsAllocated, item.SamplesPerPixel = 8, 8, 8, 1
    item.PhotometricInterpretation = "MONOCHROME2"
    item.PixelData = (b"thumbnail " + TOKEN).ljust(64, b"-")
    image.ReferencedImageSequence = Sequence([item])
    image.SourceImageSequence = Sequence([item])
    _, output = _run(tmp_path, monkeypatch, to_bytes(image, "explicit-le"))
    assert TOKEN not in output and b"thumbnail" not in output
    out = pydicom.dcmread(io.BytesIO(output))
    kept = out.ReferencedImageSequence[0]
    assert "PixelData" not in kept and kept.ReferencedSOPInstanceUID.startswith("2.25.")
    assert len(out.PixelData) == 16 * 16 * 2


def test_native_ybr_full_422_is_not_mistaken_for_truncated(tmp_path, monkeypatch):
    image = make_image(rows=4, cols=4, bits=8)
    image.SamplesPerPixel, image.PhotometricInterpretation, image.PlanarConfiguration = 3, "YBR_FULL_422", 0
    image.PixelData = bytes(range(32))  # 2 samples a pixel
    _, output = _run(tmp_path, monkeypatch, to_bytes(image, "explicit-le"))
    assert pydicom.dcmread(io.BytesIO(output)).PixelData == bytes(range(32))
