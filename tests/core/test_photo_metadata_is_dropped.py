"""Photos leave with their pixels only: exiftool finds no metadata, and no planted token survives."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import PngImagePlugin

from radshare.core.deid.photo import clean_photo, describe_photo_metadata
from radshare.core.export.images import encode_image
from radshare.core.sample import sample_photo_bytes

needs_exiftool = pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is the independent metadata reader")
TOKENS = ["TOKPHOTO1", "TOKPHOTO2", "TOKPHOTO3", "TOKPHOTO4", "TOKPHOTO5", "TOKPHOTO6"]

# Tags exiftool reports for any image file (its own view of the file system and the pixels).
_FILE_LEVEL_GROUPS = {"ExifTool", "File", "System", "Composite", "JFIF", "PNG", "SourceFile"}


def _exiftool_groups(path) -> dict:
    out = subprocess.run(["exiftool", "-j", "-G", "-a", "-u", str(path)], capture_output=True, text=True, check=True)
    record = json.loads(out.stdout)[0]
    return {k: v for k, v in record.items() if k.split(":")[0] not in _FILE_LEVEL_GROUPS}


def _plant_with_exiftool(path):
    subprocess.run(
        [
            "exiftool", "-overwrite_original",
            f"-XMP-dc:Creator={TOKENS[0]}", f"-IPTC:By-line={TOKENS[1]}", f"-EXIF:Artist={TOKENS[2]}",
            f"-EXIF:SerialNumber={TOKENS[3]}", "-GPSLatitude=51.5", "-GPSLatitudeRef=N",
            f"-Comment={TOKENS[4]}", f"-EXIF:ImageDescription={TOKENS[5]}",
            str(path),
        ],
        check=True,
        capture_output=True,
    )


def _photo(fmt: str) -> bytes:
    rgb = np.zeros((60, 80, 3), dtype=np.uint8)
    rgb[:, :40] = (200, 120, 90)
    buffer = io.BytesIO()
    PILImage.fromarray(rgb).save(buffer, format=fmt)
    return buffer.getvalue()


@needs_exiftool
@pytest.mark.parametrize("fmt,suffix", [("JPEG", ".jpg"), ("PNG", ".png"), ("TIFF", ".tif"), ("WEBP", ".webp")])
def test_planted_metadata_of_every_kind_is_gone_after_cleaning(fmt, suffix, tmp_path):
    source = tmp_path / f"in{suffix}"
    source.write_bytes(_photo(fmt))
    _plant_with_exiftool(source)
    planted = source.read_bytes()
    assert sum(t.encode() in planted for t in TOKENS) >= 3  # the planting worked

    rgb, icc = clean_photo(planted)
    out_fmt = "png" if fmt in ("PNG", "TIFF") else "jpeg"
    target = tmp_path / f"out.{out_fmt}"
    target.write_bytes(encode_image(rgb, out_fmt))

    data = target.read_bytes()
    assert icc is None
    assert not [t for t in TOKENS if t.encode() in data or t.encode("utf-16-le") in data]
    assert _exiftool_groups(target) == {}


@needs_exiftool
def test_exif_thumbnail_of_the_uncropped_original_does_not_survive(tmp_path):
    thumb = tmp_path / "thumb.jpg"
    PILImage.new("RGB", (32, 24), (255, 0, 0)).save(thumb, format="JPEG")
    source = tmp_path / "with-thumb.jpg"
    source.write_bytes(_photo("JPEG"))
    subprocess.run(["exiftool", "-overwrite_original", f"-ThumbnailImage<={thumb}", str(source)], check=True, capture_output=True)
    assert "Thumbnail" in describe_photo_metadata(source.read_bytes())

    rgb, _ = clean_photo(source.read_bytes())
    target = tmp_path / "out.jpg"
    target.write_bytes(encode_image(rgb, "jpeg"))
    assert data_has_no_second_jpeg(target.read_bytes())
    assert _exiftool_groups(target) == {}


def data_has_no_second_jpeg(data: bytes) -> bool:
    return data.count(b"\xff\xd8\xff") == 1


def test_png_text_chunks_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "TOKPNGTEXT")
    info.add_itxt("Comment", "TOKPNGITXT")
    buffer = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(buffer, format="PNG", pnginfo=info)
    described = describe_photo_metadata(buffer.getvalue())
    assert "PNG text: Author" in described

    rgb, _ = clean_photo(buffer.getvalue())
    out = encode_image(rgb, "png")
    assert b"TOKPNG" not in out
    assert PILImage.open(io.BytesIO(out)).text == {}


def test_exif_orientation_is_applied_before_the_metadata_goes():
    rgb = np.zeros((20, 40, 3), dtype=np.uint8)
    rgb[:, :5] = 255  # a white stripe on the left edge
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    PILImage.fromarray(rgb).save(buffer, format="PNG", exif=exif)

    upright, _ = clean_photo(buffer.getvalue())

    assert upright.shape[:2] == (40, 20)
    assert upright[:5, :, 0].mean() > 200  # the stripe is now along the top


def test_heic_photo_from_a_phone_is_read_and_cleaned():
    pillow_heif = pytest.importorskip("pillow_heif")
    rgb = np.full((32, 48, 3), 120, dtype=np.uint8)
    heif = pillow_heif.from_bytes(mode="RGB", size=(48, 32), data=rgb.tobytes())
    buffer = io.BytesIO()
    heif.save(buffer, quality=90)
    cleaned, _ = clean_photo(buffer.getvalue())
    assert cleaned.shape == (32, 48, 3)
    assert abs(float(cleaned.mean()) - 120) < 10


def test_sample_photo_metadata_is_described_for_review_then_dropped():
    data = sample_photo_bytes()
    described = describe_photo_metadata(data)
    assert "GPSInfo" in described and "Make" in described and "Comment" in described
    rgb, _ = clean_photo(data)
    out = encode_image(rgb, "jpeg")
    for value in (b"ExamplePhone", b"SERIAL-998877", b"Jane", b"DOE^JANE", b"2024:06:12"):
        assert value not in out
    assert describe_photo_metadata(out).keys() <= {"Format"}


def test_broken_photo_is_a_clear_error():
    from radshare.core.errors import InputError

    good = _photo("JPEG")
    with pytest.raises(InputError, match="damaged or truncated|not a supported image"):
        clean_photo(good[: len(good) // 3], display="cut.jpg")
