"""redact_dataset on every pixel encoding we accept: output decodes, regions painted, rest unchanged."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from PIL import Image as PILImage
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    RLELossless,
    generate_uid,
)

from radshare.core.errors import InputError
from radshare.core.model import TextRegion
from radshare.core.redact import redact_dataset

REGION = TextRegion(4, 6, 20, 10)


def make_ds(arr: np.ndarray, photometric: str = "MONOCHROME2", bits_stored: int | None = None) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.set_pixel_data(arr, photometric, bits_stored or 8 * arr.dtype.itemsize)
    return ds


def roundtrip(ds: Dataset) -> Dataset:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    buffer.seek(0)
    return pydicom.dcmread(buffer)


def grey(shape=(64, 80), dtype=np.uint16, top=4000, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(100, top, shape)).astype(dtype)


def check_painted(out: np.ndarray, before: np.ndarray, value, frames_axis: bool):
    if not frames_axis:
        out, before = out[None], before[None]
    region = (slice(None), slice(REGION.y, REGION.y + REGION.h), slice(REGION.x, REGION.x + REGION.w))
    assert (out[region] == value).all()
    outside = np.ones(out.shape[:3], bool)
    outside[region] = False
    assert np.array_equal(out[outside], before[outside])


def test_multi_frame_sixteen_bit_rle_every_frame_painted_rest_unchanged():
    arr = grey((3, 64, 80))
    ds = make_ds(arr, bits_stored=12)
    ds.compress(RLELossless)
    uid = ds.SOPInstanceUID
    redact_dataset(ds, [REGION])
    out = roundtrip(ds)
    assert out.SOPInstanceUID == out.file_meta.MediaStorageSOPInstanceUID == uid  # the same instance, painted
    assert out.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert out.BurnedInAnnotation == "NO" and out.BitsStored == 12
    check_painted(out.pixel_array, arr, arr.min(), True)


def test_monochrome1_is_painted_with_its_maximum():
    arr = grey()
    ds = make_ds(arr, "MONOCHROME1", 12)
    redact_dataset(ds, [REGION])
    check_painted(roundtrip(ds).pixel_array, arr, arr.max(), False)


def test_jpeg2000_lossless_input():
    arr = grey()
    ds = make_ds(arr, bits_stored=12)
    ds.compress(JPEG2000Lossless)
    redact_dataset(ds, [REGION])
    out = roundtrip(ds)
    assert out.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    check_painted(out.pixel_array, arr, arr.min(), False)


def test_rgb_uncompressed():
    arr = np.random.default_rng(1).integers(0, 255, (2, 64, 80, 3)).astype(np.uint8)
    ds = make_ds(arr, "RGB")
    redact_dataset(ds, [REGION])
    out = roundtrip(ds)
    assert out.PhotometricInterpretation == "RGB" and out.PlanarConfiguration == 0
    check_painted(out.pixel_array, arr, 0, True)


def test_ybr_full_422_jpeg_baseline_becomes_rgb():
    rgb = np.zeros((64, 80, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 120, 40
    buffer = io.BytesIO()
    PILImage.fromarray(rgb).save(buffer, format="JPEG", quality=95, subsampling=1)  # 4:2:2
    ds = make_ds(rgb, "RGB")
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    redact_dataset(ds, [REGION])
    out = roundtrip(ds)
    assert out.PhotometricInterpretation == "RGB" and out.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    pixels = out.pixel_array
    assert (pixels[REGION.y : REGION.y + REGION.h, REGION.x : REGION.x + REGION.w] == 0).all()
    # colour kept, not mislabelled: the untouched corner is still the orange we encoded
    assert np.abs(pixels[50:60, 60:75].astype(int) - [200, 120, 40]).max() <= 6


def test_regions_that_cannot_be_painted_raise_input_error_and_leave_ds_unchanged():
    arr = grey()
    ds = make_ds(arr)
    original = ds.PixelData
    with pytest.raises(InputError):
        redact_dataset(ds, [TextRegion(500, 500, 10, 10)])
    with pytest.raises(InputError):
        redact_dataset(ds, [TextRegion(1, 1, 5, 5, frame=3)])
    assert ds.PixelData == original and "BurnedInAnnotation" not in ds


def test_missing_pixel_data_raises_input_error():
    ds = make_ds(grey())
    del ds.PixelData
    with pytest.raises(InputError):
        redact_dataset(ds, [REGION])
