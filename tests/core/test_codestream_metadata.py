"""Comments and EXIF hidden inside compressed frames never leave, and the pixels stay exactly the same.

The frames are made by real encoders (dcmtk for JPEG and JPEG-LS, OpenJPEG through pydicom for
JPEG 2000); identifying segments are then planted into each frame header, the file goes through
the whole pipeline, and the output is searched byte for byte.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate, generate_frames

from radshare.core.deid.codestream import strip_frame
from radshare.core.pipeline import process_item, settings_for_installation
from radshare.core.sources import InputItem
from tests.fixtures.dicom_factory import dcmtk_available, make_image, to_bytes

TOKEN = b"DOE^JANE-MRN-4711"
SYNTAXES = ["jpeg2000-lossless"] + (["jpeg-baseline", "jpeg-lossless", "jpeg-ls-lossless"] if dcmtk_available() else [])


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _plant(frame: bytes) -> bytes:
    """A COM and an APP1 (EXIF-like, with a 'thumbnail') after the start marker; for JPEG 2000 a COM."""
    if frame.startswith(b"\xff\xd8"):
        exif = b"Exif\x00\x00" + b"Artist\x00" + TOKEN + b"\x00thumbnail" + TOKEN
        return frame[:2] + _segment(0xFE, b"patient " + TOKEN) + _segment(0xE1, exif) + frame[2:]
    siz_end = 4 + struct.unpack(">H", frame[4:6])[0]  # SOC, SIZ marker, then SIZ's length field
    return frame[:siz_end] + _segment(0x64, b"\x00\x01" + TOKEN) + frame[siz_end:]


def _planted_file(syntax: str) -> tuple[bytes, np.ndarray]:
    image = make_image(rows=32, cols=48, frames=3, bits=8 if syntax == "jpeg-baseline" else 16, modality="CT")
    ds = pydicom.dcmread(io.BytesIO(to_bytes(image, syntax)))
    frames = [_plant(f) for f in generate_frames(ds.PixelData, number_of_frames=3)]
    pixels = ds.pixel_array.copy()
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].is_undefined_length = True
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue(), pixels


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_planted_segments_are_gone_and_pixels_unchanged(syntax, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    data, pixels = _planted_file(syntax)
    assert data.count(TOKEN) >= 3
    source = tmp_path / "in.dcm"
    source.write_bytes(data)
    report = process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out",
                          settings_for_installation(text_redaction="off"))
    assert report.status == "ok", report.error
    output = open(report.outputs[0], "rb").read()
    assert TOKEN not in output and TOKEN.lower() not in output.lower()
    assert report.actions["removed"] >= 3
    out = pydicom.dcmread(io.BytesIO(output))
    assert str(out.file_meta.TransferSyntaxUID) == str(pydicom.dcmread(io.BytesIO(data)).file_meta.TransferSyntaxUID)
    np.testing.assert_array_equal(out.pixel_array, pixels)


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_frames_without_such_segments_are_copied_byte_for_byte(syntax, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    image = make_image(rows=32, cols=48, frames=2, bits=8 if syntax == "jpeg-baseline" else 16)
    ds = pydicom.dcmread(io.BytesIO(to_bytes(image, syntax)))
    frames = [strip_frame(f)[0] for f in generate_frames(ds.PixelData, number_of_frames=2)]
    ds.PixelData = encapsulate(frames)
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    source = tmp_path / "in.dcm"
    source.write_bytes(buffer.getvalue())
    report = process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out",
                          settings_for_installation(text_redaction="off"))
    out = pydicom.dcmread(report.outputs[0])
    assert out.PixelData == ds.PixelData


def test_colour_segments_decoders_need_are_kept():
    jfif = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    adobe = _segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01")
    frame = b"\xff\xd8" + jfif + adobe + _segment(0xFE, TOKEN) + b"\xff\xda\x00\x02" + b"\x12\x34\xff\xd9"
    cleaned, removed = strip_frame(frame)
    assert removed == 1 and TOKEN not in cleaned
    assert jfif in cleaned and adobe in cleaned and cleaned.endswith(b"\xff\xda\x00\x02\x12\x34\xff\xd9")


def test_a_header_that_does_not_parse_is_left_alone():
    broken = b"\xff\xd8\xff\xfe\x40\x00short"
    assert strip_frame(broken) == (broken, 0)
    assert strip_frame(b"not a codestream") == (b"not a codestream", 0)
