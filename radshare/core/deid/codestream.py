"""Metadata inside compressed pixel data: removed from each frame's header, the image left as it is.

A JPEG, JPEG-LS or JPEG 2000 frame inside Pixel Data can carry comment segments (COM) and
application segments (APPn: an EXIF block with its own thumbnail, XMP, a vendor's notes) that no
DICOM viewer shows and header de-identification never sees. The pipeline keeps encoded pixel data
byte for byte when the pixels do not change, so these segments are cut out of every frame header
here. Only header segments go; the coded image data is untouched, so the decoded pixels are
exactly the same (tests/core/test_codestream_metadata.py).

Kept: APP0 (JFIF), APP8 (the colour transform of HP's JPEG-LS) and APP14 (Adobe's colour transform),
which decoders need to get the colours right and which hold no free text.
"""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments, itemize_fragment, parse_basic_offsets

from radshare.core.peek import peek, transfer_syntax

_JPEG_START, _J2K_START = b"\xff\xd8", b"\xff\x4f\xff\x51"
_JPEG_KEPT_APPS = frozenset({0xE0, 0xE8, 0xEE})
_JPEG_SOS, _JPEG_COM = 0xDA, 0xFE
_J2K_SOT, _J2K_COM = 0x90, 0x64
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length


def strip_frame(frame: bytes) -> tuple[bytes, int]:
    """`frame` without comment and application segments in its header, and how many went.

    A frame whose header does not parse as expected is returned unchanged with a count of 0.
    """
    if frame.startswith(_JPEG_START):
        return _strip(frame, end_marker=_JPEG_SOS, dropped=_jpeg_dropped)
    if frame.startswith(_J2K_START):
        return _strip(frame, end_marker=_J2K_SOT, dropped=lambda marker: marker == _J2K_COM)
    return frame, 0


def _jpeg_dropped(marker: int) -> bool:
    return marker == _JPEG_COM or (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APPS)


def _strip(frame: bytes, end_marker: int, dropped) -> tuple[bytes, int]:
    """Walk the marker segments after the 2-byte start marker up to `end_marker` (SOS or SOT)."""
    kept, removed, at = [frame[:2]], 0, 2
    while at + 4 <= len(frame):
        if frame[at] != 0xFF:
            return frame, 0
        marker = frame[at + 1]
        if marker == 0xFF:  # fill byte
            kept.append(frame[at : at + 1])
            at += 1
            continue
        if marker == end_marker:
            kept.append(frame[at:])
            return (b"".join(kept), removed) if removed else (frame, 0)
        if marker in _STANDALONE:
            kept.append(frame[at : at + 2])
            at += 2
            continue
        end = at + 2 + int.from_bytes(frame[at + 2 : at + 4], "big")
        if end > len(frame):
            return frame, 0
        if dropped(marker):
            removed += 1
        else:
            kept.append(frame[at:end])
        at = end
    return frame, 0


def strip_codestream_metadata(ds: Dataset) -> int:
    """Remove comment and application segments from every fragment of encapsulated Pixel Data.

    A frame's header sits at the start of its first fragment, so fragments are cleaned one by one
    and the Basic Offset Table is recomputed; no frame boundaries need guessing. An Extended
    Offset Table (optional) is dropped rather than recomputed. Returns how many segments went;
    Pixel Data is rewritten only when there were any, so untouched files keep their exact bytes.
    """
    syntax = transfer_syntax(ds)
    if not syntax.is_compressed or "PixelData" not in ds:
        return 0
    data = peek(ds, "PixelData")
    offsets = parse_basic_offsets(data)
    old_position = new_position = 0
    moved, items, removed = {}, [], 0
    fragments = generate_fragments(data)
    next(fragments, None)  # the first item is the Basic Offset Table itself
    for fragment in fragments:
        cleaned, count = strip_frame(fragment)
        if len(cleaned) % 2:
            cleaned += b"\x00"  # fragments are even; a trailing NUL after the end marker is allowed
        moved[old_position] = new_position
        old_position += 8 + len(fragment)
        new_position += 8 + len(cleaned)
        items.append(itemize_fragment(cleaned))
        removed += count
    if not removed:
        return 0
    table = b"".join(moved[offset].to_bytes(4, "little") for offset in offsets if offset in moved)
    if len(table) != 4 * len(offsets):
        table = b""  # offsets that point inside a fragment: an empty table is valid, a wrong one is not
    ds.PixelData = itemize_fragment(table) + b"".join(items)
    ds["PixelData"].is_undefined_length = True
    for keyword in ("ExtendedOffsetTable", "ExtendedOffsetTableLengths"):
        if keyword in ds:
            delattr(ds, keyword)
    return removed
