"""Bits above High Bit never leave inside compressed frames either.

The retired embedded overlays (a name label in bit 15 of 12-bit CT) survive lossless compression
when the codestream is coded at 16 bits: decoders hand those bits out and any tool can lift them.
Such frames are decoded and checked; when the bits are set, the pixels are stored native with
them cleaned. Frames coded at High Bit's precision cannot hold them and keep their exact bytes.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.pixels import pixel_array

from tests.fixtures.pipeline import deidentify_bytes
from tests.fixtures.dicom_factory import dcmtk_available, make_image, to_bytes

SYNTAXES = ["jpeg2000-lossless"] + (["jpeg-lossless", "jpeg-ls-lossless"] if dcmtk_available() else [])


def _label_in_a_high_bit(clean: np.ndarray) -> np.ndarray:
    label = np.zeros(clean.shape, dtype=np.uint16)
    label[..., 4:8, 4:20] = 0x4000  # a little bar where an overlay label would be (bit 14: signed data too)
    return clean ^ label  # flipped: a change from the clean high bits, whatever the sign


def _encoded_with_hidden_bits(syntax: str, signed: bool = False) -> tuple[bytes, np.ndarray]:
    image = make_image(rows=32, cols=32, frames=2, bits=16, stored=12, signed=signed)
    clean = image.pixel_array.view(np.uint16)  # signed values keep their sign extension
    image.BitsStored, image.HighBit = 16, 15  # the encoder codes all 16 bits...
    image.PixelData = _label_in_a_high_bit(clean).astype("<u2").tobytes()
    ds = pydicom.dcmread(io.BytesIO(to_bytes(image, syntax)))
    ds.BitsStored, ds.HighBit = 12, 11  # ...which the header says are 12
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue(), clean


def _run(tmp_path, monkeypatch, data: bytes):
    report = deidentify_bytes(tmp_path, monkeypatch, data)
    assert report.status == "ok", report.error
    return report, pydicom.dcmread(report.outputs[0])


@pytest.mark.parametrize("syntax, signed", [(s, False) for s in SYNTAXES] + [("jpeg2000-lossless", True)])
def test_bits_above_high_bit_in_compressed_frames_are_cleaned(syntax, signed, tmp_path, monkeypatch):
    data, clean = _encoded_with_hidden_bits(syntax, signed)
    source = pydicom.dcmread(io.BytesIO(data))
    source.BitsStored, source.HighBit = 16, 15
    found = pixel_array(source, raw=True).view(np.uint16)
    assert np.any((found & 0x4000) != (clean & 0x4000))  # the label is there to find
    _, out = _run(tmp_path, monkeypatch, data)
    assert out.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    words = np.frombuffer(out.PixelData, dtype="<u2").reshape(clean.shape)
    assert np.array_equal(words, clean)


def test_frames_coded_at_high_bits_precision_keep_their_bytes(tmp_path, monkeypatch):
    image = make_image(rows=32, cols=32, bits=16, stored=12)
    data = to_bytes(image, "jpeg2000-lossless")
    original = pydicom.dcmread(io.BytesIO(data))

    def no_decoding(*args, **kwargs):
        raise AssertionError("frames coded at 12 bits were decoded")

    monkeypatch.setattr("radshare.core.deid.pixelbits.iter_pixels", no_decoding)
    _, out = _run(tmp_path, monkeypatch, data)
    assert out.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert np.array_equal(out.pixel_array, original.pixel_array)
