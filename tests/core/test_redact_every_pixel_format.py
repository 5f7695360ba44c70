"""Every pixel format the reader accepts can be painted: palette colour, big endian, YBR, signed,
1-bit, every transfer syntax, and files without a file meta. A file the header path handles is
never refused by the pixel path."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_color_lut, pack_bits

from radshare.cli import main
from radshare.core.model import TextRegion
from radshare.core.pipeline import dicom_bytes
from radshare.core.redact import redact_dataset
from radshare.core.sources import read_dicom
from tests.fixtures.dicom_factory import SYNTAXES, dcmtk_available, make_image, suits, to_bytes

REGION = TextRegion(4, 6, 20, 10)
FORMATS = {
    "16-bit": dict(bits=16, stored=12),
    "8-bit": dict(bits=8),
    "signed": dict(bits=16, stored=16, signed=True),
    "rgb": dict(bits=8, photometric="RGB"),
    "ybr-full": dict(bits=8, photometric="YBR_FULL"),
}
US_PALETTE = "1.2.840.10008.5.1.4.1.1.6.1"


@pytest.fixture(autouse=True)
def _key(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path_factory.mktemp("key") / "radshare.key"))


def palette_image(index_bits: int = 8, lut_bits: int = 8):
    ds = make_image(rows=32, cols=40, bits=index_bits, stored=index_bits, modality="US", sop_class=US_PALETTE)
    ds.PhotometricInterpretation = "PALETTE COLOR"
    entries = 256
    ds.PixelData = (np.arange(32 * 40).reshape(32, 40) % entries).astype(f"<u{index_bits // 8}").tobytes()
    for channel, step in (("Red", 37), ("Green", 71), ("Blue", 113)):
        setattr(ds, f"{channel}PaletteColorLookupTableDescriptor", [entries, 0, lut_bits])
        table = ((np.arange(entries) * step) % 2**lut_bits).astype(f"<u{lut_bits // 8}")
        setattr(ds, f"{channel}PaletteColorLookupTableData", table.tobytes())
    return ds


def one_bit_image():
    ds = make_image(rows=32, cols=40, bits=8)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 1, 0
    ds.PixelData = pack_bits(((np.arange(32 * 40) // 3) % 2).reshape(32, 40).astype(np.uint8))
    return ds


def shown(ds) -> np.ndarray:
    """What a viewer shows: palette indices through their table, as 8-bit RGB."""
    arr = ds.pixel_array
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        rgb = apply_color_lut(arr, ds)
        return (rgb >> 8).astype(np.uint8) if rgb.dtype == np.uint16 else rgb
    return arr


def painted_copy(data: bytes) -> pydicom.Dataset:
    ds = read_dicom(data, "input")
    redact_dataset(ds, [REGION])
    return pydicom.dcmread(io.BytesIO(dicom_bytes(ds)))


def check(data: bytes, before: np.ndarray | None = None) -> None:
    before = shown(read_dicom(data, "input")) if before is None else before
    after = painted_copy(data)
    assert after.BurnedInAnnotation == "NO"
    assert after.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    out = after.pixel_array
    assert out.shape == before.shape
    inside = (slice(REGION.y, REGION.y + REGION.h), slice(REGION.x, REGION.x + REGION.w))
    black = before.max() if after.PhotometricInterpretation == "MONOCHROME1" else (0 if out.ndim == 3 else before.min())
    assert (out[inside] == black).all()
    outside = np.ones(out.shape[:2], bool)
    outside[inside] = False
    assert np.array_equal(out[outside], before[outside])


def _holds(syntax: str, fmt: str) -> bool:
    """The codec can hold this format (as in the reader's own tests); YBR only where it is native."""
    ybr_elsewhere = fmt == "ybr-full" and syntax.startswith(("rle", "jpeg2000", "jpeg-ls"))
    return suits(syntax, make_image(**FORMATS[fmt])) and not ybr_elsewhere


CASES = [(s, f) for s in SYNTAXES for f in FORMATS if _holds(s, f)]


@pytest.mark.parametrize("syntax,fmt", CASES, ids=[f"{s}-{f}" for s, f in CASES])
def test_every_transfer_syntax_and_sample_format_is_painted(syntax, fmt):
    ds = make_image(rows=32, cols=40, **FORMATS[fmt])
    if SYNTAXES[syntax] == "dcmtk" and not dcmtk_available():
        pytest.skip("dcmtk is not installed")
    check(to_bytes(ds, syntax))


@pytest.mark.parametrize("index_bits,lut_bits", [(8, 8), (8, 16), (16, 16)])
def test_palette_colour_is_painted_and_stored_as_rgb(index_bits, lut_bits):
    after = painted_copy(to_bytes(palette_image(index_bits, lut_bits)))
    assert after.PhotometricInterpretation == "RGB" and after.SamplesPerPixel == 3
    assert "RedPaletteColorLookupTableData" not in after
    check(to_bytes(palette_image(index_bits, lut_bits)))


@pytest.mark.skipif(not dcmtk_available(), reason="dcmtk writes the big-endian file")
def test_big_endian_palette_and_one_bit_are_painted():
    check(to_bytes(palette_image(), "explicit-be"))
    check(to_bytes(one_bit_image(), "explicit-be"))


def test_one_bit_is_painted():
    check(to_bytes(one_bit_image()))


def test_a_file_without_file_meta_is_painted_as_it_was_read():
    ds = palette_image()
    buffer = io.BytesIO()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    pydicom.dcmwrite(buffer, ds, implicit_vr=True, little_endian=True)  # no preamble, no meta
    check(buffer.getvalue(), before=shown(pydicom.dcmread(io.BytesIO(to_bytes(palette_image())))))


def test_deid_writes_palette_big_endian_and_meta_less_files(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "palette.dcm").write_bytes(to_bytes(palette_image()))
    bare = io.BytesIO()
    ds = palette_image()
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    pydicom.dcmwrite(bare, ds, implicit_vr=True, little_endian=True)
    (inputs / "bare.dcm").write_bytes(bare.getvalue())
    if dcmtk_available():
        (inputs / "big.dcm").write_bytes(to_bytes(make_image(rows=32, cols=40, signed=True, bits=16, stored=16), "explicit-be"))
    assert main(["deid", str(inputs), "-o", str(out), "--workers", "1", "-q"]) == 0
    written = sorted(out.rglob("*.dcm"))
    assert len(written) == len(list(inputs.iterdir()))
    for path in written:
        ds = pydicom.dcmread(path)
        assert ds.pixel_array.shape[:2] == (32, 40) and ds.BurnedInAnnotation == "NO"
        assert str(ds.PatientName) != "DOE^JANE"


@pytest.mark.skipif(not dcmtk_available(), reason="dcmtk writes the big-endian file")
def test_a_failed_store_leaves_the_dataset_as_it_was(monkeypatch):
    """Palette tables removed and elements turned little endian before storing fails: all undone."""
    from radshare.core.errors import InputError

    ds = read_dicom(to_bytes(palette_image(), "explicit-be"), "input")
    keywords, pixels = {e.keyword for e in ds}, ds.pixel_array.copy()

    def refuse(*args, **kwargs):
        raise ValueError("refused")

    monkeypatch.setattr(type(ds), "set_pixel_data", refuse)
    with pytest.raises(InputError):
        redact_dataset(ds, [REGION])
    monkeypatch.undo()
    assert {e.keyword for e in ds} == keywords and ds.original_encoding == (False, False)
    back = pydicom.dcmread(io.BytesIO(dicom_bytes(ds)))
    assert back.PhotometricInterpretation == "PALETTE COLOR" and np.array_equal(back.pixel_array, pixels)
