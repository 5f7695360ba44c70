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
from radshare.core.errors import UncheckableFrame
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


def test_thumbnails_and_trailing_bytes_in_kept_segments_go_and_the_image_decodes_the_same():
    from PIL import Image

    plain = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(plain, "JPEG")
    original = plain.getvalue()
    start = 4 + struct.unpack(">H", original[4:6])[0]  # after Pillow's own JFIF segment
    thumbnail = _segment(0xE0, b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x06\x01" + TOKEN + b"!")
    extension = _segment(0xE0, b"JFXX\x00\x10\xff\xd8" + TOKEN + b"\xff\xd9")
    adobe = _segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01" + TOKEN)
    frame = original[:2] + thumbnail + extension + adobe + original[start:]
    cleaned, removed = strip_frame(frame)
    assert removed == 3 and TOKEN not in cleaned
    assert _segment(0xE0, b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00") in cleaned
    decoded = np.asarray(Image.open(io.BytesIO(cleaned)))
    np.testing.assert_array_equal(decoded, np.asarray(Image.open(io.BytesIO(original))))


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_an_unknown_marker_segment_refuses_the_frame(syntax):
    image = make_image(rows=32, cols=48, bits=8 if syntax == "jpeg-baseline" else 16)
    frame = next(generate_frames(pydicom.dcmread(io.BytesIO(to_bytes(image, syntax))).PixelData, number_of_frames=1))
    if frame.startswith(b"\xff\xd8"):
        planted = frame[:2] + _segment(0xF0, TOKEN) + frame[2:]  # JPG0: reserved, holds anything
    else:
        siz_end = 4 + struct.unpack(">H", frame[4:6])[0]
        planted = frame[:siz_end] + _segment(0x6A, TOKEN) + frame[siz_end:]  # not a JPEG 2000 marker
    with pytest.raises(UncheckableFrame, match="unknown"):
        strip_frame(planted)


def test_a_frame_that_does_not_parse_is_refused_not_passed_on():
    for broken in (b"\xff\xd8\xff\xfe\x40\x00short", b"not a codestream", b"\xff\xd8" + _segment(0xFE, TOKEN)):
        with pytest.raises(UncheckableFrame):
            strip_frame(broken)


def _run(tmp_path, monkeypatch, data: bytes):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    source = tmp_path / "in.dcm"
    source.write_bytes(data)
    return process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out", settings_for_installation(text_redaction="off"))


def _dicom_with_frames(frames: list[bytes], syntax, bits: int = 8, rows: int = 32, cols: int = 48, declared: int = 0) -> bytes:
    image = make_image(rows=rows, cols=cols, frames=declared or len(frames), bits=bits)
    image.PixelData = encapsulate(frames)
    image["PixelData"].VR = "OB"
    image["PixelData"].is_undefined_length = True
    image.file_meta.TransferSyntaxUID = syntax
    if bits == 8:
        image.BitsStored, image.HighBit = 8, 7
    buffer = io.BytesIO()
    image.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _ramp(rows: int = 32, cols: int = 48, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (np.add.outer(np.arange(rows) * 5, np.arange(cols) * 3) % 256).astype(np.uint8) ^ rng.integers(0, 8, (rows, cols), dtype=np.uint8)


def _pillow(array: np.ndarray, fmt: str, **options) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **options)
    return buffer.getvalue()


def _assert_clean_and_same_pixels(report, original: bytes) -> None:
    assert report.status == "ok", report.error
    output = open(report.outputs[0], "rb").read()
    assert TOKEN not in output and TOKEN.lower() not in output.lower()
    np.testing.assert_array_equal(pydicom.dcmread(io.BytesIO(output)).pixel_array, pydicom.dcmread(io.BytesIO(original)).pixel_array)


def test_jp2_wrapped_frames_lose_their_xml_and_uuid_boxes(tmp_path, monkeypatch):
    """Some writers put whole JP2 files into Pixel Data; their XML and UUID boxes carry XMP and more."""
    frames = []
    for seed in range(2):
        jp2 = _pillow(_ramp(seed=seed), "JPEG2000", irreversible=False, no_jp2=False)
        assert jp2.startswith(b"\x00\x00\x00\x0cjP  ")
        xml = b"<x:xmpmeta><dc:creator>" + TOKEN + b"</dc:creator></x:xmpmeta>"
        uuid = bytes(16) + b"patient " + TOKEN
        extra = struct.pack(">I4s", 8 + len(xml), b"xml ") + xml + struct.pack(">I4s", 8 + len(uuid), b"uuid") + uuid
        codestream_at = jp2.index(b"jp2c") - 4
        frames.append(jp2[:codestream_at] + extra + jp2[codestream_at:])
    data = _dicom_with_frames(frames, pydicom.uid.JPEG2000Lossless)
    report = _run(tmp_path, monkeypatch, data)
    _assert_clean_and_same_pixels(report, data)
    out = pydicom.dcmread(report.outputs[0])
    assert all(f.startswith(b"\xff\x4f\xff\x51") for f in generate_frames(out.PixelData, number_of_frames=2))


def test_comments_in_jpeg2000_tile_part_headers_go_and_tile_lengths_still_add_up(tmp_path, monkeypatch):
    codestream = _pillow(_ramp(), "JPEG2000", irreversible=False, no_jp2=True)
    sot = codestream.index(b"\xff\x90")
    psot = struct.unpack(">I", codestream[sot + 6 : sot + 10])[0]
    comment = _segment(0x64, b"\x00\x01" + TOKEN)
    planted = codestream[: sot + 6] + struct.pack(">I", psot + len(comment) if psot else 0) + codestream[sot + 10 : sot + 12]
    planted += comment + codestream[sot + 12 :]
    data = _dicom_with_frames([planted], pydicom.uid.JPEG2000Lossless)
    assert TOKEN in data
    report = _run(tmp_path, monkeypatch, data)
    _assert_clean_and_same_pixels(report, data)
    (frame,) = generate_frames(pydicom.dcmread(report.outputs[0]).PixelData, number_of_frames=1)
    assert frame.rstrip(b"\x00") == strip_frame(codestream)[0]  # the encoder's own comment goes too; tile lengths restored


def test_comments_between_progressive_scans_and_bytes_after_the_end_marker_go(tmp_path, monkeypatch):
    jpeg = _pillow(_ramp(), "JPEG", quality=90, progressive=True)
    second_scan = jpeg.index(b"\xff\xda", jpeg.index(b"\xff\xda") + 2)
    planted = jpeg[:second_scan] + _segment(0xFE, b"patient " + TOKEN) + jpeg[second_scan:] + b"trailer " + TOKEN
    assert strip_frame(planted) == (jpeg, 2)
    data = _dicom_with_frames([planted, jpeg], pydicom.uid.JPEGBaseline8Bit)
    report = _run(tmp_path, monkeypatch, data)
    _assert_clean_and_same_pixels(report, data)
    assert report.actions["removed"] >= 2


def test_a_frame_that_cannot_be_checked_ends_as_an_error_with_nothing_written(tmp_path, monkeypatch):
    jpeg = _pillow(_ramp(), "JPEG", quality=90)
    cut_short = jpeg[:40] + _segment(0xFE, TOKEN)  # ends inside the header: no end marker
    report = _run(tmp_path, monkeypatch, _dicom_with_frames([cut_short], pydicom.uid.JPEGBaseline8Bit))
    assert report.status == "error" and "cannot be checked for hidden metadata" in report.error
    assert not list((tmp_path / "out").rglob("*.dcm"))
    two_frames_in_one = _dicom_with_frames([jpeg + jpeg], pydicom.uid.JPEGBaseline8Bit, declared=2)
    report = _run(tmp_path, monkeypatch, two_frames_in_one)
    assert report.status == "error", "one fragment holding two JPEG frames: the second one would hide after EOI"


def test_an_unknown_transfer_syntax_is_a_clear_error(tmp_path, monkeypatch):
    data = _dicom_with_frames([_pillow(_ramp(), "JPEG")], pydicom.uid.JPEGBaseline8Bit)
    data = data.replace(b"1.2.840.10008.1.2.4.50", b"1.2.840.10008.1.2.4.98")  # same length: an unknown UID
    report = _run(tmp_path, monkeypatch, data)
    assert report.status == "error" and report.error == "unsupported transfer syntax 1.2.840.10008.1.2.4.98"
