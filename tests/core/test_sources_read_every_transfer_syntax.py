"""Every transfer syntax and pixel format RadShare claims is read back to the right pixels."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pydicom
import pytest

from radshare.core.errors import InputError
from radshare.core.sources import InputItem, iter_inputs, load_image, read_dicom, sniff
from tests.fixtures.dicom_factory import SYNTAXES, broken_files, dcmtk_available, make_image, suits, to_bytes

pytestmark = pytest.mark.skipif(not dcmtk_available(), reason="dcmtk converters are needed to build JPEG/JPEG-LS/big-endian files")

FORMATS = {
    "mono2-16bit-12stored": dict(bits=16, stored=12),
    "mono2-16bit-signed": dict(bits=16, stored=16, signed=True),
    "mono1-16bit": dict(bits=16, stored=12, photometric="MONOCHROME1"),
    "mono2-8bit": dict(bits=8),
    "rgb-8bit": dict(bits=8, photometric="RGB"),
}
LOSSY = {"jpeg-baseline", "jpeg-extended", "jpeg2000", "jpeg-ls-near"}


def _cases():
    for fmt, kwargs in FORMATS.items():
        for syntax in SYNTAXES:
            ds = make_image(frames=3, **kwargs)
            if suits(syntax, ds):
                yield pytest.param(syntax, kwargs, id=f"{syntax}-{fmt}")


@pytest.mark.parametrize("syntax,kwargs", list(_cases()))
def test_multiframe_image_reads_back_in_every_transfer_syntax(syntax, kwargs, tmp_path):
    original = make_image(frames=3, **kwargs)
    expected = original.pixel_array.astype(np.float64)
    path = tmp_path / "no-extension"
    path.write_bytes(to_bytes(original, syntax))

    image = load_image(path)

    assert image.kind == "dicom"
    assert image.frame_count == 3
    assert image.frames.shape[1:3] == (64, 64)
    got = image.frames.astype(np.float64)
    if syntax in LOSSY:
        span = max(1.0, float(expected.max() - expected.min()))
        assert np.abs(got - expected).mean() / span < 0.03
    else:
        assert np.array_equal(got, expected)


def test_dicom_is_recognised_by_content_not_by_extension(tmp_path):
    data = to_bytes(make_image())
    assert sniff(data) == "dicom"
    assert sniff(b"Dear colleague" * 20) is None
    assert sniff(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20) == "photo"


def test_dataset_without_preamble_is_read(tmp_path):
    ds = make_image()
    del ds.file_meta  # a bare data set, as older systems and network dumps write them
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, ds, implicit_vr=True, little_endian=True, enforce_file_format=False)
    raw = buffer.getvalue()
    assert raw[128:132] != b"DICM"
    assert sniff(raw) == "dicom"
    assert read_dicom(raw, "raw").PatientName == "DOE^JANE"


@pytest.mark.parametrize("name", sorted(broken_files()))
def test_broken_input_is_refused_with_a_reason_naming_the_file(name, tmp_path):
    filename, data = broken_files()[name]
    path = tmp_path / filename
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        load_image(path)
    message = str(caught.value)
    assert message.startswith(str(path) + ": ")
    assert len(message) > len(str(path)) + 10
    assert "Traceback" not in message


def test_zip_members_are_listed_once_each_with_their_archive_in_the_name(tmp_path):
    archive = tmp_path / "study.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a/one.dcm", to_bytes(make_image(seed=1)))
        handle.writestr("b/two", to_bytes(make_image(seed=2)))
        handle.writestr("notes.txt", "hello")
    items = list(iter_inputs([archive, archive]))
    assert [i.display for i in items] == [f"{archive}!a/one.dcm", f"{archive}!b/two", f"{archive}!notes.txt"]
    assert load_image(items[1]).instance_number == 3


def test_archives_are_known_by_content_and_dicom_ending_like_one_stays_dicom(tmp_path):
    member = to_bytes(make_image(seed=1))
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as handle:
        handle.writestr("one.dcm", member)
    (tmp_path / "export-0001").write_bytes(packed.getvalue())  # a zip without the .zip name
    (tmp_path / "stub.zip").write_bytes(b"#!/bin/sh stub\n" + packed.getvalue())  # self-extracting style
    # A DICOM whose last bytes look like a zip's end record is still a DICOM file.
    ds = make_image(seed=2)
    ds.add_new(0xFFFCFFFC, "OB", b"PK\x05\x06" + bytes(18))  # Data Set Trailing Padding, last in the file
    (tmp_path / "image.dcm").write_bytes(to_bytes(ds))
    items = list(iter_inputs([tmp_path]))
    assert [(i.display.removeprefix(str(tmp_path) + "/"), i.member) for i in items] == [
        ("export-0001!one.dcm", "one.dcm"), ("image.dcm", None), ("stub.zip!one.dcm", "one.dcm")]
    assert load_image(items[1]).instance_number == 3


def test_missing_input_is_an_error_not_a_silent_skip(tmp_path):
    entries = list(iter_inputs([tmp_path / "absent"]))
    assert len(entries) == 1 and isinstance(entries[0], InputError)
    assert "no such file" in str(entries[0])


def test_unsupported_compression_names_the_codec(tmp_path):
    ds = make_image()
    data = bytearray(to_bytes(ds))
    path = tmp_path / "odd.dcm"
    fake = read_dicom(bytes(data), "x")
    fake.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG-2: no decoder in RadShare
    from pydicom.encaps import encapsulate

    fake.PixelData = encapsulate([b"\x00\x00\x01\xb3" + b"\x00" * 100])
    buffer = io.BytesIO()
    fake.save_as(buffer, enforce_file_format=True)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="unsupported compression|cannot be decoded"):
        load_image(InputItem(str(path), path))
