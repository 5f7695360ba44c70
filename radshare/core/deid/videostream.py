"""Free text inside DICOM video (MPEG-2, H.264, HEVC): user data and SEI messages removed.

A video stream in Pixel Data (PS3.5 8.2.5 to 8.2.8: an MPEG-2 elementary stream, or an H.264/HEVC
Annex B byte stream) can carry text no viewer shows: MPEG-2 user data (closed captions, vendor
notes) and H.264/HEVC SEI messages (user data with any payload; encoders put their settings there,
capture devices can put more). Decoders need none of it to produce the pictures, so those units are
cut at their start codes and the pictures decode exactly as before
(tests/core/test_videostream_metadata.py, with streams from real encoders).

Whole SEI units go, not only their user-data messages: the other SEI messages (timing, frame
packing) change no decoded pixel, and removing them all needs no SEI parser that could be fooled.
"""

from __future__ import annotations

import re

from pydicom.uid import MPEG2MPHL, MPEG2MPHLF, MPEG2MPML, MPEG2MPMLF, MPEGTransferSyntaxes, UID

from radshare.core.errors import UncheckableFrame

FRAGMENT_BYTES = 1 << 30  # a cleaned stream is written back in fragments of at most this size
_START_CODE = re.compile(b"\x00\x00\x01")
_MPEG2 = frozenset({MPEG2MPML, MPEG2MPMLF, MPEG2MPHL, MPEG2MPHLF})
_HEVC = frozenset({"1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108"})
_MPEG2_USER_DATA = 0xB2
_AVC_SEI = 6
_HEVC_SEI = frozenset({39, 40})  # prefix and suffix SEI


def kind_of(syntax: UID) -> str | None:
    """"mpeg2", "avc" or "hevc" for the video transfer syntaxes, else None."""
    if syntax in _MPEG2:
        return "mpeg2"
    if syntax in _HEVC:
        return "hevc"
    if syntax in MPEGTransferSyntaxes:
        return "avc"
    return None


def _dropped(kind: str, header: int) -> bool:
    if kind == "mpeg2":
        return header == _MPEG2_USER_DATA
    if kind == "avc":
        return header & 0x1F == _AVC_SEI
    return (header >> 1) & 0x3F in _HEVC_SEI


def strip_video(stream: bytes, syntax: UID) -> tuple[bytes, int]:
    """`stream` without user data / SEI units, and how many went.

    Start codes cannot occur inside a unit (emulation prevention in H.264/HEVC; the zero-bit rule
    in MPEG-2 user data), so cutting at them is exact.
    """
    kind = kind_of(syntax)
    starts = [match.start() for match in _START_CODE.finditer(stream)]
    if kind is None or not starts or stream[: starts[0]].strip(b"\x00"):
        raise UncheckableFrame("a video stream that does not start with a start code")
    kept, removed = [stream[: starts[0]]], 0
    for start, end in zip(starts, [*starts[1:], len(stream)]):
        if start + 3 < len(stream) and _dropped(kind, stream[start + 3]):
            removed += 1
        else:
            kept.append(stream[start:end])
    return (b"".join(kept), removed) if removed else (stream, 0)
