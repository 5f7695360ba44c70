"""The fast Part 10 writer gives exactly the bytes pydicom's dcmwrite gives, in every syntax.

Each case reads the same input twice, does the same thing to both copies, writes one with
`part10_bytes` and the other with `dcmwrite(..., enforce_file_format=True)`, and compares bytes.
A deflated data set is compressed by a faster deflater than pydicom's (part10.deflate): there the
preamble and file meta are compared byte for byte and the data sets once inflated.
"""

from __future__ import annotations

import io
import struct
import subprocess
import zlib

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from radshare.core.deid.header import deidentify_dataset
from radshare.core.deid.profile import load_profile
from radshare.core.deid.pseudonyms import Pseudonymizer
from radshare.core.part10 import part10_bytes
from tests.fixtures.dicom_factory import SYNTAXES, _dcmtk, dcmtk_available, make_image, suits, to_bytes
from tests.fixtures.planted import build_planted_dataset

PSEUDO = Pseudonymizer(b"part10-test-key-of-32-bytes-long")
AVAILABLE = [s for s, maker in SYNTAXES.items() if maker == "pydicom" or dcmtk_available()]


def _pydicom_bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _both(data: bytes, change, fast: bool = True) -> tuple[bytes, bytes]:
    """Our bytes and pydicom's; `fast`: ours must come without falling back to pydicom's writer."""
    ours, theirs = pydicom.dcmread(io.BytesIO(data)), pydicom.dcmread(io.BytesIO(data))
    change(ours)
    change(theirs)
    with pytest.MonkeyPatch.context() as patch:
        if fast:
            patch.setattr(Dataset, "save_as", _no_fallback)
        mine = part10_bytes(ours)
    return mine, _pydicom_bytes(theirs)


def _as_written(data: bytes) -> bytes:
    """The file with a deflated data set inflated: what must match byte for byte."""
    start = 144 + struct.unpack_from("<I", data, 140)[0]
    if pydicom.uid.DeflatedExplicitVRLittleEndian.encode() not in data[:start]:
        return data
    body = zlib.decompress(data[start:], -zlib.MAX_WBITS)
    return data[:start] + body


def _no_fallback(*args, **kwargs):
    raise AssertionError("the fast writer fell back to pydicom")


def _deidentify(profile: str):
    return lambda ds: deidentify_dataset(ds, load_profile(profile), PSEUDO)


def _untouched(ds: Dataset) -> None:
    ds.preamble = b"\x00" * 128


def _edited(ds: Dataset) -> None:
    """A mix of decoded, replaced, new and deleted elements, with a new sequence."""
    ds.preamble = b"\x00" * 128
    ds.PatientName = "RS-EDITED"
    ds.InstitutionName = "Ünïcode Hospital"  # not in the default character set: encoded by pydicom
    del ds.AccessionNumber
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "113100", "DCM", "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([item])
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = "2.25.12345"


@pytest.mark.parametrize("syntax", AVAILABLE)
@pytest.mark.parametrize("change", [_untouched, _edited, _deidentify("teaching"), _deidentify("research")],
                         ids=["untouched", "edited", "teaching", "research"])
def test_image_in_every_syntax(syntax, change):
    image = make_image(rows=32, cols=48, frames=2, bits=8 if syntax == "jpeg-baseline" else 16)
    if not suits(syntax, image):
        pytest.skip(f"{syntax} cannot hold this image")
    ours, theirs = _both(to_bytes(image, syntax), change)
    assert _as_written(ours) == _as_written(theirs)


@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le", "deflate"] + (["explicit-be"] if dcmtk_available() else []))
@pytest.mark.parametrize("profile", ["basic", "teaching", "research"])
def test_planted_header_with_nested_private_and_overlays(syntax, profile):
    ds, _ = build_planted_dataset(seed=3)
    ours, theirs = _both(to_bytes(ds, syntax), _deidentify(profile))
    assert _as_written(ours) == _as_written(theirs)
    pydicom.dcmread(io.BytesIO(ours))  # and it reads back


@pytest.mark.skipif(not dcmtk_available(), reason="dcmtk writes the undefined-length sequences")
@pytest.mark.parametrize("syntax", ["explicit-le", "implicit-le"])
def test_undefined_length_sequences_and_items(syntax):
    ds, _ = build_planted_dataset(seed=4)
    flag = {"explicit-le": "+te", "implicit-le": "+ti"}[syntax]
    data = _dcmtk(to_bytes(ds, "explicit-le"), ["dcmconv", flag, "-e"])  # -e: undefined lengths
    for change in (_untouched, _deidentify("teaching")):
        ours, theirs = _both(data, change)
        assert _as_written(ours) == _as_written(theirs)


def test_utf8_character_set_is_kept_byte_for_byte():
    image = make_image()
    image.SpecificCharacterSet = "ISO_IR 192"
    image.PatientName = "Døe^Jäne"
    image.StudyDescription = "Thorax – ÜBERSICHT"
    ours, theirs = _both(to_bytes(image, "explicit-le"), _deidentify("teaching"))
    assert _as_written(ours) == _as_written(theirs)


def test_odd_length_values_and_group_lengths():
    image = make_image(bits=8, rows=3, cols=3)  # 9 bytes of pixel data: padded when written
    data = bytearray(to_bytes(image, "explicit-le"))
    ours, theirs = _both(bytes(data), _untouched)
    assert _as_written(ours) == _as_written(theirs)
    assert len(ours) % 2 == 0


def test_files_pydicom_must_write_still_come_out_right():
    """No file meta version, an encoding change: left to pydicom whole, same result."""
    image = make_image()
    for change in (lambda ds: delattr(ds.file_meta, "ImplementationVersionName"),
                   lambda ds: setattr(ds.file_meta, "TransferSyntaxUID", pydicom.uid.ImplicitVRLittleEndian)):
        ours, theirs = _both(to_bytes(image, "explicit-le"), change, fast=False)
        assert _as_written(ours) == _as_written(theirs)


def test_dcmdump_parses_the_fast_output(tmp_path):
    if not dcmtk_available():
        pytest.skip("dcmtk not installed")
    ds, _ = build_planted_dataset(seed=5)
    read = pydicom.dcmread(io.BytesIO(to_bytes(ds, "explicit-le")))
    deidentify_dataset(read, load_profile("teaching"), PSEUDO)
    path = tmp_path / "out.dcm"
    path.write_bytes(part10_bytes(read))
    result = subprocess.run(["dcmdump", "-E", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "PatientIdentityRemoved" in result.stdout
