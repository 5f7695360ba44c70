"""RLE frames that hold only their runs leave byte for byte; anything riding along sends them
through decode and encode, so it goes (rlestream.py).

Whatever path a frame takes, the pixels stay exactly the same; what the check must never do is
keep a frame that carries bytes a decoder ignores: a no-op run, a dangling run header, an offset
in the header's unused slots, bits above High Bit.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_fragments

from radshare.core.deid import rlestream
from tests.fixtures.dicom_factory import make_image, to_bytes
from tests.fixtures.encapsulated import with_frames
from tests.fixtures.pipeline import deidentify_bytes


def _rle(**kwargs) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(to_bytes(make_image(rows=24, cols=40, **kwargs), "rle")))


def _frames(ds: pydicom.Dataset) -> list[bytes]:
    return list(generate_fragments(ds.PixelData))[1:]


def _with_segment_tail(frame: bytes, segment: int, tail: bytes) -> bytes:
    """`frame` with `tail` after the runs of one segment, the later offsets moved along."""
    header = list(struct.unpack("<16I", frame[:64]))
    count = header[0]
    ends = header[2 : 1 + count] + [len(frame)]
    cut = ends[segment]
    for index in range(segment + 2, 1 + count):
        header[index] += len(tail)
    return struct.pack("<16I", *header) + frame[64:cut] + tail + frame[cut:]


def _out(tmp_path, monkeypatch, data: bytes) -> pydicom.Dataset:
    report = deidentify_bytes(tmp_path, monkeypatch, data)
    assert report.status == "ok", report.error
    return pydicom.dcmread(report.outputs[0])


@pytest.mark.parametrize("kwargs", [dict(bits=16), dict(bits=16, signed=True), dict(bits=16, stored=16),
                                    dict(bits=8, photometric="RGB", frames=3)])
def test_a_clean_rle_frame_leaves_byte_for_byte(kwargs, tmp_path, monkeypatch):
    ds = _rle(**kwargs)
    out = _out(tmp_path, monkeypatch, with_frames(ds, _frames(ds)))
    assert _frames(out) == _frames(ds)
    assert np.array_equal(out.pixel_array, ds.pixel_array)


@pytest.mark.parametrize(
    ("segment", "tail"),
    [(0, b"\x80"), (0, b"\x80\x00"), (1, b"\x80\x80\x80\x80"), (1, b"\xfe"), (1, b"\x05"), (0, b"\x00\x00"),
     (0, b"\x02DOE"), (1, b"\x7d" + b"N" * 126 + b"\x01"), (0, b"\x7d" + b"N" * 126 + b"\x02")],
    ids=["no-op", "no-op and pad", "no-ops in the last segment", "dangling replicate", "dangling literal", "two pads",
         "a run after the frame", "126 bytes after the frame and a dangling header", "the same, another header"],
)
def test_bytes_a_decoder_ignores_after_a_segments_runs_send_it_through_encoding(segment, tail, tmp_path, monkeypatch):
    ds = _rle(bits=16)
    planted = [_with_segment_tail(f, segment, tail) for f in _frames(ds)]
    assert pydicom.dcmread(io.BytesIO(with_frames(ds, planted))).pixel_array.tolist() == ds.pixel_array.tolist()
    assert not rlestream.frames_hold_only_pixels(planted, 24, 40, 1, 16, None)
    out = _out(tmp_path, monkeypatch, with_frames(_rle(bits=16), planted))
    assert _frames(out) != planted
    assert np.array_equal(out.pixel_array, ds.pixel_array)


def test_an_offset_in_the_headers_unused_slots_is_not_kept(tmp_path, monkeypatch):
    ds = _rle(bits=16)
    frame = _frames(ds)[0]
    planted = frame[:60] + b"DOE\x00"  # the 15th offset slot: no segment there
    assert not rlestream.frames_hold_only_pixels([planted], 24, 40, 1, 16, None)
    report = deidentify_bytes(tmp_path, monkeypatch, with_frames(ds, [planted]))
    assert report.status == "error" and "cannot be decoded" in report.error  # pydicom's decoder refuses it too
    assert not any(p.is_file() for p in tmp_path.glob("out*/**/*"))


def test_bits_above_high_bit_are_not_kept():
    image = make_image(rows=24, cols=40, bits=16, stored=12)
    hidden = image.pixel_array | np.uint16(0x8000)
    image.BitsStored, image.HighBit = 16, 15
    image.compress(pydicom.uid.RLELossless, hidden.astype(np.uint16))
    frames = _frames(image)
    assert rlestream.frames_hold_only_pixels(frames, 24, 40, 1, 16, None)
    assert not rlestream.frames_hold_only_pixels(frames, 24, 40, 1, 16, (16, 11, False))
    signed = make_image(rows=24, cols=40, bits=16, stored=12, signed=True)
    signed.compress(pydicom.uid.RLELossless)
    assert rlestream.frames_hold_only_pixels(_frames(signed), 24, 40, 1, 16, (16, 11, True))
    assert not rlestream.frames_hold_only_pixels(_frames(signed), 24, 40, 1, 16, (16, 10, True))
