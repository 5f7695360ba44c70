"""RLE Pixel Data leaves holding its pixels and nothing else.

An RLE decoder stops once a frame is full, so bytes after a segment's runs, a fragment after the
last frame, or bits above High Bit could carry a name unseen. RLE frames are decoded and encoded
again: the pixel values stay exactly the same, anything else goes or the file is refused.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_fragments
from pydicom.pixels import pixel_array

from tests.fixtures.encapsulated import with_frames
from tests.fixtures.pipeline import deidentify_bytes
from tests.fixtures.dicom_factory import make_image, to_bytes

TOKEN = b"DOE^JANE-MRN-4711"


def _rle(**kwargs) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(to_bytes(make_image(rows=24, cols=40, **kwargs), "rle")))


def _run(tmp_path, monkeypatch, data: bytes):
    return deidentify_bytes(tmp_path, monkeypatch, data)


@pytest.mark.parametrize("kwargs", [dict(bits=16), dict(bits=8), dict(bits=16, frames=3), dict(bits=16, signed=True),
                                    dict(bits=8, photometric="RGB"), dict(bits=8, photometric="YBR_FULL", frames=2)])
def test_bytes_after_the_runs_go_and_the_pixels_stay(kwargs, tmp_path, monkeypatch):
    ds = _rle(**kwargs)
    pixels = ds.pixel_array.copy()
    fragments = list(generate_fragments(ds.PixelData))[1:]
    data = with_frames(ds, [f + b"after the runs: " + TOKEN for f in fragments])
    report = _run(tmp_path, monkeypatch, data)
    assert report.status == "ok", report.error
    output = open(report.outputs[0], "rb").read()
    assert TOKEN not in output
    out = pydicom.dcmread(io.BytesIO(output))
    assert out.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
    assert out.SOPInstanceUID.startswith("2.25.") and out.SOPInstanceUID == out.file_meta.MediaStorageSOPInstanceUID
    assert np.array_equal(out.pixel_array, pixels)


def test_a_fragment_after_the_last_frame_refuses_the_file(tmp_path, monkeypatch):
    ds = _rle(bits=16)
    fragments = list(generate_fragments(ds.PixelData))[1:]
    report = _run(tmp_path, monkeypatch, with_frames(ds, fragments + [b"report of " + TOKEN]))
    assert report.status == "error"
    assert "2 RLE fragments where the header says 1 frames" in report.error
    assert not any(p.is_file() for p in tmp_path.glob("out*/**/*"))


def test_bits_above_high_bit_are_cleared(tmp_path, monkeypatch):
    image = make_image(rows=24, cols=40, bits=16, stored=12)
    clean = image.pixel_array.copy()
    hidden = clean | np.uint16(0x8000) * (np.arange(clean.size).reshape(clean.shape) % 2).astype(np.uint16)
    image.BitsStored, image.HighBit = 16, 15  # so the encoder keeps the hidden bits...
    image.compress(pydicom.uid.RLELossless, hidden.astype(np.uint16), encoding_plugin="pydicom")
    image.BitsStored, image.HighBit = 12, 11  # ...which the header then says are not pixel bits
    buffer = io.BytesIO()
    image.save_as(buffer, enforce_file_format=True)
    assert _all_bits(buffer.getvalue()).max() >= 0x8000
    report = _run(tmp_path, monkeypatch, buffer.getvalue())
    assert report.status == "ok", report.error
    assert report.actions["removed"] >= 1
    assert np.array_equal(_all_bits(open(report.outputs[0], "rb").read()), clean)


def _all_bits(data: bytes) -> np.ndarray:
    """The decoded words with every bit, also those above High Bit (decoders mask them)."""
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.BitsStored, ds.HighBit = 16, 15
    return pixel_array(ds, raw=True)
