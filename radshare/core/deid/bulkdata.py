"""Binary values kept as they are hold exactly what their description says, and nothing more.

Lookup tables, the ICC profile and the Extended Offset Table are known safe and copied byte for
byte, but nothing in a viewer shows bytes past a table's last entry, the text tags of an ICC
profile, or an offset table beside native pixels: each can carry a name out unseen. So:
- LUT data (palette colour tables, segmented ones too, Modality/VOI/Presentation LUTs at any
  depth) is cut to the entries its descriptor declares;
- an ICC profile that holds one of the patient's identifiers (as ASCII or UTF-16 text) goes;
- the Extended Offset Table stays only when it is exactly the table of the encapsulated frames.

Float Pixel Data past its frames is cut by pixelbits.trim_to_frames, like Pixel Data.
"""

from __future__ import annotations

import struct

from pydicom.dataset import Dataset

from radshare.core.deid.codestream import EXTENDED_OFFSETS, drop_extended_offsets
from radshare.core.model import Identifiers
from radshare.core.peek import peek, transfer_syntax

# LUT data tag -> its descriptor's tag: the palette colour tables (red, green, blue, alpha) and LUT Data.
_LUT_DATA = {0x00281201: 0x00281101, 0x00281202: 0x00281102, 0x00281203: 0x00281103, 0x00281204: 0x00281104,
             0x00283006: 0x00283002}
# Segmented palette tables (PS3.3 C.7.9.2): data tag -> descriptor tag.
_SEGMENTED_LUT_DATA = {0x00281221: 0x00281101, 0x00281222: 0x00281102, 0x00281223: 0x00281103}
_ICC_PROFILE = 0x00282000
_RECORD_CODES = 0x00120064  # De-identification Method Code Sequence: RadShare's own record, no tables
MAX_DEPTH = 48


def clean_bulk_values(ds: Dataset, identifiers: Identifiers) -> int:
    """Apply the rules above to `ds` (de-identified already) at every depth; how many values changed."""
    return _extended_offsets(ds) + _walk(ds, identifiers, depth=0)


def _walk(ds: Dataset, identifiers: Identifiers, depth: int) -> int:
    changed = 0
    for tag, elem in list(ds.items()):  # the stored elements, by int tag: most are never decoded here
        number = int(tag)
        if number in _LUT_DATA:
            changed += _cut_lut(ds, _LUT_DATA[number], number)
        elif number in _SEGMENTED_LUT_DATA:
            changed += _cut_segmented_lut(ds, _SEGMENTED_LUT_DATA[number], number)
        elif number == _ICC_PROFILE and _names_someone(peek(ds, "ICCProfile", b"") or b"", identifiers):
            del ds[number]
            changed += 1
        elif getattr(elem, "VR", None) == "SQ" and depth < MAX_DEPTH and number != _RECORD_CODES:
            for item in ds[number].value or []:
                changed += _walk(item, identifiers, depth + 1)
    return changed


def _cut_lut(ds: Dataset, descriptor_tag: int, data_tag: int) -> int:
    """LUT data cut to its declared entries (16-bit words; 8-bit tables may be packed in bytes)."""
    descriptor = ds[descriptor_tag].value if descriptor_tag in ds else None
    data = ds[data_tag].value
    if not isinstance(data, (bytes, bytearray)):
        return 0  # decoded as numbers (US/SS): its count is checked by the VR checks
    try:
        entries = int(descriptor[0]) or 65536  # PS3.3 C.7.6.3.1.5: 0 means 2^16
    except (TypeError, ValueError, IndexError):
        ds[data_tag].value = b""  # a table without a usable descriptor cannot be bounded
        return 1
    allowed = entries * 2
    if len(data) <= allowed + allowed % 2:
        return 0
    ds[data_tag].value = bytes(data[:allowed])
    return 1 if bytes(data[allowed:]).strip(b"\x00") else 0


def _cut_segmented_lut(ds: Dataset, descriptor_tag: int, data_tag: int) -> int:
    """A segmented table cut after the segment that completes its declared entries; a table
    whose segments do not parse is emptied (what it holds cannot be told from a name)."""
    data = ds[data_tag].value
    if not isinstance(data, (bytes, bytearray)):
        return 0
    descriptor = ds[descriptor_tag].value if descriptor_tag in ds else None
    try:
        entries = int(descriptor[0]) or 65536
    except (TypeError, ValueError, IndexError):
        entries = None
    end = _segments_end(data, entries) if entries else None
    if end is None:
        ds[data_tag].value = b""
        return 1
    if len(data) <= end:
        return 0
    ds[data_tag].value = bytes(data[:end])
    return 1 if bytes(data[end:]).strip(b"\x00") else 0


def _segments_end(data: bytes, entries: int) -> int | None:
    """Byte offset where the segments have produced `entries` values, or None (PS3.3 C.7.9.2:
    discrete 0 n y1..yn, linear 1 n y, indirect 2 n offset-low offset-high)."""
    words = struct.unpack(f"<{len(data) // 2}H", data[: len(data) // 2 * 2])
    starts: dict[int, int] = {}  # word offset of a segment -> index in `sizes`
    sizes: list[int] = []
    at, produced = 0, 0
    while produced < entries:
        if at + 2 > len(words):
            return None
        opcode, count = words[at], words[at + 1]
        starts[at] = len(sizes)
        if opcode == 0:
            size, at = count, at + 2 + count
        elif opcode == 1:
            size, at = count, at + 3
        elif opcode == 2 and at + 4 <= len(words):
            first = starts.get(words[at + 2] | words[at + 3] << 16)
            if first is None or first + count > len(sizes):
                return None
            size, at = sum(sizes[first : first + count]), at + 4
        else:
            return None
        if at > len(words):
            return None
        sizes.append(size)
        produced += size
    return at * 2


def _identifier_needles(identifiers: Identifiers) -> list[bytes]:
    words = {w.strip() for group in (identifiers.names, identifiers.ids, identifiers.institutions, identifiers.other)
             for w in group}
    needles = []
    for word in (w.upper() for w in words if len(w.strip()) >= 3):
        for encoding in ("latin-1", "utf-8", "utf-16-be", "utf-16-le"):
            try:
                needles.append(word.encode(encoding))
            except UnicodeEncodeError:
                continue
    return needles


def _names_someone(data: bytes, identifiers: Identifiers) -> bool:
    upper = bytes(data).upper()
    return any(needle in upper for needle in _identifier_needles(identifiers))


def _extended_offsets(ds: Dataset) -> int:
    """Keep the Extended Offset Table only when it matches the fragments exactly (PS3.3
    C.7.6.3.1.8: one fragment per frame, offsets of their item tags, lengths of their values)."""
    if not any(keyword in ds for keyword in EXTENDED_OFFSETS):
        return 0
    if transfer_syntax(ds).is_compressed and "PixelData" in ds:
        expected = _table_of(bytes(peek(ds, "PixelData", b"") or b""))
        given = tuple(bytes(peek(ds, keyword, b"") or b"") for keyword in EXTENDED_OFFSETS)
        if expected is not None and given == expected:
            return 0
    drop_extended_offsets(ds)
    return 1


def _table_of(data: bytes) -> tuple[bytes, bytes] | None:
    """(offsets, lengths) of the fragments after the (empty) Basic Offset Table, as 64-bit LE."""
    if len(data) < 8 or data[:4] != b"\xfe\xff\x00\xe0" or struct.unpack_from("<I", data, 4)[0] != 0:
        return None
    offsets, lengths, at, start = [], [], 8, 8
    while at + 8 <= len(data) and data[at : at + 4] == b"\xfe\xff\x00\xe0":
        length = struct.unpack_from("<I", data, at + 4)[0]
        offsets.append(at - start)
        lengths.append(length)
        at += 8 + length
    return struct.pack(f"<{len(offsets)}Q", *offsets), struct.pack(f"<{len(lengths)}Q", *lengths)
