"""Outputs are written in 1 MB calls (fsutil.WRITE_CHUNK), and still arrive whole or not at all."""

from __future__ import annotations

import os

import pytest

from radshare.core import fsutil
from radshare.core.fsutil import atomic_write_bytes


def test_a_file_of_several_pieces_arrives_whole(tmp_path):
    data = os.urandom(3 * fsutil.WRITE_CHUNK + 12345)  # three full pieces and a short one
    target = tmp_path / "a" / "out.dcm"
    atomic_write_bytes(target, data)
    assert target.read_bytes() == data
    assert [p.name for p in target.parent.iterdir()] == ["out.dcm"]


def test_a_write_that_fails_midway_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def failing(handle, data):
        calls.append(len(data))
        handle.write(memoryview(data)[: fsutil.WRITE_CHUNK])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil, "_write_all", failing)
    with pytest.raises(OSError):
        atomic_write_bytes(tmp_path / "out.dcm", os.urandom(2 * fsutil.WRITE_CHUNK))
    assert calls and list(tmp_path.iterdir()) == []


def test_a_file_given_as_pieces_arrives_as_their_concatenation(tmp_path):
    pieces = [b"head", os.urandom(fsutil.WRITE_CHUNK + 7), bytearray(b"tail"), b""]
    target = tmp_path / "out.dcm"
    atomic_write_bytes(target, pieces)
    assert target.read_bytes() == b"".join(pieces)


def test_large_pixel_data_is_written_from_the_bytes_it_was_read_into():
    """part10_pieces hands a large raw Pixel Data value over as it is (no copy), and the pieces
    make exactly the file part10_bytes gives."""
    import io

    import pydicom

    from radshare.core.part10 import part10_bytes, part10_pieces
    from tests.fixtures.dicom_factory import make_image, to_bytes

    for syntax in ("explicit-le", "implicit-le", "rle"):
        ds = pydicom.dcmread(io.BytesIO(to_bytes(make_image(rows=256, cols=256), syntax)))
        value = ds.get_item("PixelData").value
        pieces = part10_pieces(ds)
        assert any(piece is value for piece in pieces), syntax
        assert b"".join(pieces) == part10_bytes(ds)
