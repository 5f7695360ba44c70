"""The quick reader of usual Part 10 files returns what dcmread returns, or leaves the file to it."""

from __future__ import annotations

import io

import pydicom
import pytest

from radshare.core.part10 import read_usual
from tests.fixtures.dicom_factory import SYNTAXES, _dcmtk, broken_files, dcmtk_available, make_image, suits, to_bytes
from tests.fixtures.planted import build_planted_dataset

AVAILABLE = [s for s, maker in SYNTAXES.items() if maker == "pydicom" or dcmtk_available()]


def _same(data: bytes) -> None:
    ours = read_usual(data)
    assert ours is not None, "a usual file was left to dcmread"
    theirs = pydicom.dcmread(io.BytesIO(data))
    assert ours.preamble == theirs.preamble
    assert ours.file_meta == theirs.file_meta
    assert ours.original_encoding == theirs.original_encoding
    assert ours.original_character_set == theirs.original_character_set
    assert ours == theirs


@pytest.mark.parametrize("syntax", AVAILABLE)
def test_every_syntax(syntax):
    image = make_image(rows=32, cols=48, frames=2, bits=8 if syntax == "jpeg-baseline" else 16)
    if not suits(syntax, image):
        pytest.skip(f"{syntax} cannot hold this image")
    _same(to_bytes(image, syntax))


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le", "deflate"])
def test_planted_header_and_its_preamble(syntax):
    ds, _ = build_planted_dataset(seed=2)
    _same(to_bytes(ds, syntax))


@pytest.mark.skipif(not dcmtk_available(), reason="dcmtk writes undefined-length sequences")
def test_undefined_length_sequences():
    ds, _ = build_planted_dataset(seed=3)
    _same(_dcmtk(to_bytes(ds, "explicit-le"), ["dcmconv", "+ti", "-e"]))


@pytest.mark.parametrize("name", sorted(broken_files()))
def test_broken_files_fail_as_dcmread_fails(name):
    _, data = broken_files()[name]
    try:
        ours = read_usual(data)
    except Exception as exc:  # noqa: BLE001 - compared with dcmread's own failure below
        with pytest.raises(type(exc)):
            pydicom.dcmread(io.BytesIO(data))
        return
    if ours is not None:
        theirs = pydicom.dcmread(io.BytesIO(data))
        assert ours == theirs and ours.file_meta == theirs.file_meta


def test_unusual_files_are_left_to_dcmread():
    good = to_bytes(make_image())
    no_preamble = good[128:]
    no_group_length = good[:132] + good[144:]
    private_syntax = good.replace(b"1.2.840.10008.1.2.1\x00", b"1.2.3.4.5.6.7.8.9.1\x00")
    for data in (no_preamble, no_group_length, private_syntax):
        assert read_usual(data) is None


def test_a_body_in_the_wrong_encoding_is_read_as_dcmread_reads_it():
    image = make_image()
    image.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    image.preamble = b"\x00" * 128
    image.file_meta.FileMetaInformationGroupLength = 0  # filled in by the writer
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, image, implicit_vr=True, little_endian=True, force_encoding=True)
    with pytest.warns(UserWarning, match="implicit VR"):
        _same(buffer.getvalue())


def test_deflate_is_inflated():
    data = to_bytes(make_image(), "deflate")
    ds = read_usual(data)
    assert ds is not None and ds.Rows == 64
    assert len(ds.PixelData) == 64 * 64 * 2
