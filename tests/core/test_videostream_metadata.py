"""Text hidden in DICOM video (MPEG-2 user data, H.264/HEVC SEI) never leaves; the pictures stay the same.

Streams come from real encoders (ffmpeg from imageio-ffmpeg, a dependency of cine export: x264,
x265 and its MPEG-2 encoder); x264 and x265 write their own settings into an SEI message, and a
token is planted in a user-data unit as well. Both streams are decoded by ffmpeg and compared
frame for frame.
"""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate, generate_fragments

from radshare.core.deid.videostream import strip_video
from radshare.core.errors import UncheckableFrame
from radshare.core.pipeline import process_item, settings_for_installation
from radshare.core.sources import InputItem
from tests.fixtures.dicom_factory import make_image

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
TOKEN = b"DOE^JANE-MRN-4711"
FRAMES, SIZE = 5, 64
CODECS = {  # name: (ffmpeg encoder, raw format, transfer syntax, unit planted with the token)
    "h264": ("libx264", "h264", pydicom.uid.MPEG4HP41, b"\x00\x00\x00\x01\x06\x05" + bytes([16 + len(TOKEN)]) + bytes(16) + TOKEN + b"\x80"),
    "hevc": ("libx265", "hevc", pydicom.uid.HEVCMP51, b"\x00\x00\x00\x01\x4e\x01\x05" + bytes([16 + len(TOKEN)]) + bytes(16) + TOKEN + b"\x80"),
    "mpeg2": ("mpeg2video", "mpeg2video", pydicom.uid.MPEG2MPML, b"\x00\x00\x01\xb2" + TOKEN),
}


def _ffmpeg(args: list[str], data: bytes = b"") -> bytes:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *args]
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout


def _encode(name: str) -> bytes:
    encoder, raw, _, _ = CODECS[name]
    source = ["-f", "lavfi", "-i", f"testsrc=size={SIZE}x{SIZE}:rate=10", "-frames:v", str(FRAMES)]
    return _ffmpeg([*source, "-c:v", encoder, "-pix_fmt", "yuv420p", "-f", raw, "-"])


def _decode(name: str, stream: bytes) -> np.ndarray:
    demuxer = "mpegvideo" if name == "mpeg2" else CODECS[name][1]  # ffmpeg reads raw MPEG-2 as "mpegvideo"
    pixels = _ffmpeg(["-f", demuxer, "-i", "-", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"], stream)
    return np.frombuffer(pixels, np.uint8)


def _plant(name: str, stream: bytes) -> bytes:
    """The token unit after the stream's parameter sets (before the first picture)."""
    if name == "mpeg2":
        at = stream.index(b"\x00\x00\x01\xb8")  # the first GOP header
    else:
        at = stream.index(b"\x00\x00\x00\x01", 4)
        while at >= 0 and _parameter_set(name, stream[at + 4]):
            at = stream.find(b"\x00\x00\x00\x01", at + 4)
    return stream[:at] + CODECS[name][3] + stream[at:]


def _parameter_set(name: str, header: int) -> bool:
    return header & 0x1F in (7, 8) if name == "h264" else (header >> 1) & 0x3F in (32, 33, 34)


def _video_dicom(name: str, stream: bytes) -> bytes:
    ds = make_image(rows=SIZE, cols=SIZE, frames=FRAMES, bits=8, modality="ES")
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "YBR_PARTIAL_420", 0
    ds.BitsStored, ds.HighBit = 8, 7
    half = len(stream) // 4 * 2  # fragments of even length: a padding byte mid-stream would change the stream
    ds.PixelData = encapsulate([stream[:half], stream[half:]])  # a unit split across fragments
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = CODECS[name][2]
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(CODECS))
def test_user_data_and_sei_are_gone_and_pictures_unchanged(name, tmp_path, monkeypatch):
    monkeypatch.setenv("RADSHARE_KEY_FILE", str(tmp_path / "key"))
    stream = _plant(name, _encode(name))
    assert TOKEN in stream
    pictures = _decode(name, stream)
    assert pictures.size == FRAMES * SIZE * SIZE * 3 // 2
    source = tmp_path / "in.dcm"
    source.write_bytes(_video_dicom(name, stream))
    report = process_item(InputItem(path=source, display="in.dcm"), tmp_path / "out", settings_for_installation(text_redaction="off"))
    assert report.status == "ok", report.error
    output = open(report.outputs[0], "rb").read()
    for secret in (TOKEN, b"x264", b"x265"):
        assert secret.lower() not in output.lower()
    out = pydicom.dcmread(io.BytesIO(output))
    assert out.file_meta.TransferSyntaxUID == CODECS[name][2]
    cleaned = b"".join(list(generate_fragments(out.PixelData))[1:])
    np.testing.assert_array_equal(_decode(name, cleaned), pictures)


def test_a_stream_without_start_codes_is_refused():
    with pytest.raises(UncheckableFrame):
        strip_video(b"\x12\x34 not a video " + TOKEN, pydicom.uid.MPEG4HP41)
    clean = b"\x00\x00\x00\x01\x67\x42" + b"\x00\x00\x01\x65\x88"
    assert strip_video(clean, pydicom.uid.MPEG4HP41) == (clean, 0)
