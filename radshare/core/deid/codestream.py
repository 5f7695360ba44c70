"""Metadata inside compressed pixel data: removed from each frame, the image left as it is.

A JPEG, JPEG-LS or JPEG 2000 frame inside Pixel Data can carry comment segments (COM) and
application segments (APPn: an EXIF block with its own thumbnail, XMP, a vendor's notes) that no
DICOM viewer shows and header de-identification never sees; a JPEG 2000 frame wrapped as a JP2
file can carry XML and UUID boxes; bytes after a frame's end marker are ignored by decoders and can
hold anything. The pipeline keeps encoded pixel data byte for byte when the pixels do not change,
so each frame is walked marker by marker here and only the coded image data is kept. The decoded
pixels are exactly the same (tests/core/test_codestream_metadata.py).

Kept: APP0 (JFIF), APP8 (the colour transform of HP's JPEG-LS) and APP14 (Adobe's colour
transform), which decoders need, cut to the fields decoders read: a JFIF segment can carry a
thumbnail image (it goes), and any of them bytes after its fields.

A frame that cannot be walked (damaged, or split in a way that hides its frame boundaries) is
refused with UncheckableFrame rather than passed on: it might hide what this module removes.
Video (MPEG-2, H.264, HEVC) is cleaned by videostream.py. RLE has no markers to walk, but a
decoder stops once a frame is full, so bytes after a segment's runs, fragments after the last
frame and bits above High Bit ride along unseen: RLE frames that hold anything but their runs are
decoded and encoded again (lossless, the same pixel values; rlestream.py tells the clean ones, kept
byte for byte), and a frame count that does not match is refused.
"""

from __future__ import annotations

import re
import struct

from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments, itemize_fragment, parse_basic_offsets, parse_fragments
from pydicom.uid import RLELossless

from radshare.core.deid import videostream
from radshare.core.errors import InputError, UncheckableFrame
from radshare.core.peek import peek, transfer_syntax

_JPEG_START, _J2K_START = b"\xff\xd8", b"\xff\x4f\xff\x51"
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_FRAME_STARTS = (_JPEG_START, _J2K_START, _JP2_SIGNATURE)
# The application segments decoders need, cut to the fields they read (a JFIF segment can carry a
# thumbnail, any of them trailing bytes): marker -> (identifier, bytes of the body kept).
_JPEG_KEPT_APPS = {0xE0: (b"JFIF\x00", 14), 0xE8: (b"mrfx", 5), 0xEE: (b"Adobe", 12)}
_JFIF_NO_THUMBNAIL = b"\x00\x00"  # JFIF's thumbnail width and height, the last two of its 14 bytes
_JPEG_SOS, _JPEG_COM, _JPEG_EOI, _JPEG_LS_SOF = 0xDA, 0xFE, 0xD9, 0xF7
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length
# The next marker after entropy-coded data. In JPEG an FF byte there is followed by 00 (stuffing) or
# a restart marker; in JPEG-LS by a byte below 80 (a stuffed bit) or a restart marker.
_JPEG_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JPEG_LS_MARKER_IN_SCAN = re.compile(rb"\xff[\x80-\xcf\xd8-\xff]")
_J2K_SOT, _J2K_SOD, _J2K_COM, _J2K_TLM, _J2K_EOC = 0x90, 0x93, 0x64, 0x55, 0xD9
# Header markers that carry coding parameters (JPEG: ITU T.81 B.1.1.3 and JPEG-LS T.87; JPEG 2000:
# Part 1 A.2, Part 2 A.2 and Part 15's CAP/CPF). Any other marker could hold anything, and a
# decoder may need it, so a frame with one is refused rather than passed on or cut.
_JPEG_PARAMETER_MARKERS = frozenset(
    {*range(0xC0, 0xD0), 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, _JPEG_LS_SOF, 0xF8})
_J2K_PARAMETER_MARKERS = frozenset({*range(0x50, 0x64), *range(0x70, 0x7B)}) - {0x54, 0x56, 0x5A, 0x5B}
_JP2_HEADER_BOXES = frozenset({b"jP  ", b"ftyp", b"jp2h"})  # besides the codestream, what a JP2 must hold


def strip_frame(frame: bytes) -> tuple[bytes, int]:
    """`frame` with only what decoders need, and how many metadata pieces went.

    Raises UncheckableFrame when the frame is neither a JPEG/JPEG-LS nor a JPEG 2000 codestream
    (bare or as a JP2 file), or when its markers do not add up.
    """
    if frame.startswith(_JPEG_START):
        return _strip_jpeg(frame)
    if frame.startswith(_J2K_START):
        return _strip_j2k(frame)
    if frame.startswith(_JP2_SIGNATURE):
        codestream, boxes = _jp2_codestream(frame)
        cleaned, removed = _strip_j2k(codestream)
        return cleaned, removed + boxes
    raise UncheckableFrame("a compressed frame that is neither JPEG nor JPEG 2000")


def _marker_segment(frame: bytes, at: int) -> int:
    """The end of the marker segment starting at `at` (marker plus its length field and body)."""
    if at + 4 > len(frame):
        raise UncheckableFrame("a marker segment runs past the end of the frame")
    end = at + 2 + int.from_bytes(frame[at + 2 : at + 4], "big")
    if end > len(frame) or end < at + 4:
        raise UncheckableFrame("a marker segment runs past the end of the frame")
    return end


def _jpeg_kept(marker: int, segment: bytes) -> bytes | None:
    """`segment` as it stays (cut to what decoders read), or None when it goes."""
    if marker == _JPEG_COM:
        return None
    if not 0xE0 <= marker <= 0xEF:
        if marker not in _JPEG_PARAMETER_MARKERS:
            raise UncheckableFrame(f"an unknown JPEG marker (FF{marker:02X})")
        return segment
    identifier, size = _JPEG_KEPT_APPS.get(marker, (None, 0))
    body = segment[4:]
    if identifier is None or not body.startswith(identifier) or len(body) < size:
        return None  # EXIF, XMP, ICC, JFXX thumbnails, vendor notes...
    body = body[:size]
    if marker == 0xE0:
        body = body[:-2] + _JFIF_NO_THUMBNAIL
    return segment[:2] + (len(body) + 2).to_bytes(2, "big") + body


def _strip_jpeg(frame: bytes) -> tuple[bytes, int]:
    """Every marker segment from SOI to EOI, scans included (progressive files have COMs between
    scans too); what follows EOI is cut."""
    kept, removed, at, in_ls = [frame[:2]], 0, 2, False
    while True:
        if at + 2 > len(frame) or frame[at] != 0xFF:
            raise UncheckableFrame("a JPEG frame without its end marker")
        marker = frame[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == _JPEG_EOI:
            kept.append(frame[at : at + 2])
            at += 2
            break
        if marker in _STANDALONE:
            kept.append(frame[at : at + 2])
            at += 2
            continue
        end = _marker_segment(frame, at)
        segment = frame[at:end]
        cleaned = _jpeg_kept(marker, segment)
        if cleaned != segment:
            removed += 1
        if cleaned is not None:
            kept.append(cleaned)
        in_ls = in_ls or marker == _JPEG_LS_SOF
        at = end
        if marker == _JPEG_SOS:
            found = (_JPEG_LS_MARKER_IN_SCAN if in_ls else _JPEG_MARKER_IN_SCAN).search(frame, at)
            if found is None:
                raise UncheckableFrame("a JPEG scan without an end")
            kept.append(frame[at : found.start()])
            at = found.start()
    removed += _trailing(frame, at)
    return (b"".join(kept), removed) if removed else (frame, 0)


def _trailing(frame: bytes, at: int) -> int:
    """1 when bytes other than padding follow the end marker (they are cut either way)."""
    return 1 if frame[at:].strip(b"\x00") else 0


def _strip_j2k(frame: bytes) -> tuple[bytes, int]:
    """The main header and every tile-part header without COM segments (tile-part lengths fixed up;
    a tile-part length table, optional, is dropped when a length changed); what follows EOC is cut."""
    kept, removed, at, tlm = [frame[:2]], 0, 2, []
    while True:  # main header, up to the first tile-part
        if at + 2 > len(frame) or frame[at] != 0xFF:
            raise UncheckableFrame("a JPEG 2000 header that does not parse")
        marker = frame[at + 1]
        if marker == _J2K_SOT:
            break
        end = _marker_segment(frame, at)
        _check_j2k_marker(marker)
        if marker == _J2K_COM:
            removed += 1
        elif marker == _J2K_TLM:
            tlm.append(len(kept))
            kept.append(frame[at:end])
        else:
            kept.append(frame[at:end])
        at = end
    lengths_changed = False
    while frame[at : at + 2] == b"\xff\x90":
        start = at
        if at + 12 > len(frame):
            raise UncheckableFrame("a JPEG 2000 tile-part that does not parse")
        psot = struct.unpack(">I", frame[at + 6 : at + 10])[0]
        tile_end = start + psot if psot else len(frame.rstrip(b"\x00")) - 2  # 0: the last tile-part, up to EOC
        if tile_end > len(frame) or (psot and psot < 14):
            raise UncheckableFrame("a JPEG 2000 tile-part runs past the end of the frame")
        header, dropped, at = [], 0, _marker_segment(frame, at)
        while frame[at : at + 2] != b"\xff\x93":
            if at >= tile_end or frame[at] != 0xFF:
                raise UncheckableFrame("a JPEG 2000 tile-part header that does not parse")
            end = _marker_segment(frame, at)
            _check_j2k_marker(frame[at + 1])
            if frame[at + 1] == _J2K_COM:
                dropped += end - at
                removed += 1
            else:
                header.append(frame[at:end])
            at = end
        sot = frame[start : start + 12]
        if dropped and psot:
            sot = sot[:6] + struct.pack(">I", psot - dropped) + sot[10:]
            lengths_changed = True
        kept += [sot, *header, frame[at:tile_end]]
        at = tile_end
    if frame[at : at + 2] != b"\xff\xd9":
        raise UncheckableFrame("a JPEG 2000 frame without its end marker")
    kept.append(frame[at : at + 2])
    removed += _trailing(frame, at + 2)
    if lengths_changed:
        for index in tlm:
            kept[index] = b""
    return (b"".join(kept), removed) if removed else (frame, 0)


def _check_j2k_marker(marker: int) -> None:
    if marker != _J2K_COM and marker not in _J2K_PARAMETER_MARKERS:
        raise UncheckableFrame(f"an unknown JPEG 2000 marker (FF{marker:02X})")


def _jp2_codestream(frame: bytes) -> tuple[bytes, int]:
    """The codestream of a JP2 file (PS3.5 A.4.4 wants the bare codestream in Pixel Data), and how
    many boxes other than the ones every JP2 must have were dropped (XML, UUID, ...)."""
    at, others, codestream = 0, 0, None
    while at + 8 <= len(frame):
        length, kind = struct.unpack(">I4s", frame[at : at + 8])
        header = 8
        if length == 1:
            if at + 16 > len(frame):
                break
            length, header = struct.unpack(">Q", frame[at + 8 : at + 16])[0], 16
        elif length == 0:
            length = len(frame) - at
        if length < header or at + length > len(frame):
            raise UncheckableFrame("a JP2 box runs past the end of the frame")
        if kind == b"jp2c":
            codestream = frame[at + header : at + length]
        elif kind not in _JP2_HEADER_BOXES:
            others += 1
        at += length
    if codestream is None or not codestream.startswith(_J2K_START):
        raise UncheckableFrame("a JP2 frame without a codestream")
    return codestream, others


# ---------------------------------------------------------------------------------------------
# Pixel Data: fragments into frames, and back


def strip_codestream_metadata(ds: Dataset) -> int:
    """Remove metadata from every frame of encapsulated Pixel Data; how many pieces went.

    Pixel Data is rewritten only when something went (each frame then in one fragment, the Basic
    Offset Table recomputed, an Extended Offset Table dropped), so clean files keep their exact
    bytes. Raises InputError when a frame cannot be checked: nothing is written for that file.
    """
    syntax = transfer_syntax(ds)
    if not syntax.is_compressed or "PixelData" not in ds:
        return 0
    data = peek(ds, "PixelData")
    if syntax == RLELossless:
        return _reencode_rle(ds, data)
    video = videostream.kind_of(syntax)
    offsets = parse_basic_offsets(data)
    try:
        if video:
            cleaned, removed = videostream.strip_video(b"".join(_fragments(data)), syntax)
            frames = [cleaned[at : at + videostream.FRAGMENT_BYTES] for at in range(0, len(cleaned), videostream.FRAGMENT_BYTES)]
        else:
            frames, removed = _strip_frames(_fragments(data), offsets, _frame_count(ds))
    except UncheckableFrame as exc:
        raise InputError(f"compressed pixel data cannot be checked for hidden metadata ({exc}); nothing was written") from None
    if not removed:
        return 0
    items, starts, position = [], [], 0
    for frame in frames:
        frame += b"\x00" * (len(frame) % 2)  # fragments are even; a trailing NUL after the end marker is allowed
        starts.append(position)
        items.append(itemize_fragment(frame))
        position += 8 + len(frame)
    table = b"" if video or not offsets else b"".join(o.to_bytes(4, "little") for o in starts)
    ds.PixelData = itemize_fragment(table) + b"".join(items)
    ds["PixelData"].is_undefined_length = True
    drop_extended_offsets(ds)
    return removed


def _reencode_rle(ds: Dataset, data: bytes) -> int:
    """RLE Pixel Data decoded and encoded again (the decoder keeps the bits up to High Bit only).

    Returns 0: what went cannot be told from a different encoder's runs, so nothing is counted."""
    from pydicom.pixels import pixel_array

    fragments, count = fragment_views(data), _frame_count(ds)
    if len(fragments) != count:  # PS3.5 A.4.2: one fragment per frame
        raise InputError(f"compressed pixel data cannot be checked for hidden metadata ({len(fragments)} RLE "
                         f"fragments where the header says {count} frames); nothing was written")
    if _rle_holds_only_pixels(ds, fragments):
        return 0
    try:
        frames = pixel_array(ds, raw=True)
    except Exception as exc:  # noqa: BLE001 - damaged runs: refused, never passed on unread
        raise InputError(f"RLE pixel data cannot be decoded ({type(exc).__name__}); nothing was written") from None
    ds.compress(RLELossless, frames, encoding_plugin=_rle_encoder(), generate_instance_uid=False)  # keep the keyed UID
    drop_extended_offsets(ds)
    return 0


def _rle_holds_only_pixels(ds: Dataset, fragments: list[bytes]) -> bool:
    """Whether the RLE frames can be kept byte for byte (rlestream.py says when)."""
    from radshare.core.deid import pixelbits, rlestream

    try:
        rows, columns = int(peek(ds, "Rows")), int(peek(ds, "Columns"))
        samples, allocated = int(peek(ds, "SamplesPerPixel", 1) or 1), int(peek(ds, "BitsAllocated"))
    except (TypeError, ValueError):
        return False
    return rlestream.frames_hold_only_pixels(fragments, rows, columns, samples, allocated, pixelbits._bit_layout(ds))


EXTENDED_OFFSETS = ("ExtendedOffsetTable", "ExtendedOffsetTableLengths")


def drop_extended_offsets(ds: Dataset) -> None:
    """Remove the Extended Offset Table: it points into frames that were just rewritten."""
    for keyword in EXTENDED_OFFSETS:
        if keyword in ds:
            delattr(ds, keyword)


def _rle_encoder() -> str:
    """pylibjpeg-rle when installed (a hundred times faster), else pydicom's own encoder."""
    try:
        import rle  # noqa: F401 - pylibjpeg-rle

        return "pylibjpeg"
    except ImportError:
        return "pydicom"


_JPEG_SOFS = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0), _JPEG_LS_SOF})


def max_precision(data: bytes) -> int | None:
    """The largest sample precision (bits) any frame's codestream declares, from the JPEG frame
    header or the JPEG 2000 SIZ segment; None when a frame does not say (then assume the worst)."""
    found = []
    for fragment in _fragments(data):
        if fragment.startswith(_J2K_START):
            found.append((fragment[42] & 0x7F) + 1 if len(fragment) > 42 else None)
        elif fragment.startswith(_JPEG_START):
            try:
                found.append(_jpeg_precision(fragment))
            except UncheckableFrame:
                found.append(None)
    if not found or None in found:
        return None
    return max(found)


def _jpeg_precision(frame: bytes) -> int | None:
    at = 2
    while at + 4 < len(frame) and frame[at] == 0xFF:
        marker = frame[at + 1]
        if marker in _JPEG_SOFS:
            return frame[at + 4]
        if marker == _JPEG_SOS or marker in _STANDALONE:
            return None
        at = _marker_segment(frame, at)
    return None


def _frame_count(ds: Dataset) -> int:
    try:
        return max(1, int(peek(ds, "NumberOfFrames", 1) or 1))
    except (TypeError, ValueError):
        return 1


def _fragments(data: bytes) -> list[bytes]:
    fragments = list(generate_fragments(data))
    return fragments[1:]  # the first item is the Basic Offset Table


def fragment_views(data: bytes) -> list[memoryview]:
    """The fragments `_fragments` gives, as views into `data` instead of copies (RLE frames of
    2-3k-pixel images are megabytes each); the same items, and the same errors when damaged."""
    _, offsets = parse_fragments(data)
    view = memoryview(data)
    lengths = [int.from_bytes(view[at + 4 : at + 8], "little") for at in offsets]
    return [view[at + 8 : at + 8 + length] for at, length in zip(offsets, lengths)][1:]


def _strip_frames(fragments: list[bytes], offsets: list[int], count: int) -> tuple[list[bytes], int]:
    """Each frame cleaned; frames are the fragments grouped by the offset table, or by where a
    codestream starts when the table is empty (one frame: every fragment)."""
    starts = set(offsets)
    groups: list[list[bytes]] = []
    position = 0
    for fragment in fragments:
        begins = position in starts if offsets else fragment.startswith(_FRAME_STARTS)
        if not groups or (count > 1 and begins):
            groups.append([])
        groups[-1].append(fragment)
        position += 8 + len(fragment)
    if len(groups) != count:
        raise UncheckableFrame(f"{len(groups)} frames found where the header says {count}")
    frames, removed = [], 0
    for group in groups:
        cleaned, dropped = strip_frame(b"".join(group))
        frames.append(cleaned)
        removed += dropped
    return frames, removed
